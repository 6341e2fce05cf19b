// Consumer groups of one stream (Redis's streamCG / streamConsumer / streamNACK): groups by name, each
// with its last-delivered ID, its entries-read counter (Redis 7's logical read count, -1 when unknown),
// its pending entries list (the PEL: entries delivered and not yet acknowledged, in ID order, each with
// its owner, last delivery time and delivery count) and its consumers, each with its own PEL (the same
// NACKs, in ID order) and its seen time. Redis 7.0.15 keeps no active time (7.2's `active-time`,
// `inactive`): neither do we.
// Invariants: a NACK is in its group's `nacks` and `pel` under the same 16-byte key, and in exactly
// one consumer's `pel` (its owner's) — a NACK without an owner exists only inside XCLAIM FORCE; ID
// keys are the big-endian bytes of the ID as latin1 (so string order is ID order, as rax's memcmp);
// `bytes` is the model heap size of everything here (value-memory.ts), kept on every change, so the
// stream's memBytes() stays O(1).

import { ScoreTree, type TreeCursor } from './score-tree.ts';
import { StreamId, compareIds } from './stream-id.ts';
import { MAP_ENTRY, TREE_ENTRY, objectBytes, stringBytes } from './value-memory.ts';
import type { BinReader, BinWriter } from '../util/codec.ts';
import { readId, setStreamGroupsHooks, writeId, type Stream } from './stream.ts';

/** Redis's SCG_INVALID_ENTRIES_READ. */
export const INVALID_ENTRIES_READ = -1;

/** The 16-byte key of an ID (big-endian ms then seq, as latin1): key order is ID order. */
export function idKey(id: StreamId): string {
  const { msHi: a, msLo: b, seqHi: c, seqLo: d } = id;
  return String.fromCharCode(
    a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255, b >>> 24, (b >>> 16) & 255, (b >>> 8) & 255, b & 255,
    c >>> 24, (c >>> 16) & 255, (c >>> 8) & 255, c & 255, d >>> 24, (d >>> 16) & 255, (d >>> 8) & 255, d & 255,
  );
}

function half(k: string, at: number): number {
  return ((k.charCodeAt(at) << 24) | (k.charCodeAt(at + 1) << 16) | (k.charCodeAt(at + 2) << 8) | k.charCodeAt(at + 3)) >>> 0;
}

/** The ID of a key made by idKey. */
export function keyId(k: string): StreamId {
  return new StreamId(half(k, 0), half(k, 4), half(k, 8), half(k, 12));
}

/** Model bytes: a NACK (owner, time, count), its key string, its entry in the group's map and PEL tree. */
const NACK_BYTES = objectBytes(3) + stringBytes(16) + MAP_ENTRY + TREE_ENTRY;
/** Its entry in its owner's PEL tree (the key string is shared). */
const OWNER_ENTRY_BYTES = TREE_ENTRY;
/** An empty ScoreTree: the tree object and its first leaf with two arrays. */
const TREE_BYTES = objectBytes(4) + objectBytes(4) + 2 * 48;
const CONSUMER_BYTES = objectBytes(3) + TREE_BYTES + MAP_ENTRY;
const GROUP_BYTES = objectBytes(7) + TREE_BYTES + 2 * 64 + MAP_ENTRY;

/** A pending entry. */
export class Nack {
  consumer: Consumer | null;
  deliveryTime: number;
  deliveryCount: number;

  constructor(consumer: Consumer | null, deliveryTime: number, deliveryCount: number) {
    this.consumer = consumer;
    this.deliveryTime = deliveryTime;
    this.deliveryCount = deliveryCount;
  }
}

export class Consumer {
  readonly name: string;
  seenTime: number;
  /** ID keys of the entries it owns, in order (score 0: the tree is used as an ordered set). */
  readonly pel = new ScoreTree();

  constructor(name: string, seenTime: number) {
    this.name = name;
    this.seenTime = seenTime;
  }
}

/** A cursor over a PEL from the first key >= `from` (null: past the end). */
export function pelFrom(pel: ScoreTree, from: string): TreeCursor | null {
  const rank = pel.countBefore((_s, m) => m >= from);
  return rank < pel.size ? pel.at(rank) : null;
}

export class ConsumerGroup {
  readonly name: string;
  lastId: StreamId;
  entriesRead: number;
  readonly pel = new ScoreTree();
  readonly nacks = new Map<string, Nack>();
  readonly consumers = new Map<string, Consumer>();
  private readonly owner: { bytes: number };

  constructor(owner: { bytes: number }, name: string, lastId: StreamId, entriesRead: number) {
    this.owner = owner;
    this.name = name;
    this.lastId = lastId;
    this.entriesRead = entriesRead;
  }

  /** streamLookupConsumer: the consumer, its seen time refreshed when `now` is given. */
  consumer(name: string, now: number | null): Consumer | undefined {
    const c = this.consumers.get(name);
    if (c !== undefined && now !== null) c.seenTime = now;
    return c;
  }

  /** streamCreateConsumer: a new consumer, or null if the name exists. */
  createConsumer(name: string, now: number): Consumer | null {
    if (this.consumers.has(name)) return null;
    const c = new Consumer(name, now);
    this.consumers.set(name, c);
    this.owner.bytes += CONSUMER_BYTES + stringBytes(name.length);
    return c;
  }

  /** The consumer, created if missing (seen time refreshed either way). */
  consumerOrNew(name: string, now: number): Consumer {
    return this.consumer(name, now) ?? this.createConsumer(name, now)!;
  }

  /** streamDelConsumer: drops it and its pending entries; returns how many it had. */
  deleteConsumer(c: Consumer): number {
    const pending = c.pel.size;
    c.pel.forEach((_s, k) => {
      this.pel.delete(0, k);
      this.nacks.delete(k);
    });
    this.consumers.delete(c.name);
    this.owner.bytes -= CONSUMER_BYTES + stringBytes(c.name.length) + pending * (NACK_BYTES + OWNER_ENTRY_BYTES);
    return pending;
  }

  /**
   * An entry delivered to `c` by XREADGROUP (streamReplyWithRange's PEL part): a new NACK, or an
   * existing one (the group's last ID was set back) given to `c` with a fresh time and count 1.
   */
  delivered(key: string, c: Consumer, now: number): void {
    const old = this.nacks.get(key);
    if (old === undefined) {
      this.nacks.set(key, new Nack(c, now, 1));
      this.pel.insert(0, key);
      c.pel.insert(0, key);
      this.owner.bytes += NACK_BYTES + OWNER_ENTRY_BYTES;
      return;
    }
    this.moveTo(key, old, c);
    old.deliveryTime = now;
    old.deliveryCount = 1;
  }

  /** Gives a NACK to `c` (XCLAIM, XAUTOCLAIM); a NACK made by FORCE has no owner yet. */
  moveTo(key: string, n: Nack, c: Consumer): void {
    if (n.consumer === c) return;
    if (n.consumer !== null) n.consumer.pel.delete(0, key);
    else this.owner.bytes += OWNER_ENTRY_BYTES;
    c.pel.insert(0, key);
    n.consumer = c;
  }

  /** XCLAIM FORCE: a NACK without an owner yet (moveTo gives it one), delivered once, now. */
  forceNack(key: string, now: number): Nack {
    const n = new Nack(null, now, 1);
    this.nacks.set(key, n);
    this.pel.insert(0, key);
    this.owner.bytes += NACK_BYTES;
    return n;
  }

  /** XACK, or an entry found deleted: removes the NACK from both PELs; false if it was not pending. */
  remove(key: string): boolean {
    const n = this.nacks.get(key);
    if (n === undefined) return false;
    this.nacks.delete(key);
    this.pel.delete(0, key);
    if (n.consumer !== null) {
      n.consumer.pel.delete(0, key);
      this.owner.bytes -= OWNER_ENTRY_BYTES;
    }
    this.owner.bytes -= NACK_BYTES;
    return true;
  }

  /** Consumers in name order (rax order: bytes, which is latin1 string order). */
  sortedConsumers(): Consumer[] {
    return [...this.consumers.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

/**
 * The groups of one stream, by name: the Map the stream holds in `groups` (stream.ts knows it only
 * as a Map, through the hooks registered below).
 */
export class StreamGroups extends Map<string, ConsumerGroup> {
  /** Model heap bytes of all groups (see the header). */
  bytes = objectBytes(2) + 64;

  /** streamCreateCG: the new group, or null if the name exists. */
  create(name: string, lastId: StreamId, entriesRead: number): ConsumerGroup | null {
    if (this.has(name)) return null;
    const g = new ConsumerGroup(this, name, lastId, entriesRead);
    this.set(name, g);
    this.bytes += GROUP_BYTES + stringBytes(name.length);
    return g;
  }

  destroy(name: string): boolean {
    const g = this.get(name);
    if (g === undefined) return false;
    for (const c of [...g.consumers.values()]) g.deleteConsumer(c);
    // (NACKs without an owner exist only inside XCLAIM FORCE; counted anyway.)
    this.bytes -= g.nacks.size * NACK_BYTES;
    this.delete(name);
    this.bytes -= GROUP_BYTES + stringBytes(name.length);
    return true;
  }

  /** Groups in name order. */
  sorted(): ConsumerGroup[] {
    return [...this.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** A deep copy (COPY): changing one never changes the other. */
  copy(): StreamGroups {
    const out = new StreamGroups();
    for (const g of this.values()) {
      const h = out.create(g.name, g.lastId, g.entriesRead)!;
      for (const c of g.consumers.values()) h.createConsumer(c.name, c.seenTime);
      g.pel.forEach((_s, k) => {
        const n = g.nacks.get(k)!;
        if (n.consumer === null) return;
        h.delivered(k, h.consumers.get(n.consumer.name)!, n.deliveryTime);
        h.nacks.get(k)!.deliveryCount = n.deliveryCount;
      });
    }
    return out;
  }

  /** The byte form (cross-shard moves): groups, each with its consumers and its PEL in order. */
  write(w: BinWriter): void {
    w.u32(this.size);
    for (const g of this.values()) {
      w.latin1(g.name);
      writeId(w, g.lastId);
      w.f64(g.entriesRead);
      w.u32(g.consumers.size);
      for (const c of g.consumers.values()) {
        w.latin1(c.name);
        w.f64(c.seenTime);
      }
      let owned = 0;
      for (const n of g.nacks.values()) if (n.consumer !== null) owned++;
      w.u32(owned);
      g.pel.forEach((_s, k) => {
        const n = g.nacks.get(k)!;
        if (n.consumer === null) return;
        w.latin1(k);
        w.latin1(n.consumer.name);
        w.f64(n.deliveryTime);
        w.f64(n.deliveryCount);
      });
    }
  }

  static read(r: BinReader): StreamGroups {
    const out = new StreamGroups();
    for (let gi = r.u32(); gi > 0; gi--) {
      const g = out.create(r.latin1(), readId(r), r.f64())!;
      for (let ci = r.u32(); ci > 0; ci--) g.createConsumer(r.latin1(), r.f64());
      for (let ni = r.u32(); ni > 0; ni--) {
        const k = r.latin1();
        const owner = g.consumers.get(r.latin1())!;
        g.delivered(k, owner, r.f64());
        g.nacks.get(k)!.deliveryCount = r.f64();
      }
    }
    return out;
  }
}

setStreamGroupsHooks({
  clone: (g) => (g as StreamGroups).copy(),
  write: (w, g) => (g as StreamGroups).write(w),
  read: (r) => StreamGroups.read(r),
  memBytes: (g) => (g as StreamGroups).bytes,
});

/** The stream's groups, created empty when `create` (else null while it never had any). */
export function groupsOf(s: Stream, create: boolean): StreamGroups | null {
  if (s.groups === null && create) s.groups = new StreamGroups();
  return s.groups as StreamGroups | null;
}

// --- entries-read and lag (Redis 7.0.15's t_stream.c) -------------------------------------------

/** streamRangeHasTombstones(s, start, NULL): a deleted entry may lie at or after `start`. */
export function hasTombstonesFrom(s: Stream, start: StreamId): boolean {
  if (s.length === 0 || s.maxDeletedEntryId.isZero()) return false;
  if (compareIds(s.firstId, s.maxDeletedEntryId) > 0) return false;
  return compareIds(start, s.maxDeletedEntryId) <= 0;
}

/** streamEstimateDistanceFromFirstEverEntry: the logical read counter of `id`, or INVALID_ENTRIES_READ. */
export function estimateEntriesRead(s: Stream, id: StreamId): number {
  if (s.entriesAdded === 0) return 0;
  if (s.length === 0 && compareIds(id, s.lastId) < 1) return s.entriesAdded;
  const cmpLast = compareIds(id, s.lastId);
  if (cmpLast === 0) return s.entriesAdded;
  if (cmpLast > 0) return INVALID_ENTRIES_READ;
  const cmpFirst = compareIds(id, s.firstId);
  if (s.maxDeletedEntryId.isZero() || compareIds(s.maxDeletedEntryId, s.firstId) < 0) {
    if (cmpFirst < 0) return s.entriesAdded - s.length;
    if (cmpFirst === 0) return s.entriesAdded - s.length + 1;
  }
  return INVALID_ENTRIES_READ;
}

/** streamReplyWithCGLag: the entries not yet delivered to the group, or null when unknowable. */
export function groupLag(s: Stream, g: ConsumerGroup): number | null {
  if (s.entriesAdded === 0) return 0;
  if (g.entriesRead !== INVALID_ENTRIES_READ && !hasTombstonesFrom(s, g.lastId)) return s.entriesAdded - g.entriesRead;
  const read = estimateEntriesRead(s, g.lastId);
  return read === INVALID_ENTRIES_READ ? null : s.entriesAdded - read;
}

/** An entry `id` after the group's last ID was delivered (streamReplyWithRange): the counter and last ID advance. */
export function advanceGroup(s: Stream, g: ConsumerGroup, id: StreamId): void {
  if (compareIds(id, g.lastId) <= 0) return;
  if (g.entriesRead !== INVALID_ENTRIES_READ && !hasTombstonesFrom(s, id)) g.entriesRead++;
  else if (s.entriesAdded !== 0) g.entriesRead = estimateEntriesRead(s, id);
  g.lastId = id;
}
