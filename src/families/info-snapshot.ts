// INFO's figures: one shard thread's counters (the `stats` shard operation snapshots them on their own
// thread) and their sum over every thread (InfoTotals), which the INFO sections and /metrics read.
// Invariants: counters live per thread and are only read by it; a snapshot copies everything it
// reports (it crosses threads as JSON); summing is the only place figures from several threads meet
// (counts add up, buffers take the maximum, Pub/Sub names are counted once over all threads).

import type { ShardExec } from '../server/command-types.ts';
import type { CommandTable } from '../server/command-table.ts';
import { clientMemoryOf } from '../server/client-memory.ts';
import { defineOp } from '../server/shard-ops.ts';
import { json, none } from '../util/codec.ts';
import { memorySnapshot, type MemorySnapshot } from './memory.ts';
import { histogramSnapshot, type HistogramSnapshot } from './latency.ts';

/** Counters that add up over the threads. */
const SUMMED = [
  'conns', 'rejected', 'cmds', 'netIn', 'netOut', 'reads', 'writes', 'opsRate', 'inRate', 'outRate', 'hits', 'misses', 'expired', 'evicted',
  'cpuUser', 'cpuSys', 'trackingClients', 'trackingKeys', 'trackingItems', 'outputLimitClosed', 'meshSent', 'meshServed',
  'expireCycleUs', 'expireCapReached', 'expiredStale', 'timeoutClients', 'evictedClients', 'evictionExceededMs',
] as const;
type Summed = Record<(typeof SUMMED)[number], number>;

/** One shard thread's counters, as the stats operation reports them. */
export interface WorkerSnapshot extends Summed {
  /** The thread's index (its shard). */
  thread: number;
  /** [command index, calls, usec, rejected, failed] for commands with any activity. */
  cmd: [number, number, number, number, number][];
  /** [error code, count] (errorstats). */
  err: [string, number][];
  /** [db, keys, expires, sampled average ttl in ms] for non-empty databases. */
  dbs: [number, number, number, number][];
  mem: MemorySnapshot;
  /** This thread's connected clients. */
  clients: number;
  /** The largest query buffer and output buffer among this thread's clients in the last 8 seconds. */
  maxIn: number;
  maxOut: number;
  /** BCAST prefixes registered on this shard (every shard has them all). */
  trackingPrefixes: number;
  /** How long the shard has been over its maxmemory share without eviction ending it (ms; 0: within). */
  evictionExceededNowMs: number;
  /** This thread's active Pub/Sub names (channels, patterns, shard channels): INFO counts their union. */
  pubsub: [string[], string[], string[]];
  /** Per-command latency histograms (INFO latencystats). */
  lat: HistogramSnapshot;
  /** This thread's slow log: [entries, newest id, newest µs] (0s when empty), for /metrics. */
  slow: [number, number, number];
}

/** This thread's counters (what INFO sums over the shard threads). */
export function workerSnapshot(x: ShardExec): WorkerSnapshot {
  const worker = x.worker;
  const st = worker.stats;
  const cs = worker.cmdStats;
  const cmd: WorkerSnapshot['cmd'] = [];
  for (let i = 0; i < cs.calls.length; i++) {
    if (cs.calls[i] || cs.rejected[i] || cs.failed[i]) cmd.push([i, cs.calls[i], cs.usec[i], cs.rejected[i], cs.failed[i]]);
  }
  const now = Date.now();
  const dbs: WorkerSnapshot['dbs'] = [];
  let expired = 0;
  x.shard.dbs.forEach((db, i) => {
    expired += db.expiredCount;
    if (db.size === 0) return;
    dbs.push([i, db.size, db.expiresCount, db.averageTtl(now, 64)]);
  });
  // Now's buffers count in this second's slot, as Redis's cron samples them.
  worker.sampleClientBuffers();
  const [maxIn, maxOut] = worker.clientPeaks.peaks();
  let trackingClients = 0;
  let timeoutClients = 0;
  for (const conn of worker.clients.values()) {
    if (conn.tracking !== null) trackingClients++;
    if (conn.blockState !== null && conn.blockState.timed) timeoutClients++;
  }
  const ss = x.shard.stats;
  const cpu = process.threadCpuUsage();
  return {
    thread: worker.index,
    conns: st.connectionsReceived,
    rejected: st.rejectedConnections,
    cmds: st.commandsProcessed,
    netIn: st.netInputBytes,
    netOut: st.netOutputBytes,
    reads: st.readsProcessed,
    writes: st.writesProcessed,
    // Redis keeps these as integers per second.
    opsRate: Math.floor(worker.instant.rate(0)),
    inRate: Math.floor(worker.instant.rate(1)),
    outRate: Math.floor(worker.instant.rate(2)),
    hits: ss.keyspaceHits,
    misses: ss.keyspaceMisses,
    expired,
    evicted: ss.evictedKeys,
    expireCycleUs: ss.expireCycleUs,
    expireCapReached: ss.expireTimeCapReached,
    expiredStale: ss.expiredStale,
    timeoutClients,
    evictedClients: clientMemoryOf(worker).evicted,
    evictionExceededMs: ss.evictionExceededMs,
    evictionExceededNowMs: ss.evictionExceededSince === 0 ? 0 : performance.now() - ss.evictionExceededSince,
    cmd,
    err: [...st.errors],
    dbs,
    mem: memorySnapshot(x),
    clients: worker.clients.size,
    maxIn,
    maxOut,
    trackingClients,
    trackingKeys: worker.tracking.keys.size,
    trackingItems: worker.tracking.items,
    trackingPrefixes: worker.tracking.prefixes.size,
    cpuUser: cpu.user,
    cpuSys: cpu.system,
    outputLimitClosed: st.outputLimitDisconnections,
    meshSent: worker.mesh.sentRequests,
    meshServed: worker.mesh.servedRequests,
    pubsub: [[...worker.pubsub.channels.keys()], [...worker.pubsub.patterns.keys()], [...worker.pubsub.shardChannels.keys()]],
    lat: histogramSnapshot(x),
    slow: slowlogFigures(worker.timing.slowlog),
  };
}

/** The `stats` shard operation: this thread's snapshot. */
export const STATS = defineOp('stats', none, json<WorkerSnapshot>(), (x) => workerSnapshot(x));

/** Every thread's counters added up. */
export interface InfoTotals extends Summed {
  /** Error code → count, and their sum (total_error_replies). */
  errors: Map<string, number>;
  errorReplies: number;
  /** Command index → [calls, usec, rejected, failed]. */
  cmd: Map<number, [number, number, number, number]>;
  /** db → [keys, expires, ttl × expires (for the weighted average)]. */
  dbs: Map<number, [number, number, number]>;
  clients: number;
  maxIn: number;
  maxOut: number;
  trackingPrefixes: number;
  /** The longest current eviction-exceeded spell over the shards (ms). */
  evictionExceededNowMs: number;
  /** Distinct channels, patterns, shard channels over every thread. */
  pubsub: [number, number, number];
}

export function sumSnapshots(table: CommandTable, snaps: WorkerSnapshot[]): InfoTotals {
  const t: InfoTotals = {
    ...(Object.fromEntries(SUMMED.map((k) => [k, 0])) as Summed),
    errors: new Map(), errorReplies: 0, cmd: new Map(), dbs: new Map(), clients: 0, maxIn: 0, maxOut: 0, trackingPrefixes: 0, evictionExceededNowMs: 0, pubsub: [0, 0, 0],
  };
  const names = [new Set<string>(), new Set<string>(), new Set<string>()];
  for (const s of snaps) for (let k = 0; k < 3; k++) for (const n of s.pubsub[k]) names[k].add(n);
  t.pubsub = [names[0].size, names[1].size, names[2].size];
  for (const s of snaps) {
    for (const k of SUMMED) t[k] += s[k];
    for (const [code, n] of s.err) {
      t.errors.set(code, (t.errors.get(code) ?? 0) + n);
      t.errorReplies += n;
    }
    for (const [i, calls, usec, rej, failed] of s.cmd) {
      if (table.all[i] === undefined) continue;
      const cur = t.cmd.get(i) ?? [0, 0, 0, 0];
      cur[0] += calls;
      cur[1] += usec;
      cur[2] += rej;
      cur[3] += failed;
      t.cmd.set(i, cur);
    }
    for (const [db, keys, expires, avg] of s.dbs) {
      const cur = t.dbs.get(db) ?? [0, 0, 0];
      cur[0] += keys;
      cur[1] += expires;
      cur[2] += avg * expires;
      t.dbs.set(db, cur);
    }
    t.clients += s.clients;
    t.maxIn = Math.max(t.maxIn, s.maxIn);
    t.maxOut = Math.max(t.maxOut, s.maxOut);
    t.trackingPrefixes = Math.max(t.trackingPrefixes, s.trackingPrefixes);
    t.evictionExceededNowMs = Math.max(t.evictionExceededNowMs, s.evictionExceededNowMs);
  }
  return t;
}

/** [entries, newest id, newest µs] of a thread's slow log (oldest first). */
function slowlogFigures(log: readonly { id: number; usec: number }[]): [number, number, number] {
  const newest = log.length > 0 ? log[log.length - 1] : null;
  return [log.length, newest?.id ?? 0, newest?.usec ?? 0];
}
