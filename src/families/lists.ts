// List commands: LPUSH/RPUSH(X), LPOP/RPOP, LLEN, LRANGE, LINDEX, LSET, LINSERT, LREM, LTRIM, LPOS,
// LMOVE/RPOPLPUSH and LMPOP (the blocking variants live elsewhere and reuse popFrom/pushTo).
// Invariants: handlers run on the shard owning their keys and reply exactly as Redis 7.0 does (argument
// checks before or after the key lookup in Redis's order, error texts, RESP2/RESP3 nulls); a list key
// never holds an empty list (the key is deleted with its last element); a command whose keys span
// shards runs as hops that each touch one shard, in the order Redis checks things (LMOVE: source, then
// the destination's type, then pop, then push; LMPOP: the keys in order); a command tells the key's
// watchers (modified) exactly when Redis signals it: after it really changed the list (LTRIM always).
// Encodings follow Redis 7.2 (t_list.c): a new list is a listpack; before an addition that would take
// it past list-max-listpack-size it becomes a quicklist (listTypeTryConversionAppend), and after a
// removal a quicklist of one node within half the limit becomes a listpack again
// (listTypeTryConversion ... SHRINKING), both checked at the same points of each command as Redis.

import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { CommandImpl, ShardExec } from '../server/command-types.ts';
import type { Client } from '../server/client.ts';
import { bulkBytes, replyIsError, replyIsNull } from '../protocol/reply-reader.ts';
import { NOTIFY_GENERIC, NOTIFY_LIST } from '../config/keyspace-events.ts';
import { notifyKeyspaceEvent } from '../server/notify.ts';
import { defineOp, OpError } from '../server/shard-ops.ts';
import { bool, bytes } from '../util/codec.ts';
import type { Entry } from '../engine/database.ts';
import { QuickList } from '../engine/quicklist.ts';
import { shardOfKey } from '../runtime/slots.ts';
import {
  ERR_NOT_INTEGER, ERR_NO_SUCH_KEY, ERR_SYNTAX, ERR_WRONGTYPE, INT64_MIN,
  deleteKey, isWord, lookupRead, lookupWrite, modified, parseInteger, storeValue,
} from './family-util.ts';

const ERR_OUT_OF_RANGE = 'ERR index out of range';
const ERR_POP_COUNT = 'ERR value is out of range, must be positive';
const ERR_RANK_ZERO =
  "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list";
const ERR_LPOS_COUNT = "ERR COUNT can't be negative";
const ERR_LPOS_MAXLEN = "ERR MAXLEN can't be negative";
const ERR_NUMKEYS = 'ERR numkeys should be greater than 0';
const ERR_MPOP_COUNT = 'ERR count should be greater than 0';

// ---------------------------------------------------------------------------------------------
// Building blocks
// ---------------------------------------------------------------------------------------------

/** The list in an entry: undefined when there is none; null after a WRONGTYPE reply. */
function asList(e: Entry | undefined, w: ReplyWriter): QuickList | undefined | null {
  if (e === undefined) return undefined;
  if (e.value instanceof QuickList) return e.value;
  w.error(ERR_WRONGTYPE);
  return null;
}

/** The list-max-listpack-size in force. */
function listFill(x: ShardExec): number {
  return x.worker.config.list_max_listpack_size as number;
}

/** Redis listTypeTryConversionAppend: before args[from..to) are added to `list`. */
function growFor(x: ShardExec, list: QuickList, args: Buffer[], from: number, to = args.length): void {
  let bytes = 0;
  for (let j = from; j < to; j++) bytes += args[j].length;
  list.growFor(listFill(x), bytes, to - from);
}

/**
 * Pushes args[from..] one by one at the head (left) or tail of the list at `key`, creating the list
 * (a listpack) when `list` is undefined. Returns the new length.
 */
function pushTo(x: ShardExec, key: Buffer, list: QuickList | undefined, left: boolean, args: Buffer[], from: number): number {
  if (list === undefined) {
    list = new QuickList('listpack');
    storeValue(x, key, list, 0);
  } else modified(x, key);
  growFor(x, list, args, from);
  for (let j = from; j < args.length; j++) list.push(args[j], left);
  return list.length;
}

/**
 * After elements were removed from the list at `key` (Redis listElementsRemoved): raises `event`,
 * deletes the key if it is empty ('del'), else tries the shrinking conversion and tells its watchers.
 */
function removedFrom(x: ShardExec, key: Buffer, list: QuickList, event: string): void {
  notifyKeyspaceEvent(x, NOTIFY_LIST, event, key);
  if (list.length === 0) {
    deleteKey(x, key);
    notifyKeyspaceEvent(x, NOTIFY_GENERIC, 'del', key);
    return;
  }
  list.shrinkFor(listFill(x), true);
  modified(x, key);
}

/** Pops up to `count` elements from the head (left) or tail of the list at `key` (deleted once empty), in pop order. */
function popFrom(x: ShardExec, key: Buffer, list: QuickList, left: boolean, count: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < count && list.length > 0; i++) out.push(list.pop(left)!);
  removedFrom(x, key, list, left ? 'lpop' : 'rpop');
  return out;
}

/**
 * Redis listPopRangeAndReplyWithKey without the key: replies with the first (left) or last `count`
 * elements in pop order, then removes them (the key too when the list empties).
 */
function popRangeReply(x: ShardExec, key: Buffer, list: QuickList, left: boolean, count: number, w: ReplyWriter): void {
  const n = Math.min(count, list.length);
  if (left) writeRange(w, list, 0, n, false);
  else writeRange(w, list, list.length - 1, n, true);
  list.removeEnd(n, left);
  removedFrom(x, key, list, left ? 'lpop' : 'rpop');
}

/** An array of n elements starting at index `start`, walking towards the tail (or the head if reverse). */
function writeRange(w: ReplyWriter, list: QuickList, start: number, n: number, reverse: boolean): void {
  w.array(n);
  if (n === 0) return;
  const it = list.cursor(start, !reverse);
  for (let i = 0; i < n && it.next(); i++) w.bulkFrom(it.buf, it.dataOff, it.dataLen);
}

/** Redis getLongFromObjectOrReply: a signed 64-bit argument as a number (exact up to 2^53, order-preserving beyond). */
function parseLong(b: Buffer, w: ReplyWriter, msg = ERR_NOT_INTEGER): number | null {
  const v = parseInteger(b);
  if (v === null) {
    w.error(msg);
    return null;
  }
  return Number(v);
}

/** Redis getPositiveLongFromObjectOrReply: >= 0, else the given error (also for a non-integer). */
function parsePositive(b: Buffer, w: ReplyWriter, msg: string): number | null {
  const v = parseInteger(b);
  if (v === null || v < 0) {
    w.error(msg);
    return null;
  }
  return Number(v);
}

/** Redis getListPositionFromObjectOrReply: LEFT -> true, RIGHT -> false, else null after a syntax error. */
function parseSide(b: Buffer, w: ReplyWriter): boolean | null {
  if (isWord(b, 'LEFT')) return true;
  if (isWord(b, 'RIGHT')) return false;
  w.error(ERR_SYNTAX);
  return null;
}

/** Redis addListRangeReply: LRANGE's index rules (negative from the end, clamped, empty when crossed). */
function rangeReply(w: ReplyWriter, list: QuickList, start: number, end: number): void {
  const len = list.length;
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (start > end || start >= len) return w.array(0);
  if (end >= len) end = len - 1;
  writeRange(w, list, start, end - start + 1, false);
}

// ---------------------------------------------------------------------------------------------
// Pushes and pops
// ---------------------------------------------------------------------------------------------

/** Redis pushGenericCommand: `xx` only pushes to an existing list (LPUSHX/RPUSHX). */
function pushGeneric(x: ShardExec, args: Buffer[], w: ReplyWriter, left: boolean, xx: boolean): void {
  const list = asList(lookupWrite(x, args[1]), w);
  if (list === null) return;
  if (list === undefined && xx) return w.integer(0);
  const n = pushTo(x, args[1], list, left, args, 2);
  notifyKeyspaceEvent(x, NOTIFY_LIST, left ? 'lpush' : 'rpush', args[1]);
  w.integer(n);
}

/** LPUSH key element [element ...] */
function opLPush(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  pushGeneric(x, args, w, true, false);
}

/** RPUSH key element [element ...] */
function opRPush(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  pushGeneric(x, args, w, false, false);
}

/** LPUSHX key element [element ...] */
function opLPushX(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  pushGeneric(x, args, w, true, true);
}

/** RPUSHX key element [element ...] */
function opRPushX(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  pushGeneric(x, args, w, false, true);
}

/** Redis popGenericCommand: one element as a bulk, or with a count an array (nil array when missing). */
function popGeneric(x: ShardExec, args: Buffer[], w: ReplyWriter, left: boolean): void {
  if (args.length > 3) return w.error(`ERR wrong number of arguments for '${left ? 'lpop' : 'rpop'}' command`);
  const hasCount = args.length === 3;
  let count = 0;
  if (hasCount) {
    const c = parsePositive(args[2], w, ERR_POP_COUNT);
    if (c === null) return;
    count = c;
  }
  const list = asList(lookupWrite(x, args[1]), w);
  if (list === null) return;
  if (list === undefined) return hasCount ? w.nullArray() : w.nullBulk();
  if (!hasCount) {
    w.bulk(list.at(left ? 0 : list.length - 1));
    list.removeEnd(1, left);
    removedFrom(x, args[1], list, left ? 'lpop' : 'rpop');
    return;
  }
  if (count === 0) return w.array(0);
  popRangeReply(x, args[1], list, left, count, w);
}

/** LPOP key [count] */
function opLPop(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  popGeneric(x, args, w, true);
}

/** RPOP key [count] */
function opRPop(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  popGeneric(x, args, w, false);
}

// ---------------------------------------------------------------------------------------------
// Reads and positional writes
// ---------------------------------------------------------------------------------------------

/** LLEN key */
function opLLen(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const list = asList(lookupRead(x, args[1]), w);
  if (list === null) return;
  w.integer(list === undefined ? 0 : list.length);
}

/** LRANGE key start stop */
function opLRange(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const start = parseLong(args[2], w);
  if (start === null) return;
  const end = parseLong(args[3], w);
  if (end === null) return;
  const list = asList(lookupRead(x, args[1]), w);
  if (list === null) return;
  if (list === undefined) return w.array(0);
  rangeReply(w, list, start, end);
}

/** LINDEX key index */
function opLIndex(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const list = asList(lookupRead(x, args[1]), w);
  if (list === null) return;
  if (list === undefined) return w.nullBulk();
  let i = parseLong(args[2], w);
  if (i === null) return;
  if (i < 0) i += list.length;
  if (i < 0 || i >= list.length) return w.nullBulk();
  w.bulk(list.at(i));
}

/** LSET key index element */
function opLSet(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const list = asList(lookupWrite(x, args[1]), w);
  if (list === null) return;
  if (list === undefined) return w.error(ERR_NO_SUCH_KEY);
  let i = parseLong(args[2], w);
  if (i === null) return;
  // As Redis, the growing conversion comes before the index is checked.
  growFor(x, list, args, 3, 4);
  if (i < 0) i += list.length;
  if (i < 0 || i >= list.length) return w.error(ERR_OUT_OF_RANGE);
  list.set(i, args[3]);
  list.shrinkFor(listFill(x), true);
  modified(x, args[1]);
  notifyKeyspaceEvent(x, NOTIFY_LIST, 'lset', args[1]);
  w.ok();
}

/** LINSERT key BEFORE|AFTER pivot element — the first pivot from the head; -1 if none. */
function opLInsert(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  let after: boolean;
  if (isWord(args[2], 'AFTER')) after = true;
  else if (isWord(args[2], 'BEFORE')) after = false;
  else return w.error(ERR_SYNTAX);
  const list = asList(lookupWrite(x, args[1]), w);
  if (list === null) return;
  if (list === undefined) return w.integer(0);
  // As Redis, the growing conversion comes before the pivot is looked for (found or not).
  growFor(x, list, args, 4, 5);
  const it = list.cursor(0, true);
  while (it.next()) {
    if (it.equals(args[3])) {
      list.insertAt(it, args[4], after);
      modified(x, args[1]);
      notifyKeyspaceEvent(x, NOTIFY_LIST, 'linsert', args[1]);
      return w.integer(list.length);
    }
  }
  w.integer(-1);
}

/** LREM key count element — count > 0 from the head, < 0 from the tail, 0 all. */
function opLRem(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const count = parseLong(args[2], w);
  if (count === null) return;
  const list = asList(lookupWrite(x, args[1]), w);
  if (list === null) return;
  if (list === undefined) return w.integer(0);
  const removed = list.remove(args[3], Math.abs(count), count < 0);
  if (removed > 0) removedFrom(x, args[1], list, 'lrem');
  w.integer(removed);
}

/** LTRIM key start stop */
function opLTrim(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  let start = parseLong(args[2], w);
  if (start === null) return;
  let end = parseLong(args[3], w);
  if (end === null) return;
  const list = asList(lookupWrite(x, args[1]), w);
  if (list === null) return;
  if (list === undefined) return w.ok();
  const len = list.length;
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  let ltrim: number;
  let rtrim: number;
  if (start > end || start >= len) {
    ltrim = len;
    rtrim = 0;
  } else {
    if (end >= len) end = len - 1;
    ltrim = start;
    rtrim = len - end - 1;
  }
  list.removeEnd(ltrim, true);
  list.removeEnd(rtrim, false);
  // Redis signals LTRIM even when it removed nothing.
  removedFrom(x, args[1], list, 'ltrim');
  w.ok();
}

/** LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len] */
function opLPos(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  let rank = 1;
  // RANK -2^63: Redis negates it into itself, so every match counts and COUNT never stops the scan.
  let rankMin = false;
  let count = -1;
  let maxlen = 0;
  for (let j = 3; j < args.length; j++) {
    const more = args.length - 1 - j > 0;
    if (isWord(args[j], 'RANK') && more) {
      const v = parseInteger(args[++j]);
      if (v === null) return w.error(ERR_NOT_INTEGER);
      if (v === 0) return w.error(ERR_RANK_ZERO);
      rankMin = v === INT64_MIN;
      rank = Number(v);
    } else if (isWord(args[j], 'COUNT') && more) {
      const v = parsePositive(args[++j], w, ERR_LPOS_COUNT);
      if (v === null) return;
      count = v;
    } else if (isWord(args[j], 'MAXLEN') && more) {
      const v = parsePositive(args[++j], w, ERR_LPOS_MAXLEN);
      if (v === null) return;
      maxlen = v;
    } else return w.error(ERR_SYNTAX);
  }
  const forward = rank > 0;
  if (!forward) rank = -rank;
  const list = asList(lookupRead(x, args[1]), w);
  if (list === null) return;
  if (list === undefined) return count !== -1 ? w.array(0) : w.nullBulk();
  const len = list.length;
  const it = list.cursor(forward ? 0 : len - 1, forward);
  const ele = args[2];
  const found: number[] = [];
  let matches = 0;
  for (let index = 0; (maxlen === 0 || index < maxlen) && it.next(); index++) {
    if (!it.equals(ele)) continue;
    matches++;
    if (!rankMin && matches < rank) continue;
    found.push(forward ? index : len - index - 1);
    if (count === -1 || (!rankMin && count !== 0 && matches - rank + 1 >= count)) break;
  }
  if (count !== -1) {
    w.array(found.length);
    for (const i of found) w.integer(i);
  } else if (found.length > 0) w.integer(found[0]);
  else w.nullBulk();
}

// ---------------------------------------------------------------------------------------------
// LMOVE RPOPLPUSH
// ---------------------------------------------------------------------------------------------

/**
 * Redis lmoveGenericCommand, both keys on this shard (possibly the same key): pop, push (creating the
 * destination), then the source's removal bookkeeping (delete or shrinking conversion).
 */
function lmoveGeneric(x: ShardExec, args: Buffer[], w: ReplyWriter, fromLeft: boolean, toLeft: boolean): void {
  const src = asList(lookupWrite(x, args[1]), w);
  if (src === null) return;
  if (src === undefined) return w.nullBulk();
  const dst = asList(lookupWrite(x, args[2]), w);
  if (dst === null) return;
  const v = src.pop(fromLeft)!;
  // An emptied source goes (unless it is the destination, which the push refills).
  const emptied = src.length === 0 && dst !== src;
  if (emptied) deleteKey(x, args[1]);
  pushTo(x, args[2], dst, toLeft, [v], 0);
  // Redis's events: the push, then the pop (and the emptied source's del).
  notifyKeyspaceEvent(x, NOTIFY_LIST, toLeft ? 'lpush' : 'rpush', args[2]);
  if (src.length > 0) removedFrom(x, args[1], src, fromLeft ? 'lpop' : 'rpop');
  else {
    notifyKeyspaceEvent(x, NOTIFY_LIST, fromLeft ? 'lpop' : 'rpop', args[1]);
    if (emptied) notifyKeyspaceEvent(x, NOTIFY_GENERIC, 'del', args[1]);
  }
  w.bulk(v);
}

/** LMOVE source destination LEFT|RIGHT LEFT|RIGHT */
function opLMove(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const from = parseSide(args[3], w);
  if (from === null) return;
  const to = parseSide(args[4], w);
  if (to === null) return;
  lmoveGeneric(x, args, w, from, to);
}

/** RPOPLPUSH source destination */
function opRPopLPush(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  lmoveGeneric(x, args, w, false, true);
}

/**
 * LMOVE across shards, one hop per step in Redis's order: the source's type (missing: nil), the
 * destination's type, the pop, the push. If the push fails (the destination changed meanwhile), the
 * element goes back where it came from.
 */
async function multiMoveGeneric(c: Client, args: Buffer[], w: ReplyWriter, fromLeft: boolean, toLeft: boolean): Promise<void> {
  const [, src, dst] = args;
  const s = await c.coord.opForKey(src, IS_LIST, src);
  if (s instanceof OpError) return w.error(s.text);
  if (!s) return w.nullBulk();
  const d = await c.coord.opForKey(dst, IS_LIST, dst);
  if (d instanceof OpError) return w.error(d.text);
  const popped = await c.coord.runForKey(fromLeft ? 'lpop' : 'rpop', src);
  if (replyIsError(popped)) return w.raw(popped);
  if (replyIsNull(popped)) return w.nullBulk();
  const v = Buffer.from(bulkBytes(popped));
  const pushed = await c.coord.runForKey(toLeft ? 'lpush' : 'rpush', dst, v);
  if (replyIsError(pushed)) {
    await c.coord.runForKey(fromLeft ? 'lpush' : 'rpush', src, v);
    return w.raw(pushed);
  }
  w.bulk(v);
}

async function multiLMove(c: Client, args: Buffer[], w: ReplyWriter): Promise<void> {
  const from = parseSide(args[3], w);
  if (from === null) return;
  const to = parseSide(args[4], w);
  if (to === null) return;
  await multiMoveGeneric(c, args, w, from, to);
}

function multiRPopLPush(c: Client, args: Buffer[], w: ReplyWriter): Promise<void> {
  return multiMoveGeneric(c, args, w, false, true);
}

/** Whether the key holds a list: true, false if missing, WRONGTYPE otherwise (a write lookup, as LMOVE's). */
export const IS_LIST = defineOp('is-list', bytes, bool, (x, key) => {
  const e = lookupWrite(x, key);
  if (e === undefined) return false;
  return e.value instanceof QuickList ? true : new OpError(ERR_WRONGTYPE);
});

// ---------------------------------------------------------------------------------------------
// LMPOP
// ---------------------------------------------------------------------------------------------

interface MPopArgs {
  numkeys: number;
  left: boolean;
  count: number;
}

/** Redis lmpopGenericCommand's parsing (numkeys at args[1]); null after an error reply. */
export function parseMPop(args: Buffer[], w: ReplyWriter): MPopArgs | null {
  const nk = parseInteger(args[1]);
  if (nk === null || nk < 1) {
    w.error(ERR_NUMKEYS);
    return null;
  }
  const whereIdx = 1 + Number(nk) + 1;
  if (whereIdx >= args.length) {
    w.error(ERR_SYNTAX);
    return null;
  }
  const left = parseSide(args[whereIdx], w);
  if (left === null) return null;
  let count = -1;
  for (let j = whereIdx + 1; j < args.length; j++) {
    if (count === -1 && isWord(args[j], 'COUNT') && j < args.length - 1) {
      const v = parseInteger(args[++j]);
      if (v === null || v < 1) {
        w.error(ERR_MPOP_COUNT);
        return null;
      }
      count = Number(v);
    } else {
      w.error(ERR_SYNTAX);
      return null;
    }
  }
  return { numkeys: Number(nk), left, count: count === -1 ? 1 : count };
}

/** LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count] — pops from the first non-empty list. */
function opLMPop(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const p = parseMPop(args, w);
  if (p === null) return;
  for (let j = 2; j < 2 + p.numkeys; j++) {
    const list = asList(lookupWrite(x, args[j]), w);
    if (list === null) return;
    if (list === undefined) continue;
    w.array(2);
    w.bulk(args[j]);
    return popRangeReply(x, args[j], list, p.left, p.count, w);
  }
  w.nullArray();
}

/** LMPOP across shards: the keys in order, one hop per run of consecutive keys on the same shard. */
async function multiLMPop(c: Client, args: Buffer[], w: ReplyWriter): Promise<void> {
  const p = parseMPop(args, w);
  if (p === null) return;
  const n = c.worker.n;
  const tail = [Buffer.from(p.left ? 'LEFT' : 'RIGHT'), Buffer.from('COUNT'), Buffer.from(String(p.count))];
  const end = 2 + p.numkeys;
  for (let j = 2; j < end; ) {
    const shard = shardOfKey(args[j], n);
    let k = j + 1;
    while (k < end && shardOfKey(args[k], n) === shard) k++;
    const r = await c.coord.runOn(shard, 'lmpop', [Buffer.from(String(k - j)), ...args.slice(j, k), ...tail]);
    // A popped [key, elements] reply and an error are the same bytes in RESP2 and RESP3.
    if (!replyIsNull(r)) return w.raw(r);
    j = k;
  }
  w.nullArray();
}

export const commands: Record<string, CommandImpl> = {
  lpush: { shard: opLPush },
  rpush: { shard: opRPush },
  lpushx: { shard: opLPushX },
  rpushx: { shard: opRPushX },
  lpop: { shard: opLPop },
  rpop: { shard: opRPop },
  llen: { shard: opLLen },
  lrange: { shard: opLRange },
  lindex: { shard: opLIndex },
  lset: { shard: opLSet },
  linsert: { shard: opLInsert },
  lrem: { shard: opLRem },
  ltrim: { shard: opLTrim },
  lpos: { shard: opLPos },
  lmove: { shard: opLMove, multi: multiLMove },
  rpoplpush: { shard: opRPopLPush, multi: multiRPopLPush },
  lmpop: { shard: opLMPop, multi: multiLMPop },
};

export const ops = [IS_LIST];
