// DeadlineHeap against a Map model: peek is always the earliest current deadline, pops come out in
// deadline order, and stale entries (changed or deleted deadlines) never surface.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DeadlineHeap } from './deadline-heap.ts';
import { mulberry32 as rng } from '../util/prng.ts';

function minOf(m: Map<string, number>): number {
  let min = 0;
  for (const v of m.values()) if (min === 0 || v < min) min = v;
  return min;
}

describe('DeadlineHeap', () => {
  it('matches a model under random sets, deletes and pops', () => {
    const r = rng(5);
    const h = new DeadlineHeap();
    const model = new Map<string, number>();
    for (let step = 0; step < 20000; step++) {
      const name = `f${Math.floor(r() * 150)}`;
      const op = r();
      if (op < 0.5) {
        const at = 1 + Math.floor(r() * 1000);
        h.set(name, at);
        model.set(name, at);
      } else if (op < 0.8) {
        assert.equal(h.delete(name), model.delete(name));
      } else if (model.size > 0) {
        const at = h.peek();
        const popped = h.pop();
        assert.equal(model.get(popped), at, 'pop returns the field of the earliest deadline');
        model.delete(popped);
      }
      assert.equal(h.peek(), minOf(model));
      assert.equal(h.size, model.size);
      assert.equal(h.get(name), model.get(name) ?? 0);
    }
    h.clear();
    assert.equal(h.peek(), 0);
  });
});
