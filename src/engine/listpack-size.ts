// Redis's byte accounting for lists: how many bytes a value takes as a listpack entry, and the
// list-max-listpack-size rules of a quicklist node (Redis 7.2 quicklistNodeLimit /
// quicklistNodeExceedsLimit). List encodings and quicklist node boundaries are decided on these numbers.
// Invariants: lpEntrySize is the size Redis 7.2's listpack.c gives the same bytes (integer encodings
// for lpStringToInt64 texts, string headers, back-length); a listpack is LP_HEADER bytes plus its
// entries; the limits are Redis's for every int fill, including 0 and below -5.

/** Bytes of an empty listpack (lpNew: 6-byte header and the end byte). */
export const LP_HEADER = 7;
/** quicklist's estimate of one new entry's header and back-length (SIZE_ESTIMATE_OVERHEAD). */
export const LP_ESTIMATE_OVERHEAD = 8;
/** Byte limits of fill -1..-5 (optimization_level); fills below -5 use the last. */
const SIZE_LIMITS = [4096, 8192, 16384, 32768, 65536];
/** The byte cap of a node whose fill is an entry count (SIZE_SAFETY_LIMIT). */
const SAFETY_LIMIT = 8192;
/** quicklistSetFill's bounds: the fill a quicklist keeps. */
const FILL_MAX = 32767;
const FILL_MIN = -5;

/** Digits of INT64_MAX and of -INT64_MIN. */
const I64_MAX_DIGITS = '9223372036854775807';
const I64_MIN_DIGITS = '9223372036854775808';

/**
 * The encoded size (header and data, without the back-length) of an integer entry when
 * buf[off..off+len) is a text lpStringToInt64 accepts (Redis's string2ll: no sign but '-', no leading
 * zero, no "-0", within int64), else 0.
 */
function intEncodedSize(buf: Uint8Array, off: number, len: number): number {
  if (len === 0 || len >= 21) return 0;
  let p = off;
  const end = off + len;
  if (len === 1 && buf[p] === 0x30) return 1;
  const negative = buf[p] === 0x2d;
  if (negative && ++p === end) return 0;
  if (buf[p] < 0x31 || buf[p] > 0x39) return 0;
  for (let q = p + 1; q < end; q++) if (buf[q] < 0x30 || buf[q] > 0x39) return 0;
  const digits = end - p;
  if (digits > 19) return 0;
  if (digits === 19) {
    const limit = negative ? I64_MIN_DIGITS : I64_MAX_DIGITS;
    for (let i = 0; i < 19; i++) {
      const d = buf[p + i] - 0x30;
      const l = limit.charCodeAt(i) - 0x30;
      if (d !== l) return d < l ? 9 : 0;
    }
    return 9;
  }
  // Beyond 10 digits the value is outside int32 whatever it is: the 64-bit encoding.
  if (digits > 10) return 9;
  let v = 0;
  for (let q = p; q < end; q++) v = v * 10 + (buf[q] - 0x30);
  return intEncodingSize(negative ? -v : v);
}

/** The encoded size (header and data) of integer `v` in a listpack: 7-, 13-, 16-, 24-, 32- or 64-bit. */
function intEncodingSize(v: number): number {
  if (v >= 0 && v <= 127) return 1;
  if (v >= -4096 && v <= 4095) return 2;
  if (v >= -32768 && v <= 32767) return 3;
  if (v >= -8388608 && v <= 8388607) return 4;
  if (v >= -2147483648 && v <= 2147483647) return 5;
  return 9;
}

/** Bytes integer `v` takes as a listpack entry (encoding and back-length; a stream's counters and IDs). */
export function lpIntSize(v: number): number {
  return intEncodingSize(v) + 1;
}

/** Bytes of the back-length that records an entry of `l` encoded bytes (lpEncodeBacklen). */
function backlenSize(l: number): number {
  return l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
}

/** Bytes the value buf[off..off+len) takes as a listpack entry (lpEncodeGetType + back-length). */
export function lpEntrySize(buf: Uint8Array, off: number, len: number): number {
  let enc = intEncodedSize(buf, off, len);
  if (enc === 0) enc = len < 64 ? 1 + len : len < 4096 ? 2 + len : 5 + len;
  return enc + backlenSize(enc);
}

/** quicklistNodeLimit: a node's byte limit and entry-count limit for `fill` (Infinity: none). */
export function nodeLimit(fill: number): { size: number; count: number } {
  if (fill >= 0) return { size: Infinity, count: fill === 0 ? 1 : fill };
  return { size: SIZE_LIMITS[Math.min(-fill - 1, SIZE_LIMITS.length - 1)], count: Infinity };
}

/**
 * quicklistNodeExceedsLimit: whether a node (or a listpack) of `bytes` bytes and `count` entries is
 * beyond what `fill` allows: the byte limit of a negative fill, or for a count fill its count and
 * the 8 KB safety cap.
 */
export function exceedsLimit(fill: number, bytes: number, count: number): boolean {
  const lim = nodeLimit(fill);
  if (lim.size !== Infinity) return bytes > lim.size;
  return bytes > SAFETY_LIMIT || count > lim.count;
}

/** The fill a new quicklist keeps for list-max-listpack-size `fill` (quicklistSetFill). */
export function clampFill(fill: number): number {
  return fill > FILL_MAX ? FILL_MAX : fill < FILL_MIN ? FILL_MIN : fill;
}
