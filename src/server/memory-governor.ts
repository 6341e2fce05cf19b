// MemoryGovernor: one shard's side of maxmemory — its share of the limit, eviction by the policy in
// bounded passes, and the over-the-limit state it publishes for every thread's -OOM gate.
// Invariants: eviction never removes a key a live transaction holds (its next hop may read it); the
// published state changes only when it changes; a pass runs at most EVICTION_BUDGET_MS, and the next
// is scheduled while the shard can still make room.

import type { ConfigValues } from '../config/params.ts';
import { shardShare } from '../config/params.ts';
import type { EvictionPolicy, Shard } from '../engine/shard.ts';
import type { MemoryGate } from './memory-gate.ts';

/** How long one eviction pass may run before the shard serves other work (Redis: ~0.5 ms at tenacity 10). */
const EVICTION_BUDGET_MS = 1;

/** What eviction must know of the shard's transactions. */
export interface HeldKeys {
  /** No transaction is live. */
  readonly idle: boolean;
  /** A live transaction holds key of db (or the whole shard). */
  holds(db: number, key: string): boolean;
}

export class MemoryGovernor {
  private readonly shard: Shard;
  private readonly index: number;
  private readonly n: number;
  private readonly gate: MemoryGate;
  private readonly held: HeldKeys;
  /** This shard is over its share of maxmemory even after eviction (as published in `gate`). */
  private over = false;
  private scheduled = false;

  constructor(shard: Shard, index: number, n: number, gate: MemoryGate, held: HeldKeys) {
    this.shard = shard;
    this.index = index;
    this.n = n;
    this.gate = gate;
    this.held = held;
  }

  /** Gives the shard its share of maxmemory, the eviction policy and cache mode (startup, CONFIG SET). */
  apply(c: ConfigValues): void {
    this.shard.maxmemory = shardShare(c.maxmemory as number, this.n);
    this.shard.setPolicy(c.maxmemory_policy as EvictionPolicy, c.cache_mode === true);
    this.shard.evictionSamples = Math.min(1024, c.maxmemory_samples as number);
    this.shard.access.lfuLogFactor = c.lfu_log_factor as number;
    this.shard.access.lfuDecayTime = c.lfu_decay_time as number;
    this.check();
  }

  /**
   * After a write or an internal command (and periodically): if the shard is over its share, evicts
   * by the policy (only between transactions — a transaction in progress may be about to read what
   * would go), and publishes whether it is still over, which makes the clients' threads refuse
   * denyoom commands for its keys. Also keeps the shard's peak current (usedMemory() records it).
   */
  check(): void {
    const s = this.shard;
    const used = s.usedMemory();
    let over = false;
    let exceeded = false;
    if (s.maxmemory !== 0 && used > s.maxmemory) {
      // Eviction runs EVICTION_BUDGET_MS at a time (as Redis's performEvictions): while it can still
      // make room, writes are not refused and it goes on in the next turn. Keys that live
      // transactions hold are left alone (their next hop may read them).
      s.pinned = this.held.idle ? null : this.holdsKey;
      const t0 = s.onLatency === null ? 0 : performance.now();
      over = !s.ensureMemory(EVICTION_BUDGET_MS);
      if (s.onLatency !== null) s.onLatency('eviction-cycle', performance.now() - t0);
      s.pinned = null;
      const running = !over && s.usedMemory() > s.maxmemory;
      if (running && !this.scheduled) {
        this.scheduled = true;
        setImmediate(this.continueEviction);
      }
      exceeded = over || running;
    }
    if (exceeded !== (s.stats.evictionExceededSince !== 0)) this.noteExceeded(exceeded);
    if (over !== this.over) {
      this.over = over;
      this.gate.publish(this.index, over);
    }
  }

  /**
   * Redis's eviction-exceeded time (INFO total/current_eviction_exceeded_time): from the first check
   * that left the shard over its share (eviction still running, or nothing to evict) to the first
   * that found it within.
   */
  private noteExceeded(exceeded: boolean): void {
    const st = this.shard.stats;
    const now = performance.now();
    if (exceeded) {
      st.evictionExceededSince = now;
      return;
    }
    st.evictionExceededMs += now - st.evictionExceededSince;
    st.evictionExceededSince = 0;
  }

  private readonly holdsKey = (db: number, key: string): boolean => this.held.holds(db, key);

  private readonly continueEviction = (): void => {
    this.scheduled = false;
    this.check();
  };
}
