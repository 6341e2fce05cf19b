// INFO against a real redis-server at 1 and 2 shard threads: every section's field names (but the
// documented exceptions below) and each field's format class, section selection, the counters a
// fixed workload must leave equal on both (keyspace, hits/misses, expired keys, errorstats,
// commandstats calls/rejected/failed, total_commands_processed), what CONFIG RESETSTAT zeroes, and
// our Threads section adding up to the server's totals. Skips when redis-server is not installed.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { REDIS_AVAILABLE, SKIP_NO_REDIS, RawClient, startDamselfly, startRedis, stopChecked, waitFor, type Arg, type ServerHandle } from '../../test/harness.ts';
import { errorCodeOf, errorCodeOfText, RecentClientPeaks } from '../server/stats.ts';
import { gatherInfo, infoText, selectSections, type InfoSnapshot } from './info.ts';
import { makeRig, runCommands } from '../../test/inproc.ts';

/**
 * Where our field list differs from Redis 7.0.15's, and why (docs/operations.md lists them too).
 * OURS: fields Redis does not print; REDIS_ONLY: none — every Redis field is printed.
 */
const OURS: Record<string, string> = {
  server_name: 'which server this is (Dragonfly prints it too)',
  damselfly_version: 'our version beside the Redis version we speak',
  thread_count: 'shard threads',
  shard_count: 'shards (one per thread)',
  cache_mode: "Dragonfly's: --cache_mode evicts like a cache",
  client_output_buffer_limit_disconnections: 'Redis 7.2 field, counted here',
};
/**
 * Fields whose values differ by nature (paths, ids, allocator names; redis_version is the Redis we
 * speak, 7.2 for its newer commands): not compared for format.
 */
const FREE_FORM = new Set(['redis_version', 'os', 'executable', 'redis_build_id', 'run_id', 'master_replid', 'mem_allocator', 'gcc_version', 'atomicvar_api', 'monotonic_clock']);

/** Format classes: Redis's value decides the class, ours must be in it. */
const CLASSES: [string, RegExp][] = [
  ['integer', /^-?\d+$/],
  ['cpu seconds', /^\d+\.\d{6}$/],
  ['2 decimals', /^-?\d+\.\d\d$/],
  ['percentage', /^\d+\.\d\d%$/],
  ['human bytes', /^(\d+B|\d+\.\d\d[KMGTP])$/],
  ['sha1', /^[0-9a-f]{40}$/],
  ['key=value list', /^[a-z_]+=[^,]*(,[a-z_]+=[^,]*)*$/],
  // latencystats: p50=…,p99=…,p99.9=… in µs with 3 decimals.
  ['key=value list', /^p[\d.]+=\d+\.\d{3}(,p[\d.]+=\d+\.\d{3})*$/],
];

function classOf(v: string): [string, RegExp] | null {
  return CLASSES.find(([, re]) => re.test(v)) ?? null;
}

interface Info {
  sections: string[];
  /** section title -> field -> value */
  fields: Map<string, Map<string, string>>;
  flat: Map<string, string>;
}

/** Parses an INFO bulk or verbatim reply. */
function parseInfo(reply: Buffer): Info {
  const text = reply.toString('latin1');
  const body = text.slice(text.indexOf('\r\n') + 2).replace(/^txt:/, '');
  const out: Info = { sections: [], fields: new Map(), flat: new Map() };
  let cur = new Map<string, string>();
  for (const line of body.split('\r\n')) {
    if (line.startsWith('# ')) {
      out.sections.push(line.slice(2));
      cur = new Map();
      out.fields.set(line.slice(2), cur);
    } else if (line.includes(':')) {
      const k = line.slice(0, line.indexOf(':'));
      const v = line.slice(line.indexOf(':') + 1);
      cur.set(k, v);
      out.flat.set(k, v);
    }
  }
  return out;
}

/** Commands that leave every section of INFO populated, the same way on both servers. */
const WORKLOAD: Arg[][] = [
  ['SET', 'a', '1'], ['SET', 'b', '2', 'EX', '100'], ['GET', 'a'], ['GET', 'nosuch'], ['MGET', 'a', 'b', 'c'], ['INCR', 'a'],
  ['LPUSH', 'l', 'x'], ['GET', 'l'], ['HSET', 'h', 'f', 'v'], ['HGET', 'h', 'f'], ['HGET', 'h', 'nope'], ['HGET', 'nokey', 'f'],
  ['EXISTS', 'a', 'b', 'zz'], ['DEL', 'b', 'nosuch'], ['SELECT', '2'], ['SET', 'c', '1', 'PX', '100000'], ['SELECT', '0'],
  ['NOSUCHCOMMAND', 'x'], ['GET'], ['SET', 'k'], ['INCR', 'l'], ['LPOP', 'h'], ['INCRBY', 'a', 'x'], ['OBJECT', 'FOO'], ['CONFIG', 'GET'],
  ['MULTI'], ['SET', 'q', '1'], ['INCR', 'l'], ['EXEC'],
  ['MULTI'], ['GET'], ['SET', 'q', '2'], ['EXEC'],
  ['MULTI'], ['NOSUCH'], ['DISCARD'],
  ['EXEC'], ['DISCARD'], ['XADD', 's', '*', 'f'], ['ZADD', 'z', 'x', 'm'], ['ZADD', 'z', '1', 'm'], ['ZSCORE', 'z', 'm'],
  ['SADD', 'st', 'm'], ['SISMEMBER', 'st', 'm'], ['TYPE', 'st'], ['TTL', 'a'], ['PING'], ['ECHO', 'x'], ['DBSIZE'],
  // Errors from the other paths: blocking, fan-out, multi-hop and cross-shard commands (at 2 threads
  // 'a', 'z', 'st', 'nokey' are on shard 1, 'l', 'h', 's', 'q' on shard 0). A multi-key read across
  // shards fails on its last key here: ours looks every key up at once, Redis stops at the bad one
  // (one keyspace hit fewer when it is not the last; docs/operations.md).
  ['BLPOP', 'a', '0'], ['MSET', 'a'], ['MGET'], ['MSET', 'q', '1', 'a', '2', 'z'], ['RENAME', 'nosuch', 'x'], ['SINTERSTORE', 'd', 'st', 'a'],
  ['SORT', 'a'], ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '>'], ['LMOVE', 'a', 'l', 'LEFT', 'LEFT'], ['BITOP', 'AND', 'd', 'a', 'l'],
  ['PFCOUNT', 'nokey', 'q'], ['DEL', 'a', 'l', 'nosuch'], ['EXISTS', 'h', 'z'],
  ['MULTI'], ['MSET', 'q', '1', 'a', '2', 'z'], ['MSET', 'q', '1', 'a', '2'], ['INCR', 'q'], ['EXEC'],
];

async function infoOf(c: RawClient, ...sections: string[]): Promise<Info> {
  return parseInfo(await c.call(['INFO', ...sections]));
}

/** A cmdstat value without its timing. */
function calls(v: string | undefined): string | undefined {
  return v?.replace(/usec=\d+,usec_per_call=\d+\.\d\d,/, '');
}

describe('INFO errorstats codes (Redis afterErrorReply)', () => {
  it('the first word when a space comes within 32 bytes, else ERR', () => {
    const code = (s: string): string => errorCodeOf(Buffer.from(s), 0, s.length);
    assert.equal(code('-WRONGTYPE Operation against a key\r\n'), 'WRONGTYPE');
    assert.equal(code('-ERR x\r\n'), 'ERR');
    assert.equal(code('-NOSPACE\r\n'), 'ERR');
    assert.equal(code(`-${'X'.repeat(30)} y\r\n`), 'X'.repeat(30));
    assert.equal(code(`-${'X'.repeat(31)} y\r\n`), 'ERR');
    assert.equal(errorCodeOfText(`${'X'.repeat(30)} y`), 'X'.repeat(30));
    assert.equal(errorCodeOfText(`${'X'.repeat(31)} y`), 'ERR');
    assert.equal(errorCodeOfText('NOAUTH Authentication required.'), 'NOAUTH');
  });

  it('client_recent_max_*_buffer: a peak shows for the 8 seconds Redis keeps it', () => {
    const p = new RecentClientPeaks();
    p.sample(0, 100, 7);
    p.sample(500, 3, 9);
    assert.deepEqual(p.peaks(), [100, 9]);
    for (let sec = 1; sec < 7; sec++) p.sample(sec * 1000, 1, 1);
    assert.deepEqual(p.peaks(), [100, 9]);
    p.sample(7000, 1, 1);
    assert.deepEqual(p.peaks(), [1, 1]);
  });

  it('sections selected as Redis selects them; Threads as a module section', () => {
    const base = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'modules'];
    assert.deepEqual(selectSections([]), [...base, 'errorstats', 'cluster', 'keyspace']);
    assert.deepEqual(selectSections(['default']), selectSections([]));
    assert.deepEqual(selectSections(['all']), [...base, 'commandstats', 'errorstats', 'latencystats', 'cluster', 'keyspace']);
    assert.deepEqual(selectSections(['EVERYTHING']), [...selectSections(['all']), 'threads']);
    assert.deepEqual(selectSections(['Threads']), ['threads']);
    assert.deepEqual(selectSections(['modules']), ['modules', 'threads']);
    assert.deepEqual(selectSections(['module_list']), ['modules']);
    assert.deepEqual(selectSections(['keyspace', 'SERVER', 'nosuch']), ['server', 'keyspace']);
  });
});

describe('gatherInfo (the snapshot /metrics reads), in-process at 2 threads', () => {
  it('gathers every thread over the mesh from any worker, as INFO prints it', async () => {
    const rig = makeRig(2);
    const keys = [rig.keyOn(0, 'a'), rig.keyOn(1, 'b'), rig.keyOn(1, 'c')];
    await runCommands(rig, [...keys.map((k) => ['SET', k, 'v']), ['GET', keys[0]], ['GET', 'nosuch'], ['NOSUCH']]);
    let got: InfoSnapshot | string | null = null;
    void gatherInfo(rig.workers[1], ['keyspace', 'threads', 'stats', 'errorstats']).then((r) => (got = r));
    await rig.settle(() => got !== null);
    assert.ok(got !== null && typeof got !== 'string', String(got));
    const snap = got as InfoSnapshot;
    assert.deepEqual(snap.sections.map((x) => x.name), ['stats', 'errorstats', 'keyspace', 'threads']);
    assert.deepEqual(snap.threads.map((t) => t.thread).sort(), [0, 1]);
    assert.equal(snap.totals.hits, 1);
    assert.equal(snap.totals.misses, 1);
    assert.equal(snap.totals.errorReplies, 1);
    assert.deepEqual(snap.sections.find((x) => x.name === 'keyspace')!.fields, [['db0', 'keys=3,expires=0,avg_ttl=0']]);
    const text = infoText(snap);
    assert.ok(text.startsWith('# Stats\r\ntotal_connections_received:'));
    assert.match(text, /\r\n\r\n# Errorstats\r\nerrorstat_ERR:count=1\r\n\r\n# Keyspace\r\n/);
    assert.match(text, /# Threads\r\nthread0:keys=1,.*\r\nthread1:keys=2,.*\r\n$/);
    // Sections that need no thread answer at once, without the mesh.
    const server = await gatherInfo(rig.workers[0], ['server']);
    assert.ok(typeof server !== 'string' && server.threads.length === 0 && server.sections[0].name === 'server');
  });
});

for (const threads of [1, 2]) {
  describe(`INFO vs redis-server, ${threads} shard thread(s)`, { skip: REDIS_AVAILABLE ? false : SKIP_NO_REDIS, timeout: 60_000 }, () => {
    let df: ServerHandle;
    let redis: ServerHandle;
    let d: RawClient;
    let r: RawClient;

    before(async () => {
      [df, redis] = await Promise.all([startDamselfly({ threads, args: ['--maxmemory=0'] }), startRedis()]);
      [d, r] = await Promise.all([RawClient.connect(df.port), RawClient.connect(redis.port)]);
    });
    after(async () => {
      d?.close();
      r?.close();
      await Promise.all([stopChecked(df), redis?.stop()]);
    });

    /** Runs the same commands on both, from one client each. */
    async function both(cmds: Arg[][]): Promise<void> {
      for (const c of cmds) await Promise.all([d.call(c), r.call(c)]);
    }

    it('every section has Redis\'s fields, in its order, in its formats', async () => {
      await both([['FLUSHALL'], ['CONFIG', 'RESETSTAT'], ...WORKLOAD]);
      const [ours, theirs] = await Promise.all([infoOf(d, 'everything'), infoOf(r, 'everything')]);
      assert.deepEqual(ours.sections, [...theirs.sections, 'Threads']);
      for (const title of theirs.sections) {
        // Redis lists commands in its dict's hash order: compared as sets.
        const order = (keys: string[]): string[] => (title === 'Commandstats' || title === 'Latencystats' ? keys.sort() : keys);
        const want = order([...theirs.fields.get(title)!.keys()]);
        const got = order([...ours.fields.get(title)!.keys()].filter((k) => !(k in OURS)));
        assert.deepEqual(got, want, `# ${title} fields`);
        for (const [k, v] of theirs.fields.get(title)!) {
          if (FREE_FORM.has(k)) continue;
          const cls = classOf(v);
          const mine = ours.fields.get(title)!.get(k)!;
          if (cls === null) {
            // Words (role, policies, statuses...) are the same words.
            if (k !== 'executable') assert.equal(mine, v, `${k}`);
            continue;
          }
          assert.match(mine, cls[1], `${k}: ${cls[0]} like Redis's ${v}`);
          if (cls[0] === 'key=value list') {
            const keys = (s: string): string => s.replace(/=[^,]*/g, '');
            assert.equal(keys(mine), keys(v), `${k} keys`);
          }
        }
      }
    });

    it('section selection, layout and RESP3 verbatim like Redis; one run id whichever thread answers', async () => {
      for (const args of [[], ['default'], ['all'], ['everything'], ['server', 'clients'], ['keyspace', 'SERVER'], ['foo'], ['all', 'foo'], ['commandstats'], ['keyspace', 'errorstats'], ['modules'], ['module_list']]) {
        const [ours, theirs] = await Promise.all([d.call(['INFO', ...args]), r.call(['INFO', ...args])]);
        assert.equal(ours[0], 0x24, 'a bulk string');
        const own = args.some((a) => /^(everything|modules)$/i.test(a)) ? ['Threads'] : [];
        assert.deepEqual(parseInfo(ours).sections, [...parseInfo(theirs).sections, ...own], `INFO ${args.join(' ')}`);
        const text = ours.toString('latin1');
        const body = text.slice(text.indexOf('\r\n') + 2, -2);
        if (body !== '') {
          assert.ok(body.endsWith('\r\n') && !body.endsWith('\r\n\r\n'), 'ends with one CRLF');
          assert.ok(!/[^\r]\n/.test(body), 'CRLF line ends');
        }
      }
      assert.equal((await d.call(['INFO', 'foo'])).toString(), (await r.call(['INFO', 'foo'])).toString());
      const c3 = await RawClient.connect(df.port);
      try {
        await c3.call(['HELLO', '3']);
        assert.ok((await c3.call(['INFO', 'server'])).toString('latin1').match(/^=\d+\r\ntxt:# Server\r\n/));
      } finally {
        c3.close();
      }
      const ids = new Set<string>();
      for (let i = 0; i < 4; i++) {
        const c = await RawClient.connect(df.port);
        ids.add((await infoOf(c, 'server')).flat.get('run_id')!);
        c.close();
      }
      assert.equal(ids.size, 1);
    });

    it('a fixed workload leaves the same counters on both', async () => {
      await both([['FLUSHALL'], ['CONFIG', 'RESETSTAT'], ...WORKLOAD]);
      const [ours, theirs] = await Promise.all([infoOf(d, 'everything'), infoOf(r, 'everything')]);
      const cmdstats = (i: Info): [string, string | undefined][] => [...i.fields.get('Commandstats')!].map(([k, v]) => [k, calls(v)] as [string, string | undefined]).sort();
      assert.deepEqual(cmdstats(ours), cmdstats(theirs));
      assert.deepEqual([...ours.fields.get('Errorstats')!], [...theirs.fields.get('Errorstats')!]);
      for (const k of ['total_commands_processed', 'keyspace_hits', 'keyspace_misses', 'total_error_replies', 'expired_keys', 'evicted_keys', 'total_connections_received']) {
        assert.equal(ours.flat.get(k), theirs.flat.get(k), k);
      }
      const noTtl = (v: string | undefined): string | undefined => v?.replace(/avg_ttl=\d+/, 'avg_ttl=_');
      assert.deepEqual([...ours.fields.get('Keyspace')!].map(([k, v]) => [k, noTtl(v)]), [...theirs.fields.get('Keyspace')!].map(([k, v]) => [k, noTtl(v)]));
    });

    it('expired keys are counted when they are found expired', async () => {
      // Expired by the active cycle or when read, each counts once: the same on both whichever comes first.
      await both([['FLUSHALL'], ['CONFIG', 'RESETSTAT'], ['SET', 'e1', 'v', 'PX', '1'], ['SET', 'e2', 'v', 'PX', '1'], ['SET', 'keep', 'v']]);
      // The keys' deadline is the servers' clock: wait until it has passed (a deadline, not a race).
      const until = Date.now() + 3;
      await waitFor(() => Date.now() > until, 'the keys to expire');
      await both([['GET', 'e1'], ['EXISTS', 'e2', 'keep']]);
      const [ours, theirs] = await Promise.all([infoOf(d, 'stats'), infoOf(r, 'stats')]);
      for (const k of ['expired_keys', 'keyspace_hits', 'keyspace_misses']) assert.equal(ours.flat.get(k), theirs.flat.get(k), k);
      assert.equal(ours.flat.get('expired_keys'), '2');
    });

    it('blocked clients, and those with a timeout (clients_in_timeout_table)', async () => {
      const waiters: RawClient[] = [];
      try {
        for (const port of [df.port, redis.port]) {
          const admin = port === df.port ? d : r;
          for (const timeout of ['100', '0']) {
            const c = await RawClient.connect(port);
            waiters.push(c);
            c.send(['BLPOP', `{w}:${timeout}`, timeout]);
          }
          await waitFor(async () => (await infoOf(admin, 'clients')).flat.get('blocked_clients') === '2', 'two blocked clients');
          const f = (await infoOf(admin, 'clients')).flat;
          assert.equal(f.get('clients_in_timeout_table'), '1', `port ${port}`);
        }
        await both([['LPUSH', '{w}:100', 'a'], ['LPUSH', '{w}:0', 'b']]);
        await waitFor(async () => (await infoOf(d, 'clients')).flat.get('blocked_clients') === '0', 'no blocked client');
        assert.equal((await infoOf(d, 'clients')).flat.get('clients_in_timeout_table'), '0');
      } finally {
        for (const c of waiters) c.close();
      }
    });

    it('a big partial command shows in client_recent_max_input_buffer on both', async () => {
      const writers: RawClient[] = [];
      try {
        for (const [port, admin] of [[df.port, d], [redis.port, r]] as const) {
          const c = await RawClient.connect(port);
          writers.push(c);
          c.send(Buffer.concat([Buffer.from('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000\r\n'), Buffer.alloc(60_000, 0x61)]));
          await waitFor(async () => Number((await infoOf(admin, 'clients')).flat.get('client_recent_max_input_buffer')) >= 60_000, `port ${port}: the partial command's bytes`);
        }
      } finally {
        for (const c of writers) c.close();
      }
    });

    it('a connection over maxclients is rejected, not received', async () => {
      for (const [port, admin] of [[df.port, d], [redis.port, r]] as const) {
        await waitFor(async () => (await infoOf(admin, 'clients')).flat.get('connected_clients') === '1', `port ${port}: only the admin client`);
        await admin.call(['CONFIG', 'SET', 'maxclients', '1']);
        await admin.call(['CONFIG', 'RESETSTAT']);
        const c = await RawClient.connect(port);
        try {
          assert.equal((await c.readUntilClose(10_000)).toString(), '-ERR max number of clients reached\r\n');
        } finally {
          c.close();
          await admin.call(['CONFIG', 'SET', 'maxclients', '10000']);
        }
        const f = (await infoOf(admin, 'stats')).flat;
        assert.deepEqual([f.get('total_connections_received'), f.get('rejected_connections')], ['0', '1'], `port ${port}`);
      }
    });

    it('CONFIG RESETSTAT zeroes what Redis zeroes', async () => {
      await both([...WORKLOAD, ['CONFIG', 'RESETSTAT']]);
      const [ours, theirs] = await Promise.all([infoOf(d, 'everything'), infoOf(r, 'everything')]);
      for (const k of [
        'total_connections_received', 'total_commands_processed', 'rejected_connections', 'expired_keys', 'evicted_keys', 'keyspace_hits', 'keyspace_misses',
        'total_error_replies', 'total_reads_processed', 'total_writes_processed', 'total_net_input_bytes', 'total_net_output_bytes',
      ]) {
        assert.equal(ours.flat.get(k), theirs.flat.get(k), k);
      }
      assert.deepEqual([...ours.fields.get('Errorstats')!], []);
      assert.deepEqual([...ours.fields.get('Commandstats')!].map(([k, v]) => [k, calls(v)]), [...theirs.fields.get('Commandstats')!].map(([k, v]) => [k, calls(v)]));
    });

    it('memory: a real startup figure, dataset = used - overhead, fragmentation from RSS', async () => {
      await d.call(['FLUSHALL']);
      const empty = (await infoOf(d, 'memory')).flat;
      const num = (m: Map<string, string>, k: string): number => Number(m.get(k));
      assert.ok(num(empty, 'used_memory_startup') > 0);
      assert.ok(num(empty, 'used_memory') >= num(empty, 'used_memory_startup'));
      await d.call(['SET', 'big', 'x'.repeat(100_000)]);
      const full = (await infoOf(d, 'memory')).flat;
      assert.equal(num(full, 'used_memory_startup'), num(empty, 'used_memory_startup'), 'measured once');
      assert.equal(num(full, 'used_memory_dataset'), num(full, 'used_memory') - num(full, 'used_memory_overhead'));
      assert.ok(num(full, 'used_memory_dataset') >= 100_000);
      assert.ok(num(full, 'used_memory_peak') >= num(full, 'used_memory'));
      assert.equal(full.get('mem_fragmentation_ratio'), Math.fround(num(full, 'used_memory_rss') / num(full, 'used_memory')).toFixed(2));
      assert.equal(num(full, 'mem_fragmentation_bytes'), num(full, 'used_memory_rss') - num(full, 'used_memory'));
      await d.call(['DEL', 'big']);
    });

    it('Threads: one line per shard thread, adding up to the totals', async () => {
      await d.call(['FLUSHALL']);
      for (let i = 0; i < 20; i++) await d.call(['SET', `t:${i}`, 'v']);
      const info = await infoOf(d, 'threads', 'keyspace', 'clients');
      assert.deepEqual(info.sections, ['Clients', 'Keyspace', 'Threads']);
      const lines = [...info.fields.get('Threads')!];
      assert.deepEqual(lines.map(([k]) => k), Array.from({ length: threads }, (_, i) => `thread${i}`));
      let keys = 0;
      let clients = 0;
      for (const [, v] of lines) {
        assert.match(v, /^keys=\d+,ops_per_sec=\d+,commands=\d+,connected_clients=\d+,used_cpu_sys=\d+\.\d{6},used_cpu_user=\d+\.\d{6},used_memory=\d+,heap_allocated=\d+,mesh_sent=\d+,mesh_served=\d+$/);
        const f = new Map(v.split(',').map((p) => p.split('=') as [string, string]));
        keys += Number(f.get('keys'));
        clients += Number(f.get('connected_clients'));
      }
      assert.equal(keys, 20);
      assert.equal(String(clients), info.flat.get('connected_clients'));
      if (threads === 2) assert.ok(lines.some(([, v]) => !v.includes('mesh_served=0')), 'the stats operation crossed the mesh');
    });
  });
}
