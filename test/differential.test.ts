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
    ],
  },
];

differentialSuite('dispatch and command table: differential vs Redis (RESP2, RESP3, pipelined)', GROUPS);
