// HashValue: fields, values and deadlines against a model Map under random operations in every
// encoding; Redis 7.4's listpackex order and HEXPIRE conditions; the codec round trip.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  COND_GT, COND_LT, COND_NX, COND_XX, DEFAULT_HASH_LIMITS, HashValue, SETEX_DELETED, SETEX_NOT_MET, SETEX_NO_FIELD, SETEX_OK, type HashLimits,
} from './hash-value.ts';
import { mulberry32 as rng } from '../util/prng.ts';

function pairs(h: HashValue): string[] {
  const out: string[] = [];
  h.forEach((f, v) => out.push(`${f}=${v.toString()}`));
  return out;
}

describe('HashValue', () => {
  it('matches a model under random sets, deletes, deadlines and expiry', () => {
    const r = rng(33);
    const lim: HashLimits = { listpackEntries: 24, listpackValue: 10 };
    const encodings = new Set<string>();
    for (let round = 0; round < 30; round++) {
      const h = new HashValue();
      const model = new Map<string, { v: string; at: number }>();
      let now = 1000;
      for (let step = 0; step < 400; step++) {
        const f = `f${Math.floor(r() * 40)}`;
        const op = r();
        if (op < 0.4) {
          const v = r() < 0.95 ? `v${step}` : 'a-long-value-' + step;
          const keep = r() < 0.3;
          assert.equal(h.set(f, v, keep, lim), !model.has(f));
          const old = model.get(f);
          model.set(f, { v, at: keep && old ? old.at : 0 });
        } else if (op < 0.55) {
          assert.equal(h.delete(f), model.delete(f));
        } else if (op < 0.8) {
          h.enableDeadlines();
          const at = now + Math.floor(r() * 50) - 5;
          const cond = [0, COND_NX, COND_XX, COND_GT, COND_LT][Math.floor(r() * 5)];
          const m = model.get(f);
          let want: number;
          if (m === undefined) want = SETEX_NO_FIELD;
          else if (m.at === 0 && cond & (COND_XX | COND_GT)) want = SETEX_NOT_MET;
          else if (m.at !== 0 && ((cond === COND_GT && m.at >= at) || (cond === COND_LT && m.at <= at) || cond === COND_NX)) want = SETEX_NOT_MET;
          else if (at <= now) want = SETEX_DELETED;
          else want = SETEX_OK;
          assert.equal(h.setDeadline(f, at, cond, now), want);
          if (want === SETEX_DELETED) model.delete(f);
          if (want === SETEX_OK) m!.at = at;
        } else if (op < 0.9) {
          const m = model.get(f);
          assert.equal(h.persist(f), m === undefined ? -2 : m.at === 0 ? -1 : 1);
          if (m !== undefined) m.at = 0;
        } else {
          now += Math.floor(r() * 10);
          const due = [...model].filter(([, m]) => m.at !== 0 && m.at <= now).length;
          assert.equal(h.expireDue(now), due);
          for (const [k, m] of [...model]) if (m.at !== 0 && m.at <= now) model.delete(k);
        }
        assert.equal(h.size, model.size);
        const m = model.get(f);
        assert.equal(h.get(f), m?.v);
        assert.equal(h.deadlineOf(f), m === undefined ? -1 : m.at);
        let min = 0;
        for (const x of model.values()) if (x.at !== 0 && (min === 0 || x.at < min)) min = x.at;
        assert.equal(h.nextDeadline(), min);
        encodings.add(h.encoding);
      }
      const copy = HashValue.decode(h.encode());
      assert.equal(copy.encoding, h.encoding);
      assert.deepEqual(pairs(copy), pairs(h));
      for (const k of model.keys()) assert.equal(copy.deadlineOf(k), h.deadlineOf(k));
      const c = h.clone();
      c.set('clone-only', 'x', false, lim);
      assert.equal(h.get('clone-only'), undefined);
    }
    assert.deepEqual([...encodings].sort(), ['hashtable', 'listpack', 'listpackex'], 'every encoding was exercised');
  });

  it('keeps Redis listpack and listpackex orders', () => {
    const lim = DEFAULT_HASH_LIMITS;
    const h = new HashValue();
    for (const f of ['a', 'b', 'c', 'd']) h.set(f, f.toUpperCase(), false, lim);
    h.set('b', 'B2', false, lim);
    assert.deepEqual(pairs(h), ['a=A', 'b=B2', 'c=C', 'd=D'], 'an update keeps its place');
    assert.equal(h.encoding, 'listpack');
    h.enableDeadlines();
    assert.equal(h.encoding, 'listpackex');
    assert.equal(h.setDeadline('c', 500, 0, 0), SETEX_OK);
    assert.equal(h.setDeadline('a', 900, 0, 0), SETEX_OK);
    assert.equal(h.setDeadline('d', 500, 0, 0), SETEX_OK);
    assert.deepEqual(pairs(h), ['d=D', 'c=C', 'a=A', 'b=B2'], 'by deadline; a new deadline goes before equal ones');
    assert.equal(h.persist('c'), 1);
    assert.deepEqual(pairs(h), ['d=D', 'a=A', 'b=B2', 'c=C'], 'persisted fields go to the end');
    h.set('d', 'D2', true, lim);
    assert.deepEqual(pairs(h), ['d=D2', 'a=A', 'b=B2', 'c=C'], 'keepTtl updates in place');
    assert.equal(h.deadlineOf('d'), 500);
    h.set('d', 'D3', false, lim);
    assert.deepEqual(pairs(h), ['a=A', 'b=B2', 'c=C', 'd=D3'], 'an overwrite drops the deadline and moves to the end');
    assert.equal(h.deadlineOf('d'), 0);
    h.set('e', 'E', false, lim);
    assert.deepEqual(pairs(h).at(-1), 'e=E');
    assert.equal(h.expire(900, 10), 1);
    assert.deepEqual(pairs(h), ['b=B2', 'c=C', 'd=D3', 'e=E']);
  });

  it('converts to a hashtable at the thresholds, keeping deadlines', () => {
    const lim: HashLimits = { listpackEntries: 2, listpackValue: 4 };
    const h = new HashValue();
    h.set('a', '1', false, lim);
    h.enableDeadlines();
    h.setDeadline('a', 100, 0, 0);
    h.set('b', '2', false, lim);
    assert.equal(h.encoding, 'listpackex');
    h.set('c', '3', false, lim);
    assert.equal(h.encoding, 'hashtable');
    assert.equal(h.deadlineOf('a'), 100);
    assert.equal(h.nextDeadline(), 100);
    const v = new HashValue();
    v.set('a', 'toolong', false, lim);
    assert.equal(v.encoding, 'hashtable');
    const p = new HashValue();
    p.prepare(3, 1, lim);
    assert.equal(p.encoding, 'hashtable');
    const q = new HashValue();
    q.prepare(1, 5, lim);
    assert.equal(q.encoding, 'hashtable');
  });

  it('keeps large Buffer values through the codec', () => {
    const h = new HashValue();
    const big = Buffer.alloc(70000, 7);
    h.set('f', big, false, DEFAULT_HASH_LIMITS);
    const copy = HashValue.decode(h.encode());
    assert.ok(Buffer.isBuffer(copy.get('f')));
    assert.ok((copy.get('f') as Buffer).equals(big));
  });
});
