// DenseTable against a Map model under random operations, and the scan guarantee: every key present
// for a whole scan is returned, whatever is added and deleted between steps.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DenseTable } from './dense-table.ts';
import { mulberry32 as rng } from '../util/prng.ts';

describe('DenseTable', () => {
  it('matches a Map model under random sets and deletes', () => {
    const r = rng(11);
    const t = new DenseTable<number>(true);
    const model = new Map<string, number>();
    for (let step = 0; step < 20000; step++) {
      const k = `k${Math.floor(r() * 300)}`;
      const op = r();
      if (op < 0.55) {
        const v = step;
        assert.equal(t.set(k, v), !model.has(k));
        model.set(k, v);
      } else if (op < 0.9) {
        assert.equal(t.delete(k), model.delete(k));
      } else if (t.size > 0) {
        const i = Math.floor(r() * t.size);
        model.delete(t.keyAt(i));
        t.deleteAt(i);
      }
      assert.equal(t.size, model.size);
      if (step % 211 === 0) {
        for (const [mk, mv] of model) {
          assert.equal(t.get(mk), mv);
          assert.equal(t.keyAt(t.indexOf(mk)), mk);
          assert.equal(t.valueAt(t.indexOf(mk)), mv);
        }
        assert.equal(t.indexOf('absent'), -1);
      }
    }
  });

  it('a set table keeps keys only', () => {
    const t = new DenseTable<undefined>(false);
    assert.equal(t.add('a'), true);
    assert.equal(t.add('a'), false);
    assert.equal(t.vals, null);
    assert.ok(t.has('a'));
  });

  it('a scan returns every key present throughout, under concurrent churn', () => {
    const r = rng(3);
    for (let round = 0; round < 40; round++) {
      const t = new DenseTable<undefined>(false);
      const stable: string[] = [];
      for (let i = 0; i < 200; i++) {
        t.add(`s${i}`);
        stable.push(`s${i}`);
      }
      for (let i = 0; i < 100; i++) t.add(`c${i}`);
      const seen = new Set<string>();
      let cursor = 0n;
      let churn = 0;
      do {
        const next = t.scan(cursor, 1 + Math.floor(r() * 20), (i) => seen.add(t.keyAt(i)));
        cursor = BigInt(next);
        // Churn: delete and add keys that are not in the stable set.
        for (let j = 0; j < 5; j++) {
          if (r() < 0.5) t.delete(`c${Math.floor(r() * 100)}`);
          else t.add(`n${churn++}`);
        }
      } while (cursor !== 0n);
      for (const k of stable) assert.ok(seen.has(k), `round ${round}: ${k} missed`);
    }
  });

  it('a cursor beyond the table starts from its top', () => {
    const t = new DenseTable<undefined>(false);
    for (const k of ['a', 'b', 'c']) t.add(k);
    const got: string[] = [];
    assert.equal(t.scan(1000n, 10, (i) => got.push(t.keyAt(i))), 0);
    assert.deepEqual(got.sort(), ['a', 'b', 'c']);
  });

  it('keeps every position right in a big table with deletes', () => {
    const t = new DenseTable<number>(true);
    const n = 40_000;
    for (let i = 0; i < n; i++) t.set(i % 3 === 0 ? `long-key-${'x'.repeat(40)}-${i}` : `k${i}`, i);
    assert.equal(t.size, n);
    for (let i = 0; i < n; i += 7) t.delete(i % 3 === 0 ? `long-key-${'x'.repeat(40)}-${i}` : `k${i}`);
    for (let i = 0; i < t.size; i++) assert.equal(t.indexOf(t.keyAt(i)), i);
    for (let i = 0; i < n; i++) {
      const k = i % 3 === 0 ? `long-key-${'x'.repeat(40)}-${i}` : `k${i}`;
      assert.equal(t.has(k), i % 7 !== 0);
      if (i % 7 !== 0) assert.equal(t.get(k), i);
    }
    t.addNew('fresh');
    assert.equal(t.indexOf('fresh'), t.size - 1);
  });
});
