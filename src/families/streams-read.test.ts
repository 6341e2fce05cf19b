// Blocking XREAD against redis-server 7.0.15: scenarios drive several clients through the same
// interleaving on Redis and on Damselfly (1 and 2 threads, RESP2 and RESP3; keys on both shards) and
// compare every reply. They synchronise only on replies and on CLIENT LIST's blocked flag: no sleeps;
// timeouts are tiny and only their reply is compared. Covered: woken by an XADD from another client
// to any of its keys (any shard), `$` fixed when the client blocks, an explicit ID served only past
// it, every waiter of a key served once and in arrival order, COUNT on the served reply, entries of
// a MULTI/EXEC served together, a key deleted or of another type meanwhile, CLIENT UNBLOCK.
// In process (test/inproc.ts, the mesh pumped by hand): a client of one thread blocked on keys of
// both shards is served once by an XADD from the other thread, and its waiters leave both shards;
// a client gone in the instant it is served leaves the stream as it was (XREAD consumes nothing).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { blockingDifferentialSuite, K, type Scenario } from '../../test/blocking-session.ts';
import { makeRig } from '../../test/inproc.ts';

const THREADS = [1, 2];
const a0 = K(0, 'a');
const b1 = K(1, 'b');
const c0 = K(0, 'c');

const SCENARIOS: Record<string, Scenario> = {
  async 'woken by XADD to any of its keys, on any shard'(s) {
    await s.call('x', 'XADD', a0, '1-1', 'f', 'v');
    await s.block('r', 'XREAD', 'BLOCK', 0, 'STREAMS', a0, b1, '$', '$');
    await s.call('x', 'XADD', b1, '2-1', 'g', 'w');
    await s.reply('r');
    await s.block('r', 'XREAD', 'BLOCK', 0, 'STREAMS', a0, b1, '$', '$');
    await s.call('x', 'XADD', a0, '3-1', 'h', 'u');
    await s.reply('r');
    await s.call('x', 'XADD', a0, '4-1', 'h', 'u');
    await s.call('r', 'XREAD', 'BLOCK', 0, 'STREAMS', a0, b1, '3-1', '$');
  },

  async 'an explicit ID is served only by entries past it'(s) {
    await s.call('x', 'XADD', a0, '5-0', 'f', 'v');
    await s.block('r', 'XREAD', 'BLOCK', 0, 'STREAMS', a0, '100-0');
    await s.call('x', 'XADD', a0, '50-0', 'f', 'v');
    await s.blocked('r');
    await s.call('x', 'XADD', a0, '150-0', 'f', 'v');
    await s.reply('r');
    await s.block('r', 'XREAD', 'BLOCK', 0, 'STREAMS', b1, '7');
    await s.call('x', 'XADD', b1, '7-0', 'f', 'v');
    await s.blocked('r');
    await s.call('x', 'XADD', b1, '7-1', 'f', 'v');
    await s.reply('r');
  },

  async 'every waiter of a key is served once, in arrival order, with its COUNT'(s) {
    await s.block('r1', 'XREAD', 'BLOCK', 0, 'STREAMS', a0, '$');
    await s.block('r2', 'XREAD', 'COUNT', 1, 'BLOCK', 0, 'STREAMS', b1, a0, '$', '$');
    await s.block('r3', 'XREAD', 'BLOCK', 0, 'STREAMS', c0, a0, '$', '0-0');
    await s.call('x', 'MULTI');
    await s.call('x', 'XADD', a0, '1-1', 'f', '1');
    await s.call('x', 'XADD', a0, '1-2', 'f', '2');
    await s.call('x', 'EXEC');
    await s.reply('r1');
    await s.reply('r2');
    await s.reply('r3');
    await s.call('x', 'XLEN', a0);
  },

  async 'timeouts, CLIENT UNBLOCK, wrong types'(s) {
    await s.call('r', 'XREAD', 'BLOCK', 1, 'STREAMS', a0, b1, '$', '$');
    await s.call('x', 'SET', c0, 'str');
    await s.call('r', 'XREAD', 'BLOCK', 0, 'STREAMS', a0, c0, '$', '$');
    await s.block('r', 'XREAD', 'BLOCK', 0, 'STREAMS', a0, '$');
    await s.call('x', 'CLIENT', 'UNBLOCK', await s.id('r'));
    await s.reply('r');
    await s.block('r', 'XREAD', 'BLOCK', 0, 'STREAMS', b1, '$');
    await s.call('x', 'CLIENT', 'UNBLOCK', await s.id('r'), 'ERROR');
    await s.reply('r');
    await s.call('x', 'XADD', b1, '1-1', 'f', 'v');
    await s.call('r', 'XREAD', 'BLOCK', 0, 'STREAMS', b1, '0');
  },

  async 'the key deleted, or of another type, while waiting'(s) {
    await s.call('x', 'XADD', a0, '10-0', 'f', 'v');
    await s.block('r', 'XREAD', 'BLOCK', 0, 'STREAMS', a0, '$');
    await s.call('x', 'DEL', a0);
    await s.call('x', 'RPUSH', a0, 'x');
    await s.blocked('r');
    await s.call('x', 'DEL', a0);
    await s.call('x', 'XADD', a0, '5-0', 'f', 'v');
    await s.blocked('r');
    await s.call('x', 'XADD', a0, '11-0', 'f', 'v');
    await s.reply('r');
    await s.block('r', 'XREAD', 'BLOCK', 0, 'STREAMS', K(1, 'new'), '$');
    await s.call('x', 'XADD', K(1, 'new'), '1-1', 'f', 'v');
    await s.reply('r');
  },

  async 'a stream renamed or copied onto the waited key, from either shard'(s) {
    await s.call('x', 'XADD', a0, '10-0', 'f', 'v');
    await s.call('x', 'XADD', b1, '20-0', 'g', 'w');
    await s.call('x', 'XADD', c0, '5-0', 'h', 'u');
    await s.block('r', 'XREAD', 'BLOCK', 0, 'STREAMS', a0, '$');
    await s.call('x', 'RENAME', c0, a0);
    await s.blocked('r');
    await s.call('x', 'RENAME', b1, a0);
    await s.reply('r');
    await s.block('r', 'XREAD', 'BLOCK', 0, 'STREAMS', b1, '15');
    await s.call('x', 'COPY', a0, b1);
    await s.reply('r');
  },
};

blockingDifferentialSuite('blocking XREAD matches Redis', SCENARIOS, THREADS);

describe('blocking XREAD in process', () => {
  for (const resp3 of [false, true]) {
    it(`woken by an XADD from another thread, once, waiters gone from both shards (${resp3 ? 'RESP3' : 'RESP2'})`, async () => {
      const rig = makeRig(2);
      const [w0, w1] = rig.workers;
      const own = rig.keyOn(0, 's');
      const other = rig.keyOn(1, 's');
      const r = rig.client(0);
      if (resp3) {
        r.send(['HELLO', '3']);
        await rig.settle(() => r.sock.replies().length >= 1);
      }
      const before = r.sock.replies().length;
      r.send(['XREAD', 'COUNT', '5', 'BLOCK', '0', 'STREAMS', own, other, '$', '$']);
      await rig.settle(() => r.conn.blockState !== null);
      assert.equal(w0.blocking.waiters.size + w1.blocking.waiters.size, 2);
      const x = rig.client(1);
      x.send(['XADD', other, '7-1', 'f', 'v'], ['XADD', other, '7-2', 'g', 'w'], ['XADD', own, '8-1', 'h', 'u']);
      await rig.settle(() => x.sock.replies().length >= 3 && r.sock.replies().length > before);
      await rig.settle();
      const entry = '*2\r\n$3\r\n7-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n';
      const head = resp3 ? '%1\r\n' : '*1\r\n*2\r\n';
      assert.deepEqual(r.sock.replies().slice(before), [`${head}$${other.length}\r\n${other}\r\n*1\r\n${entry}`]);
      assert.equal(w0.blocking.waiters.size + w1.blocking.waiters.size, 0);
      assert.equal(r.conn.blockState, null);
    });
  }

  it('a client gone in the instant it is served: the stream is left as it was', async () => {
    const rig = makeRig(2);
    const key = rig.keyOn(1, 's');
    const r = rig.client(0);
    r.send(['XREAD', 'BLOCK', '0', 'STREAMS', key, '$']);
    await rig.settle(() => r.conn.blockState !== null);
    const x = rig.client(1);
    x.send(['XADD', key, '1-1', 'f', 'v']);
    await rig.settle(() => x.sock.replies().length >= 1);
    assert.equal(rig.workers[1].blocking.waiters.size, 0, 'served on the key\'s shard');
    r.sock.emit('close');
    await rig.settle();
    assert.deepEqual(r.sock.replies(), []);
    x.send(['XLEN', key], ['XRANGE', key, '-', '+']);
    await rig.settle(() => x.sock.replies().length >= 3);
    assert.deepEqual(x.sock.replies().slice(1), [':1\r\n', '*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n']);
  });
});
