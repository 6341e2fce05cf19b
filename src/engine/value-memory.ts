// The heap layout model behind each kind's heapBytes (MEMORY USAGE) — Redis's objectComputeSize idea
// applied to our structures. Compact encodings are measured whole (a listpack list is its one chunk's
// entries; a listpack hash/set/zset and an intset are walked entry by entry — they are small by the
// encoding rules); big encodings are estimated from the first `samples` elements (0: all), their
// average times the element count, plus the fixed parts. The estimators live with their kinds.
// Invariants: imports nothing; a model of V8's 64-bit layout (no pointer compression in Node's builds):
// the constants below, not measurements, so a value's estimate is the same on every run; estimates
// grow with every element added and with every element's size.

/** One tagged pointer (a field or an array slot). */
export const POINTER = 8;
/** A plain JS object's header (map, properties, elements); each own field adds a POINTER. */
export const OBJECT_HEADER = 24;
/** A JSArray plus its FixedArray backing store's header (slots come on top, POINTER each). */
export const ARRAY_HEADER = 48;
/** A sequential one-byte string's header (map, hash, length); its bytes follow, 8-byte aligned. */
export const STRING_HEADER = 16;
/** A Buffer (Uint8Array view + ArrayBuffer + backing-store record), without its bytes. */
export const BUFFER_HEADER = 96;
/** One entry of an ordered hash table (Map: key, value, chain; plus its share of the buckets). */
export const MAP_ENTRY = 32;
/** A ScoreTree leaf's two slots (score, member) and the ScanLog's two (member, sequence number). */
export const TREE_ENTRY = 4 * POINTER;
/** A number stored unboxed in a double array. */
export const DOUBLE = 8;

/** Bytes of an object with `fields` own fields. */
export function objectBytes(fields: number): number {
  return OBJECT_HEADER + fields * POINTER;
}

/** Bytes of a latin1 string of length n (one byte per char, header, 8-byte alignment). */
export function stringBytes(n: number): number {
  return (STRING_HEADER + n + 7) & ~7;
}

/** Bytes of an array of n slots (its elements' own bytes not included). */
export function arrayBytes(n: number): number {
  return ARRAY_HEADER + n * POINTER;
}

/** Bytes of a hash field's value: a latin1 string or a Buffer. */
export function stringOrBufferBytes(v: string | Buffer): number {
  return typeof v === 'string' ? stringBytes(v.length) : BUFFER_HEADER + v.length;
}

/** How many elements of n to look at: samples, 0 meaning all. */
export function sampleCount(n: number, samples: number): number {
  return samples <= 0 || samples >= n ? n : samples;
}
