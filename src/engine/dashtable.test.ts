// DashTable against a Map model through many splits, with a tiny KeyStore over a JS array of keys
// (ref = index + 1): every key is found, size and the segment structure stay consistent (directory
// pointers, local depths, home buckets, stash bookkeeping), fingerprint collisions still compare keys,
// a full bucket spills into the stash and a full stash splits, SCAN visits every key present for the
// whole scan while segments split under it and ends in a bounded number of steps, randomRef returns
// only present keys, and hashString agrees with hashBytes.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BUCKET_SLOTS, BUCKETS, DashTable, HASH, hashBytes, hashString, type KeyStore, type Segment, SEGMENT_SLOTS, STASH_SLOTS } from './dashtable.ts';
import { mulberry32 as rng } from '../util/prng.ts';

const REGULAR = BUCKETS * BUCKET_SLOTS;

/** Keys in a JS array: ref i + 1 is keys[i]; `probe` is the key being looked up. */
class ArrayStore implements KeyStore {
  readonly keys: string[] = [];
  readonly deadlines = new Set<number>();
  probe = '';
  compares = 0;

  refMatches(ref: number): boolean {
    this.compares++;
    return this.keys[ref - 1] === this.probe;
  }

  rehash(ref: number): void {
    hashString(this.keys[ref - 1]);
  }

  expiring(ref: number): boolean {
    return this.deadlines.has(ref);
  }

  /** The ref a new key gets. */
  add(key: string): number {
    this.keys.push(key);
    return this.keys.length;
  }
}

/** A table with its store, and the operations a Database performs on it. */
class Harness {
  readonly store = new ArrayStore();
  readonly table = new DashTable(this.store);

  find(key: string): number {
    hashString(key);
    this.store.probe = key;
    return this.table.find(HASH[0], HASH[1]);
  }

  insert(key: string): number {
    assert.equal(this.find(key), 0, `${key} is new`);
    const ref = this.store.add(key);
    hashString(key);
    this.table.insert(HASH[0], HASH[1], ref);
    return ref;
  }

  remove(key: string): boolean {
    if (this.find(key) === 0) return false;
    this.table.removeLast();
    return true;
  }

  /** Checks the table's structure; returns the refs it holds. */
  check(where: string): Set<number> {
    const t = this.table;
    const held = new Set<number>();
    assert.equal(t.dir.length, 2 ** t.depth, `${where}: directory size`);
    let segs = 0;
    for (let i = 0; i < t.dir.length; ) {
      const seg = t.dir[i];
      assert.ok(seg.depth <= t.depth, `${where}: local depth`);
      const span = 2 ** (t.depth - seg.depth);
      assert.equal(i % span, 0, `${where}: segment at ${i} is aligned to its span`);
      for (let j = i; j < i + span; j++) assert.equal(t.dir[j], seg, `${where}: entry ${j} points to its segment`);
      this.checkSegment(seg, i >>> (t.depth - seg.depth), where, held);
      segs++;
      i += span;
    }
    assert.equal(t.segmentCount, segs, `${where}: segmentCount`);
    assert.equal(t.size, held.size, `${where}: size`);
    assert.equal([...t.segments()].length, segs, `${where}: segments() yields each segment once`);
    return held;
  }

  private checkSegment(seg: Segment, prefix: number, where: string, held: Set<number>): void {
    let count = 0;
    const overflow = new Uint8Array(BUCKETS);
    for (let i = 0; i < SEGMENT_SLOTS; i++) {
      const ref = seg.refs[i];
      if (ref === 0) continue;
      count++;
      assert.ok(!held.has(ref), `${where}: ref ${ref} held twice`);
      held.add(ref);
      hashString(this.store.keys[ref - 1]);
      const home = HASH[1] % BUCKETS;
      if (seg.depth > 0) assert.equal(HASH[0] >>> (32 - seg.depth), prefix, `${where}: key in the segment of its hash prefix`);
      assert.equal(seg.fps[i], HASH[0] & 0xff, `${where}: fingerprint`);
      if (i < REGULAR) assert.equal(Math.floor(i / BUCKET_SLOTS), home, `${where}: key in its home bucket`);
      else {
        assert.equal(seg.stashHome[i - REGULAR], home, `${where}: stash slot names the home bucket`);
        overflow[home]++;
      }
    }
    assert.equal(seg.count, count, `${where}: segment count`);
    assert.deepEqual([...seg.overflow], [...overflow], `${where}: overflow counts`);
  }
}

/** Random binary-safe latin1 key. */
function randomKey(r: () => number, max = 24): string {
  const n = 1 + Math.floor(r() * max);
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(Math.floor(r() * 256));
  return s;
}

/** The table's placement of a key: fingerprint, home bucket, first hash. */
function placement(key: string): { fp: number; home: number; h1: number } {
  hashString(key);
  return { fp: HASH[0] & 0xff, home: HASH[1] % BUCKETS, h1: HASH[0] };
}

describe('DashTable', () => {
  it('matches a Map model under random insert, find and remove through many splits', () => {
    const r = rng(21);
    const h = new Harness();
    const model = new Map<string, number>();
    const present: string[] = [];
    let depth = 0;
    for (let step = 0; step < 100_000; step++) {
      const op = r();
      if (op < 0.75 || present.length === 0) {
        const key = `k${step}:${Math.floor(r() * 1e9)}`;
        model.set(key, h.insert(key));
        present.push(key);
      } else if (op < 0.9) {
        const j = Math.floor(r() * present.length);
        const key = present[j];
        present[j] = present[present.length - 1];
        present.pop();
        assert.equal(h.remove(key), true);
        model.delete(key);
        assert.equal(h.find(key), 0, `${key} is gone`);
      } else {
        const key = present[Math.floor(r() * present.length)];
        assert.equal(h.find(key), model.get(key));
        assert.equal(h.find(key + '!'), 0);
      }
      assert.ok(h.table.depth >= depth, 'the directory never shrinks');
      depth = h.table.depth;
      if (step % 25_000 === 0) h.check(`step ${step}`);
    }
    const held = h.check('end');
    assert.equal(h.table.size, model.size);
    assert.ok(h.table.depth >= 6, `directory depth ${h.table.depth}`);
    assert.ok(h.table.segmentCount > 60, `${h.table.segmentCount} segments`);
    for (const [key, ref] of model) {
      if (h.find(key) !== ref) assert.fail(`${key} not found`);
      assert.ok(held.has(ref));
    }
  });

  it('keeps comparing keys when fingerprints and home buckets collide', () => {
    const r = rng(5);
    // Group random keys by (fingerprint, home bucket) until one group has several keys.
    const groups = new Map<number, string[]>();
    let group: string[] = [];
    while (group.length < 6) {
      const key = randomKey(r, 12);
      const p = placement(key);
      const id = p.fp * BUCKETS + p.home;
      const g = groups.get(id) ?? [];
      if (!g.includes(key)) g.push(key);
      groups.set(id, g);
      if (g.length > group.length) group = g;
    }
    const h = new Harness();
    const inserted = group.slice(0, 5);
    const refs = inserted.map((k) => h.insert(k));
    const other = group[5];
    for (let i = 0; i < inserted.length; i++) {
      h.store.compares = 0;
      assert.equal(h.find(inserted[i]), refs[i], `colliding key ${i} finds its own record`);
      assert.equal(h.store.compares, i + 1, 'keys with the same fingerprint are compared in turn');
    }
    assert.equal(h.find(other), 0, 'a colliding key that is absent is not found');
    assert.equal(h.remove(inserted[2]), true);
    assert.equal(h.find(inserted[2]), 0);
    for (const i of [0, 1, 3, 4]) assert.equal(h.find(inserted[i]), refs[i]);
    h.check('collisions');
  });

  it('spills a full home bucket into the stash and splits when the stash is full too', () => {
    const r = rng(9);
    // Keys that all have home bucket 7.
    const keys: string[] = [];
    while (keys.length < BUCKET_SLOTS + STASH_SLOTS + 40) {
      const key = randomKey(r, 16);
      if (placement(key).home === 7 && !keys.includes(key)) keys.push(key);
    }
    const h = new Harness();
    const refs = new Map<string, number>();
    const insert = (k: string): void => void refs.set(k, h.insert(k));
    const seg = h.table.dir[0];
    for (let i = 0; i < BUCKET_SLOTS; i++) insert(keys[i]);
    assert.equal(seg.overflow[7], 0, 'the home bucket holds the first 14');
    insert(keys[BUCKET_SLOTS]);
    assert.equal(seg.overflow[7], 1, 'the 15th goes to the stash');
    assert.ok(h.table.lastSlot >= REGULAR, 'in a stash slot');
    for (let i = BUCKET_SLOTS + 1; i < BUCKET_SLOTS + STASH_SLOTS; i++) insert(keys[i]);
    assert.equal(seg.overflow[7], STASH_SLOTS);
    assert.equal(h.table.segmentCount, 1, 'a segment with room in the stash does not split');
    h.check('stash full');
    // A key of the full bucket: found in the stash; removing one frees a stash slot.
    const stashed = keys[BUCKET_SLOTS + 3];
    assert.ok(h.find(stashed) > 0 && h.table.lastSlot >= REGULAR);
    h.table.removeLast();
    assert.equal(seg.overflow[7], STASH_SLOTS - 1);
    insert(stashed);
    assert.equal(h.table.segmentCount, 1);
    // One more splits the segment; the rest of the keys keep it splitting as needed.
    for (let i = BUCKET_SLOTS + STASH_SLOTS; i < keys.length; i++) insert(keys[i]);
    assert.ok(h.table.segmentCount > 1, 'a full bucket with a full stash splits');
    h.check('after splits');
    for (let i = 0; i < keys.length; i++) assert.equal(h.find(keys[i]), refs.get(keys[i]), `key ${i}`);
    // With no key removed from a bucket, a key sits in the stash only while its home bucket is full:
    // a split sends stashed keys that stay home when their bucket has room again.
    for (const s of h.table.segments()) {
      for (let b = 0; b < BUCKETS; b++) {
        if (s.overflow[b] === 0) continue;
        for (let i = b * BUCKET_SLOTS; i < (b + 1) * BUCKET_SLOTS; i++) assert.notEqual(s.refs[i], 0, `bucket ${b} has room but keys in the stash`);
      }
    }
  });

  it('moves keys with deadlines between the segments\' expiring counts on a split', () => {
    const r = rng(13);
    const h = new Harness();
    for (let i = 0; i < 20_000; i++) {
      const key = randomKey(r, 20) + i;
      const ref = h.insert(key);
      if (r() < 0.3) {
        h.store.deadlines.add(ref);
        h.table.lastSeg.expiring++;
      }
    }
    for (const seg of h.table.segments()) {
      let n = 0;
      for (const ref of seg.refs) if (ref !== 0 && h.store.deadlines.has(ref)) n++;
      assert.equal(seg.expiring, n);
    }
  });

  it('SCAN visits every key present for the whole scan while segments split, and ends', () => {
    const r = rng(33);
    const h = new Harness();
    const throughout = new Set<number>();
    const transient: string[] = [];
    for (let i = 0; i < 3000; i++) throughout.add(h.insert(`keep:${i}`));
    for (let i = 0; i < 3000; i++) transient.push(`tmp:${i}`), h.insert(`tmp:${i}`);
    const depthAtStart = h.table.depth;
    const segmentsAtStart = h.table.segmentCount;
    const visited = new Set<number>();
    let cursor = 0;
    let steps = 0;
    let added = 0;
    do {
      cursor = h.table.scanStep(cursor, (ref) => visited.add(ref));
      steps++;
      // Between steps: inserts that make segments split, deletes of keys not kept throughout.
      for (let i = 0; i < 16; i++) h.insert(`new:${added++}`);
      for (let i = 0; i < 5 && transient.length > 0; i++) {
        const j = Math.floor(r() * transient.length);
        h.remove(transient[j]);
        transient[j] = transient[transient.length - 1];
        transient.pop();
      }
      assert.ok(steps <= BUCKETS * h.table.segmentCount, `scan still running after ${steps} steps`);
    } while (cursor !== 0);
    assert.ok(h.table.depth > depthAtStart && h.table.segmentCount >= 1.5 * segmentsAtStart, `the table grew during the scan (${segmentsAtStart} -> ${h.table.segmentCount} segments)`);
    for (const ref of throughout) if (!visited.has(ref)) assert.fail(`${h.store.keys[ref - 1]} present throughout was not visited`);
    for (const ref of visited) assert.ok(ref >= 1 && ref <= h.store.keys.length, 'only refs of the table are visited');
    h.check('after the scan');
  });

  it('SCAN over a table that does not change visits each key exactly once', () => {
    const h = new Harness();
    for (let i = 0; i < 10_000; i++) h.insert(`k${i}`);
    const seen = new Map<number, number>();
    let cursor = 0;
    let steps = 0;
    do {
      cursor = h.table.scanStep(cursor, (ref) => seen.set(ref, (seen.get(ref) ?? 0) + 1));
      steps++;
    } while (cursor !== 0);
    assert.equal(seen.size, 10_000);
    assert.ok([...seen.values()].every((n) => n === 1));
    assert.equal(steps, BUCKETS * h.table.segmentCount);
    // A cursor from outside the table's range still ends the scan.
    assert.equal(h.table.scanStep(DashTable.CURSOR_SPAN - 1, () => {}), 0);
  });

  it('randomRef returns only present refs and reaches many distinct keys', () => {
    const r = rng(17);
    const h = new Harness();
    assert.equal(h.table.randomRef(r), 0, 'empty table');
    const keys = Array.from({ length: 5000 }, (_, i) => `r${i}`);
    for (const k of keys) h.insert(k);
    for (let i = 0; i < 5000; i += 2) h.remove(keys[i]);
    const present = h.check('before sampling');
    const seen = new Set<number>();
    for (let i = 0; i < 10_000; i++) {
      const ref = h.table.randomRef(r);
      if (!present.has(ref)) assert.fail(`randomRef gave ${ref}, not in the table`);
      seen.add(ref);
    }
    assert.ok(seen.size > 1500, `${seen.size} distinct of 2500`);
    // A sparse table (one key left) still yields it.
    for (let i = 1; i < 4999; i += 2) h.remove(keys[i]);
    assert.equal(h.table.size, 1);
    assert.equal(h.table.randomRef(r), h.find(keys[4999]));
  });

  it('clear() empties the table', () => {
    const h = new Harness();
    for (let i = 0; i < 3000; i++) h.insert(`c${i}`);
    h.table.clear();
    assert.equal(h.table.size, 0);
    assert.equal(h.table.segmentCount, 1);
    assert.equal(h.find('c1'), 0);
    h.insert('c1');
    h.check('after clear');
  });
});

describe('hashString and hashBytes', () => {
  it('hash a latin1 key string and its bytes alike', () => {
    const r = rng(41);
    const h2 = new Uint32Array(2);
    for (let i = 0; i < 5000; i++) {
      const key = i === 0 ? '' : randomKey(r, 64);
      hashString(key);
      h2.set(HASH);
      const buf = Buffer.concat([Buffer.from([1, 2, 3]), Buffer.from(key, 'latin1'), Buffer.from([9])]);
      hashBytes(buf, 3, key.length);
      assert.deepEqual([...HASH], [...h2], `key ${JSON.stringify(key)}`);
    }
  });

  it('spread keys over fingerprints and home buckets', () => {
    const fps = new Set<number>();
    const homes = new Set<number>();
    for (let i = 0; i < 20_000; i++) {
      const p = placement(`key:${i}`);
      fps.add(p.fp);
      homes.add(p.home);
    }
    assert.equal(fps.size, 256);
    assert.equal(homes.size, BUCKETS);
  });
});
