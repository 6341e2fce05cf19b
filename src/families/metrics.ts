// What HTTP reads of the shard threads: INFO's snapshot of every section (info.ts gatherInfo: one
// stats operation per thread, in parallel) and the per-thread history the status page charts (the
// `http-history` operation, also one hop).
// Invariants: /metrics says what INFO says — it reads the same snapshot INFO prints; a gather counts
// as no command. Each thread samples itself once a second into a ring of the last HISTORY_SECONDS
// (only while HTTP is served); nothing crosses threads until someone asks.

import { getHeapStatistics } from 'node:v8';
import type { ShardExec } from '../server/command-types.ts';
import type { CommandImpl } from '../server/command-types.ts';
import { defineOp, OpError } from '../server/shard-ops.ts';
import type { WorkerThread } from '../server/worker-thread.ts';
import { json, num } from '../util/codec.ts';
import { gatherInfo, type InfoSnapshot } from './info.ts';
import type { WorkerSnapshot } from './info-snapshot.ts';
import { mergeEntries, SLOWLOG_ENTRIES, type EntryTuple } from './slowlog.ts';

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

/** One thread's chart points after the `since` asked for. */
export interface ThreadHistoryPart {
  thread: number;
  points: ThreadPoint[];
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
    const heap = getHeapStatistics().used_heap_size;
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

/** history since: this thread's chart points after `since` (ms since the epoch). */
const HISTORY = defineOp('http-history', num, json<ThreadHistoryPart>(), (x: ShardExec, since: number) => ({
  thread: x.worker.index,
  points: histories.get(x.worker)?.since(since) ?? [],
}));

/** The shards' results, or the first shard's failure thrown. */
function allAnswered<R>(results: (R | OpError)[]): R[] {
  for (const r of results) if (r instanceof OpError) throw new Error(r.text);
  return results as R[];
}

/** Every thread's chart points after `since`, in thread order (one hop). */
export async function gatherHistory(worker: WorkerThread, since: number): Promise<ThreadHistoryPart[]> {
  return allAnswered(await worker.askEveryShard(HISTORY, since));
}

/** The slow log's newest `count` entries, every thread's merged as SLOWLOG GET merges them (one hop). */
export async function gatherSlowlog(worker: WorkerThread, count: number): Promise<EntryTuple[]> {
  return mergeEntries(allAnswered(await worker.askEveryShard(SLOWLOG_ENTRIES, null)), worker.timing.slowlogMaxLen).slice(0, count);
}

/** INFO's snapshot of every section (Threads included) for /metrics and the page: one hop (info.ts's gatherInfo). */
export async function gatherEverything(worker: WorkerThread): Promise<InfoSnapshot> {
  const info = await gatherInfo(worker, ['everything']);
  if (typeof info === 'string') throw new Error(info);
  return info;
}

/** INFO's fields (name → value as printed), every section's together. */
export function infoFields(info: InfoSnapshot): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of info.sections) for (const [k, v] of s.fields) out.set(k, v);
  return out;
}

/** Keys a thread's snapshot counts, all databases. */
export function threadKeys(snap: WorkerSnapshot): number {
  let n = 0;
  for (const [, keys] of snap.dbs) n += keys;
  return n;
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
export const ops = [HISTORY];
