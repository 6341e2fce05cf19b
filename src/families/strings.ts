// String commands: GET/SET and friends, counters, ranges, LCS, MGET/MSET/MSETNX.
// Invariants: handlers run on the shard owning their keys and reply exactly as Redis 7 does (option
// parsing order, error texts, number formatting); a string value is a latin1 string, or a Buffer once
// modified in place (APPEND/SETRANGE) or when large.

import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { CommandImpl, ShardExec } from '../server/command-types.ts';
import type { Client } from '../server/client.ts';
import { incrByFloat } from '../util/numbers.ts';
import {
  ERR_NOT_INTEGER, ERR_OVERFLOW, ERR_STRING_TOO_LONG, ERR_SYNTAX, ERR_WRONGTYPE, INT64_MAX, INT64_MIN,
  deleteKey, errInvalidExpire, isString, isWord, keyString, lookupRead, lookupWrite, modified, parseInteger, stringBytes, storeValue,
} from './family-util.ts';
import { replyInteger } from '../protocol/reply-reader.ts';
import { NOTIFY_GENERIC, NOTIFY_STRING } from '../config/keyspace-events.ts';
import { notifyKeyspaceEvent } from '../server/notify.ts';
import { defineOp, OpError } from '../server/shard-ops.ts';
import { bytes } from '../util/codec.ts';

const SET_NX = 1;
const SET_XX = 2;
const SET_GET = 4;
const SET_KEEPTTL = 8;
const SET_EX = 16;
const SET_PX = 32;
const SET_EXAT = 64;
const SET_PXAT = 128;
const SET_PERSIST = 256;
const ANY_EXPIRE = SET_EX | SET_PX | SET_EXAT | SET_PXAT;

interface ExtendedArgs {
  flags: number;
  expire: Buffer | null;
}

const parsed: ExtendedArgs = { flags: 0, expire: null };

/** Redis parseExtendedStringArgumentsOrReply, for SET (from arg 3) and GETEX (from arg 2). */
function parseExtended(args: Buffer[], forSet: boolean, w: ReplyWriter): ExtendedArgs | null {
  let flags = 0;
  let expire: Buffer | null = null;
  for (let j = forSet ? 3 : 2; j < args.length; j++) {
    const opt = args[j];
    const hasNext = j < args.length - 1;
    if (forSet && isWord(opt, 'NX') && !(flags & SET_XX)) flags |= SET_NX;
    else if (forSet && isWord(opt, 'XX') && !(flags & SET_NX)) flags |= SET_XX;
    else if (forSet && isWord(opt, 'GET')) flags |= SET_GET;
    else if (forSet && isWord(opt, 'KEEPTTL') && !(flags & (SET_PERSIST | ANY_EXPIRE))) flags |= SET_KEEPTTL;
    else if (!forSet && isWord(opt, 'PERSIST') && !(flags & (ANY_EXPIRE | SET_KEEPTTL))) flags |= SET_PERSIST;
    else if (isWord(opt, 'EX') && !(flags & (SET_KEEPTTL | SET_PERSIST | SET_EXAT | SET_PX | SET_PXAT)) && hasNext) {
      flags |= SET_EX;
      expire = args[++j];
    } else if (isWord(opt, 'PX') && !(flags & (SET_KEEPTTL | SET_PERSIST | SET_EX | SET_EXAT | SET_PXAT)) && hasNext) {
      flags |= SET_PX;
      expire = args[++j];
    } else if (isWord(opt, 'EXAT') && !(flags & (SET_KEEPTTL | SET_PERSIST | SET_EX | SET_PX | SET_PXAT)) && hasNext) {
      flags |= SET_EXAT;
      expire = args[++j];
    } else if (isWord(opt, 'PXAT') && !(flags & (SET_KEEPTTL | SET_PERSIST | SET_EX | SET_EXAT | SET_PX)) && hasNext) {
      flags |= SET_PXAT;
      expire = args[++j];
    } else {
      w.error(ERR_SYNTAX);
      return null;
    }
  }
  parsed.flags = flags;
  parsed.expire = expire;
  return parsed;
}

/**
 * Redis getExpireMillisecondsOrReply: the absolute deadline in ms for an EX/PX/EXAT/PXAT argument,
 * or -1 after replying with the error.
 */
function expireDeadline(x: ShardExec, arg: Buffer, flags: number, cmdName: string, w: ReplyWriter): number | bigint {
  const v = parseInteger(arg);
  if (v === null) {
    w.error(ERR_NOT_INTEGER);
    return -1;
  }
  let ms = BigInt(v);
  const seconds = (flags & (SET_EX | SET_EXAT)) !== 0;
  if (ms <= 0n || (seconds && ms > INT64_MAX / 1000n)) {
    w.error(errInvalidExpire(cmdName));
    return -1;
  }
  if (seconds) ms *= 1000n;
  if (flags & (SET_EX | SET_PX)) ms += BigInt(x.now);
  if (ms <= 0n || ms > INT64_MAX) {
    w.error(errInvalidExpire(cmdName));
    return -1;
  }
  return ms <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(ms) : ms;
}

function replyString(w: ReplyWriter, v: string | Buffer): void {
  w.bulk(v);
}

/** GET key */
function opGet(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const e = lookupRead(x, args[1]);
  if (e === undefined) w.nullBulk();
  else if (isString(e.value)) replyString(w, e.value);
  else w.error(ERR_WRONGTYPE);
}

/** Shared body of SET, SETEX, PSETEX: flags/expire already parsed; `cmdName` for error texts. */
function setGeneric(x: ShardExec, w: ReplyWriter, key: Buffer, value: Buffer, flags: number, expire: Buffer | null, cmdName: string, okReply: 'ok' | 'one'): void {
  let deadline: number | bigint = 0;
  if (expire !== null) {
    deadline = expireDeadline(x, expire, flags, cmdName, w);
    if (deadline === -1) return;
  }
  const e = lookupWrite(x, key);
  if (flags & SET_GET) {
    if (e === undefined) w.nullBulk();
    else if (!isString(e.value)) {
      w.error(ERR_WRONGTYPE);
      return;
    } else replyString(w, e.value);
  }
  const found = e !== undefined;
  if (((flags & SET_NX) && found) || ((flags & SET_XX) && !found)) {
    if (!(flags & SET_GET)) {
      if (okReply === 'one') w.integer(0);
      else w.nullBulk();
    }
    return;
  }
  if ((flags & SET_KEEPTTL) && e !== undefined) deadline = x.db.exactDeadline(keyString(key), e);
  storeValue(x, key, value, deadline, false);
  notifyKeyspaceEvent(x, NOTIFY_STRING, 'set', key);
  if (expire !== null) notifyKeyspaceEvent(x, NOTIFY_GENERIC, 'expire', key);
  if (!(flags & SET_GET)) {
    if (okReply === 'one') w.integer(1);
    else w.ok();
  }
}

/** SET key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL] */
function opSet(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  if (args.length === 3) {
    // The hot path: with notifications off, one test and no lookup (put replaces any value).
    if (x.shard.notifyFlags !== 0) return setGeneric(x, w, args[1], args[2], 0, null, 'set', 'ok');
    storeValue(x, args[1], args[2], 0, false);
    w.ok();
    return;
  }
  const p = parseExtended(args, true, w);
  if (p === null) return;
  setGeneric(x, w, args[1], args[2], p.flags, p.expire, 'set', 'ok');
}

/** SETNX key value */
function opSetNx(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  setGeneric(x, w, args[1], args[2], SET_NX, null, 'setnx', 'one');
}

/** SETEX key seconds value */
function opSetEx(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  setGeneric(x, w, args[1], args[3], SET_EX, args[2], 'setex', 'ok');
}

/** PSETEX key milliseconds value */
function opPSetEx(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  setGeneric(x, w, args[1], args[3], SET_PX, args[2], 'psetex', 'ok');
}

/** GETSET key value */
function opGetSet(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  setGeneric(x, w, args[1], args[2], SET_GET, null, 'getset', 'ok');
}

/** GETDEL key */
function opGetDel(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const e = lookupRead(x, args[1]);
  if (e === undefined) return w.nullBulk();
  if (!isString(e.value)) return w.error(ERR_WRONGTYPE);
  replyString(w, e.value);
  deleteKey(x, args[1]);
  notifyKeyspaceEvent(x, NOTIFY_GENERIC, 'del', args[1]);
}

/** GETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | PERSIST] */
function opGetEx(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const p = parseExtended(args, false, w);
  if (p === null) return;
  const { flags, expire } = p;
  const e = lookupRead(x, args[1]);
  if (e === undefined) return w.nullBulk();
  if (!isString(e.value)) return w.error(ERR_WRONGTYPE);
  let deadline: number | bigint = 0;
  if (expire !== null) {
    deadline = expireDeadline(x, expire, flags, 'getex', w);
    if (deadline === -1) return;
  }
  replyString(w, e.value);
  if ((flags & (SET_PXAT | SET_EXAT)) && deadline <= x.now) {
    deleteKey(x, args[1]);
    notifyKeyspaceEvent(x, NOTIFY_GENERIC, 'del', args[1]);
  } else if (expire !== null) {
    x.db.setExpire(args[1].toString('latin1'), e, deadline);
    notifyKeyspaceEvent(x, NOTIFY_GENERIC, 'expire', args[1]);
  } else if ((flags & SET_PERSIST) && e.expireAt !== 0) {
    x.db.setExpire(args[1].toString('latin1'), e, 0);
    notifyKeyspaceEvent(x, NOTIFY_GENERIC, 'persist', args[1]);
  }
}

/** APPEND key value */
function opAppend(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const e = lookupWrite(x, args[1]);
  const add = args[2];
  if (e === undefined) {
    storeValue(x, args[1], add, 0, false);
    notifyKeyspaceEvent(x, NOTIFY_STRING, 'append', args[1]);
    return w.integer(add.length);
  }
  const v = e.value;
  if (!isString(v)) return w.error(ERR_WRONGTYPE);
  if (v.length + add.length > (x.shard.maxBulkLen)) return w.error(ERR_STRING_TOO_LONG);
  const next = Buffer.allocUnsafe(v.length + add.length);
  if (typeof v === 'string') next.latin1Write(v, 0);
  else v.copy(next, 0);
  add.copy(next, v.length);
  e.value = next;
  modified(x, args[1]);
  notifyKeyspaceEvent(x, NOTIFY_STRING, 'append', args[1]);
  w.integer(next.length);
}

/** STRLEN key */
function opStrlen(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const e = lookupRead(x, args[1]);
  if (e === undefined) return w.integer(0);
  if (!isString(e.value)) return w.error(ERR_WRONGTYPE);
  w.integer(e.value.length);
}

/** Shared body of INCR, DECR, INCRBY, DECRBY. */
function incrDecr(x: ShardExec, key: Buffer, by: number | bigint, w: ReplyWriter): void {
  const e = lookupWrite(x, key);
  let cur: number | bigint = 0;
  if (e !== undefined) {
    const v = e.value;
    if (!isString(v)) return w.error(ERR_WRONGTYPE);
    const n = v.length <= 20 ? parseInteger(typeof v === 'string' ? Buffer.from(v, 'latin1') : v) : null;
    if (n === null) return w.error(ERR_NOT_INTEGER);
    cur = n;
  }
  let next: number | bigint;
  if (typeof cur === 'number' && typeof by === 'number' && Number.isSafeInteger(cur + by)) {
    next = cur + by;
  } else {
    const big = BigInt(cur) + BigInt(by);
    if (big > INT64_MAX || big < INT64_MIN) return w.error(ERR_OVERFLOW);
    next = big;
  }
  const text = typeof next === 'bigint' ? next.toString() : String(next);
  if (e !== undefined) {
    e.value = text;
    modified(x, key);
  } else storeValue(x, key, text, 0);
  notifyKeyspaceEvent(x, NOTIFY_STRING, 'incrby', key);
  w.integer(next);
}

function opIncr(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  incrDecr(x, args[1], 1, w);
}

function opDecr(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  incrDecr(x, args[1], -1, w);
}

/** INCRBY key increment */
function opIncrBy(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const by = parseInteger(args[2]);
  if (by === null) return w.error(ERR_NOT_INTEGER);
  incrDecr(x, args[1], by, w);
}

/** DECRBY key decrement */
function opDecrBy(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const by = parseInteger(args[2]);
  if (by === null) return w.error(ERR_NOT_INTEGER);
  if (by === INT64_MIN) return w.error('ERR decrement would overflow');
  incrDecr(x, args[1], typeof by === 'bigint' ? -by : -by, w);
}

/** INCRBYFLOAT key increment */
function opIncrByFloat(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const e = lookupWrite(x, args[1]);
  let cur: Buffer | null = null;
  if (e !== undefined) {
    if (!isString(e.value)) return w.error(ERR_WRONGTYPE);
    cur = stringBytes(e.value);
  }
  const r = incrByFloat(cur, args[2]);
  if (!r.ok) return w.error(r.error === 'nan' ? 'ERR increment would produce NaN or Infinity' : 'ERR value is not a valid float');
  if (e !== undefined) {
    e.value = r.value;
    modified(x, args[1]);
  } else storeValue(x, args[1], r.value, 0);
  notifyKeyspaceEvent(x, NOTIFY_STRING, 'incrbyfloat', args[1]);
  w.bulk(r.value);
}

/** GETRANGE key start end (and SUBSTR) */
function opGetRange(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const s = parseInteger(args[2]);
  const t = parseInteger(args[3]);
  if (s === null || t === null) return w.error(ERR_NOT_INTEGER);
  const e = lookupRead(x, args[1]);
  if (e === undefined) return w.bulk('');
  const v = e.value;
  if (!isString(v)) return w.error(ERR_WRONGTYPE);
  const len = v.length;
  let start = Number(s);
  let end = Number(t);
  if (start < 0 && end < 0 && start > end) return w.bulk('');
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len === 0) return w.bulk('');
  w.bulk(typeof v === 'string' ? v.slice(start, end + 1) : v.subarray(start, end + 1));
}

/** SETRANGE key offset value */
function opSetRange(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const o = parseInteger(args[2]);
  if (o === null) return w.error(ERR_NOT_INTEGER);
  if (o < 0) return w.error('ERR offset is out of range');
  const value = args[3];
  const e = lookupWrite(x, args[1]);
  const max = x.shard.maxBulkLen;
  if (e === undefined) {
    if (value.length === 0) return w.integer(0);
    if (Number(o) + value.length > max) return w.error(ERR_STRING_TOO_LONG);
    const off = Number(o);
    const buf = Buffer.alloc(off + value.length);
    value.copy(buf, off);
    storeValue(x, args[1], buf, 0);
    notifyKeyspaceEvent(x, NOTIFY_STRING, 'setrange', args[1]);
    return w.integer(buf.length);
  }
  const v = e.value;
  if (!isString(v)) return w.error(ERR_WRONGTYPE);
  if (value.length === 0) return w.integer(v.length);
  if (Number(o) + value.length > max) return w.error(ERR_STRING_TOO_LONG);
  const off = Number(o);
  const size = Math.max(v.length, off + value.length);
  let buf: Buffer;
  if (v instanceof Buffer && v.length === size) buf = v;
  else {
    buf = Buffer.alloc(size);
    if (typeof v === 'string') buf.latin1Write(v, 0);
    else v.copy(buf, 0);
  }
  value.copy(buf, off);
  e.value = buf;
  modified(x, args[1]);
  notifyKeyspaceEvent(x, NOTIFY_STRING, 'setrange', args[1]);
  w.integer(size);
}

/** MGET key [key ...] — the part for the keys of one shard. */
function opMGet(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  w.array(args.length - 1);
  for (let i = 1; i < args.length; i++) {
    const e = lookupRead(x, args[i]);
    if (e === undefined || !isString(e.value)) w.nullBulk();
    else replyString(w, e.value);
  }
}

/** MSET key value [key value ...] — the part for the keys of one shard. */
function opMSet(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  if (args.length % 2 === 0) return w.error("ERR wrong number of arguments for 'mset' command");
  for (let i = 1; i < args.length; i += 2) {
    // As Redis's setKey, the write lookup reclaims an expired key first (its 'expired', then 'new').
    if (x.shard.notifyFlags !== 0) lookupWrite(x, args[i]);
    storeValue(x, args[i], args[i + 1], 0, false);
    notifyKeyspaceEvent(x, NOTIFY_STRING, 'set', args[i]);
  }
  w.ok();
}

/** MSETNX key value [key value ...] when all keys are on one shard. */
function opMSetNx(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  if (args.length % 2 === 0) return w.error("ERR wrong number of arguments for 'msetnx' command");
  for (let i = 1; i < args.length; i += 2) {
    if (lookupWrite(x, args[i]) !== undefined) return w.integer(0);
  }
  for (let i = 1; i < args.length; i += 2) {
    storeValue(x, args[i], args[i + 1], 0, false);
    notifyKeyspaceEvent(x, NOTIFY_STRING, 'set', args[i]);
  }
  w.integer(1);
}

/** MSETNX across shards: check every key, then set them (two hops; atomic once transactions land). */
async function multiMSetNx(c: Client, args: Buffer[], w: ReplyWriter): Promise<void> {
  if (args.length % 2 === 0) return w.error("ERR wrong number of arguments for 'msetnx' command");
  const keys: Buffer[] = [];
  for (let i = 1; i < args.length; i += 2) keys.push(args[i]);
  const existing = await c.coord.runKeyed('exists', keys);
  if (existing.some((r) => replyInteger(r) !== 0)) return w.integer(0);
  const pairs: Buffer[] = args.slice(1);
  await c.coord.runKeyed('mset', pairs, 1);
  w.integer(1);
}

/** The longest common subsequence reply of Redis's LCS for strings a and b. */
export function lcsReply(a: Buffer, b: Buffer, args: Buffer[], w: ReplyWriter, maxBytes: number): void {
  let getIdx = false;
  let getLen = false;
  let withMatchLen = false;
  let minMatchLen = 0;
  for (let j = 3; j < args.length; j++) {
    const opt = args[j];
    const more = args.length - 1 - j;
    if (isWord(opt, 'IDX')) getIdx = true;
    else if (isWord(opt, 'LEN')) getLen = true;
    else if (isWord(opt, 'WITHMATCHLEN')) withMatchLen = true;
    else if (isWord(opt, 'MINMATCHLEN') && more > 0) {
      const m = parseInteger(args[j + 1]);
      if (m === null) return w.error(ERR_NOT_INTEGER);
      minMatchLen = m < 0 ? 0 : Number(m);
      j++;
    } else return w.error(ERR_SYNTAX);
  }
  if (getIdx && getLen) return w.error('ERR If you want both the length and indexes, please just use IDX.');
  const alen = a.length;
  const blen = b.length;
  const cells = (alen + 1) * (blen + 1);
  if (cells * 4 > maxBytes) return w.error('ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len');
  const dp = new Uint32Array(cells);
  const W = blen + 1;
  for (let i = 1; i <= alen; i++) {
    const ai = a[i - 1];
    for (let j = 1; j <= blen; j++) {
      if (ai === b[j - 1]) dp[i * W + j] = dp[(i - 1) * W + j - 1] + 1;
      else {
        const l1 = dp[(i - 1) * W + j];
        const l2 = dp[i * W + j - 1];
        dp[i * W + j] = l1 > l2 ? l1 : l2;
      }
    }
  }
  const total = dp[alen * W + blen];
  const computeLcs = getIdx || !getLen;
  const result = computeLcs ? Buffer.allocUnsafe(total) : null;
  let idx = total;
  let aStart = alen;
  let aEnd = 0;
  let bStart = 0;
  let bEnd = 0;
  const ranges: number[][] = [];
  let i = alen;
  let j = blen;
  while (computeLcs && i > 0 && j > 0) {
    let emit = false;
    if (a[i - 1] === b[j - 1]) {
      result![idx - 1] = a[i - 1];
      if (aStart === alen) {
        aStart = aEnd = i - 1;
        bStart = bEnd = j - 1;
      } else if (aStart === i && bStart === j) {
        aStart--;
        bStart--;
      } else emit = true;
      if (aStart === 0 || bStart === 0) emit = true;
      idx--;
      i--;
      j--;
    } else {
      const l1 = dp[(i - 1) * W + j];
      const l2 = dp[i * W + j - 1];
      if (l1 > l2) i--;
      else j--;
      if (aStart !== alen) emit = true;
    }
    const matchLen = aEnd - aStart + 1;
    if (emit) {
      if (minMatchLen === 0 || matchLen >= minMatchLen) ranges.push([aStart, aEnd, bStart, bEnd, matchLen]);
      aStart = alen;
    }
  }
  if (getIdx) {
    w.map(2);
    w.bulk('matches');
    w.array(ranges.length);
    for (const r of ranges) {
      w.array(withMatchLen ? 3 : 2);
      w.array(2);
      w.integer(r[0]);
      w.integer(r[1]);
      w.array(2);
      w.integer(r[2]);
      w.integer(r[3]);
      if (withMatchLen) w.integer(r[4]);
    }
    w.bulk('len');
    w.integer(total);
  } else if (getLen) w.integer(total);
  else w.bulk(result!);
}

const LCS_WRONGTYPE = 'ERR The specified keys must contain string values';

/** LCS key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN] — both keys on this shard. */
function opLcs(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const ea = lookupRead(x, args[1]);
  const eb = lookupRead(x, args[2]);
  if ((ea && !isString(ea.value)) || (eb && !isString(eb.value))) return w.error(LCS_WRONGTYPE);
  const a = ea ? stringBytes(ea.value as string | Buffer) : Buffer.alloc(0);
  const b = eb ? stringBytes(eb.value as string | Buffer) : Buffer.alloc(0);
  lcsReply(a, b, args, w, x.shard.maxBulkLen);
}

/** LCS across shards: fetch both values (GET-like reads), compute here. */
async function multiLcs(c: Client, args: Buffer[], w: ReplyWriter): Promise<void> {
  const [ra, rb] = await Promise.all([c.coord.opForKey(args[1], STRING_VALUE, args[1]), c.coord.opForKey(args[2], STRING_VALUE, args[2])]);
  if (ra instanceof OpError || rb instanceof OpError) return w.error(LCS_WRONGTYPE);
  lcsReply(ra, rb, args, w, c.worker.config.proto_max_bulk_len as number);
}

/** A key's string value, read as GET does: a copy of its bytes (empty when missing), WRONGTYPE for other types. */
export const STRING_VALUE = defineOp('string-value', bytes, bytes, (x, key) => {
  const e = lookupRead(x, key);
  if (e === undefined) return Buffer.alloc(0);
  const v = e.value;
  if (!isString(v)) return new OpError(ERR_WRONGTYPE);
  return typeof v === 'string' ? Buffer.from(v, 'latin1') : Buffer.from(v); // never a view of the stored value
});

export const commands: Record<string, CommandImpl> = {
  get: { shard: opGet },
  set: { shard: opSet },
  setnx: { shard: opSetNx },
  setex: { shard: opSetEx },
  psetex: { shard: opPSetEx },
  getset: { shard: opGetSet },
  getdel: { shard: opGetDel },
  getex: { shard: opGetEx },
  append: { shard: opAppend },
  strlen: { shard: opStrlen },
  incr: { shard: opIncr },
  decr: { shard: opDecr },
  incrby: { shard: opIncrBy },
  decrby: { shard: opDecrBy },
  incrbyfloat: { shard: opIncrByFloat },
  getrange: { shard: opGetRange },
  substr: { shard: opGetRange },
  setrange: { shard: opSetRange },
  lcs: { shard: opLcs, multi: multiLcs },
  mget: { shard: opMGet, multi: 'inOrder' },
  mset: { shard: opMSet, multi: 'ok', keyArgs: 1 },
  msetnx: { shard: opMSetNx, multi: multiMSetNx, keyArgs: 1 },
};

export const ops = [STRING_VALUE];
