// Database: one logical database's keys on one shard.
// Invariants: keys are latin1 strings (one char per byte, so binary-safe); every key lives in the map
// of its hash slot, so a SCAN cursor is a slot position and survives any insert or delete; `size`
// counts live entries; a key with a deadline is also in `expires`, and an expired key is never
// returned (lookups delete it lazily; the active cycle reclaims the rest); a value whose parts expire
// on their own (hash fields with TTLs) is in `partsExpiring` while it is stored, so the active cycle
// reclaims its parts and deletes the key once it is left empty; the watchers of a key are marked dirty
// (touch) by every change made here — put, delete, deadline, expiry, parts reclaimed, flush — while a
// command that changes a stored value in place tells them itself (family-util modified()).

import { keySlotOfString, SLOT_COUNT } from '../runtime/slots.ts';
import type { WatchedKey } from './watch.ts';
import type { Waiter } from '../server/blocking.ts';

/** A string value is a latin1 JS string, or a Buffer once it has been modified in place (APPEND). */
export type StringValue = string | Buffer;

/** Values of the other data types extend this. */
export interface TypedValue {
  readonly kind: string;
  /** Set by values whose parts can expire on their own (hashes: field TTLs). */
  readonly parts?: ExpiringParts;
}

/** The parts of a value that expire on their own (hash fields with TTLs). */
export interface ExpiringParts {
  /** The earliest deadline (ms) of a part, 0 when no part has one. */
  nextDeadline(): number;
  /** Removes up to `max` parts whose deadline is not after `now`; returns how many. */
  expire(now: number, max: number): number;
  /** No part is left (the key must go). */
  empty(): boolean;
}

/** The expiring parts of a value, when it has some with a deadline. */
function partsOf(v: Value): ExpiringParts | null {
  if (typeof v === 'string' || v instanceof Buffer) return null;
  const p = (v as TypedValue).parts;
  return p !== undefined && p.nextDeadline() !== 0 ? p : null;
}

export type Value = StringValue | TypedValue;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Per-entry bookkeeping bytes (table slot, header). */
const ENTRY_OVERHEAD = 48;

export class Entry {
  value: Value;
  /** Absolute deadline in ms since the epoch; 0 = no expiry. */
  expireAt: number;
  /** LRU clock (seconds) of the last access. */
  lru: number;

  constructor(value: Value, expireAt: number, lru: number) {
    this.value = value;
    this.expireAt = expireAt;
    this.lru = lru;
  }
}

export class Database {
  readonly slots: (Map<string, Entry> | undefined)[] = new Array(SLOT_COUNT);
  readonly expires = new Map<string, number>();
  /** Exact deadlines of the rare keys whose deadline exceeds 2^53 ms (Entry.expireAt is a double). */
  private readonly hugeDeadlines = new Map<string, bigint>();
  /** Stored values with parts that have deadlines, by key (see trackParts). */
  readonly partsExpiring = new Map<string, ExpiringParts>();
  size = 0;
  /** Bytes the keyspace uses for its entries (see entryBytes). */
  bytes = 0;
  /** Where the active expire cycle resumes. */
  expireCursor: MapIterator<[string, number]> | null = null;
  /** Where the active cycle's pass over partsExpiring resumes. */
  private partsCursor: MapIterator<[string, ExpiringParts]> | null = null;
  expiredCount = 0;
  /** Clients blocked on keys of this database, first come first served (null while none). */
  blocked: Map<string, Waiter[]> | null = null;
  /** The shard's queue of keys created while clients wait on them (served after the command). */
  readyQueue: [Database, string][] = [];
  /** Watched keys and their watchers (null while no client watches a key of this database). */
  watchers: Map<string, Set<WatchedKey>> | null = null;

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
    for (const key of this.watchers.keys()) if (this.has(key)) this.touch(key);
  }

  /** Whether key has an entry and whether it is live, without side effects (WATCH). */
  peek(key: string, now: number): 'none' | 'live' | 'expired' {
    const e = this.slots[keySlotOfString(key)]?.get(key);
    if (e === undefined) return 'none';
    return e.expireAt !== 0 && e.expireAt <= now ? 'expired' : 'live';
  }

  private has(key: string): boolean {
    return this.slots[keySlotOfString(key)]?.has(key) ?? false;
  }

  /** Entry for key in `slot`, or undefined; expired keys are deleted on the way. */
  lookup(slot: number, key: string, now: number): Entry | undefined {
    const map = this.slots[slot];
    if (map === undefined) return undefined;
    const e = map.get(key);
    if (e === undefined) return undefined;
    if (e.expireAt !== 0 && e.expireAt <= now) {
      this.removeFrom(map, slot, key, e);
      this.expiredCount++;
      if (this.watchers !== null) this.touchExpired(key);
      return undefined;
    }
    return e;
  }

  /** Records a deadline exactly; returns it as the double kept in Entry.expireAt. */
  private deadline(key: string, at: number | bigint): number {
    if (typeof at === 'bigint' && at > MAX_SAFE) {
      this.hugeDeadlines.set(key, at);
    } else if (this.hugeDeadlines.size > 0) {
      this.hugeDeadlines.delete(key);
    }
    return Number(at);
  }

  /** The exact deadline of an entry (a bigint only beyond 2^53 ms). */
  exactDeadline(key: string, e: Entry): number | bigint {
    if (this.hugeDeadlines.size > 0 && e.expireAt > Number.MAX_SAFE_INTEGER) return this.hugeDeadlines.get(key) ?? e.expireAt;
    return e.expireAt;
  }

  /** Adds or replaces the value; the deadline is set as given (0 clears it). Returns the entry. */
  put(slot: number, key: string, value: Value, deadline: number | bigint, lru: number): Entry {
    const expireAt = this.deadline(key, deadline);
    let map = this.slots[slot];
    if (map === undefined) map = this.slots[slot] = new Map();
    let e = map.get(key);
    if (e === undefined) {
      e = new Entry(value, expireAt, lru);
      map.set(key, e);
      this.size++;
      this.bytes += this.entryBytes(key, e);
    } else {
      this.bytes -= this.entryBytes(key, e);
      e.value = value;
      this.bytes += this.entryBytes(key, e);
      e.lru = lru;
      if (e.expireAt !== 0 && expireAt === 0) this.expires.delete(key);
      e.expireAt = expireAt;
    }
    if (expireAt !== 0) this.expires.set(key, expireAt);
    if (this.partsExpiring.size > 0) this.partsExpiring.delete(key);
    const parts = partsOf(value);
    if (parts !== null) this.partsExpiring.set(key, parts);
    if (this.watchers !== null) this.touch(key);
    if (this.blocked !== null && this.blocked.has(key)) this.readyQueue.push([this, key]);
    return e;
  }

  /** Registers the stored value of key after one of its parts got a deadline (HEXPIRE). */
  trackParts(key: string, parts: ExpiringParts): void {
    this.partsExpiring.set(key, parts);
  }

  setExpire(key: string, e: Entry, deadline: number | bigint): void {
    const expireAt = this.deadline(key, deadline);
    if (expireAt === 0) {
      if (e.expireAt !== 0) this.expires.delete(key);
    } else {
      this.expires.set(key, expireAt);
    }
    e.expireAt = expireAt;
    if (this.watchers !== null) this.touch(key);
  }

  /** Deletes key if present (expired or not). Returns true if it was there. */
  delete(slot: number, key: string): boolean {
    const map = this.slots[slot];
    if (map === undefined) return false;
    const e = map.get(key);
    if (e === undefined) return false;
    this.removeFrom(map, slot, key, e);
    if (this.watchers !== null) this.touch(key);
    return true;
  }

  /**
   * Bytes the keyspace itself spends on key's entry: the key, a string value, and the entry's share of
   * the table. A collection's own bytes are not included (see value-memory.ts).
   */
  entryBytes(key: string, e: Entry): number {
    const v = e.value;
    return ENTRY_OVERHEAD + key.length + (typeof v === 'string' || v instanceof Buffer ? v.length : 0);
  }

  private removeFrom(map: Map<string, Entry>, slot: number, key: string, e: Entry): void {
    this.bytes -= this.entryBytes(key, e);
    map.delete(key);
    if (map.size === 0) this.slots[slot] = undefined;
    if (e.expireAt !== 0) {
      this.expires.delete(key);
      if (this.hugeDeadlines.size > 0) this.hugeDeadlines.delete(key);
    }
    if (this.partsExpiring.size > 0) this.partsExpiring.delete(key);
    this.size--;
  }

  clear(): void {
    this.touchAllExisting();
    this.slots.fill(undefined);
    this.expires.clear();
    this.hugeDeadlines.clear();
    this.partsExpiring.clear();
    this.expireCursor = null;
    this.partsCursor = null;
    this.size = 0;
    this.bytes = 0;
  }

  /**
   * One active-expiry pass over at most `budget` keys with deadlines, resuming where the previous
   * pass stopped. Returns [sampled, expired].
   */
  expireSome(budget: number, now: number, slotOf: (key: string) => number): [number, number] {
    let sampled = 0;
    let expired = 0;
    if (this.expires.size === 0) return [0, 0];
    let it = this.expireCursor ?? this.expires.entries();
    while (sampled < budget) {
      const r = it.next();
      if (r.done) {
        it = this.expires.entries();
        this.expireCursor = it;
        if (sampled === 0 || this.expires.size === 0) break;
        continue;
      }
      sampled++;
      const [key, at] = r.value;
      if (at <= now) {
        const slot = slotOf(key);
        const map = this.slots[slot];
        const e = map?.get(key);
        if (map !== undefined && e !== undefined) {
          this.removeFrom(map, slot, key, e);
          if (this.watchers !== null) this.touchExpired(key);
        }
        expired++;
      }
    }
    this.expireCursor = it;
    this.expiredCount += expired;
    return [sampled, expired];
  }

  /**
   * One active pass over the values with expiring parts: visits up to `budget` of them (resuming where
   * the previous pass stopped, never past the end of the registry), reclaims up to `maxParts` due parts
   * in all, deletes keys left empty and forgets values with no deadline left. Returns [visited, parts
   * reclaimed].
   */
  expirePartsSome(budget: number, maxParts: number, now: number, slotOf: (key: string) => number): [number, number] {
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
      if (parts.empty()) this.delete(slotOf(key), key);
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
