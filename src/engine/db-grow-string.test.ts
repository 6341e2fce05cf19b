// Entry.growString (SETBIT, BITFIELD): a string grown a byte at a time is moved O(log n) times, not n
// (size-class slack, then Redis's greedy room); the new bytes read as zero even in a reused block; the
// deadline, the raw flag and the bytes are kept; the room is counted in the arena's used bytes (what
// used_memory and MEMORY USAGE report) and all of it is released when the key goes.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Database } from './database.ts';

const NOW = 1_000_000;

describe('Entry.growString', () => {
  it('grows a byte at a time with few moves, keeping bytes, deadline and accounting', () => {
    const db = new Database(1 << 20);
    const base = db.arena.usedBytes;
    db.put('k', Buffer.from('ab'), NOW + 60_000, 0, false);
    let moves = 0;
    let ref = db.lookup('k', NOW)!.ref;
    const len = 300_000;
    for (let n = 3; n <= len; n++) {
      const e = db.lookup('k', NOW)!;
      const b = e.growString(n);
      assert.equal(b.length, n);
      assert.equal(b[n - 1], 0);
      b[n - 1] = n & 0xff;
      if (e.ref !== ref) {
        moves++;
        ref = e.ref;
      }
    }
    assert.ok(moves < 60, `${moves} moves`);
    const e = db.lookup('k', NOW)!;
    const v = e.value as Buffer;
    assert.equal(v.length, len);
    assert.equal(v.latin1Slice(0, 2), 'ab');
    for (let n = 3; n <= len; n += 997) assert.equal(v[n - 1], n & 0xff);
    assert.equal(e.expireAt, NOW + 60_000);
    assert.equal(e.raw, true);
    // The room is the block's: counted, at most as much again as the value (1 MiB at most).
    const block = db.entryBytes(e);
    assert.ok(block >= len && block <= 2 * len + 64, `block ${block}`);
    assert.equal(db.arena.usedBytes - base, db.arena.blockBytes(e.ref));
    db.delete('k');
    db.arena.linkParked();
    assert.equal(db.arena.usedBytes, base);
  });

  it('zero-fills growth inside a reused block, and a non-greedy growth takes only what it needs', () => {
    const db = new Database(1 << 20);
    db.put('a', Buffer.alloc(103, 0xff), 0, 0, false); // fills its 112-byte block
    db.delete('a');
    db.arena.linkParked();
    db.put('b', Buffer.alloc(101), 0, 0, false); // the same size class: the freed block, 0xff past its end
    const e = db.lookup('b', NOW)!;
    const before = e.ref;
    const b = e.growString(103);
    assert.equal(e.ref, before, 'grown in place');
    assert.deepEqual(b, Buffer.alloc(103));
    const big = e.growString(200_000, false);
    assert.equal(big.length, 200_000);
    assert.ok(db.entryBytes(e) < 200_000 + 64);
    assert.equal(big.indexOf(0xff), -1);
  });
});
