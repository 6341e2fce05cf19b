// List commands, byte-exact against a real redis-server: every case goes to Redis and to Damselfly
// (1 and 3 shard threads) in RESP2 and RESP3 and the raw replies must be identical. Keys placed with
// `k.on(shard, name)` land on that shard of a 3-thread server, so LMOVE/RPOPLPUSH/LMPOP/COPY/RENAME
// run their cross-shard hops there (and their single-shard path with 1 thread). A seeded random
// sequence of list commands closes each server's run. Skips when redis-server is not installed.
// OBJECT ENCODING of a list is the one documented difference (README "Known differences",
// docs/encodings.md): Damselfly answers as Redis 7.2 (`listpack` for a small list), 7.0.15 always
// `quicklist`, so in the comparison Damselfly's `listpack` reads as `quicklist`; the 7.2 answers and
// conversions are asserted on Damselfly alone at the end of this file.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  stopChecked,
  DEFAULT_NORMALIZERS, REDIS_AVAILABLE, SKIP_NO_REDIS, diff, rng, startDamselfly, startRedis, type Arg, type DiffOptions, type Normalizer,
  type ServerHandle,
} from '../../test/harness.ts';
import { assertSuite } from '../../test/collection-suites.ts';
import { listEncodingAs70 } from '../../test/reply-normalizers.ts';
import { shardOfKey } from '../runtime/slots.ts';

interface Keys {
  (name: string): string;
  /** A key of this case that lives on `shard` of a 3-thread server. */
  on(shard: number, name: string): string;
}

interface Case {
  name: string;
  cmds: (k: Keys) => Arg[][];
}

const c = (name: string, cmds: (k: Keys) => Arg[][]): Case => ({ name, cmds });

const ALL_BYTES = Buffer.alloc(256);
for (let i = 0; i < 256; i++) ALL_BYTES[i] = i;
const BIG = 'b'.repeat(20_000);
const I64_MIN = '-9223372036854775808';
const I64_MAX = '9223372036854775807';

/** LRANGE start/stop pairs around the ends of a 6-element list. */
const RANGES: [string, string][] = [
  ['0', '-1'], ['0', '0'], ['2', '4'], ['4', '2'], ['-1', '-1'], ['-2', '-1'], ['-100', '100'], ['-100', '-7'], ['-100', '-6'],
  ['5', '100'], ['6', '100'], ['100', '200'], ['-1', '-2'], ['3', '-3'], ['3', '-4'], [I64_MIN, I64_MAX], [I64_MAX, I64_MIN], ['0', I64_MIN],
];

const CASES: Case[] = [
  // Pushes
  c('LPUSH / RPUSH several elements', (k) => [['LPUSH', k('l'), 'a', 'b', 'c'], ['RPUSH', k('l'), 'x', 'y'], ['LRANGE', k('l'), '0', '-1'], ['LLEN', k('l')]]),
  c('LPUSHX / RPUSHX on missing and existing keys', (k) => [
    ['LPUSHX', k('l'), 'a'], ['RPUSHX', k('l'), 'a', 'b'], ['EXISTS', k('l')],
    ['RPUSH', k('l'), 'm'], ['LPUSHX', k('l'), 'a', 'b'], ['RPUSHX', k('l'), 'y', 'z'], ['LRANGE', k('l'), '0', '-1'],
  ]),
  c('pushes on a key of another type', (k) => [
    ['SET', k('s'), 'v'], ['LPUSH', k('s'), 'a'], ['RPUSH', k('s'), 'a'], ['LPUSHX', k('s'), 'a'], ['RPUSHX', k('s'), 'a'], ['GET', k('s')],
  ]),
  c('push arity errors', (k) => [['LPUSH', k('l')], ['RPUSH'], ['LPUSHX', k('l')], ['RPUSHX', k('l')], ['EXISTS', k('l')]]),
  c('binary, empty and large elements', (k) => [
    ['RPUSH', k('l'), ALL_BYTES, '', BIG, 'a\r\nb', '\x00'], ['LRANGE', k('l'), '0', '-1'], ['LINDEX', k('l'), '2'], ['LPOS', k('l'), ''],
    ['LPOS', k('l'), BIG], ['LREM', k('l'), '0', BIG], ['LLEN', k('l')], ['RPOP', k('l'), '10'],
  ]),
  c('numbers stay as given', (k) => [
    ['RPUSH', k('l'), '1', '-1', '007', '1.5', I64_MAX, I64_MIN, '9223372036854775808', '+1', ' 1', '0', '-0'],
    ['LRANGE', k('l'), '0', '-1'], ['LPOS', k('l'), '7'], ['LPOS', k('l'), '007'], ['LREM', k('l'), '0', '-0'], ['LRANGE', k('l'), '0', '-1'],
  ]),

  // Pops
  c('LPOP / RPOP without count', (k) => [
    ['RPUSH', k('l'), 'a', 'b', 'c'], ['LPOP', k('l')], ['RPOP', k('l')], ['LPOP', k('l')], ['LPOP', k('l')], ['RPOP', k('l')], ['EXISTS', k('l')],
  ]),
  c('LPOP / RPOP with counts', (k) => [
    ['RPUSH', k('l'), 'a', 'b', 'c', 'd', 'e', 'f'], ['LPOP', k('l'), '0'], ['LPOP', k('l'), '1'], ['RPOP', k('l'), '2'], ['LPOP', k('l'), '2'],
    ['RPOP', k('l'), '100'], ['EXISTS', k('l')], ['LPOP', k('l'), '0'], ['RPOP', k('l'), '1'], ['LPOP', k('l')],
  ]),
  c('pop count errors and their order', (k) => [
    ['RPUSH', k('l'), 'a'], ['LPOP', k('l'), '-1'], ['RPOP', k('l'), 'x'], ['LPOP', k('l'), '1.0'], ['LPOP', k('l'), ''], ['LPOP', k('l'), I64_MAX],
    ['LPOP', k('nokey'), '-1'], ['SET', k('s'), 'v'], ['LPOP', k('s'), '-1'], ['LPOP', k('s'), '0'], ['RPOP', k('s')], ['LPOP', k('s'), '2'],
    ['LPOP', k('l'), '1', '2'], ['RPOP', k('l'), '1', '2', '3'], ['LPOP'], ['LRANGE', k('l'), '0', '-1'],
  ]),
  c('pop on a missing key: nil bulk, or nil array with a count', (k) => [
    ['LPOP', k('nokey')], ['RPOP', k('nokey')], ['LPOP', k('nokey'), '0'], ['RPOP', k('nokey'), '3'],
  ]),

  // LLEN LRANGE LINDEX
  c('LLEN', (k) => [['LLEN', k('nokey')], ['RPUSH', k('l'), 'a', 'b'], ['LLEN', k('l')], ['SET', k('s'), 'v'], ['LLEN', k('s')]]),
  c('LRANGE index rules', (k) => [['RPUSH', k('l'), 'a', 'b', 'c', 'd', 'e', 'f'], ...RANGES.map(([s, e]): Arg[] => ['LRANGE', k('l'), s, e])]),
  c('LRANGE errors: indexes are parsed before the key is looked up', (k) => [
    ['LRANGE', k('nokey'), 'x', '1'], ['LRANGE', k('nokey'), '0', '1.5'], ['LRANGE', k('nokey'), '0', '1'], ['SET', k('s'), 'v'],
    ['LRANGE', k('s'), 'x', '1'], ['LRANGE', k('s'), '0', '1'], ['LRANGE', k('s'), '0', '9223372036854775808'], ['LRANGE', k('s')],
  ]),
  c('LINDEX', (k) => [
    ['RPUSH', k('l'), 'a', 'b', 'c'],
    ...['0', '1', '2', '3', '-1', '-3', '-4', I64_MAX, I64_MIN, '100'].map((i): Arg[] => ['LINDEX', k('l'), i]),
    ['LINDEX', k('l'), 'x'], ['LINDEX', k('nokey'), 'x'], ['LINDEX', k('nokey'), '0'], ['SET', k('s'), 'v'], ['LINDEX', k('s'), 'x'], ['LINDEX', k('s'), '0'],
  ]),

  // LSET LINSERT
  c('LSET', (k) => [
    ['LSET', k('nokey'), '0', 'x'], ['LSET', k('nokey'), 'x', 'x'], ['RPUSH', k('l'), 'a', 'b', 'c'], ['LSET', k('l'), '0', 'A'], ['LSET', k('l'), '-1', 'C'],
    ['LSET', k('l'), '3', 'x'], ['LSET', k('l'), '-4', 'x'], ['LSET', k('l'), 'x', 'x'], ['LSET', k('l'), '1', BIG], ['LSET', k('l'), '1', ''],
    ['LRANGE', k('l'), '0', '-1'], ['SET', k('s'), 'v'], ['LSET', k('s'), '0', 'x'], ['LSET', k('s'), 'x', 'x'],
  ]),
  c('LINSERT', (k) => [
    ['LINSERT', k('nokey'), 'BEFORE', 'a', 'x'], ['LINSERT', k('nokey'), 'MIDDLE', 'a', 'x'], ['RPUSH', k('l'), 'a', 'b', 'a'],
    ['LINSERT', k('l'), 'BEFORE', 'a', 'x'], ['LINSERT', k('l'), 'after', 'a', 'y'], ['LINSERT', k('l'), 'After', 'b', 'z'],
    ['LINSERT', k('l'), 'BEFORE', 'nope', 'x'], ['LINSERT', k('l'), 'BEFOR', 'a', 'x'], ['LINSERT', k('l'), 'AFTER', 'a', BIG], ['LRANGE', k('l'), '0', '-1'],
    ['SET', k('s'), 'v'], ['LINSERT', k('s'), 'BEFORE', 'a', 'x'], ['LINSERT', k('s'), 'X', 'a', 'x'], ['LINSERT', k('l'), 'BEFORE', 'a'],
  ]),

  // LREM LTRIM
  c('LREM counts from either end', (k) => [
    ['RPUSH', k('l'), 'a', 'b', 'a', 'c', 'a', 'b', 'a'], ['LREM', k('l'), '1', 'a'], ['LRANGE', k('l'), '0', '-1'], ['LREM', k('l'), '-2', 'a'],
    ['LRANGE', k('l'), '0', '-1'], ['LREM', k('l'), '0', 'b'], ['LRANGE', k('l'), '0', '-1'], ['LREM', k('l'), '5', 'zz'], ['LREM', k('l'), '0', 'a'],
    ['LREM', k('l'), '0', 'c'], ['EXISTS', k('l')],
  ]),
  c('LREM extremes and errors', (k) => [
    ['RPUSH', k('l'), 'a', 'b', 'a'], ['LREM', k('l'), I64_MIN, 'a'], ['LRANGE', k('l'), '0', '-1'], ['RPUSH', k('l'), 'a', 'a'], ['LREM', k('l'), I64_MAX, 'a'],
    ['LREM', k('l'), 'x', 'a'], ['LREM', k('nokey'), 'x', 'a'], ['LREM', k('nokey'), '0', 'a'], ['SET', k('s'), 'v'], ['LREM', k('s'), '0', 'a'], ['LREM', k('s'), 'x', 'a'],
  ]),
  c('LTRIM', (k) => [
    ...RANGES.flatMap(([s, e]): Arg[][] => [['DEL', k('l')], ['RPUSH', k('l'), 'a', 'b', 'c', 'd', 'e', 'f'], ['LTRIM', k('l'), s, e], ['LRANGE', k('l'), '0', '-1'], ['EXISTS', k('l')]]),
  ]),
  c('LTRIM errors', (k) => [
    ['LTRIM', k('nokey'), '0', '1'], ['LTRIM', k('nokey'), 'a', '1'], ['SET', k('s'), 'v'], ['LTRIM', k('s'), '0', '1'], ['LTRIM', k('s'), '0', 'x'], ['EXISTS', k('nokey')],
  ]),

  // LPOS
  c('LPOS RANK COUNT MAXLEN', (k) => [
    ['RPUSH', k('l'), 'a', 'b', 'c', 'a', 'b', 'c', 'a'],
    ...[
      [], ['RANK', '1'], ['RANK', '2'], ['RANK', '3'], ['RANK', '4'], ['RANK', '-1'], ['RANK', '-2'], ['RANK', '-4'], ['COUNT', '0'], ['COUNT', '2'],
      ['COUNT', '10'], ['RANK', '2', 'COUNT', '0'], ['RANK', '-1', 'COUNT', '2'], ['RANK', '-2', 'COUNT', '0'], ['MAXLEN', '1'], ['MAXLEN', '3'],
      ['MAXLEN', '4', 'COUNT', '0'], ['RANK', '-1', 'MAXLEN', '1'], ['RANK', '-1', 'MAXLEN', '2', 'COUNT', '0'], ['RANK', '2', 'MAXLEN', '3'],
      ['count', '1', 'rank', '2', 'maxlen', '0'], ['RANK', '1', 'RANK', '2'], ['RANK', I64_MAX], ['RANK', I64_MIN], ['RANK', I64_MIN, 'COUNT', '1'],
      ['RANK', I64_MIN, 'COUNT', '0', 'MAXLEN', '4'], ['RANK', '-9223372036854775807', 'COUNT', '0'], ['COUNT', I64_MAX], ['MAXLEN', I64_MAX],
    ].map((opts): Arg[] => ['LPOS', k('l'), 'a', ...opts]),
    ['LPOS', k('l'), 'zz'], ['LPOS', k('l'), 'zz', 'COUNT', '0'], ['LPOS', k('l'), 'c', 'RANK', '-1'],
  ]),
  c('LPOS errors and their order', (k) => [
    ['RPUSH', k('l'), 'a'],
    ...[
      ['RANK', '0'], ['RANK', 'x'], ['RANK', '1.0'], ['COUNT', '-1'], ['COUNT', 'x'], ['MAXLEN', '-1'], ['MAXLEN', 'x'], ['FOO'], ['RANK'], ['COUNT'],
      ['MAXLEN'], ['RANK', '1', 'FOO'], ['RANK', '0', 'COUNT', '-1'], ['COUNT', '-1', 'RANK', '0'], ['RANK', '1', 'COUNT'],
    ].map((opts): Arg[] => ['LPOS', k('l'), 'a', ...opts]),
    ['LPOS', k('nokey'), 'a'], ['LPOS', k('nokey'), 'a', 'COUNT', '1'], ['LPOS', k('nokey'), 'a', 'RANK', '0'], ['SET', k('s'), 'v'],
    ['LPOS', k('s'), 'a'], ['LPOS', k('s'), 'a', 'RANK', '0'], ['LPOS', k('s'), 'a', 'COUNT', '1'], ['LPOS', k('l')],
  ]),

  // LMOVE RPOPLPUSH
  c('LMOVE in all four directions across shards', (k) => {
    const a = k.on(0, 'a');
    const b = k.on(1, 'b');
    return [
      ['RPUSH', a, '1', '2', '3', '4'], ['RPUSH', b, 'x'], ['LMOVE', a, b, 'LEFT', 'LEFT'], ['LMOVE', a, b, 'LEFT', 'RIGHT'], ['LMOVE', a, b, 'right', 'left'],
      ['LMOVE', a, b, 'RIGHT', 'RIGHT'], ['LRANGE', b, '0', '-1'], ['EXISTS', a], ['LMOVE', a, b, 'LEFT', 'LEFT'], ['LMOVE', b, k.on(2, 'new'), 'LEFT', 'RIGHT'],
      ['LRANGE', k.on(2, 'new'), '0', '-1'], ['TYPE', k.on(2, 'new')],
    ];
  }),
  c('LMOVE on one key and within a slot', (k) => [
    ['RPUSH', k('l'), '1', '2', '3'], ['LMOVE', k('l'), k('l'), 'LEFT', 'RIGHT'], ['LMOVE', k('l'), k('l'), 'RIGHT', 'LEFT'], ['LMOVE', k('l'), k('l'), 'LEFT', 'LEFT'],
    ['LRANGE', k('l'), '0', '-1'], ['RPUSH', k('one'), 'x'], ['LMOVE', k('one'), k('one'), 'LEFT', 'RIGHT'], ['LRANGE', k('one'), '0', '-1'],
    ['RPUSH', `{${k('t')}}1`, 'a', 'b'], ['LMOVE', `{${k('t')}}1`, `{${k('t')}}2`, 'RIGHT', 'LEFT'], ['LMOVE', `{${k('t')}}1`, `{${k('t')}}2`, 'RIGHT', 'LEFT'],
    ['EXISTS', `{${k('t')}}1`], ['LRANGE', `{${k('t')}}2`, '0', '-1'],
  ]),
  c('LMOVE type checks: source first, destination before popping', (k) => {
    const l = k.on(0, 'l');
    const s = k.on(1, 's');
    const missing = k.on(2, 'missing');
    const s2 = k.on(0, 's2');
    return [
      ['RPUSH', l, 'a', 'b'], ['SET', s, 'v'], ['SET', s2, 'v'], ['LMOVE', l, s, 'LEFT', 'RIGHT'], ['LMOVE', l, s2, 'LEFT', 'RIGHT'], ['LRANGE', l, '0', '-1'],
      ['LMOVE', s, l, 'LEFT', 'RIGHT'], ['LMOVE', s2, l, 'LEFT', 'RIGHT'], ['LMOVE', missing, s, 'LEFT', 'RIGHT'], ['LMOVE', missing, l, 'LEFT', 'RIGHT'],
      ['LMOVE', s, s2, 'LEFT', 'RIGHT'], ['LMOVE', s, s, 'LEFT', 'RIGHT'], ['RPOPLPUSH', l, s], ['RPOPLPUSH', missing, s], ['RPOPLPUSH', s, l], ['LRANGE', l, '0', '-1'],
      ['EXISTS', missing], ['GET', s],
    ];
  }),
  c('LMOVE syntax errors come before any lookup', (k) => [
    ['SET', k.on(0, 's'), 'v'], ['LMOVE', k.on(0, 's'), k.on(1, 'd'), 'UP', 'LEFT'], ['LMOVE', k.on(2, 'x'), k.on(1, 'd'), 'LEFT', 'DOWN'],
    ['LMOVE', k('a'), k('b'), 'LEFTX', 'LEFT'], ['LMOVE', k('a'), k('b'), 'LEFT'], ['LMOVE', k('a'), k('b'), 'LEFT', 'LEFT', 'LEFT'],
  ]),
  c('RPOPLPUSH across shards and on one key', (k) => {
    const a = k.on(0, 'a');
    const b = k.on(2, 'b');
    return [
      ['RPUSH', a, '1', '2', '3'], ['RPOPLPUSH', a, b], ['RPOPLPUSH', a, b], ['LRANGE', b, '0', '-1'], ['RPOPLPUSH', b, b], ['LRANGE', b, '0', '-1'],
      ['RPOPLPUSH', a, b], ['RPOPLPUSH', a, b], ['EXISTS', a], ['LRANGE', b, '0', '-1'], ['RPOPLPUSH', a], ['RPOPLPUSH', a, b, 'c'],
    ];
  }),

  // LMPOP
  c('LMPOP pops from the first non-empty list, keys across shards', (k) => {
    const [a, b, cc] = [k.on(0, 'a'), k.on(1, 'b'), k.on(2, 'c')];
    return [
      ['RPUSH', b, '1', '2', '3', '4'], ['RPUSH', cc, 'x'], ['LMPOP', '3', a, b, cc, 'LEFT'], ['LMPOP', '3', a, b, cc, 'RIGHT', 'COUNT', '2'],
      ['LMPOP', '2', a, b, 'left', 'count', '10'], ['EXISTS', b], ['LMPOP', '3', a, b, cc, 'RIGHT', 'COUNT', '5'], ['LMPOP', '3', a, b, cc, 'LEFT'],
      ['LMPOP', '1', a, 'LEFT'], ['LMPOP', '1', a, 'RIGHT', 'COUNT', '1'],
    ];
  }),
  c('LMPOP type errors stop at the first wrong key only', (k) => {
    const [a, s, l] = [k.on(0, 'a'), k.on(1, 's'), k.on(2, 'l')];
    return [
      ['SET', s, 'v'], ['RPUSH', l, 'x', 'y'], ['LMPOP', '3', a, s, l, 'LEFT'], ['LMPOP', '3', a, l, s, 'LEFT'], ['LMPOP', '2', l, s, 'RIGHT', 'COUNT', '3'],
      ['LMPOP', '2', a, s, 'LEFT'], ['LMPOP', '1', s, 'LEFT'], ['LMPOP', '2', a, l, 'LEFT'], ['GET', s],
    ];
  }),
  c('LMPOP argument errors', (k) => [
    ['RPUSH', k('l'), 'a'],
    ...[
      ['0', k('l'), 'LEFT'], ['-1', k('l'), 'LEFT'], ['x', k('l'), 'LEFT'], ['1.0', k('l'), 'LEFT'], ['+1', k('l'), 'LEFT'], ['2', k('l'), 'LEFT'],
      ['5', k('l'), 'LEFT'], ['1', k('l'), 'MIDDLE'], ['1', k('l'), 'LEFT', 'COUNT', '0'], ['1', k('l'), 'LEFT', 'COUNT', '-1'], ['1', k('l'), 'LEFT', 'COUNT', 'x'],
      ['1', k('l'), 'LEFT', 'COUNT'], ['1', k('l'), 'LEFT', 'COUNT', '1', 'COUNT', '1'], ['1', k('l'), 'LEFT', 'FOO'], ['1', k('l')], ['2', k('l'), k('x')],
      ['1', k('l'), 'LEFT', 'COUNT', I64_MAX], ['2', k.on(0, 'p'), k.on(1, 'q'), 'UP'], ['3', k.on(0, 'p'), k.on(1, 'q'), 'LEFT'],
    ].map((a): Arg[] => ['LMPOP', ...a]),
    ['LMPOP', '1'],
  ]),

  // The list type in the keyspace commands
  c('TYPE, OBJECT ENCODING as lists grow and shrink', (k) => [
    ['RPUSH', k('l'), 'a'], ['TYPE', k('l')], ['OBJECT', 'ENCODING', k('l')], ...Array.from({ length: 20 }, (): Arg[] => ['RPUSH', k('l'), BIG]),
    ['OBJECT', 'ENCODING', k('l')], ['LTRIM', k('l'), '0', '0'], ['OBJECT', 'ENCODING', k('l')], ['RPUSH', k('l'), 'x'.repeat(10_000)], ['OBJECT', 'ENCODING', k('l')],
  ]),
  c('COPY, RENAME and MOVE of lists', (k) => {
    const [a, b, cc] = [k.on(0, 'a'), k.on(1, 'b'), k.on(2, 'c')];
    return [
      ['RPUSH', a, '1', '2', BIG, '3'], ['COPY', a, b], ['LPUSH', b, '0'], ['LRANGE', a, '0', '-1'], ['LRANGE', b, '0', '-1'], ['RENAME', b, cc],
      ['LRANGE', cc, '0', '-1'], ['EXISTS', b], ['COPY', a, `{${a}}x`], ['RPOP', `{${a}}x`], ['LLEN', a], ['MOVE', cc, '1'], ['EXISTS', cc],
      ['SELECT', '1'], ['LRANGE', cc, '0', '-1'], ['DEL', cc], ['SELECT', '0'], ['DEL', a], ['EXISTS', a],
    ];
  }),
  c('list-max-listpack-size and its alias', () => [
    ['CONFIG', 'GET', 'list-max-listpack-size'], ['CONFIG', 'GET', 'list-max-ziplist-size'], ['CONFIG', 'GET', 'list-compress-depth'],
    ['CONFIG', 'SET', 'list-max-ziplist-size', 'x'], ['CONFIG', 'SET', 'list-max-listpack-size', '99999999999'], ['CONFIG', 'SET', 'list-compress-depth', '-1'],
    ['CONFIG', 'SET', 'list-max-listpack-size', '1', 'LIST-max-listpack-size', '2'],
  ]),
];

/** Small fills make chunks split and merge on every few elements; the default (-2) is the last. */
const FILLS = ['3', '1', '-1', '-2'];

/** A seeded random sequence of list commands over a few keys (one of them a string). */
function randomCommands(seed: number, keys: string[], count: number): Arg[][] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const vals = ['a', 'b', 'c', 'd', '1', '', 'x'.repeat(200)];
  const idx = (): string => String(Math.floor(r() * 24) - 12);
  const side = (): string => pick(['LEFT', 'RIGHT']);
  const out: Arg[][] = [['SET', keys[0], 'str']];
  const list = keys.slice(1);
  for (let i = 0; i < count; i++) {
    const k = pick(keys);
    const many = (): string[] => Array.from({ length: 1 + Math.floor(r() * 8) }, () => pick(vals));
    switch (Math.floor(r() * 20)) {
      case 0: out.push(['LPUSH', k, ...many()]); break;
      case 1: out.push(['RPUSH', pick(list), ...many()]); break;
      case 2: out.push([pick(['LPUSHX', 'RPUSHX']), k, ...many()]); break;
      case 3: out.push(r() < 0.5 ? [pick(['LPOP', 'RPOP']), k] : [pick(['LPOP', 'RPOP']), k, String(Math.floor(r() * 5))]); break;
      case 4: out.push(['LRANGE', k, idx(), idx()]); break;
      case 5: out.push(['LINDEX', k, idx()]); break;
      case 6: out.push(['LSET', k, idx(), pick(vals)]); break;
      case 7: out.push(['LINSERT', k, pick(['BEFORE', 'AFTER']), pick(vals), pick(vals)]); break;
      case 8: out.push(['LREM', k, String(Math.floor(r() * 7) - 3), pick(vals)]); break;
      case 9: out.push(r() < 0.3 ? ['LTRIM', k, idx(), idx()] : ['LINDEX', k, idx()]); break;
      case 10: {
        const opts: string[] = [];
        if (r() < 0.5) opts.push('RANK', String(pick([1, 2, 3, -1, -2, -3])));
        if (r() < 0.5) opts.push('COUNT', String(Math.floor(r() * 4)));
        if (r() < 0.3) opts.push('MAXLEN', String(Math.floor(r() * 10)));
        out.push(['LPOS', k, pick(vals), ...opts]);
        break;
      }
      case 11: out.push(['LMOVE', k, pick(keys), side(), side()]); break;
      case 12: out.push(['RPOPLPUSH', k, pick(keys)]); break;
      case 13: {
        const ks = Array.from({ length: 1 + Math.floor(r() * 3) }, () => pick(keys));
        out.push(['LMPOP', String(ks.length), ...ks, side(), ...(r() < 0.5 ? ['COUNT', String(1 + Math.floor(r() * 5))] : [])]);
        break;
      }
      case 14: out.push(['LLEN', k]); break;
      case 15: case 16: case 17: out.push([pick(['LPUSH', 'RPUSH']), pick(list), ...many(), ...many()]); break;
      default: out.push(['LRANGE', pick(list), '0', '-1']);
    }
  }
  for (const k of keys) out.push(['TYPE', k], ['LRANGE', k, '0', '-1']);
  return out;
}

/** Every key whose OBJECT ENCODING these cases ask is a list. */
const NORMALIZE: Normalizer[] = [...DEFAULT_NORMALIZERS, listEncodingAs70(() => true)];

const VARIANTS: { id: string; opts: DiffOptions }[] = [
  { id: 'resp2', opts: { normalize: NORMALIZE } },
  { id: 'resp3', opts: { resp3: true, normalize: NORMALIZE } },
];

/** The name `${ns}:${name}.<i>` for the first i that CRC16 routes to `shard` of 3. */
function keyOn(ns: string, shard: number, name: string): string {
  for (let i = 0; ; i++) {
    const key = `${ns}:${name}.${i}`;
    if (shardOfKey(Buffer.from(key), 3) === shard) return key;
  }
}

function keysFor(ns: string): Keys {
  const k = ((name: string) => `${ns}:${name}`) as Keys;
  k.on = (shard, name) => keyOn(ns, shard, name);
  return k;
}

let redis: ServerHandle | null = null;

before(async () => {
  if (REDIS_AVAILABLE) redis = await startRedis();
});
after(async () => {
  await redis?.stop();
});

for (const threads of [1, 3]) {
  describe(`list commands vs Redis, Damselfly with ${threads} thread(s)`, () => {
    let dfly: ServerHandle | null = null;
    before(async () => {
      if (REDIS_AVAILABLE) dfly = await startDamselfly({ threads });
    });
    after(async () => {
      await stopChecked(dfly);
    });

    CASES.forEach((tc, no) => {
      it(tc.name, async (t) => {
        if (redis === null || dfly === null) return t.skip(SKIP_NO_REDIS);
        const failures: string[] = [];
        for (const v of VARIANTS) {
          const k = keysFor(`l${threads}:${no}:${v.id}`);
          try {
            await diff({ damselfly: dfly.port, redis: redis.port }, tc.cmds(k), { ...v.opts, label: `${threads} thread(s), ${tc.name}` });
          } catch (e) {
            failures.push((e as Error).message);
          }
        }
        if (failures.length > 0) assert.fail(failures.join('\n\n'));
      });
    });

    it('seeded random list commands, at several chunk sizes', async (t) => {
      if (redis === null || dfly === null) return t.skip(SKIP_NO_REDIS);
      for (const fill of FILLS) {
        for (const v of VARIANTS) {
          const ns = `l${threads}:rand:${fill}:${v.id}`;
          const keys = [keyOn(ns, 0, 's'), keyOn(ns, 0, 'a'), keyOn(ns, 1, 'b'), keyOn(ns, 2, 'c'), `{${keyOn(ns, 0, 'a')}}d`];
          const cmds: Arg[][] = [['CONFIG', 'SET', 'list-max-listpack-size', fill], ...randomCommands(Number(fill) * 31 + threads, keys, 300)];
          await diff({ damselfly: dfly.port, redis: redis.port }, cmds, { ...v.opts, pipeline: true, label: `${threads} thread(s), random, fill ${fill}` });
        }
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Redis 7.2's list encodings, asserted on Damselfly alone (7.0.15 has no listpack lists): where a
// list converts, in both directions, under count and byte limits, at the points of each command
// where Redis 7.2's t_list.c checks (docs/encodings.md works the byte counts through).

for (const threads of [1, 3]) {
  describe(`list encodings as Redis 7.2, ${threads} thread(s)`, () => {
    const { is, text } = assertSuite(threads);
    const enc = async (key: string): Promise<string> => {
      const r = await text(['OBJECT', 'ENCODING', key]);
      return r.slice(r.indexOf('\n') + 1, -2);
    };
    const fill = (n: number): Promise<void> => is(['CONFIG', 'SET', 'list-max-listpack-size', String(n)], '+OK\r\n');
    const on = (shard: number, name: string): string => keyOn(`e${threads}`, shard, name);

    it('a count limit: a listpack up to it, a quicklist past it, back within half', async () => {
      await is(['FLUSHALL'], '+OK\r\n');
      await fill(4);
      await is(['RPUSH', 'a', '1', '2', '3', '4'], ':4\r\n');
      assert.equal(await enc('a'), 'listpack');
      await is(['RPUSH', 'a', '5'], ':5\r\n');
      assert.equal(await enc('a'), 'quicklist');
      await is(['RPOP', 'a'], '$1\r\n5\r\n');
      assert.equal(await enc('a'), 'quicklist', 'one node of 4: more than half the limit');
      await is(['RPOP', 'a'], '$1\r\n4\r\n');
      assert.equal(await enc('a'), 'quicklist');
      await is(['RPOP', 'a'], '$1\r\n3\r\n');
      assert.equal(await enc('a'), 'listpack', 'one node of 2 = half the limit');
      await is(['RPUSH', 'a', 'x', 'y'], ':4\r\n');
      assert.equal(await enc('a'), 'listpack');
      // One push of more elements than the limit makes a quicklist before the first goes in.
      await is(['LPUSH', 'b', '1', '2', '3', '4', '5'], ':5\r\n');
      assert.equal(await enc('b'), 'quicklist');
      await is(['LRANGE', 'b', '0', '-1'], '*5\r\n$1\r\n5\r\n$1\r\n4\r\n$1\r\n3\r\n$1\r\n2\r\n$1\r\n1\r\n');
      await is(['LPUSHX', 'nokey', 'a'], ':0\r\n');
      await is(['RPUSH', 'px', 'a', 'b', 'c'], ':3\r\n');
      await is(['RPUSHX', 'px', 'd', 'e'], ':5\r\n');
      assert.equal(await enc('px'), 'quicklist');
    });

    it('a byte limit: the listpack bytes plus the raw lengths of what comes', async () => {
      await is(['FLUSHALL'], '+OK\r\n');
      await fill(-1);
      // 'x' * 4000 is a 4004-byte entry: a 4011-byte listpack; 4011 + 85 = 4096 still fits.
      await is(['RPUSH', 'g', 'x'.repeat(4000)], ':1\r\n');
      await is(['RPUSH', 'g', 'y'.repeat(85)], ':2\r\n');
      assert.equal(await enc('g'), 'listpack');
      await is(['RPUSH', 'g', 'z'], ':3\r\n');
      assert.equal(await enc('g'), 'quicklist');
      await is(['RPOP', 'g'], '$1\r\nz\r\n');
      assert.equal(await enc('g'), 'quicklist', 'one node of 4099 bytes, more than 2048');
      await is(['RPOP', 'g'], `$85\r\n${'y'.repeat(85)}\r\n`);
      assert.equal(await enc('g'), 'quicklist');
      await is(['LSET', 'g', '0', 'small'], '+OK\r\n');
      assert.equal(await enc('g'), 'listpack', 'LSET shrinks it under half the limit');
      await is(['RPUSH', 'h', 'x'.repeat(4000)], ':1\r\n');
      await is(['RPUSH', 'h', 'y'.repeat(86)], ':2\r\n');
      assert.equal(await enc('h'), 'quicklist', '4011 + 86 > 4096');
      // The default (-2, 8 KB): one element beyond it is a quicklist at once.
      await fill(-2);
      await is(['RPUSH', 'd', 'a'], ':1\r\n');
      assert.equal(await enc('d'), 'listpack');
      await is(['RPUSH', 'd', 'b'.repeat(10_000)], ':2\r\n');
      assert.equal(await enc('d'), 'quicklist');
      await is(['RPOP', 'd'], `$10000\r\n${'b'.repeat(10_000)}\r\n`);
      assert.equal(await enc('d'), 'listpack');
      // Integers take what Redis packs them in: 2000 x "1000" are 3 bytes each, a 6007-byte listpack.
      // What comes counts its raw lengths: 600 x "abc" are 1800 (7807 <= 8192) though they take 3000.
      await is(['RPUSH', 'n', ...Array.from({ length: 2000 }, () => '1000')], ':2000\r\n');
      assert.equal(await enc('n'), 'listpack');
      await is(['RPUSH', 'n', ...Array.from({ length: 600 }, () => 'abc')], ':2600\r\n');
      assert.equal(await enc('n'), 'listpack', 'a listpack of 9007 bytes');
      await is(['RPUSH', 'n', 'x'], ':2601\r\n');
      assert.equal(await enc('n'), 'quicklist');
    });

    it('LSET and LINSERT convert before they look, LREM only when it removed, LTRIM always', async () => {
      await is(['FLUSHALL'], '+OK\r\n');
      await fill(4);
      await is(['RPUSH', 'c', 'a', 'b', 'c', 'd'], ':4\r\n');
      await is(['LSET', 'c', '99', 'x'], '-ERR index out of range\r\n');
      assert.equal(await enc('c'), 'quicklist', 'LSET converts before checking the index');
      await is(['LSET', 'c', '0', 'z'], '+OK\r\n');
      assert.equal(await enc('c'), 'quicklist', 'one node of 4');
      await is(['RPUSH', 'i', 'a', 'b', 'c', 'd'], ':4\r\n');
      await is(['LINSERT', 'i', 'BEFORE', 'nope', 'x'], ':-1\r\n');
      assert.equal(await enc('i'), 'quicklist', 'LINSERT converts before looking for the pivot');
      await is(['LREM', 'i', '0', 'a'], ':1\r\n');
      assert.equal(await enc('i'), 'quicklist');
      await is(['LREM', 'i', '0', 'b'], ':1\r\n');
      assert.equal(await enc('i'), 'listpack');
      // Fill 1: a single node never converts back (half of 1 is 0) ...
      await fill(1);
      await is(['RPUSH', 'f', 'a', 'b'], ':2\r\n');
      await is(['LPOP', 'f'], '$1\r\na\r\n');
      assert.equal(await enc('f'), 'quicklist');
      // ... until the limit grows: LREM that removes nothing does not look, LTRIM does.
      await fill(4);
      await is(['LREM', 'f', '0', 'zzz'], ':0\r\n');
      assert.equal(await enc('f'), 'quicklist');
      await is(['LTRIM', 'f', '0', '-1'], '+OK\r\n');
      assert.equal(await enc('f'), 'listpack');
      // LINSERT into a listpack that stays one.
      await is(['LINSERT', 'f', 'AFTER', 'b', 'c'], ':2\r\n');
      assert.equal(await enc('f'), 'listpack');
    });

    it('pops of every kind shrink, LMOVE creates a listpack', async () => {
      await is(['FLUSHALL'], '+OK\r\n');
      await fill(4);
      const [s, d] = [on(0, 's'), on(1, 'd')];
      await is(['RPUSH', s, '1', '2', '3', '4', '5'], ':5\r\n');
      await is(['LMOVE', s, d, 'RIGHT', 'LEFT'], '$1\r\n5\r\n');
      assert.equal(await enc(s), 'quicklist');
      assert.equal(await enc(d), 'listpack');
      await is(['LMOVE', s, d, 'LEFT', 'LEFT'], '$1\r\n1\r\n');
      assert.equal(await enc(s), 'quicklist');
      await is(['RPOPLPUSH', s, d], '$1\r\n4\r\n');
      assert.equal(await enc(s), 'listpack');
      await is(['LMOVE', d, d, 'LEFT', 'RIGHT'], '$1\r\n4\r\n');
      assert.equal(await enc(d), 'listpack');
      // Each from [1 2 3 4] [5 6] down to one node of 2.
      for (const [cmd, want] of [
        [['LPOP', 'p', '4'], '*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n'],
        [['LMPOP', '1', 'p', 'RIGHT', 'COUNT', '4'], '*2\r\n$1\r\np\r\n*4\r\n$1\r\n6\r\n$1\r\n5\r\n$1\r\n4\r\n$1\r\n3\r\n'],
        [['BLPOP', 'p', '0'], '*2\r\n$1\r\np\r\n$1\r\n1\r\n'],
      ] as const) {
        await is(['DEL', 'p'], cmd[0] === 'LPOP' ? ':0\r\n' : ':1\r\n');
        await is(['RPUSH', 'p', '1', '2', '3', '4', '5', '6'], ':6\r\n');
        assert.equal(await enc('p'), 'quicklist');
        if (cmd[0] === 'BLPOP') {
          await is(['RPOP', 'p', '3'], '*3\r\n$1\r\n6\r\n$1\r\n5\r\n$1\r\n4\r\n');
          assert.equal(await enc('p'), 'quicklist');
        }
        await is([...cmd], want);
        assert.equal(await enc('p'), 'listpack', cmd.join(' '));
      }
    });

    it('COPY and RENAME keep the encoding and the nodes; SORT ... STORE builds and converts', async () => {
      await is(['FLUSHALL'], '+OK\r\n');
      await fill(4);
      const [q, q2, q3] = [on(0, 'q'), on(1, 'q2'), on(2, 'q3')];
      await is(['RPUSH', q, '1', '2', '3', '4', '5'], ':5\r\n');
      await is(['RPOP', q], '$1\r\n5\r\n');
      await is(['COPY', q, q2], ':1\r\n');
      await is(['RENAME', q2, q3], '+OK\r\n');
      assert.equal(await enc(q3), 'quicklist', 'one node of 4, as it was');
      await is(['RPOP', q3], '$1\r\n4\r\n');
      assert.equal(await enc(q3), 'quicklist');
      await is(['RPOP', q3], '$1\r\n3\r\n');
      assert.equal(await enc(q3), 'listpack');
      await is(['COPY', q3, `{${q3}}x`], ':1\r\n');
      assert.equal(await enc(`{${q3}}x`), 'listpack');
      // Nodes keep the fill of their conversion: with fill 2, [a b][c d][e f] after pushes made
      // under 128; dropping `a` leaves three nodes, not one.
      await fill(2);
      await is(['RPUSH', q, 'x'], ':5\r\n');
      await is(['DEL', q], ':1\r\n');
      await is(['RPUSH', q, 'a', 'b', 'c'], ':3\r\n');
      await fill(128);
      await is(['RPUSH', q, 'd', 'e', 'f'], ':6\r\n');
      await is(['RENAME', q, q2], '+OK\r\n');
      await is(['LTRIM', q2, '1', '-1'], '+OK\r\n');
      assert.equal(await enc(q2), 'quicklist');
      // A listpack meets the new limit at its next addition.
      await is(['RPUSH', 'm', '1', '2', '3'], ':3\r\n');
      await fill(2);
      await is(['RPUSH', 'm', '4'], ':4\r\n');
      assert.equal(await enc('m'), 'quicklist');
      // SORT ... STORE: a quicklist, a listpack if it fits the whole limit (not half).
      await fill(4);
      await is(['RPUSH', 'src', '3', '1', '4', '2'], ':4\r\n');
      await is(['SORT', 'src', 'STORE', 'sorted'], ':4\r\n');
      assert.equal(await enc('sorted'), 'listpack');
      await is(['RPUSH', 'src', '5'], ':5\r\n');
      await is(['SORT', 'src', 'STORE', 'sorted'], ':5\r\n');
      assert.equal(await enc('sorted'), 'quicklist');
      await fill(-2);
    });

    it('fill 0 and fills below -5', async () => {
      await is(['FLUSHALL'], '+OK\r\n');
      await fill(0);
      await is(['RPUSH', 'z', 'a'], ':1\r\n');
      assert.equal(await enc('z'), 'listpack');
      await is(['RPUSH', 'z', 'b'], ':2\r\n');
      assert.equal(await enc('z'), 'quicklist');
      await is(['RPOP', 'z'], '$1\r\nb\r\n');
      assert.equal(await enc('z'), 'quicklist', 'a count limit of 1 halves to 0');
      // Below -5: the 64 KB of -5.
      await fill(-9);
      await is(['RPUSH', 'w', 'x'.repeat(60_000)], ':1\r\n');
      assert.equal(await enc('w'), 'listpack');
      await is(['RPUSH', 'w', 'x'.repeat(6_000)], ':2\r\n');
      assert.equal(await enc('w'), 'quicklist');
      await fill(-2);
    });
  });
}
