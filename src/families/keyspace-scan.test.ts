// KEYS over a big keyspace, in process (test/inproc.ts): it walks each shard in slices inside one
// transaction with whole-shard read locks, so reads are answered while it runs, a write sent meanwhile
// waits for the walk (it is not in the answer), and the answer is every key once.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { makeRig } from '../../test/inproc.ts';
import { KEYS_SLICE } from './keyspace-scan.ts';
import { nextTurn } from '../util/next-turn.ts';

describe('KEYS over a big keyspace', () => {
  it('answers reads between its slices, holds writes until it is done, and returns each key once', async () => {
    const rig = makeRig(2);
    const a = rig.client(0);
    const b = rig.client(1);
    const reader = rig.client(1);
    const n = Math.ceil((3 * KEYS_SLICE) / 1000) * 1000;
    for (let i = 0; i < n; i += 1000) {
      const cmd = ['MSET'];
      for (let j = i; j < i + 1000; j++) cmd.push(`k:${j}`, 'v');
      a.send(cmd);
    }
    await rig.settle(() => a.sock.replies().length === n / 1000, 500);
    assert.equal(a.sock.replies().length, n / 1000);
    const readKey = rig.keyOn(1, 'k');
    a.send(['KEYS', 'k:*']);
    const keysDone = (): boolean => a.sock.replies().length === n / 1000 + 1;
    let readsWhileRunning = 0;
    let wrote = false;
    for (let round = 0; round < 500 && !keysDone(); round++) {
      rig.pump(1);
      await nextTurn();
      if (keysDone()) break;
      const before = reader.sock.replies().length;
      if (!wrote) {
        // A write on the other thread waits for KEYS; a read there does not.
        b.send(['SET', 'k:new', 'v']);
        wrote = true;
      }
      reader.send(['GET', readKey]);
      rig.pump(1);
      if (!keysDone() && reader.sock.replies().length > before) readsWhileRunning++;
    }
    assert.ok(keysDone(), 'KEYS finished');
    assert.ok(readsWhileRunning >= 1, 'a read was answered while KEYS ran');
    const reply = a.sock.replies().at(-1)!;
    const keys = reply.split('\r\n').filter((l) => l.startsWith('k:'));
    assert.equal(keys.length, n, 'each key once, and not the one written meanwhile');
    assert.equal(new Set(keys).size, n);
    await rig.settle(() => b.sock.replies()[0] === '+OK\r\n');
    assert.equal(b.sock.replies()[0], '+OK\r\n');
  });
});
