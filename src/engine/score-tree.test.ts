// ScoreTree against a sorted-array model: seeded random inserts, deletes, rank and bound queries, with
// the tree's invariants checked as it grows, shrinks (merges, redistributions, root collapse) and
// when bulk-loaded.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScoreTree, compareKeys } from './score-tree.ts';
import { mulberry32 as rng } from '../util/prng.ts';

type Pair = [number, string];

/** The model: pairs kept sorted in an array. */
class Model {
  pairs: Pair[] = [];

  lower(s: number, m: string): number {
    let lo = 0;
    let hi = this.pairs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys(this.pairs[mid][0], this.pairs[mid][1], s, m) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  has(s: number, m: string): boolean {
    const i = this.lower(s, m);
    return i < this.pairs.length && this.pairs[i][1] === m && this.pairs[i][0] === s;
  }

  insert(s: number, m: string): void {
    this.pairs.splice(this.lower(s, m), 0, [s, m]);
  }

  delete(s: number, m: string): boolean {
    if (!this.has(s, m)) return false;
    this.pairs.splice(this.lower(s, m), 1);
    return true;
  }
}

function contents(t: ScoreTree): Pair[] {
  const out: Pair[] = [];
  t.forEach((s, m) => out.push([s, m]));
  return out;
}

function randomPair(r: () => number, scoreRange: number): Pair {
  const s = Math.floor(r() * scoreRange) - scoreRange / 2;
  return [s, 'm' + Math.floor(r() * 5000).toString(36)];
}

test('random inserts and deletes match the model; invariants hold', () => {
  for (const seed of [1, 2, 3]) {
    const r = rng(seed);
    const t = new ScoreTree();
    const model = new Model();
    // Grow past several levels, then shrink to nothing, then grow again.
    const phases: [number, number][] = [[6000, 0.85], [9000, 0.15], [3000, 0.6]];
    for (const [ops, pInsert] of phases) {
      for (let i = 0; i < ops; i++) {
        if (r() < pInsert || model.pairs.length === 0) {
          const [s, m] = randomPair(r, seed === 2 ? 4 : 1000); // seed 2: many equal scores
          if (model.has(s, m)) continue;
          model.insert(s, m);
          t.insert(s, m);
        } else if (r() < 0.8) {
          const [s, m] = model.pairs[Math.floor(r() * model.pairs.length)];
          assert.equal(t.delete(s, m), true);
          model.delete(s, m);
        } else {
          const [s, m] = randomPair(r, 1000);
          assert.equal(t.delete(s, m), model.delete(s, m));
        }
        if (i % 500 === 0) t.check();
      }
      t.check();
      assert.equal(t.size, model.pairs.length);
      assert.deepEqual(contents(t), model.pairs);
    }
  }
});

test('rankOf, at, countBefore and cursors agree with the model', () => {
  const r = rng(7);
  const t = new ScoreTree();
  const model = new Model();
  for (let i = 0; i < 5000; i++) {
    const [s, m] = randomPair(r, 300);
    if (model.has(s, m)) continue;
    model.insert(s, m);
    t.insert(s, m);
  }
  const n = model.pairs.length;
  for (let k = 0; k < 400; k++) {
    const i = Math.floor(r() * n);
    const [s, m] = model.pairs[i];
    assert.equal(t.rankOf(s, m), i);
    const c = t.at(i);
    assert.equal(c.score, s);
    assert.equal(c.member, m);
    // Walk a few steps both ways.
    const fwd = t.at(i);
    for (let j = i + 1; j < Math.min(n, i + 70); j++) {
      assert.equal(fwd.next(), true);
      assert.deepEqual([fwd.score, fwd.member], model.pairs[j]);
    }
    const back = t.at(i);
    for (let j = i - 1; j >= Math.max(0, i - 70); j--) {
      assert.equal(back.prev(), true);
      assert.deepEqual([back.score, back.member], model.pairs[j]);
    }
    // Score bounds: first pair with score >= x and with score > x.
    const x = Math.floor(r() * 320) - 160;
    assert.equal(t.countBefore((sc) => sc >= x), model.pairs.filter((p) => p[0] < x).length);
    assert.equal(t.countBefore((sc) => sc > x), model.pairs.filter((p) => p[0] <= x).length);
    const [ms, mm] = randomPair(r, 300);
    assert.equal(t.countBefore((sc, me) => compareKeys(sc, me, ms, mm) >= 0), model.lower(ms, mm));
    if (!model.has(ms, mm)) assert.equal(t.rankOf(ms, mm), -1);
  }
  const end = t.at(n - 1);
  assert.equal(end.next(), false);
  const start = t.at(0);
  assert.equal(start.prev(), false);
  assert.throws(() => t.at(n));
});

test('fromSorted builds a valid tree of any size that keeps working', () => {
  const r = rng(11);
  for (const n of [0, 1, 15, 48, 49, 64, 65, 1000, 2304, 2305, 20000]) {
    const model = new Model();
    for (let i = 0; i < n; i++) model.pairs.push([Math.floor(i / 3), 'k' + String(i).padStart(6, '0')]);
    const t = ScoreTree.fromSorted(model.pairs.map((p) => p[0]), model.pairs.map((p) => p[1]));
    t.check();
    assert.equal(t.size, n);
    assert.deepEqual(contents(t), model.pairs);
    for (let i = 0; i < 300 && n > 0; i++) {
      const [s, m] = model.pairs[Math.floor(r() * model.pairs.length)];
      assert.equal(t.delete(s, m), true);
      model.delete(s, m);
      const [s2, m2] = randomPair(r, n / 3);
      if (!model.has(s2, m2)) {
        t.insert(s2, m2);
        model.insert(s2, m2);
      }
      if (model.pairs.length === 0) break;
    }
    t.check();
    assert.deepEqual(contents(t), model.pairs);
  }
});

test('equal scores order by member bytes; -0 and 0 are the same score', () => {
  const t = new ScoreTree();
  for (const m of ['b', 'a', 'ab', '\xff', '\x00', '']) t.insert(1, m);
  t.insert(-0, 'z');
  t.insert(0, 'y');
  assert.deepEqual(contents(t).map((p) => p[1]), ['y', 'z', '', '\x00', 'a', 'ab', 'b', '\xff']);
  assert.equal(t.rankOf(0, 'z'), 1);
  assert.equal(t.delete(0, 'z'), true);
  t.check();
});
