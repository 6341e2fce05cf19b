// Redis 7.4's hash-field TTLs (HEXPIRE/HPEXPIRE/HEXPIREAT/HPEXPIREAT, HTTL/HPTTL/HEXPIRETIME/
// HPEXPIRETIME, HPERSIST), HSCAN NOVALUES and 7.4's HSET pre-sizing rule, asserted against the
// reference semantics (redis-server 7.0 lacks them) on Damselfly with 1 and 3 shard threads: replies
// and error texts byte for byte, the listpackex encoding and order, lazy and active expiry, field
// deadlines surviving RENAME/COPY across shards, and which of these commands change a key for WATCH.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RawClient, waitFor, type Arg } from '../../test/harness.ts';
import { assertSuite, bulkArray } from '../../test/collection-suites.ts';
import { keySlot, shardOfSlot } from '../runtime/slots.ts';

/** 2100-01-01T00:00:00Z in ms: a deadline far enough away to read back exactly. */
const FAR = 4102444800000;
const WRONGTYPE = '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n';

function ints(...n: number[]): string {
  return `*${n.length}\r\n` + n.map((v) => `:${v}\r\n`).join('');
}

/** Two key names that live on different shards of an n-thread server (the same shard when n = 1). */
function keysOnTwoShards(n: number, prefix: string): [string, string] {
  const a = `${prefix}a`;
  for (let i = 0; ; i++) {
    const b = `${prefix}b${i}`;
    if (n === 1 || shardOfSlot(keySlot(Buffer.from(a)), n) !== shardOfSlot(keySlot(Buffer.from(b)), n)) return [a, b];
  }
}

for (const threads of [1, 3]) {
  describe(`hash field TTLs (Redis 7.4), ${threads} thread(s)`, () => {
    const suite = assertSuite(threads);
    const { is, text } = suite;

    it('argument errors, in Redis 7.4 order and text', async () => {
      await is(['FLUSHALL'], '+OK\r\n');
      await is(['SET', 's', 'v'], '+OK\r\n');
      await is(['HSET', 'h', 'f', 'v'], ':1\r\n');
      await is(['HEXPIRE', 's', 'notanum', 'FIELDS', '1', 'f'], WRONGTYPE);
      await is(['HTTL', 's', 'FIELDS', '1', 'f'], WRONGTYPE);
      await is(['HPERSIST', 's', 'FIELDS', '1', 'f'], WRONGTYPE);
      await is(['HEXPIRE', 'h', 'notanum', 'FIELDS', '1', 'f'], '-ERR value is not an integer or out of range\r\n');
      await is(['HEXPIRE', 'h', '-1', 'FIELDS', '1', 'f'], '-ERR invalid expire time, must be >= 0\r\n');
      await is(['HEXPIRE', 'h', '70368744178', 'FIELDS', '1', 'f'], "-ERR invalid expire time in 'hexpire' command\r\n");
      await is(['HPEXPIREAT', 'h', '70368744177664', 'FIELDS', '1', 'f'], "-ERR invalid expire time in 'hpexpireat' command\r\n");
      await is(['HPEXPIRE', 'h', '70368744177663', 'FIELDS', '1', 'f'], "-ERR invalid expire time in 'hpexpire' command\r\n");
      await is(['HEXPIREAT', 'h', '9223372036854775807', 'FIELDS', '1', 'f'], "-ERR invalid expire time in 'hexpireat' command\r\n");
      await is(['HEXPIRE', 'h', '100', 'BADCOND', 'FIELDS', '1', 'f'], '-ERR Mandatory argument FIELDS is missing or not at the right position\r\n');
      await is(['HEXPIRE', 'h', '100', 'NX', 'XX', '1', 'f'], '-ERR Mandatory argument FIELDS is missing or not at the right position\r\n');
      await is(['HEXPIRE', 'h', '100', 'FIELDS', '0', 'f'], '-ERR Parameter `numFields` should be greater than 0\r\n');
      await is(['HEXPIRE', 'h', '100', 'FIELDS', 'x', 'f'], '-ERR Parameter `numFields` should be greater than 0\r\n');
      await is(['HEXPIRE', 'h', '100', 'FIELDS', '2', 'f'], '-ERR The `numfields` parameter must match the number of arguments\r\n');
      await is(['HEXPIRE', 'h', '100', 'NX', 'FIELDS', '2', 'f'], '-ERR The `numfields` parameter must match the number of arguments\r\n');
      await is(['HEXPIRE', 'h', '100', 'FIELDS', '1', 'f', 'g'], '-ERR The `numfields` parameter must match the number of arguments\r\n');
      await is(['HEXPIRE', 'h', '100', 'FIELDS', '1'], "-ERR wrong number of arguments for 'hexpire' command\r\n");
      await is(['HTTL', 'h', 'NOTFIELDS', '1', 'f'], '-ERR Mandatory argument FIELDS is missing or not at the right position\r\n');
      await is(['HTTL', 'h', 'FIELDS', '0', 'f'], '-ERR Number of fields must be a positive integer\r\n');
      await is(['HPTTL', 'h', 'FIELDS', '-1', 'f'], '-ERR Number of fields must be a positive integer\r\n');
      await is(['HTTL', 'h', 'FIELDS', '1', 'f1', 'f2'], '-ERR The `numfields` parameter must match the number of arguments\r\n');
      await is(['HTTL', 'h', 'FIELDS', '1'], "-ERR wrong number of arguments for 'httl' command\r\n");
      await is(['HPERSIST', 'h', 'FIELDS', 'x', 'f'], '-ERR Number of fields must be a positive integer\r\n');
      await is(['HPERSIST', 'h', 'FIELDS', '2', 'f'], '-ERR The `numfields` parameter must match the number of arguments\r\n');
      // Errors leave the hash alone.
      await is(['OBJECT', 'ENCODING', 'h'], '$8\r\nlistpack\r\n');
    });

    it('HEXPIRE family replies, conditions and read-back', async () => {
      await is(['FLUSHALL'], '+OK\r\n');
      await is(['HSET', 'h', 'f1', 'v1', 'f2', 'v2', 'f3', 'v3'], ':3\r\n');
      await is(['HEXPIRE', 'h', '100', 'FIELDS', '2', 'f1', 'ghost'], ints(1, -2));
      await is(['HTTL', 'h', 'FIELDS', '3', 'f1', 'f2', 'ghost'], ints(100, -1, -2));
      const pttl = Number(/:(\d+)/.exec(await text(['HPTTL', 'h', 'FIELDS', '1', 'f1']))![1]);
      assert.ok(pttl > 98_000 && pttl <= 100_000, `HPTTL ${pttl}`);
      await is(['HPEXPIREAT', 'h', String(FAR), 'fields', '1', 'f1'], ints(1));
      await is(['HPEXPIRETIME', 'h', 'FIELDS', '2', 'f1', 'f2'], ints(FAR, -1));
      await is(['HEXPIRETIME', 'h', 'FIELDS', '1', 'f1'], ints(FAR / 1000));
      await is(['HPEXPIREAT', 'h', String(FAR + 1), 'FIELDS', '1', 'f1'], ints(1));
      await is(['HEXPIRETIME', 'h', 'FIELDS', '1', 'f1'], ints(FAR / 1000 + 1), 'seconds round up');
      await is(['HEXPIREAT', 'h', String(FAR / 1000), 'FIELDS', '1', 'f1'], ints(1));
      await is(['HPEXPIRETIME', 'h', 'FIELDS', '1', 'f1'], ints(FAR));
      await is(['HPEXPIREAT', 'h', '70368744177663', 'FIELDS', '1', 'f3'], ints(1));
      await is(['HPEXPIRETIME', 'h', 'FIELDS', '1', 'f3'], ints(70368744177663));
      // Conditions: a field without a deadline counts as one at infinity.
      await is(['HEXPIRE', 'h', '200', 'NX', 'FIELDS', '2', 'f1', 'f2'], ints(0, 1));
      await is(['HPERSIST', 'h', 'FIELDS', '3', 'f2', 'f3', 'ghost'], ints(1, 1, -2));
      await is(['HPERSIST', 'h', 'FIELDS', '1', 'f2'], ints(-1));
      await is(['HTTL', 'h', 'FIELDS', '1', 'f2'], ints(-1));
      await is(['HEXPIRE', 'h', '100', 'XX', 'FIELDS', '1', 'f2'], ints(0));
      await is(['HEXPIRE', 'h', '100', 'GT', 'FIELDS', '1', 'f2'], ints(0));
      await is(['HEXPIRE', 'h', '100', 'lt', 'FIELDS', '1', 'f2'], ints(1));
      await is(['HEXPIRE', 'h', '50', 'GT', 'FIELDS', '1', 'f2'], ints(0));
      await is(['HEXPIRE', 'h', '200', 'gt', 'FIELDS', '1', 'f2'], ints(1));
      await is(['HEXPIRE', 'h', '300', 'LT', 'FIELDS', '1', 'f2'], ints(0));
      await is(['HEXPIRE', 'h', '150', 'LT', 'FIELDS', '1', 'f2'], ints(1));
      await is(['HEXPIRE', 'h', '10', 'XX', 'FIELDS', '1', 'f2'], ints(1));
      await is(['HTTL', 'h', 'FIELDS', '1', 'f2'], ints(10));
      // A deadline not in the future deletes the field (2); the last one takes the key.
      await is(['HPEXPIREAT', 'h', '1000', 'FIELDS', '2', 'f1', 'ghost'], ints(2, -2));
      await is(['HGET', 'h', 'f1'], '$-1\r\n');
      await is(['HLEN', 'h'], ':2\r\n');
      await is(['HEXPIRE', 'h', '0', 'FIELDS', '2', 'f2', 'f3'], ints(2, 2));
      await is(['EXISTS', 'h'], ':0\r\n');
      // A missing key answers -2 per field, after the argument checks.
      await is(['HEXPIRE', 'h', '100', 'FIELDS', '2', 'a', 'b'], ints(-2, -2));
      await is(['HTTL', 'h', 'FIELDS', '1', 'a'], ints(-2));
      await is(['HPEXPIRETIME', 'h', 'FIELDS', '1', 'a'], ints(-2));
      await is(['HPERSIST', 'h', 'FIELDS', '1', 'a'], ints(-2));
      await is(['EXISTS', 'h'], ':0\r\n');
      // RESP3: the same arrays.
      await is(['HSET', 'h3', 'f', 'v'], ':1\r\n');
      await text(['HELLO', '3']);
      await is(['HEXPIRE', 'h3', '100', 'FIELDS', '1', 'f'], ints(1));
      await is(['HTTL', 'h3', 'FIELDS', '1', 'f'], ints(100));
      await text(['HELLO', '2']);
    });

    it('listpackex: the encoding and Redis order (deadlines first, ascending), hashtable conversion', async () => {
      await is(['FLUSHALL'], '+OK\r\n');
      await is(['HSET', 'h', 'a', '1', 'b', '2', 'c', '3', 'd', '4'], ':4\r\n');
      await is(['OBJECT', 'ENCODING', 'h'], '$8\r\nlistpack\r\n');
      await is(['HEXPIRE', 'h', '100', 'FIELDS', '1', 'zz'], ints(-2));
      await is(['OBJECT', 'ENCODING', 'h'], '$10\r\nlistpackex\r\n');
      await is(['HPEXPIREAT', 'h', String(FAR + 3000), 'FIELDS', '1', 'c'], ints(1));
      await is(['HPEXPIREAT', 'h', String(FAR + 1000), 'FIELDS', '1', 'a'], ints(1));
      await is(['HKEYS', 'h'], bulkArray('a', 'c', 'b', 'd'));
      await is(['HPEXPIREAT', 'h', String(FAR + 1000), 'FIELDS', '1', 'd'], ints(1));
      await is(['HKEYS', 'h'], bulkArray('d', 'a', 'c', 'b'), 'a new deadline goes before equal ones');
      await is(['HPERSIST', 'h', 'FIELDS', '1', 'c'], ints(1));
      await is(['HKEYS', 'h'], bulkArray('d', 'a', 'b', 'c'), 'a persisted field goes to the end');
      await is(['HINCRBY', 'h', 'a', '10'], ':11\r\n');
      await is(['HKEYS', 'h'], bulkArray('d', 'a', 'b', 'c'), 'HINCRBY updates in place');
      await is(['HPEXPIRETIME', 'h', 'FIELDS', '1', 'a'], ints(FAR + 1000), 'HINCRBY keeps the deadline');
      await is(['HINCRBYFLOAT', 'h', 'a', '0.5'], '$4\r\n11.5\r\n');
      await is(['HPEXPIRETIME', 'h', 'FIELDS', '1', 'a'], ints(FAR + 1000), 'HINCRBYFLOAT keeps the deadline');
      await is(['HSETNX', 'h', 'a', 'x'], ':0\r\n');
      await is(['HSET', 'h', 'a', 'new'], ':0\r\n');
      await is(['HPEXPIRETIME', 'h', 'FIELDS', '1', 'a'], ints(-1), 'HSET drops the deadline');
      await is(['HGETALL', 'h'], bulkArray('d', '4', 'b', '2', 'c', '3', 'a', 'new'));
      await is(['HPERSIST', 'h', 'FIELDS', '1', 'd'], ints(1));
      await is(['OBJECT', 'ENCODING', 'h'], '$10\r\nlistpackex\r\n', 'never back to listpack');
      // Past the thresholds: a hashtable that keeps the deadlines.
      await is(['HPEXPIREAT', 'h', String(FAR), 'FIELDS', '1', 'b'], ints(1));
      await is(['CONFIG', 'SET', 'hash-max-listpack-entries', '4'], '+OK\r\n');
      await is(['HSET', 'h', 'e', '5'], ':1\r\n');
      await is(['OBJECT', 'ENCODING', 'h'], '$9\r\nhashtable\r\n');
      await is(['HPEXPIRETIME', 'h', 'FIELDS', '2', 'b', 'e'], ints(FAR, -1));
      await is(['HEXPIRE', 'h', '100', 'NX', 'FIELDS', '2', 'b', 'e'], ints(0, 1));
      await is(['HPERSIST', 'h', 'FIELDS', '2', 'b', 'x'], ints(1, -2));
      // 7.4 pre-sizes a hashtable when one HSET brings more pairs than a listpack holds.
      await is(['HSET', 'dup', 'a', '1', 'a', '2', 'a', '3', 'a', '4', 'a', '5'], ':1\r\n');
      await is(['OBJECT', 'ENCODING', 'dup'], '$9\r\nhashtable\r\n');
      await is(['CONFIG', 'SET', 'hash-max-listpack-entries', '512'], '+OK\r\n');
    });

    it('expired fields vanish from every read; the active cycle deletes a hash left empty', async () => {
      await is(['FLUSHALL'], '+OK\r\n');
      await is(['HSET', 'e', 'gone', 'x', 'stay', 'y'], ':2\r\n');
      await is(['HPEXPIRE', 'e', '30', 'FIELDS', '1', 'gone'], ints(1));
      await waitFor(async () => (await text(['HEXISTS', 'e', 'gone'])) === ':0\r\n', 'the field to expire');
      await is(['HLEN', 'e'], ':1\r\n');
      await is(['HGETALL', 'e'], bulkArray('stay', 'y'));
      await is(['HRANDFIELD', 'e', '-5'], bulkArray('stay', 'stay', 'stay', 'stay', 'stay'));
      await is(['HSCAN', 'e', '0'], `*2\r\n$1\r\n0\r\n${bulkArray('stay', 'y')}`);
      await is(['HTTL', 'e', 'FIELDS', '1', 'gone'], ints(-2));
      // A big (hashtable) hash.
      const kv: string[] = [];
      for (let i = 0; i < 600; i++) kv.push(`f${i}`, `v${i}`);
      await is(['HSET', 'big', ...kv], ':600\r\n');
      await is(['HPEXPIRE', 'big', '30', 'FIELDS', '3', 'f1', 'f2', 'f3'], ints(1, 1, 1));
      await waitFor(async () => (await text(['HLEN', 'big'])) === ':597\r\n', 'three fields of a big hash to expire');
      await is(['HMGET', 'big', 'f1', 'f4'], '*2\r\n$-1\r\n$2\r\nv4\r\n');
      // Only the active cycle can delete these (EXISTS and DBSIZE do not look inside hashes).
      await is(['HSET', 'act', 'a', '1', 'b', '2'], ':2\r\n');
      await is(['HSET', 'actbig', ...kv], ':600\r\n');
      await is(['HPEXPIRE', 'act', '20', 'FIELDS', '2', 'a', 'b'], ints(1, 1));
      await is(['HPEXPIRE', 'actbig', '20', 'FIELDS', '600', ...kv.filter((_, i) => i % 2 === 0)], ints(...new Array(600).fill(1)));
      await waitFor(async () => (await text(['EXISTS', 'act', 'actbig'])) === ':0\r\n', 'the active cycle to delete emptied hashes');
      await is(['DBSIZE'], ':2\r\n');
    });

    it('field deadlines survive RENAME and COPY (across shards), and keep expiring there', async () => {
      await is(['FLUSHALL'], '+OK\r\n');
      const [src, dst] = keysOnTwoShards(threads, 'mv');
      await is(['HSET', src, 'a', '1', 'b', '2'], ':2\r\n');
      await is(['HPEXPIREAT', src, String(FAR), 'FIELDS', '1', 'a'], ints(1));
      await is(['COPY', src, `${dst}copy`], ':1\r\n');
      await is(['RENAME', src, dst], '+OK\r\n');
      await is(['HPEXPIRETIME', dst, 'FIELDS', '2', 'a', 'b'], ints(FAR, -1));
      await is(['HPEXPIRETIME', `${dst}copy`, 'FIELDS', '2', 'a', 'b'], ints(FAR, -1));
      await is(['OBJECT', 'ENCODING', dst], '$10\r\nlistpackex\r\n');
      await is(['HPEXPIRE', dst, '20', 'FIELDS', '2', 'a', 'b'], ints(1, 1));
      await waitFor(async () => (await text(['EXISTS', dst])) === ':0\r\n', 'the renamed hash to expire');
      await is(['HGETALL', `${dst}copy`], bulkArray('a', '1', 'b', '2'));
    });

    it('WATCH: a field deadline set or removed, a field deleted or reclaimed is a change; the rest is not', async () => {
      const { c } = suite;
      const b = await RawClient.connect(suite.server.port);
      const CHANGED = '*-1\r\n';
      const UNCHANGED = '*1\r\n+PONG\r\n';
      /** Client c watches h, b runs cmds (their replies checked), c's MULTI PING EXEC answers. */
      const execAfter = async (cmds: [Arg[], string][]): Promise<string> => {
        await is(['WATCH', 'h'], '+OK\r\n');
        for (const [cmd, want] of cmds) assert.equal((await b.call(cmd)).toString('latin1'), want, cmd.join(' '));
        await is(['MULTI'], '+OK\r\n');
        await is(['PING'], '+QUEUED\r\n');
        return (await c.call(['EXEC'])).toString('latin1');
      };
      try {
        await is(['FLUSHALL'], '+OK\r\n');
        await is(['HSET', 'h', 'f1', 'v', 'f2', 'v', 'f3', 'v', 'f4', 'v'], ':4\r\n');
        assert.equal(await execAfter([[['HEXPIRE', 'h', '100', 'FIELDS', '1', 'ghost'], ints(-2)]]), UNCHANGED, 'no such field');
        assert.equal(await execAfter([[['HEXPIRE', 'h', '100', 'FIELDS', '1', 'f1'], ints(1)]]), CHANGED, 'a deadline set');
        assert.equal(
          await execAfter([
            [['HEXPIRE', 'h', '200', 'NX', 'FIELDS', '1', 'f1'], ints(0)],
            [['HEXPIRE', 'h', '200', 'XX', 'FIELDS', '1', 'f2'], ints(0)],
            [['HEXPIRE', 'h', '200', 'GT', 'FIELDS', '1', 'f2'], ints(0)],
            [['HEXPIRE', 'h', '200', 'LT', 'FIELDS', '1', 'f1'], ints(0)],
          ]),
          UNCHANGED,
          'conditions not met',
        );
        assert.equal(
          await execAfter([
            [['HPERSIST', 'h', 'FIELDS', '2', 'f2', 'ghost'], ints(-1, -2)],
            [['HTTL', 'h', 'FIELDS', '2', 'f1', 'f2'], ints(100, -1)],
            [['HPEXPIRETIME', 'h', 'FIELDS', '1', 'ghost'], ints(-2)],
          ]),
          UNCHANGED,
          'HPERSIST of fields without deadlines, and reads',
        );
        assert.equal(await execAfter([[['HPERSIST', 'h', 'FIELDS', '2', 'f2', 'f1'], ints(-1, 1)]]), CHANGED, 'a deadline removed');
        assert.equal(await execAfter([[['HPEXPIREAT', 'h', '1000', 'FIELDS', '2', 'ghost', 'f3'], ints(-2, 2)]]), CHANGED, 'a field deleted by a past deadline');
        // A field whose deadline passes while watched: reclaimed by the active cycle or by the next
        // access (here b's HGET of another field), a change either way. The clock key's deadline is
        // not before the field's, so once it expired the field has too.
        await is(['HPEXPIRE', 'h', '300', 'FIELDS', '1', 'f1'], ints(1));
        assert.equal(await b.callText(['SET', 'clock', 'v', 'PX', '300']), '+OK\r\n');
        await is(['WATCH', 'h'], '+OK\r\n');
        await waitFor(async () => (await b.callText(['PTTL', 'clock'])) === ':-2\r\n', 'the clock key to expire');
        assert.equal(await b.callText(['HGET', 'h', 'f2']), '$1\r\nv\r\n');
        await is(['MULTI'], '+OK\r\n');
        await is(['PING'], '+QUEUED\r\n');
        await is(['EXEC'], CHANGED, 'a field reclaimed after its deadline');
        await is(['HKEYS', 'h'], bulkArray('f2', 'f4'));
      } finally {
        b.close();
      }
    });

    it('HSCAN NOVALUES (7.4)', async () => {
      await is(['FLUSHALL'], '+OK\r\n');
      await is(['HSET', 'h', 'f1', 'v1', 'f2', 'v2', 'g', 'w'], ':3\r\n');
      await is(['HSCAN', 'h', '0', 'NOVALUES'], `*2\r\n$1\r\n0\r\n${bulkArray('f1', 'f2', 'g')}`);
      await is(['HSCAN', 'h', '0', 'MATCH', 'f*', 'novalues', 'COUNT', '5'], `*2\r\n$1\r\n0\r\n${bulkArray('f1', 'f2')}`);
      await is(['SADD', 's', 'a'], ':1\r\n');
      await is(['SSCAN', 's', '0', 'NOVALUES'], '-ERR syntax error\r\n');
      const kv: string[] = [];
      for (let i = 0; i < 600; i++) kv.push(`k${i}`, `v${i}`);
      await is(['HSET', 'big', ...kv], ':600\r\n');
      const seen = new Set<string>();
      let cursor = '0';
      do {
        const r = await text(['HSCAN', 'big', cursor, 'NOVALUES', 'COUNT', '50']);
        const parts = r.split('\r\n').filter((l) => !/^[*$]/.test(l) && l !== '');
        cursor = parts[0];
        for (const f of parts.slice(1)) {
          assert.match(f, /^k\d+$/, 'fields only');
          seen.add(f);
        }
      } while (cursor !== '0');
      assert.equal(seen.size, 600);
    });
  });
}
