// Redis 7.0 number parsing/formatting, bit-exact: string2ll (parseInt64/parseSafeInt), string2d (parseDoubleArg), strtod (parseStrtod),
// "%.17g" replies (formatDouble) and x87 80-bit long double INCRBYFLOAT (string2ld + add + ld2string LD_STR_HUMAN).
// Invariants: inputs are raw bytes, never trimmed; integer fast paths allocate nothing; long-double math is exact BigInt.

const CH_0 = 48;
const CH_1 = 49;
const CH_9 = 57;
const CH_MINUS = 45;
const CH_PLUS = 43;
const CH_DOT = 46;

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/**
 * string2ll restricted to |v| <= Number.MAX_SAFE_INTEGER. Returns null when the bytes are not a
 * valid string2ll integer OR the value is outside the safe range (callers then try parseInt64).
 */
export function parseSafeInt(s: Buffer): number | null {
  const len = s.length;
  if (len === 0 || len > 17) return null;
  let i = 0;
  let neg = false;
  let c = s[0];
  if (c === CH_MINUS) {
    if (len === 1) return null;
    neg = true;
    i = 1;
    c = s[1];
  } else if (c === CH_0) {
    return len === 1 ? 0 : null;
  }
  if (c < CH_1 || c > CH_9) return null; // no leading zeros, no "-0"
  if (len - i > 16) return null; // 17 digits can't be safe
  let v = 0;
  for (; i < len; i++) {
    c = s[i];
    if (c < CH_0 || c > CH_9) return null;
    v = v * 10 + (c - CH_0);
  }
  // Up to 15 digits the accumulation is exact; a 16-digit inexact sum is already > MAX_SAFE.
  if (v > Number.MAX_SAFE_INTEGER) return null;
  return neg ? -v : v;
}

/** Redis string2ll: optional '-', no '+', no spaces, no leading zeros, "-0" rejected, int64 range. */
export function parseInt64(s: Buffer): bigint | null {
  const fast = parseSafeInt(s);
  if (fast !== null) return BigInt(fast);
  const len = s.length;
  if (len < 16 || len > 20) return null; // every valid string shorter than 16 bytes is safe
  const start = s[0] === CH_MINUS ? 1 : 0;
  const first = s[start];
  if (first === undefined || first < CH_1 || first > CH_9) return null;
  for (let j = start + 1; j < len; j++) {
    const c = s[j];
    if (c < CH_0 || c > CH_9) return null;
  }
  // Split into two exactly-representable chunks: high digits and the low 9 digits.
  const split = len - 9;
  let hi = 0;
  for (let j = start; j < split; j++) hi = hi * 10 + (s[j] - CH_0);
  let lo = 0;
  for (let j = split; j < len; j++) lo = lo * 10 + (s[j] - CH_0);
  let v = BigInt(hi) * 1000000000n + BigInt(lo);
  if (start === 1) v = -v;
  if (v > INT64_MAX || v < INT64_MIN) return null;
  return v;
}

/** Trivial integer formatting (ll2string). */
export function formatInt(n: number | bigint): string {
  return typeof n === 'bigint' ? n.toString() : String(n);
}

// ---------------------------------------------------------------------------------------------
// strtod/strtold grammar (glibc, C locale), restricted to "whole string consumed" like Redis does.
// ---------------------------------------------------------------------------------------------

const SYN_BAD = 0;
const SYN_DEC = 1; // decimal: digits -> decDigits (significant, no leading zeros), decExp10
const SYN_HEX = 2; // hex float: hexMant, hexExp2
const SYN_INF = 3;
const SYN_ZERO = 4; // all-zero mantissa (exact zero, any exponent)

// Scratch results of scanNumber (module-level to avoid allocating a result object).
let synNeg = false;
let decStart = 0; // index of first significant digit in the buffer
let decEnd = 0; // index after the mantissa (digits + optional '.')
let decDot = -1; // index of '.', or -1
let decExp10 = 0; // explicit exponent (saturated)
let hexStart = 0;
let hexEnd = 0;
let hexDot = -1;
let hexExp2 = 0;

const EXP_SATURATE = 1_000_000_000;

function isHexDigit(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

function hexVal(c: number): number {
  return c <= 57 ? c - 48 : (c | 32) - 87;
}

function lowerAscii(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/** Case-insensitive compare of s[i..] with an ASCII lowercase word; true if all of it matches. */
function matchWord(s: Buffer, i: number, word: string): boolean {
  if (s.length - i !== word.length) return false;
  for (let k = 0; k < word.length; k++) {
    if (lowerAscii(s[i + k]) !== word.charCodeAt(k)) return false;
  }
  return true;
}

/** Parses [+-]?digits? with exponent starting at i; returns index after it or -1 if no digits. */
function scanExponent(s: Buffer, i: number, len: number): number {
  let neg = false;
  let c = s[i];
  if (c === CH_PLUS || c === CH_MINUS) {
    neg = c === CH_MINUS;
    i++;
  }
  const digitsAt = i;
  let e = 0;
  while (i < len) {
    c = s[i];
    if (c < CH_0 || c > CH_9) break;
    if (e < EXP_SATURATE) e = e * 10 + (c - CH_0);
    i++;
  }
  if (i === digitsAt) return -1;
  scannedExp = neg ? -e : e;
  return i;
}
let scannedExp = 0;

/**
 * Classifies the whole buffer as one strtod/strtold number. Anything strtod would stop short of
 * (trailing garbage, "1e", "0x", spaces, NUL bytes, nan) is SYN_BAD since Redis demands full consumption.
 */
function scanNumber(s: Buffer): number {
  const len = s.length;
  let i = 0;
  synNeg = false;
  let c = s[0];
  if (c === CH_PLUS || c === CH_MINUS) {
    synNeg = c === CH_MINUS;
    i = 1;
    if (i === len) return SYN_BAD;
    c = s[1];
  }
  const lc = lowerAscii(c);
  if (lc === 105 /* i */) {
    return matchWord(s, i, 'inf') || matchWord(s, i, 'infinity') ? SYN_INF : SYN_BAD;
  }
  if (lc === 110 /* n */) return SYN_BAD; // nan / nan(...) : always rejected
  if (c === CH_0 && i + 1 < len && (s[i + 1] | 32) === 120 /* x */) {
    // Hex float; "0x" with no hex digits would make strtod stop after "0" -> garbage -> bad.
    let j = i + 2;
    let any = false;
    let nonzero = false;
    hexDot = -1;
    while (j < len && s[j] === CH_0) {
      j++;
      any = true;
    }
    hexStart = j;
    for (; j < len; j++) {
      c = s[j];
      if (isHexDigit(c)) {
        any = true;
        if (c !== CH_0) nonzero = true;
      } else if (c === CH_DOT && hexDot < 0) {
        hexDot = j;
      } else {
        break;
      }
    }
    if (!any) return SYN_BAD;
    hexEnd = j;
    hexExp2 = 0;
    if (j < len) {
      if ((s[j] | 32) !== 112 /* p */) return SYN_BAD;
      const k = scanExponent(s, j + 1, len);
      if (k !== len) return SYN_BAD;
      hexExp2 = scannedExp;
    }
    return nonzero ? SYN_HEX : SYN_ZERO;
  }
  // Decimal.
  let any = false;
  let nonzero = false;
  decDot = -1;
  decStart = -1;
  let j = i;
  for (; j < len; j++) {
    c = s[j];
    if (c >= CH_0 && c <= CH_9) {
      any = true;
      if (c !== CH_0 && decStart < 0) {
        decStart = j;
        nonzero = true;
      }
    } else if (c === CH_DOT && decDot < 0) {
      decDot = j;
    } else {
      break;
    }
  }
  if (!any) return SYN_BAD;
  decEnd = j;
  decExp10 = 0;
  if (j < len) {
    if ((s[j] | 32) !== 101 /* e */) return SYN_BAD;
    const k = scanExponent(s, j + 1, len);
    if (k !== len) return SYN_BAD;
    decExp10 = scannedExp;
  }
  return nonzero ? SYN_DEC : SYN_ZERO;
}

/** Significant decimal digits (from decStart, skipping '.') as a BigInt, plus the power of ten to apply. */
function decimalParts(s: Buffer): { digits: bigint; exp10: number; count: number } {
  let str = '';
  for (let j = decStart; j < decEnd; j++) {
    const c = s[j];
    if (c !== CH_DOT) str += String.fromCharCode(c);
  }
  const fracDigits = decDot >= 0 ? decEnd - decDot - 1 : 0; // includes zeros before decStart
  // Trailing zeros only grow the BigInt; fold them into the exponent.
  let end = str.length;
  while (end > 1 && str.charCodeAt(end - 1) === CH_0) end--;
  return {
    digits: BigInt(end === str.length ? str : str.slice(0, end)),
    exp10: decExp10 - fracDigits + (str.length - end),
    count: end,
  };
}

function hexParts(s: Buffer): { mant: bigint; exp2: number; bits: number } {
  let str = '';
  for (let j = hexStart; j < hexEnd; j++) {
    const c = s[j];
    if (c !== CH_DOT) str += String.fromCharCode(c);
  }
  const fracDigits = hexDot >= 0 ? hexEnd - hexDot - 1 : 0;
  // hexStart skipped leading zeros before the point only; drop any remaining leading zeros.
  let k = 0;
  while (k < str.length - 1 && str.charCodeAt(k) === CH_0) k++;
  if (k > 0) str = str.slice(k);
  const bits = (str.length - 1) * 4 + (32 - Math.clz32(hexVal(str.charCodeAt(0))));
  return { mant: BigInt('0x' + str), exp2: hexExp2 - 4 * fracDigits, bits };
}

// ---------------------------------------------------------------------------------------------
// Exact binary rounding (round-to-nearest, ties-to-even), shared by double and x87 long double.
// ---------------------------------------------------------------------------------------------

function bitLength(x: bigint): number {
  if (x === 0n) return 0;
  const n = Number(x);
  if (n < 2 ** 1000) {
    let b = Math.floor(Math.log2(n)) + 1;
    while (x >> BigInt(b) !== 0n) b++;
    while (b > 1 && x >> BigInt(b - 1) === 0n) b--;
    return b;
  }
  const hex = x.toString(16);
  return (hex.length - 1) * 4 + (32 - Math.clz32(hexVal(hex.charCodeAt(0))));
}

// Result of roundBinary: mantissa (0n = underflowed to zero) and lsb exponent; exp = Infinity on overflow.
let rMant = 0n;
let rExp = 0;

/**
 * Rounds the exact positive value N/D * 2^e2 to a binary format with p-bit mantissa, smallest lsb
 * exponent lsbMin (gradual underflow) and largest finite top-bit exponent emax.
 */
function roundBinary(N: bigint, D: bigint, e2: number, p: number, lsbMin: number, emax: number): void {
  const k = bitLength(N) - bitLength(D) + e2; // floor(log2 v) is k-1 or k
  let L = k - p - 2; // q = floor(v / 2^L) has p+1 or p+2 bits
  if (L < lsbMin) L = lsbMin;
  const sh = e2 - L;
  let q: bigint;
  let r: bigint;
  let den: bigint;
  if (sh >= 0) {
    const num = N << BigInt(sh);
    if (D === 1n) {
      q = num;
      r = 0n;
    } else {
      q = num / D;
      r = num - q * D;
    }
    den = D;
  } else {
    den = D << BigInt(-sh);
    q = N / den;
    r = N - q * den;
  }
  const extra = bitLength(q) - p;
  if (extra > 0) {
    const eb = BigInt(extra);
    const low = q & ((1n << eb) - 1n);
    q >>= eb;
    L += extra;
    const half = 1n << (eb - 1n);
    if (low > half || (low === half && (r !== 0n || (q & 1n) === 1n))) q += 1n;
  } else {
    const twice = r << 1n;
    if (twice > den || (twice === den && (q & 1n) === 1n)) q += 1n;
  }
  if (q >> BigInt(p) !== 0n) {
    q >>= 1n;
    L += 1;
  }
  rMant = q;
  rExp = q !== 0n && bitLength(q) + L - 1 > emax ? Infinity : L;
}

// IEEE binary64.
const DBL_P = 53;
const DBL_LSB_MIN = -1074;
const DBL_EMAX = 1023;
// x87 80-bit extended: explicit 64-bit mantissa, min normal 2^-16382, denormal lsb 2^-16445.
const LD_P = 64;
const LD_LSB_MIN = -16445;
const LD_EMAX = 16383;
const LD_MAX_CHARS = 5120; // MAX_LONG_DOUBLE_CHARS

// ---------------------------------------------------------------------------------------------
// double: string2d / getDoubleFromObject
// ---------------------------------------------------------------------------------------------

/**
 * Redis string2d (strtod + full consumption): accepts "1e5", ".5", "5.", "+1", "inf", "-Infinity",
 * hex floats "0x1p3"; rejects empty, leading space, trailing garbage, nan, overflow, underflow to 0.
 */
export function parseDoubleArg(s: Buffer): number | null {
  const si = parseSafeInt(s);
  if (si !== null) return si;
  const v = strtodWhole(s);
  return strtodErange ? null : v;
}

/**
 * glibc strtod over the whole buffer with ERANGE ignored: overflow gives +-inf, underflow +-0 or a
 * denormal (what Redis's zslParseRange accepts after an optional "("; leading spaces and a NUL
 * terminator are the caller's to handle). null when the bytes are not one complete number, or a NaN.
 */
export function parseStrtod(s: Buffer): number | null {
  const si = parseSafeInt(s);
  if (si !== null) return si;
  return strtodWhole(s);
}

/** Set by strtodWhole: the literal overflowed to +-inf or underflowed to 0 (strtod's ERANGE cases string2d rejects). */
let strtodErange = false;

/** strtod of the whole buffer (null: not one complete number, or NaN); sets strtodErange. */
function strtodWhole(s: Buffer): number | null {
  strtodErange = false;
  if (s.length === 0) return null;
  switch (scanNumber(s)) {
    case SYN_DEC: {
      // Grammar validated to a strict decimal literal, so JS's correctly rounded parse agrees with glibc.
      const v = Number(s.toString('latin1'));
      strtodErange = v === 0 || v === Infinity || v === -Infinity;
      return v;
    }
    case SYN_ZERO:
      return synNeg ? -0 : 0;
    case SYN_INF:
      return synNeg ? -Infinity : Infinity;
    case SYN_HEX: {
      const h = hexParts(s);
      const top = h.bits + h.exp2; // value in [2^(top-1), 2^top)
      let v: number;
      if (top > DBL_EMAX + 1) v = Infinity;
      else if (top < DBL_LSB_MIN - 1) v = 0;
      else {
        roundBinary(h.mant, 1n, h.exp2, DBL_P, DBL_LSB_MIN, DBL_EMAX);
        if (rExp === Infinity) v = Infinity;
        else if (rMant === 0n) v = 0;
        else {
          // Exact: the mantissa fits in 53 bits and the result is representable.
          const h1 = Math.trunc(rExp / 2);
          v = Number(rMant) * 2 ** h1 * 2 ** (rExp - h1);
        }
      }
      strtodErange = v === 0 || v === Infinity;
      return synNeg ? -v : v;
    }
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------------------------
// double -> "%.17g" (addReplyDouble in 7.0; d2string gives the same text for finite values)
// ---------------------------------------------------------------------------------------------

const POW10_17 = 10n ** 17n;
const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer); // little-endian host: U32[1] holds sign/exponent
const POW10_16 = 10n ** 16n;

/** Exact 17 significant digits of |d| (finite, nonzero), round-half-even like glibc. */
function exactDigits17(d: number): { digits: string; exp10: number } {
  const a = Math.abs(d);
  // Decompose a = M * 2^e exactly from the IEEE bits.
  F64[0] = a;
  const hi = U32[1];
  const lo = U32[0];
  const biased = (hi >>> 20) & 0x7ff;
  const frac = (hi & 0xfffff) * 4294967296 + lo;
  const M = BigInt(biased === 0 ? frac : frac + 4503599627370496);
  const e = biased === 0 ? -1074 : biased - 1075;
  let N: bigint;
  let D: bigint;
  if (e >= 0) {
    N = M << BigInt(e);
    D = 1n;
  } else {
    N = M;
    D = 1n << BigInt(-e);
  }
  let x = Math.floor(Math.log10(a)); // decimal exponent estimate, may be off by one
  for (;;) {
    // q = N * 10^(16 - x) / D
    const sh = 16 - x;
    let num = N;
    let den = D;
    if (sh >= 0) num = N * 10n ** BigInt(sh);
    else den = D * 10n ** BigInt(-sh);
    let q = num / den;
    if (q >= POW10_17) {
      x++;
      continue;
    }
    if (q < POW10_16) {
      x--;
      continue;
    }
    const r2 = (num - q * den) * 2n;
    if (r2 > den || (r2 === den && (q & 1n) === 1n)) q += 1n;
    if (q === POW10_17) {
      q = POW10_16;
      x++;
    }
    return { digits: q.toString(), exp10: x };
  }
}

/** Assemble %.17g from 17 significant digits and the decimal exponent. */
function gFormat(neg: boolean, digits: string, x: number): string {
  let end = digits.length;
  while (end > 1 && digits.charCodeAt(end - 1) === CH_0) end--;
  const sig = digits.slice(0, end);
  let out: string;
  if (x < -4 || x >= 17) {
    out = sig.length > 1 ? sig[0] + '.' + sig.slice(1) : sig;
    const ax = x < 0 ? -x : x;
    out += (x < 0 ? 'e-' : 'e+') + (ax < 10 ? '0' + ax : String(ax));
  } else if (x < 0) {
    out = '0.' + '0'.repeat(-x - 1) + sig;
  } else if (sig.length > x + 1) {
    out = sig.slice(0, x + 1) + '.' + sig.slice(x + 1);
  } else {
    out = sig + '0'.repeat(x + 1 - sig.length);
  }
  return neg ? '-' + out : out;
}

/** Redis 7.0 double reply text: "%.17g" with "inf"/"-inf"/"nan"; -0 prints "-0". */
export function formatDouble(d: number): string {
  if (Number.isInteger(d) && d < 9007199254740992 && d > -9007199254740992) {
    if (d === 0) return Object.is(d, -0) ? '-0' : '0';
    return String(d);
  }
  if (d !== d) return 'nan';
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  // V8's toExponential is exact but rounds ties half-up; glibc rounds ties half-even. Only an
  // 18th digit of exactly '5' can hide a tie, so settle that case exactly with BigInt.
  const s18 = d.toExponential(17);
  const neg = d < 0;
  const o = neg ? 1 : 0; // mantissa "d.ddddddddddddddddd" starts at o, 19 chars long
  const d18 = s18.charCodeAt(o + 18);
  if (d18 === 53 /* '5' */) {
    const ex = exactDigits17(d);
    return gFormat(neg, ex.digits, ex.exp10);
  }
  let digits: string;
  let x: number;
  if (d18 < 53) {
    digits = s18[o] + s18.slice(o + 2, o + 18);
    x = Number(s18.slice(o + 20));
  } else {
    const s17 = d.toExponential(16);
    digits = s17[o] + s17.slice(o + 2, o + 18);
    x = Number(s17.slice(o + 19));
  }
  return gFormat(neg, digits, x);
}

// ---------------------------------------------------------------------------------------------
// x87 long double: string2ld, addition, ld2string(LD_STR_HUMAN) — INCRBYFLOAT / HINCRBYFLOAT
// ---------------------------------------------------------------------------------------------

/** An 80-bit long double value: finite = (-1)^neg * mant * 2^exp with 0 <= mant < 2^64. */
export type LongDouble = {
  readonly kind: 'finite' | 'inf' | 'nan';
  readonly neg: boolean;
  readonly mant: bigint;
  readonly exp: number;
};

const LD_ZERO: LongDouble = { kind: 'finite', neg: false, mant: 0n, exp: 0 };
const LD_NEG_ZERO: LongDouble = { kind: 'finite', neg: true, mant: 0n, exp: 0 };
const LD_NAN: LongDouble = { kind: 'nan', neg: false, mant: 0n, exp: 0 };
const LD_INF: LongDouble = { kind: 'inf', neg: false, mant: 0n, exp: 0 };
const LD_NEG_INF: LongDouble = { kind: 'inf', neg: true, mant: 0n, exp: 0 };

function ldFinite(neg: boolean, mant: bigint, exp: number): LongDouble {
  return { kind: 'finite', neg, mant, exp };
}

/**
 * Redis string2ld (strtold + full consumption): like parseDoubleArg but 64-bit precision, huge range,
 * and also rejects length >= 5120. "inf" parses (callers then hit the NaN/Infinity error). null = invalid.
 */
export function parseLongDouble(s: Buffer): LongDouble | null {
  const len = s.length;
  if (len === 0 || len >= LD_MAX_CHARS) return null;
  const si = parseSafeInt(s);
  if (si !== null) {
    if (si === 0) return LD_ZERO;
    const neg = si < 0;
    return ldFinite(neg, BigInt(neg ? -si : si), 0); // exact (< 2^53), no normalisation needed
  }
  const kind = scanNumber(s);
  switch (kind) {
    case SYN_ZERO:
      return synNeg ? LD_NEG_ZERO : LD_ZERO;
    case SYN_INF:
      return synNeg ? LD_NEG_INF : LD_INF;
    case SYN_DEC: {
      const p = decimalParts(s);
      const mag10 = p.exp10 + p.count; // value in [10^(mag10-1), 10^mag10)
      if (mag10 >= 4934) return null; // >= 1e4933 > LDBL_MAX: ERANGE
      if (mag10 <= -4951) return null; // < 1e-4951 < half the smallest denormal: ERANGE to 0
      if (p.exp10 >= 0) roundBinary(p.digits * 10n ** BigInt(p.exp10), 1n, 0, LD_P, LD_LSB_MIN, LD_EMAX);
      else roundBinary(p.digits, 10n ** BigInt(-p.exp10), 0, LD_P, LD_LSB_MIN, LD_EMAX);
      break;
    }
    case SYN_HEX: {
      const h = hexParts(s);
      const top = h.bits + h.exp2;
      if (top > LD_EMAX + 1) return null;
      if (top < LD_LSB_MIN - 1) return null;
      roundBinary(h.mant, 1n, h.exp2, LD_P, LD_LSB_MIN, LD_EMAX);
      break;
    }
    default:
      return null;
  }
  if (rMant === 0n || rExp === Infinity) return null; // ERANGE underflow / overflow
  return ldFinite(synNeg, rMant, rExp);
}

/** Long double addition in round-to-nearest-even, as the x87 FPU does it (extended precision). */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble {
  if (a.kind === 'nan' || b.kind === 'nan') return LD_NAN;
  if (a.kind === 'inf') return b.kind === 'inf' && b.neg !== a.neg ? LD_NAN : a;
  if (b.kind === 'inf') return b;
  if (a.mant === 0n) {
    if (b.mant === 0n) return a.neg && b.neg ? LD_NEG_ZERO : LD_ZERO;
    return b;
  }
  if (b.mant === 0n) return a;
  const topA = bitLength(a.mant) + a.exp;
  const topB = bitLength(b.mant) + b.exp;
  // A far smaller operand is below a quarter ulp of the larger one (even at a binade edge): no effect.
  if (topA - topB > 2 * LD_P) return a;
  if (topB - topA > 2 * LD_P) return b;
  const e = a.exp < b.exp ? a.exp : b.exp;
  const ma = a.mant << BigInt(a.exp - e);
  const mb = b.mant << BigInt(b.exp - e);
  let sum = (a.neg ? -ma : ma) + (b.neg ? -mb : mb);
  if (sum === 0n) return LD_ZERO; // x + (-x) = +0 in round-to-nearest
  const neg = sum < 0n;
  if (neg) sum = -sum;
  roundBinary(sum, 1n, e, LD_P, LD_LSB_MIN, LD_EMAX);
  if (rExp === Infinity) return neg ? LD_NEG_INF : LD_INF;
  return ldFinite(neg, rMant, rExp); // a nonzero sum of grid values cannot underflow to 0
}

/** x * k for a positive integer k, rounded to long double (round-to-nearest-even) as the x87 FPU does. */
export function mulLongDouble(x: LongDouble, k: bigint): LongDouble {
  if (x.kind !== 'finite' || x.mant === 0n) return x;
  roundBinary(x.mant * k, 1n, x.exp, LD_P, LD_LSB_MIN, LD_EMAX);
  if (rExp === Infinity) return x.neg ? LD_NEG_INF : LD_INF;
  return ldFinite(x.neg, rMant, rExp);
}

/**
 * C's `(long long) ceill(x)` on x86-64: the integer above x, or INT64_MIN when it does not fit a long
 * long or x is not finite (the conversion's "integer indefinite" result).
 */
export function ceilToLongLong(x: LongDouble): bigint {
  if (x.kind !== 'finite') return INT64_MIN;
  let v: bigint;
  if (x.exp >= 0) v = x.mant << BigInt(x.exp);
  else {
    const sh = BigInt(-x.exp);
    const q = x.mant >> sh;
    // ceil(m) = floor(m) + 1 with a fraction; ceil(-m) = -floor(m).
    v = !x.neg && q << sh !== x.mant ? q + 1n : q;
  }
  if (x.neg) v = -v;
  return v > INT64_MAX || v < INT64_MIN ? INT64_MIN : v;
}

/**
 * ld2string(LD_STR_HUMAN): snprintf("%.17Lf") (exact value, round-half-even), strip trailing zeros
 * after '.', then a trailing '.', and "-0" becomes "0". Infinities print "inf"/"-inf".
 */
export function formatLongDouble(x: LongDouble): string {
  if (x.kind === 'inf') return x.neg ? '-inf' : 'inf';
  if (x.kind === 'nan') return x.neg ? '-nan' : 'nan';
  let intPart: bigint;
  let frac = 0n;
  if (x.exp >= 0) {
    intPart = x.mant << BigInt(x.exp);
  } else {
    const sh = BigInt(-x.exp);
    const scaled = x.mant * POW10_17;
    let q = scaled >> sh;
    const rem = scaled - (q << sh);
    const half = 1n << (sh - 1n);
    if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
    intPart = q / POW10_17;
    frac = q - intPart * POW10_17;
  }
  let s = intPart.toString();
  if (frac !== 0n) {
    const f = frac.toString().padStart(17, '0');
    let end = 17;
    while (f.charCodeAt(end - 1) === CH_0) end--;
    s += '.' + f.slice(0, end);
  }
  if (x.neg && s !== '0') s = '-' + s;
  return s;
}

export type IncrByFloatResult = { ok: true; value: string } | { ok: false; error: 'notfloat' | 'nan' };

const NOT_FLOAT: IncrByFloatResult = { ok: false, error: 'notfloat' };
const NAN_OR_INF: IncrByFloatResult = { ok: false, error: 'nan' };

/**
 * INCRBYFLOAT core. current === null means the key is missing (0). 'notfloat' -> "ERR value is not a
 * valid float"; 'nan' -> "ERR increment would produce NaN or Infinity".
 */
export function incrByFloat(current: Buffer | null, incr: Buffer): IncrByFloatResult {
  // Fast path: both safe integers and the exact sum stays safe -> long double gives the same integer.
  const bi = parseSafeInt(incr);
  if (bi !== null) {
    const ai = current === null ? 0 : parseSafeInt(current);
    if (ai !== null) {
      const sum = ai + bi;
      if (sum <= Number.MAX_SAFE_INTEGER && sum >= -Number.MAX_SAFE_INTEGER) {
        return { ok: true, value: String(sum) };
      }
    }
  }
  const a = current === null ? LD_ZERO : parseLongDouble(current);
  if (a === null) return NOT_FLOAT;
  const b = parseLongDouble(incr);
  if (b === null) return NOT_FLOAT;
  const sum = addLongDouble(a, b);
  if (sum.kind !== 'finite') return NAN_OR_INF;
  return { ok: true, value: formatLongDouble(sum) };
}

/** A double as the long double C widens it to (exactly). */
export function longDoubleOf(d: number): LongDouble {
  if (d !== d) return LD_NAN;
  if (d === Infinity) return LD_INF;
  if (d === -Infinity) return LD_NEG_INF;
  if (d === 0) return Object.is(d, -0) ? LD_NEG_ZERO : LD_ZERO;
  F64[0] = d;
  const bits = U64[0];
  const e = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & 0xfffffffffffffn;
  return ldFinite(d < 0, e === 0 ? frac : frac | (1n << 52n), e === 0 ? -1074 : e - 1075);
}

const U64 = new BigUint64Array(F64.buffer);

/**
 * printf("%.<digits>f") of a double as glibc prints it: the exact value rounded half-even at `digits`
 * fractional digits ("inf", "-inf" for infinities). digits <= 40.
 */
export function printfFixed(d: number, digits: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (d !== d) return d < 0 ? '-nan' : 'nan';
  const neg = d < 0 || Object.is(d, -0);
  const a = Math.abs(d);
  let s: string;
  if (a >= 1e21) {
    s = BigInt(a).toString() + (digits > 0 ? '.' + '0'.repeat(digits) : '');
  } else {
    // toFixed rounds exactly but a tie away from zero; glibc rounds a tie to even.
    s = a.toFixed(digits);
    const long = a.toFixed(digits + 60);
    const dot = long.indexOf('.');
    const end = digits > 0 ? dot + 1 + digits : dot;
    if (/^50*$/.test(long.slice(dot + 1 + digits)) && (long.charCodeAt(digits > 0 ? end - 1 : dot - 1) - CH_0) % 2 === 0) s = long.slice(0, end);
  }
  return neg ? '-' + s : s;
}
