// HyperLogLog values with Redis 7's exact bytes (hyperloglog.c): the 16-byte header ("HYLL",
// encoding, 3 unused bytes, the cached cardinality as uint64 little-endian whose top bit means
// "stale"), the dense encoding (16384 6-bit registers, little-endian bit order) and the sparse one
// (ZERO 00xxxxxx, XZERO 01xxxxxx yyyyyyyy, VAL 1vvvvvxx opcodes), the in-place sparse update with
// its split/merge rules and promotion, and the Ertl cardinality estimator.
// Invariants: every function reproduces Redis's bytes and results, corrupted inputs included (a read
// past a value's end sees 0, as Redis sees the sds terminator); an HllEdit keeps bytes[len] = 0 and
// room for a 3-byte growth; nothing here knows about keys, commands or threads.

import { HLL_REGISTERS, patLen } from './hll-hash.ts';

export { HLL_REGISTERS, patLen };
export const HLL_HDR_SIZE = 16;
/** Header plus 16384 * 6 bits. */
export const HLL_DENSE_SIZE = HLL_HDR_SIZE + (HLL_REGISTERS * 6) / 8;
export const HLL_DENSE = 0;
export const HLL_SPARSE = 1;
const HLL_Q = 50;
const REGISTER_MAX = 63;
const SPARSE_VAL_MAX_VALUE = 32;
const SPARSE_VAL_MAX_LEN = 4;
const SPARSE_ZERO_MAX_LEN = 64;
const SPARSE_XZERO_MAX_LEN = 16384;
const ALPHA_INF = 0.72134752044448170368;

export const ERR_NOT_HLL = 'WRONGTYPE Key is not a valid HyperLogLog string value.';
export const ERR_INVALID_HLL = 'INVALIDOBJ Corrupted HLL object detected';

/** Redis isHLLObjectOrReply's checks on a string value: magic, known encoding, exact dense length. */
export function isHll(v: Uint8Array): boolean {
  if (v.length < HLL_HDR_SIZE) return false;
  if (v[0] !== 0x48 || v[1] !== 0x59 || v[2] !== 0x4c || v[3] !== 0x4c) return false;
  if (v[4] > HLL_SPARSE) return false;
  return v[4] !== HLL_DENSE || v.length === HLL_DENSE_SIZE;
}

export function isDense(v: Uint8Array): boolean {
  return v[4] === HLL_DENSE;
}

// ---- the cached cardinality ----

export function cacheValid(v: Uint8Array): boolean {
  return (v[15] & 0x80) === 0;
}

export function invalidateCache(v: Uint8Array): void {
  v[15] |= 0x80;
}

/** The cached cardinality (valid cache: top bit clear, so at most 2^63 - 1). */
export function cachedCard(v: Uint8Array): number | bigint {
  const lo = (v[8] | (v[9] << 8) | (v[10] << 16) | (v[11] << 24)) >>> 0;
  const hi = (v[12] | (v[13] << 8) | (v[14] << 16) | (v[15] << 24)) >>> 0;
  if (hi < 0x200000) return hi * 4294967296 + lo;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

export function writeCard(v: Uint8Array, card: number | bigint): void {
  if (typeof card === 'number' && card >= 0) {
    const hi = Math.floor(card / 4294967296);
    const lo = card - hi * 4294967296;
    for (let i = 0; i < 4; i++) {
      v[8 + i] = (lo >>> (8 * i)) & 0xff;
      v[12 + i] = (hi >>> (8 * i)) & 0xff;
    }
    return;
  }
  let n = BigInt.asUintN(64, BigInt(card));
  for (let i = 8; i < 16; i++) {
    v[i] = Number(n & 0xffn);
    n >>= 8n;
  }
}

// ---- dense registers (offsets from the value's start; the registers follow the header) ----

export function denseGet(v: Uint8Array, reg: number): number {
  const bit = reg * 6;
  const at = HLL_HDR_SIZE + (bit >>> 3);
  const fb = bit & 7;
  if (fb <= 2) return (v[at] >>> fb) & REGISTER_MAX;
  return ((v[at] >>> fb) | (v[at + 1] << (8 - fb))) & REGISTER_MAX;
}

/** Sets register `reg` to `val` (0..63), whatever it was (Redis HLL_DENSE_SET_REGISTER). */
export function denseSetRegister(v: Uint8Array, reg: number, val: number): void {
  const bit = reg * 6;
  const at = HLL_HDR_SIZE + (bit >>> 3);
  const fb = bit & 7;
  v[at] = (v[at] & ~(REGISTER_MAX << fb)) | (val << fb);
  // With fb <= 2 the register ends in this byte (Redis's write of the next byte changes nothing).
  if (fb > 2) {
    const fb8 = 8 - fb;
    v[at + 1] = (v[at + 1] & ~(REGISTER_MAX >>> fb8)) | (val >>> fb8);
  }
}

/** Redis hllDenseSet: raises register `reg` to `count`; 1 if it changed. */
export function denseSetMax(v: Uint8Array, reg: number, count: number): number {
  if (count > denseGet(v, reg)) {
    denseSetRegister(v, reg, count);
    return 1;
  }
  return 0;
}

// ---- register histograms and the estimator ----

/** Per-value register counts (64 slots, as Redis sizes it: corrupted dense registers up to 63 land in range). */
const histo = new Int32Array(64);

function denseHisto(v: Uint8Array): void {
  let r = HLL_HDR_SIZE;
  for (let j = 0; j < 1024; j++, r += 12) {
    const b0 = v[r], b1 = v[r + 1], b2 = v[r + 2], b3 = v[r + 3], b4 = v[r + 4], b5 = v[r + 5];
    const b6 = v[r + 6], b7 = v[r + 7], b8 = v[r + 8], b9 = v[r + 9], b10 = v[r + 10], b11 = v[r + 11];
    histo[b0 & 63]++;
    histo[((b0 >>> 6) | (b1 << 2)) & 63]++;
    histo[((b1 >>> 4) | (b2 << 4)) & 63]++;
    histo[(b2 >>> 2) & 63]++;
    histo[b3 & 63]++;
    histo[((b3 >>> 6) | (b4 << 2)) & 63]++;
    histo[((b4 >>> 4) | (b5 << 4)) & 63]++;
    histo[(b5 >>> 2) & 63]++;
    histo[b6 & 63]++;
    histo[((b6 >>> 6) | (b7 << 2)) & 63]++;
    histo[((b7 >>> 4) | (b8 << 4)) & 63]++;
    histo[(b8 >>> 2) & 63]++;
    histo[b9 & 63]++;
    histo[((b9 >>> 6) | (b10 << 2)) & 63]++;
    histo[((b10 >>> 4) | (b11 << 4)) & 63]++;
    histo[(b11 >>> 2) & 63]++;
  }
}

/** The second byte of an XZERO opcode (0 past the end, as Redis reads the sds terminator). */
function at(v: Uint8Array, i: number): number {
  return i < v.length ? v[i] : 0;
}

/**
 * Walks the sparse opcodes of v[HDR, len): each(firstRegister, runLength, value) per run; false when
 * a run overflows the registers or they do not add up to 16384 (Redis's "corrupted").
 */
function walkSparse(v: Uint8Array, len: number, each: (reg: number, run: number, val: number) => void): boolean {
  let idx = 0;
  let p = HLL_HDR_SIZE;
  while (p < len) {
    const op = v[p];
    let run: number;
    let val = 0;
    if ((op & 0xc0) === 0) {
      run = (op & 0x3f) + 1;
      p++;
    } else if ((op & 0xc0) === 0x40) {
      run = (((op & 0x3f) << 8) | at(v, p + 1)) + 1;
      p += 2;
    } else {
      run = (op & 3) + 1;
      val = ((op >>> 2) & 0x1f) + 1;
      p++;
    }
    if (run + idx > HLL_REGISTERS) return false;
    each(idx, run, val);
    idx += run;
  }
  return idx === HLL_REGISTERS;
}

function histoRun(_reg: number, run: number, val: number): void {
  histo[val] += run;
}

/**
 * Redis hllCount over v (dense or sparse): the estimate, or -1 for a corrupted sparse value. The estimate
 * is exact to Redis's doubles; an infinite one comes out as Redis's llroundl does, as INT64_MIN.
 */
export function count(v: Uint8Array): number | bigint {
  histo.fill(0);
  if (v[4] === HLL_DENSE) denseHisto(v);
  else if (!walkSparse(v, v.length, histoRun)) return -1;
  return estimate();
}

/** Redis hllCount over registers as bytes (its HLL_RAW, PFCOUNT of several keys). */
export function countRegisters(max: Uint8Array): number | bigint {
  histo.fill(0);
  for (let i = 0; i < HLL_REGISTERS; i++) histo[max[i]]++;
  return estimate();
}

function sigma(x: number): number {
  if (x === 1) return Infinity;
  let zPrime: number;
  let y = 1;
  let z = x;
  do {
    x *= x;
    zPrime = z;
    z += x * y;
    y += y;
  } while (zPrime !== z);
  return z;
}

function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let zPrime: number;
  let y = 1.0;
  let z = 1 - x;
  do {
    x = Math.sqrt(x);
    zPrime = z;
    y *= 0.5;
    const d = 1 - x;
    z -= d * d * y;
  } while (zPrime !== z);
  return z / 3;
}

function estimate(): number | bigint {
  const m = HLL_REGISTERS;
  let z = m * tau((m - histo[HLL_Q + 1]) / m);
  for (let j = HLL_Q; j >= 1; --j) {
    z += histo[j];
    z *= 0.5;
  }
  z += m * sigma(histo[0] / m);
  const e = (ALPHA_INF * m * m) / z;
  if (!(e < 9223372036854775807)) return -9223372036854775808n;
  const r = Math.round(e);
  return Number.isSafeInteger(r) ? r : BigInt(r);
}

// ---- merging (PFCOUNT of several keys, PFMERGE) ----

let mergeTarget: Uint8Array = new Uint8Array(0);

function mergeRun(reg: number, run: number, val: number): void {
  if (val === 0) return;
  for (let i = reg; i < reg + run; i++) if (val > mergeTarget[i]) mergeTarget[i] = val;
}

/** Redis hllMerge: max[i] = MAX(max[i], register i of v); false for a corrupted sparse value. */
export function mergeInto(max: Uint8Array, v: Uint8Array): boolean {
  if (v[4] === HLL_DENSE) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const r = denseGet(v, i);
      if (r > max[i]) max[i] = r;
    }
    return true;
  }
  mergeTarget = max;
  return walkSparse(v, v.length, mergeRun);
}

// ---- sparse values ----

let denseTarget: Uint8Array = new Uint8Array(0);

function denseRun(reg: number, run: number, val: number): void {
  if (val !== 0) for (let i = reg; i < reg + run; i++) denseSetRegister(denseTarget, i, val);
}

/**
 * Redis hllSparseToDense: a new dense value (header copied — magic and cached cardinality — encoding
 * set to dense), or null for a corrupted sparse value.
 */
export function sparseToDense(v: Uint8Array, len: number): Buffer | null {
  const dense = Buffer.alloc(HLL_DENSE_SIZE);
  for (let i = 0; i < HLL_HDR_SIZE; i++) dense[i] = v[i];
  dense[4] = HLL_DENSE;
  denseTarget = dense;
  return walkSparse(len === v.length ? v : v.subarray(0, len), len, denseRun) ? dense : null;
}

/** Redis createHLLObject: an empty sparse HLL (one XZERO covering every register), cache 0 and valid. */
export function emptySparse(): Buffer {
  const b = Buffer.alloc(HLL_HDR_SIZE + 2);
  b.write('HYLL', 0, 'latin1');
  b[4] = HLL_SPARSE;
  b[HLL_HDR_SIZE] = 0x40 | ((SPARSE_XZERO_MAX_LEN - 1) >>> 8);
  b[HLL_HDR_SIZE + 1] = (SPARSE_XZERO_MAX_LEN - 1) & 0xff;
  return b;
}

function valOp(val: number, len: number): number {
  return ((val - 1) << 2) | (len - 1) | 0x80;
}

/** The largest edit buffer kept for the next edit (bytes). */
const KEEP_BYTES = 64 * 1024;

/**
 * An HLL being changed: a copy of the value in bytes[0, len) with room to grow (sparse updates move
 * bytes), or, once promoted, a dense value of its own. One per thread is enough (used synchronously).
 */
export class HllEdit {
  bytes: Buffer = Buffer.alloc(4096);
  len = 0;

  /**
   * Starts editing a copy of v. A buffer grown for a big value (only a hand-made one: real sparse
   * values stay near hll-sparse-max-bytes) is dropped at the next edit of a normal-sized one.
   */
  load(v: Uint8Array): void {
    const want = v.length + 8;
    if (this.bytes.length < want || (this.bytes.length > KEEP_BYTES && want <= KEEP_BYTES)) this.bytes = Buffer.alloc(Math.max(want + 4096, 4096));
    this.bytes.set(v, 0);
    this.len = v.length;
    this.bytes[this.len] = 0;
  }

  get dense(): boolean {
    return this.bytes[4] === HLL_DENSE;
  }

  /** The edited value (a view of bytes: valid until the next edit). */
  value(): Buffer {
    return this.bytes.subarray(0, this.len);
  }

  /** Sets the length (as sdsIncrLen: the byte after the end becomes 0). */
  private resize(len: number): void {
    this.len = len;
    this.bytes[len] = 0;
  }

  /** Redis sdsMakeRoomFor(3) plus the terminator. */
  private makeRoom(): void {
    if (this.bytes.length >= this.len + 4) return;
    const grown = Buffer.alloc(this.bytes.length * 2 + 8);
    grown.set(this.bytes.subarray(0, this.len + 1), 0);
    this.bytes = grown;
  }

  /** Redis hllSparseToDense in place; false (and unchanged) for a corrupted value. */
  toDense(): boolean {
    if (this.dense) return true;
    const d = sparseToDense(this.bytes, this.len);
    if (d === null) return false;
    this.bytes = d;
    this.len = d.length;
    return true;
  }

  /** Raises register `reg` to `count` in either encoding (Redis hllDenseSet / hllSparseSet): 1, 0, or -1 (corrupted). */
  set(reg: number, count: number, sparseMaxBytes: number): number {
    return this.dense ? denseSetMax(this.bytes, reg, count) : this.sparseSet(reg, count, sparseMaxBytes);
  }

  /** Redis hllSparseSet, step by step (same splits, same merges, same promotion points). */
  private sparseSet(index: number, count: number, sparseMaxBytes: number): number {
    if (count > SPARSE_VAL_MAX_VALUE) return this.promote(index, count);
    this.makeRoom();
    const u = this.bytes;
    const sparse = HLL_HDR_SIZE;
    let p = sparse;
    let end = this.len;
    let first = 0;
    let prev = -1;
    let span = 0;
    // Step 1: the opcode covering `index`.
    while (p < end) {
      const op = u[p];
      let oplen = 1;
      if ((op & 0xc0) === 0) span = (op & 0x3f) + 1;
      else if (op & 0x80) span = (op & 3) + 1;
      else {
        span = (((op & 0x3f) << 8) | u[p + 1]) + 1;
        oplen = 2;
      }
      if (index <= first + span - 1) break;
      prev = p;
      p += oplen;
      first += span;
    }
    if (span === 0 || p >= end) return -1;
    const op = u[p];
    const isXzero = (op & 0xc0) === 0x40;
    const isZero = (op & 0xc0) === 0;
    const isVal = !isXzero && !isZero;
    let next = isXzero ? p + 2 : p + 1;
    if (next >= end) next = -1;
    const runlen = isZero ? (op & 0x3f) + 1 : isXzero ? (((op & 0x3f) << 8) | u[p + 1]) + 1 : (op & 3) + 1;

    // Step 2: the trivial updates (A: no change needed; B, C: a one-register opcode becomes VAL).
    let inPlace = false;
    if (isVal) {
      if (((op >>> 2) & 0x1f) + 1 >= count) return 0;
      if (runlen === 1) inPlace = true;
    } else if (isZero && runlen === 1) inPlace = true;
    if (inPlace) u[p] = valOp(count, 1);
    else {
      // D: split the opcode into up to three (XZERO-VAL-XZERO at worst: 5 bytes).
      const seq = splitSeq;
      let n = 0;
      const last = first + span - 1;
      if (isZero || isXzero) {
        if (index !== first) n = putZeros(seq, n, index - first);
        seq[n++] = valOp(count, 1);
        if (index !== last) n = putZeros(seq, n, last - index);
      } else {
        const curval = ((op >>> 2) & 0x1f) + 1;
        if (index !== first) seq[n++] = valOp(curval, index - first);
        seq[n++] = valOp(count, 1);
        if (index !== last) seq[n++] = valOp(curval, last - index);
      }
      // Step 3: put the sequence in place of the opcode.
      const deltalen = n - (isXzero ? 2 : 1);
      if (deltalen > 0 && this.len + deltalen > sparseMaxBytes) return this.promote(index, count);
      if (deltalen !== 0 && next !== -1) u.copyWithin(next + deltalen, next, end);
      this.resize(this.len + deltalen);
      for (let i = 0; i < n; i++) u[p + i] = seq[i];
      end += deltalen;
    }

    // Step 4: merge adjacent VAL opcodes of the same value, scanning up to 5 opcodes from prev.
    p = prev !== -1 ? prev : sparse;
    let scanlen = 5;
    while (p < end && scanlen-- !== 0) {
      const o = u[p];
      if ((o & 0xc0) === 0x40) {
        p += 2;
        continue;
      }
      if ((o & 0xc0) === 0) {
        p++;
        continue;
      }
      if (p + 1 < end && u[p + 1] & 0x80) {
        const v1 = ((o >>> 2) & 0x1f) + 1;
        const o2 = u[p + 1];
        if (v1 === ((o2 >>> 2) & 0x1f) + 1) {
          const len = (o & 3) + 1 + (o2 & 3) + 1;
          if (len <= SPARSE_VAL_MAX_LEN) {
            u[p + 1] = valOp(v1, len);
            u.copyWithin(p, p + 1, end + 1);
            this.resize(this.len - 1);
            end--;
            continue;
          }
        }
      }
      p++;
    }
    invalidateCache(u);
    return 1;
  }

  /** Redis hllSparseSet's promote: to dense, then the register set there (always a change). */
  private promote(index: number, count: number): number {
    if (!this.toDense()) return -1;
    denseSetMax(this.bytes, index, count);
    return 1;
  }
}

const splitSeq = new Uint8Array(5);

/** Writes a ZERO (up to 64) or XZERO run of `len` registers at seq[n]; the next free position. */
function putZeros(seq: Uint8Array, n: number, len: number): number {
  if (len > SPARSE_ZERO_MAX_LEN) {
    seq[n] = ((len - 1) >>> 8) | 0x40;
    seq[n + 1] = (len - 1) & 0xff;
    return n + 2;
  }
  seq[n] = len - 1;
  return n + 1;
}

/** Redis's PFDEBUG DECODE text of a sparse value. */
export function decodeSparse(v: Uint8Array): string {
  const parts: string[] = [];
  let p = HLL_HDR_SIZE;
  while (p < v.length) {
    const op = v[p];
    if ((op & 0xc0) === 0) {
      parts.push(`z:${(op & 0x3f) + 1}`);
      p++;
    } else if ((op & 0xc0) === 0x40) {
      parts.push(`Z:${(((op & 0x3f) << 8) | at(v, p + 1)) + 1}`);
      p += 2;
    } else {
      parts.push(`v:${((op >>> 2) & 0x1f) + 1},${(op & 3) + 1}`);
      p++;
    }
  }
  return parts.join(' ');
}
