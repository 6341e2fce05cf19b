// XREAD [COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...] — Redis 7.0.15's
// xreadCommand without groups. The try runs atomically over every key (one transaction; each shard
// checks its keys' types and IDs, resolves `$` and reads what is there); with nothing to read and
// BLOCK, the client waits through the blocking service (blocking-commands.ts's wait): a waiter per
// shard, served by the XADD that makes its stream's last ID pass the one it waits after.
// Invariants: errors are Redis's, in its order (per key in argument order: type, then ID); `$` is
// the stream's last ID when the try runs (0-0 for a missing key), fixed for the whole wait; `+` (as
// Redis 7.4) is the ID just below the last entry's, so the read answers that entry; a waiter
// is served once, with only its one key's new entries (COUNT applied), as Redis serves a blocked
// XREAD; inside MULTI/EXEC it never blocks (a nil array at once).
// XREADGROUP's blocking can reuse this: a BlockOp with `ready` (the group has entries past its
// last-delivered ID) and `commandFor` (the serving read for one key) — see OP_XREAD below.

import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { Client } from '../server/client.ts';
import type { CommandImpl, ShardExec } from '../server/command-types.ts';
import { ReplyWriter as Writer } from '../protocol/reply-writer.ts';
import { Stream } from '../engine/stream.ts';
import { compareIds, ERR_INVALID_ID, MIN_ID, parseId, type StreamId } from '../engine/stream-id.ts';
import { registerBlockOp, type Waiter } from '../server/blocking.ts';
import { defineOp, OpError } from '../server/shard-ops.ts';
import { LockPlan } from '../transaction/transaction.ts';
import { NO_GLOBAL } from '../transaction/tx-shard.ts';
import { shardOfKey } from '../runtime/slots.ts';
import { bytes, bytesList, latin1, list, num, tuple, u32 } from '../util/codec.ts';
import { ERR_NOT_INTEGER, ERR_SYNTAX, ERR_WRONGTYPE, isWord, keyString, lookupRead, parseInteger } from './family-util.ts';
import { wait } from './blocking-commands.ts';
import { replyRange } from './streams.ts';

const B = (s: string): Buffer => Buffer.from(s, 'latin1');

/** Per key: what the shard found. */
const KEY_MISSING = 0;
const KEY_STREAM = 1;
const KEY_WRONGTYPE = 2;
const KEY_BAD_ID = 3;
const KEY_GT_ID = 4;

const ERR_GT_ID = 'ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.';

const rangeOut = new Writer();

/**
 * The try on one shard: per key (in order) its state, the ID it reads after (`$` resolved) and the
 * RESP array of its entries after that ID (empty when there are none to serve).
 */
function readKeys(x: ShardExec, resp: number, count: number, keys: Buffer[], ids: Buffer[]): [number, string, Buffer][] {
  return keys.map((key, i): [number, string, Buffer] => {
    const e = lookupRead(x, key);
    if (e !== undefined && !(e.value instanceof Stream)) return [KEY_WRONGTYPE, '', Buffer.alloc(0)];
    const s = e === undefined ? null : (e.value as Stream);
    const arg = ids[i];
    let gt: StreamId;
    if (arg.length === 1 && arg[0] === 0x24 /* $ */) gt = s === null ? MIN_ID : s.lastId;
    // Redis 7.4's `+`: the last entry (read after the ID just below the last valid one); 0-0 when empty.
    else if (arg.length === 1 && arg[0] === 0x2b /* + */) gt = s === null || s.length === 0 ? MIN_ID : s.edgeId(false)!.decr() ?? MIN_ID;
    else if (arg.length === 1 && arg[0] === 0x3e /* > */) return [KEY_GT_ID, '', Buffer.alloc(0)];
    else {
      const p = parseId(arg, false, true);
      if (p === null) return [KEY_BAD_ID, '', Buffer.alloc(0)];
      gt = p.id;
    }
    if (s === null || s.length === 0) return [KEY_MISSING, gt.toString(), Buffer.alloc(0)];
    const last = s.edgeId(false)!;
    if (compareIds(last, gt) <= 0) return [KEY_STREAM, gt.toString(), Buffer.alloc(0)];
    rangeOut.resp = resp === 3 ? 3 : 2;
    replyRange(rangeOut, s, gt.incr()!, last, count, false);
    return [KEY_STREAM, gt.toString(), Buffer.from(rangeOut.take())];
  });
}

const XREAD_TRY = defineOp(
  'xread-try',
  tuple<[number, number, Buffer[], Buffer[]]>(u32, num, bytesList, bytesList),
  list(tuple<[number, string, Buffer]>(u32, latin1, bytes)),
  (x, [resp, count, keys, ids]) => readKeys(x, resp, count, keys, ids),
);

/** The ID a waiter reads after for `key` (its extra: [count, key, id, key, id...]; the first pair of a key counts). */
function waitedId(wt: Waiter, key: string): StreamId {
  for (let i = 1; i < wt.extra.length; i += 2) if (keyString(wt.extra[i]) === key) return parseId(wt.extra[i + 1], false, false)!.id;
  return MIN_ID;
}

/** A blocked XREAD: served when its stream's last ID passes the one it waits after; reads without consuming. */
const OP_XREAD = registerBlockOp({
  kind: 'stream',
  ready: (key, value, wt) => value instanceof Stream && compareIds(value.lastId, waitedId(wt, key)) > 0,
  commandFor: (key, wt) => {
    const gt = waitedId(wt, keyString(key));
    const count = wt.extra[0];
    const args = [B('xrange'), key, B('(' + gt.toString()), B('+')];
    if (count.length !== 1 || count[0] !== 0x30) args.push(B('COUNT'), count);
    return args;
  },
  // As Redis serves a blocked XREAD: the one key and its entries ({key: entries} in RESP3).
  wrap: (key, popped, w) => {
    if (w.resp === 3) w.map(1);
    else {
      w.array(1);
      w.array(2);
    }
    w.bulk(key);
    w.raw(popped);
  },
  undo: () => null,
});

interface XReadArgs {
  count: number;
  /** BLOCK's milliseconds; -1 without BLOCK. */
  timeout: number;
  keys: Buffer[];
  ids: Buffer[];
}

/** XREAD's and XREADGROUP's options (xreadCommand's one argument loop). */
export interface XReadOptions {
  /** 0: no limit. */
  count: number;
  /** BLOCK's milliseconds; -1 without BLOCK (0: forever). */
  block: number;
  /** Index of the first key; the IDs follow the keys. */
  streamsAt: number;
  /** Number of keys. */
  streams: number;
  /** XREADGROUP's GROUP group consumer: never null when parsed for XREADGROUP; null for XREAD. */
  group: Buffer | null;
  consumer: Buffer | null;
  noack: boolean;
}

/**
 * The options of XREAD (`xreadgroup` false) or XREADGROUP in Redis's order and texts: GROUP and NOACK
 * refused by XREAD, GROUP required by XREADGROUP; null after the error reply.
 */
export function parseXReadOptions(args: Buffer[], w: ReplyWriter, xreadgroup: boolean): XReadOptions | null {
  let count = 0;
  let block = -1;
  let streamsAt = 0;
  let group: Buffer | null = null;
  let consumer: Buffer | null = null;
  let noack = false;
  for (let i = 1; i < args.length; i++) {
    const more = args.length - i - 1;
    const o = args[i];
    if (isWord(o, 'BLOCK') && more > 0) {
      i++;
      const v = parseInteger(args[i]);
      if (v === null) return fail(w, 'ERR timeout is not an integer or out of range');
      if (v < 0) return fail(w, 'ERR timeout is negative');
      block = Number(v);
    } else if (isWord(o, 'COUNT') && more > 0) {
      i++;
      const v = parseInteger(args[i]);
      if (v === null) return fail(w, ERR_NOT_INTEGER);
      count = v < 0 ? 0 : Number(v);
    } else if (isWord(o, 'STREAMS') && more > 0) {
      streamsAt = i + 1;
      if ((args.length - streamsAt) % 2 !== 0) return fail(w, "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.");
      break;
    } else if (isWord(o, 'GROUP') && more >= 2) {
      if (!xreadgroup) return fail(w, 'ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.');
      group = args[i + 1];
      consumer = args[i + 2];
      i += 2;
    } else if (isWord(o, 'NOACK')) {
      if (!xreadgroup) return fail(w, 'ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.');
      noack = true;
    } else return fail(w, ERR_SYNTAX);
  }
  if (streamsAt === 0) return fail(w, ERR_SYNTAX);
  if (xreadgroup && group === null) return fail(w, 'ERR Missing GROUP option for XREADGROUP');
  return { count, block, streamsAt, streams: (args.length - streamsAt) / 2, group, consumer, noack };
}

/** XREAD's options and its keys and IDs; null after the error reply. */
function parseXRead(args: Buffer[], w: ReplyWriter): XReadArgs | null {
  const o = parseXReadOptions(args, w, false);
  if (o === null) return null;
  const end = o.streamsAt + o.streams;
  return { count: o.count, timeout: o.block, keys: args.slice(o.streamsAt, end), ids: args.slice(end) };
}

function fail(w: ReplyWriter, msg: string): null {
  w.error(msg);
  return null;
}

/** Writes the first error in key order, or the served keys' entries; false when there is nothing to answer yet. */
function replyFound(w: ReplyWriter, keys: Buffer[], found: [number, string, Buffer][]): boolean {
  for (const [state] of found) {
    if (state === KEY_WRONGTYPE) return w.error(ERR_WRONGTYPE), true;
    if (state === KEY_BAD_ID) return w.error(ERR_INVALID_ID), true;
    if (state === KEY_GT_ID) return w.error(ERR_GT_ID), true;
  }
  let served = 0;
  for (const f of found) if (f[2].length > 0) served++;
  if (served === 0) return false;
  if (w.resp === 3) w.map(served);
  else w.array(served);
  for (let i = 0; i < keys.length; i++) {
    if (found[i][2].length === 0) continue;
    if (w.resp === 2) w.array(2);
    w.bulk(keys[i]);
    w.raw(found[i][2]);
  }
  return true;
}

/** XREAD on the keys' one shard, never blocking (no BLOCK, or inside MULTI/EXEC). */
function opXRead(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const p = parseXRead(args, w);
  if (p === null) return;
  if (!replyFound(w, p.keys, readKeys(x, w.resp, p.count, p.keys, p.ids))) w.nullArray();
}

/** With BLOCK (before STREAMS) XREAD (and XREADGROUP) may wait: it takes the client-side path (see commands). */
export function mayBlock(args: Buffer[]): boolean {
  for (let i = 1; i < args.length; i++) {
    if (isWord(args[i], 'STREAMS')) return false;
    if (isWord(args[i], 'BLOCK')) return true;
  }
  return false;
}

/** XREAD [COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...] (client side: across shards, or blocking) */
async function xread(c: Client, args: Buffer[], w: ReplyWriter): Promise<void> {
  const stamp = c.worker.nextTimestamp();
  const p = parseXRead(args, w);
  if (p === null) return;
  const { count, timeout, keys, ids } = p;
  const found = await tryRead(c, keys, ids, count);
  if (replyFound(w, keys, found)) return;
  if (timeout === -1 || c.coord.tx !== null) return w.nullArray();
  const extra = [B(String(count))];
  for (let i = 0; i < keys.length; i++) extra.push(keys[i], B(found[i][1]));
  return wait(c, { keys, op: OP_XREAD, template: [B('xrange'), B(''), B('-'), B('+')], keyAt: 1, extra, stamp }, timeout, w);
}

/** XREAD_TRY on every shard of the keys, in one transaction; the per-key results in key order. */
async function tryRead(c: Client, keys: Buffer[], ids: Buffer[], count: number): Promise<[number, string, Buffer][]> {
  const n = c.worker.n;
  const byShard = new Map<number, number[]>();
  const lock = new LockPlan();
  keys.forEach((k, i) => {
    const s = shardOfKey(k, n);
    lock.add(s, c.db, k, false);
    let l = byShard.get(s);
    if (l === undefined) byShard.set(s, (l = []));
    l.push(i);
  });
  const out = new Array<[number, string, Buffer]>(keys.length);
  const all = (): Promise<unknown> =>
    Promise.all(
      [...byShard].map(async ([s, idx]) => {
        const r = await c.coord.op(s, XREAD_TRY, [c.resp, count, idx.map((i) => keys[i]), idx.map((i) => ids[i])]);
        if (r instanceof OpError) throw new Error(r.text);
        r.forEach((v, j) => (out[idx[j]] = v));
      }),
    );
  // Always one transaction, even on one shard: a shard operation outside one does not wait behind
  // another transaction's key locks (a multi-hop RENAME in flight could be seen half done).
  await c.coord.atomically(lock, NO_GLOBAL, async () => void (await all()));
  return out;
}

// Without BLOCK, XREAD is an ordinary keyed command (its shard, or a transaction across shards);
// with BLOCK it takes the client-side path that can wait (mayBlock). Inside EXEC it never blocks.
export const commands: Record<string, CommandImpl> = {
  xread: { shard: opXRead, multi: xread, connAsync: xread, mayBlock },
};

export const ops = [XREAD_TRY];
