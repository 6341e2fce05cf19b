// Sorted-set range bounds: score intervals ("(1.5", "-inf", "+inf") and lex intervals ("[a", "(b", "-",
// "+"), parsed exactly as Redis 7's zslParseRange / zslParseLexRangeItem, and the membership tests the
// range commands use (zslValueGteMin, zslLexValueLteMax, ...).
// Invariants: a parsed score bound is never NaN; a lex bound is -inf ("-"), +inf ("+") or a byte string
// (latin1), each with its own exclusive flag ("-" and "+" are exclusive, as in Redis).

import { parseStrtod } from '../util/numbers.ts';

export interface ScoreRange {
  min: number;
  max: number;
  minex: boolean;
  maxex: boolean;
}

export const LEX_NEG_INF = -1;
export const LEX_STRING = 0;
export const LEX_POS_INF = 1;

export interface LexBound {
  kind: -1 | 0 | 1;
  s: string;
  ex: boolean;
}

export interface LexRange {
  min: LexBound;
  max: LexBound;
}

function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** One score bound; null when Redis's strtod check fails. The C string ends at a NUL byte. */
function parseScoreBound(arg: Buffer): { v: number; ex: boolean } | null {
  const nul = arg.indexOf(0);
  let s = nul >= 0 ? arg.subarray(0, nul) : arg;
  let ex = false;
  if (s.length > 0 && s[0] === 0x28 /* ( */) {
    ex = true;
    s = s.subarray(1);
  }
  // strtod of "" converts nothing and stops at the terminator: Redis takes that as 0.
  if (s.length === 0) return { v: 0, ex };
  let i = 0;
  while (i < s.length && isSpace(s[i])) i++;
  if (i === s.length) return null; // nothing converted: the end pointer is on a space
  const v = parseStrtod(i === 0 ? s : s.subarray(i));
  return v === null ? null : { v, ex };
}

/** Redis zslParseRange: null means "ERR min or max is not a float". */
export function parseScoreRange(min: Buffer, max: Buffer): ScoreRange | null {
  const a = parseScoreBound(min);
  if (a === null) return null;
  const b = parseScoreBound(max);
  if (b === null) return null;
  return { min: a.v, max: b.v, minex: a.ex, maxex: b.ex };
}

/** Redis zslParseLexRangeItem: null when invalid. */
function parseLexBound(arg: Buffer): LexBound | null {
  if (arg.length === 0) return null;
  switch (arg[0]) {
    case 0x2b: // +
      return arg.length === 1 || arg[1] === 0 ? { kind: LEX_POS_INF, s: '', ex: true } : null;
    case 0x2d: // -
      return arg.length === 1 || arg[1] === 0 ? { kind: LEX_NEG_INF, s: '', ex: true } : null;
    case 0x28: // (
      return { kind: LEX_STRING, s: arg.latin1Slice(1, arg.length), ex: true };
    case 0x5b: // [
      return { kind: LEX_STRING, s: arg.latin1Slice(1, arg.length), ex: false };
    default:
      return null;
  }
}

/** Redis zsetParseLexRange: null means "ERR min or max not valid string range item". */
export function parseLexRange(min: Buffer, max: Buffer): LexRange | null {
  const a = parseLexBound(min);
  if (a === null) return null;
  const b = parseLexBound(max);
  if (b === null) return null;
  return { min: a, max: b };
}

export function scoreGteMin(v: number, r: ScoreRange): boolean {
  return r.minex ? v > r.min : v >= r.min;
}

export function scoreLteMax(v: number, r: ScoreRange): boolean {
  return r.maxex ? v < r.max : v <= r.max;
}

/** Ranges that can hold nothing (Redis's first test in zslIsInRange). */
export function scoreRangeEmpty(r: ScoreRange): boolean {
  return r.min > r.max || (r.min === r.max && (r.minex || r.maxex));
}

/** Redis sdscmplex(value, bound) for a member value. */
function lexCompare(value: string, b: LexBound): number {
  if (b.kind === LEX_NEG_INF) return 1;
  if (b.kind === LEX_POS_INF) return -1;
  return value < b.s ? -1 : value > b.s ? 1 : 0;
}

export function lexGteMin(v: string, r: LexRange): boolean {
  const c = lexCompare(v, r.min);
  return r.min.ex ? c > 0 : c >= 0;
}

export function lexLteMax(v: string, r: LexRange): boolean {
  const c = lexCompare(v, r.max);
  return r.max.ex ? c < 0 : c <= 0;
}

/** Redis's first test in zslIsInLexRange: sdscmplex(min, max) > 0, or == 0 with an exclusive end. */
export function lexRangeEmpty(r: LexRange): boolean {
  const a = r.min;
  const b = r.max;
  let c: number;
  if (a.kind === b.kind && a.kind !== LEX_STRING) c = 0;
  else if (a.kind === LEX_NEG_INF || b.kind === LEX_POS_INF) c = -1;
  else if (a.kind === LEX_POS_INF || b.kind === LEX_NEG_INF) c = 1;
  else c = a.s < b.s ? -1 : a.s > b.s ? 1 : 0;
  return c > 0 || (c === 0 && (a.ex || b.ex));
}
