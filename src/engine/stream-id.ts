// StreamId: a stream entry ID, Redis's exact uint64 `ms-seq` pair, kept as four uint32 halves (no
// BigInt on the hot path), with Redis 7.0's parsers (streamGenericParseIDOrReply, string2ull), the
// range-bound forms (`-`, `+`, `(` exclusive), formatting, comparison and increment/decrement.
// Invariants: every half is an integer in [0, 2^32); a StreamId is never changed after it is made
// (incr/decr return new ones); compare() orders by ms, then seq, as unsigned 64-bit numbers.

const TWO32 = 4294967296;
/** Below this a half-pair hi*2^32+lo is exact as a double. */
const EXACT_HI = 0x200000;

export class StreamId {
  readonly msHi: number;
  readonly msLo: number;
  readonly seqHi: number;
  readonly seqLo: number;

  constructor(msHi: number, msLo: number, seqHi: number, seqLo: number) {
    this.msHi = msHi;
    this.msLo = msLo;
    this.seqHi = seqHi;
    this.seqLo = seqLo;
  }

  /** An ID from ms and seq given as exact JS integers (each below 2^53). */
  static of(ms: number, seq: number): StreamId {
    return new StreamId(Math.floor(ms / TWO32), ms % TWO32, Math.floor(seq / TWO32), seq % TWO32);
  }

  static fromBig(ms: bigint, seq: bigint): StreamId {
    return new StreamId(Number(ms >> 32n), Number(ms & 0xffffffffn), Number(seq >> 32n), Number(seq & 0xffffffffn));
  }

  get msBig(): bigint {
    return (BigInt(this.msHi) << 32n) | BigInt(this.msLo);
  }

  get seqBig(): bigint {
    return (BigInt(this.seqHi) << 32n) | BigInt(this.seqLo);
  }

  /** ms as a JS number (exact below 2^53, rounded above). */
  get msNumber(): number {
    return this.msHi * TWO32 + this.msLo;
  }

  get seqNumber(): number {
    return this.seqHi * TWO32 + this.seqLo;
  }

  isZero(): boolean {
    return (this.msHi | this.msLo | this.seqHi | this.seqLo) === 0;
  }

  isMax(): boolean {
    return this.msHi === 0xffffffff && this.msLo === 0xffffffff && this.seqHi === 0xffffffff && this.seqLo === 0xffffffff;
  }

  equals(o: StreamId): boolean {
    return this.msLo === o.msLo && this.seqLo === o.seqLo && this.msHi === o.msHi && this.seqHi === o.seqHi;
  }

  /** The text form `ms-seq`. */
  toString(): string {
    return u64Text(this.msHi, this.msLo) + '-' + u64Text(this.seqHi, this.seqLo);
  }

  /** The next ID (streamIncrID), or null after the last possible one. */
  incr(): StreamId | null {
    if (this.seqLo !== 0xffffffff) return new StreamId(this.msHi, this.msLo, this.seqHi, this.seqLo + 1);
    if (this.seqHi !== 0xffffffff) return new StreamId(this.msHi, this.msLo, this.seqHi + 1, 0);
    if (this.msLo !== 0xffffffff) return new StreamId(this.msHi, this.msLo + 1, 0, 0);
    if (this.msHi !== 0xffffffff) return new StreamId(this.msHi + 1, 0, 0, 0);
    return null;
  }

  /** The previous ID (streamDecrID), or null before 0-0. */
  decr(): StreamId | null {
    if (this.seqLo !== 0) return new StreamId(this.msHi, this.msLo, this.seqHi, this.seqLo - 1);
    if (this.seqHi !== 0) return new StreamId(this.msHi, this.msLo, this.seqHi - 1, 0xffffffff);
    if (this.msLo !== 0) return new StreamId(this.msHi, this.msLo - 1, 0xffffffff, 0xffffffff);
    if (this.msHi !== 0) return new StreamId(this.msHi - 1, 0xffffffff, 0xffffffff, 0xffffffff);
    return null;
  }
}

export const MIN_ID = new StreamId(0, 0, 0, 0);
export const MAX_ID = new StreamId(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff);

/** <0, 0, >0 as a is before, equal to, after b. */
export function compareIds(a: StreamId, b: StreamId): number {
  if (a.msHi !== b.msHi) return a.msHi - b.msHi;
  if (a.msLo !== b.msLo) return a.msLo - b.msLo;
  if (a.seqHi !== b.seqHi) return a.seqHi - b.seqHi;
  return a.seqLo - b.seqLo;
}

/** Decimal text of the uint64 hi*2^32+lo. */
export function u64Text(hi: number, lo: number): string {
  if (hi < EXACT_HI) return String(hi * TWO32 + lo);
  return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
}

/** The error every malformed ID gets. */
export const ERR_INVALID_ID = 'ERR Invalid stream ID specified as stream command argument';

/** A uint64 as halves; parseU64 writes here (no allocation per parse). */
const u64 = { hi: 0, lo: 0 };

function isCSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/**
 * Redis's string2ull on buf[from..to) (a C string: it ends at the first NUL): string2ll's strict
 * form (non-negative), else strtoull's (leading spaces, a sign — a '-' negates modulo 2^64 —, leading
 * zeros; overflow fails). The result is in `u64`; false if invalid.
 */
function parseU64(buf: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (buf[i] === 0) { to = i; break; }
  let p = from;
  while (p < to && isCSpace(buf[p])) p++;
  let negative = false;
  if (p < to && (buf[p] === 0x2b || buf[p] === 0x2d)) {
    negative = buf[p] === 0x2d;
    p++;
  }
  if (p >= to) return false;
  // A strict negative integer ("-5": string2ll accepts it) is refused; only strtoull's forms wrap.
  const strictNegative = negative && p === from + 1 && buf[p] >= 0x31 && buf[p] <= 0x39 && strictInt64(buf, from, to);
  if (strictNegative) return false;
  let hi = 0;
  let lo = 0;
  for (let q = p; q < to; q++) {
    const d = buf[q] - 0x30;
    if (d < 0 || d > 9) return false;
    // (hi, lo) = (hi, lo) * 10 + d, failing past 2^64-1.
    const loTimes = lo * 10 + d;
    const carry = Math.floor(loTimes / TWO32);
    hi = hi * 10 + carry;
    lo = loTimes - carry * TWO32;
    if (hi >= TWO32) return false;
  }
  if (negative && (hi | lo) !== 0) {
    // 2^64 - v
    lo = TWO32 - lo;
    hi = TWO32 - 1 - hi;
    if (lo === TWO32) {
      lo = 0;
      hi += 1;
      if (hi === TWO32) hi = 0;
    }
  }
  u64.hi = hi;
  u64.lo = lo;
  return true;
}

/** string2ll's acceptance: '-'? then a non-zero digit then digits, within int64 (here: ≤ 19 digits and in range). */
function strictInt64(buf: Uint8Array, from: number, to: number): boolean {
  let p = from;
  if (buf[p] === 0x2d) p++;
  const digits = to - p;
  if (digits < 1 || digits > 19 || buf[p] === 0x30) return false;
  for (let q = p; q < to; q++) if (buf[q] < 0x30 || buf[q] > 0x39) return false;
  if (digits < 19) return true;
  const limit = buf[from] === 0x2d ? '9223372036854775808' : '9223372036854775807';
  for (let i = 0; i < 19; i++) {
    const d = buf[p + i];
    const l = limit.charCodeAt(i);
    if (d !== l) return d < l;
  }
  return true;
}

/** What parseId found beyond the ID: whether `ms-*` left the sequence to generate. */
export interface ParsedId {
  id: StreamId;
  /** False for the `ms-*` form (seq to be generated); true otherwise. */
  seqGiven: boolean;
}

/**
 * Redis's streamGenericParseIDOrReply: `-`, `+` (refused when `strict`), `ms-seq`, `ms` (seq =
 * missingSeq: 0 or UINT64_MAX), and `ms-*` when `allowSeqStar`. Returns null for an invalid ID (the
 * caller answers ERR_INVALID_ID).
 */
export function parseId(arg: Uint8Array, missingSeqMax: boolean, strict: boolean, allowSeqStar = false): ParsedId | null {
  const n = arg.length;
  if (n > 127) return null;
  // Redis copies into a C string: an embedded NUL ends it.
  let len = n;
  for (let i = 0; i < n; i++) if (arg[i] === 0) { len = i; break; }
  if (len === 1 && (arg[0] === 0x2d || arg[0] === 0x2b)) {
    if (strict) return null;
    return { id: arg[0] === 0x2d ? MIN_ID : MAX_ID, seqGiven: true };
  }
  let dash = -1;
  for (let i = 0; i < len; i++) if (arg[i] === 0x2d) { dash = i; break; }
  if (!parseU64(arg, 0, dash < 0 ? len : dash)) return null;
  const msHi = u64.hi;
  const msLo = u64.lo;
  if (dash < 0) {
    return { id: missingSeqMax ? new StreamId(msHi, msLo, 0xffffffff, 0xffffffff) : new StreamId(msHi, msLo, 0, 0), seqGiven: true };
  }
  if (allowSeqStar && len - dash - 1 === 1 && arg[dash + 1] === 0x2a) return { id: new StreamId(msHi, msLo, 0, 0), seqGiven: false };
  if (!parseU64(arg, dash + 1, len)) return null;
  return { id: new StreamId(msHi, msLo, u64.hi, u64.lo), seqGiven: true };
}

/** A range bound: the inclusive ID it stands for, or null when invalid (the caller's error text). */
export interface RangeBound {
  /** The ID, already moved past an exclusive bound; null: invalid ID text. */
  id: StreamId | null;
  /** An exclusive bound that cannot move (`(` of the last/first possible ID). */
  overflow: boolean;
}

/**
 * A range bound of XRANGE/XREVRANGE/XPENDING (streamParseIntervalIDOrReply plus the incr/decr the
 * callers apply): `(id` is exclusive (strict: `(-`/`(+` invalid); an incomplete start takes seq 0 and an
 * incomplete end UINT64_MAX. `isStart` moves an exclusive bound up, an end bound down; when that is
 * impossible `overflow` is set ('invalid start ID for the interval' / 'invalid end ID ...').
 */
export function parseRangeBound(arg: Uint8Array, isStart: boolean): RangeBound {
  const exclusive = arg.length > 1 && arg[0] === 0x28;
  const p = exclusive ? parseId(arg.subarray(1), !isStart, true) : parseId(arg, !isStart, false);
  if (p === null) return { id: null, overflow: false };
  if (!exclusive) return { id: p.id, overflow: false };
  const moved = isStart ? p.id.incr() : p.id.decr();
  return moved === null ? { id: null, overflow: true } : { id: moved, overflow: false };
}
