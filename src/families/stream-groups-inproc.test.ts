// Blocked XREADGROUP readers in process (test/inproc.ts: real workers and rings, the mesh pumped by
// hand), a seeded property: readers of one group, on clients of every thread, blocked on two streams
// owned by two other shards; entries are then added by clients of random threads in a random order,
// the rings pumped a random number of rounds between adds. Every entry is delivered to exactly one
// reader (or stays undelivered for the group when there are more entries than readers), each reader
// gets exactly one reply, and the group's PEL holds exactly the delivered entries.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { makeRig } from '../../test/inproc.ts';
import { mulberry32 } from '../util/prng.ts';

/** The [key, id] pairs of a XREADGROUP reply (RESP2), in order. */
function delivered(reply: string): string[] {
  const out: string[] = [];
  // *1 *2 $key *n (*2 $id *2 $f $v)...: the IDs are the bulks right after a "*2" that follows an entry list.
  const lines = reply.split('\r\n');
  let key = '';
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] === '*2' && lines[i + 1]?.startsWith('$') && /^\*\d+$/.test(lines[i + 3] ?? '')) {
      const text = lines[i + 2];
      if (/^\d+-\d+$/.test(text)) out.push(`${key}/${text}`);
      else key = text;
    }
  }
  return out;
}

describe('blocked XREADGROUP readers across shards are served exactly once', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`seed ${seed}`, async () => {
      const rnd = mulberry32(seed);
      const rig = makeRig(3);
      const a = rig.keyOn(1, 'sa');
      const b = rig.keyOn(2, 'sb');
      const admin = rig.client(0);
      admin.send(['XGROUP', 'CREATE', a, 'g', '$', 'MKSTREAM'], ['XGROUP', 'CREATE', b, 'g', '$', 'MKSTREAM']);
      await rig.settle(() => admin.sock.replies().length === 2);
      assert.deepEqual(admin.sock.replies(), ['+OK\r\n', '+OK\r\n']);

      const readers = 4 + Math.floor(rnd() * 5);
      const entries = readers - 2 + Math.floor(rnd() * 5);
      const clients: ReturnType<typeof rig.client>[] = [];
      for (let i = 0; i < readers; i++) {
        const c = rig.client(Math.floor(rnd() * 3));
        c.send(['XREADGROUP', 'GROUP', 'g', `c${i}`, 'COUNT', '1', 'BLOCK', '0', 'STREAMS', a, b, '>', '>']);
        clients.push(c);
        rig.pump(Math.floor(rnd() * 3));
      }
      // Every reader waits on both shards.
      await rig.settle(() => rig.workers[1].blocking.waiters.size === readers && rig.workers[2].blocking.waiters.size === readers);
      assert.equal(rig.workers[1].blocking.waiters.size, readers);

      // Auto IDs: adds from clients of different threads may reach a stream in any order.
      const adds: [string, ReturnType<typeof rig.client>][] = [];
      for (let i = 0; i < entries; i++) {
        const key = rnd() < 0.5 ? a : b;
        const w = rig.client(Math.floor(rnd() * 3));
        w.send(['XADD', key, '*', 'n', String(i)]);
        adds.push([key, w]);
        rig.pump(Math.floor(rnd() * 4));
      }
      await rig.settle(() => adds.every(([, w]) => w.sock.replies().length === 1));
      const added = adds.map(([key, w]) => `${key}/${/^\$\d+\r\n(.*)\r\n$/.exec(w.sock.replies()[0])![1]}`);
      const served = Math.min(readers, entries);
      await rig.settle(() => clients.filter((c) => c.sock.replies().length > 0).length >= served, 200);
      await rig.settle(undefined, 10); // nobody else may be answered

      const got: string[] = [];
      let answered = 0;
      for (const c of clients) {
        const r = c.sock.replies();
        assert.ok(r.length <= 1, `a reader got ${r.length} replies`);
        if (r.length === 0) continue;
        answered++;
        const ids = delivered(r[0]);
        assert.equal(ids.length, 1, `one entry per reader (COUNT 1): ${JSON.stringify(r[0])}`);
        got.push(...ids);
      }
      assert.equal(answered, served);
      assert.equal(new Set(got).size, got.length, 'an entry was delivered twice');
      for (const e of got) assert.ok(added.includes(e), `delivered ${e}, never added`);

      // The group's PELs hold exactly what was delivered.
      const check = rig.client(0);
      check.send(['XPENDING', a, 'g'], ['XPENDING', b, 'g']);
      await rig.settle(() => check.sock.replies().length === 2);
      const pending = check.sock.replies().map((r) => Number(/^\*4\r\n:(\d+)/.exec(r)![1]));
      assert.equal(pending[0] + pending[1], got.length);
      assert.equal(pending[0], got.filter((e) => e.startsWith(`${a}/`)).length);
    });
  }
});
