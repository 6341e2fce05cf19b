// Bitmap commands (SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO) byte-exact against a real
// redis-server 7.0: every case goes to Redis and to Damselfly at 1, 2 and 4 threads, in RESP2, RESP3 and
// pipelined, through the shared differential runner. Values written by SET/APPEND/SETRANGE are read
// with the bit commands and bitmaps with GET/GETRANGE/STRLEN; BITOP's keys spread over the shards.
// Range and offset grids are generated, so every combination of sign, unit and edge is compared (in
// RESP2 only: their replies are integers, the same bytes in RESP3).
// A failing case is a compatibility bug in the server: keep the case, fix the server.

import { ALL_BYTES, c, differentialSuite, type Group, type Keys } from '../../test/differential-runner.ts';
import type { Arg } from '../../test/harness.ts';

const bytes = (...b: number[]): Buffer => Buffer.from(b);

/** Sample values: edges of every kind for the range commands. */
const SAMPLES: [string, Arg][] = [
  ['ones-zeros', bytes(0xff, 0xf0, 0x00)],
  ['zeros-one', bytes(0x00, 0x00, 0x01)],
  ['all-ones', bytes(0xff, 0xff, 0xff)],
  ['text', 'foobar'],
  ['one-byte', bytes(0x10)],
  ['long', Buffer.concat([Buffer.alloc(70, 0xff), bytes(0xfe), Buffer.alloc(60, 0), bytes(0x01), Buffer.alloc(9, 0xff)])],
  ['long-zeros', Buffer.concat([Buffer.alloc(130, 0), bytes(0x20), Buffer.alloc(3, 0)])],
];

const STARTS = ['0', '1', '7', '9', '-1', '-2', '-9', '100', '-1000'];
const ENDS = ['0', '2', '8', '23', '-1', '-8', '-100', '1000'];

/** BITCOUNT over a grid of ranges and units, on a value set by SET. */
function bitcountGrid(k: Keys, value: Arg): Arg[][] {
  const cmds: Arg[][] = [['SET', k('s'), value], ['BITCOUNT', k('s')]];
  for (const s of STARTS) {
    for (const e of ENDS) {
      cmds.push(['BITCOUNT', k('s'), s, e], ['BITCOUNT', k('s'), s, e, 'BIT'], ['BITCOUNT', k('s'), s, e, 'byte']);
    }
  }
  return cmds;
}

/** BITPOS over a grid of bits, ranges and units. */
function bitposGrid(k: Keys, value: Arg): Arg[][] {
  const cmds: Arg[][] = [['SET', k('s'), value], ['BITPOS', k('s'), '0'], ['BITPOS', k('s'), '1']];
  for (const bit of ['0', '1']) {
    for (const s of STARTS) {
      cmds.push(['BITPOS', k('s'), bit, s]);
      for (const e of ENDS) cmds.push(['BITPOS', k('s'), bit, s, e], ['BITPOS', k('s'), bit, s, e, 'bit'], ['BITPOS', k('s'), bit, s, e, 'BYTE']);
    }
  }
  return cmds;
}

/** SETBIT at every `step`-th bit up to `bits`, then the value read back every way. */
function growBitByBit(k: Keys, bits: number, step: number): Arg[][] {
  const cmds: Arg[][] = [];
  for (let i = 0; i < bits; i += step) cmds.push(['SETBIT', k('g'), String(i), '1']);
  cmds.push(['GET', k('g')], ['STRLEN', k('g')], ['BITCOUNT', k('g')], ['BITPOS', k('g'), '0'], ['OBJECT', 'ENCODING', k('g')]);
  for (let i = 0; i < bits; i += step * 3) cmds.push(['SETBIT', k('g'), String(i), '0']);
  cmds.push(['GET', k('g')], ['BITCOUNT', k('g')], ['BITPOS', k('g'), '1', '3']);
  return cmds;
}

const GROUPS: Group[] = [
  {
    name: 'SETBIT and GETBIT',
    cases: [
      c('SETBIT creates, answers the old bit, grows', (k) => [
        ['SETBIT', k('a'), '7', '1'], ['SETBIT', k('a'), '7', '1'], ['SETBIT', k('a'), '7', '0'], ['SETBIT', k('a'), '7', '0'],
        ['SETBIT', k('a'), '100', '1'], ['GET', k('a')], ['STRLEN', k('a')], ['GETRANGE', k('a'), '10', '12'],
        ['GETBIT', k('a'), '100'], ['GETBIT', k('a'), '99'], ['GETBIT', k('a'), '7'], ['GETBIT', k('a'), '1000000'],
        ['GETBIT', k('missing'), '0'], ['GETBIT', k('missing'), '4294967295'],
        ['TYPE', k('a')], ['OBJECT', 'ENCODING', k('a')], ['EXISTS', k('a')],
        ['SETBIT', k('zero'), '0', '0'], ['GET', k('zero')], ['STRLEN', k('zero')], ['OBJECT', 'ENCODING', k('zero')],
        ['SETBIT', k('z2'), '15', '0'], ['GET', k('z2')],
      ]),
      c('SETBIT on values set by SET, APPEND, SETRANGE, INCR', (k) => [
        ['SET', k('s'), 'hello'], ['OBJECT', 'ENCODING', k('s')], ['GETBIT', k('s'), '1'], ['GETBIT', k('s'), '2'],
        ['SETBIT', k('s'), '2', '1'], ['GET', k('s')], ['OBJECT', 'ENCODING', k('s')],
        ['SET', k('n'), '123'], ['OBJECT', 'ENCODING', k('n')], ['GETBIT', k('n'), '2'], ['GETBIT', k('n'), '3'], ['GETBIT', k('n'), '24'],
        ['SETBIT', k('n'), '6', '0'], ['OBJECT', 'ENCODING', k('n')], ['GET', k('n')], ['INCR', k('n')],
        ['SET', k('same'), '456'], ['SETBIT', k('same'), '2', '1'], ['OBJECT', 'ENCODING', k('same')], ['GET', k('same')],
        ['APPEND', k('ap'), 'ab'], ['APPEND', k('ap'), 'cd'], ['SETBIT', k('ap'), '39', '1'], ['GET', k('ap')], ['GETBIT', k('ap'), '39'],
        ['SETRANGE', k('sr'), '3', 'xyz'], ['GETBIT', k('sr'), '25'], ['SETBIT', k('sr'), '0', '1'], ['GET', k('sr')], ['BITCOUNT', k('sr')],
        ['SET', k('bin'), ALL_BYTES], ['GETBIT', k('bin'), '2047'], ['GETBIT', k('bin'), '8'], ['SETBIT', k('bin'), '8', '0'], ['GETRANGE', k('bin'), '0', '3'],
        ['SET', k('emb'), 'x'.repeat(44)], ['SETBIT', k('emb'), '400', '1'], ['STRLEN', k('emb')], ['GET', k('emb')],
      ]),
      c('SETBIT keeps the TTL and signals WATCH only on a change', (k) => [
        ['SET', k('t'), 'v', 'EX', '1000'], ['SETBIT', k('t'), '5000', '1'], ['TTL', k('t')], ['STRLEN', k('t')],
        ['SETBIT', k('w'), '3', '1'], ['WATCH', k('w')], ['SETBIT', k('w'), '3', '1'], ['MULTI'], ['GETBIT', k('w'), '3'], ['EXEC'],
        ['WATCH', k('w')], ['SETBIT', k('w'), '3', '0'], ['MULTI'], ['GETBIT', k('w'), '3'], ['EXEC'],
        ['WATCH', k('w')], ['SETBIT', k('w'), '100', '0'], ['MULTI'], ['GETBIT', k('w'), '3'], ['EXEC'],
      ], ['resp2', 'resp3']),
      c('SETBIT/GETBIT errors', (k) => [
        ['SETBIT', k('a'), '-1', '1'], ['SETBIT', k('a'), 'abc', '1'], ['SETBIT', k('a'), '4294967296', '1'], ['SETBIT', k('a'), '1.5', '1'],
        ['SETBIT', k('a'), '', '1'], ['SETBIT', k('a'), '+1', '1'], ['SETBIT', k('a'), '01', '1'], ['SETBIT', k('a'), '#1', '1'],
        ['SETBIT', k('a'), '99999999999999999999', '1'], ['SETBIT', k('a'), '-9223372036854775808', '1'],
        ['SETBIT', k('a'), '1', '2'], ['SETBIT', k('a'), '1', '-1'], ['SETBIT', k('a'), '1', 'x'], ['SETBIT', k('a'), '1', ''], ['SETBIT', k('a'), '1', '01'],
        ['SETBIT', k('a'), 'x', 'y'], ['EXISTS', k('a')],
        ['GETBIT', k('a'), '-1'], ['GETBIT', k('a'), 'x'], ['GETBIT', k('a'), '4294967296'],
        ['RPUSH', k('l'), 'x'], ['SETBIT', k('l'), '1', '1'], ['GETBIT', k('l'), '1'], ['SETBIT', k('l'), '-1', '1'], ['GETBIT', k('l'), 'x'],
        ['SETBIT', k('a'), '1'], ['SETBIT', k('a'), '1', '1', '1'], ['GETBIT', k('a')], ['GETBIT', k('a'), '1', '2'],
      ]),
      c('SETBIT bit by bit across size classes and the long-length header', (k) => growBitByBit(k, 5000, 7)),
      c('SETBIT downward then upward offsets', (k) => {
        const cmds: Arg[][] = [];
        for (let i = 3000; i >= 0; i -= 97) cmds.push(['SETBIT', k('d'), String(i), String(i % 2)]);
        for (let i = 3001; i < 9000; i += 611) cmds.push(['SETBIT', k('d'), String(i), '1']);
        cmds.push(['GET', k('d')], ['BITCOUNT', k('d')], ['STRLEN', k('d')]);
        return cmds;
      }),
      c('offset 2^32-1 (a 512 MB string)', (k) => [
        ['SETBIT', k('big'), '4294967295', '1'], ['STRLEN', k('big')], ['GETBIT', k('big'), '4294967295'], ['GETBIT', k('big'), '4294967294'],
        ['SETBIT', k('big'), '4294967296', '1'], ['BITPOS', k('big'), '1', '-1'], ['BITPOS', k('big'), '0', '-1'],
        ['BITCOUNT', k('big'), '-1', '-1', 'BIT'], ['BITFIELD', k('big'), 'GET', 'u8', '4294967288', 'GET', 'i64', '4294967290', 'GET', 'u8', '#536870911'],
        ['BITFIELD', k('big'), 'SET', 'u8', '4294967296', '1'], ['BITFIELD', k('big'), 'SET', 'u8', '#536870912', '1'], ['STRLEN', k('big')],
        ['DEL', k('big')],
      ], ['resp2']),
      c('growth past 1 MB (greedy room of 1 MB)', (k) => [
        ['SETBIT', k('g'), '0', '1'], ['SETBIT', k('g'), '8388607', '1'], ['SETBIT', k('g'), '8388608', '1'], ['SETBIT', k('g'), '16777216', '1'],
        ['SETBIT', k('g'), '25165824', '1'], ['STRLEN', k('g')], ['BITCOUNT', k('g')], ['BITPOS', k('g'), '1', '1'], ['GETRANGE', k('g'), '1048575', '1048577'],
        ['DEL', k('g')],
      ], ['resp2', 'resp3']),
      c('the offset limit follows proto-max-bulk-len', (k) => [
        ['CONFIG', 'SET', 'proto-max-bulk-len', '1mb'],
        ['SETBIT', k('a'), '8388608', '1'], ['SETBIT', k('a'), '8388607', '1'], ['STRLEN', k('a')], ['GETBIT', k('a'), '8388608'],
        ['BITFIELD', k('a'), 'GET', 'u8', '8388608'], ['BITFIELD', k('a'), 'SET', 'u8', '8388607', '255'], ['STRLEN', k('a')],
        ['BITFIELD', k('a'), 'GET', 'i64', '#131072'], ['BITFIELD', k('a'), 'GET', 'i64', '#131071'],
        ['CONFIG', 'SET', 'proto-max-bulk-len', '512mb'], ['SETBIT', k('a'), '8388608', '1'], ['STRLEN', k('a')],
      ], ['resp2']),
    ],
  },
  {
    name: 'BITCOUNT',
    cases: [
      ...SAMPLES.map(([name, v]) => c(`BITCOUNT grid: ${name}`, (k) => bitcountGrid(k, v), ['resp2'])),
      c('BITCOUNT whole values of every kind', (k) => [
        ['SET', k('a'), ALL_BYTES], ['BITCOUNT', k('a')], ['BITCOUNT', k('a'), '10', '200'], ['BITCOUNT', k('a'), '81', '1999', 'BIT'],
        ['SET', k('n'), '-12345'], ['BITCOUNT', k('n')], ['BITCOUNT', k('n'), '1', '2'],
        ['SET', k('e'), ''], ['BITCOUNT', k('e')], ['BITCOUNT', k('e'), '0', '-1'], ['BITCOUNT', k('e'), '0', '-1', 'BIT'],
        ['SET', k('big'), Buffer.alloc(100_003, 0x5a)], ['BITCOUNT', k('big')], ['BITCOUNT', k('big'), '3', '-5'], ['BITCOUNT', k('big'), '13', '-37', 'BIT'],
        ['BITCOUNT', k('missing')], ['BITCOUNT', k('missing'), '0', '-1'], ['BITCOUNT', k('missing'), '0', '1000', 'bit'],
      ]),
      c('BITCOUNT errors and their order', (k) => [
        ['SET', k('s'), 'foobar'],
        ['BITCOUNT', k('s'), '0'], ['BITCOUNT', k('s'), '0', '1', 'hello'], ['BITCOUNT', k('s'), '0', '1', 'BIT', 'x'],
        ['BITCOUNT', k('s'), 'x', '1'], ['BITCOUNT', k('s'), '1', 'x'], ['BITCOUNT', k('s'), '1.5', '2'], ['BITCOUNT', k('s'), '0', '99999999999999999999'],
        ['BITCOUNT', k('s'), '-1', '-5', 'hello'], ['BITCOUNT', k('s'), 'x', 'y', 'hello'],
        ['BITCOUNT', k('s'), '0', '4294967296'], ['BITCOUNT', k('s'), '-9223372036854775808', '9223372036854775807'],
        ['BITCOUNT', k('s'), '-9223372036854775808', '9223372036854775807', 'BIT'],
        ['BITCOUNT', k('missing'), '0'], ['BITCOUNT', k('missing'), 'x', 'y'], ['BITCOUNT', k('missing'), '0', '1', 'hello'],
        ['RPUSH', k('l'), 'x'], ['BITCOUNT', k('l')], ['BITCOUNT', k('l'), 'x'], ['BITCOUNT'],
      ]),
    ],
  },
  {
    name: 'BITPOS',
    cases: [
      ...SAMPLES.map(([name, v]) => c(`BITPOS grid: ${name}`, (k) => bitposGrid(k, v), ['resp2'])),
      c('BITPOS on missing, empty and wrong-type keys, and errors', (k) => [
        ['BITPOS', k('missing'), '0'], ['BITPOS', k('missing'), '1'], ['BITPOS', k('missing'), '1', 'x', 'y', 'z', 'w'],
        ['BITPOS', k('missing'), '2'], ['BITPOS', k('missing'), 'x'], ['BITPOS', k('missing'), '-1'],
        ['SET', k('e'), ''], ['BITPOS', k('e'), '0'], ['BITPOS', k('e'), '1'], ['BITPOS', k('e'), '0', '0'], ['BITPOS', k('e'), '0', '0', '-1', 'BIT'],
        ['SET', k('s'), bytes(0xff, 0x00)], ['BITPOS', k('s'), '1', 'x'], ['BITPOS', k('s'), '1', '0', 'x'], ['BITPOS', k('s'), '1', '0', '1', 'bits'],
        ['BITPOS', k('s'), '1', '0', 'x', 'bits'], ['BITPOS', k('s'), '1', 'x', '1', 'bits'], ['BITPOS', k('s'), '1', '0', '1', 'BIT', 'extra'],
        ['BITPOS', k('s'), '0', '0', '99999999999999999999'],
        ['SET', k('n'), '255'], ['BITPOS', k('n'), '0'], ['BITPOS', k('n'), '1', '1'],
        ['RPUSH', k('l'), 'x'], ['BITPOS', k('l'), '1'], ['BITPOS', k('l'), '2'], ['BITPOS', k('l'), '1', 'x'], ['BITPOS', k('s')],
        ['SET', k('big'), Buffer.concat([Buffer.alloc(100_000, 0xff), bytes(0xfd), Buffer.alloc(50_000, 0)])],
        ['BITPOS', k('big'), '0'], ['BITPOS', k('big'), '1', '100001'], ['BITPOS', k('big'), '1', '100001', '-1'], ['BITPOS', k('big'), '0', '3', '-50001'],
        ['BITPOS', k('big'), '0', '13', '800006', 'BIT'], ['BITPOS', k('big'), '0', '13', '800005', 'BIT'],
      ]),
    ],
  },
  {
    name: 'BITOP',
    cases: [
      c('AND OR XOR NOT over values of different lengths', (k) => [
        ['SET', k('a'), 'foobar'], ['SET', k('b'), 'abcdef'], ['SET', k('c'), bytes(0xff, 0x0f)], ['SET', k('e'), ''],
        ['BITOP', 'AND', k('d'), k('a'), k('b')], ['GET', k('d')], ['OBJECT', 'ENCODING', k('d')],
        ['BITOP', 'or', k('d'), k('a'), k('c')], ['GET', k('d')],
        ['BITOP', 'Xor', k('d'), k('a'), k('b'), k('c')], ['GET', k('d')],
        ['BITOP', 'AND', k('d'), k('c'), k('a')], ['GET', k('d')],
        ['BITOP', 'NOT', k('d'), k('a')], ['GET', k('d')], ['BITOP', 'NOT', k('d'), k('c')], ['GET', k('d')],
        ['BITOP', 'AND', k('d'), k('a'), k('missing')], ['GET', k('d')], ['BITOP', 'OR', k('d'), k('missing'), k('a')], ['GET', k('d')],
        ['BITOP', 'XOR', k('d'), k('a'), k('a')], ['GET', k('d')], ['BITOP', 'AND', k('d'), k('e'), k('a')], ['GET', k('d')],
        ['SET', k('n'), '12345'], ['BITOP', 'OR', k('d'), k('n'), k('c')], ['GET', k('d')], ['OBJECT', 'ENCODING', k('d')],
      ]),
      c('BITOP with an empty result deletes the destination', (k) => [
        ['SET', k('d'), 'old'], ['BITOP', 'OR', k('d'), k('m1'), k('m2')], ['EXISTS', k('d')],
        ['SET', k('d'), 'old'], ['SET', k('e'), ''], ['BITOP', 'AND', k('d'), k('e'), k('m1')], ['EXISTS', k('d')],
        ['RPUSH', k('d'), 'x'], ['BITOP', 'NOT', k('d'), k('m1')], ['EXISTS', k('d')],
        ['RPUSH', k('d'), 'x'], ['SET', k('a'), 'ab'], ['BITOP', 'NOT', k('d'), k('a')], ['TYPE', k('d')], ['GET', k('d')],
        ['SET', k('t'), 'v', 'EX', '1000'], ['BITOP', 'OR', k('t'), k('a')], ['TTL', k('t')], ['GET', k('t')],
        ['BITOP', 'OR', k('a'), k('a'), k('t')], ['GET', k('a')],
      ]),
      c('BITOP errors', (k) => [
        ['SET', k('a'), 'x'], ['RPUSH', k('l'), 'y'],
        ['BITOP', 'NAND', k('d'), k('a')], ['BITOP', 'NOT', k('d'), k('a'), k('a')], ['BITOP', 'NOT', k('d'), k('l')],
        ['BITOP', 'AND', k('d'), k('a'), k('l')], ['BITOP', 'AND', k('d'), k('l'), k('a')], ['BITOP', 'OR', k('d'), k('missing'), k('l')], ['EXISTS', k('d')],
        ['BITOP', 'AND', k('d')], ['BITOP', 'AND'], ['BITOP', 'nand', k('d')], ['BITOP', 'NOT', k('d'), k('l'), k('a')],
      ]),
      c('BITOP over many keys on several shards, long values (word paths)', (k) => {
        const cmds: Arg[][] = [];
        const names: string[] = [];
        for (let i = 0; i < 20; i++) {
          const v = Buffer.alloc(40 + i * 13);
          for (let j = 0; j < v.length; j++) v[j] = (j * 31 + i * 17) & 0xff;
          cmds.push(['SET', k(`s${i}`), v]);
          names.push(k(`s${i}`));
        }
        for (const op of ['AND', 'OR', 'XOR']) {
          cmds.push(['BITOP', op, k('dst'), ...names], ['GET', k('dst')]);
          cmds.push(['BITOP', op, k('dst'), ...names.slice(3, 9), k('missing')], ['GET', k('dst')]);
          cmds.push(['BITOP', op, k('dst'), ...names.slice(0, 5).reverse()], ['GET', k('dst')]);
        }
        cmds.push(['BITOP', 'NOT', k('dst'), names[19]], ['GET', k('dst')], ['BITOP', 'NOT', names[2], names[2]], ['GET', names[2]]);
        cmds.push(['BITOP', 'XOR', names[0], ...names], ['GET', names[0]], ['BITCOUNT', names[0]]);
        return cmds;
      }),
      c('BITOP over sources longer than a slice (streamed across shards)', (k) => {
        const big = (n: number, seed: number): Buffer => {
          const v = Buffer.alloc(n);
          for (let j = 0; j < n; j++) v[j] = (j * 7 + seed * 13 + (j >> 9)) & 0xff;
          return v;
        };
        const cmds: Arg[][] = [['SET', k('a'), big(1_300_001, 1)], ['SET', k('b'), big(600_000, 2)], ['SET', k('c'), 'short'], ['SETBIT', k('d'), '9000000', '1']];
        for (const op of ['AND', 'OR', 'XOR']) {
          cmds.push(['BITOP', op, k('dst'), k('a'), k('b'), k('c'), k('missing'), k('d')], ['STRLEN', k('dst')], ['BITCOUNT', k('dst')], ['GETRANGE', k('dst'), '524280', '524300']);
        }
        cmds.push(['BITOP', 'OR', k('dst'), k('b'), k('a')], ['GET', k('dst')], ['OBJECT', 'ENCODING', k('dst')]);
        cmds.push(['BITOP', 'NOT', k('dst'), k('a')], ['BITCOUNT', k('dst')], ['GETRANGE', k('dst'), '-3', '-1']);
        cmds.push(['BITOP', 'XOR', k('a'), k('a'), k('b')], ['BITCOUNT', k('a')], ['GETRANGE', k('a'), '599990', '600010']);
        cmds.push(['RPUSH', k('l'), 'x'], ['BITOP', 'OR', k('dst'), k('a'), k('l')], ['STRLEN', k('dst')]);
        cmds.push(['SET', k('t'), 'v', 'EX', '1000'], ['BITOP', 'AND', k('t'), k('a'), k('d')], ['TTL', k('t')], ['BITCOUNT', k('t')]);
        return cmds;
      }, ['resp2', 'resp3']),
      c('BITOP with the keys on one shard (hash tag)', (k) => [
        ['SET', k('{t}a'), 'abc'], ['SET', k('{t}b'), bytes(1, 2, 3, 4, 5)],
        ['BITOP', 'XOR', k('{t}d'), k('{t}a'), k('{t}b')], ['GET', k('{t}d')], ['BITOP', 'AND', k('{t}d'), k('{t}a'), k('{t}none')], ['EXISTS', k('{t}d')],
      ]),
      c('BITOP inside MULTI/EXEC', (k) => [
        ['SET', k('a'), 'ab'], ['SET', k('b'), 'cd'],
        ['MULTI'], ['BITOP', 'OR', k('d'), k('a'), k('b')], ['GET', k('d')], ['SETBIT', k('d'), '0', '1'], ['BITCOUNT', k('d')], ['EXEC'],
      ], ['resp2', 'resp3']),
    ],
  },
  {
    name: 'BITFIELD',
    cases: [
      c('GET SET INCRBY signed and unsigned', (k) => [
        ['BITFIELD', k('b'), 'SET', 'i8', '0', '-100', 'GET', 'i8', '0', 'GET', 'u8', '0', 'INCRBY', 'i8', '0', '10', 'GET', 'u4', '2'],
        ['BITFIELD', k('b'), 'SET', 'u5', '3', '23', 'GET', 'u5', '3', 'GET', 'i5', '3', 'SET', 'i64', '9', '-1', 'GET', 'i64', '9', 'GET', 'u63', '9'],
        ['GET', k('b')], ['STRLEN', k('b')], ['OBJECT', 'ENCODING', k('b')],
        ['BITFIELD', k('b'), 'SET', 'i64', '100', '-9223372036854775808', 'GET', 'i64', '100', 'SET', 'u63', '200', '9223372036854775807', 'GET', 'u63', '200'],
        ['BITFIELD', k('b'), 'INCRBY', 'u1', '500', '1', 'INCRBY', 'u1', '500', '1', 'INCRBY', 'i1', '501', '1', 'INCRBY', 'i1', '501', '-1'],
        ['BITFIELD', k('b'), 'GET', 'u8', '#1', 'SET', 'u8', '#2', '200', 'GET', 'u8', '16', 'INCRBY', 'i16', '#3', '1000', 'GET', 'i16', '#3'],
        ['GET', k('b')],
        ['BITFIELD', k('missing'), 'GET', 'u8', '0', 'GET', 'i64', '1000'], ['EXISTS', k('missing')],
        ['BITFIELD', k('missing')], ['BITFIELD_RO', k('missing')], ['BITFIELD_RO', k('b'), 'GET', 'i8', '0', 'get', 'u3', '#5'],
        ['SET', k('s'), 'hello'], ['BITFIELD', k('s'), 'GET', 'u8', '8', 'GET', 'i13', '3', 'GET', 'u63', '1', 'GET', 'i64', '0'], ['OBJECT', 'ENCODING', k('s')],
        ['BITFIELD', k('s'), 'GET', 'u8', '8'], ['OBJECT', 'ENCODING', k('s')],
        ['SET', k('n'), '42'], ['BITFIELD', k('n'), 'GET', 'u16', '0', 'INCRBY', 'u8', '8', '1'], ['GET', k('n')],
      ]),
      c('OVERFLOW WRAP SAT FAIL', (k) => [
        ['BITFIELD', k('o'), 'SET', 'u8', '0', '250', 'INCRBY', 'u8', '0', '10', 'OVERFLOW', 'SAT', 'INCRBY', 'u8', '0', '300', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', '0', '1', 'GET', 'u8', '0'],
        ['BITFIELD', k('o'), 'OVERFLOW', 'SAT', 'INCRBY', 'u8', '0', '-1000', 'OVERFLOW', 'wrap', 'INCRBY', 'u8', '0', '-1', 'OVERFLOW', 'fail', 'INCRBY', 'u8', '0', '1'],
        ['BITFIELD', k('o'), 'SET', 'i8', '8', '127', 'INCRBY', 'i8', '8', '1', 'OVERFLOW', 'SAT', 'INCRBY', 'i8', '8', '-1000', 'INCRBY', 'i8', '8', '1000'],
        ['BITFIELD', k('o'), 'OVERFLOW', 'FAIL', 'SET', 'i8', '8', '128', 'SET', 'i8', '8', '-129', 'SET', 'u8', '8', '256', 'SET', 'u8', '8', '-1', 'GET', 'i8', '8'],
        ['BITFIELD', k('o'), 'OVERFLOW', 'SAT', 'SET', 'i8', '8', '128', 'SET', 'i8', '8', '-129', 'SET', 'u8', '8', '256', 'SET', 'u8', '8', '-1', 'GET', 'u8', '8'],
        ['BITFIELD', k('o'), 'OVERFLOW', 'WRAP', 'SET', 'i8', '8', '128', 'SET', 'i8', '8', '-129', 'SET', 'u8', '8', '256', 'SET', 'u8', '8', '-1', 'GET', 'u8', '8'],
        ['BITFIELD', k('o'), 'SET', 'i64', '64', '9223372036854775807', 'INCRBY', 'i64', '64', '1', 'OVERFLOW', 'SAT', 'INCRBY', 'i64', '64', '-9223372036854775808',
          'INCRBY', 'i64', '64', '-1', 'OVERFLOW', 'FAIL', 'INCRBY', 'i64', '64', '-9223372036854775808', 'INCRBY', 'i64', '64', '9223372036854775807'],
        ['BITFIELD', k('o'), 'SET', 'u63', '64', '9223372036854775807', 'INCRBY', 'u63', '64', '1', 'OVERFLOW', 'SAT', 'INCRBY', 'u63', '64', '-1',
          'INCRBY', 'u63', '64', '9223372036854775807', 'SET', 'u63', '64', '-9223372036854775808', 'OVERFLOW', 'WRAP', 'SET', 'u63', '64', '-9223372036854775808', 'GET', 'u63', '64'],
        ['BITFIELD', k('o'), 'SET', 'i1', '200', '1', 'SET', 'i1', '200', '-1', 'GET', 'i1', '200', 'SET', 'u1', '201', '2', 'GET', 'u1', '201', 'INCRBY', 'i3', '210', '100', 'INCRBY', 'u3', '213', '-100'],
        ['BITFIELD', k('f'), 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '100', '10'], ['EXISTS', k('f')], ['STRLEN', k('f')],
        ['GET', k('o')],
        // C's int64 wrap in checkSignedBitfieldOverflow: INT64_MIN counts as over the top of a narrow field.
        ['BITFIELD', k('q'), 'OVERFLOW', 'SAT', 'SET', 'i8', '#6', '-9223372036854775808', 'GET', 'i8', '#6', 'OVERFLOW', 'WRAP', 'SET', 'i8', '0', '-9223372036854775808',
          'OVERFLOW', 'FAIL', 'SET', 'i16', '8', '-9223372036854775808', 'OVERFLOW', 'SAT', 'INCRBY', 'i8', '24', '-9223372036854775808', 'INCRBY', 'i8', '24', '9223372036854775807',
          'SET', 'u8', '32', '-9223372036854775808', 'INCRBY', 'u8', '32', '-9223372036854775808', 'OVERFLOW', 'WRAP', 'INCRBY', 'u16', '40', '-9223372036854775808'],
        ['GET', k('q')],
      ]),
      c('BITFIELD errors and their order', (k) => [
        ['SET', k('s'), 'x'], ['RPUSH', k('l'), 'y'],
        ['BITFIELD', k('s'), 'GET', 'u64', '0'], ['BITFIELD', k('s'), 'GET', 'i65', '0'], ['BITFIELD', k('s'), 'GET', 'i0', '0'], ['BITFIELD', k('s'), 'GET', 'I8', '0'],
        ['BITFIELD', k('s'), 'GET', 'x8', '0'], ['BITFIELD', k('s'), 'GET', 'i', '0'], ['BITFIELD', k('s'), 'GET', '', '0'], ['BITFIELD', k('s'), 'GET', 'u08', '0'],
        ['BITFIELD', k('s'), 'GET', 'u-1', '0'], ['BITFIELD', k('s'), 'GET', 'i+8', '0'],
        ['BITFIELD', k('s'), 'GET', 'u8', '-1'], ['BITFIELD', k('s'), 'GET', 'u8', 'x'], ['BITFIELD', k('s'), 'GET', 'u8', '#'], ['BITFIELD', k('s'), 'GET', 'u8', '#-1'],
        ['BITFIELD', k('s'), 'GET', 'u8', '4294967296'], ['BITFIELD', k('s'), 'GET', 'u8', '#536870912'], ['BITFIELD', k('s'), 'GET', 'u8', '#536870911'],
        ['BITFIELD', k('s'), 'GET', 'i64', '#1152921504606846976'], ['BITFIELD', k('s'), 'GET', 'i64', '#4611686018427387904'],
        ['BITFIELD', k('s'), 'SET', 'u8', '0', 'x'], ['BITFIELD', k('s'), 'SET', 'u8', '0', '1.5'], ['BITFIELD', k('s'), 'INCRBY', 'u8', '0', '99999999999999999999'],
        ['BITFIELD', k('s'), 'OVERFLOW', 'X'], ['BITFIELD', k('s'), 'OVERFLOW'], ['BITFIELD', k('s'), 'FOO'], ['BITFIELD', k('s'), 'GET', 'u8'],
        ['BITFIELD', k('s'), 'SET', 'u8', '0'], ['BITFIELD', k('s'), 'INCRBY', 'u8', '0'],
        ['BITFIELD', k('s'), 'GET', 'u8', '0', 'SET', 'u64', '0', '1'], ['BITFIELD', k('s'), 'SET', 'u8', '0', '1', 'GET', 'u8', 'x'], ['GET', k('s')],
        ['BITFIELD', k('l'), 'GET', 'u8', '0'], ['BITFIELD', k('l'), 'SET', 'u8', '0', '1'], ['BITFIELD', k('l')], ['BITFIELD', k('l'), 'FOO'],
        ['BITFIELD_RO', k('s'), 'SET', 'u8', '0', '1'], ['BITFIELD_RO', k('s'), 'INCRBY', 'u8', '0', '1'], ['BITFIELD_RO', k('l'), 'SET', 'u8', '0', '1'],
        ['BITFIELD_RO', k('l'), 'GET', 'u8', '0'], ['BITFIELD_RO', k('s'), 'GET', 'u64', '0'], ['BITFIELD_RO', k('s'), 'OVERFLOW', 'SAT', 'GET', 'u8', '0'],
        ['BITFIELD'], ['BITFIELD_RO'], ['GET', k('s')],
      ]),
      c('BITFIELD over every offset alignment', (k) => {
        const cmds: Arg[][] = [['SET', k('a'), ALL_BYTES.subarray(100, 140)]];
        for (const type of ['u1', 'u7', 'i9', 'u15', 'i17', 'u31', 'i33', 'u48', 'i57', 'u63', 'i64']) {
          const get: Arg[] = ['BITFIELD', k('a')];
          for (let off = 0; off < 20; off++) get.push('GET', type, String(off * 3 + 1));
          cmds.push(get);
        }
        for (let off = 0; off < 16; off++) cmds.push(['BITFIELD', k('w'), 'SET', off % 2 ? 'i13' : 'u11', String(off * 5), String(off * 999 - 5000)]);
        cmds.push(['GET', k('w')], ['BITFIELD', k('w'), 'INCRBY', 'i40', '7', '123456789012', 'GET', 'u40', '7'], ['GET', k('w')]);
        return cmds;
      }),
      c('COMMAND GETKEYSANDFLAGS for BITFIELD and BITOP', () => [
        ['COMMAND', 'GETKEYSANDFLAGS', 'BITFIELD', 'k', 'GET', 'u8', '0'],
        ['COMMAND', 'GETKEYSANDFLAGS', 'BITFIELD', 'k', 'GET', 'u8', '0', 'SET', 'u8', '0', '1'],
        ['COMMAND', 'GETKEYSANDFLAGS', 'BITFIELD', 'k', 'OVERFLOW', 'SAT', 'GET', 'u8', '0'],
        ['COMMAND', 'GETKEYSANDFLAGS', 'BITFIELD', 'k', 'FOO'], ['COMMAND', 'GETKEYSANDFLAGS', 'BITFIELD', 'k'],
        ['COMMAND', 'GETKEYSANDFLAGS', 'BITFIELD_RO', 'k', 'GET', 'u8', '0'],
        ['COMMAND', 'GETKEYSANDFLAGS', 'BITOP', 'AND', 'd', 'a', 'b'], ['COMMAND', 'GETKEYS', 'SETBIT', 'k', '1', '1'],
      ]),
    ],
  },
];

differentialSuite('bitmap commands: differential vs Redis (RESP2, RESP3, pipelined)', GROUPS);
