// SegmentedMap: a string-keyed Map that never lets one JS Map grow huge. A JS Map that outgrows its
// capacity rehashes every entry in one go (about half a second at a million entries on this hardware,
// a stall for every client of the thread); so past SPLIT_AT keys the entries move to SEGMENTS Maps chosen
// by a hash of the key, whose rehashes stay small.
// Invariants: one Map (`one`) or the segments, never both; a key is in the segment segmentOf(key) picks;
// it never merges back; iteration order is not kept (callers that need an order keep their own).

/** Keys in one Map before it is split. */
const SPLIT_AT = 1 << 15;
const SEGMENTS = 64;

/** A cheap hash of a key to pick its segment: every char of a short key, the ends and the length of a long one. */
function segmentOf(key: string): number {
  const n = key.length;
  let h = n | 0;
  if (n <= 32) {
    for (let i = 0; i < n; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  } else {
    for (let i = 0; i < 16; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
    for (let i = n - 16; i < n; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  }
  return (h ^ (h >>> 15)) & (SEGMENTS - 1);
}

export class SegmentedMap<V> {
  private one: Map<string, V> | null = new Map();
  private segs: Map<string, V>[] | null = null;
  private count = 0;

  get size(): number {
    return this.one !== null ? this.one.size : this.count;
  }

  private mapOf(key: string): Map<string, V> {
    return this.one ?? this.segs![segmentOf(key)];
  }

  get(key: string): V | undefined {
    return this.mapOf(key).get(key);
  }

  has(key: string): boolean {
    return this.mapOf(key).has(key);
  }

  set(key: string, v: V): void {
    const one = this.one;
    if (one === null) {
      const m = this.segs![segmentOf(key)];
      const before = m.size;
      m.set(key, v);
      this.count += m.size - before;
      return;
    }
    one.set(key, v);
    if (one.size >= SPLIT_AT) {
      const segs: Map<string, V>[] = [];
      for (let s = 0; s < SEGMENTS; s++) segs.push(new Map());
      for (const [k, x] of one) segs[segmentOf(k)].set(k, x);
      this.segs = segs;
      this.count = one.size;
      this.one = null;
    }
  }

  delete(key: string): boolean {
    const m = this.mapOf(key);
    const had = m.delete(key);
    if (had && this.one === null) this.count--;
    return had;
  }
}
