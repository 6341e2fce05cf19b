// SetValue: membership against a model Set under random operations in every encoding, Redis 7.2's
// conversion thresholds and orders, and the codec round trip.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SetValue, DEFAULT_SET_LIMITS, type SetLimits } from './set-value.ts';
import { mulberry32 as rng } from '../util/prng.ts';

function members(s: SetValue): string[] {
  const out: string[] = [];
  s.forEach((m) => out.push(m));
  return out;
}

describe('SetValue', () => {
  it('matches a model under random adds, removes and positional removes', () => {
    const r = rng(21);
    const lim: SetLimits = { intsetEntries: 40, listpackEntries: 20, listpackValue: 8 };
    const encodings = new Set<string>();
    for (let round = 0; round < 30; round++) {
      const first = r() < 0.5 ? '1' : 'x';
      const s = SetValue.create(first, 1, lim);
      const model = new Set<string>();
      for (let step = 0; step < 400; step++) {
        const k = r();
        const m = k < 0.6 ? String(Math.floor(r() * 80) - 20) : k < 0.9 ? `m${Math.floor(r() * 30)}` : 'long-member-' + Math.floor(r() * 5);
        const op = r();
        if (op < 0.6) assert.equal(s.add(m, lim), !model.has(m));
        else if (op < 0.9) assert.equal(s.remove(m), model.delete(m));
        else if (s.size > 0) {
          const i = Math.floor(r() * s.size);
          model.delete(s.at(i));
          s.removeAt(i);
        }
        if (op < 0.6) model.add(m);
        assert.equal(s.size, model.size);
        assert.equal(s.has(m), model.has(m));
        encodings.add(s.encoding);
      }
      assert.deepEqual(members(s).sort(), [...model].sort());
      const copy = SetValue.decode(s.encode());
      assert.equal(copy.encoding, s.encoding);
      assert.deepEqual(members(copy), members(s), 'the codec keeps the order');
      const c = s.clone();
      c.add('clone-only', lim);
      assert.equal(s.has('clone-only'), false);
    }
    assert.deepEqual([...encodings].sort(), ['hashtable', 'intset', 'listpack'], 'every encoding was exercised');
  });

  it('creates the encoding Redis creates (setTypeCreate)', () => {
    const lim = DEFAULT_SET_LIMITS;
    assert.equal(SetValue.create('12', 1, lim).encoding, 'intset');
    assert.equal(SetValue.create('12', 513, lim).encoding, 'hashtable');
    assert.equal(SetValue.create('a', 128, lim).encoding, 'listpack');
    assert.equal(SetValue.create('a', 129, lim).encoding, 'hashtable');
    assert.equal(SetValue.create('01', 1, lim).encoding, 'listpack');
  });

  it('converts intset -> listpack -> hashtable at the thresholds, keeping the order', () => {
    const lim: SetLimits = { intsetEntries: 4, listpackEntries: 3, listpackValue: 5 };
    const s = SetValue.create('3', 1, lim);
    s.add('3', lim);
    s.add('1', lim);
    assert.equal(s.encoding, 'intset');
    assert.deepEqual(members(s), ['1', '3'], 'an intset is sorted');
    s.add('b', lim);
    assert.equal(s.encoding, 'listpack');
    assert.deepEqual(members(s), ['1', '3', 'b'], 'the intset order, then the new member');
    s.add('7', lim);
    assert.equal(s.encoding, 'hashtable', 'a fourth member exceeds listpack entries');
    // An intset whose widest integer exceeds the listpack value limit goes straight to hashtable.
    const w = SetValue.create('1', 1, lim);
    w.add('123456', lim);
    w.add('x', lim);
    assert.equal(w.encoding, 'hashtable');
    // Too many integers.
    const n = SetValue.create('1', 1, lim);
    for (const v of ['1', '2', '3', '4']) n.add(v, lim);
    assert.equal(n.encoding, 'intset');
    n.add('5', lim);
    assert.equal(n.encoding, 'hashtable');
    // A long member turns a listpack into a hashtable.
    const l = SetValue.create('a', 1, lim);
    l.add('a', lim);
    l.add('toolong', lim);
    assert.equal(l.encoding, 'hashtable');
    // maybeConvert for a big batch.
    const m = SetValue.create('a', 1, lim);
    m.maybeConvert(4, lim);
    assert.equal(m.encoding, 'hashtable');
  });

  it('toIntsetIfSmall turns an all-integer set into an intset', () => {
    const lim = DEFAULT_SET_LIMITS;
    const s = SetValue.listpack();
    for (const v of ['9', '-2', '4']) s.add(v, lim);
    s.toIntsetIfSmall(lim);
    assert.equal(s.encoding, 'intset');
    assert.deepEqual(members(s), ['-2', '4', '9']);
  });

  it('scans small encodings whole and a hashtable by cursor', () => {
    const lim = DEFAULT_SET_LIMITS;
    const small = SetValue.create('a', 1, lim);
    small.add('a', lim);
    small.add('b', lim);
    const out: string[] = [];
    assert.equal(small.scan(0n, 1, out), 0);
    assert.deepEqual(out, ['a', 'b']);
    const big = SetValue.hashtable();
    for (let i = 0; i < 50; i++) big.add(`m${i}`, lim);
    const seen: string[] = [];
    let cursor = 0n;
    do cursor = BigInt(big.scan(cursor, 7, seen));
    while (cursor !== 0n);
    assert.equal(new Set(seen).size, 50);
  });
});
