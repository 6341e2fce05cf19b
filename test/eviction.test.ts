// Eviction over real sockets: with a small --maxmemory and each maxmemory-policy (and cache mode),
// several pipelined writers fill the server far past its budget. After every batch, INFO's
// used_memory stays within maxmemory (each shard evicts down to its share after every write, so the
// margin is 0), evicted_keys grows, and no write fails; the volatile policies evict only keys with
// deadlines (with none left, writes get -OOM — the commands already in flight when a shard went
// over still run, as the one command that crosses the limit does in Redis: the margin there is the
// writers' pipelined batches); volatile-ttl evicts the soonest deadlines first;
// LFU counts accesses (OBJECT FREQ); cache mode keeps a hot set through a scan of new keys.
// Collections count exactly (each value's bytes are kept on every change): hashes growing under the
// limit are evicted enough and no more — used_memory stays at the limit, never collapses toward 0 —
// with no -OOM, and deleting them all brings the data figure (used_memory without startup and client buffers) back to 0.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RawClient, startDamselfly, stopChecked, type Arg, type ServerHandle } from './harness.ts';

const LIMIT = 4 * 1024 * 1024;
const VALUE = 'v'.repeat(200);
const OOM = "-OOM command not allowed when used memory > 'maxmemory'.\r\n";

function info(text: string, field: string): number {
  const m = new RegExp(`^${field}:(\\d+)`, 'm').exec(text);
  if (m === null) throw new Error(`INFO has no ${field}`);
  return Number(m[1]);
}

/** Sends the commands pipelined and reads every reply (as latin1 text). */
async function pipeline(c: RawClient, cmds: Arg[][]): Promise<string[]> {
  for (const cmd of cmds) c.send(cmd);
  const out: string[] = [];
  for (let i = 0; i < cmds.length; i++) out.push((await c.readReply())!.toString('latin1'));
  return out;
}

describe('eviction under load', () => {
  let s: ServerHandle;
  let admin: RawClient;
  let writers: RawClient[];

  before(async () => {
    s = await startDamselfly({ threads: 2, args: [`--maxmemory=${LIMIT}`, '--maxmemory_policy=allkeys-lru'] });
    admin = await RawClient.connect(s.port);
    writers = await Promise.all([0, 1, 2].map(() => RawClient.connect(s.port)));
  });
  after(async () => {
    admin?.close();
    for (const w of writers ?? []) w.close();
    await stopChecked(s);
  });

  /** used_memory without the threads' startup heap and the client buffers: the part maxmemory limits. */
  async function usedMemory(): Promise<number> {
    const text = await admin.callText(['INFO', 'memory']);
    return info(text, 'used_memory') - info(text, 'used_memory_startup') - info(text, 'mem_clients_normal');
  }

  async function evicted(): Promise<number> {
    return info(await admin.callText(['INFO', 'stats']), 'evicted_keys');
  }

  async function dbsize(): Promise<number> {
    return Number((await admin.callText(['DBSIZE'])).slice(1, -2));
  }

  async function setPolicy(policy: string, cacheMode = false): Promise<void> {
    assert.equal(await admin.callText(['CONFIG', 'SET', 'maxmemory-policy', policy, 'cache_mode', cacheMode ? 'yes' : 'no']), '+OK\r\n');
    assert.equal(await admin.callText(['FLUSHALL']), '+OK\r\n');
  }

  /**
   * Writes `n` keys `${prefix}:i` from the three writers in batches (with `ex` seconds of TTL when
   * given); checks the budget after every round; returns the replies that were not +OK.
   */
  async function fill(prefix: string, n: number, ex?: (i: number) => number, margin = 0): Promise<string[]> {
    const bad: string[] = [];
    const batch = 150;
    for (let from = 0; from < n; from += batch * writers.length) {
      await Promise.all(
        writers.map(async (w, wi) => {
          const cmds: Arg[][] = [];
          for (let i = from + wi * batch; i < Math.min(n, from + (wi + 1) * batch); i++) {
            cmds.push(ex === undefined ? ['SET', `${prefix}:${i}`, VALUE] : ['SET', `${prefix}:${i}`, VALUE, 'EX', ex(i)]);
          }
          for (const r of await pipeline(w, cmds)) if (r !== '+OK\r\n') bad.push(r);
        }),
      );
      const used = await usedMemory();
      assert.ok(used <= LIMIT + margin, `used_memory ${used} over maxmemory ${LIMIT} (+${margin}) after ${from} keys`);
    }
    return bad;
  }

  for (const [policy, cacheMode] of [['allkeys-lru', false], ['allkeys-lfu', false], ['allkeys-random', false], ['noeviction', true]] as const) {
    it(`${cacheMode ? 'cache mode' : policy}: writes never fail, memory stays within maxmemory, keys are evicted`, async () => {
      await setPolicy(policy, cacheMode);
      const before = await evicted();
      const bad = await fill('k', 40_000);
      assert.deepEqual(bad, []);
      const n = await dbsize();
      assert.ok(n > 1000 && n < 40_000, `${n} keys left`);
      assert.ok((await evicted()) - before >= 40_000 - n, 'evicted_keys counts every key that went');
    });
  }

  for (const policy of ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl']) {
    it(`${policy}: evicts only keys with deadlines; with none left, writes get -OOM`, async () => {
      await setPolicy(policy);
      assert.deepEqual(await fill('v', 30_000, () => 1000), []);
      assert.ok((await dbsize()) < 30_000);
      // Keys without deadlines now: the volatile keys go first, then the writes are refused.
      const inFlight = writers.length * 150 * (VALUE.length + 64);
      const bad = await fill('p', 40_000, undefined, inFlight);
      assert.ok(bad.length > 0 && bad.every((r) => r === OOM), `refusals: ${bad.length}, e.g. ${bad[0]}`);
      const ttls = await pipeline(admin, Array.from({ length: 200 }, (_, i) => ['TTL', `p:${i}`]));
      assert.ok(ttls.every((r) => r === ':-1\r\n'), 'persistent keys are never evicted');
      assert.ok((await usedMemory()) <= LIMIT + inFlight);
    });
  }

  it('volatile-ttl evicts the soonest deadlines first', async () => {
    await setPolicy('volatile-ttl');
    // Deadlines grow with the key number: the survivors are mostly the late keys.
    assert.deepEqual(await fill('t', 40_000, (i) => 10_000 + i), []);
    let early = 0;
    let late = 0;
    const probe = await pipeline(admin, Array.from({ length: 2000 }, (_, j) => ['EXISTS', `t:${j < 1000 ? j : 39_000 + j - 1000}`]));
    probe.forEach((r, j) => {
      if (r === ':1\r\n') {
        if (j < 1000) early++;
        else late++;
      }
    });
    assert.ok(late > early * 3, `survivors: ${early} of the 1000 soonest, ${late} of the 1000 latest`);
  });

  it('allkeys-lfu counts accesses: OBJECT FREQ grows with hits', async () => {
    await setPolicy('allkeys-lfu');
    assert.equal(await admin.callText(['SET', 'hot', 'x']), '+OK\r\n');
    assert.equal(await admin.callText(['SET', 'cold', 'x']), '+OK\r\n');
    await pipeline(admin, Array.from({ length: 200 }, () => ['GET', 'hot']));
    const hot = Number((await admin.callText(['OBJECT', 'FREQ', 'hot'])).slice(1, -2));
    const cold = Number((await admin.callText(['OBJECT', 'FREQ', 'cold'])).slice(1, -2));
    assert.equal(cold, 5, "a new key's counter is LFU_INIT_VAL");
    assert.ok(hot > cold, `hot ${hot} > cold ${cold}`);
  });

  for (const [policy, cacheMode] of [['allkeys-lru', false], ['noeviction', true]] as const) {
    it(`${cacheMode ? 'cache mode' : policy}: growing hashes are evicted enough and no more, with no -OOM`, async () => {
      await setPolicy(policy, cacheMode);
      const hashes = 50;
      const batch = 150;
      const bad: string[] = [];
      let lowest = Infinity;
      for (let round = 0; round < 60; round++) {
        await Promise.all(
          writers.map(async (w, wi) => {
            const cmds: Arg[][] = [];
            for (let i = 0; i < batch; i++) cmds.push(['HSET', `h:${(round * 7 + wi * 13 + i) % hashes}`, `f:${round}:${wi}:${i}`, VALUE]);
            for (const r of await pipeline(w, cmds)) if (r !== ':1\r\n') bad.push(r);
          }),
        );
        const used = await usedMemory();
        // Each shard evicts down to its share after every write; a pass left for the next turn is
        // at most one hash of slack.
        assert.ok(used <= LIMIT * 1.05, `round ${round}: used_memory ${used} over maxmemory ${LIMIT}`);
        if (round >= 30) lowest = Math.min(lowest, used);
      }
      assert.deepEqual(bad, []);
      assert.ok((await evicted()) > 0, 'hashes were evicted');
      assert.ok(lowest >= LIMIT / 2, `no over-eviction: used_memory fell to ${lowest} of ${LIMIT} under steady writes`);
      const dels = await pipeline(admin, Array.from({ length: hashes }, (_, i) => ['DEL', `h:${i}`]));
      assert.ok(dels.every((r) => r === ':1\r\n' || r === ':0\r\n'));
      assert.equal(await usedMemory(), 0, 'deleting every hash gives back every byte counted');
    });
  }

  it('cache mode keeps a hot set through a scan of new keys', async () => {
    await setPolicy('noeviction', true);
    assert.deepEqual(await fill('h', 5000), []);
    // The hot set is read (hit) between the rounds of a scan of many new keys.
    const hot = Array.from({ length: 2000 }, (_, i) => ['GET', `h:${i}`]);
    for (let round = 0; round < 4; round++) {
      await pipeline(admin, hot);
      assert.deepEqual(await fill(`scan${round}`, 10_000), []);
    }
    const alive = (await pipeline(admin, Array.from({ length: 2000 }, (_, i) => ['EXISTS', `h:${i}`]))).filter((r) => r === ':1\r\n').length;
    assert.ok(alive > 1500, `${alive} of 2000 hot keys survive the scan`);
  });
});
