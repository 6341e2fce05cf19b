// Cross-cutting differential cases: what the dispatcher and the command table answer for every family
// (unknown commands, arity errors, COMMAND INFO/GETKEYS), sent to Damselfly (1, 2 and 4 threads) and
// to a real Redis through the shared runner (test/differential-runner.ts) — raw replies identical in
// RESP2, RESP3 and pipelined. Each family's own cases are in src/families/<family>.test.ts.
// A failing case here is a compatibility bug in the server: keep the case, fix the server.

import { c, differentialSuite, type Group } from './differential-runner.ts';

const GROUPS: Group[] = [
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
  {
    name: 'command table',
    cases: [
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
      // CONFIG is the server family's: it joins src/families/server.test.ts once that file (changed in
      // parallel on another branch) can take it.
      c('CONFIG GET / SET errors', () => [
        ['CONFIG', 'GET', 'maxmemory-policy'],
        ['CONFIG', 'GET', 'databases'],
        ['CONFIG', 'GET', 'nosuchparam'],
        ['CONFIG', 'SET', 'maxmemory-policy', 'nosuchpolicy'],
        ['CONFIG', 'SET', 'nosuchparam', 'x'],
        ['CONFIG', 'SET', 'hz'],
        ['CONFIG', 'GET'],
      ]),
      c('CONFIG SET / GET client-output-buffer-limit (Redis 7.0 syntax and errors; ends at the default)', () => {
        const set = (v: string): string[] => ['CONFIG', 'SET', 'client-output-buffer-limit', v];
        const get = ['CONFIG', 'GET', 'client-output-buffer-limit'];
        return [
          get,
          ['CONFIG', 'GET', 'client-output*'],
          ...[
            'wrong number', 'invalid_class 10mb 10mb 60', 'master 10mb 10mb 60', 'normal 10mbs 10mb 60', 'normal 10mb 10mbs 60',
            'normal 10mb 10mb 60s', 'normal 10mb 10mb -1', 'normal -1 0 0', 'normal  4   5 6', 'normal 1 2 3 pubsub 1 2', 'normal 1 2 3 ',
            ' normal 1 2 3', 'normal 7 8 "9"', 'normal 1 2 2147483648', 'normal 1 2 9223372036854775807', 'normal 1 2 922337203685477580',
            'normal 9 9 9 invalid 1 1 1',
          ].flatMap((v) => [set(v), get]),
          ...[
            '', 'normal 1 2 3 pubsub 1k 2kb 3', 'NORMAL 1 2 3', 'slave 1 2 3', 'replica 5 6 7', 'normal 0 0 0 normal 1 1 1', 'normal 1 2 +3',
            'normal 1 2 03', 'normal 1 2 4294967296', 'normal 1 2 -0', 'normal k 2 3', 'normal 18446744073709551616 0 0',
            'normal 99999999999999999999999 0 0', 'normal 1GB 2Mb 3', 'normal 1  3',
          ].flatMap((v) => [set(v), get]),
          ['CONFIG', 'SET', 'client-output-buffer-limit', 'normal 0 0 0', 'client-output-buffer-limit', 'pubsub 1 1 1'],
          set('normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60'),
          get,
        ];
      }),
    ],
  },
];

differentialSuite('dispatch and command table: differential vs Redis (RESP2, RESP3, pipelined)', GROUPS);
