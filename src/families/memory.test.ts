// Memory accounting and maxmemory: the report and doctor logic on synthetic figures; MEMORY, OBJECT
// FREQ/IDLETIME and the maxmemory CONFIG parameters against a real redis-server (byte-exact errors
// and texts, the shape of MEMORY STATS and INFO memory); MEMORY USAGE per type on 1 and 3 shard
// threads; and, with a small --maxmemory and noeviction, the -OOM gate: denyoom commands refused
// while reads and deletes work, inside MULTI too, lifted by DEL or a higher limit.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { totalmem } from 'node:os';
import { REDIS_AVAILABLE, SKIP_NO_REDIS, RawClient, differ, startDamselfly, startRedis, stopChecked, type Arg, type ServerHandle } from '../../test/harness.ts';
import { elements } from '../../test/reply-normalizers.ts';
import { shardOfKey } from '../runtime/slots.ts';
import { AUTO_MAXMEMORY_PERCENT, EVICTION_POLICIES } from '../config/params.ts';
import { doctorReport, memoryReport, type MemorySnapshot } from './memory.ts';

const OOM = "-OOM command not allowed when used memory > 'maxmemory'.\r\n";
const MB = 1024 * 1024;

function snap(over: Partial<MemorySnapshot>): MemorySnapshot {
  return { startup: 0, used: 0, peak: 0, allocated: 0, active: 0, resident: 0, clientMem: 0, clients: 1, dbs: [], ...over };
}

describe('memory report and doctor (synthetic figures)', () => {
  it('sums the shards: totals, peaks, per-db overhead, dataset and ratios', () => {
    const r = memoryReport(
      [
        snap({ used: 6000, peak: 9000, allocated: 100, active: 150, resident: 200, clientMem: 10, dbs: [[0, 10, 480], [2, 1, 48]] }),
        snap({ used: 4000, peak: 4000, allocated: 100, active: 50, resident: 100, clientMem: 5, dbs: [[0, 5, 240]] }),
      ],
      600,
    );
    // used_memory = startup + data + client buffers; the overhead is startup + client buffers + tables.
    assert.equal(r.startup, 0);
    assert.equal(r.total, 10015);
    assert.equal(r.peak, 13015);
    assert.deepEqual(r.dbs, [[0, 15, 720, 0], [2, 1, 48, 0]]);
    assert.equal(r.overhead, 768 + 15);
    assert.equal(r.dataset, 10000 - 768);
    assert.equal(r.keys, 16);
    assert.equal(r.bytesPerKey, Math.floor(10015 / 16));
    assert.equal(r.clientsNormal, 15);
    assert.equal(r.clients, 2);
    assert.equal(r.allocFrag, Math.fround(200 / 200));
    assert.equal(r.allocRss, Math.fround(300 / 200));
    assert.equal(r.rssExtra, Math.fround(600 / 300));
    assert.equal(r.frag, Math.fround(600 / 10015));
    assert.equal(r.fragBytes, 600 - 10015);
    assert.equal(r.datasetPerc, Math.fround(((10000 - 768) * 100) / 10015));
    assert.equal(r.peakPerc, Math.fround((10015 * 100) / 13015));
  });

  it('the startup heap is part of used_memory and of the overhead, not of the dataset', () => {
    const r = memoryReport([snap({ startup: 5000, used: 1000, peak: 1000, dbs: [[0, 2, 100]] }), snap({ startup: 4000, used: 0, peak: 0 })], 20000);
    assert.equal(r.startup, 9000);
    assert.equal(r.total, 10000);
    assert.equal(r.overhead, 9100);
    assert.equal(r.dataset, 900);
    assert.equal(r.bytesPerKey, Math.floor(1000 / 2));
    assert.equal(r.datasetPerc, Math.fround((900 * 100) / 1000));
    assert.equal(r.frag, Math.fround(20000 / 10000));
  });

  it('an empty server: no division by zero anywhere', () => {
    const r = memoryReport([snap({})], 1000);
    for (const v of [r.datasetPerc, r.peakPerc, r.frag, r.allocFrag, r.allocRss, r.rssExtra, r.bytesPerKey]) assert.ok(Number.isFinite(v));
    assert.equal(r.peakPerc, 100);
  });

  it('picks Redis\'s report from the figures', () => {
    const empty = doctorReport(memoryReport([snap({ used: 4 * MB, peak: 4 * MB })], 4 * MB));
    assert.match(empty, /^Hi Sam, this instance is empty or is using very little memory/);
    // Everything in proportion: no issue.
    const fine = doctorReport(memoryReport([snap({ used: 100 * MB, peak: 100 * MB, allocated: 100 * MB, active: 100 * MB, resident: 100 * MB })], 100 * MB));
    assert.equal(fine, "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n");
    // A big peak and an RSS far above the data: those two reports, in Redis's order.
    const sick = doctorReport(memoryReport([snap({ used: 20 * MB, peak: 40 * MB, allocated: 100 * MB, active: 100 * MB, resident: 100 * MB })], 100 * MB));
    assert.ok(sick.startsWith('Sam, I detected a few issues in this Redis instance memory implants:\n\n * Peak memory: '), sick);
    assert.ok(sick.includes('\n\n * High total RSS: '));
    assert.ok(sick.includes('Note: The currently used allocator is "v8".'));
    assert.ok(!sick.includes('High allocator') && !sick.includes('High process RSS') && !sick.includes('Big client buffers'));
    assert.ok(sick.endsWith("\n\nI'm here to keep you safe, Sam. I want to help you.\n"));
    // Client buffers over 200K each on average.
    const buffers = doctorReport(memoryReport([snap({ used: 100 * MB, peak: 100 * MB, allocated: 100 * MB, active: 100 * MB, resident: 100 * MB, clientMem: 3 * MB, clients: 2 })], 100 * MB));
    assert.match(buffers, /^Sam, I detected a few issues.*\n\n \* Big client buffers: /s);
  });
});

/** A reply's structure: scalars reduced to their type byte; aggregates (maps, flat or not) to [key, shape] pairs. */
function shape(b: Buffer): unknown {
  const t = String.fromCharCode(b[0]);
  if (t !== '*' && t !== '%') return t;
  const { items } = elements(b);
  const out: [string, unknown][] = [];
  for (let i = 0; i < items.length; i += 2) out.push([items[i].toString('latin1').split('\r\n')[1], shape(items[i + 1])]);
  return out;
}

/** key -> value text of a map reply (RESP2 flat array or RESP3 map) of scalars. */
function mapOf(b: Buffer): Map<string, string> {
  const { items } = elements(b);
  const m = new Map<string, string>();
  for (let i = 0; i < items.length; i += 2) {
    const v = items[i + 1];
    const lines = v.toString('latin1').split('\r\n');
    m.set(items[i].toString('latin1').split('\r\n')[1], v[0] === 0x24 ? lines[1] : lines[0].slice(1));
  }
  return m;
}

/** The key:value fields of an INFO text. */
function infoFields(reply: Buffer): Map<string, string> {
  const body = reply.toString('latin1').slice(reply.indexOf(0x0a) + 1);
  const m = new Map<string, string>();
  for (const line of body.split('\r\n')) if (line.includes(':') && !line.startsWith('#')) m.set(line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1));
  return m;
}

describe('MEMORY, OBJECT FREQ/IDLETIME and maxmemory settings vs redis-server', { skip: REDIS_AVAILABLE ? false : SKIP_NO_REDIS, timeout: 120_000 }, () => {
  let redis: ServerHandle;
  const dfly: ServerHandle[] = [];

  before(async () => {
    const started = await Promise.all([startRedis(), startDamselfly({ threads: 1, args: ['--maxmemory=0'] }), startDamselfly({ threads: 3, args: ['--maxmemory=0'] })]);
    redis = started[0];
    dfly.push(started[1], started[2]);
  });
  after(async () => {
    await redis?.stop();
    for (const d of dfly) await stopChecked(d);
  });

  /** Runs `commands` on Redis and on each Damselfly, comparing the raw replies. */
  async function same(commands: Arg[][], resp3 = false): Promise<void> {
    for (const d of dfly) await differ({ damselfly: d.port, redis: redis.port })(commands, { resp3, label: `${d.port}` });
  }

  it('MEMORY USAGE errors and nil, MEMORY HELP, argument counts, DOCTOR on an empty instance', async () => {
    const cmds: Arg[][] = [
      ['FLUSHALL'], ['MEMORY', 'DOCTOR'],
      ['MEMORY', 'USAGE', 'nokey'], ['MEMORY', 'USAGE', 'nokey', 'SAMPLES', 'x'], ['MEMORY', 'USAGE', 'nokey', 'SAMPLES', '3'],
      ['SET', 'k', 'v'], ['MEMORY', 'USAGE', 'k', 'SAMPLES'], ['MEMORY', 'USAGE', 'k', 'SAMPLES', 'x'], ['MEMORY', 'USAGE', 'k', 'SAMPLES', '-1'],
      ['MEMORY', 'USAGE', 'k', 'foo'], ['MEMORY', 'USAGE', 'k', 'SAMPLES', '99999999999999999999'], ['MEMORY', 'USAGE', 'k', 'samples', '1', 'foo'],
      ['MEMORY', 'USAGE', 'k', 'SAMPLES', '1.5'], ['MEMORY', 'USAGE'], ['MEMORY'], ['MEMORY', 'foo'], ['MEMORY', 'HELP'], ['memory', 'help', 'x'],
      ['MEMORY', 'DOCTOR', 'x'], ['MEMORY', 'STATS', 'x'], ['MEMORY', 'PURGE'], ['MEMORY', 'PURGE', 'x'], ['MEMORY', 'MALLOC-STATS', 'x'], ['DEL', 'k'],
    ];
    await same(cmds);
    await same([['MEMORY', 'USAGE', 'nokey'], ['MEMORY', 'HELP']], true);
  });

  it('OBJECT FREQ / IDLETIME answer by policy, for every policy', async () => {
    for (const policy of EVICTION_POLICIES) {
      const lfu = policy.endsWith('-lfu');
      // Values that depend on timing are left out: under LFU the IDLETIME error, otherwise the FREQ error.
      await same([['CONFIG', 'SET', 'maxmemory-policy', policy], ['SET', 'k', 'v'], lfu ? ['OBJECT', 'IDLETIME', 'k'] : ['OBJECT', 'FREQ', 'k'], ['OBJECT', 'FREQ', 'nokey'], ['OBJECT', 'IDLETIME', 'nokey'], ['DEL', 'k']]);
    }
    await same([['CONFIG', 'SET', 'maxmemory-policy', 'noeviction']]);
  });

  it('CONFIG SET / GET maxmemory: human sizes and errors as Redis parses them; maxmemory-policy values', async () => {
    const sizes = ['4gb', '512mb', '1G', '1g', '1K', '1k', '100', '100b', '100B', ' 100', '100 ', '+100', '-1', 'gb', '', '1.5gb', '1tb', '0x10', '1e3', '01kb', '1Kb', '1mB', 'auto', '12345678901234'];
    const cmds: Arg[][] = [['FLUSHALL']];
    for (const s of sizes) cmds.push(['CONFIG', 'SET', 'maxmemory', s], ['CONFIG', 'GET', 'maxmemory']);
    cmds.push(['CONFIG', 'SET', 'maxmemory', '0']);
    for (const p of [...EVICTION_POLICIES, 'ALLKEYS-LRU', 'foo', '', 'lru']) cmds.push(['CONFIG', 'SET', 'maxmemory-policy', p], ['CONFIG', 'GET', 'maxmemory-policy']);
    cmds.push(['CONFIG', 'SET', 'maxmemory-policy', 'noeviction']);
    await same(cmds);
  });

  it('INFO memory has Redis 7\'s fields; maxmemory and the policy agree with CONFIG', async () => {
    const r = await RawClient.connect(redis.port);
    try {
      const ref = infoFields(await r.call(['INFO', 'memory']));
      for (const d of dfly) {
        const c = await RawClient.connect(d.port);
        try {
          const ours = infoFields(await c.call(['INFO', 'memory']));
          for (const f of ref.keys()) assert.ok(ours.has(f), `damselfly INFO memory has ${f}`);
          assert.equal(ours.get('maxmemory'), '0');
          assert.equal(ours.get('maxmemory_human'), '0B');
          assert.equal(ours.get('maxmemory_policy'), 'noeviction');
          assert.equal(ours.get('mem_allocator'), 'v8');
          assert.ok(Number(ours.get('used_memory_rss')) > 0);
          const stats = infoFields(await c.call(['INFO', 'stats']));
          for (const f of ['evicted_keys', 'expired_keys', 'keyspace_hits', 'keyspace_misses']) assert.match(stats.get(f) ?? '', /^\d+$/, f);
        } finally {
          c.close();
        }
      }
    } finally {
      r.close();
    }
  });

  it('MEMORY STATS has Redis\'s fields, order and reply types (RESP2 and RESP3)', async () => {
    const setup: Arg[][] = [['FLUSHALL'], ['SET', 'a', '1'], ['SET', 'b', 'x'.repeat(100), 'EX', '100'], ['SELECT', '2'], ['SET', 'c', '1'], ['SELECT', '0']];
    for (const resp3 of [false, true]) {
      const r = await RawClient.connect(redis.port);
      try {
        if (resp3) await r.call(['HELLO', '3']);
        for (const s of setup) await r.call(s);
        const want = shape(await r.call(['MEMORY', 'STATS']));
        for (const d of dfly) {
          const c = await RawClient.connect(d.port);
          try {
            if (resp3) await c.call(['HELLO', '3']);
            for (const s of setup) await c.call(s);
            assert.deepEqual(shape(await c.call(['MEMORY', 'STATS'])), want);
          } finally {
            c.close();
          }
        }
      } finally {
        r.close();
      }
    }
  });

  it('MEMORY STATS figures add up, and agree with INFO memory and DBSIZE', async () => {
    for (const d of dfly) {
      const c = await RawClient.connect(d.port);
      try {
        await c.call(['FLUSHALL']);
        for (let i = 0; i < 50; i++) await c.call(['SET', `key:${i}`, 'v'.repeat(i)]);
        await c.call(['SELECT', '3']);
        for (let i = 0; i < 5; i++) await c.call(['SET', `k3:${i}`, 'v']);
        await c.call(['SELECT', '0']);
        const stats = await c.call(['MEMORY', 'STATS']);
        const m = mapOf(stats);
        const num = (k: string): number => Number(m.get(k));
        assert.equal(num('keys.count'), 55);
        const dbMaps = elements(stats).items.filter((_, i, a) => i % 2 === 1 && a[i - 1].toString('latin1').includes('db.'));
        assert.equal(dbMaps.length, 2, 'db.0 and db.3');
        const mains = dbMaps.map((b) => Number(mapOf(b).get('overhead.hashtable.main')));
        assert.equal(num('overhead.total'), num('startup.allocated') + num('clients.normal') + mains[0] + mains[1]);
        assert.ok(num('startup.allocated') > 0, 'the threads\' startup heap');
        assert.ok(mains[0] >= mains[1] && mains[1] > 0);
        assert.equal(num('dataset.bytes'), num('total.allocated') - num('overhead.total'));
        assert.ok(num('total.allocated') > 50 * 49 / 2, 'at least the value bytes');
        assert.ok(num('peak.allocated') >= num('total.allocated'));
        assert.equal(num('keys.bytes-per-key'), Math.floor((num('total.allocated') - num('startup.allocated')) / 55));
        const info = infoFields(await c.call(['INFO', 'memory']));
        assert.equal(Number(info.get('used_memory')), num('total.allocated'));
        assert.equal(Number(info.get('used_memory_overhead')), num('overhead.total'));
        // Deleting gives the bytes back.
        await c.call(['FLUSHALL']);
        const empty = mapOf(await c.call(['MEMORY', 'STATS']));
        assert.equal(Number(empty.get('total.allocated')), Number(empty.get('startup.allocated')) + Number(empty.get('clients.normal')));
        assert.equal(Number(empty.get('dataset.bytes')), 0);
      } finally {
        c.close();
      }
    }
  });

  it('MEMORY USAGE per type: found on whichever shard holds the key, growing with the value, near its bytes', async () => {
    for (const d of dfly) {
      const c = await RawClient.connect(d.port);
      try {
        await c.call(['FLUSHALL']);
        const usage = async (key: string): Promise<number> => {
          const r = (await c.call(['MEMORY', 'USAGE', key, 'SAMPLES', '0'])).toString('latin1');
          assert.match(r, /^:\d+\r\n$/, `MEMORY USAGE ${key}`);
          return Number(r.slice(1, -2));
        };
        const elems = (n: number, width: number, tag: string): string[] => Array.from({ length: n }, (_, i) => `${tag}${i}`.padEnd(width, '.'));
        const builders: Record<string, (key: string, n: number, width: number) => Arg[] | Arg[][]> = {
          string: (key, n, width) => ['SET', key, 's'.repeat(n * width)],
          list: (key, n, width) => ['RPUSH', key, ...elems(n, width, 'l')],
          hash: (key, n, width) => ['HSET', key, ...elems(n, width, 'f').flatMap((f) => [f, f])],
          set: (key, n, width) => ['SADD', key, ...elems(n, width, 'm')],
          zset: (key, n, width) => ['ZADD', key, ...elems(n, width, 'z').flatMap((m, i) => [String(i), m])],
          stream: (key, n, width) => ['XADD', key, '1-1', ...elems(n, width, 'x').flatMap((f) => [f, f])],
        };
        // Bytes the elements themselves hold, per type.
        const payload: Record<string, (n: number, width: number) => number> = {
          string: (n, w) => n * w, list: (n, w) => n * w, hash: (n, w) => 2 * n * w, set: (n, w) => n * w, zset: (n, w) => n * (w + 8), stream: (n, w) => 2 * n * w,
        };
        for (const type of Object.keys(builders)) {
          let prev = 0;
          let k = 0;
          for (const n of [1, 10, 100, 1000]) {
            const key = `${type}:n${n}:${k++}`;
            await c.call(builders[type](key, n, 40) as Arg[]);
            const u = await usage(key);
            assert.ok(u > prev, `${type} of ${n}: ${u} > ${prev}`);
            const p = payload[type](n, 40);
            assert.ok(u >= p && u <= 2 * p + 200 * n + 1024, `${type} of ${n} x 40: ${u} near ${p}`);
            prev = u;
          }
          prev = 0;
          for (const width of [10, 100, 1000]) {
            const key = `${type}:w${width}`;
            await c.call(builders[type](key, 5, width) as Arg[]);
            const u = await usage(key);
            assert.ok(u > prev, `${type} of 5 x ${width}: ${u} > ${prev}`);
            prev = u;
          }
        }
        await c.call(['FLUSHALL']);
      } finally {
        c.close();
      }
    }
  });
});

describe('maxmemory with noeviction: the -OOM gate', { timeout: 120_000 }, () => {
  const LIMIT = 60 * 1024;
  const VALUE = 'v'.repeat(1000);
  /** threads -> server: 1 thread starts without --maxmemory (the automatic default), 2 with --maxmemory=60kb. */
  const servers = new Map<number, ServerHandle>();

  before(async () => {
    const [a, b] = await Promise.all([startDamselfly({ threads: 1 }), startDamselfly({ threads: 2, args: ['--maxmemory=60kb'] })]);
    servers.set(1, a);
    servers.set(2, b);
  });
  after(async () => {
    for (const s of servers.values()) await stopChecked(s);
  });

  /** SETs `{fill}:i` keys (one shard) until the first -OOM; returns the keys stored. */
  async function fillUntilOom(c: RawClient, from = 0): Promise<string[]> {
    const stored: string[] = [];
    for (let i = from; i < from + 2000; i++) {
      const key = `{fill}:${i}`;
      const r = await c.callText(['SET', key, VALUE]);
      if (r === OOM) return stored;
      assert.equal(r, '+OK\r\n', `SET ${key}`);
      stored.push(key);
    }
    assert.fail('never reached maxmemory');
  }

  for (const threads of [1, 2]) {
    it(`${threads} shard thread(s): the limit, -OOM for denyoom commands, reads and deletes, MULTI, and lifting it`, async () => {
      const s = servers.get(threads)!;
      const c = await RawClient.connect(s.port);
      const other = await RawClient.connect(s.port);
      try {
        const limit = (await c.callText(['CONFIG', 'GET', 'maxmemory'])).split('\r\n')[4];
        if (threads === 1) {
          // No --maxmemory: the machine's share, then the small limit set at runtime.
          assert.equal(limit, String(Math.floor((totalmem() * AUTO_MAXMEMORY_PERCENT) / 100)));
          assert.equal(infoFields(await c.call(['INFO', 'memory'])).get('maxmemory'), limit);
          assert.equal(await c.callText(['CONFIG', 'SET', 'maxmemory', '60kb']), '+OK\r\n');
        } else {
          assert.equal(limit, String(LIMIT));
        }
        const stored = await fillUntilOom(c);
        assert.ok(stored.length >= 10, `${stored.length} values stored before the limit`);
        const blocked = `{fill}:${stored.length}`;
        const info = infoFields(await c.call(['INFO', 'memory']));
        assert.equal(info.get('maxmemory'), String(LIMIT));
        assert.ok(Number(info.get('used_memory')) > (LIMIT / threads) * 0.9, `used_memory ${info.get('used_memory')}`);
        // denyoom commands for keys of the full shard are refused, new keys or not.
        for (const cmd of [['SET', blocked, 'x'], ['INCR', '{fill}:n'], ['APPEND', stored[0], 'x'], ['LPUSH', '{fill}:l', 'x'], ['HSET', '{fill}:h', 'f', 'v'], ['MSET', '{fill}:a', '1', '{fill}:b', '2']]) {
          assert.equal(await c.callText(cmd), OOM, cmd.join(' '));
        }
        // Reads and other commands still work.
        assert.equal(await c.callText(['GET', stored[0]]), `$1000\r\n${VALUE}\r\n`);
        assert.equal(await c.callText(['EXISTS', stored[0], blocked]), ':1\r\n');
        assert.equal(await c.callText(['STRLEN', stored[1]]), ':1000\r\n');
        assert.equal(await c.callText(['PING']), '+PONG\r\n');
        assert.match(infoFields(await c.call(['INFO', 'errorstats'])).get('errorstat_OOM') ?? '', /^count=\d+$/);
        // Over the limit with nothing to evict: an eviction-exceeded spell is going on (ms, Redis's fields).
        const spell = infoFields(await c.call(['INFO', 'stats']));
        assert.match(spell.get('current_eviction_exceeded_time') ?? '', /^\d+$/);
        assert.ok(Number(spell.get('total_eviction_exceeded_time')) >= Number(spell.get('current_eviction_exceeded_time')));
        if (threads === 2) {
          // Each shard has its own share: a key on the other shard is still written.
          let key = 'x';
          for (let i = 0; shardOfKey(Buffer.from(key), 2) === shardOfKey(Buffer.from('{fill}'), 2); i++) key = `other:${i}`;
          assert.equal(await c.callText(['SET', key, 'v']), '+OK\r\n');
          assert.equal(await c.callText(['DEL', key]), ':1\r\n');
        }
        // A DEL frees room: the refused SET goes through again.
        assert.equal(await c.callText(['DEL', stored.pop()!]), ':1\r\n');
        assert.equal(await c.callText(['SET', blocked, VALUE]), '+OK\r\n');
        stored.push(blocked);

        // In MULTI, once over the limit, every command but EXEC/DISCARD/QUIT/RESET is refused and EXEC aborts.
        stored.push(...(await fillUntilOom(c, 10_000)));
        assert.equal(await c.callText(['MULTI']), '+OK\r\n');
        assert.equal(await c.callText(['SET', '{fill}:m', 'v']), OOM);
        assert.equal(await c.callText(['GET', stored[0]]), OOM);
        assert.equal(await c.callText(['EXEC']), '-EXECABORT Transaction discarded because of previous errors.\r\n');
        assert.equal(await c.callText(['DEL', ...stored]), `:${stored.length}\r\n`);
        // What maxmemory limits: used_memory without the startup heap and the client buffers.
        const mem = infoFields(await c.call(['INFO', 'memory']));
        assert.equal(Number(mem.get('used_memory')) - Number(mem.get('used_memory_startup')) - Number(mem.get('mem_clients_normal')), 0);
        assert.equal(infoFields(await c.call(['INFO', 'stats'])).get('current_eviction_exceeded_time'), '0', 'the spell ends once within the limit');

        // A denyoom command queued with room to spare aborts EXEC if the limit is reached before it runs.
        assert.equal(await c.callText(['MULTI']), '+OK\r\n');
        assert.equal(await c.callText(['SET', '{fill}:tx', 'v']), '+QUEUED\r\n');
        assert.equal(await c.callText(['GET', '{fill}:0']), '+QUEUED\r\n');
        const more = await fillUntilOom(other, 20_000);
        assert.equal(await c.callText(['EXEC']), "-EXECABORT Transaction discarded because of: OOM command not allowed when used memory > 'maxmemory'.\r\n");
        assert.equal(await c.callText(['GET', '{fill}:tx']), '$-1\r\n');
        // MULTI and DISCARD themselves still answer.
        assert.equal(await c.callText(['MULTI']), '+OK\r\n');
        assert.equal(await c.callText(['DISCARD']), '+OK\r\n');

        // A higher limit lifts the refusal without deleting anything.
        assert.equal(await c.callText(['SET', '{fill}:after', 'v']), OOM);
        assert.equal(await c.callText(['CONFIG', 'SET', 'maxmemory', '10mb']), '+OK\r\n');
        assert.equal(await c.callText(['SET', '{fill}:after', 'v']), '+OK\r\n');
        assert.equal(await c.callText(['DBSIZE']), `:${more.length + 1}\r\n`);
        // Back to the small limit: over it again at once; FLUSHALL lifts it.
        assert.equal(await c.callText(['CONFIG', 'SET', 'maxmemory', '60kb']), '+OK\r\n');
        assert.equal(await c.callText(['SET', '{fill}:after', 'w']), OOM);
        assert.equal(await c.callText(['FLUSHALL']), '+OK\r\n');
        assert.equal(await c.callText(['SET', '{fill}:after', 'w']), '+OK\r\n');
        assert.equal(await c.callText(['FLUSHALL']), '+OK\r\n');
      } finally {
        c.close();
        other.close();
      }
    });
  }
});
