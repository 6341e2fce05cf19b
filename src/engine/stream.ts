// Stream: a Redis stream value — entries (ID + field/value pairs) packed off the V8 heap in nodes of
// bytes, like Redis's listpacks in a rax: each node has a master ID (its first entry's) and master
// fields (its first entry's field names); its entries store the ID as deltas from the master and only
// the values when their fields are the master's. Nodes sit in an array ordered by master ID (binary
// search). XDEL flags an entry deleted in place; a node whose entries are all deleted goes away.
// Invariants: entry IDs strictly ascend across the whole stream; `length` counts live entries;
// lastId/firstId/maxDeletedEntryId/entriesAdded change exactly as in Redis 7.0's t_stream.c (firstId
// is 0-0 on an empty stream); a new node starts when the last one reached stream-node-max-entries
// (live + deleted) or its Redis listpack size (tracked exactly, `lpBytes`) plus the new entry's
// field/value bytes reaches stream-node-max-bytes — so node boundaries, and therefore `~` trimming,
// are Redis's; memBytes() is O(1) and every mutation ends in resized() (value-memory.ts).
// Consumer groups live in `groups` (the groups module fills it; clone/serialize call its hooks).

import { BinReader, BinWriter } from '../util/codec.ts';
import { LP_HEADER, lpEntrySize, lpIntSize } from './listpack-size.ts';
import { compareIds, MAX_ID, MIN_ID, StreamId, u64Text } from './stream-id.ts';
import { KIND_STREAM, type TypedValue, type ValueKind } from './value-kind.ts';
import { AccountedValue, BUFFER_HEADER, arrayBytes, objectBytes } from './value-memory.ts';

/** The node limits (CONFIG stream-node-max-bytes / stream-node-max-entries; 0 = no limit). */
export interface StreamLimits {
  nodeMaxBytes: number;
  nodeMaxEntries: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = { nodeMaxBytes: 4096, nodeMaxEntries: 100 };

/** Redis's STREAM_LISTPACK_MAX_SIZE: the cap of a node's bytes and of one entry's field/value bytes. */
export const STREAM_LISTPACK_MAX_SIZE = 1 << 30;

/** Trimming arguments (Redis's streamAddTrimArgs). */
export interface TrimArgs {
  /** 'maxlen' keeps at most `maxlen` entries; 'minid' removes entries below `minid`. */
  strategy: 'maxlen' | 'minid';
  maxlen: number;
  minid: StreamId;
  /** `~`: only whole nodes. */
  approx: boolean;
  /** Most entries to remove (0: no limit). */
  limit: number;
}

/** Called with each entry of a range: its ID and [field, value, field, value...] views (valid only during the call). */
export type EntryVisitor = (id: StreamId, fieldsValues: Buffer[]) => void;

/** What the consumer-groups module provides so a stream's groups travel with it (COPY, cross-shard moves). */
export interface StreamGroupsHooks {
  clone(groups: Map<string, unknown>): Map<string, unknown>;
  write(w: BinWriter, groups: Map<string, unknown>): void;
  read(r: BinReader): Map<string, unknown>;
  /** Heap bytes of the groups (added to the stream's memBytes()). */
  memBytes(groups: Map<string, unknown>): number;
}

let groupsHooks: StreamGroupsHooks | null = null;

/** The groups module registers its hooks here (once, at import). */
export function setStreamGroupsHooks(h: StreamGroupsHooks): void {
  groupsHooks = h;
}

const FLAG_DELETED = 1;
const FLAG_SAMEFIELDS = 2;
/** Our own flag: the ID is stored in full (16 bytes) rather than as varint deltas. */
const FLAG_FULLID = 4;

const TWO32 = 4294967296;
const EXACT_HI = 0x200000;
/** Smallest node buffer. */
const MIN_NODE_BUFFER = 64;

/** lpIntSize of the int64 Redis stores for a - b (uint64 halves, wrapping). */
function lpDiffSize(aHi: number, aLo: number, bHi: number, bLo: number): number {
  if (aHi < EXACT_HI && bHi < EXACT_HI) return lpIntSize(aHi * TWO32 + aLo - (bHi * TWO32 + bLo));
  const d = BigInt.asIntN(64, ((BigInt(aHi) << 32n) | BigInt(aLo)) - ((BigInt(bHi) << 32n) | BigInt(bLo)));
  return d >= -2147483648n && d <= 2147483647n ? lpIntSize(Number(d)) : 10;
}

function varintSize(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** One node: a master ID, master fields and packed entries (see the header). */
class StreamNode {
  buf: Buffer;
  /** Bytes of buf in use. */
  used = 0;
  /** The master ID (first entry's ID when the node was made; the node's key). */
  master: StreamId;
  /** The ID of the node's last entry, deleted or not. */
  last: StreamId;
  /** Entries, live and deleted. */
  count = 0;
  live = 0;
  /** Master fields: their count; they are encoded at buf[0..fieldsEnd). */
  masterFields = 0;
  fieldsEnd = 0;
  /** Redis's listpack bytes of the node, without the header and the live/deleted counters. */
  lpBody = 0;

  constructor(master: StreamId, size: number) {
    this.master = master;
    this.last = master;
    this.buf = Buffer.allocUnsafeSlow(Math.max(size, MIN_NODE_BUFFER));
  }

  /** Redis's lpBytes() of this node's listpack. */
  lpBytes(): number {
    return LP_HEADER + lpIntSize(this.live) + lpIntSize(this.count - this.live) + this.lpBody;
  }

  ensure(n: number): number {
    const need = this.used + n;
    if (need <= this.buf.length) return 0;
    const old = this.buf.length;
    const next = Buffer.allocUnsafeSlow(Math.max(need, old * 2));
    this.buf.copy(next, 0, 0, this.used);
    this.buf = next;
    return next.length - old;
  }

  /** Gives back unused buffer bytes (a node that will not grow any more); returns the change. */
  shrink(): number {
    const old = this.buf.length;
    if (old - this.used < 16) return 0;
    const next = Buffer.allocUnsafeSlow(Math.max(this.used, 1));
    this.buf.copy(next, 0, 0, this.used);
    this.buf = next;
    return next.length - old;
  }

  putVarint(v: number): void {
    const b = this.buf;
    let p = this.used;
    while (v >= 128) {
      b[p++] = (v % 128) | 128;
      v = Math.floor(v / 128);
    }
    b[p++] = v;
    this.used = p;
  }

  putBytes(src: Uint8Array): void {
    this.putVarint(src.length);
    this.buf.set(src, this.used);
    this.used += src.length;
  }
}

/** Per-node heap bytes besides its buffer's bytes: the node object, its two IDs, the Buffer. */
const NODE_OVERHEAD = objectBytes(10) + 2 * objectBytes(4) + BUFFER_HEADER;
/** The stream object with its own IDs. */
const STREAM_OVERHEAD = objectBytes(12) + 4 * objectBytes(4) + objectBytes(4);

// The decoder's scratch: the entry header read by readHeader().
let hFlags = 0;
let hMsHi = 0;
let hMsLo = 0;
let hSeqHi = 0;
let hSeqLo = 0;
let vPos = 0;

function readVarint(b: Buffer): number {
  let p = vPos;
  let c = b[p++];
  if (c < 128) {
    vPos = p;
    return c;
  }
  let v = c & 127;
  let mul = 128;
  for (;;) {
    c = b[p++];
    v += (c & 127) * mul;
    if (c < 128) break;
    mul *= 128;
  }
  vPos = p;
  return v;
}

/** Reads the entry header at `pos` of `node` into the scratch; returns the position of its body. */
function readHeader(node: StreamNode, pos: number): number {
  const b = node.buf;
  hFlags = b[pos];
  if ((hFlags & FLAG_FULLID) !== 0) {
    hMsHi = b.readUInt32BE(pos + 1);
    hMsLo = b.readUInt32BE(pos + 5);
    hSeqHi = b.readUInt32BE(pos + 9);
    hSeqLo = b.readUInt32BE(pos + 13);
    return pos + 17;
  }
  vPos = pos + 1;
  const ms = node.master.msHi * TWO32 + node.master.msLo + readVarint(b);
  const seq = readVarint(b);
  if (ms < TWO32) {
    hMsHi = 0;
    hMsLo = ms;
  } else {
    hMsHi = Math.floor(ms / TWO32);
    hMsLo = ms - hMsHi * TWO32;
  }
  if (seq < TWO32) {
    hSeqHi = 0;
    hSeqLo = seq;
  } else {
    hSeqHi = Math.floor(seq / TWO32);
    hSeqLo = seq - hSeqHi * TWO32;
  }
  return vPos;
}

/** Compares the scratch header's ID with `id`. */
function cmpHeader(id: StreamId): number {
  if (hMsHi !== id.msHi) return hMsHi - id.msHi;
  if (hMsLo !== id.msLo) return hMsLo - id.msLo;
  if (hSeqHi !== id.seqHi) return hSeqHi - id.seqHi;
  return hSeqLo - id.seqLo;
}

/** Position after the entry body at `pos` (the header's flags are in the scratch). */
function skipBody(node: StreamNode, pos: number): number {
  const b = node.buf;
  vPos = pos;
  const n = (hFlags & FLAG_SAMEFIELDS) !== 0 ? node.masterFields : 2 * readVarint(b);
  for (let i = 0; i < n; i++) {
    const len = readVarint(b);
    vPos += len;
  }
  return vPos;
}

function headerId(): StreamId {
  return new StreamId(hMsHi, hMsLo, hSeqHi, hSeqLo);
}

// Reverse iteration needs a node's entry positions (entries are read forwards). The last node read
// backwards keeps them, extended as entries are appended (positions never move: deletions flag in
// place), so reading the tail of a stream backwards decodes only the new entries. A nested reverse
// read (a visitor reading again) gets its own array.
let positionsOf: StreamNode | null = null;
let positionsEnd = 0;
const positionsCache: number[] = [];
let reverseDepth = 0;

function entryPositions(node: StreamNode): number[] {
  let out = positionsCache;
  let pos = node.fieldsEnd;
  if (reverseDepth > 1) out = [];
  else if (positionsOf === node) pos = positionsEnd;
  else {
    positionsOf = node;
    out.length = 0;
  }
  while (pos < node.used) {
    out.push(pos);
    pos = skipBody(node, readHeader(node, pos));
  }
  if (out === positionsCache) positionsEnd = pos;
  return out;
}

/** Receives entries from Stream.rangeRaw (see there). */
export interface RawEntrySink {
  entry(msHi: number, msLo: number, seqHi: number, seqLo: number, fields: number): void;
  bytes(buf: Buffer, off: number, len: number): void;
}

/** Sends the entry whose header is in the scratch (body at `pos`) to `sink`; returns the position after it. */
function emitBody(node: StreamNode, pos: number, sink: RawEntrySink): number {
  const b = node.buf;
  if ((hFlags & FLAG_SAMEFIELDS) !== 0) {
    vPos = 0;
    const nf = readVarint(b);
    let fp = vPos;
    let vp = pos;
    sink.entry(hMsHi, hMsLo, hSeqHi, hSeqLo, nf);
    for (let i = 0; i < nf; i++) {
      vPos = fp;
      const fl = readVarint(b);
      fp = vPos + fl;
      sink.bytes(b, vPos, fl);
      vPos = vp;
      const vl = readVarint(b);
      vp = vPos + vl;
      sink.bytes(b, vPos, vl);
    }
    return vp;
  }
  vPos = pos;
  const nf = readVarint(b);
  sink.entry(hMsHi, hMsLo, hSeqHi, hSeqLo, nf);
  for (let i = 2 * nf; i > 0; i--) {
    const l = readVarint(b);
    const at = vPos;
    vPos += l;
    sink.bytes(b, at, l);
  }
  return vPos;
}

/** range()'s adapter from the raw sink to (StreamId, Buffer views) visits. */
const collector = {
  visit: null as EntryVisitor | null,
  withBodies: true,
  id: MIN_ID,
  fv: null as Buffer[] | null,
  left: 0,
  entry(msHi: number, msLo: number, seqHi: number, seqLo: number, fields: number): void {
    if (this.fv !== null) this.flush();
    this.id = new StreamId(msHi, msLo, seqHi, seqLo);
    this.fv = [];
    this.left = 2 * fields;
    if (fields === 0) this.flush();
  },
  bytes(buf: Buffer, off: number, len: number): void {
    if (this.withBodies) this.fv!.push(buf.subarray(off, off + len));
    if (--this.left === 0) this.flush();
  },
  flush(): void {
    const fv = this.fv!;
    this.fv = null;
    this.visit!(this.id, this.withBodies ? fv : []);
  },
};

export class Stream extends AccountedValue implements TypedValue {
  readonly kindId = KIND_STREAM;
  /** Live entries. */
  length = 0;
  /** The last ID ever added (or set by XSETID). */
  lastId: StreamId = MIN_ID;
  /** Redis's first_id: the first live entry's ID; 0-0 when empty. */
  firstId: StreamId = MIN_ID;
  /** The greatest ID XDEL removed (or XSETID set). */
  maxDeletedEntryId: StreamId = MIN_ID;
  /** Entries ever added (XSETID may set it). */
  entriesAdded = 0;
  /** Consumer groups by name (filled by the groups module); null while there are none. */
  groups: Map<string, unknown> | null = null;
  /** Nodes ordered by master ID. */
  private nodes: StreamNode[] = [];
  /** Heap bytes of the nodes (overheads and buffers). */
  private nodeBytes = 0;

  /** Number of nodes (XINFO STREAM radix-tree-keys). */
  get nodeCount(): number {
    return this.nodes.length;
  }

  /** The master ID of node i (0 <= i < nodeCount), in ascending order. */
  nodeMaster(i: number): StreamId {
    return this.nodes[i].master;
  }

  override memBytes(): number {
    let b = STREAM_OVERHEAD + arrayBytes(this.nodes.length) + this.nodeBytes;
    if (this.groups !== null && groupsHooks !== null) b += groupsHooks.memBytes(this.groups);
    return b;
  }

  /** Lets the groups module report a change of its groups' size. */
  groupsResized(): void {
    this.resized();
  }

  /** The ID `XADD *` generates at clock `nowMs` (streamNextID); null after the last possible ID. */
  nextAutoId(nowMs: number): StreamId | null {
    const last = this.lastId;
    const hi = Math.floor(nowMs / TWO32);
    const lo = nowMs - hi * TWO32;
    if (hi > last.msHi || (hi === last.msHi && lo > last.msLo)) return new StreamId(hi, lo, 0, 0);
    return last.incr();
  }

  /**
   * The ID XADD generates (streamNextID / the `ms-*` form): `ms` is the clock (auto IDs) or the given
   * ms with `seqGiven` false; null when the sequence cannot go on (`ms-*` at seq UINT64_MAX).
   */
  nextId(ms: StreamId, auto: boolean): StreamId | null {
    const last = this.lastId;
    if (auto) {
      if (ms.msHi > last.msHi || (ms.msHi === last.msHi && ms.msLo > last.msLo)) return new StreamId(ms.msHi, ms.msLo, 0, 0);
      return last.incr();
    }
    if (ms.msHi === last.msHi && ms.msLo === last.msLo) {
      if (last.seqHi === 0xffffffff && last.seqLo === 0xffffffff) return null;
      return last.incr();
    }
    return ms;
  }

  /**
   * Appends an entry (Redis streamAppendItem after the ID checks): `id` must be above lastId;
   * the fields and values are args[from], args[from+1], ... args[to-1].
   */
  add(id: StreamId, args: readonly Uint8Array[], from: number, to: number, lim: StreamLimits): void {
    const numFields = (to - from) >> 1;
    let tot = 0;
    for (let i = from; i < to; i++) tot += args[i].length;
    let node = this.nodes.length > 0 ? this.nodes[this.nodes.length - 1] : null;
    if (node !== null) {
      let maxBytes = lim.nodeMaxBytes;
      if (maxBytes === 0 || maxBytes > STREAM_LISTPACK_MAX_SIZE) maxBytes = STREAM_LISTPACK_MAX_SIZE;
      if (node.lpBytes() + tot >= maxBytes || (lim.nodeMaxEntries !== 0 && node.count >= lim.nodeMaxEntries)) {
        this.nodeBytes += node.shrink();
        node = null;
      }
    }
    let same = false;
    if (node === null) {
      // A new node: its master fields are this entry's fields.
      let size = 8;
      for (let i = from; i < to; i++) size += args[i].length + 5;
      node = new StreamNode(id, size + 24);
      node.putVarint(numFields);
      let body = lpIntSize(numFields) + 2; // num-fields, master terminator 0
      for (let i = from; i < to; i += 2) {
        node.putBytes(args[i]);
        body += lpEntrySize(args[i], 0, args[i].length);
      }
      node.masterFields = numFields;
      node.fieldsEnd = node.used;
      node.lpBody = body;
      this.nodes.push(node);
      this.nodeBytes += NODE_OVERHEAD + node.buf.length;
      same = true;
    } else if (numFields === node.masterFields) {
      same = this.sameAsMaster(node, args, from, to);
    }
    const master = node.master;
    const full = id.msHi >= EXACT_HI || id.seqHi >= EXACT_HI;
    let need = 17;
    let msDelta = 0;
    let seq = 0;
    if (!full) {
      msDelta = id.msHi * TWO32 + id.msLo - (master.msHi * TWO32 + master.msLo);
      seq = id.seqHi * TWO32 + id.seqLo;
      need = 1 + varintSize(msDelta) + varintSize(seq);
    }
    if (!same) need += 5;
    for (let i = from; i < to; i++) if (same === false || ((i - from) & 1) === 1) need += args[i].length + 5;
    this.nodeBytes += node.ensure(need);
    const b = node.buf;
    b[node.used] = (same ? FLAG_SAMEFIELDS : 0) | (full ? FLAG_FULLID : 0);
    if (full) {
      b.writeUInt32BE(id.msHi, node.used + 1);
      b.writeUInt32BE(id.msLo, node.used + 5);
      b.writeUInt32BE(id.seqHi, node.used + 9);
      b.writeUInt32BE(id.seqLo, node.used + 13);
      node.used += 17;
    } else {
      node.used++;
      node.putVarint(msDelta);
      node.putVarint(seq);
    }
    // Redis's listpack bytes: flags, ms-diff, seq-diff, [num-fields, fields], values, lp-count.
    let lp = 2 + lpDiffSize(id.msHi, id.msLo, master.msHi, master.msLo) + lpDiffSize(id.seqHi, id.seqLo, master.seqHi, master.seqLo);
    if (same) {
      for (let i = from + 1; i < to; i += 2) {
        node.putBytes(args[i]);
        lp += lpEntrySize(args[i], 0, args[i].length);
      }
      lp += lpIntSize(numFields + 3);
    } else {
      node.putVarint(numFields);
      lp += lpIntSize(numFields);
      for (let i = from; i < to; i++) {
        node.putBytes(args[i]);
        lp += lpEntrySize(args[i], 0, args[i].length);
      }
      lp += lpIntSize(2 * numFields + 4);
    }
    node.lpBody += lp;
    node.count++;
    node.live++;
    node.last = id;
    this.length++;
    this.entriesAdded++;
    this.lastId = id;
    if (this.length === 1) this.firstId = id;
    this.resized();
  }

  private sameAsMaster(node: StreamNode, args: readonly Uint8Array[], from: number, to: number): boolean {
    const b = node.buf;
    vPos = 0;
    readVarint(b);
    for (let i = from; i < to; i += 2) {
      const l = readVarint(b);
      const f = args[i];
      if (l !== f.length) return false;
      for (let k = 0; k < l; k++) if (b[vPos + k] !== f[k]) return false;
      vPos += l;
    }
    return true;
  }

  /** Index of the last node whose master ID is ≤ id, or -1. */
  private nodeAtOrBefore(id: StreamId): number {
    let lo = 0;
    let hi = this.nodes.length - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (compareIds(this.nodes[mid].master, id) <= 0) {
        at = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return at;
  }

  /** The node, node index and position of the live entry `id`, or null. */
  private findLive(id: StreamId): { node: StreamNode; index: number; pos: number } | null {
    const at = this.nodeAtOrBefore(id);
    if (at < 0) return null;
    const node = this.nodes[at];
    if (compareIds(node.last, id) < 0) return null;
    let pos = node.fieldsEnd;
    while (pos < node.used) {
      const body = readHeader(node, pos);
      const c = cmpHeader(id);
      if (c === 0) return (hFlags & FLAG_DELETED) !== 0 ? null : { node, index: at, pos };
      if (c > 0) return null;
      pos = skipBody(node, body);
    }
    return null;
  }

  /** The fields and values of entry `id` (copies), or null when there is no such live entry. */
  get(id: StreamId): Buffer[] | null {
    let out: Buffer[] | null = null;
    this.range(id, id, 1, false, (_id, fv) => (out = fv.map((v) => Buffer.from(v))));
    return out;
  }

  /** True when a live entry `id` exists. */
  has(id: StreamId): boolean {
    return this.findLive(id) !== null;
  }

  /**
   * Deletes entry `id` (Redis streamDeleteItem plus XDEL's bookkeeping: maxDeletedEntryId, firstId);
   * false if there is no such live entry.
   */
  delete(id: StreamId): boolean {
    const f = this.findLive(id);
    if (f === null) return false;
    const node = f.node;
    node.buf[f.pos] |= FLAG_DELETED;
    node.live--;
    this.length--;
    if (node.live === 0) {
      this.nodes.splice(f.index, 1);
      this.nodeBytes -= NODE_OVERHEAD + node.buf.length;
    }
    if (compareIds(id, this.maxDeletedEntryId) > 0) this.maxDeletedEntryId = id;
    if (this.length === 0) this.firstId = MIN_ID;
    else if (id.equals(this.firstId)) this.firstId = this.edgeId(true) ?? MIN_ID;
    this.resized();
    return true;
  }

  /** The first (or last) live entry's ID, or null when empty. */
  edgeId(first: boolean): StreamId | null {
    let found: StreamId | null = null;
    this.range(MIN_ID, MAX_ID, 1, !first, (id) => {
      found = id;
    }, false);
    return found;
  }

  /**
   * Visits live entries with IDs in [start, end] ascending (descending when `rev`), at most `count`
   * (0 or less: all); returns how many were visited. With `withBodies` false the visitor gets [].
   */
  range(start: StreamId, end: StreamId, count: number, rev: boolean, visit: EntryVisitor, withBodies = true): number {
    collector.visit = visit;
    collector.fv = null;
    collector.withBodies = withBodies;
    const n = this.rangeRaw(start, end, count, rev, collector);
    if (collector.fv !== null) collector.flush();
    collector.visit = null;
    return n;
  }

  /**
   * range() without objects: each entry as sink.entry(its ID's halves, its field count) then its
   * fields and values in order as sink.bytes(buffer, offset, length) — views of the stored bytes,
   * valid only during the call (a reply copies them; nothing else may keep them).
   */
  rangeRaw(start: StreamId, end: StreamId, count: number, rev: boolean, sink: RawEntrySink): number {
    if (compareIds(start, end) > 0 || this.nodes.length === 0) return 0;
    const max = count > 0 ? count : Infinity;
    let n = 0;
    if (!rev) {
      let i = this.nodeAtOrBefore(start);
      if (i < 0) i = 0;
      for (; i < this.nodes.length && n < max; i++) {
        const node = this.nodes[i];
        if (compareIds(node.master, end) > 0) break;
        if (compareIds(node.last, start) < 0) continue;
        let pos = node.fieldsEnd;
        while (pos < node.used) {
          const body = readHeader(node, pos);
          if ((hFlags & FLAG_DELETED) !== 0 || cmpHeader(start) < 0) {
            pos = skipBody(node, body);
            continue;
          }
          if (cmpHeader(end) > 0) return n;
          pos = emitBody(node, body, sink);
          if (++n >= max) return n;
        }
      }
      return n;
    }
    reverseDepth++;
    try {
      for (let i = this.nodeAtOrBefore(end); i >= 0 && n < max; i--) {
        const node = this.nodes[i];
        if (compareIds(node.last, start) < 0) break;
        const positions = entryPositions(node);
        for (let k = positions.length - 1; k >= 0; k--) {
          const body = readHeader(node, positions[k]);
          if ((hFlags & FLAG_DELETED) !== 0 || cmpHeader(end) > 0) continue;
          if (cmpHeader(start) < 0) return n;
          emitBody(node, body, sink);
          if (++n >= max) return n;
        }
      }
      return n;
    } finally {
      reverseDepth--;
    }
  }

  /** Redis streamTrim: removes entries from the head; returns how many. */
  trim(args: TrimArgs): number {
    let deleted = 0;
    const maxlen = args.maxlen;
    let removeNodes = 0;
    for (let i = 0; i < this.nodes.length; i++) {
      if (args.strategy === 'maxlen' && this.length <= maxlen) break;
      const node = this.nodes[i];
      const entries = node.live;
      if (args.limit !== 0 && deleted + entries > args.limit) break;
      const removeNode = args.strategy === 'maxlen' ? this.length - entries >= maxlen : compareIds(node.last, args.minid) < 0;
      if (removeNode) {
        removeNodes++;
        this.nodeBytes -= NODE_OVERHEAD + node.buf.length;
        this.length -= entries;
        deleted += entries;
        continue;
      }
      if (args.approx) break;
      let pos = node.fieldsEnd;
      let fromNode = 0;
      while (pos < node.used) {
        const body = readHeader(node, pos);
        const stop = args.strategy === 'maxlen' ? this.length <= maxlen : cmpHeader(args.minid) >= 0;
        if (stop) break;
        if ((hFlags & FLAG_DELETED) === 0) {
          node.buf[pos] |= FLAG_DELETED;
          fromNode++;
          this.length--;
        }
        pos = skipBody(node, body);
      }
      node.live -= fromNode;
      deleted += fromNode;
      break;
    }
    if (removeNodes > 0) this.nodes.splice(0, removeNodes);
    if (this.length === 0) this.firstId = MIN_ID;
    else if (deleted > 0) this.firstId = this.edgeId(true) ?? MIN_ID;
    if (deleted > 0 || removeNodes > 0) this.resized();
    return deleted;
  }

  /** A deep copy (COPY), groups included. */
  clone(): Stream {
    const s = new Stream();
    this.copyMeta(s);
    for (const n of this.nodes) {
      const c = new StreamNode(n.master, n.used);
      n.buf.copy(c.buf, 0, 0, n.used);
      c.used = n.used;
      c.last = n.last;
      c.count = n.count;
      c.live = n.live;
      c.masterFields = n.masterFields;
      c.fieldsEnd = n.fieldsEnd;
      c.lpBody = n.lpBody;
      s.nodes.push(c);
      s.nodeBytes += NODE_OVERHEAD + c.buf.length;
    }
    if (this.groups !== null && groupsHooks !== null) s.groups = groupsHooks.clone(this.groups);
    return s;
  }

  private copyMeta(s: Stream): void {
    s.length = this.length;
    s.lastId = this.lastId;
    s.firstId = this.firstId;
    s.maxDeletedEntryId = this.maxDeletedEntryId;
    s.entriesAdded = this.entriesAdded;
  }

  /** The byte form for moves between shards (groups through their hook). */
  encode(): Buffer {
    const w = new BinWriter(64 + this.nodeBytes);
    w.f64(this.length);
    w.f64(this.entriesAdded);
    writeId(w, this.lastId);
    writeId(w, this.firstId);
    writeId(w, this.maxDeletedEntryId);
    w.u32(this.nodes.length);
    for (const n of this.nodes) {
      writeId(w, n.master);
      writeId(w, n.last);
      w.u32(n.count);
      w.u32(n.live);
      w.u32(n.masterFields);
      w.u32(n.fieldsEnd);
      w.f64(n.lpBody);
      w.bytes(n.buf.subarray(0, n.used));
    }
    if (this.groups !== null && groupsHooks !== null) {
      w.u8(1);
      groupsHooks.write(w, this.groups);
    } else w.u8(0);
    return w.take();
  }

  static decode(b: Buffer): Stream {
    const r = new BinReader(b);
    const s = new Stream();
    s.length = r.f64();
    s.entriesAdded = r.f64();
    s.lastId = readId(r);
    s.firstId = readId(r);
    s.maxDeletedEntryId = readId(r);
    const nn = r.u32();
    for (let i = 0; i < nn; i++) {
      const master = readId(r);
      const last = readId(r);
      const count = r.u32();
      const live = r.u32();
      const masterFields = r.u32();
      const fieldsEnd = r.u32();
      const lpBody = r.f64();
      const bytes = r.bytes();
      const n = new StreamNode(master, bytes.length);
      bytes.copy(n.buf, 0);
      n.used = bytes.length;
      n.last = last;
      n.count = count;
      n.live = live;
      n.masterFields = masterFields;
      n.fieldsEnd = fieldsEnd;
      n.lpBody = lpBody;
      s.nodes.push(n);
      s.nodeBytes += NODE_OVERHEAD + n.buf.length;
    }
    if (r.u8() === 1 && groupsHooks !== null) s.groups = groupsHooks.read(r);
    return s;
  }
}

/** An ID in a byte form (four u32 halves; also the groups' byte form). */
export function writeId(w: BinWriter, id: StreamId): void {
  w.u32(id.msHi);
  w.u32(id.msLo);
  w.u32(id.seqHi);
  w.u32(id.seqLo);
}

export function readId(r: BinReader): StreamId {
  return new StreamId(r.u32(), r.u32(), r.u32(), r.u32());
}

/** The stream kind (TYPE stream). */
export const STREAM_KIND: ValueKind<Stream> = {
  id: KIND_STREAM,
  type: 'stream',
  encoding: () => 'stream',
  clone: (v) => v.clone(),
  heapBytes: (v) => v.memBytes(),
  serialize: (v) => v.encode(),
  deserialize: (b) => Stream.decode(b),
  // Redis 7.0: each live entry's "ms.seq", then its fields and values, in ID order (groups are not part of it).
  digest: (v, sink) =>
    v.range(MIN_ID, MAX_ID, 0, false, (id, fv) => {
      sink.mix(`${u64Text(id.msHi, id.msLo)}.${u64Text(id.seqHi, id.seqLo)}`);
      for (const b of fv) sink.mix(b);
    }),
};
