// Set operations over sorted sets (and sets): ZUNION ZINTER ZDIFF, their STORE forms, and ZINTERCARD —
// Redis's zunionInterDiffGenericCommand. Numkeys is checked, then every source is looked up (WRONGTYPE
// for other types), then WEIGHTS / AGGREGATE / WITHSCORES / LIMIT are parsed, then the result is computed.
// Invariants: a source is a sorted set or a set (through SetLike: every member scores 1; a missing key is
// empty); sources are combined smallest first (stable, so equal sizes keep key order) for ZUNION/ZINTER,
// in key order for ZDIFF; a SUM that is NaN (inf + -inf) counts as 0, and so does a weighted score that
// is NaN (0 * inf); results are in (score, member) order; keys on several shards are gathered by one hop
// per shard (ZSET_GATHER), combined on the client's thread and stored by a hop (ZSET_STORE) — or, past
// STREAM_MIN_PAIRS pairs, streamed a slice at a time (the section at the end of this file).

import { NOTIFY_ZSET } from '../config/keyspace-events.ts';
import { notifyKeyspaceEvent } from '../server/notify.ts';
import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { CommandImpl, ShardExec } from '../server/command-types.ts';
import type { Client } from '../server/client.ts';
import type { TypedValue } from '../engine/database.ts';
import { KIND_SET } from '../engine/value-kind.ts';
import { shardOfKey } from '../runtime/slots.ts';
import { compareKeys } from '../engine/score-tree.ts';
import { ZSet, type ZSetLimits } from '../engine/zset.ts';
import { OpError, defineOp } from '../server/shard-ops.ts';
import { bool, bytes, bytesList, latin1, list, nullable, num, scoredMembers, tuple, u32, type ScoredMembers } from '../util/codec.ts';
import { parseDoubleArg } from '../util/numbers.ts';
import { AT_FIRST_HOP, ERR_SYNTAX, ERR_WRONGTYPE, deleteKey, isWord, keyString, lookupRead, lookupWrite, storeValue } from './family-util.ts';
import { STORE_SORTED, ZSET_STORE, fitsListpack, storedNothing, parseLong, parsePositiveLong, replyScore, storeSorted, zsetLimits } from './zset-common.ts';

/**
 * How a value of the set type takes part: any TypedValue of kind KIND_SET that lists its members (the set
 * family's value implements it; optional `size` and `has` avoid building a lookup table).
 */
export interface SetLike extends TypedValue {
  readonly kindId: typeof KIND_SET;
  members(): Iterable<string>;
  readonly size?: number;
  /** The member at position i of members()'s order (lets a big set be read a slice at a time). */
  at?(i: number): string;
  has?(member: string): boolean;
}

/** One input of a set operation. ZSet is one as it is. */
interface OpSource {
  readonly size: number;
  score(member: string): number | undefined;
  forEach(fn: (member: string, score: number) => void): void;
}

/** A set as a source: every member scores 1. */
class SetSource implements OpSource {
  private readonly value: SetLike;
  private table: Set<string> | null = null;

  constructor(value: SetLike) {
    this.value = value;
  }

  private lookupTable(): Set<string> {
    if (this.table === null) this.table = new Set(this.value.members());
    return this.table;
  }

  get size(): number {
    return this.value.size ?? this.lookupTable().size;
  }

  score(member: string): number | undefined {
    const has = this.value.has !== undefined ? this.value.has(member) : this.lookupTable().has(member);
    return has ? 1 : undefined;
  }

  forEach(fn: (member: string, score: number) => void): void {
    for (const m of this.value.members()) fn(m, 1);
  }
}

/** Pairs gathered from another shard. */
class PairsSource implements OpSource {
  private readonly members: string[];
  private readonly scores: number[];
  private table: Map<string, number> | null = null;

  constructor(members: string[], scores: number[]) {
    this.members = members;
    this.scores = scores;
  }

  get size(): number {
    return this.members.length;
  }

  score(member: string): number | undefined {
    if (this.table === null) {
      this.table = new Map();
      for (let i = 0; i < this.members.length; i++) this.table.set(this.members[i], this.scores[i]);
    }
    return this.table.get(member);
  }

  forEach(fn: (member: string, score: number) => void): void {
    for (let i = 0; i < this.members.length; i++) fn(this.members[i], this.scores[i]);
  }
}

function isSetLike(v: unknown): v is SetLike {
  return (v as TypedValue).kindId === KIND_SET && typeof (v as SetLike).members === 'function';
}

/** A key as a source: undefined when missing; null after a WRONGTYPE reply. */
function lookupSource(x: ShardExec, key: Buffer, write: boolean, w: ReplyWriter): OpSource | undefined | null {
  const e = write ? lookupWrite(x, key) : lookupRead(x, key);
  if (e === undefined) return undefined;
  const v = e.value;
  if (v instanceof ZSet) return v;
  if (isSetLike(v)) return new SetSource(v);
  w.error(ERR_WRONGTYPE);
  return null;
}

const UNION = 0;
const INTER = 1;
const DIFF = 2;
const AGG_SUM = 0;
const AGG_MIN = 1;
const AGG_MAX = 2;

interface OpKind {
  name: string;
  op: number;
  /** Where numkeys is (2 for the STORE forms: the destination comes first). */
  numkeysIndex: number;
  store: boolean;
  cardOnly: boolean;
}

interface OpOptions {
  weights: number[];
  aggregate: number;
  withScores: boolean;
  /** ZINTERCARD LIMIT (0: none). */
  limit: number;
}

/** Numkeys, checked as Redis does before any lookup; null after the error. */
function parseNumKeys(args: Buffer[], k: OpKind, w: ReplyWriter): number | null {
  const n = parseLong(args[k.numkeysIndex], w);
  if (n === null) return null;
  if (n < 1) {
    w.error(`ERR at least 1 input key is needed for '${k.name}' command`);
    return null;
  }
  if (n > args.length - (k.numkeysIndex + 1)) {
    w.error(ERR_SYNTAX);
    return null;
  }
  return n;
}

/** The options after the keys; null after the error. */
function parseOptions(args: Buffer[], k: OpKind, setnum: number, w: ReplyWriter): OpOptions | null {
  const o: OpOptions = { weights: new Array(setnum).fill(1), aggregate: AGG_SUM, withScores: false, limit: 0 };
  let j = k.numkeysIndex + 1 + setnum;
  while (j < args.length) {
    const remaining = args.length - j;
    const a = args[j];
    if (k.op !== DIFF && !k.cardOnly && remaining >= setnum + 1 && isWord(a, 'WEIGHTS')) {
      j++;
      for (let i = 0; i < setnum; i++, j++) {
        const v = parseDoubleArg(args[j]);
        if (v === null) {
          w.error('ERR weight value is not a float');
          return null;
        }
        o.weights[i] = v;
      }
    } else if (k.op !== DIFF && !k.cardOnly && remaining >= 2 && isWord(a, 'AGGREGATE')) {
      const v = args[j + 1];
      if (isWord(v, 'SUM')) o.aggregate = AGG_SUM;
      else if (isWord(v, 'MIN')) o.aggregate = AGG_MIN;
      else if (isWord(v, 'MAX')) o.aggregate = AGG_MAX;
      else {
        w.error(ERR_SYNTAX);
        return null;
      }
      j += 2;
    } else if (!k.store && !k.cardOnly && isWord(a, 'WITHSCORES')) {
      o.withScores = true;
      j++;
    } else if (k.cardOnly && remaining >= 2 && isWord(a, 'LIMIT')) {
      const l = parsePositiveLong(args[j + 1], w, "ERR LIMIT can't be negative");
      if (l === null) return null;
      o.limit = l;
      j += 2;
    } else {
      w.error(ERR_SYNTAX);
      return null;
    }
  }
  return o;
}

function aggregate(target: number, v: number, agg: number): number {
  if (agg === AGG_SUM) {
    const t = target + v;
    return t !== t ? 0 : t;
  }
  if (agg === AGG_MIN) return v < target ? v : target;
  return v > target ? v : target;
}

interface Weighted {
  src: OpSource | undefined;
  weight: number;
}

const sizeOf = (s: Weighted): number => (s.src === undefined ? 0 : s.src.size);

/** The result pairs, or (ZINTERCARD) their number. */
function compute(sources: (OpSource | undefined)[], o: OpOptions, k: OpKind): { scores: number[]; members: string[] } | number {
  const ws: Weighted[] = sources.map((src, i) => ({ src, weight: o.weights[i] }));
  if (k.op !== DIFF) ws.sort((a, b) => sizeOf(a) - sizeOf(b)); // stable
  const out = new Map<string, number>();
  let card = 0;
  const first = ws[0];
  if (k.op === INTER) {
    if (sizeOf(first) > 0) {
      first.src!.forEach((m, s) => {
        if (k.cardOnly && o.limit > 0 && card >= o.limit) return;
        let score = first.weight * s;
        if (score !== score) score = 0;
        for (let j = 1; j < ws.length; j++) {
          const v = ws[j].src!.score(m);
          if (v === undefined) return;
          score = aggregate(score, v * ws[j].weight, o.aggregate);
        }
        if (k.cardOnly) card++;
        else out.set(m, score);
      });
    }
  } else if (k.op === UNION) {
    for (const { src, weight } of ws) {
      if (src === undefined) continue;
      src.forEach((m, s) => {
        let score = weight * s;
        if (score !== score) score = 0;
        const cur = out.get(m);
        out.set(m, cur === undefined ? score : aggregate(cur, score, o.aggregate));
      });
    }
  } else if (sizeOf(first) > 0) {
    first.src!.forEach((m, s) => {
      for (let j = 1; j < ws.length; j++) if (ws[j].src !== undefined && ws[j].src!.score(m) !== undefined) return;
      out.set(m, s);
    });
  }
  if (k.cardOnly) return card;
  const pairs: [string, number][] = [...out];
  pairs.sort((a, b) => compareKeys(a[1], a[0], b[1], b[0]));
  return { scores: pairs.map((p) => p[1]), members: pairs.map((p) => p[0]) };
}

/** Replies the pairs of a ZUNION / ZINTER / ZDIFF. */
function replyResult(w: ReplyWriter, r: { scores: number[]; members: string[] }, o: OpOptions): void {
  const n = r.members.length;
  w.array(o.withScores && w.resp === 2 ? n * 2 : n);
  for (let i = 0; i < n; i++) {
    if (o.withScores && w.resp === 3) w.array(2);
    w.bulk(r.members[i]);
    if (o.withScores) replyScore(w, r.scores[i]);
  }
}

/** The whole command, every key on this shard. */
function setOpShard(x: ShardExec, args: Buffer[], w: ReplyWriter, k: OpKind): void {
  const setnum = parseNumKeys(args, k, w);
  if (setnum === null) return;
  const sources: (OpSource | undefined)[] = [];
  for (let i = 0; i < setnum; i++) {
    const s = lookupSource(x, args[k.numkeysIndex + 1 + i], k.store, w);
    if (s === null) return;
    sources.push(s);
  }
  const o = parseOptions(args, k, setnum, w);
  if (o === null) return;
  const r = compute(sources, o, k);
  if (typeof r === 'number') return w.integer(r);
  if (k.store) return w.integer(storeSorted(x, args[1], r.scores, r.members, k.name));
  replyResult(w, r, o);
}

/** The command with keys on several shards: gather the sources, combine here, store by a hop. */
async function setOpMulti(c: Client, args: Buffer[], w: ReplyWriter, k: OpKind): Promise<void> {
  const setnum = parseNumKeys(args, k, w);
  if (setnum === null) return;
  const keys = args.slice(k.numkeysIndex + 1, k.numkeysIndex + 1 + setnum);
  let got: (OpSource | undefined)[] | OpError;
  if (k.cardOnly) got = await gather(c, keys, k.store);
  else {
    const peeks = await peekAll(c, keys, k.store);
    if (peeks instanceof OpError) return w.error(peeks.text);
    let total = 0;
    for (const [n] of peeks) total += n;
    if (total > STREAM_MIN_PAIRS) {
      const o = parseOptions(args, k, setnum, w);
      if (o === null) return;
      return streamed(c, keys, peeks.map(([n]) => n), o, k, k.store ? args[1] : null, w);
    }
    got = peeks.map(([, p]) => (p === null ? undefined : new PairsSource(p.members, p.scores)));
  }
  if (got instanceof OpError) return w.error(got.text);
  const o = parseOptions(args, k, setnum, w);
  if (o === null) return;
  const r = compute(got, o, k);
  if (typeof r === 'number') return w.integer(r);
  if (!k.store) return replyResult(w, r, o);
  const stored = await c.coord.opForKey(args[1], ZSET_STORE, [args[1], STORE_SORTED, r, k.name]);
  if (stored instanceof OpError) return w.error(stored.text);
  w.integer(stored);
}

/** Each key's source from its shard (one hop per shard): a source, undefined if missing; or the first error in key order. */
async function gather(c: Client, keys: Buffer[], write: boolean): Promise<(OpSource | undefined)[] | OpError> {
  const n = c.worker.n;
  const byShard = new Map<number, number[]>();
  keys.forEach((key, i) => {
    const s = shardOfKey(key, n);
    let list = byShard.get(s);
    if (list === undefined) byShard.set(s, (list = []));
    list.push(i);
  });
  const out: (OpSource | undefined)[] = new Array(keys.length);
  const failed: (OpError | undefined)[] = new Array(keys.length);
  await Promise.all(
    [...byShard].map(async ([s, idx]) => {
      const r = await c.coord.op(s, ZSET_GATHER, [write, idx.map((i) => keys[i])]);
      if (r instanceof OpError) {
        // The shard's first failing key is at or after its first key: report it there.
        failed[idx[0]] = r;
        return;
      }
      idx.forEach((i, j) => {
        const p = r[j];
        out[i] = p === null ? undefined : new PairsSource(p.members, p.scores);
      });
    }),
  );
  for (const f of failed) if (f !== undefined) return f;
  return out;
}

/** Every pair of a sorted set or set (members scoring 1), in order (copies of nothing the shard changes). */
function pairsOf(v: ZSet | SetLike): ScoredMembers {
  const scores: number[] = [];
  const members: string[] = [];
  if (v instanceof ZSet) {
    v.forEach((m, s) => {
      members.push(m);
      scores.push(s);
    });
  } else {
    for (const m of v.members()) {
      members.push(m);
      scores.push(1);
    }
  }
  return { scores, members };
}

/**
 * Per key, its pairs (a set's members score 1; null: missing); WRONGTYPE when one of the keys holds
 * another type (every key is looked up all the same, `write` choosing the lookup).
 */
export const ZSET_GATHER = defineOp('zset-gather', tuple<[boolean, Buffer[]]>(bool, bytesList), list(nullable(scoredMembers)), (x, [write, keys]) => {
  const out: (ScoredMembers | null)[] = [];
  let wrongType = false;
  for (const key of keys) {
    const e = write ? lookupWrite(x, key) : lookupRead(x, key);
    if (e === undefined) {
      out.push(null);
      continue;
    }
    const v = e.value;
    if (!(v instanceof ZSet) && !isSetLike(v)) {
      wrongType = true;
      out.push(null);
      continue;
    }
    out.push(pairsOf(v));
  }
  return wrongType ? new OpError(ERR_WRONGTYPE) : out;
});

function kind(name: string, op: number, store: boolean, cardOnly = false): OpKind {
  return { name, op, numkeysIndex: store ? 2 : 1, store, cardOnly };
}

function setOpCommand(k: OpKind): CommandImpl {
  return {
    shard: (x, args, w) => setOpShard(x, args, w, k),
    multi: (c, args, w) => setOpMulti(c, args, w, k),
  };
}

export const commands: Record<string, CommandImpl> = {
  zunion: setOpCommand(kind('zunion', UNION, false)),
  zinter: setOpCommand(kind('zinter', INTER, false)),
  zdiff: setOpCommand(kind('zdiff', DIFF, false)),
  zunionstore: setOpCommand(kind('zunionstore', UNION, true)),
  zinterstore: setOpCommand(kind('zinterstore', INTER, true)),
  zdiffstore: setOpCommand(kind('zdiffstore', DIFF, true)),
  zintercard: setOpCommand(kind('zintercard', INTER, false, true)),
};

// ---------------------------------------------------------------------------------------------
// Big sources across shards: read a slice a hop, combined a slice a turn, the result grown where it goes.
// The command's transaction holds every key from the first hop to the last, so a source's ranks do not
// move between its slices and nobody sees the destination before it is installed; the client's thread
// yields between slices, so other keys are served meanwhile. The combining is compute()'s, in its order
// (sources smallest first, aggregated in that order), so scores (NaN rules, -0, float sums) are the same;
// the result is inserted into a sorted set instead of sorted at once, which gives the same order.
// ---------------------------------------------------------------------------------------------

/** Pairs per hop or per turn. */
export const ZSLICE = 16384;

/** Up to this many pairs in all, the sources are gathered whole (one hop) instead. */
export const STREAM_MIN_PAIRS = 4096;

export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export function must<R>(r: R | OpError): R {
  if (r instanceof OpError) throw new Error(`zset stream: ${r.text}`);
  return r;
}

type Peek = [number, ScoredMembers | null];

/**
 * The command's lookup of key (`write` picks the lookup): [the size of the sorted set or set there (0:
 * missing), its pairs when there are at most STREAM_MIN_PAIRS], WRONGTYPE for another type.
 */
export const ZSET_PEEK = defineOp('zset-peek', tuple<[boolean, Buffer]>(bool, bytes), tuple<Peek>(num, nullable(scoredMembers)), (x, [write, key]) => {
  const e = write ? lookupWrite(x, key) : lookupRead(x, key);
  if (e === undefined) return [0, null] as Peek;
  const v = e.value;
  if (!(v instanceof ZSet) && !isSetLike(v)) return new OpError(ERR_WRONGTYPE);
  const size = v instanceof ZSet ? v.size : (v.size ?? [...v.members()].length);
  return [size, size <= STREAM_MIN_PAIRS ? pairsOf(v) : null] as Peek;
});

/**
 * Pairs at ranks (a set: positions, scoring 1) [from, from + count) of key — or, `rev`, from rank `from`
 * downwards (sorted sets only) — with the key locked by the caller.
 */
export const ZSET_SLICE = defineOp('zset-slice', tuple<[Buffer, number, number, boolean]>(bytes, u32, u32, bool), scoredMembers, (x, [key, from, count, rev]) => {
  const scores: number[] = [];
  const members: string[] = [];
  const v = x.db.lookup(key, AT_FIRST_HOP)?.value; // ZSET_PEEK did the command's lookup (stats, access, expiry)
  if (v instanceof ZSet) {
    let left = count;
    v.walk(from, rev, (m, sc) => {
      members.push(m);
      scores.push(sc);
      return --left > 0;
    });
  } else if (v !== undefined && isSetLike(v)) {
    if (v.at !== undefined && v.size !== undefined) {
      const to = Math.min(v.size, from + count);
      for (let i = from; i < to; i++) members.push(v.at(i));
    } else {
      let i = 0;
      for (const m of v.members()) {
        if (i >= from + count) break;
        if (i++ >= from) members.push(m);
      }
    }
    for (let i = 0; i < members.length; i++) scores.push(1);
  }
  return { scores, members };
});

/** Each key's peek (see ZSET_PEEK), or the first WRONGTYPE in key order. */
async function peekAll(c: Client, keys: Buffer[], write: boolean): Promise<Peek[] | OpError> {
  // Every key looked up (a key named twice twice), as ZSET_GATHER and Redis do.
  const sizes = keys.map((k) => c.coord.opForKey(k, ZSET_PEEK, [write, k]));
  const out: Peek[] = [];
  for (const p of sizes) {
    const r = await p;
    if (r instanceof OpError) return r;
    out.push(r);
  }
  return out;
}

/** A source read here a slice at a time. */
class SlicedSource {
  readonly members: string[] = [];
  readonly scores: number[] = [];

  get size(): number {
    return this.members.length;
  }

  append(p: ScoredMembers): void {
    for (let i = 0; i < p.members.length; i++) {
      this.members.push(p.members[i]);
      this.scores.push(p.scores[i]);
    }
  }
}

/** Reads key's `size` pairs into src, a slice a hop (the next one asked for while one is appended). */
async function readSliced(c: Client, key: Buffer, size: number, src: SlicedSource): Promise<void> {
  const fetch = (from: number): Promise<ScoredMembers | OpError> => c.coord.opForKey(key, ZSET_SLICE, [key, from, ZSLICE, false]);
  let next = size > 0 ? fetch(0) : null;
  for (let from = 0; next !== null; from += ZSLICE) {
    const p = must(await next);
    next = from + ZSLICE < size ? fetch(from + ZSLICE) : null;
    src.append(p);
    await nextTurn();
  }
}

/** Where result pairs go: a sorted set grown a slice at a time (on the destination's shard, or here). */
interface PairSink {
  add(p: ScoredMembers): Promise<void>;
}

/**
 * Sorted sets being grown on a destination's shard, by staging token: `added` ones are storeAdded's
 * (pairs added in order to a set that starts as it says, converted by the limits as they go); the others
 * are storeSorted's (a skiplist, made a listpack at the end if the result fits one).
 */
interface StagedZset {
  z: ZSet;
  maxLen: number;
  added: boolean;
}
const stagedZsets = new Map<string, StagedZset>();

/** ZSET_STAGE's first call for a token: how the set starts. */
export const STAGE_SORTED = 1;
export const STAGE_ADDED_LISTPACK = 2;
export const STAGE_ADDED_SKIPLIST = 3;

/** Staged sorted sets now (tests check that none is left behind). */
export function stagedZsetCount(): number {
  return stagedZsets.size;
}

const NO_LISTPACK = { maxEntries: 0, maxValue: 0 };

function addPairs(st: StagedZset, p: ScoredMembers, limits: ZSetLimits): void {
  const lim = st.added ? limits : NO_LISTPACK;
  for (let i = 0; i < p.members.length; i++) {
    const m = p.members[i];
    if (m.length > st.maxLen) st.maxLen = m.length;
    st.z.add(p.scores[i], m, 0, lim);
  }
}

/** Adds pairs (new members) to the staged sorted set `token`, opening it first as `open` says (STAGE_*; 0: open already). */
export const ZSET_STAGE = defineOp(
  'zset-stage',
  tuple<[string, number, ScoredMembers]>(latin1, u32, scoredMembers),
  num,
  (x, [token, open, p]) => {
    let st = stagedZsets.get(token);
    if (open !== 0 || st === undefined) {
      st = { z: ZSet.empty(open === STAGE_ADDED_LISTPACK), maxLen: 0, added: open === STAGE_ADDED_LISTPACK || open === STAGE_ADDED_SKIPLIST };
      stagedZsets.set(token, st);
    }
    addPairs(st, p, zsetLimits(x));
    return st.z.size;
  },
  // Not a write for the memory check: evicting now could take a key this command holds; the
  // installing hop (the END operation) is one.
  false,
);

/** The staged set in the encoding storeSorted would give it (a small one becomes a listpack). */
function finished(x: ShardExec, st: StagedZset): ZSet {
  if (st.added || !fitsListpack(zsetLimits(x), st.z.size, st.maxLen)) return st.z;
  const scores: number[] = [];
  const members: string[] = [];
  st.z.forEach((m, sc) => {
    members.push(m);
    scores.push(sc);
  });
  return ZSet.fromSorted(scores, members, true);
}

/**
 * Installs the staged result at dst (none or empty: deletes dst) with the command's keyspace event,
 * or drops it (`drop`); the stored size.
 */
export const ZSET_STAGE_END = defineOp(
  'zset-stage-end',
  tuple<[string, Buffer, boolean, string]>(latin1, bytes, bool, latin1),
  num,
  (x, [token, dst, drop, event]) => {
    const st = stagedZsets.get(token);
    stagedZsets.delete(token);
    if (drop) return 0;
    if (st === undefined || st.z.size === 0) return storedNothing(x, dst);
    storeValue(x, dst, finished(x, st), 0);
    notifyKeyspaceEvent(x, NOTIFY_ZSET, event, dst);
    return st.z.size;
  },
  true,
);

let zstageSeq = 0;

/** A staging token unique to this command run. */
export function zstageToken(c: Client): string {
  return `${c.worker.index}:${c.id}:z${zstageSeq++}`;
}

/** A source left where it lives: its members' scores are asked for, a slice at a time (ZSET_SCORES). */
class RemoteSource {
  readonly key: Buffer;
  readonly size: number;

  constructor(key: Buffer, size: number) {
    this.key = key;
    this.size = size;
  }
}

/** The scores of members in the sorted set (a set: 1) at key, NaN for a member it lacks (no score is NaN). */
export const ZSET_SCORES = defineOp('zset-scores', tuple<[Buffer, string[]]>(bytes, list(latin1)), list(num), (x, [key, members]) => {
  const v = x.db.lookup(key, AT_FIRST_HOP)?.value; // ZSET_PEEK did the command's lookup (stats, access, expiry)
  const out: number[] = new Array(members.length);
  const set = v !== undefined && !(v instanceof ZSet) && isSetLike(v) ? v : null;
  const has = set === null ? null : set.has !== undefined ? (m: string) => set.has!(m) : ((all) => (m: string) => all.has(m))(new Set(set.members()));
  for (let i = 0; i < members.length; i++) {
    let sc: number | undefined;
    if (v instanceof ZSet) sc = v.score(members[i]);
    else if (has !== null) sc = has(members[i]) ? 1 : undefined;
    out[i] = sc === undefined ? NaN : sc;
  }
  return out;
});

type StreamSource = SlicedSource | RemoteSource | undefined;

/**
 * compute() over big sources, a slice of work per turn, its result pairs handed to `emit` a slice at a
 * time (members distinct; any order: the sink sorts). ZUNION reads every source here; ZINTER / ZDIFF
 * read the walked one here and ask the others' shards for the scores of each slice's candidates.
 */
async function computeSliced(c: Client, sources: StreamSource[], o: OpOptions, k: OpKind, emit: (p: ScoredMembers) => Promise<void>): Promise<void> {
  const ws = sources.map((src, i) => ({ src, weight: o.weights[i] }));
  const size = (x: { src: StreamSource }): number => (x.src === undefined ? 0 : x.src.size);
  if (k.op !== DIFF) ws.sort((a, b) => size(a) - size(b)); // stable
  const first = ws[0];
  if (k.op === UNION) {
    const members: string[] = [];
    const scores: number[] = [];
    const at = new Map<string, number>();
    let work = 0;
    for (const { src, weight } of ws) {
      if (src === undefined) continue;
      const got = src as SlicedSource;
      for (let i = 0; i < got.members.length; i++) {
        const m = got.members[i];
        let score = weight * got.scores[i];
        if (score !== score) score = 0;
        const j = at.get(m);
        if (j === undefined) {
          at.set(m, members.length);
          members.push(m);
          scores.push(score);
        } else scores[j] = aggregate(scores[j], score, o.aggregate);
        if (++work % ZSLICE === 0) await nextTurn();
      }
    }
    for (let i = 0; i < members.length; i += ZSLICE) {
      await emit({ members: members.slice(i, i + ZSLICE), scores: scores.slice(i, i + ZSLICE) });
      // An operation on this thread's own shard answers in a microtask: yield, or the whole result
      // would be staged in one turn (ZUNIONSTORE of two 1M sets held its thread for seconds).
      await nextTurn();
    }
    return;
  }
  if (size(first) === 0) return;
  const walked = first.src as SlicedSource;
  for (let from = 0; from < walked.members.length; from += ZSLICE) {
    let members = walked.members.slice(from, from + ZSLICE);
    let scores = walked.scores.slice(from, from + ZSLICE);
    if (k.op === INTER) {
      for (let i = 0; i < scores.length; i++) {
        const sc = first.weight * scores[i];
        scores[i] = sc !== sc ? 0 : sc;
      }
    }
    for (let j = 1; j < ws.length && members.length > 0; j++) {
      const other = ws[j].src as RemoteSource | undefined;
      if (other === undefined) continue; // ZDIFF: a missing key takes nothing away
      const theirs = must(await c.coord.opForKey(other.key, ZSET_SCORES, [other.key, members]));
      const keptMembers: string[] = [];
      const keptScores: number[] = [];
      for (let i = 0; i < members.length; i++) {
        const v = theirs[i];
        const has = v === v;
        if (k.op === INTER && has) {
          keptMembers.push(members[i]);
          keptScores.push(aggregate(scores[i], v * ws[j].weight, o.aggregate));
        } else if (k.op === DIFF && !has) {
          keptMembers.push(members[i]);
          keptScores.push(scores[i]);
        }
      }
      members = keptMembers;
      scores = keptScores;
    }
    if (members.length > 0) await emit({ members, scores });
    await nextTurn();
  }
}

/** The command over big sources: read in slices, combined in slices, stored at dst (or replied) in slices. */
async function streamed(c: Client, keys: Buffer[], sizes: number[], o: OpOptions, k: OpKind, dst: Buffer | null, w: ReplyWriter): Promise<void> {
  // Which source compute() walks: ZDIFF's first key, else the smallest (the first of equals).
  let walked = 0;
  if (k.op !== DIFF) for (let i = 1; i < sizes.length; i++) if (sizes[i] < sizes[walked]) walked = i;
  const sources: StreamSource[] = [];
  const reads: Promise<void>[] = [];
  keys.forEach((key, i) => {
    if (sizes[i] === 0) return void sources.push(undefined);
    if (k.op !== UNION && i !== walked) return void sources.push(new RemoteSource(key, sizes[i]));
    const src = new SlicedSource();
    reads.push(readSliced(c, key, sizes[i], src));
    sources.push(src);
  });
  await Promise.all(reads);
  if (dst !== null) {
    const token = zstageToken(c);
    let opened = false;
    let ended = false;
    try {
      await computeSliced(c, sources, o, k, async (p) => {
        must(await c.coord.opForKey(dst, ZSET_STAGE, [token, opened ? 0 : STAGE_SORTED, p]));
        opened = true;
      });
      ended = true;
      const r = await c.coord.opForKey(dst, ZSET_STAGE_END, [token, dst, false, k.name]);
      if (r instanceof OpError) return w.error(r.text);
      w.integer(r);
    } finally {
      if (!ended && opened) await c.coord.opForKey(dst, ZSET_STAGE_END, [token, dst, true, '']);
    }
    return;
  }
  const st: StagedZset = { z: ZSet.empty(false), maxLen: 0, added: false };
  await computeSliced(c, sources, o, k, async (p) => {
    addPairs(st, p, NO_LISTPACK);
    await nextTurn();
  });
  // replyResult, a slice per turn.
  const n = st.z.size;
  w.array(o.withScores && w.resp === 2 ? n * 2 : n);
  for (let from = 0; from < n; from += ZSLICE) {
    let left = ZSLICE;
    st.z.walk(from, false, (m, sc) => {
      if (o.withScores && w.resp === 3) w.array(2);
      w.bulk(m);
      if (o.withScores) replyScore(w, sc);
      return --left > 0;
    });
    await nextTurn();
  }
}

export const ops = [ZSET_GATHER, ZSET_PEEK, ZSET_SLICE, ZSET_SCORES, ZSET_STAGE, ZSET_STAGE_END];
