// Set algebra of SINTER/SINTERCARD/SINTERSTORE and SUNION/SDIFF(STORE): Redis 7.2's algorithms over
// resolved sets (null = a missing key), shared by the single-shard path (sets read in place) and the
// cross-shard path (decoded copies gathered from their shards).
// Invariants: nothing here reads the keyspace or mutates an input; a key named twice is the same
// object in `sets` (results depend on that, as in Redis); results are built member by member with
// Redis's starting encodings, so their encodings and orders are Redis's.

import type { ReplyWriter } from '../protocol/reply-writer.ts';
import { int64OfText } from '../engine/intset.ts';
import { SetValue, type SetLimits } from '../engine/set-value.ts';

/** The non-missing sets ordered by cardinality, smallest first (stable), or null if one is missing. */
function bySize(sets: (SetValue | null)[]): SetValue[] | null {
  if (sets.some((s) => s === null)) return null;
  return (sets as SetValue[]).slice().sort((a, b) => a.size - b.size);
}

/**
 * Redis sinterGenericCommand's walk: calls fn for each member of the smallest set found in every other
 * set, in that set's order; fn returns false to stop.
 */
function eachCommon(sorted: SetValue[], fn: (m: string) => boolean): void {
  const first = sorted[0];
  const n = first.size;
  for (let i = 0; i < n; i++) {
    const m = first.at(i);
    let all = true;
    for (let j = 1; j < sorted.length && all; j++) if (sorted[j] !== first && !sorted[j].has(m)) all = false;
    if (all && !fn(m)) return;
  }
}

/** SINTER (and SMEMBERS): the common members as a set reply (empty if a key is missing). */
export function replyInter(sets: (SetValue | null)[], w: ReplyWriter): void {
  const sorted = bySize(sets);
  if (sorted === null) return w.set(0);
  const out: string[] = [];
  eachCommon(sorted, (m) => out.push(m) > 0);
  w.set(out.length);
  for (const m of out) w.bulk(m);
}

/** SINTERCARD: the number of common members, counting stops at `limit` (0: no limit). */
export function interCard(sets: (SetValue | null)[], limit: number): number {
  const sorted = bySize(sets);
  if (sorted === null) return 0;
  let n = 0;
  eachCommon(sorted, () => ++n !== limit);
  return n;
}

/**
 * SINTERSTORE's result (null when empty): an intset if the smallest set is one, else a listpack, grown
 * member by member (converting as thresholds require), then an intset if every member is an integer.
 */
export function interStore(sets: (SetValue | null)[], lim: SetLimits): SetValue | null {
  const sorted = bySize(sets);
  if (sorted === null) return null;
  const dst = sorted[0].isIntset ? SetValue.intset() : SetValue.listpack();
  let onlyIntegers = true;
  eachCommon(sorted, (m) => {
    if (onlyIntegers && int64OfText(m) === null) onlyIntegers = false;
    dst.add(m, lim);
    return true;
  });
  if (dst.size === 0) return null;
  if (onlyIntegers) dst.toIntsetIfSmall(lim);
  return dst;
}

export const UNION = 0;
export const DIFF = 1;

/**
 * Redis sunionDiffGenericCommand's result set (possibly empty), grown from an intset member by member.
 * SDIFF picks Redis's algorithm by the work each would do, which decides the result's encoding.
 */
export function unionDiff(sets: (SetValue | null)[], op: number, lim: SetLimits): SetValue {
  const dst = SetValue.intset();
  const first = sets[0];
  if (op === UNION) {
    for (const s of sets) s?.forEach((m) => dst.add(m, lim));
    return dst;
  }
  if (first === null) return dst;
  for (let j = 1; j < sets.length; j++) if (sets[j] === first) return dst; // A - A = empty
  let one = 0;
  let two = 0;
  for (const s of sets) {
    if (s === null) continue;
    one += first.size;
    two += s.size;
  }
  if (Math.floor(one / 2) <= two) {
    // Algorithm 1: each member of the first set that no other set has.
    first.forEach((m) => {
      for (let j = 1; j < sets.length; j++) if (sets[j]?.has(m)) return;
      dst.add(m, lim);
    });
  } else {
    // Algorithm 2: all of the first set, minus every member of the others.
    first.forEach((m) => dst.add(m, lim));
    for (let j = 1; j < sets.length && dst.size > 0; j++) sets[j]?.forEach((m) => dst.remove(m));
  }
  return dst;
}

/** The members of a set as a set reply, in its order. */
export function replyMembers(s: SetValue, w: ReplyWriter): void {
  w.set(s.size);
  s.forEach((m) => w.bulk(m));
}
