// Correctly rounded sin, cos and asin for doubles, through double-double arithmetic (~106 bits):
// what glibc's libm returns for nearly every argument (its results are the correctly rounded ones but
// for a few in a thousand), where V8's fdlibm-based Math.sin/cos/asin differ in the last bit for a few
// per cent. Used where Redis's last bit is visible (stored geo distances), not on hot paths (~1 µs).
// Invariants: arguments of sin/cos are reduced by pi/2 held in three parts (exact for |x| < 2^20,
// beyond which the functions fall back to Math); the result is the double nearest the double-double
// value, whose error is far below half an ulp; nothing is allocated per call.

// Double-double results are returned through these two registers (a typed array: unboxed stores).
const R = new Float64Array(2);

const SPLITTER = 134217729; // 2^27 + 1

/** a + b exactly as R[0] + R[1]. */
function twoSum(a: number, b: number): void {
  const s = a + b;
  const bb = s - a;
  R[1] = a - (s - bb) + (b - bb);
  R[0] = s;
}

/** a * b exactly as R[0] + R[1] (Dekker). */
function twoProd(a: number, b: number): void {
  const p = a * b;
  let c = SPLITTER * a;
  const ah = c - (c - a);
  const al = a - ah;
  c = SPLITTER * b;
  const bh = c - (c - b);
  const bl = b - bh;
  R[1] = ah * bh - p + ah * bl + al * bh + al * bl;
  R[0] = p;
}

/** (ah + al) * (bh + bl) into R[0] + R[1]. */
function ddMul(ah: number, al: number, bh: number, bl: number): void {
  twoProd(ah, bh);
  const ph = R[0];
  const pl = R[1] + (ah * bl + al * bh);
  twoSum(ph, pl);
}

/** (ah + al) + (bh + bl) into R[0] + R[1]. */
function ddAdd(ah: number, al: number, bh: number, bl: number): void {
  twoSum(ah, bh);
  const sh = R[0];
  const sl = R[1];
  twoSum(al, bl);
  const th = R[0];
  const tl = R[1];
  twoSum(sh, sl + th);
  twoSum(R[0], R[1] + tl);
}

/**
 * (ah + al) + (bh + bl) into R[0] + R[1] without the low parts' own error term: accurate to ~2^-104 when
 * the sum does not cancel (the Taylor steps: |b| > |a|, same sign or a much smaller).
 */
function ddAddNoCancel(ah: number, al: number, bh: number, bl: number): void {
  twoSum(ah, bh);
  const e = R[1] + (al + bl);
  const s = R[0] + e;
  R[1] = e - (s - R[0]);
  R[0] = s;
}

/** (ah + al) / n for a small integer n, into R[0] + R[1]. */
function ddDivSmall(ah: number, al: number, n: number): void {
  const q1 = ah / n;
  twoProd(q1, n);
  const rh = ah - R[0];
  const r = rh - R[1] + al;
  const q2 = r / n;
  twoSum(q1, q2);
}

// 1/n! as double-doubles, n = 0..40.
const INV_FACT_H: number[] = [1];
const INV_FACT_L: number[] = [0];
for (let n = 1; n <= 40; n++) {
  ddDivSmall(INV_FACT_H[n - 1], INV_FACT_L[n - 1], n);
  INV_FACT_H.push(R[0]);
  INV_FACT_L.push(R[1]);
}

/** Taylor terms from this one on are summed in doubles (see taylor). */
const DD_TERMS = 8;

// pi/2 in three parts.
const PIO2_1 = 1.5707963267948966;
const PIO2_2 = 6.123233995736766e-17;
const PIO2_3 = -1.4973849048591698e-33;

/**
 * sin (odd = true) or cos of the double-double r (|r| <= pi/4 or a little more) by its Taylor series,
 * into R[0] + R[1].
 */
function taylor(rh: number, rl: number, odd: boolean): void {
  ddMul(rh, rl, rh, rl);
  const r2h = R[0];
  const r2l = R[1];
  // Horner from the last term: sum_k (-1)^k r^(2k) / (2k + o)!, o = 1 (sin) or 0 (cos), with as many
  // terms as bring the next one under 2^-110 of the sum (at most 17: |r| <= pi/4 + a little).
  const o = odd ? 1 : 0;
  let terms = 1;
  for (let t = 1; terms < 17; terms++) {
    t *= r2h / ((2 * terms + o - 1) * (2 * terms + o));
    if (t < 7.7e-34) break;
  }
  // The terms from DD_TERMS on are below 2^-55 of the sum: summed in plain doubles, their rounding
  // errors stay under 2^-105 of it.
  let k = terms;
  let t = 0;
  for (; k >= DD_TERMS; k--) t = t * r2h + (k % 2 === 0 ? INV_FACT_H[2 * k + o] : -INV_FACT_H[2 * k + o]);
  let sh = t;
  let sl = 0;
  if (k === terms) {
    sh = k % 2 === 0 ? INV_FACT_H[2 * k + o] : -INV_FACT_H[2 * k + o];
    sl = k % 2 === 0 ? INV_FACT_L[2 * k + o] : -INV_FACT_L[2 * k + o];
    k--;
  }
  for (; k >= 0; k--) {
    ddMul(sh, sl, r2h, r2l);
    const ph = R[0];
    const pl = R[1];
    const sign = k % 2 === 0 ? 1 : -1;
    ddAddNoCancel(ph, pl, sign * INV_FACT_H[2 * k + o], sign * INV_FACT_L[2 * k + o]);
    sh = R[0];
    sl = R[1];
  }
  if (odd) ddMul(sh, sl, rh, rl);
  else {
    R[0] = sh;
    R[1] = sl;
  }
}

/** sin (quadrantShift 0) or cos (quadrantShift 1) of x, correctly rounded. */
function sinCos(x: number, quadrantShift: number): number {
  if (x !== x || x === Infinity || x === -Infinity) return NaN;
  if (Math.abs(x) >= 1048576) return quadrantShift === 0 ? Math.sin(x) : Math.cos(x);
  if (x === 0) return quadrantShift === 0 ? x : 1; // keeps sin(-0) = -0
  const k = Math.round(x / PIO2_1);
  // r = x - k pi/2 in double-double (each k * part taken exactly).
  twoProd(k, PIO2_1);
  const a1 = R[0];
  const a1l = R[1];
  twoSum(x, -a1);
  let rh = R[0];
  let rl = R[1] - a1l;
  twoProd(k, PIO2_2);
  const b1 = R[0];
  const b1l = R[1];
  ddAdd(rh, rl, -b1, -b1l);
  rh = R[0];
  rl = R[1] - k * PIO2_3;
  twoSum(rh, rl);
  rh = R[0];
  rl = R[1];
  const q = (((k + quadrantShift) % 4) + 4) % 4;
  taylor(rh, rl, q % 2 === 0);
  const v = R[0] + R[1];
  return q >= 2 ? -v : v;
}

/** sin(x), correctly rounded (but for arguments beyond 2^20: Math.sin). */
export function crSin(x: number): number {
  return sinCos(x, 0);
}

/** cos(x), correctly rounded (but for arguments beyond 2^20: Math.cos). */
export function crCos(x: number): number {
  return sinCos(x, 1);
}

/** asin(x), correctly rounded: one Newton step from Math.asin with sin in double-double. */
export function crAsin(x: number): number {
  if (!(x >= -1 && x <= 1)) return NaN;
  if (x === 0) return x;
  if (x === 1) return PIO2_1;
  if (x === -1) return -PIO2_1;
  const y0 = Math.asin(x);
  // s = sin(y0), c = cos(y0) as double-doubles.
  const k = Math.round(y0 / PIO2_1);
  if (k !== 0) {
    // |y0| > pi/4: reduce as sinCos does.
    twoProd(k, PIO2_1);
    const a1 = R[0];
    const a1l = R[1];
    twoSum(y0, -a1);
    let rh = R[0];
    let rl = R[1] - a1l;
    twoProd(k, PIO2_2);
    ddAdd(rh, rl, -R[0], -R[1]);
    rh = R[0];
    rl = R[1] - k * PIO2_3;
    twoSum(rh, rl);
    rh = R[0];
    rl = R[1];
    const q = ((k % 4) + 4) % 4;
    taylor(rh, rl, q % 2 === 0);
    const sh = q >= 2 ? -R[0] : R[0];
    const sl = q >= 2 ? -R[1] : R[1];
    return newton(x, y0, sh, sl, Math.cos(y0));
  }
  taylor(y0, 0, true);
  return newton(x, y0, R[0], R[1], Math.cos(y0));
}

/** y0 + (x - s) / c, rounded once (c, the derivative, is needed to a double's precision only). */
function newton(x: number, y0: number, sh: number, sl: number, ch: number): number {
  twoSum(x, -sh);
  const d = R[0] + (R[1] - sl);
  return y0 + d / ch;
}
