// MONITOR in process (real workers and rings, the mesh pumped by hand): lines from every thread, in
// each thread's order, Redis's quoting; the +OK only once every thread knows the monitor; a monitor
// leaving (disconnect, RESET) is forgotten by every thread, so nothing is fed any more.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { makeRig } from '../../test/inproc.ts';
import { monitorLine, quoteRepr } from './monitor.ts';
import { peerId } from './connection.ts';

/** The lines a monitor received, without timestamps. */
function lines(replies: string[]): string[] {
  return replies.filter((r) => r.startsWith('+') && r !== '+OK\r\n' && r !== '+PONG\r\n').map((r) => r.replace(/^\+\d+\.\d{6} /, '+T ').trimEnd());
}

describe('MONITOR (in process)', () => {
  it('quotes arguments as sdscatrepr and formats the line as replicationFeedMonitors', () => {
    assert.equal(quoteRepr(Buffer.from('a"b\\c\n\r\t\x07\x08\x00\x7f\xff ~', 'latin1')), '"a\\"b\\\\c\\n\\r\\t\\a\\b\\x00\\x7f\\xff ~"');
    assert.equal(monitorLine(1_700_000_000_000_042, 3, '127.0.0.1:5000', [Buffer.from('AUTH'), Buffer.from('pw')], [1]), '+1700000000.000042 [3 127.0.0.1:5000] "AUTH" "(redacted)"\r\n');
    // Addresses as Redis's anetFormatAddr (CLIENT LIST's addr too).
    assert.deepEqual([peerId('::1', 5), peerId('::ffff:10.0.0.1', 6), peerId('127.0.0.1', 7)], ['[::1]:5', '10.0.0.1:6', '127.0.0.1:7']);
  });

  it('shows commands of clients on both threads, each thread in its order, after the +OK', async () => {
    const rig = makeRig(2);
    const m = rig.client(0);
    m.send(['MONITOR']);
    // The +OK waits for the other thread to hear of the monitor.
    assert.deepEqual(m.sock.replies(), []);
    assert.equal(rig.workers[1].monitoring, false);
    await rig.settle(() => m.sock.replies().length >= 1);
    assert.deepEqual(m.sock.replies(), ['+OK\r\n']);
    assert.equal(rig.workers[1].monitoring, true);
    const a = rig.client(0);
    const b = rig.client(1);
    a.send(['SET', rig.keyOn(1, 'a'), '1'], ['GET', rig.keyOn(0, 'a')]);
    b.send(['SET', rig.keyOn(0, 'b'), 'x y'], ['INCR', rig.keyOn(1, 'b')], ['SELECT', '2']);
    await rig.settle(() => lines(m.sock.replies()).length >= 5);
    const got = lines(m.sock.replies());
    const aAddr = a.conn.addr;
    const bAddr = b.conn.addr;
    assert.deepEqual(
      got.filter((l) => l.includes(aAddr)),
      [`+T [0 ${aAddr}] "SET" "${rig.keyOn(1, 'a')}" "1"`, `+T [0 ${aAddr}] "GET" "${rig.keyOn(0, 'a')}"`],
    );
    assert.deepEqual(
      got.filter((l) => l.includes(bAddr)),
      [`+T [0 ${bAddr}] "SET" "${rig.keyOn(0, 'b')}" "x y"`, `+T [0 ${bAddr}] "INCR" "${rig.keyOn(1, 'b')}"`, `+T [2 ${bAddr}] "SELECT" "2"`],
    );
  });

  it('a thread sends one operation per turn for all its lines, not one per command', async () => {
    const rig = makeRig(2);
    const m = rig.client(0);
    m.send(['MONITOR']);
    await rig.settle(() => m.sock.replies().length >= 1);
    const b = rig.client(1);
    const before = rig.workers[1].mesh.sentRequests;
    b.send(...Array.from({ length: 50 }, (_, i) => ['ECHO', String(i)]));
    await rig.settle(() => lines(m.sock.replies()).length >= 50);
    assert.equal(rig.workers[1].mesh.sentRequests - before, 1);
    assert.equal(lines(m.sock.replies())[49], `+T [0 ${b.conn.addr}] "ECHO" "49"`);
  });

  it('a monitor with CLIENT REPLY OFF gets no lines until ON, as in Redis', async () => {
    const rig = makeRig(2);
    const m = rig.client(0);
    m.send(['MONITOR'], ['CLIENT', 'REPLY', 'OFF']);
    await rig.settle(() => m.sock.replies().length >= 1);
    const c = rig.client(1);
    c.send(['SET', 'hidden', '1']);
    await rig.settle(() => c.sock.replies().length >= 1);
    await rig.settle(); // every line of the SET delivered (or dropped)
    m.send(['CLIENT', 'REPLY', 'ON']);
    c.send(['ECHO', 'seen']);
    await rig.settle(() => lines(m.sock.replies()).some((l) => l.includes('"seen"')));
    assert.deepEqual(lines(m.sock.replies()), [`+T [0 ${m.conn.addr}] "CLIENT" "REPLY" "ON"`, `+T [0 ${c.conn.addr}] "ECHO" "seen"`]);
  });

  it('a monitor that disconnects or RESETs is forgotten by every thread', async () => {
    const rig = makeRig(2);
    const m1 = rig.client(0);
    const m2 = rig.client(1);
    m1.send(['MONITOR']);
    m2.send(['MONITOR']);
    await rig.settle(() => m1.sock.replies().length >= 1 && m2.sock.replies().length >= 1);
    assert.match(m1.conn.describe(Date.now()), / flags=O /);
    m1.conn.close();
    await rig.settle();
    assert.deepEqual(rig.workers.map((w) => w.monitoring), [true, true]);
    m2.send(['RESET']);
    await rig.settle(() => m2.sock.replies().length >= 2);
    assert.equal(m2.sock.replies()[1], '+RESET\r\n');
    await rig.settle(() => !rig.workers[0].monitoring);
    assert.deepEqual(rig.workers.map((w) => w.monitoring), [false, false]);
    assert.match(m2.conn.describe(Date.now()), / flags=N /);
  });
});
