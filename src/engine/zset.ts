// ZSet: the sorted-set value, in Redis's two encodings. "listpack": small sets as two parallel arrays
// sorted by (score, member), searched linearly as Redis searches its listpack; "skiplist": a Map
// member -> score plus a ScoreTree (O(log n) rank, range and update) and a ScanLog for ZSCAN cursors.
// Invariants: pairs are unique by member and ordered by score then member bytes; no score is NaN; a
// listpack set converts to skiplist when an add would exceed zset-max-listpack-entries or bring a
// member longer than zset-max-listpack-value, and never converts back (store commands build a new set
// in whichever encoding Redis would); in the skiplist encoding the Map, the tree and the log hold the
// same members; a listpack holds no -0 score (Redis stores it as the integer 0; a skiplist keeps -0).
// Members are latin1 strings (one char per byte).

import { KIND_ZSET, type TypedValue, type ValueKind } from './value-kind.ts';
import { AccountedValue, ARRAY_HEADER, DOUBLE, HEAP_NUMBER, MAP_ENTRY, POINTER, TREE_ENTRY, objectBytes, stringBytes } from './value-memory.ts';
import { ScoreTree, compareKeys } from './score-tree.ts';
import { ScanLog } from './scan-log.ts';
import {
  type LexRange, type ScoreRange, lexGteMin, lexLteMax, lexRangeEmpty, scoreGteMin, scoreLteMax, scoreRangeEmpty,
} from './zset-range.ts';
import { formatDouble } from '../util/numbers.ts';

// zsetAdd input flags.
export const ZADD_INCR = 1;
export const ZADD_NX = 2;
export const ZADD_XX = 4;
export const ZADD_GT = 8;
export const ZADD_LT = 16;
// zsetAdd outcome flags.
export const ZADD_OUT_NAN = 1;
export const ZADD_OUT_ADDED = 2;
export const ZADD_OUT_UPDATED = 4;
export const ZADD_OUT_NOP = 8;

/** The encoding thresholds (CONFIG zset-max-listpack-entries / -value). */
export interface ZSetLimits {
  maxEntries: number;
  maxValue: number;
}

/** Visits a pair; returning false stops the walk. */
export type PairVisitor = (member: string, score: number) => boolean;

export class ZSet extends AccountedValue implements TypedValue {
  readonly kindId = KIND_ZSET;
  /** Bytes of the member strings, kept on every change, for memBytes(). */
  private payload = 0;
  // listpack encoding (tree === null)
  private lpScores: number[] = [];
  private lpMembers: string[] = [];
  // skiplist encoding
  private tree: ScoreTree | null = null;
  private dict: Map<string, number> | null = null;
  private log: ScanLog | null = null;
  /** The score the last add() left its member with (Redis's *newscore). */
  newScore = 0;

  private readonly isLive = (m: string): boolean => this.dict!.has(m);

  /** An empty set in the given encoding. */
  static empty(listpack: boolean): ZSet {
    const z = new ZSet();
    if (!listpack) z.toSkiplist();
    return z;
  }

  /** A set of pairs already in order without duplicates (the arrays are taken, not copied). */
  static fromSorted(scores: number[], members: string[], listpack: boolean): ZSet {
    const z = new ZSet();
    for (let i = 0; i < members.length; i++) z.payload += stringBytes(members[i].length);
    if (listpack) {
      for (let i = 0; i < scores.length; i++) if (scores[i] === 0) scores[i] = 0; // no -0 in a listpack
      z.lpScores = scores;
      z.lpMembers = members;
    } else {
      z.tree = ScoreTree.fromSorted(scores, members);
      const d = new Map<string, number>();
      for (let i = 0; i < members.length; i++) d.set(members[i], scores[i]);
      z.dict = d;
      z.log = ScanLog.of(members);
    }
    return z;
  }

  get size(): number {
    return this.tree === null ? this.lpScores.length : this.tree.size;
  }

  get isListpack(): boolean {
    return this.tree === null;
  }

  /** OBJECT ENCODING name. */
  get encoding(): string {
    return this.tree === null ? 'listpack' : 'skiplist';
  }

  /** Converts a listpack set to the skiplist encoding (no-op if it already is one). */
  toSkiplist(): void {
    if (this.tree !== null) return;
    const scores = this.lpScores;
    const members = this.lpMembers;
    this.tree = ScoreTree.fromSorted(scores, members);
    const d = new Map<string, number>();
    for (let i = 0; i < members.length; i++) d.set(members[i], scores[i]);
    this.dict = d;
    this.log = ScanLog.of(members);
    this.lpScores = [];
    this.lpMembers = [];
    this.resized();
  }

  score(member: string): number | undefined {
    if (this.tree !== null) return this.dict!.get(member);
    const i = this.lpMembers.indexOf(member);
    return i < 0 ? undefined : this.lpScores[i];
  }

  /**
   * Redis zsetAdd: adds or updates `member` per the ZADD_* flags; returns ZADD_OUT_* flags (OUT_NAN:
   * nothing changed, the score is or would become NaN). Sets `newScore` unless the outcome is NOP or NAN.
   */
  add(score: number, member: string, flags: number, limits: ZSetLimits): number {
    if (score !== score) return ZADD_OUT_NAN;
    const cur = this.score(member);
    if (cur !== undefined) {
      if (flags & ZADD_NX) return ZADD_OUT_NOP;
      if (flags & ZADD_INCR) {
        score += cur;
        if (score !== score) return ZADD_OUT_NAN;
      }
      if (((flags & ZADD_LT) && score >= cur) || ((flags & ZADD_GT) && score <= cur)) return ZADD_OUT_NOP;
      this.newScore = score;
      if (score === cur) return 0;
      this.removePair(cur, member);
      this.insertPair(score, member);
      this.resized();
      return ZADD_OUT_UPDATED;
    }
    if (flags & ZADD_XX) return ZADD_OUT_NOP;
    if (this.tree === null && (this.lpScores.length + 1 > limits.maxEntries || member.length > limits.maxValue)) this.toSkiplist();
    this.insertPair(score, member);
    if (this.tree !== null) this.log!.add(member);
    this.newScore = score;
    this.resized();
    return ZADD_OUT_ADDED;
  }

  /** Removes member; false if it was not there. */
  remove(member: string): boolean {
    if (this.tree === null) {
      const i = this.lpMembers.indexOf(member);
      if (i < 0) return false;
      this.lpScores.splice(i, 1);
      this.lpMembers.splice(i, 1);
      this.payload -= stringBytes(member.length);
      this.resized();
      return true;
    }
    const cur = this.dict!.get(member);
    if (cur === undefined) return false;
    this.removePair(cur, member);
    this.log!.removed(member, this.dict!.size, this.isLive);
    this.resized();
    return true;
  }

  /** Inserts a pair whose member is absent (the log is the caller's). */
  private insertPair(score: number, member: string): void {
    this.payload += stringBytes(member.length);
    if (this.tree !== null) {
      this.tree.insert(score, member);
      this.dict!.set(member, score);
      return;
    }
    const at = this.countBefore((s, m) => compareKeys(s, m, score, member) >= 0);
    this.lpScores.splice(at, 0, score === 0 ? 0 : score); // a listpack keeps -0 as the integer 0
    this.lpMembers.splice(at, 0, member);
  }

  /** Removes a pair known to be present (the log is the caller's). */
  private removePair(score: number, member: string): void {
    this.payload -= stringBytes(member.length);
    if (this.tree !== null) {
      this.tree.delete(score, member);
      this.dict!.delete(member);
      return;
    }
    const i = this.lpMembers.indexOf(member);
    this.lpScores.splice(i, 1);
    this.lpMembers.splice(i, 1);
  }

  /** 0-based rank of member in ascending order, or -1. */
  rank(member: string): number {
    if (this.tree === null) return this.lpMembers.indexOf(member);
    const s = this.dict!.get(member);
    return s === undefined ? -1 : this.tree.rankOf(s, member);
  }

  /** The member at `rank` (0 <= rank < size). */
  memberAt(rank: number): string {
    return this.tree === null ? this.lpMembers[rank] : this.tree.at(rank).member;
  }

  /** The score at `rank` (0 <= rank < size). */
  scoreAt(rank: number): number {
    return this.tree === null ? this.lpScores[rank] : this.tree.at(rank).score;
  }

  /** Visits pairs from `rank` onwards (backwards when `reverse`) until fn returns false or they run out. */
  walk(rank: number, reverse: boolean, fn: PairVisitor): void {
    const n = this.size;
    if (rank < 0 || rank >= n) return;
    if (this.tree === null) {
      const s = this.lpScores;
      const m = this.lpMembers;
      if (reverse) {
        for (let i = rank; i >= 0; i--) if (!fn(m[i], s[i])) return;
      } else {
        for (let i = rank; i < n; i++) if (!fn(m[i], s[i])) return;
      }
      return;
    }
    const c = this.tree.at(rank);
    do {
      if (!fn(c.member, c.score)) return;
    } while (reverse ? c.prev() : c.next());
  }

  /** Visits every pair in ascending order. */
  forEach(fn: (member: string, score: number) => void): void {
    if (this.tree === null) {
      const s = this.lpScores;
      const m = this.lpMembers;
      for (let i = 0; i < s.length; i++) fn(m[i], s[i]);
    } else {
      this.tree.forEach((s, m) => fn(m, s));
    }
  }

  /** Number of leading pairs for which `pred` (monotone over the order) is false. */
  private countBefore(pred: (score: number, member: string) => boolean): number {
    if (this.tree !== null) return this.tree.countBefore(pred);
    const s = this.lpScores;
    const m = this.lpMembers;
    let lo = 0;
    let hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (pred(s[mid], m[mid])) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Rank of the first pair whose score is in range (Redis zslFirstInRange), or -1. */
  firstInScoreRange(r: ScoreRange): number {
    if (this.size === 0 || scoreRangeEmpty(r)) return -1;
    const i = this.countBefore((s) => scoreGteMin(s, r));
    return i < this.size && scoreLteMax(this.scoreAt(i), r) ? i : -1;
  }

  /** Rank of the last pair whose score is in range (Redis zslLastInRange), or -1. */
  lastInScoreRange(r: ScoreRange): number {
    if (this.size === 0 || scoreRangeEmpty(r)) return -1;
    const i = this.countBefore((s) => !scoreLteMax(s, r)) - 1;
    return i >= 0 && scoreGteMin(this.scoreAt(i), r) ? i : -1;
  }

  /**
   * Redis zslIsInLexRange: the range is not trivially empty, the last member is >= min and the first
   * is <= max.
   */
  private inLexRange(r: LexRange): boolean {
    const n = this.size;
    return n > 0 && !lexRangeEmpty(r) && lexGteMin(this.memberAt(n - 1), r) && lexLteMax(this.memberAt(0), r);
  }

  /**
   * Rank of the first member in the lex range, or -1. As Redis: a linear scan for the first member
   * >= min in a listpack, a descent in a skiplist (the two differ only when the scores differ, where
   * Redis leaves the result unspecified).
   */
  firstInLexRange(r: LexRange): number {
    if (!this.inLexRange(r)) return -1;
    let i: number;
    if (this.tree === null) {
      const m = this.lpMembers;
      for (i = 0; i < m.length && !lexGteMin(m[i], r); i++);
      if (i === m.length) return -1;
    } else {
      i = this.tree.countBefore((_s, mem) => lexGteMin(mem, r));
      if (i >= this.size) return -1;
    }
    return lexLteMax(this.memberAt(i), r) ? i : -1;
  }

  /** Rank of the last member in the lex range, or -1 (see firstInLexRange). */
  lastInLexRange(r: LexRange): number {
    if (!this.inLexRange(r)) return -1;
    let i: number;
    if (this.tree === null) {
      const m = this.lpMembers;
      for (i = m.length - 1; i >= 0 && !lexLteMax(m[i], r); i--);
      if (i < 0) return -1;
    } else {
      i = this.tree.countBefore((_s, mem) => !lexLteMax(mem, r)) - 1;
      if (i < 0) return -1;
    }
    return lexGteMin(this.memberAt(i), r) ? i : -1;
  }

  /** Deletes the pairs of ranks start..end (inclusive, 0 <= start <= end < size); returns how many. */
  deleteRanks(start: number, end: number): number {
    const count = end - start + 1;
    if (this.tree !== null && count === this.tree.size) {
      // Everything (ZPOPMIN with a big count, ZREMRANGEBYRANK 0 -1): start over rather than unlink each pair.
      this.tree = new ScoreTree();
      this.dict = new Map();
      this.log = new ScanLog();
      this.payload = 0;
      this.resized();
      return count;
    }
    if (this.tree === null) {
      for (let i = start; i < start + count; i++) this.payload -= stringBytes(this.lpMembers[i].length);
      this.lpScores.splice(start, count);
      this.lpMembers.splice(start, count);
      this.resized();
      return count;
    }
    const scores: number[] = [];
    const members: string[] = [];
    this.walk(start, false, (m, s) => {
      members.push(m);
      scores.push(s);
      return members.length < count;
    });
    for (let i = 0; i < count; i++) {
      this.removePair(scores[i], members[i]);
      this.log!.removed(members[i], this.dict!.size, this.isLive);
    }
    this.resized();
    return count;
  }

  /**
   * ZSCAN step for a skiplist set (a listpack set is returned whole, cursor 0, by the caller): members
   * and scores from `cursor`, about `count` of them; returns the next cursor (0: done).
   */
  scan(cursor: number, count: number, outMembers: string[], outScores: number[]): number {
    const start = outMembers.length;
    const next = this.log!.scan(cursor, count, this.isLive, outMembers);
    for (let i = start; i < outMembers.length; i++) outScores.push(this.dict!.get(outMembers[i])!);
    return next;
  }

  /**
   * The model's bytes, from counters (O(1)): a listpack's two arrays; a skiplist's Map entry, tree
   * slots and scan-log entry per member (and the log's entries of removed members until it compacts);
   * plus the member strings.
   */
  memBytes(): number {
    const n = this.size;
    const fixed = objectBytes(10) + this.payload;
    // (Arrays grown by inserts hold half a slot more per element on average; see arrayBytes.)
    if (this.tree === null) return fixed + 2 * ARRAY_HEADER + n * ((DOUBLE + POINTER) * 3) / 2;
    const stale = Math.max(0, this.log!.length - n);
    // Per member: its Map entry and boxed score (HEAP_NUMBER), the tree's two slots and its share of
    // the inner nodes, the scan log's two slots (measured: ~98 bytes besides the string).
    const perMember = MAP_ENTRY + TREE_ENTRY + HEAP_NUMBER + 2 * POINTER;
    return fixed + objectBytes(2) + objectBytes(4) + objectBytes(5) + 2 * ARRAY_HEADER + n * perMember + stale * (TREE_ENTRY + MAP_ENTRY);
  }

  /** A deep copy in the same encoding (COPY). */
  clone(): ZSet {
    const scores: number[] = [];
    const members: string[] = [];
    this.forEach((m, s) => {
      members.push(m);
      scores.push(s);
    });
    return ZSet.fromSorted(scores, members, this.tree === null);
  }
}

// ---------------------------------------------------------------------------------------------
// Serialized pairs: [u8 encoding][u32 n] then n x ([f64 score][u32 length][member bytes]), in order.
// ZSET_KIND.serialize (cross-shard RENAME/COPY) and the internal hops of multi-shard commands use it.
// ---------------------------------------------------------------------------------------------

export const PAIRS_LISTPACK = 0;
export const PAIRS_SKIPLIST = 1;

/** Serializes pairs given in order; `enc` is the encoding tag to carry. */
export function encodePairs(enc: number, scores: number[], members: string[]): Buffer {
  let bytes = 5;
  for (let i = 0; i < members.length; i++) bytes += 12 + members[i].length;
  const out = Buffer.allocUnsafe(bytes);
  out[0] = enc;
  out.writeUInt32LE(members.length, 1);
  let at = 5;
  for (let i = 0; i < members.length; i++) {
    out.writeDoubleLE(scores[i], at);
    const m = members[i];
    out.writeUInt32LE(m.length, at + 8);
    out.latin1Write(m, at + 12);
    at += 12 + m.length;
  }
  return out;
}

export interface Pairs {
  enc: number;
  scores: number[];
  members: string[];
}

export function decodePairs(b: Buffer): Pairs {
  const n = b.readUInt32LE(1);
  const scores: number[] = new Array(n);
  const members: string[] = new Array(n);
  let at = 5;
  for (let i = 0; i < n; i++) {
    scores[i] = b.readDoubleLE(at);
    const len = b.readUInt32LE(at + 8);
    members[i] = b.latin1Slice(at + 12, at + 12 + len);
    at += 12 + len;
  }
  return { enc: b[0], scores, members };
}

/** The pairs of a set, in order. */
export function pairsOf(z: ZSet): { scores: number[]; members: string[] } {
  const scores: number[] = [];
  const members: string[] = [];
  z.forEach((m, s) => {
    members.push(m);
    scores.push(s);
  });
  return { scores, members };
}

export function encodeZSet(z: ZSet): Buffer {
  const p = pairsOf(z);
  return encodePairs(z.isListpack ? PAIRS_LISTPACK : PAIRS_SKIPLIST, p.scores, p.members);
}

export function decodeZSet(b: Buffer): ZSet {
  const p = decodePairs(b);
  return ZSet.fromSorted(p.scores, p.members, p.enc === PAIRS_LISTPACK);
}

/** The sorted-set kind (TYPE zset). */
export const ZSET_KIND: ValueKind<ZSet> = {
  id: KIND_ZSET,
  type: 'zset',
  encoding: (v) => v.encoding,
  clone: (v) => v.clone(),
  heapBytes: (v) => v.memBytes(),
  serialize: encodeZSet,
  deserialize: decodeZSet,
  // Redis formats the score with "%.17g" (formatDouble) whatever the encoding.
  digest: (v, sink) => v.forEach((m, score) => sink.xorPair(m, formatDouble(score))),
};
