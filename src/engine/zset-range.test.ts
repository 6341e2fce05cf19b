// Range bound parsing as Redis's zslParseRange (strtod after an optional "(", NUL-terminated, spaces
// before the number, ERANGE ignored) and zslParseLexRangeItem; the emptiness tests.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lexRangeEmpty, parseLexRange, parseScoreRange, scoreRangeEmpty } from './zset-range.ts';

const B = (s: string): Buffer => Buffer.from(s, 'latin1');

test('score bounds', () => {
  assert.deepEqual(parseScoreRange(B('(1.5'), B('+inf')), { min: 1.5, max: Infinity, minex: true, maxex: false });
  assert.deepEqual(parseScoreRange(B('-inf'), B('(5')), { min: -Infinity, max: 5, minex: false, maxex: true });
  assert.deepEqual(parseScoreRange(B(''), B('(')), { min: 0, max: 0, minex: false, maxex: true });
  assert.deepEqual(parseScoreRange(B(' \t1'), B('2\x00junk')), { min: 1, max: 2, minex: false, maxex: false });
  assert.deepEqual(parseScoreRange(B('1e999'), B('-1e999')), { min: Infinity, max: -Infinity, minex: false, maxex: false });
  assert.deepEqual(parseScoreRange(B('\x00'), B('0x10')), { min: 0, max: 16, minex: false, maxex: false });
  for (const bad of ['  ', '1 ', 'nan', '(nan', '-nan', 'a', '1e', '((1', '( 1x', '[1']) {
    assert.equal(parseScoreRange(B(bad), B('1')), null, JSON.stringify(bad));
    assert.equal(parseScoreRange(B('1'), B(bad)), null, JSON.stringify(bad));
  }
  assert.equal(parseScoreRange(B('( 1'), B('2'))?.min, 1);
});

test('lex bounds', () => {
  assert.deepEqual(parseLexRange(B('-'), B('+')), { min: { kind: -1, s: '', ex: true }, max: { kind: 1, s: '', ex: true } });
  assert.deepEqual(parseLexRange(B('[a\x00b'), B('(')), { min: { kind: 0, s: 'a\x00b', ex: false }, max: { kind: 0, s: '', ex: true } });
  assert.deepEqual(parseLexRange(B('+\x00x'), B('-')), { min: { kind: 1, s: '', ex: true }, max: { kind: -1, s: '', ex: true } });
  for (const bad of ['', 'a', '+a', '-a', '1']) {
    assert.equal(parseLexRange(B(bad), B('+')), null, JSON.stringify(bad));
    assert.equal(parseLexRange(B('-'), B(bad)), null, JSON.stringify(bad));
  }
});

test('ranges that can hold nothing', () => {
  assert.equal(scoreRangeEmpty({ min: 2, max: 1, minex: false, maxex: false }), true);
  assert.equal(scoreRangeEmpty({ min: 1, max: 1, minex: false, maxex: false }), false);
  assert.equal(scoreRangeEmpty({ min: 1, max: 1, minex: true, maxex: false }), true);
  const lex = (a: string, b: string): boolean => lexRangeEmpty(parseLexRange(B(a), B(b))!);
  assert.equal(lex('-', '+'), false);
  assert.equal(lex('+', '-'), true);
  assert.equal(lex('-', '-'), true);
  assert.equal(lex('+', '+'), true);
  assert.equal(lex('[a', '[a'), false);
  assert.equal(lex('(a', '[a'), true);
  assert.equal(lex('[b', '[a'), true);
  assert.equal(lex('[a', '+'), false);
  assert.equal(lex('+', '[a'), true);
  assert.equal(lex('[a', '-'), true);
});
