// Sets as sources of ZUNION / ZINTER / ZDIFF / ZINTERCARD / ZUNIONSTORE through the SetLike interface:
// a stand-in set value put straight into the shards' databases, and real sets made by SADD (every
// encoding: the types fuzzer found ZDIFF of a SADD-made set answering WRONGTYPE when SetValue lacked
// members()); in-process rig, keys on one shard and on two; the replies are those redis-server 7.0.15
// gives for the same data built with SADD / ZADD.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { makeRig, runCommands, type Rig } from '../../test/inproc.ts';
import { shardOfKey } from '../runtime/slots.ts';
import type { SetLike } from './zset-setops.ts';
import { SetValue } from '../engine/set-value.ts';
import { KIND_SET } from '../engine/value-kind.ts';

/** Compile-time check: the set family's value is what the sorted-set operations read. */
const realSetIsSetLike: SetLike = SetValue.intset();
void realSetIsSetLike;

/** A minimal set value: what the set family's value offers the sorted-set commands. */
function fakeSet(members: string[]): SetLike {
  return { kindId: KIND_SET, members: () => members[Symbol.iterator]() };
}

function putSet(rig: Rig, key: string, members: string[]): void {
  const b = Buffer.from(key);
  const s = shardOfKey(b, rig.workers.length);
  rig.workers[s].shard.dbs[0].put(key, fakeSet(members), 0, 0);
}

function run(rig: Rig, ...cmds: string[][]): Promise<string[]> {
  return runCommands(rig, cmds);
}

describe('sets as sources of the sorted-set operations', () => {
  for (const [sameShard, encoding] of [[true, 'fake'], [false, 'fake'], [true, 'sadd'], [false, 'sadd'], [true, 'sadd-hashtable'], [false, 'sadd-hashtable']] as const) {
    it(`keys on ${sameShard ? 'one shard' : 'two shards'}, ${encoding === 'fake' ? 'stand-in sets' : `sets made by SADD${encoding === 'sadd-hashtable' ? ' (hashtable)' : ''}`}`, async () => {
      const rig = makeRig(2, encoding === 'sadd-hashtable' ? { config: { set_max_listpack_entries: 1 } } : {});
      const k = (name: string, shard: number): string => (sameShard ? `{t}${name}` : rig.keyOn(shard, name));
      const s1 = k('s1', 0);
      const s2 = k('s2', 1);
      const z = k('z', 1);
      const out = k('out', 0);
      if (encoding === 'fake') {
        putSet(rig, s1, ['a', 'b', 'c']);
        putSet(rig, s2, ['1', '2', 'b']);
      } else {
        assert.deepEqual(await run(rig, ['SADD', s1, 'a', 'b', 'c'], ['SADD', s2, '1', '2', 'b'], ['OBJECT', 'ENCODING', s1]), [':3\r\n', ':3\r\n', encoding === 'sadd' ? '$8\r\nlistpack\r\n' : '$9\r\nhashtable\r\n']);
      }
      const replies = await run(
        rig,
        ['ZADD', z, '2', 'a', '5', '2'],
        ['ZUNION', '3', s1, s2, z, 'WITHSCORES'],
        ['ZINTER', '2', s1, z, 'WEIGHTS', '3', '2', 'WITHSCORES'],
        ['ZDIFF', '2', s1, s2],
        ['ZINTERCARD', '2', s1, s2],
        ['ZUNIONSTORE', out, '2', s1, s2],
        ['ZRANGE', out, '0', '-1', 'WITHSCORES'],
        ['ZDIFF', '2', z, s2, 'WITHSCORES'],
        ['ZRANGESTORE', out, s1, '0', '-1'],
        ['ZCARD', s1],
      );
      const bulks = (...xs: string[]): string => `*${xs.length}\r\n` + xs.map((x) => `$${x.length}\r\n${x}\r\n`).join('');
      assert.deepEqual(replies, [
        ':2\r\n',
        bulks('1', '1', 'c', '1', 'b', '2', 'a', '3', '2', '6'),
        bulks('a', '7'),
        bulks('a', 'c'),
        ':1\r\n',
        ':5\r\n',
        bulks('1', '1', '2', '1', 'a', '1', 'c', '1', 'b', '2'),
        bulks('a', '2'),
        '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n',
        '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n',
      ]);
    });
  }
});
