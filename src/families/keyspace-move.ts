// Values changing key or database: RENAME, RENAMENX, COPY, MOVE, and the HAS_KEY / DUMP / RESTORE
// operations and payload format that carry a value between shards.
// Invariants: with both keys on one shard the value moves in place; otherwise it crosses shards only
// as a DUMP payload (deadline + LRU clock + serialized value) that RESTORE stores again, and a failed
// RESTORE puts it back at the source.

import { NOTIFY_GENERIC, NOTIFY_NEW } from '../config/keyspace-events.ts';
import { notifyKeyspaceEvent, notifyKeyspaceEventIn } from '../server/notify.ts';
import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { CommandImpl, ShardExec } from '../server/command-types.ts';
import type { Client } from '../server/client.ts';
import { defineOp, OpError } from '../server/shard-ops.ts';
import { bool, bytes, latin1, nullable, tuple, u32 } from '../util/codec.ts';
import type { Database, Entry, Value } from '../engine/database.ts';
import { kindById, kindOf } from '../engine/kinds.ts';
import { KIND_STRING } from '../engine/value-kind.ts';
import { Shard } from '../engine/shard.ts';
import {
  ERR_DB_RANGE, ERR_NO_SUCH_KEY, ERR_SAME_OBJECT, ERR_SYNTAX, deleteKey, isWord, keyString, lookupRead, lookupWrite, parseInt32,
} from './family-util.ts';

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

/**
 * Redis's dbDelete + dbAdd for a key that may exist (RENAME's and COPY's destination): the old value
 * goes first, so the key counts as created ('new', as Redis raises it) — only when someone listens
 * for 'new'; otherwise put() replaces it in place.
 */
function addKey(x: ShardExec, db: Database, key: string, value: Value, deadline: number | bigint, lru: number, raw: boolean): void {
  if (x.shard.notifyFlags & NOTIFY_NEW) db.delete(key);
  db.put(key, value, deadline, lru, raw);
}

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
  addKey(x, x.db, dkey, value, deadline, lru, raw);
  notifyKeyspaceEvent(x, NOTIFY_GENERIC, 'rename_from', src);
  notifyKeyspaceEvent(x, NOTIFY_GENERIC, 'rename_to', dst);
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
  const d = await c.coord.opForKey(src, DUMP, [src, true, 'rename_from']);
  if (d instanceof OpError) return w.error(d.text);
  if (d === null) return w.error(ERR_NO_SUCH_KEY);
  const payload = Buffer.from(d);
  const back: RestoreArgs = [src, payload, false, false, c.db, ''];
  const r = await c.coord.opForKey(dst, RESTORE, [dst, payload, nx, false, c.db, 'rename_to']);
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
  addKey(x, dst, dkey, copy, x.db.exactDeadline(keyString(args[1]), e), Shard.lruClock(x.now), e.raw);
  notifyKeyspaceEventIn(x, NOTIFY_GENERIC, 'copy_to', args[2], o.dstDb);
  w.integer(1);
}

/** COPY across shards: read the value from its shard, store a copy on the other. */
async function multiCopy(c: Client, args: Buffer[], w: ReplyWriter): Promise<void> {
  const o = parseCopyOptions(args, c.db, c.worker.shard.dbs.length, w);
  if (o === null) return;
  const d = await c.coord.opForKey(args[1], DUMP, [args[1], false, '']);
  if (d instanceof OpError) return w.error(d.text);
  if (d === null) return w.integer(0);
  const r = await c.coord.opForKey(args[2], RESTORE, [args[2], Buffer.from(d), !o.replace, true, o.dstDb, 'copy_to']);
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
  notifyKeyspaceEvent(x, NOTIFY_GENERIC, 'move_from', args[1]);
  notifyKeyspaceEventIn(x, NOTIFY_GENERIC, 'move_to', args[1], id);
  w.integer(1);
}

/** Whether the key exists (write lookup: no hit/miss accounting). */
export const HAS_KEY = defineOp('has-key', bytes, bool, (x, key) => lookupWrite(x, key) !== undefined);

/**
 * [key, take, event]: the entry as a payload for RESTORE (null if missing); `take` removes it (a write
 * lookup, else a read one) and raises the keyspace event `event` (RENAME's rename_from) if not ''.
 * The payload is a fresh buffer.
 */
export const DUMP = defineOp('dump', tuple<[Buffer, boolean, string]>(bytes, bool, latin1), nullable(bytes), (x, [key, take, event]) => {
  const e = take ? lookupWrite(x, key) : lookupRead(x, key);
  if (e === undefined) return null;
  const p = dumpEntry(e, x.db.exactDeadline(keyString(key), e));
  if (take) deleteKey(x, key);
  if (event !== '') notifyKeyspaceEvent(x, NOTIFY_GENERIC, event, key);
  return p;
}, true);

/**
 * RESTORE's arguments: key, DUMP payload, nx (not if the key exists), fresh (a new LRU clock), database,
 * the keyspace event it raises once stored ('' for none: an undo).
 */
type RestoreArgs = [Buffer, Buffer, boolean, boolean, number, string];

/**
 * Stores a DUMP payload in database `db`, replacing the key unless `nx`, keeping the payload's
 * deadline and LRU clock (RENAME, RENAMENX) or with a fresh LRU clock (`fresh`: COPY). Result: whether
 * it was stored.
 */
export const RESTORE = defineOp('restore', tuple<RestoreArgs>(bytes, bytes, bool, bool, u32, latin1), bool, (x, [k, payload, nx, fresh, dbIndex, event]) => {
  const db = x.shard.dbs[dbIndex] ?? x.db;
  const key = keyString(k);
  const d = undump(payload);
  if (typeof d === 'string') return new OpError(d);
  if (nx && db.lookup(key, x.now) !== undefined) return false;
  const lru = fresh ? Shard.lruClock(x.now) : d.lru;
  addKey(x, db, key, d.value, d.expireAt, lru, d.raw);
  if (event !== '') notifyKeyspaceEventIn(x, NOTIFY_GENERIC, event, k, dbIndex);
  return true;
}, true);

export const commands: Record<string, CommandImpl> = {
  rename: { shard: opRename, multi: multiRename },
  renamenx: { shard: opRenameNx, multi: multiRenameNx },
  copy: { shard: opCopy, multi: multiCopy, otherDbKey: copyOtherDb },
  move: { shard: opMove, otherDbKey: (args) => dbArg(args[2]) === null ? null : [1, dbArg(args[2])!] },
};

export const ops = [HAS_KEY, DUMP, RESTORE];
