// Unit tests for src/util/codec.ts: every codec reads back what it wrote.
// Run: node --test src/util/codec.test.ts

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BinReader, BinWriter, bytes, type Codec, list, nullable, scoredMembers, tuple, u32 } from './codec.ts';
import { formatDouble } from './numbers.ts';

function roundTrip<T>(c: Codec<T>, v: T): T {
  const w = new BinWriter(4);
  c.write(w, v);
  const r = new BinReader(w.take());
  const out = c.read(r);
  assert.ok(r.done, 'every byte read');
  return out;
}

test('scoredMembers keeps scores exact and members byte for byte', () => {
  const scores = [0, -0, 1.5, -1e308, 5e-324, Infinity, -Infinity, NaN, 0.1 + 0.2, 2 ** 53 + 2, 1 / 3];
  const members = scores.map((_, i) => (i === 0 ? '' : i === 1 ? '\u0000\r\n\u00ff' : 'm' + i));
  const got = roundTrip(scoredMembers, { scores, members });
  assert.deepEqual(got.members, members);
  assert.equal(got.scores.length, scores.length);
  for (let i = 0; i < scores.length; i++) {
    assert.ok(Object.is(got.scores[i], scores[i]), `score ${i}`);
    assert.equal(formatDouble(got.scores[i]), formatDouble(scores[i]));
  }
  assert.deepEqual(roundTrip(scoredMembers, { scores: [], members: [] }), { scores: [], members: [] });
});

test('composite codecs round-trip', () => {
  const c = tuple<[number, Buffer | null, Buffer[]]>(u32, nullable(bytes), list(bytes));
  const v: [number, Buffer | null, Buffer[]] = [7, null, [Buffer.from('a'), Buffer.alloc(0)]];
  assert.deepEqual(roundTrip(c, v), v);
});
