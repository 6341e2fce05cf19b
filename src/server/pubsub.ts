// Pub/Sub fan-out across threads, and the publishing API every subsystem uses (PUBLISH/SPUBLISH,
// keyspace notifications, tracking's __redis__:invalidate redirection).
// Invariants: `publish` delivers on its own thread at once and sends the message once to every other
// thread (the `pubsub-deliver` shard operation, batched over the rings with the other frames of the
// turn); each thread encodes the message once per protocol and shares the frame among its local
// subscribers; messages published from one thread reach each subscriber in publish order (local
// delivery is immediate, and each pair of threads has one FIFO ring); the count is exact: every
// thread's channel subscribers plus one per (matching pattern, subscriber), as Redis counts. A thread
// whose presence slots (control block) show no pattern and no channel in the message's bucket is
// skipped: it has nobody to deliver to, and a subscription is counted there before it is confirmed.
// Publishing never waits: the caller goes on at once, `done` learns the total later.

import { bool, bytes, bytesList, list, nullable, tuple, u32 } from '../util/codec.ts';
import { globMatch } from '../engine/glob.ts';
import { REQ_PART } from '../runtime/request-flags.ts';
import type { ReplySink } from '../runtime/mesh.ts';
import { PushFrame } from './client.ts';
import { defineShardOp, encodeArgs, readResult, type OpContext, type ShardOp } from './op-table.ts';
import { pushTo } from './push.ts';
import { CHANNEL, channelBucket, PATTERN, SHARD_CHANNEL, type PubSubTables, type SubKind } from './pubsub-tables.ts';
import { PUBSUB_SLOTS } from '../runtime/control.ts';
import type { ShardWorker } from './shard-worker.ts';
import type { WorkerThread } from './worker-thread.ts';

interface PubSubContext extends OpContext {
  worker: ShardWorker;
}

const MESSAGE = Buffer.from('$7\r\nmessage\r\n');
const SMESSAGE = Buffer.from('$8\r\nsmessage\r\n');
const PMESSAGE = Buffer.from('$8\r\npmessage\r\n');

/** Appends `$len\r\nbytes\r\n` at `at`; returns the end. */
function putBulk(out: Buffer, at: number, b: Buffer): number {
  at += out.latin1Write(`$${b.length}\r\n`, at);
  out.set(b, at);
  at += b.length;
  out[at++] = 13;
  out[at++] = 10;
  return at;
}

const bulkSize = (b: Buffer): number => b.length + 5 + String(b.length).length;

/**
 * The frame `[kind, ...bulks]` (kind pre-encoded, e.g. MESSAGE) in both protocols, in one buffer:
 * RESP2 `*n` and RESP3 `>n` differ only in their first byte.
 */
function encodeFrame(kind: Buffer, bulks: Buffer[]): PushFrame {
  let size = 4 + kind.length;
  for (let i = 0; i < bulks.length; i++) size += bulkSize(bulks[i]);
  const out = Buffer.allocUnsafe(size * 2);
  let at = out.latin1Write(`*${bulks.length + 1}\r\n`, 0);
  out.set(kind, at);
  at += kind.length;
  for (let i = 0; i < bulks.length; i++) at = putBulk(out, at, bulks[i]);
  out.copy(out, at, 0, at);
  out[at] = 0x3e; // '>'
  return new PushFrame(out.subarray(0, at), out.subarray(at, at * 2));
}

/** A `message` frame for `channel` (`smessage` for a shard channel). */
export function messageFrame(channel: Buffer, message: Buffer, sharded = false): PushFrame {
  return encodeFrame(sharded ? SMESSAGE : MESSAGE, [channel, message]);
}

/**
 * Delivers to this thread's subscribers of `channel` (and, unless sharded, of the patterns matching
 * it); returns how many received it. Each frame is encoded once, only if someone receives it.
 */
export function deliverLocal(tables: PubSubTables, channel: Buffer, message: Buffer, sharded: boolean): number {
  if (tables.channels.size === 0 && tables.patterns.size === 0 && tables.shardChannels.size === 0) return 0;
  const name = channel.latin1Slice();
  let receivers = 0;
  const subs = tables.subscribersOf(sharded ? SHARD_CHANNEL : CHANNEL, name);
  if (subs !== undefined) {
    const frame = messageFrame(channel, message, sharded);
    for (const s of subs) {
      s.push(frame);
      receivers++;
    }
  }
  if (sharded || tables.patterns.size === 0) return receivers;
  for (const e of tables.patterns.values()) {
    if (!globMatch(e.pattern, name)) continue;
    const frame = encodeFrame(PMESSAGE, [e.pattern, channel, message]);
    for (const s of e.subscribers) {
      s.push(frame);
      receivers++;
    }
  }
  return receivers;
}

/** On every other thread: delivers a message published elsewhere; answers its local receivers. */
export const PUBSUB_DELIVER = defineShardOp('pubsub-deliver', tuple<[Buffer, Buffer, boolean]>(bytes, bytes, bool), u32, (x: PubSubContext, [channel, message, sharded]) =>
  deliverLocal(x.worker.pubsub, channel, message, sharded),
);

/** A thread's active names of one kind matching a glob (PUBSUB CHANNELS/SHARDCHANNELS/NUMPAT, INFO). */
export const PUBSUB_NAMES = defineShardOp('pubsub-names', tuple<[number, Buffer | null]>(u32, nullable(bytes)), bytesList, (x: PubSubContext, [kind, pattern]) => {
  const out: Buffer[] = [];
  for (const name of x.worker.pubsub.names(kind as SubKind)) if (pattern === null || globMatch(pattern, name)) out.push(Buffer.from(name, 'latin1'));
  return out;
});

/** A thread's subscriber counts of some channels (PUBSUB NUMSUB/SHARDNUMSUB). */
export const PUBSUB_NUMSUB = defineShardOp('pubsub-numsub', tuple<[boolean, Buffer[]]>(bool, bytesList), list(u32), (x: PubSubContext, [sharded, channels]) =>
  channels.map((ch) => x.worker.pubsub.subscribersOf(sharded ? SHARD_CHANNEL : CHANNEL, ch.latin1Slice())?.size ?? 0),
);

export const PUBSUB_OPS: ShardOp<any, any>[] = [PUBSUB_DELIVER, PUBSUB_NAMES, PUBSUB_NUMSUB];

/** Sums the receivers the other threads report, then calls `done` with the total. */
class ReceiverCount implements ReplySink {
  private total: number;
  private waiting: number;
  private readonly done: (receivers: number) => void;
  constructor(local: number, waiting: number, done: (receivers: number) => void) {
    this.total = local;
    this.waiting = waiting;
    this.done = done;
  }
  complete(reply: Buffer): void {
    const r = readResult(PUBSUB_DELIVER, reply);
    if (typeof r === 'number') this.total += r;
    if (--this.waiting === 0) this.done(this.total);
  }
}

const NO_REPLY: ReplySink = { complete() {} };

/** Thread `t` has a channel name in `bucket`, or (not sharded) a pattern. */
function mayReceive(presence: Int32Array, t: number, bucket: number, sharded: boolean): boolean {
  const base = t * PUBSUB_SLOTS;
  return Atomics.load(presence, base + bucket) > 0 || (!sharded && Atomics.load(presence, base) > 0);
}

/**
 * Publishes `message` on `channel` (a shard channel when `sharded`) to the subscribers of every
 * thread, from any code running on `worker`'s thread (a command, a shard's write or expiry). Never
 * blocks; `done` (optional) gets the exact number of receivers once every thread has answered.
 * Returns this thread's receivers (with one thread, the total).
 */
export function publish(worker: ShardWorker, channel: Buffer, message: Buffer, done?: (receivers: number) => void, sharded = false): number {
  const local = deliverLocal(worker.pubsub, channel, message, sharded);
  const n = worker.n;
  if (n === 1) {
    if (done !== undefined) done(local);
    return local;
  }
  // Only to the threads whose presence slots say someone there may receive it.
  const presence = worker.shared.pubsub;
  const bucket = 1 + channelBucket(channel);
  let peers = 0;
  for (let t = 0; t < n; t++) if (t !== worker.index && mayReceive(presence, t, bucket, sharded)) peers++;
  if (peers === 0) {
    if (done !== undefined) done(local);
    return local;
  }
  const args = encodeArgs(PUBSUB_DELIVER, [channel, message, sharded], worker.opOut);
  const sink = done === undefined ? NO_REPLY : new ReceiverCount(local, peers, done);
  // mesh.send copies the arguments at once: the one encoding serves every peer.
  for (let t = 0; t < n; t++) {
    if (t !== worker.index && mayReceive(presence, t, bucket, sharded)) worker.mesh.send(t, PUBSUB_DELIVER.index, 0, 2, REQ_PART, [args], sink);
  }
  return local;
}

/**
 * Sends one `message` push (channel, payload) to client `id` of thread `thread`, whether or not it is
 * subscribed (tracking's RESP2 redirection to `__redis__:invalidate`); a payload list is sent as an
 * array of bulks, null as a null. `delivered` learns whether the client was still there.
 */
export function publishTo(worker: WorkerThread, thread: number, id: bigint, channel: Buffer, payload: Buffer | Buffer[] | null, delivered?: (ok: boolean) => void): void {
  pushTo(worker, thread, id, Buffer.isBuffer(payload) ? messageFrame(channel, payload) : messageWithArray(channel, payload), delivered);
}

/** `message` with an array (or null) payload: ['message', channel, [bulks...]]. */
function messageWithArray(channel: Buffer, payload: Buffer[] | null): PushFrame {
  const head = encodeFrame(MESSAGE, [channel]);
  const tail2 = payload === null ? Buffer.from('$-1\r\n') : encodeArray(payload);
  const tail3 = payload === null ? Buffer.from('_\r\n') : tail2;
  // Three elements, not two: fix the count written by encodeFrame.
  const fix = (b: Buffer, t: Buffer): Buffer => Buffer.concat([Buffer.from(b.latin1Slice(0, 1) + '3'), b.subarray(2), t]);
  return new PushFrame(fix(head.resp2, tail2), fix(head.resp3, tail3));
}

function encodeArray(items: Buffer[]): Buffer {
  let size = 16;
  for (const b of items) size += bulkSize(b);
  const out = Buffer.allocUnsafe(size);
  let at = out.latin1Write(`*${items.length}\r\n`, 0);
  for (const b of items) at = putBulk(out, at, b);
  return out.subarray(0, at);
}

export { CHANNEL, PATTERN, SHARD_CHANNEL };
