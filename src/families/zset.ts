// Sorted-set commands on one key: ZADD ZINCRBY ZREM ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK ZCOUNT ZLEXCOUNT
// ZREMRANGEBYRANK/SCORE/LEX ZPOPMIN ZPOPMAX ZMPOP ZRANDMEMBER ZSCAN; the range, store and set-operation
// commands live in zset-range-cmds.ts and zset-setops.ts and are registered here with the rest.
// Invariants: handlers run on the shard owning the key, check arguments in Redis's order and reply
// byte-exactly as Redis 7 (RESP2 and RESP3); a set emptied by a command is deleted; ZMPOP over keys of
// several shards tries them in key order, one hop per run of keys on the same shard; the key's watchers
// are told (modified) exactly when Redis signals it: a member added, re-scored (to a different score) or
// removed — a ZADD/ZINCRBY that leaves every score as it was, or a removal of nothing, is no change.

import { NOTIFY_GENERIC, NOTIFY_ZSET } from '../config/keyspace-events.ts';
import { notifyKeyspaceEvent } from '../server/notify.ts';
import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { CommandImpl, ShardExec } from '../server/command-types.ts';
import type { Client } from '../server/client.ts';
import { shardOfKey } from '../runtime/slots.ts';
import { globMatch } from '../engine/glob.ts';
import {
  ZADD_GT, ZADD_INCR, ZADD_LT, ZADD_NX, ZADD_OUT_ADDED, ZADD_OUT_NAN, ZADD_OUT_NOP, ZADD_OUT_UPDATED, ZADD_XX,
  ZSet,
} from '../engine/zset.ts';
import { OpError, defineOp } from '../server/shard-ops.ts';
import { bool, bytesList, nullable, num, scoredMembers, tuple, u32, type ScoredMembers } from '../util/codec.ts';
import { lexLteMax, parseLexRange, parseScoreRange, scoreLteMax } from '../engine/zset-range.ts';
import { formatDouble, parseDoubleArg } from '../util/numbers.ts';
import { ERR_SYNTAX, ERR_WRONGTYPE, deleteKey, isWord, keyString, lookupRead, lookupWrite, modified, storeValue } from './family-util.ts';
import { parseCursor } from './keyspace-scan.ts';
import * as common from './zset-common.ts';
import { INT64_MAX, parseLong, parsePositiveLong, parseRangeLong, replyScore, zsetLimits, zsetOf } from './zset-common.ts';
import * as rangeCmds from './zset-range-cmds.ts';
import * as setOps from './zset-setops.ts';

const ERR_NOT_FLOAT = 'ERR value is not a valid float';
const ERR_NAN = 'ERR resulting score is not a number (NaN)';
export const ERR_SCORE_RANGE = 'ERR min or max is not a float';
export const ERR_LEX_RANGE = 'ERR min or max not valid string range item';

// ---------------------------------------------------------------------------------------------
// ZADD ZINCRBY ZREM
// ---------------------------------------------------------------------------------------------

/** Redis zaddGenericCommand: ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...], and ZINCRBY. */
function zaddGeneric(x: ShardExec, args: Buffer[], w: ReplyWriter, flags: number): void {
  let ch = false;
  let at = 2;
  for (; at < args.length; at++) {
    const o = args[at];
    if (isWord(o, 'NX')) flags |= ZADD_NX;
    else if (isWord(o, 'XX')) flags |= ZADD_XX;
    else if (isWord(o, 'CH')) ch = true;
    else if (isWord(o, 'INCR')) flags |= ZADD_INCR;
    else if (isWord(o, 'GT')) flags |= ZADD_GT;
    else if (isWord(o, 'LT')) flags |= ZADD_LT;
    else break;
  }
  const incr = (flags & ZADD_INCR) !== 0;
  const nx = (flags & ZADD_NX) !== 0;
  const gt = (flags & ZADD_GT) !== 0;
  const lt = (flags & ZADD_LT) !== 0;
  const rest = args.length - at;
  if (rest % 2 !== 0 || rest === 0) return w.error(ERR_SYNTAX);
  const n = rest / 2;
  if (nx && (flags & ZADD_XX)) return w.error('ERR XX and NX options at the same time are not compatible');
  if ((gt && nx) || (lt && nx) || (gt && lt)) return w.error('ERR GT, LT, and/or NX options at the same time are not compatible');
  if (incr && n > 1) return w.error('ERR INCR option supports a single increment-element pair');
  const scores: number[] = new Array(n);
  for (let j = 0; j < n; j++) {
    const s = parseDoubleArg(args[at + 2 * j]);
    if (s === null) return w.error(ERR_NOT_FLOAT);
    scores[j] = s;
  }
  zaddScored(x, args, at + 1, 2, flags, ch, scores, w);
}

/**
 * The adding half of zaddGenericCommand, for options already checked: the member of scores[j] is
 * args[first + stride * j] (ZADD: score member pairs; GEOADD, whose scores it computes: lon lat member).
 */
export function zaddScored(x: ShardExec, args: Buffer[], first: number, stride: number, flags: number, ch: boolean, scores: number[], w: ReplyWriter): void {
  const key = args[1];
  const e = lookupWrite(x, key);
  let z = zsetOf(e, w);
  if (z === null) return;
  const incr = (flags & ZADD_INCR) !== 0;
  let added = 0;
  let updated = 0;
  let processed = 0;
  let score = 0;
  const existed = z !== undefined;
  if (z === undefined) {
    if (flags & ZADD_XX) return incr ? w.nullBulk() : w.integer(0);
    const limits = zsetLimits(x);
    z = ZSet.empty(limits.maxEntries !== 0 && args[first].length <= limits.maxValue);
    storeValue(x, key, z, 0);
  }
  const limits = zsetLimits(x);
  let nan = false;
  for (let j = 0; j < scores.length; j++) {
    const out = z.add(scores[j], keyString(args[first + stride * j]), flags, limits);
    if (out & ZADD_OUT_NAN) {
      nan = true;
      break;
    }
    if (out & ZADD_OUT_ADDED) added++;
    if (out & ZADD_OUT_UPDATED) updated++;
    if (!(out & ZADD_OUT_NOP)) {
      processed++;
      score = z.newScore;
    }
  }
  // Redis signals the key when a member was added or got a different score (also before a NaN error).
  if (existed && added + updated > 0) modified(x, key);
  if (added + updated > 0) notifyKeyspaceEvent(x, NOTIFY_ZSET, incr ? 'zincr' : 'zadd', key);
  if (nan) return w.error(ERR_NAN);
  if (incr) {
    if (processed > 0) replyScore(w, score);
    else w.nullBulk();
  } else {
    w.integer(ch ? added + updated : added);
  }
}

/** ZADD key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...] */
function opZAdd(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  zaddGeneric(x, args, w, 0);
}

/** ZINCRBY key increment member */
function opZIncrBy(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  zaddGeneric(x, args, w, ZADD_INCR);
}

/** ZREM key member [member ...] */
function opZRem(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const z = zsetOf(lookupWrite(x, args[1]), w);
  if (z === null) return;
  if (z === undefined) return w.integer(0);
  let deleted = 0;
  for (let j = 2; j < args.length; j++) {
    if (z.remove(keyString(args[j]))) deleted++;
    if (z.size === 0) {
      deleteKey(x, args[1]);
      break;
    }
  }
  if (deleted > 0 && z.size > 0) modified(x, args[1]);
  if (deleted > 0) removedEvents(x, args[1], z, 'zrem');
  w.integer(deleted);
}

// ---------------------------------------------------------------------------------------------
// ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK ZCOUNT ZLEXCOUNT
// ---------------------------------------------------------------------------------------------

/** ZCARD key */
function opZCard(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const z = zsetOf(lookupRead(x, args[1]), w);
  if (z === null) return;
  w.integer(z === undefined ? 0 : z.size);
}

/** ZSCORE key member */
function opZScore(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const z = zsetOf(lookupRead(x, args[1]), w);
  if (z === null) return;
  const s = z === undefined ? undefined : z.score(keyString(args[2]));
  if (s === undefined) w.nullBulk();
  else replyScore(w, s);
}

/** ZMSCORE key member [member ...] — a missing key is an empty set. */
function opZMScore(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const z = zsetOf(lookupRead(x, args[1]), w);
  if (z === null) return;
  w.array(args.length - 2);
  for (let j = 2; j < args.length; j++) {
    const s = z === undefined ? undefined : z.score(keyString(args[j]));
    if (s === undefined) w.nullBulk();
    else replyScore(w, s);
  }
}

/** ZRANK / ZREVRANK key member [WITHSCORE] (WITHSCORE: Redis 7.2). */
function zrankGeneric(x: ShardExec, args: Buffer[], w: ReplyWriter, reverse: boolean): void {
  if (args.length > 4) return w.error(`ERR wrong number of arguments for '${reverse ? 'zrevrank' : 'zrank'}' command`);
  let withScore = false;
  if (args.length > 3) {
    if (!isWord(args[3], 'WITHSCORE')) return w.error(ERR_SYNTAX);
    withScore = true;
  }
  const z = zsetOf(lookupRead(x, args[1]), w);
  if (z === null) return;
  const member = keyString(args[2]);
  const rank = z === undefined ? -1 : z.rank(member);
  if (rank < 0) return withScore ? w.nullArray() : w.nullBulk();
  if (withScore) w.array(2);
  w.integer(reverse ? z!.size - 1 - rank : rank);
  if (withScore) replyScore(w, z!.score(member)!);
}

function opZRank(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  zrankGeneric(x, args, w, false);
}

function opZRevRank(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  zrankGeneric(x, args, w, true);
}

/** How many pairs from rank `first` on are in range, walking while `inRange` holds (0 when first < 0). */
function countWhile(z: ZSet, first: number, inRange: (m: string, s: number) => boolean): number {
  let n = 0;
  z.walk(first, false, (m, s) => inRange(m, s) && ++n > 0);
  return n;
}

/** ZCOUNT key min max */
function opZCount(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const r = parseScoreRange(args[2], args[3]);
  if (r === null) return w.error(ERR_SCORE_RANGE);
  const z = zsetOf(lookupRead(x, args[1]), w);
  if (z === null) return;
  w.integer(z === undefined ? 0 : countWhile(z, z.firstInScoreRange(r), (_m, s) => scoreLteMax(s, r)));
}

/** ZLEXCOUNT key min max */
function opZLexCount(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const r = parseLexRange(args[2], args[3]);
  if (r === null) return w.error(ERR_LEX_RANGE);
  const z = zsetOf(lookupRead(x, args[1]), w);
  if (z === null) return;
  w.integer(z === undefined ? 0 : countWhile(z, z.firstInLexRange(r), (m) => lexLteMax(m, r)));
}

// ---------------------------------------------------------------------------------------------
// ZREMRANGEBYRANK ZREMRANGEBYSCORE ZREMRANGEBYLEX
// ---------------------------------------------------------------------------------------------

/** ZREMRANGEBYRANK key start stop */
function opZRemRangeByRank(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  let start = parseLong(args[2], w);
  if (start === null) return;
  let end = parseLong(args[3], w);
  if (end === null) return;
  const z = zsetOf(lookupWrite(x, args[1]), w);
  if (z === null) return;
  if (z === undefined) return w.integer(0);
  const llen = z.size;
  if (start < 0) start += llen;
  if (end < 0) end += llen;
  if (start < 0) start = 0;
  if (start > end || start >= llen) return w.integer(0);
  if (end >= llen) end = llen - 1;
  removeRanks(x, args[1], z, start, end, 'zremrangebyrank', w);
}

/**
 * Deletes ranks start..end (none when start < 0 or end < start), the key if emptied, raising `event`
 * (and 'del') when something went; replies the count.
 */
function removeRanks(x: ShardExec, key: Buffer, z: ZSet, start: number, end: number, event: string, w: ReplyWriter): void {
  const n = start < 0 || end < start ? 0 : z.deleteRanks(start, end);
  if (z.size === 0) deleteKey(x, key);
  else if (n > 0) modified(x, key);
  if (n > 0) removedEvents(x, key, z, event);
  w.integer(n);
}

/** The keyspace events of members removed from z at key: `event`, then 'del' if z is now empty (deleted). */
function removedEvents(x: ShardExec, key: Buffer, z: ZSet, event: string): void {
  notifyKeyspaceEvent(x, NOTIFY_ZSET, event, key);
  if (z.size === 0) notifyKeyspaceEvent(x, NOTIFY_GENERIC, 'del', key);
}

/** ZREMRANGEBYSCORE key min max */
function opZRemRangeByScore(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const r = parseScoreRange(args[2], args[3]);
  if (r === null) return w.error(ERR_SCORE_RANGE);
  const z = zsetOf(lookupWrite(x, args[1]), w);
  if (z === null) return;
  if (z === undefined) return w.integer(0);
  const first = z.firstInScoreRange(r);
  removeRanks(x, args[1], z, first, first + countWhile(z, first, (_m, s) => scoreLteMax(s, r)) - 1, 'zremrangebyscore', w);
}

/** ZREMRANGEBYLEX key min max */
function opZRemRangeByLex(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const r = parseLexRange(args[2], args[3]);
  if (r === null) return w.error(ERR_LEX_RANGE);
  const z = zsetOf(lookupWrite(x, args[1]), w);
  if (z === null) return;
  if (z === undefined) return w.integer(0);
  const first = z.firstInLexRange(r);
  removeRanks(x, args[1], z, first, first + countWhile(z, first, (m) => lexLteMax(m, r)) - 1, 'zremrangebylex', w);
}

// ---------------------------------------------------------------------------------------------
// ZPOPMIN ZPOPMAX ZMPOP
// ---------------------------------------------------------------------------------------------

/** Pops up to `count` pairs from one end of z (deleting the key when emptied): ascending for MIN. */
function popPairs(x: ShardExec, key: Buffer, z: ZSet, max: boolean, count: number, scores: number[], members: string[]): void {
  const n = Math.min(count, z.size);
  const start = max ? z.size - n : 0;
  z.walk(max ? z.size - 1 : 0, max, (m, s) => {
    members.push(m);
    scores.push(s);
    return members.length < n;
  });
  z.deleteRanks(start, start + n - 1);
  if (z.size === 0) deleteKey(x, key);
  else modified(x, key);
  if (n > 0) removedEvents(x, key, z, max ? 'zpopmax' : 'zpopmin');
}

/** Writes popped pairs: flat [m, s, ...] or nested [[m, s], ...]. */
function replyPairs(w: ReplyWriter, members: string[], scores: number[], nested: boolean): void {
  for (let i = 0; i < members.length; i++) {
    if (nested) w.array(2);
    w.bulk(members[i]);
    replyScore(w, scores[i]);
  }
}

/** ZPOPMIN / ZPOPMAX key [count] */
function zpopMinMax(x: ShardExec, args: Buffer[], w: ReplyWriter, max: boolean): void {
  if (args.length > 3) return w.error(ERR_SYNTAX);
  let count = -1;
  if (args.length === 3) {
    const c = parsePositiveLong(args[2], w);
    if (c === null) return;
    count = c;
  }
  const z = zsetOf(lookupWrite(x, args[1]), w);
  if (z === null) return;
  if (z === undefined || count === 0) return w.array(0);
  const nested = w.resp === 3 && count !== -1;
  const scores: number[] = [];
  const members: string[] = [];
  popPairs(x, args[1], z, max, count === -1 ? 1 : count, scores, members);
  w.array(nested ? members.length : members.length * 2);
  replyPairs(w, members, scores, nested);
}

function opZPopMin(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  zpopMinMax(x, args, w, false);
}

function opZPopMax(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  zpopMinMax(x, args, w, true);
}

interface MPopArgs {
  keys: Buffer[];
  max: boolean;
  count: number;
}

/** ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]: the arguments, or null after the error. */
export function parseZMPop(args: Buffer[], w: ReplyWriter): MPopArgs | null {
  const numkeys = parseRangeLong(args[1], 1n, INT64_MAX, w, 'ERR numkeys should be greater than 0');
  if (numkeys === null) return null;
  const whereIdx = 2 + numkeys;
  if (whereIdx >= args.length) {
    w.error(ERR_SYNTAX);
    return null;
  }
  let max: boolean;
  if (isWord(args[whereIdx], 'MIN')) max = false;
  else if (isWord(args[whereIdx], 'MAX')) max = true;
  else {
    w.error(ERR_SYNTAX);
    return null;
  }
  let count = -1;
  for (let j = whereIdx + 1; j < args.length; j++) {
    if (count === -1 && isWord(args[j], 'COUNT') && j < args.length - 1) {
      const c = parseRangeLong(args[++j], 1n, INT64_MAX, w, 'ERR count should be greater than 0');
      if (c === null) return null;
      count = c;
    } else {
      w.error(ERR_SYNTAX);
      return null;
    }
  }
  return { keys: args.slice(2, whereIdx), max, count: count === -1 ? 1 : count };
}

/**
 * The first key of `keys` holding a sorted set, popped: [its index in keys, the pairs]; 'none' when all
 * are missing; WRONGTYPE for a key of another type before it (keys are tried in order, as Redis does).
 */
function mpopFirst(x: ShardExec, keys: Buffer[], max: boolean, count: number): [number, ScoredMembers] | 'none' | OpError {
  for (let i = 0; i < keys.length; i++) {
    const e = lookupWrite(x, keys[i]);
    if (e === undefined) continue;
    const z = e.value;
    if (!(z instanceof ZSet)) return new OpError(ERR_WRONGTYPE);
    const scores: number[] = [];
    const members: string[] = [];
    popPairs(x, keys[i], z, max, count, scores, members);
    return [i, { scores, members }];
  }
  return 'none';
}

function replyMPop(w: ReplyWriter, key: Buffer, members: string[], scores: number[]): void {
  w.array(2);
  w.bulk(key);
  w.array(members.length);
  replyPairs(w, members, scores, true);
}

/** ZMPOP numkeys key [key ...] MIN | MAX [COUNT count] — all keys on this shard. */
function opZMPop(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const a = parseZMPop(args, w);
  if (a === null) return;
  const r = mpopFirst(x, a.keys, a.max, a.count);
  if (r instanceof OpError) return w.error(r.text);
  if (r === 'none') return w.nullArray();
  replyMPop(w, a.keys[r[0]], r[1].members, r[1].scores);
}

/** ZMPOP with keys on several shards: one hop per run of consecutive keys of the same shard, in order. */
async function multiZMPop(c: Client, args: Buffer[], w: ReplyWriter): Promise<void> {
  const a = parseZMPop(args, w);
  if (a === null) return;
  const n = c.worker.n;
  for (let i = 0; i < a.keys.length; ) {
    const s = shardOfKey(a.keys[i], n);
    let j = i + 1;
    while (j < a.keys.length && shardOfKey(a.keys[j], n) === s) j++;
    const r = await c.coord.op(s, ZSET_MPOP, [a.max, a.count, a.keys.slice(i, j)]);
    if (r instanceof OpError) return w.error(r.text);
    if (r !== null) return replyMPop(w, a.keys[i + r[0]], r[1].members, r[1].scores);
    i = j;
  }
  w.nullArray();
}

/**
 * Pops up to `count` pairs (highest first when `max`) from the first of the keys holding a sorted set:
 * [that key's index among them, the popped pairs], null when none does, WRONGTYPE as ZMPOP.
 */
export const ZSET_MPOP = defineOp(
  'zset-mpop',
  tuple<[boolean, number, Buffer[]]>(bool, num, bytesList),
  nullable(tuple<[number, ScoredMembers]>(u32, scoredMembers)),
  (x, [max, count, keys]) => {
    const r = mpopFirst(x, keys, max, count);
    return r === 'none' ? null : r;
  },
  true,
);

// ---------------------------------------------------------------------------------------------
// ZRANDMEMBER
// ---------------------------------------------------------------------------------------------

const LONG_MAX_HALF = 4611686018427387903n;

/** ZRANDMEMBER key [count [WITHSCORES]] */
function opZRandMember(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  if (args.length >= 3) {
    const l = parseRangeLong(args[2], -INT64_MAX, INT64_MAX, w);
    if (l === null) return;
    if (args.length > 4 || (args.length === 4 && !isWord(args[3], 'WITHSCORES'))) return w.error(ERR_SYNTAX);
    const withScores = args.length === 4;
    if (withScores) {
      const big = BigInt(keyString(args[2]));
      if (big < -LONG_MAX_HALF || big > LONG_MAX_HALF) return w.error('ERR value is out of range');
    }
    return zrandmemberWithCount(x, args, w, l, withScores);
  }
  const z = zsetOf(lookupRead(x, args[1]), w);
  if (z === null) return;
  if (z === undefined) return w.nullBulk();
  w.bulk(z.memberAt(Math.floor(Math.random() * z.size)));
}

/** Redis zrandmemberWithCountCommand: distinct members for count > 0, repeats allowed for count < 0. */
function zrandmemberWithCount(x: ShardExec, args: Buffer[], w: ReplyWriter, l: number, withScores: boolean): void {
  const z = zsetOf(lookupRead(x, args[1]), w);
  if (z === null) return;
  if (z === undefined || l === 0) return w.array(0);
  const size = z.size;
  const nested = withScores && w.resp === 3;
  const emit = (rank: number): void => {
    if (nested) w.array(2);
    w.bulk(z.memberAt(rank));
    if (withScores) replyScore(w, z.scoreAt(rank));
  };
  const uniq = l > 0;
  const count = Math.abs(l);
  if (!uniq || count === 1) {
    w.array(withScores && w.resp === 2 ? count * 2 : count);
    for (let i = 0; i < count; i++) emit(Math.floor(Math.random() * size));
    return;
  }
  const n = Math.min(count, size);
  w.array(withScores && w.resp === 2 ? n * 2 : n);
  if (count >= size) {
    // The whole set, in the order Redis's iterator gives it (highest first).
    z.walk(size - 1, true, (m, s) => {
      if (nested) w.array(2);
      w.bulk(m);
      if (withScores) replyScore(w, s);
      return true;
    });
    return;
  }
  // Distinct random ranks (Floyd's sampling); a listpack answers them in order, as Redis does.
  const picked = new Set<number>();
  const order: number[] = [];
  for (let j = size - count; j < size; j++) {
    const t = Math.floor(Math.random() * (j + 1));
    const r = picked.has(t) ? j : t;
    picked.add(r);
    order.push(r);
  }
  if (z.isListpack) order.sort((a, b) => a - b);
  for (const r of order) emit(r);
}

// ---------------------------------------------------------------------------------------------
// ZSCAN
// ---------------------------------------------------------------------------------------------

/** ZSCAN key cursor [MATCH pattern] [COUNT count] — a listpack set comes back whole with cursor 0. */
function opZScan(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const cursor = parseCursor(args[2], w);
  if (cursor === null) return;
  const z = zsetOf(lookupRead(x, args[1]), w);
  if (z === null) return;
  if (z === undefined) {
    w.array(2);
    w.bulk('0');
    return w.array(0);
  }
  let count = 10;
  let pattern: Buffer | null = null;
  for (let i = 3; i < args.length; ) {
    const left = args.length - i;
    if (isWord(args[i], 'COUNT') && left >= 2) {
      const c = parseLong(args[i + 1], w);
      if (c === null) return;
      if (c < 1) return w.error(ERR_SYNTAX);
      count = c;
      i += 2;
    } else if (isWord(args[i], 'MATCH') && left >= 2) {
      const p = args[i + 1];
      pattern = p.length === 1 && p[0] === 0x2a ? null : p;
      i += 2;
    } else return w.error(ERR_SYNTAX);
  }
  const members: string[] = [];
  const scores: number[] = [];
  let next = 0;
  if (z.isListpack) {
    z.forEach((m, s) => {
      members.push(m);
      scores.push(s);
    });
  } else {
    next = z.scan(cursor > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(cursor), Math.min(count, 1e9), members, scores);
  }
  let kept = 0;
  for (let i = 0; i < members.length; i++) if (pattern === null || globMatch(pattern, members[i])) kept++;
  w.array(2);
  w.bulk(String(next));
  w.array(kept * 2);
  for (let i = 0; i < members.length; i++) {
    if (pattern !== null && !globMatch(pattern, members[i])) continue;
    w.bulk(members[i]);
    w.bulk(formatDouble(scores[i])); // d2string: plain bulk strings, in RESP3 too
  }
}

// ---------------------------------------------------------------------------------------------
// Registration
// ---------------------------------------------------------------------------------------------

export const commands: Record<string, CommandImpl> = {
  zadd: { shard: opZAdd },
  zincrby: { shard: opZIncrBy },
  zrem: { shard: opZRem },
  zcard: { shard: opZCard },
  zscore: { shard: opZScore },
  zmscore: { shard: opZMScore },
  zrank: { shard: opZRank },
  zrevrank: { shard: opZRevRank },
  zcount: { shard: opZCount },
  zlexcount: { shard: opZLexCount },
  zremrangebyrank: { shard: opZRemRangeByRank },
  zremrangebyscore: { shard: opZRemRangeByScore },
  zremrangebylex: { shard: opZRemRangeByLex },
  zpopmin: { shard: opZPopMin },
  zpopmax: { shard: opZPopMax },
  zmpop: { shard: opZMPop, multi: multiZMPop },
  zrandmember: { shard: opZRandMember },
  zscan: { shard: opZScan },
  ...rangeCmds.commands,
  ...setOps.commands,
};

export const ops = [ZSET_MPOP, common.ZSET_STORE, ...rangeCmds.ops, ...setOps.ops];
