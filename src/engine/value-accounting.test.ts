// Collection accounting (value-memory.ts's AccountedValue and the databases' MemoryAccount) against a
// model, through seeded random sequences of the mutations the commands make (HSET/HDEL/field TTLs,
// SADD/SREM/SPOP, ZADD/ZINCRBY/ZREM/ZPOPMIN, LPUSH/RPOP/LSET/LINSERT/LREM/LTRIM, DEL, overwrites, MOVE,
// eviction, FLUSHDB): after every step each database's account is exactly the sum of its stored
// values' memBytes(), each value's counters equal a from-scratch recount (its copy's), and once
// everything is deleted the shard's usedMemory() is 0 again.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Database } from './database.ts';
import { Shard } from './shard.ts';
import { HashValue } from './hash-value.ts';
import { SetValue } from './set-value.ts';
import { ZSet } from './zset.ts';
import { QuickList } from './quicklist.ts';
import { AccountedValue, MAP_ENTRY, TREE_ENTRY } from './value-memory.ts';
import { mulberry32 } from '../util/prng.ts';

const HASH_LIM = { listpackEntries: 16, listpackValue: 32 };
const SET_LIM = { intsetEntries: 16, listpackEntries: 16, listpackValue: 32 };
const ZSET_LIM = { maxEntries: 16, maxValue: 32 };

type Rand = () => number;

function text(r: Rand, max: number): string {
  const n = 1 + Math.floor(r() * max);
  return 'x'.repeat(n - 1) + String.fromCharCode(97 + Math.floor(r() * 26));
}

/** An element: sometimes an integer (intsets), sometimes long (encoding changes), mostly short. */
function elem(r: Rand): string {
  const p = r();
  if (p < 0.3) return String(Math.floor(r() * 40));
  if (p < 0.35) return text(r, 100);
  return 'e' + Math.floor(r() * 60);
}

/** The stored collections of db, by key. */
function stored(db: Database): Map<string, AccountedValue> {
  const out = new Map<string, AccountedValue>();
  db.forEachKey((key, ref) => {
    const v = db.valueAt(ref);
    if (v instanceof AccountedValue) out.set(key, v);
  });
  return out;
}

/** memBytes() recounted from scratch: a copy's (a sorted set's copy has no stale scan-log entries). */
function recount(v: AccountedValue): number {
  if (v instanceof ZSet) {
    const copy = v.clone();
    const log = (v as unknown as { log: { length: number } | null }).log;
    const stale = log === null ? 0 : log.length - v.size;
    return copy.memBytes() + Math.max(0, stale) * (TREE_ENTRY + MAP_ENTRY);
  }
  if (v instanceof QuickList) {
    v.check();
    return v.memBytes();
  }
  return (v as HashValue | SetValue).clone().memBytes();
}

function checkDb(db: Database, where: string): void {
  let sum = 0;
  for (const [key, v] of stored(db)) {
    assert.equal(v.account, db.account, `${where}: ${key} is attached to its database`);
    assert.equal(v.accounted, v.memBytes(), `${where}: ${key} reported its last change`);
    assert.equal(v.memBytes(), recount(v), `${where}: ${key}'s counters match a recount`);
    sum += v.memBytes();
  }
  assert.equal(db.account.bytes, sum, `${where}: the account is the sum of the stored values`);
}

/** One random mutation of a stored value (the value is of the key's type). */
function mutate(r: Rand, v: AccountedValue, now: number): void {
  const p = r();
  if (v instanceof HashValue) {
    if (p < 0.5) v.set(elem(r), r() < 0.1 ? text(r, 200) : elem(r), r() < 0.2, HASH_LIM);
    else if (p < 0.7) v.delete(elem(r));
    else if (p < 0.8) {
      v.enableDeadlines();
      v.setDeadline(elem(r), now + Math.floor(r() * 10), 0, now);
    } else if (p < 0.85) v.persist(elem(r));
    else if (p < 0.95) v.expire(now + Math.floor(r() * 10), 1 + Math.floor(r() * 5));
    else v.prepare(40, 10, HASH_LIM);
  } else if (v instanceof SetValue) {
    if (p < 0.55) v.add(elem(r), SET_LIM);
    else if (p < 0.8) v.remove(elem(r));
    else if (p < 0.9 && v.size > 0) v.removeAt(Math.floor(r() * v.size));
    else if (p < 0.95) v.maybeConvert(40, SET_LIM);
    else if (v.size > 0 && [...v.members()].every((m) => /^(0|[1-9][0-9]*)$/.test(m))) v.toIntsetIfSmall(SET_LIM);
  } else if (v instanceof ZSet) {
    if (p < 0.5) v.add(Math.floor(r() * 20), elem(r), r() < 0.2 ? 1 : 0, ZSET_LIM);
    else if (p < 0.75) v.remove(elem(r));
    else if (v.size > 0) {
      const start = Math.floor(r() * v.size);
      v.deleteRanks(start, Math.min(v.size - 1, start + Math.floor(r() * 4)));
    }
  } else if (v instanceof QuickList) {
    const b = Buffer.from(r() < 0.1 ? text(r, 300) : elem(r), 'latin1');
    if (p < 0.45 || v.length === 0) v.push(b, r() < 0.5);
    else if (p < 0.6) v.pop(r() < 0.5);
    else if (p < 0.7) v.set(Math.floor(r() * v.length), b);
    else if (p < 0.8) {
      const it = v.cursor(Math.floor(r() * v.length), true);
      it.next();
      v.insertAt(it, b, r() < 0.5);
    } else if (p < 0.9) v.remove(b, Math.floor(r() * 3), r() < 0.5);
    else v.removeEnd(Math.floor(r() * Math.min(4, v.length + 1)), r() < 0.5);
  }
}

function fresh(r: Rand): HashValue | SetValue | ZSet | QuickList {
  const k = Math.floor(r() * 4);
  if (k === 0) return new HashValue();
  if (k === 1) return SetValue.create(elem(r), 1, SET_LIM);
  if (k === 2) return ZSet.empty(true);
  return new QuickList(r() < 0.5 ? 'listpack' : 'quicklist', 8);
}

describe('collection accounting', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`seed ${seed}: each account is the sum of its values, through every kind of change, and 0 at the end`, () => {
      const r = mulberry32(seed);
      const shard = new Shard(0, 2);
      const [a, b] = shard.dbs;
      const now = 1_000_000;
      let most = 0;
      for (let step = 0; step < 4000; step++) {
        const db = r() < 0.8 ? a : b;
        const key = `k${Math.floor(r() * 12)}`;
        const p = r();
        const e = db.lookup(key, now);
        if (e === undefined || p < 0.04) {
          db.put(key, fresh(r), 0, 0);
        } else if (p < 0.06) {
          db.delete(key);
        } else if (p < 0.07) {
          db.put(key, 'a string now', 0, 0);
        } else if (p < 0.08) {
          // MOVE: stored in the other database first, then deleted here.
          const v = e.value;
          const other = db === a ? b : a;
          if (other.lookup(key, now) === undefined) {
            other.put(key, v, 0, 0);
            db.delete(key);
          }
        } else if (p < 0.09) {
          const ref = db.refOf(key);
          if (ref !== 0) db.evictRef(ref);
        } else if (p < 0.092) {
          db.clear();
        } else if (e.value instanceof AccountedValue) {
          mutate(r, e.value, now);
        }
        most = Math.max(most, a.account.bytes);
        if (step % 20 === 0 || step > 3980) {
          checkDb(a, `seed ${seed} step ${step} db 0`);
          checkDb(b, `seed ${seed} step ${step} db 1`);
        }
      }
      assert.ok(most > 5000, `the values grew (the account reached ${most} bytes)`);
      for (const db of [a, b]) for (const key of stored(db).keys()) db.delete(key);
      for (const db of [a, b]) {
        const left: string[] = [];
        db.forEachKey((k) => left.push(k));
        for (const k of left) db.delete(k);
        assert.equal(db.account.bytes, 0, 'nothing is counted once every key is gone');
      }
      assert.equal(shard.usedMemory(), 0, 'the shard is back to its empty figure');
    });
  }

  it('a big hash adds its bytes as it grows and eviction takes exactly those off', () => {
    const shard = new Shard(0, 1);
    const db = shard.dbs[0];
    db.put('other', 'x', 0, 0);
    const empty = shard.usedMemory();
    const h = new HashValue();
    db.put('big', h, 0, 0);
    const withEmptyHash = shard.usedMemory();
    let prev = withEmptyHash;
    for (let i = 0; i < 5000; i++) {
      h.set(`field:${i}`, 'v'.repeat(1000), false, HASH_LIM);
      const used = shard.usedMemory();
      assert.ok(used > prev, 'each new field adds bytes');
      prev = used;
    }
    assert.ok(prev - withEmptyHash >= 5000 * 1000, 'at least the values themselves');
    shard.setPolicy('allkeys-lru', false);
    db.evictRef(db.refOf('big'));
    // (What stays is the object handle's slot, kept for the next collection stored.)
    const slot = 8;
    assert.equal(shard.usedMemory(), empty + slot, 'eviction subtracts exactly what the hash added');
    assert.equal(db.account.bytes, 0);
    // A view of the evicted value changed later (in the same turn) no longer counts anywhere.
    h.set('late', 'x', false, HASH_LIM);
    assert.equal(shard.usedMemory(), empty + slot);
  });

  it('overwriting a collection with another swaps their bytes', () => {
    const db = new Database();
    const s = SetValue.listpack();
    for (let i = 0; i < 10; i++) s.add(`m${i}`, SET_LIM);
    db.put('k', s, 0, 0);
    assert.equal(db.account.bytes, s.memBytes());
    const z = ZSet.empty(true);
    z.add(1, 'one', 0, ZSET_LIM);
    db.put('k', z, 0, 0);
    assert.equal(s.account, null, 'the replaced value is detached');
    assert.equal(db.account.bytes, z.memBytes());
    db.setExpire('k', db.lookup('k', 0)!, 10_000);
    assert.equal(db.account.bytes, z.memBytes(), 'a new record for the same value changes nothing');
    db.delete('k');
    assert.equal(db.account.bytes, 0);
  });
});
