// IntSet against a model (a sorted array of bigints) under random operations; int64OfText against
// Redis's string2ll rules.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IntSet, int64OfText } from './intset.ts';
import { mulberry32 as rng } from '../util/prng.ts';

describe('int64OfText', () => {
  it('accepts canonical int64 texts only', () => {
    for (const s of ['0', '1', '-1', '42', '9223372036854775807', '-9223372036854775808']) assert.equal(int64OfText(s), BigInt(s), s);
    for (const s of ['', '-', '-0', '01', '+1', ' 1', '1 ', '1.0', '0x1', '9223372036854775808', '-9223372036854775809', 'a', '1e3', '00']) {
      assert.equal(int64OfText(s), null, JSON.stringify(s));
    }
  });
});

describe('IntSet', () => {
  it('matches a sorted-array model under random adds and removes', () => {
    const r = rng(7);
    const s = new IntSet(1);
    let model: bigint[] = [];
    const pick = (): bigint => {
      const k = r();
      if (k < 0.1) return -9223372036854775808n + BigInt(Math.floor(r() * 3));
      if (k < 0.2) return 9223372036854775807n - BigInt(Math.floor(r() * 3));
      return BigInt(Math.floor(r() * 200) - 100);
    };
    for (let step = 0; step < 5000; step++) {
      const v = pick();
      if (r() < 0.6) {
        const added = s.add(v);
        assert.equal(added, !model.includes(v));
        if (added) model.push(v);
      } else {
        const removed = s.remove(v);
        assert.equal(removed, model.includes(v));
        model = model.filter((x) => x !== v);
      }
      model.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      assert.equal(s.length, model.length);
      if (step % 97 === 0) {
        for (let i = 0; i < model.length; i++) assert.equal(s.get(i), model[i]);
        if (model.length > 0) {
          assert.equal(s.min(), model[0]);
          assert.equal(s.max(), model[model.length - 1]);
        }
        assert.equal(s.has(v), model.includes(v));
      }
    }
    const c = s.clone();
    c.add(123456789n);
    assert.equal(s.has(123456789n), model.includes(123456789n), 'a clone is independent');
  });

  it('removeAt keeps the order', () => {
    const s = new IntSet();
    for (const v of [5n, 1n, 3n, 9n]) s.add(v);
    s.removeAt(1);
    assert.deepEqual([s.get(0), s.get(1), s.get(2)], [1n, 5n, 9n]);
  });
});
