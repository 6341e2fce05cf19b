// Hash commands, byte-exact against a real redis-server 7.0: every command with its edge cases and
// errors is sent to Redis and to Damselfly (1 and 3 shard threads, RESP2 and RESP3) and the raw replies
// compared (hashtable-encoded hashes sorted, since Redis's dict order is unspecified). Random picks
// are compared only where they are deterministic, and otherwise checked for shape and membership.
// The 7.4 field TTL commands are in hash-ttl.test.ts (redis-server 7.0 lacks them).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_NORMALIZERS, REDIS_AVAILABLE, RawClient, SKIP_NO_REDIS, diff, type Arg, type Normalizer } from '../../test/harness.ts';
import { sortReplies, sortScanElements } from '../../test/reply-normalizers.ts';
import { bulks, diffSuite } from '../../test/collection-suites.ts';

/** Big (hashtable) hashes are named big*: their replies are compared sorted. */
const BIG: Normalizer[] = [
  ...DEFAULT_NORMALIZERS,
  sortReplies([
    { cmd: 'hgetall', pairs: true, keyPrefix: 'big' },
    { cmd: 'hkeys', keyPrefix: 'big' },
    { cmd: 'hvals', keyPrefix: 'big' },
  ]),
  sortScanElements,
];

describe('hash commands match Redis', { skip: !REDIS_AVAILABLE && SKIP_NO_REDIS }, () => {
  const suite = diffSuite(BIG);
  const same = suite.same;

  it('HSET HSETNX HMSET HGET HMGET HDEL HLEN HSTRLEN HEXISTS HKEYS HVALS HGETALL', async () => {
    await same([
      ['HSET', 'h', 'f1', 'v1', 'f2', 'v2'], ['HSET', 'h', 'f1', 'new', 'f3', 'v3'], ['HSET', 'h', 'f4', 'a', 'f4', 'b'],
      ['HGET', 'h', 'f1'], ['HGET', 'h', 'nofield'], ['HGET', 'nokey', 'f'],
      ['HMGET', 'h', 'f1', 'nofield', 'f3', 'f1'], ['HMGET', 'nokey', 'a', 'b'],
      ['HMSET', 'h', 'a', '1', 'b', '2'], ['HSETNX', 'h', 'a', 'x'], ['HSETNX', 'h', 'z', '26'], ['HSETNX', 'newh', 'a', '1'],
      ['HLEN', 'h'], ['HLEN', 'nokey'], ['HSTRLEN', 'h', 'f1'], ['HSTRLEN', 'h', 'nofield'], ['HSTRLEN', 'nokey', 'f'],
      ['HSET', 'h', 'n', '-12345'], ['HSTRLEN', 'h', 'n'],
      ['HEXISTS', 'h', 'f1'], ['HEXISTS', 'h', 'nofield'], ['HEXISTS', 'nokey', 'f'],
      ['HKEYS', 'h'], ['HVALS', 'h'], ['HGETALL', 'h'], ['HGETALL', 'nokey'], ['HKEYS', 'nokey'], ['HVALS', 'nokey'],
      ['HDEL', 'h', 'f1', 'nofield', 'f1'], ['HGETALL', 'h'], ['HDEL', 'nokey', 'a'],
      ['HDEL', 'h', 'a', 'b', 'z', 'f2', 'f3', 'f4', 'n', 'never'], ['EXISTS', 'h'], ['TYPE', 'newh'], ['OBJECT', 'ENCODING', 'newh'],
      // Binary-safe fields and values, the empty string, integers as text.
      ['HSET', 'bin', Buffer.from([0, 13, 10, 255]), Buffer.from([1, 0, 2]), '', '', '007', '+1', '10', '-0'],
      ['HGETALL', 'bin'], ['HGET', 'bin', ''], ['HSTRLEN', 'bin', '007'], ['HEXISTS', 'bin', Buffer.from([0, 13, 10, 255])],
    ]);
  });

  it('wrong types and arities', async () => {
    await same([
      ['SET', 's', 'v'],
      ['HSET', 's', 'a', 'b'], ['HMSET', 's', 'a', 'b'], ['HSETNX', 's', 'a', 'b'], ['HGET', 's', 'a'], ['HMGET', 's', 'a'], ['HDEL', 's', 'a'],
      ['HLEN', 's'], ['HSTRLEN', 's', 'a'], ['HEXISTS', 's', 'a'], ['HKEYS', 's'], ['HVALS', 's'], ['HGETALL', 's'],
      ['HINCRBY', 's', 'a', '1'], ['HINCRBYFLOAT', 's', 'a', '1'], ['HRANDFIELD', 's'], ['HRANDFIELD', 's', '1'], ['HRANDFIELD', 's', '1', 'WITHVALUES'],
      ['HSCAN', 's', '0'], ['HINCRBY', 's', 'a', 'x'], ['HINCRBYFLOAT', 's', 'a', 'x'], ['HRANDFIELD', 's', 'x'], ['HSCAN', 's', 'x'],
      ['HSET', 'h'], ['HSET', 'h', 'a'], ['HSET', 'h', 'a', 'b', 'c'], ['HMSET', 'h', 'a'], ['HMSET', 'h', 'a', 'b', 'c'], ['HSETNX', 'h', 'a'],
      ['HGET', 'h'], ['HMGET', 'h'], ['HDEL', 'h'], ['HLEN'], ['HSTRLEN', 'h'], ['HEXISTS', 'h'], ['HKEYS'], ['HVALS', 'h', 'x'], ['HGETALL'],
      ['HINCRBY', 'h', 'a'], ['HINCRBYFLOAT', 'h', 'a'], ['HRANDFIELD'], ['HSCAN', 'h'], ['EXISTS', 'h'],
    ]);
  });

  it('HINCRBY and HINCRBYFLOAT', async () => {
    await same([
      ['HINCRBY', 'h', 'n', '5'], ['HINCRBY', 'h', 'n', '-10'], ['HINCRBY', 'h', 'n', 'x'], ['HINCRBY', 'h', 'n', '1.5'],
      ['HINCRBY', 'h', 'n', '9223372036854775808'], ['HINCRBY', 'h', 'n', ''], ['HGET', 'h', 'n'],
      ['HSET', 'h', 'max', '9223372036854775807', 'min', '-9223372036854775808', 's', 'abc', 'sp', ' 1', 'z', '007', 'f', '1.5'],
      ['HINCRBY', 'h', 'max', '1'], ['HINCRBY', 'h', 'max', '-1'], ['HINCRBY', 'h', 'min', '-1'], ['HINCRBY', 'h', 'min', '9223372036854775807'],
      ['HINCRBY', 'h', 's', '1'], ['HINCRBY', 'h', 'sp', '1'], ['HINCRBY', 'h', 'z', '1'], ['HINCRBY', 'h', 'f', '1'],
      ['HINCRBY', 'h', 'new', '9223372036854775807'], ['HINCRBY', 'h', 'new', '1'], ['HINCRBY', 'h', 'neg', '-9223372036854775808'],
      ['HINCRBY', 'fresh', 'a', '3'], ['HGETALL', 'fresh'],
      ['HINCRBYFLOAT', 'h', 'x', '10.5'], ['HINCRBYFLOAT', 'h', 'x', '-5'], ['HINCRBYFLOAT', 'h', 'x', '1e3'], ['HINCRBYFLOAT', 'h', 'x', '3.0e2'],
      ['HINCRBYFLOAT', 'h', 'x', '0.1'], ['HINCRBYFLOAT', 'h', 'x', 'abc'], ['HINCRBYFLOAT', 'h', 'x', 'inf'], ['HINCRBYFLOAT', 'h', 'x', '-inf'],
      ['HINCRBYFLOAT', 'h', 'x', 'nan'], ['HINCRBYFLOAT', 'h', 'x', '1e5000'], ['HINCRBYFLOAT', 'h', 'x', '0x10'], ['HINCRBYFLOAT', 'h', 'x', ' 1'],
      ['HINCRBYFLOAT', 'h', 'x', '1 '], ['HINCRBYFLOAT', 'h', 'x', ''], ['HINCRBYFLOAT', 'h', 's', '1'], ['HINCRBYFLOAT', 'h', 'sp', '1'],
      ['HINCRBYFLOAT', 'h', 'max', '1'], ['HINCRBYFLOAT', 'h', 'f', '2.25'], ['HINCRBYFLOAT', 'h', 'z', '1'],
      ['HSET', 'bigx', 'huge', '1.7976931348623157e308'], ['HINCRBYFLOAT', 'bigx', 'huge', '1.7976931348623157e308'], ['HGETALL', 'bigx'],
      ['HSET', 'h', 'e', '5.0e3'], ['HINCRBYFLOAT', 'h', 'e', '-5000'], ['HINCRBYFLOAT', 'h', 'tiny', '1e-20'],
      ['HINCRBYFLOAT', 'fresh2', 'a', '-0.5'], ['HGETALL', 'h'], ['HGETALL', 'fresh2'],
    ]);
  });

  it('encodings and their conversion thresholds (with the ziplist aliases)', async () => {
    const cmds: Arg[][] = [
      ['CONFIG', 'SET', 'hash-max-listpack-entries', '4'], ['CONFIG', 'SET', 'hash-max-ziplist-value', '8'],
      ['CONFIG', 'GET', 'hash-max-ziplist-entries'], ['CONFIG', 'GET', 'hash-max-listpack-value'], ['CONFIG', 'SET', 'hash-max-listpack-value', 'x'],
      ['CONFIG', 'SET', 'hash-max-listpack-value', '-1'], ['CONFIG', 'SET', 'hash-max-listpack-entries', '1k'], ['CONFIG', 'SET', 'hash-max-listpack-entries', '-1'],
      ['HSET', 'h', 'a', '1', 'b', '2', 'c', '3', 'd', '4'], ['OBJECT', 'ENCODING', 'h'], ['HSET', 'h', 'b', 'two'], ['OBJECT', 'ENCODING', 'h'],
      ['HSET', 'bigh', 'a', '1', 'b', '2', 'c', '3', 'd', '4', 'e', '5'], ['OBJECT', 'ENCODING', 'bigh'], ['HDEL', 'bigh', 'a', 'b', 'c'],
      ['OBJECT', 'ENCODING', 'bigh'],
      ['HSET', 'v', 'a', '12345678'], ['OBJECT', 'ENCODING', 'v'], ['HSET', 'bigv', 'a', '123456789'], ['OBJECT', 'ENCODING', 'bigv'],
      ['HSET', 'bigf', 'field6789', '1'], ['OBJECT', 'ENCODING', 'bigf'],
      ['HSETNX', 'n', 'a', '1'], ['HSETNX', 'bign', 'a', '123456789'], ['OBJECT', 'ENCODING', 'n'], ['OBJECT', 'ENCODING', 'bign'],
      ['HSET', 'bigi', 'a', '1'], ['HINCRBY', 'bigi', 'longfieldname', '1'], ['OBJECT', 'ENCODING', 'bigi'],
      ['HSET', 'bigfl', 'a', '1'], ['HINCRBYFLOAT', 'bigfl', 'a', '0.000001'], ['OBJECT', 'ENCODING', 'bigfl'], ['HGET', 'bigfl', 'a'],
      ['HMSET', 'bigm', 'a', '1', 'b', '2', 'c', '3', 'd', '4', 'e', '5'], ['OBJECT', 'ENCODING', 'bigm'], ['HLEN', 'bigm'],
      ['HGETALL', 'bigh'], ['HKEYS', 'bigm'], ['HVALS', 'bigm'],
      ['CONFIG', 'SET', 'hash-max-ziplist-entries', '512'], ['CONFIG', 'SET', 'hash-max-listpack-value', '64'],
    ];
    await same(cmds);
  });

  it('big hashes (hashtable), whole-hash replies sorted', async () => {
    const kv: string[] = [];
    for (let i = 0; i < 600; i++) kv.push(`field:${i}`, `value:${i}`);
    await same([
      ['HSET', 'big', ...kv], ['OBJECT', 'ENCODING', 'big'], ['HLEN', 'big'], ['HGET', 'big', 'field:599'], ['HMGET', 'big', 'field:0', 'x'],
      ['HGETALL', 'big'], ['HKEYS', 'big'], ['HVALS', 'big'], ['HDEL', 'big', 'field:1', 'field:2'], ['HLEN', 'big'], ['HEXISTS', 'big', 'field:2'],
      ['HINCRBY', 'big', 'field:3', '1'], ['HSTRLEN', 'big', 'field:10'], ['HSETNX', 'big', 'field:10', 'x'], ['HSETNX', 'big', 'new', 'x'],
      ['HRANDFIELD', 'big', '100000', 'WITHVALUES'], ['HGETALL', 'big'],
    ], [...BIG, sortReplies([{ cmd: 'hrandfield', pairs: true }])]);
  });

  it('HRANDFIELD where the pick is deterministic, and its errors', async () => {
    await same([
      ['HSET', 'one', 'f', 'v'], ['HRANDFIELD', 'one'], ['HRANDFIELD', 'one', '1'], ['HRANDFIELD', 'one', '-3'], ['HRANDFIELD', 'one', '-3', 'WITHVALUES'],
      ['HRANDFIELD', 'one', '5', 'withvalues'], ['HRANDFIELD', 'one', '1', 'WITHVALUES'], ['HRANDFIELD', 'one', '0'], ['HRANDFIELD', 'one', '0', 'WITHVALUES'],
      ['HSET', 'h', 'a', '1', 'b', '2', 'c', '3'], ['HRANDFIELD', 'h', '3'], ['HRANDFIELD', 'h', '10', 'WITHVALUES'], ['HRANDFIELD', 'h', '4611686018427387903', 'WITHVALUES'],
      ['HRANDFIELD', 'h', '9223372036854775807'],
      ['HRANDFIELD', 'nokey'], ['HRANDFIELD', 'nokey', '5'], ['HRANDFIELD', 'nokey', '-5', 'WITHVALUES'], ['HRANDFIELD', 'nokey', '0'],
      ['HRANDFIELD', 'h', 'x'], ['HRANDFIELD', 'h', '1', 'WITHVALUES', 'x'], ['HRANDFIELD', 'h', '1', 'foo'], ['HRANDFIELD', 'h', '-9223372036854775808'],
      ['HRANDFIELD', 'h', '4611686018427387904', 'WITHVALUES'], ['HRANDFIELD', 'h', '-4611686018427387904', 'withvalues'], ['HRANDFIELD', 'h', '1.0'],
      ['HRANDFIELD', 'nokey', 'x'], ['HRANDFIELD', 'nokey', '1', 'foo'],
    ]);
  });

  it('HRANDFIELD picks: counts, uniqueness and membership', async () => {
    for (const d of [suite.d1, suite.d3]) {
      const c = await RawClient.connect(d.port);
      try {
        await c.call(['FLUSHALL']);
        const fields: string[] = [];
        for (let i = 0; i < 10; i++) fields.push(`f${i}`, `v${i}`);
        await c.call(['HSET', 'small', ...fields]);
        const big: string[] = [];
        for (let i = 0; i < 700; i++) big.push(`f${i}`, `v${i}`);
        await c.call(['HSET', 'big', ...big]);
        for (const [key, size] of [['small', 10], ['big', 700]] as const) {
          for (const count of [2, 5, 9, size - 1]) {
            const got = bulks(await c.call(['HRANDFIELD', key, count]));
            assert.equal(got.length, count);
            assert.equal(new Set(got).size, count, 'a positive count gives distinct fields');
            for (const f of got) assert.match(f, /^f\d+$/);
            const pairs = bulks(await c.call(['HRANDFIELD', key, count, 'WITHVALUES']));
            assert.equal(pairs.length, 2 * count);
            for (let i = 0; i < pairs.length; i += 2) assert.equal(pairs[i + 1], 'v' + pairs[i].slice(1), 'values go with their fields');
          }
          const rep = bulks(await c.call(['HRANDFIELD', key, -50]));
          assert.equal(rep.length, 50);
          for (const f of rep) assert.ok(Number(f.slice(1)) < size);
          const one = bulks(await c.call(['HRANDFIELD', key]));
          assert.equal(one.length, 1);
          c.send(['HELLO', '3']);
          await c.readReply();
          const r3 = (await c.call(['HRANDFIELD', key, 3, 'WITHVALUES'])).toString('latin1');
          assert.match(r3, /^\*3\r\n\*2\r\n/, 'RESP3: an array of [field, value] pairs');
          c.send(['HELLO', '2']);
          await c.readReply();
        }
        // Over many draws every field of a small hash comes up.
        const seen = new Set<string>();
        for (let i = 0; i < 30 && seen.size < 10; i++) for (const f of bulks(await c.call(['HRANDFIELD', 'small', -20]))) seen.add(f);
        assert.equal(seen.size, 10);
      } finally {
        c.close();
      }
    }
  });

  it('HSCAN on small hashes, and its errors', async () => {
    await same([
      ['HSET', 'h', 'f1', 'v1', 'f2', 'v2', 'g1', 'w1'], ['HSCAN', 'h', '0'], ['HSCAN', 'h', '0', 'MATCH', 'f*'], ['HSCAN', 'h', '0', 'COUNT', '1'],
      ['HSCAN', 'h', '0', 'MATCH', '*', 'COUNT', '100'], ['HSCAN', 'h', '7'], ['HSCAN', 'h', '0', 'match', 'nomatch'],
      ['HSCAN', 'h', 'x'], ['HSCAN', 'h', '-1'], ['HSCAN', 'h', '18446744073709551616'], ['HSCAN', 'h', '0', 'COUNT', '0'], ['HSCAN', 'h', '0', 'COUNT', 'x'],
      ['HSCAN', 'h', '0', 'COUNT'], ['HSCAN', 'h', '0', 'MATCH'], ['HSCAN', 'h', '0', 'foo', 'bar'], ['HSCAN', 'h', '0', 'TYPE', 'hash'],
      ['HSCAN', 'nokey', '0', 'COUNT', '0'], ['HSCAN', 'nokey', 'x'], ['HSCAN', 'nokey', '0'],
    ]);
  });

  it('HSCAN on a big hash returns every field over a full iteration', async () => {
    const kv: string[] = [];
    for (let i = 0; i < 800; i++) kv.push(`k${i}`, `v${i}`);
    for (const d of [suite.d1, suite.d3, suite.redis]) {
      const c = await RawClient.connect(d.port);
      try {
        await c.call(['FLUSHALL']);
        await c.call(['HSET', 'big', ...kv]);
        for (const [opts, want] of [[[], 800], [['COUNT', '37'], 800], [['MATCH', 'k1*'], 111]] as const) {
          const seen = new Map<string, string>();
          let cursor = '0';
          do {
            const items = bulks(await c.call(['HSCAN', 'big', cursor, ...opts]));
            cursor = items[0];
            for (let i = 1; i < items.length; i += 2) seen.set(items[i], items[i + 1]);
          } while (cursor !== '0');
          assert.equal(seen.size, want, `HSCAN ${opts.join(' ')}`);
          for (const [f, v] of seen) assert.equal(v, 'v' + f.slice(1));
        }
      } finally {
        c.close();
      }
    }
  });

  it('COPY, RENAME and MOVE keep hashes (across shards too)', async () => {
    await same([
      ['HSET', 'h', 'a', '1', 'b', '2'], ['COPY', 'h', 'copy'], ['HSET', 'copy', 'c', '3'], ['HGETALL', 'h'], ['HGETALL', 'copy'],
      ['RENAME', 'copy', 'renamed'], ['HGETALL', 'renamed'], ['OBJECT', 'ENCODING', 'renamed'], ['RENAME', 'renamed', '{x}r'], ['HGETALL', '{x}r'],
      ['MOVE', 'h', '1'], ['SELECT', '1'], ['HGETALL', 'h'], ['SELECT', '0'], ['TYPE', '{x}r'],
    ]);
  });

  it('pipelined hash commands keep their order', async () => {
    const cmds: Arg[][] = [['FLUSHALL']];
    for (let i = 0; i < 30; i++) cmds.push(['HSET', `p${i}`, 'f', String(i)], ['HINCRBY', `p${i}`, 'f', '2'], ['HGET', `p${i}`, 'f'], ['HDEL', `p${i}`, 'f'], ['HLEN', `p${i}`]);
    for (const d of [suite.d1, suite.d3]) await diff({ damselfly: d.port, redis: suite.redis.port }, cmds, { pipeline: true });
  });
});
