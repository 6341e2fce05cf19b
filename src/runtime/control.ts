// The control block: one SharedArrayBuffer every thread of the process shares for its few global
// facts — client ids and counts, the transaction clock, the client pause, which shards are over their memory limit, and
// the blocked clients' claim slots. One layout, built here for the main thread, the workers and tests.
// Invariants: the layout depends only on the thread count; each region is naturally aligned; a
// memory flag is written only by the shard it belongs to (and the count beside them only with it).

/** Claim slots per worker (blocked clients a worker can hold at once). */
export const BLOCK_SLOTS_PER_WORKER = 8192;

export interface WorkerShared {
  /** [0]: next client id (BigInt64) */
  ids: BigInt64Array;
  /** [0]: connected clients across all workers; [1]: blocked clients (INFO blocked_clients) */
  counts: Int32Array;
  /** [0]: the transaction clock (timestamps of scheduled transactions and held-back commands) */
  clock: BigInt64Array;
  /** [0]: the next SLOWLOG entry id (ids are unique and increasing across the threads) */
  slowlogIds: BigInt64Array;
  /** [0]: how many shards are over their memory limit; [1 + s]: 1 while shard s is (see MemoryGate). */
  memory: Int32Array;
  /** Claim slots of blocked clients (BLOCK_SLOTS_PER_WORKER per worker). */
  blockSlots: Int32Array;
  /**
   * Pub/Sub presence, PUBSUB_SLOTS per worker, written only by that worker: [0] its patterns, then
   * its channel names (classic and shard) counted by hash bucket. A publisher skips a worker whose
   * slots say nobody there can receive (see src/server/pubsub.ts).
   */
  pubsub: Int32Array;
  /**
   * CLIENT PAUSE, one state for the process (src/server/client-pause.ts): [0] the mode (0 off, 1
   * WRITE, 2 ALL), the one word the dispatcher reads per command; [1] the lock word under which the
   * mode and `pauseEnd` change together.
   */
  pause: Int32Array;
  /** [0]: when the pause ends (ms since the epoch; it is over once the clock passes it). */
  pauseEnd: Float64Array;
}

/** Per worker: the pattern count and PUBSUB_BUCKETS channel buckets. */
export const PUBSUB_BUCKETS = 255;
export const PUBSUB_SLOTS = 1 + PUBSUB_BUCKETS;

/** ids 0..8, counts 8..16, clock 16..24, pause 24..32, pause end 32..40, slow-log ids 40..48, the rest of the 64-byte header spare. */
const HEADER = 64;

function memoryBytes(threads: number): number {
  return (4 * (1 + threads) + 7) & ~7;
}

/** Bytes of the control block for `threads` shard threads. */
export function controlBytes(threads: number): number {
  return HEADER + memoryBytes(threads) + 4 * threads * BLOCK_SLOTS_PER_WORKER + 4 * threads * PUBSUB_SLOTS;
}

/** A new, zeroed control block. */
export function createControl(threads: number): SharedArrayBuffer {
  return new SharedArrayBuffer(controlBytes(threads));
}

/** The typed views of a control block made by createControl(threads). */
export function controlViews(control: SharedArrayBuffer, threads: number): WorkerShared {
  return {
    ids: new BigInt64Array(control, 0, 1),
    counts: new Int32Array(control, 8, 2),
    clock: new BigInt64Array(control, 16, 1),
    pause: new Int32Array(control, 24, 2),
    pauseEnd: new Float64Array(control, 32, 1),
    slowlogIds: new BigInt64Array(control, 40, 1),
    memory: new Int32Array(control, HEADER, 1 + threads),
    blockSlots: new Int32Array(control, HEADER + memoryBytes(threads), threads * BLOCK_SLOTS_PER_WORKER),
    pubsub: new Int32Array(control, HEADER + memoryBytes(threads) + 4 * threads * BLOCK_SLOTS_PER_WORKER, threads * PUBSUB_SLOTS),
  };
}
