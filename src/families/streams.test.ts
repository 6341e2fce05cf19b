// Stream commands, byte-exact against redis-server 7.0.15 (the family differential runner: 1, 2 and 4
// threads, RESP2, RESP3 and pipelined): XADD with every option and error, XRANGE/XREVRANGE bounds and
// COUNT, XLEN, XDEL, XTRIM (exact, `~` over node boundaries, LIMIT), XSETID, XREAD (non-blocking, `$`,
// keys on several shards, errors in Redis's order), XINFO STREAM [FULL], XINFO HELP, and what the
// keyspace does with a stream (TYPE, OBJECT ENCODING, COPY, RENAME, MOVE, DEL, SCAN TYPE, SORT).
// XINFO's radix-tree-nodes (Redis's rax node count) is compared too; auto-generated IDs are compared
// by shape where they appear.

import { c, differentialSuite, type Keys } from '../../test/differential-runner.ts';
import { DEFAULT_NORMALIZERS, type Arg, type Normalizer } from '../../test/harness.ts';

/** Every ID of the clock (13-digit ms) replaced by a placeholder of the same shape. */
const clockIds: Normalizer = (_cmd, reply) => {
  const s = reply.toString('latin1');
  return Buffer.from(s.replace(/\$(\d+)\r\n\d{13}-\d+\r\n/g, '$$ID\r\nT-N\r\n'), 'latin1');
};

const INFO: Normalizer[] = [...DEFAULT_NORMALIZERS];
const CLOCK: Normalizer[] = [...DEFAULT_NORMALIZERS, clockIds];

/** n entries with IDs 1-1 .. n-1 (field f, value i). */
function fill(key: string, n: number, from = 1, fields: Arg[] = ['f']): Arg[][] {
  const out: Arg[][] = [];
  for (let i = from; i < from + n; i++) out.push(['XADD', key, `${i}-1`, ...fields.flatMap((f) => [f, String(i)])]);
  return out;
}

const U64 = '18446744073709551615';

differentialSuite('stream commands match Redis', [
  {
    name: 'XADD',
    cases: [
      c('explicit, partial and ms-* IDs', (k: Keys) => [
        ['XADD', k('s'), '1-1', 'a', '1'], ['XADD', k('s'), '1-1', 'a', '1'], ['XADD', k('s'), '1-0', 'a', '1'], ['XADD', k('s'), '1', 'a', '1'],
        ['XADD', k('s'), '2', 'a', '1'], ['XADD', k('s'), '2-*', 'b', '2'], ['XADD', k('s'), '2-*', 'b', '2'], ['XADD', k('s'), '3-*', 'c', '3'],
        ['XADD', k('s'), '1-*', 'x', 'y'], ['XADD', k('s'), '0-0', 'x', 'y'], ['XADD', k('new'), '0-0', 'x', 'y'], ['EXISTS', k('new')],
        ['XADD', k('new'), '0-*', 'x', 'y'], ['XADD', k('new'), '0-*', 'x', 'y'], ['XADD', k('z'), '0', 'x', 'y'],
        ['XRANGE', k('s'), '-', '+'], ['XLEN', k('s')],
        ['XADD', k('big'), `${U64}-${U64}`, 'a', 'b'], ['XADD', k('big'), '*', 'a', 'b'], ['XADD', k('big'), `${U64}-*`, 'a', 'b'],
        ['XADD', k('b2'), `5-${U64}`, 'a', 'b'], ['XADD', k('b2'), '5-*', 'a', 'b'], ['XADD', k('b2'), `${U64}-0`, 'a', 'b'], ['XRANGE', k('b2'), '-', '+'],
        ['XADD', k('b3'), '9007199254740993-18446744073709551614', 'a', 'b'], ['XADD', k('b3'), '9007199254740993-*', 'c', 'd'],
        ['XADD', k('b3'), '9007199254740994', 'e', 'f'], ['XRANGE', k('b3'), '-', '+'], ['XREVRANGE', k('b3'), '+', '-', 'COUNT', 2],
        ['XADD', k('s'), '18446744073709551616-0', 'a', 'b'], ['XADD', k('s'), '-1', 'a', 'b'], ['XADD', k('s'), '1-2-3', 'a', 'b'],
        ['XADD', k('s'), 'abc', 'a', 'b'], ['XADD', k('s'), '', 'a', 'b'], ['XADD', k('s'), '+', 'a', 'b'], ['XADD', k('s'), '-', 'a', 'b'],
        ['XADD', k('s'), '10- 5', 'a', 'b'], ['XADD', k('s'), '11-+7', 'a', 'b'], ['XADD', k('s'), '12-007', 'a', 'b'], ['XADD', k('s'), '13- -1', 'a', 'b'],
        ['XADD', k('s'), '14--1', 'a', 'b'], ['XADD', k('s'), '15.5', 'a', 'b'], ['XADD', k('s'), `1${'0'.repeat(130)}`, 'a', 'b'],
        ['XRANGE', k('s'), '10', '+'],
      ]),
      c('auto IDs, NOMKSTREAM, arity, wrong type', (k: Keys) => [
        ['XADD', k('a'), '*', 'f', 'v'], ['XADD', k('a'), '*', 'f', 'v', 'g', 'w'], ['XLEN', k('a')],
        ['XADD', k('none'), 'NOMKSTREAM', '*', 'f', 'v'], ['EXISTS', k('none')], ['XADD', k('a'), 'nomkstream', '*', 'f', 'v'],
        ['XADD', k('a'), '*'], ['XADD', k('a'), '*', 'f'], ['XADD', k('a'), '*', 'f', 'v', 'g'], ['XADD', k('a'), '5-5', 'f'],
        ['XADD', k('a'), 'NOMKSTREAM'], ['XADD', k('a')], ['XADD', k('a'), 'MAXLEN', '5'],
        ['SET', k('str'), 'x'], ['XADD', k('str'), '*', 'f', 'v'], ['XADD', k('str'), '1-1', 'f', 'v'], ['XADD', k('str'), 'NOMKSTREAM', '*', 'f', 'v'],
        ['XADD', k('str'), '0-0', 'f', 'v'], ['XADD', k('str'), 'bad', 'f', 'v'],
        ['TYPE', k('a')], ['OBJECT', 'ENCODING', k('a')],
      ], undefined, CLOCK),
      c('binary fields and values, field sets changing', (k: Keys) => [
        ['XADD', k('s'), '1-1', Buffer.from([0, 13, 10, 255]), Buffer.from([1, 0, 2]), '', ''],
        ['XADD', k('s'), '1-2', Buffer.from([0, 13, 10, 255]), 'x', '', 'y'],
        ['XADD', k('s'), '1-3', 'other', '12345', 'n', '-7'],
        ['XADD', k('s'), '1-4', Buffer.from([0, 13, 10, 255]), 'z'],
        ['XADD', k('s'), '1-5', 'f', 'x'.repeat(5000)],
        ['XADD', k('s'), '1-6', 'f', 'v', 'f', 'dup'],
        ['XRANGE', k('s'), '-', '+'], ['XREVRANGE', k('s'), '+', '-'], ['XLEN', k('s')],
      ]),
      c('MAXLEN and MINID, exact and ~, LIMIT, their errors', (k: Keys) => [
        ...fill(k('s'), 250),
        ['XADD', k('s'), 'MAXLEN', '~', '120', '251-1', 'f', 'x'], ['XLEN', k('s')], ['XRANGE', k('s'), '-', '+', 'COUNT', 1],
        ['XADD', k('s'), 'MAXLEN', '=', '140', '252-1', 'f', 'x'], ['XLEN', k('s')], ['XRANGE', k('s'), '-', '+', 'COUNT', 1],
        ['XADD', k('s'), 'MAXLEN', '100', '253-1', 'f', 'x'], ['XLEN', k('s')],
        ['XADD', k('s'), 'MINID', '~', '190', '254-1', 'f', 'x'], ['XLEN', k('s')], ['XRANGE', k('s'), '-', '+', 'COUNT', 1],
        ['XADD', k('s'), 'MINID', '200-5', '255-1', 'f', 'x'], ['XLEN', k('s')], ['XRANGE', k('s'), '-', '+', 'COUNT', 1],
        ['XADD', k('s'), 'MINID', '=', '210', '256-1', 'f', 'x'], ['XLEN', k('s')],
        ...fill(k('t'), 300),
        ['XADD', k('t'), 'MAXLEN', '~', '0', 'LIMIT', '150', '301-1', 'f', 'x'], ['XLEN', k('t')],
        ['XADD', k('t'), 'MAXLEN', '~', '0', 'LIMIT', '0', '302-1', 'f', 'x'], ['XLEN', k('t')],
        ['XADD', k('t'), 'maxlen', '~', '5', '303-1', 'f', 'x'], ['XLEN', k('t')], ['XINFO', 'STREAM', k('t')],
        ['XADD', k('s'), 'MAXLEN', '5', 'LIMIT', '10', '*', 'f', 'v'], ['XADD', k('s'), 'LIMIT', '10', '*', 'f', 'v'],
        ['XADD', k('s'), 'MAXLEN', '5', 'MINID', '1', '*', 'f', 'v'], ['XADD', k('s'), 'MINID', '5', 'MAXLEN', '1', '*', 'f', 'v'],
        ['XADD', k('s'), 'MAXLEN', '-1', '*', 'f', 'v'], ['XADD', k('s'), 'MAXLEN', 'x', '*', 'f', 'v'], ['XADD', k('s'), 'MAXLEN', '~', 'x', '*', 'f', 'v'],
        ['XADD', k('s'), 'MAXLEN', '~', '5', 'LIMIT', '-1', '*', 'f', 'v'], ['XADD', k('s'), 'MAXLEN', '~', '5', 'LIMIT', 'x', '*', 'f', 'v'],
        ['XADD', k('s'), 'MINID', 'bad', '*', 'f', 'v'], ['XADD', k('s'), 'MINID', '-', '*', 'f', 'v'], ['XADD', k('s'), 'MINID', '+', '*', 'f', 'v'],
        ['XADD', k('s'), 'MAXLEN', '~'], ['XADD', k('s'), 'MAXLEN', '99999999999999999999', '*', 'f', 'v'],
        ['XADD', k('s'), 'MAXLEN', '1', 'NOMKSTREAM', '900-1', 'f', 'v'], ['XLEN', k('s')],
        ['XADD', k('nope'), 'NOMKSTREAM', 'MAXLEN', '1', '*', 'f', 'v'], ['EXISTS', k('nope')],
      ], undefined, INFO),
      c('node limits: CONFIG stream-node-max-entries / -bytes decide what ~ trims', (k: Keys) => [
        ['CONFIG', 'SET', 'stream-node-max-entries', '7'], ...fill(k('e'), 40),
        ['XTRIM', k('e'), 'MAXLEN', '~', '30'], ['XLEN', k('e')], ['XINFO', 'STREAM', k('e')],
        ['XADD', k('e'), 'MAXLEN', '~', '10', '41-1', 'f', 'v'], ['XLEN', k('e')], ['XTRIM', k('e'), 'MINID', '~', '38'], ['XLEN', k('e')],
        ['CONFIG', 'SET', 'stream-node-max-entries', '0'], ['CONFIG', 'SET', 'stream-node-max-bytes', '200'],
        ...fill(k('b'), 30, 1, ['field', 'x'.repeat(20)]), ...fill(k('b'), 10, 31, ['other', '12345', 'n']), ['XINFO', 'STREAM', k('b')],
        ['XTRIM', k('b'), 'MAXLEN', '~', '25'], ['XLEN', k('b')], ['XTRIM', k('b'), 'MAXLEN', '~', '0', 'LIMIT', '3'], ['XLEN', k('b')],
        ['CONFIG', 'SET', 'stream-node-max-bytes', '0'], ...fill(k('z'), 120), ['XTRIM', k('z'), 'MAXLEN', '~', '1'], ['XLEN', k('z')],
        ['XTRIM', k('z'), 'MAXLEN', '~', '1', 'LIMIT', '0'], ['XLEN', k('z')],
        ['CONFIG', 'SET', 'stream-node-max-bytes', '4096'], ['CONFIG', 'SET', 'stream-node-max-entries', '100'],
        ['CONFIG', 'GET', 'stream-node-max-bytes'], ['CONFIG', 'GET', 'stream-node-max-entries'],
      ], undefined, INFO),
    ],
  },
  {
    name: 'XRANGE XREVRANGE XLEN XDEL',
    cases: [
      c('bounds, exclusive bounds, COUNT', (k: Keys) => [
        ...fill(k('s'), 12), ['XADD', k('s'), '12-5', 'f', 'x'], ['XADD', k('s'), '13-0', 'f', 'y'],
        ['XRANGE', k('s'), '-', '+'], ['XRANGE', k('s'), '3', '5'], ['XRANGE', k('s'), '(3-1', '5'], ['XRANGE', k('s'), '3', '(5-1'],
        ['XRANGE', k('s'), '(3', '(5'], ['XRANGE', k('s'), '12', '12'], ['XRANGE', k('s'), '12-2', '12-5'], ['XRANGE', k('s'), '5', '3'],
        ['XRANGE', k('s'), '-', '+', 'COUNT', 3], ['XRANGE', k('s'), '-', '+', 'COUNT', 0], ['XRANGE', k('s'), '-', '+', 'COUNT', -5],
        ['XRANGE', k('s'), '-', '+', 'count', 2, 'COUNT', 4], ['XRANGE', k('s'), '-', '+', 'COUNT'], ['XRANGE', k('s'), '-', '+', 'COUNT', 'x'],
        ['XRANGE', k('s'), '-', '+', 'LIMIT', 2], ['XRANGE', k('s'), '(-', '+'], ['XRANGE', k('s'), '-', '(+'], ['XRANGE', k('s'), '(', '+'],
        ['XRANGE', k('s'), `(${U64}-${U64}`, '+'], ['XRANGE', k('s'), '-', '(0-0'], ['XRANGE', k('s'), '(0', '+', 'COUNT', 1],
        ['XRANGE', k('s'), 'x', '+'], ['XRANGE', k('s'), '-', 'y'], ['XRANGE', k('s'), '1-1-1', '+'], ['XRANGE', k('s'), '+', '-'],
        ['XREVRANGE', k('s'), '+', '-'], ['XREVRANGE', k('s'), '5', '3'], ['XREVRANGE', k('s'), '(5', '(3'], ['XREVRANGE', k('s'), '+', '-', 'COUNT', 2],
        ['XREVRANGE', k('s'), '3', '5'], ['XREVRANGE', k('s'), '+', '-', 'COUNT', 0], ['XREVRANGE', k('s'), '(0-0', '-'], ['XREVRANGE', k('s'), '+', `(${U64}-${U64}`],
        ['XRANGE', k('none'), '-', '+'], ['XREVRANGE', k('none'), '+', '-'], ['XRANGE', k('none'), '-', '+', 'COUNT', 0], ['XRANGE', k('none'), 'bad', '+'],
        ['SET', k('str'), 'v'], ['XRANGE', k('str'), '-', '+'], ['XRANGE', k('str'), 'bad', '+'], ['XRANGE', k('str'), '-', '+', 'COUNT', 'x'],
        ['XRANGE', k('s')], ['XREVRANGE', k('s'), '+'],
      ]),
      c('long ranges over many nodes', (k: Keys) => [
        ...fill(k('s'), 450), ['XRANGE', k('s'), '95', '305', 'COUNT', 150], ['XREVRANGE', k('s'), '305', '95', 'COUNT', 150],
        ['XRANGE', k('s'), '(99-1', '(101-1'], ['XREVRANGE', k('s'), '(201-1', '(199-1'], ['XLEN', k('s')],
      ]),
      c('XDEL and XLEN', (k: Keys) => [
        ...fill(k('s'), 8), ['XDEL', k('s'), '1-1', '3-1', '3-1', '99-1'], ['XLEN', k('s')], ['XRANGE', k('s'), '-', '+'],
        ['XDEL', k('s'), '2'], ['XDEL', k('s'), '2-1', 'bad'], ['XLEN', k('s')], ['XDEL', k('s'), '2-1', '-'], ['XDEL', k('s'), '+'],
        ['XDEL', k('s'), '4-1', '5-1', '6-1', '7-1', '8-1'], ['XLEN', k('s')], ['EXISTS', k('s')], ['XRANGE', k('s'), '-', '+'],
        ['XINFO', 'STREAM', k('s')], ['XADD', k('s'), '8-1', 'f', 'v'], ['XADD', k('s'), '9-1', 'f', 'v'], ['XINFO', 'STREAM', k('s')],
        ['XDEL', k('none'), '1-1'], ['XDEL', k('none'), 'bad'], ['SET', k('str'), 'v'], ['XDEL', k('str'), '1-1'], ['XDEL', k('str'), 'bad'],
        ['XLEN', k('none')], ['XLEN', k('str')], ['XLEN'], ['XDEL', k('s')],
        ...fill(k('m'), 250), ['XDEL', k('m'), ...Array.from({ length: 100 }, (_, i) => `${101 + i}-1`)], ['XINFO', 'STREAM', k('m')],
        ['XRANGE', k('m'), '98', '203'], ['XREVRANGE', k('m'), '203', '98'],
      ], undefined, INFO),
    ],
  },
  {
    name: 'XTRIM XSETID',
    cases: [
      c('XTRIM', (k: Keys) => [
        ...fill(k('s'), 350),
        ['XTRIM', k('s'), 'MAXLEN', '~', '260'], ['XLEN', k('s')], ['XTRIM', k('s'), 'MAXLEN', '~', '240'], ['XLEN', k('s')],
        ['XTRIM', k('s'), 'MAXLEN', '240'], ['XLEN', k('s')], ['XTRIM', k('s'), 'MAXLEN', '=', '230'], ['XLEN', k('s')],
        ['XTRIM', k('s'), 'MINID', '~', '150'], ['XLEN', k('s')], ['XTRIM', k('s'), 'MINID', '150-1'], ['XLEN', k('s')],
        ['XTRIM', k('s'), 'MINID', '(150'], ['XTRIM', k('s'), 'MINID', '='], ['XTRIM', k('s'), 'MAXLEN', '~', '0', 'LIMIT', '99'], ['XLEN', k('s')],
        ['XTRIM', k('s'), 'MAXLEN', '~', '0', 'LIMIT', '100'], ['XLEN', k('s')], ['XINFO', 'STREAM', k('s')],
        ['XTRIM', k('s'), 'MAXLEN', '0'], ['XLEN', k('s')], ['EXISTS', k('s')], ['XINFO', 'STREAM', k('s')],
        ['XTRIM', k('s')], ['XTRIM', k('s'), 'LIMIT', '5'], ['XTRIM', k('s'), 'MAXLEN', '5', 'LIMIT', '5'], ['XTRIM', k('s'), 'MAXLEN', '1', 'MINID', '1'],
        ['XTRIM', k('s'), 'MAXLEN', '-1'], ['XTRIM', k('s'), 'NOMKSTREAM', 'MAXLEN', '1'], ['XTRIM', k('s'), 'MAXLEN', '1', 'junk'],
        ['XTRIM', k('none'), 'MAXLEN', '1'], ['XTRIM', k('none'), 'MAXLEN', 'x'], ['SET', k('str'), 'v'], ['XTRIM', k('str'), 'MAXLEN', '1'],
        ['XTRIM', k('str'), 'LIMIT', '1'], ['XTRIM', k('s'), 'MAXLEN'],
        ...fill(k('d'), 20), ['XDEL', k('d'), '3-1', '12-1'], ['XTRIM', k('d'), 'MAXLEN', '15'], ['XRANGE', k('d'), '-', '(8'],
        ['XTRIM', k('d'), 'MINID', '14'], ['XRANGE', k('d'), '-', '(16'], ['XINFO', 'STREAM', k('d')],
      ], undefined, INFO),
      c('XSETID', (k: Keys) => [
        ...fill(k('s'), 3),
        ['XSETID', k('s'), '2-1'], ['XSETID', k('s'), '3-1'], ['XSETID', k('s'), '5-5'], ['XADD', k('s'), '5-5', 'f', 'v'], ['XADD', k('s'), '5-*', 'f', 'v'],
        ['XSETID', k('s'), '9-9', 'ENTRIESADDED', '100', 'MAXDELETEDID', '9-0'], ['XINFO', 'STREAM', k('s')],
        ['XSETID', k('s'), '9-9', 'ENTRIESADDED', '2'], ['XSETID', k('s'), '9-9', 'ENTRIESADDED', '-1'], ['XSETID', k('s'), '9-9', 'ENTRIESADDED', 'x'],
        ['XSETID', k('s'), '9-9', 'MAXDELETEDID', '10-0'], ['XSETID', k('s'), '9-9', 'MAXDELETEDID', 'x'], ['XSETID', k('s'), '9-9', 'MAXDELETEDID'],
        ['XSETID', k('s'), '9-9', 'junk', '1'], ['XSETID', k('s'), 'bad'], ['XSETID', k('s'), '+'], ['XSETID', k('s'), '-'],
        ['XSETID', k('none'), '1-1'], ['XSETID', k('none'), 'bad'], ['XSETID', k('none'), '1-1', 'junk'], ['SET', k('str'), 'v'], ['XSETID', k('str'), '1-1'],
        ['XSETID', k('s'), '1', 'ENTRIESADDED', '5', 'MAXDELETEDID', '0-0'],
        ['XDEL', k('s'), '1-1', '2-1', '3-1', '5-5', '5-6'], ['XSETID', k('s'), '1-0'], ['XINFO', 'STREAM', k('s')], ['XADD', k('s'), '1-1', 'f', 'v'],
        ['XSETID', k('s'), `${U64}-${U64}`], ['XADD', k('s'), '*', 'f', 'v'], ['XINFO', 'STREAM', k('s')],
      ], undefined, INFO),
    ],
  },
  {
    name: 'XREAD (non-blocking)',
    cases: [
      c('one and several keys, COUNT, $', (k: Keys) => [
        ...fill(k('a'), 5), ...fill(k('b'), 3), ...fill(k('c'), 4),
        ['XREAD', 'STREAMS', k('a'), '0'], ['XREAD', 'COUNT', '2', 'STREAMS', k('a'), k('b'), k('c'), '0', '1-1', '3'],
        ['XREAD', 'STREAMS', k('a'), k('none'), k('c'), '$', '0', '4-1'], ['XREAD', 'STREAMS', k('a'), k('b'), '$', '$'],
        ['XREAD', 'COUNT', '0', 'STREAMS', k('b'), '0-0'], ['XREAD', 'COUNT', '-3', 'STREAMS', k('b'), '2'],
        ['XREAD', 'count', '1', 'count', '2', 'STREAMS', k('c'), k('c'), '0', '2'],
        ['XREAD', 'BLOCK', '10', 'STREAMS', k('a'), '2-1'], ['XREAD', 'BLOCK', '0', 'COUNT', '1', 'STREAMS', k('a'), k('b'), '3', '0'],
        ['XREAD', 'STREAMS', k('none'), '0'], ['XREAD', 'STREAMS', k('a'), `${U64}-${U64}`],
        ['XDEL', k('b'), '3-1'], ['XREAD', 'STREAMS', k('b'), '2-1'], ['XREAD', 'STREAMS', k('b'), '1'],
      ]),
      c('errors in Redis order', (k: Keys) => [
        ...fill(k('a'), 2), ['SET', k('str'), 'v'],
        ['XREAD', 'STREAMS', k('a')], ['XREAD', 'STREAMS', k('a'), k('b'), '0'], ['XREAD', 'STREAMS'], ['XREAD', 'COUNT', '1'], ['XREAD', 'k', 'STREAMS', 'a', '0'],
        ['XREAD', 'COUNT', 'x', 'STREAMS', k('a'), '0'], ['XREAD', 'BLOCK', 'x', 'STREAMS', k('a'), '0'], ['XREAD', 'BLOCK', '-1', 'STREAMS', k('a'), '0'],
        ['XREAD', 'BLOCK', '1.5', 'STREAMS', k('a'), '0'], ['XREAD', 'GROUP', 'g', 'c', 'STREAMS', k('a'), '0'], ['XREAD', 'NOACK', 'STREAMS', k('a'), '0'],
        ['XREAD', 'STREAMS', k('a'), 'bad'], ['XREAD', 'STREAMS', k('a'), '-'], ['XREAD', 'STREAMS', k('a'), '>'],
        ['XREAD', 'STREAMS', k('str'), '0'], ['XREAD', 'STREAMS', k('str'), 'bad'], ['XREAD', 'STREAMS', k('a'), k('str'), 'bad', '0'],
        ['XREAD', 'STREAMS', k('a'), k('str'), '0', 'bad'], ['XREAD', 'STREAMS', k('none'), k('a'), 'bad', '0'], ['XREAD', 'STREAMS', k('str'), k('a'), '0', 'bad'],
        ['XREAD', 'STREAMS', k('a'), k('none'), k('str'), '0', 'x', '0'], ['XREAD', 'STREAMS', k('a'), k('none'), k('str'), '0', '0', 'x'],
        ['XREAD', 'BLOCK', '5', 'STREAMS', k('str'), '$'], ['XREAD', 'STREAMS', 'streams', '0'],
      ]),
      c('inside MULTI: BLOCK answers at once', (k: Keys) => [
        ...fill(k('a'), 2), ['MULTI'], ['XREAD', 'BLOCK', '0', 'STREAMS', k('a'), '$'], ['XREAD', 'BLOCK', '0', 'STREAMS', k('a'), '0'],
        ['XADD', k('a'), '9-1', 'f', 'v'], ['XREAD', 'BLOCK', '0', 'STREAMS', k('a'), k('b'), '1-1', '$'], ['EXEC'],
      ]),
    ],
  },
  {
    name: 'XINFO',
    cases: [
      c('STREAM, FULL, COUNT, HELP, errors', (k: Keys) => [
        ['XADD', k('s'), '1-1', 'a', '1'], ...fill(k('s'), 14, 2),
        ['XINFO', 'STREAM', k('s')], ['XINFO', 'STREAM', k('s'), 'FULL'], ['XINFO', 'STREAM', k('s'), 'full', 'count', '3'],
        ['XINFO', 'STREAM', k('s'), 'FULL', 'COUNT', '0'], ['XINFO', 'STREAM', k('s'), 'FULL', 'COUNT', '-1'],
        ['XINFO', 'STREAM', k('s'), 'FULL', 'COUNT'], ['XINFO', 'STREAM', k('s'), 'FULL', 'COUNT', 'x'], ['XINFO', 'STREAM', k('s'), 'FULL', 'LIMIT', '3'],
        ['XINFO', 'STREAM', k('s'), 'PARTIAL'], ['XINFO', 'STREAM', k('s'), 'FULL', 'COUNT', '1', 'X'],
        ['XINFO', 'STREAM', k('none')], ['SET', k('str'), 'v'], ['XINFO', 'STREAM', k('str')], ['XINFO', 'STREAM'],
        ['XINFO', 'HELP'], ['XINFO', 'help', 'x'], ['XINFO'], ['XINFO', 'NOPE', k('s')],
        ['XADD', k('e'), '5-5', 'f', 'v'], ['XDEL', k('e'), '5-5'], ['XINFO', 'STREAM', k('e')], ['XINFO', 'STREAM', k('e'), 'FULL'],
      ], undefined, INFO),
    ],
  },
  {
    name: 'the keyspace and a stream',
    cases: [
      c('TYPE, OBJECT ENCODING, COPY, RENAME, MOVE, DEL, UNLINK, SCAN TYPE, SORT, DUMP', (k: Keys) => [
        ...fill(k('s'), 130), ['XDEL', k('s'), '7-1'], ['XSETID', k('s'), '500-0', 'ENTRIESADDED', '999', 'MAXDELETEDID', '400-0'],
        ['TYPE', k('s')], ['OBJECT', 'ENCODING', k('s')],
        ['COPY', k('s'), k('c')], ['XINFO', 'STREAM', k('c'), 'FULL', 'COUNT', '2'], ['XADD', k('c'), '600-1', 'only', 'copy'], ['XLEN', k('s')], ['XLEN', k('c')],
        ['RENAME', k('c'), k('r')], ['XINFO', 'STREAM', k('r')], ['XREVRANGE', k('r'), '+', '-', 'COUNT', 2], ['EXISTS', k('c')],
        ['SORT', k('s')], ['SORT', k('s'), 'BY', 'nosort'], ['SORT_RO', k('s')], ['LPUSH', k('s'), 'x'], ['SADD', k('s'), 'x'], ['GET', k('s')],
        ['XADD', k('str'), '1-1', 'f', 'v'], ['SET', k('str'), 'now a string'], ['TYPE', k('str')],
        ['MOVE', k('r'), '9'], ['EXISTS', k('r')], ['SELECT', '9'], ['XLEN', k('r')], ['XRANGE', k('r'), '-', '+', 'COUNT', 1], ['DEL', k('r')], ['SELECT', '0'],
        ['COPY', k('s'), k('d9'), 'DB', '9'], ['SELECT', '9'], ['XINFO', 'STREAM', k('d9')], ['UNLINK', k('d9')], ['SELECT', '0'],
        ['DEL', k('s')], ['EXISTS', k('s')], ['XLEN', k('s')],
      ], undefined, INFO),
      c('SCAN TYPE stream', (k: Keys) => [
        ['XADD', k('s1'), '1-1', 'f', 'v'], ['XADD', k('s2'), '1-1', 'f', 'v'], ['SET', k('x'), 'v'], ['RPUSH', k('l'), 'v'],
        // One key per MATCH (SCAN's order is unspecified).
        ...['s1', 's2', 'x', 'l'].map((n) => ['SCAN', '0', 'TYPE', 'stream', 'COUNT', '10000', 'MATCH', k(n)]),
        ['SCAN', '0', 'TYPE', 'STREAM', 'COUNT', '10000', 'MATCH', k('s1')],
      ], ['resp2', 'resp3']),
    ],
  },
]);
