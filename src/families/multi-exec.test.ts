// EXEC of a long queue, in process (test/inproc.ts): it runs in slices, so other clients' commands on
// other keys are answered while it runs (counted in event-loop turns, not time), while commands on
// its keys wait for its end and see all of it or nothing.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { makeRig } from '../../test/inproc.ts';
import { shardOfKey } from '../runtime/slots.ts';
import { EXEC_SLICE } from '../server/dispatcher.ts';
import { nextTurn } from '../util/next-turn.ts';

describe('EXEC of a long queue', () => {
  it('yields between slices: other keys are served meanwhile, its own keys wait and read all of it', async () => {
    const rig = makeRig(2);
    const a = rig.client(0);
    const b = rig.client(0);
    const c = rig.client(1);
    const n = 3 * EXEC_SLICE + 5;
    const keys = Array.from({ length: n }, (_, i) => `x:${i}`);
    const on = (s: number): string[] => keys.filter((k) => shardOfKey(Buffer.from(k), 2) === s);
    const [first0, last0] = [on(0)[0], on(0).at(-1)!];
    const [first1, last1] = [on(1)[0], on(1).at(-1)!];
    a.send(['MULTI'], ...keys.map((k) => ['SET', k, 'new']), ['EXEC']);
    const execDone = (): boolean => a.sock.replies().length === n + 2;
    const db0 = rig.workers[0].shard.dbs[0];
    let turnsWhileRunning = 0;
    let probed = false;
    for (let round = 0; round < 2000 && !execDone(); round++) {
      rig.pump(2);
      await nextTurn();
      if (execDone()) break;
      if (db0.peek(first0, Date.now()) !== 'live') continue;
      turnsWhileRunning++;
      if (probed) continue;
      probed = true;
      // EXEC is under way (its first key here is written, its reply not out): a client on this
      // thread is answered on another key at once; its own keys wait, on both shards.
      const other = rig.keyOn(0, 'other');
      b.send(['SET', other, 'v'], ['GET', other]);
      assert.deepEqual(b.sock.replies(), ['+OK\r\n', '$1\r\nv\r\n']);
      b.send(['MGET', first0, last0]);
      c.send(['MGET', first1, last1]);
    }
    assert.ok(execDone(), 'EXEC finished');
    assert.ok(probed, 'EXEC was seen running');
    assert.ok(turnsWhileRunning >= 2, `EXEC ran over ${turnsWhileRunning} turns after its first write`);
    const replies = a.sock.replies();
    assert.equal(replies.at(-1), `*${n}\r\n` + '+OK\r\n'.repeat(n));
    await rig.settle(() => b.sock.replies().length === 3 && c.sock.replies().length === 1);
    const both = '*2\r\n$3\r\nnew\r\n$3\r\nnew\r\n';
    assert.equal(b.sock.replies()[2], both);
    assert.equal(c.sock.replies()[0], both);
  });
});
