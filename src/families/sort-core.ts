// SORT's pure parts, shared by the one-shard handler and the cross-shard coordinator: option parsing
// (Redis 7's sortCommandGeneric: order of checks, error texts), BY/GET patterns (lookupKeyByPattern,
// with its C-string reading of '#', '*' and '->'), the vector of elements to sort with its LIMIT
// window, the scores (strtod with Redis's conversion errors) and the order (sortCompare).
// Invariants: nothing here reads the keyspace; a vector's window is [start, end] over `items` (empty
// when end < start); sorting is stable, so ties (possible only with ALPHA BY) keep the source order,
// which is what the C library's merge sort gives Redis for a full sort.

import { QuickList } from '../engine/quicklist.ts';
import { SetValue } from '../engine/set-value.ts';
import { ZSet } from '../engine/zset.ts';
import { parseDoubleArg } from '../util/numbers.ts';
import { ERR_NOT_INTEGER, ERR_SYNTAX, isWord, parseInteger } from './family-util.ts';

export interface SortOptions {
  desc: boolean;
  alpha: boolean;
  /** LIMIT offset and count as given (clamped to the safe-integer range; 0 and -1 without LIMIT). */
  limitStart: number;
  limitCount: number;
  store: Buffer | null;
  /** The last BY pattern, or null. */
  by: Buffer | null;
  /** Some BY pattern has no '*': nothing is sorted and no weight is looked up. */
  dontSort: boolean;
  gets: Buffer[];
}

const ASTERISK = 0x2a;

/** The length of `b` read as a C string (up to its first NUL byte). */
function cLength(b: Buffer): number {
  const z = b.indexOf(0);
  return z < 0 ? b.length : z;
}

/** strchr(p, '*'): the index of the first '*' before any NUL byte, or -1. */
function starOf(p: Buffer): number {
  const at = p.indexOf(ASTERISK);
  return at >= 0 && at < cLength(p) ? at : -1;
}

function clampLong(v: number | bigint): number {
  if (typeof v === 'number') return v;
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : -Number.MAX_SAFE_INTEGER;
}

/**
 * SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA] [STORE destination]
 * options from args[from] on (SORT_RO: `readonly`, STORE is a syntax error); an error text when invalid.
 */
export function parseSort(args: Buffer[], from: number, readonly: boolean): SortOptions | string {
  const o: SortOptions = { desc: false, alpha: false, limitStart: 0, limitCount: -1, store: null, by: null, dontSort: false, gets: [] };
  const argc = args.length;
  for (let j = from; j < argc; j++) {
    const a = args[j];
    const left = argc - j - 1;
    if (isWord(a, 'ASC')) o.desc = false;
    else if (isWord(a, 'DESC')) o.desc = true;
    else if (isWord(a, 'ALPHA')) o.alpha = true;
    else if (isWord(a, 'LIMIT') && left >= 2) {
      const start = parseInteger(args[j + 1]);
      if (start === null) return ERR_NOT_INTEGER;
      const count = parseInteger(args[j + 2]);
      if (count === null) return ERR_NOT_INTEGER;
      o.limitStart = clampLong(start);
      o.limitCount = clampLong(count);
      j += 2;
    } else if (!readonly && isWord(a, 'STORE') && left >= 1) {
      o.store = args[++j];
    } else if (isWord(a, 'BY') && left >= 1) {
      o.by = args[++j];
      if (starOf(o.by) < 0) o.dontSort = true;
    } else if (isWord(a, 'GET') && left >= 1) {
      o.gets.push(args[++j]);
    } else return ERR_SYNTAX;
  }
  return o;
}

/** Redis sortGetKeys / sortROGetKeys: the source key, and the last STORE destination (key spec 2). */
export function sortKeyPositions(args: Buffer[], readonly: boolean): { pos: number; spec: number }[] {
  const out = [{ pos: 1, spec: 0 }];
  if (readonly) return out;
  let store = -1;
  for (let i = 2; i < args.length; i++) {
    const a = args[i];
    if (isWord(a, 'LIMIT')) i += 2;
    else if (isWord(a, 'GET') || isWord(a, 'BY')) i += 1;
    else if (isWord(a, 'STORE') && i + 1 < args.length) store = i + 1;
  }
  if (store > 0) out.push({ pos: store, spec: 2 });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Patterns
// ---------------------------------------------------------------------------------------------

/** The pattern is '#': the element itself. */
export const PAT_SELF = 0;
/** The pattern has no '*': it gives nothing. */
export const PAT_NONE = 1;
/** prefix + element + postfix names a string key, or a hash key and its field. */
export const PAT_KEY = 2;

export interface Pattern {
  kind: typeof PAT_SELF | typeof PAT_NONE | typeof PAT_KEY;
  prefix: Buffer;
  postfix: Buffer;
  /** The hash field after '->' (never empty), or null for a string key. */
  field: Buffer | null;
}

const NO_BYTES = Buffer.alloc(0);

/** Reads a BY/GET pattern as lookupKeyByPattern does (its '#', '*' and '->' tests stop at a NUL byte). */
export function compilePattern(p: Buffer): Pattern {
  if (p.length > 0 && p[0] === 0x23 && (p.length === 1 || p[1] === 0)) return { kind: PAT_SELF, prefix: NO_BYTES, postfix: NO_BYTES, field: null };
  const star = starOf(p);
  if (star < 0) return { kind: PAT_NONE, prefix: NO_BYTES, postfix: NO_BYTES, field: null };
  const clen = cLength(p);
  // strstr(star + 1, "->"), and the byte after the arrow must not end the C string.
  let arrow = -1;
  for (let i = star + 1; i + 1 < clen; i++) {
    if (p[i] === 0x2d && p[i + 1] === 0x3e) {
      arrow = i;
      break;
    }
  }
  if (arrow >= 0 && arrow + 2 < clen) {
    return { kind: PAT_KEY, prefix: p.subarray(0, star), postfix: p.subarray(star + 1, arrow), field: p.subarray(arrow + 2) };
  }
  return { kind: PAT_KEY, prefix: p.subarray(0, star), postfix: p.subarray(star + 1), field: null };
}

/** The key a PAT_KEY pattern names for `element`. */
export function patternKey(p: Pattern, element: Buffer): Buffer {
  return Buffer.concat([p.prefix, element, p.postfix]);
}

/**
 * A key in the hash slot of every key a PAT_KEY pattern can name, or null when that slot depends on
 * the element: only a non-empty {tag} wholly before the '*' pins it (the key's first '{' and the
 * first '}' after it are both in the fixed prefix).
 */
export function patternTagKey(p: Pattern): Buffer | null {
  const pre = p.prefix;
  const open = pre.indexOf(0x7b);
  if (open < 0) return null;
  const close = pre.indexOf(0x7d, open + 1);
  if (close < 0 || close === open + 1) return null;
  return pre.subarray(open, close + 1);
}

/**
 * The patterns a SORT looks keys up with: the BY pattern when it weighs elements, and the GET
 * patterns that name keys.
 */
export function lookupPatterns(o: SortOptions): Pattern[] {
  const out: Pattern[] = [];
  if (o.by !== null && !o.dontSort) out.push(compilePattern(o.by));
  for (const g of o.gets) {
    const p = compilePattern(g);
    if (p.kind === PAT_KEY) out.push(p);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The vector
// ---------------------------------------------------------------------------------------------

/** What loading the vector depends on: every option but the GET patterns. */
export type LoadOptions = Omit<SortOptions, 'gets'>;

export interface SortVector {
  items: Buffer[];
  /** The window of items to output, inclusive (empty when end < start). */
  start: number;
  end: number;
  /** Whether items are to be sorted (false: BY without '*', output in source order). */
  sort: boolean;
  alpha: boolean;
  /** The BY pattern weighing the elements (null: the elements weigh themselves). */
  by: Buffer | null;
}

/**
 * The elements SORT works on, as sortCommandGeneric loads them: a list or sorted set that is not
 * sorted yields only its LIMIT window, in source order (reversed for DESC); a set that is not sorted
 * but STOREd is sorted ALPHA instead (a deterministic result). A missing key is an empty list. A
 * sorted set must already be in the skiplist encoding (Redis converts it first).
 */
export function loadVector(value: QuickList | SetValue | ZSet | undefined, o: LoadOptions): SortVector {
  let dontSort = o.dontSort;
  let alpha = o.alpha;
  let by = o.by;
  if (dontSort && value instanceof SetValue && o.store !== null) {
    dontSort = false;
    alpha = true;
    by = null;
  }
  const len = value === undefined ? 0 : value instanceof QuickList ? value.length : value.size;
  let start = Math.min(Math.max(o.limitStart, 0), len);
  const count = Math.min(Math.max(o.limitCount, -1), len);
  let end = count < 0 ? len - 1 : start + count - 1;
  if (start >= len) {
    start = len - 1;
    end = len - 2;
  }
  if (end >= len) end = len - 1;
  const items: Buffer[] = [];
  const v: SortVector = { items, start, end, sort: !dontSort, alpha, by };
  if (value === undefined) return v;
  const ranged = !(value instanceof SetValue) && dontSort;
  if (ranged) {
    // Only the window, then the window is all of it.
    const n = end - start + 1;
    if (n > 0) {
      if (value instanceof QuickList) {
        const cur = value.cursor(o.desc ? len - start - 1 : start, !o.desc);
        while (items.length < n && cur.next()) items.push(Buffer.from(cur.view()));
      } else {
        (value as ZSet).walk(o.desc ? len - start - 1 : start, o.desc, (m) => items.push(Buffer.from(m, 'latin1')) < n);
      }
    }
    if (value instanceof ZSet || n > 0) {
      v.end = end - start;
      v.start = 0;
    }
    return v;
  }
  if (value instanceof QuickList) value.forEach((buf, off, n) => items.push(Buffer.from(buf.subarray(off, off + n))));
  else if (value instanceof SetValue) value.forEach((m) => items.push(Buffer.from(m, 'latin1')));
  else value.forEach((m) => items.push(Buffer.from(m, 'latin1')));
  return v;
}

// ---------------------------------------------------------------------------------------------
// Scores and order
// ---------------------------------------------------------------------------------------------

/**
 * A numeric weight as SORT reads it (strtod over the C string; the whole of it must be a number, and
 * out-of-range results are errors: overflow, underflow, an inexact denormal); null on error. An empty
 * string weighs 0; leading white space is skipped.
 */
export function sortScore(b: Buffer): number | null {
  const s = b.subarray(0, cLength(b));
  if (s.length === 0) return 0;
  let i = 0;
  while (i < s.length && (s[i] === 0x20 || (s[i] >= 0x09 && s[i] <= 0x0d))) i++;
  if (i === s.length) return null;
  const rest = s.subarray(i);
  const v = parseDoubleArg(rest);
  if (v === null) return null;
  if (v !== 0 && Math.abs(v) < 2.2250738585072014e-308 && !denormalIsExact(rest.toString('latin1'), v)) return null;
  return v;
}

/** Whether the literal `text` (decimal or hex float) is exactly the denormal `v` (glibc sets ERANGE when not). */
function denormalIsExact(text: string, v: number): boolean {
  // v = m * 2^-1074 exactly (scaling by powers of two is exact here).
  const m = BigInt(Math.abs(v) * 2 ** 537 * 2 ** 537);
  const hex = /^[+-]?0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/.exec(text);
  if (hex !== null) {
    const frac = hex[2] ?? '';
    const mant = BigInt('0x' + (hex[1] + frac || '0'));
    const k = Number(hex[3] ?? '0') - 4 * frac.length + 1074; // value = mant * 2^(k - 1074)
    return k >= 0 ? mant << BigInt(k) === m : mant === m << BigInt(-k);
  }
  const dec = /^[+-]?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (dec === null) return false;
  const frac = dec[2] ?? '';
  const digits = BigInt((dec[1] + frac).replace(/^0+/, '') || '0');
  const e10 = Number(dec[3] ?? '0') - frac.length; // value = digits * 10^e10
  // digits * 10^e10 == m * 2^-1074  <=>  digits * 2^1074 * 10^max(e10,0) == m * 10^max(-e10,0)
  const left = digits * (1n << 1074n) * (e10 > 0 ? 10n ** BigInt(e10) : 1n);
  const right = m * (e10 < 0 ? 10n ** BigInt(-e10) : 1n);
  return left === right;
}

/** strcmp: bytes compared up to the first NUL of either (strcoll in the C locale). */
function compareC(a: Buffer, b: Buffer): number {
  return Buffer.compare(a.subarray(0, cLength(a)), b.subarray(0, cLength(b)));
}

/**
 * Sorts the vector as sortCompare orders it. `weights` (when the vector is sorted BY a pattern) holds
 * each item's looked-up value, null where there is none. Numeric sorts weigh each item by its weight
 * (a missing one weighs 0) or itself, ties going to the items' bytes; ALPHA compares weights (missing
 * first) or items, as C strings unless STOREd (then as binary). Returns false, after sorting anyway,
 * when a weight is not a number (the reply is then an error).
 */
export function sortVector(v: SortVector, weights: (Buffer | null)[] | null, store: boolean, desc: boolean): boolean {
  const n = v.items.length;
  const order: number[] = new Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const items = v.items;
  let ok = true;
  let cmp: (a: number, b: number) => number;
  if (!v.alpha) {
    const scores = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const w = weights === null ? items[i] : weights[i];
      if (w === null) continue;
      const s = sortScore(w);
      if (s === null) ok = false;
      else scores[i] = s;
    }
    cmp = (a, b) => (scores[a] > scores[b] ? 1 : scores[a] < scores[b] ? -1 : Buffer.compare(items[a], items[b]));
  } else if (weights !== null) {
    const byte = store ? Buffer.compare : compareC;
    cmp = (a, b) => {
      const x = weights[a];
      const y = weights[b];
      if (x === null || y === null) return x === y ? 0 : x === null ? -1 : 1;
      return byte(x, y);
    };
  } else {
    const byte = store ? Buffer.compare : compareC;
    cmp = (a, b) => byte(items[a], items[b]);
  }
  order.sort(desc ? (a, b) => -cmp(a, b) : cmp);
  const sorted = order.map((i) => items[i]);
  for (let i = 0; i < n; i++) items[i] = sorted[i];
  return ok;
}

export const ERR_SORT_SCORE = "ERR One or more scores can't be converted into double";
