// Every value kind in every encoding: TYPE and OBJECT ENCODING names as Redis 7 gives them; clone is
// deep (changing the copy leaves the original as it was); the cross-shard serialize/deserialize round
// trip gives an equal value in the same encoding; the registry finds each kind by id and by value.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KINDS, kindById, kindOf } from './kinds.ts';
import { KIND_HASH, KIND_LIST, KIND_SET, KIND_STREAM, KIND_STRING, KIND_ZSET, type Value } from './value-kind.ts';
import { QuickList } from './quicklist.ts';
import { COND_NX, HashValue, type HashLimits } from './hash-value.ts';
import { SetValue, type SetLimits } from './set-value.ts';
import { ZSet, type ZSetLimits } from './zset.ts';
import { DEFAULT_STREAM_LIMITS, Stream } from './stream.ts';
import { MAX_ID, MIN_ID, StreamId } from './stream-id.ts';

const HASH_LIM: HashLimits = { listpackEntries: 128, listpackValue: 64 };
const SET_LIM: SetLimits = { intsetEntries: 512, listpackEntries: 128, listpackValue: 64 };
const ZSET_LIM: ZSetLimits = { maxEntries: 128, maxValue: 64 };
const B = (s: string): Buffer => Buffer.from(s, 'latin1');

function list(n: number, encoding: 'listpack' | 'quicklist'): QuickList {
  const l = new QuickList(encoding, -2);
  for (let i = 0; i < n; i++) l.push(B(`element-${i}`.padEnd(40, 'x')), false);
  return l;
}

function hash(n: number, ttls: boolean): HashValue {
  const h = new HashValue();
  for (let i = 0; i < n; i++) h.set(`f${i}`, i % 3 === 0 ? B(`bytes-${i}`) : `v${i}`, false, HASH_LIM);
  if (ttls) {
    h.enableDeadlines();
    for (let i = 0; i < n; i += 2) h.setDeadline(`f${i}`, 4e12 + i, COND_NX, 0);
  }
  return h;
}

function set(members: string[]): SetValue {
  const s = SetValue.create(members[0], 1, SET_LIM);
  for (const m of members) s.add(m, SET_LIM);
  return s;
}

function zset(n: number): ZSet {
  const z = ZSet.empty(true);
  for (let i = 0; i < n; i++) z.add(i === 1 ? -0 : i / 3, `m${i}`, 0, ZSET_LIM);
  return z;
}

/** Everything a value holds, in order, as plain data (deepEqual-able). */
function contents(v: Value): unknown {
  if (typeof v === 'string') return ['string', v];
  if (v instanceof Buffer) return ['string', v.latin1Slice(0, v.length)];
  if (v instanceof QuickList) {
    const out: string[] = [];
    v.forEach((buf, off, len) => out.push(buf.latin1Slice(off, off + len)));
    return ['list', v.fill, out];
  }
  if (v instanceof HashValue) {
    const out: unknown[] = [];
    v.forEach((f, x) => out.push([f, typeof x === 'string' ? x : ['bytes', x.latin1Slice(0, x.length)], v.deadlineOf(f)]));
    return ['hash', out];
  }
  if (v instanceof SetValue) {
    const out: string[] = [];
    v.forEach((m) => out.push(m));
    return ['set', out];
  }
  if (v instanceof ZSet) {
    const out: [string, number][] = [];
    v.forEach((m, s) => out.push([m, s]));
    return ['zset', out];
  }
  if (v instanceof Stream) {
    const out: unknown[] = [];
    v.range(MIN_ID, MAX_ID, 0, false, (id, fv) => out.push([id.toString(), fv.map((b) => b.latin1Slice(0, b.length))]));
    return ['stream', out, v.length, v.lastId.toString(), v.firstId.toString(), v.maxDeletedEntryId.toString(), v.entriesAdded, v.nodeCount];
  }
  throw new Error('unknown value');
}

function stream(n: number): Stream {
  const s = new Stream();
  for (let i = 1; i <= n; i++) s.add(StreamId.of(i, i % 3), i % 7 === 0 ? [B('other'), B(`${i}`), B('x'), B('')] : [B('f'), B(`v${i}`)], 0, 2 + 2 * Number(i % 7 === 0), DEFAULT_STREAM_LIMITS);
  s.delete(StreamId.of(3, 0));
  return s;
}

interface Case {
  name: string;
  id: number;
  type: string;
  encoding: string;
  raw?: boolean;
  make: () => Value;
  /** Changes the value in place (or, for an immutable JS string, returns a changed one). */
  mutate: (v: Value) => void;
}

const CASES: Case[] = [
  { name: 'string int', id: KIND_STRING, type: 'string', encoding: 'int', make: () => B('-12345'), mutate: (v) => ((v as Buffer)[0] = 0x31) },
  { name: 'string int (latin1 string)', id: KIND_STRING, type: 'string', encoding: 'int', make: () => '9223372036854775807', mutate: () => {} },
  { name: 'string embstr', id: KIND_STRING, type: 'string', encoding: 'embstr', make: () => B('hello world'), mutate: (v) => ((v as Buffer)[0] = 0x48) },
  { name: 'string raw (long)', id: KIND_STRING, type: 'string', encoding: 'raw', make: () => B('y'.repeat(45)), mutate: (v) => ((v as Buffer)[3] = 0x7a) },
  { name: 'string raw (built in place)', id: KIND_STRING, type: 'string', encoding: 'raw', raw: true, make: () => B('12'), mutate: (v) => ((v as Buffer)[1] = 0x33) },
  { name: 'list listpack', id: KIND_LIST, type: 'list', encoding: 'listpack', make: () => list(5, 'listpack'), mutate: (v) => (v as QuickList).push(B('new'), true) },
  { name: 'list quicklist', id: KIND_LIST, type: 'list', encoding: 'quicklist', make: () => list(500, 'quicklist'), mutate: (v) => (v as QuickList).set(250, B('changed')) },
  { name: 'set intset', id: KIND_SET, type: 'set', encoding: 'intset', make: () => set(['3', '-7', '100', '42']), mutate: (v) => (v as SetValue).add('5', SET_LIM) },
  { name: 'set listpack', id: KIND_SET, type: 'set', encoding: 'listpack', make: () => set(['a', 'b', 'c', '1']), mutate: (v) => (v as SetValue).remove('b') },
  {
    name: 'set hashtable', id: KIND_SET, type: 'set', encoding: 'hashtable',
    make: () => set(Array.from({ length: 300 }, (_, i) => `member-${i}`)), mutate: (v) => (v as SetValue).add('extra', SET_LIM),
  },
  { name: 'zset listpack', id: KIND_ZSET, type: 'zset', encoding: 'listpack', make: () => zset(10), mutate: (v) => (v as ZSet).add(99, 'm3', 0, ZSET_LIM) },
  { name: 'zset skiplist', id: KIND_ZSET, type: 'zset', encoding: 'skiplist', make: () => zset(300), mutate: (v) => (v as ZSet).remove('m7') },
  { name: 'hash listpack', id: KIND_HASH, type: 'hash', encoding: 'listpack', make: () => hash(6, false), mutate: (v) => (v as HashValue).set('f1', 'other', false, HASH_LIM) },
  { name: 'hash listpackex', id: KIND_HASH, type: 'hash', encoding: 'listpackex', make: () => hash(6, true), mutate: (v) => (v as HashValue).persist('f0') },
  { name: 'hash hashtable', id: KIND_HASH, type: 'hash', encoding: 'hashtable', make: () => hash(300, false), mutate: (v) => (v as HashValue).delete('f10') },
  { name: 'stream', id: KIND_STREAM, type: 'stream', encoding: 'stream', make: () => stream(250), mutate: (v) => (v as Stream).delete(StreamId.of(100, 1)) },
  {
    name: 'hash hashtable with field deadlines', id: KIND_HASH, type: 'hash', encoding: 'hashtable',
    make: () => hash(300, true), mutate: (v) => (v as HashValue).setDeadline('f1', 5e12, 0, 0),
  },
];

describe('value kinds', () => {
  it('KINDS holds each kind at its id (Redis OBJ_* numbers)', () => {
    assert.deepEqual(KINDS.map((k) => k && [k.id, k.type]), [[0, 'string'], [1, 'list'], [2, 'set'], [3, 'zset'], [4, 'hash'], undefined, [6, 'stream']]);
    for (const k of KINDS) if (k !== undefined) assert.equal(kindById(k.id), k);
    assert.equal(kindById(5), undefined);
    assert.equal(kindById(5), undefined);
  });

  for (const c of CASES) {
    describe(c.name, () => {
      it('names its TYPE and OBJECT ENCODING as Redis', () => {
        const v = c.make();
        const k = kindOf(v);
        assert.equal(k.id, c.id);
        assert.equal(k.type, c.type);
        assert.equal(k.encoding(v, c.raw ?? false), c.encoding);
      });

      it('clone is deep: changing the copy leaves the original', () => {
        const v = c.make();
        const k = kindOf(v);
        const before = contents(v);
        const copy = k.clone(v);
        assert.notEqual(copy, typeof v === 'string' ? undefined : v, 'a new object');
        assert.deepEqual(contents(copy), before);
        assert.equal(k.encoding(copy, c.raw ?? false), k.encoding(v, c.raw ?? false));
        c.mutate(copy);
        if (typeof v !== 'string') assert.notDeepEqual(contents(copy), before, 'the mutation changed the copy');
        assert.deepEqual(contents(v), before, 'the original is unchanged');
        if (v instanceof QuickList) v.check();
      });

      it('serialize/deserialize gives an equal value in the same encoding', () => {
        const v = c.make();
        const k = kindOf(v);
        const bytes = k.serialize(v);
        const back = k.deserialize(Buffer.from(bytes));
        assert.equal(kindOf(back), k);
        assert.deepEqual(contents(back), contents(v));
        assert.equal(k.encoding(back, c.raw ?? false), k.encoding(v, c.raw ?? false));
        assert.ok(k.serialize(back).equals(bytes), 'serializes to the same bytes again');
        if (back instanceof QuickList) back.check();
      });

      it('heap bytes: 0 for a string (it lives in its record), positive for a collection', () => {
        const v = c.make();
        const b = kindOf(v).heapBytes(v, 0);
        if (c.id === KIND_STRING) assert.equal(b, 0);
        else assert.ok(b > 0);
      });
    });
  }
});
