// Hostile soak (npm run test:long; not part of npm test): the hardening probes run together against
// one Damselfly for SOAK_SECONDS (default 180) while a well-behaved client checks its data and every
// thread's PING. Asserts survival, intact data, and memory back near where it started once the
// offenders are gone; prints the worst PING latency per thread and the RSS figures (measured, not
// asserted against a clock).
//
// Offenders, each in a loop: header-only 512 MB bulk claims; a 100 GB claim under a raised
// proto-max-bulk-len; a multibulk of 2M arguments; MULTI with 200k queued SETs then a disconnect; a
// pipeline of GETs of a remote 1 KB value never read; random bytes; HSET load on keys with a TTL under
// maxmemory (volatile-lru, so the checker's keys are never candidates); long reads (LRANGE of a big
// list, KEYS) and a big EXEC.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { RawClient, startDamselfly, type ServerHandle } from '../harness.ts';
import { encodeCommand } from '../resp.ts';
import { shardOfKey } from '../../src/runtime/slots.ts';
import { mulberry32 } from '../../src/util/prng.ts';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 180);
const THREADS = 2;

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** How long one offender keeps a connection that the server has stopped reading (it is held, by design). */
const HOLD_MS = 5000;

/**
 * A raw socket that writes `data` (respecting backpressure) and never reads; resolves when written,
 * closed, or after HOLD_MS (a client that does not read is paused by the server: its writes stop
 * draining, and the offender moves on to its next round).
 */
function sendAndHold(port: number, chunks: () => Buffer | null): { done: Promise<void>; socket: Socket } {
  const socket = connect({ port, host: '127.0.0.1' });
  socket.on('error', () => {});
  socket.pause();
  const done = new Promise<void>((resolve) => {
    const held = setTimeout(resolve, HOLD_MS);
    socket.on('close', () => {
      clearTimeout(held);
      resolve();
    });
    const pump = (): void => {
      for (;;) {
        const b = chunks();
        if (b === null) return resolve();
        if (!socket.write(b)) return void socket.once('drain', pump);
      }
    };
    socket.on('connect', pump);
  });
  return { done, socket };
}

function repeat(frame: Buffer, times: number, perChunk = 4096): () => Buffer | null {
  let left = times;
  const block = Buffer.concat(Array.from({ length: Math.min(perChunk, times) }, () => frame));
  return () => {
    if (left <= 0) return null;
    const n = Math.min(perChunk, left);
    left -= n;
    return n === perChunk ? block : block.subarray(0, n * frame.length);
  };
}

async function threadOf(c: RawClient): Promise<number> {
  const info = (await c.call(['CLIENT', 'INFO'])).toString();
  return Number(/thread=(\d+)/.exec(info)?.[1] ?? -1);
}

/** A client on thread `t` (connections are spread over the threads by the kernel). */
async function clientOnThread(port: number, t: number): Promise<RawClient> {
  for (let i = 0; i < 64; i++) {
    const c = await RawClient.connect(port);
    if ((await threadOf(c)) === t) return c;
    c.close();
  }
  throw new Error(`no connection landed on thread ${t}`);
}

function keyOnShard(shard: number, prefix: string): string {
  for (let i = 0; ; i++) if (shardOfKey(Buffer.from(`${prefix}${i}`), THREADS) === shard) return `${prefix}${i}`;
}

describe(`hostile soak, ${SECONDS} s`, { timeout: (SECONDS + 300) * 1000 }, () => {
  let dfly: ServerHandle;
  before(async () => {
    dfly = await startDamselfly({ threads: THREADS, args: ['--maxmemory=256mb', '--maxmemory_policy=volatile-lru'] });
  });
  after(async () => {
    await dfly.stop();
  });

  it('the server survives every probe at once, the checker\'s data stays intact, memory comes back', async () => {
    const port = dfly.port;
    const pid = dfly.proc.pid!;
    const setup = await RawClient.connect(port);
    // The checker's keys: on both shards, no TTL (never eviction candidates).
    const checked: [string, string][] = [];
    for (let i = 0; i < 200; i++) checked.push([`check:${i}`, `value-${i}-${'x'.repeat(i)}`]);
    for (const [k, v] of checked) assert.equal((await setup.call(['SET', k, v])).toString(), '+OK\r\n');
    const bigList = keyOnShard(0, 'biglist:');
    for (let i = 0; i < 200; i++) await setup.call(['RPUSH', bigList, ...Array.from({ length: 1000 }, (_, j) => `e${i * 1000 + j}`)]);
    const remote = [keyOnShard(0, 'remote:'), keyOnShard(1, 'remote:')];
    for (const k of remote) await setup.call(['SET', k, 'v'.repeat(1024)]);
    const rssBefore = rssMb(pid);

    const deadline = Date.now() + SECONDS * 1000;
    const running = (): boolean => Date.now() < deadline && dfly.alive();
    const rand = mulberry32(7);
    const offenders: Promise<void>[] = [];
    const failures: string[] = [];
    const loop = (what: string, body: () => Promise<void>): void => {
      offenders.push(
        (async () => {
          while (running()) {
            try {
              await body();
            } catch (e) {
              // A closed connection is an expected answer to most probes; anything else is reported.
              if (!/ECONNRESET|EPIPE|closed|timed out/i.test(String(e))) {
                failures.push(`${what}: ${String(e)}`);
                return;
              }
            }
          }
        })(),
      );
    };

    // Header-only claims of 512 MB, 20 at a time, held a moment, then dropped.
    loop('header-only claims', async () => {
      const socks = Array.from({ length: 20 }, () => sendAndHold(port, repeat(Buffer.from('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$536870912\r\nabc'), 1)));
      const probe = await RawClient.connect(port);
      await probe.call(['PING']);
      probe.close();
      for (const s of socks) s.socket.destroy();
    });
    // A 100 GB claim with the limit raised, then the limit restored.
    loop('100gb claim', async () => {
      const c = await RawClient.connect(port);
      await c.call(['CONFIG', 'SET', 'proto-max-bulk-len', '100gb']);
      const s = sendAndHold(port, repeat(Buffer.from('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$107374182400\r\n'), 1));
      await c.call(['PING']);
      s.socket.destroy();
      await c.call(['CONFIG', 'SET', 'proto-max-bulk-len', '512mb']);
      c.close();
    });
    // A multibulk of 2M one-byte arguments (an arity error once complete).
    loop('big multibulk', async () => {
      let sentHead = false;
      const body = repeat(Buffer.from('$1\r\na\r\n'), 2_000_000 - 1);
      const s = sendAndHold(port, () => {
        if (!sentHead) {
          sentHead = true;
          return Buffer.from('*2000000\r\n$4\r\nECHO\r\n');
        }
        return body();
      });
      await s.done;
      s.socket.destroy();
    });
    // MULTI with 200k queued SETs, never executed.
    loop('big MULTI', async () => {
      let sentHead = false;
      const body = repeat(encodeCommand(['SET', 'multi:k', 'v'.repeat(100)]), 200_000);
      const s = sendAndHold(port, () => {
        if (!sentHead) {
          sentHead = true;
          return encodeCommand(['MULTI']);
        }
        return body();
      });
      await s.done;
      s.socket.destroy();
    });
    // GETs of remote and local 1 KB values pipelined, replies never read.
    for (const k of remote)
      loop(`non-reader ${k}`, async () => {
        const s = sendAndHold(port, repeat(encodeCommand(['GET', k]), 300_000));
        await s.done;
        s.socket.destroy();
      });
    // Random bytes.
    loop('random bytes', async () => {
      const s = sendAndHold(port, repeat(Buffer.from(Array.from({ length: 997 }, () => Math.floor(rand() * 256))), 50));
      await s.done;
      s.socket.destroy();
    });
    // HSET load on keys with a TTL under maxmemory.
    loop('hset load', async () => {
      const c = await RawClient.connect(port);
      const frames: Buffer[] = [];
      for (let i = 0; i < 200; i++) {
        const h = `h:${Math.floor(rand() * 1000)}`;
        frames.push(encodeCommand(['HSET', h, `f:${Math.floor(rand() * 1e9)}`, 'x'.repeat(1000)]), encodeCommand(['EXPIRE', h, '3600']));
      }
      c.send(Buffer.concat(frames));
      for (let i = 0; i < frames.length; i++) await c.readReply();
      c.close();
    });
    // Long operations: LRANGE of a 200k list, KEYS, a 50k-command EXEC.
    loop('long operations', async () => {
      const c = await RawClient.connect(port);
      await c.call(['LRANGE', bigList, '0', '-1'], 60_000);
      await c.call(['KEYS', '*'], 60_000);
      c.send(Buffer.concat([encodeCommand(['MULTI']), ...Array.from({ length: 50_000 }, (_, i) => encodeCommand(['SET', `exec:${i % 5000}`, 'v']))]));
      for (let i = 0; i < 50_001; i++) await c.readReply(60_000);
      await c.call(['EXEC'], 120_000);
      c.close();
    });

    // The checker: data intact, and every thread answers PING.
    const pingers = await Promise.all(Array.from({ length: THREADS }, (_, t) => clientOnThread(port, t)));
    const worst = new Array<number>(THREADS).fill(0);
    let checks = 0;
    while (running()) {
      for (let t = 0; t < THREADS; t++) {
        const t0 = performance.now();
        assert.equal((await pingers[t].call(['PING'], 60_000)).toString(), '+PONG\r\n');
        worst[t] = Math.max(worst[t], performance.now() - t0);
      }
      const [k, v] = checked[checks++ % checked.length];
      assert.equal((await pingers[checks % THREADS].call(['GET', k], 60_000)).toString(), `$${v.length}\r\n${v}\r\n`);
    }
    await Promise.all(offenders);
    assert.ok(dfly.alive(), 'the server is alive');
    assert.deepEqual(failures, []);
    for (const [k, v] of checked) assert.equal((await setup.call(['GET', k])).toString(), `$${v.length}\r\n${v}\r\n`);
    // Memory once the offenders are gone: let the shards settle (each answers after its pending work).
    for (let i = 0; i < 20; i++) await setup.call(['PING']);
    const rssAfter = rssMb(pid);
    process.stdout.write(
      `# soak ${SECONDS}s: ${checks} checks; worst PING per thread (ms): ${worst.map((x) => x.toFixed(0)).join(', ')}; ` +
        `RSS before ${rssBefore.toFixed(0)} MB, after ${rssAfter.toFixed(0)} MB\n`,
    );
    // The HSET load's keys stay (up to maxmemory) — after it, RSS stays below what the load may hold.
    assert.ok(rssAfter < rssBefore + 2 * 256 + 200, `RSS after ${rssAfter} MB (before ${rssBefore} MB)`);
    for (const c of pingers) c.close();
    setup.close();
  });
});
