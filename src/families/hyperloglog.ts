// HyperLogLog commands (PFADD, PFCOUNT, PFMERGE, PFDEBUG, PFSELFTEST) over string values holding
// Redis's exact HLL bytes (src/engine/hll.ts).
// Invariants: replies, errors and the stored bytes are Redis 7.0's after the same commands; a dense
// value is updated in place in its record (same length), a sparse one is edited in a per-thread copy
// and stored back; any HLL a command touches becomes a 'raw' string, as Redis's dbUnshareStringValue
// makes it; PFCOUNT of one key writes the cardinality it computed into the value's cache (a write,
// as in Redis); PFCOUNT of several keys and PFMERGE read every key, on any shard, inside one
// transaction, and only PFMERGE writes (its destination).

import { NOTIFY_STRING } from '../config/keyspace-events.ts';
import { notifyKeyspaceEvent } from '../server/notify.ts';
import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { CommandImpl, ShardExec } from '../server/command-types.ts';
import type { Client } from '../server/client.ts';
import type { Entry } from '../engine/database.ts';
import { OpError, defineOp } from '../server/shard-ops.ts';
import { bool, bytes, none, nullable, tuple } from '../util/codec.ts';
import {
  ERR_INVALID_HLL, ERR_NOT_HLL, HLL_DENSE_SIZE, HLL_REGISTERS, HllEdit, cacheValid, cachedCard, count, countRegisters, decodeSparse,
  denseGet, denseSetMax, denseSetRegister, emptySparse, invalidateCache, isDense, isHll, mergeInto, patLen, writeCard,
} from '../engine/hll.ts';
import { AT_FIRST_HOP, ERR_WRONGTYPE, askEachKeyOnce, isString, isWord, keyString, lookupRead, lookupWrite, modified, storeValue } from './family-util.ts';

/** The value being edited (one per thread: commands run synchronously). */
const edit = new HllEdit();
/** The merged registers (one byte each) of PFCOUNT/PFMERGE when every key is on this shard (used synchronously). */
const merged = new Uint8Array(HLL_REGISTERS);

function sparseMaxBytes(x: ShardExec): number {
  return Number(x.worker.config.hll_sparse_max_bytes);
}

/** The HLL bytes at e (a view of the record), or the error text Redis's isHLLObjectOrReply replies. */
function hllAt(e: Entry): Buffer | string {
  const v = e.value;
  if (!isString(v)) return ERR_WRONGTYPE;
  const b = typeof v === 'string' ? Buffer.from(v, 'latin1') : v;
  return isHll(b) ? b : ERR_NOT_HLL;
}

/**
 * Redis dbUnshareStringValue: the value becomes a raw string (a rewrite only when it is not one yet);
 * the record's bytes after it, to change in place.
 */
function unshare(e: Entry, v: Buffer): Buffer {
  if (e.raw) return v;
  e.value = Buffer.from(v);
  return e.value as Buffer;
}

/** Raises the registers of `edit` for args[from...]: the number of changes, or -1 (corrupted). */
function addAll(args: Buffer[], from: number, maxBytes: number): number {
  let updated = 0;
  for (let j = from; j < args.length; j++) {
    const a = args[j];
    const pl = patLen(a, 0, a.length);
    const r = edit.set(pl & (HLL_REGISTERS - 1), pl >>> 14, maxBytes);
    if (r === -1) return -1;
    updated += r;
  }
  return updated;
}

/** PFADD key [element [element ...]] */
function opPfAdd(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const key = args[1];
  const e = lookupWrite(x, key);
  if (e === undefined) {
    edit.load(EMPTY);
    addAll(args, 2, sparseMaxBytes(x));
    invalidateCache(edit.bytes);
    storeValue(x, key, edit.value(), 0);
    notifyKeyspaceEvent(x, NOTIFY_STRING, 'pfadd', key);
    return w.integer(1);
  }
  const found = hllAt(e);
  if (typeof found === 'string') return w.error(found);
  const v = unshare(e, found);
  let updated = 0;
  if (isDense(v)) {
    // Same length: registers are raised in the record itself.
    for (let j = 2; j < args.length; j++) {
      const a = args[j];
      const pl = patLen(a, 0, a.length);
      updated += denseSetMax(v, pl & (HLL_REGISTERS - 1), pl >>> 14);
    }
    if (updated > 0) invalidateCache(v);
  } else {
    edit.load(v);
    updated = addAll(args, 2, sparseMaxBytes(x));
    // Redis edits its object in place: changes before a corrupted part stay (its cache left as they left it).
    if (updated > 0) invalidateCache(edit.bytes);
    if (updated !== 0) e.value = edit.value();
    if (updated === -1) return w.error(ERR_INVALID_HLL);
  }
  if (updated > 0) {
    modified(x, key);
    notifyKeyspaceEvent(x, NOTIFY_STRING, 'pfadd', key);
  }
  w.integer(updated > 0 ? 1 : 0);
}

const EMPTY = emptySparse();

/** PFCOUNT key [key ...] when every key is on this shard. */
function opPfCount(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  if (args.length > 2) {
    merged.fill(0);
    for (let j = 1; j < args.length; j++) {
      const r = hllFor(x, args[j]);
      if (r === null) continue;
      if (typeof r === 'string') return w.error(r);
      if (!mergeInto(merged, r)) return w.error(ERR_INVALID_HLL);
    }
    return w.integer(countRegisters(merged));
  }
  const key = args[1];
  const e = lookupRead(x, key);
  if (e === undefined) return w.integer(0);
  const found = hllAt(e);
  if (typeof found === 'string') return w.error(found);
  const v = unshare(e, found);
  if (cacheValid(v)) return w.integer(cachedCard(v));
  const card = count(v);
  if (card === -1) return w.error(ERR_INVALID_HLL);
  writeCard(v, card);
  modified(x, key);
  w.integer(card);
}

/** The HLL at key as a read finds it (a view), null when missing, or the error text. */
function hllFor(x: ShardExec, key: Buffer): Buffer | string | null {
  const e = lookupRead(x, key);
  return e === undefined ? null : hllAt(e);
}

/** A key's HLL as PFCOUNT and PFMERGE read it: a copy of its bytes, null when missing; the error text otherwise. */
export const HLL_READ = defineOp('hll-read', bytes, nullable(bytes), (x, key) => {
  const r = hllFor(x, key);
  if (typeof r === 'string') return new OpError(r);
  return r === null ? null : Buffer.from(r);
});

/**
 * Reads every key's HLL (in any order, each key once) and merges them in key order into registers of
 * its own (not the shared `merged`: other commands of this thread run while this one awaits); those
 * registers and whether any input was dense, or null after writing the first error in key order.
 */
async function mergeAcross(c: Client, keys: Buffer[], w: ReplyWriter): Promise<{ max: Uint8Array; anyDense: boolean } | null> {
  const got = await askEachKeyOnce(c, keys, HLL_READ);
  const max = new Uint8Array(HLL_REGISTERS);
  let anyDense = false;
  for (const k of keys) {
    const r = got.get(keyString(k))!;
    if (r === null) continue;
    if (r instanceof OpError) {
      w.error(r.text);
      return null;
    }
    if (isDense(r)) anyDense = true;
    if (!mergeInto(max, r)) {
      w.error(ERR_INVALID_HLL);
      return null;
    }
  }
  return { max, anyDense };
}

/** PFCOUNT across shards: the registers merged here, nothing written. */
async function multiPfCount(c: Client, args: Buffer[], w: ReplyWriter): Promise<void> {
  const m = await mergeAcross(c, args.slice(1), w);
  if (m !== null) w.integer(countRegisters(m.max));
}

/**
 * The destination half of Redis's pfmergeCommand: dest (found with `e`, or created sparse) takes the
 * merged registers, dense when `toDense`; null, or the error text.
 */
function storeMerged(x: ShardExec, dest: Buffer, e: Entry | undefined, max: Uint8Array, toDense: boolean): string | null {
  if (e === undefined) edit.load(EMPTY);
  else {
    const found = hllAt(e);
    if (typeof found === 'string') return found; // checked by the read already: only a race could get here
    edit.load(found);
  }
  if (toDense && !edit.toDense()) return ERR_INVALID_HLL;
  const maxBytes = sparseMaxBytes(x);
  for (let j = 0; j < HLL_REGISTERS; j++) if (max[j] !== 0) edit.set(j, max[j], maxBytes);
  invalidateCache(edit.bytes);
  if (e === undefined) storeValue(x, dest, edit.value(), 0);
  else {
    e.value = edit.value();
    modified(x, dest);
  }
  // Redis raises pfadd for PFMERGE ("a mass-add of elements").
  notifyKeyspaceEvent(x, NOTIFY_STRING, 'pfadd', dest);
  return null;
}

/** PFMERGE destkey [sourcekey [sourcekey ...]] when every key is on this shard. */
function opPfMerge(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  merged.fill(0);
  let anyDense = false;
  for (let j = 1; j < args.length; j++) {
    const r = hllFor(x, args[j]);
    if (r === null) continue;
    if (typeof r === 'string') return w.error(r);
    if (isDense(r)) anyDense = true;
    if (!mergeInto(merged, r)) return w.error(ERR_INVALID_HLL);
  }
  const err = storeMerged(x, args[1], lookupWrite(x, args[1]), merged, anyDense);
  if (err !== null) return w.error(err);
  w.ok();
}

/** The destination's part of PFMERGE across shards: [dest, to dense, merged registers]. */
export const HLL_STORE_MERGED = defineOp(
  'hll-store-merged',
  tuple<[Buffer, boolean, Buffer]>(bytes, bool, bytes),
  none,
  (x, [dest, toDense, max]) => {
    // The command's first hop read the destination: see it as it was then (family-util AT_FIRST_HOP).
    const e = x.db.lookup(dest, AT_FIRST_HOP);
    const err = storeMerged(x, dest, e, max, toDense);
    return err === null ? null : new OpError(err);
  },
  true,
);

/** PFMERGE across shards: sources read where they live (the destination included, as Redis merges it too), stored at dest's shard. */
async function multiPfMerge(c: Client, args: Buffer[], w: ReplyWriter): Promise<void> {
  const m = await mergeAcross(c, args.slice(1), w);
  if (m === null) return;
  const r = await c.coord.opForKey(args[1], HLL_STORE_MERGED, [args[1], m.anyDense, Buffer.from(m.max.buffer, m.max.byteOffset, m.max.length)]);
  if (r instanceof OpError) return w.error(r.text);
  w.ok();
}

/** PFDEBUG GETREG|DECODE|ENCODING|TODENSE key */
function opPfDebug(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const sub = args[1];
  const key = args[2];
  const e = lookupWrite(x, key);
  if (e === undefined) return w.error('ERR The specified key does not exist');
  const found = hllAt(e);
  if (typeof found === 'string') return w.error(found);
  let v = unshare(e, found);
  const getReg = isWord(sub, 'GETREG');
  if (getReg || isWord(sub, 'TODENSE')) {
    let converted = false;
    if (!isDense(v)) {
      edit.load(v);
      if (!edit.toDense()) return w.error(ERR_INVALID_HLL);
      e.value = edit.value();
      v = e.value as Buffer;
      converted = true;
    }
    if (!getReg) return w.integer(converted ? 1 : 0);
    w.array(HLL_REGISTERS);
    for (let j = 0; j < HLL_REGISTERS; j++) w.integer(denseGet(v, j));
  } else if (isWord(sub, 'DECODE')) {
    if (isDense(v)) return w.error('ERR HLL encoding is not sparse');
    w.bulk(decodeSparse(v));
  } else if (isWord(sub, 'ENCODING')) {
    w.simple(isDense(v) ? 'dense' : 'sparse');
  } else w.error(`ERR Unknown PFDEBUG subcommand '${sub.toString('latin1')}'`);
}

/**
 * PFSELFTEST — Redis's self-test: registers written and read back at random (1000 rounds), then 10M
 * distinct elements added to a dense and a sparse HLL, whose counts must agree and stay within six
 * standard errors at every power of ten. Blocks its thread for seconds, as it blocks Redis.
 */
function pfSelfTest(c: Client, _args: Buffer[], w: ReplyWriter): void {
  const dense = Buffer.alloc(HLL_DENSE_SIZE);
  const expect = new Uint8Array(HLL_REGISTERS);
  for (let j = 0; j < 1000; j++) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      expect[i] = Math.floor(Math.random() * 64);
      denseSetRegister(dense, i, expect[i]);
    }
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const val = denseGet(dense, i);
      if (val !== expect[i]) return w.error(`TESTFAILED Register ${i} should be ${expect[i]} but is ${val}`);
    }
  }
  dense.fill(0);
  dense.write('HYLL', 0, 'latin1');
  edit.load(EMPTY);
  const maxBytes = Number(c.worker.config.hll_sparse_max_bytes);
  const relerr = 1.04 / Math.sqrt(HLL_REGISTERS);
  const seedLo = Math.floor(Math.random() * 2 ** 32);
  const seedHi = Math.floor(Math.random() * 2 ** 32);
  const ele = Buffer.alloc(8);
  ele.writeUInt32LE(seedHi, 4);
  let checkpoint = 1;
  for (let j = 1; j <= 10_000_000; j++) {
    ele.writeUInt32LE((j ^ seedLo) >>> 0, 0);
    const pl = patLen(ele, 0, 8);
    denseSetMax(dense, pl & (HLL_REGISTERS - 1), pl >>> 14);
    edit.set(pl & (HLL_REGISTERS - 1), pl >>> 14, maxBytes);
    if (j !== checkpoint) continue;
    if (j < Math.floor(maxBytes / 2) && edit.dense) return w.error('TESTFAILED sparse encoding not used');
    const card = Number(count(dense));
    if (card !== Number(count(edit.value()))) return w.error('TESTFAILED dense/sparse disagree');
    const maxerr = j === 10 ? 1 : Math.ceil(relerr * 6 * checkpoint);
    const abserr = Math.abs(checkpoint - card);
    if (abserr > maxerr) return w.error(`TESTFAILED Too big error. card:${checkpoint} abserr:${abserr}`);
    checkpoint *= 10;
  }
  w.ok();
}

export const commands: Record<string, CommandImpl> = {
  pfadd: { shard: opPfAdd },
  pfcount: { shard: opPfCount, multi: multiPfCount },
  // PFMERGE dest alone: Redis 7.0's key specs find no key; the spec's getkeys function (command-keys.ts)
  // finds dest, so the command runs on dest's shard.
  pfmerge: { shard: opPfMerge, multi: multiPfMerge },
  pfdebug: { shard: opPfDebug },
  pfselftest: { conn: pfSelfTest },
};

export const ops = [HLL_READ, HLL_STORE_MERGED];
