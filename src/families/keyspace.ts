// Generic keyspace commands: DEL/UNLINK/EXISTS/TOUCH, TYPE, the EXPIRE/TTL family, KEYS/SCAN/RANDOMKEY,
// RENAME/RENAMENX/COPY/MOVE, OBJECT *, SWAPDB, DBSIZE, FLUSHDB, FLUSHALL.
// Invariants: keyed handlers run on the shard owning their keys and reply exactly as Redis 7 does;
// whole-keyspace commands ask every shard in one hop (shard operations: KEYS_OP, SCAN_OP...); a value
// crosses shards only as a DUMP payload (deadline + LRU clock + serialized value) that RESTORE stores again;
// a SCAN cursor is a position in a fixed global slot order (shard 0's slots, then shard 1's, ...), so
// every key present for the whole scan is returned whatever is added or removed meanwhile.

import { swapWatchers } from '../engine/watch.ts';
import { GLOBAL_READ } from '../server/tx-shard.ts';
import { LockPlan } from '../server/transaction.ts';
import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { CommandImpl, ShardExec } from '../server/command-types.ts';
import type { Client } from '../server/client.ts';
import { defineOp, OpError, replyAllOk } from '../server/shard-ops.ts';
import { bool, bytes, latin1, list, none, nullable, num, tuple, u32 } from '../util/codec.ts';
import type { Database, Entry, Value } from '../engine/database.ts';
import { kindById, kindOf } from '../engine/kinds.ts';
import { stringEncoding } from '../engine/string-kind.ts';
import { KIND_STRING } from '../engine/value-kind.ts';
import { Shard } from '../engine/shard.ts';
import { globMatch } from '../engine/glob.ts';
import { DashTable } from '../engine/dashtable.ts';
import {
  ERR_DB_RANGE, ERR_NOT_INTEGER, ERR_NO_SUCH_KEY, ERR_SAME_OBJECT, ERR_SYNTAX, INT64_MAX, INT64_MIN,
  deleteKey, errInvalidExpire, isString, isWord, keyString, lookupNoTouch, lookupRead, lookupWrite, parseInt32,
  parseInteger,
} from './family-util.ts';
import { helpReply } from './client-commands.ts';

// ---------------------------------------------------------------------------------------------
// Moving a value between shards: [kind id | raw u8][deadline i64][lru u32] then its kind's serialize().
// ---------------------------------------------------------------------------------------------

/** Set in the payload's first byte when a string was built in place (OBJECT ENCODING raw whatever its length). */
const DUMP_RAW = 0x80;
const DUMP_HEADER = 13; // kind u8, deadline i64, lru u32

/** Serializes an entry for RESTORE. */
function dumpEntry(e: Entry, deadline: number | bigint): Buffer {
  const v = e.value;
  const kind = kindOf(v);
  const body = kind.serialize(v);
  const out = Buffer.allocUnsafe(DUMP_HEADER + body.length);
  out[0] = kind.id | (kind.id === KIND_STRING && e.raw ? DUMP_RAW : 0);
  out.writeBigInt64LE(BigInt(deadline), 1);
  out.writeUInt32LE(e.lru >>> 0, 9);
  body.copy(out, DUMP_HEADER);
  return out;
}

interface Dumped {
  value: Value;
  /** As dumped (Database.put narrows it, keeping one beyond 2^53 ms exact). */
  expireAt: bigint;
  lru: number;
  /** A string built in place (its bytes are copied into the store). */
  raw: boolean;
}

function undump(p: Buffer): Dumped | string {
  if (p.length < DUMP_HEADER) return 'ERR internal: bad dump payload';
  const kind = kindById(p[0] & ~DUMP_RAW);
  if (kind === undefined) return `ERR internal: no value kind ${p[0] & ~DUMP_RAW}`;
  const expireAt = p.readBigInt64LE(1);
  const lru = p.readUInt32LE(9);
  return { value: kind.deserialize(p.subarray(DUMP_HEADER)), expireAt, lru, raw: (p[0] & DUMP_RAW) !== 0 };
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function isLfu(policy: unknown): boolean {
  return String(policy).endsWith('-lfu');
}

// ---------------------------------------------------------------------------------------------
// DEL UNLINK EXISTS TOUCH TYPE
// ---------------------------------------------------------------------------------------------

/** DEL key [key ...] (and UNLINK) — the keys of one shard; expired keys do not count. */
function opDel(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  let n = 0;
  const db = x.db;
  for (let i = 1; i < args.length; i++) {
    const k = args[i];
    if (db.lookup(k, x.now) !== undefined && db.delete(k)) n++;
  }
  w.integer(n);
}

/** EXISTS key [key ...] — a key named twice counts twice. */
function opExists(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  let n = 0;
  for (let i = 1; i < args.length; i++) if (lookupNoTouch(x, args[i]) !== undefined) n++;
  w.integer(n);
}

/** TOUCH key [key ...] — touches the access clock even for a CLIENT NO-TOUCH client (Redis 7.2). */
function opTouch(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  let n = 0;
  for (let i = 1; i < args.length; i++) {
    const e = lookupRead(x, args[i]);
    if (e === undefined) continue;
    if (x.noTouch) x.db.accessed(e.ref, x.now);
    n++;
  }
  w.integer(n);
}

/** TYPE key */
function opType(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const e = lookupNoTouch(x, args[1]);
  w.simple(e === undefined ? 'none' : kindOf(e.value).type);
}

// ---------------------------------------------------------------------------------------------
// EXPIRE family, TTL family, PERSIST
// ---------------------------------------------------------------------------------------------

const EXPIRE_NX = 1;
const EXPIRE_XX = 2;
const EXPIRE_GT = 4;
const EXPIRE_LT = 8;

/** Redis parseExtendedExpireArgumentsOrReply: the NX/XX/GT/LT flags, or -1 after an error reply. */
function parseExpireFlags(args: Buffer[], w: ReplyWriter): number {
  let flags = 0;
  for (let j = 3; j < args.length; j++) {
    const opt = args[j];
    if (isWord(opt, 'NX')) flags |= EXPIRE_NX;
    else if (isWord(opt, 'XX')) flags |= EXPIRE_XX;
    else if (isWord(opt, 'GT')) flags |= EXPIRE_GT;
    else if (isWord(opt, 'LT')) flags |= EXPIRE_LT;
    else {
      const s = opt.toString('latin1');
      const z = s.indexOf('\0');
      w.error(`ERR Unsupported option ${z >= 0 ? s.slice(0, z) : s}`);
      return -1;
    }
  }
  if ((flags & EXPIRE_NX) && (flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT))) {
    w.error('ERR NX and XX, GT or LT options at the same time are not compatible');
    return -1;
  }
  if ((flags & EXPIRE_GT) && (flags & EXPIRE_LT)) {
    w.error('ERR GT and LT options at the same time are not compatible');
    return -1;
  }
  return flags;
}

/** Redis expireGenericCommand: `relative` adds the current time, `seconds` scales by 1000. */
function expireGeneric(x: ShardExec, args: Buffer[], w: ReplyWriter, relative: boolean, seconds: boolean, cmdName: string): void {
  const flags = parseExpireFlags(args, w);
  if (flags < 0) return;
  const v = parseInteger(args[2]);
  if (v === null) return w.error(ERR_NOT_INTEGER);
  let when = BigInt(v);
  const basetime = relative ? BigInt(x.now) : 0n;
  if (seconds) {
    if (when > INT64_MAX / 1000n || when < INT64_MIN / 1000n) return w.error(errInvalidExpire(cmdName));
    when *= 1000n;
  }
  if (when > INT64_MAX - basetime) return w.error(errInvalidExpire(cmdName));
  when += basetime;
  const e = lookupWrite(x, args[1]);
  if (e === undefined) return w.integer(0);
  const key = keyString(args[1]);
  if (flags !== 0) {
    const current = e.expireAt === 0 ? -1n : BigInt(x.db.exactDeadline(key, e));
    if ((flags & EXPIRE_NX) && current !== -1n) return w.integer(0);
    if ((flags & EXPIRE_XX) && current === -1n) return w.integer(0);
    if ((flags & EXPIRE_GT) && (when <= current || current === -1n)) return w.integer(0);
    if ((flags & EXPIRE_LT) && current !== -1n && when >= current) return w.integer(0);
  }
  if (when <= BigInt(x.now)) {
    deleteKey(x, args[1]);
  } else {
    x.db.setExpire(key, e, when);
  }
  w.integer(1);
}

/** EXPIRE key seconds [NX | XX | GT | LT] */
function opExpire(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  expireGeneric(x, args, w, true, true, 'expire');
}

/** PEXPIRE key milliseconds [NX | XX | GT | LT] */
function opPExpire(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  expireGeneric(x, args, w, true, false, 'pexpire');
}

/** EXPIREAT key unix-time-seconds [NX | XX | GT | LT] */
function opExpireAt(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  expireGeneric(x, args, w, false, true, 'expireat');
}

/** PEXPIREAT key unix-time-milliseconds [NX | XX | GT | LT] */
function opPExpireAt(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  expireGeneric(x, args, w, false, false, 'pexpireat');
}

/** Redis ttlGenericCommand: -2 missing, -1 no deadline, else remaining (or absolute) ms or s. */
function ttlGeneric(x: ShardExec, args: Buffer[], w: ReplyWriter, ms: boolean, abs: boolean): void {
  const e = lookupNoTouch(x, args[1]);
  if (e === undefined) return w.integer(-2);
  if (e.expireAt === 0) return w.integer(-1);
  const at = x.db.exactDeadline(keyString(args[1]), e);
  if (typeof at === 'bigint') {
    const ttl = abs ? at : at - BigInt(x.now);
    return w.integer(ms ? ttl : (ttl + 500n) / 1000n);
  }
  let ttl = abs ? at : at - x.now;
  if (ttl < 0) ttl = 0;
  w.integer(ms ? ttl : Math.floor((ttl + 500) / 1000));
}

/** TTL key */
function opTtl(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  ttlGeneric(x, args, w, false, false);
}

/** PTTL key */
function opPTtl(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  ttlGeneric(x, args, w, true, false);
}

/** EXPIRETIME key */
function opExpireTime(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  ttlGeneric(x, args, w, false, true);
}

/** PEXPIRETIME key */
function opPExpireTime(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  ttlGeneric(x, args, w, true, true);
}

/** PERSIST key */
function opPersist(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const e = lookupWrite(x, args[1]);
  if (e === undefined || e.expireAt === 0) return w.integer(0);
  x.db.setExpire(keyString(args[1]), e, 0);
  w.integer(1);
}

// ---------------------------------------------------------------------------------------------
// RENAME RENAMENX COPY MOVE (+ the HAS_KEY / DUMP / RESTORE operations for values crossing shards)
// ---------------------------------------------------------------------------------------------

/** RENAME key newkey / RENAMENX key newkey, both keys on this shard. */
function renameGeneric(x: ShardExec, args: Buffer[], w: ReplyWriter, nx: boolean): void {
  const src = args[1];
  const dst = args[2];
  const e = lookupWrite(x, src);
  if (e === undefined) return w.error(ERR_NO_SUCH_KEY);
  if (src.equals(dst)) return nx ? w.integer(0) : w.ok();
  const dkey = keyString(dst);
  if (lookupWrite(x, dst) !== undefined && nx) return w.integer(0);
  const { value, lru, raw } = e;
  const skey = keyString(src);
  const deadline = x.db.exactDeadline(skey, e);
  x.db.delete(skey);
  x.db.put(dkey, value, deadline, lru, raw);
  if (nx) w.integer(1);
  else w.ok();
}

/** RENAME key newkey */
function opRename(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  renameGeneric(x, args, w, false);
}

/** RENAMENX key newkey */
function opRenameNx(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  renameGeneric(x, args, w, true);
}

/** RENAME / RENAMENX across shards: take the value from its shard, store it on the other. */
async function multiRenameGeneric(c: Client, args: Buffer[], w: ReplyWriter, nx: boolean): Promise<void> {
  const src = args[1];
  const dst = args[2];
  if (nx) {
    const [hs, hd] = await Promise.all([c.coord.opForKey(src, HAS_KEY, src), c.coord.opForKey(dst, HAS_KEY, dst)]);
    if (hs instanceof OpError) return w.error(hs.text);
    if (hd instanceof OpError) return w.error(hd.text);
    if (!hs) return w.error(ERR_NO_SUCH_KEY);
    if (hd) return w.integer(0);
  }
  const d = await c.coord.opForKey(src, DUMP, [src, true]);
  if (d instanceof OpError) return w.error(d.text);
  if (d === null) return w.error(ERR_NO_SUCH_KEY);
  const payload = Buffer.from(d);
  const back: RestoreArgs = [src, payload, false, false, c.db];
  const r = await c.coord.opForKey(dst, RESTORE, [dst, payload, nx, false, c.db]);
  if (r instanceof OpError) {
    // Put the value back where it was rather than lose it.
    await c.coord.opForKey(src, RESTORE, back);
    return w.error(r.text);
  }
  if (!r) {
    // RENAMENX lost a race with a writer of the destination: undo.
    await c.coord.opForKey(src, RESTORE, back);
    return w.integer(0);
  }
  if (nx) w.integer(1);
  else w.ok();
}

function multiRename(c: Client, args: Buffer[], w: ReplyWriter): Promise<void> {
  return multiRenameGeneric(c, args, w, false);
}

function multiRenameNx(c: Client, args: Buffer[], w: ReplyWriter): Promise<void> {
  return multiRenameGeneric(c, args, w, true);
}

interface CopyOptions {
  dstDb: number;
  replace: boolean;
}

/** A database index argument, or null if it is not one (the command reports that itself). */
function dbArg(b: Buffer | undefined): number | null {
  if (b === undefined || b.length === 0 || b.length > 10) return null;
  const n = Number(b.latin1Slice());
  return Number.isInteger(n) && n >= 0 && /^[0-9]+$/.test(b.latin1Slice()) ? n : null;
}

/** COPY's destination when it names another database (DB option): [2, db]. */
function copyOtherDb(args: Buffer[]): [number, number] | null {
  for (let j = 3; j < args.length - 1; j++) if (isWord(args[j], 'DB')) return dbArg(args[j + 1]) === null ? null : [2, dbArg(args[j + 1])!];
  return null;
}

/** COPY's options, parsed as Redis's copyCommand does; null after an error reply. */
function parseCopyOptions(args: Buffer[], srcDb: number, dbnum: number, w: ReplyWriter): CopyOptions | null {
  let dstDb = srcDb;
  let replace = false;
  for (let j = 3; j < args.length; j++) {
    const more = args.length - j - 1;
    if (isWord(args[j], 'REPLACE')) replace = true;
    else if (isWord(args[j], 'DB') && more >= 1) {
      const id = parseInt32(args[j + 1], w);
      if (id === null) return null;
      if (id < 0 || id >= dbnum) {
        w.error(ERR_DB_RANGE);
        return null;
      }
      dstDb = id;
      j++;
    } else {
      w.error(ERR_SYNTAX);
      return null;
    }
  }
  return { dstDb, replace };
}

/** COPY source destination [DB destination-db] [REPLACE], both keys on this shard. */
function opCopy(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const o = parseCopyOptions(args, x.dbIndex, x.shard.dbs.length, w);
  if (o === null) return;
  if (o.dstDb === x.dbIndex && args[1].equals(args[2])) return w.error(ERR_SAME_OBJECT);
  const e = lookupRead(x, args[1]);
  if (e === undefined) return w.integer(0);
  const dst: Database = x.shard.dbs[o.dstDb];
  const dkey = keyString(args[2]);
  const old = dst.lookup(dkey, x.now);
  if (old !== undefined && !o.replace) return w.integer(0);
  const v = e.value;
  const copy = kindOf(v).clone(v);
  dst.put(dkey, copy, x.db.exactDeadline(keyString(args[1]), e), Shard.lruClock(x.now), e.raw);
  w.integer(1);
}

/** COPY across shards: read the value from its shard, store a copy on the other. */
async function multiCopy(c: Client, args: Buffer[], w: ReplyWriter): Promise<void> {
  const o = parseCopyOptions(args, c.db, c.worker.shard.dbs.length, w);
  if (o === null) return;
  const d = await c.coord.opForKey(args[1], DUMP, [args[1], false]);
  if (d instanceof OpError) return w.error(d.text);
  if (d === null) return w.integer(0);
  const r = await c.coord.opForKey(args[2], RESTORE, [args[2], Buffer.from(d), !o.replace, true, o.dstDb]);
  if (r instanceof OpError) return w.error(r.text);
  w.integer(r ? 1 : 0);
}

/** MOVE key db */
function opMove(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const id = parseInt32(args[2], w);
  if (id === null) return;
  if (id < 0 || id >= x.shard.dbs.length) return w.error(ERR_DB_RANGE);
  if (id === x.dbIndex) return w.error(ERR_SAME_OBJECT);
  const e = lookupWrite(x, args[1]);
  if (e === undefined) return w.integer(0);
  const key = keyString(args[1]);
  const dst = x.shard.dbs[id];
  if (dst.lookup(key, x.now) !== undefined) return w.integer(0);
  const deadline = x.db.exactDeadline(key, e);
  const { value, lru, raw } = e;
  x.db.delete(key);
  dst.put(key, value, deadline, lru, raw);
  w.integer(1);
}

/** Whether the key exists (write lookup: no hit/miss accounting). */
export const HAS_KEY = defineOp('has-key', bytes, bool, (x, key) => lookupWrite(x, key) !== undefined);

/**
 * [key, take]: the entry as a payload for RESTORE (null if missing); `take` removes it (a write
 * lookup, else a read one). The payload is a fresh buffer.
 */
export const DUMP = defineOp('dump', tuple<[Buffer, boolean]>(bytes, bool), nullable(bytes), (x, [key, take]) => {
  const e = take ? lookupWrite(x, key) : lookupRead(x, key);
  if (e === undefined) return null;
  const p = dumpEntry(e, x.db.exactDeadline(keyString(key), e));
  if (take) deleteKey(x, key);
  return p;
}, true);

/** RESTORE's arguments: key, DUMP payload, nx (not if the key exists), fresh (a new LRU clock), database. */
type RestoreArgs = [Buffer, Buffer, boolean, boolean, number];

/**
 * Stores a DUMP payload in database `db`, replacing the key unless `nx`, keeping the payload's
 * deadline and LRU clock (RENAME, RENAMENX) or with a fresh LRU clock (`fresh`: COPY). Result: whether
 * it was stored.
 */
export const RESTORE = defineOp('restore', tuple<RestoreArgs>(bytes, bytes, bool, bool, u32), bool, (x, [k, payload, nx, fresh, dbIndex]) => {
  const db = x.shard.dbs[dbIndex] ?? x.db;
  const key = keyString(k);
  const d = undump(payload);
  if (typeof d === 'string') return new OpError(d);
  if (nx && db.lookup(key, x.now) !== undefined) return false;
  const lru = fresh ? Shard.lruClock(x.now) : d.lru;
  db.put(key, d.value, d.expireAt, lru, d.raw);
  return true;
}, true);

// ---------------------------------------------------------------------------------------------
// OBJECT
// ---------------------------------------------------------------------------------------------

/** OBJECT ENCODING key */
function opObjectEncoding(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const e = lookupNoTouch(x, args[2]);
  if (e === undefined) return w.nullBulk();
  const v = e.value;
  w.bulk(kindOf(v).encoding(v, e.raw));
}

/** OBJECT REFCOUNT key — int-encoded 0..9999 are Redis's shared integers (unless LRU/LFU eviction is on). */
function opObjectRefcount(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const e = lookupNoTouch(x, args[2]);
  if (e === undefined) return w.nullBulk();
  const v = e.value;
  const cfg = x.worker.config;
  const policy = String(cfg.maxmemory_policy);
  const sharingOff = Number(cfg.maxmemory) !== 0 && (policy.endsWith('-lru') || isLfu(policy));
  if (!sharingOff && isString(v) && v.length <= 4 && stringEncoding(v, e.raw) === 'int') {
    const n = Number(v);
    if (n >= 0 && n < 10000) return w.integer(2147483647);
  }
  w.integer(1);
}

/** OBJECT IDLETIME key */
function opObjectIdletime(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const e = lookupNoTouch(x, args[2]);
  if (e === undefined) return w.nullBulk();
  if (isLfu(x.shard.policy)) {
    return w.error(
      'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
    );
  }
  w.integer(Math.max(0, Shard.lruClock(x.now) - e.lru));
}

/** OBJECT FREQ key — the key's logarithmic access counter, decayed by the minutes since its last access. */
function opObjectFreq(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const e = lookupNoTouch(x, args[2]);
  if (e === undefined) return w.nullBulk();
  if (!isLfu(x.shard.policy)) {
    return w.error(
      'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
    );
  }
  w.integer(x.db.lfuDecayed(e.ref, Shard.lruClock(x.now)));
}

const OBJECT_HELP = [
  'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
  'HELP',
  '    Prints this help.',
];

// ---------------------------------------------------------------------------------------------
// KEYS SCAN RANDOMKEY DBSIZE
// ---------------------------------------------------------------------------------------------

/** KEYS pattern */
function keys(c: Client, args: Buffer[], w: ReplyWriter): void {
  c.coord.broadcastAtomicOp(KEYS_OP, args[1], replyKeys, w, GLOBAL_READ);
}

function replyKeys(results: (string[] | OpError)[], w: ReplyWriter): void {
  let total = 0;
  for (const r of results) {
    if (r instanceof OpError) return w.error(r.text);
    total += r.length;
  }
  w.array(total);
  for (const r of results) for (const k of r as string[]) w.bulk(k);
}

/** pattern: this shard's live keys matching it. */
export const KEYS_OP = defineOp('keys', bytes, list(latin1), (x, pattern) => {
  const all = pattern.length === 1 && pattern[0] === 0x2a;
  const out: string[] = [];
  const now = x.now;
  const db = x.db;
  db.forEachKey((k, ref) => {
    const at = db.deadlineAt(ref);
    if (at !== 0 && at <= now) return;
    if (all || globMatch(pattern, k)) out.push(k);
  });
  return out;
});

/**
 * The global SCAN position space: shard s owns [s * SCAN_SPAN, (s + 1) * SCAN_SPAN), its part being
 * its table's own cursor space (DashTable.scanStep); position 0 is the start, and reaching n * SCAN_SPAN
 * ends the scan (cursor 0).
 */
const SCAN_SPAN = DashTable.CURSOR_SPAN;

/** Redis parseScanCursorOrReply (strtoul, base 10): the cursor, or null after an error reply. */
export function parseCursor(b: Buffer, w: ReplyWriter): bigint | null {
  const s = b.toString('latin1');
  const bad = (): null => {
    w.error('ERR invalid cursor');
    return null;
  };
  if (s.length === 0) return 0n;
  if (/^[ \t\n\v\f\r]/.test(s)) return bad();
  const m = /^([+-]?)([0-9]+)$/.exec(s);
  if (m === null) return bad();
  const v = BigInt(m[2]);
  if (v > (1n << 64n) - 1n) return bad();
  return m[1] === '-' && v !== 0n ? (1n << 64n) - v : v;
}

/**
 * SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
 * One hop: the shard owning the cursor's position scans from there, every later shard from the start
 * of its part of the order (each until it has visited COUNT keys); the merge takes whole slots in
 * order until COUNT keys were visited, so a small keyspace comes back whole in one call, as in Redis.
 */
function scan(c: Client, args: Buffer[], w: ReplyWriter): void {
  const cursor = parseCursor(args[1], w);
  if (cursor === null) return;
  let count = 10;
  let pattern: Buffer | null = null;
  let type: Buffer | null = null;
  for (let i = 2; i < args.length; ) {
    const left = args.length - i;
    if (isWord(args[i], 'COUNT') && left >= 2) {
      const v = parseInteger(args[i + 1]);
      if (v === null) return w.error(ERR_NOT_INTEGER);
      if (v < 1) return w.error(ERR_SYNTAX);
      count = v > 1e15 ? 1e15 : Number(v);
      i += 2;
    } else if (isWord(args[i], 'MATCH') && left >= 2) {
      pattern = args[i + 1];
      i += 2;
    } else if (isWord(args[i], 'TYPE') && left >= 2) {
      type = args[i + 1];
      i += 2;
    } else return w.error(ERR_SYNTAX);
  }
  if (pattern !== null && pattern.length === 1 && pattern[0] === 0x2a) pattern = null;
  const n = c.worker.n;
  if (cursor >= BigInt(n * SCAN_SPAN)) {
    w.array(2);
    w.bulk('0');
    w.array(0);
    return;
  }
  const pos = Number(cursor);
  const first = Math.floor(pos / SCAN_SPAN);
  const typeName = type === null ? null : type.toString('latin1').toLowerCase();
  const parts: [number, ScanArgs][] = [];
  for (let s = first; s < n; s++) parts.push([s, [s === first ? pos : s * SCAN_SPAN, count, pattern, typeName]]);
  // Read under a shared whole-shard lock: a pipelined SCAN sees the writes sent before it.
  const plan = new LockPlan();
  for (const [s] of parts) plan.touch(s);
  c.coord.atomicOp(SCAN_OP, parts, plan, GLOBAL_READ, (results, out) => replyScan(results, count, n * SCAN_SPAN, out), w);
}

/** Takes the per-shard slot groups in order until `count` keys were visited; replies [cursor, keys]. */
function replyScan(results: (ScanGroup[] | OpError)[], count: number, end: number, w: ReplyWriter): void {
  const found: string[] = [];
  let budget = count;
  let next = 0;
  outer: for (const r of results) {
    if (r instanceof OpError) return w.error(r.text);
    for (const [after, visited, keys] of r) {
      for (const k of keys) found.push(k);
      budget -= visited;
      if (budget <= 0) {
        next = after < end ? after : 0;
        break outer;
      }
    }
  }
  w.array(2);
  w.bulk(String(next));
  w.array(found.length);
  for (const k of found) w.bulk(k);
}

/** SCAN_OP's arguments: global position, COUNT, MATCH pattern (null: all), TYPE in lower case (null: any). */
type ScanArgs = [number, number, Buffer | null, string | null];
/** One non-empty bucket: the position after it, the keys visited, the matching keys. */
type ScanGroup = [number, number, string[]];

/**
 * Walks this shard's table from global position `pos` a bucket at a time until `count` keys were
 * visited (or 10x that many buckets, or its part of the order ends). Result: one group per non-empty
 * bucket (a last group may report an empty stretch with its visits forced to `count`).
 */
export const SCAN_OP = defineOp('scan', tuple<ScanArgs>(num, num, nullable(bytes), nullable(latin1)), list(tuple<ScanGroup>(num, num, list(latin1))), (x, [start, count, pattern, type]) => {
  let pos = start;
  const me = x.shard.index;
  const base = me * SCAN_SPAN;
  const end = base + SCAN_SPAN;
  const db = x.db;
  const now = x.now;
  let visited = 0;
  let steps = 0;
  const maxSteps = Math.min(count, 1e6) * 10 + 64;
  const groups: ScanGroup[] = [];
  const keys: string[] = [];
  let emptyRun = false;
  while (pos < end && visited < count) {
    keys.length = 0;
    const next = db.scanStep(pos - base, keys);
    pos = next === 0 ? end : base + next;
    if (keys.length === 0) {
      emptyRun = true;
      if (++steps >= maxSteps) break;
      continue;
    }
    emptyRun = false;
    visited += keys.length;
    const matching: string[] = [];
    groups.push([pos, keys.length, matching]);
    for (const k of keys) {
      if (pattern !== null && !globMatch(pattern, k)) continue;
      if (type !== null) {
        const e = db.lookup(k, now);
        if (e === undefined) {
          x.shard.stats.keyspaceMisses++;
          continue;
        }
        x.shard.stats.keyspaceHits++;
        if (kindOf(e.value).type !== type) continue;
      } else if (db.lookup(k, now) === undefined) continue;
      matching.push(k);
    }
  }
  // A stretch of empty buckets cut short by the step bound: report where it stopped.
  if (emptyRun && pos < end) groups.push([pos, count, []]);
  return groups;
});

/** RANDOMKEY */
function randomkey(c: Client, _args: Buffer[], w: ReplyWriter): void {
  c.coord.broadcastAtomicOp(RANDOM_KEY, null, replyRandomKey, w, GLOBAL_READ);
}

/** Picks one shard's key, each shard weighted by its key count. */
function replyRandomKey(results: ([number, string | null] | OpError)[], w: ReplyWriter): void {
  const picks: [number, string][] = [];
  let total = 0;
  for (const r of results) {
    if (r instanceof OpError) return w.error(r.text);
    const [size, key] = r;
    if (key === null) continue;
    const n = Math.max(1, size);
    picks.push([n, key]);
    total += n;
  }
  if (picks.length === 0) return w.nullBulk();
  let at = Math.random() * total;
  for (const [n, key] of picks) {
    if (at < n) return w.bulk(key);
    at -= n;
  }
  w.bulk(picks[picks.length - 1][1]);
}

/** [key count, one random live key or null] of this shard. */
export const RANDOM_KEY = defineOp<null, [number, string | null]>('random-key', none, tuple<[number, string | null]>(num, nullable(latin1)), (x) => {
  const db = x.db;
  let key: string | null = null;
  for (let tries = 0; tries < 100 && db.size > 0 && key === null; tries++) {
    const k = db.randomKey();
    if (k !== null && db.lookup(k, x.now) !== undefined) key = k; // an expired pick is deleted: try again
  }
  return [db.size, key];
});

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

// ---------------------------------------------------------------------------------------------
// FLUSHDB FLUSHALL SWAPDB
// ---------------------------------------------------------------------------------------------

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
  return null;
}, true);

/** Empties every database of this shard. */
export const FLUSH_ALL = defineOp('flush-all', none, none, (x) => {
  for (const db of x.shard.dbs) db.clear();
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
  return null;
}, true);

export const commands: Record<string, CommandImpl> = {
  del: { shard: opDel, multi: 'sum' },
  unlink: { shard: opDel, multi: 'sum' },
  exists: { shard: opExists, multi: 'sum' },
  touch: { shard: opTouch, multi: 'sum' },
  type: { shard: opType },
  expire: { shard: opExpire },
  pexpire: { shard: opPExpire },
  expireat: { shard: opExpireAt },
  pexpireat: { shard: opPExpireAt },
  ttl: { shard: opTtl },
  pttl: { shard: opPTtl },
  expiretime: { shard: opExpireTime },
  pexpiretime: { shard: opPExpireTime },
  persist: { shard: opPersist },
  keys: { conn: keys },
  scan: { conn: scan },
  randomkey: { conn: randomkey },
  rename: { shard: opRename, multi: multiRename },
  renamenx: { shard: opRenameNx, multi: multiRenameNx },
  copy: { shard: opCopy, multi: multiCopy, otherDbKey: copyOtherDb },
  move: { shard: opMove, otherDbKey: (args) => dbArg(args[2]) === null ? null : [1, dbArg(args[2])!] },
  object: {},
  'object|encoding': { shard: opObjectEncoding },
  'object|refcount': { shard: opObjectRefcount },
  'object|idletime': { shard: opObjectIdletime },
  'object|freq': { shard: opObjectFreq },
  'object|help': { conn: (_c, _a, w) => helpReply(w, OBJECT_HELP) },
  swapdb: { conn: swapdb },
  dbsize: { conn: dbsize },
  flushdb: { conn: flushdb },
  flushall: { conn: flushall },
};

export const ops = [KEYS_OP, SCAN_OP, RANDOM_KEY, DB_SIZE, FLUSH_DB, FLUSH_ALL, HAS_KEY, DUMP, RESTORE, SWAP_DB];
