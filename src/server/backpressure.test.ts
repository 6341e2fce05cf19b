// Backpressure across threads, in process (test/inproc.ts): a client that does not read its replies
// stops being run and read whatever shard its keys live on; its replies in flight on other shards are
// bounded (--client_inflight_limit) even while the mesh is not pumped; it resumes when it reads, and
// every reply arrives, correct and in order. No timing: the rig decides when frames cross.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { makeRig, type FakeSocket, type Rig } from '../../test/inproc.ts';
import { outputLimitCheck } from '../config/output-limits.ts';
import { PushFrame } from './client.ts';

/** Makes a fake socket keep what is written to it unsent (writableLength grows) until read(). */
function backedUp(sock: FakeSocket): { read(): void } {
  const write = sock.write.bind(sock);
  sock.write = (b: Uint8Array): boolean => {
    write(b);
    sock.writableLength += b.length;
    sock.writableNeedDrain = sock.writableLength >= 16 * 1024;
    return !sock.writableNeedDrain;
  };
  return {
    read(): void {
      const needed = sock.writableNeedDrain;
      sock.writableLength = 0;
      sock.writableNeedDrain = false;
      if (needed) sock.emit('drain');
    },
  };
}

/** Commands executed on every shard so far. */
const executed = (rig: Rig): number => rig.workers.reduce((n, w) => n + w.stats.commandsProcessed, 0);

const VALUE = 1024;
const valueOf = (i: number): string => String(i).padEnd(VALUE, '.');
const bulk = (s: string): string => `$${s.length}\r\n${s}\r\n`;

/** `n` keys alternating between shard 1 (remote for a client of thread 0) and shard 0, each with its own 1 KB value. */
async function loadKeys(rig: Rig, n: number): Promise<string[]> {
  const keys = Array.from({ length: n }, (_, i) => rig.keyOn(i % 3 === 2 ? 0 : 1, `bp${i}`));
  const setter = rig.client(1);
  setter.send(...keys.map((k, i) => ['SET', k, valueOf(i)]));
  await rig.settle(() => setter.sock.replies().length === n, 200);
  assert.equal(setter.sock.replies().length, n);
  return keys;
}

describe('Backpressure across threads', () => {
  it('replies in flight on another shard stop at client_inflight_limit while the mesh is not pumped', () => {
    // (A pause bound so large that the count is the bound that acts.)
    const rig = makeRig(2, { config: { client_inflight_limit: 100, client_output_buffer_pause: 1024 * 1024 * 1024 } });
    const remote = rig.keyOn(1);
    const { conn, sock, send } = rig.client(0);
    send(...Array.from({ length: 5000 }, () => ['GET', remote]));
    // Nothing crossed yet: the first burst (before any reply size is known: 64), and the socket is no longer read.
    assert.ok(rig.workers[0].mesh.sentRequests <= 65);
    assert.ok(sock.paused);
    // Replies coming back (small ones) let the rest run, never more than the bound in flight.
    let most = 0;
    for (let round = 0; round < 40; round++) {
      rig.workers[0].mesh.flushAll();
      rig.workers[1].mesh.drain();
      // What worker 1 has not answered yet, and what waits in worker 0's ring, is all in flight.
      most = Math.max(most, conn.queuedReplies);
      assert.ok(conn.queuedReplies <= 100, `${conn.queuedReplies} in flight`);
      rig.workers[0].mesh.drain();
    }
    assert.equal(most, 100);
    assert.ok(rig.workers[0].mesh.sentRequests > 1000);
  });

  it('a non-reading client is held after client_output_buffer_pause bytes, remote keys or local, and resumes when it reads', async () => {
    const PAUSE = 64 * 1024;
    const rig = makeRig(2, { config: { client_output_buffer_pause: PAUSE, client_inflight_limit: 64 } });
    const N = 1500;
    const keys = await loadKeys(rig, N);
    const { conn, sock, send } = rig.client(0);
    const reader = backedUp(sock);
    const before = executed(rig);
    send(...keys.map((k) => ['GET', k]));
    await rig.settle(() => false, 20);
    // Held: a bounded number ran (the bound in bytes plus one read batch's worth), and nothing is read.
    const ran = executed(rig) - before;
    assert.ok(ran < N, `${ran} of ${N} ran while the client read nothing`);
    assert.ok(ran * (VALUE + 8) <= 2 * PAUSE + 64 * (VALUE + 8), `${ran} replies held`);
    assert.ok(conn.outputBytes <= 2 * PAUSE, `${conn.outputBytes} bytes held`);
    assert.ok(sock.paused);
    // It reads: the rest runs, in order.
    for (let round = 0; round < 200 && sock.replies().length < N; round++) {
      reader.read();
      await rig.settle(() => false, 2);
    }
    assert.equal(executed(rig) - before, N);
    const replies = sock.replies();
    assert.equal(replies.length, N);
    for (let i = 0; i < N; i++) assert.equal(replies[i], bulk(valueOf(i)), `reply ${i}`);
    assert.equal(sock.paused, false);
  });

  it('big replies: the bytes its replies in flight will bring count too, before and after the first ones come back', async () => {
    const PAUSE = 1024 * 1024;
    const BIG = 64 * 1024;
    const rig = makeRig(2, { config: { client_output_buffer_pause: PAUSE } });
    const remote = rig.keyOn(1);
    const setter = rig.client(1);
    setter.send(['SET', remote, Buffer.alloc(BIG, 0x62)]);
    assert.deepEqual(setter.sock.replies(), ['+OK\r\n']);
    const { conn, sock, send } = rig.client(0);
    const reader = backedUp(sock);
    const N = 2000;
    send(...Array.from({ length: N }, () => ['GET', remote]));
    // Before any reply: each is taken to be PAUSE/64, so at most 64 go out (not client_inflight_limit's 1024).
    assert.ok(rig.workers[0].mesh.sentRequests <= 65, `${rig.workers[0].mesh.sentRequests} sent`);
    await rig.settle(() => false, 20);
    // Then their real size: what ran is about PAUSE's worth (not N, nor 1024 of them).
    const ran = rig.workers[1].stats.commandsProcessed - 1;
    assert.ok(ran <= 65 + (2 * PAUSE) / BIG, `${ran} GETs of ${BIG} bytes ran for a client that reads nothing`);
    assert.ok(conn.outputBytes <= 65 * (BIG + 16) + 2 * PAUSE, `${conn.outputBytes} bytes held`);
    for (let round = 0; round < 2000 && sock.replies().length < N; round++) {
      reader.read();
      await rig.settle(() => false, 1);
    }
    assert.equal(sock.replies().length, N);
  });

  it('a closed client releases its queued replies at once', () => {
    const rig = makeRig(2);
    const { conn, send } = rig.client(0);
    send(['GET', rig.keyOn(0)], ...Array.from({ length: 50 }, () => ['GET', rig.keyOn(1)]), ['PING']);
    assert.ok(conn.queuedReplies > 0);
    conn.close();
    assert.equal(conn.queuedReplies, 0);
    assert.equal(conn.outputBytes, 0);
    rig.pump(); // the replies still in flight land nowhere
    assert.equal(conn.queuedReplies, 0);
  });

  it('a held client that half-closes still gets every reply, then is closed', async () => {
    const rig = makeRig(2, { config: { client_inflight_limit: 16 } });
    const N = 200;
    const keys = await loadKeys(rig, N);
    const { sock, send } = rig.client(0);
    send(...keys.map((k) => ['GET', k]));
    sock.emit('end');
    await rig.settle(() => sock.ended, 200);
    const replies = sock.replies();
    assert.equal(replies.length, N);
    for (let i = 0; i < N; i++) assert.equal(replies[i], bulk(valueOf(i)));
    assert.ok(sock.ended);
  });

  it('client-output-buffer-limit normal: a client past the hard limit is closed (its class is generic)', async () => {
    const rig = makeRig(2, { config: { client_output_buffer_limit: 'normal 32kb 0 0 slave 0 0 0 pubsub 0 0 0' } });
    const keys = await loadKeys(rig, 200);
    const { sock, send } = rig.client(0);
    backedUp(sock);
    const other = rig.client(0);
    send(...keys.map((k) => ['GET', k]));
    await rig.settle(() => sock.destroyed, 50);
    assert.ok(sock.destroyed);
    other.send(['PING']);
    assert.deepEqual(other.sock.replies(), ['+PONG\r\n']);
    assert.equal(rig.workers[0].stats.outputLimitDisconnections, 1);
  });

  it('client-output-buffer-limit counts pushed messages too', () => {
    const rig = makeRig(2, { config: { client_output_buffer_limit: 'normal 32kb 0 0' } });
    const { conn, sock } = rig.client(0);
    backedUp(sock);
    const frame = PushFrame.of(['message', 'ch', 'x'.repeat(1000)]);
    let pushed = 0;
    while (conn.push(frame)) pushed++;
    assert.ok(sock.destroyed);
    assert.ok(pushed >= 30 && pushed <= 34, `${pushed} pushes`);
  });

  it('client-output-buffer-limit soft limit: a client over it is closed only after its seconds', async () => {
    const LIMITS = 'normal 0 16kb 1000 slave 0 0 0 pubsub 64kb 0 0';
    const rig = makeRig(2, { config: { client_output_buffer_limit: LIMITS } });
    const keys = await loadKeys(rig, 64);
    const { sock, send } = rig.client(0);
    backedUp(sock);
    send(...keys.map((k) => ['GET', k]));
    await rig.settle(() => false, 5);
    assert.equal(sock.destroyed, false);
    // The check itself: under the soft limit, first over it (now), over it since long ago; other classes.
    assert.equal(outputLimitCheck(LIMITS, 'normal', 1000, 0), 0);
    const since = outputLimitCheck(LIMITS, 'normal', 20_000, 0);
    assert.ok(since > 0);
    assert.equal(outputLimitCheck(LIMITS, 'normal', 20_000, since), since);
    assert.equal(outputLimitCheck(LIMITS, 'normal', 20_000, 1), -1);
    assert.equal(outputLimitCheck(LIMITS, 'normal', 1000, 1), 0);
    assert.equal(outputLimitCheck(LIMITS, 'pubsub', 64 * 1024, 0), -1);
    assert.equal(outputLimitCheck(LIMITS, 'replica', 1e12, 0), 0);
  });
});
