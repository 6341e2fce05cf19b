// ByteRing: writes and reads across the wrap point, partial writes when full, counter wrap-around,
// the space-request flag, and a producer/consumer pair in two worker threads moving 50 MB in random
// frame sizes with every byte checked. (This file is also the workers' entry point.)

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Worker, isMainThread, workerData, parentPort } from 'node:worker_threads';
import { ByteRing } from './ring.ts';
import { mulberry32 as rng } from '../util/prng.ts';

/** The byte at stream position p (a multiplicative hash: no short period, so shifts are caught). */
function patternByte(p: number): number {
  return Math.imul(p, 0x9e3779b1) >>> 24;
}

interface RoleData {
  role: 'producer' | 'consumer';
  ring: SharedArrayBuffer;
  signals: SharedArrayBuffer;
  total: number;
  seed: number;
  maxFrame: number;
}

const SIG_DATA = 0; // bumped by the producer after writing
const SIG_SPACE = 1; // bumped by the consumer when the producer asked for space

function producer(d: RoleData): number {
  const ring = new ByteRing(d.ring);
  const sig = new Int32Array(d.signals);
  const r = rng(d.seed);
  let sent = 0;
  let frames = 0;
  const frame = Buffer.alloc(d.maxFrame);
  while (sent < d.total) {
    const size = Math.min(d.total - sent, 1 + Math.floor(r() ** 3 * d.maxFrame));
    for (let i = 0; i < size; i++) frame[i] = patternByte(sent + i);
    let off = 0;
    while (off < size) {
      const n = ring.write(frame, off, size);
      off += n;
      if (n > 0) {
        Atomics.add(sig, SIG_DATA, 1);
        Atomics.notify(sig, SIG_DATA);
        continue;
      }
      const seen = Atomics.load(sig, SIG_SPACE);
      ring.wantSpace();
      const again = ring.write(frame, off, size);
      if (again > 0) {
        off += again;
        Atomics.add(sig, SIG_DATA, 1);
        Atomics.notify(sig, SIG_DATA);
        continue;
      }
      Atomics.wait(sig, SIG_SPACE, seen, 10_000);
    }
    sent += size;
    frames++;
  }
  return frames;
}

function consumer(d: RoleData): { received: number; bad: number; firstBad: number } {
  const ring = new ByteRing(d.ring);
  const sig = new Int32Array(d.signals);
  let received = 0;
  let bad = 0;
  let firstBad = -1;
  const deadline = Date.now() + 120_000;
  while (received < d.total && Date.now() < deadline) {
    const seen = Atomics.load(sig, SIG_DATA);
    const b = ring.read();
    if (b === null) {
      Atomics.wait(sig, SIG_DATA, seen, 10_000);
      continue;
    }
    for (let i = 0; i < b.length; i++) {
      if (b[i] !== patternByte(received + i)) {
        if (firstBad < 0) firstBad = received + i;
        bad++;
      }
    }
    received += b.length;
    if (ring.takeSpaceRequest()) {
      Atomics.add(sig, SIG_SPACE, 1);
      Atomics.notify(sig, SIG_SPACE);
    }
  }
  return { received, bad, firstBad };
}

if (!isMainThread && (workerData as RoleData | undefined)?.role !== undefined) {
  const d = workerData as RoleData;
  if (d.role === 'producer') parentPort!.postMessage({ frames: producer(d) });
  else parentPort!.postMessage(consumer(d));
} else {
  describe('ByteRing', () => {
    it('write then read, across the wrap point', () => {
      const ring = new ByteRing(ByteRing.allocate(16));
      assert.equal(ring.capacity, 16);
      assert.equal(ring.read(), null);
      const a = Buffer.from('0123456789');
      assert.equal(ring.write(a, 0, a.length), 10);
      assert.equal(ring.read()!.toString(), '0123456789');
      // Now head = tail = 10: the next 10 bytes straddle the end of the buffer.
      const b = Buffer.from('abcdefghij');
      assert.equal(ring.write(b, 0, b.length), 10);
      assert.equal(ring.read()!.toString(), 'abcdefghij');
      assert.equal(ring.read(), null);
    });

    it('partial writes when full, resumed after a read', () => {
      const ring = new ByteRing(ByteRing.allocate(16));
      const src = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZ');
      assert.equal(ring.write(src, 0, src.length), 16);
      assert.equal(ring.write(src, 16, src.length), 0);
      assert.equal(ring.read()!.toString(), 'ABCDEFGHIJKLMNOP');
      assert.equal(ring.write(src, 16, src.length), 10);
      assert.equal(ring.read()!.toString(), 'QRSTUVWXYZ');
      // A write of a sub-range.
      assert.equal(ring.write(src, 3, 5), 2);
      assert.equal(ring.read()!.toString(), 'DE');
      assert.equal(ring.write(src, 5, 5), 0);
    });

    it('partial reads interleaved with writes keep byte order', () => {
      const ring = new ByteRing(ByteRing.allocate(64));
      const r = rng(1);
      let w = 0;
      let rd = 0;
      for (let i = 0; i < 20_000; i++) {
        const n = Math.floor(r() * 50);
        const src = Buffer.alloc(n);
        for (let j = 0; j < n; j++) src[j] = patternByte(w + j);
        w += ring.write(src, 0, n);
        if (r() < 0.5) {
          const out = ring.read();
          if (out !== null) {
            for (let j = 0; j < out.length; j++) assert.equal(out[j], patternByte(rd + j));
            rd += out.length;
          }
        }
      }
      assert.ok(w - rd <= 64);
    });

    it('head/tail counters wrap around 2^31 and 2^32', () => {
      for (const start of [0x7ffffff8, -8, 0xfffffff8 | 0]) {
        const sab = ByteRing.allocate(16);
        const ctrl = new Int32Array(sab, 0, 2);
        ctrl[0] = start;
        ctrl[1] = start;
        const ring = new ByteRing(sab);
        let expected = '';
        let got = '';
        for (let i = 0; i < 10; i++) {
          const s = Buffer.from(`chunk${i}!`);
          assert.equal(ring.write(s, 0, s.length), s.length);
          expected += s.toString();
          got += ring.read()!.toString();
        }
        assert.equal(got, expected, `start ${start}`);
        const big = Buffer.alloc(40, 0x61);
        assert.equal(ring.write(big, 0, 40), 16, `full at start ${start}`);
      }
    });

    it('space requests are raised by the producer and taken once by the consumer', () => {
      const ring = new ByteRing(ByteRing.allocate(16));
      assert.equal(ring.takeSpaceRequest(), false);
      ring.wantSpace();
      assert.equal(ring.takeSpaceRequest(), true);
      assert.equal(ring.takeSpaceRequest(), false);
    });

    it('capacity must be a power of two', () => {
      assert.throws(() => ByteRing.allocate(1000));
    });

    it('a producer and a consumer thread move 50 MB in random frame sizes, every byte checked', { timeout: 180_000 }, async () => {
      const total = 50 * 1024 * 1024;
      const ringSab = ByteRing.allocate(64 * 1024);
      const signals = new SharedArrayBuffer(16);
      const base = { ring: ringSab, signals, total, seed: 4242, maxFrame: 200 * 1024 };
      const start = (role: 'producer' | 'consumer'): { w: Worker; result: Promise<unknown> } => {
        const w = new Worker(new URL(import.meta.url), { workerData: { ...base, role } });
        const result = new Promise((resolve, reject) => {
          w.once('message', resolve);
          w.once('error', reject);
          w.once('exit', (code) => reject(new Error(`${role} exited with ${code} before reporting`)));
        });
        return { w, result };
      };
      const c = start('consumer');
      const p = start('producer');
      try {
        const [prod, cons] = (await Promise.all([p.result, c.result])) as [{ frames: number }, { received: number; bad: number; firstBad: number }];
        assert.ok(prod.frames > 100, `frames: ${prod.frames}`);
        assert.equal(cons.received, total);
        assert.equal(cons.bad, 0, `first bad byte at ${cons.firstBad}`);
      } finally {
        await Promise.all([p.w.terminate(), c.w.terminate()]);
      }
    });
  });
}
