// The client push channel, in process (real workers and rings, the mesh pumped by hand): a message
// from any thread reaches its client after the replies already produced for it, framed for the
// client's protocol, in send order; a gone client is reported.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { makeRig } from '../../test/inproc.ts';
import { PushFrame } from './client.ts';
import { pushTo } from './push.ts';

describe('Client push channel', () => {
  it('a push from another thread comes after a reply still in flight, as a RESP2 array', async () => {
    const rig = makeRig(2);
    const { conn, sock, send } = rig.client(0);
    send(['SET', rig.keyOn(1), 'v'], ['GET', rig.keyOn(1)]); // both answered by shard 1: in flight
    pushTo(rig.workers[1], 0, conn.id, PushFrame.of(['message', 'ch', Buffer.from('hi')]));
    await rig.settle(() => sock.replies().length >= 3);
    assert.deepEqual(sock.replies(), ['+OK\r\n', '$1\r\nv\r\n', '*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n']);
  });

  it('RESP3 clients get a push type; messages from one thread keep their order; integers stay integers', async () => {
    const rig = makeRig(2);
    const { conn, sock, send } = rig.client(0);
    send(['HELLO', '3']);
    await rig.settle(() => sock.replies().length >= 1);
    for (let i = 0; i < 5; i++) pushTo(rig.workers[1], 0, conn.id, PushFrame.of(['subscribe', 'ch', i]));
    await rig.settle(() => sock.replies().length >= 6);
    assert.deepEqual(sock.replies().slice(1), [0, 1, 2, 3, 4].map((i) => `>3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:${i}\r\n`));
  });

  it('a push on the client\'s own thread is written at the end of the task when nothing is in flight', async () => {
    const rig = makeRig(2);
    const { conn, sock } = rig.client(0);
    let ok: boolean | null = null;
    pushTo(rig.workers[0], 0, conn.id, PushFrame.of(['message', 'a', 'b']), (d) => (ok = d));
    assert.equal(ok, true);
    await rig.settle(() => sock.replies().length >= 1);
    assert.deepEqual(sock.replies(), ['*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$1\r\nb\r\n']);
  });

  it('a client that is gone is reported, from its own thread and from another', async () => {
    const rig = makeRig(2);
    const { conn } = rig.client(0);
    conn.close();
    const seen: boolean[] = [];
    pushTo(rig.workers[0], 0, conn.id, PushFrame.of(['x']), (d) => seen.push(d));
    pushTo(rig.workers[1], 0, conn.id, PushFrame.of(['x']), (d) => seen.push(d));
    await rig.settle(() => seen.length >= 2);
    assert.deepEqual(seen, [false, false]);
  });
});
