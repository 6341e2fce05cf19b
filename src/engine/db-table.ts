// The table operations of a Database: the dashtable index from key to record, and lookup, put,
// delete, deadlines and the other changes of one key; Entry, the view of a stored key.
// Invariants: `size` counts stored entries and `expiresCount` those with a deadline (segments count
// theirs); an expired key is never returned (lookup deletes it); deadlines beyond 2^53 ms are kept
// exactly (hugeDeadlines); every change marks the key's watchers dirty; put() calls onKeyReady.

import type { ExpiringParts, TypedValue, Value } from './value-kind.ts';
import { DashTable, HASH, hashBytes, hashString, type KeyStore, type Segment, SEGMENT_SLOTS } from './dashtable.ts';
import type { WatchedKey } from './watch.ts';
import { Arena, MAX_CLASS_BYTES } from './arena.ts';
import {
  F_BIGLEN, F_EXPIRE, F_RAW, KIND_MASK, KIND_OBJECT, keyText, readLru, RecordStore, type KeyArg,
} from './db-records.ts';


/** The expiring parts of a value, when it has some with a deadline. */
function partsOf(v: Value): ExpiringParts | null {
  if (typeof v === 'string' || v instanceof Buffer) return null;
  const p = (v as TypedValue).parts;
  return p !== undefined && p.nextDeadline() !== 0 ? p : null;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Bytes of the table per stored key at its typical fill (slot, fingerprint, segment share). */
export const TABLE_BYTES_PER_KEY = 8;

/**
 * A stored key as a command sees it: a view over its record, valid for the current turn. Reading
 * `value` of a string gives a Buffer over the arena (copy it to keep it past the turn); assigning
 * `value` stores a new value for the key (the deadline stays).
 */
export class Entry {
  readonly db: KeyTable;
  /** The key as looked up (an argument's bytes are valid for the turn). */
  private readonly k: KeyArg;
  ref: number;
  private gen: number;

  constructor(db: KeyTable, key: KeyArg, ref: number) {
    this.db = db;
    this.k = key;
    this.ref = ref;
    this.gen = db.gen;
  }

  get key(): string {
    return keyText(this.k);
  }

  /** The current record (re-found by key if records moved since this view was made). */
  at(): number {
    if (this.gen !== this.db.gen) {
      const ref = this.db.refOf(this.k);
      if (ref !== 0) this.ref = ref;
      this.gen = this.db.gen;
    }
    return this.ref;
  }

  get value(): Value {
    return this.db.valueAt(this.at());
  }

  set value(v: Value) {
    this.ref = this.db.replaceValue(this.k, v);
    this.gen = this.db.gen;
  }

  /** Absolute deadline in ms, 0 = none (beyond 2^53 see Database.exactDeadline). */
  get expireAt(): number {
    return this.db.deadlineAt(this.at());
  }

  /** LRU clock (seconds) of the last access. */
  get lru(): number {
    return this.db.lruAt(this.at());
  }

  /** A string value stored 'raw' (built in place) rather than from a whole argument. */
  get raw(): boolean {
    return this.db.isRaw(this.at());
  }

  /**
   * The string value, at least `len` bytes long (zero bytes added), marked raw, for a command that
   * changes its bytes in place (SETBIT, BITFIELD): see KeyTable.growString. Views read before are stale.
   */
  growString(len: number, greedy = true): Buffer {
    this.ref = this.db.growString(this.k, this.at(), len, greedy);
    this.gen = this.db.gen;
    return this.db.valueAt(this.ref) as Buffer;
  }
}

/** Redis's SDS_MAX_PREALLOC: a grown string gets as much room again as its length, at most this much. */
const GREEDY_ROOM_MAX = 1024 * 1024;

/** The keyspace events a KeyTable raises by itself (see KeyTable.onKeyEvent). */
export type TableKeyEvent = 'new' | 'expired' | 'evicted' | 'hexpired' | 'del';

/** The keys of one database: the index over the record store, and the operations on one key. */
export class KeyTable extends RecordStore implements KeyStore {
  readonly table: DashTable = new DashTable(this);
  /** Exact deadlines of the rare keys whose deadline exceeds 2^53 ms (records keep a double). */
  private readonly hugeDeadlines = new Map<string, bigint>();
  /** Stored values with parts that have deadlines, by key (see trackParts). */
  readonly partsExpiring = new Map<string, ExpiringParts>();
  /** Keys with a deadline. */
  expiresCount = 0;
  expiredCount = 0;
  /**
   * Called by put() with the key it stored (created, or given a new value), and with a key deleted
   * (DEL, expiry, eviction): the hook of whoever waits for keys (blocked clients). null while nobody
   * waits here, so a SET pays a null check.
   */
  onKeyReady: ((key: KeyArg) => void) | null = null;
  /**
   * Keyspace events the table itself raises: 'new' (put() created the key), 'expired' (lookup or the
   * active cycle reclaimed it), 'evicted' (evictRef), 'hexpired' and 'del' (the active cycle reclaimed
   * hash fields, and the hash if emptied), each after the change. null while
   * notify-keyspace-events is off, so those paths pay a null check.
   */
  onKeyEvent: ((db: KeyTable, event: TableKeyEvent, key: KeyArg) => void) | null = null;
  /** Watched keys and their watchers (null while no client watches a key of this database). */
  watchers: Map<string, Set<WatchedKey>> | null = null;
  /**
   * Called with every key changed here (as touch() marks watchers: write, delete, deadline, expiry,
   * eviction — not a flush, which its caller reports whole): client-side caching's invalidation hook.
   * null while no client tracks keys of this shard, so a write pays a null check.
   */
  keyChanged: ((key: string) => void) | null = null;
  /** The key being looked up (for refMatches). */
  private probe: KeyArg = '';

  /** Stored entries (expired ones not yet reclaimed included). */
  get size(): number {
    return this.table.size;
  }

  /**
   * Bytes the keyspace uses: records (keys, strings), the index, a slot per object value, and the
   * collections' own bytes (their account: exact sums, no heap sampling); 0 for an empty database (its
   * one empty segment is a fixed cost of the process, not data).
   */
  get bytes(): number {
    if (this.table.size === 0) return this.arena.usedBytes + this.account.bytes;
    return this.arena.usedBytes + this.table.bytes + this.objects.length * 8 + this.account.bytes;
  }

  refMatches(ref: number): boolean {
    const c = this.arena.chunk(ref);
    const off = Arena.offset(ref);
    const key = this.probe;
    const n = key.length;
    if (this.keyLen(c, off) !== n) return false;
    const k = this.keyStart(c, off);
    if (typeof key === 'string') {
      for (let i = 0; i < n; i++) if (c[k + i] !== key.charCodeAt(i)) return false;
    } else {
      for (let i = 0; i < n; i++) if (c[k + i] !== key[i]) return false;
    }
    return true;
  }

  rehash(ref: number): void {
    const c = this.arena.chunk(ref);
    const off = Arena.offset(ref);
    hashBytes(c, this.keyStart(c, off), this.keyLen(c, off));
  }

  // ------------------------------------------------------------------------- index

  /** The record of key, expired or not (0: none); leaves the table positioned on it. */
  refOf(key: KeyArg): number {
    if (typeof key === 'string') hashString(key);
    else hashBytes(key, 0, key.length);
    this.probe = key;
    return this.table.find(HASH[0], HASH[1]);
  }

  /** Whether a change must be reported (someone watches or tracks keys here): touch() has work. */
  get observed(): boolean {
    return this.watchers !== null || this.keyChanged !== null;
  }

  /** Marks the watchers of key dirty and reports the change to keyChanged (write, delete, expire set). */
  touch(key: string): void {
    this.touchWatchers(key);
    if (this.keyChanged !== null) this.keyChanged(key);
  }

  private touchWatchers(key: string): void {
    const set = this.watchers?.get(key);
    if (set !== undefined) for (const wk of set) wk.record.dirty = true;
  }

  /** The key was deleted because it expired: a change unless it was already expired when watched. */
  protected touchExpired(key: string): void {
    const set = this.watchers?.get(key);
    if (set !== undefined) for (const wk of set) if (!wk.expiredAtWatch) wk.record.dirty = true;
    if (this.keyChanged !== null) this.keyChanged(key);
  }

  /** Marks dirty the watchers of every watched key that exists here (FLUSHDB, SWAPDB). */
  touchAllExisting(): void {
    if (this.watchers === null) return;
    for (const key of this.watchers.keys()) if (this.refOf(key) !== 0) this.touchWatchers(key);
  }

  /** Whether key has an entry and whether it is live, without side effects (WATCH). */
  peek(key: string, now: number): 'none' | 'live' | 'expired' {
    const ref = this.refOf(key);
    if (ref === 0) return 'none';
    const at = this.deadlineAt(ref);
    return at !== 0 && at <= now ? 'expired' : 'live';
  }

  /** Entry for key, or undefined; an expired key is deleted on the way (unless the dataset is frozen). */
  lookup(key: KeyArg, now: number): Entry | undefined {
    const ref = this.refOf(key);
    if (ref === 0) return undefined;
    const c = this.arena.chunk(ref);
    const off = Arena.offset(ref);
    if (c[off] & F_EXPIRE) {
      const at = c.readDoubleLE(off + (c[off] & F_BIGLEN ? 16 : 8));
      if (at <= now) {
        // Clients are paused: the key reads as gone but stays (it expires once the pause ends).
        if (this.freeze.frozen()) return undefined;
        this.removeLast(key, ref);
        this.expiredCount++;
        if (this.observed) this.touchExpired(keyText(key));
        if (this.onKeyEvent !== null) this.onKeyEvent(this, 'expired', key);
        return undefined;
      }
    }
    return new Entry(this, key, ref);
  }

  /** Records a deadline exactly; returns it as the double kept in the record. */
  private deadline(key: KeyArg, at: number | bigint): number {
    if (typeof at === 'bigint' && at > MAX_SAFE) {
      this.hugeDeadlines.set(keyText(key), at);
    } else if (this.hugeDeadlines.size > 0) {
      this.hugeDeadlines.delete(keyText(key));
    }
    return Number(at);
  }

  /** The exact deadline of an entry (a bigint only beyond 2^53 ms). */
  exactDeadline(key: KeyArg, e: Entry): number | bigint {
    const at = e.expireAt;
    if (this.hugeDeadlines.size > 0 && at > Number.MAX_SAFE_INTEGER) return this.hugeDeadlines.get(keyText(key)) ?? at;
    return at;
  }

  /**
   * Adds or replaces the value; the deadline is set as given (0 clears it). A string is stored 'raw'
   * when given as a Buffer unless `raw` says otherwise (moving a stored string keeps its encoding).
   */
  put(key: KeyArg, value: Value, deadline: number | bigint, lru: number, raw: boolean = value instanceof Buffer): void {
    const expireAt = this.deadline(key, deadline);
    const old = this.refOf(key);
    const table = this.table;
    let ref: number;
    if (old === 0) {
      const h1 = HASH[0];
      const h2 = HASH[1];
      ref = this.writeRecord(key, value, expireAt, lru, 0, raw);
      try {
        table.insert(h1, h2, ref);
      } catch (e) {
        // The index could not take the key (directory depth limit): the command fails, nothing leaks.
        this.freeRecord(ref, false);
        throw e;
      }
      if (expireAt !== 0) {
        table.lastSeg.expiring++;
        this.expiresCount++;
      }
      if (this.onKeyEvent !== null) this.onKeyEvent(this, 'new', key);
    } else {
      const seg = table.lastSeg;
      const slot = table.lastSlot;
      const wasExpiring = this.expiring(old);
      const keepObject = (this.flagsAt(old) & KIND_MASK) === KIND_OBJECT && !(typeof value === 'string' || value instanceof Buffer);
      ref = this.writeRecord(key, value, expireAt, lru, old, raw);
      seg.refs[slot] = ref;
      this.freeRecord(old, keepObject);
      this.countDeadline(seg, wasExpiring, expireAt !== 0);
    }
    if (this.partsExpiring.size > 0) this.partsExpiring.delete(keyText(key));
    const parts = partsOf(value);
    if (parts !== null) this.partsExpiring.set(keyText(key), parts);
    if (this.observed) this.touch(keyText(key));
    if (this.onKeyReady !== null) this.onKeyReady(key);
  }

  private countDeadline(seg: Segment, was: boolean, is: boolean): void {
    if (was === is) return;
    const d = is ? 1 : -1;
    seg.expiring += d;
    this.expiresCount += d;
  }

  /**
   * Stores a new value for an existing key, keeping its deadline and access data (Entry.value =).
   * Returns the new record.
   */
  replaceValue(key: KeyArg, value: Value): number {
    const old = this.refOf(key);
    if (old === 0) throw new Error('replaceValue: no such key');
    const seg = this.table.lastSeg;
    const slot = this.table.lastSlot;
    const c = this.arena.chunk(old);
    const off = Arena.offset(old);
    const lru = readLru(c, off);
    const keepObject = (c[off] & KIND_MASK) === KIND_OBJECT && !(typeof value === 'string' || value instanceof Buffer);
    const ref = this.writeRecord(key, value, this.deadlineAt(old), lru, old, value instanceof Buffer);
    seg.refs[slot] = ref;
    this.freeRecord(old, keepObject);
    if (this.partsExpiring.size > 0) this.partsExpiring.delete(keyText(key));
    const parts = partsOf(value);
    if (parts !== null) this.partsExpiring.set(keyText(key), parts);
    return ref;
  }

  /**
   * The string of key (record `ref`) made at least `len` bytes long with zero bytes, and marked raw.
   * It grows in its own block when the block has room (its size class's slack, or the room a previous
   * growth left); otherwise it moves to a new record with room for as much again (Redis's greedy sds
   * growth: up to 1 MiB more), so a value grown a byte at a time is copied O(log n) times, not n. The
   * room is in the block's size, so the arena's used bytes (used_memory, MEMORY USAGE) count it.
   * Without `greedy`, a new record gets no more room than `len` (a new key: Redis's exact sdsnewlen).
   * Returns the record (the same ref when it grew in place).
   */
  growString(key: KeyArg, ref: number, len: number, greedy = true): number {
    const c = this.arena.chunk(ref);
    const off = Arena.offset(ref);
    const flags = c[off] | F_RAW;
    c[off] = flags;
    const cur = this.valLen(c, off);
    if (len <= cur) return ref;
    const v = this.keyStart(c, off) + this.keyLen(c, off);
    if (((flags & F_BIGLEN) !== 0 || len <= 255) && v + len <= off + this.arena.blockBytes(ref)) {
      this.setValLen(c, off, len);
      c.fill(0, v + cur, v + len);
      return ref;
    }
    const old = this.refOf(key);
    if (old !== ref) throw new Error('growString: the table does not hold this record');
    const seg = this.table.lastSeg;
    const slot = this.table.lastSlot;
    const room = greedy ? len + (len < GREEDY_ROOM_MAX ? len : GREEDY_ROOM_MAX) : len;
    const grown = this.writeRecord(key, c.subarray(v, v + cur), this.deadlineAt(ref), readLru(c, off), ref, true, room);
    seg.refs[slot] = grown;
    this.freeRecord(ref, false);
    const gc = this.arena.chunk(grown);
    const goff = Arena.offset(grown);
    const gv = this.keyStart(gc, goff) + this.keyLen(gc, goff);
    this.setValLen(gc, goff, len);
    // A block past the largest class is a new zeroed SharedArrayBuffer: filling it would only touch its pages.
    if (this.arena.blockBytes(grown) <= MAX_CLASS_BYTES) gc.fill(0, gv + cur, gv + len);
    return grown;
  }

  /** Registers the stored value of key after one of its parts got a deadline (HEXPIRE). */
  trackParts(key: string, parts: ExpiringParts): void {
    this.partsExpiring.set(key, parts);
  }

  setExpire(key: KeyArg, e: Entry, deadline: number | bigint): void {
    const old = this.refOf(key);
    if (old === 0) return;
    const expireAt = this.deadline(key, deadline);
    const seg = this.table.lastSeg;
    const slot = this.table.lastSlot;
    const c = this.arena.chunk(old);
    const off = Arena.offset(old);
    const had = (c[off] & F_EXPIRE) !== 0;
    if (had && expireAt !== 0) {
      c.writeDoubleLE(expireAt, off + (c[off] & F_BIGLEN ? 16 : 8));
    } else if (had || expireAt !== 0) {
      // The record grows or shrinks by the deadline's 8 bytes.
      const lru = readLru(c, off);
      const ref = this.writeRecord(key, this.valueAt(old), expireAt, lru, old, (c[off] & F_RAW) !== 0);
      seg.refs[slot] = ref;
      this.freeRecord(old, (c[off] & KIND_MASK) === KIND_OBJECT);
      this.countDeadline(seg, had, expireAt !== 0);
      e.ref = ref;
    }
    if (this.observed) this.touch(keyText(key));
  }

  /** Deletes key if present (expired or not). Returns true if it was there. */
  delete(key: KeyArg): boolean {
    const ref = this.refOf(key);
    if (ref === 0) return false;
    this.removeLast(key, ref);
    if (this.observed) this.touch(keyText(key));
    return true;
  }

  /**
   * Deletes the key whose record is ref (eviction): as delete(), found from the record itself.
   * A collection's bytes leave `bytes` at once (its account), whenever the collector reclaims them.
   */
  evictRef(ref: number): void {
    const c = this.arena.chunk(ref);
    const off = Arena.offset(ref);
    const k = this.keyStart(c, off);
    const key = c.subarray(k, k + this.keyLen(c, off));
    if (this.refOf(key) !== ref) throw new Error('evictRef: the table does not hold this record');
    const text = this.onKeyEvent !== null ? keyText(key) : null;
    this.removeLast(key, ref);
    if (this.observed) this.touch(keyText(key));
    if (text !== null) this.onKeyEvent!(this, 'evicted', text);
  }

  /** Removes the key the table was last positioned on (its record is ref). */
  protected removeLast(key: KeyArg, ref: number): void {
    const seg = this.table.lastSeg;
    if (this.expiring(ref)) {
      seg.expiring--;
      this.expiresCount--;
      if (this.hugeDeadlines.size > 0) this.hugeDeadlines.delete(keyText(key));
    }
    this.table.removeLast();
    this.freeRecord(ref, false);
    if (this.partsExpiring.size > 0) this.partsExpiring.delete(keyText(key));
    // A deleted key ends some waits (XREADGROUP on a stream: Redis signals a deleted stream as ready).
    if (this.onKeyReady !== null) this.onKeyReady(key);
  }

  /**
   * Bytes the keyspace itself spends on key's entry: its record (key, a string value, header) and its
   * share of the table. A collection's own bytes are not included (its kind's heapBytes).
   */
  entryBytes(e: Entry): number {
    return this.arena.blockBytes(e.at()) + TABLE_BYTES_PER_KEY;
  }
  clear(): void {
    this.touchAllExisting();
    this.clearRecords();
    this.table.clear();
    this.hugeDeadlines.clear();
    this.partsExpiring.clear();
    this.expiresCount = 0;
    this.gen++;
  }

  // ------------------------------------------------------------------------- iteration

  /**
   * One scan step over the table (see DashTable.scanStep): appends the keys of one bucket (expired
   * ones too) and returns the next cursor, 0 at the end.
   */
  scanStep(cursor: number, keys: string[]): number {
    return this.table.scanStep(cursor, (ref) => keys.push(this.keyAt(ref)));
  }

  /** Calls fn for every stored key with its record (expired ones too); fn must not change the table. */
  forEachKey(fn: (key: string, ref: number) => void): void {
    for (const seg of this.table.segments()) {
      const refs = seg.refs;
      for (let i = 0; i < SEGMENT_SLOTS; i++) if (refs[i] !== 0) fn(this.keyAt(refs[i]), refs[i]);
    }
  }

  /** A random stored key (expired or not), or null when empty. */
  randomKey(): string | null {
    const ref = this.table.randomRef(Math.random);
    return ref === 0 ? null : this.keyAt(ref);
  }
}
