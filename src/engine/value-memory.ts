// valueBytes: the estimated heap bytes of a collection value (list, hash, set, sorted set), for MEMORY
// USAGE — Redis's objectComputeSize idea applied to our structures. Compact encodings are measured
// whole (a listpack list is its one chunk's entries; a listpack hash/set/zset and an intset are walked
// entry by entry — they are small by the encoding rules); big encodings are estimated from the first
// `samples` elements (0: all), their average times the element count, plus the fixed parts.
// Invariants: pure (reads the value, changes nothing); a model of V8's 64-bit layout (no pointer
// compression in Node's builds): the constants below, not measurements, so the result is the same for
// the same value on every run; it grows with every element added and with every element's size.

import type { TypedValue } from './database.ts';
import type { QuickList, ListChunk } from './quicklist.ts';
import type { HashValue, FieldValue } from './hash-value.ts';
import type { SetValue } from './set-value.ts';
import type { ZSet } from './zset.ts';

/** One tagged pointer (a field or an array slot). */
const POINTER = 8;
/** A plain JS object's header (map, properties, elements); each own field adds a POINTER. */
const OBJECT_HEADER = 24;
/** A JSArray plus its FixedArray backing store's header (slots come on top, POINTER each). */
const ARRAY_HEADER = 48;
/** A sequential one-byte string's header (map, hash, length); its bytes follow, 8-byte aligned. */
const STRING_HEADER = 16;
/** A Buffer (Uint8Array view + ArrayBuffer + backing-store record), without its bytes. */
const BUFFER_HEADER = 96;
/** One entry of an ordered hash table (Map: key, value, chain; plus its share of the buckets). */
const MAP_ENTRY = 32;
/** A ScoreTree leaf's two slots (score, member) and the ScanLog's two (member, sequence number). */
const TREE_ENTRY = 4 * POINTER;
/** A number stored unboxed in a double array. */
const DOUBLE = 8;

/** Bytes of an object with `fields` own fields. */
function objectBytes(fields: number): number {
  return OBJECT_HEADER + fields * POINTER;
}

/** Bytes of a latin1 string of length n (one byte per char, header, 8-byte alignment). */
export function stringBytes(n: number): number {
  return (STRING_HEADER + n + 7) & ~7;
}

/** Bytes of an array of n slots (its elements' own bytes not included). */
function arrayBytes(n: number): number {
  return ARRAY_HEADER + n * POINTER;
}

/** Bytes of a hash field's or a member's value: a latin1 string or a Buffer. */
function fieldValueBytes(v: FieldValue): number {
  return typeof v === 'string' ? stringBytes(v.length) : BUFFER_HEADER + v.length;
}

/** How many elements of n to look at: samples, 0 meaning all. */
function sampleCount(n: number, samples: number): number {
  return samples <= 0 || samples >= n ? n : samples;
}

/** Estimated bytes of a collection value (see the module comment); samples 0 = look at every element. */
export function valueBytes(v: TypedValue, samples: number): number {
  switch (v.kind) {
    case 'list':
      return listBytes(v as QuickList, samples);
    case 'hash':
      return hashBytes(v as HashValue, samples);
    case 'set':
      return setBytes(v as SetValue, samples);
    case 'zset':
      return zsetBytes(v as ZSet, samples);
    default:
      return objectBytes(1);
  }
}

/** A chunk: its object, its buffer's header and the bytes its entries take (free room not counted, as Redis's lpBytes). */
function chunkBytes(c: ListChunk): number {
  return objectBytes(7) + BUFFER_HEADER + c.bytes;
}

/** A listpack list: its one chunk; a quicklist: the first `samples` chunks' average times the chunks. */
function listBytes(l: QuickList, samples: number): number {
  const fixed = objectBytes(7);
  if (l.head === null) return fixed;
  if (l.encoding === 'listpack') return fixed + chunkBytes(l.head);
  const want = sampleCount(l.chunks, samples);
  let sum = 0;
  let seen = 0;
  for (let c: ListChunk | null = l.head; c !== null && seen < want; c = c.next, seen++) sum += chunkBytes(c);
  return fixed + Math.round((sum / seen) * l.chunks);
}

/**
 * A listpack hash: its two arrays and every field and value (plus the deadlines of a listpackex); a
 * hashtable: the table's fixed parts plus the sampled field/value pairs scaled to the size.
 */
function hashBytes(h: HashValue, samples: number): number {
  const n = h.size;
  const enc = h.encoding;
  let fixed = objectBytes(7);
  if (enc === 'hashtable') {
    fixed += objectBytes(3) + 2 * arrayBytes(n) + MAP_ENTRY * n;
  } else {
    fixed += 2 * arrayBytes(n);
    if (enc === 'listpackex') fixed += ARRAY_HEADER + n * DOUBLE;
  }
  const want = enc === 'hashtable' ? sampleCount(n, samples) : n;
  if (want === 0) return fixed;
  let sum = 0;
  for (let i = 0; i < want; i++) sum += stringBytes(h.fieldAt(i).length) + fieldValueBytes(h.valueAt(i));
  return fixed + Math.round((sum / want) * n);
}

/** An intset: 8 bytes a member; a listpack: every member; a hashtable: sampled members scaled. */
function setBytes(s: SetValue, samples: number): number {
  const n = s.size;
  const fixed = objectBytes(4);
  const enc = s.encoding;
  if (enc === 'intset') return fixed + objectBytes(2) + BUFFER_HEADER + n * 8;
  if (enc === 'listpack') {
    let sum = arrayBytes(n);
    for (let i = 0; i < n; i++) sum += stringBytes(s.at(i).length);
    return fixed + sum;
  }
  const table = objectBytes(3) + 2 * ARRAY_HEADER + n * (POINTER + MAP_ENTRY);
  const want = sampleCount(n, samples);
  if (want === 0) return fixed + table;
  let sum = 0;
  for (let i = 0; i < want; i++) sum += stringBytes(s.at(i).length);
  return fixed + table + Math.round((sum / want) * n);
}

/** A listpack: scores and members, every one; a skiplist: the dict, tree and log, sampled from the lowest rank. */
function zsetBytes(z: ZSet, samples: number): number {
  const n = z.size;
  let fixed = objectBytes(8);
  if (z.isListpack) {
    let sum = fixed + 2 * ARRAY_HEADER + n * (DOUBLE + POINTER);
    z.forEach((m) => (sum += stringBytes(m.length)));
    return sum;
  }
  // Map + ScoreTree + ScanLog objects, then per member: a Map entry, its tree and log slots.
  fixed += objectBytes(2) + objectBytes(4) + objectBytes(5) + 2 * ARRAY_HEADER + n * (MAP_ENTRY + TREE_ENTRY);
  const want = sampleCount(n, samples);
  if (want === 0) return fixed;
  let sum = 0;
  let seen = 0;
  z.walk(0, false, (m) => {
    sum += stringBytes(m.length);
    return ++seen < want;
  });
  return fixed + Math.round((sum / seen) * n);
}
