// TxShard with long lock lists: taken and released in slices (one per event-loop turn), with the
// ordering rules intact — an entry still taking its locks makes every later entry wait, a command
// outside transactions on a key not locked yet runs at once, keys still held while an entry releases
// stay locked, and an entry with many locks is found runnable by its contended keys alone.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeLocks, LOCK_SLICE, NO_GLOBAL, TxShard, type Lock, type Runnable, type TxOp } from './tx-shard.ts';
import { nextTurn } from '../util/next-turn.ts';

const CMD: Runnable = { index: 1 };

function rig(): { tx: TxShard; ran: string[]; nextTs: () => number } {
  let clock = 0;
  const nextTs = (): number => ++clock;
  const ran: string[] = [];
  const tx = new TxShard(1, nextTs, (op) => {
    ran.push(op.args[0].toString());
    return Buffer.from('ok');
  });
  return { tx, ran, nextTs };
}

function op(name: string, conclude = false): TxOp {
  return { cmd: CMD, db: 0, resp: 2, noTouch: false, args: [Buffer.from(name)], conclude, record: false, done: () => {} };
}

const locksOf = (prefix: string, n: number, write = true): Lock[] => Array.from({ length: n }, (_, i) => ({ db: 0, key: `${prefix}${i}`, write }));

describe('TxShard: long lock lists in slices', () => {
  it('takes a long list over several turns; later entries wait for it, commands on keys not yet locked do not', async () => {
    const { tx, ran } = rig();
    const big = locksOf('k', 3 * LOCK_SLICE);
    let lockedTs = 0;
    let turns = 0;
    tx.proposeInSlices(1, big, NO_GLOBAL, (ts) => (lockedTs = ts));
    assert.equal(lockedTs, 0, 'a long list is not taken in one go');
    // A later transaction on a key the big one has not locked yet: it must wait (it may conflict).
    const last = big[big.length - 1].key;
    assert.equal(tx.mustWait([{ db: 0, key: last, write: true }], true), false, 'a command outside transactions on a key not locked yet runs now');
    const ts2 = tx.propose(2, [{ db: 0, key: last, write: true }], NO_GLOBAL);
    tx.enqueue(2, ts2, op('later', true));
    assert.deepEqual(ran, [], 'an entry after one still taking its locks waits');
    while (lockedTs === 0) {
      await nextTurn();
      turns++;
    }
    assert.ok(turns >= 2, `taken in ${turns + 1} slices`);
    // Every key is locked now: a command on the last one waits.
    assert.equal(tx.mustWait([{ db: 0, key: last, write: false }], false), true);
    // Still waiting: the big entry has the smaller timestamp and conflicts on `last`.
    assert.deepEqual(ran, []);
    tx.enqueue(1, lockedTs, op('big', true));
    // Both ran, in timestamp order (the big entry's release is sliced; the later entry needs `last`,
    // released in the last slice).
    for (let i = 0; i < 10 && ran.length < 2; i++) await nextTurn();
    assert.deepEqual(ran, ['big', 'later']);
    assert.equal(tx.idle, true);
  });

  it('releases a long list in slices: keys not released yet stay locked until then', async () => {
    const { tx, ran } = rig();
    const big = locksOf('k', 2 * LOCK_SLICE + 10);
    let ts = 0;
    tx.proposeInSlices(1, encodeLocks(big), NO_GLOBAL, (t) => (ts = t));
    while (ts === 0) await nextTurn();
    tx.enqueue(1, ts, op('big', true));
    assert.deepEqual(ran, ['big']);
    // The first slice is released at once, the rest later.
    assert.equal(tx.mustWait([{ db: 0, key: big[0].key, write: true }], true), false);
    assert.equal(tx.mustWait([{ db: 0, key: big[big.length - 1].key, write: true }], true), true);
    assert.equal(tx.idle, false);
    tx.defer([{ db: 0, key: big[big.length - 1].key, write: true }], op('held', true));
    assert.deepEqual(ran, ['big'], 'a command on a key still held waits');
    for (let i = 0; i < 10 && !tx.idle; i++) await nextTurn();
    assert.equal(tx.idle, true);
    assert.deepEqual(ran, ['big', 'held']);
  });

  it('an entry with many locks waits for an earlier holder of one contended key, and only for it', async () => {
    const { tx, ran } = rig();
    // An earlier transaction holds one key the big one will need.
    const ts1 = tx.propose(1, [{ db: 0, key: 'k5', write: true }], NO_GLOBAL);
    const big = locksOf('k', 1000);
    const ts2 = tx.propose(2, big, NO_GLOBAL);
    tx.enqueue(2, ts2, op('big'));
    assert.deepEqual(ran, [], 'the big entry waits for the earlier holder of k5');
    tx.enqueue(1, ts1, op('small', true));
    assert.deepEqual(ran, ['small', 'big']);
    // A later transaction on one of its keys waits for it; one on another key does not.
    const ts3 = tx.propose(3, [{ db: 0, key: 'k7', write: false }], NO_GLOBAL);
    tx.enqueue(3, ts3, op('reader', true));
    const ts4 = tx.propose(4, [{ db: 0, key: 'other', write: true }], NO_GLOBAL);
    tx.enqueue(4, ts4, op('other', true));
    assert.deepEqual(ran, ['small', 'big', 'other']);
    tx.enqueue(2, 0, op('big-end', true));
    assert.deepEqual(ran, ['small', 'big', 'other', 'big-end', 'reader']);
  });

  it('an entry with many locks proposed first, a conflicting one after: the first runs first even if finalized later', () => {
    const { tx, ran } = rig();
    const big = locksOf('k', 1000);
    const ts1 = tx.propose(1, big, NO_GLOBAL);
    const ts2 = tx.propose(2, [{ db: 0, key: 'k999', write: true }], NO_GLOBAL);
    // The small one is final first (at a timestamp above the big one's proposal), the big one stays
    // pending: the small one must wait (the big one's final timestamp may still be smaller).
    tx.enqueue(2, ts2 + 10, op('small', true));
    assert.deepEqual(ran, []);
    tx.enqueue(1, ts1 + 1, op('big', true));
    assert.deepEqual(ran, ['big', 'small']);
  });
});
