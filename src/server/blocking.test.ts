// Blocked clients in process (test/inproc.ts: real workers and rings, the mesh pumped by hand):
// - a client gone in the instant a shard served it loses nothing, for every blocking command, with
//   the key on its own shard and on another: what was popped for it goes back exactly (list elements
//   at their end in their order, members with their scores), or is in the destination (a move);
// - clients blocked on one key are served in the order their commands arrived at the server, even
//   when their registrations reach the key's shard in the other order.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { makeRig } from '../../test/inproc.ts';

type Arg = string;

interface RaceCase {
  name: string;
  /** The blocking command on `key` (`dst`: a second key on the client's own shard). */
  block(key: string, dst: string): Arg[];
  push(key: string): Arg[];
  /** Commands whose replies show the state afterwards. */
  check(key: string, dst: string): Arg[][];
  /** Their replies (RESP2 / RESP3 as the client's protocol made no difference to them). */
  after: string[];
}

const L = (...xs: string[]): string => `*${xs.length}\r\n` + xs.map((x) => `$${x.length}\r\n${x}\r\n`).join('');

const CASES: RaceCase[] = [
  { name: 'BLPOP', block: (k) => ['BLPOP', k, '0'], push: (k) => ['RPUSH', k, 'a', 'b'], check: (k) => [['LRANGE', k, '0', '-1']], after: [L('a', 'b')] },
  { name: 'BRPOP', block: (k) => ['BRPOP', k, '0'], push: (k) => ['RPUSH', k, 'a', 'b'], check: (k) => [['LRANGE', k, '0', '-1']], after: [L('a', 'b')] },
  {
    name: 'BLMPOP LEFT COUNT 2',
    block: (k) => ['BLMPOP', '0', '1', k, 'LEFT', 'COUNT', '2'],
    push: (k) => ['RPUSH', k, 'a', 'b', 'c'],
    check: (k) => [['LRANGE', k, '0', '-1']],
    after: [L('a', 'b', 'c')],
  },
  {
    name: 'BLMPOP RIGHT COUNT 2',
    block: (k) => ['BLMPOP', '0', '1', k, 'RIGHT', 'COUNT', '2'],
    push: (k) => ['RPUSH', k, 'a', 'b', 'c'],
    check: (k) => [['LRANGE', k, '0', '-1']],
    after: [L('a', 'b', 'c')],
  },
  {
    name: 'BZPOPMIN',
    block: (k) => ['BZPOPMIN', k, '0'],
    push: (k) => ['ZADD', k, '1.5', 'a', '2', 'b'],
    check: (k) => [['ZRANGE', k, '0', '-1', 'WITHSCORES']],
    after: [L('a', '1.5', 'b', '2')],
  },
  {
    name: 'BZPOPMAX',
    block: (k) => ['BZPOPMAX', k, '0'],
    push: (k) => ['ZADD', k, '1.5', 'a', '2', 'b'],
    check: (k) => [['ZRANGE', k, '0', '-1', 'WITHSCORES']],
    after: [L('a', '1.5', 'b', '2')],
  },
  {
    name: 'BZMPOP MIN COUNT 2',
    block: (k) => ['BZMPOP', '0', '1', k, 'MIN', 'COUNT', '2'],
    push: (k) => ['ZADD', k, '1', 'a', '2.5', 'b', '3', 'c'],
    check: (k) => [['ZRANGE', k, '0', '-1', 'WITHSCORES']],
    after: [L('a', '1', 'b', '2.5', 'c', '3')],
  },
  {
    name: 'BZMPOP MAX COUNT 5',
    block: (k) => ['BZMPOP', '0', '1', k, 'MAX', 'COUNT', '5'],
    push: (k) => ['ZADD', k, '1', 'a', '2.5', 'b'],
    check: (k) => [['ZRANGE', k, '0', '-1', 'WITHSCORES']],
    after: [L('a', '1', 'b', '2.5')],
  },
];

/** BLMOVE / BRPOPLPUSH: the element is back in the source or moved to the destination, never lost. */
const MOVES: { name: string; block(key: string, dst: string): Arg[] }[] = [
  { name: 'BLMOVE LEFT RIGHT', block: (k, d) => ['BLMOVE', k, d, 'LEFT', 'RIGHT', '0'] },
  { name: 'BRPOPLPUSH', block: (k, d) => ['BRPOPLPUSH', k, d, '0'] },
];

/**
 * Client on worker 0 blocked on `key` (shard `keyShard`); a client of the other worker pushes; the
 * blocked client goes away right after the push is served, before the reply reaches it.
 */
async function served_then_gone(keyShard: number, resp3: boolean, block: (k: string, d: string) => Arg[], push: (k: string) => Arg[]) {
  const rig = makeRig(2);
  const key = rig.keyOn(keyShard, 'q');
  const dst = rig.keyOn(0, 'dst');
  const blocked = rig.client(0);
  if (resp3) {
    blocked.send(['HELLO', '3']);
    await rig.settle(() => blocked.sock.replies().length >= 1);
  }
  const before = blocked.sock.replies().length;
  blocked.send(block(key, dst));
  await rig.settle(() => rig.workers[keyShard].blocking.waiters.size === 1 && blocked.conn.blockState !== null);
  assert.equal(rig.workers[keyShard].blocking.waiters.size, 1);
  const pusher = rig.client(1);
  pusher.send(push(key));
  // Shard `keyShard` serves the waiter as soon as the push reaches it; the client disconnects in
  // that instant (a remote shard's reply is still on its way to worker 0).
  // On its own shard the push is served where the client is, in one turn: it goes before the push
  // arrives (no pop may be spent on it) or is answered.
  if (keyShard === 1) assert.equal(rig.workers[1].blocking.waiters.size, 0);
  blocked.sock.emit('close');
  await rig.settle();
  await rig.settle();
  assert.deepEqual(blocked.sock.replies().slice(before), []);
  return { rig, key, dst, pusher };
}

describe('Blocked clients: served in the instant they go away', () => {
  for (const keyShard of [0, 1]) {
    for (const resp3 of [false, true]) {
      const where = `${keyShard === 0 ? "the client's own shard" : 'another shard'}, ${resp3 ? 'RESP3' : 'RESP2'}`;
      for (const c of CASES) {
        it(`${c.name}, key on ${where}: what was popped goes back exactly`, async () => {
          const { rig, key, dst, pusher } = await served_then_gone(keyShard, resp3, c.block, c.push);
          const checks = c.check(key, dst);
          pusher.send(...checks);
          await rig.settle(() => pusher.sock.replies().length >= 1 + checks.length);
          assert.deepEqual(pusher.sock.replies().slice(1), c.after);
          assert.equal(rig.workers[0].blocking.waiters.size + rig.workers[1].blocking.waiters.size, 0);
        });
      }
      for (const m of MOVES) {
        it(`${m.name}, source on ${where}: the element is in the source or the destination, once`, async () => {
          const { rig, key, dst, pusher } = await served_then_gone(keyShard, resp3, m.block, (k) => ['RPUSH', k, 'a', 'b']);
          pusher.send(['LRANGE', key, '0', '-1'], ['LRANGE', dst, '0', '-1']);
          await rig.settle(() => pusher.sock.replies().length >= 3);
          const [src, moved] = pusher.sock.replies().slice(1);
          const elems = (r: string): string[] => r.split('\r\n').filter((_, i) => i > 0 && i % 2 === 0);
          assert.deepEqual([...elems(src), ...elems(moved)].sort(), ['a', 'b'], `source ${JSON.stringify(src)}, destination ${JSON.stringify(moved)}`);
        });
      }
    }
  }
});

describe('Blocked clients: served in the order their commands arrived', () => {
  it('a registration that reaches the shard late but was stamped first is served first', async () => {
    const rig = makeRig(2);
    const [w0, w1] = rig.workers;
    const key = rig.keyOn(1, 'blist');
    const a = rig.client(0); // its waiter crosses the mesh
    const b = rig.client(1); // its waiter is registered in place
    a.send(['BRPOPLPUSH', key, rig.keyOn(0, 'ta'), '0']);
    // A's try is done and its registration is staged on worker 0, not yet delivered.
    await rig.settle(() => w0.blocking.waits.size === 1);
    assert.equal(w1.blocking.waiters.size, 0);
    assert.equal(a.conn.blockState, null, 'A shows as blocked before its shard has its waiter');
    b.send(['BRPOPLPUSH', key, rig.keyOn(1, 'tb'), '0']);
    // B's command runs on its own shard: no mesh needed (and worker 1's rings, where A's
    // registration may be by now, are not read).
    for (let i = 0; i < 50 && b.conn.blockState === null; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    assert.notEqual(b.conn.blockState, null);
    assert.equal(w1.blocking.waiters.size, 1, "B's waiter is on the shard first");
    // Now A's registration arrives; both are blocked when the push comes.
    await rig.settle(() => a.conn.blockState !== null);
    assert.equal(w1.blocking.waiters.size, 2);
    const pusher = rig.client(0);
    pusher.send(['LPUSH', key, 'a', 'b']);
    await rig.settle(() => a.sock.replies().length >= 1 && b.sock.replies().length >= 1);
    assert.deepEqual(a.sock.replies(), ['$1\r\na\r\n'], 'the client whose command arrived first is served first');
    assert.deepEqual(b.sock.replies(), ['$1\r\nb\r\n']);
  });
});
