// The status page's data (`/api/stats`, and embedded in the page itself): server facts and keyspace
// from INFO's fields, per-thread figures and chart points from one gather, and the slowlog.
// Invariants: the figures come from one INFO snapshot (as /metrics's) and one history gather, both
// one hop, run together; the JSON is plain
// numbers and strings, safe to embed in a <script> once `<` is escaped.

import type { InfoSnapshot } from '../families/info.ts';
import type { ThreadHistoryPart, ThreadPoint } from '../families/metrics.ts';
import { gatherSlowlog, infoFields, subFields, threadKeys } from '../families/metrics.ts';
import type { WorkerThread } from '../server/worker-thread.ts';

/** One SLOWLOG GET entry, as the page shows it (the fields of Redis's entry, arguments as text). */
export interface SlowlogRow {
  id: number;
  /** Unix time (s) and duration (µs). */
  time: number;
  usec: number;
  args: string[];
  /** The client's ip:port and name. */
  addr: string;
  name: string;
}

export interface StatsJson {
  now: number;
  server: Record<string, string>;
  keyspace: { db: string; keys: number; expires: number; avgTtl: number }[];
  threads: { thread: number; keys: number; clients: number; ops: number; used: number; heap: number; cpu: number; points: ThreadPoint[] }[];
  /** null: this build has no SLOWLOG to show. */
  slowlog: SlowlogRow[] | null;
}

/** The INFO fields the page shows under "Server". */
const SERVER_FIELDS = [
  'redis_version', 'damselfly_version', 'tcp_port', 'uptime_in_seconds', 'thread_count', 'connected_clients', 'blocked_clients', 'used_memory',
  'used_memory_human', 'used_memory_rss_human', 'maxmemory_human', 'maxmemory_policy', 'total_commands_processed', 'instantaneous_ops_per_sec',
  'keyspace_hits', 'keyspace_misses', 'expired_keys', 'evicted_keys', 'total_connections_received', 'run_id', 'os',
];

/** The slowlog's latest `count` entries, newest first: every thread's merged by id, as SLOWLOG GET. */
export async function slowlogEntries(worker: WorkerThread, count: number): Promise<SlowlogRow[] | null> {
  const entries = await gatherSlowlog(worker, count);
  return entries.map(([id, time, usec, args, addr, name]) => ({ id, time, usec, args: args.map((a) => a.toString('latin1')), addr, name }));
}

export function statsJson(snapshot: InfoSnapshot, history: ThreadHistoryPart[], slowlog: SlowlogRow[] | null): StatsJson {
  const info = infoFields(snapshot);
  const server: Record<string, string> = {};
  for (const f of SERVER_FIELDS) if (info.has(f)) server[f] = info.get(f)!;
  const keyspace: StatsJson['keyspace'] = [];
  for (const [k, v] of info) {
    if (!/^db\d+$/.test(k)) continue;
    const f = subFields(v);
    keyspace.push({ db: k, keys: Number(f.keys), expires: Number(f.expires), avgTtl: Number(f.avg_ttl) });
  }
  return {
    now: Date.now(),
    server,
    keyspace,
    threads: snapshot.threads.map((s) => ({
      thread: s.thread,
      keys: threadKeys(s),
      clients: s.clients,
      ops: s.opsRate,
      used: s.mem.used,
      heap: s.mem.allocated,
      cpu: (s.cpuUser + s.cpuSys) / 1e6,
      points: history.find((h) => h.thread === s.thread)?.points ?? [],
    })),
    slowlog,
  };
}
