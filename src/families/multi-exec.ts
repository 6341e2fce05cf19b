// Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH, and the internal commands behind them.
// Invariants: between MULTI and EXEC commands are queued on the client's thread (the dispatcher
// queues them; errors while queuing make EXEC answer EXECABORT); EXEC runs the queue as one
// transaction (src/server/transaction.ts) that locks every key the queued commands name, plus the
// watched keys, so nothing interleaves; WATCH records live on the shards owning the keys and are
// checked inside that transaction; EXEC, DISCARD and disconnecting drop them.

import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { CommandImpl } from '../server/command-types.ts';
import { MultiState, type Client } from '../server/client.ts';
import { EXEC_SLICE, runQueued } from '../server/dispatcher.ts';
import { nextTurn } from '../util/next-turn.ts';
import { LockPlan } from '../transaction/transaction.ts';
import { GLOBAL_WRITE, NO_GLOBAL } from '../transaction/tx-shard.ts';
import { FACT_GLOBAL_WRITE, FACT_SELECTS_DB, FLAG_WRITE } from '../server/command-table.ts';
import { shardOfKey } from '../runtime/slots.ts';
import { OpError } from '../server/shard-ops.ts';
import { WATCH, WATCH_CHECK, WATCH_OPS } from '../server/watch-ops.ts';
import { parseInteger } from './family-util.ts';

const EXECABORT = 'EXECABORT Transaction discarded because of previous errors.';

/** MULTI */
function multi(c: Client, _args: Buffer[], w: ReplyWriter): void {
  if (c.multi !== null) return w.error('ERR MULTI calls can not be nested');
  c.multi = new MultiState();
  w.ok();
}

/** DISCARD */
function discard(c: Client, _args: Buffer[], w: ReplyWriter): void {
  if (c.multi === null) return w.error('ERR DISCARD without MULTI');
  c.multi = null;
  c.coord.dropWatches();
  w.ok();
}


/** WATCH key [key ...] */
function watch(c: Client, args: Buffer[], w: ReplyWriter): void {
  if (c.multi !== null) return w.error('ERR WATCH inside MULTI is not allowed');
  const n = c.worker.n;
  const handle = c.coord.watchHandle();
  const parts = new Map<number, Buffer[]>();
  for (let i = 1; i < args.length; i++) {
    const s = shardOfKey(args[i], n);
    let part = parts.get(s);
    if (part === undefined) parts.set(s, (part = []));
    part.push(args[i]);
    c.watched.push({ db: c.db, key: Buffer.from(args[i]) });
    c.watchShards.add(s);
  }
  c.coord.fanoutOp(WATCH, [...parts].map(([s, keys]) => [s, [handle, keys]]), replyOk, w);
}

/** +OK once every part is done, or the first failure. */
function replyOk(results: (null | OpError)[], w: ReplyWriter): void {
  for (const r of results) if (r instanceof OpError) return w.error(r.text);
  w.ok();
}

/** UNWATCH */
function unwatch(c: Client, _args: Buffer[], w: ReplyWriter): void {
  c.coord.dropWatches();
  w.ok();
}

/** EXEC */
async function exec(c: Client, _args: Buffer[], w: ReplyWriter): Promise<void> {
  const state = c.multi;
  if (state === null) return w.error('ERR EXEC without MULTI');
  c.multi = null;
  if (state.dirty) {
    c.coord.dropWatches();
    return w.error(EXECABORT);
  }
  const worker = c.worker;
  const n = worker.n;
  // Lock every key the queued commands name (in the database in effect at that point: SELECT may
  // come first), and the watched keys (shared), on the shards that hold them.
  const plan = new LockPlan(true);
  let global = false;
  let db = c.db;
  for (let qi = 0; qi < state.count; qi++) {
    // A long queue's plan is built in slices too (no lock is held yet; the client's pipeline waits).
    if (qi > 0 && qi % EXEC_SLICE === 0) await nextTurn();
    const q = state.at(qi);
    // globalWrite commands (FLUSHALL, FLUSHDB, SWAPDB) act on every key: whole-shard locks.
    if (q.cmd.hasFact(FACT_GLOBAL_WRITE)) global = true;
    if (q.cmd.hasFact(FACT_SELECTS_DB)) {
      // Parsed as SELECT parses it: a SELECT that will fail leaves the database as it is.
      const i = parseInteger(q.args[1]);
      if (typeof i === 'number' && i >= 0 && i < worker.shard.dbs.length) db = i;
      continue;
    }
    if (q.cmd.impl.shard === undefined) continue;
    const write = q.cmd.hasFlag(FLAG_WRITE);
    for (const i of q.cmd.keyIndexes(q.args)) plan.add(shardOfKey(q.args[i], n), db, q.args[i], write);
    const other = q.cmd.impl.otherDbKey?.(q.args) ?? null;
    if (other !== null && other[1] < worker.shard.dbs.length) plan.add(shardOfKey(q.args[other[0]], n), other[1], q.args[other[0]], write);
    // Keys a command reads without naming them (SORT BY/GET patterns): whole shards are locked.
    const derived = q.cmd.derivedShards(q.args, n);
    if (derived === null) {
      global = true;
      for (let s = 0; s < n; s++) plan.touch(s);
    } else if (derived.length > 0) {
      global = true;
      for (const s of derived) plan.touch(s);
    }
  }
  for (const { db: wdb, key } of c.watched) plan.add(shardOfKey(key, n), wdb, key, false);
  const watchShards = [...c.watchShards];
  c.watchShards.clear();
  c.watched.length = 0;
  if (global) for (let s = 0; s < n; s++) plan.touch(s);
  if (plan.byShard.size === 0) plan.touch(worker.index);

  const tx = await c.coord.beginTx(plan, global ? GLOBAL_WRITE : NO_GLOBAL);
  tx.finalizeAll();
  c.coord.txFinalized();
  try {
    c.coord.tx = tx;
    if (watchShards.length > 0) {
      const handle = c.coord.watchHandle();
      const dirty = await Promise.all(watchShards.map((s) => c.coord.op(s, WATCH_CHECK, handle)));
      if (dirty.some((d) => d !== false)) return w.nullArray();
    }
    const replies = await runQueued(c, tx, state);
    w.array(replies.length);
    for (let i = 0; i < replies.length; i++) {
      // The reply of a long queue is written in slices too (w is this EXEC's own writer).
      if (i > 0 && i % EXEC_SLICE === 0) await nextTurn();
      w.raw(replies[i]);
      worker.recordReply(state.cmdAt(i), replies[i]);
      // The slow log sees EXEC's commands (EXEC itself is not logged, as in Redis) without a time of
      // their own: they ran as hops of one transaction, so only a threshold of 0 logs them.
      if (worker.timing.slowerThan === 0) worker.noteSlow(c, state.cmdAt(i), state.at(i).args, 0, null);
    }
  } finally {
    c.coord.tx = null;
    c.capture = null;
    tx.end();
  }
}

export const commands: Record<string, CommandImpl> = {
  multi: { conn: multi },
  exec: { connAsync: exec },
  discard: { conn: discard },
  watch: { conn: watch },
  unwatch: { conn: unwatch },
};

export const ops = WATCH_OPS;
