// The client push channel: any thread delivers an out-of-band message (Pub/Sub messages, keyspace
// notifications, tracking invalidations, MONITOR lines) to a client of any thread.
// Invariants: a message reaches its client after every reply already produced for it (Client.push
// queues it behind them), framed for the client's protocol at delivery (a HELLO in between counts);
// messages from one thread to one client arrive in the order they were sent (one FIFO ring per pair
// of threads); a frame is encoded once per protocol and shared, never copied per receiver on its own
// thread. A push to the client whose command is running goes before that command's reply (as Redis
// writes a RESP3 client's own PUBLISH message first).

import { bool, bytes, latin1, tuple } from '../util/codec.ts';
import { REQ_PART } from '../runtime/request-flags.ts';
import type { ReplySink } from '../runtime/mesh.ts';
import type { PushFrame } from './client.ts';
import { PushFrame as Frame } from './client.ts';
import { defineShardOp, encodeArgs, readResult, type OpContext } from './op-table.ts';
import type { WorkerThread } from './worker-thread.ts';

interface PushContext extends OpContext {
  worker: WorkerThread;
}

/** On the client's thread: delivers the frame to client `id`; false if it is gone. */
export const PUSH = defineShardOp('push', tuple<[string, Buffer, Buffer]>(latin1, bytes, bytes), bool, (x: PushContext, [id, resp2, resp3]) => {
  const c = x.worker.clients.get(BigInt(id));
  return c !== undefined && c.push(new Frame(Buffer.from(resp2), Buffer.from(resp3)));
});

export const PUSH_OPS = [PUSH];

/**
 * Sends `frame` to client `id` of thread `thread` from `worker`'s thread; `delivered` (optional) learns
 * whether the client was still there.
 */
export function pushTo(worker: WorkerThread, thread: number, id: bigint, frame: PushFrame, delivered?: (ok: boolean) => void): void {
  if (thread === worker.index) {
    const c = worker.clients.get(id);
    const ok = c !== undefined && c.push(frame);
    if (delivered !== undefined) delivered(ok);
    return;
  }
  const sink: ReplySink = delivered === undefined ? NO_REPLY : { complete: (r) => delivered(readResult(PUSH, r) === true) };
  worker.mesh.send(thread, PUSH.index, 0, 2, REQ_PART, [encodeArgs(PUSH, [String(id), frame.resp2, frame.resp3], worker.opOut)], sink);
}

const NO_REPLY: ReplySink = { complete() {} };
