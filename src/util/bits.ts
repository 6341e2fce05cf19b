// Bit arithmetic over byte strings, as Redis's bitops.c defines it: bit 0 is the most significant bit
// of byte 0. Counting (a byte table, 32-bit SWAR over aligned words, WebAssembly's popcnt for long
// ranges), finding the first set or clear
// bit, combining strings (BITOP) word by word, and reading/writing the integers of BITFIELD.
// Invariants: pure functions of their arguments; nothing here allocates per byte; bytes past a
// string's end read as zero (Redis pads on the right); BITFIELD integers are exact 64-bit BigInts.

/** Set bits per byte value. */
const POPCOUNT8 = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT8[i] = (i & 1) + POPCOUNT8[i >> 1];

/** Below this many bytes a word view costs more than it saves. */
const WORDS_FROM = 64;

/** Set bits of a 32-bit word (SWAR). */
function popcount32(v: number): number {
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/** A word's per-byte bit counts (each 0..8), before the bytes are summed. */
function byteCounts(v: number): number {
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (v + (v >>> 4)) & 0x0f0f0f0f;
}

/** Set bits of words [0, n) of w: four words' byte counts added (at most 32 a byte) before one multiply (~25% faster). */
function popcountWords(w: Int32Array, n: number): number {
  let count = 0;
  let j = 0;
  for (const quads = n & ~3; j < quads; j += 4) {
    const sum = byteCounts(w[j]) + byteCounts(w[j + 1]) + byteCounts(w[j + 2]) + byteCounts(w[j + 3]);
    count += Math.imul(sum, 0x01010101) >>> 24;
  }
  for (; j < n; j++) count += popcount32(w[j]);
  return count;
}

/** Bytes from `at` to the next 4-byte boundary of the underlying memory (word views need it). */
function toAligned(b: Uint8Array, at: number): number {
  return (4 - ((b.byteOffset + at) & 3)) & 3;
}

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: WasmExports };
}

interface WasmExports {
  mem: { buffer: ArrayBuffer };
  count: (from: number, to: number) => number;
  skip: (from: number, to: number, word: bigint) => number;
}

/**
 * Two loops over 8-byte words in WebAssembly, 4-5x the JS word loops on long strings (BITCOUNT of 1 MB:
 * 0.08 against 0.4 ms here, copy included): `count(from, to)` adds the set bits (i64.popcnt) of the
 * words of its memory between two byte offsets; `skip(from, to, word)` answers the offset of the first
 * word there that differs from `word` (or `to`). Its one 64 KiB page takes a value a chunk at a time,
 * so it never grows. Hand-assembled; each instruction is commented.
 */
const WASM = (() => {
  const countBody = [
    0x01, 0x01, 0x7e, // one i64 local: the sum
    0x02, 0x40, 0x03, 0x40, // block, loop
    0x20, 0x00, 0x20, 0x01, 0x4f, 0x0d, 0x01, // if from >= to: break
    0x20, 0x02, 0x20, 0x00, 0x29, 0x03, 0x00, 0x7b, 0x7c, 0x21, 0x02, // sum += popcnt(load64(from))
    0x20, 0x00, 0x41, 0x08, 0x6a, 0x21, 0x00, 0x0c, 0x00, // from += 8; continue
    0x0b, 0x0b, 0x20, 0x02, 0xa7, 0x0b, // end, end, (i32) sum
  ];
  const skipBody = [
    0x00, // no locals
    0x02, 0x40, 0x03, 0x40, // block, loop
    0x20, 0x00, 0x20, 0x01, 0x4f, 0x0d, 0x01, // if from >= to: break
    0x20, 0x00, 0x29, 0x03, 0x00, 0x20, 0x02, 0x52, 0x0d, 0x01, // if load64(from) != word: break
    0x20, 0x00, 0x41, 0x08, 0x6a, 0x21, 0x00, 0x0c, 0x00, // from += 8; continue
    0x0b, 0x0b, 0x20, 0x00, 0x0b, // end, end, from
  ];
  const section = (id: number, content: number[]): number[] => [id, content.length, ...content];
  const bytes = new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [0x02, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x03, 0x7f, 0x7f, 0x7e, 0x01, 0x7f]), // (i32 i32) -> i32, (i32 i32 i64) -> i32
    ...section(3, [0x02, 0x00, 0x01]),
    ...section(5, [0x01, 0x00, 0x01]), // memory: 1 page
    ...section(7, [0x03, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x05, 0x63, 0x6f, 0x75, 0x6e, 0x74, 0x00, 0x00, 0x04, 0x73, 0x6b, 0x69, 0x70, 0x00, 0x01]), // "mem" "count" "skip"
    ...section(10, [0x02, countBody.length, ...countBody, skipBody.length, ...skipBody]),
  ]);
  // (The project's TypeScript libs do not declare WebAssembly: the little of it used here, typed.)
  const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  const exports = new wasm.Instance(new wasm.Module(bytes)).exports;
  return { mem: new Uint8Array(exports.mem.buffer), count: exports.count, skip: exports.skip };
})();

/**
 * Copies whole words from byte `at` of `under` (`left` bytes remain), at most 64 KiB - 8 bytes, into
 * WASM's memory, starting at the 8-byte-aligned address at or before `at` (a copy out of a
 * SharedArrayBuffer — the arena's — at an unaligned address is several times slower). Returns where
 * byte `at` landed; sets wasmLen to the bytes copied from it (no tuple: no allocation per chunk).
 */
function toWasm(under: Uint8Array, at: number, left: number): number {
  const skew = at & 7;
  const len = Math.min(WASM.mem.length - 8, left) & ~7;
  WASM.mem.set(under.subarray(at - skew, at + len));
  wasmLen = len;
  return skew;
}
/** Bytes the last toWasm copied from its `at`. */
let wasmLen = 0;

/** From this many bytes on, counting and searching go through WASM (its copy and call cost pay off). */
const WASM_FROM = 8192;

/** Set bits in bytes [start, end) of b through WASM.count, a chunk at a time. */
function popcountWasm(b: Uint8Array, start: number, end: number): number {
  const under = new Uint8Array(b.buffer, 0, b.byteOffset + b.length);
  let n = 0;
  let i = start;
  while (end - i >= 8) {
    const from = toWasm(under, b.byteOffset + i, end - i);
    n += WASM.count(from, from + wasmLen);
    i += wasmLen;
  }
  for (; i < end; i++) n += POPCOUNT8[b[i]];
  return n;
}

/** The first byte of [start, end) of b that is not `skip` (0 or 0xff), through WASM.skip; end if none. */
function skipWasm(b: Uint8Array, start: number, end: number, skip: number): number {
  const under = new Uint8Array(b.buffer, 0, b.byteOffset + b.length);
  const word = skip === 0 ? 0n : -1n;
  let i = start;
  while (end - i >= 8) {
    const from = toWasm(under, b.byteOffset + i, end - i);
    const stop = WASM.skip(from, from + wasmLen, word);
    if (stop < from + wasmLen) return i + (stop - from);
    i += wasmLen;
  }
  while (i < end && b[i] === skip) i++;
  return i;
}

/** Set bits in bytes [start, end) of b (Redis redisPopcount). */
export function popcount(b: Uint8Array, start: number, end: number): number {
  if (end - start >= WASM_FROM) return popcountWasm(b, start, end);
  let n = 0;
  let i = start;
  if (end - i >= WORDS_FROM) {
    const lead = i + toAligned(b, i);
    for (; i < lead; i++) n += POPCOUNT8[b[i]];
    const words = (end - i) >>> 2;
    n += popcountWords(new Int32Array(b.buffer, b.byteOffset + i, words), words);
    i += words << 2;
  }
  for (; i < end; i++) n += POPCOUNT8[b[i]];
  return n;
}

/**
 * Redis redisBitpos over bytes [start, start + count) of b: the position (from `start`'s first bit) of
 * the first bit equal to `bit`; when there is none, -1 for a 1, and count * 8 for a 0 (the string is
 * taken as zero-padded on the right).
 */
export function bitpos(b: Uint8Array, start: number, count: number, bit: number): number {
  const skip = bit ? 0 : 0xff;
  const end = start + count;
  let i = start;
  if (count >= WASM_FROM) i = skipWasm(b, start, end, skip);
  else if (count >= WORDS_FROM) {
    const lead = i + toAligned(b, i);
    while (i < lead && b[i] === skip) i++;
    if (i === lead) {
      const words = (end - i) >>> 2;
      const w = new Int32Array(b.buffer, b.byteOffset + i, words);
      const skipWord = bit ? 0 : -1;
      let j = 0;
      while (j < words && w[j] === skipWord) j++;
      i += j << 2;
    }
  }
  while (i < end && b[i] === skip) i++;
  if (i === end) return bit ? -1 : count * 8;
  const byte = bit ? b[i] : ~b[i] & 0xff;
  return (i - start) * 8 + Math.clz32(byte) - 24;
}

export const BITOP_AND = 0;
export const BITOP_OR = 1;
export const BITOP_XOR = 2;
export const BITOP_NOT = 3;

const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/**
 * Copies src into dst (at least as long, its memory 4-byte aligned at 0). From an unaligned src the
 * copy reads aligned 32-bit words of src's memory and shifts each pair together: a plain copy out of a
 * SharedArrayBuffer (the arena's) at an unaligned address goes byte by byte, several times slower.
 */
function copyWords(dst: Uint8Array, src: Uint8Array): void {
  const skew = src.byteOffset & 3;
  const words = src.length >>> 2;
  if (skew === 0 || !LITTLE_ENDIAN || words < WORDS_FROM) {
    dst.set(src);
    return;
  }
  const base = src.byteOffset - skew;
  // Words read: n + 1 from base, all inside src's buffer.
  const n = Math.min(words, ((src.buffer.byteLength - base) >>> 2) - 1);
  const from = new Int32Array(src.buffer, base, n + 1);
  const to = new Int32Array(dst.buffer, dst.byteOffset, n);
  const lo = skew * 8;
  const hi = 32 - lo;
  for (let j = 0; j < n; j++) to[j] = (from[j] >>> lo) | (from[j + 1] << hi);
  for (let i = n * 4; i < src.length; i++) dst[i] = src[i];
}

/** A copy of b in a Buffer of its own (aligned), fast from unaligned shared memory too (copyWords). */
export function copyOfBytes(b: Uint8Array): Buffer {
  const copy = Buffer.allocUnsafeSlow(b.length);
  copyWords(copy, b);
  return copy;
}

/** A 4-byte-aligned copy of b when b is not aligned (word views need it), else b. */
function aligned(b: Uint8Array): Uint8Array {
  if ((b.byteOffset & 3) === 0) return b;
  const copy = new Uint8Array(b.length);
  copyWords(copy, b);
  return copy;
}

/**
 * Redis BITOP: the bytes of `op` over `srcs` (NOT takes one), as long as the longest source (shorter
 * ones read as zero-padded); an empty result when every source is empty.
 */
export function bitop(op: number, srcs: readonly Uint8Array[]): Buffer {
  let maxLen = 0;
  for (const s of srcs) if (s.length > maxLen) maxLen = s.length;
  // Its own ArrayBuffer from offset 0 (allocUnsafeSlow does not pool): word views need the alignment.
  const res = Buffer.allocUnsafeSlow(maxLen);
  if (maxLen === 0) return res;
  copyWords(res, srcs[0]);
  res.fill(0, srcs[0].length);
  const resWords = new Int32Array(res.buffer, res.byteOffset, maxLen >>> 2);
  if (op === BITOP_NOT) {
    for (let j = 0; j < resWords.length; j++) resWords[j] = ~resWords[j];
    for (let i = resWords.length << 2; i < maxLen; i++) res[i] = ~res[i];
    return res;
  }
  for (let k = 1; k < srcs.length; k++) {
    const s = aligned(srcs[k]);
    const len = s.length;
    const words = len >>> 2;
    const sw = new Int32Array(s.buffer, s.byteOffset, words);
    const tail = words << 2;
    if (op === BITOP_AND) {
      for (let j = 0; j < words; j++) resWords[j] &= sw[j];
      for (let i = tail; i < len; i++) res[i] &= s[i];
      res.fill(0, len);
    } else if (op === BITOP_OR) {
      for (let j = 0; j < words; j++) resWords[j] |= sw[j];
      for (let i = tail; i < len; i++) res[i] |= s[i];
    } else {
      for (let j = 0; j < words; j++) resWords[j] ^= sw[j];
      for (let i = tail; i < len; i++) res[i] ^= s[i];
    }
  }
  return res;
}

// ------------------------------------------------------------------------------------ BITFIELD

/** An unsigned integer of `bits` (1..64) bits at bit `offset` of b (bytes past the end read as 0). */
export function getBitfield(b: Uint8Array, offset: number, bits: number): bigint {
  let byte = Math.floor(offset / 8);
  const shift = offset - byte * 8;
  // The covering bytes (at most 9) as one number, most significant first.
  const nbytes = (shift + bits + 7) >>> 3;
  let v = 0n;
  const len = b.length;
  if (shift + bits <= 48) {
    let n = 0;
    for (let i = 0; i < nbytes; i++, byte++) n = n * 256 + (byte < len ? b[byte] : 0);
    v = BigInt(n);
  } else {
    for (let i = 0; i < nbytes; i++, byte++) v = (v << 8n) | BigInt(byte < len ? b[byte] : 0);
  }
  return BigInt.asUintN(bits, v >> BigInt(nbytes * 8 - shift - bits));
}

/** Writes the low `bits` bits of value at bit `offset` of b (b is long enough). */
export function setBitfield(b: Uint8Array, offset: number, bits: number, value: bigint): void {
  let byte = Math.floor(offset / 8);
  const shift = offset - byte * 8;
  const nbytes = (shift + bits + 7) >>> 3;
  const tailBits = nbytes * 8 - shift - bits;
  const fieldMask = ((1n << BigInt(bits)) - 1n) << BigInt(tailBits);
  let old = 0n;
  for (let i = 0; i < nbytes; i++) old = (old << 8n) | BigInt(b[byte + i]);
  let next = (old & ~fieldMask) | ((BigInt.asUintN(bits, value) << BigInt(tailBits)) & fieldMask);
  for (let i = nbytes - 1; i >= 0; i--) {
    b[byte + i] = Number(next & 0xffn);
    next >>= 8n;
  }
  byte += nbytes;
}

export const OVERFLOW_WRAP = 0;
export const OVERFLOW_SAT = 1;
export const OVERFLOW_FAIL = 2;

const i64 = (v: bigint): bigint => BigInt.asIntN(64, v);
const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);

/**
 * Redis check{Signed,Unsigned}BitfieldOverflow, with C's 64-bit wrapping arithmetic kept (so its quirks
 * too: SET i8 -9223372036854775808 under SAT stores 127, as `(uint64_t)max - value` wraps): for `value`
 * + `incr` in a `bits`-bit field, 0 when it fits, else 1 (over the top) or -1 (under the bottom) with
 * the wrapped or saturated value in `limit[0]` (unset under FAIL). An unsigned `value` is a uint64.
 */
export function bitfieldOverflow(value: bigint, incr: bigint, bits: number, signed: boolean, overflow: number, limit: bigint[]): number {
  const b = BigInt(bits);
  if (signed) {
    const max = bits === 64 ? (1n << 63n) - 1n : (1n << (b - 1n)) - 1n;
    const min = -max - 1n;
    const maxincr = i64(u64(max) - u64(value));
    const minincr = i64(min - value);
    let dir = 0;
    if (value > max || (bits !== 64 && incr > maxincr) || (value >= 0n && incr > 0n && incr > maxincr)) dir = 1;
    else if (value < min || (bits !== 64 && incr < minincr) || (value < 0n && incr < 0n && incr < minincr)) dir = -1;
    if (dir === 0) return 0;
    if (overflow === OVERFLOW_WRAP) {
      let c = u64(value + incr);
      if (bits < 64) {
        const mask = u64(-1n << b);
        c = (c & (1n << (b - 1n))) !== 0n ? c | mask : c & ~mask;
      }
      limit[0] = i64(c);
    } else if (overflow === OVERFLOW_SAT) limit[0] = dir > 0 ? max : min;
    return dir;
  }
  const max = bits === 64 ? (1n << 64n) - 1n : (1n << b) - 1n;
  const maxincr = i64(max - value);
  const minincr = i64(-value);
  let dir = 0;
  if (value > max || (incr > 0n && incr > maxincr)) dir = 1;
  else if (incr < 0n && incr < minincr) dir = -1;
  if (dir === 0) return 0;
  if (overflow === OVERFLOW_WRAP) limit[0] = u64(value + incr) & ~u64(-1n << b);
  else if (overflow === OVERFLOW_SAT) limit[0] = dir > 0 ? max : 0n;
  return dir;
}

/**
 * One BITFIELD SET or INCRBY as bitfieldCommand does it on the field's current value `old` (signed:
 * an int64, unsigned: a uint64): the value to store and the one to reply (SET: the old one, INCRBY: the
 * new one, as int64), or null when it overflows under FAIL (nothing written).
 */
export function bitfieldWrite(old: bigint, arg: bigint, incr: boolean, bits: number, signed: boolean, overflow: number): { store: bigint; reply: bigint } | null {
  const limit: bigint[] = [0n];
  let next: bigint;
  let dir: number;
  if (incr) {
    dir = bitfieldOverflow(old, arg, bits, signed, overflow, limit);
    next = dir !== 0 ? limit[0] : signed ? i64(old + arg) : u64(old + arg);
  } else {
    next = signed ? arg : u64(arg);
    dir = bitfieldOverflow(next, 0n, bits, signed, overflow, limit);
    if (dir !== 0) next = limit[0];
  }
  if (dir !== 0 && overflow === OVERFLOW_FAIL) return null;
  return { store: next, reply: i64(incr ? next : old) };
}
