// sha1Into against node:crypto for every length around the block and padding boundaries, and a few
// long inputs (several blocks).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { sha1Into } from './sha1.ts';
import { mulberry32 } from './prng.ts';

describe('sha1Into', () => {
  it('equals crypto SHA-1 for lengths 0..300 and some long inputs', () => {
    const rnd = mulberry32(7);
    const out = Buffer.alloc(24);
    for (const len of [...Array.from({ length: 301 }, (_, i) => i), 1000, 4096, 65537]) {
      const data = Buffer.alloc(len + 5);
      for (let i = 0; i < data.length; i++) data[i] = Math.floor(rnd() * 256);
      sha1Into(data, len, out, 2);
      assert.equal(out.subarray(2, 22).toString('hex'), createHash('sha1').update(data.subarray(0, len)).digest('hex'), `length ${len}`);
    }
  });
});
