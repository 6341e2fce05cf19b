// Helpers every family uses on the shard side: key lookup with Redis's hit/miss and access-clock
// semantics, argument parsing with Redis's error texts, and the shared error strings.
// Invariants: lookups never return an expired entry; error texts here are byte-exact to Redis 7.

import { NOTIFY_KEY_MISS } from '../config/keyspace-events.ts';
import { notifyKeyspaceEvent } from '../server/notify.ts';
import { Shard } from '../engine/shard.ts';
import { keyText, type Entry, type Value } from '../engine/database.ts';
import type { ShardExec } from '../server/command-types.ts';
import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { Client } from '../server/client.ts';
import type { ShardOp } from '../server/shard-ops.ts';
import { OpError } from '../server/shard-ops.ts';
import { parseInt64, parseSafeInt } from '../util/numbers.ts';

export const ERR_WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
export const ERR_SYNTAX = 'ERR syntax error';
export const ERR_NOT_INTEGER = 'ERR value is not an integer or out of range';
export const ERR_NO_SUCH_KEY = 'ERR no such key';
export const ERR_SAME_OBJECT = 'ERR source and destination objects are the same';
export const ERR_DB_RANGE = 'ERR DB index is out of range';
export const ERR_OVERFLOW = 'ERR increment or decrement would overflow';
export const ERR_STRING_TOO_LONG = 'ERR string exceeds maximum allowed size (proto-max-bulk-len)';

/** Redis's error for an expire time that overflows (EXPIRE family, SET/GETEX EX/PX/EXAT/PXAT). */
export function errInvalidExpire(cmdName: string): string {
  return `ERR invalid expire time in '${cmdName}' command`;
}

export const INT64_MAX = 9223372036854775807n;
export const INT64_MIN = -9223372036854775808n;

/** latin1 string of a key or argument (one char per byte): the engine's keyText, for Buffers. */
export const keyString: (b: Buffer) => string = keyText;

/**
 * The answers gathered once per distinct key (`got`, by keyString), in the order of `keys` (a key
 * named twice gets its one answer twice); the first failure is written to `w` and false returned.
 */
export function inKeyOrder<T>(keys: Buffer[], got: Map<string, T | OpError>, w: ReplyWriter): T[] | false {
  const out: T[] = [];
  for (const k of keys) {
    const s = got.get(keyString(k))!;
    if (s instanceof OpError) {
      w.error(s.text);
      return false;
    }
    out.push(s);
  }
  return out;
}

/**
 * Runs `op` once per distinct key of `keys` (argument: the key), on the key's shard, all at once; the
 * answers by keyString (see inKeyOrder). A key named twice is asked once, as Redis sees one object.
 */
export async function askEachKeyOnce<R>(c: Client, keys: Buffer[], op: ShardOp<Buffer, R>): Promise<Map<string, R | OpError>> {
  const byName = new Map<string, Promise<R | OpError>>();
  for (const k of keys) {
    const name = keyString(k);
    if (!byName.has(name)) byName.set(name, c.coord.opForKey(k, op, k));
  }
  const got = new Map<string, R | OpError>();
  for (const [name, p] of byName) got.set(name, await p);
  return got;
}

/** Lookup for a read command: counts keyspace hits/misses and touches the access clock. */
export function lookupRead(x: ShardExec, key: Buffer): Entry | undefined {
  const e = x.db.lookup(key, x.now);
  if (e === undefined) {
    x.shard.stats.keyspaceMisses++;
    notifyKeyspaceEvent(x, NOTIFY_KEY_MISS, 'keymiss', key);
  } else {
    x.shard.stats.keyspaceHits++;
    if (!x.noTouch) x.db.accessed(e.ref, x.now);
  }
  return e;
}

/**
 * The lookup time of a multi-hop command's later hops: before every deadline, so a later hop finds a
 * key its first hop found live (Redis runs the command in one instant; the command's transaction
 * keeps its keys from the active expire cycle meanwhile, Shard.transactionHolds).
 */
export const AT_FIRST_HOP = 0;

/** Redis lookupKeyReadWithFlags(LOOKUP_NOTOUCH): counts hits/misses, leaves the access clock alone. */
export function lookupNoTouch(x: ShardExec, key: Buffer): Entry | undefined {
  const e = x.db.lookup(key, x.now);
  if (e === undefined) {
    x.shard.stats.keyspaceMisses++;
    notifyKeyspaceEvent(x, NOTIFY_KEY_MISS, 'keymiss', key);
  } else x.shard.stats.keyspaceHits++;
  return e;
}

/**
 * Lookup for a write command: no hit/miss accounting, and no WATCH effect — finding a key changes
 * nothing; the command calls modified() once it really changed the value in place.
 */
export function lookupWrite(x: ShardExec, key: Buffer): Entry | undefined {
  const e = x.db.lookup(key, x.now);
  if (e !== undefined && !x.noTouch) x.db.accessed(e.ref, x.now);
  return e;
}

/**
 * A stored value was changed in place (APPEND, LPUSH onto a list, HDEL of a field...): tells the key's
 * watchers and its trackers (client-side caching) — Redis's signalModifiedKey. Storing, deleting or re-deadlining a key through the Database
 * tells them already; a command that changes nothing must not call this.
 */
export function modified(x: ShardExec, key: Buffer): void {
  if (x.db.observed) x.db.touch(keyString(key));
}

/**
 * Stores a value (replacing any, deadline as given: 0 clears it). A Buffer is stored as a string
 * built in place ('raw') unless `raw` is false (a whole argument: SET, MSET — the bytes are copied).
 */
export function storeValue(x: ShardExec, key: Buffer, value: Value, expireAt: number | bigint, raw: boolean = value instanceof Buffer): void {
  x.db.put(key, value, expireAt, Shard.lruClock(x.now), raw);
}

export function deleteKey(x: ShardExec, key: Buffer): boolean {
  return x.db.delete(key);
}

export function isString(v: Value): v is string | Buffer {
  return typeof v === 'string' || v instanceof Buffer;
}

/** The bytes of a string value. */
export function stringBytes(v: string | Buffer): Buffer {
  return typeof v === 'string' ? Buffer.from(v, 'latin1') : v;
}

/** Parses a signed 64-bit integer argument (Redis string2ll). */
export function parseInteger(b: Buffer): number | bigint | null {
  const n = parseSafeInt(b);
  if (n !== null) return n;
  return parseInt64(b);
}

/** Case-insensitive comparison of an argument with an upper-case ASCII word. */
export function isWord(b: Buffer, upper: string): boolean {
  const n = upper.length;
  if (b.length !== n) return false;
  for (let i = 0; i < n; i++) {
    let c = b[i];
    if (c >= 0x61 && c <= 0x7a) c -= 0x20;
    if (c !== upper.charCodeAt(i)) return false;
  }
  return true;
}

/** Values longer than this are kept as Buffers rather than JS strings. */
const STRING_INLINE_MAX = 64 * 1024;

/** The stored form of a value received as an argument. */
export function valueFromArg(b: Buffer): string | Buffer {
  return b.length <= STRING_INLINE_MAX ? keyString(b) : Buffer.from(b);
}

/**
 * Redis getLongLongFromObjectOrReply: an int64 as a number (beyond 2^53 inexact, which callers that
 * clamp to a length or count do not mind), or null after replying with the error.
 */
export function parseLongLong(b: Buffer, w: ReplyWriter): number | null {
  const v = parseInteger(b);
  if (v === null) {
    w.error(ERR_NOT_INTEGER);
    return null;
  }
  return Number(v);
}

/** Redis getIntFromObjectOrReply: an int32, or null after replying with the error. */
export function parseInt32(b: Buffer, w: ReplyWriter, msg?: string): number | null {
  const v = parseInteger(b);
  if (v === null) {
    w.error(msg ?? ERR_NOT_INTEGER);
    return null;
  }
  if (v < -2147483648 || v > 2147483647) {
    w.error(msg ?? 'ERR value is out of range, value must between -2147483648 and 2147483647');
    return null;
  }
  return Number(v);
}

/**
 * Redis's addReplySubcommandSyntaxError: `ERR unknown subcommand or wrong number of arguments for
 * '<sub>'. Try <CMD> HELP.` (the subcommand as %.128s prints it: up to its first NUL, 128 bytes).
 */
export function subcommandSyntaxError(args: Buffer[], w: ReplyWriter): void {
  const sub = args[1].latin1Slice();
  const z = sub.indexOf('\0');
  w.error(`ERR unknown subcommand or wrong number of arguments for '${(z < 0 ? sub : sub.slice(0, z)).slice(0, 128)}'. Try ${args[0].latin1Slice().toUpperCase()} HELP.`);
}
