// QuickList against a plain array model: seeded random operations in both encodings at every fill
// setting (tiny fills make nodes split and merge all the time), with Redis 7.2's conversion points
// applied as the list commands apply them, element sizes across the varint and listpack boundaries,
// and the structure's invariants checked after every step; plus the node layouts Redis's quicklist
// rules give in small cases worked by hand.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QuickList, entrySize, type ListEncoding } from './quicklist.ts';
import { LP_HEADER, exceedsLimit, nodeLimit } from './listpack-size.ts';
import { mulberry32 as rng } from '../util/prng.ts';

function contents(l: QuickList): string[] {
  const out: string[] = [];
  l.forEach((buf, off, len) => out.push(buf.toString('latin1', off, off + len)));
  return out;
}

/** The entry counts of the chunks, head to tail. */
function shape(l: QuickList): number[] {
  const out: number[] = [];
  for (let c = l.head; c !== null; c = c.next) out.push(c.count);
  return out;
}

function walk(l: QuickList, from: number, forward: boolean): string[] {
  const out: string[] = [];
  const it = l.cursor(from, forward);
  while (it.next()) out.push(it.view().toString('latin1'));
  return out;
}

function pushAll(l: QuickList, xs: string[], left = false): void {
  for (const x of xs) l.push(Buffer.from(x, 'latin1'), left);
}

/** LINSERT on the model's terms: inserts v before/after the first `pivot`; false if none. */
function insert(l: QuickList, pivot: string, v: string, after: boolean): boolean {
  const it = l.cursor(0, true);
  while (it.next()) {
    if (it.equals(Buffer.from(pivot, 'latin1'))) {
      l.insertAt(it, Buffer.from(v, 'latin1'), after);
      return true;
    }
  }
  return false;
}

test('entry sizes', () => {
  assert.equal(entrySize(0), 2);
  assert.equal(entrySize(127), 129);
  assert.equal(entrySize(128), 132);
  assert.equal(entrySize(16383), 16387);
  assert.equal(entrySize(16384), 16390);
});

test('pushes open a new node when the end node has no room (fill 4)', () => {
  const l = new QuickList('quicklist', 4);
  for (let i = 0; i < 10; i++) l.push(Buffer.from(`r${i}`), false);
  for (let i = 0; i < 10; i++) l.push(Buffer.from(`l${i}`), true);
  l.check();
  assert.equal(l.length, 20);
  assert.deepEqual(shape(l), [2, 4, 4, 4, 4, 2]);
  assert.deepEqual(contents(l).slice(8, 12), ['l1', 'l0', 'r0', 'r1']);
  assert.equal(l.pop(true)!.toString(), 'l9');
  assert.equal(l.pop(false)!.toString(), 'r9');
  l.check();
});

test('byte fills count listpack bytes with the 8-byte estimate of the new entry', () => {
  // A 200-byte string takes 204 listpack bytes; a node of m of them takes 7 + 204m bytes and accepts
  // one more while 7 + 204m + 200 + 8 <= 8192, so nodes hold 40.
  const big = new QuickList('quicklist', -2);
  for (let i = 0; i < 100; i++) big.push(Buffer.alloc(200, 0x61 + (i % 26)), false);
  big.check();
  assert.deepEqual(shape(big), [40, 40, 20]);
  assert.equal(big.head!.lp, LP_HEADER + 40 * 204);
  // Integers are packed: "1000" takes 3 bytes (13-bit int and back-length).
  const ints = new QuickList('quicklist', -1);
  for (let i = 0; i < 2000; i++) ints.push(Buffer.from('1000'), false);
  ints.check();
  // A node of m accepts one more while 7 + 3m + 4 + 8 <= 4096: up to 1360 entries.
  assert.deepEqual(shape(ints), [1360, 640]);
});

test('a large element gets its own node in a quicklist, not in a listpack', () => {
  const l = new QuickList('quicklist', -2);
  pushAll(l, ['a', 'b'.repeat(20000), 'c']);
  l.check();
  assert.deepEqual(shape(l), [1, 1, 1]);
  assert.equal(l.at(1).length, 20000);
  assert.equal(l.at(2).toString(), 'c');
  const p = new QuickList('listpack');
  pushAll(p, ['a', 'b'.repeat(20000), 'c']);
  p.check();
  assert.deepEqual(shape(p), [3]);
});

test('LINSERT inside a full node splits it and merges around the cut (fill 3)', () => {
  const l = new QuickList('quicklist', 3);
  pushAll(l, ['a', 'b', 'c', 'd', 'e', 'f']);
  assert.deepEqual(shape(l), [3, 3]);
  // After b, inside [a b c]: [a b] [x c] [d e f]; no pair fits 3 entries.
  assert.ok(insert(l, 'b', 'x', true));
  l.check();
  assert.deepEqual(shape(l), [2, 2, 3]);
  assert.deepEqual(contents(l), ['a', 'b', 'x', 'c', 'd', 'e', 'f']);
  // Before d, at the head of the full [d e f]: the previous node has room.
  assert.ok(insert(l, 'd', 'y', false));
  l.check();
  assert.deepEqual(shape(l), [2, 3, 3]);
  // After f, at the tail of the full last node, no next node: a new node.
  assert.ok(insert(l, 'f', 'z', true));
  assert.deepEqual(shape(l), [2, 3, 3, 1]);
  // Before a, at the head of [a b], which has room: in place.
  assert.ok(insert(l, 'a', 'w', false));
  assert.deepEqual(shape(l), [3, 3, 3, 1]);
  assert.deepEqual(contents(l), ['w', 'a', 'b', 'x', 'c', 'y', 'd', 'e', 'f', 'z']);
  l.check();
});

test('a split merges its neighbours when they fit (fill 4)', () => {
  const l = new QuickList('quicklist', 4);
  pushAll(l, ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i']);
  assert.deepEqual(shape(l), [4, 4, 1]);
  // Pop e, f, g from the middle node's way: [a b c d] [h] [i] after removing e f g.
  l.remove(Buffer.from('e'), 0, false);
  l.remove(Buffer.from('f'), 0, false);
  l.remove(Buffer.from('g'), 0, false);
  assert.deepEqual(shape(l), [4, 1, 1]);
  // Inside the full [a b c d] after b: [a b] [x c d] [h] [i]; then (next, next_next) = ([x c d], [h])
  // fits 4 and merges: [a b] [x c d h] [i].
  assert.ok(insert(l, 'b', 'x', true));
  l.check();
  assert.deepEqual(shape(l), [2, 4, 1]);
  assert.deepEqual(contents(l), ['a', 'b', 'x', 'c', 'd', 'h', 'i']);
});

test('LREM and LSET never join or split nodes', () => {
  const l = new QuickList('quicklist', 4);
  pushAll(l, ['a', 'x', 'x', 'x', 'x', 'x', 'x', 'b']);
  assert.deepEqual(shape(l), [4, 4]);
  assert.equal(l.remove(Buffer.from('x'), 0, false), 6);
  l.check();
  assert.deepEqual(shape(l), [1, 1]);
  l.set(0, Buffer.alloc(10000, 0x79));
  l.check();
  assert.deepEqual(shape(l), [1, 1]);
  const m = new QuickList('quicklist', 2);
  pushAll(m, ['a', 'b', 'c']);
  m.set(0, Buffer.alloc(10000, 0x79));
  m.check();
  assert.deepEqual(shape(m), [2, 1]);
  assert.ok(exceedsLimit(2, m.head!.lp, m.head!.count));
});

test('growFor: a listpack becomes a quicklist when an addition would pass the limit', () => {
  // Count fill 4: 4 entries fit, a fifth does not.
  const l = new QuickList('listpack');
  l.growFor(4, 4, 4);
  pushAll(l, ['a', 'b', 'c', 'd']);
  assert.equal(l.encoding, 'listpack');
  l.growFor(4, 1, 1);
  assert.equal(l.encoding, 'quicklist');
  assert.equal(l.fill, 4);
  l.push(Buffer.from('e'), false);
  assert.deepEqual(shape(l), [4, 1]);
  // Byte fill -1 (4096): the raw lengths of what comes are added to the listpack's bytes.
  const b = new QuickList('listpack');
  pushAll(b, ['x'.repeat(4000)]);
  assert.equal(b.lpBytes, LP_HEADER + 2 + 4000 + 2);
  b.growFor(-1, 4096 - b.lpBytes, 1);
  assert.equal(b.encoding, 'listpack');
  b.growFor(-1, 4097 - b.lpBytes, 1);
  assert.equal(b.encoding, 'quicklist');
  // A new (empty) listpack that is given too much at once: an empty quicklist.
  const e = new QuickList('listpack');
  e.growFor(-2, 9000, 1);
  assert.equal(e.encoding, 'quicklist');
  assert.equal(e.chunks, 0);
  // The fill a quicklist keeps is clamped as quicklistSetFill does; the conversion uses the raw one.
  const f = new QuickList('listpack');
  f.growFor(-9, 70000, 1);
  assert.equal(f.fill, -5);
  assert.deepEqual(nodeLimit(-9), { size: 65536, count: Infinity });
});

test('shrinkFor: a quicklist of one node within half the limit becomes a listpack', () => {
  const l = new QuickList('quicklist', 4);
  pushAll(l, ['a', 'b', 'c', 'd', 'e']);
  l.shrinkFor(4, true);
  assert.equal(l.encoding, 'quicklist'); // two nodes
  l.removeEnd(1, false);
  l.shrinkFor(4, true);
  assert.equal(l.encoding, 'quicklist'); // one node of 4 > 4 / 2
  l.removeEnd(2, false);
  l.shrinkFor(4, true);
  assert.equal(l.encoding, 'listpack');
  // Without `shrinking` (a built list, SORT ... STORE), the whole limit.
  const s = new QuickList('quicklist', 4);
  pushAll(s, ['a', 'b', 'c', 'd']);
  s.shrinkFor(4, false);
  assert.equal(s.encoding, 'listpack');
  // Byte fill -2: half of 8192 bytes.
  const b = new QuickList('quicklist', -2);
  pushAll(b, ['x'.repeat(4085)]);
  assert.equal(b.lpBytes, 4096);
  b.shrinkFor(-2, true);
  assert.equal(b.encoding, 'listpack');
  const c = new QuickList('quicklist', -2);
  pushAll(c, ['x'.repeat(4086)]);
  c.shrinkFor(-2, true);
  assert.equal(c.encoding, 'quicklist');
  // Fill 0 and 1: a count limit of 0 once halved, never converts back.
  const z = new QuickList('quicklist', 1);
  pushAll(z, ['a']);
  z.shrinkFor(1, true);
  assert.equal(z.encoding, 'quicklist');
  z.shrinkFor(1, false);
  assert.equal(z.encoding, 'listpack');
});

const FILLS = [1, 2, 3, 7, 128, 0, -1, -2, -5, -6];

function randomValue(r: () => number): string {
  const p = r();
  if (p < 0.4) return String.fromCharCode(97 + Math.floor(r() * 4)); // few distinct: LREM/LINSERT hit
  if (p < 0.5) return String(Math.floor(r() * 70000) - 35000); // packed integers
  if (p < 0.9) return 'v' + Math.floor(r() * 1000);
  if (p < 0.99) return 'm'.repeat(100 + Math.floor(r() * 300)); // two-byte lengths
  return 'h'.repeat(16384 + Math.floor(r() * 2000)); // three-byte lengths
}

/**
 * Seeded random operations on a list and an array model. `auto`: the list starts as a listpack and
 * the operations convert it where the list commands do (growFor before additions, shrinkFor after
 * removals); otherwise it is a quicklist throughout.
 */
function randomRun(fill: number, auto: boolean): void {
  const r = rng(1000 + fill * 7919 + (auto ? 1 : 0));
  const l = new QuickList(auto ? 'listpack' : 'quicklist', fill);
  let model: string[] = [];
  // Conversions seen: listpack -> quicklist and back.
  let grew = 0;
  let shrank = 0;
  const pad = fill < -2 ? 'p'.repeat(40 << Math.min(-fill - 3, 2)) : '';
  const grow = (vs: string[]): void => {
    if (auto) l.growFor(fill, vs.reduce((a, v) => a + v.length, 0), vs.length);
  };
  const shrink = (): void => {
    if (auto) l.shrinkFor(fill, true);
  };
  for (let step = 0; step < 3000; step++) {
    const op = Math.floor(r() * 12);
    const n = model.length;
    const before: ListEncoding = l.encoding;
    const what = `step ${step} op ${op}`;
    switch (op) {
      case 0:
      case 1: {
        const vs = Array.from({ length: 1 + Math.floor(r() * 3) }, () => randomValue(r));
        const left = op === 0;
        grow(vs);
        for (const v of vs) {
          l.push(Buffer.from(v, 'latin1'), left);
          if (left) model.unshift(v);
          else model.push(v);
        }
        break;
      }
      case 2: {
        const left = r() < 0.5;
        const got = l.pop(left);
        const want = left ? model.shift() : model.pop();
        assert.equal(got === null ? undefined : got.toString('latin1'), want, what);
        shrink();
        break;
      }
      case 3: {
        if (n === 0) break;
        // Sometimes down to a few elements (LTRIM), so quicklists come back to one small node.
        const k = r() < 0.05 ? Math.max(1, n - 1 - Math.floor(r() * 3)) : Math.floor(r() * Math.min(n, 20)) + 1;
        const left = r() < 0.5;
        l.removeEnd(k, left);
        model = left ? model.slice(k) : model.slice(0, n - k);
        shrink();
        break;
      }
      case 4: {
        if (n === 0) break;
        const i = Math.floor(r() * n);
        assert.equal(l.at(i).toString('latin1'), model[i], what);
        break;
      }
      case 5: {
        if (n === 0) break;
        const i = Math.floor(r() * n);
        const v = randomValue(r);
        grow([v]);
        l.set(i, Buffer.from(v, 'latin1'));
        model[i] = v;
        shrink();
        break;
      }
      case 6: {
        // LINSERT: the first element equal to the pivot, from the head.
        const pivot = randomValue(r);
        const v = randomValue(r);
        const after = r() < 0.5;
        if (n > 0) grow([v]);
        const found = insert(l, pivot, v, after);
        const at = model.indexOf(pivot);
        assert.equal(found, at >= 0, what);
        if (at >= 0) model.splice(after ? at + 1 : at, 0, v);
        break;
      }
      case 7: {
        // LREM with a count limit from either end.
        const v = randomValue(r);
        const limit = Math.floor(r() * 4);
        const fromTail = r() < 0.5;
        const got = l.remove(Buffer.from(v, 'latin1'), limit, fromTail);
        let removed = 0;
        if (fromTail) {
          for (let i = model.length - 1; i >= 0 && (limit === 0 || removed < limit); i--) {
            if (model[i] === v) {
              model.splice(i, 1);
              removed++;
            }
          }
        } else {
          for (let i = 0; i < model.length && (limit === 0 || removed < limit); ) {
            if (model[i] === v) {
              model.splice(i, 1);
              removed++;
            } else i++;
          }
        }
        assert.equal(got, removed, what);
        if (removed > 0) shrink();
        break;
      }
      case 8: {
        if (n === 0) break;
        const i = Math.floor(r() * n);
        const forward = r() < 0.5;
        const want = forward ? model.slice(i) : model.slice(0, i + 1).reverse();
        assert.deepEqual(walk(l, i, forward), want, what);
        break;
      }
      case 9: {
        const c = r() < 0.5 ? l.clone() : QuickList.deserialize(l.serialize());
        c.check();
        assert.deepEqual(contents(c), model, what);
        assert.equal(c.encoding, l.encoding, what);
        assert.equal(c.fill, l.fill, what);
        assert.deepEqual(shape(c), shape(l), what);
        break;
      }
      default: {
        // Bulk pushes keep the lists long enough to have many chunks (longer values for the big byte fills).
        const vs = Array.from({ length: Math.floor(r() * 30) }, () => 'b' + Math.floor(r() * 50) + pad);
        grow(vs);
        pushAll(l, vs);
        model.push(...vs);
      }
    }
    l.check();
    assert.equal(l.length, model.length, what);
    if (before !== l.encoding) {
      if (l.encoding === 'quicklist') grew++;
      else shrank++;
    }
    if (l.length === 0 && auto) {
      // The commands delete an emptied list: the next one starts as a listpack.
      l.encoding = 'listpack';
    }
    if (step % 50 === 0) assert.deepEqual(contents(l), model, what);
  }
  assert.deepEqual(contents(l), model);
  if (auto) {
    assert.ok(grew > 0, 'a listpack became a quicklist');
    // Fills 0 and 1 halve to a count limit of 0: a quicklist never becomes a listpack again.
    if (fill > 2 || fill < 0) assert.ok(shrank > 0, 'a quicklist became a listpack');
  }
}

for (const fill of FILLS) {
  test(`random operations against an array model, quicklist (fill ${fill})`, () => randomRun(fill, false));
  test(`random operations against an array model, converting (fill ${fill})`, () => randomRun(fill, true));
}

test('empty lists and an emptied list', () => {
  for (const enc of ['listpack', 'quicklist'] as const) {
    const l = new QuickList(enc, -2);
    assert.equal(l.pop(true), null);
    assert.equal(l.cursor(0, true).next(), false);
    l.push(Buffer.from('x'), true);
    assert.equal(l.pop(false)!.toString(), 'x');
    assert.equal(l.length, 0);
    assert.equal(l.head, null);
    l.check();
    l.push(Buffer.from('y'), false);
    l.removeEnd(1, true);
    assert.equal(l.chunks, 0);
    assert.equal(l.lpBytes, LP_HEADER);
    l.check();
  }
});

test('a long list: positional access visits one chunk', () => {
  const l = new QuickList('quicklist', 128);
  for (let i = 0; i < 100_000; i++) l.push(Buffer.from(String(i)), false);
  l.check();
  assert.equal(l.chunks, Math.ceil(100_000 / 128));
  for (const i of [0, 1, 127, 128, 49_999, 50_000, 99_999]) assert.equal(l.at(i).toString(), String(i));
  l.set(50_000, Buffer.from('mid'));
  assert.equal(l.at(50_000).toString(), 'mid');
  assert.equal(l.at(50_001).toString(), '50001');
  l.check();
});
