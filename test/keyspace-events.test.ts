// Keyspace notifications against redis-server 7.0.15: for each family a sequence of writes with
// notify-keyspace-events KEA and a `PSUBSCRIBE __key*__:*` subscriber; the messages it receives must
// be Redis's, byte for byte and in order (RESP2 and RESP3 subscribers, 1 and 2 threads). Every
// sequence uses one hash tag, so its keys are on one shard and its order is defined; the two tags
// used sit on different shards at 2 threads, so events reach the subscriber both from its own thread
// and across the rings. A sequence ends with SET {tag}end: its keyevent message is the last one
// (same shard, same ring: no sleeps, the event is the synchronisation).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import {
  RawClient, REDIS_AVAILABLE, SKIP_NO_REDIS, show, startDamselfly, startRedis, stopChecked, waitFor, type Arg, type ServerHandle,
} from './harness.ts';

/** {a} is on shard 1 and {b} on shard 0 at two threads (CRC16 mod 16384, then mod 2). */
const TAGS = ['a', 'b'];

type Sequence = (t: string) => Arg[][];

const SEQUENCES: Record<string, Sequence> = {
  strings: (t) => [
    ['SET', `{${t}}s`, 'v'], ['SET', `{${t}}s`, 'v', 'EX', '100'], ['SET', `{${t}}s`, 'w', 'KEEPTTL'], ['APPEND', `{${t}}s`, 'x'],
    ['INCR', `{${t}}n`], ['DECRBY', `{${t}}n`, '3'], ['INCRBYFLOAT', `{${t}}n`, '1.5'], ['SETRANGE', `{${t}}s`, '1', 'zz'],
    ['SETRANGE', `{${t}}s`, '1', ''], ['GETDEL', `{${t}}s`], ['MSET', `{${t}}m1`, 'a', `{${t}}m2`, 'b'], ['GETEX', `{${t}}m1`, 'EX', '100'],
    ['GETEX', `{${t}}m1`, 'PERSIST'], ['GETEX', `{${t}}m1`, 'PERSIST'], ['GETEX', `{${t}}m2`, 'PXAT', '1'], ['SETNX', `{${t}}m1`, 'x'],
    ['GETSET', `{${t}}m1`, 'y'], ['MSETNX', `{${t}}m3`, 'a', `{${t}}m4`, 'b'], ['SETEX', `{${t}}m5`, '10', 'v'], ['PSETEX', `{${t}}m6`, '10000', 'v'],
    ['SET', `{${t}}m7`, 'v', 'NX'], ['SET', `{${t}}m7`, 'v', 'NX'],
  ],
  keyspace: (t) => [
    ['SET', `{${t}}k`, '1'], ['EXPIRE', `{${t}}k`, '100'], ['PERSIST', `{${t}}k`], ['PERSIST', `{${t}}k`], ['RENAME', `{${t}}k`, `{${t}}k2`],
    ['RENAMENX', `{${t}}k2`, `{${t}}k6`], ['COPY', `{${t}}k6`, `{${t}}k3`], ['COPY', `{${t}}k6`, `{${t}}k3`, 'DB', '1'], ['MOVE', `{${t}}k3`, '1'],
    ['SET', `{${t}}k3`, '1'], ['MOVE', `{${t}}k3`, '2'], ['DEL', `{${t}}k6`, `{${t}}nokey`], ['SET', `{${t}}k4`, '1'],
    ['PEXPIREAT', `{${t}}k4`, '1'], ['SET', `{${t}}k5`, '1'], ['UNLINK', `{${t}}k5`], ['EXPIRE', `{${t}}nokey`, '10'],
  ],
  lists: (t) => [
    ['RPUSH', `{${t}}l`, 'a', 'b', 'c'], ['LPUSH', `{${t}}l`, 'z'], ['LPUSHX', `{${t}}l`, 'y'], ['RPUSHX', `{${t}}nol`, 'y'],
    ['LINSERT', `{${t}}l`, 'BEFORE', 'a', 'q'], ['LINSERT', `{${t}}l`, 'BEFORE', 'nope', 'q'], ['LSET', `{${t}}l`, '0', 'w'], ['LREM', `{${t}}l`, '1', 'q'],
    ['LTRIM', `{${t}}l`, '0', '3'], ['LPOP', `{${t}}l`], ['RPOP', `{${t}}l`, '1'], ['LMOVE', `{${t}}l`, `{${t}}l2`, 'LEFT', 'RIGHT'],
    ['RPOPLPUSH', `{${t}}l2`, `{${t}}l`], ['LMPOP', '2', `{${t}}nol`, `{${t}}l`, 'LEFT', 'COUNT', '10'], ['RPUSH', `{${t}}l3`, 'a'],
    ['LMOVE', `{${t}}l3`, `{${t}}l4`, 'LEFT', 'LEFT'], ['BLPOP', `{${t}}l4`, '1'], ['RPUSH', `{${t}}l5`, 'a', 'b'], ['LTRIM', `{${t}}l5`, '5', '6'],
  ],
  hashes: (t) => [
    ['HSET', `{${t}}h`, 'a', '1', 'b', '2'], ['HSET', `{${t}}h`, 'a', '1'], ['HSETNX', `{${t}}h`, 'c', '3'], ['HSETNX', `{${t}}h`, 'c', '3'],
    ['HINCRBY', `{${t}}h`, 'a', '5'], ['HINCRBYFLOAT', `{${t}}h`, 'a', '1.5'], ['HDEL', `{${t}}h`, 'a', 'zz'], ['HDEL', `{${t}}h`, 'zz'],
    ['HMSET', `{${t}}h`, 'd', '4'], ['HDEL', `{${t}}h`, 'b', 'c', 'd'],
  ],
  sets: (t) => [
    ['SADD', `{${t}}s1`, 'a', 'b', 'c'], ['SADD', `{${t}}s1`, 'a'], ['SREM', `{${t}}s1`, 'a'], ['SMOVE', `{${t}}s1`, `{${t}}s2`, 'b'],
    ['SPOP', `{${t}}s1`], ['SADD', `{${t}}s3`, 'x', 'y'], ['SINTERSTORE', `{${t}}d`, `{${t}}s2`, `{${t}}s3`],
    ['SUNIONSTORE', `{${t}}d`, `{${t}}s2`, `{${t}}s3`], ['SDIFFSTORE', `{${t}}d`, `{${t}}s3`, `{${t}}s2`], ['SINTERSTORE', `{${t}}d`, `{${t}}s2`, `{${t}}s3`],
    ['SPOP', `{${t}}s3`, '5'], ['SADD', `{${t}}s4`, 'a', 'b', 'c'], ['SPOP', `{${t}}s4`, '1'], ['SADD', `{${t}}s5`, 'b'], ['SMOVE', `{${t}}s2`, `{${t}}s5`, 'b'],
  ],
  zsets: (t) => [
    ['ZADD', `{${t}}z`, '1', 'a', '2', 'b', '3', 'c'], ['ZADD', `{${t}}z`, '1', 'a'], ['ZINCRBY', `{${t}}z`, '1', 'a'],
    ['ZADD', `{${t}}z`, 'XX', '5', 'nothere'], ['ZADD', `{${t}}z`, 'INCR', '2', 'b'], ['ZREM', `{${t}}z`, 'a', 'zz'], ['ZADD', `{${t}}z`, '4', 'd', '5', 'e'],
    ['ZREMRANGEBYRANK', `{${t}}z`, '0', '0'], ['ZREMRANGEBYSCORE', `{${t}}z`, '3', '3'], ['ZREMRANGEBYLEX', `{${t}}z`, '[x', '[y'],
    ['ZPOPMIN', `{${t}}z`], ['ZPOPMAX', `{${t}}z`, '5'], ['ZADD', `{${t}}z1`, '1', 'a', '2', 'b'], ['ZADD', `{${t}}z2`, '1', 'b', '3', 'c'],
    ['ZUNIONSTORE', `{${t}}zd`, '2', `{${t}}z1`, `{${t}}z2`], ['ZINTERSTORE', `{${t}}zd`, '2', `{${t}}z1`, `{${t}}z2`],
    ['ZDIFFSTORE', `{${t}}zd`, '2', `{${t}}z1`, `{${t}}z2`], ['ZRANGESTORE', `{${t}}zr`, `{${t}}z1`, '0', '-1'],
    ['ZRANGESTORE', `{${t}}zr`, `{${t}}z1`, '5', '6'], ['ZINTERSTORE', `{${t}}zd`, '2', `{${t}}z1`, `{${t}}nokey`],
    ['ZMPOP', '1', `{${t}}z1`, 'MIN', 'COUNT', '5'], ['BZPOPMAX', `{${t}}z2`, '1'],
  ],
  streams: (t) => [
    ['XADD', `{${t}}x`, '1-1', 'f', 'v'], ['XADD', `{${t}}x`, 'MAXLEN', '1', '2-1', 'f', 'v'], ['XTRIM', `{${t}}x`, 'MAXLEN', '0'],
    ['XTRIM', `{${t}}x`, 'MAXLEN', '0'], ['XADD', `{${t}}x`, '3-1', 'f', 'v'], ['XDEL', `{${t}}x`, '3-1', '9-9'], ['XSETID', `{${t}}x`, '5-0'],
    ['XGROUP', 'CREATE', `{${t}}x`, 'g', '$'], ['XGROUP', 'CREATE', `{${t}}x2`, 'g', '$', 'MKSTREAM'], ['XGROUP', 'CREATECONSUMER', `{${t}}x`, 'g', 'c1'],
    ['XADD', `{${t}}x`, 'NOMKSTREAM', '6-0', 'a', 'b'], ['XREADGROUP', 'GROUP', 'g', 'c2', 'STREAMS', `{${t}}x`, '>'],
    ['XCLAIM', `{${t}}x`, 'g', 'c3', '0', '6-0'], ['XGROUP', 'DELCONSUMER', `{${t}}x`, 'g', 'c1'], ['XGROUP', 'SETID', `{${t}}x`, 'g', '0'],
    ['XGROUP', 'DESTROY', `{${t}}x`, 'g'], ['XGROUP', 'DESTROY', `{${t}}x`, 'g'],
  ],
  'bitmaps, HyperLogLog, geo, SORT': (t) => [
    ['SETBIT', `{${t}}b`, '7', '1'], ['SETBIT', `{${t}}b`, '7', '1'], ['BITFIELD', `{${t}}b`, 'SET', 'u8', '0', '255'], ['BITFIELD', `{${t}}b`, 'GET', 'u8', '0'],
    ['BITOP', 'NOT', `{${t}}bd`, `{${t}}b`], ['BITOP', 'AND', `{${t}}bd`, `{${t}}nokey`], ['PFADD', `{${t}}p`, 'a', 'b'], ['PFADD', `{${t}}p`, 'a'],
    ['PFMERGE', `{${t}}p2`, `{${t}}p`], ['GEOADD', `{${t}}g`, '13.361389', '38.115556', 'palermo', '15.087269', '37.502669', 'catania'],
    ['GEOSEARCHSTORE', `{${t}}gd`, `{${t}}g`, 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km'],
    ['GEORADIUS', `{${t}}g`, '15', '37', '200', 'km', 'STORE', `{${t}}gd2`], ['GEOSEARCHSTORE', `{${t}}gd`, `{${t}}g`, 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km'],
    ['RPUSH', `{${t}}sl`, '3', '1', '2'], ['SORT', `{${t}}sl`, 'STORE', `{${t}}sd`], ['SORT', `{${t}}nokey`, 'STORE', `{${t}}sd`],
  ],
  'MULTI/EXEC': (t) => [
    ['MULTI'], ['SET', `{${t}}t`, '1'], ['LPUSH', `{${t}}tl`, 'a'], ['DEL', `{${t}}t`], ['RPOP', `{${t}}tl`], ['EXEC'],
  ],
};

/** Runs a sequence and returns the pushes a `PSUBSCRIBE __key*__:*` subscriber got, as shown text. */
async function eventsOf(port: number, resp3: boolean, t: string, seq: Arg[][], classes = 'KEA', pattern = '__key*__:*'): Promise<string[]> {
  const cmd = await RawClient.connect(port);
  const sub = await RawClient.connect(port);
  try {
    await cmd.call(['FLUSHALL']);
    await cmd.call(['CONFIG', 'SET', 'notify-keyspace-events', classes]);
    if (resp3) await sub.call(['HELLO', '3']);
    await sub.call(['PSUBSCRIBE', pattern]);
    for (const c of seq) await cmd.call(c);
    const endKey = `{${t}}end`;
    await cmd.call(['SET', endKey, '1']);
    await cmd.call(['CONFIG', 'SET', 'notify-keyspace-events', '']);
    // The end marker's last message: its keyevent one when E is on, else its keyspace one.
    const endChannel = classes.includes('E') ? '__keyevent@0__:set' : `__keyspace@0__:${endKey}`;
    const got: string[] = [];
    for (;;) {
      const m = await sub.readReply(10_000);
      const text = m.toString('latin1');
      if (text.includes(endChannel) && text.includes(endKey)) return got;
      got.push(show(m));
    }
  } finally {
    cmd.close();
    sub.close();
  }
}

const THREADS = [1, 2];

describe('keyspace notifications match Redis', { skip: !REDIS_AVAILABLE && SKIP_NO_REDIS }, () => {
  let redis: ServerHandle;
  const dfly = new Map<number, ServerHandle>();

  before(async () => {
    const started = await Promise.all([startRedis(), ...THREADS.map((threads) => startDamselfly({ threads }))]);
    redis = started[0];
    THREADS.forEach((n, i) => dfly.set(n, started[i + 1]));
  });

  after(async () => {
    await redis?.stop();
    for (const h of dfly.values()) await stopChecked(h);
  });

  for (const n of THREADS) {
    for (const resp3 of [false, true]) {
      describe(`threads=${n} ${resp3 ? 'RESP3' : 'RESP2'}`, () => {
        for (const [name, seq] of Object.entries(SEQUENCES)) {
          it(name, async () => {
            for (const t of n === 1 ? TAGS.slice(0, 1) : TAGS) {
              const want = await eventsOf(redis.port, resp3, t, seq(t));
              assert.ok(want.length > 0, 'Redis sent events');
              assert.deepEqual(await eventsOf(dfly.get(n)!.port, resp3, t, seq(t)), want, `tag {${t}}`);
            }
          });
        }
      });
    }
  }

  describe('classes', () => {
    const cases: [string, string, Sequence][] = [
      ['K only', 'Kg$', (t) => [['SET', `{${t}}k`, 'v'], ['DEL', `{${t}}k`], ['LPUSH', `{${t}}l`, 'a']]],
      ['E only', 'El', (t) => [['SET', `{${t}}k`, 'v'], ['LPUSH', `{${t}}l`, 'a'], ['DEL', `{${t}}l`]]],
      ['key misses (m, not in A)', 'KEAm', (t) => [['GET', `{${t}}nokey`], ['SET', `{${t}}k`, 'v'], ['GET', `{${t}}k`], ['HGET', `{${t}}h`, 'f']]],
      ['new keys (n, not in A)', 'KEn', (t) => [
        ['SET', `{${t}}k`, 'v'], ['SET', `{${t}}k`, 'w'], ['LPUSH', `{${t}}l`, 'a'], ['SADD', `{${t}}s`, 'a'], ['RENAME', `{${t}}k`, `{${t}}l`],
        ['COPY', `{${t}}l`, `{${t}}s`, 'REPLACE'], ['COPY', `{${t}}l`, `{${t}}c`], ['MOVE', `{${t}}c`, '1'], ['MSET', `{${t}}m`, '1', `{${t}}s`, '2'],
      ]],
      ['type classes filter', 'KEhz', (t) => [['SET', `{${t}}k`, 'v'], ['HSET', `{${t}}h`, 'a', '1'], ['ZADD', `{${t}}z`, '1', 'a'], ['DEL', `{${t}}h`]]],
    ];
    for (const [name, classes, seq] of cases) {
      it(name, async () => {
        for (const n of THREADS) {
          for (const t of TAGS) {
            // The end marker is a string SET: give the sequence's classes '$' so it is seen.
            const want = await eventsOf(redis.port, false, t, seq(t), `${classes}$`);
            assert.deepEqual(await eventsOf(dfly.get(n)!.port, false, t, seq(t), `${classes}$`), want, `threads=${n} tag {${t}}`);
          }
        }
      });
    }
  });

  it('CONFIG SET/GET notify-keyspace-events: canonical form and errors as Redis', async () => {
    const values = ['', 'KEA', 'AKE', 'A', 'g$lshzxetd', 'Ag', 'KEAmn', 'Em', 'n', 'xE', 'KEg$lshzxeAtdmn', 'Q', 'KEa'];
    for (const n of THREADS) {
      const r = await RawClient.connect(redis.port);
      const d = await RawClient.connect(dfly.get(n)!.port);
      try {
        for (const v of values) {
          const set = ['CONFIG', 'SET', 'notify-keyspace-events', v];
          assert.equal(show(await d.call(set)), show(await r.call(set)), `set ${v}`);
          const get = ['CONFIG', 'GET', 'notify-keyspace-events'];
          assert.equal(show(await d.call(get)), show(await r.call(get)), `get after ${v}`);
        }
        await r.call(['CONFIG', 'SET', 'notify-keyspace-events', '']);
        await d.call(['CONFIG', 'SET', 'notify-keyspace-events', '']);
      } finally {
        r.close();
        d.close();
      }
    }
  });

  it('a blocked BLPOP served by a push: rpush, lpop, del as Redis (1 and 2 threads)', async () => {
    const run = async (port: number): Promise<string[]> => {
      const cmd = await RawClient.connect(port);
      const blocked = await RawClient.connect(port);
      const sub = await RawClient.connect(port);
      try {
        await cmd.call(['FLUSHALL']);
        await cmd.call(['CONFIG', 'SET', 'notify-keyspace-events', 'KEA']);
        await sub.call(['PSUBSCRIBE', '__key*__:*']);
        blocked.send(['BLPOP', '{a}bq', '0']);
        await waitFor(async () => (await cmd.call(['INFO', 'clients'])).toString().includes('blocked_clients:1'), 'the BLPOP to block');
        await cmd.call(['RPUSH', '{a}bq', 'x']);
        await blocked.readReply();
        await cmd.call(['SET', '{a}end', '1']);
        await cmd.call(['CONFIG', 'SET', 'notify-keyspace-events', '']);
        const got: string[] = [];
        for (;;) {
          const m = await sub.readReply(10_000);
          if (m.toString('latin1').includes('__keyevent@0__:set')) return got;
          got.push(show(m));
        }
      } finally {
        cmd.close();
        blocked.close();
        sub.close();
      }
    };
    const want = await run(redis.port);
    for (const n of THREADS) assert.deepEqual(await run(dfly.get(n)!.port), want, `threads=${n}`);
  });

  it('across shards (2 threads): RENAME, COPY and SUNIONSTORE raise each event on its key\'s shard', async () => {
    const seq: Arg[][] = [
      ['SET', '{a}src', 'v'], ['RENAME', '{a}src', '{b}dst'], ['COPY', '{b}dst', '{a}copy'], ['SADD', '{a}s', 'x'], ['SADD', '{b}s', 'y'],
      ['SUNIONSTORE', '{a}u', '{a}s', '{b}s'], ['SINTERSTORE', '{a}u', '{a}s', '{b}s'],
    ];
    // Events of two shards have no order between them: compare each key's own sequence.
    const perKey = (events: string[]): Record<string, string[]> => {
      const out: Record<string, string[]> = {};
      for (const e of events) {
        const m = /__keyspace@0__:(\{[ab]\}\w+)\\r\\n\$\d+\\r\\n(\w+)/.exec(e);
        if (m !== null) (out[m[1]] ??= []).push(m[2]);
      }
      return out;
    };
    const want = perKey(await eventsOf(redis.port, false, 'a', seq));
    assert.ok(Object.keys(want).length >= 5);
    assert.deepEqual(perKey(await eventsOf(dfly.get(2)!.port, false, 'a', seq)), want);
  });

  it('stock clients consume keyspace events: ioredis (RESP2) and node-redis (RESP3), across threads', async () => {
    const port = dfly.get(2)!.port;
    const io = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    io.on('error', () => {});
    const nr = createClient({ socket: { port, host: '127.0.0.1', reconnectStrategy: false }, RESP: 3 });
    nr.on('error', () => {});
    const writer = await RawClient.connect(port);
    try {
      await io.connect();
      await nr.connect();
      await writer.call(['CONFIG', 'SET', 'notify-keyspace-events', 'KEA']);
      const ioGot: string[] = [];
      const nrGot: string[] = [];
      io.on('pmessage', (_p: string, channel: string, message: string) => ioGot.push(`${channel} ${message}`));
      await io.psubscribe('__keyevent@0__:*');
      await nr.pSubscribe('__keyspace@0__:*', (message: string, channel: string) => nrGot.push(`${channel} ${message}`));
      // Keys on both shards: one of them is on the other thread for each subscriber.
      for (const t of TAGS) {
        await writer.call(['SET', `{${t}}job`, '1']);
        await writer.call(['LPUSH', `{${t}}queue`, 'x']);
        await writer.call(['DEL', `{${t}}job`]);
      }
      await writer.call(['SET', '{a}end', '1']);
      await writer.call(['SET', '{b}end', '1']);
      await waitFor(() => ioGot.length >= 8 && nrGot.length >= 8, 'the events to arrive');
      const want = (f: (t: string) => string[]): string[] => TAGS.flatMap(f);
      assert.deepEqual(ioGot.filter((e) => !e.includes('end')).sort(), want((t) => [`__keyevent@0__:set {${t}}job`, `__keyevent@0__:lpush {${t}}queue`, `__keyevent@0__:del {${t}}job`]).sort());
      assert.deepEqual(nrGot.filter((e) => !e.includes('end')).sort(), want((t) => [`__keyspace@0__:{${t}}job set`, `__keyspace@0__:{${t}}queue lpush`, `__keyspace@0__:{${t}}job del`]).sort());
    } finally {
      await writer.call(['CONFIG', 'SET', 'notify-keyspace-events', '']);
      writer.close();
      io.disconnect();
      await nr.disconnect().catch(() => {});
    }
  });

  it('expired: the active cycle raises it, on every thread (the event is the wait)', async () => {
    for (const n of THREADS) {
      for (const t of TAGS) {
        const seq: Arg[][] = [['SET', `{${t}}e`, '1', 'PX', '1'], ['SET', `{${t}}e2`, '1'], ['PEXPIRE', `{${t}}e2`, '1']];
        const port = dfly.get(n)!.port;
        const cmd = await RawClient.connect(port);
        const sub = await RawClient.connect(port);
        try {
          await cmd.call(['CONFIG', 'SET', 'notify-keyspace-events', 'Ex']);
          await sub.call(['SUBSCRIBE', '__keyevent@0__:expired']);
          for (const c of seq) await cmd.call(c);
          const keys = new Set<string>();
          while (keys.size < 2) {
            const m = (await sub.readReply(10_000)).toString('latin1');
            keys.add(m.slice(m.lastIndexOf('\r\n', m.length - 3) + 2, -2));
          }
          assert.deepEqual([...keys].sort(), [`{${t}}e`, `{${t}}e2`]);
        } finally {
          await cmd.call(['CONFIG', 'SET', 'notify-keyspace-events', '']);
          cmd.close();
          sub.close();
        }
      }
    }
  });

  it('evicted: keys evicted at maxmemory are announced (Damselfly, allkeys-random)', async () => {
    const d = await startDamselfly({ threads: 2, args: ['--maxmemory_policy=allkeys-random'] });
    const cmd = await RawClient.connect(d.port);
    const sub = await RawClient.connect(d.port);
    try {
      await cmd.call(['CONFIG', 'SET', 'notify-keyspace-events', 'Ee']);
      await sub.call(['SUBSCRIBE', '__keyevent@0__:evicted']);
      const value = 'x'.repeat(1000);
      for (let i = 0; i < 400; i++) await cmd.call(['SET', `k${i}`, value]);
      await cmd.call(['CONFIG', 'SET', 'maxmemory', '100kb']);
      for (let i = 400; i < 420; i++) await cmd.call(['SET', `k${i}`, value]);
      const m = (await sub.readReply(10_000)).toString('latin1');
      const key = m.slice(m.lastIndexOf('\r\n', m.length - 3) + 2, -2);
      assert.match(key, /^k\d+$/);
      assert.equal((await cmd.call(['EXISTS', key])).toString(), ':0\r\n', 'the evicted key is gone');
    } finally {
      cmd.close();
      sub.close();
      await stopChecked(d);
    }
  });
});
