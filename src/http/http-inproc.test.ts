// HTTP detection and gathering in the in-process rig: first bytes cut anywhere, a connection handed
// over whole (nothing of the client left on the socket), RESP untouched, and a scrape that is one
// hop per shard and counts as no command.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { FakeSocket, makeRig, type Rig } from '../../test/inproc.ts';
import { encodeCommand } from '../../test/resp.ts';
import { Connection, type HttpAcceptor } from '../server/connection.ts';
import { HEAD_MAX, HttpRequestReader } from '../protocol/http-request.ts';
import { HttpService } from './http-service.ts';

/** A sniffing connection on worker 0 whose HTTP hand-overs are recorded. */
function sniffing(rig: Rig): { conn: Connection; sock: FakeSocket; adopted: Buffer[] } {
  const adopted: Buffer[] = [];
  const acceptor: HttpAcceptor = { adopt: (_s, head) => adopted.push(head), closeAll() {} };
  const worker = rig.workers[0];
  worker.http = acceptor;
  const sock = new FakeSocket();
  const id = Atomics.add(worker.shared.ids, 0, 1n) + 1n;
  Atomics.add(worker.shared.counts, 0, 1);
  const conn = new Connection(worker, sock as unknown as Socket, id, true);
  worker.clients.set(id, conn);
  return { conn, sock, adopted };
}

describe('HTTP sniffing on a connection', () => {
  it('hands an HTTP request over whole, however its first line is cut', () => {
    const rig = makeRig(2);
    const { conn, sock, adopted } = sniffing(rig);
    const clientsBefore = Atomics.load(rig.workers[0].shared.counts, 0);
    for (const part of ['GE', 'T /met', 'rics HTTP/1', '.1\r', '\nHost: x\r\n\r\n']) sock.emit('data', Buffer.from(part));
    assert.equal(adopted.length, 1);
    assert.equal(adopted[0].toString(), 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.equal(rig.workers[0].clients.has(conn.id), false);
    assert.equal(Atomics.load(rig.workers[0].shared.counts, 0), clientsBefore - 1);
    assert.equal(sock.destroyed, false);
    for (const ev of ['data', 'end', 'close', 'error', 'drain']) assert.equal(sock.listenerCount(ev), 0, ev);
    assert.equal(sock.output().length, 0);
  });

  it('leaves RESP and inline commands (cut anywhere) to the client', async () => {
    const rig = makeRig(2);
    const key = rig.keyOn(1);
    const { conn, sock, adopted } = sniffing(rig);
    for (const part of ['SE', `T ${key} v\r`, '\nGET', ` ${key}\r\n`]) sock.emit('data', Buffer.from(part));
    sock.emit('data', encodeCommand(['PING']));
    await rig.settle(() => sock.replies().length >= 3);
    assert.deepEqual(sock.replies(), ['+OK\r\n', '$1\r\nv\r\n', '+PONG\r\n']);
    assert.equal(adopted.length, 0);
    assert.equal(rig.workers[0].clients.get(conn.id), conn);
  });
});

describe('HttpService in the rig', () => {
  it('a scrape is one operation per shard, and counts as no command', async () => {
    const rig = makeRig(2);
    const service = new HttpService(rig.workers[0]);
    const c = rig.client(0);
    c.send(['SET', rig.keyOn(0), 'a'], ['SET', rig.keyOn(1), 'b'], ['GET', rig.keyOn(1)]);
    await rig.settle(() => c.sock.replies().length >= 3);
    const processed = rig.workers.map((w) => w.stats.commandsProcessed);
    const sent = rig.workers[0].mesh.sentRequests;
    const reader = new HttpRequestReader();
    reader.feed(Buffer.from('GET /metrics HTTP/1.1\r\n\r\n'));
    let body = '';
    void service.respond(reader.next()!).then((r) => (body = String(r.body)));
    await rig.settle(() => body !== '');
    assert.equal(rig.workers[0].mesh.sentRequests - sent, 1, 'one hop to the other shard');
    assert.deepEqual(rig.workers.map((w) => w.stats.commandsProcessed), processed);
    assert.match(body, /^redis_db_keys\{db="db0"\} 2$/m);
    assert.match(body, /^damselfly_thread_keys\{thread="0"\} 1$/m);
    assert.match(body, /^damselfly_thread_keys\{thread="1"\} 1$/m);
    assert.match(body, /^redis_commands_total\{cmd="set"\} 2$/m);
  });
});

/** A fake socket an HTTP connection can be adopted on. */
class HttpFakeSocket extends FakeSocket {
  setTimeout(): this {
    return this;
  }
}

describe('HTTP connection backpressure', () => {
  it('a client that pipelines without reading is read no further than HEAD_MAX ahead, and answered no further than OUTPUT_MAX ahead', async () => {
    const rig = makeRig(1);
    const service = new HttpService(rig.workers[0]);
    const sock = new HttpFakeSocket();
    const one = 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n';
    const count = Math.ceil((HEAD_MAX * 4) / one.length);
    const answered = (): number => sock.output().toString('latin1').split('HTTP/1.1 200 OK').length - 1;
    // The client has not read 2 MB of earlier responses: nothing is answered, and reading stops.
    sock.writableLength = 2 * 1024 * 1024;
    service.adopt(sock as unknown as Socket, Buffer.from(one.repeat(count)));
    assert.equal(sock.paused, true, 'reading stops with more than HEAD_MAX waiting');
    await rig.settle(() => true);
    assert.equal(answered(), 0, 'nothing answered while the client reads nothing');
    // It reads: every request is answered, in turn, and reading resumes.
    sock.writableLength = 0;
    sock.emit('drain');
    await rig.settle(() => answered() === count);
    assert.equal(answered(), count);
    assert.equal(sock.paused, false, 'reading resumes once the waiting requests fit in HEAD_MAX');
    service.closeAll();
  });
});
