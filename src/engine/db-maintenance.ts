// Database maintenance between commands: the active expire cycle (keys, and the parts of values that
// expire on their own), arena compaction, and eviction's sampling of records.
// Invariants: each step is bounded by its budget and resumes where the previous one stopped (cursors
// survive deletes, re-adds and clear()); compaction runs only between commands (Entry views do not
// survive it); expired keys are removed as lookup would remove them (watchers told, counted).

import { Arena } from './arena.ts';
import type { ExpiringParts } from './value-kind.ts';
import { SEGMENT_SLOTS } from './dashtable.ts';
import { KeyTable } from './db-table.ts';

/** A KeyTable with its background work. */
export class MaintainedTable extends KeyTable {
  /** Where compaction's walk of the chunk being emptied resumes (a byte offset). */
  private compactAt = 0;
  /** Where the active expire cycle resumes (a table scan cursor). */
  private expireCursor = 0;
  /** Where the active cycle's pass over partsExpiring resumes. */
  private partsCursor: MapIterator<[string, ExpiringParts]> | null = null;

  clear(): void {
    super.clear();
    this.expireCursor = 0;
    this.partsCursor = null;
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
  expireSome(budget: number, now: number, held: ((key: string) => boolean) | null = null): [number, number] {
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
          // A key a live transaction holds is the transaction's until it ends (its later hops read it).
          if (held !== null && held(key)) continue;
          this.removeLast(key, ref);
          if (this.observed) this.touchExpired(key);
          if (this.onKeyEvent !== null) this.onKeyEvent(this, 'expired', key);
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
      // Redis 7.4's events for fields expired by the active cycle (hashes are the only values with parts).
      if (n > 0 && this.onKeyEvent !== null) this.onKeyEvent(this, 'hexpired', key);
      if (parts.empty()) {
        this.delete(key);
        if (this.onKeyEvent !== null) this.onKeyEvent(this, 'del', key);
      } else {
        // Parts reclaimed from a value that stays: a change for WATCH (Redis signals the key).
        if (n > 0 && this.observed) this.touch(key);
        if (parts.nextDeadline() === 0) this.partsExpiring.delete(key);
      }
    }
    this.partsCursor = it;
    return [visited, reclaimed];
  }
}
