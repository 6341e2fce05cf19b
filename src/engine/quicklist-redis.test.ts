// QuickList's node layout against a real redis-server: Redis 7.0.15 keeps every list as a quicklist,
// and its quicklist.c node rules (pushes, LINSERT's splits and merges, deletions, LSET in place) and
// listpack sizes are those of 7.2, whose encoding conversions are decided on them. Seeded random list
// commands go to Redis and to a QuickList in quicklist mode; after each one, DEBUG OBJECT's ql_nodes
// and ql_uncompressed_size (the sum of the nodes' listpack bytes) must equal our chunk count and the
// sum of the chunks' `lp`. Skips when redis-server is not installed.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { REDIS_AVAILABLE, RawClient, SKIP_NO_REDIS, rng, showCommand, startRedis, type Arg, type ServerHandle } from '../../test/harness.ts';
import { QuickList } from './quicklist.ts';
import { lpEntrySize } from './listpack-size.ts';

/** Values across the listpack encodings: packed integers of each width, strings of each header size. */
const VALUES = [
  'a', 'b', 'c', '0', '-0', '007', '+1', '127', '128', '-1', '4095', '4096', '-4097', '32767', '-32769', '8388607', '8388608',
  '2147483647', '-2147483649', '9223372036854775807', '-9223372036854775808', '9223372036854775808', '12345678901',
];

function randomValue(r: () => number): string {
  const p = r();
  if (p < 0.55) return VALUES[Math.floor(r() * VALUES.length)];
  if (p < 0.8) return 'v'.repeat(1 + Math.floor(r() * 70)); // around the 63-byte string header limit
  if (p < 0.97) return 'm'.repeat(60 + Math.floor(r() * 1200));
  return 'h'.repeat(4090 + Math.floor(r() * 6000)); // 32-bit string headers, and beyond a node's limit
}

/** Applies one list command to `l` as Redis does to its quicklist. */
function apply(l: QuickList, cmd: string[]): void {
  const b = (s: string): Buffer => Buffer.from(s, 'latin1');
  const len = l.length;
  switch (cmd[0]) {
    case 'RPUSH':
    case 'LPUSH':
      for (const v of cmd.slice(2)) l.push(b(v), cmd[0] === 'LPUSH');
      return;
    case 'LPOP':
    case 'RPOP':
      l.removeEnd(Math.min(Number(cmd[2] ?? 1), len), cmd[0] === 'LPOP');
      return;
    case 'LTRIM': {
      let [start, end] = [Number(cmd[2]), Number(cmd[3])];
      if (start < 0) start += len;
      if (end < 0) end += len;
      if (start < 0) start = 0;
      if (start > end || start >= len) return l.removeEnd(len, true);
      if (end >= len) end = len - 1;
      l.removeEnd(start, true);
      l.removeEnd(len - end - 1, false);
      return;
    }
    case 'LSET': {
      let i = Number(cmd[2]);
      if (i < 0) i += len;
      if (i >= 0 && i < len) l.set(i, b(cmd[3]));
      return;
    }
    case 'LINSERT': {
      const it = l.cursor(0, true);
      while (it.next()) {
        if (it.equals(b(cmd[3]))) return l.insertAt(it, b(cmd[4]), cmd[2] === 'AFTER');
      }
      return;
    }
    case 'LREM': {
      const n = Number(cmd[2]);
      l.remove(b(cmd[3]), Math.abs(n), n < 0);
      return;
    }
  }
  throw new Error(`no model for ${cmd[0]}`);
}

function randomCommand(r: () => number, key: string, len: number): string[] {
  const v = (): string => randomValue(r);
  const idx = (): string => String(Math.floor(r() * (2 * len + 6)) - len - 3);
  const p = r();
  if (p < 0.3) return [r() < 0.5 ? 'RPUSH' : 'LPUSH', key, ...Array.from({ length: 1 + Math.floor(r() * 12) }, v)];
  if (p < 0.42) return [r() < 0.5 ? 'LPOP' : 'RPOP', key, String(1 + Math.floor(r() * 6))];
  if (p < 0.47) {
    // Mostly a few elements off the ends (random indexes would empty the list most of the time).
    if (r() < 0.3) return ['LTRIM', key, idx(), idx()];
    return ['LTRIM', key, String(Math.floor(r() * 4)), String(-1 - Math.floor(r() * 4))];
  }
  if (p < 0.62) return ['LSET', key, idx(), v()];
  if (p < 0.85) return ['LINSERT', key, r() < 0.5 ? 'BEFORE' : 'AFTER', v(), v()];
  return ['LREM', key, String(Math.floor(r() * 7) - 3), v()];
}

/** ql_nodes and ql_uncompressed_size from a DEBUG OBJECT reply (null: no such key). */
function nodeInfo(reply: string): { nodes: number; bytes: number } | null {
  if (reply.startsWith('-ERR no such key')) return null;
  const nodes = /ql_nodes:(\d+)/.exec(reply);
  const bytes = /ql_uncompressed_size:(\d+)/.exec(reply);
  if (nodes === null || bytes === null) throw new Error(`unexpected DEBUG OBJECT reply: ${reply}`);
  return { nodes: Number(nodes[1]), bytes: Number(bytes[1]) };
}

function ourInfo(l: QuickList): { nodes: number; bytes: number } | null {
  if (l.length === 0) return null;
  let bytes = 0;
  for (let c = l.head; c !== null; c = c.next) bytes += c.lp;
  return { nodes: l.chunks, bytes };
}

let redis: ServerHandle | null = null;
let client: RawClient | null = null;

before(async () => {
  if (!REDIS_AVAILABLE) return;
  redis = await startRedis(['--enable-debug-command', 'yes']);
  client = await RawClient.connect(redis.port);
});
after(async () => {
  client?.close();
  await redis?.stop();
});

/** Runs `cmds` on Redis and on a quicklist of `fill`, comparing the nodes after each. */
async function replay(c: RawClient, fill: number, key: string, cmds: string[][]): Promise<QuickList> {
  await c.call(['DEL', key]);
  await c.call(['CONFIG', 'SET', 'list-max-listpack-size', String(fill)]);
  const l = new QuickList('quicklist', fill);
  const history: string[] = [];
  for (const cmd of cmds) {
    history.push(showCommand(cmd as Arg[]));
    const reply = (await c.call(cmd)).toString('latin1');
    if (!reply.startsWith('-')) apply(l, cmd);
    l.check();
    const want = nodeInfo((await c.call(['DEBUG', 'OBJECT', key])).toString('latin1'));
    assert.deepEqual(ourInfo(l), want, `after:\n${history.slice(-8).join('\n')}`);
  }
  return l;
}

describe('quicklist nodes as Redis lays them out', () => {
  it('entry sizes: one value per list, the node bytes are 7 + its listpack entry', async (t) => {
    if (client === null) return t.skip(SKIP_NO_REDIS);
    const values = [
      ...VALUES, '', ' 1', '1 ', '-', '00', '-01', '1e3', '0x10', '18446744073709551615', '-9223372036854775809', '99999999999999999999',
      ...[62, 63, 64, 125, 126, 127, 4094, 4095, 4096, 16380, 16381, 16382, 16383].map((n) => 's'.repeat(n)),
      ...[-4096, -32768, -8388608, -2147483648, 2147483648, 99999, 123456789012].map(String),
    ];
    for (const v of values) {
      const l = await replay(client, -5, 'size', [['RPUSH', 'size', v]]);
      assert.equal(l.lpBytes, 7 + lpEntrySize(Buffer.from(v), 0, v.length), v);
    }
  });

  it('a push takes the end node while its bytes + the value + 8 stay within the limit', async (t) => {
    if (client === null) return t.skip(SKIP_NO_REDIS);
    // 'x' * 4000 is a 4011-byte node; 4011 + 77 + 8 = 4096 still fits fill -1, 78 does not.
    const x = 'x'.repeat(4000);
    let l = await replay(client, -1, 'edge', [['RPUSH', 'edge', x], ['RPUSH', 'edge', 'y'.repeat(77)], ['RPUSH', 'edge', 'z']]);
    assert.deepEqual([l.head!.count, l.tail!.count], [2, 1]);
    l = await replay(client, -1, 'edge', [['RPUSH', 'edge', x], ['LPUSH', 'edge', 'y'.repeat(78)]]);
    assert.equal(l.chunks, 2);
    // A count fill stops at its count, and at 8192 bytes with the same estimate: [d, 8100 x] is 8117
    // bytes, and 8117 + 67 + 8 = 8192 fits.
    l = await replay(client, 3, 'edge', [['RPUSH', 'edge', 'a', 'b', 'c', 'd'], ['RPUSH', 'edge', 'x'.repeat(8100)], ['RPUSH', 'edge', 'x'.repeat(67)]]);
    assert.deepEqual([l.chunks, l.tail!.count], [2, 3]);
    l = await replay(client, 3, 'edge', [['RPUSH', 'edge', 'a', 'b', 'c', 'd'], ['RPUSH', 'edge', 'x'.repeat(8100)], ['RPUSH', 'edge', 'x'.repeat(68)]]);
    assert.equal(l.chunks, 3);
    l = await replay(client, 3, 'edge', [['RPUSH', 'edge', 'x'.repeat(8000)], ['RPUSH', 'edge', 'y'.repeat(170)], ['RPUSH', 'edge', 'y'.repeat(171)]]);
    assert.deepEqual([l.head!.count, l.chunks], [2, 2]);
  });


  for (const fill of [1, 2, 3, 5, 16, 0, -1, -2]) {
    it(`fill ${fill}`, async (t) => {
      if (client === null) return t.skip(SKIP_NO_REDIS);
      const c = client;
      const key = `ql:${fill}`;
      await c.call(['DEL', key]);
      await c.call(['CONFIG', 'SET', 'list-max-listpack-size', String(fill)]);
      const r = rng(4242 + fill);
      let l = new QuickList('quicklist', fill);
      const history: string[] = [];
      for (let step = 0; step < 400; step++) {
        const cmd = randomCommand(r, key, l.length);
        history.push(showCommand(cmd as Arg[]));
        c.send(cmd);
        c.send(['DEBUG', 'OBJECT', key]);
        const reply = (await c.readReply()).toString('latin1');
        const want = nodeInfo((await c.readReply()).toString('latin1'));
        if (!reply.startsWith('-')) apply(l, cmd);
        l.check();
        assert.deepEqual(ourInfo(l), want, `after:\n${history.slice(-8).join('\n')}`);
        if (l.length === 0) l = new QuickList('quicklist', fill);
      }
      // The contents agree too.
      const all = (await c.call(['LRANGE', key, '0', '-1'])).toString('latin1');
      const ours: string[] = [];
      l.forEach((buf, off, n) => ours.push(`$${n}\r\n${buf.toString('latin1', off, off + n)}\r\n`));
      assert.equal(all, l.length === 0 ? '*0\r\n' : `*${l.length}\r\n${ours.join('')}`);
    });
  }
});
