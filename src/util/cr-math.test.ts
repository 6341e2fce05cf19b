// Correctly rounded sin/cos/asin: arguments where V8's Math and glibc's libm (Redis's) differ in the
// last bit, with glibc's results (taken from a C program on this machine), and the functions' edges.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crAsin, crCos, crSin } from './cr-math.ts';

test('glibc results where Math differs', () => {
  const sin = [[2.616529622492476, 0.5012675459956976], [-2.310656695655075, -0.7385627031200431], [-0.7018246595063147, -0.6456121906079594]];
  const cos = [[-0.7667948420194307, 0.7201382016478237], [2.768224539304242, -0.9311040975604895], [-1.0580686848855976, 0.49055596240054966]];
  const asin = [[0.8345937659621541, 0.9873949264373646], [0.9719899867762365, 1.3335548509214246], [0.9331607612938484, 1.2031079188431508]];
  for (const [x, want] of sin) assert.equal(crSin(x), want, `sin(${x})`);
  for (const [x, want] of cos) assert.equal(crCos(x), want, `cos(${x})`);
  for (const [x, want] of asin) assert.equal(crAsin(x), want, `asin(${x})`);
});

test('edges', () => {
  assert.ok(Object.is(crSin(-0), -0));
  assert.equal(crCos(0), 1);
  assert.equal(crAsin(1), Math.PI / 2);
  assert.equal(crAsin(-1), -Math.PI / 2);
  assert.ok(Number.isNaN(crAsin(1.0000000000000002)));
  assert.ok(Number.isNaN(crSin(Infinity)));
  assert.equal(crSin(Math.PI / 6).toFixed(15), '0.500000000000000');
  for (let i = -40; i <= 40; i++) {
    const x = i / 7;
    assert.ok(Math.abs(crSin(x) - Math.sin(x)) <= 2.3e-16, `sin ${x}`);
    assert.ok(Math.abs(crCos(x) - Math.cos(x)) <= 2.3e-16, `cos ${x}`);
    if (Math.abs(x) <= 1) assert.ok(Math.abs(crAsin(x) - Math.asin(x)) <= 4.5e-16, `asin ${x}`);
  }
});
