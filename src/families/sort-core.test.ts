// Unit tests of SORT's pure parts: option parsing, pattern reading (C-string rules), the {tag} a
// pattern pins, strtod-style weights, the LIMIT window of loaded vectors, and the order (against a
// plain reference comparator on random vectors).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { QuickList } from '../engine/quicklist.ts';
import { SetValue, DEFAULT_SET_LIMITS } from '../engine/set-value.ts';
import { ZSet } from '../engine/zset.ts';
import { keySlot } from '../runtime/slots.ts';
import { mulberry32 as rng } from '../util/prng.ts';
import {
  PAT_KEY, PAT_NONE, PAT_SELF, compilePattern, loadVector, lookupPatterns, parseSort, patternKey, patternTagKey, sortKeyPositions,
  sortScore, sortVector, type SortOptions,
} from './sort-core.ts';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const args = (...s: string[]): Buffer[] => s.map(b);
const texts = (xs: Buffer[]): string[] => xs.map((x) => x.toString('latin1'));

function opts(...s: string[]): SortOptions {
  const o = parseSort(args('sort', 'k', ...s), 2, false);
  assert.equal(typeof o, 'object', String(o));
  return o as SortOptions;
}

describe('parseSort', () => {
  it('reads every option, the last BY/STORE winning', () => {
    const o = opts('by', 'w_*', 'LIMIT', '2', '-3', 'GET', '#', 'get', 'x*', 'DESC', 'alpha', 'STORE', 'a', 'store', 'b');
    assert.equal(o.desc, true);
    assert.equal(o.alpha, true);
    assert.equal(o.limitStart, 2);
    assert.equal(o.limitCount, -3);
    assert.deepEqual(texts(o.gets), ['#', 'x*']);
    assert.equal(o.store!.toString(), 'b');
    assert.equal(o.by!.toString(), 'w_*');
    assert.equal(o.dontSort, false);
    assert.equal(opts('BY', 'nosort', 'BY', 'w_*').dontSort, true);
    assert.equal(opts('BY', 'w\0*').dontSort, true);
  });

  it('errors as Redis: syntax, LIMIT integers, STORE in SORT_RO', () => {
    assert.equal(parseSort(args('sort', 'k', 'LIMIT', '1'), 2, false), 'ERR syntax error');
    assert.equal(parseSort(args('sort', 'k', 'LIMIT', 'x', '1', 'bad'), 2, false), 'ERR value is not an integer or out of range');
    assert.equal(parseSort(args('sort', 'k', 'LIMIT', '1', '9223372036854775808'), 2, false), 'ERR value is not an integer or out of range');
    assert.equal(parseSort(args('sort', 'k', 'STORE', 'd'), 2, true), 'ERR syntax error');
    assert.equal(parseSort(args('sort', 'k', 'GET'), 2, false), 'ERR syntax error');
  });

  it('clamps 64-bit LIMIT values to the safe range', () => {
    const o = opts('LIMIT', '-9223372036854775808', '9223372036854775807');
    assert.equal(o.limitStart, -Number.MAX_SAFE_INTEGER);
    assert.equal(o.limitCount, Number.MAX_SAFE_INTEGER);
  });

  it('finds keys like sortGetKeys', () => {
    const pos = (ro: boolean, ...s: string[]): number[] => sortKeyPositions(args('sort', ...s), ro).map((k) => k.pos);
    assert.deepEqual(pos(false, 'k', 'STORE', 'd', 'BY', 'x'), [1, 3]);
    assert.deepEqual(pos(false, 'k', 'LIMIT', 'STORE', 'x'), [1]);
    assert.deepEqual(pos(false, 'k', 'GET', 'STORE', 'x'), [1]);
    assert.deepEqual(pos(false, 'k', 'STORE', 'a', 'STORE', 'b'), [1, 5]);
    assert.deepEqual(pos(false, 'k', 'STORE'), [1]);
    assert.deepEqual(pos(true, 'k', 'STORE', 'd'), [1]);
  });
});

describe('patterns', () => {
  it('reads #, *, and -> as C strings', () => {
    assert.equal(compilePattern(b('#')).kind, PAT_SELF);
    assert.equal(compilePattern(b('#\0x')).kind, PAT_SELF);
    assert.equal(compilePattern(b('##')).kind, PAT_NONE);
    assert.equal(compilePattern(b('nosort')).kind, PAT_NONE);
    assert.equal(compilePattern(b('a\0*')).kind, PAT_NONE);
    const h = compilePattern(b('h_*_x->f->g'));
    assert.equal(h.kind, PAT_KEY);
    assert.equal(patternKey(h, b('7')).toString(), 'h_7_x');
    assert.equal(h.field!.toString(), 'f->g');
    const noField = compilePattern(b('h_*->'));
    assert.equal(noField.field, null);
    assert.equal(patternKey(noField, b('1')).toString(), 'h_1->');
    // The field runs to the end of the pattern, past a NUL; a NUL right after the arrow ends it.
    assert.equal(compilePattern(b('h*->f\0g')).field!.toString('latin1'), 'f\0g');
    assert.equal(compilePattern(b('h*->\0g')).field, null);
    // Only the first '*' is replaced; an arrow before it does not count.
    const two = compilePattern(b('a->*b*'));
    assert.equal(patternKey(two, b('X')).toString(), 'a->Xb*');
    assert.equal(two.field, null);
  });

  it('pins a slot only with a non-empty {tag} before the *', () => {
    const tag = (p: string): string | null => patternTagKey(compilePattern(b(p)))?.toString() ?? null;
    assert.equal(tag('{user}w_*'), '{user}');
    assert.equal(tag('x{a{b}y*->f'), '{a{b}');
    assert.equal(tag('{}w_*'), null);
    assert.equal(tag('w_*{tag}'), null);
    assert.equal(tag('{ta*g}'), null);
    assert.equal(tag('w_*'), null);
    const p = compilePattern(b('pre{t1}mid*post'));
    for (const e of ['1', 'x}{y}', '{z}']) assert.equal(keySlot(patternKey(p, b(e))), keySlot(patternTagKey(p)!));
  });

  it('lists the patterns that look keys up', () => {
    assert.deepEqual(lookupPatterns(opts('BY', 'w_*', 'GET', '#', 'GET', 'x', 'GET', 'g*')).map((p) => patternKey(p, b('1')).toString()), ['w_1', 'g1']);
    assert.equal(lookupPatterns(opts('BY', 'w_*', 'BY', 'nosort')).length, 0);
  });
});

describe('sortScore', () => {
  it('takes what strtod takes over the whole C string', () => {
    const cases: [string, number | null][] = [
      ['', 0], [' 2', 2], ['\t3', 3], ['+.5', 0.5], ['0x10', 16], ['0X1P4', 16], ['-0', -0], ['0e999', 0], ['inf', Infinity], ['-Infinity', -Infinity],
      ['1e-200', 1e-200], ['7\0junk', 7], ['\0', 0], ['0x1p-1074', 5e-324], ['0x1.8p-1073', 1.5e-323],
      ['  ', null], ['3\n', null], ['nan', null], ['1e', null], ['0x', null], ['1.5x', null], ['1e400', null], ['1e-400', null], ['1e-310', null],
      ['0x1.1p-1074', null],
    ];
    for (const [s, want] of cases) assert.equal(sortScore(b(s)), want, JSON.stringify(s));
  });

  it('accepts a denormal written exactly in decimal', () => {
    // 2^-1074 has an exact (750-digit) decimal expansion.
    const exact = (BigInt(5) ** 1074n).toString();
    const text = '0.' + '0'.repeat(1074 - exact.length) + exact;
    assert.equal(sortScore(b(text)), 5e-324);
    assert.equal(sortScore(b(text + '1')), null);
  });
});

describe('loadVector', () => {
  const list = (...xs: string[]): QuickList => {
    const l = new QuickList('quicklist', -2);
    for (const x of xs) l.push(b(x), false);
    return l;
  };
  const zset = (...ms: string[]): ZSet => {
    const z = ZSet.empty(false);
    ms.forEach((m, i) => z.add(i, m, 0, { maxEntries: 128, maxValue: 64 }));
    return z;
  };
  const window = (v: ReturnType<typeof loadVector>): string[] => (v.end < v.start ? [] : texts(v.items.slice(v.start, v.end + 1)));

  it('loads only the window of an unsorted list or sorted set, reversed for DESC', () => {
    const l = list('a', 'b', 'c', 'd', 'e');
    assert.deepEqual(window(loadVector(l, opts('BY', 'nosort', 'LIMIT', '1', '2'))), ['b', 'c']);
    assert.deepEqual(window(loadVector(l, opts('BY', 'nosort', 'LIMIT', '1', '2', 'DESC'))), ['d', 'c']);
    assert.deepEqual(loadVector(l, opts('BY', 'nosort', 'LIMIT', '1', '2')).items.length, 2);
    assert.deepEqual(window(loadVector(l, opts('BY', 'nosort', 'LIMIT', '3', '100'))), ['d', 'e']);
    assert.deepEqual(window(loadVector(l, opts('BY', 'nosort', 'LIMIT', '9', '1'))), []);
    assert.deepEqual(window(loadVector(l, opts('BY', 'nosort', 'LIMIT', '0', '0'))), []);
    const z = zset('a', 'b', 'c', 'd');
    assert.deepEqual(window(loadVector(z, opts('BY', 'nosort', 'DESC', 'LIMIT', '1', '2'))), ['c', 'b']);
    assert.deepEqual(window(loadVector(z, opts('BY', 'nosort'))), ['a', 'b', 'c', 'd']);
    assert.deepEqual(window(loadVector(undefined, opts('BY', 'nosort', 'LIMIT', '1', '1'))), []);
  });

  it('sorts a STOREd unsorted set ALPHA', () => {
    const s = SetValue.listpack();
    for (const m of ['b', 'a', 'c']) s.add(m, DEFAULT_SET_LIMITS);
    const kept = loadVector(s, opts('BY', 'nosort'));
    assert.equal(kept.sort, false);
    const stored = loadVector(s, opts('BY', 'nosort', 'STORE', 'd'));
    assert.equal(stored.sort, true);
    assert.equal(stored.alpha, true);
    assert.equal(stored.by, null);
  });

  it('computes the LIMIT window of a sorted vector', () => {
    const l = list('5', '4', '3', '2', '1');
    const cases: [string[], number, number][] = [
      [[], 0, 4], [['LIMIT', '1', '2'], 1, 2], [['LIMIT', '-3', '2'], 0, 1], [['LIMIT', '2', '-1'], 2, 4], [['LIMIT', '5', '1'], 4, 3], [['LIMIT', '3', '100'], 3, 4],
    ];
    for (const [o, start, end] of cases) {
      const v = loadVector(l, opts(...o));
      assert.deepEqual([v.start, v.end, v.items.length], [start, end, 5], o.join(' '));
    }
  });
});

describe('sortVector', () => {
  /** The reference: sortCompare written out plainly, applied by a stable insertion sort. */
  function reference(items: Buffer[], weights: (Buffer | null)[] | null, alpha: boolean, store: boolean, desc: boolean): string[] {
    const c = (x: Buffer): Buffer => (store ? x : x.subarray(0, x.indexOf(0) < 0 ? x.length : x.indexOf(0)));
    const cmp = (i: number, j: number): number => {
      let r: number;
      if (!alpha) {
        const wi = weights === null ? items[i] : weights[i];
        const wj = weights === null ? items[j] : weights[j];
        const si = wi === null ? 0 : Number(wi.toString());
        const sj = wj === null ? 0 : Number(wj.toString());
        r = si > sj ? 1 : si < sj ? -1 : Buffer.compare(items[i], items[j]);
      } else if (weights !== null) {
        const x = weights[i];
        const y = weights[j];
        r = x === null || y === null ? (x === y ? 0 : x === null ? -1 : 1) : Buffer.compare(c(x), c(y));
      } else r = Buffer.compare(c(items[i]), c(items[j]));
      return desc ? -r : r;
    };
    const idx: number[] = [];
    for (let i = 0; i < items.length; i++) {
      let at = idx.length;
      while (at > 0 && cmp(idx[at - 1], i) > 0) at--;
      idx.splice(at, 0, i);
    }
    return idx.map((i) => items[i].toString('latin1'));
  }

  it('orders random vectors as the reference does', () => {
    const r = rng(11);
    const word = (): Buffer => {
      const n = Math.floor(r() * 4);
      const out = Buffer.alloc(n);
      for (let i = 0; i < n; i++) out[i] = [0, 0x41, 0x61, 0x62, 0xff][Math.floor(r() * 5)];
      return out;
    };
    const num = (): Buffer => b(String(Math.floor(r() * 10) - 5));
    for (let round = 0; round < 300; round++) {
      const alpha = r() < 0.5;
      const store = r() < 0.5;
      const desc = r() < 0.5;
      const n = Math.floor(r() * 12);
      const items: Buffer[] = [];
      for (let i = 0; i < n; i++) items.push(alpha ? word() : num());
      const weights = r() < 0.5 ? null : items.map(() => (r() < 0.25 ? null : alpha ? word() : num()));
      const want = reference(items, weights, alpha, store, desc);
      const v = { items: items.slice(), start: 0, end: n - 1, sort: true, alpha, by: weights === null ? null : b('w_*') };
      assert.equal(sortVector(v, weights, store, desc), true);
      assert.deepEqual(texts(v.items), want, `round ${round}`);
    }
  });

  it('reports a weight that is not a number, after sorting anyway', () => {
    const v = { items: args('2', '1', 'x'), start: 0, end: 2, sort: true, alpha: false, by: null };
    assert.equal(sortVector(v, null, false, false), false);
    assert.equal(v.items.length, 3);
  });
});
