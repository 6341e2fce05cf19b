// DashTable: the keyspace index of one database on one shard — extendible hashing over fixed-size
// segments (Dragonfly's dashtable): a directory of 2^depth segment pointers indexed by the top bits of
// a key's first hash; a segment is 56 buckets of 14 slots plus a 56-slot stash, and a full segment
// splits in two on its own (no global rehash, no entry-count ceiling).
// Invariants: a slot holds a ref (nonzero, the owner's record address) and an 8-bit fingerprint of the
// key's first hash; a key lives in its home bucket (second hash mod 56) of the segment its first hash
// selects, or in that segment's stash with `stashHome` naming the home bucket and `overflow[home]`
// counting it; a segment with local depth d is pointed to by 2^(depth-d) consecutive directory
// entries; segments never merge, so a SCAN cursor (24-bit hash prefix, bucket) stays meaningful while
// the table grows: every key present for the whole scan is visited at least once.

/** What the table needs from its owner: key comparison and re-hashing of stored records. */
export interface KeyStore {
  /** Whether the record at ref holds the key being looked up (the owner keeps that key). */
  refMatches(ref: number): boolean;
  /** Hashes the key of the record at ref into HASH[0] (first) and HASH[1] (second). */
  rehash(ref: number): void;
  /** Whether the record at ref has a deadline (segments count them for the expire cycle). */
  expiring(ref: number): boolean;
}

export const BUCKETS = 56;
export const BUCKET_SLOTS = 14;
export const STASH_SLOTS = 56;
const REGULAR = BUCKETS * BUCKET_SLOTS;
export const SEGMENT_SLOTS = REGULAR + STASH_SLOTS;
/** Directory depth limit: 2^24 segments (about 10^10 keys per shard and database). */
const MAX_DEPTH = 24;
const PREFIX_BITS = 24;
/** Bytes one segment costs (slots, fingerprints, per-bucket and stash bookkeeping, the object). */
export const SEGMENT_BYTES = SEGMENT_SLOTS * 5 + BUCKETS + STASH_SLOTS + 96;

/** Hash results: [first, second] (32-bit unsigned each). */
export const HASH = new Uint32Array(2);

/**
 * A random seed per thread (each shard's tables live and are re-hashed in one thread), so keys that
 * collide cannot be computed offline to flood one segment: without it ~2000 crafted keys drove a
 * directory to its depth limit (134 MB of index) and made every write fail.
 */
const SEED = (Math.random() * 0x100000000) >>> 0;

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hashes a latin1 key string (one char per byte) into HASH. */
export function hashString(key: string): void {
  let a = 0x811c9dc5 ^ SEED;
  let b = 0x9747b28c ^ key.length ^ Math.imul(SEED, 0x9e3779b1);
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  HASH[0] = fmix(a ^ key.length);
  HASH[1] = fmix(b);
}

/** Hashes key bytes exactly as hashString hashes the same key as a string. */
export function hashBytes(buf: Uint8Array, start: number, len: number): void {
  let a = 0x811c9dc5 ^ SEED;
  let b = 0x9747b28c ^ len ^ Math.imul(SEED, 0x9e3779b1);
  for (let i = start, end = start + len; i < end; i++) {
    const c = buf[i];
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  HASH[0] = fmix(a ^ len);
  HASH[1] = fmix(b);
}

export class Segment {
  depth: number;
  readonly fps = new Uint8Array(SEGMENT_SLOTS);
  readonly refs = new Uint32Array(SEGMENT_SLOTS);
  /** Per home bucket: how many of its keys sit in the stash. */
  readonly overflow = new Uint8Array(BUCKETS);
  /** Per stash slot: the home bucket of its key. */
  readonly stashHome = new Uint8Array(STASH_SLOTS);
  count = 0;
  /** Keys here with a deadline (kept by the owner through the table). */
  expiring = 0;

  constructor(depth: number) {
    this.depth = depth;
  }
}

export class DashTable {
  private readonly store: KeyStore;
  dir: Segment[] = [new Segment(0)];
  depth = 0;
  segmentCount = 1;
  size = 0;
  /** Where the last find/insert found or put its key: segment, slot, and home bucket. */
  lastSeg: Segment = this.dir[0];
  lastSlot = -1;
  lastHome = 0;

  constructor(store: KeyStore) {
    this.store = store;
  }

  /** Bytes the index uses. */
  get bytes(): number {
    return this.segmentCount * SEGMENT_BYTES + this.dir.length * 8;
  }

  private segmentFor(h1: number): Segment {
    return this.dir[this.depth === 0 ? 0 : h1 >>> (32 - this.depth)];
  }

  /** The ref of the key hashed to (h1, h2) (the store matches keys), or 0; sets lastSeg/lastSlot. */
  find(h1: number, h2: number): number {
    const seg = this.segmentFor(h1);
    const fp = h1 & 0xff;
    const home = h2 % BUCKETS;
    const fps = seg.fps;
    const refs = seg.refs;
    this.lastSeg = seg;
    this.lastHome = home;
    const base = home * BUCKET_SLOTS;
    for (let i = base, end = base + BUCKET_SLOTS; i < end; i++) {
      if (fps[i] === fp) {
        const ref = refs[i];
        if (ref !== 0 && this.store.refMatches(ref)) {
          this.lastSlot = i;
          return ref;
        }
      }
    }
    if (seg.overflow[home] !== 0) {
      const homes = seg.stashHome;
      for (let i = REGULAR; i < SEGMENT_SLOTS; i++) {
        if (fps[i] === fp && homes[i - REGULAR] === home) {
          const ref = refs[i];
          if (ref !== 0 && this.store.refMatches(ref)) {
            this.lastSlot = i;
            return ref;
          }
        }
      }
    }
    this.lastSlot = -1;
    return 0;
  }

  /** Adds a key that is not in the table (h1, h2 its hashes); sets lastSeg/lastSlot. */
  insert(h1: number, h2: number, ref: number): void {
    for (;;) {
      const seg = this.segmentFor(h1);
      const home = h2 % BUCKETS;
      const slot = this.place(seg, home, h1 & 0xff, ref);
      if (slot >= 0) {
        this.size++;
        this.lastSeg = seg;
        this.lastSlot = slot;
        this.lastHome = home;
        return;
      }
      this.split(seg, h1);
    }
  }

  /** Puts ref in its home bucket or the stash of seg; -1 if both are full. */
  private place(seg: Segment, home: number, fp: number, ref: number): number {
    const refs = seg.refs;
    const base = home * BUCKET_SLOTS;
    for (let i = base, end = base + BUCKET_SLOTS; i < end; i++) {
      if (refs[i] === 0) {
        refs[i] = ref;
        seg.fps[i] = fp;
        seg.count++;
        return i;
      }
    }
    for (let i = REGULAR; i < SEGMENT_SLOTS; i++) {
      if (refs[i] === 0) {
        refs[i] = ref;
        seg.fps[i] = fp;
        seg.stashHome[i - REGULAR] = home;
        seg.overflow[home]++;
        seg.count++;
        return i;
      }
    }
    return -1;
  }

  /** Removes the slot the last find() returned. */
  removeLast(): void {
    this.clearSlot(this.lastSeg, this.lastSlot);
    this.size--;
  }

  private clearSlot(seg: Segment, slot: number): void {
    seg.refs[slot] = 0;
    seg.fps[slot] = 0;
    if (slot >= REGULAR) seg.overflow[seg.stashHome[slot - REGULAR]]--;
    seg.count--;
  }

  /** Points the slot the last find() returned to a new ref (the record moved). */
  replaceLast(ref: number): void {
    this.lastSeg.refs[this.lastSlot] = ref;
  }

  /** Splits seg (which h1 maps to) into two of the next depth, doubling the directory if needed. */
  private split(seg: Segment, h1: number): void {
    if (seg.depth === this.depth) {
      if (this.depth === MAX_DEPTH) throw new RangeError('dashtable: directory depth limit reached');
      const old = this.dir;
      const dir = new Array<Segment>(old.length * 2);
      for (let i = 0; i < old.length; i++) dir[2 * i] = dir[2 * i + 1] = old[i];
      this.dir = dir;
      this.depth++;
    }
    const d = seg.depth;
    const hi = new Segment(d + 1);
    seg.depth = d + 1;
    this.segmentCount++;
    const span = 1 << (this.depth - d);
    const idx = this.depth === 0 ? 0 : h1 >>> (32 - this.depth);
    const start = idx & ~(span - 1);
    for (let i = start + span / 2; i < start + span; i++) this.dir[i] = hi;
    // Keys whose bit (31 - d) of the first hash is set move to the new segment.
    const bit = 1 << (31 - d);
    const refs = seg.refs;
    const store = this.store;
    for (let i = 0; i < SEGMENT_SLOTS; i++) {
      const ref = refs[i];
      if (ref === 0) continue;
      store.rehash(ref);
      const k1 = HASH[0];
      if ((k1 & bit) === 0) continue;
      const home = HASH[1] % BUCKETS;
      this.clearSlot(seg, i);
      this.place(hi, home, k1 & 0xff, ref);
      if (store.expiring(ref)) {
        seg.expiring--;
        hi.expiring++;
      }
    }
    // Stash keys that stayed go home when their bucket has room now.
    for (let i = REGULAR; i < SEGMENT_SLOTS; i++) {
      const ref = refs[i];
      if (ref === 0) continue;
      const home = seg.stashHome[i - REGULAR];
      const base = home * BUCKET_SLOTS;
      for (let j = base; j < base + BUCKET_SLOTS; j++) {
        if (refs[j] === 0) {
          refs[j] = ref;
          seg.fps[j] = seg.fps[i];
          seg.refs[i] = 0;
          seg.fps[i] = 0;
          seg.overflow[home]--;
          break;
        }
      }
    }
  }

  /** Empties the table. */
  clear(): void {
    this.dir = [new Segment(0)];
    this.depth = 0;
    this.segmentCount = 1;
    this.size = 0;
    this.lastSeg = this.dir[0];
    this.lastSlot = -1;
  }

  /** The distinct segments, in directory (hash prefix) order. */
  *segments(): Generator<Segment> {
    const dir = this.dir;
    for (let i = 0; i < dir.length; ) {
      const seg = dir[i];
      yield seg;
      i += 1 << (this.depth - seg.depth);
    }
  }

  /**
   * One step of a scan: visits the refs whose home is the cursor's bucket in the cursor's segment and
   * returns the next cursor (0: the scan is complete). A cursor is (24-bit hash prefix << 6) | bucket.
   */
  scanStep(cursor: number, visit: (ref: number) => void): number {
    let prefix = Math.floor(cursor / 64) % (1 << PREFIX_BITS);
    let bucket = cursor % 64;
    if (bucket >= BUCKETS) bucket = BUCKETS - 1;
    const seg = this.dir[this.depth === 0 ? 0 : prefix >>> (PREFIX_BITS - this.depth)];
    const segSpan = 2 ** (PREFIX_BITS - seg.depth);
    prefix -= prefix % segSpan;
    const refs = seg.refs;
    const base = bucket * BUCKET_SLOTS;
    for (let i = base; i < base + BUCKET_SLOTS; i++) if (refs[i] !== 0) visit(refs[i]);
    if (seg.overflow[bucket] !== 0) {
      for (let i = REGULAR; i < SEGMENT_SLOTS; i++) {
        if (refs[i] !== 0 && seg.stashHome[i - REGULAR] === bucket) visit(refs[i]);
      }
    }
    if (bucket + 1 < BUCKETS) return prefix * 64 + bucket + 1;
    const next = prefix + segSpan;
    return next >= 1 << PREFIX_BITS ? 0 : next * 64;
  }

  /** The largest cursor value plus one. */
  static readonly CURSOR_SPAN = 2 ** (PREFIX_BITS + 6);

  /** A random ref (0 when empty): a random segment by directory share, then a random occupied slot. */
  randomRef(random: () => number): number {
    if (this.size === 0) return 0;
    for (let tries = 0; tries < 64; tries++) {
      const seg = this.dir[Math.floor(random() * this.dir.length)];
      if (seg.count === 0) continue;
      for (let probe = 0; probe < 16; probe++) {
        const ref = seg.refs[Math.floor(random() * SEGMENT_SLOTS)];
        if (ref !== 0) return ref;
      }
    }
    // Sparse table: the first occupied slot from a random segment on.
    const start = Math.floor(random() * this.dir.length);
    for (let k = 0; k < this.dir.length; k++) {
      const refs = this.dir[(start + k) % this.dir.length].refs;
      for (let i = 0; i < SEGMENT_SLOTS; i++) if (refs[i] !== 0) return refs[i];
    }
    return 0;
  }
}
