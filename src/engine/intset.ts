// IntSet: Redis's intset — the distinct signed 64-bit integers of a small all-integer set, sorted, in
// one typed array (the set's compact encoding).
// Invariants: data[0..length) is strictly ascending; capacity only grows (doubling).

const INT64_MIN = -9223372036854775808n;
const INT64_MAX = 9223372036854775807n;
const CANONICAL_INT = /^(?:0|-?[1-9][0-9]{0,18})$/;

/** The integer a member's text stands for when Redis would store it in an intset (string2ll), else null. */
export function int64OfText(s: string): bigint | null {
  if (s.length === 0 || s.length > 20 || !CANONICAL_INT.test(s)) return null;
  const v = BigInt(s);
  return v < INT64_MIN || v > INT64_MAX ? null : v;
}

export class IntSet {
  private data: BigInt64Array;
  length = 0;

  constructor(capacity = 4) {
    this.data = new BigInt64Array(Math.max(1, capacity));
  }

  /** Index of v, or -(insertion point) - 1 when absent. */
  private search(v: bigint): number {
    const d = this.data;
    let lo = 0;
    let hi = this.length - 1;
    // Appends of ascending values are the common case (as in Redis's intsetSearch).
    if (hi >= 0 && v > d[hi]) return -(hi + 2);
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const m = d[mid];
      if (m < v) lo = mid + 1;
      else if (m > v) hi = mid - 1;
      else return mid;
    }
    return -(lo + 1);
  }

  has(v: bigint): boolean {
    return this.search(v) >= 0;
  }

  /** Adds v; false if it was already there. */
  add(v: bigint): boolean {
    const at = this.search(v);
    if (at >= 0) return false;
    const pos = -at - 1;
    if (this.length === this.data.length) {
      const next = new BigInt64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data.copyWithin(pos + 1, pos, this.length);
    this.data[pos] = v;
    this.length++;
    return true;
  }

  /** Removes v; false if it was not there. */
  remove(v: bigint): boolean {
    const at = this.search(v);
    if (at < 0) return false;
    this.removeAt(at);
    return true;
  }

  removeAt(i: number): void {
    this.data.copyWithin(i, i + 1, this.length);
    this.length--;
  }

  /** The i-th smallest value (0 <= i < length). */
  get(i: number): bigint {
    return this.data[i];
  }

  min(): bigint {
    return this.data[0];
  }

  max(): bigint {
    return this.data[this.length - 1];
  }

  clone(): IntSet {
    const c = new IntSet(this.length);
    c.data.set(this.data.subarray(0, this.length));
    c.length = this.length;
    return c;
  }
}
