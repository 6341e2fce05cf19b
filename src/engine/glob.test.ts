// Unit tests for src/engine/glob.ts. The KEYS vectors were captured from a real Redis 7.0.15 (KEYS <pattern> over
// KEYS_SET); nocase expectations were checked with COMMAND LIST FILTERBY PATTERN (which matches with nocase=1).
// Run: node --test src/engine/glob.test.ts

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { globMatch, globMatchBuffer } from './glob.ts';

const B = (s: string): Buffer => Buffer.from(s, 'latin1');

const KEYS_SET = ['a', 'b', 'c', 'z', 'A', 'Z', '[', ']', '\\', '^', '-', '_', '`', 'ab', 'abc', 'a-', 'a[', 'a\\', '*', '?', 'x', '\xe9', '\xff', '\x80', 'hello', 'hallo', 'hxllo', 'hllo', 'heeeello', 'a\x00b'];

// [pattern, sorted KEYS reply] from Redis 7.0.15.
const KEYS_VECTORS: [string, string[]][] = [
  ['[abc', ['a', 'b', 'c']],
  ['[]', []],
  ['[^]', ['*', '-', '?', 'A', 'Z', '[', '\\', ']', '^', '_', '`', 'a', 'b', 'c', 'x', 'z', '\x80', '\xe9', '\xff']],
  ['\\', ['\\']],
  ['a\\', ['a\\']],
  ['[a-]', [']', '^', '_', '`', 'a']],
  ['[z-a]', ['a', 'b', 'c', 'x', 'z']],
  ['[a-z]', ['a', 'b', 'c', 'x', 'z']],
  ['[^a-z]', ['*', '-', '?', 'A', 'Z', '[', '\\', ']', '^', '_', '`', '\x80', '\xe9', '\xff']],
  ['[\\]]', [']']],
  ['[]]', []],
  ['[]a]', []],
  ['[^]a]', []],
  ['a[', []],
  ['[', []],
  ['[^', ['*', '-', '?', 'A', 'Z', '[', '\\', ']', '^', '_', '`', 'a', 'b', 'c', 'x', 'z', '\x80', '\xe9', '\xff']],
  ['**', ['*', '-', '?', 'A', 'Z', '[', '\\', ']', '^', '_', '`', 'a', 'a\x00b', 'a-', 'a[', 'a\\', 'ab', 'abc', 'b', 'c', 'hallo', 'heeeello', 'hello', 'hllo', 'hxllo', 'x', 'z', '\x80', '\xe9', '\xff']],
  ['?', ['*', '-', '?', 'A', 'Z', '[', '\\', ']', '^', '_', '`', 'a', 'b', 'c', 'x', 'z', '\x80', '\xe9', '\xff']],
  ['*\\', ['\\', 'a\\']],
  ['[\\', ['\\']],
  ['[a-\\', ['\\', ']', '^', '_', '`', 'a']],
  ['\\[', ['[']],
  ['\\*', ['*']],
  ['\\?', ['?']],
  ['[-]', ['-']],
  ['[--]', ['-', '?', 'A', 'Z', '[', '\\', ']']],
  ['[a-b-c]', ['-', 'a', 'b', 'c']],
  ['[\xe9-\xff]', ['\xe9', '\xff']],
  ['[a-\xff]', ['*', '-', '?', 'A', 'Z', '[', '\\', ']', '^', '_', '`', 'a', '\xff']],
  ['[\x80-a]', ['*', '-', '?', 'A', 'Z', '[', '\\', ']', '^', '_', '`', 'a', '\x80', '\xe9', '\xff']],
  ['[\\a-c]', ['-', 'a', 'c']],
  ['a*', ['a', 'a\x00b', 'a-', 'a[', 'a\\', 'ab', 'abc']],
  ['*a', ['a']],
  ['?b*', ['ab', 'abc']],
  ['h?llo', ['hallo', 'hello', 'hxllo']],
  ['h*llo', ['hallo', 'heeeello', 'hello', 'hllo', 'hxllo']],
  ['h[ae]llo', ['hallo', 'hello']],
  ['h[^e]llo', ['hallo', 'hxllo']],
  ['h[a-b]llo', ['hallo']],
  ['a[\\', ['a\\']],
  ['a[^', ['a-', 'a[', 'a\\', 'ab']],
  ['[^\\]]', ['*', '-', '?', 'A', 'Z', '[', '\\', '^', '_', '`', 'a', 'b', 'c', 'x', 'z', '\x80', '\xe9', '\xff']],
  ['[\\-]', ['-']],
  ['[[-]]', ['[', '\\', ']']],
  ['a\x00b', ['a\x00b']],
  ['a?b', ['a\x00b']],
  ['a[\x00]b', ['a\x00b']],
  ['\\a\\b', ['ab']],
  ['hel*o', ['hello']],
  ['h**o', ['hallo', 'heeeello', 'hello', 'hllo', 'hxllo']],
  ['*l*l*', ['hallo', 'heeeello', 'hello', 'hllo', 'hxllo']],
];

test('matches Redis KEYS on edge-case patterns', () => {
  for (const [pattern, want] of KEYS_VECTORS) {
    const p = B(pattern);
    const got = KEYS_SET.filter((k) => globMatch(p, k)).sort();
    assert.deepEqual(got, want, JSON.stringify(pattern));
    const gotBuf = KEYS_SET.filter((k) => globMatchBuffer(p, B(k))).sort();
    assert.deepEqual(gotBuf, want, 'Buffer subject: ' + JSON.stringify(pattern));
  }
});

test('basic glob semantics', () => {
  assert.equal(globMatch(B('*'), 'anything'), true);
  assert.equal(globMatch(B('user:*'), 'user:1000'), true);
  assert.equal(globMatch(B('user:*'), 'users:1000'), false);
  assert.equal(globMatch(B('user:?'), 'user:12'), false);
  assert.equal(globMatch(B('*:*:*'), 'a:b:c'), true);
  assert.equal(globMatch(B('*:*:*'), 'a:b'), false);
  assert.equal(globMatch(B(''), ''), true);
  assert.equal(globMatch(B(''), 'a'), false);
  assert.equal(globMatch(B('a'), ''), false);
  // The matcher itself never matches an empty subject against '*': KEYS/SCAN only return the empty key for
  // the pattern "*" because they skip matching entirely in that case (Redis's allkeys shortcut).
  assert.equal(globMatch(B('*'), ''), false);
  assert.equal(globMatch(B('**'), ''), false);
  assert.equal(globMatch(B('\\*'), '*'), true);
  assert.equal(globMatch(B('\\*'), 'a'), false);
});

test('nocase folds ASCII only; escapes inside [] stay case-sensitive', () => {
  assert.equal(globMatch(B('GET'), 'get', true), true);
  assert.equal(globMatch(B('GET'), 'get', false), false);
  assert.equal(globMatch(B('g?T'), 'GeT', true), true);
  assert.equal(globMatch(B('[A-C]*'), 'bitcount', true), true);
  assert.equal(globMatch(B('[a-c]*'), 'BITCOUNT', true), true);
  assert.equal(globMatch(B('[Z-a]*'), 'zadd', true), false); // bounds lowered after ordering: 'z'..'a' is empty
  assert.equal(globMatch(B('[z-A]*'), 'Zadd', true), true); // 'A'..'z' lowered to 'a'..'z'
  assert.equal(globMatch(B('[z-A]*'), '_x', true), false);
  assert.equal(globMatch(B('x[A]*'), 'xadd', true), true);
  assert.equal(globMatch(B('x[\\A]*'), 'xadd', true), false);
  assert.equal(globMatch(B('h\\Set'), 'hset', true), true); // escape outside [] still folds
  assert.equal(globMatch(B('\xc9'), '\xe9', true), false); // no Latin-1 folding
  // glibc tolower() maps negative (signed char) bounds to c+256, except 0xFF (EOF, -1).
  assert.equal(globMatch(B('[\xe9-b]*'), 'bitcount', true), false);
  assert.equal(globMatch(B('[\xe9-b]*'), 'bitcount', false), true);
  assert.equal(globMatch(B('[\xff-b]*'), 'bitcount', true), true);
});

test('pathological patterns finish quickly (skipLongerMatches)', () => {
  const subject = 'a'.repeat(5000);
  const t0 = performance.now();
  assert.equal(globMatch(B('a*a*a*a*a*a*a*a*a*a*b'), subject), false);
  assert.equal(globMatch(B('*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b'), subject), false);
  assert.equal(globMatch(B('*?*?*?*?*?*?*?*?*?*?*?*?*b'), subject), false);
  assert.equal(globMatch(B('a*a*a*a*a*a*a*a*a*a*a'), subject), true);
  assert.equal(globMatchBuffer(B('a*a*a*a*a*a*a*a*a*a*b'), B(subject)), false);
  assert.ok(performance.now() - t0 < 500, 'took ' + (performance.now() - t0) + 'ms');
});

test('nesting limit: more than 1000 nested stars never match (as in Redis 7.0.15)', () => {
  for (const [n, want] of [
    [999, true],
    [1000, true],
    [1001, false],
    [1500, false],
  ] as const) {
    assert.equal(globMatch(B('*a'.repeat(n)), 'a'.repeat(n)), want, String(n));
  }
});

test('string and Buffer subjects agree', () => {
  const alphabet = ['a', 'b', '*', '?', '[', ']', '^', '-', '\\', 'A', '\xe9', '\xff', '\x00'];
  const subj = ['a', 'b', 'A', '-', ']', '\\', '\xe9', '\xc9', '\xff', '\x00'];
  let seed = 7;
  const rnd = (n: number) => {
    seed = (seed * 48271) % 2147483647;
    return seed % n;
  };
  for (let i = 0; i < 20000; i++) {
    let p = '';
    let s = '';
    for (let j = rnd(9); j > 0; j--) p += alphabet[rnd(alphabet.length)];
    for (let j = rnd(7); j > 0; j--) s += subj[rnd(subj.length)];
    const nocase = rnd(2) === 1;
    assert.equal(globMatch(B(p), s, nocase), globMatchBuffer(B(p), B(s), nocase), JSON.stringify([p, s, nocase]));
  }
});
