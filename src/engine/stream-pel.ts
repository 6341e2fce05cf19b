// IdTree: an ordered set of stream IDs kept compact for the consumer groups' pending entries lists —
// sorted leaves of up to LEAF_CAP entries whose IDs sit in a Uint32Array (four uint32 halves each)
// and, for a group's PEL, each entry's delivery time and count in Float64Arrays and its owner in an
// array: about 40 bytes an entry (16 for a consumer's own PEL), no string, map entry or object per
// entry (Redis's rax of NACKs takes ~85).
// Invariants: IDs strictly ascend across the leaves; no leaf is empty; `size` is the number of
// entries; a cursor is valid until the next insert or remove; appending past the last entry fills the
// last leaf and then starts a new one (no half-empty leaves for the common in-order deliveries).

import { StreamId } from './stream-id.ts';

const LEAF_CAP = 128;
/** A new tree's first leaf holds this many (then doubles up to LEAF_CAP): small PELs stay small. */
const FIRST_CAP = 4;

/** Model bytes of a leaf of `cap` entries (typed arrays: header + bytes; the owner array: slots). */
function leafBytes(cap: number, data: boolean): number {
  return 64 + 96 + cap * 16 + (data ? 2 * (96 + cap * 8) + 48 + cap * 8 : 0);
}

class Leaf<O> {
  n = 0;
  cap: number;
  ids: Uint32Array;
  time: Float64Array | null;
  count: Float64Array | null;
  owner: (O | null)[] | null;

  constructor(data: boolean, cap: number) {
    this.cap = cap;
    this.ids = new Uint32Array(cap * 4);
    this.time = data ? new Float64Array(cap) : null;
    this.count = data ? new Float64Array(cap) : null;
    this.owner = data ? new Array<O | null>(cap).fill(null) : null;
  }

  /** Doubles the capacity (up to LEAF_CAP); returns the model bytes added. */
  grow(): number {
    const old = this.cap;
    const cap = Math.min(LEAF_CAP, old * 2);
    const ids = new Uint32Array(cap * 4);
    ids.set(this.ids);
    this.ids = ids;
    if (this.time !== null) {
      const t = new Float64Array(cap);
      t.set(this.time);
      this.time = t;
      const c = new Float64Array(cap);
      c.set(this.count!);
      this.count = c;
      for (let i = old; i < cap; i++) this.owner!.push(null);
    }
    this.cap = cap;
    return leafBytes(cap, this.time !== null) - leafBytes(old, this.time !== null);
  }

  /** <0, 0, >0 as entry i is before, equal to, after id. */
  cmp(i: number, id: StreamId): number {
    const b = i * 4;
    const a = this.ids;
    if (a[b] !== id.msHi) return a[b] - id.msHi;
    if (a[b + 1] !== id.msLo) return a[b + 1] - id.msLo;
    if (a[b + 2] !== id.seqHi) return a[b + 2] - id.seqHi;
    return a[b + 3] - id.seqLo;
  }

  /** The first position whose ID is >= id (n if none). */
  lowerBound(id: StreamId): number {
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cmp(mid, id) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  idAt(i: number): StreamId {
    const b = i * 4;
    return new StreamId(this.ids[b], this.ids[b + 1], this.ids[b + 2], this.ids[b + 3]);
  }

  /** Moves entries [from, n) by `by` positions (the caller fixes n). */
  shift(from: number, by: number): void {
    this.ids.copyWithin((from + by) * 4, from * 4, this.n * 4);
    if (this.time !== null) {
      this.time.copyWithin(from + by, from, this.n);
      this.count!.copyWithin(from + by, from, this.n);
      const o = this.owner!;
      if (by > 0) for (let i = this.n - 1; i >= from; i--) o[i + by] = o[i];
      else {
        for (let i = from; i < this.n; i++) o[i + by] = o[i];
        for (let i = this.n + by; i < this.n; i++) o[i] = null;
      }
    }
  }

  set(i: number, id: StreamId, time: number, count: number, owner: O | null): void {
    const b = i * 4;
    this.ids[b] = id.msHi;
    this.ids[b + 1] = id.msLo;
    this.ids[b + 2] = id.seqHi;
    this.ids[b + 3] = id.seqLo;
    if (this.time !== null) {
      this.time[i] = time;
      this.count![i] = count;
      this.owner![i] = owner;
    }
  }
}

/** A position in an IdTree (valid until the tree changes). */
export class PelCursor<O> {
  leaf: Leaf<O>;
  i: number;
  private readonly leaves: Leaf<O>[];
  private li: number;

  constructor(leaves: Leaf<O>[], li: number, i: number) {
    this.leaves = leaves;
    this.li = li;
    this.leaf = leaves[li];
    this.i = i;
  }

  get id(): StreamId {
    return this.leaf.idAt(this.i);
  }
  /** Last delivery time (ms). */
  get time(): number {
    return this.leaf.time![this.i];
  }
  set time(v: number) {
    this.leaf.time![this.i] = v;
  }
  /** Delivery count. */
  get count(): number {
    return this.leaf.count![this.i];
  }
  set count(v: number) {
    this.leaf.count![this.i] = v;
  }
  get owner(): O | null {
    return this.leaf.owner![this.i];
  }
  set owner(v: O | null) {
    this.leaf.owner![this.i] = v;
  }

  /** Moves to the next entry; false past the end. */
  next(): boolean {
    if (++this.i < this.leaf.n) return true;
    if (this.li + 1 >= this.leaves.length) return false;
    this.leaf = this.leaves[++this.li];
    this.i = 0;
    return true;
  }
}

export class IdTree<O = never> {
  private readonly leaves: Leaf<O>[] = [];
  private readonly data: boolean;
  /** The account its leaves' model bytes go to (the stream's groups). */
  private readonly acct: { bytes: number };
  size = 0;
  /** Model bytes of its leaves (what it added to acct). */
  allocated = 0;

  /** `data`: each entry also has a time, a count and an owner (a group's PEL). */
  constructor(data: boolean, acct: { bytes: number }) {
    this.data = data;
    this.acct = acct;
  }

  private account(delta: number): void {
    this.allocated += delta;
    this.acct.bytes += delta;
  }

  private newLeaf(cap: number): Leaf<O> {
    this.account(leafBytes(cap, this.data));
    return new Leaf<O>(this.data, cap);
  }

  /** The leaf that holds id or would (the last whose first ID is <= id; the first if none). */
  private leafFor(id: StreamId): number {
    const ls = this.leaves;
    let lo = 0;
    let hi = ls.length - 1;
    let at = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (ls[mid].cmp(0, id) <= 0) {
        at = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return at;
  }

  /** A cursor on id, or null when it is not in the tree. */
  find(id: StreamId): PelCursor<O> | null {
    if (this.size === 0) return null;
    const li = this.leafFor(id);
    const leaf = this.leaves[li];
    const i = leaf.lowerBound(id);
    return i < leaf.n && leaf.cmp(i, id) === 0 ? new PelCursor(this.leaves, li, i) : null;
  }

  has(id: StreamId): boolean {
    return this.find(id) !== null;
  }

  /** A cursor on the first entry >= id, or null. */
  seek(id: StreamId): PelCursor<O> | null {
    if (this.size === 0) return null;
    let li = this.leafFor(id);
    let i = this.leaves[li].lowerBound(id);
    if (i >= this.leaves[li].n) {
      if (li + 1 >= this.leaves.length) return null;
      li++;
      i = 0;
    }
    return new PelCursor(this.leaves, li, i);
  }

  /** A cursor on the first entry, or null when empty. */
  first(): PelCursor<O> | null {
    return this.size === 0 ? null : new PelCursor(this.leaves, 0, 0);
  }

  /** The last entry's ID (null when empty). */
  lastId(): StreamId | null {
    if (this.size === 0) return null;
    const l = this.leaves[this.leaves.length - 1];
    return l.idAt(l.n - 1);
  }

  /** Inserts an ID that is not in the tree. */
  insert(id: StreamId, time = 0, count = 0, owner: O | null = null): void {
    const ls = this.leaves;
    if (ls.length === 0) ls.push(this.newLeaf(FIRST_CAP));
    let li = this.leafFor(id);
    let leaf = ls[li];
    let i = leaf.lowerBound(id);
    if (leaf.n === leaf.cap && leaf.cap < LEAF_CAP) this.account(leaf.grow());
    if (leaf.n === LEAF_CAP) {
      const fresh = this.newLeaf(LEAF_CAP);
      if (i === LEAF_CAP && li === ls.length - 1) {
        // Appending past the end: a new last leaf, the full one stays full.
        ls.push(fresh);
        li++;
        leaf = fresh;
        i = 0;
      } else {
        // Split in two halves.
        const half = LEAF_CAP >>> 1;
        fresh.ids.set(leaf.ids.subarray(half * 4, LEAF_CAP * 4));
        if (this.data) {
          fresh.time!.set(leaf.time!.subarray(half));
          fresh.count!.set(leaf.count!.subarray(half));
          for (let k = half; k < LEAF_CAP; k++) {
            fresh.owner![k - half] = leaf.owner![k];
            leaf.owner![k] = null;
          }
        }
        fresh.n = LEAF_CAP - half;
        leaf.n = half;
        ls.splice(li + 1, 0, fresh);
        if (i > half) {
          li++;
          leaf = fresh;
          i -= half;
        }
      }
    }
    if (i < leaf.n) leaf.shift(i, 1);
    leaf.set(i, id, time, count, owner);
    leaf.n++;
    this.size++;
  }

  /** Removes id; false if it was not there. */
  remove(id: StreamId): boolean {
    if (this.size === 0) return false;
    const li = this.leafFor(id);
    const leaf = this.leaves[li];
    const i = leaf.lowerBound(id);
    if (i >= leaf.n || leaf.cmp(i, id) !== 0) return false;
    leaf.shift(i + 1, -1);
    leaf.n--;
    if (leaf.owner !== null) leaf.owner[leaf.n] = null;
    if (leaf.n === 0) {
      this.leaves.splice(li, 1);
      this.account(-leafBytes(leaf.cap, this.data));
    }
    this.size--;
    return true;
  }

  /** Visits every entry in order. */
  forEach(fn: (c: PelCursor<O>) => void): void {
    const c = this.first();
    if (c === null) return;
    do fn(c);
    while (c.next());
  }

  /** Takes the tree's bytes out of its account (the tree is dropped). */
  release(): void {
    this.account(-this.allocated);
  }
}
