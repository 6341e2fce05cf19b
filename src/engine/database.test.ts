// Database bookkeeping under random operations against a plain model: `size`, the table (each key
// found where it is stored), the deadline counts and the exact deadlines beyond 2^53 stay consistent, and the
// active expire cycle (whose iterator survives deletes, re-adds and clear()) reclaims exactly the
// expired keys. Also the Shard cycle across databases swapped under it (SWAPDB).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Database, Entry, type ExpiringParts, type TypedValue } from './database.ts';
import { Shard } from './shard.ts';
import { WatchRecord, watchKey } from './watch.ts';
import { KIND_HASH } from './value-kind.ts';
import { mulberry32 as rng } from '../util/prng.ts';

/** Checks every invariant the Database promises; returns the stored keys with their entries. */
function check(db: Database, where: string): Map<string, Entry> {
  const live = new Map<string, Entry>();
  db.forEachKey((k, ref) => {
    assert.ok(!live.has(k), `${where}: ${k} stored twice`);
    assert.equal(db.refOf(k), ref, `${where}: ${k} not found where the table holds it`);
    live.set(k, new Entry(db, k, ref));
  });
  assert.equal(db.size, live.size, `${where}: size`);
  let withDeadline = 0;
  for (const e of live.values()) if (e.expireAt !== 0) withDeadline++;
  assert.equal(db.expiresCount, withDeadline, `${where}: expiresCount`);
  let segExpiring = 0;
  for (const seg of db.table.segments()) segExpiring += seg.expiring;
  assert.equal(segExpiring, withDeadline, `${where}: segments' expiring counts`);
  return live;
}

describe('Database', () => {
  it('keeps size, slot maps, expires and exact deadlines consistent under random operations', () => {
    const r = rng(7);
    const db = new Database();
    const keys = Array.from({ length: 60 }, (_, i) => (i % 7 === 0 ? `{t}k${i}` : `k${i}`));
    const huge = new Map<string, bigint>(); // model of the exact deadlines beyond 2^53
    let now = 1_000_000;
    for (let step = 0; step < 6000; step++) {
      const key = keys[Math.floor(r() * keys.length)];
      const op = r();
      if (op < 0.3) {
        const kind = r();
        const deadline: number | bigint = kind < 0.4 ? 0 : kind < 0.9 ? now + Math.floor(r() * 200) - 50 : 2n ** 60n + BigInt(step);
        db.put(key, 'v' + step, deadline, 0);
        if (typeof deadline === 'bigint') huge.set(key, deadline);
        else huge.delete(key);
      } else if (op < 0.45) {
        const e = db.lookup(key, now);
        if (e !== undefined) {
          const deadline: number | bigint = r() < 0.3 ? 0 : r() < 0.9 ? now + Math.floor(r() * 200) : 2n ** 61n;
          db.setExpire(key, e, deadline);
          if (typeof deadline === 'bigint') huge.set(key, deadline);
          else huge.delete(key);
        }
      } else if (op < 0.6) {
        if (db.delete(key)) huge.delete(key);
      } else if (op < 0.75) {
        if (db.lookup(key, now) === undefined) huge.delete(key);
      } else if (op < 0.95) {
        db.expireSome(1 + Math.floor(r() * 25), now);
      } else if (op < 0.951) {
        db.clear();
        huge.clear();
      } else {
        now += Math.floor(r() * 20);
      }
      const live = check(db, `step ${step}`);
      for (const [k, e] of live) {
        const exact = db.exactDeadline(k, e);
        if (huge.has(k)) assert.equal(exact, huge.get(k), `step ${step}: exact deadline of ${k}`);
        else assert.equal(typeof exact, 'number', `step ${step}: ${k} reports a stale huge deadline`);
      }
    }
  });

  it('the active cycle reclaims every expired key, resuming its iterator across deletes, re-adds and clear()', () => {
    const db = new Database();
    const put = (k: string, at: number): void => void db.put(k, 'v', at, 0);
    for (let i = 0; i < 1000; i++) put(`a${i}`, i % 2 === 0 ? 100 : 10_000);
    // A partial pass, then changes behind and ahead of the cursor.
    db.expireSome(300, 200);
    for (let i = 0; i < 1000; i += 3) db.delete(`a${i}`);
    for (let i = 0; i < 200; i++) put(`b${i}`, 150);
    let expired = 0;
    for (let round = 0; round < 200; round++) expired += db.expireSome(20, 200)[1];
    const live = check(db, 'after the cycle');
    for (const [k, e] of live) assert.ok(e.expireAt > 200, `${k} expired at ${e.expireAt} but is still stored`);
    assert.ok(expired > 0);
    db.clear();
    assert.deepEqual(db.expireSome(20, 200), [0, 0]);
    put('c', 100);
    assert.deepEqual(db.expireSome(20, 200), [1, 1]);
    check(db, 'after clear');
    assert.equal(db.size, 0);
  });
});

describe('Shard active expire cycle', () => {
  it('reclaims expired keys in every database, also after two databases were swapped', () => {
    const shard = new Shard(0, 4);
    const past = Date.now() - 1000;
    for (let d = 0; d < 4; d++) {
      const db = shard.dbs[d];
      for (let i = 0; i < 500; i++) db.put(`k${i}`, 'v', i % 5 === 0 ? 0 : past, 0);
    }
    shard.activeExpireCycle(1000);
    const t = shard.dbs[1];
    shard.dbs[1] = shard.dbs[3];
    shard.dbs[3] = t;
    for (let i = 0; i < 100; i++) shard.activeExpireCycle(1000);
    for (let d = 0; d < 4; d++) {
      check(shard.dbs[d], `db ${d}`);
      assert.equal(shard.dbs[d].size, 100, `db ${d}`);
      assert.equal(shard.dbs[d].expiresCount, 0, `db ${d}`);
    }
  });

  it('leaves the keys a live transaction holds until it ends, then reclaims them', () => {
    const shard = new Shard(0, 2);
    const past = Date.now() - 1000;
    for (let d = 0; d < 2; d++) for (let i = 0; i < 100; i++) shard.dbs[d].put(`k${i}`, 'v', past, 0);
    // db 1's k0..k9 are held.
    shard.transactionHolds = (db, key) => db === 1 && /^k\d$/.test(key);
    for (let i = 0; i < 100; i++) shard.activeExpireCycle(1000);
    assert.equal(shard.dbs[0].size, 0);
    assert.equal(shard.dbs[1].size, 10);
    for (let i = 0; i < 10; i++) assert.ok(shard.dbs[1].peek(`k${i}`, 0) !== 'none', `k${i} held`);
    shard.transactionHolds = null;
    for (let i = 0; i < 100; i++) shard.activeExpireCycle(1000);
    assert.equal(shard.dbs[1].size, 0);
  });
});

describe('Database: values with expiring parts (hash fields with TTLs)', () => {
  /** A value with parts that expire at given times. */
  class Parts implements TypedValue, ExpiringParts {
    readonly kindId = KIND_HASH;
    readonly parts: ExpiringParts = this;
    at: number[];
    constructor(at: number[]) {
      this.at = at.slice().sort((a, b) => a - b);
    }
    nextDeadline(): number {
      return this.at.length > 0 ? this.at[0] : 0;
    }
    expire(now: number, max: number): number {
      let n = 0;
      while (n < max && this.at.length > 0 && this.at[0] <= now) {
        this.at.shift();
        n++;
      }
      return n;
    }
    empty(): boolean {
      return this.at.length === 0;
    }
  }

  it('registers on put, forgets on delete, replace and clear, and reclaims due parts actively', () => {
    const db = new Database();
    db.put('a', new Parts([10, 20]), 0, 0);
    db.put('b', new Parts([30]), 0, 0);
    db.put('c', new Parts([]), 0, 0);
    assert.deepEqual([...db.partsExpiring.keys()].sort(), ['a', 'b'], 'a value without deadlines is not registered');
    db.put('b', 'now a string', 0, 0);
    assert.deepEqual([...db.partsExpiring.keys()], ['a'], 'replacing the value forgets it');
    const c = db.lookup('c', 0)!.value as Parts;
    c.at.push(15);
    db.trackParts('c', c);
    assert.deepEqual(db.expirePartsSome(10, 100, 12), [2, 1]);
    assert.equal(db.lookup('a', 12) !== undefined, true, 'a has a part left');
    assert.deepEqual(db.expirePartsSome(10, 100, 25), [2, 2]);
    assert.equal(db.lookup('a', 25), undefined, 'a value left empty is deleted');
    assert.equal(db.lookup('c', 25), undefined);
    assert.equal(db.partsExpiring.size, 0);
    db.put('d', new Parts([5]), 0, 0);
    db.delete('d');
    assert.equal(db.partsExpiring.size, 0, 'a deleted key is forgotten');
    db.put('e', new Parts([5]), 0, 0);
    db.clear();
    assert.equal(db.partsExpiring.size, 0);
  });

  it('bounds one pass by the visit budget and the parts quota, resuming where it stopped', () => {
    const db = new Database();
    for (let i = 0; i < 10; i++) db.put(`k${i}`, new Parts([1, 2, 3]), 0, 0);
    assert.deepEqual(db.expirePartsSome(4, 1000, 100), [4, 12]);
    assert.deepEqual(db.expirePartsSome(100, 5, 100), [2, 5], 'the quota stops the pass');
    let total = 17;
    for (let i = 0; i < 10 && db.size > 0; i++) total += db.expirePartsSome(3, 1000, 100)[1];
    assert.equal(total, 30);
    assert.equal(db.size, 0);
  });

  it('parts reclaimed actively mark the key\'s watchers dirty; a pass that reclaims nothing does not', () => {
    const db = new Database();
    db.put('h', new Parts([10, 50]), 0, 0);
    db.put('g', new Parts([40]), 0, 0);
    const rh = new WatchRecord();
    const rg = new WatchRecord();
    watchKey(rh, [db], 0, 'h', false, true);
    watchKey(rg, [db], 0, 'g', false, true);
    assert.deepEqual(db.expirePartsSome(10, 100, 5), [2, 0]);
    assert.equal(rh.dirty || rg.dirty, false, 'nothing was due');
    assert.deepEqual(db.expirePartsSome(10, 100, 20), [2, 1]);
    assert.equal(rh.dirty, true, 'h lost a part and stays');
    assert.equal(rg.dirty, false, 'g lost nothing');
    assert.deepEqual(db.expirePartsSome(10, 100, 45), [2, 1]);
    assert.equal(rg.dirty, true, 'g was emptied and deleted');
  });

  it('the shard cycle reclaims parts in every database', () => {
    const shard = new Shard(0, 2);
    shard.dbs[0].put('x', new Parts([1]), 0, 0);
    shard.dbs[1].put('y', new Parts([1, Date.now() + 3_600_000]), 0, 0);
    assert.equal(shard.activeExpireParts(1000), 2);
    assert.equal(shard.dbs[0].size, 0);
    assert.equal(shard.dbs[1].size, 1);
  });
});
