// The status page's data (`/api/stats`, and embedded in the page itself): server facts and keyspace
// from INFO's fields, per-thread figures and chart points from one gather, and the slowlog.
// Invariants: everything comes from one gather (the same snapshot /metrics uses); the JSON is plain
// numbers and strings, safe to embed in a <script> once `<` is escaped.

import type { ThreadPoint, ThreadSample } from '../families/metrics.ts';
import { subFields } from '../families/metrics.ts';
import type { WorkerThread } from '../server/worker-thread.ts';

export interface SlowlogEntry {
  id: number;
  /** Unix time (s) and duration (µs), as SLOWLOG GET. */
  time: number;
  micros: number;
  args: string[];
  client: string;
  name: string;
}

export interface StatsJson {
  now: number;
  server: Record<string, string>;
  keyspace: { db: string; keys: number; expires: number; avgTtl: number }[];
  threads: { thread: number; keys: number; clients: number; ops: number; used: number; heap: number; cpu: number; points: ThreadPoint[] }[];
  /** null: this build has no SLOWLOG to show. */
  slowlog: SlowlogEntry[] | null;
}

/** The INFO fields the page shows under "Server". */
const SERVER_FIELDS = [
  'redis_version', 'damselfly_version', 'tcp_port', 'uptime_in_seconds', 'thread_count', 'connected_clients', 'blocked_clients', 'used_memory',
  'used_memory_human', 'used_memory_rss_human', 'maxmemory_human', 'maxmemory_policy', 'total_commands_processed', 'instantaneous_ops_per_sec',
  'keyspace_hits', 'keyspace_misses', 'expired_keys', 'evicted_keys', 'total_connections_received', 'run_id', 'os',
];

/**
 * The slowlog's latest entries. STUB: SLOWLOG belongs to another part of the operations work (the
 * `latency` branch); until it is wired here the page shows its panel as unavailable (null).
 */
export function slowlogEntries(_worker: WorkerThread, _count: number): Promise<SlowlogEntry[] | null> {
  return Promise.resolve(null);
}

export function statsJson(info: Map<string, string>, samples: ThreadSample[], slowlog: SlowlogEntry[] | null): StatsJson {
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
    threads: samples.map((s) => ({
      thread: s.own.thread,
      keys: s.own.keys,
      clients: s.own.clients,
      ops: s.snap.opsRate,
      used: s.snap.mem.used,
      heap: s.snap.mem.allocated,
      cpu: (s.snap.cpuUser + s.snap.cpuSys) / 1e6,
      points: s.history,
    })),
    slowlog,
  };
}
