// Database bookkeeping under random operations against a plain model: `size`, the per-slot maps
// (no empty map left behind), `expires` and the exact deadlines beyond 2^53 stay consistent, and the
// active expire cycle (whose iterator survives deletes, re-adds and clear()) reclaims exactly the
// expired keys. Also the Shard cycle across databases swapped under it (SWAPDB).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Database, type Entry } from './database.ts';
import { Shard } from './shard.ts';
import { keySlotOfString } from '../runtime/slots.ts';
import { rng } from '../../test/harness.ts';

/** Checks every invariant the Database promises; returns the live (slot map) keys. */
function check(db: Database, where: string): Map<string, Entry> {
  const live = new Map<string, Entry>();
  db.slots.forEach((map, slot) => {
    if (map === undefined) return;
    assert.ok(map.size > 0, `${where}: empty map left at slot ${slot}`);
    for (const [k, e] of map) {
      assert.equal(keySlotOfString(k), slot, `${where}: ${k} in the wrong slot`);
      live.set(k, e);
    }
  });
  assert.equal(db.size, live.size, `${where}: size`);
  for (const [k, at] of db.expires) {
    const e = live.get(k);
    assert.ok(e !== undefined, `${where}: expires holds ${k}, which is not stored`);
    assert.equal(at, e.expireAt, `${where}: expires and entry disagree for ${k}`);
  }
  for (const [k, e] of live) if (e.expireAt !== 0) assert.ok(db.expires.has(k), `${where}: ${k} has a deadline but is not in expires`);
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
      const slot = keySlotOfString(key);
      const op = r();
      if (op < 0.3) {
        const kind = r();
        const deadline: number | bigint = kind < 0.4 ? 0 : kind < 0.9 ? now + Math.floor(r() * 200) - 50 : 2n ** 60n + BigInt(step);
        db.put(slot, key, 'v' + step, deadline, 0);
        if (typeof deadline === 'bigint') huge.set(key, deadline);
        else huge.delete(key);
      } else if (op < 0.45) {
        const e = db.lookup(slot, key, now);
        if (e !== undefined) {
          const deadline: number | bigint = r() < 0.3 ? 0 : r() < 0.9 ? now + Math.floor(r() * 200) : 2n ** 61n;
          db.setExpire(key, e, deadline);
          if (typeof deadline === 'bigint') huge.set(key, deadline);
          else huge.delete(key);
        }
      } else if (op < 0.6) {
        if (db.delete(slot, key)) huge.delete(key);
      } else if (op < 0.75) {
        if (db.lookup(slot, key, now) === undefined) huge.delete(key);
      } else if (op < 0.95) {
        db.expireSome(1 + Math.floor(r() * 25), now, keySlotOfString);
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
    const put = (k: string, at: number): void => void db.put(keySlotOfString(k), k, 'v', at, 0);
    for (let i = 0; i < 1000; i++) put(`a${i}`, i % 2 === 0 ? 100 : 10_000);
    // A partial pass, then changes behind and ahead of the cursor.
    db.expireSome(300, 200, keySlotOfString);
    for (let i = 0; i < 1000; i += 3) db.delete(keySlotOfString(`a${i}`), `a${i}`);
    for (let i = 0; i < 200; i++) put(`b${i}`, 150);
    let expired = 0;
    for (let round = 0; round < 200; round++) expired += db.expireSome(20, 200, keySlotOfString)[1];
    const live = check(db, 'after the cycle');
    for (const [k, e] of live) assert.ok(e.expireAt > 200, `${k} expired at ${e.expireAt} but is still stored`);
    assert.ok(expired > 0);
    db.clear();
    assert.deepEqual(db.expireSome(20, 200, keySlotOfString), [0, 0]);
    put('c', 100);
    assert.deepEqual(db.expireSome(20, 200, keySlotOfString), [1, 1]);
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
      for (let i = 0; i < 500; i++) db.put(keySlotOfString(`k${i}`), `k${i}`, 'v', i % 5 === 0 ? 0 : past, 0);
    }
    shard.activeExpireCycle(1000);
    const t = shard.dbs[1];
    shard.dbs[1] = shard.dbs[3];
    shard.dbs[3] = t;
    for (let i = 0; i < 100; i++) shard.activeExpireCycle(1000);
    for (let d = 0; d < 4; d++) {
      check(shard.dbs[d], `db ${d}`);
      assert.equal(shard.dbs[d].size, 100, `db ${d}`);
      assert.equal(shard.dbs[d].expires.size, 0, `db ${d}`);
    }
  });
});
