// Database records over the arena and the table against a model: string values of every record
// layout (short, BIGLEN beyond 255 bytes, LARGE beyond 64 KiB), Buffers stored raw, typed values,
// deadlines set and cleared (records grow and shrink), Entry.value assignment, deletes, expiry and
// arena compaction in between — every value reads back as the model has it. Then eviction by each
// maxmemory policy and cache mode on a Shard, and the LFU counter's increment and decay.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Database, Entry, LFU_INIT_VAL, lfuLogIncr, type TypedValue, type Value } from './database.ts';
import { EVICT_NONE, EVICT_PINNED, EVICTED, type EvictionPolicy, Shard } from './shard.ts';
import { SetValue } from './set-value.ts';
import { kindOf } from './kinds.ts';
import { KIND_LIST } from './value-kind.ts';
/** Small chunks keep the tests quick (the server's are 64 MiB). */
const CHUNK_BYTES = 1 << 20;
import { mulberry32 as rng } from '../util/prng.ts';

/** A small value of another type (the database never looks inside; it poses as a list). */
class Thing implements TypedValue {
  readonly kindId = KIND_LIST;
  readonly n: number;
  constructor(n: number) {
    this.n = n;
  }
}

/** What a key holds in the model: a string as latin1, a Buffer (raw), or an object. */
interface Stored {
  value: string | Buffer | Thing;
  deadline: number;
}

/** Random latin1 text to slice string values from (binary-safe: every byte value occurs). */
const TEXT = (() => {
  const r = rng(77);
  let s = '';
  for (let i = 0; i < 80_000; i++) s += String.fromCharCode(Math.floor(r() * 256));
  return s;
})();

function text(r: () => number, len: number): string {
  const at = Math.floor(r() * (TEXT.length - len));
  return TEXT.slice(at, at + len);
}

/** Compares what the database holds for key with the model (the entry's value copied first). */
function same(db: Database, key: string, e: Entry | undefined, want: Stored | undefined, where: string): void {
  if (want === undefined) {
    assert.equal(e, undefined, `${where}: ${JSON.stringify(key.slice(0, 20))} should be absent`);
    return;
  }
  assert.ok(e !== undefined, `${where}: ${JSON.stringify(key.slice(0, 20))} is missing`);
  const v: Value = e.value;
  if (want.value instanceof Thing) {
    assert.equal(v, want.value, `${where}: the object of ${key.slice(0, 20)}`);
    assert.equal(e.raw, false);
  } else {
    assert.ok(v instanceof Buffer, `${where}: a string reads back as a Buffer`);
    const got = Buffer.from(v);
    const exp = typeof want.value === 'string' ? Buffer.from(want.value, 'latin1') : want.value;
    if (!got.equals(exp)) assert.fail(`${where}: value of ${JSON.stringify(key.slice(0, 20))}: ${got.length} bytes, expected ${exp.length}`);
    assert.equal(e.raw, want.value instanceof Buffer, `${where}: raw flag of ${key.slice(0, 20)}`);
  }
  assert.equal(e.expireAt, want.deadline, `${where}: deadline of ${key.slice(0, 20)}`);
}

/** Every stored record against the model (expired ones not yet reclaimed included). */
function checkAll(db: Database, model: Map<string, Stored>, where: string): void {
  let n = 0;
  let withDeadline = 0;
  let objects = 0;
  db.forEachKey((key, ref) => {
    n++;
    const want = model.get(key);
    assert.ok(want !== undefined, `${where}: stray key ${JSON.stringify(key.slice(0, 20))}`);
    same(db, key, new Entry(db, key, ref), want, where);
    if (want.deadline !== 0) withDeadline++;
    if (want.value instanceof Thing) objects++;
  });
  assert.equal(n, model.size, `${where}: key count`);
  assert.equal(db.size, model.size, `${where}: size`);
  assert.equal(db.expiresCount, withDeadline, `${where}: expiresCount`);
  assert.equal(db.objectCount, objects, `${where}: objectCount`);
  let segExpiring = 0;
  for (const seg of db.table.segments()) segExpiring += seg.expiring;
  assert.equal(segExpiring, withDeadline, `${where}: segments' expiring counts`);
}

describe('Database records', () => {
  it('read back every value as stored under random puts, deadlines, replacements, deletes, expiry and compaction', () => {
    const r = rng(101);
    const db = new Database(CHUNK_BYTES);
    const model = new Map<string, Stored>();
    let now = 1_000_000;
    const lru = Math.floor(now / 1000);

    // Fragment the arena first: many records, most deleted, so compaction has work.
    for (let i = 0; i < 24_000; i++) {
      const key = `fill:${i}`;
      const value = text(r, 100 + Math.floor(r() * 200));
      db.put(key, value, 0, lru);
      model.set(key, { value, deadline: 0 });
    }
    const fullCommitted = db.arena.committedBytes;
    for (let i = 0; i < 24_000; i++) {
      if (i % 8 === 0) continue;
      const before = db.bytes;
      assert.equal(db.delete(`fill:${i}`), true);
      model.delete(`fill:${i}`);
      if (!(db.bytes < before)) assert.fail(`bytes did not go down after deleting fill:${i}`);
    }
    checkAll(db, model, 'after the fill');

    const keys: string[] = [];
    for (let i = 0; i < 300; i++) {
      const k = r();
      keys.push(k < 0.1 ? text(r, 256 + Math.floor(r() * 60)) : k < 0.3 ? text(r, 1 + Math.floor(r() * 12)) : `key:${i}`);
    }
    for (let i = 0; i < 24_000; i += 8) keys.push(`fill:${i}`);
    const newValue = (): string | Buffer | Thing => {
      const k = r();
      if (k < 0.02) return text(r, 70_000 + Math.floor(r() * 5000));
      const len = Math.floor(r() * 301);
      if (k < 0.6) return text(r, len);
      if (k < 0.8) return Buffer.from(text(r, len), 'latin1');
      return new Thing(Math.floor(r() * 1e6));
    };
    const newDeadline = (): number => (r() < 0.5 ? 0 : now + Math.floor(r() * 400) - 40);
    /** Looks key up and checks it against the model (an expired key is gone from both). */
    const look = (key: string, where: string): Entry | undefined => {
      const e = db.lookup(key, now);
      const want = model.get(key);
      if (want !== undefined && want.deadline !== 0 && want.deadline <= now) {
        assert.equal(e, undefined, `${where}: an expired key is not returned`);
        model.delete(key);
        return undefined;
      }
      same(db, key, e, want, where);
      return e;
    };
    let compactions = 0;
    for (let step = 0; step < 12_000; step++) {
      const key = keys[Math.floor(r() * keys.length)];
      const op = r();
      const where = `step ${step}`;
      if (op < 0.3) {
        const value = newValue();
        const deadline = newDeadline();
        db.put(key, value, deadline, lru);
        model.set(key, { value, deadline });
      } else if (op < 0.45) {
        const e = look(key, where);
        if (e !== undefined) {
          // The record grows or shrinks by the deadline, or keeps its size.
          const deadline = r() < 0.4 ? 0 : now + 1 + Math.floor(r() * 400);
          db.setExpire(key, e, deadline);
          model.get(key)!.deadline = deadline;
          same(db, key, e, model.get(key), where);
        }
      } else if (op < 0.6) {
        const e = look(key, where);
        if (e !== undefined) {
          const value = newValue();
          e.value = value;
          model.get(key)!.value = value;
          same(db, key, e, model.get(key), where);
        }
      } else if (op < 0.72) {
        const before = db.bytes;
        const had = model.delete(key);
        assert.equal(db.delete(key), had, `${where}: delete ${key.slice(0, 20)}`);
        if (had) assert.ok(db.bytes < before, `${where}: bytes go down after a delete`);
      } else if (op < 0.9) {
        look(key, where);
      } else if (op < 0.95) {
        // Entry views made before compaction find their records after it.
        const e = look(key, where);
        if (db.compactStep(1 + Math.floor(r() * 200))) compactions++;
        if (e !== undefined) same(db, key, e, model.get(key), `${where} across compaction`);
      } else if (op < 0.97) {
        db.expireSome(10, now);
        for (const [k, s] of model) {
          if (db.refOf(k) === 0) {
            assert.ok(s.deadline !== 0 && s.deadline <= now, `${where}: ${k.slice(0, 20)} reclaimed before its deadline`);
            model.delete(k);
          }
        }
      } else {
        now += Math.floor(r() * 30);
      }
      if (step % 1000 === 999) checkAll(db, model, where);
    }
    checkAll(db, model, 'end');
    assert.ok(compactions > 0, 'compaction ran');
    let steps = 0;
    while (db.compactStep(100)) assert.ok(++steps < 10_000, 'compaction ends');
    checkAll(db, model, 'compacted');
    const a = db.arena;
    if (a.wastedBytes >= 2 * CHUNK_BYTES && a.wastedBytes * 4 >= a.committedBytes) {
      // Fragmentation is left only in chunks more than half full, and in the chunk being filled.
      const live = new Map<number, number>();
      db.forEachKey((_, ref) => void live.set(ref >>> 23, (live.get(ref >>> 23) ?? 0) + a.blockBytes(ref)));
      let sparse = 0;
      for (let i = 0; i < a.chunks.length; i++) {
        if (a.chunks[i]?.length === CHUNK_BYTES && (live.get(i + 1) ?? 0) <= CHUNK_BYTES / 2) sparse++;
      }
      assert.ok(sparse <= 1, `${sparse} sparse chunks left (${a.wastedBytes} of ${a.committedBytes} bytes not live)`);
    }
    assert.ok(a.committedBytes < fullCommitted, `compaction gave chunks back (${fullCommitted} -> ${a.committedBytes})`);

    db.clear();
    assert.equal(db.size, 0);
    assert.equal(db.expiresCount, 0);
    assert.equal(db.objectCount, 0);
    assert.equal(db.arena.usedBytes, 0);
    assert.equal(db.arena.committedBytes, 0);
    assert.equal(db.bytes, 0, 'an empty database counts nothing');
    for (const k of keys.slice(0, 50)) assert.equal(db.lookup(k, now), undefined);
    db.put('again', 'v', 0, lru);
    same(db, 'again', db.lookup('again', now), { value: 'v', deadline: 0 }, 'after clear');
  });

  it('compacts to the end when compactStep runs many times within one turn (as the shard timer does)', () => {
    const db = new Database(CHUNK_BYTES);
    for (let i = 0; i < 40_000; i++) db.put(`k${i}`, 'x'.repeat(40 + (i % 50)), i % 3 === 0 ? 1e15 : 0, 0);
    for (let i = 0; i < 40_000; i++) if (i % 10 !== 0) db.delete(`k${i}`);
    // Keys deleted in the same turn as the compaction (expired or evicted in the same tick).
    const committed = db.arena.committedBytes;
    let steps = 0;
    while (db.compactStep(256)) {
      if (steps === 3) for (let i = 0; i < 40_000; i += 20) db.delete(`k${i}`);
      steps++;
      assert.ok(steps < 10_000);
    }
    assert.ok(db.arena.committedBytes <= committed - 2 * CHUNK_BYTES, `${committed} -> ${db.arena.committedBytes}`);
    for (let i = 0; i < 40_000; i++) {
      const e = db.lookup(`k${i}`, 0);
      if (i % 10 !== 0 || i % 20 === 0) {
        assert.equal(e, undefined);
        continue;
      }
      assert.ok(e !== undefined, `k${i}`);
      assert.equal((e.value as Buffer).toString('latin1'), 'x'.repeat(40 + (i % 50)));
      assert.equal(e.expireAt, i % 3 === 0 ? 1e15 : 0);
    }
  });

  it('stores Buffers raw unless told otherwise, and keeps the flag across deadlines and moves', () => {
    const db = new Database(CHUNK_BYTES);
    db.put('a', Buffer.from('abc'), 0, 0);
    db.put('b', 'abc', 0, 0);
    db.put('c', Buffer.from('abc'), 0, 0, false);
    assert.equal(db.lookup('a', 0)!.raw, true);
    assert.equal(db.lookup('b', 0)!.raw, false);
    assert.equal(db.lookup('c', 0)!.raw, false, 'a moved string keeps its encoding');
    const e = db.lookup('a', 0)!;
    db.setExpire('a', e, 5000);
    assert.equal(db.lookup('a', 0)!.raw, true, 'the record grew by a deadline, still raw');
    db.setExpire('a', db.lookup('a', 0)!, 0);
    assert.equal(db.lookup('a', 0)!.raw, true);
    const b = db.lookup('b', 0)!;
    b.value = Buffer.from('built in place');
    assert.equal(db.lookup('b', 0)!.raw, true);
    b.value = 'whole';
    assert.equal(db.lookup('b', 0)!.raw, false);
  });

  it('keeps the deadline and access data when a value is replaced through Entry.value', () => {
    const db = new Database(CHUNK_BYTES);
    db.put('k', 'v1', 9000, 1234);
    db.setLfu(db.refOf('k'), 77);
    const e = db.lookup('k', 0)!;
    e.value = new Thing(1);
    assert.equal(e.expireAt, 9000);
    assert.equal(db.lfuAt(db.refOf('k')), 77);
    assert.equal(db.objectCount, 1);
    e.value = new Thing(2);
    assert.equal(db.objectCount, 1, 'an object replacing an object keeps its handle');
    assert.equal((e.value as Thing).n, 2);
    e.value = 'back to a string';
    assert.equal(db.objectCount, 0);
    assert.equal((e.value as Value as Buffer).toString(), 'back to a string');
    assert.equal(e.expireAt, 9000);
  });
});

/** A shard with `n` keys of `len`-byte values in db 0; `deadline(i)` gives key i's deadline. */
function filled(n: number, len: number, deadline: (i: number) => number = () => 0, lru = Shard.lruClock(Date.now())): Shard {
  const shard = new Shard(0, 2);
  const db = shard.dbs[0];
  for (let i = 0; i < n; i++) db.put(`key:${i}`, 'v'.repeat(len), deadline(i), lru);
  return shard;
}

function present(shard: Shard, keys: string[]): number {
  let n = 0;
  for (const k of keys) if (shard.dbs[0].refOf(k) !== 0) n++;
  return n;
}

describe('Shard eviction', () => {
  const names = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `key:${from + i}`);

  it('evicting collections takes their bytes off at once: it stops once under the limit', () => {
    const shard = new Shard(0, 1);
    shard.setPolicy('allkeys-lru', false);
    const db = shard.dbs[0];
    const lim = { intsetEntries: 512, listpackEntries: 128, listpackValue: 64 };
    for (let i = 0; i < 1000; i++) {
      const set = SetValue.hashtable();
      for (let j = 0; j < 200; j++) set.add(`member-${i}-${j}`, lim);
      db.put(`set:${i}`, set, 0, 0);
    }
    const set = db.lookup('set:0', 0)!.value;
    const used = shard.usedMemory();
    assert.ok(used > 1000 * kindOf(set).heapBytes(set, 5), 'the sets count in usedMemory() as soon as they are stored');
    shard.maxmemory = Math.floor(used * 0.9);
    assert.equal(shard.ensureMemory(), true);
    assert.ok(shard.usedMemory() <= shard.maxmemory);
    assert.ok(db.size > 800, `${1000 - db.size} of 1000 sets evicted to free 10%`);
  });

  it('leaves keys that transactions hold alone, and says so', () => {
    const shard = filled(200, 100);
    shard.setPolicy('allkeys-lru', false);
    shard.maxmemory = Math.floor(shard.usedMemory() / 2);
    shard.pinned = () => true;
    assert.equal(shard.evictOne(), EVICT_PINNED);
    assert.equal(shard.ensureMemory(), true, 'not a failure: eviction goes on once the transactions end');
    assert.equal(shard.dbs[0].size, 200);
    shard.pinned = (_db, key) => key.endsWith('7');
    assert.equal(shard.ensureMemory(), true);
    assert.ok(shard.usedMemory() <= shard.maxmemory);
    for (let i = 7; i < 200; i += 10) assert.notEqual(shard.dbs[0].refOf(`key:${i}`), 0, `key:${i} is held`);
  });

  for (const policy of ['allkeys-lru', 'allkeys-lfu', 'allkeys-random'] as EvictionPolicy[]) {
    it(`${policy} brings used memory under maxmemory and counts the evicted keys`, () => {
      const shard = filled(3000, 200);
      shard.dbs[1].put('other-db', 'v'.repeat(200), 0, 0);
      shard.setPolicy(policy, false);
      assert.equal(shard.ensureMemory(), true, 'no maxmemory: nothing to do');
      shard.maxmemory = Math.floor(shard.usedMemory() * 0.6);
      assert.equal(shard.ensureMemory(), true);
      assert.ok(shard.usedMemory() <= shard.maxmemory);
      const left = shard.dbs[0].size + shard.dbs[1].size;
      assert.equal(shard.stats.evictedKeys, 3001 - left);
      assert.ok(left > 1500, `${left} keys left: eviction stops once under the limit`);
    });
  }

  for (const policy of ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl'] as EvictionPolicy[]) {
    it(`${policy} evicts only keys with deadlines, and fails when none is left`, () => {
      const future = Date.now() + 3_600_000;
      const shard = filled(3000, 200, (i) => (i % 2 === 0 ? future + i * 1000 : 0));
      shard.setPolicy(policy, false);
      const used = shard.usedMemory();
      shard.maxmemory = Math.floor(used * 0.75);
      assert.equal(shard.ensureMemory(), true);
      assert.ok(shard.usedMemory() <= shard.maxmemory);
      const db = shard.dbs[0];
      const persistent = names(0, 3000).filter((_, i) => i % 2 === 1);
      assert.equal(present(shard, persistent), 1500, 'keys without a deadline stay');
      assert.equal(shard.stats.evictedKeys, 1500 - db.expiresCount);
      if (policy === 'volatile-ttl') {
        // The keys that expire soonest go first (approximately, as Redis samples).
        let survivors = 0;
        let early = 0;
        for (let i = 0; i < 3000; i += 2) {
          if (db.refOf(`key:${i}`) === 0) continue;
          survivors++;
          if (i < 1500) early++;
        }
        assert.ok(early < survivors * 0.3, `${early} of ${survivors} survivors have the earliest deadlines`);
      }
      shard.maxmemory = Math.floor(used * 0.3);
      assert.equal(shard.ensureMemory(), false, 'nothing left that the policy may evict');
      assert.equal(db.expiresCount, 0);
      assert.equal(present(shard, persistent), 1500);
      assert.equal(shard.stats.evictedKeys, 1500);
      assert.equal(shard.evictOne(), EVICT_NONE);
    });
  }

  it('noeviction evicts nothing and reports being over the limit', () => {
    const shard = filled(1000, 100);
    shard.setPolicy('noeviction', false);
    shard.maxmemory = Math.floor(shard.usedMemory() / 2);
    assert.equal(shard.ensureMemory(), false);
    assert.equal(shard.dbs[0].size, 1000);
    assert.equal(shard.stats.evictedKeys, 0);
    shard.maxmemory = shard.usedMemory();
    assert.equal(shard.ensureMemory(), true, 'at the limit is within it');
  });

  it('allkeys-lru keeps the keys accessed recently', () => {
    const n = 4000;
    const shard = filled(n, 100, () => 0, Shard.lruClock(Date.now()) - 3600);
    shard.setPolicy('allkeys-lru', false);
    const db = shard.dbs[0];
    const hot = names(0, n).filter((_, i) => i % 5 === 0);
    const now = Date.now();
    for (const k of hot) db.accessed(db.refOf(k), now);
    for (let i = 0; i < n / 2; i++) assert.equal(shard.evictOne(), EVICTED);
    assert.equal(shard.stats.evictedKeys, n / 2);
    const kept = present(shard, hot);
    assert.ok(kept >= hot.length * 0.9, `${kept} of ${hot.length} hot keys survived`);
  });

  it('allkeys-lfu keeps the keys accessed often', () => {
    const n = 4000;
    const shard = filled(n, 100);
    shard.setPolicy('allkeys-lfu', false);
    const db = shard.dbs[0];
    const hot = names(0, n).filter((_, i) => i % 5 === 0);
    const now = Date.now();
    for (let round = 0; round < 30; round++) for (const k of hot) db.accessed(db.refOf(k), now);
    for (const k of hot) assert.ok(db.lfuAt(db.refOf(k)) > LFU_INIT_VAL);
    for (let i = 0; i < n / 2; i++) assert.equal(shard.evictOne(), EVICTED);
    const kept = present(shard, hot);
    assert.ok(kept >= hot.length * 0.9, `${kept} of ${hot.length} frequently used keys survived`);
  });

  /**
   * Keys hit once (H), then keys never hit that came in after them (C), then a scan of `scan` new keys
   * with maxmemory holding about H and C. Returns how many of H and of C survive the scan.
   */
  function scanSurvival(cacheMode: boolean, scan: number): [number, number] {
    const shard = new Shard(0, 1);
    shard.setPolicy('allkeys-lru', cacheMode);
    const db = shard.dbs[0];
    const clock = Shard.lruClock(Date.now());
    const value = 'v'.repeat(150);
    const hot = Array.from({ length: 600 }, (_, i) => `hot:${i}`);
    const cold = Array.from({ length: 600 }, (_, i) => `cold:${i}`);
    for (const k of hot) db.put(k, value, 0, clock - 300);
    for (const k of hot) db.accessed(db.refOf(k), (clock - 200) * 1000);
    for (const k of cold) db.put(k, value, 0, clock - 100);
    shard.maxmemory = shard.usedMemory() + 64 * 1024;
    for (let i = 0; i < scan; i++) {
      db.put(`scan:${i}`, value, 0, clock);
      shard.ensureMemory();
      assert.ok(shard.usedMemory() <= shard.maxmemory);
    }
    assert.ok(shard.stats.evictedKeys >= scan / 3, `${shard.stats.evictedKeys} evicted`);
    return [present(shard, hot), present(shard, cold)];
  }

  it('cache mode keeps the keys that were hit through a scan, evicting keys never hit first', () => {
    // A scan of half the cache: the never-hit keys make room, every hit key stays.
    let [hot, cold] = scanSurvival(true, 600);
    assert.ok(hot >= 560 && cold < 450, `half-cache scan: ${hot} of 600 hit keys, ${cold} of 600 never-hit keys survive`);
    // A scan as big as the cache: the never-hit keys are gone, most hit keys are still there.
    [hot, cold] = scanSurvival(true, 1200);
    assert.ok(hot >= 400 && cold < 120, `cache-sized scan: ${hot} of 600 hit keys, ${cold} of 600 never-hit keys survive`);
    // Plain LRU, for contrast, evicts the hit keys first: they were used longest ago.
    const [lruHot, lruCold] = scanSurvival(false, 600);
    assert.ok(lruHot < lruCold, `LRU: ${lruHot} hit keys, ${lruCold} never-hit keys survive`);
  });

  it('cache mode evicts even with maxmemory-policy noeviction', () => {
    const shard = filled(1000, 100);
    shard.setPolicy('noeviction', true);
    shard.maxmemory = Math.floor(shard.usedMemory() * 0.7);
    assert.equal(shard.ensureMemory(), true);
    assert.ok(shard.stats.evictedKeys > 0);
  });
});

describe('LFU counter', () => {
  it('lfuLogIncr never decreases, grows by at most one, and saturates at 255', () => {
    for (let c = 0; c <= 255; c++) {
      for (let t = 0; t < 20; t++) {
        const n = lfuLogIncr(c, 10);
        assert.ok(n === c || n === c + 1, `${c} -> ${n}`);
        assert.ok(n <= 255);
      }
    }
    let c = LFU_INIT_VAL;
    for (let i = 0; i < 400; i++) {
      const n = lfuLogIncr(c, 0);
      assert.ok(n >= c);
      c = n;
    }
    assert.equal(c, 255, 'log factor 0 counts every access up to 255');
    // With the default factor the counter is logarithmic: about 18 after 1000 hits in Redis's table.
    c = LFU_INIT_VAL;
    for (let i = 0; i < 1000; i++) c = lfuLogIncr(c, 10);
    assert.ok(c >= 10 && c <= 30, `counter ${c} after 1000 hits`);
  });

  it('lfuDecayed takes one per lfu-decay-time minutes since the last access, down to 0', () => {
    const db = new Database(CHUNK_BYTES);
    const clock = 50_000;
    db.put('k', 'v', 0, clock);
    const ref = db.refOf('k');
    db.setLfu(ref, 20);
    assert.equal(db.lfuDecayed(ref, clock), 20);
    assert.equal(db.lfuDecayed(ref, clock + 59), 20);
    assert.equal(db.lfuDecayed(ref, clock + 60), 19);
    assert.equal(db.lfuDecayed(ref, clock + 600), 10);
    assert.equal(db.lfuDecayed(ref, clock + 3600), 0);
    db.access.lfuDecayTime = 2;
    assert.equal(db.lfuDecayed(ref, clock + 600), 15);
    db.access.lfuDecayTime = 0;
    assert.equal(db.lfuDecayed(ref, clock + 3600), 20, 'decay time 0: no decay');
    // An access applies the decay, then increments (LFU policies only).
    db.access.lfuDecayTime = 1;
    db.access.lfu = true;
    db.access.lfuLogFactor = 0;
    db.accessed(ref, (clock + 600) * 1000);
    assert.equal(db.lfuAt(ref), 11);
    assert.equal(db.lfuDecayed(ref, clock + 600), 11, 'the access restarted the decay period');
  });
});

describe('Shard while the dataset is frozen (CLIENT PAUSE)', () => {
  it('a lookup past the deadline reads as gone but keeps the key; eviction neither evicts nor refuses', () => {
    const shard = filled(100, 100, (i) => (i === 0 ? 1000 : 0));
    let frozen = true;
    shard.freeze.frozen = () => frozen;
    const db = shard.dbs[0];
    assert.equal(db.lookup('key:0', 2000), undefined);
    assert.equal(db.size, 100, 'still stored');
    assert.equal(db.expiredCount, 0);
    shard.setPolicy('noeviction', false);
    shard.maxmemory = Math.floor(shard.usedMemory() / 2);
    assert.equal(shard.ensureMemory(), true, 'nothing refused while paused');
    shard.setPolicy('allkeys-lru', false);
    assert.equal(shard.ensureMemory(), true);
    assert.equal(db.size, 100, 'nothing evicted while paused');
    frozen = false;
    assert.equal(db.lookup('key:0', 2000), undefined);
    assert.equal(db.size, 99, 'expired once the pause is over');
    assert.equal(db.expiredCount, 1);
    assert.equal(shard.ensureMemory(), true);
    assert.ok(db.size < 99, 'and eviction runs');
  });
});
