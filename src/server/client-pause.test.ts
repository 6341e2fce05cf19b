// ClientPause's rules on a control block of its own, with the clock given: Redis's pauseClients for
// one purpose (a later pause keeps the stronger mode and the later end), the end (over once the
// clock passes it), UNPAUSE, and the held clients released in order, once each.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createControl, controlViews } from '../runtime/control.ts';
import { ClientPause, PAUSE_ALL, PAUSE_OFF, PAUSE_WRITE } from './client-pause.ts';
import { makeRig } from '../../test/inproc.ts';

function fresh(): { p: ClientPause; counts: Int32Array } {
  const v = controlViews(createControl(1), 1);
  return { p: new ClientPause(v.pause, v.pauseEnd, v.counts), counts: v.counts };
}

describe('ClientPause', () => {
  it('is off until paused, and on until the clock passes the end', () => {
    const { p } = fresh();
    assert.equal(p.current(1000), PAUSE_OFF);
    p.pause(2000, PAUSE_WRITE, 1000);
    assert.equal(p.mode[0], PAUSE_WRITE);
    assert.equal(p.current(2000), PAUSE_WRITE);
    assert.equal(p.current(2001), PAUSE_OFF);
    assert.equal(p.mode[0], PAUSE_OFF, 'an expired pause is cleared by the thread that sees it');
  });

  it('a later pause keeps the stronger mode and the later end', () => {
    const { p } = fresh();
    p.pause(5000, PAUSE_ALL, 1000);
    p.pause(3000, PAUSE_WRITE, 1000);
    assert.equal(p.current(1000), PAUSE_ALL);
    assert.equal(p.endsAt(1000), 5000);
    p.pause(9000, PAUSE_WRITE, 1000);
    assert.equal(p.current(1000), PAUSE_ALL);
    assert.equal(p.endsAt(1000), 9000);
  });

  it('a pause after an expired one starts afresh; an end in the past pauses nothing', () => {
    const { p } = fresh();
    p.pause(2000, PAUSE_ALL, 1000);
    p.pause(4000, PAUSE_WRITE, 3000);
    assert.equal(p.current(3000), PAUSE_WRITE);
    p.unpause();
    p.pause(0, PAUSE_ALL, 3000);
    assert.equal(p.current(3000), PAUSE_OFF);
  });

  it('UNPAUSE releases the held clients in order, once, and the blocked count follows', async () => {
    const { p, counts } = fresh();
    p.pause(Date.now() + 100_000, PAUSE_WRITE, Date.now());
    const order: string[] = [];
    const a = { resumePostponed: () => order.push('a') };
    const b = { resumePostponed: () => order.push('b') };
    const gone = { resumePostponed: () => order.push('gone') };
    p.hold(a, Date.now());
    p.hold(gone, Date.now());
    p.hold(b, Date.now());
    assert.equal(counts[1], 3);
    p.forget(gone);
    assert.equal(counts[1], 2);
    p.unpause();
    p.releaseHeld();
    p.releaseHeld();
    assert.equal(counts[1], 0);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, ['a', 'b']);
  });
});

describe('CLIENT PAUSE across threads (in-process rig)', () => {
  it("a pause set on worker 0 holds worker 1's write and what follows it, in order, until UNPAUSE", async () => {
    const rig = makeRig(2);
    const a = rig.client(0);
    const b = rig.client(1);
    const k = rig.keyOn(0, 'pause');
    a.send(['CLIENT', 'PAUSE', '100000', 'WRITE']);
    await rig.settle(() => a.sock.replies().length === 1);
    b.send(['GET', k], ['SET', k, 'v'], ['GET', k], ['PING']);
    await rig.settle(() => b.sock.replies().length >= 1, 10);
    await rig.settle(() => false, 5);
    assert.deepEqual(b.sock.replies(), ['$-1\r\n'], 'the read before the write ran; the write and all after it wait');
    assert.match(b.conn.describe(Date.now()), / flags=b .* cmd=set /);
    assert.equal(Atomics.load(rig.workers[0].shared.counts, 1), 1);
    // CLIENT UNBLOCK leaves a held client alone (0; Redis 7.0.15 crashes here, 7.2 answers 0).
    a.send(['GET', k], ['CLIENT', 'UNBLOCK', String(b.conn.id)], ['CLIENT', 'UNPAUSE']);
    await rig.settle(() => b.sock.replies().length === 4);
    assert.deepEqual(a.sock.replies(), ['+OK\r\n', '$-1\r\n', ':0\r\n', '+OK\r\n']);
    assert.deepEqual(b.sock.replies(), ['$-1\r\n', '+OK\r\n', '$1\r\nv\r\n', '+PONG\r\n']);
    assert.equal(Atomics.load(rig.workers[0].shared.counts, 1), 0);
  });
});
