// client-output-buffer-limit: Redis's per-class output limits ("normal 0 0 0 slave 268435456 67108864
// 60 pubsub 33554432 8388608 60") — parsing and merging CONFIG SET's value the way Redis 7.0 does,
// printing it as CONFIG GET shows it, and the check a client's output is held to.
// Invariants: the setting is kept as its canonical text (all three classes, CONFIG GET's form); a value
// CONFIG SET refuses changes nothing; a limit of 0 is no limit.

import { parseBytesExact } from './memory-size.ts';

export type OutputClass = 'normal' | 'replica' | 'pubsub';
const CLASSES: OutputClass[] = ['normal', 'replica', 'pubsub'];

export interface ClassLimit {
  /** Bytes; bigint because Redis takes any unsigned 64-bit size (it saturates, never refuses). */
  hard: bigint;
  soft: bigint;
  /** Seconds over the soft limit before the client is closed (a C int, as Redis keeps it). */
  softSeconds: number;
}

export type OutputLimits = Record<OutputClass, ClassLimit>;

export const DEFAULT_OUTPUT_LIMITS = 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60';

const WRONG_COUNT = 'Wrong number of arguments in buffer limit configuration.';
const BAD_CLASS = 'Invalid client class specified in buffer limit configuration.';
const BAD_VALUE = 'Error in hard, soft or soft_seconds setting in buffer limit configuration.';

function classByName(name: string): OutputClass | null {
  const l = name.toLowerCase();
  if (l === 'normal') return 'normal';
  if (l === 'slave' || l === 'replica') return 'replica';
  if (l === 'pubsub') return 'pubsub';
  return null;
}

/** C's strtoll over the whole token (leading spaces, a sign, digits; saturating), then the cast to int; null where Redis refuses. */
function softSecondsOf(s: string): number | null {
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-9]*)$/.exec(s);
  if (s === '') return 0;
  if (m === null || m[2] === '') return null;
  let v = BigInt(m[2]);
  if (m[1] === '-') v = -v;
  const LLONG_MAX = 9223372036854775807n;
  if (v > LLONG_MAX) v = LLONG_MAX;
  if (v < -LLONG_MAX - 1n) v = -LLONG_MAX - 1n;
  const asInt = Number(BigInt.asIntN(32, v));
  return asInt < 0 ? null : asInt;
}

/** Parses the canonical text (or any valid setting); classes not named keep `base`'s limits. */
export function parseOutputLimits(text: string, base?: OutputLimits): { limits: OutputLimits } | { error: string } {
  const limits: OutputLimits = base
    ? { normal: { ...base.normal }, replica: { ...base.replica }, pubsub: { ...base.pubsub } }
    : { normal: { hard: 0n, soft: 0n, softSeconds: 0 }, replica: { hard: 0n, soft: 0n, softSeconds: 0 }, pubsub: { hard: 0n, soft: 0n, softSeconds: 0 } };
  // Redis splits on single spaces: two spaces make an empty token.
  const v = text === '' ? [] : text.split(' ');
  if (v.length % 4 !== 0) return { error: WRONG_COUNT };
  for (let j = 0; j < v.length; j += 4) {
    const cls = classByName(v[j]);
    if (cls === null) return { error: BAD_CLASS };
    const hard = parseBytesExact(v[j + 1]);
    const soft = parseBytesExact(v[j + 2]);
    const softSeconds = softSecondsOf(v[j + 3]);
    if (hard === null || soft === null || softSeconds === null) return { error: BAD_VALUE };
    limits[cls] = { hard, soft, softSeconds };
  }
  return { limits };
}

/** CONFIG GET's text. */
export function formatOutputLimits(l: OutputLimits): string {
  return CLASSES.map((c) => `${c === 'replica' ? 'slave' : c} ${l[c].hard} ${l[c].soft} ${l[c].softSeconds}`).join(' ');
}

/** CONFIG SET client-output-buffer-limit: `raw` merged into the current setting; the new canonical text or Redis's error. */
export function mergeOutputLimits(current: string, raw: string): { value: string } | { error: string } {
  const base = parseOutputLimits(current);
  const r = parseOutputLimits(raw, 'limits' in base ? base.limits : undefined);
  return 'error' in r ? r : { value: formatOutputLimits(r.limits) };
}

/** The limits as numbers (a size past 2^53 is as good as none), parsed once per distinct setting. */
interface NumericLimit {
  hard: number;
  soft: number;
  softMs: number;
}
let cachedText = '';
let cached: Record<OutputClass, NumericLimit> | null = null;

function numericLimits(text: string): Record<OutputClass, NumericLimit> {
  if (cached !== null && text === cachedText) return cached;
  const r = parseOutputLimits(text);
  const l = 'limits' in r ? r.limits : (parseOutputLimits(DEFAULT_OUTPUT_LIMITS) as { limits: OutputLimits }).limits;
  const num = (b: bigint): number => (b > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(b));
  const out = {} as Record<OutputClass, NumericLimit>;
  for (const c of CLASSES) out[c] = { hard: num(l[c].hard), soft: num(l[c].soft), softMs: l[c].softSeconds * 1000 };
  cachedText = text;
  cached = out;
  return out;
}

/**
 * Redis's checkClientOutputBufferLimits for a client of class `cls` holding `used` bytes of output,
 * over its soft limit since `softSince` (ms, 0: not over it): -1 if it must be closed (hard limit
 * reached, or soft limit for longer than its seconds), else the new `softSince`.
 */
export function outputLimitCheck(text: string, cls: OutputClass, used: number, softSince: number): number {
  const l = numericLimits(text)[cls];
  if (l.hard !== 0 && used >= l.hard) return -1;
  if (l.soft === 0 || used < l.soft) return 0;
  const now = Date.now();
  if (softSince === 0) return now;
  return now - softSince > l.softMs ? -1 : softSince;
}
