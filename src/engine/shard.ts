// Shard: everything one worker thread owns — its part of every database, its clocks and counters.
// Invariants: only the owning thread touches a Shard; databases are swapped, never copied (SWAPDB);
// the active expire cycle (keys, then parts of values such as hash fields) never runs longer than its
// time budget per tick; nothing expires or is evicted while the dataset is frozen (clients paused).

import { AccessPolicy, Database, DatasetFreeze, F_PROTECTED } from './database.ts';
import type { WatchRecord } from './watch.ts';

export class ShardStats {
  keyspaceHits = 0;
  keyspaceMisses = 0;
  /** Keys removed to stay under maxmemory. */
  evictedKeys = 0;
  /** The active expire cycle: time spent (µs), runs cut by their time budget, and Redis's running
   * estimate of the share of sampled keys found expired (stat_expired_stale_perc, 0..1). */
  expireCycleUs = 0;
  expireTimeCapReached = 0;
  expiredStale = 0;
  /** Time over maxmemory that eviction could not end at once: finished spells (ms), and the start
   * (performance.now()) of the current one, 0 when within the limit. */
  evictionExceededMs = 0;
  evictionExceededSince = 0;
}

export type EvictionPolicy = 'volatile-lru' | 'volatile-lfu' | 'volatile-random' | 'volatile-ttl' | 'allkeys-lru' | 'allkeys-lfu' | 'allkeys-random' | 'noeviction';

/** evictOne's results: a key went; nothing the policy may evict; only keys transactions hold. */
export const EVICTED = 1;
export const EVICT_NONE = 0;
export const EVICT_PINNED = 2;

/** Cache mode: eviction scores of keys on probation start here (above any idle time). */
const PROBATION_SCORE = 2 ** 30;

/** Released arena bytes that make the shard ask for a major collection. */
const RELEASED_GC_BYTES = 64 * 1024 * 1024;

export class Shard {
  readonly index: number;
  dbs: Database[];
  readonly stats = new ShardStats();
  /** proto-max-bulk-len: the largest string a command may build. */
  maxBulkLen = 512 * 1024 * 1024;
  /**
   * notify-keyspace-events as Redis's NOTIFY_* bits (config/keyspace-events.ts); 0: off, and a write
   * command's notification costs one test of this field (server/notify.ts).
   */
  notifyFlags = 0;
  /** Delivers a keyspace notification's message to the channel's subscribers on every thread. */
  publishEvent: (channel: Buffer, message: Buffer) => void = () => {};
  /** WATCH records of clients (by client handle) for keys of this shard. */
  readonly watches = new Map<string, WatchRecord>();
  /** This shard's share of maxmemory in bytes (0: no limit). */
  maxmemory = 0;
  policy: EvictionPolicy = 'noeviction';
  /** --cache_mode: evict like a cache (2Q) whatever the policy. */
  cacheMode = false;
  /** The most usedMemory() has been. */
  peakMemory = 0;
  /** maxmemory-samples: keys sampled per eviction round. */
  evictionSamples = 5;
  /** How the databases record accesses (LFU counter, 2Q state). */
  readonly access = new AccessPolicy();
  /** While frozen (clients paused) no key expires and nothing is evicted (see DatasetFreeze). */
  readonly freeze = new DatasetFreeze();
  private evictDb = 0;
  /** Arena and collection bytes released when the last collection was requested (collectReleased). */
  private releasedAtGc = 0;
  /** Eviction candidates of one round (reused). */
  private sample = new Uint32Array(5);
  private expireDb = 0;
  private timer: NodeJS.Timeout | null = null;
  /** DEBUG SET-ACTIVE-EXPIRE: false stops the active expire cycle (keys then expire only when read). */
  activeExpire = true;

  constructor(index: number, dbnum: number) {
    this.index = index;
    this.dbs = Array.from({ length: dbnum }, () => new Database());
    for (const db of this.dbs) {
      db.access = this.access;
      db.freeze = this.freeze;
    }
  }

  /**
   * Bytes this shard's data uses: keys, strings, tables and collections of every database (each a sum
   * of counters kept on every change: no heap sampling, so freed but uncollected garbage never counts).
   */
  usedMemory(): number {
    let n = 0;
    for (const db of this.dbs) n += db.bytes;
    if (n > this.peakMemory) this.peakMemory = n;
    return n;
  }

  /** Applies the eviction settings (flags, CONFIG SET). */
  setPolicy(policy: EvictionPolicy, cacheMode: boolean): void {
    this.policy = policy;
    this.cacheMode = cacheMode;
    this.access.lfu = policy.endsWith('-lfu');
    this.access.cacheMode = cacheMode;
  }

  /**
   * Evicts keys by the policy until usedMemory() is within maxmemory (Redis performEvictions), for at
   * most `budgetMs` (Redis bounds each call too; the caller goes on later while still over). Returns
   * false when it cannot get there (noeviction, or nothing left that the policy may evict): denyoom
   * commands must then fail; true when within the limit or still evicting.
   */
  ensureMemory(budgetMs = Infinity): boolean {
    if (this.maxmemory === 0) return true;
    let used = this.usedMemory();
    if (used <= this.maxmemory) return true;
    // Clients are paused: nothing is evicted and nothing is refused (Redis's isSafeToPerformEvictions).
    if (this.freeze.frozen()) return true;
    if (this.policy === 'noeviction' && !this.cacheMode) return false;
    const start = budgetMs === Infinity ? 0 : performance.now();
    let pinnedRuns = 0;
    for (let rounds = 1; used > this.maxmemory; rounds++) {
      const r = this.evictOne();
      if (r === EVICT_NONE) return false;
      // Every sampled key is in use by a transaction: sample again, and after a few such rounds try
      // later (the caller goes on when the transactions are done).
      if (r === EVICT_PINNED) {
        if (++pinnedRuns >= 8) return true;
        continue;
      }
      pinnedRuns = 0;
      used = this.usedMemory();
      if ((rounds & 15) === 0 && budgetMs !== Infinity && performance.now() - start > budgetMs) return true;
    }
    return true;
  }

  /**
   * Evicts one key chosen by the policy; false when there is none to evict. Samples
   * `maxmemory-samples` keys (16 in cache mode) of every database that has candidates and evicts the
   * one the policy ranks first (higher score: evicted sooner).
   */
  evictOne(): number {
    const volatile = this.policy.startsWith('volatile-') && !this.cacheMode;
    const n = this.dbs.length;
    const random = !this.cacheMode && this.policy.endsWith('-random');
    const samples = random ? 1 : this.cacheMode ? Math.max(16, this.evictionSamples) : this.evictionSamples;
    const now = Date.now();
    const clock = Shard.lruClock(now);
    let best = 0;
    let bestDb: Database | null = null;
    let bestScore = -1;
    let pinnedOnly = false;
    if (this.sample.length !== samples) this.sample = new Uint32Array(samples);
    const sample = this.sample;
    for (let i = 0; i < n; i++) {
      const d = (this.evictDb + i) % n;
      const db = this.dbs[d];
      if ((volatile ? db.expiresCount : db.size) === 0) continue;
      // (For the random policies the sample is one key.)
      const got = db.sampleRefs(sample, volatile);
      let probation = false;
      for (let k = 0; k < got; k++) {
        const ref = sample[k];
        if (ref === 0) break;
        const score = random ? 0 : this.evictionScore(db, ref, clock, now);
        if (score >= PROBATION_SCORE) probation = true;
        if (score > bestScore && this.pinned !== null && this.pinned(d, db.keyAt(ref))) {
          pinnedOnly = true;
          continue;
        }
        if (score > bestScore) {
          best = ref;
          bestDb = db;
          bestScore = score;
        }
      }
      // 2Q: a sample with no key on probation means the probation queue ran dry: the sampled keys
      // lose their protection (their second chance: only a new hit protects them again).
      if (this.cacheMode && !probation) for (let k = 0; k < got; k++) db.setFlagsAt(sample[k], db.flagsAt(sample[k]) & ~F_PROTECTED);
      // Random policies take databases in turn; the others compare candidates across all of them.
      if (random && bestDb !== null) {
        this.evictDb = (d + 1) % n;
        break;
      }
    }
    if (bestDb === null) return pinnedOnly ? EVICT_PINNED : EVICT_NONE;
    bestDb.evictRef(best);
    this.stats.evictedKeys++;
    return EVICTED;
  }

  /**
   * Keys eviction must leave alone for now (set by the shard worker while transactions are live: a
   * key a transaction has locked may be read by its next hop). Null: none.
   */
  pinned: ((db: number, key: string) => boolean) | null = null;
  /**
   * Whether a live transaction holds key of db (null: none can): the active expire cycle leaves such
   * keys to the transaction, whose later hops must see what its first one saw (as Redis, which runs a
   * command or an EXEC in one instant).
   */
  transactionHolds: ((db: number, key: string) => boolean) | null = null;

  /** How strongly the policy wants the key at ref gone (higher: sooner). */
  private evictionScore(db: Database, ref: number, clock: number, now: number): number {
    if (this.cacheMode) {
      // 2Q: keys on probation (not hit since they came in, or since they lost their protection) go
      // first, the longest idle first; then protected keys, the longest idle first.
      const idle = db.idleSeconds(ref, clock);
      return db.flagsAt(ref) & F_PROTECTED ? idle : PROBATION_SCORE + idle;
    }
    if (this.policy.endsWith('-lru')) return db.idleSeconds(ref, clock);
    if (this.policy.endsWith('-lfu')) return 255 - db.lfuDecayed(ref, clock);
    // volatile-ttl: the sooner the deadline, the better.
    return Number.MAX_SAFE_INTEGER - Math.max(0, db.deadlineAt(ref) - now);
  }

  /** LRU clock in seconds (like Redis's 24-bit LRU clock, without the wrap). */
  static lruClock(now: number): number {
    return Math.floor(now / 1000);
  }

  /** Where a bug in the shard's own timer goes (logged and counted by the thread); null: thrown. */
  onFault: ((e: unknown, where: string) => void) | null = null;

  /** The latency monitor: told how long an expire or eviction cycle took (ms); null: nobody asks. */
  onLatency: ((event: 'expire-cycle' | 'eviction-cycle', ms: number) => void) | null = null;

  /** Starts the active expire cycle at `hz` ticks per second. */
  startExpiry(hz: number): void {
    this.stopExpiry();
    const period = Math.max(1, Math.floor(1000 / hz));
    // Redis: ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC = 25% of each tick.
    const budgetMs = Math.max(0.05, period * 0.25);
    this.timer = setInterval(() => {
      try {
        this.cron(budgetMs);
      } catch (e) {
        if (this.onFault === null) throw e;
        this.onFault(e, 'the expire cycle');
      }
    }, period);
    this.timer.unref();
  }

  /** One tick of the timer: expiry (unless DEBUG SET-ACTIVE-EXPIRE 0 stopped it), compaction, collection. */
  cron(budgetMs: number): void {
    // CLIENT PAUSE freezes the dataset: no key expires while it holds writes.
    if (this.activeExpire && !this.freeze.frozen()) {
      const t0 = this.onLatency === null ? 0 : performance.now();
      this.activeExpireCycle(budgetMs);
      if (this.onLatency !== null) this.onLatency('expire-cycle', performance.now() - t0);
      this.activeExpireParts(budgetMs / 4);
    }
    this.compactSome(budgetMs / 4);
    this.collectReleased();
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
    let sampledTotal = 0;
    const n = this.dbs.length;
    let next = (this.expireDb + 1) % n;
    scan: for (let i = 0; i < n; i++) {
      const dbIndex = (this.expireDb + i) % n;
      const db = this.dbs[dbIndex];
      if (db.expiresCount === 0) continue;
      const holds = this.transactionHolds;
      const held = holds === null ? null : (key: string): boolean => holds(dbIndex, key);
      for (;;) {
        const [sampled, expired] = db.expireSome(20, Date.now(), held);
        total += expired;
        sampledTotal += sampled;
        if (sampled === 0 || expired * 10 <= sampled) break;
        if (performance.now() - start > budgetMs) {
          next = dbIndex;
          this.stats.expireTimeCapReached++;
          break scan;
        }
      }
    }
    this.expireDb = next;
    // Redis activeExpireCycle's bookkeeping (INFO expire_cycle_cpu_milliseconds, expired_stale_perc).
    const st = this.stats;
    st.expireCycleUs += (performance.now() - start) * 1000;
    st.expiredStale = (sampledTotal > 0 ? total / sampledTotal : 0) * 0.05 + st.expiredStale * 0.95;
    return total;
  }

  /**
   * Arena chunks are SharedArrayBuffers, which V8 does not count as external memory, so releasing
   * them (flushes, deletes of large values, compaction) never prompts a collection by itself; and
   * collections dropped under eviction are garbage V8 collects only when its heap has grown well past
   * its live size, which would let the process grow to several times maxmemory. After 64 MB released
   * (or an eighth of the shard's maxmemory share, if less), ask for a major collection that runs
   * concurrently (the main isolate sets --expose-gc for the shard threads; without it the memory
   * returns at the next natural one).
   */
  private collectReleased(): void {
    let released = 0;
    for (const db of this.dbs) released += db.arena.releasedBytes + db.account.released;
    const every = this.maxmemory === 0 ? RELEASED_GC_BYTES : Math.min(RELEASED_GC_BYTES, Math.max(1 << 20, this.maxmemory >> 3));
    if (released < this.releasedAtGc) this.releasedAtGc = released;
    if (released - this.releasedAtGc < every) return;
    this.releasedAtGc = released;
    const gc = (globalThis as { gc?: (options: { type: string; execution: string }) => void }).gc;
    if (gc !== undefined) gc({ type: 'major', execution: 'async' });
  }

  /** Moves records out of sparse arena chunks, within the time budget (Database.compactStep). */
  compactSome(budgetMs: number): void {
    const start = performance.now();
    for (const db of this.dbs) {
      while (db.compactStep(256)) if (performance.now() - start > budgetMs) return;
    }
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
        const [visited, reclaimed] = db.expirePartsSome(Math.min(64, left), 10_000, Date.now());
        total += reclaimed;
        left -= visited;
        if (visited === 0 || performance.now() - start > budgetMs) break;
      }
      if (performance.now() - start > budgetMs) break;
    }
    return total;
  }
}
