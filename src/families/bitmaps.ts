// Bitmap commands on the string type: SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO.
// Invariants: replies, error texts and their order are Redis 7.0's bitops.c; a command that writes bits
// grows the stored string in place (Entry.growString: zero bytes, raw, greedy room), so SETBIT at
// rising offsets is amortised O(1) and GET sees exactly the bytes written; a new key is created with
// exactly the bytes it needs, as Redis's sdsnewlen; BITOP's destination is replaced by a raw string, or
// deleted when the result is empty; BITOP over keys on several shards runs in one transaction that
// holds every key from its first hop to its last: each source looked up once (whole up to BITS_SLICE,
// then read in slices), the result computed on the client's thread and stored on the destination's shard.

import { NOTIFY_GENERIC, NOTIFY_STRING } from '../config/keyspace-events.ts';
import { notifyKeyspaceEvent } from '../server/notify.ts';
import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { CommandImpl, ShardExec } from '../server/command-types.ts';
import type { Client } from '../server/client.ts';
import { defineOp, OpError } from '../server/shard-ops.ts';
import { bytes, none, nullable, num, tuple } from '../util/codec.ts';
import { nextTurn } from '../util/next-turn.ts';
import {
  BITOP_AND, BITOP_NOT, BITOP_OR, BITOP_XOR, OVERFLOW_FAIL, OVERFLOW_SAT, OVERFLOW_WRAP,
  bitfieldWrite, bitop, bitpos, copyOfBytes, getBitfield, popcount, setBitfield,
} from '../util/bits.ts';
import {
  AT_FIRST_HOP, ERR_NOT_INTEGER, ERR_SYNTAX, ERR_WRONGTYPE, deleteKey, inKeyOrder, isString, isWord, keyString, lookupRead, lookupWrite, modified,
  parseInteger, parseLongLong, storeValue,
} from './family-util.ts';
import type { Entry } from '../engine/database.ts';

const ERR_BIT_OFFSET = 'ERR bit offset is not an integer or out of range';
const ERR_BIT_VALUE = 'ERR bit is not an integer or out of range';
const ERR_BITFIELD_TYPE = 'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.';

const EMPTY = Buffer.alloc(0);
/** Zero bytes a new small key is built from (a SETBIT sets its one bit here, stores, and clears it). */
const ZEROES = Buffer.alloc(4096);

/**
 * Redis getBitOffsetFromArgument: a bit offset (with `hashBits` > 0, "#n" means n * hashBits), or -1
 * when it is not an integer, negative, or addresses a byte at or past proto-max-bulk-len.
 */
function bitOffset(arg: Buffer, hashBits: number, maxBytes: number): number {
  const hash = hashBits > 0 && arg.length > 0 && arg[0] === 0x23;
  let v = parseInteger(hash ? arg.subarray(1) : arg);
  if (v === null) return -1;
  if (hash) v = BigInt.asIntN(64, BigInt(v) * BigInt(hashBits)); // C's long long product wraps
  if (v < 0 || Number(v) / 8 >= maxBytes) return -1;
  return Number(v);
}

/**
 * A new key holding `len` zero bytes (raw, as Redis's sdsnewlen), `firstByte` at `at`; its value's
 * view when `view` (else null: the small path answers without a second lookup).
 */
function createBits(x: ShardExec, key: Buffer, len: number, at: number, firstByte: number, view: boolean): Buffer | null {
  if (len <= ZEROES.length) {
    ZEROES[at] = firstByte;
    try {
      storeValue(x, key, ZEROES.subarray(0, len), 0, true);
    } finally {
      ZEROES[at] = 0; // (even when the store throws: the next key must start from zeros)
    }
    if (!view) return null;
    return x.db.lookup(key, x.now)!.value as Buffer;
  }
  storeValue(x, key, EMPTY, 0, true);
  const b = x.db.lookup(key, x.now)!.growString(len, false);
  b[at] |= firstByte;
  return b;
}

/** SETBIT key offset value */
function opSetBit(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const offset = bitOffset(args[2], 0, x.shard.maxBulkLen);
  if (offset < 0) return w.error(ERR_BIT_OFFSET);
  const on = parseInteger(args[3]);
  if (on !== 0 && on !== 1) return w.error(ERR_BIT_VALUE);
  const bit = offset % 8;
  const byte = (offset - bit) / 8;
  const mask = 0x80 >>> bit;
  const e = lookupWrite(x, args[1]);
  if (e === undefined) {
    createBits(x, args[1], byte + 1, byte, on === 1 ? mask : 0, false);
    notifyKeyspaceEvent(x, NOTIFY_STRING, 'setbit', args[1]);
    return w.integer(0);
  }
  const v = e.value;
  if (!isString(v)) return w.error(ERR_WRONGTYPE);
  const grew = v.length <= byte;
  const b = e.growString(byte + 1);
  const was = b[byte] & mask;
  if (grew || (was !== 0) !== (on === 1)) {
    b[byte] = on === 1 ? b[byte] | mask : b[byte] & ~mask;
    modified(x, args[1]);
    notifyKeyspaceEvent(x, NOTIFY_STRING, 'setbit', args[1]);
  }
  w.integer(was === 0 ? 0 : 1);
}

/** GETBIT key offset */
function opGetBit(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const offset = bitOffset(args[2], 0, x.shard.maxBulkLen);
  if (offset < 0) return w.error(ERR_BIT_OFFSET);
  const e = lookupRead(x, args[1]);
  if (e === undefined) return w.integer(0);
  const v = e.value;
  if (!isString(v)) return w.error(ERR_WRONGTYPE);
  const bit = offset % 8;
  const byte = (offset - bit) / 8;
  if (byte >= v.length) return w.integer(0);
  const c = typeof v === 'string' ? v.charCodeAt(byte) : v[byte];
  w.integer((c >>> (7 - bit)) & 1);
}

/** The string bytes of a looked-up value, or null after a WRONGTYPE reply. */
function bytesOf(e: Entry, w: ReplyWriter): Buffer | null {
  const v = e.value;
  if (!isString(v)) {
    w.error(ERR_WRONGTYPE);
    return null;
  }
  return typeof v === 'string' ? Buffer.from(v, 'latin1') : v;
}

/** BIT or BYTE (1 / 0), or -1 after a syntax error reply. */
function unitArg(arg: Buffer, w: ReplyWriter): number {
  if (isWord(arg, 'BIT')) return 1;
  if (isWord(arg, 'BYTE')) return 0;
  w.error(ERR_SYNTAX);
  return -1;
}


/** Reused result of byteRange: [start byte, end byte, first byte's outside-bits mask, last byte's]. */
const range4 = [0, 0, 0, 0];

/**
 * BITCOUNT/BITPOS's range (Redis's order: negatives from the end, clamped to the string) as inclusive
 * byte indexes, plus for a BIT range the masks of the edge bytes' bits that lie outside it (0: none).
 */
function byteRange(start: number, end: number, len: number, isBit: boolean): number[] {
  const total = isBit ? len * 8 : len;
  if (start < 0) start = total + start;
  if (end < 0) end = total + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= total) end = total - 1;
  let firstMask = 0;
  let lastMask = 0;
  if (isBit && start <= end) {
    firstMask = ~((1 << (8 - (start % 8))) - 1) & 0xff;
    lastMask = (1 << (7 - (end % 8))) - 1;
    start = Math.floor(start / 8);
    end = Math.floor(end / 8);
  }
  range4[0] = start;
  range4[1] = end;
  range4[2] = firstMask;
  range4[3] = lastMask;
  return range4;
}

/** BITCOUNT key [start end [BYTE | BIT]] */
function opBitCount(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const e = lookupRead(x, args[1]);
  if (e === undefined) return w.integer(0);
  const p = bytesOf(e, w);
  if (p === null) return;
  const len = p.length;
  let start: number;
  let end: number;
  let firstMask = 0;
  let lastMask = 0;
  if (args.length === 4 || args.length === 5) {
    const s = parseLongLong(args[2], w);
    if (s === null) return;
    const t = parseLongLong(args[3], w);
    if (t === null) return;
    start = s;
    end = t;
    if (start < 0 && end < 0 && start > end) return w.integer(0);
    let isBit = 0;
    if (args.length === 5) {
      isBit = unitArg(args[4], w);
      if (isBit < 0) return;
    }
    const r = byteRange(start, end, len, isBit !== 0);
    start = r[0];
    end = r[1];
    firstMask = r[2];
    lastMask = r[3];
  } else if (args.length === 2) {
    start = 0;
    end = len - 1;
  } else return w.error(ERR_SYNTAX);
  if (start > end) return w.integer(0);
  let count = popcount(p, start, end + 1);
  // Bits of the edge bytes outside a BIT range were counted: take them off.
  if (firstMask !== 0) count -= popcount(oneByteOf(p[start] & firstMask), 0, 1);
  if (lastMask !== 0) count -= popcount(oneByteOf(p[end] & lastMask), 0, 1);
  w.integer(count);
}

const oneByte = new Uint8Array(1);
function oneByteOf(v: number): Uint8Array {
  oneByte[0] = v;
  return oneByte;
}

/** BITPOS key bit [start [end [BYTE | BIT]]] */
function opBitPos(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const bitArg = parseInteger(args[2]);
  if (bitArg === null) return w.error(ERR_NOT_INTEGER);
  if (bitArg !== 0 && bitArg !== 1) return w.error('ERR The bit argument must be 1 or 0.');
  const bit = bitArg;
  const e = lookupRead(x, args[1]);
  if (e === undefined) return w.integer(bit ? -1 : 0);
  const p = bytesOf(e, w);
  if (p === null) return;
  const len = p.length;
  let start: number;
  let end: number;
  let endGiven = false;
  let firstMask = 0;
  let lastMask = 0;
  const argc = args.length;
  if (argc >= 4 && argc <= 6) {
    const s = parseLongLong(args[3], w);
    if (s === null) return;
    start = s;
    let isBit = 0;
    if (argc === 6) {
      isBit = unitArg(args[5], w);
      if (isBit < 0) return;
    }
    if (argc >= 5) {
      const t = parseLongLong(args[4], w);
      if (t === null) return;
      end = t;
      endGiven = true;
    } else end = isBit ? len * 8 + 7 : len - 1;
    const r = byteRange(start, end, len, isBit !== 0);
    start = r[0];
    end = r[1];
    firstMask = r[2];
    lastMask = r[3];
  } else if (argc === 3) {
    start = 0;
    end = len - 1;
  } else return w.error(ERR_SYNTAX);
  // An empty range holds neither a 0 nor a 1.
  if (start > end) return w.integer(-1);
  let bytes = end - start + 1;
  let pos: number;
  found: {
    if (firstMask !== 0) {
      let edge = bit ? p[start] & ~firstMask : p[start] | firstMask;
      if (lastMask !== 0 && bytes === 1) edge = bit ? edge & ~lastMask : edge | lastMask;
      pos = bitpos(oneByteOf(edge & 0xff), 0, 1, bit);
      if (bytes === 1 || (pos !== -1 && pos !== 8)) break found;
      start++;
      bytes--;
    }
    // A last byte with bits outside the range is looked at on its own.
    const whole = bytes - (lastMask !== 0 ? 1 : 0);
    if (whole > 0) {
      pos = bitpos(p, start, whole, bit);
      if (bytes === whole || (pos !== -1 && pos !== whole * 8)) break found;
      start += whole;
      bytes -= whole;
    }
    const edge = bit ? p[end] & ~lastMask : p[end] | lastMask;
    pos = bitpos(oneByteOf(edge & 0xff), 0, 1, bit);
  }
  // Looking for a 0 in an explicit range: the bits right of it are not taken as zero padding.
  if (endGiven && bit === 0 && pos === bytes * 8) return w.integer(-1);
  if (pos !== -1) pos += start * 8;
  w.integer(pos);
}

/** The operation of BITOP's first argument, or -1 after the error reply. */
function bitopOp(args: Buffer[], w: ReplyWriter): number {
  const name = args[1];
  let op: number;
  if (isWord(name, 'AND')) op = BITOP_AND;
  else if (isWord(name, 'OR')) op = BITOP_OR;
  else if (isWord(name, 'XOR')) op = BITOP_XOR;
  else if (isWord(name, 'NOT')) op = BITOP_NOT;
  else {
    w.error(ERR_SYNTAX);
    return -1;
  }
  if (op === BITOP_NOT && args.length !== 4) {
    w.error('ERR BITOP NOT must be called with a single source key.');
    return -1;
  }
  return op;
}

/** Stores BITOP's result at dst (a raw string, no deadline; 'set'), or deletes dst when it is empty ('del'). */
function storeBits(x: ShardExec, dst: Buffer, result: Buffer): void {
  if (result.length > 0) {
    storeValue(x, dst, result, 0, true);
    notifyKeyspaceEvent(x, NOTIFY_STRING, 'set', dst);
  } else if (deleteKey(x, dst)) notifyKeyspaceEvent(x, NOTIFY_GENERIC, 'del', dst);
}

/** BITOP AND | OR | XOR | NOT destkey key [key ...] — every key on this shard. */
function opBitOp(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const op = bitopOp(args, w);
  if (op < 0) return;
  const srcs: Buffer[] = [];
  for (let i = 3; i < args.length; i++) {
    const e = lookupRead(x, args[i]);
    if (e === undefined) srcs.push(EMPTY);
    else {
      const p = bytesOf(e, w);
      if (p === null) return;
      srcs.push(p);
    }
  }
  const result = bitop(op, srcs);
  storeBits(x, args[2], result);
  w.integer(result.length);
}

/**
 * Bytes per hop of a BITOP across shards: a source up to this long comes whole with its first lookup,
 * a longer one in slices of this size, and a longer result goes to its destination in such slices
 * (no frame, reply buffer or copy of a whole 512 MB value in flight), BITS_WINDOW slices in flight at
 * a time per key, and the client's thread turns its event loop between windows.
 */
export const BITS_SLICE = 1024 * 1024;
const BITS_WINDOW = 8;

/** A copy of bytes [from, from + count) of v (clipped to its end). */
function copyOf(v: Buffer, from: number, count: number): Buffer {
  const end = Math.min(v.length, from + count);
  return from >= end ? EMPTY : copyOfBytes(v.subarray(from, end)); // never a view of the stored value
}

/** The string bytes at key for a later hop of the same command (missing: empty), or WRONGTYPE. */
function sourceBytes(x: ShardExec, key: Buffer, first: boolean): Buffer | OpError {
  const e = first ? lookupRead(x, key) : x.db.lookup(key, AT_FIRST_HOP);
  if (e === undefined) return EMPTY;
  const v = e.value;
  if (!isString(v)) return new OpError(ERR_WRONGTYPE);
  return typeof v === 'string' ? Buffer.from(v, 'latin1') : v;
}

/** A BITOP source's first lookup: [its length, a copy when it is at most BITS_SLICE long], WRONGTYPE for another type. */
const BITS_SOURCE = defineOp('bits-source', bytes, tuple<[number, Buffer | null]>(num, nullable(bytes)), (x, key) => {
  const v = sourceBytes(x, key, true);
  if (v instanceof OpError) return v;
  return [v.length, v.length <= BITS_SLICE ? copyOf(v, 0, v.length) : null] as [number, Buffer | null];
});

/** Bytes [from, from + count) of a source (locked by the command's transaction since its first lookup). */
const BITS_READ = defineOp('bits-read', tuple<[Buffer, number, number]>(bytes, num, num), bytes, (x, [key, from, count]) => {
  const v = sourceBytes(x, key, false);
  return v instanceof OpError ? v : copyOf(v, from, count);
});

/** Stores a BITOP result computed on the client's thread at its destination's shard; its length. */
const BITS_STORE = defineOp('bits-store', tuple<[Buffer, Buffer]>(bytes, bytes), num, (x, [dst, result]) => {
  storeBits(x, dst, result);
  return result.length;
}, true);

/** Replaces dst by `len` zero bytes (raw, no deadline), which BITS_WRITE then fills. */
const BITS_OPEN = defineOp('bits-open', tuple<[Buffer, number]>(bytes, num), none, (x, [dst, len]) => {
  storeValue(x, dst, EMPTY, 0, true);
  x.db.lookup(dst, x.now)!.growString(len, false);
  // BITOP's 'set', raised when the result is opened (its slices follow on this same shard).
  notifyKeyspaceEvent(x, NOTIFY_STRING, 'set', dst);
  return null;
}, true);

/** Writes a slice of the result into the string BITS_OPEN made (no one else sees it before the last slice: the key is locked). */
const BITS_WRITE = defineOp('bits-write', tuple<[Buffer, number, Buffer]>(bytes, num, bytes), none, (x, [dst, at, slice]) => {
  (x.db.lookup(dst, x.now)!.value as Buffer).set(slice, at);
  return null;
}, true);

/**
 * BITOP over keys on several shards, inside the command's transaction: each source looked up once
 * (small ones come whole), the result computed here slice by slice from the big sources' slices, then
 * stored at the destination — in one hop, or in slices into a string opened at its final length.
 */
async function multiBitOp(c: Client, args: Buffer[], w: ReplyWriter): Promise<void> {
  const op = bitopOp(args, w);
  if (op < 0) return;
  const keys = args.slice(3);
  const pending = new Map<string, Promise<[number, Buffer | null] | OpError>>();
  for (const k of keys) {
    const name = keyString(k);
    if (!pending.has(name)) pending.set(name, c.coord.opForKey(k, BITS_SOURCE, k));
  }
  const got = new Map<string, [number, Buffer | null] | OpError>();
  for (const [name, p] of pending) got.set(name, await p);
  const sources = inKeyOrder(keys, got, w);
  if (sources === false) return;
  let maxLen = 0;
  let whole = true;
  for (const [len, bytes] of sources) {
    if (len > maxLen) maxLen = len;
    if (bytes === null) whole = false;
  }
  let result: Buffer;
  if (whole) result = bitop(op, sources.map(([, b]) => b!));
  else {
    result = Buffer.allocUnsafeSlow(maxLen);
    const streamed = keys.filter((_, i) => sources[i][1] === null);
    const parts: Buffer[] = new Array(keys.length);
    for (let from = 0; from < maxLen; from += BITS_SLICE * BITS_WINDOW) {
      // One window: every streamed source's slices of it requested at once, then combined in order.
      const reads: Promise<Buffer | OpError>[] = [];
      for (let at = from; at < Math.min(maxLen, from + BITS_SLICE * BITS_WINDOW); at += BITS_SLICE) {
        for (const k of streamed) reads.push(c.coord.opForKey(k, BITS_READ, [k, at, BITS_SLICE]));
      }
      const read = await Promise.all(reads);
      let r = 0;
      for (let at = from; at < Math.min(maxLen, from + BITS_SLICE * BITS_WINDOW); at += BITS_SLICE) {
        for (let i = 0; i < keys.length; i++) {
          const [len, bytes] = sources[i];
          if (bytes !== null) {
            parts[i] = bytes.subarray(Math.min(at, len), Math.min(at + BITS_SLICE, len));
            continue;
          }
          const slice = read[r++];
          if (slice instanceof OpError) return w.error(slice.text); // (types cannot change under the locks)
          parts[i] = slice;
        }
        result.set(bitop(op, parts), at);
      }
      await nextTurn();
    }
  }
  const dst = args[2];
  if (result.length <= BITS_SLICE) {
    const stored = await c.coord.opForKey(dst, BITS_STORE, [dst, result]);
    if (stored instanceof OpError) return w.error(stored.text);
    return w.integer(stored);
  }
  const opened = await c.coord.opForKey(dst, BITS_OPEN, [dst, result.length]);
  if (opened instanceof OpError) return w.error(opened.text);
  for (let from = 0; from < result.length; from += BITS_SLICE * BITS_WINDOW) {
    const writes: Promise<null | OpError>[] = [];
    for (let at = from; at < Math.min(result.length, from + BITS_SLICE * BITS_WINDOW); at += BITS_SLICE) {
      writes.push(c.coord.opForKey(dst, BITS_WRITE, [dst, at, result.subarray(at, at + BITS_SLICE)]));
    }
    for (const wrote of await Promise.all(writes)) if (wrote instanceof OpError) return w.error(wrote.text);
    await nextTurn();
  }
  w.integer(result.length);
}

// ------------------------------------------------------------------------------------ BITFIELD

const FIELD_GET = 0;
const FIELD_SET = 1;
const FIELD_INCRBY = 2;

/** One parsed BITFIELD subcommand. */
interface FieldOp {
  code: number;
  offset: number;
  bits: number;
  signed: boolean;
  overflow: number;
  /** SET's value or INCRBY's increment. */
  arg: bigint;
}

/** Redis getBitfieldTypeFromArgument: [signed, bits] of "i1".."i64" / "u1".."u63", or null. */
function fieldType(arg: Buffer): [boolean, number] | null {
  if (arg.length < 2 || (arg[0] !== 0x69 && arg[0] !== 0x75)) return null;
  const signed = arg[0] === 0x69;
  const bits = parseInteger(arg.subarray(1));
  if (bits === null || bits < 1 || bits > (signed ? 64 : 63)) return null;
  return [signed, Number(bits)];
}

/** BITFIELD key [GET type offset | [OVERFLOW WRAP | SAT | FAIL] SET type offset value | INCRBY type offset increment ...], and BITFIELD_RO (GET only). */
function bitfieldGeneric(x: ShardExec, args: Buffer[], w: ReplyWriter, readOnlyCommand: boolean): void {
  const ops: FieldOp[] = [];
  let overflow = OVERFLOW_WRAP;
  let readonly = true;
  let highestBit = 0;
  const maxBytes = x.shard.maxBulkLen;
  for (let j = 2; j < args.length; j++) {
    const remaining = args.length - j - 1;
    const sub = args[j];
    let code: number;
    if (isWord(sub, 'GET') && remaining >= 2) code = FIELD_GET;
    else if (isWord(sub, 'SET') && remaining >= 3) code = FIELD_SET;
    else if (isWord(sub, 'INCRBY') && remaining >= 3) code = FIELD_INCRBY;
    else if (isWord(sub, 'OVERFLOW') && remaining >= 1) {
      const kind = args[++j];
      if (isWord(kind, 'WRAP')) overflow = OVERFLOW_WRAP;
      else if (isWord(kind, 'SAT')) overflow = OVERFLOW_SAT;
      else if (isWord(kind, 'FAIL')) overflow = OVERFLOW_FAIL;
      else return w.error('ERR Invalid OVERFLOW type specified');
      continue;
    } else return w.error(ERR_SYNTAX);
    const type = fieldType(args[j + 1]);
    if (type === null) return w.error(ERR_BITFIELD_TYPE);
    const [signed, bits] = type;
    const offset = bitOffset(args[j + 2], bits, maxBytes);
    if (offset < 0) return w.error(ERR_BIT_OFFSET);
    let arg = 0n;
    if (code !== FIELD_GET) {
      readonly = false;
      if (highestBit < offset + bits - 1) highestBit = offset + bits - 1;
      const v = parseInteger(args[j + 3]);
      if (v === null) return w.error(ERR_NOT_INTEGER);
      arg = BigInt(v);
    }
    ops.push({ code, offset, bits, signed, overflow, arg });
    j += code === FIELD_GET ? 2 : 3;
  }

  let buf: Buffer = EMPTY;
  let dirty = false;
  if (readonly) {
    const e = lookupRead(x, args[1]);
    if (e !== undefined) {
      const p = bytesOf(e, w);
      if (p === null) return;
      buf = p;
    }
  } else {
    if (readOnlyCommand) return w.error('ERR BITFIELD_RO only supports the GET subcommand');
    const e = lookupWrite(x, args[1]);
    const bytes = Math.floor(highestBit / 8) + 1;
    if (e === undefined) {
      buf = createBits(x, args[1], bytes, 0, 0, true)!;
      dirty = true;
    } else {
      const v = e.value;
      if (!isString(v)) return w.error(ERR_WRONGTYPE);
      dirty = v.length < bytes;
      buf = e.growString(bytes);
    }
  }

  w.array(ops.length);
  let changes = 0;
  for (const op of ops) {
    let old = getBitfield(buf, op.offset, op.bits);
    if (op.signed) old = BigInt.asIntN(op.bits, old);
    if (op.code === FIELD_GET) {
      w.integer(old);
      continue;
    }
    const r = bitfieldWrite(old, op.arg, op.code === FIELD_INCRBY, op.bits, op.signed, op.overflow);
    if (r === null) {
      w.nullBulk();
      continue;
    }
    w.integer(r.reply);
    setBitfield(buf, op.offset, op.bits, r.store);
    if (dirty || old !== r.store) changes++;
  }
  if (changes > 0) {
    modified(x, args[1]);
    notifyKeyspaceEvent(x, NOTIFY_STRING, 'setbit', args[1]);
  }
}

function opBitField(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  bitfieldGeneric(x, args, w, false);
}

function opBitFieldRo(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  bitfieldGeneric(x, args, w, true);
}

export const commands: Record<string, CommandImpl> = {
  setbit: { shard: opSetBit },
  getbit: { shard: opGetBit },
  bitcount: { shard: opBitCount },
  bitpos: { shard: opBitPos },
  bitop: { shard: opBitOp, multi: multiBitOp },
  bitfield: { shard: opBitField },
  bitfield_ro: { shard: opBitFieldRo },
};

export const ops = [BITS_SOURCE, BITS_READ, BITS_STORE, BITS_OPEN, BITS_WRITE];
