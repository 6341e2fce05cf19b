// SORT and SORT_RO, byte-exact against a real redis-server 7.0: every option over lists, sets and
// sorted sets, BY/GET patterns on strings and hash fields, STORE, LIMIT edge values, numeric
// conversion errors and error texts are sent to Redis and to Damselfly (1 and 3 shard threads, RESP2
// and RESP3) and the raw replies compared. With 3 threads the pattern keys (w_1, h_2, ...) land on
// other shards than the source, so the cross-shard path runs; {tag} variants keep everything on one
// shard. Set orders are only compared where Redis's are defined (intsets, or sorted output). A STORE
// result's OBJECT ENCODING is Redis 7.2's (`listpack` when it fits), read as 7.0.15's `quicklist`.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_NORMALIZERS, RawClient, REDIS_AVAILABLE, SKIP_NO_REDIS, rng, type Arg } from '../../test/harness.ts';
import { diffSuite } from '../../test/collection-suites.ts';
import { listEncodingAs70 } from '../../test/reply-normalizers.ts';

/** Weights and values for elements 1..n in strings and hashes named with `pre`. */
function patternData(pre: string, n: number): Arg[][] {
  const cmds: Arg[][] = [];
  for (let i = 1; i <= n; i++) {
    cmds.push(['SET', `${pre}w_${i}`, String((i * 7) % 5)], ['SET', `${pre}name_${i}`, `name-${String.fromCharCode(106 - i)}`]);
    cmds.push(['HSET', `${pre}h_${i}`, 'weight', String(-i), 'label', `L${i}`, 'alpha', String.fromCharCode(100 - i)]);
  }
  return cmds;
}

describe('SORT and SORT_RO match Redis', { skip: !REDIS_AVAILABLE && SKIP_NO_REDIS }, () => {
  // STORE results are lists: OBJECT ENCODING of them as 7.0.15 names it (the other keys asked are sorted sets).
  const suite = diffSuite([...DEFAULT_NORMALIZERS, listEncodingAs70((key) => key.endsWith('dst') || key === 'elsewhere')]);
  const same = suite.same;

  it('lists: numeric, ALPHA, DESC, LIMIT, BY nosort', async () => {
    await same([
      ['RPUSH', 'l', '3', '10', '-1', '2.5', '10', '1e3', '-inf', '0x10', '007'],
      ['SORT', 'l'], ['SORT', 'l', 'DESC'], ['SORT', 'l', 'ASC'], ['SORT', 'l', 'desc', 'asc'], ['SORT', 'l', 'ALPHA'], ['SORT', 'l', 'alpha', 'DESC'],
      ['SORT', 'l', 'LIMIT', '0', '3'], ['SORT', 'l', 'LIMIT', '2', '3', 'DESC'], ['SORT', 'l', 'LIMIT', '-5', '2'], ['SORT', 'l', 'LIMIT', '1', '-1'],
      ['SORT', 'l', 'LIMIT', '1', '0'], ['SORT', 'l', 'LIMIT', '8', '5'], ['SORT', 'l', 'LIMIT', '9', '1'], ['SORT', 'l', 'LIMIT', '100', '1'],
      ['SORT', 'l', 'LIMIT', '0', '9223372036854775807'], ['SORT', 'l', 'LIMIT', '9223372036854775807', '1'], ['SORT', 'l', 'LIMIT', '2', '9223372036854775807'],
      ['SORT', 'l', 'LIMIT', '-9223372036854775808', '-9223372036854775808'], ['SORT', 'l', 'LIMIT', '1', '2', 'LIMIT', '3', '4'],
      ['SORT', 'l', 'BY', 'nosort'], ['SORT', 'l', 'BY', 'nosort', 'DESC'], ['SORT', 'l', 'BY', 'nosort', 'LIMIT', '2', '3'],
      ['SORT', 'l', 'BY', 'nosort', 'DESC', 'LIMIT', '2', '3'], ['SORT', 'l', 'BY', 'nosort', 'LIMIT', '7', '100'], ['SORT', 'l', 'BY', 'nosort', 'DESC', 'LIMIT', '-3', '4'],
      ['SORT', 'l', 'BY', 'nosort', 'LIMIT', '0', '0'], ['SORT', 'l', 'BY', 'constant', 'ALPHA'], ['SORT', 'l', 'BY', 'w_*', 'BY', 'nosort'],
      ['SORT_RO', 'l'], ['SORT_RO', 'l', 'BY', 'nosort', 'DESC', 'LIMIT', '1', '2'], ['SORT_RO', 'l', 'ALPHA', 'LIMIT', '3', '3'],
      ['SORT', 'nokey'], ['SORT', 'nokey', 'BY', 'nosort', 'DESC', 'LIMIT', '1', '2'], ['SORT', 'nokey', 'ALPHA', 'LIMIT', '0', '0'],
      ['RPUSH', 'one', 'x'], ['SORT', 'one'], ['SORT', 'one', 'ALPHA', 'LIMIT', '1', '1'], ['SORT', 'one', 'BY', 'nosort', 'LIMIT', '0', '1'],
      ['RPUSH', 'words', 'banana', 'Apple', 'apple', 'cherry', '', 'Banana', 'b', 'ba'], ['SORT', 'words', 'ALPHA'], ['SORT', 'words', 'ALPHA', 'DESC', 'LIMIT', '1', '4'],
      ['SORT', 'words'], ['LRANGE', 'words', '0', '-1'],
    ]);
  });

  it('sets and sorted sets as sources', async () => {
    await same([
      ['SADD', 'iset', '5', '-3', '100', '7', '0'], ['SORT', 'iset'], ['SORT', 'iset', 'DESC', 'LIMIT', '1', '2'], ['SORT', 'iset', 'ALPHA'],
      ['SORT', 'iset', 'BY', 'nosort'], ['SORT', 'iset', 'BY', 'nosort', 'LIMIT', '1', '2'], ['SORT', 'iset', 'BY', 'nosort', 'DESC'],
      ['SADD', 'sset', 'pear', 'apple', 'fig', 'kiwi', '10', '9'], ['SORT', 'sset', 'ALPHA'], ['SORT', 'sset', 'ALPHA', 'DESC', 'LIMIT', '0', '3'], ['SORT', 'sset'],
      // A set not sorted but STOREd is sorted ALPHA (a defined result).
      ['SORT', 'sset', 'BY', 'nosort', 'STORE', 'out'], ['LRANGE', 'out', '0', '-1'], ['SORT', 'sset', 'BY', 'nosort', 'DESC', 'LIMIT', '1', '3', 'STORE', 'out'],
      ['LRANGE', 'out', '0', '-1'], ['SORT', 'iset', 'BY', 'nosort', 'STORE', 'out'], ['LRANGE', 'out', '0', '-1'],
      ['ZADD', 'z', '3', 'c', '1', 'a', '2', 'b', '5', '10', '4', '2'], ['OBJECT', 'ENCODING', 'z'], ['SORT_RO', 'z', 'BY', 'nosort'], ['OBJECT', 'ENCODING', 'z'],
      ['SORT', 'z', 'BY', 'nosort', 'DESC'], ['SORT', 'z', 'BY', 'nosort', 'LIMIT', '1', '2'], ['SORT', 'z', 'BY', 'nosort', 'DESC', 'LIMIT', '1', '2'],
      ['SORT', 'z', 'BY', 'nosort', 'LIMIT', '4', '10'], ['SORT', 'z', 'BY', 'nosort', 'DESC', 'LIMIT', '4', '10'], ['SORT', 'z', 'BY', 'nosort', 'LIMIT', '5', '1'],
      ['SORT', 'z', 'BY', 'nosort', 'LIMIT', '0', '0'], ['SORT', 'z', 'ALPHA'], ['SORT', 'z', 'ALPHA', 'DESC', 'LIMIT', '0', '2'], ['SORT', 'z'],
      ['ZADD', 'zn', '1', '30', '2', '10', '3', '20'], ['OBJECT', 'ENCODING', 'zn'], ['SORT', 'zn'], ['OBJECT', 'ENCODING', 'zn'], ['SORT', 'zn', 'DESC', 'LIMIT', '1', '1'],
      ['SORT', 'zn', 'BY', 'nosort', 'STORE', 'out'], ['LRANGE', 'out', '0', '-1'], ['ZADD', 'zbad', '1', 'x'], ['SORT', 'zbad'], ['OBJECT', 'ENCODING', 'zbad'],
    ]);
  });

  it('errors: syntax, LIMIT, WRONGTYPE, SORT_RO STORE, conversion', async () => {
    await same([
      ['RPUSH', 'l', '1', '2'], ['SET', 'str', 'x'], ['HSET', 'h', 'f', 'v'],
      ['SORT'], ['SORT_RO'], ['SORT', 'l', 'foo'], ['SORT', 'l', 'LIMIT'], ['SORT', 'l', 'LIMIT', '1'], ['SORT', 'l', 'LIMIT', 'x', '1'], ['SORT', 'l', 'LIMIT', '1', 'x'],
      ['SORT', 'l', 'LIMIT', '1', '1.5'], ['SORT', 'l', 'LIMIT', '9223372036854775808', '1'], ['SORT', 'l', 'LIMIT', 'x', '1', 'foo'], ['SORT', 'l', 'foo', 'LIMIT', 'x', '1'],
      ['SORT', 'l', 'BY'], ['SORT', 'l', 'GET'], ['SORT', 'l', 'STORE'], ['SORT', 'l', 'ALPHA', 'BY'], ['SORT', 'l', 'GET', '#', 'DESC', 'extra'],
      ['SORT_RO', 'l', 'STORE', 'dst'], ['SORT_RO', 'l', 'STORE'], ['SORT_RO', 'str', 'STORE', 'dst'], ['EXISTS', 'dst'],
      ['SORT', 'str'], ['SORT', 'h'], ['SORT_RO', 'str'], ['SORT', 'str', 'foo'], ['SORT', 'h', 'STORE', 'dst'], ['SORT', 'str', 'BY', 'nosort'], ['EXISTS', 'dst'],
      ['RPUSH', 'bad', '1', 'two', '3'], ['SORT', 'bad'], ['SORT', 'bad', 'LIMIT', '0', '1'], ['SORT', 'bad', 'STORE', 'dst'], ['EXISTS', 'dst'], ['SORT', 'bad', 'ALPHA'],
      ['SORT', 'bad', 'BY', 'nosort'], ['SORT', 'bad', 'BY', 'nokey_*'],
    ]);
  });

  it('numeric conversion: what strtod takes and what it rejects', async () => {
    const values = [
      '', ' 2', '\t3', '+.5', '0x10', '0X1P4', '-0', '0e999', '1e-200', 'inf', '-Infinity', '1e308', '0x1p-1074', '0x1.8p-1073',
      'nan', '3\n', '1e', '0x', '  ', '1.5x', '12abc', Buffer.from('7\0junk'), Buffer.from('\0'),
    ];
    const sortEach = (vs: Arg[]): Arg[][] => vs.flatMap((v) => [['DEL', 'q'], ['RPUSH', 'q', v, '1', '-1'], ['SORT', 'q'], ['SORT', 'q', 'DESC']]);
    await same(sortEach(values));
    // Out of range (strtod's ERANGE). Redis 7.0 never clears errno before its strtod, so an ERANGE
    // leaks into later SORTs on the same thread until some other call overwrites errno (a new
    // connection does): each of these runs on a fresh connection, last.
    for (const v of ['1e-310', '1e-400', '1e400']) await same(sortEach([v]));
  });

  it('BY and GET patterns over strings and hash fields', async () => {
    const cmds: Arg[][] = [];
    // Plain names spread over shards; {t} names stay on one shard with the source.
    for (const pre of ['', '{t}']) {
      const l = `${pre}list`;
      const s = `${pre}set`;
      const z = `${pre}zset`;
      cmds.push(
        ...patternData(pre, 6),
        ['RPUSH', l, '3', '1', '6', '2', '5', '4', '9'], ['SADD', s, '3', '1', '6', '2', '5', '4', '9'], ['ZADD', z, '1', '3', '2', '1', '3', '6', '4', '2', '5', '5', '6', '4'],
        ['SORT', l, 'BY', `${pre}w_*`], ['SORT', l, 'BY', `${pre}w_*`, 'DESC'], ['SORT', l, 'BY', `${pre}w_*`, 'LIMIT', '1', '3'],
        ['SORT', l, 'BY', `${pre}h_*->weight`], ['SORT', l, 'BY', `${pre}h_*->weight`, 'DESC', 'LIMIT', '0', '4'], ['SORT', l, 'BY', `${pre}h_*->alpha`, 'ALPHA'],
        ['SORT', l, 'BY', `${pre}h_*->nofield`], ['SORT', l, 'BY', `${pre}h_*->label`], ['SORT', l, 'BY', `${pre}h_*->label`, 'ALPHA'],
        ['SORT', l, 'BY', `${pre}name_*`, 'ALPHA'], ['SORT', l, 'BY', `${pre}name_*`], ['SORT', l, 'BY', `${pre}name_*`, 'ALPHA', 'DESC', 'LIMIT', '2', '2'],
        ['SORT', l, 'BY', `${pre}missing_*`], ['SORT', l, 'BY', `${pre}missing_*`, 'ALPHA'], ['SORT', l, 'BY', `${pre}missing_*`, 'ALPHA', 'DESC'],
        ['SORT', l, 'BY', `${pre}h_*`], ['SORT', l, 'BY', `${pre}w_*->weight`], ['SORT', l, 'BY', `${pre}h_*->`], ['SORT', l, 'BY', `${pre}w_*-`],
        ['SORT', l, 'GET', '#'], ['SORT', l, 'GET', `${pre}w_*`], ['SORT', l, 'GET', `${pre}h_*->label`], ['SORT', l, 'GET', '#', 'GET', `${pre}name_*`, 'GET', `${pre}h_*->weight`],
        ['SORT', l, 'GET', 'constant'], ['SORT', l, 'GET', `${pre}h_*`], ['SORT', l, 'GET', `${pre}w_*->weight`], ['SORT', l, 'GET', `${pre}h_*->`], ['SORT', l, 'GET', '##'],
        ['SORT', l, 'BY', `${pre}w_*`, 'GET', '#', 'GET', `${pre}w_*`, 'LIMIT', '2', '3'], ['SORT', l, 'BY', 'nosort', 'GET', `${pre}name_*`, 'DESC'],
        ['SORT', l, 'BY', `${pre}h_*->weight`, 'GET', `${pre}h_*->label`, 'GET', '#', 'DESC', 'LIMIT', '1', '100'],
        ['SORT', s, 'BY', `${pre}w_*`], ['SORT', s, 'BY', `${pre}h_*->weight`, 'GET', `${pre}h_*->label`], ['SORT', s, 'BY', `${pre}name_*`, 'ALPHA', 'GET', '#'],
        ['SORT', s, 'BY', 'nosort', 'GET', `${pre}w_*`, 'STORE', `${pre}out`], ['LRANGE', `${pre}out`, '0', '-1'],
        ['SORT', z, 'BY', `${pre}w_*`, 'GET', '#', 'GET', `${pre}w_*`], ['SORT', z, 'BY', 'nosort', 'GET', `${pre}name_*`, 'LIMIT', '1', '3'],
        ['SORT', z, 'BY', 'nosort', 'DESC', 'GET', `${pre}h_*->alpha`, 'GET', '#'],
        ['SORT_RO', l, 'BY', `${pre}w_*`, 'GET', `${pre}name_*`], ['SORT_RO', z, 'BY', `${pre}h_*->weight`, 'GET', '#', 'GET', `${pre}h_*->weight`],
        // Weights that are not numbers.
        ['SET', `${pre}w_9`, 'heavy'], ['SORT', l, 'BY', `${pre}w_*`], ['SORT', l, 'BY', `${pre}w_*`, 'ALPHA'], ['SORT', l, 'BY', `${pre}w_*`, 'GET', `${pre}name_*`],
        ['HSET', `${pre}h_9`, 'weight', '1e500'], ['SORT', l, 'BY', `${pre}h_*->weight`, 'STORE', `${pre}out`], ['LRANGE', `${pre}out`, '0', '-1'],
        ['LPUSH', `${pre}w_4`, 'wrongtype'], ['SORT', l, 'BY', `${pre}w_*`, 'GET', `${pre}w_*`],
      );
    }
    await same(cmds);
  });

  it('STORE: list result, overwrite, empty result deletes, GET values', async () => {
    const cmds: Arg[][] = [];
    for (const [pre, dst] of [['', 'dst'], ['{t}', '{t}dst'], ['{t}', 'elsewhere']]) {
      const l = `${pre}list`;
      cmds.push(
        ...patternData(pre, 4),
        ['RPUSH', l, '3', '1', '4', '2', '8'],
        ['SORT', l, 'STORE', dst], ['LRANGE', dst, '0', '-1'], ['TYPE', dst], ['OBJECT', 'ENCODING', dst],
        ['SET', dst, 'string'], ['EXPIRE', dst, '100'], ['SORT', l, 'DESC', 'STORE', dst], ['TTL', dst], ['LRANGE', dst, '0', '-1'],
        ['SORT', l, 'BY', `${pre}w_*`, 'GET', '#', 'GET', `${pre}w_*`, 'GET', `${pre}h_*->label`, 'STORE', dst], ['LRANGE', dst, '0', '-1'],
        ['SORT', l, 'LIMIT', '10', '5', 'STORE', dst], ['EXISTS', dst], ['SORT', l, 'LIMIT', '10', '5', 'STORE', dst],
        ['SORT', l, 'STORE', 'x', 'STORE', dst], ['LRANGE', dst, '0', '-1'], ['EXISTS', 'x'],
        ['SORT', 'nokey', 'STORE', dst], ['EXISTS', dst], ['SORT', l, 'GET', 'nothing', 'STORE', dst], ['LRANGE', dst, '0', '-1'],
        ['SORT', l, 'LIMIT', '1', '2', 'GET', '#', 'GET', '#', 'STORE', dst], ['LRANGE', dst, '0', '-1'],
        ['SORT', l, 'STORE', l], ['LRANGE', l, '0', '-1'], ['SORT', l, 'BY', 'nosort', 'DESC', 'STORE', l], ['LRANGE', l, '0', '-1'],
        ['DEL', l, dst],
      );
    }
    await same(cmds);
  });

  it('binary elements, NUL bytes and ties', async () => {
    await same([
      ['RPUSH', 'b', Buffer.from('a\0c'), Buffer.from('a\0b'), 'a', Buffer.from([0xff]), Buffer.from([0xc3, 0xa9]), 'z', Buffer.from([0x80]), Buffer.from('a\0')],
      ['SORT', 'b', 'ALPHA', 'STORE', 'bs'], ['LRANGE', 'bs', '0', '-1'], ['SORT', 'b', 'ALPHA', 'DESC', 'STORE', 'bs'], ['LRANGE', 'bs', '0', '-1'],
      ['SORT', 'b', 'BY', 'nosort', 'GET', '#'],
      // Ties (equal or missing weights) keep the source order.
      ['RPUSH', 't', 'c', 'a', 'd', 'b', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm'], ['SORT', 't', 'BY', 'nokey_*', 'ALPHA'], ['SORT', 't', 'BY', 'nokey_*', 'ALPHA', 'DESC'],
      ['SORT', 't', 'BY', 'nokey_*'], ['SORT', 't', 'BY', 'nokey_*', 'LIMIT', '2', '5'], ['SORT', 't', 'BY', 'nokey_*', 'ALPHA', 'LIMIT', '2', '5'],
      ['MSET', 'wt_a', '1', 'wt_b', '1', 'wt_c', '0'], ['SORT', 't', 'BY', 'wt_*', 'ALPHA'], ['SORT', 't', 'BY', 'wt_*'], ['SORT', 't', 'BY', 'wt_*', 'DESC'],
      ['RPUSH', 'dup', '2', '1', '2', '1', '3'], ['SORT', 'dup'], ['SORT', 'dup', 'ALPHA', 'DESC'], ['SORT', 'dup', 'BY', 'nokey_*', 'GET', '#'],
      ['SET', Buffer.from('k\0x'), 'nul-key'], ['RPUSH', 'nk', Buffer.from('\0x')], ['SORT', 'nk', 'BY', 'nosort', 'GET', 'k*'], ['SORT', 'nk', 'BY', 'nosort', 'GET', Buffer.from('k*\0zz')],
      ['SORT', 'nk', 'BY', 'nosort', 'GET', Buffer.from('#\0')], ['SORT', 'nk', 'BY', Buffer.from('w\0*')], ['HSET', 'hk', Buffer.from('f\0g'), 'nul-field'],
      ['RPUSH', 'hl', 'k'], ['SORT', 'hl', 'BY', 'nosort', 'GET', Buffer.from('h*->f\0g')], ['SORT', 'hl', 'BY', 'nosort', 'GET', Buffer.from('h*->\0g')],
    ]);
  });

  it('big collections (quicklist, hashtable, skiplist) with patterns', async () => {
    const r = rng(7);
    const cmds: Arg[][] = [];
    const members: string[] = [];
    for (let i = 0; i < 300; i++) members.push(String(Math.floor(r() * 100000) - 50000));
    const uniq = [...new Set(members)];
    cmds.push(['RPUSH', 'bl', ...members], ['SADD', 'bs', ...uniq.map((m) => `m${m}`)], ['SADD', 'bi', ...uniq]);
    const z: string[] = [];
    for (const m of uniq) z.push(String(Math.floor(r() * 50)), m);
    cmds.push(['ZADD', 'bz', ...z]);
    for (let i = 0; i < uniq.length; i += 3) cmds.push(['SET', `bw_${uniq[i]}`, String(Math.floor(r() * 40))], ['HSET', `bh_m${uniq[i]}`, 'f', `v${i}`]);
    cmds.push(
      ['SORT', 'bl'], ['SORT', 'bl', 'ALPHA', 'DESC', 'LIMIT', '10', '20'], ['SORT', 'bl', 'BY', 'bw_*', 'LIMIT', '0', '50'], ['SORT', 'bl', 'BY', 'bw_*', 'GET', '#', 'GET', 'bw_*'],
      ['SORT', 'bs', 'ALPHA'], ['SORT', 'bs', 'ALPHA', 'GET', 'bh_*->f', 'LIMIT', '5', '30'], ['SORT', 'bi'], ['SORT', 'bi', 'BY', 'nosort', 'LIMIT', '100', '10'],
      ['SORT', 'bz', 'BY', 'nosort', 'LIMIT', '100', '10'], ['SORT', 'bz', 'BY', 'nosort', 'DESC', 'LIMIT', '3', '7'], ['SORT', 'bz', 'BY', 'bw_*', 'DESC'],
      ['SORT', 'bi', 'BY', 'bw_*', 'STORE', 'bout'], ['LLEN', 'bout'], ['LRANGE', 'bout', '0', '20'], ['SORT', 'bs', 'BY', 'nosort', 'STORE', 'bout'], ['LRANGE', 'bout', '-10', '-1'],
    );
    await same(cmds);
  });

  it('inside MULTI/EXEC, and COMMAND GETKEYS', async () => {
    await same([
      ...patternData('', 3), ['RPUSH', 'l', '2', '3', '1'],
      ['MULTI'], ['SORT', 'l', 'BY', 'w_*', 'GET', 'name_*', 'STORE', 'dst'], ['LRANGE', 'dst', '0', '-1'], ['SORT_RO', 'l', 'BY', 'h_*->weight'], ['SORT', 'l', 'STORE', '{t}x'],
      ['SORT_RO', 'l', 'STORE', 'x'], ['EXEC'],
      ['MULTI'], ['SORT_RO', 'l', 'BY', 'w_*'], ['SET', 'w_1', '100'], ['SORT_RO', 'l', 'BY', 'w_*'], ['EXEC'],
      // STORE touches WATCHed keys (an empty result only when there was a key to delete); converting a
      // sorted set's encoding does not.
      ['WATCH', 'dst'], ['SORT', 'l', 'STORE', 'dst'], ['MULTI'], ['PING'], ['EXEC'],
      ['WATCH', 'none'], ['SORT', 'nokey', 'STORE', 'none'], ['MULTI'], ['PING'], ['EXEC'],
      ['ZADD', 'z', '1', 'a'], ['WATCH', 'z'], ['SORT_RO', 'z', 'ALPHA'], ['OBJECT', 'ENCODING', 'z'], ['MULTI'], ['PING'], ['EXEC'],
      ['COMMAND', 'GETKEYS', 'SORT', 'abc', 'STORE', 'def', 'BY', 'x', 'GET', 'y'], ['COMMAND', 'GETKEYSANDFLAGS', 'SORT', 'abc', 'STORE', 'def', 'STORE', 'ghi'],
      ['COMMAND', 'GETKEYS', 'SORT', 'abc', 'LIMIT', 'STORE', 'x'], ['COMMAND', 'GETKEYS', 'SORT', 'abc', 'GET', 'STORE', 'x'], ['COMMAND', 'GETKEYS', 'SORT', 'abc', 'STORE'],
      ['COMMAND', 'GETKEYS', 'SORT_RO', 'abc', 'STORE', 'x'], ['COMMAND', 'GETKEYSANDFLAGS', 'SORT_RO', 'abc'], ['COMMAND', 'INFO', 'SORT', 'SORT_RO'],
    ]);
  });

  it('counts keyspace hits and misses as Redis does (one lookup per pattern use)', async () => {
    const stats = async (port: number): Promise<string> => {
      const c = await RawClient.connect(port);
      try {
        await c.call(['FLUSHALL']);
        await c.call(['RPUSH', 'l', '1', '2', '3', '4']);
        await c.call(['MSET', 'w_1', '5', 'w_3', '1', 'n_2', 'two']);
        await c.call(['HSET', 'h_4', 'f', 'x']);
        await c.call(['CONFIG', 'RESETSTAT']);
        await c.call(['SORT', 'l', 'BY', 'w_*', 'GET', 'n_*', 'GET', 'h_*->f', 'GET', '#', 'LIMIT', '1', '2']);
        await c.call(['SORT', 'l', 'BY', 'nosort', 'GET', 'n_*', 'STORE', 'out']);
        await c.call(['SORT_RO', 'nokey', 'BY', 'w_*']);
        const info = (await c.call(['INFO', 'stats'])).toString();
        return ['keyspace_hits', 'keyspace_misses'].map((f) => info.match(new RegExp(`${f}:(\\d+)`))?.[1]).join(' ');
      } finally {
        c.close();
      }
    };
    const want = await stats(suite.redis.port);
    assert.equal(await stats(suite.d1.port), want);
    assert.equal(await stats(suite.d3.port), want);
  });
});
