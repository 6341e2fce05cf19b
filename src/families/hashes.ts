// Hash commands: HSET/HSETNX/HMSET, HGET/HMGET, HDEL, HLEN/HSTRLEN/HEXISTS, HKEYS/HVALS/HGETALL,
// HINCRBY/HINCRBYFLOAT, HRANDFIELD, HSCAN, and Redis 7.4's field TTLs: HEXPIRE/HPEXPIRE/HEXPIREAT/
// HPEXPIREAT, HTTL/HPTTL/HEXPIRETIME/HPEXPIRETIME, HPERSIST.
// Invariants: every handler runs on the shard owning its key and replies as Redis does (argument checks
// in Redis's order, its error texts); a hash is never stored empty; fields whose deadline passed are
// reclaimed before any command reads or writes the hash (so they vanish from every reply, HLEN
// included), and by the shard's active cycle otherwise; a hash with field deadlines is registered with
// its database (Database.trackParts) so that cycle finds it; the key's watchers are told (modified)
// exactly when Redis 7.4 signals it: a field set, deleted, re-deadlined, persisted or reclaimed.

import { NOTIFY_GENERIC, NOTIFY_HASH } from '../config/keyspace-events.ts';
import { notifyKeyspaceEvent } from '../server/notify.ts';
import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { CommandImpl, ShardExec } from '../server/command-types.ts';
import { globMatch } from '../engine/glob.ts';
import {
  COND_GT, COND_LT, COND_NX, COND_XX, HashValue, SETEX_DELETED, SETEX_NO_FIELD, SETEX_OK, type FieldValue, type HashLimits,
} from '../engine/hash-value.ts';
import { incrByFloat, parseLongDouble } from '../util/numbers.ts';
import {
  ERR_NOT_INTEGER, ERR_OVERFLOW, ERR_SYNTAX, ERR_WRONGTYPE, INT64_MAX, INT64_MIN, deleteKey, errInvalidExpire, isWord, keyString,
  lookupRead, lookupWrite, modified, parseInteger, storeValue, valueFromArg,
} from './family-util.ts';
import { parseCursor } from './keyspace-scan.ts';
import { MAX_RANDOM_REPLY, distinctIndexes, randomIndex } from './random-pick.ts';
import { parseScanArgs, replyEmptyScan } from './scan-args.ts';

/** Redis HFE_MAX_ABS_TIME_MSEC: the latest deadline a field may get ((2^48 - 1) >> 2 ms). */
const HFE_MAX_MS = 70368744177663;
/** LONG_MAX / 2: HRANDFIELD's bound on a count WITHVALUES. */
const HALF_LONG_MAX = 4611686018427387903n;

function limits(x: ShardExec): HashLimits {
  const c = x.worker.config;
  return { listpackEntries: c.hash_max_listpack_entries as number, listpackValue: c.hash_max_listpack_value as number };
}

/**
 * The hash stored at key: undefined when there is none, null when the key holds another type. Fields
 * whose deadline passed are reclaimed first (a change for WATCH, as Redis's lazy field expiry); a hash
 * left empty is deleted (and counts as missing).
 */
export function hashAt(x: ShardExec, key: Buffer, write: boolean): HashValue | null | undefined {
  const e = write ? lookupWrite(x, key) : lookupRead(x, key);
  if (e === undefined) return undefined;
  const h = e.value;
  if (!(h instanceof HashValue)) return null;
  if (h.expireDue(x.now) > 0) {
    notifyKeyspaceEvent(x, NOTIFY_HASH, 'hexpired', key);
    if (h.size === 0) {
      deleteKey(x, key);
      notifyKeyspaceEvent(x, NOTIFY_GENERIC, 'del', key);
      return undefined;
    }
    modified(x, key);
  }
  return h;
}

/** The bytes of a stored field value. */
function valueBytes(v: FieldValue): Buffer {
  return typeof v === 'string' ? Buffer.from(v, 'latin1') : v;
}

// ---------------------------------------------------------------------------------------------
// HSET HSETNX HMSET HGET HMGET HDEL HLEN HSTRLEN HEXISTS
// ---------------------------------------------------------------------------------------------

/** HSET key field value [field value ...] / HMSET (which answers OK). */
function hsetGeneric(x: ShardExec, args: Buffer[], w: ReplyWriter, name: 'hset' | 'hmset'): void {
  if (args.length % 2 === 1) return w.error(`ERR wrong number of arguments for '${name}' command`);
  const found = hashAt(x, args[1], true);
  if (found === null) return w.error(ERR_WRONGTYPE);
  const h = found ?? new HashValue();
  const lim = limits(x);
  let longest = 0;
  for (let i = 2; i < args.length; i++) if (args[i].length > longest) longest = args[i].length;
  h.prepare((args.length - 2) / 2, longest, lim);
  let added = 0;
  for (let i = 2; i < args.length; i += 2) if (h.set(keyString(args[i]), valueFromArg(args[i + 1]), false, lim)) added++;
  // Redis signals HSET even when every field already had its value.
  if (found === undefined) storeValue(x, args[1], h, 0);
  else modified(x, args[1]);
  notifyKeyspaceEvent(x, NOTIFY_HASH, 'hset', args[1]);
  if (name === 'hset') w.integer(added);
  else w.ok();
}

function opHSet(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  hsetGeneric(x, args, w, 'hset');
}

function opHMSet(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  hsetGeneric(x, args, w, 'hmset');
}

/** HSETNX key field value */
function opHSetNx(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const found = hashAt(x, args[1], true);
  if (found === null) return w.error(ERR_WRONGTYPE);
  const field = keyString(args[2]);
  if (found !== undefined && found.indexOf(field) >= 0) return w.integer(0);
  const h = found ?? new HashValue();
  const lim = limits(x);
  h.prepare(1, Math.max(args[2].length, args[3].length), lim);
  h.set(field, valueFromArg(args[3]), false, lim);
  if (found === undefined) storeValue(x, args[1], h, 0);
  else modified(x, args[1]);
  notifyKeyspaceEvent(x, NOTIFY_HASH, 'hset', args[1]);
  w.integer(1);
}

/** HGET key field */
function opHGet(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const h = hashAt(x, args[1], false);
  if (h === null) return w.error(ERR_WRONGTYPE);
  const v = h?.get(keyString(args[2]));
  if (v === undefined) w.nullBulk();
  else w.bulk(v);
}

/** HMGET key field [field ...] */
function opHMGet(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const h = hashAt(x, args[1], false);
  if (h === null) return w.error(ERR_WRONGTYPE);
  w.array(args.length - 2);
  for (let i = 2; i < args.length; i++) {
    const v = h?.get(keyString(args[i]));
    if (v === undefined) w.nullBulk();
    else w.bulk(v);
  }
}

/** HDEL key field [field ...] */
function opHDel(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const h = hashAt(x, args[1], true);
  if (h === undefined) return w.integer(0);
  if (h === null) return w.error(ERR_WRONGTYPE);
  let n = 0;
  for (let i = 2; i < args.length; i++) {
    if (!h.delete(keyString(args[i]))) continue;
    n++;
    if (h.size === 0) {
      deleteKey(x, args[1]);
      break;
    }
  }
  if (n > 0 && h.size > 0) modified(x, args[1]);
  if (n > 0) {
    notifyKeyspaceEvent(x, NOTIFY_HASH, 'hdel', args[1]);
    if (h.size === 0) notifyKeyspaceEvent(x, NOTIFY_GENERIC, 'del', args[1]);
  }
  w.integer(n);
}

/** HLEN key */
function opHLen(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const h = hashAt(x, args[1], false);
  if (h === null) return w.error(ERR_WRONGTYPE);
  w.integer(h === undefined ? 0 : h.size);
}

/** HSTRLEN key field */
function opHStrlen(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const h = hashAt(x, args[1], false);
  if (h === null) return w.error(ERR_WRONGTYPE);
  w.integer(h?.get(keyString(args[2]))?.length ?? 0);
}

/** HEXISTS key field */
function opHExists(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const h = hashAt(x, args[1], false);
  if (h === null) return w.error(ERR_WRONGTYPE);
  w.integer(h !== undefined && h.indexOf(keyString(args[2])) >= 0 ? 1 : 0);
}

// ---------------------------------------------------------------------------------------------
// HKEYS HVALS HGETALL
// ---------------------------------------------------------------------------------------------

const KEYS = 1;
const VALUES = 2;

/** Redis genericHgetallCommand: fields and/or values in the encoding's order (a map for both). */
function hgetallGeneric(x: ShardExec, args: Buffer[], w: ReplyWriter, what: number): void {
  const h = hashAt(x, args[1], false);
  if (h === null) return w.error(ERR_WRONGTYPE);
  const n = h === undefined ? 0 : h.size;
  if (what === (KEYS | VALUES)) w.map(n);
  else w.array(n);
  h?.forEach((f, v) => {
    if (what & KEYS) w.bulk(f);
    if (what & VALUES) w.bulk(v);
  });
}

function opHKeys(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  hgetallGeneric(x, args, w, KEYS);
}

function opHVals(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  hgetallGeneric(x, args, w, VALUES);
}

function opHGetAll(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  hgetallGeneric(x, args, w, KEYS | VALUES);
}

// ---------------------------------------------------------------------------------------------
// HINCRBY HINCRBYFLOAT
// ---------------------------------------------------------------------------------------------

/** HINCRBY key field increment — the field keeps its deadline. */
function opHIncrBy(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const by = parseInteger(args[3]);
  if (by === null) return w.error(ERR_NOT_INTEGER);
  const found = hashAt(x, args[1], true);
  if (found === null) return w.error(ERR_WRONGTYPE);
  const field = keyString(args[2]);
  let cur: number | bigint = 0;
  const old = found?.get(field);
  if (old !== undefined) {
    const n = old.length <= 20 ? parseInteger(valueBytes(old)) : null;
    if (n === null) return w.error('ERR hash value is not an integer');
    cur = n;
  }
  let next: number | bigint;
  if (typeof cur === 'number' && typeof by === 'number' && Number.isSafeInteger(cur + by)) next = cur + by;
  else {
    next = BigInt(cur) + BigInt(by);
    if (next > INT64_MAX || next < INT64_MIN) return w.error(ERR_OVERFLOW);
  }
  const h = found ?? new HashValue();
  h.set(field, next.toString(), true, limits(x));
  if (found === undefined) storeValue(x, args[1], h, 0);
  else modified(x, args[1]);
  notifyKeyspaceEvent(x, NOTIFY_HASH, 'hincrby', args[1]);
  w.integer(next);
}

/** HINCRBYFLOAT key field increment — long double arithmetic as INCRBYFLOAT; the field keeps its deadline. */
function opHIncrByFloat(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const incr = parseLongDouble(args[3]);
  if (incr === null) return w.error('ERR value is not a valid float');
  if (incr.kind !== 'finite') return w.error('ERR value is NaN or Infinity');
  const found = hashAt(x, args[1], true);
  if (found === null) return w.error(ERR_WRONGTYPE);
  const field = keyString(args[2]);
  const old = found?.get(field);
  const oldBytes = old === undefined ? null : valueBytes(old);
  if (oldBytes !== null && parseLongDouble(oldBytes) === null) return w.error('ERR hash value is not a float');
  const r = incrByFloat(oldBytes, args[3]);
  if (!r.ok) return w.error('ERR increment would produce NaN or Infinity');
  const h = found ?? new HashValue();
  h.set(field, r.value, true, limits(x));
  if (found === undefined) storeValue(x, args[1], h, 0);
  else modified(x, args[1]);
  notifyKeyspaceEvent(x, NOTIFY_HASH, 'hincrbyfloat', args[1]);
  w.bulk(r.value);
}

// ---------------------------------------------------------------------------------------------
// HRANDFIELD HSCAN
// ---------------------------------------------------------------------------------------------

/** One HRANDFIELD pick: the field, and its value (RESP3: a [field, value] pair) WITHVALUES. */
function replyPick(h: HashValue, i: number, withValues: boolean, w: ReplyWriter): void {
  if (withValues && w.resp === 3) w.array(2);
  w.bulk(h.fieldAt(i));
  if (withValues) w.bulk(h.valueAt(i));
}

/** HRANDFIELD key [count [WITHVALUES]] */
function opHRandField(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  if (args.length === 2) {
    const h = hashAt(x, args[1], false);
    if (h === null) return w.error(ERR_WRONGTYPE);
    if (h === undefined) return w.nullBulk();
    return w.bulk(h.fieldAt(randomIndex(h.size)));
  }
  const l = parseInteger(args[2]);
  if (l === null) return w.error(ERR_NOT_INTEGER);
  if (l === INT64_MIN) return w.error('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807');
  if (args.length > 4 || (args.length === 4 && !isWord(args[3], 'WITHVALUES'))) return w.error(ERR_SYNTAX);
  const withValues = args.length === 4;
  if (withValues && (l < -HALF_LONG_MAX || l > HALF_LONG_MAX)) return w.error('ERR value is out of range');
  const h = hashAt(x, args[1], false);
  if (h === null) return w.error(ERR_WRONGTYPE);
  if (h === undefined || l === 0 || l === 0n) return w.array(0);
  const size = h.size;
  const unique = l >= 0;
  const count = unique ? Number(l) : -Number(l);
  // Negative (or 1): independent picks, repeats allowed.
  if (!unique || count === 1) {
    if (count > MAX_RANDOM_REPLY) return w.error('ERR value is out of range');
    w.array(withValues && w.resp === 2 ? count * 2 : count);
    for (let i = 0; i < count; i++) replyPick(h, randomIndex(size), withValues, w);
    return;
  }
  const n = Math.min(count, size);
  w.array(withValues && w.resp === 2 ? n * 2 : n);
  if (count >= size) {
    for (let i = 0; i < size; i++) replyPick(h, i, withValues, w);
    return;
  }
  const picks = distinctIndexes(size, count);
  // A listpack answers its sample in its own order (Redis lpRandomPairsUnique).
  if (h.encoding !== 'hashtable') picks.sort((a, b) => a - b);
  for (const i of picks) replyPick(h, i, withValues, w);
}

/** HSCAN key cursor [MATCH pattern] [COUNT count] [NOVALUES] */
function opHScan(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const cursor = parseCursor(args[2], w);
  if (cursor === null) return;
  const h = hashAt(x, args[1], false);
  if (h === undefined) return replyEmptyScan(w);
  if (h === null) return w.error(ERR_WRONGTYPE);
  const o = parseScanArgs(args, w, true);
  if (o === null) return;
  const positions: number[] = [];
  const next = h.scan(cursor, o.count, positions);
  const out: FieldValue[] = [];
  for (const i of positions) {
    const f = h.fieldAt(i);
    if (o.pattern !== null && !globMatch(o.pattern, f)) continue;
    out.push(f);
    if (!o.noValues) out.push(h.valueAt(i));
  }
  w.array(2);
  w.bulk(String(next));
  w.array(out.length);
  for (const v of out) w.bulk(v);
}

// ---------------------------------------------------------------------------------------------
// Field TTLs (Redis 7.4): HEXPIRE family, HTTL family, HPERSIST
// ---------------------------------------------------------------------------------------------

const ERR_NO_FIELDS = 'ERR Mandatory argument FIELDS is missing or not at the right position';
const ERR_NUMFIELDS_MISMATCH = 'ERR The `numfields` parameter must match the number of arguments';

/**
 * The field count after FIELDS (args[at - 1] must be FIELDS, args[at] the count, the fields up to the
 * end), or -1 after an error reply. `countError` is the command's text for a bad count.
 */
function parseFields(args: Buffer[], at: number, countError: string, w: ReplyWriter): number {
  if (!isWord(args[at - 1], 'FIELDS')) {
    w.error(ERR_NO_FIELDS);
    return -1;
  }
  const n = parseInteger(args[at]);
  if (n === null || n < 1) {
    w.error(countError);
    return -1;
  }
  if (BigInt(n) !== BigInt(args.length - at - 1)) {
    w.error(ERR_NUMFIELDS_MISMATCH);
    return -1;
  }
  return Number(n);
}

/** Every field of a missing hash: -2. */
function replyAllMissing(n: number, w: ReplyWriter): void {
  w.array(n);
  for (let i = 0; i < n; i++) w.integer(SETEX_NO_FIELD);
}

/** Redis hexpireGenericCommand: `relative` adds the current time, `seconds` scales by 1000. */
function hexpireGeneric(x: ShardExec, args: Buffer[], w: ReplyWriter, relative: boolean, seconds: boolean, name: string): void {
  const h = hashAt(x, args[1], true);
  if (h === null) return w.error(ERR_WRONGTYPE);
  const v = parseInteger(args[2]);
  if (v === null) return w.error(ERR_NOT_INTEGER);
  if (v < 0) return w.error('ERR invalid expire time, must be >= 0');
  const basetime = relative ? x.now : 0;
  let at = Number(v);
  if (seconds) {
    if (v > Math.floor(HFE_MAX_MS / 1000)) return w.error(errInvalidExpire(name));
    at *= 1000;
  }
  if (v > HFE_MAX_MS || at > HFE_MAX_MS - basetime) return w.error(errInvalidExpire(name));
  at += basetime;
  let cond = 0;
  const opt = args[3];
  if (isWord(opt, 'NX')) cond = COND_NX;
  else if (isWord(opt, 'XX')) cond = COND_XX;
  else if (isWord(opt, 'GT')) cond = COND_GT;
  else if (isWord(opt, 'LT')) cond = COND_LT;
  const countAt = cond === 0 ? 4 : 5;
  const n = parseFields(args, countAt, 'ERR Parameter `numFields` should be greater than 0', w);
  if (n < 0) return;
  if (h === undefined) return replyAllMissing(n, w);
  h.enableDeadlines();
  w.array(n);
  let changed = 0;
  let deleted = 0;
  for (let i = countAt + 1; i < args.length; i++) {
    const r = h.setDeadline(keyString(args[i]), at, cond, x.now);
    if (r === SETEX_OK || r === SETEX_DELETED) changed++;
    if (r === SETEX_DELETED) deleted++;
    w.integer(r);
  }
  // Redis 7.4 hashTypeSetExDone's events: hdel + del for an emptied hash, else hexpired when a
  // deadline in the past deleted fields, hexpire when fields only got deadlines.
  if (h.size === 0) {
    deleteKey(x, args[1]);
    notifyKeyspaceEvent(x, NOTIFY_HASH, 'hdel', args[1]);
    notifyKeyspaceEvent(x, NOTIFY_GENERIC, 'del', args[1]);
  } else {
    if (changed > 0) notifyKeyspaceEvent(x, NOTIFY_HASH, deleted > 0 ? 'hexpired' : 'hexpire', args[1]);
    if (h.nextDeadline() !== 0) x.db.trackParts(keyString(args[1]), h);
    // Redis hashTypeSetExDone: a change when a field got a deadline or was deleted by one in the past.
    if (changed > 0) modified(x, args[1]);
  }
}

/** HEXPIRE key seconds [NX | XX | GT | LT] FIELDS numfields field [field ...] */
function opHExpire(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  hexpireGeneric(x, args, w, true, true, 'hexpire');
}

/** HPEXPIRE key milliseconds [NX | XX | GT | LT] FIELDS numfields field [field ...] */
function opHPExpire(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  hexpireGeneric(x, args, w, true, false, 'hpexpire');
}

/** HEXPIREAT key unix-time-seconds [NX | XX | GT | LT] FIELDS numfields field [field ...] */
function opHExpireAt(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  hexpireGeneric(x, args, w, false, true, 'hexpireat');
}

/** HPEXPIREAT key unix-time-milliseconds [NX | XX | GT | LT] FIELDS numfields field [field ...] */
function opHPExpireAt(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  hexpireGeneric(x, args, w, false, false, 'hpexpireat');
}

const ERR_FIELD_COUNT = 'ERR Number of fields must be a positive integer';

/** Redis httlGenericCommand: -2 no such field, -1 no deadline, else remaining (or absolute) ms or s (rounded up). */
function httlGeneric(x: ShardExec, args: Buffer[], w: ReplyWriter, ms: boolean, abs: boolean): void {
  const h = hashAt(x, args[1], false);
  if (h === null) return w.error(ERR_WRONGTYPE);
  const n = parseFields(args, 3, ERR_FIELD_COUNT, w);
  if (n < 0) return;
  if (h === undefined) return replyAllMissing(n, w);
  const base = abs ? 0 : x.now;
  w.array(n);
  for (let i = 4; i < args.length; i++) {
    const at = h.deadlineOf(keyString(args[i]));
    if (at <= 0) w.integer(at === 0 ? -1 : -2);
    else w.integer(ms ? at - base : Math.floor((at + 999 - base) / 1000));
  }
}

/** HTTL key FIELDS numfields field [field ...] */
function opHTtl(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  httlGeneric(x, args, w, false, false);
}

/** HPTTL key FIELDS numfields field [field ...] */
function opHPTtl(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  httlGeneric(x, args, w, true, false);
}

/** HEXPIRETIME key FIELDS numfields field [field ...] */
function opHExpireTime(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  httlGeneric(x, args, w, false, true);
}

/** HPEXPIRETIME key FIELDS numfields field [field ...] */
function opHPExpireTime(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  httlGeneric(x, args, w, true, true);
}

/** HPERSIST key FIELDS numfields field [field ...] */
function opHPersist(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const h = hashAt(x, args[1], true);
  if (h === null) return w.error(ERR_WRONGTYPE);
  const n = parseFields(args, 3, ERR_FIELD_COUNT, w);
  if (n < 0) return;
  if (h === undefined) return replyAllMissing(n, w);
  w.array(n);
  let changed = 0;
  for (let i = 4; i < args.length; i++) {
    const r = h.persist(keyString(args[i]));
    if (r === 1) changed++;
    w.integer(r);
  }
  if (changed > 0) {
    modified(x, args[1]);
    notifyKeyspaceEvent(x, NOTIFY_HASH, 'hpersist', args[1]);
  }
}

// ---------------------------------------------------------------------------------------------
// Registration
// ---------------------------------------------------------------------------------------------

export const commands: Record<string, CommandImpl> = {
  hset: { shard: opHSet },
  hmset: { shard: opHMSet },
  hsetnx: { shard: opHSetNx },
  hget: { shard: opHGet },
  hmget: { shard: opHMGet },
  hdel: { shard: opHDel },
  hlen: { shard: opHLen },
  hstrlen: { shard: opHStrlen },
  hexists: { shard: opHExists },
  hkeys: { shard: opHKeys },
  hvals: { shard: opHVals },
  hgetall: { shard: opHGetAll },
  hincrby: { shard: opHIncrBy },
  hincrbyfloat: { shard: opHIncrByFloat },
  hrandfield: { shard: opHRandField },
  hscan: { shard: opHScan },
  hexpire: { shard: opHExpire },
  hpexpire: { shard: opHPExpire },
  hexpireat: { shard: opHExpireAt },
  hpexpireat: { shard: opHPExpireAt },
  httl: { shard: opHTtl },
  hpttl: { shard: opHPTtl },
  hexpiretime: { shard: opHExpireTime },
  hpexpiretime: { shard: opHPExpireTime },
  hpersist: { shard: opHPersist },
};
