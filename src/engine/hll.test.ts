// The HLL codec on its own: dense registers (every bit offset), sparse updates (splits of ZERO,
// XZERO and VAL runs, merges of equal neighbours, promotion by size and by value), conversion,
// merging and the estimator's fixed points. The byte-exact comparison with Redis is in
// src/families/hyperloglog.test.ts.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  HLL_DENSE_SIZE, HLL_REGISTERS, HllEdit, cacheValid, count, countRegisters, decodeSparse, denseGet, denseSetMax, emptySparse, isHll, mergeInto, sparseToDense,
} from './hll.ts';

function editOf(v: Buffer): HllEdit {
  const e = new HllEdit();
  e.load(v);
  return e;
}

describe('HLL codec', () => {
  it('dense registers: set and read back at every bit offset without touching neighbours', () => {
    const e = editOf(emptySparse());
    assert.ok(e.toDense());
    assert.equal(e.len, HLL_DENSE_SIZE);
    const v = e.bytes;
    for (let r = 0; r < HLL_REGISTERS; r += 1) denseSetMax(v, r, (r % 63) + 1);
    for (let r = 0; r < HLL_REGISTERS; r += 1) assert.equal(denseGet(v, r), (r % 63) + 1);
    assert.equal(denseSetMax(v, 5, 1), 0, 'never lowered');
    assert.equal(denseSetMax(v, HLL_REGISTERS - 1, 63), 1);
    assert.equal(denseGet(v, HLL_REGISTERS - 2), ((HLL_REGISTERS - 2) % 63) + 1);
  });

  it('sparse: an XZERO split into XZERO VAL XZERO, then a ZERO split, then neighbours merged', () => {
    const e = editOf(emptySparse());
    assert.equal(e.set(100, 3, 3000), 1);
    assert.equal(decodeSparse(e.value()), 'Z:100 v:3,1 Z:16283');
    assert.equal(e.set(100, 2, 3000), 0, 'a lower value changes nothing');
    assert.equal(e.set(101, 3, 3000), 1);
    assert.equal(decodeSparse(e.value()), 'Z:100 v:3,2 Z:16282');
    assert.equal(e.set(50, 1, 3000), 1);
    assert.equal(decodeSparse(e.value()), 'z:50 v:1,1 z:49 v:3,2 Z:16282');
    assert.equal(e.set(101, 5, 3000), 1, 'a VAL run split');
    assert.equal(decodeSparse(e.value()), 'z:50 v:1,1 z:49 v:3,1 v:5,1 Z:16282');
    assert.ok(!cacheValid(e.value()));
    assert.equal(e.bytes[e.len], 0, "the byte after the value is 0 (Redis reads its sds terminator)");
  });

  it('promotion: by size (hll-sparse-max-bytes) and by a value above 32', () => {
    const bySize = editOf(emptySparse());
    assert.equal(bySize.set(1000, 1, 18), 1);
    assert.ok(bySize.dense);
    assert.equal(denseGet(bySize.bytes, 1000), 1);
    const byValue = editOf(emptySparse());
    assert.equal(byValue.set(7, 33, 3000), 1);
    assert.ok(byValue.dense);
    assert.equal(denseGet(byValue.bytes, 7), 33);
  });

  it('corrupted sparse values are detected by count, merge, conversion and update', () => {
    const bad = Buffer.concat([emptySparse(), Buffer.from([0x00])]); // 16385 registers
    assert.ok(isHll(bad));
    assert.equal(count(bad), -1);
    assert.equal(mergeInto(new Uint8Array(HLL_REGISTERS), bad), false);
    assert.equal(sparseToDense(bad, bad.length), null);
    const headerOnly = emptySparse().subarray(0, 16);
    assert.equal(editOf(Buffer.from(headerOnly)).set(3, 1, 3000), -1);
  });

  it('the estimator: 0 for no registers set, the same for sparse, dense and raw forms', () => {
    assert.equal(count(emptySparse()), 0);
    const e = editOf(emptySparse());
    const max = new Uint8Array(HLL_REGISTERS);
    for (let i = 0; i < 200; i++) {
      const r = (i * 7919) % HLL_REGISTERS;
      e.set(r, (i % 5) + 1, 1 << 20);
      if ((i % 5) + 1 > max[r]) max[r] = (i % 5) + 1;
    }
    const sparse = Buffer.from(e.value());
    const dense = sparseToDense(sparse, sparse.length)!;
    const merged = new Uint8Array(HLL_REGISTERS);
    assert.ok(mergeInto(merged, sparse));
    assert.deepEqual(merged, max);
    assert.equal(count(sparse), count(dense));
    assert.equal(count(sparse), countRegisters(max));
  });

  it('isHll: magic, encoding and the exact dense length', () => {
    assert.ok(isHll(emptySparse()));
    assert.ok(!isHll(Buffer.from('HYLL')));
    const wrongEnc = emptySparse();
    wrongEnc[4] = 2;
    assert.ok(!isHll(wrongEnc));
    const shortDense = emptySparse();
    shortDense[4] = 0;
    assert.ok(!isHll(shortDense));
  });
});

describe('HLL cached cardinality', () => {
  it('writes and reads back little-endian, numbers and bigints alike', async () => {
    const { writeCard, cachedCard } = await import('./hll.ts');
    const v = emptySparse();
    for (const n of [0, 1, 255, 256, 65535, 4294967295, 4294967296, 2 ** 53 - 1]) {
      writeCard(v, n);
      assert.equal(cachedCard(v), n);
      assert.ok(cacheValid(v));
    }
    writeCard(v, 0x7fffffffffffffffn);
    assert.equal(cachedCard(v), 0x7fffffffffffffffn);
    writeCard(v, -9223372036854775808n);
    assert.equal(v.subarray(8, 16).toString('hex'), '0000000000000080');
    assert.ok(!cacheValid(v));
  });
});
