// Mesh across real threads: two (and three) workers flood each other with requests of random sizes —
// many larger than the 64 KB rings, some above the exact-size threshold — in both directions at once,
// driven only by the doorbells and the polling (no help from the test). Every reply must come back,
// in order, with the bytes intact; a lost wake-up shows up as a stall. (This file is also the
// workers' entry point.)

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { ByteRing } from './ring.ts';
import { Mesh, type MeshLayout, type RemoteExecutor } from './mesh.ts';
import type { ReplyWriter } from '../protocol/reply-writer.ts';
import { mulberry32 as rng } from '../util/prng.ts';

interface Role {
  role: 'mesh-node';
  index: number;
  layout: MeshLayout;
  requests: number;
  seed: number;
}

/** The byte at position i of request `seq` from worker `from`. */
function byteAt(from: number, seq: number, i: number): number {
  return (Math.imul(seq + 1, 0x9e3779b1) + i * 31 + from * 7) >>> 24;
}

/** Replies with a digest of the request: its sender's sequence number, length and a byte check. */
class Checker implements RemoteExecutor {
  bad = 0;
  beginBatch(): void {}
  fault(e: unknown): void {
    throw e;
  }
  execute(_cmd: number, _db: number, _resp: 2 | 3, _flags: number, args: Buffer[], w: ReplyWriter): boolean {
    const from = Number(args[0].toString());
    const seq = Number(args[1].toString());
    const body = args[2];
    for (let i = 0; i < body.length; i += 97) if (body[i] !== byteAt(from, seq, i)) this.bad++;
    if (body.length > 0 && body[body.length - 1] !== byteAt(from, seq, body.length - 1)) this.bad++;
    w.integer(seq * 1_000_000 + body.length);
    return true;
  }
}

async function node(d: Role): Promise<{ sent: number; answered: number; outOfOrder: number; badBytes: number }> {
  const exec = new Checker();
  const mesh = new Mesh(d.index, d.layout, exec);
  mesh.start();
  const r = rng(d.seed);
  const n = d.layout.rings.length;
  const sent = new Array<number>(n).fill(0);
  const answered = new Array<number>(n).fill(0);
  let outOfOrder = 0;
  let total = 0;
  let done = 0;
  const me = Buffer.from(String(d.index));
  while (total < d.requests) {
    const burst = 1 + Math.floor(r() * 200);
    for (let b = 0; b < burst && total < d.requests; b++) {
      let peer = Math.floor(r() * (n - 1));
      if (peer >= d.index) peer++;
      const x = r();
      const len = x < 0.9 ? Math.floor(r() * 200) : x < 0.99 ? Math.floor(r() * 100_000) : 256 * 1024 + Math.floor(r() * 200_000);
      const seq = sent[peer]++;
      const body = Buffer.alloc(len);
      for (let i = 0; i < len; i++) body[i] = byteAt(d.index, seq, i);
      const want = seq * 1_000_000 + len;
      mesh.send(peer, 0, 0, 2, 0, [me, Buffer.from(String(seq)), body], {
        complete: (reply) => {
          if (reply.toString('latin1') !== `:${want}\r\n`) outOfOrder++;
          answered[peer]++;
          done++;
        },
      });
      total++;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  const deadline = Date.now() + 60_000;
  while (done < total && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  // Keep serving the peers until the main thread has every report.
  return { sent: total, answered: done, outOfOrder, badBytes: exec.bad };
}

if (!isMainThread && (workerData as Role | undefined)?.role === 'mesh-node') {
  const d = workerData as Role;
  parentPort!.on('message', () => {}); // stay alive until terminated
  void node(d).then((res) => parentPort!.postMessage(res));
} else {
  describe('Mesh across threads', () => {
    for (const n of [2, 3]) {
      it(`${n} workers flood each other through 64 KB rings; every reply arrives, in order, intact`, { timeout: 120_000 }, async () => {
        const rings: (SharedArrayBuffer | null)[][] = [];
        for (let from = 0; from < n; from++) {
          const row: (SharedArrayBuffer | null)[] = [];
          for (let to = 0; to < n; to++) row.push(from === to ? null : ByteRing.allocate(64 * 1024));
          rings.push(row);
        }
        const layout: MeshLayout = { rings, bells: new SharedArrayBuffer(4 * n) };
        const workers = Array.from({ length: n }, (_, index) => new Worker(new URL(import.meta.url), { workerData: { role: 'mesh-node', index, layout, requests: 10_000, seed: 100 + index } satisfies Role }));
        try {
          const results = await Promise.all(
            workers.map(
              (w, i) =>
                new Promise<{ sent: number; answered: number; outOfOrder: number; badBytes: number }>((resolve, reject) => {
                  w.once('message', resolve);
                  w.once('error', reject);
                  w.once('exit', (code) => reject(new Error(`worker ${i} exited with ${code} before reporting`)));
                }),
            ),
          );
          results.forEach((res, i) => {
            assert.equal(res.answered, res.sent, `worker ${i}: ${res.sent - res.answered} replies never arrived`);
            assert.equal(res.outOfOrder, 0, `worker ${i}: replies paired with the wrong request`);
            assert.equal(res.badBytes, 0, `worker ${i}: corrupted request bytes`);
          });
        } finally {
          await Promise.all(workers.map((w) => w.terminate()));
        }
      });
    }
  });
}
