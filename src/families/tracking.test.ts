// Client-side caching in process (real workers and rings, the mesh pumped by hand): tracking clients
// and the keys they read on different threads, every write path invalidating, own writes after their
// reply, NOLOOP, OPTIN/OPTOUT, BCAST prefixes, REDIRECT and its breaking, the max-keys limit, flushes.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { makeRig, type Rig } from '../../test/inproc.ts';
import type { Arg } from '../../test/harness.ts';

const inv = (...keys: string[]): string => `>2\r\n$10\r\ninvalidate\r\n*${keys.length}\r\n${keys.map((k) => `$${k.length}\r\n${k}\r\n`).join('')}`;
const INV_ALL = '>2\r\n$10\r\ninvalidate\r\n_\r\n';

/** A RESP3 client of thread `t` with tracking on (`opts` after ON); its replies so far are dropped. */
async function tracker(rig: Rig, t: number, ...opts: string[]) {
  const c = rig.client(t);
  c.send(['HELLO', '3'], ['CLIENT', 'TRACKING', 'ON', ...opts]);
  await rig.settle(() => c.sock.replies().length >= 2);
  assert.equal(c.sock.replies()[1], '+OK\r\n');
  let seen = 2;
  /** Sends `cmds`, settles until `n` new pieces arrived (replies and pushes), returns them. */
  const run = async (n: number, ...cmds: Arg[][]): Promise<string[]> => {
    if (cmds.length > 0) c.send(...cmds);
    await rig.settle(() => c.sock.replies().length >= seen + n);
    const got = c.sock.replies().slice(seen);
    seen += got.length;
    return got;
  };
  return { ...c, run };
}

/** Runs `cmds` from a plain client of thread `t` until all are answered. */
async function exec(rig: Rig, t: number, ...cmds: Arg[][]): Promise<string[]> {
  const c = rig.client(t);
  c.send(...cmds);
  await rig.settle(() => c.sock.replies().length >= cmds.length);
  return c.sock.replies();
}

describe('CLIENT TRACKING across threads', () => {
  it('a read on either shard is invalidated by a write from either thread, once', async () => {
    const rig = makeRig(2);
    const k0 = rig.keyOn(0);
    const k1 = rig.keyOn(1);
    const a = await tracker(rig, 0);
    assert.deepEqual(await a.run(2, ['GET', k0], ['GET', k1]), ['_\r\n', '_\r\n']);
    await exec(rig, 1, ['SET', k0, 'x'], ['SET', k1, 'y']);
    assert.deepEqual((await a.run(2)).sort(), [inv(k0), inv(k1)].sort());
    // Forgotten once invalidated: another write sends nothing until the key is read again.
    await exec(rig, 1, ['SET', k0, 'z']);
    assert.deepEqual(await a.run(1, ['PING']), ['+PONG\r\n']);
  });

  it('every write path invalidates: in-place changes, deletes, deadlines, RENAME, MOVE, lazy and active expiry, eviction', async () => {
    const rig = makeRig(2);
    const a = await tracker(rig, 0);
    const keys = { l: rig.keyOn(1, 'l'), h: rig.keyOn(0, 'h'), s: rig.keyOn(1, 's'), d: rig.keyOn(0, 'd'), e: rig.keyOn(1, 'e'), r: rig.keyOn(0, 'r'), r2: rig.keyOn(1, 'r2'), m: rig.keyOn(1, 'm'), x: rig.keyOn(0, 'x'), y: rig.keyOn(1, 'y') };
    await exec(rig, 1, ['RPUSH', keys.l, 'a'], ['HSET', keys.h, 'f', 'v'], ['SET', keys.s, 'v'], ['SET', keys.d, 'v'], ['SET', keys.e, 'v'], ['SET', keys.r, 'v'], ['SET', keys.m, 'v'], ['SET', keys.x, 'v', 'PX', '1000'], ['SET', keys.y, 'v', 'PX', '1000']);
    await a.run(10, ['LRANGE', keys.l, '0', '-1'], ['HGET', keys.h, 'f'], ['STRLEN', keys.s], ['EXISTS', keys.d], ['TTL', keys.e], ['GET', keys.r], ['GET', keys.r2], ['GET', keys.m], ['GET', keys.x], ['GET', keys.y]);
    await exec(rig, 1, ['LPUSH', keys.l, 'b'], ['HDEL', keys.h, 'f'], ['APPEND', keys.s, 'w'], ['DEL', keys.d], ['EXPIRE', keys.e, '100'], ['RENAME', keys.r, keys.r2], ['MOVE', keys.m, '1']);
    const got = await a.run(8);
    assert.deepEqual(got.sort(), [keys.l, keys.h, keys.s, keys.d, keys.e, keys.r, keys.r2, keys.m].map((k) => inv(k)).sort());
    // Lazy expiry (a lookup finds the key past its deadline) and the active cycle, seen from later.
    const later = Date.now() + 5000;
    assert.equal(rig.workers[0].shard.dbs[0].lookup(Buffer.from(keys.x), later), undefined);
    assert.deepEqual(await a.run(1), [inv(keys.x)]);
    assert.deepEqual(rig.workers[1].shard.dbs[0].expireSome(20, later, null)[1], 1);
    assert.deepEqual(await a.run(1), [inv(keys.y)]);
    // Eviction.
    await a.run(1, ['GET', keys.s]);
    const db1 = rig.workers[1].shard.dbs[0];
    db1.evictRef(db1.refOf(keys.s));
    assert.deepEqual(await a.run(1), [inv(keys.s)]);
  });

  it('an own write is invalidated after its reply, on its own shard and on the other', async () => {
    const rig = makeRig(2);
    const k0 = rig.keyOn(0);
    const k1 = rig.keyOn(1);
    const a = await tracker(rig, 0);
    await a.run(2, ['GET', k0], ['GET', k1]);
    assert.deepEqual(await a.run(2, ['SET', k0, '1']), ['+OK\r\n', inv(k0)]);
    assert.deepEqual(await a.run(2, ['SET', k1, '1']), ['+OK\r\n', inv(k1)]);
  });

  it('NOLOOP: no invalidation for the client\'s own writes (local or remote shard), others\' still come', async () => {
    const rig = makeRig(2);
    const k0 = rig.keyOn(0);
    const k1 = rig.keyOn(1);
    const a = await tracker(rig, 0, 'NOLOOP');
    await a.run(2, ['GET', k0], ['GET', k1]);
    assert.deepEqual(await a.run(3, ['SET', k0, '1'], ['SET', k1, '1'], ['PING']), ['+OK\r\n', '+OK\r\n', '+PONG\r\n']);
    await a.run(2, ['GET', k0], ['GET', k1]);
    await exec(rig, 1, ['SET', k0, '2'], ['SET', k1, '2']);
    assert.deepEqual((await a.run(2)).sort(), [inv(k0), inv(k1)].sort());
  });

  it('OPTIN tracks only after CLIENT CACHING yes, OPTOUT all but after CLIENT CACHING no; the choice lasts one command', async () => {
    const rig = makeRig(2);
    const [p, q, r] = [rig.keyOn(1, 'p'), rig.keyOn(1, 'q'), rig.keyOn(0, 'r')];
    const a = await tracker(rig, 0, 'OPTIN');
    await a.run(4, ['GET', p], ['CLIENT', 'CACHING', 'yes'], ['GET', q], ['GET', r]);
    await exec(rig, 1, ['SET', p, '1'], ['SET', q, '1'], ['SET', r, '1']);
    assert.deepEqual(await a.run(2, ['PING']), [inv(q), '+PONG\r\n']);
    const b = await tracker(rig, 1, 'OPTOUT');
    await b.run(3, ['CLIENT', 'CACHING', 'no'], ['GET', p], ['GET', q]);
    await exec(rig, 0, ['SET', p, '2'], ['SET', q, '2']);
    assert.deepEqual(await b.run(2, ['PING']), [inv(q), '+PONG\r\n']);
  });

  it('BCAST: keys under a prefix on every shard, one message per prefix and turn, NOLOOP leaves out own keys', async () => {
    const rig = makeRig(2);
    const a = await tracker(rig, 0, 'BCAST', 'PREFIX', 'u:', 'PREFIX', 'v:', 'NOLOOP');
    const u0 = rig.keyOn(0, 'u:');
    const u1 = rig.keyOn(1, 'u:');
    await exec(rig, 1, ['SET', u1, '1'], ['SET', 'w:1', '1']);
    assert.deepEqual(await a.run(1), [inv(u1)]);
    assert.deepEqual(await a.run(2, ['SET', u0, '1'], ['PING']), ['+OK\r\n', '+PONG\r\n']);
    const info = await exec(rig, 1, ['INFO', 'stats']);
    assert.match(info[0], /tracking_total_prefixes:2\r\n/);
    assert.match(info[0], /tracking_total_keys:0\r\n/);
  });

  it('REDIRECT to a client of the other thread; when it is gone the redirect is broken (RESP3 tracker told)', async () => {
    const rig = makeRig(2);
    const k = rig.keyOn(1);
    const target = rig.client(1);
    target.send(['HELLO', '3'], ['CLIENT', 'ID']);
    await rig.settle(() => target.sock.replies().length >= 2);
    const id = target.sock.replies()[1].slice(1, -2);
    const a = await tracker(rig, 0, 'REDIRECT', id);
    assert.deepEqual(await a.run(2, ['GET', k], ['CLIENT', 'GETREDIR']), ['_\r\n', `:${id}\r\n`]);
    await exec(rig, 0, ['SET', k, '1']);
    await rig.settle(() => target.sock.replies().length >= 3);
    assert.equal(target.sock.replies()[2], inv(k));
    target.conn.close();
    await a.run(1, ['GET', k]);
    await exec(rig, 1, ['SET', k, '2']);
    assert.deepEqual(await a.run(1), [`>2\r\n$21\r\ntracking-redir-broken\r\n:${id}\r\n`]);
    const [info] = await a.run(1, ['CLIENT', 'TRACKINGINFO']);
    assert.match(info, /broken_redirect/);
    const [list] = await a.run(1, ['CLIENT', 'INFO']);
    assert.match(list, new RegExp(`flags=tR .* redir=${id} `));
  });

  it('tracking-table-max-keys: past the limit tracked keys are forgotten and invalidated', async () => {
    const rig = makeRig(2, { config: { tracking_table_max_keys: 4 } });
    const keys = [0, 1, 2].map((i) => rig.keyOn(0, `m${i}`));
    const a = await tracker(rig, 0);
    const got = await a.run(4, ...keys.map((k) => ['GET', k]));
    // Two keys per shard: reading the third forgets the first.
    assert.deepEqual(got, ['_\r\n', '_\r\n', inv(keys[0]), '_\r\n']);
    const [info] = await exec(rig, 0, ['INFO', 'stats']);
    assert.match(info, /tracking_total_keys:2\r\n/);
    assert.match(info, /tracking_total_items:2\r\n/);
  });

  it('FLUSHALL, FLUSHDB and SWAPDB send every tracking client one null invalidation and empty the tables', async () => {
    const rig = makeRig(2);
    const a = await tracker(rig, 0);
    const b = await tracker(rig, 1, 'BCAST');
    await a.run(1, ['GET', rig.keyOn(1)]);
    for (const cmd of [['FLUSHALL'], ['FLUSHDB'], ['SWAPDB', '0', '1']]) {
      await exec(rig, 1, cmd);
      assert.deepEqual(await a.run(1), [INV_ALL], cmd[0]);
      assert.deepEqual(await b.run(1), [INV_ALL], cmd[0]);
    }
    const [info] = await exec(rig, 0, ['INFO']);
    assert.match(info, /tracking_clients:2\r\n/);
    assert.match(info, /tracking_total_items:0\r\n/);
    // The flusher's own null comes after its reply.
    assert.deepEqual(await a.run(2, ['FLUSHALL']), ['+OK\r\n', INV_ALL]);
  });
});
