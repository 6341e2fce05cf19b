// The range commands: ZRANGE (BYSCORE | BYLEX, REV, LIMIT, WITHSCORES), ZREVRANGE, ZRANGEBYSCORE,
// ZREVRANGEBYSCORE, ZRANGEBYLEX, ZREVRANGEBYLEX and ZRANGESTORE — one generic implementation, as Redis's
// zrangeGenericCommand, that selects pairs; the caller replies with them or stores them.
// Invariants: options, then the range, then the key are checked, in Redis's order and with its error
// texts; LIMIT offset/count behave as Redis 7.0 (a negative offset selects nothing, a negative count
// means all); ZRANGESTORE builds its result as Redis does (pairs added in range order to a set that
// starts as a listpack unless a rank range is longer than the listpack limit); with its two keys on
// different shards it parses on the client's thread, selects on the source's shard (ZSET_RANGE_SELECT)
// and stores on the destination's (ZSET_STORE).

import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { CommandImpl, ShardExec } from '../server/command-types.ts';
import type { Client } from '../server/client.ts';
import { ZSet } from '../engine/zset.ts';
import {
  type LexBound, type LexRange, type ScoreRange, lexGteMin, lexLteMax, parseLexRange, parseScoreRange, scoreGteMin, scoreLteMax,
} from '../engine/zset-range.ts';
import { OpError, defineOp } from '../server/shard-ops.ts';
import { BinReader, BinWriter, bool, bytes, nullable, scoredMembers, tuple, u32, type Codec, type ScoredMembers } from '../util/codec.ts';
import { ERR_SYNTAX, ERR_WRONGTYPE, isWord, lookupRead } from './family-util.ts';
import {
  STORE_ADDED_LISTPACK, STORE_ADDED_SKIPLIST, ZSET_STORE, parseLong, replyScore, storeAdded, zsetLimits, zsetOf,
} from './zset-common.ts';
import {
  STAGE_ADDED_LISTPACK, STAGE_ADDED_SKIPLIST, STREAM_MIN_PAIRS, ZSET_SLICE, ZSET_STAGE, ZSET_STAGE_END, ZSLICE, must, nextTurn, zstageToken,
} from './zset-setops.ts';

const RANK = 0;
const SCORE = 1;
const LEX = 2;
const AUTO = -1;

/** What a range selected, in reply order. */
interface Selection {
  members: string[];
  scores: number[];
  withScores: boolean;
  /** A rank range (its length is known before emitting: ZRANGESTORE presizes the result by it). */
  byRank: boolean;
}

/** A parsed range query: what to select from the source. */
interface RangeQuery {
  /** RANK, SCORE or LEX. */
  type: number;
  rev: boolean;
  withScores: boolean;
  offset: number;
  limit: number;
  /** The rank range (RANK). */
  start: number;
  end: number;
  score: ScoreRange | null;
  lex: LexRange | null;
}

/**
 * Redis zrangeGenericCommand up to the emitting: `at` is the source key's index; `store` (ZRANGESTORE)
 * refuses WITHSCORES. Returns the selection, or null after an error reply.
 */
function selectRange(x: ShardExec, args: Buffer[], at: number, store: boolean, type: number, reverseArg: number, w: ReplyWriter): Selection | null {
  const q = parseRange(args, at, store, type, reverseArg, w);
  if (q === null) return null;
  const z = zsetOf(lookupRead(x, args[at]), w);
  if (z === null) return null;
  return select(z, q);
}

/** The options and the range of a range command, checked in Redis's order; null after an error reply. */
function parseRange(args: Buffer[], at: number, store: boolean, type: number, reverseArg: number, w: ReplyWriter): RangeQuery | null {
  let reverse = reverseArg;
  let withScores = false;
  let offset = 0;
  let limit = -1;
  for (let j = at + 3; j < args.length; j++) {
    const left = args.length - j - 1;
    const a = args[j];
    if (!store && isWord(a, 'WITHSCORES')) withScores = true;
    else if (isWord(a, 'LIMIT') && left >= 2) {
      const o = parseLong(args[j + 1], w);
      if (o === null) return null;
      const l = parseLong(args[j + 2], w);
      if (l === null) return null;
      offset = o;
      limit = l;
      j += 2;
    } else if (reverse === AUTO && isWord(a, 'REV')) reverse = 1;
    else if (type === AUTO && isWord(a, 'BYLEX')) type = LEX;
    else if (type === AUTO && isWord(a, 'BYSCORE')) type = SCORE;
    else {
      w.error(ERR_SYNTAX);
      return null;
    }
  }
  const rev = reverse === 1;
  if (type === AUTO) type = RANK;
  if (limit !== -1 && type === RANK) {
    w.error('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX');
    return null;
  }
  if (withScores && type === LEX) {
    w.error('ERR syntax error, WITHSCORES not supported in combination with BYLEX');
    return null;
  }
  // REV with BYSCORE / BYLEX takes the range as max, min.
  const minArg = rev && type !== RANK ? args[at + 2] : args[at + 1];
  const maxArg = rev && type !== RANK ? args[at + 1] : args[at + 2];
  let start = 0;
  let end = 0;
  let score: ScoreRange | null = null;
  let lex: LexRange | null = null;
  if (type === RANK) {
    const s = parseLong(minArg, w);
    if (s === null) return null;
    const e = parseLong(maxArg, w);
    if (e === null) return null;
    start = s;
    end = e;
  } else if (type === SCORE) {
    score = parseScoreRange(minArg, maxArg);
    if (score === null) {
      w.error('ERR min or max is not a float');
      return null;
    }
  } else {
    lex = parseLexRange(minArg, maxArg);
    if (lex === null) {
      w.error('ERR min or max not valid string range item');
      return null;
    }
  }
  return { type, rev, withScores: withScores || store, offset, limit, start, end, score, lex };
}

/** The pairs the query selects from z (undefined: a missing key, nothing). */
function select(z: ZSet | undefined, q: RangeQuery): Selection {
  const sel: Selection = { members: [], scores: [], withScores: q.withScores, byRank: q.type === RANK };
  if (z === undefined) return sel;
  if (q.type === RANK) selectByRank(z, q.start, q.end, q.rev, sel);
  else if (q.type === SCORE) selectByScore(z, q.score!, q.offset, q.limit, q.rev, sel);
  else selectByLex(z, q.lex!, q.offset, q.limit, q.rev, sel);
  return sel;
}

/** Redis genericZrangebyrankCommand. */
function selectByRank(z: ZSet, start: number, end: number, rev: boolean, sel: Selection): void {
  const llen = z.size;
  if (start < 0) start += llen;
  if (end < 0) end += llen;
  if (start < 0) start = 0;
  if (start > end || start >= llen) return;
  if (end >= llen) end = llen - 1;
  const n = end - start + 1;
  z.walk(rev ? llen - 1 - start : start, rev, (m, s) => {
    sel.members.push(m);
    sel.scores.push(s);
    return sel.members.length < n;
  });
}

/**
 * From the first pair in range (last when reversed), skips `offset` pairs, then takes up to `limit`
 * (all when negative) while `inRange` holds — Redis 7.0's loops, where a negative offset walks off the end.
 */
function selectFrom(z: ZSet, first: number, offset: number, limit: number, rev: boolean, inRange: (m: string, s: number) => boolean, sel: Selection): void {
  if (first < 0 || offset < 0 || limit === 0) return;
  const from = rev ? first - offset : first + offset;
  if (from < 0 || from >= z.size) return;
  z.walk(from, rev, (m, s) => {
    if (!inRange(m, s)) return false;
    sel.members.push(m);
    sel.scores.push(s);
    return limit < 0 || sel.members.length < limit;
  });
}

/** Redis genericZrangebyscoreCommand. */
function selectByScore(z: ZSet, r: ScoreRange, offset: number, limit: number, rev: boolean, sel: Selection): void {
  if (offset > 0 && offset >= z.size) return;
  const first = rev ? z.lastInScoreRange(r) : z.firstInScoreRange(r);
  selectFrom(z, first, offset, limit, rev, rev ? (_m, s) => scoreGteMin(s, r) : (_m, s) => scoreLteMax(s, r), sel);
}

/** Redis genericZrangebylexCommand. */
function selectByLex(z: ZSet, r: LexRange, offset: number, limit: number, rev: boolean, sel: Selection): void {
  const first = rev ? z.lastInLexRange(r) : z.firstInLexRange(r);
  selectFrom(z, first, offset, limit, rev, rev ? (m) => lexGteMin(m, r) : (m) => lexLteMax(m, r), sel);
}

/** Replies a selection: members, with scores flat (RESP2) or as [member, score] pairs (RESP3). */
function replySelection(w: ReplyWriter, sel: Selection): void {
  const n = sel.members.length;
  const ws = sel.withScores;
  w.array(ws && w.resp === 2 ? n * 2 : n);
  for (let i = 0; i < n; i++) {
    if (ws && w.resp === 3) w.array(2);
    w.bulk(sel.members[i]);
    if (ws) replyScore(w, sel.scores[i]);
  }
}

function rangeReply(x: ShardExec, args: Buffer[], w: ReplyWriter, type: number, reverse: number): void {
  const sel = selectRange(x, args, 1, false, type, reverse, w);
  if (sel !== null) replySelection(w, sel);
}

/** ZRANGE key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES] */
function opZRange(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  rangeReply(x, args, w, AUTO, AUTO);
}

/** ZREVRANGE key start stop [WITHSCORES] */
function opZRevRange(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  rangeReply(x, args, w, RANK, 1);
}

/** ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count] */
function opZRangeByScore(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  rangeReply(x, args, w, SCORE, 0);
}

/** ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count] */
function opZRevRangeByScore(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  rangeReply(x, args, w, SCORE, 1);
}

/** ZRANGEBYLEX key min max [LIMIT offset count] */
function opZRangeByLex(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  rangeReply(x, args, w, LEX, 0);
}

/** ZREVRANGEBYLEX key max min [LIMIT offset count] */
function opZRevRangeByLex(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  rangeReply(x, args, w, LEX, 1);
}

/**
 * Whether ZRANGESTORE's result starts as a skiplist: Redis presizes it by the range's length when that
 * is known (a rank range), else starts a listpack (zsetTypeCreate).
 */
function startsSkiplist(x: ShardExec, sel: Selection): boolean {
  return sel.byRank && sel.members.length > zsetLimits(x).maxEntries;
}

/** ZRANGESTORE dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count] — both keys on this shard. */
function opZRangeStore(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const sel = selectRange(x, args, 2, true, AUTO, AUTO, w);
  if (sel === null) return;
  w.integer(storeAdded(x, args[1], sel.scores, sel.members, startsSkiplist(x, sel)));
}

/** ZRANGESTORE across shards: parse here, select where the source lives, store where the destination lives. */
async function multiZRangeStore(c: Client, args: Buffer[], w: ReplyWriter): Promise<void> {
  const q = parseRange(args, 2, true, AUTO, AUTO, w);
  if (q === null) return;
  const r = await c.coord.opForKey(args[2], ZSET_RANGE_SELECT, [args[2], q]);
  if (r instanceof OpError) return w.error(r.text);
  const [mode, pairs, span] = r;
  if (pairs === null) return streamRangeStore(c, args[1], args[2], span, w);
  const stored = await c.coord.opForKey(args[1], ZSET_STORE, [args[1], mode, pairs, 'zrangestore']);
  if (stored instanceof OpError) return w.error(stored.text);
  w.integer(stored);
}

type Span = [number, number, boolean, number];

/**
 * The run of ranks a range selects — select()'s, without collecting it: [its first rank, its length,
 * whether it goes downwards, the ZSET_STORE mode its result is built with].
 */
function span(z: ZSet | undefined, q: RangeQuery, x: ShardExec): Span {
  const none: Span = [0, 0, q.rev, STORE_ADDED_LISTPACK];
  if (z === undefined) return none;
  const n = z.size;
  let from: number;
  let count: number;
  if (q.type === RANK) {
    let start = q.start;
    let end = q.end;
    if (start < 0) start += n;
    if (end < 0) end += n;
    if (start < 0) start = 0;
    if (start > end || start >= n) return none;
    if (end >= n) end = n - 1;
    from = q.rev ? n - 1 - start : start;
    count = end - start + 1;
  } else {
    if (q.type === SCORE && q.offset > 0 && q.offset >= n) return none;
    const r = q.type === SCORE ? q.score! : null;
    const l = q.type === LEX ? q.lex! : null;
    const firstIn = (): number => (r !== null ? z.firstInScoreRange(r) : z.firstInLexRange(l!));
    const lastIn = (): number => (r !== null ? z.lastInScoreRange(r) : z.lastInLexRange(l!));
    const first = q.rev ? lastIn() : firstIn();
    if (first < 0 || q.offset < 0 || q.limit === 0) return none;
    from = q.rev ? first - q.offset : first + q.offset;
    if (from < 0 || from >= n) return none;
    const other = q.rev ? firstIn() : lastIn();
    const available = q.rev ? from - other + 1 : other - from + 1;
    if (available <= 0) return none;
    count = q.limit < 0 ? available : Math.min(q.limit, available);
  }
  const skiplist = q.type === RANK && count > zsetLimits(x).maxEntries; // startsSkiplist's rule
  return [from, count, q.rev, skiplist ? STORE_ADDED_SKIPLIST : STORE_ADDED_LISTPACK];
}

/** A big ZRANGESTORE across shards: the run of ranks read a slice a hop, added on the destination's shard a slice a hop. */
async function streamRangeStore(c: Client, dst: Buffer, src: Buffer, [from, count, rev, mode]: Span, w: ReplyWriter): Promise<void> {
  const token = zstageToken(c);
  const open = mode === STORE_ADDED_SKIPLIST ? STAGE_ADDED_SKIPLIST : STAGE_ADDED_LISTPACK;
  let ended = false;
  try {
    for (let done = 0; done < count; done += ZSLICE) {
      const at = rev ? from - done : from + done;
      const p = must(await c.coord.opForKey(src, ZSET_SLICE, [src, at, Math.min(ZSLICE, count - done), rev]));
      must(await c.coord.opForKey(dst, ZSET_STAGE, [token, done === 0 ? open : 0, p]));
      await nextTurn();
    }
    ended = true;
    const r = await c.coord.opForKey(dst, ZSET_STAGE_END, [token, dst, false, 'zrangestore']);
    if (r instanceof OpError) return w.error(r.text);
    w.integer(r);
  } finally {
    if (!ended) await c.coord.opForKey(dst, ZSET_STAGE_END, [token, dst, true, '']);
  }
}

const maybeScore: Codec<ScoreRange | null> = {
  write(w: BinWriter, r: ScoreRange | null) {
    if (r === null) return w.u8(0);
    w.u8(1 | (r.minex ? 2 : 0) | (r.maxex ? 4 : 0));
    w.f64(r.min);
    w.f64(r.max);
  },
  read(r: BinReader): ScoreRange | null {
    const f = r.u8();
    if (f === 0) return null;
    const min = r.f64();
    const max = r.f64();
    return { min, max, minex: (f & 2) !== 0, maxex: (f & 4) !== 0 };
  },
};

const lexBound: Codec<LexBound> = {
  write(w: BinWriter, b: LexBound) {
    w.u8(b.kind + 1);
    w.u8(b.ex ? 1 : 0);
    w.latin1(b.s);
  },
  read(r: BinReader): LexBound {
    const kind = (r.u8() - 1) as LexBound['kind'];
    const ex = r.u8() === 1;
    return { kind, s: r.latin1(), ex };
  },
};

const maybeLex: Codec<LexRange | null> = {
  write(w: BinWriter, r: LexRange | null) {
    if (r === null) return w.u8(0);
    w.u8(1);
    lexBound.write(w, r.min);
    lexBound.write(w, r.max);
  },
  read(r: BinReader): LexRange | null {
    if (r.u8() === 0) return null;
    const min = lexBound.read(r);
    return { min, max: lexBound.read(r) };
  },
};

const RANGE_QUERY: Codec<RangeQuery> = {
  write(w: BinWriter, q: RangeQuery) {
    w.u8(q.type);
    w.u8((q.rev ? 1 : 0) | (q.withScores ? 2 : 0));
    w.f64(q.offset);
    w.f64(q.limit);
    w.f64(q.start);
    w.f64(q.end);
    maybeScore.write(w, q.score);
    maybeLex.write(w, q.lex);
  },
  read(r: BinReader): RangeQuery {
    const type = r.u8();
    const f = r.u8();
    const offset = r.f64();
    const limit = r.f64();
    const start = r.f64();
    const end = r.f64();
    const score = maybeScore.read(r);
    return { type, rev: (f & 1) !== 0, withScores: (f & 2) !== 0, offset, limit, start, end, score, lex: maybeLex.read(r) };
  },
};

/**
 * ZRANGESTORE's lookup and selection on the source's shard: [the ZSET_STORE mode, the pairs in the order
 * Redis adds them — or null when there are more than STREAM_MIN_PAIRS, to be streamed — and the run of
 * ranks they are (see span)], or WRONGTYPE.
 */
export const ZSET_RANGE_SELECT = defineOp(
  'zset-range-select',
  tuple<[Buffer, RangeQuery]>(bytes, RANGE_QUERY),
  tuple<[number, ScoredMembers | null, Span]>(u32, nullable(scoredMembers), tuple<Span>(u32, u32, bool, u32)),
  (x, [key, q]) => {
    const e = lookupRead(x, key);
    if (e !== undefined && !(e.value instanceof ZSet)) return new OpError(ERR_WRONGTYPE);
    const z = e?.value as ZSet | undefined;
    const run = span(z, q, x);
    if (run[1] > STREAM_MIN_PAIRS) return [run[3], null, run] as [number, ScoredMembers | null, Span];
    const sel = select(z, q);
    return [startsSkiplist(x, sel) ? STORE_ADDED_SKIPLIST : STORE_ADDED_LISTPACK, { scores: sel.scores, members: sel.members }, run] as [number, ScoredMembers | null, Span];
  },
);

export const commands: Record<string, CommandImpl> = {
  zrange: { shard: opZRange },
  zrevrange: { shard: opZRevRange },
  zrangebyscore: { shard: opZRangeByScore },
  zrevrangebyscore: { shard: opZRevRangeByScore },
  zrangebylex: { shard: opZRangeByLex },
  zrevrangebylex: { shard: opZRevRangeByLex },
  zrangestore: { shard: opZRangeStore, multi: multiZRangeStore },
};

export const ops = [ZSET_RANGE_SELECT];
