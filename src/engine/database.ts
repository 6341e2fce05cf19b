// Database: one logical database's keys on one shard — a dashtable index over records in an arena.
// Invariants: keys come as argument bytes or latin1 strings (one char per byte, so binary-safe; the
// maps keyed by string — watchers, hash-field deadlines — get keyText) and are bytes
// in the arena; each key has one record (header, key bytes, then the string's bytes or a handle into `objects`
// for values of other types), and the table maps the key to it; `size` counts stored entries and
// `expiresCount` those with a deadline (kept in the record); an expired key is never
// returned (lookups delete it lazily; the active cycle reclaims the rest); a value whose parts expire
// on their own (hash fields with TTLs) is in `partsExpiring` while it is stored, so the active cycle
// reclaims its parts and deletes the key once it is left empty; the watchers of a key are marked dirty
// (touch) by every change made here — put, delete, deadline, expiry, parts reclaimed, flush — while a
// command that changes a stored value in place tells them itself (family-util modified()); while
// `onKeyReady` is set (the server sets it while clients wait on keys here), put() calls it for the key.

import { Arena } from './arena.ts';
import { kindOf } from './kinds.ts';
import type { ExpiringParts, StringValue, TypedValue, Value } from './value-kind.ts';
export type { ExpiringParts, StringValue, TypedValue, Value } from './value-kind.ts';
import { DashTable, HASH, hashBytes, hashString, type KeyStore, type Segment, SEGMENT_SLOTS } from './dashtable.ts';
import type { WatchedKey } from './watch.ts';

/** The expiring parts of a value, when it has some with a deadline. */
function partsOf(v: Value): ExpiringParts | null {
  if (typeof v === 'string' || v instanceof Buffer) return null;
  const p = (v as TypedValue).parts;
  return p !== undefined && p.nextDeadline() !== 0 ? p : null;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

// Record header (8-byte aligned block):
//   [0] flags  [1] arena size class  [2] LFU counter  [3..5] LRU clock (seconds, 24 bits)
//   small lengths: [6] key length [7] value length; BIGLEN: [8..11] key length, [12..15] value length
//   EXPIRE: f64 deadline (ms) after that; then the key bytes; then the value bytes (a string's, or
//   the u32 handle of an object).
const KIND_STRING = 1;
const KIND_OBJECT = 2;
const KIND_MASK = 3;
const F_EXPIRE = 4;
const F_RAW = 8;
const F_BIGLEN = 16;
/** Cache mode: the key was hit since it entered (2Q's protected queue). */
export const F_PROTECTED = 32;
const LRU_MASK = 0xffffff;

/** A key as the API takes it: latin1 string, or the bytes (a command argument). */
export type KeyArg = string | Buffer;

/** The latin1 string of a key (for the maps keyed by string: watchers, hash-field deadlines...). */
export function keyText(k: KeyArg): string {
  return typeof k === 'string' ? k : k.latin1Slice(0, k.length);
}

/** The 24-bit LRU clock of the record at byte `off` of `c` (header bytes 3-5). */
function readLru(c: Buffer, off: number): number {
  return c[off + 3] | (c[off + 4] << 8) | (c[off + 5] << 16);
}

function writeLru(c: Buffer, off: number, clock: number): void {
  c[off + 3] = clock & 0xff;
  c[off + 4] = (clock >>> 8) & 0xff;
  c[off + 5] = (clock >>> 16) & 0xff;
}

/** Bytes of the table per stored key at its typical fill (slot, fingerprint, segment share). */
export const TABLE_BYTES_PER_KEY = 8;

/** Redis LFU: initial counter of a new key. */
export const LFU_INIT_VAL = 5;

/** How accesses are recorded (one per shard, shared by its databases). */
export class AccessPolicy {
  /** An LFU maxmemory policy: keep Redis's logarithmic access counter. */
  lfu = false;
  /** Cache mode (2Q): a hit moves a key from probation to the protected set. */
  cacheMode = false;
  /** lfu-log-factor and lfu-decay-time (minutes). */
  lfuLogFactor = 10;
  lfuDecayTime = 1;
}

/** Redis LFULogIncr: a probabilistic increment that makes the counter logarithmic in accesses. */
export function lfuLogIncr(counter: number, logFactor: number): number {
  if (counter === 255) return 255;
  const base = Math.max(0, counter - LFU_INIT_VAL);
  return Math.random() < 1 / (base * logFactor + 1) ? counter + 1 : counter;
}

/**
 * A stored key as a command sees it: a view over its record, valid for the current turn. Reading
 * `value` of a string gives a Buffer over the arena (copy it to keep it past the turn); assigning
 * `value` stores a new value for the key (the deadline stays).
 */
export class Entry {
  readonly db: Database;
  /** The key as looked up (an argument's bytes are valid for the turn). */
  private readonly k: KeyArg;
  ref: number;
  private gen: number;

  constructor(db: Database, key: KeyArg, ref: number) {
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
}

export class Database implements KeyStore {
  readonly arena: Arena;
  readonly table: DashTable = new DashTable(this);
  /** Values of other types (and their handles' free list). */
  private objects: (TypedValue | undefined)[] = [];
  private freeHandles: number[] = [];
  /** Handles of deleted objects, released after the turn (like the arena's parked blocks). */
  private parkedHandles: number[] = [];
  /** Exact deadlines of the rare keys whose deadline exceeds 2^53 ms (records keep a double). */
  private readonly hugeDeadlines = new Map<string, bigint>();
  /** Stored values with parts that have deadlines, by key (see trackParts). */
  readonly partsExpiring = new Map<string, ExpiringParts>();
  /** Keys with a deadline. */
  expiresCount = 0;
  /** Bumped whenever a record is freed or moved (Entry views re-find their key then). */
  gen = 0;
  /** Where compaction's walk of the chunk being emptied resumes (a byte offset). */
  private compactAt = 0;
  /** Where the active expire cycle resumes (a table scan cursor). */
  private expireCursor = 0;
  /** Where the active cycle's pass over partsExpiring resumes. */
  private partsCursor: MapIterator<[string, ExpiringParts]> | null = null;
  expiredCount = 0;
  /**
   * Called by put() with the key it stored (created, or given a new value): the hook of whoever waits
   * for keys to be filled (blocked clients). null while nobody waits here, so a SET pays a null check.
   */
  onKeyReady: ((key: KeyArg) => void) | null = null;
  /** Watched keys and their watchers (null while no client watches a key of this database). */
  watchers: Map<string, Set<WatchedKey>> | null = null;
  /** The key being looked up (for refMatches). */
  private probe: KeyArg = '';
  /** How accesses are recorded (the shard's). */
  access = new AccessPolicy();

  /** `chunkBytes`: the arena's chunk size (tests use small ones). */
  constructor(chunkBytes?: number) {
    this.arena = new Arena(chunkBytes);
  }

  /** Stored entries (expired ones not yet reclaimed included). */
  get size(): number {
    return this.table.size;
  }

  /**
   * Bytes the keyspace uses: records (keys, strings), the index, and a slot per object value; 0 for an
   * empty database (its one empty segment is a fixed cost of the process, not data).
   */
  get bytes(): number {
    if (this.table.size === 0) return this.arena.usedBytes;
    return this.arena.usedBytes + this.table.bytes + this.objects.length * 8;
  }

  // ------------------------------------------------------------------------- records

  /** Byte offset of the key in a record (after header, lengths and deadline). */
  private keyStart(c: Buffer, off: number): number {
    const f = c[off];
    return off + (f & F_BIGLEN ? 16 : 8) + (f & F_EXPIRE ? 8 : 0);
  }

  private keyLen(c: Buffer, off: number): number {
    return c[off] & F_BIGLEN ? c.readUInt32LE(off + 8) : c[off + 6];
  }

  private valLen(c: Buffer, off: number): number {
    return c[off] & F_BIGLEN ? c.readUInt32LE(off + 12) : c[off + 7];
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

  expiring(ref: number): boolean {
    return (this.arena.chunk(ref)[Arena.offset(ref)] & F_EXPIRE) !== 0;
  }

  /** The key of a record. */
  keyAt(ref: number): string {
    const c = this.arena.chunk(ref);
    const off = Arena.offset(ref);
    const k = this.keyStart(c, off);
    return c.latin1Slice(k, k + this.keyLen(c, off));
  }

  valueAt(ref: number): Value {
    const c = this.arena.chunk(ref);
    const off = Arena.offset(ref);
    const k = this.keyStart(c, off) + this.keyLen(c, off);
    if ((c[off] & KIND_MASK) === KIND_OBJECT) return this.objects[c.readUInt32LE(k)]!;
    return c.subarray(k, k + this.valLen(c, off));
  }

  isRaw(ref: number): boolean {
    return (this.arena.chunk(ref)[Arena.offset(ref)] & F_RAW) !== 0;
  }

  deadlineAt(ref: number): number {
    const c = this.arena.chunk(ref);
    const off = Arena.offset(ref);
    const f = c[off];
    if (!(f & F_EXPIRE)) return 0;
    return c.readDoubleLE(off + (f & F_BIGLEN ? 16 : 8));
  }

  /** The full LRU clock of a record (24 bits kept; the distance to now is taken modulo 2^24). */
  lruAt(ref: number): number {
    const c = this.arena.chunk(ref);
    const off = Arena.offset(ref);
    const stored = readLru(c, off);
    const now = Math.floor(Date.now() / 1000);
    return now - ((now - stored) & LRU_MASK);
  }

  /** Seconds since the record's last access, at LRU clock `clock` (modulo 2^24, as Redis). */
  idleSeconds(ref: number, clock: number): number {
    const c = this.arena.chunk(ref);
    const off = Arena.offset(ref);
    return (clock - readLru(c, off)) & LRU_MASK;
  }

  /** Header byte 0 (flags) of a record. */
  flagsAt(ref: number): number {
    return this.arena.chunk(ref)[Arena.offset(ref)];
  }

  setFlagsAt(ref: number, flags: number): void {
    this.arena.chunk(ref)[Arena.offset(ref)] = flags;
  }

  lfuAt(ref: number): number {
    return this.arena.chunk(ref)[Arena.offset(ref) + 2];
  }

  /**
   * Redis LFUDecrAndReturn: the record's LFU counter less one per lfu-decay-time minutes since its
   * last access (the LRU clock doubles as the decrement time).
   */
  lfuDecayed(ref: number, clock: number): number {
    const c = this.arena.chunk(ref);
    const off = Arena.offset(ref);
    const counter = c[off + 2];
    const period = this.access.lfuDecayTime;
    if (period === 0) return counter;
    const stored = readLru(c, off);
    const minutes = Math.floor(((clock - stored) & LRU_MASK) / 60);
    const n = Math.floor(minutes / period);
    return n > counter ? 0 : counter - n;
  }

  /** A command used the key: LRU clock, LFU counter (LFU policies), 2Q promotion (cache mode). */
  accessed(ref: number, now: number): void {
    const c = this.arena.chunk(ref);
    const off = Arena.offset(ref);
    const clock = Math.floor(now / 1000);
    const access = this.access;
    if (access.lfu) c[off + 2] = lfuLogIncr(this.lfuDecayed(ref, clock), access.lfuLogFactor);
    if (access.cacheMode) c[off] |= F_PROTECTED;
    writeLru(c, off, clock);
  }

  setLfu(ref: number, n: number): void {
    this.arena.chunk(ref)[Arena.offset(ref) + 2] = n;
  }

  /**
   * Writes a new record for key; `keep` (a ref or 0) supplies the LFU counter and 2Q state to carry
   * over. Returns its ref.
   */
  private writeRecord(key: KeyArg, value: Value, expireAt: number, lru: number, keep: number, raw: boolean): number {
    const isObject = !(typeof value === 'string' || value instanceof Buffer);
    const keyLen = key.length;
    const valLen = isObject ? 4 : (value as StringValue).length;
    const big = keyLen > 255 || valLen > 255;
    const head = (big ? 16 : 8) + (expireAt !== 0 ? 8 : 0);
    const ref = this.arena.alloc(head + keyLen + valLen);
    const c = this.arena.chunk(ref);
    const off = Arena.offset(ref);
    let flags = isObject ? KIND_OBJECT : KIND_STRING;
    if (raw && !isObject) flags |= F_RAW;
    if (big) flags |= F_BIGLEN;
    if (expireAt !== 0) flags |= F_EXPIRE;
    let lfu = LFU_INIT_VAL;
    if (keep !== 0) {
      const kc = this.arena.chunk(keep);
      const ko = Arena.offset(keep);
      flags |= kc[ko] & F_PROTECTED;
      lfu = kc[ko + 2];
    }
    c[off] = flags;
    c[off + 2] = lfu;
    writeLru(c, off, lru);
    if (big) {
      c.writeUInt32LE(keyLen, off + 8);
      c.writeUInt32LE(valLen, off + 12);
    } else {
      c[off + 6] = keyLen;
      c[off + 7] = valLen;
    }
    if (expireAt !== 0) c.writeDoubleLE(expireAt, off + (big ? 16 : 8));
    const k = off + head;
    if (typeof key === 'string') c.latin1Write(key, k, keyLen);
    else key.copy(c, k);
    const v = k + keyLen;
    if (isObject) {
      let h: number;
      if (keep !== 0 && (this.flagsAt(keep) & KIND_MASK) === KIND_OBJECT) h = this.handleAt(keep);
      else h = this.freeHandles.length > 0 ? this.freeHandles.pop()! : this.objects.push(undefined) - 1;
      this.objects[h] = value as TypedValue;
      c.writeUInt32LE(h, v);
    } else if (typeof value === 'string') c.latin1Write(value, v, valLen);
    else value.copy(c, v);
    return ref;
  }

  /** Frees the parked object handles (a view read in the turn that deleted its key stays readable). */
  private readonly releaseHandles = (): void => {
    for (const h of this.parkedHandles) {
      this.objects[h] = undefined;
      this.freeHandles.push(h);
    }
    this.parkedHandles = [];
  };

  private handleAt(ref: number): number {
    const c = this.arena.chunk(ref);
    const off = Arena.offset(ref);
    return c.readUInt32LE(this.keyStart(c, off) + this.keyLen(c, off));
  }

  /** Frees a record; `keepObject` when its object handle went on to a new record. */
  private freeRecord(ref: number, keepObject: boolean): void {
    if (!keepObject && (this.flagsAt(ref) & KIND_MASK) === KIND_OBJECT) {
      if (this.parkedHandles.length === 0) queueMicrotask(this.releaseHandles);
      this.parkedHandles.push(this.handleAt(ref));
    }
    this.arena.free(ref);
    this.gen++;
  }

  // ------------------------------------------------------------------------- index

  /** The record of key, expired or not (0: none); leaves the table positioned on it. */
  refOf(key: KeyArg): number {
    if (typeof key === 'string') hashString(key);
    else hashBytes(key, 0, key.length);
    this.probe = key;
    return this.table.find(HASH[0], HASH[1]);
  }

  /** Marks the watchers of key dirty (a change: write, delete, expire set, flush). */
  touch(key: string): void {
    const set = this.watchers?.get(key);
    if (set !== undefined) for (const wk of set) wk.record.dirty = true;
  }

  /** The key was deleted because it expired: a change unless it was already expired when watched. */
  private touchExpired(key: string): void {
    const set = this.watchers?.get(key);
    if (set !== undefined) for (const wk of set) if (!wk.expiredAtWatch) wk.record.dirty = true;
  }

  /** Marks dirty the watchers of every watched key that exists here (FLUSHDB, SWAPDB). */
  touchAllExisting(): void {
    if (this.watchers === null) return;
    for (const key of this.watchers.keys()) if (this.refOf(key) !== 0) this.touch(key);
  }

  /** Whether key has an entry and whether it is live, without side effects (WATCH). */
  peek(key: string, now: number): 'none' | 'live' | 'expired' {
    const ref = this.refOf(key);
    if (ref === 0) return 'none';
    const at = this.deadlineAt(ref);
    return at !== 0 && at <= now ? 'expired' : 'live';
  }

  /** Entry for key, or undefined; an expired key is deleted on the way. */
  lookup(key: KeyArg, now: number): Entry | undefined {
    const ref = this.refOf(key);
    if (ref === 0) return undefined;
    const c = this.arena.chunk(ref);
    const off = Arena.offset(ref);
    if (c[off] & F_EXPIRE) {
      const at = c.readDoubleLE(off + (c[off] & F_BIGLEN ? 16 : 8));
      if (at <= now) {
        this.removeLast(key, ref);
        this.expiredCount++;
        if (this.watchers !== null) this.touchExpired(keyText(key));
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
    if (this.watchers !== null) this.touch(keyText(key));
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
    if (this.watchers !== null) this.touch(keyText(key));
  }

  /** Deletes key if present (expired or not). Returns true if it was there. */
  delete(key: KeyArg): boolean {
    const ref = this.refOf(key);
    if (ref === 0) return false;
    this.removeLast(key, ref);
    if (this.watchers !== null) this.touch(keyText(key));
    return true;
  }

  /**
   * Deletes the key whose record is ref (eviction): as delete(), found from the record itself.
   * Returns the estimated heap bytes of a collection value (0 for a string), which the collector
   * gives back later.
   */
  evictRef(ref: number): number {
    const c = this.arena.chunk(ref);
    const off = Arena.offset(ref);
    const k = this.keyStart(c, off);
    const key = c.subarray(k, k + this.keyLen(c, off));
    if (this.refOf(key) !== ref) throw new Error('evictRef: the table does not hold this record');
    let heap = 0;
    if ((c[off] & KIND_MASK) === KIND_OBJECT) {
      const v = this.valueAt(ref);
      heap = kindOf(v).heapBytes(v, 5);
    }
    this.removeLast(key, ref);
    if (this.watchers !== null) this.touch(keyText(key));
    return heap;
  }

  /** Removes the key the table was last positioned on (its record is ref). */
  private removeLast(key: KeyArg, ref: number): void {
    const seg = this.table.lastSeg;
    if (this.expiring(ref)) {
      seg.expiring--;
      this.expiresCount--;
      if (this.hugeDeadlines.size > 0) this.hugeDeadlines.delete(keyText(key));
    }
    this.table.removeLast();
    this.freeRecord(ref, false);
    if (this.partsExpiring.size > 0) this.partsExpiring.delete(keyText(key));
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
    this.arena.clear();
    this.table.clear();
    this.objects = [];
    this.freeHandles = [];
    this.parkedHandles = [];
    this.hugeDeadlines.clear();
    this.partsExpiring.clear();
    this.expireCursor = 0;
    this.partsCursor = null;
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

  /**
   * Fills `out` with up to out.length records for eviction to rank (with deadlines only, if
   * `volatile`): consecutive occupied slots from a random slot of a random segment on, going on into
   * the next segments as needed. Returns how many. Cheap: two random numbers per call.
   */
  sampleRefs(out: Uint32Array, volatile: boolean): number {
    const want = out.length;
    if ((volatile ? this.expiresCount : this.table.size) === 0) return 0;
    const table = this.table;
    const dir = table.dir;
    let d = Math.floor(Math.random() * dir.length);
    d -= d % (1 << (table.depth - dir[d].depth)); // the segment's first directory entry
    let start = Math.floor(Math.random() * SEGMENT_SLOTS);
    let got = 0;
    for (let visited = 0; visited < dir.length && got < want; visited++) {
      const seg = dir[d];
      if (volatile ? seg.expiring > 0 : seg.count > 0) {
        const refs = seg.refs;
        for (let i = 0; i < SEGMENT_SLOTS && got < want; i++) {
          const ref = refs[(start + i) % SEGMENT_SLOTS];
          if (ref !== 0 && (!volatile || this.expiring(ref))) out[got++] = ref;
        }
      }
      // The next distinct segment in directory order.
      d = (d + (1 << (table.depth - seg.depth))) % dir.length;
      d -= d % (1 << (table.depth - dir[d].depth));
      start = 0;
    }
    return got;
  }

  /** Values of other types than strings stored here. */
  get objectCount(): number {
    return this.objects.length - this.freeHandles.length - this.parkedHandles.length;
  }

  /**
   * One step of arena compaction: when fragmentation is worth it, moves up to `max` records out of
   * the sparsest chunk (their table slots follow), and releases the chunk once it is empty. Returns
   * whether there is more to do. Must run between commands (Entry views do not survive it).
   */
  compactStep(max: number): boolean {
    const arena = this.arena;
    let idx = arena.evacuating;
    if (idx < 0) {
      idx = arena.compactionCandidate();
      if (idx < 0) return false;
      arena.beginEvacuation(idx);
      this.compactAt = 0;
    }
    // Each step walks on from where the previous one stopped: a step costs O(max), not O(chunk).
    const refs = arena.liveBlocks(idx, this.compactAt, max);
    this.compactAt = arena.scanEnd;
    for (const ref of refs) {
      const key = this.keyAt(ref);
      if (this.refOf(key) !== ref) {
        // Not reachable from the index (a bug elsewhere): free it rather than stop the shard.
        arena.free(ref);
        continue;
      }
      const size = arena.blockBytes(ref);
      const to = arena.alloc(size);
      const src = arena.chunk(ref);
      const from = Arena.offset(ref);
      src.copy(arena.chunk(to), Arena.offset(to), from, from + size);
      this.table.replaceLast(to);
      arena.free(ref);
      this.gen++;
    }
    if (refs.length === max) return true;
    // The walk reached the chunk's end; if a block is somehow still live there, walk it again.
    if (!arena.finishEvacuation()) {
      this.compactAt = 0;
      return true;
    }
    // A chunk emptied: more to do while another one is worth emptying.
    return arena.compactionCandidate() >= 0;
  }

  /** The mean remaining time (ms) of up to `max` keys with deadlines after now (0: none). */
  averageTtl(now: number, max: number): number {
    if (this.expiresCount === 0) return 0;
    let sum = 0;
    let n = 0;
    for (const seg of this.table.segments()) {
      if (seg.expiring === 0) continue;
      for (let i = 0; i < SEGMENT_SLOTS && n < max; i++) {
        const ref = seg.refs[i];
        if (ref === 0) continue;
        const at = this.deadlineAt(ref);
        if (at > now) {
          sum += at - now;
          n++;
        }
      }
      if (n >= max) break;
    }
    return n ? sum / n : 0;
  }

  /**
   * One active-expiry pass: walks the table's segments that hold keys with deadlines, resuming where
   * the previous pass stopped, until about `budget` such keys were looked at. Returns [sampled, expired].
   */
  expireSome(budget: number, now: number): [number, number] {
    let sampled = 0;
    let expired = 0;
    if (this.expiresCount === 0) return [0, 0];
    const table = this.table;
    let cursor = this.expireCursor;
    let segments = 0;
    const due: number[] = [];
    while (sampled < budget) {
      const dirIdx = table.depth === 0 ? 0 : Math.floor(cursor / 2 ** (24 - table.depth));
      const seg = table.dir[dirIdx];
      const span = 2 ** (24 - seg.depth);
      const start = cursor - (cursor % span);
      if (seg.expiring > 0) {
        const refs = seg.refs;
        for (let i = 0; i < SEGMENT_SLOTS; i++) {
          const ref = refs[i];
          if (ref === 0 || !this.expiring(ref)) continue;
          sampled++;
          if (this.deadlineAt(ref) <= now) due.push(ref);
        }
      }
      cursor = start + span;
      if (cursor >= 2 ** 24) cursor = 0;
      // One call sees each segment at most once.
      const lapDone = ++segments >= table.segmentCount;
      if (due.length > 0) {
        for (const ref of due) {
          const key = this.keyAt(ref);
          if (this.refOf(key) !== ref) continue;
          this.removeLast(key, ref);
          if (this.watchers !== null) this.touchExpired(key);
          expired++;
        }
        due.length = 0;
      }
      if (this.expiresCount === 0 || lapDone) break;
    }
    this.expireCursor = cursor;
    this.expiredCount += expired;
    return [sampled, expired];
  }

  /**
   * One active pass over the values with expiring parts: visits up to `budget` of them (resuming where
   * the previous pass stopped, never past the end of the registry), reclaims up to `maxParts` due parts
   * in all, deletes keys left empty and forgets values with no deadline left. Returns [visited, parts
   * reclaimed].
   */
  expirePartsSome(budget: number, maxParts: number, now: number): [number, number] {
    let visited = 0;
    let reclaimed = 0;
    if (this.partsExpiring.size === 0) return [0, 0];
    let it = this.partsCursor ?? this.partsExpiring.entries();
    let restarted = false;
    while (visited < budget && reclaimed < maxParts) {
      const r = it.next();
      if (r.done) {
        // The end of the registry ends a pass; the next one starts over from the beginning.
        it = this.partsExpiring.entries();
        if (visited > 0 || restarted) break;
        restarted = true;
        continue;
      }
      visited++;
      const [key, parts] = r.value;
      const next = parts.nextDeadline();
      if (next === 0) {
        this.partsExpiring.delete(key);
        continue;
      }
      if (next > now) continue;
      const n = parts.expire(now, maxParts - reclaimed);
      reclaimed += n;
      if (parts.empty()) this.delete(key);
      else {
        // Parts reclaimed from a value that stays: a change for WATCH (Redis signals the key).
        if (n > 0 && this.watchers !== null) this.touch(key);
        if (parts.nextDeadline() === 0) this.partsExpiring.delete(key);
      }
    }
    this.partsCursor = it;
    return [visited, reclaimed];
  }
}
