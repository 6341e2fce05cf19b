// Whole databases: DBSIZE, FLUSHDB, FLUSHALL, SWAPDB.
// Invariants: each asks every shard in one hop (DB_SIZE, FLUSH_DB, FLUSH_ALL, SWAP_DB); SWAPDB swaps
// the databases, their watchers and their blocked clients on every shard together; each of them
// empties the shard's tracking table and sends its thread's tracking clients a null invalidation.

import { swapWatchers } from '../engine/watch.ts';
import { GLOBAL_READ } from '../transaction/tx-shard.ts';
import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { CommandImpl } from '../server/command-types.ts';
import type { Client } from '../server/client.ts';
import { defineOp, OpError, replyAllOk } from '../server/shard-ops.ts';
import { none, num, tuple, u32 } from '../util/codec.ts';
import type { Database } from '../engine/database.ts';
import { ERR_DB_RANGE, ERR_SYNTAX, isWord, parseInt32 } from './family-util.ts';
import { trackingFlushed } from './tracking.ts';

/** DBSIZE */
function dbsize(c: Client, _args: Buffer[], w: ReplyWriter): void {
  c.coord.broadcastAtomicOp(DB_SIZE, null, replySum, w, GLOBAL_READ);
}

function replySum(results: (number | OpError)[], w: ReplyWriter): void {
  let sum = 0;
  for (const r of results) {
    if (r instanceof OpError) return w.error(r.text);
    sum += r;
  }
  w.integer(sum);
}

/** This shard's key count in the client's database. */
export const DB_SIZE = defineOp('db-size', none, num, (x) => x.db.size);

/** Redis getFlushCommandFlags: true if the arguments are valid (ASYNC and SYNC both flush now). */
function flushArgsOk(args: Buffer[], w: ReplyWriter): boolean {
  if (args.length === 1 || (args.length === 2 && (isWord(args[1], 'SYNC') || isWord(args[1], 'ASYNC')))) return true;
  w.error(ERR_SYNTAX);
  return false;
}

/** FLUSHDB [ASYNC | SYNC] */
function flushdb(c: Client, args: Buffer[], w: ReplyWriter): void {
  if (!flushArgsOk(args, w)) return;
  c.coord.broadcastAtomicOp(FLUSH_DB, null, replyOk, w);
}

/** FLUSHALL [ASYNC | SYNC] */
function flushall(c: Client, args: Buffer[], w: ReplyWriter): void {
  if (!flushArgsOk(args, w)) return;
  c.coord.broadcastAtomicOp(FLUSH_ALL, null, replyOk, w);
}

function replyOk(results: (null | OpError)[], w: ReplyWriter): void {
  for (const r of results) if (r instanceof OpError) return w.error(r.text);
  w.ok();
}

/** Empties this shard's part of the client's database. */
export const FLUSH_DB = defineOp('flush-db', none, none, (x) => {
  x.db.clear();
  x.worker.blocking.keys.flushed(x.dbIndex);
  trackingFlushed(x.worker);
  return null;
}, true);

/** Empties every database of this shard. */
export const FLUSH_ALL = defineOp('flush-all', none, none, (x) => {
  x.shard.dbs.forEach((db, i) => {
    db.clear();
    x.worker.blocking.keys.flushed(i);
  });
  trackingFlushed(x.worker);
  return null;
}, true);

/** SWAPDB index1 index2 */
function swapdb(c: Client, args: Buffer[], w: ReplyWriter): void {
  const a = parseInt32(args[1], w, 'ERR invalid first DB index');
  if (a === null) return;
  const b = parseInt32(args[2], w, 'ERR invalid second DB index');
  if (b === null) return;
  const dbnum = c.worker.shard.dbs.length;
  if (a < 0 || a >= dbnum || b < 0 || b >= dbnum) return w.error(ERR_DB_RANGE);
  c.coord.broadcastAtomicOp(SWAP_DB, [a, b], replyAllOk, w);
}

/** Swaps this shard's two Database objects; wakes clients blocked on keys the swap fills. */
const SWAP_DB = defineOp('swap-db', tuple<[number, number]>(u32, u32), none, (x, [a, b]) => {
  const dbs = x.shard.dbs;
  const t = dbs[a];
  dbs[a] = dbs[b];
  dbs[b] = t;
  if (a !== b) swapWatchers(dbs, a, b);
  // Clients wait on a database index: keys the swap filled there serve them (as Redis).
  if (a !== b) x.worker.blocking.keys.swapped(a, b);
  // Tracked keys are not per database: Redis invalidates everything (trackingInvalidateKeysOnFlush).
  if (a !== b) trackingFlushed(x.worker);
  return null;
}, true);

export const commands: Record<string, CommandImpl> = {
  swapdb: { conn: swapdb },
  dbsize: { conn: dbsize },
  flushdb: { conn: flushdb },
  flushall: { conn: flushall },
};

export const ops = [DB_SIZE, FLUSH_DB, FLUSH_ALL, SWAP_DB];
