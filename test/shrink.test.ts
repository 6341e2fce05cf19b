// Unit tests of the fuzzers' delta-debugging shrinker (test/shrink.ts), on synthetic predicates.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ddmin } from './shrink.ts';
import { mulberry32 as rng } from '../src/util/prng.ts';

/** Fails when `needles` occur in order (not necessarily adjacent). */
function containsInOrder(needles: number[]): (c: number[]) => Promise<boolean> {
  return async (c) => {
    let i = 0;
    for (const x of c) if (x === needles[i]) i++;
    return i === needles.length;
  };
}

describe('ddmin', () => {
  it('reduces to exactly the units the failure needs, in their order', async () => {
    const input = Array.from({ length: 200 }, (_, i) => i);
    const r = await ddmin(input, containsInOrder([17, 3 + 100, 150]), Date.now() + 10_000);
    assert.deepEqual(r.units, [17, 103, 150]);
    assert.equal(r.complete, true);
  });

  it('returns a 1-minimal list for random inputs and predicates', async () => {
    const r = rng(7);
    for (let t = 0; t < 50; t++) {
      const n = 1 + Math.floor(r() * 80);
      const input = Array.from({ length: n }, () => Math.floor(r() * 10));
      // Fails when the sum of the list is at least a threshold the whole input reaches.
      const total = input.reduce((a, b) => a + b, 0);
      const threshold = Math.max(1, Math.floor(total * r()));
      const fails = async (c: number[]): Promise<boolean> => c.reduce((a, b) => a + b, 0) >= threshold;
      if (!(await fails(input))) continue;
      const res = await ddmin(input, fails, Date.now() + 10_000);
      assert.ok(await fails(res.units), 'result still fails');
      for (let i = 0; i < res.units.length; i++) {
        const without = [...res.units.slice(0, i), ...res.units.slice(i + 1)];
        assert.ok(without.length === 0 || !(await fails(without)), `dropping unit ${i} of ${JSON.stringify(res.units)} still fails (threshold ${threshold})`);
      }
    }
  });

  it('applies the cut to every failing candidate', async () => {
    const input = [1, 2, 9, 3, 4, 9, 5];
    // Cut after the first 9: what follows cannot matter.
    const cut = (c: number[]): number[] => c.slice(0, c.indexOf(9) + 1);
    const r = await ddmin(input, async (c) => c.includes(9), Date.now() + 10_000, cut);
    assert.deepEqual(r.units, [9]);
  });

  it('stops at the deadline with a list that still fails', async () => {
    const input = Array.from({ length: 100 }, (_, i) => i);
    const r = await ddmin(input, containsInOrder([5, 95]), Date.now() - 1);
    assert.equal(r.complete, false);
    assert.deepEqual(r.units, input);
  });
});
