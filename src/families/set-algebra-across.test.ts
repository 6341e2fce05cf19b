// The streamed cross-shard set algebra (set-algebra-across.ts) against the single-shard algorithms on the
// same data: for sets bigger than a slice, SINTER/SUNION/SDIFF (both SDIFF algorithms) and their STORE
// forms give byte-identical replies, stored encodings and member orders whether the keys share a shard or
// not; another client's command on an unrelated key is served while a streamed store is between slices
// (counted: its reply is out before the store's); nothing is left staged. In-process rig.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { makeRig, runCommands, type Rig } from '../../test/inproc.ts';
import { SLICE, stagedCount } from './set-algebra-across.ts';

function run(rig: Rig, ...cmds: string[][]): Promise<string[]> {
  return runCommands(rig, cmds, 5000);
}

function range(from: number, n: number, fmt: (i: number) => string): string[] {
  return Array.from({ length: n }, (_, i) => fmt(from + i));
}

/** Loads the same members under names on one shard and under names on two shards. */
async function load(rig: Rig, sets: string[][]): Promise<{ same: string[]; across: string[] }> {
  const same = sets.map((_, i) => `{t}s${i}`);
  const across = sets.map((_, i) => rig.keyOn(i % 2, `s${i}`));
  const cmds: string[][] = [];
  sets.forEach((members, i) => {
    cmds.push(['SADD', same[i], ...members]);
    cmds.push(['SADD', across[i], ...members]);
  });
  await run(rig, ...cmds);
  return { same, across };
}

const big = SLICE * 2 + 100;

describe('streamed set algebra across shards', () => {
  const cases: [string, string[][], Record<string, number>][] = [
    ['strings (hashtable)', [range(0, big, (i) => `m${i}`), range(big / 2, big, (i) => `m${i}`), range(0, 50, (i) => `m${i * 3}`)], {}],
    ['integers kept as intsets', [range(0, big, String), range(big / 2, big, String), range(0, 5000, (i) => String(i * 7))], { set_max_intset_entries: 1 << 20 }],
    // SDIFF's second algorithm: the first set much bigger than the others.
    ['a big first set and small others', [range(0, big, (i) => `m${i}`), range(0, 3000, (i) => `m${i * 2}`), range(0, 10, (i) => `x${i}`)], {}],
  ];
  for (const [name, sets, config] of cases) {
    it(`${name}: the same replies, encodings and orders as on one shard`, async () => {
      const rig = makeRig(2, { config });
      const { same, across } = await load(rig, sets);
      const forms = (k: string[], dst: string): string[][] => [
        ['SINTER', k[0], k[1]],
        ['SINTER', k[1], k[0], k[2]],
        ['SUNION', k[0], k[1], k[2]],
        ['SDIFF', k[0], k[1]],
        ['SDIFF', k[0], k[1], k[2]],
        ['SDIFF', k[0], k[0]],
        ['SINTERSTORE', dst, k[0], k[1]],
        ['OBJECT', 'ENCODING', dst],
        ['SMEMBERS', dst],
        ['SUNIONSTORE', dst, k[0], k[1], k[2]],
        ['OBJECT', 'ENCODING', dst],
        ['SMEMBERS', dst],
        ['SDIFFSTORE', dst, k[0], k[2]],
        ['OBJECT', 'ENCODING', dst],
        ['SMEMBERS', dst],
        ['SDIFFSTORE', dst, k[2], k[0], k[1]],
        ['SINTERSTORE', dst, k[0], 'missing'],
        ['EXISTS', dst],
      ];
      const want = await run(rig, ...forms(same, '{t}dst'));
      const got = await run(rig, ...forms(across, rig.keyOn(1, 'dst')));
      for (let i = 0; i < want.length; i++) assert.equal(got[i], want[i], `reply ${i}`);
      assert.equal(stagedCount(), 0);
    });
  }

  it('serves another client between slices of a streamed store', async () => {
    const rig = makeRig(2);
    const a = rig.keyOn(0, 'a');
    const b = rig.keyOn(1, 'b');
    await run(rig, ['SADD', a, ...range(0, big, (i) => `m${i}`)], ['SADD', b, ...range(big / 2, big, (i) => `m${i}`)]);
    const dst = rig.keyOn(1, 'dst');
    const storer = rig.client(0);
    const other = rig.client(0);
    storer.send(['SUNIONSTORE', dst, a, b]);
    other.send(['SET', rig.keyOn(1, 'other'), 'v'], ['GET', rig.keyOn(0, 'other')]);
    await rig.settle(() => other.sock.replies().length === 2, 5000);
    assert.deepEqual(other.sock.replies(), ['+OK\r\n', '$-1\r\n']);
    assert.equal(storer.sock.replies().length, 0, 'the store is still streaming');
    await rig.settle(() => storer.sock.replies().length === 1, 5000);
    assert.deepEqual(storer.sock.replies(), [`:${big + big / 2}\r\n`]);
    assert.equal(stagedCount(), 0);
  });

  it('streams inside MULTI/EXEC as well', async () => {
    const rig = makeRig(2);
    const a = rig.keyOn(0, 'a');
    const b = rig.keyOn(1, 'b');
    const dst = rig.keyOn(1, 'dst');
    await run(rig, ['SADD', a, ...range(0, big, (i) => `m${i}`)], ['SADD', b, ...range(big / 2, big, (i) => `m${i}`)]);
    const r = await run(rig, ['MULTI'], ['SINTERSTORE', dst, a, b], ['SCARD', dst], ['SDIFFSTORE', dst, a, b], ['EXEC']);
    assert.deepEqual(r, ['+OK\r\n', '+QUEUED\r\n', '+QUEUED\r\n', '+QUEUED\r\n', `*3\r\n:${big / 2}\r\n:${big / 2}\r\n:${big / 2}\r\n`]);
    assert.equal(stagedCount(), 0);
  });
});
