// Seeded randomized differential fuzzer of the data types: for each seed a random sequence of list,
// hash, set and sorted-set commands (multi-key ones included: LMOVE, LMPOP, SMOVE, the set and
// sorted-set algebra and their STORE forms, ZRANGESTORE, ZMPOP), keyspace commands on typed values
// (RENAME, RENAMENX, COPY, TYPE, OBJECT ENCODING, EXISTS, DEL) and a few string commands, over nine
// keys (two {hash tag} groups and four plain keys, spread over every shard at 3 threads, so multi-key
// commands take both the one-shard and the cross-shard paths), with type collisions on purpose, goes
// as one pipelined write to Damselfly (1 and 3 shard threads) and to redis-server 7.0.15; the raw
// replies must match, then the same audit of every key (type, encoding, contents).
// Not compared byte for byte, by design:
// - random replies (SRANDMEMBER, HRANDFIELD, ZRANDMEMBER): only their shape (types and lengths), or
//   their sorted elements when the count asks for the whole collection; SPOP only with a count of 0
//   or one that empties the set (otherwise the states would diverge);
// - unspecified orders: SMEMBERS / SINTER / SUNION / SDIFF / HKEYS / HVALS / HGETALL / *SCAN (COUNT
//   1000, one call) are compared sorted, except right after an OBJECT ENCODING on the same key that
//   said listpack or intset on both servers (then the order is specified and compared exactly);
// - OBJECT ENCODING of a set: `listpack` (Damselfly, as Redis 7.2) equals `hashtable` (7.0.15) when
//   the TYPE just before said set, and of a list `listpack` (7.2) equals `quicklist` (7.0.15, its one
//   list encoding) when it said list (README "Known differences", docs/encodings.md); so OBJECT
//   ENCODING always comes right after a TYPE of the same key, in one unit the shrinker keeps whole;
// - lex ranges over members with different scores are unspecified in a skiplist (Redis walks its
//   random levels): seeds whose sorted sets may become skiplists use equal scores with lex ranges;
// - 7.2+ only features are not sent (ZRANK WITHSCORE, hash field TTLs, set-max-listpack-*), and no
//   HSET / HMSET brings more pairs than hash-max-listpack-entries (Damselfly then makes a hashtable up
//   front as Redis 7.4 does, docs/encodings.md; 7.0.15 adds them to its listpack first), and no SADD
//   brings more members than set-max-intset-entries (a new set is then not an intset even if the
//   members repeat, as in 7.2; 7.0.15 adds them to an intset first).
// On a mismatch the failure names the seed and thread count and shows the shortest reproducing
// sequence found by delta debugging (test/shrink.ts) on freshly flushed servers, with both replies.
// FUZZ_SEEDS=N runs seeds 1..N (default 500, about 35 s on 2 cores with streams, bitmaps and HLL in the mix; npm run test:long runs 20000), in tests of 100 seeds; FUZZ_SEED=S runs
// only seed S.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  Rand,
  REDIS_AVAILABLE, RawClient, SKIP_NO_REDIS, replyLength, rng, show, showCommand, startDamselfly, startRedis, transcript, type ServerHandle,
} from './harness.ts';
import { elements, sortAggregate } from './reply-normalizers.ts';
import { ddmin } from './shrink.ts';
import { shardOfKey } from '../src/runtime/slots.ts';
import { HLL_MAKERS } from './fuzz/hll-gen.ts';
import { BITMAP_MAKERS } from './fuzz/bitmaps-gen.ts';
import { streamAudit, streamMakers } from './fuzz/streams-gen.ts';

// ---------------------------------------------------------------------------------------------
// Alphabets

/** Keys of one {hash tag} group live on one shard (at 3 threads: {g1} on shard 1, {g2} on shard 2). */
const GROUPS = [
  ['{g1}a', '{g1}b'],
  ['{g2}a', '{g2}b', '{g2}c'],
];
/** Plain keys: k1 on shard 1, k2 on shard 2, x and y on shard 0 (3 threads). */
const KEYS = [...GROUPS[0], ...GROUPS[1], 'k1', 'k2', 'x', 'y'];

const MEMBERS = ['a', 'b', 'c', 'd', 'e', 'foo', 'bar', 'x y', '', '\x00z', '1', '2', '3', '10', '-7', '0', '007', '9223372036854775807'];
const FIELDS = ['f', 'g', 'h', 'fld', '1', '2', 'x'];
const HVALUES = ['v', '1', '2', '-3', '10', '1.5', 'abc', '', '9223372036854775807', '-9223372036854775808', '3e2'];
const SCORES = ['0', '1', '2', '3', '-1', '1.5', '-2.5', '10', '+inf', '-inf', '1e3', '0.1', '-0', '5'];
const SCORE_BOUNDS = ['-inf', '+inf', '0', '1', '(1', '2', '(2', '-1', '1.5', '(10', '10', '3', '(-inf', '+INF'];
/** A count beyond any collection here: SPOP / SRANDMEMBER / HRANDFIELD / ZRANDMEMBER return it all. */
const ALL = '100000';
const LEX_BOUNDS = ['-', '+', '[a', '(a', '[c', '(d', '[1', '(foo', '[', '[e', '(x y', '[bar'];

/** Per-seed shape of the run: encoding thresholds, member lengths, scores, protocol. */
interface Profile {
  resp3: boolean;
  /** CONFIG SET pairs sent first (every threshold, so a previous seed's settings never leak). */
  config: [string, string][];
  /** Chance of a member / value longer than 64 bytes (a listpack's value limit). */
  long: number;
  /** Every score is 0 (so lex ranges are specified whatever the encoding). */
  flat: boolean;
  /** Lex range commands are generated (flat scores, or sorted sets that stay listpacks). */
  lex: boolean;
  /** Most pairs in one HSET / HMSET: never more than hash-max-listpack-entries (see the header). */
  hashPairs: number;
  /** Most members in one SADD: never more than set-max-intset-entries (see the header). */
  setMembers: number;
}

/** Redis 7.0.15's defaults of the encoding thresholds the fuzzer changes. */
const CONFIG_DEFAULTS: Record<string, string> = {
  'list-max-listpack-size': '-2',
  'hash-max-listpack-entries': '512',
  'hash-max-listpack-value': '64',
  'set-max-intset-entries': '512',
  'zset-max-listpack-entries': '128',
  'zset-max-listpack-value': '64',
};

function isDefaultConfig(c: Cmd): boolean {
  return c.length === 4 && c[0] === 'CONFIG' && c[1] === 'SET' && CONFIG_DEFAULTS[c[2]] === c[3];
}

function profileFor(seed: number, g: Gen): Profile {
  const small = seed % 3 === 0;
  const pick = (name: string, lo: number, hi: number): string => (small ? String(g.int(lo, hi)) : CONFIG_DEFAULTS[name]);
  const config: [string, string][] = [
    ['list-max-listpack-size', small ? g.pick(['1', '2', '3', '-1', '0']) : CONFIG_DEFAULTS['list-max-listpack-size']],
    ['hash-max-listpack-entries', pick('hash-max-listpack-entries', 1, 5)],
    ['hash-max-listpack-value', pick('hash-max-listpack-value', 1, 8)],
    ['set-max-intset-entries', pick('set-max-intset-entries', 1, 5)],
    ['zset-max-listpack-entries', pick('zset-max-listpack-entries', 0, 5)],
    ['zset-max-listpack-value', pick('zset-max-listpack-value', 1, 8)],
  ];
  const long = seed % 4 === 1 ? 0.05 : 0;
  const flat = seed % 5 === 2;
  const hashPairs = Math.min(3, Number(config[1][1]));
  const setMembers = Math.min(5, Number(config[3][1]));
  return { resp3: seed % 2 === 0, config, long, flat, lex: flat || (!small && long === 0), hashPairs, setMembers };
}

// ---------------------------------------------------------------------------------------------
// Generator

type Cmd = string[];
/** Commands the shrinker keeps or drops together (a TYPE + OBJECT ENCODING + read group). */
type Unit = Cmd[];

type Kind = 'list' | 'hash' | 'set' | 'zset';
const KINDS: Kind[] = ['list', 'hash', 'set', 'zset'];

class Gen extends Rand {
  p!: Profile;
  /** The keys each type's commands mostly use: a random partition of the alphabet, plus one shared key. */
  readonly pools: Record<Kind, string[]>;
  /** The seed's members: a random part of MEMBERS, so that lookups often find what was added. */
  readonly memberPool: string[];
  constructor(seed: number) {
    super(seed);
    const pools = {} as Record<Kind, string[]>;
    const order = this.shuffle([...KEYS]);
    KINDS.forEach((k, i) => (pools[k] = order.filter((_, j) => j % KINDS.length === i)));
    // One key doubles for a second type: a collision spot.
    pools[this.pick(KINDS)].push(this.pick(KEYS));
    this.pools = pools;
    this.memberPool = this.shuffle([...MEMBERS]).slice(0, this.int(5, 10));
  }
  /** A key: mostly one of the seed's keys for `kind` (so most commands find their type), else any. */
  key(kind?: Kind | Kind[]): string {
    return this.pick(this.pool(kind));
  }
  private pool(kind: Kind | Kind[] | undefined, within: readonly string[] = KEYS): readonly string[] {
    if (kind === undefined || this.chance(0.12)) return within;
    const want = new Set((Array.isArray(kind) ? kind : [kind]).flatMap((k) => this.pools[k]));
    const pool = within.filter((k) => want.has(k));
    return pool.length > 0 ? pool : within;
  }
  /** n keys (repeats allowed): often within one {hash tag} group (one shard), else anywhere. */
  keys(n: number, kind?: Kind | Kind[]): string[] {
    const within = this.chance(0.4) ? this.pick(GROUPS) : KEYS;
    return Array.from({ length: n }, () => this.pick(this.pool(kind, within)));
  }
  /** Two keys: sometimes equal, often from one group, else anywhere. */
  pair(kind?: Kind | Kind[]): [string, string] {
    const x = this.r();
    if (x < 0.1) {
      const k = this.key(kind);
      return [k, k];
    }
    if (x < 0.45) {
      const g = this.pick(GROUPS);
      return [this.pick(this.pool(kind, g)), this.pick(this.pool(kind, g))];
    }
    return [this.key(kind), this.key(kind)];
  }
  long(): string {
    return this.pick(['L', 'M']).repeat(this.int(65, 90));
  }
  member(): string {
    return this.chance(this.p.long) ? this.long() : this.chance(0.1) ? this.pick(MEMBERS) : this.pick(this.memberPool);
  }
  members(lo: number, hi: number): string[] {
    return Array.from({ length: this.int(lo, hi) }, () => this.member());
  }
  field(): string {
    return this.chance(this.p.long / 2) ? this.long() : this.pick(FIELDS);
  }
  hvalue(): string {
    return this.chance(this.p.long) ? this.long() : this.pick(HVALUES);
  }
  score(): string {
    if (this.p.flat) return this.chance(0.5) ? '0' : this.pick(['0', '-0', '0.0']);
    if (this.chance(0.02)) return this.pick(['abc', 'nan', '', '1x']);
    return this.pick(SCORES);
  }
  index(): string {
    if (this.chance(0.05)) return this.pick(['100', '-100', '9223372036854775807', 'x']);
    return String(this.int(-5, 5));
  }
  count(): string {
    if (this.chance(0.05)) return this.pick(['-1', 'x', '100']);
    return String(this.int(0, 4));
  }
  scoreBound(): string {
    if (this.p.flat) return this.pick(['0', '(0', '-inf', '+inf', '-1', '1']);
    return this.chance(0.02) ? this.pick(['x', '(', 'nan']) : this.pick(SCORE_BOUNDS);
  }
  lexBound(): string {
    return this.chance(0.02) ? this.pick(['x', '']) : this.pick(LEX_BOUNDS);
  }
  /** ZUNION-style weights: zeros only under flat scores (a set's members score 1). */
  weight(): string {
    if (this.p.flat) return '0';
    return this.chance(0.03) ? 'x' : this.pick(['1', '2', '0', '-1', '0.5', 'inf']);
  }
  unit(): Unit {
    const w = this.r() * TOTAL_WEIGHT;
    let acc = 0;
    for (const [weight, make] of MAKERS) {
      acc += weight;
      if (w < acc) return toUnit(make(this));
    }
    return toUnit(MAKERS[0][1](this));
  }
}

function toUnit(x: Cmd | Unit): Unit {
  return Array.isArray(x[0]) ? (x as Unit) : [x as Cmd];
}

function limitOpts(g: Gen, c: Cmd): void {
  if (g.chance(0.3)) c.push('LIMIT', String(g.int(-1, 3)), String(g.int(-1, 3)));
}

function zrangeCommand(g: Gen, store: boolean): Cmd {
  const c: Cmd = store ? ['ZRANGESTORE', ...g.pair('zset')] : ['ZRANGE', g.key('zset')];
  const mode = g.r();
  if (mode < 0.4) {
    c.push(g.index(), g.index());
    if (g.chance(0.1)) c.push('LIMIT', '0', '-1');
  } else if (mode < 0.75 || !g.p.lex) {
    c.push(g.scoreBound(), g.scoreBound(), 'BYSCORE');
    limitOpts(g, c);
  } else {
    c.push(g.lexBound(), g.lexBound(), 'BYLEX');
    limitOpts(g, c);
  }
  if (g.chance(0.3)) c.push('REV');
  if (!store && g.chance(0.4)) c.push('WITHSCORES');
  return c;
}

function zsetAlgebra(g: Gen, name: string): Cmd {
  const store = name.endsWith('STORE');
  const n = g.int(1, 3);
  const c: Cmd = [name];
  if (store) c.push(g.key('zset'));
  const diff = name.startsWith('ZDIFF');
  // (A set's members score 1: under flat scores only ZUNION/ZINTER may read sets, with WEIGHTS 0.)
  c.push(g.chance(0.03) ? g.pick(['0', 'x', '5']) : String(n), ...g.keys(n, g.chance(0.3) && !(diff && g.p.flat) ? ['zset', 'set'] : 'zset'));
  if (!diff && (g.p.flat || g.chance(0.3))) c.push('WEIGHTS', ...Array.from({ length: n }, () => g.weight()));
  if (!diff && g.chance(0.3)) c.push('AGGREGATE', g.pick(['SUM', 'MIN', 'MAX', 'sum']));
  if (!store && g.chance(0.5)) c.push('WITHSCORES');
  return c;
}

function zaddCommand(g: Gen): Cmd {
  const c: Cmd = ['ZADD', g.key('zset')];
  if (g.chance(0.15)) c.push(g.pick(['NX', 'XX']));
  if (g.chance(0.15)) c.push(g.pick(['GT', 'LT']));
  if (g.chance(0.2)) c.push('CH');
  const incr = g.chance(0.1);
  if (incr) c.push('INCR');
  const n = incr ? 1 : g.int(1, 4);
  for (let i = 0; i < n; i++) c.push(g.score(), g.member());
  if (g.chance(0.02)) c.push(g.score());
  return c;
}

/**
 * One command adding 100-200 elements, past the default listpack / intset limits (only under default
 * thresholds: small ones are crossed anyway, and SADD / HSET must stay within them, see the header;
 * sorted sets only where lex ranges do not depend on the encoding).
 */
function bulk(g: Gen): Cmd {
  const n = g.int(100, 200);
  const kinds: Kind[] = g.p.setMembers < 5 ? ['list'] : g.p.lex && !g.p.flat ? ['list', 'hash', 'set'] : KINDS;
  const kind = g.pick(kinds);
  const ints = g.chance(0.5);
  const item = (): string => (ints ? String(g.int(-50, 600)) : `n${g.int(0, 299)}`);
  switch (kind) {
    case 'list':
      return [g.pick(['RPUSH', 'LPUSH']), g.key('list'), ...Array.from({ length: n }, item)];
    case 'hash':
      return ['HSET', g.key('hash'), ...Array.from({ length: n }, () => [item(), g.hvalue()]).flat()];
    case 'set':
      return ['SADD', g.key('set'), ...Array.from({ length: n }, item)];
    default:
      return ['ZADD', g.key('zset'), ...Array.from({ length: n }, () => [g.score(), item()]).flat()];
  }
}

/** TYPE, OBJECT ENCODING and then reads of one key: the unit that makes order checks possible. */
function inspect(g: Gen, kind: Kind | undefined, ...reads: ((k: string) => Cmd)[]): Unit {
  const k = g.key(kind);
  return [['TYPE', k], ['OBJECT', 'ENCODING', k], ...reads.map((f) => f(k))];
}

const WRONG: ((g: Gen) => Cmd)[] = [
  (g) => ['LPUSH', g.key()],
  (g) => ['HSET', g.key(), g.field()],
  (g) => ['HSET', g.key(), g.field(), g.hvalue(), g.field()],
  (g) => ['SADD', g.key()],
  (g) => ['ZADD', g.key(), 'NX', 'XX', '1', 'a'],
  (g) => ['ZADD', g.key(), 'GT', 'LT', '1', 'a'],
  (g) => ['ZADD', g.key(), 'INCR', '1', 'a', '2', 'b'],
  (g) => ['ZADD', g.key(), 'NX', 'GT', '1', 'a'],
  (g) => ['LRANGE', g.key(), 'a', '1'],
  (g) => ['LINSERT', g.key(), 'MIDDLE', 'a', 'b'],
  (g) => ['LMOVE', g.key(), g.key(), 'UP', 'LEFT'],
  (g) => ['LMPOP', '0', g.key(), 'LEFT'],
  (g) => ['LMPOP', '1', g.key(), 'LEFT', 'COUNT', '0'],
  (g) => ['ZMPOP', '2', g.key(), 'MIN'],
  (g) => ['SINTERCARD', '1', g.key(), 'LIMIT', '-1'],
  (g) => ['ZINTERCARD', '0', g.key()],
  (g) => ['ZUNIONSTORE', g.key(), '1', g.key(), 'WEIGHTS'],
  (g) => ['ZRANGE', g.key(), '0', '1', 'LIMIT', '0', '1'],
  (g) => ['ZRANGEBYSCORE', g.key(), '0', '1', 'LIMIT', '0'],
  (g) => ['HINCRBY', g.key(), g.field(), 'x'],
  (g) => ['HINCRBYFLOAT', g.key(), g.field(), 'nan'],
  (g) => ['SPOP', g.key(), '-1'],
  (g) => ['SMOVE', g.key(), g.key()],
  (g) => ['OBJECT', 'ENCODING'],
  (g) => ['RENAME', g.key()],
  (g) => ['COPY', g.key(), g.key(), 'FOO'],
];

const MAKERS: [number, (g: Gen) => Cmd | Unit][] = [
  // Lists
  [8, (g) => [g.pick(['LPUSH', 'RPUSH']), g.key('list'), ...g.members(1, 4)]],
  [1.5, (g) => [g.pick(['LPUSHX', 'RPUSHX']), g.key('list'), ...g.members(1, 2)]],
  [3, (g) => (g.chance(0.5) ? [g.pick(['LPOP', 'RPOP']), g.key('list')] : [g.pick(['LPOP', 'RPOP']), g.key('list'), g.count()])],
  [1, (g) => ['LLEN', g.key('list')]],
  [3, (g) => ['LRANGE', g.key('list'), g.index(), g.index()]],
  [1.5, (g) => ['LINDEX', g.key('list'), g.index()]],
  [1.5, (g) => ['LSET', g.key('list'), g.index(), g.member()]],
  [1.5, (g) => ['LINSERT', g.key('list'), g.pick(['BEFORE', 'AFTER']), g.member(), g.member()]],
  [1.5, (g) => ['LREM', g.key('list'), String(g.int(-2, 2)), g.member()]],
  [1.5, (g) => ['LTRIM', g.key('list'), g.index(), g.index()]],
  [
    1.5,
    (g) => {
      const c = ['LPOS', g.key('list'), g.member()];
      if (g.chance(0.4)) c.push('RANK', g.pick(['1', '-1', '2', '-2', '0']));
      if (g.chance(0.4)) c.push('COUNT', g.pick(['0', '1', '2', '-1']));
      if (g.chance(0.2)) c.push('MAXLEN', g.pick(['0', '1', '3', '-1']));
      return c;
    },
  ],
  [3, (g) => ['LMOVE', ...g.pair('list'), g.pick(['LEFT', 'RIGHT']), g.pick(['LEFT', 'RIGHT'])]],
  [1, (g) => ['RPOPLPUSH', ...g.pair('list')]],
  [
    2.5,
    (g) => {
      const n = g.int(1, 3);
      const c = ['LMPOP', String(n), ...g.keys(n, 'list'), g.pick(['LEFT', 'RIGHT'])];
      if (g.chance(0.5)) c.push('COUNT', g.pick(['1', '2', '5']));
      return c;
    },
  ],
  // Hashes
  [8, (g) => [g.pick(['HSET', 'HSET', 'HMSET']), g.key('hash'), ...Array.from({ length: g.int(1, g.p.hashPairs) }, () => [g.field(), g.hvalue()]).flat()]],
  [1.5, (g) => ['HSETNX', g.key('hash'), g.field(), g.hvalue()]],
  [2, (g) => ['HGET', g.key('hash'), g.field()]],
  [1.5, (g) => ['HMGET', g.key('hash'), g.field(), g.field()]],
  [2.5, (g) => ['HDEL', g.key('hash'), g.field(), ...(g.chance(0.3) ? [g.field()] : [])]],
  [1, (g) => ['HLEN', g.key('hash')]],
  [1, (g) => ['HSTRLEN', g.key('hash'), g.field()]],
  [1, (g) => ['HEXISTS', g.key('hash'), g.field()]],
  [2, (g) => ['HINCRBY', g.key('hash'), g.field(), g.pick(['1', '-2', '100', '9223372036854775807', '-9223372036854775808'])]],
  [1.5, (g) => ['HINCRBYFLOAT', g.key('hash'), g.field(), g.pick(['1.5', '-0.25', '10', '3e2', '1e308', '-1e308'])]],
  [2, (g) => inspect(g, 'hash', (k) => [g.pick(['HGETALL', 'HKEYS', 'HVALS']), k])],
  [1, (g) => inspect(g, 'hash', (k) => ['HSCAN', k, '0', 'COUNT', '1000'])],
  [1, (g) => ['HRANDFIELD', g.key('hash'), ...(g.chance(0.7) ? [g.pick(['1', '2', '-3', '0', ALL]), ...(g.chance(0.5) ? ['WITHVALUES'] : [])] : [])]],
  // Sets
  [8, (g) => ['SADD', g.key('set'), ...g.members(1, g.p.setMembers)]],
  [2.5, (g) => ['SREM', g.key('set'), ...g.members(1, 3)]],
  [1, (g) => ['SCARD', g.key('set')]],
  [1.5, (g) => ['SISMEMBER', g.key('set'), g.member()]],
  [1, (g) => ['SMISMEMBER', g.key('set'), ...g.members(1, 3)]],
  [2, (g) => inspect(g, 'set', (k) => ['SMEMBERS', k])],
  [1, (g) => inspect(g, 'set', (k) => ['SSCAN', k, '0', 'COUNT', '1000'])],
  [1, (g) => ['SRANDMEMBER', g.key('set'), ...(g.chance(0.7) ? [g.pick(['1', '2', '-3', '0', ALL])] : [])]],
  [1, (g) => ['SPOP', g.key('set'), g.pick(['0', ALL])]],
  [2.5, (g) => ['SMOVE', ...g.pair('set'), g.member()]],
  [2, (g) => [g.pick(['SINTER', 'SUNION', 'SDIFF']), ...g.keys(g.int(1, 3), 'set')]],
  [3, (g) => [g.pick(['SINTERSTORE', 'SUNIONSTORE', 'SDIFFSTORE']), g.key('set'), ...g.keys(g.int(1, 3), 'set')]],
  [
    1,
    (g) => {
      const n = g.int(1, 3);
      return ['SINTERCARD', String(n), ...g.keys(n, 'set'), ...(g.chance(0.4) ? ['LIMIT', g.pick(['0', '1', '2'])] : [])];
    },
  ],
  // Sorted sets
  [9, zaddCommand],
  [2, (g) => ['ZINCRBY', g.key('zset'), g.p.flat ? '0' : g.pick(['1', '-1', '2.5', '+inf', '-inf', 'x']), g.member()]],
  [2.5, (g) => ['ZREM', g.key('zset'), ...g.members(1, 3)]],
  [1, (g) => ['ZCARD', g.key('zset')]],
  [1.5, (g) => ['ZSCORE', g.key('zset'), g.member()]],
  [1, (g) => ['ZMSCORE', g.key('zset'), ...g.members(1, 3)]],
  [1.5, (g) => [g.pick(['ZRANK', 'ZREVRANK']), g.key('zset'), g.member()]],
  [1.5, (g) => ['ZCOUNT', g.key('zset'), g.scoreBound(), g.scoreBound()]],
  [1.5, (g) => (g.p.lex ? ['ZLEXCOUNT', g.key('zset'), g.lexBound(), g.lexBound()] : ['ZCOUNT', g.key('zset'), g.scoreBound(), g.scoreBound()])],
  [1, (g) => ['ZREMRANGEBYRANK', g.key('zset'), g.index(), g.index()]],
  [1, (g) => ['ZREMRANGEBYSCORE', g.key('zset'), g.scoreBound(), g.scoreBound()]],
  [1, (g) => (g.p.lex ? ['ZREMRANGEBYLEX', g.key('zset'), g.lexBound(), g.lexBound()] : ['ZREMRANGEBYRANK', g.key('zset'), g.index(), g.index()])],
  [2, (g) => (g.chance(0.5) ? [g.pick(['ZPOPMIN', 'ZPOPMAX']), g.key('zset')] : [g.pick(['ZPOPMIN', 'ZPOPMAX']), g.key('zset'), g.count()])],
  [
    2,
    (g) => {
      const n = g.int(1, 3);
      const c = ['ZMPOP', String(n), ...g.keys(n, 'zset'), g.pick(['MIN', 'MAX'])];
      if (g.chance(0.5)) c.push('COUNT', g.pick(['1', '2', '5']));
      return c;
    },
  ],
  [4, (g) => zrangeCommand(g, false)],
  [
    2,
    (g) => {
      const k = g.key('zset');
      const byLex = g.p.lex && g.chance(0.4);
      const rev = g.chance(0.4);
      const c = byLex ? [rev ? 'ZREVRANGEBYLEX' : 'ZRANGEBYLEX', k, g.lexBound(), g.lexBound()] : [rev ? 'ZREVRANGEBYSCORE' : 'ZRANGEBYSCORE', k, g.scoreBound(), g.scoreBound()];
      if (!byLex && g.chance(0.4)) c.push('WITHSCORES');
      limitOpts(g, c);
      return c;
    },
  ],
  [1, (g) => ['ZREVRANGE', g.key('zset'), g.index(), g.index(), ...(g.chance(0.5) ? ['WITHSCORES'] : [])]],
  [2.5, (g) => zrangeCommand(g, true)],
  [2, (g) => zsetAlgebra(g, g.pick(['ZUNION', 'ZINTER', 'ZDIFF']))],
  [3, (g) => zsetAlgebra(g, g.pick(['ZUNIONSTORE', 'ZINTERSTORE', 'ZDIFFSTORE']))],
  [
    1,
    (g) => {
      const n = g.int(1, 3);
      return ['ZINTERCARD', String(n), ...g.keys(n, 'zset'), ...(g.chance(0.4) ? ['LIMIT', g.pick(['0', '1', '2'])] : [])];
    },
  ],
  [1, (g) => ['ZRANDMEMBER', g.key('zset'), ...(g.chance(0.7) ? [g.pick(['1', '2', '-3', '0', ALL]), ...(g.chance(0.5) ? ['WITHSCORES'] : [])] : [])]],
  [1, (g) => inspect(g, 'zset', (k) => ['ZSCAN', k, '0', 'COUNT', '1000'])],
  [0.8, bulk],
  // Keyspace on typed values, and strings to collide with
  [3, (g) => inspect(g, undefined)],
  [2, (g) => ['EXISTS', ...g.keys(g.int(1, 3))]],
  [1.5, (g) => [g.pick(['DEL', 'DEL', 'UNLINK']), ...g.keys(g.int(1, 3))]],
  [2, (g) => ['RENAME', ...g.pair(g.pick(KINDS))]],
  [1, (g) => ['RENAMENX', ...g.pair(g.pick(KINDS))]],
  [2.5, (g) => ['COPY', ...g.pair(g.pick(KINDS)), ...(g.chance(0.5) ? ['REPLACE'] : [])]],
  [0.7, (g) => ['SET', g.key(), g.pick(['s', '12', 'L'.repeat(50)])]],
  [1, (g) => ['GET', g.key()]],
  [0.3, (g) => ['INCR', g.key()]],
  [2, (g) => g.pick(WRONG)(g)],
  ...HLL_MAKERS,
  ...BITMAP_MAKERS,
  ...streamMakers<Gen>(KEYS),
];
const TOTAL_WEIGHT = MAKERS.reduce((s, [w]) => s + w, 0);

/** Everything about every key, at the end of each sequence. */
function audit(): Unit[] {
  return KEYS.map((k) => [['TYPE', k], ['OBJECT', 'ENCODING', k], ['LRANGE', k, '0', '-1'], ['HGETALL', k], ['SMEMBERS', k], ['ZRANGE', k, '0', '-1', 'WITHSCORES'], ['GET', k], ...streamAudit(k)]);
}

interface Program {
  seed: number;
  profile: Profile;
  /** CONFIG SETs: always sent, never shrunk away. */
  preamble: Cmd[];
  units: Unit[];
}

function programFor(seed: number): Program {
  const g = new Gen(seed);
  const profile = profileFor(seed, g);
  g.p = profile;
  const n = g.int(40, 160);
  const units: Unit[] = [];
  for (let i = 0; i < n; i++) units.push(g.unit());
  return { seed, profile, preamble: profile.config.map(([k, v]) => ['CONFIG', 'SET', k, v]), units: [...units, ...audit()] };
}

// ---------------------------------------------------------------------------------------------
// Comparison

/** Commands that change no key (so encodings and types seen before them still hold). */
const READS = new Set(
  ('type object exists get lrange llen lindex lpos hget hmget hlen hstrlen hexists hkeys hvals hgetall hrandfield hscan scard sismember ' +
    'smismember smembers srandmember sinter sintercard sunion sdiff sscan zcard zscore zmscore zrank zrevrank zcount zlexcount zrange ' +
    'zrangebyscore zrevrangebyscore zrangebylex zrevrangebylex zrevrange zunion zinter zdiff zintercard zrandmember zscan').split(' '),
);
/** Replies listing a collection in an order that depends on the encoding. */
const UNORDERED = new Set(['smembers', 'sinter', 'sunion', 'sdiff', 'hkeys', 'hvals', 'hgetall', 'spop']);
const PAIRED = new Set(['hgetall']);
const SCANS = new Set(['hscan', 'sscan', 'zscan']);
const RANDOM = new Set(['srandmember', 'hrandfield', 'zrandmember']);
/** Encodings whose order both servers define the same way. */
const ORDERED_ENCODINGS = new Set(['listpack', 'intset', 'quicklist']);

function simple(b: Buffer | null): string {
  if (b === null) return '';
  const s = b.toString('latin1');
  // +text, or $n bulk text.
  if (s[0] === '+') return s.slice(1, -2);
  if (s[0] === '$') return s.slice(s.indexOf('\r\n') + 2, -2);
  return s;
}

/** The reply with every bulk / double / integer payload hidden: its types and lengths only. */
function shape(reply: Buffer, at = 0): { s: string; end: number } {
  const t = String.fromCharCode(reply[at]);
  const cr = reply.indexOf(0x0d, at);
  const line = reply.toString('latin1', at + 1, cr);
  if (t === '*' || t === '~' || t === '%' || t === '>') {
    const n = Number(line);
    let s = `${t}${n}[`;
    let p = cr + 2;
    for (let i = 0; i < (t === '%' ? 2 * n : Math.max(n, 0)); i++) {
      const child = shape(reply, p);
      s += child.s + ' ';
      p = child.end;
    }
    return { s: s + ']', end: p };
  }
  const len = replyLength(reply, at);
  if (t === '$' && line === '-1') return { s: '$nil', end: at + len };
  return { s: t === '-' ? reply.toString('latin1', at, at + len) : t, end: at + len };
}

function lower(a: string | undefined): string {
  return (a ?? '').toLowerCase();
}

/** For a random-reply command: does its count ask for (at least) the whole collection? */
function asksForAll(cmd: Cmd): boolean {
  const n = Number(cmd[2]);
  return cmd.length >= 3 && Number.isInteger(n) && n >= Number(ALL);
}

/**
 * Walks a transcript in order and returns the index of the first pair of replies that differ beyond
 * the documented allowances (see the header), or -1.
 */
function firstDiff(cmds: Cmd[], d: (Buffer | null)[], r: (Buffer | null)[]): number {
  const typeOf = new Map<string, string>();
  const encOf = new Map<string, { d: string; r: string }>();
  for (let i = 0; i < cmds.length; i++) {
    const cmd = cmds[i];
    const a = d[i];
    const b = r[i];
    if (a === null || b === null) {
      if (a !== b) return i;
      continue;
    }
    const name = lower(cmd[0]);
    let same = a.equals(b);
    if (!same) {
      if (name === 'object' && lower(cmd[1]) === 'encoding') {
        const t = typeOf.get(cmd[2]);
        same = simple(a) === 'listpack' && ((t === 'set' && simple(b) === 'hashtable') || (t === 'list' && simple(b) === 'quicklist'));
      } else if (b[0] !== 0x2d && a[0] !== 0x2d) {
        const enc = encOf.get(cmd[1]);
        const ordered = enc !== undefined && enc.d === enc.r && ORDERED_ENCODINGS.has(enc.r) && name !== 'sinter' && name !== 'sunion' && name !== 'sdiff';
        if (UNORDERED.has(name) && !ordered) {
          same = sortAggregate(a, PAIRED.has(name) || a[0] === 0x25).equals(sortAggregate(b, PAIRED.has(name) || b[0] === 0x25));
        } else if (SCANS.has(name) && !ordered && a[0] === 0x2a && b[0] === 0x2a) {
          const pairs = name !== 'sscan';
          const [ea, eb] = [elements(a), elements(b)];
          same = ea.items.length === 2 && eb.items.length === 2 && ea.items[0].equals(eb.items[0]) && sortAggregate(ea.items[1], pairs).equals(sortAggregate(eb.items[1], pairs));
        } else if (RANDOM.has(name)) {
          if (asksForAll(cmd)) {
            const pairs = cmd.length > 3; // WITHVALUES / WITHSCORES (RESP3 nests them, which sorting handles)
            same = sortAggregate(a, pairs).equals(sortAggregate(b, pairs));
          } else {
            same = shape(a).s === shape(b).s;
          }
        }
      }
    }
    if (!same) return i;
    if (!READS.has(name)) {
      typeOf.clear();
      encOf.clear();
    } else if (name === 'type') {
      typeOf.set(cmd[1], simple(b));
    } else if (name === 'object' && lower(cmd[1]) === 'encoding') {
      encOf.set(cmd[2], { d: simple(a), r: simple(b) });
    }
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Running

interface Servers {
  redis: ServerHandle;
  dfly: Map<number, ServerHandle>;
  ctl: Map<number, RawClient>;
}

const READ_TIMEOUT_MS = 15_000;

interface Outcome {
  cmds: Cmd[];
  d: (Buffer | null)[];
  r: (Buffer | null)[];
  diffAt: number;
}

function flatten(p: Program, units: Unit[]): Cmd[] {
  return [...p.preamble, ...units.flat()];
}

async function flush(ports: number[], s: Servers): Promise<void> {
  const all = [...s.ctl.entries()].filter(([port]) => ports.includes(port));
  const replies = await Promise.all(all.map(([, c]) => c.call(['FLUSHALL'], READ_TIMEOUT_MS)));
  for (const r of replies) assert.equal(r.toString('latin1'), '+OK\r\n', 'FLUSHALL');
}

/** FLUSHALL, then the program's preamble and `units` on Redis and on the Damselflies with `threads`. */
async function run(s: Servers, p: Program, units: Unit[], threads: number[]): Promise<Map<number, Outcome>> {
  const ports = [s.redis.port, ...threads.map((t) => s.dfly.get(t)!.port)];
  await flush(ports, s);
  const cmds = flatten(p, units);
  const opts = { pipeline: true, resp3: p.profile.resp3, timeoutMs: READ_TIMEOUT_MS };
  const [r, ...ds] = await Promise.all(ports.map((port) => transcript(port, cmds, opts)));
  const out = new Map<number, Outcome>();
  threads.forEach((t, i) => out.set(t, { cmds, d: ds[i].replies, r: r.replies, diffAt: firstDiff(cmds, ds[i].replies, r.replies) }));
  return out;
}

/** The index of the unit holding command `at` of the flattened program (-1: the preamble). */
function unitOf(p: Program, units: Unit[], at: number): number {
  let i = at - p.preamble.length;
  if (i < 0) return -1;
  for (let u = 0; u < units.length; u++) {
    if (i < units[u].length) return u;
    i -= units[u].length;
  }
  return units.length - 1;
}

/** The commands up to the first difference with Redis's replies (CONFIG SETs of defaults left out). */
function transcriptText(o: Outcome): string {
  const lines: string[] = [];
  for (let i = 0; i < o.cmds.length && i <= o.diffAt; i++) {
    if (isDefaultConfig(o.cmds[i]) && i < o.diffAt) continue;
    const head = `${String(i + 1).padStart(4)}> ${showCommand(o.cmds[i])}`;
    if (i < o.diffAt) lines.push(`    ${head}    -> ${show(o.r[i], 100)}`);
    else lines.push(`  !!${head}`, `          damselfly: ${show(o.d[i], 400)}`, `          redis:     ${show(o.r[i], 400)}`);
  }
  return lines.join('\n');
}

/** Total time the shrinker may take in this file (each failure gets at most SHRINK_MS). */
let shrinkBudgetMs = 60_000;
const SHRINK_MS = 20_000;

async function report(s: Servers, p: Program, threads: number, first: Outcome): Promise<string> {
  const failedName = lower(first.cmds[first.diffAt][0]);
  const head =
    `types fuzz mismatch: seed=${p.seed} threads=${threads} resp${p.profile.resp3 ? 3 : 2} profile=${JSON.stringify({ ...p.profile, resp3: undefined })}\n` +
    `first difference at command ${first.diffAt + 1} of ${first.cmds.length}: ${showCommand(first.cmds[first.diffAt])}\n` +
    `  damselfly: ${show(first.d[first.diffAt])}\n  redis:     ${show(first.r[first.diffAt])}\n` +
    `reproduce: FUZZ_SEED=${p.seed} node --test test/types-fuzz.test.ts\n`;
  const start = Date.now();
  let last = first;
  try {
    const fails = async (units: Unit[]): Promise<boolean> => {
      const o = (await run(s, p, units, [threads])).get(threads)!;
      // The same command must fail, or the search may drift to another difference.
      if (o.diffAt < 0 || lower(o.cmds[o.diffAt][0]) !== failedName) return false;
      last = o;
      return true;
    };
    // Units after the failing one cannot matter: the replies before it were equal.
    const cut = (units: Unit[]): Unit[] => units.slice(0, unitOf(p, units, last.diffAt) + 1);
    const res = await ddmin(p.units, fails, start + Math.min(SHRINK_MS, shrinkBudgetMs), cut);
    // Replay the result to print its transcript (last may belong to a longer candidate).
    const o = (await run(s, p, res.units, [threads])).get(threads)!;
    const body = o.diffAt >= 0 ? transcriptText(o) : '(the reduced sequence passed on replay: timing-dependent?)';
    const n = o.diffAt >= 0 ? o.diffAt + 1 - p.preamble.length : res.units.flat().length;
    return (
      `${head}\nshortest reproducing sequence (${n} commands after the CONFIG SETs; those of default values not shown; ` +
      `${res.complete ? '1-minimal' : 'shrinking cut short by the time budget'}, ${res.trials} trials, ` +
      `${p.profile.resp3 ? 'RESP3 (HELLO 3 first)' : 'RESP2'}, on freshly FLUSHALLed servers):\n${body}\n`
    );
  } catch (e) {
    return `${head}\n(shrinking stopped: ${(e as Error).message})\n${transcriptText(first)}`;
  } finally {
    shrinkBudgetMs -= Date.now() - start;
  }
}

// ---------------------------------------------------------------------------------------------
// Tests

/** Seeds that once found a bug, run besides 1..N. */
const REGRESSION_SEEDS: number[] = [];
const THREADS = [1, 3];

/** Seeds per test (one line of output each). */
const BATCH = 100;
/** Failures per test that get shrunk (each takes up to SHRINK_MS). */
const MAX_SHRUNK = 2;
const DEFAULT_SEEDS = 500;

function seeds(): number[] {
  if (process.env.FUZZ_SEED !== undefined && process.env.FUZZ_SEED !== '') return [Number(process.env.FUZZ_SEED)];
  const n = Number(process.env.FUZZ_SEEDS ?? DEFAULT_SEEDS);
  const list = Array.from({ length: Number.isInteger(n) && n > 0 ? n : DEFAULT_SEEDS }, (_, i) => i + 1);
  for (const s of REGRESSION_SEEDS) if (!list.includes(s)) list.push(s);
  return list;
}

function batches(list: number[]): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < list.length; i += BATCH) out.push(list.slice(i, i + BATCH));
  return out;
}

describe('types fuzz: key alphabet', () => {
  it('covers every shard at 3 threads, with each {hash tag} group on one shard', () => {
    const shards = new Set(KEYS.map((k) => shardOfKey(Buffer.from(k), 3)));
    assert.equal(shards.size, 3);
    for (const g of GROUPS) assert.equal(new Set(g.map((k) => shardOfKey(Buffer.from(k), 3))).size, 1);
    assert.notEqual(shardOfKey(Buffer.from(GROUPS[0][0]), 3), shardOfKey(Buffer.from(GROUPS[1][0]), 3));
  });

  it('generates every command of its tables over a few seeds', () => {
    const seen = new Set<string>();
    for (let seed = 1; seed <= 30; seed++) for (const c of programFor(seed).units.flat()) seen.add(lower(c[0]));
    for (const name of ['lmove', 'lmpop', 'smove', 'sinterstore', 'sunionstore', 'sdiffstore', 'zunionstore', 'zinterstore', 'zdiffstore', 'zrangestore', 'rename', 'copy', 'type', 'object', 'zlexcount', 'zmpop']) {
      assert.ok(seen.has(name), `${name} never generated`);
    }
  });
});

describe('types fuzz: reply comparison', () => {
  const b = (x: string): Buffer => Buffer.from(x, 'latin1');
  const bulkArr = (...xs: string[]): Buffer => b(`*${xs.length}\r\n` + xs.map((x) => `$${x.length}\r\n${x}\r\n`).join(''));
  const enc = (e: string): Buffer => b(`$${e.length}\r\n${e}\r\n`);
  const diffAt = (cmds: Cmd[], d: Buffer[], r: Buffer[]): number => firstDiff(cmds, d, r);

  it('takes listpack for hashtable only for a set just TYPEd as one, for quicklist only for a list', () => {
    const cmds: Cmd[] = [['TYPE', 'k'], ['OBJECT', 'ENCODING', 'k']];
    assert.equal(diffAt(cmds, [b('+set\r\n'), enc('listpack')], [b('+set\r\n'), enc('hashtable')]), -1);
    assert.equal(diffAt(cmds, [b('+list\r\n'), enc('listpack')], [b('+list\r\n'), enc('quicklist')]), -1);
    assert.equal(diffAt(cmds, [b('+list\r\n'), enc('quicklist')], [b('+list\r\n'), enc('listpack')]), 1);
    assert.equal(diffAt(cmds, [b('+list\r\n'), enc('listpack')], [b('+list\r\n'), enc('hashtable')]), 1);
    assert.equal(diffAt(cmds, [b('+set\r\n'), enc('listpack')], [b('+set\r\n'), enc('quicklist')]), 1);
    assert.equal(diffAt(cmds, [b('+hash\r\n'), enc('listpack')], [b('+hash\r\n'), enc('hashtable')]), 1);
    assert.equal(diffAt([['OBJECT', 'ENCODING', 'k']], [enc('listpack')], [enc('hashtable')]), 0);
    // A write in between forgets the type.
    assert.equal(diffAt([['TYPE', 'k'], ['DEL', 'x'], ['OBJECT', 'ENCODING', 'k']], [b('+set\r\n'), b(':0\r\n'), enc('listpack')], [b('+set\r\n'), b(':0\r\n'), enc('hashtable')]), 2);
  });

  it('compares orders exactly where both encodings define them, sorted elsewhere', () => {
    const cmds: Cmd[] = [['TYPE', 'k'], ['OBJECT', 'ENCODING', 'k'], ['HGETALL', 'k']];
    const ab = bulkArr('a', '1', 'b', '2');
    const ba = bulkArr('b', '2', 'a', '1');
    assert.equal(diffAt(cmds, [b('+hash\r\n'), enc('listpack'), ab], [b('+hash\r\n'), enc('listpack'), ba]), 2);
    assert.equal(diffAt(cmds, [b('+hash\r\n'), enc('hashtable'), ab], [b('+hash\r\n'), enc('hashtable'), ba]), -1);
    // Pairs stay pairs: the same fields with swapped values differ.
    assert.equal(diffAt(cmds, [b('+hash\r\n'), enc('hashtable'), bulkArr('a', '2', 'b', '1')], [b('+hash\r\n'), enc('hashtable'), ba]), 2);
    assert.equal(diffAt([['SMEMBERS', 'k']], [bulkArr('x', 'y')], [bulkArr('y', 'x')]), -1);
    assert.equal(diffAt([['SMEMBERS', 'k']], [bulkArr('x', 'y')], [bulkArr('y', 'z')]), 0);
  });

  it('compares random replies by shape, or sorted when they hold everything', () => {
    assert.equal(diffAt([['SRANDMEMBER', 'k', '-3']], [bulkArr('a', 'a', 'b')], [bulkArr('c', 'b', 'b')]), -1);
    assert.equal(diffAt([['SRANDMEMBER', 'k', '-3']], [bulkArr('a', 'a')], [bulkArr('c', 'b', 'b')]), 0);
    assert.equal(diffAt([['SRANDMEMBER', 'k']], [b('$-1\r\n')], [enc('a')]), 0);
    assert.equal(diffAt([['SRANDMEMBER', 'k', ALL]], [bulkArr('a', 'b')], [bulkArr('b', 'a')]), -1);
    assert.equal(diffAt([['SRANDMEMBER', 'k', ALL]], [bulkArr('a', 'b')], [bulkArr('b', 'c')]), 0);
  });
});

describe('types fuzz vs Redis, Damselfly with 1 and 3 threads', () => {
  let servers: Servers | null = null;
  before(async () => {
    if (!REDIS_AVAILABLE) return;
    const [redis, ...ds] = await Promise.all([startRedis(), ...THREADS.map((threads) => startDamselfly({ threads }))]);
    const dfly = new Map(THREADS.map((t, i) => [t, ds[i]]));
    const ctl = new Map<number, RawClient>();
    for (const h of [redis, ...ds]) ctl.set(h.port, await RawClient.connect(h.port));
    servers = { redis, dfly, ctl };
  });
  after(async () => {
    if (servers === null) return;
    for (const c of servers.ctl.values()) c.close();
    await servers.redis.stop();
    for (const [t, h] of servers.dfly) {
      const alive = h.alive();
      await h.stop();
      assert.ok(alive, `damselfly (${t} threads) died during the tests:\n${h.output().slice(-3000)}`);
    }
  });

  for (const batch of batches(seeds())) {
    const name = batch.length === 1 ? `seed ${batch[0]}` : `seeds ${batch[0]}..${batch[batch.length - 1]}`;
    it(name, { timeout: 240_000 }, async (t) => {
      if (servers === null) {
        t.skip(SKIP_NO_REDIS);
        return;
      }
      const s = servers;
      const failures: string[] = [];
      for (const seed of batch) {
        const p = programFor(seed);
        let outcomes: Map<number, Outcome>;
        try {
          outcomes = await run(s, p, p.units, THREADS);
        } catch (e) {
          const tails = [...s.dfly].map(([n, h]) => `damselfly ${n} threads:\n${h.output().slice(-1500)}`).join('\n');
          throw new Error(`seed=${seed}: ${(e as Error).message}\n${tails}`);
        }
        for (const [threads, o] of outcomes) {
          if (o.diffAt < 0) continue;
          // Shrink the first few failures; name the others (the same bug, most likely).
          if (failures.length < MAX_SHRUNK) failures.push(await report(s, p, threads, o));
          else failures.push(`also seed=${seed} threads=${threads} at ${showCommand(o.cmds[o.diffAt])}: damselfly ${show(o.d[o.diffAt], 200)}, redis ${show(o.r[o.diffAt], 200)}`);
        }
      }
      if (failures.length > 0) assert.fail(failures.join('\n\n'));
    });
  }
});
