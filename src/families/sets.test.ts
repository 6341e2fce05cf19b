// Set commands, byte-exact against a real redis-server 7.0: every command with its edge cases and
// errors (multi-key ones with keys on one shard and across shards) is sent to Redis and to Damselfly
// (1 and 3 shard threads, RESP2 and RESP3) and the raw replies compared, set contents sorted (7.0
// keeps small non-integer sets in a hashtable, whose order is unspecified). Then, on Damselfly alone,
// what differs from 7.0 by design (Redis 7.2's listpack sets: encodings and orders) and the random
// commands (counts, uniqueness, membership, removal).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_NORMALIZERS, REDIS_AVAILABLE, SKIP_NO_REDIS, diff, type Arg, type Normalizer } from '../../test/harness.ts';
import { sortReplies, sortScanElements } from '../../test/reply-normalizers.ts';
import { assertSuite, bulkArray, bulks, diffSuite } from '../../test/collection-suites.ts';

const SORTED: Normalizer[] = [
  ...DEFAULT_NORMALIZERS,
  sortReplies(['smembers', 'sinter', 'sunion', 'sdiff', 'spop', 'srandmember'].map((cmd) => ({ cmd }))),
  sortScanElements,
];

describe('set commands match Redis', { skip: !REDIS_AVAILABLE && SKIP_NO_REDIS }, () => {
  const suite = diffSuite(SORTED);
  const same = suite.same;

  it('SADD SREM SCARD SISMEMBER SMISMEMBER SMEMBERS', async () => {
    await same([
      ['SADD', 's', 'a', 'b', 'c', 'a'], ['SADD', 's', 'b', 'd'], ['SCARD', 's'], ['SCARD', 'nokey'], ['SMEMBERS', 's'], ['SMEMBERS', 'nokey'],
      ['SISMEMBER', 's', 'a'], ['SISMEMBER', 's', 'zz'], ['SISMEMBER', 'nokey', 'a'], ['SMISMEMBER', 's', 'a', 'zz', 'd', 'a'], ['SMISMEMBER', 'nokey', 'a', 'b'],
      ['SREM', 's', 'a', 'zz', 'a'], ['SREM', 'nokey', 'a'], ['SMEMBERS', 's'], ['SREM', 's', 'b', 'c', 'd', 'never'], ['EXISTS', 's'],
      ['SADD', 'i', '3', '1', '2', '-5', '9223372036854775807', '-9223372036854775808'], ['SMEMBERS', 'i'], ['OBJECT', 'ENCODING', 'i'],
      ['SISMEMBER', 'i', '01'], ['SISMEMBER', 'i', '3'], ['SREM', 'i', '+3', '3'], ['SADD', 'i', '01', '-0', '+1', ' 1'], ['SCARD', 'i'], ['SMEMBERS', 'i'],
      ['SADD', 'bin', Buffer.from([0, 13, 10, 255]), '', 'x'], ['SMEMBERS', 'bin'], ['SISMEMBER', 'bin', ''], ['SISMEMBER', 'bin', Buffer.from([0, 13, 10, 255])],
      ['TYPE', 'i'],
    ]);
  });

  it('wrong types and arities', async () => {
    await same([
      ['SET', 'str', 'v'], ['SADD', 's', 'a'],
      ['SADD', 'str', 'a'], ['SREM', 'str', 'a'], ['SCARD', 'str'], ['SISMEMBER', 'str', 'a'], ['SMISMEMBER', 'str', 'a'], ['SMEMBERS', 'str'],
      ['SRANDMEMBER', 'str'], ['SRANDMEMBER', 'str', '2'], ['SPOP', 'str'], ['SPOP', 'str', '2'], ['SSCAN', 'str', '0'], ['SMOVE', 'str', 's', 'a'],
      ['SMOVE', 's', 'str', 'a'], ['SMOVE', 'nokey', 'str', 'a'], ['SINTER', 's', 'str'], ['SINTER', 'nokey', 'str'], ['SINTER', 'str', 'nokey'],
      ['SUNION', 's', 'str'], ['SDIFF', 'str', 's'], ['SDIFF', 'nokey', 'str'], ['SINTERCARD', '2', 's', 'str'], ['SINTERSTORE', 'd', 's', 'str'],
      ['SUNIONSTORE', 'd', 'str'], ['SDIFFSTORE', 'd', 's', 'str'], ['SINTERSTORE', 'str', 's'], ['TYPE', 'str'], ['EXISTS', 'd'],
      ['SADD', 's'], ['SREM', 's'], ['SCARD'], ['SISMEMBER', 's'], ['SMISMEMBER', 's'], ['SMEMBERS'], ['SRANDMEMBER'], ['SPOP'], ['SMOVE', 's', 'd'],
      ['SINTER'], ['SUNION'], ['SDIFF'], ['SINTERCARD', '1'], ['SINTERSTORE', 'd'], ['SUNIONSTORE', 'd'], ['SDIFFSTORE', 'd'], ['SSCAN', 's'],
    ]);
  });

  it('SINTER SINTERCARD SUNION SDIFF, on one shard and across shards', async () => {
    const cmds: Arg[][] = [];
    for (const [a, b, c] of [['a', 'b', 'c'], ['{t}a', '{t}b', '{t}c']]) {
      cmds.push(
        ['SADD', a, '1', '2', '3', '4', 'x', 'y'], ['SADD', b, '2', '3', '5', 'y', 'z'], ['SADD', c, '3', '4', 'y', 'w'],
        ['SINTER', a, b], ['SINTER', a, b, c], ['SINTER', a], ['SINTER', a, 'nokey'], ['SINTER', 'nokey', a], ['SINTER', a, a],
        ['SINTERCARD', '2', a, b], ['SINTERCARD', '3', a, b, c], ['SINTERCARD', '2', a, b, 'LIMIT', '1'], ['SINTERCARD', '2', a, b, 'limit', '0'],
        ['SINTERCARD', '1', a, 'LIMIT', '100'], ['SINTERCARD', '2', a, 'nokey'], ['SINTERCARD', '2', a, a],
        ['SUNION', a, b], ['SUNION', a, b, c, 'nokey'], ['SUNION', 'nokey'], ['SUNION', a, a],
        ['SDIFF', a, b], ['SDIFF', a, b, c], ['SDIFF', b, a], ['SDIFF', a, 'nokey'], ['SDIFF', 'nokey', a], ['SDIFF', a, a], ['SDIFF', a, b, a], ['SDIFF', a],
        ['SINTERCARD', '0', a], ['SINTERCARD', '-1', a], ['SINTERCARD', 'x', a], ['SINTERCARD', '3', a, b], ['SINTERCARD', '2', a, b, 'LIMIT', '-1'],
        ['SINTERCARD', '2', a, b, 'LIMIT'], ['SINTERCARD', '2', a, b, 'LIMIT', 'x'], ['SINTERCARD', '2', a, b, 'foo'], ['SINTERCARD', '2', a, b, 'LIMIT', '1', 'LIMIT', '2'],
        ['DEL', a, b, c],
      );
    }
    // Integer-only sets: intset results keep the numeric order in both servers.
    cmds.push(['SADD', 'i1', '5', '1', '3', '10'], ['SADD', 'i2', '3', '10', '7'], ['SINTER', 'i1', 'i2'], ['SUNION', 'i1', 'i2'], ['SDIFF', 'i1', 'i2']);
    await same(cmds);
    await same(cmds.slice(-5), DEFAULT_NORMALIZERS);
  });

  it('SINTERSTORE SUNIONSTORE SDIFFSTORE, on one shard and across shards', async () => {
    const cmds: Arg[][] = [];
    for (const [a, b, d] of [['a', 'b', 'd'], ['{t}a', '{t}b', '{t}d'], ['{u}a', '{u}b', 'other']]) {
      cmds.push(
        ['SADD', a, '1', '2', '3', 'x'], ['SADD', b, '2', '3', 'y'],
        ['SINTERSTORE', d, a, b], ['SMEMBERS', d], ['OBJECT', 'ENCODING', d], ['SUNIONSTORE', d, a, b], ['SCARD', d], ['SMEMBERS', d],
        ['SDIFFSTORE', d, a, b], ['SMEMBERS', d], ['SDIFFSTORE', d, b, a], ['SMEMBERS', d],
        ['SET', d, 'string'], ['EXPIRE', d, '100'], ['SINTERSTORE', d, a, b], ['TTL', d], ['TYPE', d],
        ['SINTERSTORE', d, a, 'nokey'], ['EXISTS', d], ['SADD', d, 'z'], ['SUNIONSTORE', d, 'nokey'], ['EXISTS', d],
        ['SADD', d, 'z'], ['SDIFFSTORE', d, a, a], ['EXISTS', d], ['SDIFFSTORE', d, 'nokey', a], ['EXISTS', d],
        ['SINTERSTORE', a, a, b], ['SMEMBERS', a], ['SUNIONSTORE', b, b, a], ['SMEMBERS', b], ['SDIFFSTORE', a, a], ['SMEMBERS', a],
        ['SADD', 'n1', '1', '2', '3'], ['SADD', 'n2', '2', '3'], ['SINTERSTORE', d, 'n1', 'n2'], ['OBJECT', 'ENCODING', d], ['SMEMBERS', d],
        ['DEL', a, b, d, 'n1', 'n2'],
      );
    }
    await same(cmds);
  });

  it('SMOVE, on one shard and across shards', async () => {
    const cmds: Arg[][] = [];
    for (const [s, d] of [['src', 'dst'], ['{t}src', '{t}dst']]) {
      cmds.push(
        ['SADD', s, 'a', 'b', '1'], ['SMOVE', s, d, 'a'], ['SMEMBERS', s], ['SMEMBERS', d], ['SMOVE', s, d, 'zz'],
        ['SMOVE', s, s, 'b'], ['SMOVE', s, s, 'zz'], ['SMOVE', 'nokey', d, 'a'], ['SMOVE', s, d, '1'], ['SMOVE', d, s, 'a'],
        ['SMOVE', s, d, 'b'], ['SMOVE', s, d, 'a'], ['SMOVE', s, d, 'a'], ['EXISTS', s], ['SMEMBERS', d], ['SET', 'str', 'v'],
        ['SMOVE', d, 'str', 'a'], ['SMOVE', 'str', d, 'a'], ['SMOVE', 'nokey', 'str', 'a'], ['SMOVE', d, 'nokey2', '1'], ['OBJECT', 'ENCODING', 'nokey2'],
        ['SMEMBERS', 'nokey2'], ['DEL', s, d, 'nokey2', 'str'],
      );
    }
    await same(cmds);
  });

  it('SPOP and SRANDMEMBER where the result is deterministic, and their errors', async () => {
    await same([
      ['SADD', 'one', 'm'], ['SRANDMEMBER', 'one'], ['SRANDMEMBER', 'one', '1'], ['SRANDMEMBER', 'one', '-3'], ['SRANDMEMBER', 'one', '5'],
      ['SADD', 's', '3', '1', '2'], ['SRANDMEMBER', 's', '3'], ['SRANDMEMBER', 's', '100'], ['SRANDMEMBER', 's', '9223372036854775807'], ['SRANDMEMBER', 's', '0'],
      ['SRANDMEMBER', 'nokey'], ['SRANDMEMBER', 'nokey', '3'], ['SRANDMEMBER', 'nokey', '-3'], ['SRANDMEMBER', 'nokey', '0'],
      ['SRANDMEMBER', 's', 'x'], ['SRANDMEMBER', 's', '1', '2'], ['SRANDMEMBER', 's', '-9223372036854775808'], ['SRANDMEMBER', 's', '1.5'],
      ['SRANDMEMBER', 'nokey', 'x'],
      ['SPOP', 's', '0'], ['SPOP', 's', '3'], ['EXISTS', 's'], ['SADD', 's', 'a', 'b'], ['SPOP', 's', '10'], ['EXISTS', 's'],
      ['SPOP', 'one'], ['EXISTS', 'one'], ['SPOP', 'nokey'], ['SPOP', 'nokey', '3'], ['SPOP', 'nokey', '0'],
      ['SADD', 's', 'a'], ['SPOP', 's', '-1'], ['SPOP', 's', 'x'], ['SPOP', 's', '1', '2'], ['SPOP', 'nokey', '-1'], ['SPOP', 's', '9223372036854775808'],
      ['SPOP', 's', '1'], ['EXISTS', 's'],
    ]);
  });

  it('SSCAN on small sets, and its errors', async () => {
    await same([
      ['SADD', 's', 'a1', 'a2', 'b1'], ['SADD', 'i', '1', '2', '10'], ['SSCAN', 's', '0'], ['SSCAN', 's', '0', 'MATCH', 'a*'], ['SSCAN', 'i', '0', 'MATCH', '1*'],
      ['SSCAN', 'i', '0'], ['SSCAN', 'i', '0', 'COUNT', '1'], ['SSCAN', 'i', '5'],
      ['SSCAN', 's', 'x'], ['SSCAN', 's', '0', 'COUNT', '0'], ['SSCAN', 's', '0', 'COUNT', 'x'], ['SSCAN', 's', '0', 'MATCH'], ['SSCAN', 's', '0', 'foo'],
      ['SSCAN', 's', '0', 'TYPE', 'set'], ['SSCAN', 'nokey', '0', 'COUNT', '0'], ['SSCAN', 'nokey', 'x'], ['SSCAN', 'nokey', '0'],
    ]);
  });

  it('intset thresholds and big sets', async () => {
    const ints: string[] = [];
    for (let i = 0; i < 600; i++) ints.push(String(i * 7 - 300));
    const strs = ints.map((v) => `m${v}`);
    await same([
      ['CONFIG', 'SET', 'set-max-intset-entries', '4'], ['SADD', 'i', '1', '2', '3', '4'], ['OBJECT', 'ENCODING', 'i'], ['SADD', 'i', '5'],
      ['OBJECT', 'ENCODING', 'i'], ['CONFIG', 'GET', 'set-max-intset-entries'],
      ['CONFIG', 'SET', 'set-max-intset-entries', '512'],
      ['SADD', 'bigi', ...ints], ['OBJECT', 'ENCODING', 'bigi'], ['SCARD', 'bigi'], ['SADD', 'bigs', ...strs], ['OBJECT', 'ENCODING', 'bigs'],
      ['SMEMBERS', 'bigs'], ['SINTERCARD', '2', 'bigi', 'bigs'], ['SADD', 'mix', ...ints.slice(0, 300), ...strs.slice(0, 300)], ['SUNIONSTORE', 'u', 'bigs', 'mix'],
      ['SINTERSTORE', 'n', 'bigi', 'mix'], ['SCARD', 'n'], ['SDIFFSTORE', 'df', 'bigs', 'mix'], ['SCARD', 'df'], ['SMEMBERS', 'df'],
      ['SRANDMEMBER', 'bigs', '1000'], ['SPOP', 'bigi', '1000'], ['EXISTS', 'bigi'],
    ]);
  });

  it('pipelined set commands keep their order (multi-hop ones included)', async () => {
    const cmds: Arg[][] = [['FLUSHALL']];
    for (let i = 0; i < 20; i++) {
      cmds.push(['SADD', `p${i}`, 'a', String(i)], ['SADD', `q${i}`, String(i), 'b'], ['SINTERSTORE', `r${i}`, `p${i}`, `q${i}`], ['SMEMBERS', `r${i}`]);
      cmds.push(['SMOVE', `p${i}`, `q${i}`, 'a'], ['SCARD', `q${i}`], ['SINTERCARD', '2', `p${i}`, `q${i}`]);
    }
    for (const d of [suite.d1, suite.d3]) await diff({ damselfly: d.port, redis: suite.redis.port }, cmds, { pipeline: true, normalize: SORTED });
  });
});

for (const threads of [1, 3]) {
  describe(`sets as Redis 7.2 keeps them, and random picks, ${threads} thread(s)`, () => {
    const t = assertSuite(threads);
    const is = t.is;

    async function encoding(key: string): Promise<string> {
      return bulks(await t.c.call(['OBJECT', 'ENCODING', key]))[0];
    }

    it('listpack sets: encoding, insertion order, conversions (set-max-listpack-*)', async () => {
      await is(['FLUSHALL'], '+OK\r\n');
      await is(['SADD', 's', 'b', 'a', 'c'], ':3\r\n');
      assert.equal(await encoding('s'), 'listpack');
      await is(['SMEMBERS', 's'], bulkArray('b', 'a', 'c'));
      await is(['SREM', 's', 'a'], ':1\r\n');
      await is(['SADD', 's', '1', 'a'], ':2\r\n');
      await is(['SMEMBERS', 's'], bulkArray('b', 'c', '1', 'a'));
      await is(['SSCAN', 's', '0'], `*2\r\n$1\r\n0\r\n${bulkArray('b', 'c', '1', 'a')}`);
      // An intset meeting a string becomes a listpack: the integers in order, then the string.
      await is(['SADD', 'i', '30', '10', '20'], ':3\r\n');
      assert.equal(await encoding('i'), 'intset');
      await is(['SADD', 'i', 'x', '5'], ':2\r\n');
      assert.equal(await encoding('i'), 'listpack');
      await is(['SMEMBERS', 'i'], bulkArray('10', '20', '30', 'x', '5'));
      // Thresholds.
      await is(['CONFIG', 'SET', 'set-max-listpack-entries', '3', 'set-max-listpack-value', '4'], '+OK\r\n');
      await is(['CONFIG', 'GET', 'set-max-listpack-entries'], bulkArray('set-max-listpack-entries', '3'));
      await is(['SADD', 'e', 'a', 'b', 'c'], ':3\r\n');
      assert.equal(await encoding('e'), 'listpack');
      await is(['SADD', 'e', 'd'], ':1\r\n');
      assert.equal(await encoding('e'), 'hashtable');
      await is(['SADD', 'v', 'abcd'], ':1\r\n');
      assert.equal(await encoding('v'), 'listpack');
      await is(['SADD', 'v', 'abcde'], ':1\r\n');
      assert.equal(await encoding('v'), 'hashtable');
      await is(['SADD', 'w', '123456', '1'], ':2\r\n');
      await is(['SADD', 'w', 'x'], ':1\r\n');
      assert.equal(await encoding('w'), 'hashtable', 'an intset whose widest integer exceeds the value limit');
      await is(['SADD', 'big', 'a', 'b', 'c', 'd'], ':4\r\n');
      assert.equal(await encoding('big'), 'hashtable', 'more members in one SADD than a listpack holds');
      await is(['CONFIG', 'SET', 'set-max-intset-entries', '2'], '+OK\r\n');
      await is(['SADD', 'j', '1', '2', '3'], ':3\r\n');
      assert.equal(await encoding('j'), 'listpack', 'too many integers for an intset, few enough for a listpack');
      await is(['CONFIG', 'SET', 'set-max-intset-entries', '512'], '+OK\r\n');
      await is(['SMOVE', 'j', 'moved', '1'], ':1\r\n');
      assert.equal(await encoding('moved'), 'intset');
      await is(['SMOVE', 'v', 'moved2', 'abcd'], ':1\r\n');
      assert.equal(await encoding('moved2'), 'listpack');
      await is(['CONFIG', 'SET', 'set-max-listpack-entries', '128', 'set-max-listpack-value', '64'], '+OK\r\n');
      // Results of the algebra.
      await is(['SADD', 'p', 'x', '1', '2'], ':3\r\n');
      await is(['SADD', 'q', '2', '1', 'y'], ':3\r\n');
      await is(['SINTERSTORE', 'r', 'p', 'q'], ':2\r\n');
      assert.equal(await encoding('r'), 'intset', 'an all-integer intersection is an intset');
      await is(['SMEMBERS', 'r'], bulkArray('1', '2'));
      await is(['SUNIONSTORE', 'u', 'p', 'q'], ':4\r\n');
      assert.equal(await encoding('u'), 'listpack');
      await is(['SMEMBERS', 'u'], bulkArray('x', '1', '2', 'y'));
      await is(['SUNION', 'q', 'p'], bulkArray('1', '2', 'y', 'x'), 'the union starts as an intset');
      await is(['SDIFF', 'p', 'q'], bulkArray('x'));
      await is(['SADD', 'only', '3', 'a', '1'], ':3\r\n');
      await is(['SREM', 'only', 'a'], ':1\r\n');
      await is(['SMEMBERS', 'only'], bulkArray('3', '1'));
      await is(['SPOP', 'only', '5'], bulkArray('1', '3'), 'SPOP of the whole set answers as SUNION of it');
    });

    it('SRANDMEMBER: counts, uniqueness and membership in every encoding', async () => {
      await is(['FLUSHALL'], '+OK\r\n');
      const sets: [string, string[]][] = [
        ['ints', Array.from({ length: 20 }, (_, i) => String(i))],
        ['lp', Array.from({ length: 20 }, (_, i) => `m${i}`)],
        ['ht', Array.from({ length: 300 }, (_, i) => `m${i}`)],
      ];
      for (const [key, members] of sets) {
        await t.c.call(['SADD', key, ...members]);
        const all = new Set(members);
        for (const count of [2, 7, members.length - 1]) {
          const got = bulks(await t.c.call(['SRANDMEMBER', key, count]));
          assert.equal(got.length, count);
          assert.equal(new Set(got).size, count, `${key}: distinct`);
          for (const m of got) assert.ok(all.has(m));
        }
        const rep = bulks(await t.c.call(['SRANDMEMBER', key, -60]));
        assert.equal(rep.length, 60);
        for (const m of rep) assert.ok(all.has(m));
        assert.ok(all.has(bulks(await t.c.call(['SRANDMEMBER', key]))[0]));
        const seen = new Set<string>();
        for (let i = 0; i < 40 && seen.size < Math.min(20, members.length); i++) for (const m of bulks(await t.c.call(['SRANDMEMBER', key, -50]))) seen.add(m);
        assert.ok(seen.size >= Math.min(20, members.length), `${key}: picks spread over the set`);
      }
    });

    it('SPOP: each strategy removes exactly what it returns', async () => {
      for (const [key, size, count] of [['ints', 30, 3], ['ints', 30, 28], ['lp', 30, 4], ['lp', 30, 29], ['ht', 400, 10], ['ht', 400, 390]] as const) {
        await is(['FLUSHALL'], '+OK\r\n');
        const members = Array.from({ length: size }, (_, i) => (key === 'ints' ? String(i) : `m${i}`));
        await t.c.call(['SADD', key, ...members]);
        const before = await encoding(key);
        const popped = bulks(await t.c.call(['SPOP', key, count]));
        assert.equal(popped.length, count);
        assert.equal(new Set(popped).size, count);
        const left = bulks(await t.c.call(['SMEMBERS', key]));
        assert.equal(left.length, size - count);
        for (const m of popped) assert.ok(!left.includes(m) && members.includes(m), `${key}: ${m}`);
        assert.equal(new Set([...popped, ...left]).size, size);
        if (count > size / 2 && before === 'hashtable') assert.equal(await encoding(key), 'listpack', 'most of a hashtable popped: the rest is rebuilt small');
        if (before === 'intset') assert.equal(await encoding(key), 'intset');
      }
      await is(['SADD', 'x', 'a', 'b', 'c'], ':3\r\n');
      const one = bulks(await t.c.call(['SPOP', 'x']));
      assert.ok(['a', 'b', 'c'].includes(one[0]));
      await is(['SCARD', 'x'], ':2\r\n');
      await is(['SISMEMBER', 'x', one[0]], ':0\r\n');
    });

    it('SSCAN returns every member of a big set present throughout, under churn', async () => {
      await is(['FLUSHALL'], '+OK\r\n');
      const members = Array.from({ length: 700 }, (_, i) => `m${i}`);
      await t.c.call(['SADD', 'big', ...members]);
      const seen = new Set<string>();
      let cursor = '0';
      let step = 0;
      do {
        const items = bulks(await t.c.call(['SSCAN', 'big', cursor, 'COUNT', '25']));
        cursor = items[0];
        for (const m of items.slice(1)) seen.add(m);
        await t.c.call(['SADD', 'big', `new${step}`]);
        await t.c.call(['SREM', 'big', `m${600 + step}`]);
        step++;
      } while (cursor !== '0');
      for (let i = 0; i < 600; i++) assert.ok(seen.has(`m${i}`), `m${i} missed`);
      const matched = new Set<string>();
      cursor = '0';
      do {
        const items = bulks(await t.c.call(['SSCAN', 'big', cursor, 'MATCH', 'm1?', 'COUNT', '100']));
        cursor = items[0];
        for (const m of items.slice(1)) matched.add(m);
      } while (cursor !== '0');
      assert.deepEqual([...matched].sort(), Array.from({ length: 10 }, (_, i) => `m1${i}`).sort());
    });
  });
}
