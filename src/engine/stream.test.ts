// The stream value against a plain model (an array of [id, fields]): add, range both ways with
// bounds and counts, lookup, delete, trims, clone and the cross-shard byte form, with IDs across the
// whole uint64 range; and the ID parser's Redis forms (stream-id.ts).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_STREAM_LIMITS, Stream, type StreamLimits } from './stream.ts';
import { compareIds, MAX_ID, MIN_ID, parseId, parseRangeBound, StreamId } from './stream-id.ts';
import { MemoryAccount } from './value-memory.ts';

const B = (s: string): Buffer => Buffer.from(s, 'latin1');
const id = (s: string): StreamId => parseId(B(s), false, false)!.id;

type Entry = [string, string[]];

function all(s: Stream, rev = false, start = MIN_ID, end = MAX_ID, count = 0): Entry[] {
  const out: Entry[] = [];
  s.range(start, end, count, rev, (i, fv) => out.push([i.toString(), fv.map((b) => b.toString('latin1'))]));
  return out;
}

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

describe('stream-id', () => {
  it('parses Redis forms', () => {
    assert.equal(id('5').toString(), '5-0');
    assert.equal(parseId(B('5'), true, false)!.id.toString(), '5-18446744073709551615');
    assert.equal(id('18446744073709551615-18446744073709551615').toString(), '18446744073709551615-18446744073709551615');
    assert.equal(parseId(B('18446744073709551616-0'), false, false), null);
    assert.equal(parseId(B('1--5'), false, false), null);
    assert.equal(id('1- -5').toString(), '1-18446744073709551611');
    assert.equal(id('+7-007').toString(), '7-7');
    assert.equal(parseId(B('-'), false, true), null);
    assert.equal(parseId(B('-'), false, false)!.id, MIN_ID);
    assert.equal(parseId(B('5-*'), false, true, true)!.seqGiven, false);
    assert.equal(parseId(B('5-*'), false, true), null);
    assert.equal(parseId(B('abc'), false, false), null);
    assert.equal(parseId(B(''), false, false), null);
    assert.equal(parseRangeBound(B('(5-0'), true).id!.toString(), '5-1');
    assert.equal(parseRangeBound(B('(5'), false).id!.toString(), '5-18446744073709551614');
    assert.equal(parseRangeBound(B('(0-0'), false).overflow, true);
    assert.equal(parseRangeBound(B('(-'), true).id, null);
  });

  it('increments and compares across halves', () => {
    const a = id('4294967295-4294967295');
    assert.equal(a.incr()!.toString(), '4294967295-4294967296');
    assert.equal(id('4294967296-0').decr()!.toString(), '4294967295-18446744073709551615');
    assert.equal(MAX_ID.incr(), null);
    assert.equal(MIN_ID.decr(), null);
    assert.ok(compareIds(id('4294967296-0'), id('4294967295-99')) > 0);
  });
});

describe('Stream', () => {
  it('matches a model under random adds, deletes, trims, ranges (small nodes)', () => {
    const r = rng(7);
    const lims: StreamLimits[] = [DEFAULT_STREAM_LIMITS, { nodeMaxBytes: 100, nodeMaxEntries: 5 }, { nodeMaxBytes: 0, nodeMaxEntries: 3 }];
    for (const lim of lims) {
      const s = new Stream();
      const acct = new MemoryAccount();
      s.attach(acct);
      let model: Entry[] = [];
      let msB = 1n;
      let adds = 0;
      for (let step = 0; step < 1500; step++) {
        const op = r();
        if (op < 0.6) {
          // Mostly small IDs, sometimes a jump past 2^53 (ms) or a huge sequence.
          msB += BigInt(Math.floor(r() * 3));
          if (r() < 0.03) msB += BigInt(Math.floor(r() * 1000)) << 44n;
          let seqB = r() < 0.1 ? BigInt(Math.floor(r() * 1e6)) << 36n : BigInt(Math.floor(r() * 5));
          if (msB === s.lastId.msBig && seqB <= s.lastId.seqBig) seqB = s.lastId.seqBig + 1n;
          if (seqB > 0xffffffffffffffffn) continue;
          const nid = StreamId.fromBig(msB, seqB);
          if (compareIds(nid, s.lastId) <= 0) continue;
          adds++;
          const nf = 1 + Math.floor(r() * 3);
          const fv: string[] = [];
          for (let k = 0; k < nf; k++) fv.push(r() < 0.7 ? `f${k}` : `g${k}`, String(Math.floor(r() * 1000)));
          s.add(nid, fv.map(B), 0, fv.length, lim);
          model.push([nid.toString(), fv]);
        } else if (op < 0.8 && model.length > 0) {
          const k = Math.floor(r() * model.length);
          assert.equal(s.delete(id(model[k][0])), true);
          assert.equal(s.delete(id(model[k][0])), false);
          model.splice(k, 1);
        } else if (op < 0.85) {
          const maxlen = Math.floor(r() * model.length * 1.2);
          const n = s.trim({ strategy: 'maxlen', maxlen, minid: MIN_ID, approx: false, limit: 0 });
          assert.equal(n, Math.max(0, model.length - maxlen));
          model = model.slice(n);
        } else if (op < 0.9 && model.length > 0) {
          const k = Math.floor(r() * model.length);
          const n = s.trim({ strategy: 'minid', maxlen: 0, minid: id(model[k][0]), approx: false, limit: 0 });
          assert.equal(n, k);
          model = model.slice(k);
        } else if (model.length > 0) {
          const a = Math.floor(r() * model.length);
          const b = a + Math.floor(r() * (model.length - a));
          const c = Math.floor(r() * 4);
          const want = model.slice(a, b + 1);
          assert.deepEqual(all(s, false, id(model[a][0]), id(model[b][0]), c), c > 0 ? want.slice(0, c) : want);
          const rw = want.slice().reverse();
          assert.deepEqual(all(s, true, id(model[a][0]), id(model[b][0]), c), c > 0 ? rw.slice(0, c) : rw);
          assert.deepEqual(s.get(id(model[a][0]))!.map((x) => x.toString()), model[a][1]);
        }
        assert.equal(s.length, model.length);
        assert.equal(s.firstId.toString(), model.length > 0 ? model[0][0] : '0-0');
        assert.equal(acct.bytes, s.memBytes());
      }
      assert.ok(adds > 600, `adds ${adds} left ${model.length}`);
      assert.deepEqual(all(s), model);
      assert.deepEqual(all(Stream.decode(s.encode())), model);
      const c = s.clone();
      assert.deepEqual(all(c), model);
      assert.equal(c.lastId.toString(), s.lastId.toString());
      assert.equal(c.nodeCount, s.nodeCount);
    }
  });

  it('starts a node at 100 entries and `~` trims whole nodes', () => {
    const s = new Stream();
    for (let i = 1; i <= 250; i++) s.add(StreamId.of(i, 0), [B('f'), B('v')], 0, 2, DEFAULT_STREAM_LIMITS);
    assert.equal(s.nodeCount, 3);
    assert.equal(s.trim({ strategy: 'maxlen', maxlen: 120, minid: MIN_ID, approx: true, limit: 10000 }), 100);
    assert.equal(s.length, 150);
    assert.equal(s.firstId.toString(), '101-0');
  });
});
