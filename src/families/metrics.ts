// Metrics for HTTP: one gather hop to every shard thread (the `metrics` operation: INFO's worker
// snapshot plus the thread's own figures and its recent history), the Prometheus text of it, and the
// per-thread history the status page charts.
// Invariants: /metrics says what INFO says — its redis_* values are read from the INFO text made from
// the same snapshots (as redis_exporter reads INFO); a scrape is one operation per thread, run in
// parallel, and counts as no command. Each thread samples itself once a second into a ring of the
// last HISTORY_SECONDS (only while HTTP is served); nothing crosses threads until someone asks.

import type { ShardExec } from '../server/command-types.ts';
import type { CommandImpl } from '../server/command-types.ts';
import { Coordinator, type CoordinatedClient } from '../server/coordinator.ts';
import { defineOp, OpError } from '../server/shard-ops.ts';
import type { WorkerThread } from '../server/worker-thread.ts';
import { json, num } from '../util/codec.ts';
import { infoText, workerSnapshot, type WorkerSnapshot } from './info.ts';

/** How far back the status page's charts go. */
export const HISTORY_SECONDS = 300;

/** One thread at one moment (the charts' points). */
export interface ThreadPoint {
  /** ms since the epoch. */
  t: number;
  /** Commands per second over the last second. */
  ops: number;
  /** The shard's data bytes (what maxmemory limits) and the thread's V8 heap in use. */
  used: number;
  heap: number;
  keys: number;
  clients: number;
}

/** A thread's figures beyond INFO's snapshot. */
export interface ThreadFigures {
  thread: number;
  keys: number;
  clients: number;
  meshSent: number;
  meshServed: number;
}

export interface ThreadSample {
  snap: WorkerSnapshot;
  own: ThreadFigures;
  /** Points after the `since` asked for. */
  history: ThreadPoint[];
}

/** A thread's ring of points (per worker: the in-process rig runs several in one thread). */
class ThreadHistory {
  readonly points: ThreadPoint[] = [];
  private lastCmds = -1;
  private lastAt = 0;

  sample(worker: WorkerThread): void {
    const now = Date.now();
    const cmds = worker.stats.commandsProcessed;
    const ops = this.lastCmds < 0 ? 0 : ((cmds - this.lastCmds) * 1000) / Math.max(1, now - this.lastAt);
    this.lastCmds = cmds;
    this.lastAt = now;
    const heap = process.memoryUsage().heapUsed;
    this.points.push({ t: now, ops: Math.round(ops), used: worker.shard.usedMemory(), heap, keys: keysOf(worker), clients: worker.clients.size });
    if (this.points.length > HISTORY_SECONDS) this.points.shift();
  }

  since(t: number): ThreadPoint[] {
    let i = this.points.length;
    while (i > 0 && this.points[i - 1].t > t) i--;
    return this.points.slice(i);
  }
}

const histories = new Map<WorkerThread, ThreadHistory>();

function keysOf(worker: WorkerThread): number {
  let n = 0;
  for (const db of worker.shard.dbs) n += db.size;
  return n;
}

/** Starts `worker`'s once-a-second sampling (idempotent); the timer does not keep the thread alive. */
export function startHistory(worker: WorkerThread): void {
  if (histories.has(worker)) return;
  const h = new ThreadHistory();
  histories.set(worker, h);
  h.sample(worker);
  setInterval(() => {
    try {
      h.sample(worker);
    } catch (e) {
      worker.fault(e, 'the metrics sampler');
    }
  }, 1000).unref();
}

/** metrics since: this thread's INFO snapshot, own figures, and its history points after `since` (ms). */
const METRICS = defineOp('metrics', num, json<ThreadSample>(), (x: ShardExec, since: number) => {
  const worker = x.worker;
  return {
    snap: workerSnapshot(x),
    own: { thread: worker.index, keys: keysOf(worker), clients: worker.clients.size, meshSent: worker.mesh.sentRequests, meshServed: worker.mesh.servedRequests },
    history: histories.get(worker)?.since(since) ?? [],
  };
});

/** A coordinator for asking the shards (no client behind it: nothing is queued or counted). */
function gathererOf(worker: WorkerThread): Coordinator {
  const self: CoordinatedClient = {
    id: 0n,
    worker,
    db: 0,
    resp: 2,
    noTouch: true,
    current: null,
    watched: [],
    watchShards: new Set(),
    addPending: () => {
      throw new Error('the metrics gatherer queues no reply');
    },
    holdPipeline() {},
    resumePipeline() {},
  };
  return new Coordinator(self);
}
const gatherers = new Map<WorkerThread, Coordinator>();

/** Every thread's sample, in thread order (one hop; `since`: history points after it, Infinity: none). */
export async function gatherThreads(worker: WorkerThread, since = Infinity): Promise<ThreadSample[]> {
  let g = gatherers.get(worker);
  if (g === undefined) gatherers.set(worker, (g = gathererOf(worker)));
  const asks: Promise<ThreadSample | OpError>[] = [];
  for (let s = 0; s < worker.n; s++) asks.push(g.op(s, METRICS, since));
  const out = await Promise.all(asks);
  for (const r of out) if (r instanceof OpError) throw new Error(r.text);
  return out as ThreadSample[];
}

/** The INFO sections /metrics and the status page read. */
const SECTIONS = new Set(['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'commandstats', 'errorstats', 'keyspace']);

/** INFO's fields (name → value) made from the samples' snapshots. */
export function infoFields(worker: WorkerThread, samples: ThreadSample[]): Map<string, string> {
  const text = infoText(worker, SECTIONS, samples.map((s) => s.snap));
  const out = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && line[0] !== '#') out.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return out;
}

/** `a=1,b=2` → {a: '1', b: '2'} (INFO's commandstats and keyspace values). */
export function subFields(v: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of v.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

export const commands: Record<string, CommandImpl> = {};
export const ops = [METRICS];
