// The streamed cross-shard ZUNION/ZINTER/ZDIFF and their STORE forms (zset-setops.ts, sources bigger than
// STREAM_MIN_PAIRS) against the single-shard path on the same data: byte-identical replies (scores with
// WEIGHTS/AGGREGATE, -0, infinities, sets as sources), stored encodings and ranges whether the keys share a
// shard or not; another client is served while a streamed store is between slices; nothing is left
// staged. In-process rig.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { makeRig, runCommands, type Rig } from '../../test/inproc.ts';
import { ZSLICE, stagedZsetCount } from './zset-setops.ts';

function run(rig: Rig, ...cmds: string[][]): Promise<string[]> {
  return runCommands(rig, cmds, 5000);
}

const big = ZSLICE + 5000;

/** ZADD arguments: n members from `from`, scores from score(i). */
function pairs(from: number, n: number, score: (i: number) => string, name = (i: number) => `m${i}`): string[] {
  const out: string[] = [];
  for (let i = from; i < from + n; i++) out.push(score(i), name(i));
  return out;
}

describe('streamed sorted-set algebra across shards', () => {
  it('the same replies, scores, encodings and orders as on one shard', async () => {
    const rig = makeRig(2);
    const same = ['{t}z0', '{t}z1', '{t}s2'];
    const across = [rig.keyOn(0, 'z0'), rig.keyOn(1, 'z1'), rig.keyOn(1, 's2')];
    const load: string[][] = [];
    for (const k of [same, across]) {
      load.push(['ZADD', k[0], ...pairs(0, big, (i) => (i % 1000 === 0 ? '-0' : i % 777 === 0 ? 'inf' : String(i * 0.25)))]);
      load.push(['ZADD', k[1], ...pairs(big / 2, big, (i) => (i % 555 === 0 ? '-inf' : String(i % 100)))]);
      load.push(['SADD', k[2], ...Array.from({ length: 6000 }, (_, i) => `m${i * 5}`)]);
    }
    await run(rig, ...load);
    const forms = (k: string[], dst: string): string[][] => [
      ['ZUNION', '3', k[0], k[1], k[2], 'WITHSCORES'],
      ['ZUNION', '2', k[0], k[1], 'WEIGHTS', '2', '-1', 'AGGREGATE', 'MAX', 'WITHSCORES'],
      ['ZINTER', '2', k[1], k[0], 'WITHSCORES'],
      ['ZINTER', '3', k[0], k[1], k[2], 'AGGREGATE', 'MIN', 'WITHSCORES'],
      ['ZDIFF', '2', k[0], k[1], 'WITHSCORES'],
      ['ZDIFF', '3', k[1], k[2], 'missing'],
      ['ZUNIONSTORE', dst, '2', k[0], k[1]],
      ['OBJECT', 'ENCODING', dst],
      ['ZRANGE', dst, '0', '-1', 'WITHSCORES'],
      ['ZINTERSTORE', dst, '2', k[0], k[2], 'WEIGHTS', '0', '1'],
      ['ZRANGE', dst, '0', '-1', 'WITHSCORES'],
      ['ZDIFFSTORE', dst, '2', k[0], k[0]],
      ['EXISTS', dst],
      ['ZDIFFSTORE', dst, '2', k[1], k[0]],
      ['ZRANGE', dst, '0', '-1', 'WITHSCORES'],
      ['ZINTERSTORE', dst, '2', k[0], 'missing'],
      ['EXISTS', dst],
    ];
    const want = await run(rig, ...forms(same, '{t}dst'));
    const got = await run(rig, ...forms(across, rig.keyOn(0, 'dst')));
    for (let i = 0; i < want.length; i++) assert.equal(got[i], want[i], `reply ${i}`);
    assert.equal(stagedZsetCount(), 0);
  });

  it('a small result stored from big sources is a listpack, as on one shard', async () => {
    const rig = makeRig(2);
    const a = rig.keyOn(0, 'a');
    const b = rig.keyOn(1, 'b');
    await run(rig, ['ZADD', a, ...pairs(0, big, (i) => String(i))], ['ZADD', b, ...pairs(0, 10, (i) => String(-i), (i) => `m${i * 3}`)]);
    const dst = rig.keyOn(1, 'dst');
    assert.deepEqual(await run(rig, ['ZINTERSTORE', dst, '2', a, b], ['OBJECT', 'ENCODING', dst], ['ZRANGE', dst, '0', '2', 'WITHSCORES']), [
      ':10\r\n',
      '$8\r\nlistpack\r\n',
      '*6\r\n$2\r\nm0\r\n$1\r\n0\r\n$2\r\nm3\r\n$1\r\n2\r\n$2\r\nm6\r\n$1\r\n4\r\n',
    ]);
  });

  it('ZRANGESTORE of a big range: the same stored sets as on one shard', async () => {
    const rig = makeRig(2);
    const same = ['{t}src', '{t}lex'];
    const across = [rig.keyOn(0, 'src'), rig.keyOn(0, 'lex')];
    const load: string[][] = [];
    for (const k of [same, across]) {
      load.push(['ZADD', k[0], ...pairs(0, big, (i) => (i < 300 ? '-0' : String(Math.floor(i / 3))))]);
      load.push(['ZADD', k[1], ...pairs(0, big, () => '0', (i) => `m${String(i).padStart(6, '0')}`)]);
    }
    await run(rig, ...load);
    const forms = (k: string[], dst: string): string[][] => {
      const out: string[][] = [];
      for (const range of [
        ['0', '-1'],
        ['100', '-100', 'REV'],
        ['-inf', '+inf', 'BYSCORE'],
        ['(10', '9000', 'BYSCORE', 'LIMIT', '7', '6000'],
        ['+inf', '-inf', 'BYSCORE', 'REV', 'LIMIT', '3', '-1'],
      ]) {
        out.push(['ZRANGESTORE', dst, k[0], ...range], ['OBJECT', 'ENCODING', dst], ['ZRANGE', dst, '0', '-1', 'WITHSCORES']);
      }
      out.push(['ZRANGESTORE', dst, k[1], '[m000100', '(m010000', 'BYLEX'], ['ZRANGE', dst, '0', '-1']);
      out.push(['ZRANGESTORE', dst, k[1], '+', '-', 'BYLEX', 'REV', 'LIMIT', '5', '8000'], ['ZRANGE', dst, '0', '-1']);
      return out;
    };
    const want = await run(rig, ...forms(same, '{t}dst'));
    const got = await run(rig, ...forms(across, rig.keyOn(1, 'dst')));
    for (let i = 0; i < want.length; i++) assert.equal(got[i], want[i], `reply ${i}`);
    assert.equal(stagedZsetCount(), 0);
  });

  it('serves another client between slices of a streamed store', async () => {
    const rig = makeRig(2);
    const a = rig.keyOn(0, 'a');
    const b = rig.keyOn(1, 'b');
    await run(rig, ['ZADD', a, ...pairs(0, big, String)], ['ZADD', b, ...pairs(big / 2, big, String)]);
    const storer = rig.client(0);
    const other = rig.client(0);
    storer.send(['ZUNIONSTORE', rig.keyOn(1, 'dst'), '2', a, b]);
    other.send(['SET', rig.keyOn(1, 'other'), 'v'], ['GET', rig.keyOn(0, 'other')]);
    await rig.settle(() => other.sock.replies().length === 2, 5000);
    assert.deepEqual(other.sock.replies(), ['+OK\r\n', '$-1\r\n']);
    assert.equal(storer.sock.replies().length, 0, 'the store is still streaming');
    await rig.settle(() => storer.sock.replies().length === 1, 5000);
    assert.deepEqual(storer.sock.replies(), [`:${big + big / 2}\r\n`]);
    assert.equal(stagedZsetCount(), 0);
  });
});
