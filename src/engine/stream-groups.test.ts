// StreamGroups on its own: ID keys keep ID order, NACK bookkeeping between the group's and the
// consumers' PELs, the byte form and the copy reproduce every field, and the model bytes go back to
// exactly the empty figure once everything is acknowledged, deleted or destroyed.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BinReader, BinWriter } from '../util/codec.ts';
import { Stream } from './stream.ts';
import { StreamId, compareIds, MAX_ID } from './stream-id.ts';
import { groupsOf, idKey, keyId, StreamGroups, type ConsumerGroup } from './stream-groups.ts';
import { mulberry32 } from '../util/prng.ts';

function snapshot(gs: StreamGroups): unknown {
  return gs.sorted().map((g: ConsumerGroup) => ({
    name: g.name,
    lastId: g.lastId.toString(),
    entriesRead: g.entriesRead,
    consumers: g.sortedConsumers().map((c) => ({ name: c.name, seen: c.seenTime, pel: collect(c.pel) })),
    pel: collect(g.pel).map((k) => {
      const n = g.nacks.get(k)!;
      return [keyId(k).toString(), n.consumer?.name, n.deliveryTime, n.deliveryCount];
    }),
  }));
}

function collect(t: { forEach(fn: (s: number, m: string) => void): void }): string[] {
  const out: string[] = [];
  t.forEach((_s, m) => out.push(m));
  return out;
}

describe('stream groups', () => {
  it('ID keys sort as IDs (uint64 halves, big-endian)', () => {
    const rnd = mulberry32(7);
    const ids: StreamId[] = [MAX_ID, StreamId.of(0, 0), StreamId.of(1, 0), StreamId.of(0, 1)];
    for (let i = 0; i < 300; i++) ids.push(new StreamId((rnd() * 2 ** 32) >>> 0, (rnd() * 2 ** 32) >>> 0, (rnd() * 4) >>> 0, (rnd() * 2 ** 32) >>> 0));
    const byId = [...ids].sort(compareIds).map(String);
    const byKey = ids.map(idKey).sort().map((k) => keyId(k).toString());
    assert.deepEqual(byKey, byId);
  });

  it('deliveries, claims and acks keep both PELs in step; bytes return to the empty figure', () => {
    const gs = new StreamGroups();
    const empty = gs.bytes;
    const g = gs.create('g', StreamId.of(0, 0), 0)!;
    assert.equal(gs.create('g', StreamId.of(0, 0), 0), null);
    const a = g.createConsumer('alice', 1)!;
    const b = g.consumerOrNew('bob', 2);
    for (let i = 1; i <= 50; i++) g.delivered(idKey(StreamId.of(i, 0)), i % 2 === 0 ? a : b, 100 + i);
    assert.equal(g.pel.size, 50);
    assert.equal(a.pel.size + b.pel.size, 50);
    // Delivered again (the group's last ID set back): the NACK moves, count 1.
    g.delivered(idKey(StreamId.of(1, 0)), a, 500);
    assert.equal(g.nacks.get(idKey(StreamId.of(1, 0)))!.consumer, a);
    assert.equal(b.pel.size, 24);
    const f = g.forceNack(idKey(StreamId.of(99, 0)), 7);
    g.moveTo(idKey(StreamId.of(99, 0)), f, b);
    assert.equal(b.pel.size, 25);

    const w = new BinWriter();
    gs.write(w);
    const back = StreamGroups.read(new BinReader(w.take()));
    assert.deepEqual(snapshot(back), snapshot(gs));
    assert.equal(back.bytes, gs.bytes);
    const copy = gs.copy();
    assert.deepEqual(snapshot(copy), snapshot(gs));
    copy.get('g')!.remove(idKey(StreamId.of(2, 0)));
    assert.equal(gs.get('g')!.pel.size, 51, 'a copy is independent');

    for (let i = 1; i <= 25; i++) assert.equal(g.remove(idKey(StreamId.of(i, 0))), true);
    assert.equal(g.remove(idKey(StreamId.of(1, 0))), false);
    assert.equal(g.deleteConsumer(a), 13);
    assert.equal(gs.destroy('g'), true);
    assert.equal(gs.destroy('g'), false);
    assert.equal(gs.bytes, empty);
  });

  it('a stream copies and moves with its groups, and counts their bytes', () => {
    const s = new Stream();
    s.add(StreamId.of(1, 1), [Buffer.from('f'), Buffer.from('v')], 0, 2, { nodeMaxBytes: 4096, nodeMaxEntries: 100 });
    const before = s.memBytes();
    const g = groupsOf(s, true)!.create('g', StreamId.of(0, 0), 0)!;
    g.delivered(idKey(StreamId.of(1, 1)), g.consumerOrNew('c', 5), 5);
    assert.ok(s.memBytes() > before);
    const moved = Stream.decode(s.encode());
    assert.deepEqual(snapshot(groupsOf(moved, false)!), snapshot(groupsOf(s, false)!));
    assert.equal(moved.memBytes(), s.memBytes());
    assert.deepEqual(snapshot(groupsOf(s.clone(), false)!), snapshot(groupsOf(s, false)!));
  });
});
