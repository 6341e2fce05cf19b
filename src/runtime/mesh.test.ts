// Mesh: two workers' meshes in one thread, pumped by hand: request fields (database index up to the
// largest dbnum, resp, flags) cross intact, replies pair with their requests in order, and frames
// larger than the ring (or split at any point) arrive whole.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ByteRing } from './ring.ts';
import { Mesh, SeqTable, type MeshLayout, type RemoteExecutor } from './mesh.ts';
import type { ReplyWriter } from '../protocol/reply-writer.ts';

interface Seen {
  cmd: number;
  db: number;
  resp: number;
  flags: number;
  args: Buffer[];
}

/** An executor that records each request and replies with a bulk of its first argument's length. */
class Recorder implements RemoteExecutor {
  readonly seen: Seen[] = [];
  readonly faults: string[] = [];
  beginBatch(): void {}
  fault(_e: unknown, where: string): void {
    this.faults.push(where);
  }
  /** Requests whose first argument is 'later' are held back and answered by answerHeld(). */
  readonly held: [number, number, number][] = [];
  mesh: Mesh | null = null;
  execute(cmd: number, db: number, resp: 2 | 3, flags: number, args: Buffer[], w: ReplyWriter, peer: number, seq: number): boolean {
    this.seen.push({ cmd, db, resp, flags, args: args.map((a) => Buffer.from(a)) });
    if (args.length > 0 && args[0].toString() === 'throw') {
      w.array(3); // a partial reply, then a bug
      throw new Error('executor bug');
    }
    if (args.length > 0 && args[0].toString() === 'later') {
      this.held.push([peer, seq, Number(args[1])]);
      return false;
    }
    w.integer(args.length > 0 ? args[0].length : -1);
    return true;
  }
  answerHeld(): void {
    for (const [peer, seq, v] of this.held.splice(0)) this.mesh!.reply(peer, seq, Buffer.from(`:${v}\r\n`));
  }
}

function layout(ringBytes: number): MeshLayout {
  return {
    rings: [
      [null, ByteRing.allocate(ringBytes)],
      [ByteRing.allocate(ringBytes), null],
    ],
    bells: new SharedArrayBuffer(8),
  };
}

function pair(ringBytes = 64 * 1024): { a: Mesh; b: Mesh; ra: Recorder; rb: Recorder; pump(): void } {
  const l = layout(ringBytes);
  const ra = new Recorder();
  const rb = new Recorder();
  const a = new Mesh(0, l, ra);
  const b = new Mesh(1, l, rb);
  return {
    a,
    b,
    ra,
    rb,
    pump() {
      for (let i = 0; i < 2000; i++) {
        a.drain();
        b.drain();
      }
    },
  };
}

describe('Mesh contains faults', () => {
  it('a request whose executor throws is answered with an error; the requests after it still run', () => {
    const m = pair();
    const got: string[] = [];
    for (const a of ['x', 'throw', 'yy']) m.a.send(1, 7, 0, 2, 0, [Buffer.from(a)], { complete: (r) => got.push(r.toString('latin1')) });
    m.pump();
    assert.deepEqual(got, [':1\r\n', '-ERR internal error: executor bug\r\n', ':2\r\n']);
    assert.deepEqual(m.rb.faults, ['a request from shard 0']);
  });

  it('a reply completion that throws does not stop the drain: later replies still complete', () => {
    const m = pair();
    const got: string[] = [];
    m.a.send(1, 7, 0, 2, 0, [Buffer.from('x')], {
      complete: () => {
        throw new Error('sink bug');
      },
    });
    m.a.send(1, 7, 0, 2, 0, [Buffer.from('yyy')], { complete: (r) => got.push(r.toString('latin1')) });
    m.pump();
    assert.deepEqual(got, [':3\r\n']);
    assert.deepEqual(m.ra.faults, ['a reply from shard 1']);
  });
});

describe('Mesh', () => {
  it('carries every database index up to 1023 (dbnum max 1024), resp and flags', () => {
    const m = pair();
    const got: string[] = [];
    for (const db of [0, 1, 255, 256, 300, 1023]) {
      m.a.send(1, 7, db, 3, 2, [Buffer.from('x')], { complete: (r) => got.push(r.toString('latin1')) });
    }
    m.pump();
    assert.deepEqual(
      m.rb.seen.map((s) => [s.cmd, s.db, s.resp, s.flags]),
      [0, 1, 255, 256, 300, 1023].map((db) => [7, db, 3, 2]),
    );
    assert.deepEqual(got, Array(6).fill(':1\r\n'));
  });

  it('pairs replies with requests in order, both directions at once', () => {
    const m = pair(64 * 1024);
    const gotA: string[] = [];
    const gotB: string[] = [];
    for (let i = 0; i < 500; i++) {
      m.a.send(1, 1, 0, 2, 0, [Buffer.alloc(i * 37)], { complete: (r) => gotA.push(r.toString('latin1')) });
      m.b.send(0, 1, 0, 2, 0, [Buffer.alloc(i * 53)], { complete: (r) => gotB.push(r.toString('latin1')) });
    }
    m.pump();
    assert.deepEqual(gotA, Array.from({ length: 500 }, (_, i) => `:${i * 37}\r\n`));
    assert.deepEqual(gotB, Array.from({ length: 500 }, (_, i) => `:${i * 53}\r\n`));
  });

  // Bounded by the test timeout, not timed: 200k replies are well under a second with a linear FIFO;
  // with Array#shift (quadratic once the array is large) they took 15-20 s.
  it('keeps up with a very deep backlog of outstanding requests (the reply FIFO is not quadratic)', { timeout: 10_000 }, async () => {
    const m = pair(64 * 1024); // small rings: many drains, so the timeout can fire between them
    const n = 200_000;
    let got = 0;
    let inOrder = true;
    const arg = [Buffer.from('k')];
    for (let i = 0; i < n; i++) {
      const want = i;
      m.a.send(1, 1, 0, 2, 0, arg, {
        complete: () => {
          if (got++ !== want) inOrder = false;
        },
      });
    }
    for (let i = 0; i < 10_000 && got < n; i++) {
      m.a.drain();
      m.b.drain();
      await new Promise((resolve) => setImmediate(resolve)); // lets the timeout fire
    }
    assert.equal(got, n);
    assert.ok(inOrder);
  });

  it('moves frames much larger than the ring, with every byte intact', () => {
    const m = pair(64 * 1024);
    const big = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < big.length; i++) big[i] = (i * 131) & 0xff;
    const mid = Buffer.alloc(200 * 1024, 7); // larger than the ring, under the exact-size threshold
    const got: string[] = [];
    m.a.send(1, 2, 5, 2, 0, [big, Buffer.from('tail')], { complete: (r) => got.push(r.toString('latin1')) });
    m.a.send(1, 2, 5, 2, 0, [mid], { complete: (r) => got.push(r.toString('latin1')) });
    m.a.send(1, 2, 5, 2, 0, [Buffer.from('small')], { complete: (r) => got.push(r.toString('latin1')) });
    m.pump();
    assert.deepEqual(got, [`:${big.length}\r\n`, `:${mid.length}\r\n`, ':5\r\n']);
    assert.ok(m.rb.seen[0].args[0].equals(big));
    assert.equal(m.rb.seen[0].args[1].toString(), 'tail');
    assert.ok(m.rb.seen[1].args[0].equals(mid));
  });

  it('SeqTable hands out items by sequence, in any order of taking, through growth', () => {
    const t = new SeqTable<number>();
    const live = new Map<number, number>();
    let state = 12345;
    const rand = (n: number): number => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) % n;
    let value = 0;
    for (let round = 0; round < 2000; round++) {
      const add = rand(40);
      for (let i = 0; i < add; i++) {
        const seq = t.push(++value);
        assert.equal(live.has(seq), false);
        live.set(seq, value);
      }
      let take = rand(live.size + 1);
      for (const [seq, v] of live) {
        if (take-- <= 0) break;
        if (rand(2) === 0) continue;
        live.delete(seq);
        assert.equal(t.take(seq), v);
        assert.equal(t.take(seq), undefined);
      }
      assert.ok(t.length >= live.size);
    }
    for (const [seq, v] of live) assert.equal(t.take(seq), v);
    assert.equal(t.length, 0);
  });

  it('a held-back request is answered later without holding up the replies after it', () => {
    const m = pair();
    m.ra.mesh = m.a;
    m.rb.mesh = m.b;
    const got: string[] = [];
    m.a.send(1, 1, 0, 2, 0, [Buffer.from('later'), Buffer.from('42')], { complete: (r) => got.push('held ' + r.toString('latin1')) });
    m.a.send(1, 1, 0, 2, 0, [Buffer.from('abc')], { complete: (r) => got.push('next ' + r.toString('latin1')) });
    m.pump();
    assert.deepEqual(got, ['next :3\r\n']);
    m.rb.answerHeld();
    m.pump();
    assert.deepEqual(got, ['next :3\r\n', 'held :42\r\n']);
  });
});
