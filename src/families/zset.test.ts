// Sorted-set commands, byte-exact against a real redis-server: each scenario runs on Redis and on
// Damselfly with 1 and 3 shard threads, in RESP2 and RESP3, and every raw reply is compared. Random
// replies (ZRANDMEMBER) and big-set ZSCAN cursors, which Redis does not fix, are checked by their
// properties. Skips when redis-server is not installed.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  REDIS_AVAILABLE, RawClient, SKIP_NO_REDIS, diff, rng, startDamselfly, startRedis, type Arg, type ServerHandle,
} from '../../test/harness.ts';

/** One command per line; words split on spaces, "double quoted" words are JSON strings (escapes, spaces). */
function script(text: string): Arg[][] {
  const out: Arg[][] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) continue;
    const words = t.match(/"(?:[^"\\]|\\.)*"|\S+/g)!;
    out.push(words.map((w) => (w.startsWith('"') ? Buffer.from(JSON.parse(w) as string, 'latin1') : w)));
  }
  return out;
}

/** A parsed RESP reply (enough for the property checks). */
type Value = string | number | null | Value[];

function parseReply(b: Buffer): Value {
  let at = 0;
  const one = (): Value => {
    const t = String.fromCharCode(b[at]);
    const cr = b.indexOf('\r\n', at);
    const head = b.toString('latin1', at + 1, cr);
    at = cr + 2;
    if (t === '$') {
      const n = Number(head);
      if (n < 0) return null;
      const s = b.toString('latin1', at, at + n);
      at += n + 2;
      return s;
    }
    if (t === '*') {
      const n = Number(head);
      if (n < 0) return null;
      const a: Value[] = [];
      for (let i = 0; i < n; i++) a.push(one());
      return a;
    }
    if (t === ':') return Number(head);
    if (t === '_') return null;
    if (t === ',') return head;
    if (t === '-') throw new Error(head);
    return head;
  };
  return one();
}

describe('sorted-set commands match Redis', { skip: !REDIS_AVAILABLE && SKIP_NO_REDIS }, () => {
  let redis: ServerHandle;
  let d1: ServerHandle;
  let d3: ServerHandle;

  before(async () => {
    [redis, d1, d3] = await Promise.all([startRedis(), startDamselfly({ threads: 1 }), startDamselfly({ threads: 3 })]);
  });
  after(async () => {
    await Promise.all([redis, d1, d3].map((s) => s?.stop()));
  });

  /** Runs the commands (after a FLUSHALL) on Redis and each Damselfly, RESP2 and RESP3; replies must be equal. */
  async function check(label: string, cmds: Arg[][]): Promise<void> {
    for (const d of [d1, d3]) {
      for (const resp3 of [false, true]) {
        await diff({ damselfly: d.port, redis: redis.port }, [['FLUSHALL'], ...cmds], {
          resp3,
          label: `${label} (${d === d1 ? 1 : 3} threads)`,
        });
      }
    }
  }

  it('ZADD: flags, CH, INCR, option conflicts, score parsing and printing, NaN, WRONGTYPE', async () => {
    await check('zadd', script(`
      ZADD z 1 a 2 b
      ZADD z NX 3 a 4 c
      ZADD z XX 5 a 6 d
      ZRANGE z 0 -1 WITHSCORES
      ZADD z XX NX 1 a
      ZADD z NX XX 1 a
      ZADD z GT LT 1 a
      ZADD z NX GT 1 a
      ZADD z LT NX 1 a
      ZADD z XX GT 1 a
      ZADD z INCR 1 a 2 b
      ZADD z INCR 5 a
      ZADD z GT INCR -1 a
      ZADD z LT INCR -1 a
      ZADD z NX INCR 1 a
      ZADD z NX INCR 1 new1
      ZADD z XX INCR 1 nothere
      ZADD z CH 10 a 11 b 1 newm 11 b
      ZADD z GT CH 1 a 100 b 7 g
      ZADD z LT CH 1 a 1000 b
      ZADD z GT XX CH 2 a 3 zz
      ZADD z 1 a 1 a 2 a
      ZRANGE z 0 -1 WITHSCORES
      ZADD z 1
      ZADD z 1 a 2
      ZADD z NX
      ZADD z CH INCR
      ZADD z abc a
      ZADD z nan a
      ZADD z 1 a nan b
      ZADD z 1e400 a
      ZADD z " 1" a
      ZADD z "1 " a
      ZADD z "" a
      ZADD z 0x10 h 1e-320 tiny -0 nz +5 p .5 half 5. five
      ZADD z inf x -inf y +inf x2 -Infinity y2
      ZRANGE z 0 -1 WITHSCORES
      ZADD z INCR +inf p
      ZADD z INCR -inf p
      ZSCORE z p
      ZINCRBY z -inf x
      ZADD missing XX 1 a
      ZADD missing XX INCR 1 a
      EXISTS missing
      ZADD missing GT 1 a
      SET str x
      ZADD str 1 a
      ZADD str XX NX 1 a
      ZADD str abc a
      ZINCRBY str 1 a
      ZINCRBY z 2.5 a
      ZINCRBY z nx m
      ZINCRBY z incr m
      ZINCRBY z abc m
      ZINCRBY newz 1 m
      ZINCRBY z 1 a extra
      ZADD z -0 zero
      ZSCORE z zero
      ZADD z 0 zero
      ZSCORE z zero
      ZADD f 0.1 a 1e-5 b 123456789012345678 c 3.14159265358979 d -1.5e300 e 1e-320 f 2.5e-310 g 9007199254740993 h 1e22 i 1e21 j 0.000123 k
      ZRANGE f 0 -1 WITHSCORES
      ZMSCORE f a b c d e f g h i j k nope
    `));
  });

  it('ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK ZREM: missing keys and members, WRONGTYPE, arity', async () => {
    await check('reads', script(`
      ZADD z 1 a 2 b 3 c 3 d
      ZCARD z
      ZCARD nokey
      ZSCORE z c
      ZSCORE z nope
      ZSCORE nokey a
      ZMSCORE z a nope d
      ZMSCORE nokey a b
      ZMSCORE z
      ZRANK z a
      ZRANK z d
      ZRANK z nope
      ZRANK nokey a
      ZREVRANK z a
      ZREVRANK z d
      ZREVRANK nokey a
      ZREM z a nope a
      ZREM nokey a
      ZREM z b c d
      EXISTS z
      SET s x
      ZCARD s
      ZSCORE s a
      ZMSCORE s a
      ZRANK s a
      ZREVRANK s a
      ZREM s a
      ZCOUNT s 0 1
      ZLEXCOUNT s - +
      ZRANGE s 0 -1
      ZRANGEBYSCORE s 0 1
      ZRANGEBYLEX s - +
      ZREMRANGEBYRANK s 0 1
      ZREMRANGEBYSCORE s 0 1
      ZREMRANGEBYLEX s - +
      ZPOPMIN s
      ZRANDMEMBER s
      ZRANDMEMBER s 2
      ZSCAN s 0
      ZINCRBY s 1 a
      ZCARD
      ZSCORE z
    `));
  });

  it('ZRANGE by rank, score and lex: REV, LIMIT, WITHSCORES and their errors', async () => {
    await check('zrange', script(`
      ZADD z 1 a 2 b 3 c 4 d 5 e -inf m +inf n 2 bb
      ZRANGE z 0 -1
      ZRANGE z 0 -1 WITHSCORES
      ZRANGE z -2 -1 withscores
      ZRANGE z 5 100
      ZRANGE z -100 100
      ZRANGE z 2 1
      ZRANGE z 100 200
      ZRANGE z 0 -1 REV WITHSCORES
      ZRANGE z 1 3 REV
      ZRANGE z a b
      ZRANGE z 0 9223372036854775807
      ZRANGE z 0 -1 LIMIT 0 1
      ZRANGE z 0 -1 LIMIT 0 -1
      ZRANGE z 0 -1 LIMIT 0
      ZRANGE z 0 -1 LIMIT
      ZRANGE z 0 1 BYLEX WITHSCORES
      ZRANGE z 0 -1 REV REV
      ZRANGE z 0 -1 WITHSCORES WITHSCORES
      ZRANGE z 1 2 BYSCORE BYLEX
      ZRANGE z 1 2 BYSCORE BYSCORE
      ZRANGE z 0 -1 FOO
      ZRANGE z (1 3 BYSCORE
      ZRANGE z 3 (1 BYSCORE REV WITHSCORES
      ZRANGE z (1 3 BYSCORE REV
      ZRANGE z -inf +inf BYSCORE LIMIT 1 2 WITHSCORES
      ZRANGE z -inf +inf BYSCORE LIMIT -1 2
      ZRANGE z -inf +inf BYSCORE LIMIT 2 -1
      ZRANGE z -inf +inf BYSCORE LIMIT 2 -5
      ZRANGE z -inf +inf BYSCORE LIMIT 0 0
      ZRANGE z -inf +inf BYSCORE LIMIT 7 5
      ZRANGE z -inf +inf BYSCORE LIMIT 8 5
      ZRANGE z -inf +inf BYSCORE LIMIT 100 1
      ZRANGE z +inf -inf BYSCORE REV LIMIT 1 3 WITHSCORES
      ZRANGE z +inf -inf BYSCORE REV LIMIT -1 3
      ZRANGE z -inf +inf BYSCORE REV
      ZRANGE z -inf +inf BYSCORE LIMIT a b
      ZRANGE z -inf +inf BYSCORE LIMIT 1 b
      ZRANGE z foo bar BYSCORE
      ZRANGEBYSCORE z -inf +inf
      ZRANGEBYSCORE z (1 (3
      ZRANGEBYSCORE z 1 1
      ZRANGEBYSCORE z (1 1
      ZRANGEBYSCORE z 2 (2
      ZRANGEBYSCORE z 3 1
      ZRANGEBYSCORE z inf -inf
      ZRANGEBYSCORE z "" ""
      ZRANGEBYSCORE z "(" +inf
      ZRANGEBYSCORE z " 1" 2
      ZRANGEBYSCORE z "  " 2
      ZRANGEBYSCORE z "1 " 2
      ZRANGEBYSCORE z "2\\u0000junk" 3
      ZRANGEBYSCORE z nan 2
      ZRANGEBYSCORE z 1 -nan
      ZRANGEBYSCORE z 1e400 +inf WITHSCORES
      ZRANGEBYSCORE z -1e400 1e-400
      ZRANGEBYSCORE z 0x1 0x3p0
      ZRANGEBYSCORE z 1e 2
      ZRANGEBYSCORE z (+inf +inf
      ZRANGEBYSCORE z -inf (-inf
      ZRANGEBYSCORE z -inf -inf WITHSCORES
      ZRANGEBYSCORE z 1 5 WITHSCORES LIMIT 1 2
      ZRANGEBYSCORE z 1 5 LIMIT 1 2 WITHSCORES
      ZRANGEBYSCORE z 1 2 REV
      ZRANGEBYSCORE z 1 2 BYSCORE
      ZRANGEBYSCORE z 1 2 LIMIT 0 1 LIMIT 1 1
      ZREVRANGEBYSCORE z +inf -inf WITHSCORES LIMIT 1 2
      ZREVRANGEBYSCORE z 1 3
      ZREVRANGEBYSCORE z (5 (1
      ZREVRANGEBYSCORE z 5 -inf LIMIT 0 -1
      ZREVRANGE z 0 1 WITHSCORES
      ZREVRANGE z -3 -1
      ZREVRANGE z 0 -1 LIMIT 0 1
      ZREVRANGE z 0 -1 REV
      ZRANGE nokey 0 -1
      ZRANGE nokey 0 -1 BYSCORE
      ZRANGEBYSCORE nokey 0 1
      ZRANGEBYSCORE nokey a b
      ZREVRANGE nokey 0 -1
    `));
  });

  it('lex ranges: ZRANGEBYLEX ZREVRANGEBYLEX ZLEXCOUNT ZREMRANGEBYLEX, and mixed scores in a listpack', async () => {
    await check('lex', script(`
      ZADD l 0 a 0 b 0 c 0 d 0 e 0 "" 0 "\\u0000" 0 ab 0 "\\u00ff"
      ZRANGEBYLEX l - +
      ZRANGEBYLEX l + -
      ZRANGEBYLEX l [a (c
      ZRANGEBYLEX l (a [c
      ZRANGEBYLEX l [a [a
      ZRANGEBYLEX l (a (a
      ZRANGEBYLEX l [b [a
      ZRANGEBYLEX l - -
      ZRANGEBYLEX l + +
      ZRANGEBYLEX l - [b
      ZRANGEBYLEX l [ +
      ZRANGEBYLEX l ( +
      ZRANGEBYLEX l "+\\u0000x" -
      ZRANGEBYLEX l - "+\\u0000x"
      ZRANGEBYLEX l - + LIMIT 2 3
      ZRANGEBYLEX l - + LIMIT -1 3
      ZRANGEBYLEX l - + LIMIT 1 -1
      ZRANGEBYLEX l - + LIMIT 1 0
      ZRANGEBYLEX l a c
      ZRANGEBYLEX l "" +
      ZRANGEBYLEX l +x +
      ZRANGEBYLEX l - + WITHSCORES
      ZREVRANGEBYLEX l + -
      ZREVRANGEBYLEX l (d [a LIMIT 1 2
      ZREVRANGEBYLEX l [a (d
      ZRANGE l [c [a BYLEX REV LIMIT 0 2
      ZRANGE l - + BYLEX
      ZRANGE l + - BYLEX REV
      ZRANGE l foo bar BYLEX
      ZLEXCOUNT l - +
      ZLEXCOUNT l [b (e
      ZLEXCOUNT l (e [b
      ZLEXCOUNT l foo +
      ZLEXCOUNT nokey - +
      ZREMRANGEBYLEX l [b (d
      ZRANGE l 0 -1
      ZREMRANGEBYLEX l x y
      ZREMRANGEBYLEX l - +
      EXISTS l
      ZADD mix 1 b 2 a 3 c 4 aa 5 d
      ZRANGEBYLEX mix [a [b
      ZRANGEBYLEX mix - [b
      ZRANGEBYLEX mix (a +
      ZREVRANGEBYLEX mix [c [a
      ZLEXCOUNT mix [a [c
      ZREMRANGEBYLEX mix [a [b
      ZRANGE mix 0 -1 WITHSCORES
    `));
  });

  it('ZCOUNT ZREMRANGEBYRANK ZREMRANGEBYSCORE: bounds, infinities, emptying the key', async () => {
    await check('count-remrange', script(`
      ZADD z 1 a 2 b 3 c 4 d 5 e -inf m +inf n
      ZCOUNT z -inf +inf
      ZCOUNT z (1 3
      ZCOUNT z 3 1
      ZCOUNT z (3 3
      ZCOUNT z -inf -inf
      ZCOUNT z (-inf (+inf
      ZCOUNT z nan 1
      ZCOUNT z 1 x
      ZCOUNT nokey 0 1
      ZREMRANGEBYRANK z 0 0
      ZREMRANGEBYRANK z -1 -1
      ZREMRANGEBYRANK z 10 20
      ZREMRANGEBYRANK z 2 1
      ZREMRANGEBYRANK z a 1
      ZREMRANGEBYRANK z 0 b
      ZREMRANGEBYRANK nokey 0 -1
      ZRANGE z 0 -1 WITHSCORES
      ZREMRANGEBYSCORE z (1 3
      ZREMRANGEBYSCORE z 10 0
      ZREMRANGEBYSCORE z nan 1
      ZREMRANGEBYSCORE nokey 0 1
      ZRANGE z 0 -1 WITHSCORES
      ZREMRANGEBYSCORE z -inf +inf
      EXISTS z
      ZADD y 1 a 2 b
      ZREMRANGEBYRANK y 0 -1
      EXISTS y
    `));
  });

  it('ZPOPMIN ZPOPMAX ZMPOP: counts, nesting in RESP3, missing keys, errors', async () => {
    await check('pop', script(`
      ZADD z 1 a 2 b 3 c 4 d 5 e
      ZPOPMIN z
      ZPOPMAX z
      ZPOPMIN z 0
      ZPOPMIN z 1
      ZPOPMAX z 2
      ZPOPMIN z 100
      EXISTS z
      ZPOPMIN z
      ZPOPMIN z 5
      ZPOPMIN z -1
      ZPOPMIN z abc
      ZPOPMIN z 1 2
      ZADD {t}a 1 x 2 y 3 z
      ZADD {t}b 5 p
      SET {t}s v
      ZMPOP 1 {t}a MIN
      ZMPOP 2 {t}none {t}a MAX COUNT 5
      EXISTS {t}a
      ZMPOP 2 {t}none {t}a MAX
      ZMPOP 3 {t}none {t}s {t}b MIN
      ZMPOP 2 {t}b {t}s MIN
      ZMPOP 2 {t}b {t}s MIN
      ZMPOP 0 {t}a MIN
      ZMPOP -1 {t}a MIN
      ZMPOP abc {t}a MIN
      ZMPOP 3 {t}a MIN
      ZMPOP 1 {t}a MIDDLE
      ZMPOP 1 {t}a MIN COUNT 0
      ZMPOP 1 {t}a MIN COUNT -1
      ZMPOP 1 {t}a MIN COUNT 1 COUNT 1
      ZMPOP 1 {t}a MIN COUNT
      ZMPOP 1 {t}a MIN FOO
      ZADD a 1 x 2 y
      ZADD b 3 p 4 q
      ZADD c 5 r
      SET s v
      ZMPOP 3 nokey1 nokey2 b MAX COUNT 10
      ZMPOP 4 nokey1 a b c MIN COUNT 1
      ZMPOP 3 nokey1 s c MIN
      ZMPOP 3 c b a MAX COUNT 2
      ZMPOP 3 nokey1 nokey2 nokey3 MAX
      ZADD mp3 1 m 2 n 3 o
      ZADD mp4 9 x
      SET mp2 x
      ZMPOP 3 mp1 mp3 mp4 MAX COUNT 2
      ZMPOP 4 mp1 mp2 mp3 mp4 MIN
      ZMPOP 2 mp4 mp3 MIN COUNT 5
      ZMPOP 2 mp1 mp3 MIN COUNT 5
      ZMPOP 2 mp1 mp3 MIN COUNT 5
      ZMPOP 2 mp1 mp3 FOO
    `));
  });

  it('ZUNION ZINTER ZDIFF (+STORE) ZINTERCARD: weights, aggregates, infinities, errors, same and different shards', async () => {
    await check('setops', script(`
      ZADD a 1 x 2 y 3 z +inf i
      ZADD in1 10 y 20 z 30 w -inf i
      ZADD s1 100 z 0 w
      SET s v
      SET in2 v
      ZUNION 2 a in2
      ZINTERCARD 2 in2 a
      ZUNIONSTORE out 2 a in1
      ZRANGE out 0 -1 WITHSCORES
      ZINTERSTORE out 2 s1 a WEIGHTS 2 3
      ZRANGE out 0 -1 WITHSCORES
      ZDIFFSTORE out 3 a in1 s1
      ZRANGE out 0 -1 WITHSCORES
      ZUNION 2 a in1
      ZUNION 2 a in1 WITHSCORES
      ZUNION 3 a in1 s1 WITHSCORES
      ZUNION 3 a in1 s1 WEIGHTS 1 2 3 WITHSCORES
      ZUNION 3 a in1 s1 WEIGHTS 0 0 0 WITHSCORES
      ZUNION 2 a in1 AGGREGATE MIN WITHSCORES
      ZUNION 2 a in1 AGGREGATE max WITHSCORES
      ZUNION 2 a in1 AGGREGATE sum WEIGHTS 2 -1 WITHSCORES
      ZUNION 2 a nokey WITHSCORES
      ZUNION 1 nokey
      ZUNION 2 a a WITHSCORES
      ZINTER 2 a in1 WITHSCORES
      ZINTER 3 a in1 s1 WITHSCORES
      ZINTER 2 a in1 AGGREGATE MIN WITHSCORES
      ZINTER 2 a in1 AGGREGATE MAX WEIGHTS 1 -1 WITHSCORES
      ZINTER 2 a nokey
      ZINTER 2 a a WEIGHTS 1 2 WITHSCORES
      ZDIFF 2 a in1 WITHSCORES
      ZDIFF 3 a in1 s1
      ZDIFF 1 a WITHSCORES
      ZDIFF 2 a a
      ZDIFF 2 nokey a
      ZDIFF 2 a nokey WITHSCORES
      ZINTERCARD 2 a in1
      ZINTERCARD 2 a in1 LIMIT 1
      ZINTERCARD 2 a in1 LIMIT 0
      ZINTERCARD 3 a in1 s1 LIMIT 10
      ZINTERCARD 2 a nokey
      ZINTERCARD 2 a in1 LIMIT -1
      ZINTERCARD 2 a in1 LIMIT x
      ZINTERCARD 2 a in1 WITHSCORES
      ZINTERCARD 0 a
      ZINTERCARD 1 a in1
      ZUNION 0 a
      ZUNION -1 a
      ZUNION x a
      ZUNION 3 a in1
      ZUNION 2 a in1 WEIGHTS 1
      ZUNION 2 a in1 WEIGHTS 1 x
      ZUNION 2 a in1 WEIGHTS 1 nan
      ZUNION 2 a in1 AGGREGATE avg
      ZUNION 2 a in1 AGGREGATE
      ZUNION 2 a in1 foo
      ZUNION 2 a s
      ZUNION 2 s nokey WEIGHTS x y
      ZINTER 2 a s
      ZDIFF 2 a in1 WEIGHTS 1 1
      ZDIFF 2 a in1 AGGREGATE MIN
      ZDIFF 2 s a
      ZUNIONSTORE out2 2 a in1
      ZRANGE out2 0 -1 WITHSCORES
      OBJECT ENCODING out2
      ZUNIONSTORE out2 2 a in1 WITHSCORES
      ZINTERSTORE out2 3 a in1 s1 WEIGHTS 1 1 1 AGGREGATE MAX
      ZRANGE out2 0 -1 WITHSCORES
      ZDIFFSTORE out2 2 a in1
      ZRANGE out2 0 -1 WITHSCORES
      ZINTERSTORE out2 2 a nokey
      EXISTS out2
      SET out2 x
      EXPIRE out2 1000
      ZUNIONSTORE out2 1 a
      TTL out2
      TYPE out2
      ZUNIONSTORE a 2 a in1
      ZRANGE a 0 -1 WITHSCORES
      ZDIFFSTORE s 1 s1
      TYPE s
      ZUNIONSTORE out2 2 nokey s
      ZUNIONSTORE out2 0 a
      ZADD {g}1 1 x 2 y
      ZADD {g}2 3 y 4 z
      ZUNIONSTORE {g}out 2 {g}1 {g}2 AGGREGATE MIN
      ZRANGE {g}out 0 -1 WITHSCORES
      ZINTER 2 {g}1 {g}2 WITHSCORES
      ZINTERCARD 2 {g}1 {g}2
    `));
  });

  it('ZRANGESTORE: ranges, REV, LIMIT, missing source, overwriting, same and different shards', async () => {
    await check('zrangestore', script(`
      ZADD src 1 a 2 b 3 c 4 d 5 e
      ZRANGESTORE dst src 0 -1
      ZRANGE dst 0 -1 WITHSCORES
      ZRANGESTORE dst src 1 3 REV
      ZRANGE dst 0 -1 WITHSCORES
      ZRANGESTORE dst src (1 4 BYSCORE LIMIT 1 2
      ZRANGE dst 0 -1 WITHSCORES
      ZRANGESTORE dst src 5 1 BYSCORE REV LIMIT 0 -1
      ZRANGE dst 0 -1 WITHSCORES
      ZRANGESTORE dst src [b [d BYLEX
      ZRANGE dst 0 -1
      ZRANGESTORE dst src 0 -1 WITHSCORES
      ZRANGESTORE dst src 0 -1 LIMIT 0 1
      ZRANGESTORE dst src a b
      ZRANGESTORE dst src 10 20
      EXISTS dst
      ZRANGESTORE dst src 0 -1
      ZRANGESTORE dst nokey 0 -1
      EXISTS dst
      SET dst x
      ZRANGESTORE dst src 0 0
      TYPE dst
      SET str x
      ZRANGESTORE dst str 0 -1
      ZRANGESTORE dst src x y BYSCORE
      ZADD {h}src 1 a 2 b
      ZRANGESTORE {h}dst {h}src 0 -1
      ZRANGE {h}dst 0 -1 WITHSCORES
      ZRANGESTORE out2 src 1 3 REV
      ZRANGE out2 0 -1 WITHSCORES
      ZRANGESTORE out2 src (1 +inf BYSCORE LIMIT 1 2
      ZRANGE out2 0 -1 WITHSCORES
      ZRANGESTORE out2 src [c + BYLEX
      ZRANGE out2 0 -1 WITHSCORES
      ZRANGESTORE out2 src 0 -1 WITHSCORES
      ZRANGESTORE out2 str 0 -1
      ZRANGESTORE out2 nokey 0 -1
      EXISTS out2
      ZRANGESTORE src src 1 2
      ZRANGE src 0 -1 WITHSCORES
    `));
  });

  it('encodings: listpack thresholds, conversion one way, store results, config aliases, COPY and RENAME', async () => {
    const big: string[] = [];
    for (let i = 0; i < 128; i++) big.push(String(i), `m${i}`);
    const long = 'x'.repeat(64);
    await check('encodings', [
      ['ZADD', 'z', ...big],
      ['OBJECT', 'ENCODING', 'z'],
      ['ZADD', 'z', '500', 'one-more'],
      ['OBJECT', 'ENCODING', 'z'],
      ['ZREMRANGEBYRANK', 'z', '0', '-3'],
      ['OBJECT', 'ENCODING', 'z'],
      ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
      ['ZADD', 'v', '1', long],
      ['OBJECT', 'ENCODING', 'v'],
      ['ZADD', 'v', '2', long + 'y'],
      ['OBJECT', 'ENCODING', 'v'],
      ['ZADD', 'w', '1', long + 'y'],
      ['OBJECT', 'ENCODING', 'w'],
      ['ZADD', 'big', ...big, '1000', 'extra'],
      ['OBJECT', 'ENCODING', 'big'],
      ['ZUNIONSTORE', 'u', '1', 'z'],
      ['OBJECT', 'ENCODING', 'u'],
      ['ZUNIONSTORE', 'u', '1', 'big'],
      ['OBJECT', 'ENCODING', 'u'],
      ['ZINTERSTORE', 'u', '2', 'big', 'z'],
      ['OBJECT', 'ENCODING', 'u'],
      ['ZRANGESTORE', 'r', 'big', '0', '127'],
      ['OBJECT', 'ENCODING', 'r'],
      ['ZRANGESTORE', 'r', 'big', '0', '128'],
      ['OBJECT', 'ENCODING', 'r'],
      ['ZRANGESTORE', 'r', 'w', '0', '-1'],
      ['OBJECT', 'ENCODING', 'r'],
      ['COPY', 'z', 'zcopy'],
      ['OBJECT', 'ENCODING', 'zcopy'],
      ['ZRANGE', 'zcopy', '0', '-1', 'WITHSCORES'],
      ['RENAME', 'z', 'renamed'],
      ['OBJECT', 'ENCODING', 'renamed'],
      ['ZRANGE', 'renamed', '0', '-1'],
      ['RENAME', 'v', 'renamed2'],
      ['OBJECT', 'ENCODING', 'renamed2'],
      ['TYPE', 'renamed2'],
      ['CONFIG', 'GET', 'zset-max-ziplist-entries'],
      ['CONFIG', 'SET', 'zset-max-ziplist-entries', '2'],
      ['CONFIG', 'GET', 'zset-max-listpack-entries'],
      ['ZADD', 'small', '1', 'a', '2', 'b'],
      ['OBJECT', 'ENCODING', 'small'],
      ['ZADD', 'small', '3', 'c'],
      ['OBJECT', 'ENCODING', 'small'],
      ['CONFIG', 'SET', 'zset-max-listpack-entries', '0'],
      ['ZADD', 'zero', '1', 'a'],
      ['OBJECT', 'ENCODING', 'zero'],
      ['CONFIG', 'SET', 'zset-max-listpack-entries', '128', 'zset-max-listpack-value', '1'],
      ['ZADD', 'tiny', '1', 'ab', '2', 'c'],
      ['OBJECT', 'ENCODING', 'tiny'],
      ['ZADD', 'tiny2', '1', 'a', '2', 'bc'],
      ['OBJECT', 'ENCODING', 'tiny2'],
      ['CONFIG', 'SET', 'zset-max-listpack-value', '64'],
      ['CONFIG', 'SET', 'zset-max-listpack-entries', '-1'],
      ['CONFIG', 'SET', 'zset-max-listpack-entries', 'x'],
    ]);
  });

  it('-0 scores: kept by a skiplist, 0 in a listpack, also in store results built either way', async () => {
    const negZero: string[] = [];
    for (let i = 0; i < 200; i++) negZero.push('-0', `m${String(i).padStart(3, '0')}`);
    const cmds: Arg[][] = [
      ['CONFIG', 'SET', 'zset-max-listpack-entries', '0'],
      ['ZADD', 'src', ...negZero],
      ['CONFIG', 'SET', 'zset-max-listpack-entries', '128'],
      ['ZADD', 'src', 'INCR', '-0', 'new'],
      ['ZINCRBY', 'src', '-0', 'm000'],
      ['ZADD', 'lp', '-0', 'a', '1', 'b'],
      ['ZADD', 'lp', 'INCR', '-0', 'c'],
      ['ZRANGE', 'lp', '0', '-1', 'WITHSCORES'],
    ];
    for (const dst of ['dst', 'out2']) {
      cmds.push(
        ['ZRANGESTORE', dst, 'src', '-inf', '+inf', 'BYSCORE'],
        ['ZMSCORE', dst, 'm000', 'm127', 'm128', 'm199'],
        ['OBJECT', 'ENCODING', dst],
        ['ZRANGESTORE', dst, 'src', '+inf', '-inf', 'BYSCORE', 'REV'],
        ['ZMSCORE', dst, 'm000', 'm071', 'm072', 'm199'],
        ['ZRANGESTORE', dst, 'src', '0', '-1'],
        ['ZMSCORE', dst, 'm000', 'm127', 'm128', 'm199'],
        ['ZRANGESTORE', dst, 'src', '0', '127'],
        ['ZMSCORE', dst, 'm000', 'm127'],
        ['OBJECT', 'ENCODING', dst],
        ['ZUNIONSTORE', dst, '1', 'src'],
        ['ZMSCORE', dst, 'm000', 'm199'],
        ['ZINTERSTORE', dst, '2', 'src', 'lp'],
        ['ZUNIONSTORE', dst, '1', 'lp'],
        ['ZRANGE', dst, '0', '-1', 'WITHSCORES'],
      );
    }
    await check('negative-zero', cmds);
  });

  it('ZSCAN of a listpack set: everything at once, MATCH, COUNT, cursor and option errors', async () => {
    await check('zscan', script(`
      ZADD z 1 a 2 b 1.5 ab inf c -0 d
      ZSCAN z 0
      ZSCAN z 0 COUNT 1
      ZSCAN z 17
      ZSCAN z 0 MATCH a*
      ZSCAN z 0 MATCH * COUNT 100
      ZSCAN z 0 COUNT 0
      ZSCAN z 0 COUNT x
      ZSCAN z 0 MATCH
      ZSCAN z 0 TYPE zset
      ZSCAN z x
      ZSCAN z -1
      ZSCAN nokey 0
      ZSCAN nokey 0 COUNT 0
      ZSCAN nokey x
    `));
  });

  it('ZRANDMEMBER: the deterministic replies and the errors', async () => {
    await check('zrandmember', script(`
      ZADD z 1 a 2 b 3 c
      ZRANDMEMBER nokey
      ZRANDMEMBER nokey 5
      ZRANDMEMBER nokey 5 WITHSCORES
      ZRANDMEMBER z 0
      ZRANDMEMBER z 3
      ZRANDMEMBER z 10 WITHSCORES
      ZRANDMEMBER z 3 withscores
      ZRANDMEMBER z abc
      ZRANDMEMBER z 1 FOO
      ZRANDMEMBER z 1 WITHSCORES x
      ZRANDMEMBER z -9223372036854775808
      ZRANDMEMBER z 9223372036854775807 WITHSCORES
      ZRANDMEMBER z -4611686018427387904 WITHSCORES
      ZRANDMEMBER z 4611686018427387904 WITHSCORES
    `));
  });

  it('big (skiplist) sets: random commands match Redis', async () => {
    const r = rng(42);
    const members = Array.from({ length: 60 }, (_, i) => `m${(i * 7919) % 1000}`);
    const pick = (): string => members[Math.floor(r() * members.length)];
    const score = (): string => {
      const v = r();
      if (v < 0.03) return '-inf';
      if (v < 0.06) return '+inf';
      return String(Math.floor(r() * 40) - 20) + (r() < 0.2 ? '.5' : '');
    };
    const bound = (): string => (r() < 0.3 ? '(' : '') + score();
    const lex = (): string => {
      const v = r();
      if (v < 0.1) return '-';
      if (v < 0.2) return '+';
      return (r() < 0.5 ? '(' : '[') + pick().slice(0, 1 + Math.floor(r() * 3));
    };
    const int = (a: number, b: number): string => String(a + Math.floor(r() * (b - a + 1)));
    const cmds: Arg[][] = [];
    const init: string[] = [];
    for (let i = 0; i < 300; i++) init.push(score(), `k${i}`);
    cmds.push(['ZADD', 'big', ...init], ['OBJECT', 'ENCODING', 'big']);
    // A second big set with one score, for lex ranges.
    const lexInit: string[] = [];
    for (let i = 0; i < 200; i++) lexInit.push('0', `k${(i * 37) % 1000}`);
    cmds.push(['ZADD', 'lex', ...lexInit], ['ZADD', 'big2', ...init.slice(0, 400)]);
    const gens: (() => Arg[])[] = [
      () => ['ZADD', 'big', score(), `k${int(0, 400)}`, score(), pick()],
      () => ['ZINCRBY', 'big', score(), `k${int(0, 350)}`],
      () => ['ZREM', 'big', `k${int(0, 350)}`, `k${int(0, 350)}`],
      () => ['ZRANGE', 'big', int(-320, 320), int(-320, 320), ...(r() < 0.5 ? ['WITHSCORES'] : [])],
      () => ['ZRANGE', 'big', int(-320, 320), int(-320, 320), 'REV'],
      () => ['ZRANGEBYSCORE', 'big', bound(), bound(), 'WITHSCORES', ...(r() < 0.5 ? ['LIMIT', int(-2, 20), int(-2, 20)] : [])],
      () => ['ZREVRANGEBYSCORE', 'big', bound(), bound(), ...(r() < 0.5 ? ['LIMIT', int(-1, 30), int(-1, 10)] : [])],
      () => ['ZRANGE', 'big', bound(), bound(), 'BYSCORE', 'REV', 'LIMIT', int(0, 40), int(-1, 10)],
      () => ['ZCOUNT', 'big', bound(), bound()],
      () => ['ZRANK', 'big', `k${int(0, 320)}`],
      () => ['ZREVRANK', 'big', `k${int(0, 320)}`],
      () => ['ZSCORE', 'big', `k${int(0, 320)}`],
      () => ['ZREMRANGEBYSCORE', 'big', bound(), bound()],
      () => ['ZREMRANGEBYRANK', 'big', int(-300, 300), int(-300, 300)],
      () => ['ZPOPMIN', 'big', int(0, 3)],
      () => ['ZPOPMAX', 'big'],
      () => ['ZCARD', 'big'],
      () => ['ZRANGEBYLEX', 'lex', lex(), lex(), ...(r() < 0.5 ? ['LIMIT', int(0, 20), int(-1, 10)] : [])],
      () => ['ZREVRANGEBYLEX', 'lex', lex(), lex(), 'LIMIT', int(0, 20), int(-1, 30)],
      () => ['ZLEXCOUNT', 'lex', lex(), lex()],
      () => ['ZREMRANGEBYLEX', 'lex', lex(), lex()],
      () => ['ZADD', 'lex', '0', `k${int(0, 999)}`],
      () => ['ZINTER', '2', 'big', 'big2', 'WITHSCORES', 'AGGREGATE', ['SUM', 'MIN', 'MAX'][Math.floor(r() * 3)]],
      () => ['ZUNIONSTORE', 'u', '2', 'big', 'big2', 'WEIGHTS', int(-2, 2), score()],
      () => ['ZRANGE', 'u', int(-5, 5), int(-5, 5), 'WITHSCORES'],
      () => ['ZDIFF', '2', 'big2', 'big'],
      () => ['ZRANGESTORE', 'rs', 'big', bound(), bound(), 'BYSCORE', 'LIMIT', int(0, 5), int(-1, 200)],
      () => ['OBJECT', 'ENCODING', 'rs'],
      () => ['ZRANGE', 'rs', '0', '-1', 'WITHSCORES'],
    ];
    for (let i = 0; i < 500; i++) cmds.push(gens[Math.floor(r() * gens.length)]());
    cmds.push(['ZRANGE', 'big', '0', '-1', 'WITHSCORES'], ['ZRANGE', 'lex', '0', '-1'], ['OBJECT', 'ENCODING', 'big']);
    await check('big-random', cmds);
  });

  /** Runs a command on a Damselfly instance and parses the reply. */
  async function call(port: number, args: Arg[], resp3 = false): Promise<Value> {
    const c = await RawClient.connect(port);
    try {
      if (resp3) await c.call(['HELLO', '3']);
      return parseReply(await c.call(args));
    } finally {
      c.close();
    }
  }

  it('ZRANK / ZREVRANK WITHSCORE (Redis 7.2): [rank, score], a null array when absent, errors', async () => {
    for (const d of [d1, d3]) {
      const c = await RawClient.connect(d.port);
      try {
        const expect = async (args: Arg[], reply: string): Promise<void> => assert.equal(await c.callText(args), reply, args.join(' '));
        await c.call(['FLUSHALL']);
        await expect(['ZADD', 'rk', '1.5', 'a', '2', 'b', 'inf', 'c'], ':3\r\n');
        await expect(['ZRANK', 'rk', 'a', 'WITHSCORE'], '*2\r\n:0\r\n$3\r\n1.5\r\n');
        await expect(['ZREVRANK', 'rk', 'a', 'withscore'], '*2\r\n:2\r\n$3\r\n1.5\r\n');
        await expect(['ZRANK', 'rk', 'c', 'WITHSCORE'], '*2\r\n:2\r\n$3\r\ninf\r\n');
        await expect(['ZRANK', 'rk', 'nope', 'WITHSCORE'], '*-1\r\n');
        await expect(['ZRANK', 'nokey', 'a', 'WITHSCORE'], '*-1\r\n');
        await expect(['ZRANK', 'nokey', 'a'], '$-1\r\n');
        await expect(['ZRANK', 'rk', 'a', 'WITHSCORES'], '-ERR syntax error\r\n');
        await expect(['ZRANK', 'rk', 'a', 'WITHSCORE', 'x'], "-ERR wrong number of arguments for 'zrank' command\r\n");
        await expect(['ZREVRANK', 'rk', 'a', 'WITHSCORE', 'x'], "-ERR wrong number of arguments for 'zrevrank' command\r\n");
        const big: string[] = [];
        for (let i = 0; i < 300; i++) big.push(String(i), `m${i}`);
        await expect(['ZADD', 'big', ...big], ':300\r\n');
        await expect(['ZREVRANK', 'big', 'm10', 'WITHSCORE'], '*2\r\n:289\r\n$2\r\n10\r\n');
        await c.call(['HELLO', '3']);
        await expect(['ZRANK', 'rk', 'b', 'WITHSCORE'], '*2\r\n:1\r\n,2\r\n');
        await expect(['ZRANK', 'rk', 'nope', 'WITHSCORE'], '_\r\n');
        await expect(['ZRANK', 'rk', 'nope'], '_\r\n');
      } finally {
        c.close();
      }
    }
  });

  it('ZRANDMEMBER random replies: distinct members, repeats for negative counts, scores that match', async () => {
    for (const d of [d1, d3]) {
      for (const size of [5, 300]) {
        const init: string[] = [];
        for (let i = 0; i < size; i++) init.push(String(i / 2), `m${i}`);
        await call(d.port, ['DEL', 'rz']);
        await call(d.port, ['ZADD', 'rz', ...init]);
        const one = (await call(d.port, ['ZRANDMEMBER', 'rz'])) as string;
        assert.match(one, /^m\d+$/);
        for (const resp3 of [false, true]) {
          const distinct = (await call(d.port, ['ZRANDMEMBER', 'rz', '3'], resp3)) as string[];
          assert.equal(distinct.length, 3);
          assert.equal(new Set(distinct).size, 3);
          const many = (await call(d.port, ['ZRANDMEMBER', 'rz', '-20'], resp3)) as string[];
          assert.equal(many.length, 20);
          for (const m of many) assert.match(m, /^m\d+$/);
          const ws = (await call(d.port, ['ZRANDMEMBER', 'rz', String(size - 1), 'WITHSCORES'], resp3)) as Value[];
          const pairs: [string, string][] = resp3
            ? (ws as [string, string][])
            : Array.from({ length: ws.length / 2 }, (_, i) => [ws[2 * i] as string, ws[2 * i + 1] as string]);
          assert.equal(pairs.length, size - 1);
          assert.equal(new Set(pairs.map((p) => p[0])).size, size - 1);
          for (const [m, s] of pairs) assert.equal(Number(s), Number(m.slice(1)) / 2);
          const neg = (await call(d.port, ['ZRANDMEMBER', 'rz', '-3', 'WITHSCORES'], resp3)) as Value[];
          assert.equal(neg.length, resp3 ? 3 : 6);
        }
      }
    }
  });

  it('ZSCAN of a skiplist set returns every member once a scan, also while the set changes', async () => {
    for (const d of [d1, d3]) {
      const init: string[] = [];
      for (let i = 0; i < 1000; i++) init.push(String(i % 17), `m${i}`);
      await call(d.port, ['DEL', 'sz']);
      await call(d.port, ['ZADD', 'sz', ...init]);
      const scanAll = async (mutate: (step: number) => Promise<void>, opts: string[] = []): Promise<Map<string, string>> => {
        const seen = new Map<string, string>();
        let cursor = '0';
        for (let step = 0; step < 10000; step++) {
          const [next, items] = (await call(d.port, ['ZSCAN', 'sz', cursor, ...opts])) as [string, string[]];
          for (let i = 0; i < items.length; i += 2) seen.set(items[i], items[i + 1]);
          await mutate(step);
          cursor = next;
          if (cursor === '0') break;
        }
        return seen;
      };
      const all = await scanAll(async () => {}, ['COUNT', '37']);
      assert.equal(all.size, 1000);
      for (const [m, s] of all) assert.equal(s, String(Number(m.slice(1)) % 17));
      const matched = await scanAll(async () => {}, ['MATCH', 'm1*']);
      assert.deepEqual([...matched.keys()].sort(), [...all.keys()].filter((m) => m.startsWith('m1')).sort());
      // Members m0..m499 stay for the whole scan; m500.. are removed and others added meanwhile.
      const during = await scanAll(async (step) => {
        await call(d.port, ['ZREM', 'sz', `m${500 + step * 3}`, `m${501 + step * 3}`]);
        await call(d.port, ['ZADD', 'sz', '1', `new${step}`, '-5', `m${step}`]);
      });
      for (let i = 0; i < 500; i++) assert.ok(during.has(`m${i}`), `m${i} missing from a scan while the set changed`);
    }
  });
});
