// QuickList: the value of a Redis list — a doubly linked deque of packed chunks, like Redis's quicklist
// of listpacks. A chunk is one Buffer holding its entries back to back between `start` and `end`, with
// free room on both sides (pushes and pops at either end are amortised O(1)); an entry is
// [varint length][bytes][the same varint mirrored], so it can be read from either end.
// Invariants: no chunk is empty; `length` is the sum of the chunk counts; a chunk exceeds the list's
// fill limit (Redis list-max-listpack-size rules, fixed when the list is created) only when it holds a
// single entry; positional access walks chunks by their counts from the nearer end, then entries inside
// one chunk, so it never visits more than one chunk's entries.

import type { TypedValue } from './database.ts';

/** Node byte limits for fill -1..-5 (Redis optimization_level). */
const SIZE_LIMITS = [4096, 8192, 16384, 32768, 65536];
/** Redis SIZE_SAFETY_LIMIT: the byte cap of a node whose fill is an entry count. */
const SAFETY_LIMIT = 8192;
/** Bytes Redis counts in every listpack besides its entries (6-byte header, end byte). */
const LP_OVERHEAD = 7;
/** A chunk buffer is never allocated smaller than this. */
const MIN_CAPACITY = 64;
/** Chunk buffers up to this size are allocated with room to grow; bigger ones exactly. */
const GROWABLE = 128 * 1024;

/**
 * Whether a chunk of `bytes` (its entries) and `count` entries respects `fill` (> 0: at most that many
 * entries and Redis's 8 KB safety cap; -1..-5: at most 4, 8, 16, 32 or 64 KB; 0 or below -5: one
 * entry), the node size rules of Redis's quicklist (_quicklistNodeAllowInsert / AllowMerge).
 */
export function fits(bytes: number, count: number, fill: number): boolean {
  const size = bytes + LP_OVERHEAD;
  if (fill < 0) {
    const level = -fill - 1;
    return level < SIZE_LIMITS.length && size <= SIZE_LIMITS[level];
  }
  return size <= SAFETY_LIMIT && count <= fill;
}

/** Bytes of the varint that encodes n. */
function varintSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
}

/** Bytes an entry of `len` data bytes takes in a chunk. */
export function entrySize(len: number): number {
  return len < 0x80 ? len + 2 : len + 2 * varintSize(len);
}

/** The length stored by the varint at buf[p]. */
function readForward(buf: Buffer, p: number): number {
  let b = buf[p];
  if (b < 0x80) return b;
  let n = b & 0x7f;
  let scale = 0x80;
  for (;;) {
    b = buf[++p];
    n += (b & 0x7f) * scale;
    if (b < 0x80) return n;
    scale *= 0x80;
  }
}

/** The length stored by the mirrored varint that ends just before buf[q]. */
function readBackward(buf: Buffer, q: number): number {
  let b = buf[--q];
  if (b < 0x80) return b;
  let n = b & 0x7f;
  let scale = 0x80;
  for (;;) {
    b = buf[--q];
    n += (b & 0x7f) * scale;
    if (b < 0x80) return n;
    scale *= 0x80;
  }
}

/** Writes one entry holding `v` at buf[at]; returns the offset after it. */
function writeEntry(buf: Buffer, at: number, v: Uint8Array): number {
  const len = v.length;
  if (len < 0x80) {
    buf[at] = len;
    buf.set(v, at + 1);
    buf[at + 1 + len] = len;
    return at + 2 + len;
  }
  let p = at;
  let n = len;
  while (n >= 0x80) {
    buf[p++] = (n % 0x80) | 0x80;
    n = Math.floor(n / 0x80);
  }
  buf[p++] = n;
  const h = p - at;
  buf.set(v, p);
  p += len;
  for (let i = 0; i < h; i++) buf[p + i] = buf[at + h - 1 - i];
  return p + h;
}

export class ListChunk {
  buf: Buffer;
  /** Offset of the first entry. */
  start: number;
  /** Offset just after the last entry. */
  end: number;
  count = 0;
  prev: ListChunk | null = null;
  next: ListChunk | null = null;

  constructor(buf: Buffer, start: number) {
    this.buf = buf;
    this.start = start;
    this.end = start;
  }

  get bytes(): number {
    return this.end - this.start;
  }

  /** Byte offset of entry i (0 <= i < count), scanning from the nearer end. */
  offsetOf(i: number): number {
    const buf = this.buf;
    if (i <= this.count >> 1) {
      let p = this.start;
      for (; i > 0; i--) p += entrySize(readForward(buf, p));
      return p;
    }
    let q = this.end;
    for (let k = this.count - i; k > 0; k--) q -= entrySize(readBackward(buf, q));
    return q;
  }
}

/** Walks the entries of a list in one direction; valid until the list is modified. */
export class ListCursor {
  /** The buffer, offset and length of the current entry's bytes (after next() returned true). */
  buf: Buffer = EMPTY;
  dataOff = 0;
  dataLen = 0;
  /** The chunk and byte range of the current entry. */
  chunk: ListChunk | null;
  entryStart = 0;
  entryEnd = 0;
  private readonly forward: boolean;
  /** Forward: where the next entry starts; backward: where it ends. */
  private pos: number;

  constructor(chunk: ListChunk | null, pos: number, forward: boolean) {
    this.chunk = chunk;
    this.pos = pos;
    this.forward = forward;
  }

  /** Moves to the next entry; false at the end of the list. */
  next(): boolean {
    let c = this.chunk;
    if (c === null) return false;
    if (this.forward) {
      if (this.pos >= c.end) {
        c = this.chunk = c.next;
        if (c === null) return false;
        this.pos = c.start;
      }
      const buf = c.buf;
      const len = readForward(buf, this.pos);
      const size = entrySize(len);
      this.buf = buf;
      this.entryStart = this.pos;
      this.dataOff = this.pos + ((size - len) >> 1);
      this.dataLen = len;
      this.pos += size;
      this.entryEnd = this.pos;
    } else {
      if (this.pos <= c.start) {
        c = this.chunk = c.prev;
        if (c === null) return false;
        this.pos = c.end;
      }
      const buf = c.buf;
      const len = readBackward(buf, this.pos);
      const size = entrySize(len);
      this.buf = buf;
      this.entryEnd = this.pos;
      this.pos -= size;
      this.entryStart = this.pos;
      this.dataOff = this.pos + ((size - len) >> 1);
      this.dataLen = len;
    }
    return true;
  }

  /** Whether the current entry's bytes equal `v`. */
  equals(v: Uint8Array): boolean {
    const n = this.dataLen;
    if (n !== v.length) return false;
    const buf = this.buf;
    const off = this.dataOff;
    if (n <= 16) {
      for (let i = 0; i < n; i++) if (buf[off + i] !== v[i]) return false;
      return true;
    }
    return buf.compare(v, 0, n, off, off + n) === 0;
  }

  /** A view of the current entry's bytes (valid until the list is modified). */
  view(): Buffer {
    return this.buf.subarray(this.dataOff, this.dataOff + this.dataLen);
  }
}

const EMPTY = Buffer.alloc(0);

export class QuickList implements TypedValue {
  readonly kind = 'list';
  /** Redis list-max-listpack-size as it was when the list was created. */
  readonly fill: number;
  head: ListChunk | null = null;
  tail: ListChunk | null = null;
  length = 0;
  chunks = 0;

  constructor(fill: number) {
    this.fill = fill;
  }

  // -------------------------------------------------------------------------------------------
  // Chunk management

  private link(c: ListChunk, after: ListChunk | null): void {
    c.prev = after;
    c.next = after === null ? this.head : after.next;
    if (c.next === null) this.tail = c;
    else c.next.prev = c;
    if (after === null) this.head = c;
    else after.next = c;
    this.chunks++;
  }

  private unlink(c: ListChunk): void {
    if (c.prev === null) this.head = c.next;
    else c.prev.next = c.next;
    if (c.next === null) this.tail = c.prev;
    else c.next.prev = c.prev;
    c.prev = c.next = null;
    this.chunks--;
  }

  /** A new empty chunk with room for `need` bytes, placed at the end (tail side) or the start. */
  private static newChunk(need: number, atTail: boolean): ListChunk {
    const cap = need >= GROWABLE ? need : Math.max(MIN_CAPACITY, need * 2);
    return new ListChunk(Buffer.allocUnsafe(cap), atTail ? 0 : cap);
  }

  /**
   * Makes room for `extra` bytes at the head side (start) or tail side (end) of chunk c: moves the
   * entries inside their buffer when it is at most half full, otherwise moves them to a bigger one.
   */
  private static makeRoom(c: ListChunk, extra: number, atHead: boolean): void {
    const used = c.end - c.start;
    const need = used + extra;
    let buf = c.buf;
    if (need * 2 > buf.length) buf = Buffer.allocUnsafe(need >= GROWABLE ? need : Math.max(MIN_CAPACITY, need * 2));
    // A quarter of the free room goes to the other side, the rest to the side that needs it.
    const slack = (buf.length - need) >> 2;
    const start = atHead ? buf.length - slack - used : slack;
    if (buf === c.buf) buf.copyWithin(start, c.start, c.end);
    else c.buf.copy(buf, start, c.start, c.end);
    c.buf = buf;
    c.start = start;
    c.end = start + used;
  }

  /** Gives a chunk that will not grow for a while (a newer chunk took over its end) an exact buffer. */
  private static seal(c: ListChunk): void {
    const used = c.end - c.start;
    if (c.buf.length - used <= (used >> 3) + 16) return;
    const buf = Buffer.allocUnsafe(used);
    c.buf.copy(buf, 0, c.start, c.end);
    c.buf = buf;
    c.start = 0;
    c.end = used;
  }

  /** Joins c with its next chunk when the fill allows it; returns the surviving chunk. */
  private tryMergeNext(c: ListChunk): ListChunk {
    const n = c.next;
    if (n === null || !fits(c.bytes + n.bytes, c.count + n.count, this.fill)) return c;
    const extra = n.end - n.start;
    if (c.buf.length - c.end < extra) QuickList.makeRoom(c, extra, false);
    n.buf.copy(c.buf, c.end, n.start, n.end);
    c.end += extra;
    c.count += n.count;
    this.unlink(n);
    return c;
  }

  /** After entries were removed from the middle of chunks: drops empty chunks, joins neighbours that fit. */
  private mergePass(): void {
    let c = this.head;
    while (c !== null) {
      if (c.count === 0) {
        const n = c.next;
        this.unlink(c);
        c = n;
        continue;
      }
      while (c.next !== null && c.next.count === 0) this.unlink(c.next);
      const before = c.next;
      this.tryMergeNext(c);
      if (c.next === before) c = c.next;
    }
  }

  /** After chunk c grew in the middle: splits it (greedily, in order) until every part fits the fill. */
  private afterGrowth(c: ListChunk): void {
    if (c.count <= 1 || fits(c.bytes, c.count, this.fill)) return;
    const buf = c.buf;
    const stop = c.end;
    let part = c;
    let p = c.start;
    let bytes = 0;
    let count = 0;
    while (p < stop) {
      const len = readForward(buf, p);
      const size = entrySize(len);
      if (count > 0 && !fits(bytes + size, count + 1, this.fill)) {
        // Everything from p on moves to a new chunk after this part.
        const rest = QuickList.newChunk(stop - p, true);
        buf.copy(rest.buf, 0, p, stop);
        rest.end = stop - p;
        rest.count = part.count - count;
        part.end = p;
        part.count = count;
        this.link(rest, part);
        QuickList.seal(part);
        return this.afterGrowth(rest);
      }
      bytes += size;
      count++;
      p += size;
    }
  }

  /** The chunk holding index i (0 <= i < length) and i's position inside it, walking from the nearer end. */
  private chunkAt(i: number): [ListChunk, number] {
    if (i < this.length >> 1) {
      let c = this.head!;
      while (i >= c.count) {
        i -= c.count;
        c = c.next!;
      }
      return [c, i];
    }
    let c = this.tail!;
    let k = this.length - 1 - i;
    while (k >= c.count) {
      k -= c.count;
      c = c.prev!;
    }
    return [c, c.count - 1 - k];
  }

  // -------------------------------------------------------------------------------------------
  // Ends

  /** Pushes v at the head (left) or the tail. */
  push(v: Uint8Array, left: boolean): void {
    const size = entrySize(v.length);
    if (left) {
      let c = this.head;
      if (c === null || !fits(c.end - c.start + size, c.count + 1, this.fill)) {
        const old = c;
        c = QuickList.newChunk(size, false);
        this.link(c, null);
        if (old !== null) QuickList.seal(old);
      } else if (c.start < size) QuickList.makeRoom(c, size, true);
      c.start -= size;
      writeEntry(c.buf, c.start, v);
      c.count++;
    } else {
      let c = this.tail;
      if (c === null || !fits(c.end - c.start + size, c.count + 1, this.fill)) {
        const old = c;
        c = QuickList.newChunk(size, true);
        this.link(c, this.tail);
        if (old !== null) QuickList.seal(old);
      } else if (c.buf.length - c.end < size) QuickList.makeRoom(c, size, false);
      c.end = writeEntry(c.buf, c.end, v);
      c.count++;
    }
    this.length++;
  }

  /** Removes and returns (a copy of) the head or tail element; null when the list is empty. */
  pop(left: boolean): Buffer | null {
    const c = left ? this.head : this.tail;
    if (c === null) return null;
    const buf = c.buf;
    let out: Buffer;
    if (left) {
      const len = readForward(buf, c.start);
      const size = entrySize(len);
      const off = c.start + ((size - len) >> 1);
      out = Buffer.allocUnsafe(len);
      buf.copy(out, 0, off, off + len);
      c.start += size;
    } else {
      const len = readBackward(buf, c.end);
      const size = entrySize(len);
      c.end -= size;
      const off = c.end + ((size - len) >> 1);
      out = Buffer.allocUnsafe(len);
      buf.copy(out, 0, off, off + len);
    }
    if (--c.count === 0) this.unlink(c);
    this.length--;
    return out;
  }

  /** Removes n elements (n <= length) from the head (left) or the tail. */
  removeEnd(n: number, left: boolean): void {
    this.length -= n;
    while (n > 0) {
      const c = left ? this.head! : this.tail!;
      if (n >= c.count) {
        n -= c.count;
        this.unlink(c);
        continue;
      }
      if (left) c.start = c.offsetOf(n);
      else c.end = c.offsetOf(c.count - n);
      c.count -= n;
      n = 0;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Positions

  /** A cursor on the element before index `i` (forward) or after it (backward); next() lands on i. */
  cursor(i: number, forward: boolean): ListCursor {
    if (this.length === 0) return new ListCursor(null, 0, forward);
    const [c, k] = this.chunkAt(i);
    const off = c.offsetOf(k);
    if (forward) return new ListCursor(c, off, true);
    return new ListCursor(c, off + entrySize(readForward(c.buf, off)), false);
  }

  /** A view of element i (0 <= i < length), valid until the list is modified. */
  at(i: number): Buffer {
    const [c, k] = this.chunkAt(i);
    const off = c.offsetOf(k);
    const len = readForward(c.buf, off);
    const data = off + ((entrySize(len) - len) >> 1);
    return c.buf.subarray(data, data + len);
  }

  /** Replaces element i (0 <= i < length) with v. */
  set(i: number, v: Uint8Array): void {
    const [c, k] = this.chunkAt(i);
    const off = c.offsetOf(k);
    const oldSize = entrySize(readForward(c.buf, off));
    this.replaceBytes(c, off, oldSize, v);
    this.afterGrowth(c);
  }

  /** Inserts v before or after the entry at byte `off` of chunk c (from a cursor). */
  insertAt(c: ListChunk, entryStart: number, entryEnd: number, v: Uint8Array, after: boolean): void {
    this.replaceBytes(c, after ? entryEnd : entryStart, 0, v);
    c.count++;
    this.length++;
    this.afterGrowth(c);
  }

  /** Replaces `oldSize` bytes at c's offset `off` with an entry holding v (counts unchanged). */
  private replaceBytes(c: ListChunk, off: number, oldSize: number, v: Uint8Array): void {
    const size = entrySize(v.length);
    const delta = size - oldSize;
    if (delta > 0) {
      // Shift the shorter side outwards.
      const toHead = off - c.start < c.end - off - oldSize;
      if (toHead) {
        if (c.start < delta) {
          const rel = off - c.start;
          QuickList.makeRoom(c, delta, true);
          off = c.start + rel;
        }
        c.buf.copyWithin(c.start - delta, c.start, off);
        c.start -= delta;
        off -= delta;
      } else {
        if (c.buf.length - c.end < delta) {
          const rel = off - c.start;
          QuickList.makeRoom(c, delta, false);
          off = c.start + rel;
        }
        c.buf.copyWithin(off + size, off + oldSize, c.end);
        c.end += delta;
      }
    } else if (delta < 0) {
      c.buf.copyWithin(off + size, off + oldSize, c.end);
      c.end += delta;
    }
    writeEntry(c.buf, off, v);
  }

  // -------------------------------------------------------------------------------------------
  // Whole-list operations

  /**
   * Redis LREM: removes elements equal to v, at most `limit` of them (0: all), scanning from the head
   * (fromTail false) or the tail. Returns how many were removed.
   */
  remove(v: Uint8Array, limit: number, fromTail: boolean): number {
    let removed = 0;
    const it = fromTail ? new ListCursor(this.tail, this.tail?.end ?? 0, false) : new ListCursor(this.head, this.head?.start ?? 0, true);
    // Entry offsets to drop, per chunk (ascending once the chunk is done).
    let chunk: ListChunk | null = null;
    let drop: number[] = [];
    const flush = (): void => {
      if (chunk === null || drop.length === 0) return;
      if (fromTail) drop.reverse();
      this.compact(chunk, drop);
      drop = [];
    };
    while ((limit === 0 || removed < limit) && it.next()) {
      if (it.chunk !== chunk) {
        flush();
        chunk = it.chunk;
      }
      if (it.equals(v)) {
        drop.push(it.entryStart);
        removed++;
      }
    }
    flush();
    if (removed > 0) this.mergePass();
    return removed;
  }

  /** Drops the entries starting at the given (ascending) offsets from chunk c, moving the rest down. */
  private compact(c: ListChunk, drop: number[]): void {
    const buf = c.buf;
    let write = drop[0];
    for (let j = 0; j < drop.length; j++) {
      const from = drop[j] + entrySize(readForward(buf, drop[j]));
      const to = j + 1 < drop.length ? drop[j + 1] : c.end;
      buf.copyWithin(write, from, to);
      write += to - from;
    }
    c.end = write;
    c.count -= drop.length;
    this.length -= drop.length;
  }

  /** Every element, head to tail, as views (valid until the list is modified). */
  forEach(fn: (buf: Buffer, off: number, len: number) => void): void {
    for (let c = this.head; c !== null; c = c.next) {
      const buf = c.buf;
      for (let p = c.start; p < c.end; ) {
        const len = readForward(buf, p);
        const size = entrySize(len);
        fn(buf, p + ((size - len) >> 1), len);
        p += size;
      }
    }
  }

  /** A deep copy. */
  clone(): QuickList {
    const out = new QuickList(this.fill);
    for (let c = this.head; c !== null; c = c.next) {
      const used = c.end - c.start;
      const copy = new ListChunk(Buffer.allocUnsafe(used), 0);
      c.buf.copy(copy.buf, 0, c.start, c.end);
      copy.end = used;
      copy.count = c.count;
      out.link(copy, out.tail);
    }
    out.length = this.length;
    return out;
  }

  /** The elements as one buffer: fill (int32), then every entry ([varint len][bytes][mirror]). */
  serialize(): Buffer {
    let total = 4;
    for (let c = this.head; c !== null; c = c.next) total += c.end - c.start;
    const out = Buffer.allocUnsafe(total);
    out.writeInt32LE(this.fill, 0);
    let at = 4;
    for (let c = this.head; c !== null; c = c.next) at += c.buf.copy(out, at, c.start, c.end);
    return out;
  }

  /** The list that serialize() wrote into b. */
  static deserialize(b: Buffer): QuickList {
    const list = new QuickList(b.readInt32LE(0));
    for (let p = 4; p < b.length; ) {
      const len = readForward(b, p);
      const size = entrySize(len);
      const data = p + ((size - len) >> 1);
      list.push(b.subarray(data, data + len), false);
      p += size;
    }
    return list;
  }

  /** Checks the structure's invariants (tests). Throws on a violation. */
  check(): void {
    let n = 0;
    let chunks = 0;
    let prev: ListChunk | null = null;
    for (let c = this.head; c !== null; c = c.next) {
      if (c.prev !== prev) throw new Error('broken prev link');
      if (c.count === 0) throw new Error('empty chunk');
      if (c.start < 0 || c.end > c.buf.length || c.start > c.end) throw new Error('chunk bounds');
      let k = 0;
      for (let p = c.start; p < c.end; k++) {
        const len = readForward(c.buf, p);
        const size = entrySize(len);
        if (readBackward(c.buf, p + size) !== len) throw new Error('entry mirror mismatch');
        p += size;
        if (p > c.end) throw new Error('entry overruns chunk');
      }
      if (k !== c.count) throw new Error(`chunk count ${c.count} but ${k} entries`);
      if (c.count > 1 && !fits(c.bytes, c.count, this.fill)) throw new Error('chunk over the fill limit');
      n += c.count;
      chunks++;
      prev = c;
    }
    if (prev !== this.tail) throw new Error('tail mismatch');
    if (n !== this.length) throw new Error(`length ${this.length} but ${n} entries`);
    if (chunks !== this.chunks) throw new Error('chunk count mismatch');
  }
}
