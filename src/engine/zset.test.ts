// ZSet in both encodings against a model (a Map plus a sorted array): seeded random ZADD-style updates
// with every flag, removals, rank deletions and range lookups; the listpack -> skiplist conversion at
// both thresholds; serialization; ZSCAN cursors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ZADD_GT, ZADD_INCR, ZADD_LT, ZADD_NX, ZADD_OUT_ADDED, ZADD_OUT_NAN, ZADD_OUT_NOP, ZADD_OUT_UPDATED, ZADD_XX,
  ZSet, decodeZSet, encodeZSet, pairsOf,
} from './zset.ts';
import { compareKeys } from './score-tree.ts';
import { type LexRange, type ScoreRange, lexGteMin, lexLteMax, scoreGteMin, scoreLteMax } from './zset-range.ts';
import { mulberry32 as rng } from '../util/prng.ts';

type Pair = [string, number];

class Model {
  scores = new Map<string, number>();

  sorted(): Pair[] {
    return [...this.scores].sort((a, b) => compareKeys(a[1], a[0], b[1], b[0]));
  }

  /** Redis zsetAdd on the model; returns the outcome flags. */
  add(score: number, m: string, flags: number): number {
    const cur = this.scores.get(m);
    if (cur !== undefined) {
      if (flags & ZADD_NX) return ZADD_OUT_NOP;
      if (flags & ZADD_INCR) {
        score += cur;
        if (Number.isNaN(score)) return ZADD_OUT_NAN;
      }
      if (((flags & ZADD_LT) && score >= cur) || ((flags & ZADD_GT) && score <= cur)) return ZADD_OUT_NOP;
      if (score === cur) return 0;
      this.scores.set(m, score);
      return ZADD_OUT_UPDATED;
    }
    if (flags & ZADD_XX) return ZADD_OUT_NOP;
    this.scores.set(m, score);
    return ZADD_OUT_ADDED;
  }
}

function contents(z: ZSet): Pair[] {
  const out: Pair[] = [];
  z.forEach((m, s) => out.push([m, s]));
  return out;
}

const FLAG_SETS = [0, ZADD_NX, ZADD_XX, ZADD_GT, ZADD_LT, ZADD_INCR, ZADD_XX | ZADD_GT, ZADD_XX | ZADD_LT, ZADD_INCR | ZADD_GT, ZADD_INCR | ZADD_NX];

function randomScore(r: () => number): number {
  const v = r();
  if (v < 0.02) return Infinity;
  if (v < 0.04) return -Infinity;
  return Math.floor(r() * 30) - 15;
}

function randomRange(r: () => number): ScoreRange {
  return { min: randomScore(r), max: randomScore(r), minex: r() < 0.3, maxex: r() < 0.3 };
}

test('random updates match the model in both encodings, converting once at the thresholds', () => {
  for (const [seed, limits] of [[1, { maxEntries: 128, maxValue: 64 }], [2, { maxEntries: 16, maxValue: 64 }], [3, { maxEntries: 0, maxValue: 64 }], [4, { maxEntries: 1000, maxValue: 3 }]] as const) {
    const r = rng(seed);
    const z = ZSet.empty(limits.maxEntries > 0);
    const model = new Model();
    let converted = !z.isListpack;
    for (let i = 0; i < 3000; i++) {
      const op = r();
      const m = 'm' + Math.floor(r() * 300).toString(36);
      if (op < 0.6) {
        const flags = FLAG_SETS[Math.floor(r() * FLAG_SETS.length)];
        const s = randomScore(r);
        const before = z.isListpack;
        const want = model.add(s, m, flags);
        const got = z.add(s, m, flags, limits);
        assert.equal(got, want, `add ${s} ${m} flags ${flags}`);
        if (want === ZADD_OUT_ADDED || want === ZADD_OUT_UPDATED) assert.equal(z.newScore, model.scores.get(m));
        if (before && !z.isListpack) {
          assert.equal(converted, false, 'converted twice');
          converted = true;
          assert.ok(z.size > limits.maxEntries || m.length > limits.maxValue, 'converted below the thresholds');
        }
      } else if (op < 0.85) {
        assert.equal(z.remove(m), model.scores.delete(m));
      } else if (z.size > 0) {
        const a = Math.floor(r() * z.size);
        const b = Math.min(z.size - 1, a + Math.floor(r() * 5));
        const gone = model.sorted().slice(a, b + 1);
        assert.equal(z.deleteRanks(a, b), gone.length);
        for (const [gm] of gone) model.scores.delete(gm);
      }
      if (i % 100 === 0 || i === 2999) {
        const want = model.sorted();
        assert.deepEqual(contents(z), want);
        assert.equal(z.size, want.length);
        for (let k = 0; k < want.length; k += 7) {
          assert.equal(z.rank(want[k][0]), k);
          assert.equal(z.memberAt(k), want[k][0]);
          assert.equal(z.scoreAt(k), want[k][1]);
          assert.equal(z.score(want[k][0]), want[k][1]);
        }
        assert.equal(z.rank('absent'), -1);
        assert.equal(z.score('absent'), undefined);
      }
    }
    if (limits.maxEntries === 0 || limits.maxValue < 3) assert.equal(z.isListpack, false);
  }
});

test('score ranges: first and last ranks in range, as a filter of the model finds them', () => {
  const r = rng(5);
  for (const listpack of [true, false]) {
    const model = new Model();
    const z = ZSet.empty(listpack);
    const limits = { maxEntries: listpack ? 1 << 30 : 0, maxValue: 1 << 30 };
    for (let i = 0; i < (listpack ? 100 : 2000); i++) {
      const s = randomScore(r);
      const m = 'k' + i;
      model.add(s, m, 0);
      z.add(s, m, 0, limits);
    }
    const all = model.sorted();
    for (let k = 0; k < 300; k++) {
      const range = randomRange(r);
      const inRange = all.map((p, i) => [i, scoreGteMin(p[1], range) && scoreLteMax(p[1], range)] as const).filter((x) => x[1]);
      const first = inRange.length > 0 ? inRange[0][0] : -1;
      const last = inRange.length > 0 ? inRange[inRange.length - 1][0] : -1;
      assert.equal(z.firstInScoreRange(range), first, JSON.stringify(range));
      assert.equal(z.lastInScoreRange(range), last, JSON.stringify(range));
    }
  }
});

test('lex ranges on one score: first and last ranks in range', () => {
  const r = rng(6);
  const words = ['', '\x00', 'a', 'aa', 'ab', 'b', 'ba', 'c', 'z', '\xff'];
  const bound = (): LexRange['min'] => {
    const v = r();
    if (v < 0.15) return { kind: -1, s: '', ex: true };
    if (v < 0.3) return { kind: 1, s: '', ex: true };
    return { kind: 0, s: words[Math.floor(r() * words.length)], ex: r() < 0.5 };
  };
  for (const listpack of [true, false]) {
    const z = ZSet.empty(listpack);
    for (const w of words) z.add(0, w, 0, { maxEntries: listpack ? 100 : 0, maxValue: 100 });
    const sorted = [...words].sort();
    for (let k = 0; k < 400; k++) {
      const range: LexRange = { min: bound(), max: bound() };
      const idx = sorted.map((w, i) => [i, lexGteMin(w, range) && lexLteMax(w, range)] as const).filter((x) => x[1]);
      assert.equal(z.firstInLexRange(range), idx.length > 0 ? idx[0][0] : -1, JSON.stringify(range));
      assert.equal(z.lastInLexRange(range), idx.length > 0 ? idx[idx.length - 1][0] : -1, JSON.stringify(range));
    }
  }
});

test('walk goes both ways from a rank and stops when asked', () => {
  for (const listpack of [true, false]) {
    const z = ZSet.empty(listpack);
    for (let i = 0; i < 200; i++) z.add(i, 'm' + i, 0, { maxEntries: listpack ? 1000 : 0, maxValue: 64 });
    const fwd: string[] = [];
    z.walk(195, false, (m) => fwd.push(m) > 0);
    assert.deepEqual(fwd, ['m195', 'm196', 'm197', 'm198', 'm199']);
    const back: string[] = [];
    z.walk(3, true, (m) => fwd.push(m) > 0 && back.push(m) < 2);
    assert.deepEqual(back, ['m3', 'm2']);
    let n = 0;
    z.walk(200, false, () => ++n > 0);
    z.walk(-1, true, () => ++n > 0);
    assert.equal(n, 0);
  }
});

test('a listpack keeps -0 as 0; a skiplist keeps -0', () => {
  const lp = ZSet.empty(true);
  lp.add(-0, 'a', 0, { maxEntries: 128, maxValue: 64 });
  assert.ok(Object.is(lp.score('a'), 0));
  assert.ok(Object.is(lp.newScore, -0)); // what ZADD INCR replies
  const sl = ZSet.empty(false);
  sl.add(-0, 'a', 0, { maxEntries: 128, maxValue: 64 });
  assert.ok(Object.is(sl.score('a'), -0));
  assert.ok(Object.is(ZSet.fromSorted([-0], ['a'], true).score('a'), 0));
});

test('serialization and clone keep pairs and encoding', () => {
  for (const listpack of [true, false]) {
    const z = ZSet.empty(listpack);
    const limits = { maxEntries: listpack ? 1000 : 0, maxValue: 1000 };
    z.add(Infinity, 'inf', 0, limits);
    z.add(-Infinity, '\x00\xff', 0, limits);
    z.add(1.5, '', 0, limits);
    z.add(2 ** -1074, 'denormal', 0, limits);
    for (const copy of [decodeZSet(encodeZSet(z)), z.clone()]) {
      assert.equal(copy.encoding, z.encoding);
      assert.deepEqual(pairsOf(copy), pairsOf(z));
    }
    const c = z.clone();
    c.add(7, 'only-in-clone', 0, limits);
    assert.equal(z.score('only-in-clone'), undefined);
  }
});

test('scan cursors of a skiplist set survive inserts and deletes', () => {
  const z = ZSet.empty(false);
  const limits = { maxEntries: 0, maxValue: 64 };
  for (let i = 0; i < 500; i++) z.add(i % 10, 'm' + i, 0, limits);
  const seen = new Map<string, number>();
  let cursor = 0;
  let step = 0;
  do {
    const ms: string[] = [];
    const ss: number[] = [];
    cursor = z.scan(cursor, 20, ms, ss);
    ms.forEach((m, i) => seen.set(m, ss[i]));
    // Churn: delete a few of the later members, add new ones, update scores of early ones.
    for (let k = 0; k < 5; k++) z.remove('m' + (250 + step * 5 + k));
    z.add(1, 'new' + step, 0, limits);
    z.add(-100, 'm' + step, 0, limits);
    step++;
  } while (cursor !== 0);
  for (let i = 0; i < 250; i++) assert.ok(seen.has('m' + i), `m${i} not returned`);
  assert.ok(step < 100);
});

test('deleting every rank of a skiplist set leaves an empty, usable skiplist set', () => {
  const z = ZSet.empty(false);
  const limits = { maxEntries: 0, maxValue: 64 };
  for (let i = 0; i < 300; i++) z.add(i, 'm' + i, 0, limits);
  assert.equal(z.deleteRanks(0, 299), 300);
  assert.equal(z.size, 0);
  assert.equal(z.encoding, 'skiplist');
  assert.equal(z.score('m1'), undefined);
  z.add(1, 'again', 0, limits);
  assert.deepEqual(contents(z), [['again', 1]]);
  const ms: string[] = [];
  assert.equal(z.scan(0, 10, ms, []), 0);
  assert.deepEqual(ms, ['again']);
});
