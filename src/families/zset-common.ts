// What the sorted-set command modules share: the encoding limits from CONFIG, typed lookups, score
// replies, Redis's integer-argument readers with their error texts.
// Invariants: a lookup answers WRONGTYPE for a key of another type and writes nothing otherwise; score
// replies are Redis's addReplyDouble (%.17g, inf/-inf; a RESP3 double); an emptied sorted set is deleted
// by whoever emptied it.

import { NOTIFY_GENERIC, NOTIFY_ZSET } from '../config/keyspace-events.ts';
import { notifyKeyspaceEvent } from '../server/notify.ts';
import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { ShardExec } from '../server/command-types.ts';
import type { Entry } from '../engine/database.ts';
import { ZSet, type ZSetLimits } from '../engine/zset.ts';
import { defineOp } from '../server/shard-ops.ts';
import { bytes, latin1, num, scoredMembers, tuple, u32, type ScoredMembers } from '../util/codec.ts';
import { formatDouble } from '../util/numbers.ts';
import { ERR_NOT_INTEGER, ERR_WRONGTYPE, INT64_MAX, INT64_MIN, deleteKey, parseInteger, storeValue } from './family-util.ts';

/** zset-max-listpack-entries / zset-max-listpack-value of this worker. */
export function zsetLimits(x: ShardExec): ZSetLimits {
  const cfg = x.worker.config;
  return { maxEntries: Number(cfg.zset_max_listpack_entries), maxValue: Number(cfg.zset_max_listpack_value) };
}

/** Whether a set of `count` members, the longest `maxLen` bytes, is kept as a listpack (Redis zsetConvertToListpackIfNeeded). */
export function fitsListpack(limits: ZSetLimits, count: number, maxLen: number): boolean {
  return count <= limits.maxEntries && maxLen <= limits.maxValue;
}

/**
 * The sorted set in an entry: undefined when there is no entry; null (after a WRONGTYPE reply) when the
 * key holds another type.
 */
export function zsetOf(e: Entry | undefined, w: ReplyWriter): ZSet | null | undefined {
  if (e === undefined) return undefined;
  if (e.value instanceof ZSet) return e.value;
  w.error(ERR_WRONGTYPE);
  return null;
}

/** Redis addReplyDouble for a score. */
export function replyScore(w: ReplyWriter, score: number): void {
  w.double(formatDouble(score));
}

/** Redis getLongFromObjectOrReply: an int64 (as a number; exact up to 2^53), or null after the error. */
export function parseLong(b: Buffer, w: ReplyWriter, msg = ERR_NOT_INTEGER): number | null {
  const v = parseInteger(b);
  if (v === null) {
    w.error(msg);
    return null;
  }
  return Number(v);
}

/**
 * Redis getRangeLongFromObjectOrReply: an int64 in [min, max] (as a number), or null after the error
 * (`msg` for both a bad integer and one out of range when given, as in Redis).
 */
export function parseRangeLong(b: Buffer, min: bigint, max: bigint, w: ReplyWriter, msg?: string): number | null {
  const v = parseInteger(b);
  if (v === null) {
    w.error(msg ?? ERR_NOT_INTEGER);
    return null;
  }
  const big = BigInt(v);
  if (big < min || big > max) {
    w.error(msg ?? `ERR value is out of range, value must between ${min} and ${max}`);
    return null;
  }
  return Number(v);
}

/** Redis getPositiveLongFromObjectOrReply. */
export function parsePositiveLong(b: Buffer, w: ReplyWriter, msg?: string): number | null {
  return parseRangeLong(b, 0n, INT64_MAX, w, msg ?? 'ERR value is out of range, must be positive');
}

export { INT64_MAX, INT64_MIN };

/**
 * Stores pairs (in order) as the sorted set at `key`, replacing any value and deadline, in the
 * encoding Redis would give the result; an empty result deletes the key. Returns the member count.
 */
export function storeSorted(x: ShardExec, key: Buffer, scores: number[], members: string[], event: string): number {
  if (members.length === 0) return storedNothing(x, key);
  let maxLen = 0;
  for (let i = 0; i < members.length; i++) if (members[i].length > maxLen) maxLen = members[i].length;
  const listpack = fitsListpack(zsetLimits(x), members.length, maxLen);
  storeValue(x, key, ZSet.fromSorted(scores, members, listpack), 0);
  notifyKeyspaceEvent(x, NOTIFY_ZSET, event, key);
  return members.length;
}

/** A STORE form with an empty result: deletes the destination ('del' if it existed); 0. */
export function storedNothing(x: ShardExec, key: Buffer): number {
  if (deleteKey(x, key)) notifyKeyspaceEvent(x, NOTIFY_GENERIC, 'del', key);
  return 0;
}

/**
 * Stores pairs as ZRANGESTORE builds its result: added one at a time, in the order given, to a new set
 * that starts as a listpack (or a skiplist when Redis presizes it as one), so the encoding, and the -0
 * scores a listpack turns into 0, come out as in Redis. An empty result deletes the key. Returns the count.
 */
export function storeAdded(x: ShardExec, key: Buffer, scores: number[], members: string[], startSkiplist: boolean): number {
  if (members.length === 0) return storedNothing(x, key);
  const limits = zsetLimits(x);
  const z = ZSet.empty(!startSkiplist);
  for (let i = 0; i < members.length; i++) z.add(scores[i], members[i], 0, limits);
  storeValue(x, key, z, 0);
  notifyKeyspaceEvent(x, NOTIFY_ZSET, 'zrangestore', key);
  return z.size;
}

/** How ZSET_STORE builds the set: storeSorted, or storeAdded starting as a listpack / a skiplist. */
export const STORE_SORTED = 0;
export const STORE_ADDED_LISTPACK = 1;
export const STORE_ADDED_SKIPLIST = 2;

/**
 * Stores pairs computed elsewhere at key, built as `mode` says (see STORE_*), raising the command's
 * keyspace event (storeAdded's is always zrangestore): the last hop of a cross-shard store command.
 * The pairs are handed over. Returns the stored count.
 */
export const ZSET_STORE = defineOp(
  'zset-store',
  tuple<[Buffer, number, ScoredMembers, string]>(bytes, u32, scoredMembers, latin1),
  num,
  (x, [key, mode, p, event]) => (mode === STORE_SORTED ? storeSorted(x, key, p.scores, p.members, event) : storeAdded(x, key, p.scores, p.members, mode === STORE_ADDED_SKIPLIST)),
  true,
);
