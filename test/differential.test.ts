// Differential tests: the same commands go to Damselfly (1, 2 and 4 threads) and to a real Redis, and
// the raw reply bytes must be identical — in RESP2, in RESP3 and pipelined. Every case uses its own
// key namespace, so cases never see each other's keys.
// A failing case here is a compatibility bug in the server: keep the case, fix the server.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  stopChecked, DEFAULT_NORMALIZERS, REDIS_AVAILABLE, SKIP_NO_REDIS, diff, normalizeUnordered, startDamselfly, startRedis, type Arg, type DiffOptions, type Normalizer, type ServerHandle } from './harness.ts';

type Keys = (name: string) => string;
interface Case {
  name: string;
  cmds: (k: Keys) => Arg[][];
  /** Only these variants (default: all). */
  only?: ('resp2' | 'resp3' | 'pipeline')[];
  normalize?: Normalizer[];
}
interface Group {
  name: string;
  cases: Case[];
}

const c = (name: string, cmds: (k: Keys) => Arg[][], only?: Case['only'], normalize?: Normalizer[]): Case => ({ name, cmds, only, normalize });
const UNORDERED_KEYS = [...DEFAULT_NORMALIZERS, normalizeUnordered('keys')];

const ALL_BYTES = Buffer.alloc(256);
for (let i = 0; i < 256; i++) ALL_BYTES[i] = i;
const BIG = 'x'.repeat(100_000);
/** A timestamp far in the future (seconds) — EXPIRETIME is exact, TTL of it is not. */
const FAR_S = '4102444800';
const FAR_MS = '4102444800123';

const GROUPS: Group[] = [
  {
    name: 'SET options',
    cases: [
      c('SET then GET', (k) => [['SET', k('a'), 'v'], ['GET', k('a')], ['GET', k('missing')]]),
      c('SET overwrites', (k) => [['SET', k('a'), 'v1'], ['SET', k('a'), 'v2'], ['GET', k('a')]]),
      c('SET NX on missing and existing', (k) => [['SET', k('a'), 'v', 'NX'], ['SET', k('a'), 'v2', 'NX'], ['GET', k('a')]]),
      c('SET XX on missing and existing', (k) => [['SET', k('a'), 'v', 'XX'], ['GET', k('a')], ['SET', k('a'), 'v'], ['SET', k('a'), 'v2', 'xx'], ['GET', k('a')]]),
      c('SET NX XX conflict', (k) => [['SET', k('a'), 'v', 'NX', 'XX'], ['SET', k('a'), 'v', 'XX', 'NX'], ['GET', k('a')]]),
      c('SET GET on missing and existing', (k) => [['SET', k('a'), 'v', 'GET'], ['SET', k('a'), 'v2', 'GET'], ['GET', k('a')]]),
      c('SET NX GET', (k) => [['SET', k('a'), 'v', 'NX', 'GET'], ['SET', k('a'), 'v2', 'NX', 'GET'], ['GET', k('a')]]),
      c('SET XX GET', (k) => [['SET', k('a'), 'v', 'XX', 'GET'], ['GET', k('a')], ['SET', k('a'), 'v'], ['SET', k('a'), 'v2', 'GET', 'XX'], ['GET', k('a')]]),
      c('SET GET GET (repeated flag)', (k) => [['SET', k('a'), 'v', 'GET', 'GET'], ['SET', k('a'), 'w', 'NX', 'NX']]),
      c('SET EX then TTL', (k) => [['SET', k('a'), 'v', 'EX', '100'], ['TTL', k('a')], ['GET', k('a')]]),
      c('SET PX then TTL', (k) => [['SET', k('a'), 'v', 'PX', '100000'], ['TTL', k('a')]]),
      c('SET EXAT then EXPIRETIME', (k) => [['SET', k('a'), 'v', 'EXAT', FAR_S], ['EXPIRETIME', k('a')], ['PEXPIRETIME', k('a')]]),
      c('SET PXAT then PEXPIRETIME', (k) => [['SET', k('a'), 'v', 'PXAT', FAR_MS], ['PEXPIRETIME', k('a')], ['EXPIRETIME', k('a')]]),
      c('SET PXAT int64 max', (k) => [['SET', k('a'), 'v', 'PXAT', '9223372036854775807'], ['PEXPIRETIME', k('a')], ['GET', k('a')]]),
      c('SET EXAT in the past deletes', (k) => [['SET', k('a'), 'v'], ['SET', k('a'), 'v', 'EXAT', '1'], ['GET', k('a')], ['SET', k('b'), 'v', 'PXAT', '1'], ['GET', k('b')]]),
      c('SET KEEPTTL keeps the TTL', (k) => [['SET', k('a'), 'v', 'EX', '100'], ['SET', k('a'), 'v2', 'KEEPTTL'], ['TTL', k('a')], ['GET', k('a')]]),
      c('SET without KEEPTTL clears the TTL', (k) => [['SET', k('a'), 'v', 'EX', '100'], ['SET', k('a'), 'v2'], ['TTL', k('a')]]),
      c('SET KEEPTTL on missing key', (k) => [['SET', k('a'), 'v', 'KEEPTTL'], ['TTL', k('a')]]),
      c('SET EX twice: last wins', (k) => [['SET', k('a'), 'v', 'EX', '10', 'EX', '100'], ['TTL', k('a')]]),
      c('SET PX twice: last wins', (k) => [['SET', k('a'), 'v', 'PX', '10000', 'PX', '200000'], ['TTL', k('a')]]),
      c('SET EX with PX / EXAT / PXAT / KEEPTTL conflicts', (k) => [
        ['SET', k('a'), 'v', 'EX', '10', 'PX', '100'],
        ['SET', k('a'), 'v', 'PX', '10', 'EX', '100'],
        ['SET', k('a'), 'v', 'EX', '10', 'EXAT', FAR_S],
        ['SET', k('a'), 'v', 'EXAT', FAR_S, 'PXAT', FAR_MS],
        ['SET', k('a'), 'v', 'EX', '10', 'KEEPTTL'],
        ['SET', k('a'), 'v', 'KEEPTTL', 'EX', '10'],
        ['SET', k('a'), 'v', 'KEEPTTL', 'PXAT', FAR_MS],
        ['GET', k('a')],
      ]),
      c('SET PERSIST is not a SET option', (k) => [['SET', k('a'), 'v', 'PERSIST'], ['GET', k('a')]]),
      c('SET option without value', (k) => [['SET', k('a'), 'v', 'EX'], ['SET', k('a'), 'v', 'PX'], ['SET', k('a'), 'v', 'EXAT'], ['SET', k('a'), 'v', 'PXAT'], ['GET', k('a')]]),
      c('SET unknown option', (k) => [['SET', k('a'), 'v', 'FOO'], ['SET', k('a'), 'v', 'EX', '10', 'FOO'], ['SET', k('a'), 'v', 'ex10']]),
      c('SET lower-case options', (k) => [['set', k('a'), 'v', 'ex', '100', 'nx', 'get'], ['ttl', k('a')]]),
      c('SET EX 0 / negative / not integer', (k) => [
        ['SET', k('a'), 'v', 'EX', '0'],
        ['SET', k('a'), 'v', 'EX', '-1'],
        ['SET', k('a'), 'v', 'PX', '0'],
        ['SET', k('a'), 'v', 'PX', '-100'],
        ['SET', k('a'), 'v', 'EXAT', '0'],
        ['SET', k('a'), 'v', 'PXAT', '-1'],
        ['SET', k('a'), 'v', 'EX', 'abc'],
        ['SET', k('a'), 'v', 'EX', '1.5'],
        ['SET', k('a'), 'v', 'EX', ''],
        ['SET', k('a'), 'v', 'EX', ' 10'],
        ['SET', k('a'), 'v', 'EX', '010'],
        ['GET', k('a')],
      ]),
      c('SET EX overflow', (k) => [
        ['SET', k('a'), 'v', 'EX', '9223372036854775807'],
        ['SET', k('a'), 'v', 'EX', '9223372036854775'],
        ['SET', k('a'), 'v', 'EX', '9223372036854776'],
        ['SET', k('a'), 'v', 'PX', '9223372036854775807'],
        ['SET', k('a'), 'v', 'EXAT', '9223372036854775'],
        ['SET', k('a'), 'v', 'EXAT', '9223372036854776'],
        ['SET', k('a'), 'v', 'EX', '9223372036854775808'],
        ['SET', k('a'), 'v', 'EX', '-9223372036854775808'],
        ['GET', k('a')],
      ]),
      c('SET error does not touch the key', (k) => [['SET', k('a'), 'old'], ['SET', k('a'), 'new', 'EX', '0'], ['SET', k('a'), 'new', 'NX', 'XX'], ['GET', k('a')]]),
      c('SET NX with EX on existing key keeps value and TTL', (k) => [['SET', k('a'), 'v', 'EX', '100'], ['SET', k('a'), 'v2', 'NX', 'EX', '5'], ['TTL', k('a')], ['GET', k('a')]]),
      c('SET empty key and empty value', () => [['SET', '', ''], ['GET', ''], ['STRLEN', ''], ['DEL', '']]),
      c('SET binary key and value (all 256 bytes)', (k) => [['SET', Buffer.concat([Buffer.from(k('b')), ALL_BYTES]), ALL_BYTES], ['GET', Buffer.concat([Buffer.from(k('b')), ALL_BYTES])], ['STRLEN', Buffer.concat([Buffer.from(k('b')), ALL_BYTES])]]),
      c('SET 100 KB value', (k) => [['SET', k('a'), BIG], ['STRLEN', k('a')], ['GET', k('a')]]),
      c('SETNX', (k) => [['SETNX', k('a'), 'v'], ['SETNX', k('a'), 'v2'], ['GET', k('a')]]),
      c('SETEX / PSETEX', (k) => [['SETEX', k('a'), '100', 'v'], ['TTL', k('a')], ['PSETEX', k('b'), '100000', 'v'], ['TTL', k('b')], ['GET', k('b')]]),
      c('SETEX / PSETEX errors', (k) => [
        ['SETEX', k('a'), '0', 'v'],
        ['SETEX', k('a'), '-1', 'v'],
        ['SETEX', k('a'), 'abc', 'v'],
        ['SETEX', k('a'), '1.5', 'v'],
        ['SETEX', k('a'), '9223372036854775807', 'v'],
        ['PSETEX', k('a'), '0', 'v'],
        ['PSETEX', k('a'), '-5', 'v'],
        ['PSETEX', k('a'), '9223372036854775807', 'v'],
        ['PSETEX', k('a'), 'x', 'v'],
        ['GET', k('a')],
      ]),
      c('SETEX arity', (k) => [['SETEX', k('a'), '10'], ['SETEX', k('a'), '10', 'v', 'extra'], ['PSETEX', k('a')], ['SETNX', k('a')]]),
    ],
  },
  {
    name: 'GET family',
    cases: [
      c('GETSET', (k) => [['GETSET', k('a'), 'v'], ['GETSET', k('a'), 'v2'], ['GET', k('a')]]),
      c('GETSET clears the TTL', (k) => [['SET', k('a'), 'v', 'EX', '100'], ['GETSET', k('a'), 'v2'], ['TTL', k('a')]]),
      c('GETDEL', (k) => [['SET', k('a'), 'v'], ['GETDEL', k('a')], ['GETDEL', k('a')], ['GET', k('a')], ['EXISTS', k('a')]]),
      c('GETEX without options', (k) => [['GETEX', k('missing')], ['SET', k('a'), 'v', 'EX', '100'], ['GETEX', k('a')], ['TTL', k('a')]]),
      c('GETEX EX / PX / EXAT / PXAT', (k) => [
        ['SET', k('a'), 'v'],
        ['GETEX', k('a'), 'EX', '100'],
        ['TTL', k('a')],
        ['GETEX', k('a'), 'PX', '200000'],
        ['TTL', k('a')],
        ['GETEX', k('a'), 'EXAT', FAR_S],
        ['EXPIRETIME', k('a')],
        ['GETEX', k('a'), 'PXAT', FAR_MS],
        ['PEXPIRETIME', k('a')],
      ]),
      c('GETEX PERSIST', (k) => [['SET', k('a'), 'v', 'EX', '100'], ['GETEX', k('a'), 'PERSIST'], ['TTL', k('a')], ['GETEX', k('a'), 'persist'], ['TTL', k('a')]]),
      c('GETEX EXAT / PXAT in the past deletes', (k) => [['SET', k('a'), 'v'], ['GETEX', k('a'), 'EXAT', '1'], ['GET', k('a')], ['SET', k('b'), 'v'], ['GETEX', k('b'), 'PXAT', '1'], ['EXISTS', k('b')]]),
      c('GETEX errors', (k) => [
        ['SET', k('a'), 'v'],
        ['GETEX', k('a'), 'EX', '0'],
        ['GETEX', k('a'), 'PX', '-1'],
        ['GETEX', k('a'), 'EXAT', '0'],
        ['GETEX', k('a'), 'EX', 'abc'],
        ['GETEX', k('a'), 'EX', '9223372036854775807'],
        ['GETEX', k('a'), 'KEEPTTL'],
        ['GETEX', k('a'), 'NX'],
        ['GETEX', k('a'), 'GET'],
        ['GETEX', k('a'), 'EX'],
        ['GETEX', k('a'), 'EX', '10', 'PX', '10'],
        ['GETEX', k('a'), 'PERSIST', 'EX', '10'],
        ['GETEX', k('a'), 'EX', '10', 'PERSIST'],
        ['GETEX', k('a'), 'FOO'],
        ['TTL', k('a')],
      ]),
      c('GETEX on a missing key with a bad expire', (k) => [['GETEX', k('missing'), 'EX', 'abc'], ['GETEX', k('missing'), 'EX', '0'], ['GETEX', k('missing'), 'FOO']]),
      c('GET arity', (k) => [['GET'], ['GET', k('a'), k('b')], ['GETDEL'], ['GETEX'], ['GETSET', k('a')]]),
      c('STRLEN', (k) => [['STRLEN', k('missing')], ['SET', k('a'), 'hello'], ['STRLEN', k('a')], ['SET', k('a'), ''], ['STRLEN', k('a')], ['SET', k('a'), '12345'], ['STRLEN', k('a')]]),
      c('APPEND', (k) => [['APPEND', k('a'), 'hello'], ['APPEND', k('a'), ' world'], ['APPEND', k('a'), ''], ['GET', k('a')], ['STRLEN', k('a')], ['APPEND', k('b'), '']]),
      c('APPEND to an integer and a big value', (k) => [['SET', k('a'), '12'], ['APPEND', k('a'), '34'], ['INCR', k('a')], ['SET', k('b'), BIG], ['APPEND', k('b'), 'tail'], ['STRLEN', k('b')], ['GETRANGE', k('b'), '-6', '-1']]),
      c('APPEND keeps the TTL', (k) => [['SET', k('a'), 'v', 'EX', '100'], ['APPEND', k('a'), 'x'], ['TTL', k('a')]]),
    ],
  },
  {
    name: 'counters',
    cases: [
      c('INCR / DECR on missing', (k) => [['INCR', k('a')], ['INCR', k('a')], ['DECR', k('b')], ['DECR', k('b')], ['GET', k('a')], ['GET', k('b')]]),
      c('INCRBY / DECRBY', (k) => [['INCRBY', k('a'), '10'], ['INCRBY', k('a'), '-3'], ['DECRBY', k('a'), '20'], ['DECRBY', k('a'), '-5'], ['GET', k('a')]]),
      c('INCR not an integer', (k) => [
        ['SET', k('a'), 'abc'],
        ['INCR', k('a')],
        ['SET', k('a'), ' 1'],
        ['INCR', k('a')],
        ['SET', k('a'), '1 '],
        ['INCR', k('a')],
        ['SET', k('a'), '010'],
        ['INCR', k('a')],
        ['SET', k('a'), '+1'],
        ['INCR', k('a')],
        ['SET', k('a'), '-0'],
        ['INCR', k('a')],
        ['SET', k('a'), '1.0'],
        ['INCR', k('a')],
        ['SET', k('a'), ''],
        ['INCR', k('a')],
        ['SET', k('a'), '123456789012345678901'],
        ['INCR', k('a')],
        ['GET', k('a')],
      ]),
      c('INCR on zero and negative values', (k) => [['SET', k('a'), '0'], ['INCR', k('a')], ['SET', k('a'), '-1'], ['INCR', k('a')], ['INCR', k('a')], ['SET', k('a'), '-10'], ['DECR', k('a')]]),
      c('INCR overflow', (k) => [['SET', k('a'), '9223372036854775807'], ['INCR', k('a')], ['GET', k('a')], ['SET', k('b'), '-9223372036854775808'], ['DECR', k('b')], ['GET', k('b')]]),
      c('INCRBY overflow', (k) => [
        ['SET', k('a'), '1'],
        ['INCRBY', k('a'), '9223372036854775807'],
        ['INCRBY', k('a'), '9223372036854775806'],
        ['GET', k('a')],
        ['SET', k('b'), '-1'],
        ['INCRBY', k('b'), '-9223372036854775808'],
        ['SET', k('c'), '0'],
        ['INCRBY', k('c'), '-9223372036854775808'],
        ['GET', k('c')],
      ]),
      c('DECRBY int64 min', (k) => [['SET', k('a'), '0'], ['DECRBY', k('a'), '-9223372036854775808'], ['DECRBY', k('a'), '9223372036854775807'], ['DECRBY', k('a'), '1'], ['DECRBY', k('a'), '1'], ['GET', k('a')]]),
      c('INCRBY argument errors', (k) => [
        ['INCRBY', k('a'), 'abc'],
        ['INCRBY', k('a'), '1.5'],
        ['INCRBY', k('a'), ''],
        ['INCRBY', k('a'), '9223372036854775808'],
        ['INCRBY', k('a'), '-9223372036854775809'],
        ['DECRBY', k('a'), 'x'],
        ['EXISTS', k('a')],
      ]),
      c('INCR beyond 2^53 stays exact', (k) => [
        ['SET', k('a'), '9007199254740991'],
        ['INCR', k('a')],
        ['INCR', k('a')],
        ['INCRBY', k('a'), '1000'],
        ['GET', k('a')],
        ['DECRBY', k('a'), '9007199254741994'],
        ['SET', k('b'), '-9007199254740992'],
        ['DECR', k('b')],
        ['GET', k('b')],
      ]),
      c('INCR keeps the TTL', (k) => [['SET', k('a'), '5', 'EX', '100'], ['INCR', k('a')], ['TTL', k('a')]]),
      c('INCR after SETRANGE / APPEND', (k) => [['SETRANGE', k('a'), '0', '41'], ['INCR', k('a')], ['APPEND', k('a'), '0'], ['INCRBY', k('a'), '5'], ['GET', k('a')]]),
      c('counter arity', (k) => [['INCR'], ['INCR', k('a'), '1'], ['INCRBY', k('a')], ['DECRBY', k('a'), '1', '2'], ['DECR'], ['INCRBYFLOAT', k('a')]]),
      c('INCRBYFLOAT basics', (k) => [
        ['INCRBYFLOAT', k('a'), '10.5'],
        ['INCRBYFLOAT', k('a'), '0.1'],
        ['INCRBYFLOAT', k('a'), '-5'],
        ['GET', k('a')],
        ['SET', k('b'), '5.0e3'],
        ['INCRBYFLOAT', k('b'), '2.0e2'],
        ['INCRBYFLOAT', k('c'), '3.0'],
        ['INCRBYFLOAT', k('c'), '-3'],
      ]),
      c('INCRBYFLOAT precision (long double)', (k) => [
        ['SET', k('a'), '0.1'],
        ['INCRBYFLOAT', k('a'), '0.2'],
        ['INCRBYFLOAT', k('b'), '1.5e-5'],
        ['INCRBYFLOAT', k('c'), '1e5'],
        ['INCRBYFLOAT', k('d'), '1.23456789012345678901'],
        ['INCRBYFLOAT', k('e'), '3.14159265358979323846'],
        ['INCRBYFLOAT', k('e'), '2.71828182845904523536'],
        ['INCRBYFLOAT', k('f'), '0.0000001'],
        ['INCRBYFLOAT', k('g'), '123456789012345678'],
        ['INCRBYFLOAT', k('h'), '-0'],
        ['INCRBYFLOAT', k('i'), '1e20'],
        ['INCRBYFLOAT', k('i'), '1'],
        ['INCRBYFLOAT', k('j'), '1e-20'],
      ]),
      c('INCRBYFLOAT on integers', (k) => [['SET', k('a'), '10'], ['INCRBYFLOAT', k('a'), '1'], ['SET', k('b'), '-10'], ['INCRBYFLOAT', k('b'), '0.5'], ['INCR', k('a')]]),
      c('INCRBYFLOAT overflow and NaN', (k) => [
        ['SET', k('a'), '1e308'],
        ['INCRBYFLOAT', k('a'), '1e308'],
        ['INCRBYFLOAT', k('a'), '1e308'],
        ['GET', k('a')],
        ['INCRBYFLOAT', k('b'), 'inf'],
        ['INCRBYFLOAT', k('b'), '-inf'],
        ['INCRBYFLOAT', k('b'), 'nan'],
        ['INCRBYFLOAT', k('b'), '1e400'],
        ['GET', k('b')],
      ]),
      c('INCRBYFLOAT not a float', (k) => [
        ['INCRBYFLOAT', k('a'), 'abc'],
        ['INCRBYFLOAT', k('a'), ''],
        ['INCRBYFLOAT', k('a'), ' 1'],
        ['INCRBYFLOAT', k('a'), '1 '],
        ['INCRBYFLOAT', k('a'), '0x10'],
        ['INCRBYFLOAT', k('a'), '1,5'],
        ['SET', k('b'), 'abc'],
        ['INCRBYFLOAT', k('b'), '1'],
        ['SET', k('b'), '1.5 '],
        ['INCRBYFLOAT', k('b'), '1'],
        ['EXISTS', k('a')],
      ]),
      c('INCR on a float value', (k) => [['SET', k('a'), '1.5'], ['INCR', k('a')], ['INCRBY', k('a'), '1'], ['DECR', k('a')]]),
    ],
  },
  {
    name: 'ranges',
    cases: [
      c('GETRANGE', (k) => [
        ['SET', k('a'), 'Hello World'],
        ['GETRANGE', k('a'), '0', '4'],
        ['GETRANGE', k('a'), '-5', '-1'],
        ['GETRANGE', k('a'), '0', '-1'],
        ['GETRANGE', k('a'), '5', '2'],
        ['GETRANGE', k('a'), '-100', '100'],
        ['GETRANGE', k('a'), '100', '200'],
        ['GETRANGE', k('a'), '-1', '-5'],
        ['GETRANGE', k('a'), '-1', '-1'],
        ['GETRANGE', k('a'), '0', '0'],
        ['GETRANGE', k('a'), '10', '10'],
        ['GETRANGE', k('a'), '11', '11'],
        ['GETRANGE', k('a'), '-11', '-11'],
        ['GETRANGE', k('a'), '-12', '-12'],
        ['SUBSTR', k('a'), '1', '3'],
      ]),
      c('GETRANGE huge and extreme offsets', (k) => [
        ['SET', k('a'), 'Hello World'],
        ['GETRANGE', k('a'), '0', '9223372036854775807'],
        ['GETRANGE', k('a'), '-9223372036854775808', '-1'],
        ['GETRANGE', k('a'), '-9223372036854775808', '9223372036854775807'],
        ['GETRANGE', k('a'), '9223372036854775807', '9223372036854775807'],
        ['GETRANGE', k('a'), '9223372036854775807', '0'],
        ['GETRANGE', k('a'), '3', '-9223372036854775808'],
        ['GETRANGE', k('a'), '0', '9223372036854775808'],
      ]),
      c('GETRANGE on missing / empty / errors', (k) => [
        ['GETRANGE', k('missing'), '0', '-1'],
        ['SET', k('e'), ''],
        ['GETRANGE', k('e'), '0', '-1'],
        ['GETRANGE', k('e'), '0', '0'],
        ['GETRANGE', k('missing'), 'a', '1'],
        ['GETRANGE', k('e'), '0', '1.5'],
        ['GETRANGE', k('e'), '0'],
        ['SUBSTR', k('e'), 'x', '1'],
      ]),
      c('GETRANGE on a big value', (k) => [['SET', k('a'), BIG + 'END'], ['GETRANGE', k('a'), '-3', '-1'], ['GETRANGE', k('a'), '99998', '100001']]),
      c('SETRANGE', (k) => [
        ['SET', k('a'), 'Hello World'],
        ['SETRANGE', k('a'), '6', 'Redis'],
        ['GET', k('a')],
        ['SETRANGE', k('a'), '20', '!'],
        ['GET', k('a')],
        ['SETRANGE', k('a'), '0', ''],
        ['STRLEN', k('a')],
      ]),
      c('SETRANGE on a missing key pads with zeros', (k) => [['SETRANGE', k('a'), '5', 'abc'], ['GET', k('a')], ['SETRANGE', k('b'), '0', ''], ['EXISTS', k('b')], ['SETRANGE', k('c'), '3', ''], ['EXISTS', k('c')]]),
      c('SETRANGE offset errors', (k) => [
        ['SETRANGE', k('a'), '-1', 'x'],
        ['SETRANGE', k('a'), 'abc', 'x'],
        ['SETRANGE', k('a'), '1.5', 'x'],
        ['SETRANGE', k('a'), '536870912', 'x'],
        ['SETRANGE', k('a'), '536870911', 'xx'],
        ['SETRANGE', k('a'), '9223372036854775807', 'x'],
        ['SETRANGE', k('a'), '9223372036854775808', 'x'],
        ['SETRANGE', k('a'), '536870912', ''],
        ['SETRANGE', k('a'), '-1', ''],
        ['SET', k('b'), 'v'],
        ['SETRANGE', k('b'), '536870912', 'x'],
        ['SETRANGE', k('b'), '536870912', ''],
        ['SETRANGE', k('b'), '-1', ''],
        ['EXISTS', k('a')],
        ['GET', k('b')],
      ]),
      c('SETRANGE keeps the TTL', (k) => [['SET', k('a'), 'hello', 'EX', '100'], ['SETRANGE', k('a'), '1', 'a'], ['TTL', k('a')], ['GET', k('a')]]),
      c('SETRANGE on a big value', (k) => [['SET', k('a'), BIG], ['SETRANGE', k('a'), '50000', 'MID'], ['GETRANGE', k('a'), '49999', '50003'], ['SETRANGE', k('a'), '100005', 'END'], ['STRLEN', k('a')], ['GETRANGE', k('a'), '99998', '-1']]),
      c('SETRANGE / GETRANGE with binary data', (k) => [['SETRANGE', k('a'), '2', ALL_BYTES], ['GETRANGE', k('a'), '0', '-1'], ['GETRANGE', k('a'), '100', '110']]),
    ],
  },
  {
    name: 'LCS',
    cases: [
      c('LCS plain / LEN', (k) => [['MSET', k('{t}a'), 'ohmytext', k('{t}b'), 'mynewtext'], ['LCS', k('{t}a'), k('{t}b')], ['LCS', k('{t}a'), k('{t}b'), 'LEN'], ['LCS', k('{t}a'), k('{t}b'), 'len']]),
      c('LCS IDX variants', (k) => [
        ['MSET', k('{t}a'), 'ohmytext', k('{t}b'), 'mynewtext'],
        ['LCS', k('{t}a'), k('{t}b'), 'IDX'],
        ['LCS', k('{t}a'), k('{t}b'), 'IDX', 'MINMATCHLEN', '4'],
        ['LCS', k('{t}a'), k('{t}b'), 'IDX', 'WITHMATCHLEN'],
        ['LCS', k('{t}a'), k('{t}b'), 'IDX', 'MINMATCHLEN', '4', 'WITHMATCHLEN'],
        ['LCS', k('{t}a'), k('{t}b'), 'WITHMATCHLEN', 'IDX', 'MINMATCHLEN', '2'],
        ['LCS', k('{t}a'), k('{t}b'), 'IDX', 'MINMATCHLEN', '0'],
        ['LCS', k('{t}a'), k('{t}b'), 'IDX', 'MINMATCHLEN', '-5'],
        ['LCS', k('{t}a'), k('{t}b'), 'IDX', 'MINMATCHLEN', '100'],
      ]),
      c('LCS options without IDX', (k) => [
        ['MSET', k('{t}a'), 'ohmytext', k('{t}b'), 'mynewtext'],
        ['LCS', k('{t}a'), k('{t}b'), 'MINMATCHLEN', '4'],
        ['LCS', k('{t}a'), k('{t}b'), 'WITHMATCHLEN'],
        ['LCS', k('{t}a'), k('{t}b'), 'LEN', 'WITHMATCHLEN'],
      ]),
      c('LCS errors', (k) => [
        ['MSET', k('{t}a'), 'ohmytext', k('{t}b'), 'mynewtext'],
        ['LCS', k('{t}a'), k('{t}b'), 'IDX', 'LEN'],
        ['LCS', k('{t}a'), k('{t}b'), 'LEN', 'IDX'],
        ['LCS', k('{t}a'), k('{t}b'), 'MINMATCHLEN'],
        ['LCS', k('{t}a'), k('{t}b'), 'MINMATCHLEN', 'abc'],
        ['LCS', k('{t}a'), k('{t}b'), 'FOO'],
        ['LCS', k('{t}a')],
      ]),
      c('LCS missing keys', (k) => [['LCS', k('{t}x'), k('{t}y')], ['LCS', k('{t}x'), k('{t}y'), 'LEN'], ['LCS', k('{t}x'), k('{t}y'), 'IDX'], ['SET', k('{t}x'), 'abc'], ['LCS', k('{t}x'), k('{t}y')], ['LCS', k('{t}y'), k('{t}x'), 'IDX', 'WITHMATCHLEN']]),
      c('LCS same key twice', (k) => [['SET', k('a'), 'hello'], ['LCS', k('a'), k('a')], ['LCS', k('a'), k('a'), 'IDX', 'WITHMATCHLEN']]),
      c('LCS across shards', (k) => [
        ['SET', k('left'), 'The quick brown fox jumps over the lazy dog'],
        ['SET', k('right'), 'A quick brown dog jumps over the lazy fox'],
        ['LCS', k('left'), k('right')],
        ['LCS', k('left'), k('right'), 'LEN'],
        ['LCS', k('left'), k('right'), 'IDX', 'MINMATCHLEN', '3', 'WITHMATCHLEN'],
        ['LCS', k('right'), k('nope'), 'IDX'],
      ]),
      c('LCS binary and no common bytes', (k) => [['MSET', k('{t}a'), ALL_BYTES, k('{t}b'), Buffer.from(ALL_BYTES).reverse()], ['LCS', k('{t}a'), k('{t}b'), 'LEN'], ['MSET', k('{t}c'), 'aaaa', k('{t}d'), 'bbbb'], ['LCS', k('{t}c'), k('{t}d')], ['LCS', k('{t}c'), k('{t}d'), 'IDX']]),
    ],
  },
  {
    name: 'multi-key',
    cases: [
      c('MSET then MGET across shards', (k) => [
        ['MSET', k('a'), '1', k('b'), '2', k('c'), '3', k('d'), '4', k('e'), '5', k('f'), '6'],
        ['MGET', k('a'), k('b'), k('c'), k('d'), k('e'), k('f'), k('missing1'), k('missing2')],
        ['MGET', k('f'), k('e'), k('missing'), k('a')],
        ['MGET', k('a')],
        ['MGET', k('missing')],
      ]),
      c('MGET with repeated keys', (k) => [['MSET', k('a'), '1', k('b'), '2'], ['MGET', k('a'), k('a'), k('b'), k('a'), k('b')]]),
      c('MSET odd argument counts', (k) => [
        ['MSET', k('a')],
        ['MSET', k('a'), '1', k('b')],
        ['MSET', k('a'), '1', k('b'), '2', k('c')],
        ['MSET', k('a'), '1', k('b'), '2', k('c'), '3', k('d')],
        ['MGET', k('a'), k('b'), k('c')],
        ['MSET'],
      ]),
      c('MSET repeated key: last wins', (k) => [['MSET', k('a'), '1', k('b'), '2', k('a'), '3', k('c'), '4', k('a'), '5'], ['MGET', k('a'), k('b'), k('c')]]),
      c('MSET clears TTLs', (k) => [['SET', k('a'), 'v', 'EX', '100'], ['MSET', k('a'), 'w', k('b'), 'x'], ['TTL', k('a')], ['GET', k('a')]]),
      c('MSETNX all new / some existing', (k) => [
        ['MSETNX', k('a'), '1', k('b'), '2', k('c'), '3', k('d'), '4'],
        ['MGET', k('a'), k('b'), k('c'), k('d')],
        ['MSETNX', k('e'), '5', k('f'), '6', k('a'), 'x', k('g'), '7'],
        ['MGET', k('a'), k('e'), k('f'), k('g')],
      ]),
      c('MSETNX same shard (hash tag)', (k) => [['MSETNX', k('{t}a'), '1', k('{t}b'), '2'], ['MSETNX', k('{t}b'), '3', k('{t}c'), '4'], ['MGET', k('{t}a'), k('{t}b'), k('{t}c')]]),
      c('MSETNX repeated key', (k) => [['MSETNX', k('a'), '1', k('a'), '2'], ['GET', k('a')]]),
      c('MSETNX odd argument counts', (k) => [['MSETNX', k('a')], ['MSETNX', k('a'), '1', k('b')], ['MSETNX', k('a'), '1', k('b'), '2', k('c')], ['EXISTS', k('a'), k('b')]]),
      c('MGET / MSET binary keys across shards', (k) => {
        const keys = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => Buffer.concat([Buffer.from(k('bin')), ALL_BYTES.subarray(i * 32, i * 32 + 32)]));
        return [['MSET', ...keys.flatMap((key, i) => [key, ALL_BYTES.subarray(i * 32, i * 32 + 32)])], ['MGET', ...keys]];
      }),
      c('MGET of 200 keys', (k) => {
        const keys = Array.from({ length: 200 }, (_, i) => k(`m${i}`));
        return [['MSET', ...keys.filter((_, i) => i % 3 !== 0).flatMap((key) => [key, key + ':v'])], ['MGET', ...keys]];
      }),
    ],
  },
  {
    name: 'keyspace',
    cases: [
      c('DEL / EXISTS across shards', (k) => [
        ['MSET', k('a'), '1', k('b'), '2', k('c'), '3', k('d'), '4'],
        ['EXISTS', k('a'), k('b'), k('c'), k('d'), k('x')],
        ['EXISTS', k('a'), k('a'), k('a')],
        ['DEL', k('a'), k('b'), k('x')],
        ['EXISTS', k('a'), k('b'), k('c'), k('d')],
        ['DEL', k('c'), k('c'), k('d')],
        ['DEL', k('a')],
      ]),
      c('TYPE / TTL / PERSIST / EXPIRE', (k) => [
        ['SET', k('a'), 'v'],
        ['TYPE', k('a')],
        ['TYPE', k('x')],
        ['TTL', k('a')],
        ['TTL', k('x')],
        ['EXPIRE', k('a'), '100'],
        ['TTL', k('a')],
        ['PERSIST', k('a')],
        ['PERSIST', k('a')],
        ['TTL', k('a')],
        ['EXPIRE', k('x'), '100'],
        ['EXPIRE', k('a'), 'abc'],
        ['EXPIRE', k('a'), '0'],
        ['EXISTS', k('a')],
      ]),
      c('EXPIRE NX / XX / GT / LT', (k) => [
        ['SET', k('a'), 'v'],
        ['EXPIRE', k('a'), '100', 'XX'],
        ['EXPIRE', k('a'), '100', 'NX'],
        ['EXPIRE', k('a'), '200', 'NX'],
        ['EXPIRE', k('a'), '50', 'GT'],
        ['EXPIRE', k('a'), '300', 'GT'],
        ['TTL', k('a')],
        ['EXPIRE', k('a'), '400', 'LT'],
        ['EXPIRE', k('a'), '200', 'LT'],
        ['TTL', k('a')],
        ['EXPIRE', k('a'), '10', 'NX', 'XX'],
        ['EXPIRE', k('a'), '10', 'GT', 'LT'],
        ['EXPIRE', k('a'), '10', 'FOO'],
      ]),
      c('TOUCH / UNLINK across shards', (k) => [['MSET', k('a'), '1', k('b'), '2', k('c'), '3'], ['TOUCH', k('a'), k('b'), k('c'), k('x')], ['UNLINK', k('a'), k('x'), k('b')], ['EXISTS', k('a'), k('b'), k('c')]]),
      c('COPY', (k) => [
        ['SET', k('{t}a'), 'v', 'EX', '100'],
        ['COPY', k('{t}a'), k('{t}b')],
        ['GET', k('{t}b')],
        ['TTL', k('{t}b')],
        ['COPY', k('{t}a'), k('{t}b')],
        ['COPY', k('{t}a'), k('{t}b'), 'REPLACE'],
        ['COPY', k('{t}a'), k('{t}a')],
        ['COPY', k('{t}x'), k('{t}y')],
        ['COPY', k('{t}a'), k('{t}c'), 'DB', '1'],
        ['SELECT', '1'],
        ['GET', k('{t}c')],
        ['DEL', k('{t}c')],
        ['SELECT', '0'],
        ['COPY', k('{t}a'), k('{t}c'), 'DB', '99'],
        ['COPY', k('{t}a'), k('{t}c'), 'DB', 'x'],
        ['COPY', k('{t}a'), k('{t}c'), 'FOO'],
      ]),
      c('COPY across shards', (k) => [['SET', k('src'), 'v'], ['COPY', k('src'), k('dst')], ['GET', k('dst')], ['COPY', k('src'), k('dst')], ['SET', k('src'), 'w'], ['COPY', k('src'), k('dst'), 'REPLACE'], ['GET', k('dst')]]),
      c('MOVE', (k) => [
        ['SET', k('a'), 'v'],
        ['MOVE', k('a'), '1'],
        ['EXISTS', k('a')],
        ['MOVE', k('a'), '1'],
        ['SET', k('a'), 'w'],
        ['MOVE', k('a'), '1'],
        ['MOVE', k('a'), '0'],
        ['MOVE', k('a'), '16'],
        ['MOVE', k('a'), 'x'],
        ['SELECT', '1'],
        ['GET', k('a')],
        ['DEL', k('a')],
      ]),
      c('OBJECT ENCODING / REFCOUNT / FREQ', (k) => [
        ['SET', k('i'), '12345'],
        ['SET', k('s'), 'short'],
        ['SET', k('r'), 'r'.repeat(45)],
        ['SET', k('e'), 'e'.repeat(44)],
        ['SET', k('z'), '100'],
        ['OBJECT', 'ENCODING', k('i')],
        ['OBJECT', 'ENCODING', k('s')],
        ['OBJECT', 'ENCODING', k('r')],
        ['OBJECT', 'ENCODING', k('e')],
        ['OBJECT', 'ENCODING', k('missing')],
        ['APPEND', k('s'), 'x'],
        ['OBJECT', 'ENCODING', k('s')],
        ['INCR', k('i')],
        ['OBJECT', 'ENCODING', k('i')],
        ['OBJECT', 'REFCOUNT', k('s')],
        ['OBJECT', 'REFCOUNT', k('z')],
        ['OBJECT', 'REFCOUNT', k('missing')],
        ['OBJECT', 'FREQ', k('s')],
        ['OBJECT'],
        ['OBJECT', 'FOO', k('s')],
        ['OBJECT', 'ENCODING'],
      ]),
      c('FLUSHDB / DBSIZE in a database of their own', () => [
        ['SELECT', '9'],
        ['FLUSHDB'],
        ['DBSIZE'],
        ['MSET', 'a', '1', 'b', '2', 'c', '3', 'd', '4', 'e', '5'],
        ['DBSIZE'],
        ['FLUSHDB', 'ASYNC'],
        ['DBSIZE'],
        ['SET', 'x', 'y'],
        ['FLUSHDB', 'SYNC'],
        ['DBSIZE'],
        ['FLUSHDB', 'FOO'],
        ['DBSIZE', 'x'],
      ]),
      c(
        'KEYS in a database of its own',
        () => [
          ['SELECT', '10'],
          ['FLUSHDB'],
          ['MSET', 'alpha', '1', 'beta', '2', 'gamma', '3', 'alps', '4', 'a*b', '5', 'ab', '6'],
          ['KEYS', '*'],
          ['KEYS', 'al*'],
          ['KEYS', '?eta'],
          ['KEYS', '[ab]*'],
          ['KEYS', 'a\\*b'],
          ['KEYS', 'nomatch*'],
          ['FLUSHDB'],
        ],
        undefined,
        UNORDERED_KEYS,
      ),
      c('COMMAND INFO / GETKEYS', () => [
        ['COMMAND', 'INFO', 'get', 'mset', 'lcs'],
        ['COMMAND', 'INFO', 'nosuchcommand'],
        ['COMMAND', 'INFO', 'client|setname'],
        ['COMMAND', 'GETKEYS', 'mset', 'a', '1', 'b', '2'],
        ['COMMAND', 'GETKEYS', 'lcs', 'k1', 'k2', 'IDX'],
        ['COMMAND', 'GETKEYS', 'get'],
        ['COMMAND', 'GETKEYS', 'ping'],
        ['COMMAND', 'GETKEYS', 'nosuch', 'x'],
        ['COMMAND', 'GETKEYSANDFLAGS', 'copy', 'a', 'b'],
      ]),
      c('CONFIG GET / SET errors', () => [
        ['CONFIG', 'GET', 'maxmemory-policy'],
        ['CONFIG', 'GET', 'databases'],
        ['CONFIG', 'GET', 'nosuchparam'],
        ['CONFIG', 'SET', 'maxmemory-policy', 'nosuchpolicy'],
        ['CONFIG', 'SET', 'nosuchparam', 'x'],
        ['CONFIG', 'SET', 'hz'],
        ['CONFIG', 'GET'],
      ]),
      c('RENAME', (k) => [['SET', k('a'), 'v', 'EX', '100'], ['RENAME', k('a'), k('b')], ['GET', k('b')], ['TTL', k('b')], ['EXISTS', k('a')], ['RENAME', k('nope'), k('c')], ['RENAMENX', k('b'), k('b')], ['SET', k('c'), 'w'], ['RENAMENX', k('b'), k('c')], ['RENAMENX', k('b'), k('d')], ['MGET', k('b'), k('c'), k('d')]]),
    ],
  },
  {
    name: 'connection',
    cases: [
      c('PING / ECHO', () => [['PING'], ['PING', 'hello'], ['PING', ''], ['ping', 'a b'], ['ECHO', 'hi'], ['ECHO', ''], ['ECHO', ALL_BYTES], ['echo', BIG]]),
      c('PING / ECHO arity', () => [['PING', 'a', 'b'], ['ECHO'], ['ECHO', 'a', 'b']]),
      c('HELLO variants', () => [['HELLO'], ['HELLO', '2'], ['HELLO', '3'], ['GET', 'diff:hello:missing'], ['HELLO', '2'], ['GET', 'diff:hello:missing'], ['HELLO']]),
      c('HELLO errors', () => [
        ['HELLO', '4'],
        ['HELLO', '1'],
        ['HELLO', '0'],
        ['HELLO', '-1'],
        ['HELLO', 'abc'],
        ['HELLO', '3.0'],
        ['HELLO', '99999999999999999999'],
        ['HELLO', 'SETNAME', 'x'],
        ['HELLO', '3', 'FOO'],
        ['HELLO', '3', 'AUTH', 'default'],
        ['HELLO', '3', 'SETNAME'],
        ['HELLO', '3', 'AUTH'],
        ['GET', 'diff:hello:missing'],
      ]),
      c('HELLO SETNAME / AUTH', () => [
        ['HELLO', '3', 'SETNAME', 'myname'],
        ['CLIENT', 'GETNAME'],
        ['HELLO', '2', 'SETNAME', 'bad name'],
        ['CLIENT', 'GETNAME'],
        ['HELLO', '2', 'AUTH', 'default', 'anything'],
        ['HELLO', '2', 'AUTH', 'nobody', 'pw'],
        ['HELLO', '3', 'AUTH', 'default', 'pw', 'SETNAME', 'n2'],
        ['CLIENT', 'GETNAME'],
        ['HELLO', '2', 'SETNAME', 'a', 'SETNAME', 'b'],
        ['CLIENT', 'GETNAME'],
      ]),
      c('HELLO switches the encoding of later replies', (k) => [['HELLO', '3'], ['GET', k('missing')], ['MGET', k('missing'), k('m2')], ['INCRBYFLOAT', k('f'), '1.5'], ['CLIENT', 'GETNAME'], ['LCS', k('{t}a'), k('{t}b'), 'IDX'], ['HELLO', '2'], ['GET', k('missing')], ['LCS', k('{t}a'), k('{t}b'), 'IDX']]),
      c('SELECT', (k) => [['SELECT', '1'], ['SET', k('a'), 'db1'], ['SELECT', '0'], ['GET', k('a')], ['SELECT', '15'], ['GET', k('a')], ['SELECT', '1'], ['GET', k('a')], ['DEL', k('a')]]),
      c('SELECT errors', () => [['SELECT', '16'], ['SELECT', '-1'], ['SELECT', 'abc'], ['SELECT', '1.5'], ['SELECT', '2147483648'], ['SELECT', '9999999999999'], ['SELECT', '-2147483649'], ['SELECT', '99999999999999999999'], ['SELECT', ''], ['SELECT'], ['SELECT', '0', '1']]),
      c('SELECT with multi-shard commands', (k) => [['SELECT', '3'], ['MSET', k('a'), '1', k('b'), '2', k('c'), '3'], ['MGET', k('a'), k('b'), k('c')], ['SELECT', '0'], ['MGET', k('a'), k('b'), k('c')], ['SELECT', '3'], ['DEL', k('a'), k('b'), k('c')]]),
      c('CLIENT SETNAME / GETNAME', () => [
        ['CLIENT', 'GETNAME'],
        ['CLIENT', 'SETNAME', 'foo'],
        ['CLIENT', 'GETNAME'],
        ['CLIENT', 'SETNAME', 'a b'],
        ['CLIENT', 'SETNAME', 'a\nb'],
        ['CLIENT', 'SETNAME', 'caf\xe9'],
        ['CLIENT', 'SETNAME', '\x7f'],
        ['CLIENT', 'GETNAME'],
        ['CLIENT', 'SETNAME', ''],
        ['CLIENT', 'GETNAME'],
        ['client', 'setname', '~!@#$%^&*()'],
        ['client', 'getname'],
      ]),
      c('CLIENT arity and unknown subcommands', () => [
        ['CLIENT'],
        ['CLIENT', 'SETNAME'],
        ['CLIENT', 'SETNAME', 'a', 'b'],
        ['CLIENT', 'GETNAME', 'x'],
        ['CLIENT', 'FOO'],
        ['CLIENT', 'foo', 'bar', 'baz'],
        ['CLIENT', 'x'.repeat(200)],
        ['CLIENT', 'REPLY'],
        ['CLIENT', 'ID', 'x'],
      ]),
      c('CLIENT ID', () => [['CLIENT', 'ID']]),
      c('CLIENT NO-EVICT', () => [['CLIENT', 'NO-EVICT', 'ON'], ['CLIENT', 'NO-EVICT', 'off'], ['CLIENT', 'NO-EVICT', 'maybe'], ['CLIENT', 'NO-EVICT']]),
      c('CLIENT REPLY OFF / ON', (k) => [['CLIENT', 'REPLY', 'OFF'], ['SET', k('a'), 'v'], ['GET', k('a')], ['FOO'], ['GET'], ['MGET', k('a'), k('b'), k('c')], ['CLIENT', 'REPLY', 'ON'], ['GET', k('a')]]),
      c('CLIENT REPLY SKIP', (k) => [['CLIENT', 'REPLY', 'SKIP'], ['SET', k('a'), 'v'], ['GET', k('a')], ['CLIENT', 'REPLY', 'SKIP'], ['MGET', k('a'), k('b'), k('c')], ['PING']]),
      c('CLIENT REPLY SKIP twice, SKIP then ON, OFF then SKIP', (k) => [
        ['CLIENT', 'REPLY', 'SKIP'],
        ['CLIENT', 'REPLY', 'SKIP'],
        ['GET', k('a')],
        ['PING'],
        ['CLIENT', 'REPLY', 'SKIP'],
        ['CLIENT', 'REPLY', 'ON'],
        ['PING', 'x'],
        ['CLIENT', 'REPLY', 'OFF'],
        ['CLIENT', 'REPLY', 'SKIP'],
        ['PING', 'y'],
        ['CLIENT', 'REPLY', 'ON'],
        ['PING', 'z'],
      ]),
      c('CLIENT REPLY bad argument', () => [['CLIENT', 'REPLY', 'MAYBE'], ['CLIENT', 'REPLY', 'ON', 'x'], ['PING']]),
      c('AUTH without a password configured', () => [
        ['AUTH', 'foo'],
        ['AUTH', 'default', 'foo'],
        ['AUTH', 'default', ''],
        ['AUTH', 'bob', 'foo'],
        ['AUTH', 'a', 'b', 'c'],
        ['AUTH'],
        ['PING'],
      ]),
      c('QUIT', (k) => [['SET', k('a'), 'v'], ['QUIT']]),
      c('QUIT with arguments', () => [['QUIT', 'now', 'please']]),
      c('QUIT after pipelined multi-shard commands', (k) => [['MSET', k('a'), '1', k('b'), '2', k('c'), '3'], ['MGET', k('a'), k('b'), k('c')], ['QUIT']]),
      c('RESET', (k) => [['HELLO', '3'], ['SELECT', '2'], ['CLIENT', 'SETNAME', 'x'], ['RESET'], ['GET', k('a')], ['CLIENT', 'GETNAME']]),
    ],
  },
  {
    name: 'unknown commands and arity',
    cases: [
      c('unknown command', () => [['FOO'], ['FOO', 'a', 'b'], ['foo', 'bar'], [''], ['', ''], ['G E T', 'x']]),
      c('unknown command with many arguments', () => [['NOSUCH', ...Array.from({ length: 60 }, (_, i) => `arg${i}`)]]),
      c('unknown command with long arguments', () => [['NOSUCH', 'x'.repeat(200), 'y'], ['NOSUCH', 'a'.repeat(100), 'b'.repeat(100)], ['Z'.repeat(300)], ['NOSUCH', 'a'.repeat(120), 'bcdefghijk']]),
      c('unknown command with newlines and NUL bytes in arguments', () => [['NOSUCH', 'a\r\nb', 'c\nd'], ['NO\r\nSUCH'], ['NOSUCH', 'a\x00b', 'c'], ['NO\x00SUCH', 'x']]),
      c('arity errors name the command in lower case', (k) => [['get'], ['GET'], ['Get', 'a', 'b'], ['SET', k('a')], ['MGET'], ['LCS', k('a')], ['APPEND', k('a')], ['STRLEN'], ['SETRANGE', k('a'), '1'], ['GETRANGE', k('a'), '1'], ['INCRBYFLOAT', k('a')], ['MSETNX']]),
    ],
  },
];

const VARIANTS: { id: 'resp2' | 'resp3' | 'pipeline'; opts: DiffOptions }[] = [
  { id: 'resp2', opts: {} },
  { id: 'resp3', opts: { resp3: true } },
  { id: 'pipeline', opts: { pipeline: true } },
];

let redis: ServerHandle | null = null;

before(async () => {
  if (REDIS_AVAILABLE) redis = await startRedis();
});
after(async () => {
  await redis?.stop();
});

for (const threads of [1, 2, 4]) {
  describe(`differential vs Redis, Damselfly with ${threads} thread(s)`, () => {
    let dfly: ServerHandle | null = null;
    before(async () => {
      if (REDIS_AVAILABLE) dfly = await startDamselfly({ threads });
    });
    after(async () => {
      await stopChecked(dfly);
    });

    let caseNo = 0;
    for (const group of GROUPS) {
      describe(group.name, () => {
        for (const tc of group.cases) {
          const no = caseNo++;
          it(tc.name, { timeout: 60_000 }, async (t) => {
            if (redis === null || dfly === null) {
              t.skip(SKIP_NO_REDIS);
              return;
            }
            const failures: string[] = [];
            for (const v of VARIANTS) {
              if (tc.only && !tc.only.includes(v.id)) continue;
              const ns = `d${threads}:${no}:${v.id}`;
              const k: Keys = (name) => `${ns}:${name}`;
              try {
                await diff({ damselfly: dfly.port, redis: redis.port }, tc.cmds(k), { ...v.opts, normalize: tc.normalize, label: `${threads} thread(s), ${group.name} / ${tc.name}` });
              } catch (e) {
                const msg = (e as Error).message;
                // The whole transcript once; for the other variants the differing reply is enough.
                failures.push(failures.length === 0 ? msg : msg.split('\nwhole transcript:')[0]);
              }
            }
            if (failures.length > 0) assert.fail(failures.join('\n\n'));
          });
        }
      });
    }
  });
}
