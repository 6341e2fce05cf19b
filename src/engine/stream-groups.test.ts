// StreamGroups on its own: the PEL tree (stream-pel.ts) keeps ID order, NACK bookkeeping between the group's and the
// consumers' PELs, the byte form and the copy reproduce every field, and the model bytes go back to
// exactly the empty figure once everything is acknowledged, deleted or destroyed.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BinReader, BinWriter } from '../util/codec.ts';
import { Stream } from './stream.ts';
import { StreamId, compareIds } from './stream-id.ts';
import { groupsOf, StreamGroups, type ConsumerGroup } from './stream-groups.ts';
import { IdTree } from './stream-pel.ts';
import { mulberry32 } from '../util/prng.ts';

function snapshot(gs: StreamGroups): unknown {
  return gs.sorted().map((g: ConsumerGroup) => ({
    name: g.name,
    lastId: g.lastId.toString(),
    entriesRead: g.entriesRead,
    consumers: g.sortedConsumers().map((c) => ({ name: c.name, seen: c.seenTime, pel: collect(c.pel) })),
    pel: collect(g.pel).map((id) => {
      const n = g.pel.find(id)!;
      return [id.toString(), n.owner?.name, n.time, n.count];
    }),
  }));
}

function collect(t: IdTree<never> | IdTree<unknown>): StreamId[] {
  const out: StreamId[] = [];
  t.forEach((c) => out.push(c.id));
  return out;
}

describe('stream groups', () => {
  it('IdTree keeps IDs in order through random inserts and removes (seek, find, leaves split and empty)', () => {
    const rnd = mulberry32(7);
    const acct = { bytes: 0 };
    const t = new IdTree<string>(true, acct);
    const model = new Map<string, StreamId>();
    const pick = (): StreamId => new StreamId(rnd() < 0.1 ? 0xffffffff : 0, (rnd() * 3000) >>> 0, 0, (rnd() * 4) >>> 0);
    for (let step = 0; step < 20000; step++) {
      const id = pick();
      const k = id.toString();
      if (rnd() < 0.6) {
        if (!model.has(k)) {
          t.insert(id, step, 1, k);
          model.set(k, id);
        }
      } else assert.equal(t.remove(id), model.delete(k));
      if (step % 1000 === 0 || step === 19999) {
        const want = [...model.values()].sort(compareIds).map(String);
        assert.deepEqual(collect(t).map(String), want);
        assert.equal(t.size, want.length);
        const probe = pick();
        const at = t.seek(probe);
        const next = [...model.values()].sort(compareIds).find((x) => compareIds(x, probe) >= 0);
        assert.equal(at?.id.toString(), next?.toString());
        for (const v of model.values()) assert.equal(t.find(v)!.owner, v.toString());
      }
    }
    for (const v of [...model.values()]) t.remove(v);
    assert.equal(t.size, 0);
    assert.equal(acct.bytes, 0, 'every leaf returned its bytes');
  });

  it('deliveries, claims and acks keep both PELs in step; bytes return to the empty figure', () => {
    const gs = new StreamGroups();
    const empty = gs.bytes;
    const g = gs.create('g', StreamId.of(0, 0), 0)!;
    assert.equal(gs.create('g', StreamId.of(0, 0), 0), null);
    const a = g.createConsumer('alice', 1)!;
    const b = g.consumerOrNew('bob', 2);
    for (let i = 1; i <= 50; i++) g.delivered(StreamId.of(i, 0), i % 2 === 0 ? a : b, 100 + i);
    assert.equal(g.pel.size, 50);
    assert.equal(a.pel.size + b.pel.size, 50);
    // Delivered again (the group's last ID set back): the NACK moves, count 1.
    g.delivered(StreamId.of(1, 0), a, 500);
    assert.equal(g.pel.find(StreamId.of(1, 0))!.owner, a);
    assert.equal(b.pel.size, 24);
    const f = g.forceNack(StreamId.of(99, 0), 7);
    g.moveTo(f, b);
    assert.equal(b.pel.size, 25);

    const w = new BinWriter();
    gs.write(w);
    const back = StreamGroups.read(new BinReader(w.take()));
    assert.deepEqual(snapshot(back), snapshot(gs));
    assert.equal(back.bytes, gs.bytes);
    const copy = gs.copy();
    assert.deepEqual(snapshot(copy), snapshot(gs));
    copy.get('g')!.remove(StreamId.of(2, 0));
    assert.equal(gs.get('g')!.pel.size, 51, 'a copy is independent');

    for (let i = 1; i <= 25; i++) assert.equal(g.remove(StreamId.of(i, 0)), true);
    assert.equal(g.remove(StreamId.of(1, 0)), false);
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
    g.delivered(StreamId.of(1, 1), g.consumerOrNew('c', 5), 5);
    assert.ok(s.memBytes() > before);
    const moved = Stream.decode(s.encode());
    assert.deepEqual(snapshot(groupsOf(moved, false)!), snapshot(groupsOf(s, false)!));
    assert.equal(moved.memBytes(), s.memBytes());
    assert.deepEqual(snapshot(groupsOf(s.clone(), false)!), snapshot(groupsOf(s, false)!));
  });
});
