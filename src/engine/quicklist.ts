// QuickList: the value of a Redis list, in Redis 7.2's two encodings. A `listpack` list is one chunk
// with no size rule; a `quicklist` is a doubly linked deque of chunks whose boundaries follow Redis's
// quicklist node rules (quicklist.c: where pushes open a new node, how LINSERT splits and merges,
// that deletions never merge and LSET never splits). A chunk is one Buffer holding its entries back to
// back between `start` and `end`, with free room on both sides (pushes and pops at either end are
// amortised O(1)); an entry is [varint length][bytes][the same varint mirrored], so it can be read
// from either end. Each chunk also counts the bytes Redis's listpack would take for its entries
// (`lp`), the number Redis's limits are applied to.
// Invariants: no chunk is empty; a listpack has at most one chunk; `length` is the sum of the chunk
// counts; a chunk's `lp` is LP_HEADER plus lpEntrySize of its entries; `fill` is the clamped
// list-max-listpack-size of the moment the list became a quicklist; positional access walks chunks
// by their counts from the nearer end, then entries inside one chunk.

import { KIND_LIST, type TypedValue, type ValueKind } from './value-kind.ts';
import { AccountedValue, BUFFER_HEADER, objectBytes } from './value-memory.ts';
import { LP_ESTIMATE_OVERHEAD, LP_HEADER, clampFill, exceedsLimit, lpEntrySize, nodeLimit } from './listpack-size.ts';

/** A chunk buffer is never allocated smaller than this. */
const MIN_CAPACITY = 64;
/** Chunk buffers up to this size are allocated with room to grow; bigger ones exactly. */
const GROWABLE = 128 * 1024;

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

/** The listpack bytes of the entries between byte offsets `from` and `to` of buf. */
function lpBytesOf(buf: Buffer, from: number, to: number): number {
  let sum = 0;
  for (let p = from; p < to; ) {
    const len = readForward(buf, p);
    const size = entrySize(len);
    sum += lpEntrySize(buf, p + ((size - len) >> 1), len);
    p += size;
  }
  return sum;
}

/**
 * A chunk's buffer: never a slice of Node's shared pool (Buffer.allocUnsafe's, for small sizes), which
 * a live slice keeps whole — small chunks spread over the pool's slabs held ~4.7x their bytes (200
 * lists of 2000 short entries: 34 MB of slabs for 7.6 MB of chunks). Its own ArrayBuffer is freed with it.
 */
/** A chunk's fixed bytes: its object, its Buffer, and the ArrayBuffer with its backing-store record. */
const CHUNK_BYTES = objectBytes(7) + BUFFER_HEADER + 144;

function chunkBuffer(size: number): Buffer {
  return Buffer.allocUnsafeSlow(size);
}

/** The listpack bytes of value v. */
function lpOf(v: Uint8Array): number {
  return lpEntrySize(v, 0, v.length);
}

export class ListChunk {
  buf: Buffer;
  /** Offset of the first entry. */
  start: number;
  /** Offset just after the last entry. */
  end: number;
  count = 0;
  /** Bytes of the listpack Redis would hold for these entries (its node `sz`). */
  lp = LP_HEADER;
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

  /** Byte offset of entry i (0 <= i <= count; count: the end), scanning from the nearer end. */
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
  /** The chunk, the byte range and the index inside the chunk of the current entry. */
  chunk: ListChunk | null;
  entryStart = 0;
  entryEnd = 0;
  index: number;
  private readonly forward: boolean;
  /** Forward: where the next entry starts; backward: where it ends. */
  private pos: number;

  /** `index`: the in-chunk index of the entry before (forward) or after (backward) `pos`. */
  constructor(chunk: ListChunk | null, pos: number, forward: boolean, index: number) {
    this.chunk = chunk;
    this.pos = pos;
    this.forward = forward;
    this.index = index;
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
        this.index = -1;
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
      this.index++;
    } else {
      if (this.pos <= c.start) {
        c = this.chunk = c.prev;
        if (c === null) return false;
        this.pos = c.end;
        this.index = c.count;
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
      this.index--;
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

export type ListEncoding = 'listpack' | 'quicklist';

export class QuickList extends AccountedValue implements TypedValue {
  readonly kindId = KIND_LIST;
  /** Entry bytes in all chunks (the sum of their end - start), kept on every change for memBytes(). */
  private entryBytes = 0;
  /** Redis 7.2's OBJ_ENCODING_LISTPACK (one chunk, no node rules) or OBJ_ENCODING_QUICKLIST. */
  encoding: ListEncoding;
  /** The quicklist's fill (list-max-listpack-size clamped to -5..32767); unused by a listpack. */
  fill: number;
  head: ListChunk | null = null;
  tail: ListChunk | null = null;
  length = 0;
  chunks = 0;

  /** An empty list; a quicklist keeps `fill` (clamped as Redis's quicklistSetFill). */
  constructor(encoding: ListEncoding, fill = -2) {
    super();
    this.encoding = encoding;
    this.fill = clampFill(fill);
  }

  // -------------------------------------------------------------------------------------------
  // Encoding conversions (Redis 7.2 t_list.c)

  /** The listpack's bytes (lpBytes): meaningful for a listpack, whose single chunk it is. */
  get lpBytes(): number {
    return this.head === null ? LP_HEADER : this.head.lp;
  }

  /**
   * Redis listTypeTryConvertListpack, before adding `addCount` elements of `addBytes` bytes in all: a
   * listpack whose bytes plus those (or whose length plus that count) would exceed list-max-listpack-size
   * `fill` becomes a quicklist of one node (none if empty), which keeps `fill`.
   */
  growFor(fill: number, addBytes: number, addCount: number): void {
    if (this.encoding !== 'listpack') return;
    if (!exceedsLimit(fill, this.lpBytes + addBytes, this.length + addCount)) return;
    this.encoding = 'quicklist';
    this.fill = clampFill(fill);
  }

  /**
   * Redis listTypeTryConvertQuicklist: a quicklist of a single node becomes a listpack when that node
   * is within list-max-listpack-size `fill` — within half of it when `shrinking` (after removals, so
   * that a list at the limit does not convert back and forth).
   */
  shrinkFor(fill: number, shrinking: boolean): void {
    if (this.encoding !== 'quicklist' || this.chunks !== 1) return;
    let { size, count } = nodeLimit(fill);
    if (shrinking) {
      size = Math.floor(size / 2);
      count = Math.floor(count / 2);
    }
    if (this.head!.lp > size || this.length > count) return;
    this.encoding = 'listpack';
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
    return new ListChunk(chunkBuffer(cap), atTail ? 0 : cap);
  }

  /**
   * Makes room for `extra` bytes at the head side (start) or tail side (end) of chunk c: moves the
   * entries inside their buffer when it is at most half full, otherwise moves them to a bigger one.
   */
  private static makeRoom(c: ListChunk, extra: number, atHead: boolean): void {
    const used = c.end - c.start;
    const need = used + extra;
    let buf = c.buf;
    if (need * 2 > buf.length) buf = chunkBuffer(need >= GROWABLE ? need : Math.max(MIN_CAPACITY, need * 2));
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
    const buf = chunkBuffer(used);
    c.buf.copy(buf, 0, c.start, c.end);
    c.buf = buf;
    c.start = 0;
    c.end = used;
  }

  /** Adds v as the first (atHead) or last entry of chunk c. */
  private static addAtEnd(c: ListChunk, v: Uint8Array, atHead: boolean): void {
    const size = entrySize(v.length);
    if (atHead) {
      if (c.start < size) QuickList.makeRoom(c, size, true);
      c.start -= size;
      writeEntry(c.buf, c.start, v);
    } else {
      if (c.buf.length - c.end < size) QuickList.makeRoom(c, size, false);
      c.end = writeEntry(c.buf, c.end, v);
    }
    c.count++;
    c.lp += lpOf(v);
  }

  /** A new chunk holding v alone, linked after `after` (null: as the head). */
  private chunkWith(v: Uint8Array, after: ListChunk | null, atTail: boolean): ListChunk {
    const c = QuickList.newChunk(entrySize(v.length), atTail);
    QuickList.addAtEnd(c, v, !atTail);
    this.link(c, after);
    return c;
  }

  /** Redis _quicklistNodeAllowInsert: whether c can take one more value of `len` bytes. */
  private allowInsert(c: ListChunk | null, len: number): boolean {
    return c !== null && !exceedsLimit(this.fill, c.lp + len + LP_ESTIMATE_OVERHEAD, c.count + 1);
  }

  /** Redis _quicklistNodeAllowMerge: whether a and b joined stay within the fill. */
  private allowMerge(a: ListChunk | null, b: ListChunk | null): boolean {
    return a !== null && b !== null && !exceedsLimit(this.fill, a.lp + b.lp - LP_HEADER, a.count + b.count);
  }

  /** Joins chunk c and its next chunk into c (Redis _quicklistListpackMerge). */
  private joinNext(c: ListChunk): void {
    const n = c.next!;
    const extra = n.end - n.start;
    if (c.buf.length - c.end < extra) QuickList.makeRoom(c, extra, false);
    n.buf.copy(c.buf, c.end, n.start, n.end);
    c.end += extra;
    c.count += n.count;
    c.lp += n.lp - LP_HEADER;
    this.unlink(n);
  }

  /**
   * Splits chunk c at byte offset `at`, where `firstCount` entries lie before it (Redis
   * _quicklistSplitNode); the part that leaves c becomes a new chunk next to it: the head part when
   * `newFirst`, else the tail part. Returns the new chunk.
   */
  private splitAt(c: ListChunk, at: number, firstCount: number, newFirst: boolean): ListChunk {
    const from = newFirst ? c.start : at;
    const to = newFirst ? at : c.end;
    const part = QuickList.newChunk(to - from, !newFirst);
    const bytes = to - from;
    if (newFirst) part.start = part.buf.length - bytes;
    c.buf.copy(part.buf, part.start, from, to);
    part.end = part.start + bytes;
    part.count = newFirst ? firstCount : c.count - firstCount;
    part.lp = LP_HEADER + lpBytesOf(part.buf, part.start, part.end);
    c.count -= part.count;
    c.lp -= part.lp - LP_HEADER;
    if (newFirst) c.start = at;
    else c.end = at;
    this.link(part, newFirst ? c.prev : c);
    return part;
  }

  /**
   * Redis _quicklistMergeNodes around `center`: (prev_prev, prev), (next, next_next), (prev, center),
   * then (the result, its next), each when the pair fits the fill.
   */
  private mergeAround(center: ListChunk): void {
    const prev = center.prev;
    const prevPrev = prev === null ? null : prev.prev;
    const next = center.next;
    const nextNext = next === null ? null : next.next;
    if (this.allowMerge(prev, prevPrev)) this.joinNext(prevPrev!);
    if (this.allowMerge(next, nextNext)) this.joinNext(next!);
    let target = center;
    if (this.allowMerge(center, center.prev)) {
      target = center.prev!;
      this.joinNext(target);
    }
    if (this.allowMerge(target, target.next)) this.joinNext(target);
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

  /** Pushes v at the head (left) or the tail (Redis quicklistPushHead / quicklistPushTail). */
  push(v: Uint8Array, left: boolean): void {
    const c = left ? this.head : this.tail;
    if (c === null || (this.encoding === 'quicklist' && !this.allowInsert(c, v.length))) {
      this.chunkWith(v, left ? null : this.tail, !left);
      if (c !== null) QuickList.seal(c);
    } else QuickList.addAtEnd(c, v, left);
    this.length++;
    this.entryBytes += entrySize(v.length);
    this.resized();
  }

  /** Removes and returns (a copy of) the head or tail element; null when the list is empty. */
  pop(left: boolean): Buffer | null {
    const c = left ? this.head : this.tail;
    if (c === null) return null;
    const buf = c.buf;
    let off: number;
    let len: number;
    if (left) {
      len = readForward(buf, c.start);
      const size = entrySize(len);
      off = c.start + ((size - len) >> 1);
      c.start += size;
    } else {
      len = readBackward(buf, c.end);
      const size = entrySize(len);
      c.end -= size;
      off = c.end + ((size - len) >> 1);
    }
    const out = Buffer.allocUnsafe(len);
    buf.copy(out, 0, off, off + len);
    c.lp -= lpOf(out);
    if (--c.count === 0) this.unlink(c);
    this.length--;
    this.entryBytes -= entrySize(len);
    this.resized();
    return out;
  }

  /** Removes n elements (n <= length) from the head (left) or the tail (Redis quicklistDelRange at an end). */
  removeEnd(n: number, left: boolean): void {
    this.length -= n;
    while (n > 0) {
      const c = left ? this.head! : this.tail!;
      if (n >= c.count) {
        n -= c.count;
        this.entryBytes -= c.end - c.start;
        this.unlink(c);
        continue;
      }
      const cut = left ? c.offsetOf(n) : c.offsetOf(c.count - n);
      // Count the listpack bytes of the smaller side.
      if (2 * n <= c.count) c.lp -= left ? lpBytesOf(c.buf, c.start, cut) : lpBytesOf(c.buf, cut, c.end);
      else c.lp = LP_HEADER + (left ? lpBytesOf(c.buf, cut, c.end) : lpBytesOf(c.buf, c.start, cut));
      this.entryBytes -= left ? cut - c.start : c.end - cut;
      if (left) c.start = cut;
      else c.end = cut;
      c.count -= n;
      n = 0;
    }
    this.resized();
  }

  // -------------------------------------------------------------------------------------------
  // Positions

  /** A cursor on the element before index `i` (forward) or after it (backward); next() lands on i. */
  cursor(i: number, forward: boolean): ListCursor {
    if (this.length === 0) return new ListCursor(null, 0, forward, 0);
    const [c, k] = this.chunkAt(i);
    const off = c.offsetOf(k);
    if (forward) return new ListCursor(c, off, true, k - 1);
    return new ListCursor(c, off + entrySize(readForward(c.buf, off)), false, k + 1);
  }

  /** A view of element i (0 <= i < length), valid until the list is modified. */
  at(i: number): Buffer {
    const [c, k] = this.chunkAt(i);
    const off = c.offsetOf(k);
    const len = readForward(c.buf, off);
    const data = off + ((entrySize(len) - len) >> 1);
    return c.buf.subarray(data, data + len);
  }

  /** Replaces element i (0 <= i < length) with v, in its chunk whatever its size (Redis lpReplace). */
  set(i: number, v: Uint8Array): void {
    const [c, k] = this.chunkAt(i);
    const off = c.offsetOf(k);
    const len = readForward(c.buf, off);
    const oldSize = entrySize(len);
    c.lp += lpOf(v) - lpEntrySize(c.buf, off + ((oldSize - len) >> 1), len);
    this.replaceBytes(c, off, oldSize, v);
    this.entryBytes += entrySize(v.length) - oldSize;
    this.resized();
  }

  /**
   * Inserts v before or after the cursor's current entry (LINSERT). A listpack, or a quicklist node
   * with room, takes it in place; otherwise Redis's _quicklistInsert: at a node's edge the neighbour
   * with room, or a new node; inside a full node, a split with v at the cut and a merge pass around it.
   */
  insertAt(it: ListCursor, v: Uint8Array, after: boolean): void {
    const c = it.chunk!;
    const k = it.index;
    this.length++;
    this.entryBytes += entrySize(v.length);
    if (this.encoding === 'listpack' || this.allowInsert(c, v.length)) {
      this.replaceBytes(c, after ? it.entryEnd : it.entryStart, 0, v);
      c.count++;
      c.lp += lpOf(v);
      this.resized();
      return;
    }
    const atTail = after && k === c.count - 1;
    const atHead = !after && k === 0;
    if (atTail && this.allowInsert(c.next, v.length)) QuickList.addAtEnd(c.next!, v, true);
    else if (atHead && this.allowInsert(c.prev, v.length)) QuickList.addAtEnd(c.prev!, v, false);
    else if (atTail) this.chunkWith(v, c, true);
    else if (atHead) this.chunkWith(v, c.prev, false);
    else {
      const part = after ? this.splitAt(c, it.entryEnd, k + 1, false) : this.splitAt(c, it.entryStart, k, true);
      QuickList.addAtEnd(part, v, after);
      this.mergeAround(c);
    }
    this.resized();
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
   * (fromTail false) or the tail. Chunks left empty go; the others are not joined (Redis's
   * quicklistDelIndex merges nothing). Returns how many were removed.
   */
  remove(v: Uint8Array, limit: number, fromTail: boolean): number {
    let removed = 0;
    const it = fromTail
      ? new ListCursor(this.tail, this.tail?.end ?? 0, false, this.tail?.count ?? 0)
      : new ListCursor(this.head, this.head?.start ?? 0, true, -1);
    const lp = lpOf(v);
    // Entry offsets to drop, per chunk (ascending once the chunk is done).
    let chunk: ListChunk | null = null;
    let drop: number[] = [];
    const emptied: ListChunk[] = [];
    const flush = (): void => {
      if (chunk === null || drop.length === 0) return;
      if (fromTail) drop.reverse();
      this.compact(chunk, drop, lp);
      if (chunk.count === 0) emptied.push(chunk);
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
    for (const c of emptied) this.unlink(c);
    if (removed > 0) this.resized();
    return removed;
  }

  /** Drops the entries (each of `lp` listpack bytes) starting at the given ascending offsets from chunk c. */
  private compact(c: ListChunk, drop: number[], lp: number): void {
    const buf = c.buf;
    let write = drop[0];
    for (let j = 0; j < drop.length; j++) {
      const from = drop[j] + entrySize(readForward(buf, drop[j]));
      const to = j + 1 < drop.length ? drop[j + 1] : c.end;
      buf.copyWithin(write, from, to);
      write += to - from;
    }
    this.entryBytes -= c.end - write;
    c.end = write;
    c.count -= drop.length;
    c.lp -= lp * drop.length;
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

  /**
   * The model's bytes, from counters (O(1)): a fixed part per chunk (object, Buffer, its own
   * ArrayBuffer and backing store: CHUNK_BYTES) plus the entries, and an eighth on top for the room
   * chunks keep to grow into (measured: within ~15% of V8's heap and external bytes, lists of 3 to
   * 2000 entries of 16 to 1000 bytes).
   */
  memBytes(): number {
    return objectBytes(9) + this.chunks * CHUNK_BYTES + this.entryBytes + (this.entryBytes >> 3);
  }

  /** A deep copy: same encoding, fill and chunk boundaries (Redis listTypeDup). */
  clone(): QuickList {
    const out = new QuickList(this.encoding, this.fill);
    for (let c = this.head; c !== null; c = c.next) {
      const used = c.end - c.start;
      const copy = new ListChunk(chunkBuffer(used), 0);
      c.buf.copy(copy.buf, 0, c.start, c.end);
      copy.end = used;
      copy.count = c.count;
      copy.lp = c.lp;
      out.link(copy, out.tail);
    }
    out.length = this.length;
    out.entryBytes = this.entryBytes;
    return out;
  }

  /**
   * The list as one buffer: encoding (u8, 1: quicklist), fill (i32), then per chunk its entry count
   * (u32), byte length (u32) and entries ([varint len][bytes][mirror]) — so the copy keeps the chunks.
   */
  serialize(): Buffer {
    let total = 5;
    for (let c = this.head; c !== null; c = c.next) total += 8 + c.end - c.start;
    const out = Buffer.allocUnsafe(total);
    out[0] = this.encoding === 'quicklist' ? 1 : 0;
    out.writeInt32LE(this.fill, 1);
    let at = 5;
    for (let c = this.head; c !== null; c = c.next) {
      out.writeUInt32LE(c.count, at);
      out.writeUInt32LE(c.end - c.start, at + 4);
      at += 8;
      at += c.buf.copy(out, at, c.start, c.end);
    }
    return out;
  }

  /** The list that serialize() wrote into b. */
  static deserialize(b: Buffer): QuickList {
    const list = new QuickList(b[0] === 1 ? 'quicklist' : 'listpack', b.readInt32LE(1));
    for (let p = 5; p < b.length; ) {
      const count = b.readUInt32LE(p);
      const bytes = b.readUInt32LE(p + 4);
      p += 8;
      const c = new ListChunk(chunkBuffer(bytes), 0);
      b.copy(c.buf, 0, p, p + bytes);
      c.end = bytes;
      c.count = count;
      c.lp = LP_HEADER + lpBytesOf(c.buf, 0, bytes);
      list.link(c, list.tail);
      list.length += count;
      list.entryBytes += bytes;
      p += bytes;
    }
    return list;
  }

  /** Checks the structure's invariants (tests). Throws on a violation. */
  check(): void {
    let n = 0;
    let chunks = 0;
    let bytes = 0;
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
      const lp = LP_HEADER + lpBytesOf(c.buf, c.start, c.end);
      if (c.lp !== lp) throw new Error(`chunk lp ${c.lp} but ${lp} listpack bytes`);
      n += c.count;
      chunks++;
      bytes += c.end - c.start;
      prev = c;
    }
    if (prev !== this.tail) throw new Error('tail mismatch');
    if (n !== this.length) throw new Error(`length ${this.length} but ${n} entries`);
    if (chunks !== this.chunks) throw new Error('chunk count mismatch');
    if (bytes !== this.entryBytes) throw new Error(`entryBytes ${this.entryBytes} but ${bytes} in the chunks`);
    if (this.encoding === 'listpack' && chunks > 1) throw new Error('a listpack of several chunks');
  }
}

/** The list kind (TYPE list). */
export const LIST_KIND: ValueKind<QuickList> = {
  id: KIND_LIST,
  type: 'list',
  // Redis 7.2's names: 'listpack' for a small list, 'quicklist' (7.0 answers it for every list).
  encoding: (v) => v.encoding,
  clone: (v) => v.clone(),
  heapBytes: (v) => v.memBytes(),
  serialize: (v) => v.serialize(),
  deserialize: (b) => QuickList.deserialize(b),
  digest: (v, sink) => v.forEach((buf, off, len) => sink.mix(buf.subarray(off, off + len))),
};
