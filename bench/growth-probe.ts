// Worker thread of bench:memory's growth measurement: `probes` connections that each send one
// `SET memtier-<random n < keys> <value>` at a time and time its round trip, while the main thread's
// pipelined loaders fill the server. A thread of its own, so the loaders' reply parsing on the main
// thread does not delay the probes' timing.
// Invariants: at most one request in flight per probe connection; the keys and values are the
// loaders' own (a probe SET inserts early or overwrites with the same value: the final data set is
// unchanged); posts {type:'ready'} once connected and {type:'done', ...} after the 'stop' message.

import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { RespConn } from './resp-client.ts';
import { LatencyRecorder, mulberry32, replyKind, setCommand, type LatencySummary } from './memory-workload.ts';

export interface ProbeInit {
  port: number;
  probes: number;
  keys: number;
  valueSize: number;
  seed: number;
  /** performance.timeOrigin + performance.now() of the load's start (per-second buckets count from it). */
  startMs: number;
}

export type ProbeMessage =
  | { type: 'ready' }
  | { type: 'done'; latency: LatencySummary; errors: number; firstError: string | null }
  | { type: 'failed'; message: string };

const now = (): number => performance.timeOrigin + performance.now();

async function probe(): Promise<void> {
  const init = workerData as ProbeInit;
  const port = parentPort!;
  const conns = await Promise.all(Array.from({ length: init.probes }, () => RespConn.connect(init.port)));
  const rec = new LatencyRecorder(init.startMs);
  let stopping = false;
  let errors = 0;
  let firstError: string | null = null;
  port.on('message', (m: unknown) => {
    if (m === 'stop') stopping = true;
  });
  const loop = async (c: RespConn, i: number): Promise<void> => {
    const rand = mulberry32(init.seed + i);
    while (!stopping) {
      const cmd = setCommand(Math.floor(rand() * init.keys), init.valueSize);
      const t0 = now();
      await c.pipeline([cmd], (r) => {
        if (replyKind(r) === 'error') {
          errors++;
          firstError ??= r.toString('latin1').trim();
        }
      });
      const t1 = now();
      rec.add(t1, t1 - t0);
    }
  };
  port.postMessage({ type: 'ready' } satisfies ProbeMessage);
  await Promise.all(conns.map((c, i) => loop(c, i)));
  for (const c of conns) c.close();
  port.postMessage({ type: 'done', latency: rec.summary(), errors, firstError } satisfies ProbeMessage);
}

probe().catch((e: unknown) => {
  parentPort!.postMessage({ type: 'failed', message: e instanceof Error ? (e.stack ?? e.message) : String(e) } satisfies ProbeMessage);
});
