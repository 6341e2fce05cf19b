// Each kind's heapBytes (value-memory.ts's model) against every encoding: it grows with the element count and with element size, stays
// within a plausible band of the bytes the elements themselves hold, and its sampled estimate of a big
// encoding lands near the exact (samples 0) figure for uniform elements.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { kindOf } from './kinds.ts';
import { QuickList } from './quicklist.ts';
import { HashValue, type HashLimits } from './hash-value.ts';
import { SetValue, type SetLimits } from './set-value.ts';
import { ZSet, type ZSetLimits } from './zset.ts';
import type { TypedValue } from './value-kind.ts';

const HASH_LIM: HashLimits = { listpackEntries: 128, listpackValue: 64 };
const SET_LIM: SetLimits = { intsetEntries: 512, listpackEntries: 128, listpackValue: 64 };
const ZSET_LIM: ZSetLimits = { maxEntries: 128, maxValue: 64 };

/** Element texts of a given width: e0000..., distinct. */
function elem(i: number, width: number): string {
  return ('e' + i).padEnd(width, 'x');
}

function list(n: number, width: number, encoding: 'listpack' | 'quicklist'): QuickList {
  const l = new QuickList(encoding, -2);
  for (let i = 0; i < n; i++) l.push(Buffer.from(elem(i, width), 'latin1'), false);
  return l;
}

function hash(n: number, width: number): HashValue {
  const h = new HashValue();
  for (let i = 0; i < n; i++) h.set(elem(i, width), elem(i, width), false, HASH_LIM);
  return h;
}

function set(n: number, width: number): SetValue {
  const s = SetValue.create(elem(0, width), 1, SET_LIM);
  for (let i = 0; i < n; i++) s.add(elem(i, width), SET_LIM);
  return s;
}

function intset(n: number): SetValue {
  const s = SetValue.create('1', 1, SET_LIM);
  for (let i = 0; i < n; i++) s.add(String(i * 7), SET_LIM);
  return s;
}

function zset(n: number, width: number): ZSet {
  const z = ZSet.empty(true);
  for (let i = 0; i < n; i++) z.add(i, elem(i, width), 0, ZSET_LIM);
  return z;
}

interface Kind {
  name: string;
  make: (n: number, width: number) => TypedValue;
  encoding: (v: TypedValue) => string;
  /** Bytes the elements themselves hold (n elements of `width` bytes, as the kind stores them). */
  payload: (n: number, width: number) => number;
}

/** The value's heap bytes as MEMORY USAGE computes them (through its kind). */
function valueBytes(v: TypedValue, samples: number): number {
  return kindOf(v).heapBytes(v, samples);
}

const KINDS: Kind[] = [
  { name: 'list (listpack)', make: (n, w) => list(n, w, 'listpack'), encoding: (v) => (v as QuickList).encoding, payload: (n, w) => n * w },
  { name: 'list (quicklist)', make: (n, w) => list(n, w, 'quicklist'), encoding: (v) => (v as QuickList).encoding, payload: (n, w) => n * w },
  { name: 'hash', make: hash, encoding: (v) => (v as HashValue).encoding, payload: (n, w) => 2 * n * w },
  { name: 'set', make: set, encoding: (v) => (v as SetValue).encoding, payload: (n, w) => n * w },
  { name: 'zset', make: zset, encoding: (v) => (v as ZSet).encoding, payload: (n, w) => n * (w + 8) },
];

describe('heapBytes', () => {
  for (const k of KINDS) {
    it(`${k.name}: strictly grows with the element count, through the encoding change`, () => {
      const seen = new Set<string>();
      let prev = -1;
      for (const n of [1, 2, 5, 20, 100, 127, 129, 300, 1000, 3000]) {
        const v = k.make(n, 16);
        seen.add(k.encoding(v));
        const b = valueBytes(v, 0);
        assert.ok(b > prev, `${n} elements: ${b} > ${prev}`);
        prev = b;
      }
      if (k.name !== 'list (listpack)' && k.name !== 'list (quicklist)') assert.equal(seen.size, 2, `both encodings seen: ${[...seen]}`);
    });

    it(`${k.name}: strictly grows with the element size`, () => {
      for (const n of [3, 500]) {
        let prev = -1;
        for (const width of [8, 16, 40, 60, 200, 1000]) {
          const b = valueBytes(k.make(n, width), 5);
          assert.ok(b > prev, `${n} x ${width}: ${b} > ${prev}`);
          prev = b;
        }
      }
    });

    it(`${k.name}: within a plausible band of the element bytes`, () => {
      for (const [n, width] of [[10, 50], [100, 60], [2000, 100], [300, 1000]]) {
        const payload = k.payload(n, width);
        const b = valueBytes(k.make(n, width), 0);
        // At least the bytes held; at most their double plus ~a hundred bytes of structure per element.
        assert.ok(b >= payload, `${n} x ${width}: ${b} >= ${payload}`);
        assert.ok(b <= 2 * payload + 128 * n + 512, `${n} x ${width}: ${b} <= ${2 * payload + 128 * n + 512}`);
      }
    });

    it(`${k.name}: a sampled estimate is close to the exact figure for uniform elements`, () => {
      const v = k.make(5000, 32);
      const exact = valueBytes(v, 0);
      for (const samples of [1, 5, 100]) {
        const est = valueBytes(v, samples);
        assert.ok(Math.abs(est - exact) <= exact * 0.05, `samples ${samples}: ${est} vs ${exact}`);
      }
    });
  }

  it('an intset counts 8 bytes a member', () => {
    const a = intset(10);
    const b = intset(11);
    assert.equal(a.encoding, 'intset');
    assert.equal(valueBytes(b, 5) - valueBytes(a, 5), 8);
  });

  it('a list counts its entries: each push adds its bytes and a little', () => {
    const l = list(1, 8, 'listpack');
    let prev = valueBytes(l, 5);
    for (let i = 0; i < 200; i++) {
      l.push(Buffer.from(elem(i, 8), 'latin1'), false);
      const b = valueBytes(l, 0);
      assert.ok(b >= prev + 8 && b <= prev + 16, `push ${i}: ${prev} -> ${b}`);
      prev = b;
    }
  });
});
