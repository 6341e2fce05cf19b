// Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH, and the internal commands behind them.
// Invariants: between MULTI and EXEC commands are queued on the client's thread (the Connection
// queues them; errors while queuing make EXEC answer EXECABORT); EXEC runs the queue as one
// transaction (src/server/transaction.ts) that locks every key the queued commands name, plus the
// watched keys, so nothing interleaves; WATCH records live on the shards owning the keys and are
// checked inside that transaction; EXEC, DISCARD and disconnecting drop them.

import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { CommandImpl, ShardExec } from '../server/command-types.ts';
import { CapturedReply, allOn, mergeOk, type Connection, type QueuedCommand } from '../server/connection.ts';
import { LockPlan, type Transaction } from '../server/transaction.ts';
import { GLOBAL_WRITE, NO_GLOBAL } from '../server/tx-shard.ts';
import { FACT_GLOBAL_WRITE, FACT_SELECTS_DB, FLAG_WRITE, type Command } from '../server/command-table.ts';
import { REQ_NO_TOUCH, REQ_PART } from '../server/command-types.ts';
import { shardOfKey } from '../runtime/slots.ts';
import { replyInteger } from '../protocol/reply-reader.ts';
import { unwatchAll, watchKey, WatchRecord } from '../engine/watch.ts';
import { keyString, parseInteger } from './family-util.ts';

const EXECABORT = 'EXECABORT Transaction discarded because of previous errors.';

/** MULTI */
function multi(c: Connection, _args: Buffer[], w: ReplyWriter): void {
  if (c.multi !== null) return w.error('ERR MULTI calls can not be nested');
  c.multi = { queued: [], dirty: false };
  w.ok();
}

/** DISCARD */
function discard(c: Connection, _args: Buffer[], w: ReplyWriter): void {
  if (c.multi === null) return w.error('ERR DISCARD without MULTI');
  c.multi = null;
  c.dropWatches();
  w.ok();
}


/** WATCH key [key ...] */
function watch(c: Connection, args: Buffer[], w: ReplyWriter): void {
  if (c.multi !== null) return w.error('ERR WATCH inside MULTI is not allowed');
  const n = c.worker.n;
  const handle = c.watchHandle();
  const parts = new Map<number, Buffer[]>();
  for (let i = 1; i < args.length; i++) {
    const s = shardOfKey(args[i], n);
    let part = parts.get(s);
    if (part === undefined) parts.set(s, (part = [WATCH_CMD, handle]));
    part.push(args[i]);
    c.watched.push({ db: c.db, key: Buffer.from(args[i]) });
    c.watchShards.add(s);
  }
  c.fanout(c.worker.command('__watch'), [...parts], mergeOk, w);
}

const WATCH_CMD = Buffer.from('__watch');
const CHECK_CMD = Buffer.from('__watchcheck');

/** UNWATCH */
function unwatch(c: Connection, _args: Buffer[], w: ReplyWriter): void {
  c.dropWatches();
  w.ok();
}

/** EXEC */
async function exec(c: Connection, _args: Buffer[], w: ReplyWriter): Promise<void> {
  const state = c.multi;
  if (state === null) return w.error('ERR EXEC without MULTI');
  c.multi = null;
  if (state.dirty) {
    c.dropWatches();
    return w.error(EXECABORT);
  }
  const worker = c.worker;
  const n = worker.n;
  // Lock every key the queued commands name (in the database in effect at that point: SELECT may
  // come first), and the watched keys (shared), on the shards that hold them.
  const plan = new LockPlan();
  let global = false;
  let db = c.db;
  for (const q of state.queued) {
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

  const tx = await c.beginTx(plan, global ? GLOBAL_WRITE : NO_GLOBAL);
  tx.finalizeAll();
  c.txFinalized();
  try {
    if (watchShards.length > 0) {
      const check = worker.command('__watchcheck');
      const handle = c.watchHandle();
      const answers = await Promise.all(watchShards.map((s) => tx.runAsync(s, check, 0, 2, REQ_PART, [CHECK_CMD, handle])));
      if (answers.some((r) => replyInteger(r) !== 0)) return w.nullArray();
    }
    c.tx = tx;
    const replies = await runQueued(c, tx, state.queued);
    w.array(replies.length);
    for (let i = 0; i < replies.length; i++) {
      w.raw(replies[i]);
      worker.recordReply(state.queued[i].cmd, replies[i]);
    }
  } finally {
    c.tx = null;
    c.capture = null;
    tx.end();
  }
}

/**
 * Runs the queued commands in order inside transaction tx; resolves with their replies. Commands for
 * one shard are sent without waiting (they run in order there, and go out together: one hop per
 * shard for a run of them); a command that coordinates several hops itself is awaited before the
 * commands after it are sent.
 */
async function runQueued(c: Connection, tx: Transaction, queued: QueuedCommand[]): Promise<Buffer[]> {
  const worker = c.worker;
  const n = worker.n;
  const replies: (Buffer | Promise<Buffer>)[] = [];
  for (const { cmd, args } of queued) {
    const impl = cmd.impl;
    const flags = REQ_PART | (c.noTouch ? REQ_NO_TOUCH : 0);
    if (impl.shard !== undefined) {
      const keys = cmd.keyIndexes(args);
      let target = keys.length === 0 ? worker.index : shardOfKey(args[keys[0]], n);
      for (let i = 1; i < keys.length; i++) {
        if (shardOfKey(args[keys[i]], n) !== target) {
          target = -1;
          break;
        }
      }
      if (target >= 0 && n > 1 && !allOn(cmd.derivedShards(args, n), target)) target = -1;
      if (target >= 0) {
        replies.push(tx.runAsync(target, cmd, c.db, c.resp, flags, args));
        continue;
      }
    }
    // A connection command, or a keyed one spanning shards: run it as the connection would, its
    // reply captured (hops it makes go through tx).
    replies.push(await runCaptured(c, cmd, args));
  }
  return Promise.all(replies);
}

/** Runs one command through its connection-side handler, capturing its reply. */
async function runCaptured(c: Connection, cmd: Command, args: Buffer[]): Promise<Buffer> {
  const worker = c.worker;
  const bw = worker.newWriter(c.resp);
  const capture = new CapturedReply();
  c.capture = capture;
  try {
    const impl = cmd.impl;
    if (impl.shard !== undefined) {
      await c.runKeyedInTransaction(cmd, args, bw);
    } else if (impl.connAsync !== undefined) {
      await impl.connAsync(c, args, bw);
    } else {
      impl.conn!(c, args, bw);
    }
  } catch (e) {
    bw.truncate(0);
    bw.error('ERR ' + ((e as Error)?.message ?? String(e)));
  } finally {
    c.capture = null;
  }
  bw.resp = c.resp;
  if (capture.used) {
    // What the handler wrote before the part replied elsewhere comes first (nothing, in practice).
    const head = bw.take();
    const rest = await capture.done;
    return head.length > 0 ? Buffer.concat([head, rest]) : rest;
  }
  return bw.take();
}

// --- shard side --------------------------------------------------------------------------------

/** __watch handle key [key ...]: records the keys for this client (in the command's database). */
function opWatch(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const handle = keyString(args[1]);
  let record = x.shard.watches.get(handle);
  if (record === undefined) x.shard.watches.set(handle, (record = new WatchRecord()));
  for (let i = 2; i < args.length; i++) {
    const key = keyString(args[i]);
    const state = x.db.peek(key, x.now);
    watchKey(record, x.shard.dbs, x.dbIndex, key, state === 'expired', state === 'live');
  }
  w.ok();
}

/** __watchcheck handle: 1 if a watched key changed (or expired since WATCH), else 0; drops the record. */
function opWatchCheck(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const handle = keyString(args[1]);
  const record = x.shard.watches.get(handle);
  if (record === undefined) return w.integer(0);
  let dirty = record.dirty;
  if (!dirty) {
    for (const wk of record.keys) {
      if (!wk.expiredAtWatch && x.shard.dbs[wk.dbIndex].peek(wk.key, x.now) === 'expired') {
        dirty = true;
        break;
      }
    }
  }
  unwatchAll(record, x.shard.dbs);
  x.shard.watches.delete(handle);
  w.integer(dirty ? 1 : 0);
}

/** __unwatch handle */
function opUnwatch(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const handle = keyString(args[1]);
  const record = x.shard.watches.get(handle);
  if (record !== undefined) {
    unwatchAll(record, x.shard.dbs);
    x.shard.watches.delete(handle);
  }
  w.ok();
}

/** __tx: transaction operations are handled by the worker before any handler (ShardWorker.txRequest). */
function opTx(_x: ShardExec, _args: Buffer[], w: ReplyWriter): void {
  w.error('ERR internal: __tx reached a handler');
}

export const commands: Record<string, CommandImpl> = {
  multi: { conn: multi },
  exec: { connAsync: exec },
  discard: { conn: discard },
  watch: { conn: watch },
  unwatch: { conn: unwatch },
};

export const internal: Record<string, [number, CommandImpl]> = {
  __tx: [-3, { shard: opTx }],
  __watch: [-3, { shard: opWatch }],
  __watchcheck: [2, { shard: opWatchCheck }],
  __unwatch: [2, { shard: opUnwatch }],
};
