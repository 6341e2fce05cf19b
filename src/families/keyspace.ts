// Generic keyspace commands: DEL/UNLINK/EXISTS/TOUCH, TYPE, the EXPIRE/TTL family, KEYS/SCAN/RANDOMKEY,
// RENAME/RENAMENX/COPY/MOVE, OBJECT *, SWAPDB, DBSIZE, FLUSHDB, FLUSHALL.
// Invariants: keyed handlers run on the shard owning their keys and reply exactly as Redis 7 does;
// whole-keyspace commands ask every shard in one hop (internal "__" commands); a value crosses shards
// only as a __dump payload (deadline + LRU clock + serialized value) that __restore stores again;
// a SCAN cursor is a position in a fixed global slot order (shard 0's slots, then shard 1's, ...), so
// every key present for the whole scan is returned whatever is added or removed meanwhile.

import { swapWatchers } from '../engine/watch.ts';
import { GLOBAL_READ } from '../server/tx-shard.ts';
import { LockPlan } from '../server/transaction.ts';
import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { CommandImpl, ShardExec } from '../server/command-types.ts';
import type { Client } from '../server/client.ts';
import { mergeOk, mergeSum } from '../server/coordinator.ts';
import { bulkBytes, replyInteger, replyIsError, replyIsNull, splitArrayReply } from '../protocol/reply-reader.ts';
import type { Database, Entry, Value } from '../engine/database.ts';
import { kindById, kindOf } from '../engine/kinds.ts';
import { stringEncoding } from '../engine/string-kind.ts';
import { KIND_STRING } from '../engine/value-kind.ts';
import { Shard } from '../engine/shard.ts';
import { globMatch } from '../engine/glob.ts';
import { keySlot } from '../runtime/slots.ts';
import { DashTable } from '../engine/dashtable.ts';
import {
  ERR_DB_RANGE, ERR_NOT_INTEGER, ERR_NO_SUCH_KEY, ERR_SAME_OBJECT, ERR_SYNTAX, INT64_MAX, INT64_MIN,
  deleteKey, errInvalidExpire, isString, isWord, keyString, lookupNoTouch, lookupRead, lookupWrite, parseInt32,
  parseInteger, slotOf,
} from './family-util.ts';
import { helpReply } from './connection.ts';

// ---------------------------------------------------------------------------------------------
// Moving a value between shards: [kind id | raw u8][deadline i64][lru u32] then its kind's serialize().
// ---------------------------------------------------------------------------------------------

/** Set in the payload's first byte when a string was built in place (OBJECT ENCODING raw whatever its length). */
const DUMP_RAW = 0x80;
const DUMP_HEADER = 13; // kind u8, deadline i64, lru u32

/** Serializes an entry for __restore. */
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
    if (db.lookup(0, k, x.now) !== undefined && db.delete(0, k)) n++;
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
// RENAME RENAMENX COPY MOVE (+ __dump / __restore / __haskey for values crossing shards)
// ---------------------------------------------------------------------------------------------

/** RENAME key newkey / RENAMENX key newkey, both keys on this shard. */
function renameGeneric(x: ShardExec, args: Buffer[], w: ReplyWriter, nx: boolean): void {
  const src = args[1];
  const dst = args[2];
  const e = lookupWrite(x, src);
  if (e === undefined) return w.error(ERR_NO_SUCH_KEY);
  if (src.equals(dst)) return nx ? w.integer(0) : w.ok();
  const dslot = keySlot(dst);
  const dkey = keyString(dst);
  if (lookupWrite(x, dst) !== undefined && nx) return w.integer(0);
  const { value, lru, raw } = e;
  const skey = keyString(src);
  const deadline = x.db.exactDeadline(skey, e);
  x.db.delete(keySlot(src), skey);
  x.db.put(dslot, dkey, value, deadline, lru, raw);
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
    const [hs, hd] = await Promise.all([c.coord.runForKey('__haskey', src), c.coord.runForKey('__haskey', dst)]);
    if (replyIsError(hs)) return w.raw(hs);
    if (replyIsError(hd)) return w.raw(hd);
    if (replyInteger(hs) === 0) return w.error(ERR_NO_SUCH_KEY);
    if (replyInteger(hd) === 1) return w.integer(0);
  }
  const d = await c.coord.runForKey('__dump', src, Buffer.from('take'));
  if (replyIsError(d)) return w.raw(d);
  if (replyIsNull(d)) return w.error(ERR_NO_SUCH_KEY);
  const payload = Buffer.from(bulkBytes(d));
  const r = await c.coord.runForKey('__restore', dst, payload, Buffer.from(nx ? 'keep-nx' : 'keep'), Buffer.from(String(c.db)));
  if (replyIsError(r)) {
    // Put the value back where it was rather than lose it.
    await c.coord.runForKey('__restore', src, payload, Buffer.from('keep'), Buffer.from(String(c.db)));
    return w.raw(r);
  }
  if (replyInteger(r) === 0) {
    // RENAMENX lost a race with a writer of the destination: undo.
    await c.coord.runForKey('__restore', src, payload, Buffer.from('keep'), Buffer.from(String(c.db)));
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
  const dslot = keySlot(args[2]);
  const dkey = keyString(args[2]);
  const old = dst.lookup(dslot, dkey, x.now);
  if (old !== undefined && !o.replace) return w.integer(0);
  const v = e.value;
  const copy = kindOf(v).clone(v);
  dst.put(dslot, dkey, copy, x.db.exactDeadline(keyString(args[1]), e), Shard.lruClock(x.now), e.raw);
  w.integer(1);
}

/** COPY across shards: read the value from its shard, store a copy on the other. */
async function multiCopy(c: Client, args: Buffer[], w: ReplyWriter): Promise<void> {
  const o = parseCopyOptions(args, c.db, c.worker.shard.dbs.length, w);
  if (o === null) return;
  const d = await c.coord.runForKey('__dump', args[1], Buffer.from('read'));
  if (replyIsError(d)) return w.raw(d);
  if (replyIsNull(d)) return w.integer(0);
  const r = await c.coord.runForKey('__restore', args[2], Buffer.from(bulkBytes(d)), Buffer.from(o.replace ? 'copy' : 'copy-nx'), Buffer.from(String(o.dstDb)));
  w.raw(r);
}

/** MOVE key db */
function opMove(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const id = parseInt32(args[2], w);
  if (id === null) return;
  if (id < 0 || id >= x.shard.dbs.length) return w.error(ERR_DB_RANGE);
  if (id === x.dbIndex) return w.error(ERR_SAME_OBJECT);
  const e = lookupWrite(x, args[1]);
  if (e === undefined) return w.integer(0);
  const slot = slotOf(x, args[1]);
  const key = keyString(args[1]);
  const dst = x.shard.dbs[id];
  if (dst.lookup(slot, key, x.now) !== undefined) return w.integer(0);
  const deadline = x.db.exactDeadline(key, e);
  const { value, lru, raw } = e;
  x.db.delete(slot, key);
  dst.put(slot, key, value, deadline, lru, raw);
  w.integer(1);
}

/** __haskey key: 1 if the key exists (write lookup: no hit/miss accounting), else 0. */
function opHasKey(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  w.integer(lookupWrite(x, args[1]) === undefined ? 0 : 1);
}

/** __dump key take|read: the entry as a payload for __restore (nil if missing); `take` removes it. */
function opDump(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const take = isWord(args[2], 'TAKE');
  const e = take ? lookupWrite(x, args[1]) : lookupRead(x, args[1]);
  if (e === undefined) return w.nullBulk();
  const p = dumpEntry(e, x.db.exactDeadline(keyString(args[1]), e));
  if (take) deleteKey(x, args[1]);
  w.bulk(p);
}

/**
 * __restore key payload mode db: stores a __dump payload in database `db`. Modes: keep (replace,
 * keeping deadline and LRU clock: RENAME), keep-nx (the same unless the key exists: RENAMENX),
 * copy (replace, fresh LRU clock: COPY REPLACE), copy-nx (COPY). Replies 1 if stored, 0 if not.
 */
function opRestore(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const mode = args[3].toString('latin1');
  const db = x.shard.dbs[Number(args[4].toString('latin1'))] ?? x.db;
  const slot = keySlot(args[1]);
  const key = keyString(args[1]);
  const d = undump(args[2]);
  if (typeof d === 'string') return w.error(d);
  if (mode.endsWith('-nx') && db.lookup(slot, key, x.now) !== undefined) return w.integer(0);
  const lru = mode.startsWith('copy') ? Shard.lruClock(x.now) : d.lru;
  db.put(slot, key, d.value, d.expireAt, lru, d.raw);
  w.integer(1);
}

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
  c.coord.broadcastAtomic(c.worker.command('__keys'), [Buffer.from('__keys'), args[1]], mergeArrays, w, GLOBAL_READ);
}

function mergeArrays(replies: Buffer[], w: ReplyWriter): void {
  const parts: Buffer[][] = [];
  let total = 0;
  for (const r of replies) {
    if (r[0] !== 0x2a) return w.raw(r);
    const items = splitArrayReply(r);
    parts.push(items);
    total += items.length;
  }
  w.array(total);
  for (const items of parts) for (const it of items) w.raw(it);
}

/** __keys pattern: this shard's live keys matching pattern. */
function opKeys(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const pattern = args[1];
  const all = pattern.length === 1 && pattern[0] === 0x2a;
  const out: string[] = [];
  const now = x.now;
  const db = x.db;
  db.forEachKey((k, ref) => {
    const at = db.deadlineAt(ref);
    if (at !== 0 && at <= now) return;
    if (all || globMatch(pattern, k)) out.push(k);
  });
  w.array(out.length);
  for (const k of out) w.bulk(k);
}

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
  const name = Buffer.from('__scan');
  const rest = [
    Buffer.from(String(count)),
    Buffer.from(pattern === null ? '0' : '1'),
    pattern ?? Buffer.alloc(0),
    Buffer.from(type === null ? '0' : '1'),
    type ?? Buffer.alloc(0),
  ];
  const parts: [number, Buffer[]][] = [];
  for (let s = first; s < n; s++) parts.push([s, [name, Buffer.from(String(s === first ? pos : s * SCAN_SPAN)), ...rest]]);
  // Read under a shared whole-shard lock: a pipelined SCAN sees the writes sent before it.
  const plan = new LockPlan();
  for (const [s] of parts) plan.touch(s);
  c.coord.atomicFanout(c.worker.command('__scan'), parts, plan, GLOBAL_READ, (replies, out) => mergeScan(replies, count, n * SCAN_SPAN, out), w);
}

/** Takes the per-shard slot groups in order until `count` keys were visited; replies [cursor, keys]. */
function mergeScan(replies: Buffer[], count: number, end: number, w: ReplyWriter): void {
  const found: Buffer[] = [];
  let budget = count;
  let next = 0;
  outer: for (const r of replies) {
    if (r[0] !== 0x2a) return w.raw(r);
    const items = splitArrayReply(r);
    for (let i = 0; i < items.length; ) {
      const after = replyInteger(items[i]);
      const visited = replyInteger(items[i + 1]);
      const m = replyInteger(items[i + 2]);
      for (let j = 0; j < m; j++) found.push(items[i + 3 + j]);
      i += 3 + m;
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
  for (const k of found) w.raw(k);
}

/**
 * __scan pos count hasPattern pattern hasType type: walks this shard's table from global position `pos`
 * a bucket at a time until `count` keys were visited (or 10x that many buckets, or its part of the
 * order ends). Replies with one group per non-empty bucket: position after it, keys visited, n, then n
 * matching keys (a last group may report an empty stretch with its visits forced to `count`).
 */
function opScan(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  let pos = Number(args[1].toString('latin1'));
  const count = Number(args[2].toString('latin1'));
  const pattern = args[3][0] === 0x31 ? args[4] : null;
  const type = args[5][0] === 0x31 ? args[6].toString('latin1').toLowerCase() : null;
  const me = x.shard.index;
  const base = me * SCAN_SPAN;
  const end = base + SCAN_SPAN;
  const db = x.db;
  const now = x.now;
  let visited = 0;
  let steps = 0;
  const maxSteps = Math.min(count, 1e6) * 10 + 64;
  const groups: (number | string)[] = [];
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
    const head = groups.length;
    groups.push(pos, keys.length, 0);
    for (const k of keys) {
      if (pattern !== null && !globMatch(pattern, k)) continue;
      if (type !== null) {
        const e = db.lookup(0, k, now);
        if (e === undefined) {
          x.shard.stats.keyspaceMisses++;
          continue;
        }
        x.shard.stats.keyspaceHits++;
        if (kindOf(e.value).type !== type) continue;
      } else if (db.lookup(0, k, now) === undefined) continue;
      groups.push(k);
    }
    groups[head + 2] = groups.length - head - 3;
  }
  // A stretch of empty buckets cut short by the step bound: report where it stopped.
  if (emptyRun && pos < end) groups.push(pos, count, 0);
  w.array(groups.length);
  for (const g of groups) {
    if (typeof g === 'number') w.integer(g);
    else w.bulk(g);
  }
}

/** RANDOMKEY */
function randomkey(c: Client, _args: Buffer[], w: ReplyWriter): void {
  c.coord.broadcastAtomic(c.worker.command('__randomkey'), [Buffer.from('__randomkey')], mergeRandomKeys, w, GLOBAL_READ);
}

function mergeRandomKeys(replies: Buffer[], w: ReplyWriter): void {
  const picks: [number, Buffer][] = [];
  let total = 0;
  for (const r of replies) {
    if (r[0] !== 0x2a) return w.raw(r);
    const [size, key] = splitArrayReply(r);
    if (replyIsNull(key)) continue;
    const n = Math.max(1, replyInteger(size));
    picks.push([n, key]);
    total += n;
  }
  if (picks.length === 0) return w.nullBulk();
  let at = Math.random() * total;
  for (const [n, key] of picks) {
    if (at < n) return w.raw(key);
    at -= n;
  }
  w.raw(picks[picks.length - 1][1]);
}

/** __randomkey: [key count, one random live key or nil] of this shard. */
function opRandomKey(x: ShardExec, _args: Buffer[], w: ReplyWriter): void {
  const db = x.db;
  let key: string | null = null;
  for (let tries = 0; tries < 100 && db.size > 0 && key === null; tries++) {
    const k = db.randomKey();
    if (k !== null && db.lookup(0, k, x.now) !== undefined) key = k; // an expired pick is deleted: try again
  }
  w.array(2);
  w.integer(db.size);
  if (key === null) w.nullBulk();
  else w.bulk(key);
}

/** DBSIZE */
function dbsize(c: Client, _args: Buffer[], w: ReplyWriter): void {
  c.coord.broadcastAtomic(c.worker.command('__dbsize'), [Buffer.from('__dbsize')], mergeSum, w, GLOBAL_READ);
}

/** __dbsize: this shard's key count in the client's database. */
function opDbSize(x: ShardExec, _args: Buffer[], w: ReplyWriter): void {
  w.integer(x.db.size);
}

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
  c.coord.broadcastAtomic(c.worker.command('__flushdb'), [Buffer.from('__flushdb')], mergeOk, w);
}

/** FLUSHALL [ASYNC | SYNC] */
function flushall(c: Client, args: Buffer[], w: ReplyWriter): void {
  if (!flushArgsOk(args, w)) return;
  c.coord.broadcastAtomic(c.worker.command('__flushall'), [Buffer.from('__flushall')], mergeOk, w);
}

function opFlushDb(x: ShardExec, _args: Buffer[], w: ReplyWriter): void {
  x.db.clear();
  w.ok();
}

function opFlushAll(x: ShardExec, _args: Buffer[], w: ReplyWriter): void {
  for (const db of x.shard.dbs) db.clear();
  w.ok();
}

/** SWAPDB index1 index2 */
function swapdb(c: Client, args: Buffer[], w: ReplyWriter): void {
  const a = parseInt32(args[1], w, 'ERR invalid first DB index');
  if (a === null) return;
  const b = parseInt32(args[2], w, 'ERR invalid second DB index');
  if (b === null) return;
  const dbnum = c.worker.shard.dbs.length;
  if (a < 0 || a >= dbnum || b < 0 || b >= dbnum) return w.error(ERR_DB_RANGE);
  c.coord.broadcastAtomic(c.worker.command('__swapdb'), [Buffer.from('__swapdb'), Buffer.from(String(a)), Buffer.from(String(b))], mergeOk, w);
}

/** __swapdb a b: swaps this shard's two Database objects; wakes clients blocked on keys the swap fills. */
function opSwapDb(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const a = Number(args[1].toString('latin1'));
  const b = Number(args[2].toString('latin1'));
  const dbs = x.shard.dbs;
  const t = dbs[a];
  dbs[a] = dbs[b];
  dbs[b] = t;
  if (a !== b) swapWatchers(dbs, a, b);
  // Clients wait on a database index: keys the swap filled there serve them (as Redis).
  if (a !== b) x.worker.blocking.keys.swapped(a, b);
  w.ok();
}

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

export const internal: Record<string, [number, CommandImpl]> = {
  __keys: [2, { shard: opKeys }],
  __scan: [7, { shard: opScan }],
  __randomkey: [1, { shard: opRandomKey }],
  __dbsize: [1, { shard: opDbSize }],
  __flushdb: [1, { shard: opFlushDb }],
  __flushall: [1, { shard: opFlushAll }],
  __swapdb: [3, { shard: opSwapDb }],
  __haskey: [2, { shard: opHasKey }],
  __dump: [3, { shard: opDump }],
  __restore: [5, { shard: opRestore }],
};
