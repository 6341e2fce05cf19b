// Arena: the bytes of keys and string values, off the V8 heap, in 64 MiB chunks (Buffers over
// SharedArrayBuffers, so the garbage collector sees one object per chunk, never one per key — and
// V8 does not count them as external memory, which would start a full collection every 64 MB of
// growth; released chunks are returned by the next major collection, see releasedBytes).
// Invariants: a block is addressed by a ref (u32, nonzero): (chunk index + 1) << 23 | offset in 8-byte
// units, or for a LARGE block (over 64 KiB, a buffer of its own) its index + 1 (below 2^23);
// every block is 8-byte aligned and starts with a header whose byte 1 is its size class (LARGE: a
// buffer of its own); byte 0 is 0 exactly for free blocks; a freed block is reused only after the
// current synchronous turn (frees are parked until a microtask), so a Buffer view of a block read in a
// command stays valid for the rest of that turn; `usedBytes` is the sum of the sizes of live blocks.

/**
 * Bytes per chunk: 64 MiB, above glibc's largest dynamic mmap threshold (32 MiB), so every chunk is
 * its own mapping and a released chunk goes back to the system at once (smaller chunks end up in
 * malloc's heaps once a large block was freed, and stay there). Untouched pages of a chunk take no
 * RSS. Tests use smaller chunks (Arena's constructor).
 */
export const CHUNK_BYTES = 64 << 20;
const UNIT_SHIFT = 3;
/** A ref addresses 8-byte units: 2^23 per chunk (64 MiB), 2^9 - 1 chunks (refs are u32): 32 GiB. */
const OFFSET_BITS = 23;
const OFFSET_MASK = (1 << OFFSET_BITS) - 1;
const MAX_CHUNKS = (1 << 9) - 1;
/**
 * Refs below this name LARGE blocks (chunk field 0): block index + 1, each block a buffer of its own,
 * up to 2^23 - 1 of them — apart from the shared chunks' address space, so big values can't use it up.
 */
const FIRST_CHUNK_REF = 1 << OFFSET_BITS;

/** The ref of the block at byte `at` of chunk `idx`. */
function refOf(idx: number, at: number): number {
  return (((idx + 1) << OFFSET_BITS) | (at >>> UNIT_SHIFT)) >>> 0;
}

/** The chunk index of a ref. */
function chunkOf(ref: number): number {
  return (ref >>> OFFSET_BITS) - 1;
}

/** Size class of a block that owns a whole chunk of its own. */
export const LARGE_CLASS = 255;

/** Block sizes of the classes: 16..512 in steps of 8, then about 12.5% apart up to 64 KiB. */
export const CLASS_SIZES: number[] = (() => {
  const sizes: number[] = [];
  for (let s = 16; s <= 512; s += 8) sizes.push(s);
  let s = 512;
  while (s < 64 * 1024) {
    s = Math.ceil((s * 1.125) / 8) * 8;
    sizes.push(Math.min(s, 64 * 1024));
  }
  return sizes;
})();

/** The largest block served from a shared chunk; bigger ones get a chunk of their own. */
export const MAX_CLASS_BYTES = CLASS_SIZES[CLASS_SIZES.length - 1];

/** Size class for a block of at least `bytes` bytes (LARGE_CLASS beyond MAX_CLASS_BYTES). */
export function sizeClass(bytes: number): number {
  if (bytes <= 512) return bytes <= 16 ? 0 : ((bytes + 7) >>> 3) - 2;
  if (bytes > MAX_CLASS_BYTES) return LARGE_CLASS;
  let lo = 63;
  let hi = CLASS_SIZES.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (CLASS_SIZES[mid] >= bytes) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export class Arena {
  /** Bytes per shared chunk (at most this.chunkBytes, a multiple of 8). */
  readonly chunkBytes: number;

  /** Chunks by index (null: released). */
  readonly chunks: (Buffer | null)[] = [];
  /** Live bytes per chunk (block sizes). */
  private live: number[] = [];
  /** LARGE blocks, each a buffer of its own (null: released), and their free indexes. */
  private bigs: (Buffer | null)[] = [];
  private readonly spareBigs: number[] = [];
  /** Head ref of each class's free list (0: empty); a free block holds the next ref at byte 4. */
  private readonly freeHeads = new Uint32Array(CLASS_SIZES.length);
  /** Free blocks per class (for accounting and compaction decisions). */
  private readonly freeCounts = new Uint32Array(CLASS_SIZES.length);
  /** Chunk being filled by bump allocation, and the next free offset in it (bytes). */
  private bumpChunk = -1;
  private bumpAt = 0;
  /** Released chunk indexes, for reuse. */
  private readonly spareIndexes: number[] = [];
  /** Blocks freed in this turn, linked into the free lists by a microtask. */
  private parked: number[] = [];
  private parkScheduled = false;
  /** A chunk being emptied by compaction: its free blocks are not reused (-1: none). */
  evacuating = -1;
  /** Bytes of live blocks. */
  usedBytes = 0;
  /** Bytes of chunks held. */
  committedBytes = 0;
  /** Bytes of chunks released so far (their memory returns when the collector frees the buffers). */
  releasedBytes = 0;

  constructor(chunkBytes: number = CHUNK_BYTES) {
    if (chunkBytes > CHUNK_BYTES || chunkBytes % 8 !== 0 || chunkBytes < MAX_CLASS_BYTES) throw new RangeError('arena: bad chunk size');
    this.chunkBytes = chunkBytes;
  }

  /** The LARGE blocks' buffers by index (null: released). */
  get largeBlocks(): readonly (Buffer | null)[] {
    return this.bigs;
  }

  /** The chunk of a ref (a LARGE block's own buffer). */
  chunk(ref: number): Buffer {
    return ref < FIRST_CHUNK_REF ? this.bigs[ref - 1]! : this.chunks[chunkOf(ref)]!;
  }

  /** Byte offset of a ref in its chunk. */
  static offset(ref: number): number {
    return ref < FIRST_CHUNK_REF ? 0 : (ref & OFFSET_MASK) << UNIT_SHIFT;
  }

  /** Size in bytes of the live block at ref. */
  blockBytes(ref: number): number {
    const c = this.chunk(ref);
    const cls = c[Arena.offset(ref) + 1];
    return cls === LARGE_CLASS ? c.length : CLASS_SIZES[cls];
  }

  /**
   * A block of at least `bytes` bytes; its byte 1 holds its class, the caller writes the rest of the
   * header (and must set byte 0 nonzero).
   */
  alloc(bytes: number): number {
    const cls = sizeClass(bytes);
    if (cls === LARGE_CLASS) return this.allocLarge(bytes);
    const size = CLASS_SIZES[cls];
    let ref = this.freeHeads[cls];
    if (ref !== 0) {
      // (beginEvacuation took the chunk being emptied off the free lists.)
      const c = this.chunk(ref);
      const off = Arena.offset(ref);
      this.freeHeads[cls] = c.readUInt32LE(off + 4);
      this.freeCounts[cls]--;
      c[off + 1] = cls;
      this.taken(ref, size);
      return ref;
    }
    if (this.bumpChunk < 0 || this.bumpAt + size > this.chunkBytes) {
      if (this.bumpChunk >= 0) this.retireBumpTail();
      this.bumpChunk = this.newChunk(this.chunkBytes);
      this.bumpAt = 0;
    }
    ref = refOf(this.bumpChunk, this.bumpAt);
    this.bumpAt += size;
    this.chunks[this.bumpChunk]![Arena.offset(ref) + 1] = cls;
    this.taken(ref, size);
    return ref;
  }

  private taken(ref: number, size: number): void {
    this.live[chunkOf(ref)] += size;
    this.usedBytes += size;
  }

  /** The rest of a full bump chunk becomes free blocks (largest classes that fit). */
  private retireBumpTail(): void {
    const c = this.chunks[this.bumpChunk]!;
    let at = this.bumpAt;
    while (this.chunkBytes - at >= CLASS_SIZES[0]) {
      let cls = sizeClass(this.chunkBytes - at);
      if (cls === LARGE_CLASS || CLASS_SIZES[cls] > this.chunkBytes - at) cls--;
      const ref = refOf(this.bumpChunk, at);
      c[at] = 0;
      c[at + 1] = cls;
      this.linkFree(ref, cls);
      at += CLASS_SIZES[cls];
    }
    this.bumpAt = this.chunkBytes;
  }

  private allocLarge(bytes: number): number {
    const idx = this.spareBigs.length > 0 ? this.spareBigs.pop()! : this.bigs.length;
    if (idx >= FIRST_CHUNK_REF - 1) throw new RangeError('arena: too many large blocks');
    const c = Buffer.from(new SharedArrayBuffer(Math.ceil(bytes / 8) * 8));
    if (idx === this.bigs.length) this.bigs.push(c);
    else this.bigs[idx] = c;
    c[1] = LARGE_CLASS;
    this.usedBytes += c.length;
    this.committedBytes += c.length;
    return idx + 1;
  }

  private newChunk(bytes: number): number {
    const idx = this.spareIndexes.length > 0 ? this.spareIndexes.pop()! : this.chunks.length;
    if (idx >= MAX_CHUNKS) throw new RangeError('arena: out of address space');
    const c = Buffer.from(new SharedArrayBuffer(bytes));
    if (idx === this.chunks.length) {
      this.chunks.push(c);
      this.live.push(0);
    } else {
      this.chunks[idx] = c;
      this.live[idx] = 0;
    }
    this.committedBytes += bytes;
    return idx;
  }

  /** Frees the block at ref; it is reused after the current turn. */
  free(ref: number): void {
    if (ref < FIRST_CHUNK_REF) {
      this.usedBytes -= this.bigs[ref - 1]!.length;
      this.parkLarge(ref - 1);
      return;
    }
    const idx = chunkOf(ref);
    const c = this.chunks[idx]!;
    const off = Arena.offset(ref);
    const cls = c[off + 1];
    const size = CLASS_SIZES[cls];
    this.usedBytes -= size;
    this.live[idx] -= size;
    this.parked.push(ref);
    if (!this.parkScheduled) {
      this.parkScheduled = true;
      queueMicrotask(this.linkParked);
    }
  }

  /** A large block's buffer is dropped after the turn (a view of it may still be read). */
  private parkLarge(idx: number): void {
    this.parked.push(-idx - 1);
    if (!this.parkScheduled) {
      this.parkScheduled = true;
      queueMicrotask(this.linkParked);
    }
  }

  /** Links the parked blocks into their free lists (run between turns; tests may call it). */
  readonly linkParked = (): void => {
    this.parkScheduled = false;
    const parked = this.parked;
    this.parked = [];
    for (const ref of parked) {
      if (ref < 0) {
        const idx = -ref - 1;
        const c = this.bigs[idx];
        if (c === null || c === undefined) continue;
        this.committedBytes -= c.length;
        this.releasedBytes += c.length;
        this.bigs[idx] = null;
        this.spareBigs.push(idx);
        continue;
      }
      const idx = chunkOf(ref);
      const c = this.chunks[idx];
      if (c === null || c === undefined) continue; // its chunk was released by compaction
      const off = Arena.offset(ref);
      c[off] = 0;
      if (idx !== this.evacuating) this.linkFree(ref, c[off + 1]);
    }
  };

  private linkFree(ref: number, cls: number): void {
    const c = this.chunk(ref);
    const off = Arena.offset(ref);
    c.writeUInt32LE(this.freeHeads[cls], off + 4);
    this.freeHeads[cls] = ref;
    this.freeCounts[cls]++;
  }

  /** Bytes held in free blocks and chunk tails (committed but not live). */
  get wastedBytes(): number {
    return this.committedBytes - this.usedBytes;
  }

  /** Drops every block and chunk. */
  clear(): void {
    this.releasedBytes += this.committedBytes;
    this.chunks.length = 0;
    this.live = [];
    this.bigs = [];
    this.spareBigs.length = 0;
    this.freeHeads.fill(0);
    this.freeCounts.fill(0);
    this.bumpChunk = -1;
    this.bumpAt = 0;
    this.spareIndexes.length = 0;
    this.parked = [];
    this.evacuating = -1;
    this.usedBytes = 0;
    this.committedBytes = 0;
  }

  // ------------------------------------------------------------------------------ compaction

  /**
   * The shared chunk worth emptying, or -1: fragmentation is worth acting on when more than a quarter of
   * the committed bytes (and at least two chunks' worth) are not live; then the least-used chunk that is
   * not the bump chunk and is at most half full is chosen.
   */
  compactionCandidate(): number {
    if (this.evacuating >= 0) return this.evacuating;
    const waste = this.wastedBytes;
    if (waste < 2 * this.chunkBytes || waste * 4 < this.committedBytes) return -1;
    let best = -1;
    let bestLive = this.chunkBytes / 2;
    for (let i = 0; i < this.chunks.length; i++) {
      const c = this.chunks[i];
      if (c === null || i === this.bumpChunk) continue;
      if (this.live[i] < bestLive) {
        bestLive = this.live[i];
        best = i;
      }
    }
    return best;
  }

  /**
   * Starts emptying chunk `idx`: its free blocks leave the free lists and no block is allocated in it
   * again. The owner then moves its live blocks (liveBlocks) and calls finishEvacuation.
   */
  beginEvacuation(idx: number): void {
    this.linkParked();
    this.evacuating = idx;
    for (let cls = 0; cls < CLASS_SIZES.length; cls++) {
      let prev = 0;
      let ref = this.freeHeads[cls];
      while (ref !== 0) {
        const next = this.chunk(ref).readUInt32LE(Arena.offset(ref) + 4);
        if (chunkOf(ref) === idx) {
          if (prev === 0) this.freeHeads[cls] = next;
          else this.chunk(prev).writeUInt32LE(next, Arena.offset(prev) + 4);
          this.freeCounts[cls]--;
        } else prev = ref;
        ref = next;
      }
    }
  }

  /**
   * Refs of the live blocks of chunk idx, in address order. Blocks freed in this turn are not live
   * (their byte 0 is cleared only when they are linked), and a chunk's last bytes too few for the
   * smallest class (a retired bump tail) are no block at all.
   */
  liveBlocks(idx: number, from = 0, max = Infinity): number[] {
    const c = this.chunks[idx]!;
    const out: number[] = [];
    const end = idx === this.bumpChunk ? this.bumpAt : this.chunkBytes;
    let parked: Set<number> | null = null;
    for (const ref of this.parked) if (ref > 0 && chunkOf(ref) === idx) (parked ??= new Set()).add(ref);
    let at = from;
    while (end - at >= CLASS_SIZES[0] && out.length < max) {
      const cls = c[at + 1];
      if (c[at] !== 0) {
        const ref = refOf(idx, at);
        if (parked === null || !parked.has(ref)) out.push(ref);
      }
      at += CLASS_SIZES[cls];
    }
    this.scanEnd = end - at >= CLASS_SIZES[0] ? at : end;
    return out;
  }

  /** Where the last liveBlocks() call stopped (the chunk's end when it got there). */
  scanEnd = 0;


  /** Releases the evacuated chunk once none of its blocks is live. */
  finishEvacuation(): boolean {
    const idx = this.evacuating;
    if (idx < 0) return true;
    if (this.live[idx] !== 0) return false;
    this.linkParked();
    this.committedBytes -= this.chunks[idx]!.length;
    this.releasedBytes += this.chunks[idx]!.length;
    this.chunks[idx] = null;
    this.spareIndexes.push(idx);
    this.evacuating = -1;
    return true;
  }
}
