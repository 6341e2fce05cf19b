// Consumer groups of one stream (Redis's streamCG / streamConsumer / streamNACK): groups by name, each
// with its last-delivered ID, its entries-read counter (Redis 7's logical read count, -1 when unknown),
// its pending entries list (the PEL: entries delivered and not yet acknowledged, in ID order, each with
// its owner, last delivery time and delivery count) and its consumers, each with its own PEL (the same
// NACKs, in ID order) and its seen time. Redis 7.0.15 keeps no active time (7.2's `active-time`,
// `inactive`): neither do we.
// Invariants: a NACK (an entry of the group's PEL, an IdTree with time, count and owner per ID,
// stream-pel.ts) is in exactly one consumer's `pel` (its owner's, IDs only) — a NACK without an owner
// exists only inside XCLAIM FORCE; `bytes` is the model heap size of everything here
// (value-memory.ts; the trees add their leaves' bytes themselves), kept on every change, so the
// stream's memBytes() stays O(1).

import { IdTree, type PelCursor } from './stream-pel.ts';
import { StreamId, compareIds } from './stream-id.ts';
import { MAP_ENTRY, objectBytes, stringBytes } from './value-memory.ts';
import { BinReader, BinWriter } from '../util/codec.ts';
import { readId, setStreamGroupsHooks, writeId, type Stream } from './stream.ts';

/** Redis's SCG_INVALID_ENTRIES_READ. */
export const INVALID_ENTRIES_READ = -1;

/** Model bytes: a consumer (object, name slot, map entry) and a group (object, maps, trees). */
const CONSUMER_BYTES = objectBytes(3) + objectBytes(5) + MAP_ENTRY;
const GROUP_BYTES = objectBytes(7) + objectBytes(5) + 64 + MAP_ENTRY;

/** A consumer's own pending entries: their IDs (the NACK data is in the group's PEL). */
export class Consumer {
  readonly name: string;
  seenTime: number;
  readonly pel: IdTree;

  constructor(name: string, seenTime: number, acct: { bytes: number }) {
    this.name = name;
    this.seenTime = seenTime;
    this.pel = new IdTree(false, acct);
  }
}

/** A group's PEL: each entry's owner, last delivery time and delivery count (Redis's NACK). */
export type Pel = IdTree<Consumer>;
export type Nack = PelCursor<Consumer>;

export class ConsumerGroup {
  readonly name: string;
  lastId: StreamId;
  entriesRead: number;
  readonly pel: Pel;
  readonly consumers = new Map<string, Consumer>();
  private readonly owner: { bytes: number };

  constructor(owner: { bytes: number }, name: string, lastId: StreamId, entriesRead: number) {
    this.owner = owner;
    this.name = name;
    this.lastId = lastId;
    this.entriesRead = entriesRead;
    this.pel = new IdTree<Consumer>(true, owner);
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
    const c = new Consumer(name, now, this.owner);
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
    const ids: StreamId[] = [];
    c.pel.forEach((e) => ids.push(e.id));
    for (const id of ids) this.pel.remove(id);
    c.pel.release();
    this.consumers.delete(c.name);
    this.owner.bytes -= CONSUMER_BYTES + stringBytes(c.name.length);
    return pending;
  }

  /**
   * An entry delivered to `c` by XREADGROUP (streamReplyWithRange's PEL part): a new NACK, or an
   * existing one (the group's last ID was set back) given to `c` with a fresh time and count 1.
   */
  delivered(id: StreamId, c: Consumer, now: number): void {
    const old = this.pel.find(id);
    if (old === null) {
      this.pel.insert(id, now, 1, c);
      c.pel.insert(id);
      return;
    }
    this.moveTo(old, c);
    old.time = now;
    old.count = 1;
  }

  /** Gives a NACK to `c` (XCLAIM, XAUTOCLAIM); a NACK made by FORCE has no owner yet. */
  moveTo(n: Nack, c: Consumer): void {
    const from = n.owner;
    if (from === c) return;
    const id = n.id;
    if (from !== null) from.pel.remove(id);
    c.pel.insert(id);
    n.owner = c;
  }

  /** XCLAIM FORCE: a NACK without an owner yet (moveTo gives it one), delivered once, now. */
  forceNack(id: StreamId, now: number): Nack {
    this.pel.insert(id, now, 1, null);
    return this.pel.find(id)!;
  }

  /** XACK, or an entry found deleted: removes the NACK from both PELs; false if it was not pending. */
  remove(id: StreamId): boolean {
    const n = this.pel.find(id);
    if (n === null) return false;
    n.owner?.pel.remove(id);
    this.pel.remove(id);
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
    g.pel.release();
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
    const w = new BinWriter();
    this.write(w);
    return StreamGroups.read(new BinReader(w.take()));
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
      g.pel.forEach((n) => {
        if (n.owner !== null) owned++;
      });
      w.u32(owned);
      g.pel.forEach((n) => {
        if (n.owner === null) return;
        writeId(w, n.id);
        w.latin1(n.owner.name);
        w.f64(n.time);
        w.f64(n.count);
      });
    }
  }

  static read(r: BinReader): StreamGroups {
    const out = new StreamGroups();
    for (let gi = r.u32(); gi > 0; gi--) {
      const g = out.create(r.latin1(), readId(r), r.f64())!;
      for (let ci = r.u32(); ci > 0; ci--) g.createConsumer(r.latin1(), r.f64());
      for (let ni = r.u32(); ni > 0; ni--) {
        const id = readId(r);
        const owner = g.consumers.get(r.latin1())!;
        const time = r.f64();
        g.pel.insert(id, time, r.f64(), owner);
        owner.pel.insert(id);
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
