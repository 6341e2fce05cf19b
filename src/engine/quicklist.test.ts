// QuickList against a plain array model: seeded random operations at every fill setting (tiny fills
// make chunks split and merge all the time), element sizes across the varint boundaries, and the
// structure's invariants checked after every step.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QuickList, entrySize, fits } from './quicklist.ts';
import { rng } from '../../test/harness.ts';

function contents(l: QuickList): string[] {
  const out: string[] = [];
  l.forEach((buf, off, len) => out.push(buf.toString('latin1', off, off + len)));
  return out;
}

function walk(l: QuickList, from: number, forward: boolean): string[] {
  const out: string[] = [];
  const it = l.cursor(from, forward);
  while (it.next()) out.push(it.view().toString('latin1'));
  return out;
}

test('entry sizes and fill rules', () => {
  assert.equal(entrySize(0), 2);
  assert.equal(entrySize(127), 129);
  assert.equal(entrySize(128), 132);
  assert.equal(entrySize(16383), 16387);
  assert.equal(entrySize(16384), 16390);
  // -2: 8 KB per chunk whatever the count.
  assert.ok(fits(8192 - 7, 5000, -2));
  assert.ok(!fits(8192 - 6, 1, -2));
  // Positive: an entry count, capped at 8 KB.
  assert.ok(fits(10, 3, 3));
  assert.ok(!fits(10, 4, 3));
  assert.ok(!fits(9000, 2, 1000));
  // 0 and below -5: one entry per chunk.
  assert.ok(!fits(2, 1, 0));
  assert.ok(!fits(2, 1, -6));
});

test('pushes and pops at both ends split into chunks by the fill', () => {
  const l = new QuickList(4);
  for (let i = 0; i < 10; i++) l.push(Buffer.from(`r${i}`), false);
  for (let i = 0; i < 10; i++) l.push(Buffer.from(`l${i}`), true);
  l.check();
  assert.equal(l.length, 20);
  assert.equal(l.chunks, 6);
  assert.deepEqual(contents(l).slice(8, 12), ['l1', 'l0', 'r0', 'r1']);
  assert.equal(l.pop(true)!.toString(), 'l9');
  assert.equal(l.pop(false)!.toString(), 'r9');
  l.check();
  const big = new QuickList(-2);
  for (let i = 0; i < 100; i++) big.push(Buffer.alloc(200, i), false);
  big.check();
  // 100 entries of 204 bytes do not fit in 8 KB: several chunks, each within the limit.
  assert.ok(big.chunks >= 3);
});

test('a large element gets its own chunk', () => {
  const l = new QuickList(-2);
  l.push(Buffer.from('a'), false);
  l.push(Buffer.alloc(20000, 0x62), false);
  l.push(Buffer.from('c'), false);
  l.check();
  assert.equal(l.chunks, 3);
  assert.equal(l.at(1).length, 20000);
  assert.equal(l.at(2).toString(), 'c');
});

const FILLS = [1, 2, 3, 7, 128, 0, -1, -2, -5, -6];

function randomValue(r: () => number): string {
  const p = r();
  if (p < 0.5) return String.fromCharCode(97 + Math.floor(r() * 4)); // few distinct: LREM/LINSERT hit
  if (p < 0.9) return 'v' + Math.floor(r() * 1000);
  if (p < 0.99) return 'm'.repeat(100 + Math.floor(r() * 300)); // two-byte lengths
  return 'h'.repeat(16384 + Math.floor(r() * 2000)); // three-byte lengths
}

for (const fill of FILLS) {
  test(`random operations against an array model (fill ${fill})`, () => {
    const r = rng(1000 + fill * 7919);
    const l = new QuickList(fill);
    let model: string[] = [];
    const ops = 3000;
    for (let step = 0; step < ops; step++) {
      const op = Math.floor(r() * 12);
      const n = model.length;
      const what = `step ${step} op ${op}`;
      switch (op) {
        case 0:
        case 1: {
          const v = randomValue(r);
          const left = op === 0;
          l.push(Buffer.from(v, 'latin1'), left);
          if (left) model.unshift(v);
          else model.push(v);
          break;
        }
        case 2: {
          const left = r() < 0.5;
          const got = l.pop(left);
          const want = left ? model.shift() : model.pop();
          assert.equal(got === null ? undefined : got.toString('latin1'), want, what);
          break;
        }
        case 3: {
          if (n === 0) break;
          const k = Math.floor(r() * Math.min(n, 20)) + 1;
          const left = r() < 0.5;
          l.removeEnd(k, left);
          model = left ? model.slice(k) : model.slice(0, n - k);
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
          l.set(i, Buffer.from(v, 'latin1'));
          model[i] = v;
          break;
        }
        case 6: {
          // LINSERT: the first element equal to the pivot, from the head.
          const pivot = randomValue(r);
          const v = randomValue(r);
          const after = r() < 0.5;
          const it = l.cursor(0, true);
          let found = false;
          while (it.next()) {
            if (it.equals(Buffer.from(pivot, 'latin1'))) {
              l.insertAt(it.chunk!, it.entryStart, it.entryEnd, Buffer.from(v, 'latin1'), after);
              found = true;
              break;
            }
          }
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
          assert.equal(c.fill, fill);
          break;
        }
        default: {
          // Bulk pushes keep the lists long enough to have many chunks.
          const k = Math.floor(r() * 30);
          for (let j = 0; j < k; j++) {
            const v = 'b' + Math.floor(r() * 50);
            l.push(Buffer.from(v), false);
            model.push(v);
          }
        }
      }
      l.check();
      assert.equal(l.length, model.length, what);
      if (step % 50 === 0) assert.deepEqual(contents(l), model, what);
    }
    assert.deepEqual(contents(l), model);
  });
}

test('empty lists and an emptied list', () => {
  const l = new QuickList(-2);
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
  l.check();
});

test('a long list: positional access visits one chunk', () => {
  const l = new QuickList(128);
  for (let i = 0; i < 100_000; i++) l.push(Buffer.from(String(i)), false);
  l.check();
  assert.equal(l.chunks, Math.ceil(100_000 / 128));
  for (const i of [0, 1, 127, 128, 49_999, 50_000, 99_999]) assert.equal(l.at(i).toString(), String(i));
  l.set(50_000, Buffer.from('mid'));
  assert.equal(l.at(50_000).toString(), 'mid');
  assert.equal(l.at(50_001).toString(), '50001');
  l.check();
});
