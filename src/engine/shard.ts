// Shard: everything one worker thread owns — its part of every database, its clocks and counters.
// Invariants: only the owning thread touches a Shard; databases are swapped, never copied (SWAPDB);
// the active expire cycle (keys, then parts of values such as hash fields) never runs longer than its
// time budget per tick.

import { Database } from './database.ts';
import type { WatchRecord } from './watch.ts';
import { keySlotOfString } from '../runtime/slots.ts';

export class ShardStats {
  keyspaceHits = 0;
  keyspaceMisses = 0;
  /** Keys removed to stay under maxmemory. */
  evictedKeys = 0;
}

export type EvictionPolicy = 'volatile-lru' | 'volatile-lfu' | 'volatile-random' | 'volatile-ttl' | 'allkeys-lru' | 'allkeys-lfu' | 'allkeys-random' | 'noeviction';

export class Shard {
  readonly index: number;
  dbs: Database[];
  readonly stats = new ShardStats();
  /** proto-max-bulk-len: the largest string a command may build. */
  maxBulkLen = 512 * 1024 * 1024;
  /** Keys created while clients wait on them, to serve after the command that created them. */
  readonly readyQueue: [Database, string][] = [];
  /** WATCH records of clients (by client handle) for keys of this shard. */
  readonly watches = new Map<string, WatchRecord>();
  /** This shard's share of maxmemory in bytes (0: no limit). */
  maxmemory = 0;
  policy: EvictionPolicy = 'noeviction';
  /** --cache_mode: evict like a cache (2Q) whatever the policy. */
  cacheMode = false;
  /** The most usedMemory() has been. */
  peakMemory = 0;
  private expireDb = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(index: number, dbnum: number) {
    this.index = index;
    this.dbs = Array.from({ length: dbnum }, () => new Database());
    for (const db of this.dbs) db.readyQueue = this.readyQueue;
  }

  /** Bytes this shard's data uses: keys, values and tables of every database. */
  usedMemory(): number {
    let n = 0;
    for (const db of this.dbs) n += db.bytes;
    if (n > this.peakMemory) this.peakMemory = n;
    return n;
  }

  /**
   * Evicts keys by the policy until usedMemory() is within maxmemory. Returns false if it is still
   * over (noeviction, or nothing left that the policy may evict): denyoom commands must then fail.
   */
  ensureMemory(): boolean {
    if (this.maxmemory === 0) return true;
    return this.usedMemory() <= this.maxmemory;
  }

  /** LRU clock in seconds (like Redis's 24-bit LRU clock, without the wrap). */
  static lruClock(now: number): number {
    return Math.floor(now / 1000);
  }

  /** Starts the active expire cycle at `hz` ticks per second. */
  startExpiry(hz: number): void {
    this.stopExpiry();
    const period = Math.max(1, Math.floor(1000 / hz));
    // Redis: ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC = 25% of each tick.
    const budgetMs = Math.max(0.05, period * 0.25);
    this.timer = setInterval(() => {
      this.activeExpireCycle(budgetMs);
      this.activeExpireParts(budgetMs / 4);
    }, period);
    this.timer.unref();
  }

  stopExpiry(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * Samples keys with deadlines database by database (20 per round, as Redis does) and keeps going
   * on a database while more than 10% of a sample was expired and the time budget lasts.
   */
  activeExpireCycle(budgetMs: number): number {
    const start = performance.now();
    let total = 0;
    const n = this.dbs.length;
    for (let i = 0; i < n; i++) {
      const db = this.dbs[(this.expireDb + i) % n];
      if (db.expires.size === 0) continue;
      for (;;) {
        const [sampled, expired] = db.expireSome(20, Date.now(), keySlotOfString);
        total += expired;
        if (sampled === 0 || expired * 10 <= sampled) break;
        if (performance.now() - start > budgetMs) {
          this.expireDb = (this.expireDb + i) % n;
          return total;
        }
      }
    }
    this.expireDb = (this.expireDb + 1) % n;
    return total;
  }

  /**
   * Reclaims the due parts of stored values (hash fields with TTLs) and deletes keys left empty: each
   * value registered in a database is looked at most once per call, within the time budget.
   */
  activeExpireParts(budgetMs: number): number {
    const start = performance.now();
    let total = 0;
    for (const db of this.dbs) {
      let left = db.partsExpiring.size;
      while (left > 0) {
        const [visited, reclaimed] = db.expirePartsSome(Math.min(64, left), 10_000, Date.now(), keySlotOfString);
        total += reclaimed;
        left -= visited;
        if (visited === 0 || performance.now() - start > budgetMs) break;
      }
      if (performance.now() - start > budgetMs) break;
    }
    return total;
  }
}
