// The bit arithmetic against naive bit-by-bit models on random data, at every alignment of the
// underlying memory (the word paths need aligned views; values are views at any offset of an arena
// chunk), and BITFIELD's overflow rules at the edges of each width.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BITOP_AND, BITOP_NOT, BITOP_OR, BITOP_XOR, OVERFLOW_FAIL, OVERFLOW_SAT, OVERFLOW_WRAP,
  bitfieldWrite, bitop, bitpos, getBitfield, popcount, setBitfield,
} from './bits.ts';
import { mulberry32 } from './prng.ts';

const bitAt = (b: Uint8Array, i: number): number => (b[i >> 3] >> (7 - (i & 7))) & 1;

/** Random bytes at byte offset `shift` of a larger buffer, with runs of 0x00 and 0xff (BITPOS skips them). */
function sample(r: () => number, len: number, shift: number): Uint8Array {
  const under = new Uint8Array(len + shift + 8);
  const b = under.subarray(shift, shift + len);
  let i = 0;
  while (i < len) {
    const run = Math.floor(r() * 40);
    const kind = r();
    for (let j = 0; j < run && i < len; j++, i++) b[i] = kind < 0.4 ? 0 : kind < 0.8 ? 0xff : Math.floor(r() * 256);
  }
  return b;
}

describe('bits', () => {
  it('popcount and bitpos agree with bit loops at every alignment', () => {
    const r = mulberry32(5);
    for (let n = 0; n < 400; n++) {
      const len = Math.floor(r() * 300);
      const b = sample(r, len, n & 7);
      const start = Math.floor(r() * (len + 1));
      const end = start + Math.floor(r() * (len - start + 1));
      let ones = 0;
      for (let i = start * 8; i < end * 8; i++) ones += bitAt(b, i);
      assert.equal(popcount(b, start, end), ones);
      for (const bit of [0, 1]) {
        let want = bit ? -1 : (end - start) * 8;
        for (let i = start * 8; i < end * 8; i++) {
          if (bitAt(b, i) === bit) {
            want = i - start * 8;
            break;
          }
        }
        assert.equal(bitpos(b, start, end - start, bit), want, `len ${len} [${start}, ${end}) bit ${bit}`);
      }
    }
  });

  it('popcount and bitpos over long ranges (the WebAssembly path, chunk edges and tails) agree with bit loops', () => {
    const r = mulberry32(11);
    for (const len of [8192, 8193, 65535, 65536, 65537, 200_003]) {
      const b = sample(r, len + 9, len & 7);
      if (len % 2 === 1) b.fill(len % 4 === 1 ? 0 : 0xff, 0, len - 100); // the first hit deep in, past chunks
      for (const [start, end] of [[0, len], [1, len + 9], [3, len - 5]]) {
        let want = 0;
        for (let i = start * 8; i < end * 8; i++) want += bitAt(b, i);
        assert.equal(popcount(b, start, end), want, `len ${len} [${start}, ${end})`);
        for (const bit of [0, 1]) {
          let first = bit ? -1 : (end - start) * 8;
          for (let i = start * 8; i < end * 8; i++) {
            if (bitAt(b, i) === bit) {
              first = i - start * 8;
              break;
            }
          }
          assert.equal(bitpos(b, start, end - start, bit), first, `bitpos ${bit} len ${len} [${start}, ${end})`);
        }
      }
    }
  });

  it('bitop agrees with a byte model, sources at any alignment and length', () => {
    const r = mulberry32(9);
    for (let n = 0; n < 200; n++) {
      const op = [BITOP_AND, BITOP_OR, BITOP_XOR, BITOP_NOT][n % 4];
      const count = op === BITOP_NOT ? 1 : 1 + Math.floor(r() * 5);
      const srcs = Array.from({ length: count }, (_, i) => sample(r, Math.floor(r() * (n % 3 === 0 ? 900 : 90)), (n + i) & 7));
      // Some sources end exactly where their memory does (the shifted word copy must not read past it).
      if (n % 5 === 0) srcs[0] = new Uint8Array(Uint8Array.from([0, ...srcs[0]]).buffer, 1);
      const max = Math.max(...srcs.map((s) => s.length));
      const want = Buffer.alloc(max);
      for (let j = 0; j < max; j++) {
        let v = j < srcs[0].length ? srcs[0][j] : 0;
        if (op === BITOP_NOT) v = ~v & 0xff;
        for (let i = 1; i < count; i++) {
          const x = j < srcs[i].length ? srcs[i][j] : 0;
          v = op === BITOP_AND ? v & x : op === BITOP_OR ? v | x : v ^ x;
        }
        want[j] = v;
      }
      assert.deepEqual(bitop(op, srcs), want);
    }
  });

  it('getBitfield / setBitfield round-trip at every offset and width, past the end reading zeros', () => {
    const r = mulberry32(3);
    const b = new Uint8Array(40);
    for (let bits = 1; bits <= 64; bits++) {
      const offset = Math.floor(r() * 200);
      const v = BigInt.asUintN(bits, BigInt(Math.floor(r() * 2 ** 32)) * 0x1_0000_0001n + BigInt(bits));
      const before = Uint8Array.from(b);
      setBitfield(b, offset, bits, v);
      assert.equal(getBitfield(b, offset, bits), v);
      for (let i = 0; i < 320; i++) if (i < offset || i >= offset + bits) assert.equal(bitAt(b, i), bitAt(before, i));
    }
    assert.equal(getBitfield(Uint8Array.of(0xab), 4, 12), 0xb00n);
  });

  it('bitfieldWrite: Redis overflow semantics at the edges, C wrapping quirks included', () => {
    const incr = (old: bigint, by: bigint, bits: number, signed: boolean, ow: number): bigint | null =>
      bitfieldWrite(old, by, true, bits, signed, ow)?.store ?? null;
    const set = (value: bigint, bits: number, signed: boolean, ow: number): bigint | null => bitfieldWrite(0n, value, false, bits, signed, ow)?.store ?? null;
    assert.equal(incr(250n, 10n, 8, false, OVERFLOW_WRAP), 4n);
    assert.equal(incr(250n, 10n, 8, false, OVERFLOW_SAT), 255n);
    assert.equal(incr(250n, 10n, 8, false, OVERFLOW_FAIL), null);
    assert.equal(incr(5n, -10n, 8, false, OVERFLOW_SAT), 0n);
    assert.equal(set(-1n, 8, false, OVERFLOW_SAT), 255n); // SET u8 -1: (uint64_t)-1 is above the maximum
    assert.equal(set(-1n, 8, false, OVERFLOW_WRAP), 255n);
    assert.equal(incr(127n, 1n, 8, true, OVERFLOW_WRAP), -128n);
    assert.equal(incr(-128n, -1n, 8, true, OVERFLOW_SAT), -128n);
    assert.equal(incr(9223372036854775807n, 1n, 64, true, OVERFLOW_WRAP), -9223372036854775808n);
    assert.equal(incr(-9223372036854775808n, -1n, 64, true, OVERFLOW_SAT), -9223372036854775808n);
    assert.equal(incr(9223372036854775807n, 1n, 63, false, OVERFLOW_WRAP), 0n);
    // (uint64_t)max - INT64_MIN wraps negative in C, so Redis takes INT64_MIN as over the top: SAT gives max.
    assert.equal(set(-9223372036854775808n, 8, true, OVERFLOW_SAT), 127n);
    assert.equal(set(-9223372036854775808n, 8, true, OVERFLOW_WRAP), 0n);
    assert.deepEqual(bitfieldWrite(-5n, 7n, false, 8, true, OVERFLOW_WRAP), { store: 7n, reply: -5n });
  });
});
