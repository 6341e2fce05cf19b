// Listpack entry sizes and quicklist node limits, worked by hand from Redis 7.2's listpack.c and
// quicklist.c (src/engine/quicklist-redis.test.ts checks the same sizes against a real server).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clampFill, exceedsLimit, lpEntrySize, nodeLimit } from './listpack-size.ts';

const size = (s: string): number => lpEntrySize(Buffer.from(s, 'latin1'), 0, s.length);

test('integers take the narrowest integer encoding plus a 1-byte back-length', () => {
  for (const [v, n] of [
    ['0', 2], ['127', 2], ['128', 3], ['-1', 3], ['4095', 3], ['-4096', 3], ['4096', 4], ['-4097', 4], ['32767', 4], ['-32768', 4],
    ['32768', 5], ['8388607', 5], ['-8388608', 5], ['8388608', 6], ['2147483647', 6], ['-2147483648', 6], ['2147483648', 10],
    ['9999999999', 10], ['12345678901', 10], ['9223372036854775807', 10], ['-9223372036854775808', 10],
  ] as const) {
    assert.equal(size(v), n, v);
  }
});

test('texts that are not canonical int64 are strings', () => {
  // 1-byte header for up to 63 bytes, then the data, then a 1-byte back-length.
  for (const v of ['-0', '007', '+1', ' 1', '1 ', '-', '', '1.0', '0x1', '9223372036854775808', '-9223372036854775809', '18446744073709551616']) {
    assert.equal(size(v), v.length + 2, JSON.stringify(v));
  }
  // 21 characters or more is never an integer.
  assert.equal(size('-0000000000000000001'), 22);
});

test('string headers and back-lengths change at their boundaries', () => {
  const s = (n: number): number => size('s'.repeat(n));
  assert.equal(s(63), 63 + 1 + 1);
  assert.equal(s(64), 64 + 2 + 1); // 12-bit header; 66 encoded bytes still fit a 1-byte back-length
  assert.equal(s(125), 125 + 2 + 1);
  assert.equal(s(126), 126 + 2 + 2); // 128 encoded bytes: a 2-byte back-length
  assert.equal(s(4095), 4095 + 2 + 2);
  assert.equal(s(4096), 4096 + 5 + 2); // 32-bit header
  assert.equal(s(16377), 16377 + 5 + 2);
  assert.equal(s(16378), 16378 + 5 + 3); // 16383 encoded bytes: a 3-byte back-length
});

test('node limits by fill', () => {
  assert.deepEqual(nodeLimit(-1), { size: 4096, count: Infinity });
  assert.deepEqual(nodeLimit(-2), { size: 8192, count: Infinity });
  assert.deepEqual(nodeLimit(-5), { size: 65536, count: Infinity });
  assert.deepEqual(nodeLimit(-100), { size: 65536, count: Infinity });
  assert.deepEqual(nodeLimit(0), { size: Infinity, count: 1 });
  assert.deepEqual(nodeLimit(128), { size: Infinity, count: 128 });
  assert.ok(!exceedsLimit(-2, 8192, 100000));
  assert.ok(exceedsLimit(-2, 8193, 1));
  assert.ok(!exceedsLimit(3, 8192, 3));
  assert.ok(exceedsLimit(3, 10, 4));
  assert.ok(exceedsLimit(1000, 8193, 2)); // a count fill keeps the 8 KB safety cap
  assert.ok(exceedsLimit(0, 10, 2));
  assert.equal(clampFill(-6), -5);
  assert.equal(clampFill(100000), 32767);
  assert.equal(clampFill(-2), -2);
});
