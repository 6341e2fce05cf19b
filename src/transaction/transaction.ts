// Transaction: the coordinator's side of an atomic operation over several shards. It proposes itself
// on every shard it touches (each answers a timestamp from the shared clock and locks the keys), takes
// the largest proposal as its final timestamp, then runs hops — commands on shards, in order per
// shard — and ends by releasing its locks everywhere.
// Invariants: every operation a shard receives for a transaction comes after its proposal there (one
// FIFO stream per pair of threads, and local operations are direct calls); the first operation each
// shard gets after the proposals carries the final timestamp; end() concludes on every shard exactly
// once. See docs/transactions.md for why this gives strict serializability.

import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { Mesh } from '../runtime/mesh.ts';
import { REQ_NO_TOUCH } from '../runtime/request-flags.ts';
import { encodedLocksSize, encodeLocks, encodeLocksInto, LOCK_SLICE, NO_GLOBAL, type Lock, type Runnable } from './tx-shard.ts';
import { nextTurn } from '../util/next-turn.ts';

/** Wire numbers of shard operations start here (client commands are numbered below it). */
export const OP_BASE = 0x8000;
/** The wire number of transaction control frames (propose, run, finalize): not an operation. */
export const TX_FRAME = OP_BASE - 1;

/**
 * What a transaction needs of the thread coordinating it: its shard's index, its links to the other
 * shards, the shared clock, and direct calls into its own shard's side (the shard worker).
 */
export interface TxHost {
  readonly index: number;
  readonly mesh: Mesh;
  nextTimestamp(): number;
  /** Proposes here; `locked` gets the timestamp once the locks are taken (at once, or after slices). */
  txPropose(handle: number, locks: Lock[], global: number, locked: (ts: number) => void): void;
  txFinalize(handle: number, ts: number, conclude: boolean): void;
  txRun(handle: number, ts: number, conclude: boolean, runnable: number, db: number, resp: 2 | 3, noTouch: boolean, args: Buffer[], w: ReplyWriter | null, done: (reply: Buffer) => void): boolean;
}

// Transaction control frames (mesh requests numbered TX_FRAME); args[0] is a binary header:
//   propose:  [u8 TX_PROPOSE][f64 handle][u8 global]             args[1] = encoded locks; reply: f64 ts
//   finalize: [u8 TX_FINALIZE][f64 handle][f64 ts][u8 conclude]  reply: empty
//   run:      [u8 TX_RUN][f64 handle][f64 ts][u8 conclude][u16 command or operation number]
//             args[1..] = the command's arguments (or the operation's encoded ones); reply: its reply
export const TX_PROPOSE = 1;
export const TX_FINALIZE = 2;
export const TX_RUN = 3;
/** propose and run at once: [u8 TX_PROPOSE_RUN][f64 handle][f64 0][u8 1][u16 number]; args[1] = locks, args[2..] the hop's arguments. */
export const TX_PROPOSE_RUN = 4;
const HEADER_BYTES = 20;

const NOOP = (): void => {};
/** Handles are unique per process: a per-thread counter times this, plus the thread's index. */
const HANDLE_STRIDE = 4096;

function newHandle(worker: TxHost): number {
  return ++counter * HANDLE_STRIDE + worker.index;
}

/**
 * Groups keys (with their database and mode) by owning shard. A plan built `unique` holds each key
 * once (write if any of its uses writes): EXEC's queue may name one key a million times, and every
 * lock a shard holds is a holder it walks when it checks an entry.
 */
export class LockPlan {
  readonly byShard = new Map<number, Lock[]>();
  /** Per database, key → its lock, for a unique plan; null: keys are added as they come. */
  private readonly seen: Map<string, Lock>[] | null;
  constructor(unique = false) {
    this.seen = unique ? [] : null;
  }
  add(shard: number, db: number, key: Buffer, write: boolean): void {
    const k = key.latin1Slice(0, key.length);
    if (this.seen !== null) {
      const seen = (this.seen[db] ??= new Map());
      const had = seen.get(k);
      if (had !== undefined) {
        if (write) had.write = true;
        return;
      }
      const lock: Lock = { db, key: k, write };
      seen.set(k, lock);
      this.locksOf(shard).push(lock);
      return;
    }
    this.locksOf(shard).push({ db, key: k, write });
  }
  private locksOf(shard: number): Lock[] {
    let l = this.byShard.get(shard);
    if (l === undefined) this.byShard.set(shard, (l = []));
    return l;
  }
  /** Makes shard a participant even without keys (it gets a whole-shard lock in a global transaction). */
  touch(shard: number): void {
    if (!this.byShard.has(shard)) this.byShard.set(shard, []);
  }
}

let counter = 0;

/** Encodes a long lock list LOCK_SLICE locks per event-loop turn. */
async function encodeInSlices(locks: Lock[]): Promise<Buffer> {
  const b = Buffer.allocUnsafe(encodedLocksSize(locks));
  let at = 0;
  for (let from = 0; from < locks.length; from += LOCK_SLICE) {
    if (from > 0) await nextTurn();
    at = encodeLocksInto(locks, from, Math.min(locks.length, from + LOCK_SLICE), b, at);
  }
  return b;
}

/** One reused header buffer per thread: mesh.send copies a frame's arguments before it returns. */
const header = Buffer.alloc(HEADER_BYTES);

function writeHeader(kind: number, handle: number, ts: number, conclude: boolean, runnable: number): Buffer {
  header[0] = kind;
  header.writeDoubleLE(handle, 1);
  header.writeDoubleLE(ts, 9);
  header[17] = conclude ? 1 : 0;
  header.writeUInt16LE(runnable, 18);
  return header;
}

export class Transaction {
  readonly worker: TxHost;
  readonly handle: number;
  readonly shards: number[];
  ts = 0;
  private readonly finalSent = new Set<number>();
  private readonly concluded = new Set<number>();

  private constructor(worker: TxHost, shards: number[]) {
    this.worker = worker;
    this.handle = newHandle(worker);
    this.shards = shards;
  }

  /**
   * Schedules a transaction on the shards of `plan` (whole shards when `global`); resolves once
   * every shard has proposed, with the final timestamp set — larger than that of `after` (the
   * client's previous transaction), so a client's transactions keep their order.
   */
  static async begin(worker: TxHost, plan: LockPlan, global: number, after: Promise<number> | null = null, afterTs = 0): Promise<Transaction> {
    const tx = new Transaction(worker, [...plan.byShard.keys()]);
    // The local proposal is a direct call; the others one frame each, answered with a timestamp.
    let ts = 0;
    let waiting = 0;
    let wake: (() => void) | null = null;
    for (const s of tx.shards) {
      const locks = plan.byShard.get(s)!;
      if (s === worker.index) {
        waiting++;
        worker.txPropose(tx.handle, locks, global, (t) => {
          ts = Math.max(ts, t);
          if (--waiting === 0 && wake !== null) wake();
        });
        continue;
      }
      waiting++;
      const encoded = locks.length <= LOCK_SLICE ? encodeLocks(locks) : await encodeInSlices(locks);
      const h = writeHeader(TX_PROPOSE, tx.handle, 0, false, 0);
      h[9] = global;
      worker.mesh.send(s, TX_FRAME, 0, 2, 0, [h.subarray(0, 10), encoded], {
        complete: (r: Buffer) => {
          ts = Math.max(ts, r.readDoubleLE(0));
          if (--waiting === 0 && wake !== null) wake();
        },
      });
    }
    if (waiting > 0) await new Promise<void>((r) => (wake = r));
    // A transaction of the same client started before this one comes first wherever they conflict.
    if (ts <= afterTs || (after !== null && ts <= (await after))) ts = worker.nextTimestamp();
    tx.ts = ts;
    return tx;
  }

  /** The timestamp to send shard s: the final one the first time, 0 (already final) after. */
  private tsFor(s: number): number {
    if (this.finalSent.has(s)) return 0;
    this.finalSent.add(s);
    return this.ts;
  }

  private finalize(s: number, conclude: boolean): void {
    const w = this.worker;
    const ts = this.tsFor(s);
    if (s === w.index) w.txFinalize(this.handle, ts, conclude);
    else w.mesh.send(s, TX_FRAME, 0, 2, 0, [writeHeader(TX_FINALIZE, this.handle, ts, conclude, 0).subarray(0, 18)], { complete: NOOP });
  }

  /** Finalizes on every shard now (a multi-hop transaction: its pending entries must not wait on it). */
  finalizeAll(): void {
    for (const s of this.shards) if (!this.finalSent.has(s)) this.finalize(s, false);
  }

  /**
   * Runs command `cmd` with `args` (args[0] is its name), or shard operation `cmd` with its encoded
   * arguments in args[0], on shard s as part of the transaction.
   */
  run(s: number, cmd: Runnable, db: number, resp: 2 | 3, flags: number, args: Buffer[], conclude: boolean, done: (reply: Buffer) => void): void {
    if (conclude) this.concluded.add(s);
    const w = this.worker;
    const ts = this.tsFor(s);
    if (s === w.index) {
      w.txRun(this.handle, ts, conclude, cmd.index, db, resp, (flags & REQ_NO_TOUCH) !== 0, args, null, done);
      return;
    }
    const wire: Buffer[] = new Array(args.length + 1);
    wire[0] = writeHeader(TX_RUN, this.handle, ts, conclude, cmd.index);
    for (let i = 0; i < args.length; i++) wire[i + 1] = args[i];
    w.mesh.send(s, TX_FRAME, db, resp, flags, wire, { complete: done });
  }

  runAsync(s: number, cmd: Runnable, db: number, resp: 2 | 3, flags: number, args: Buffer[], conclude = false): Promise<Buffer> {
    return new Promise((resolve) => this.run(s, cmd, db, resp, flags, args, conclude, resolve));
  }

  /** Releases the locks on every shard not concluded yet (no reply awaited). */
  end(): void {
    for (const s of this.shards) {
      if (this.concluded.has(s)) continue;
      this.concluded.add(s);
      this.finalize(s, true);
    }
  }
}

/** Reply marker of a propose-and-run frame: its final timestamp (f64), whether the hop ran (u8), and then its reply. */
export const PROPOSE_RUN_MARK = 0xf5;

/**
 * A transaction with two participants — this shard and one other — each running one concluding hop
 * (MSET, MGET, DEL... split over two shards): one round trip instead of two. This shard proposes
 * first; the other shard's proposal, drawn from the same clock after it, is the larger one, so it is
 * the final timestamp (the maximum of the proposals, as in the general protocol), and that shard can
 * finalize and run its hop at once and answer with the timestamp. This shard then finalizes at it and
 * runs its own hop. Valid only when the client has no other transaction still being scheduled (its
 * previous final timestamp is known and was drawn before): the caller checks.
 */
export function runTwoShards(
  worker: TxHost,
  runnable: Runnable,
  db: number,
  resp: 2 | 3,
  flags: number,
  local: { locks: Lock[]; args: Buffer[]; done: (reply: Buffer) => void },
  remote: { shard: number; locks: Lock[]; args: Buffer[]; done: (reply: Buffer) => void },
  finalized: (ts: number) => void,
): void {
  const handle = newHandle(worker);
  // The local timestamp is drawn now, before the other shard's (a long lock list may still be being
  // taken when the answer comes: the local hop then waits for it).
  worker.txPropose(handle, local.locks, NO_GLOBAL, NOOP);
  const wire: Buffer[] = new Array(remote.args.length + 2);
  wire[0] = writeHeader(TX_PROPOSE_RUN, handle, 0, true, runnable.index);
  wire[1] = encodeLocks(remote.locks);
  for (let i = 0; i < remote.args.length; i++) wire[i + 2] = remote.args[i];
  worker.mesh.send(remote.shard, TX_FRAME, db, resp, flags, wire, {
    complete: (r: Buffer) => {
      let ts: number;
      if (r.length >= 10 && r[0] === PROPOSE_RUN_MARK) {
        ts = r.readDoubleLE(1);
        if (r[9] === 1) remote.done(r.subarray(10));
        else {
          // Final there but not run yet (a conflicting entry comes first): now an ordinary hop.
          const hop: Buffer[] = new Array(remote.args.length + 1);
          hop[0] = writeHeader(TX_RUN, handle, 0, true, runnable.index);
          for (let i = 0; i < remote.args.length; i++) hop[i + 1] = remote.args[i];
          worker.mesh.send(remote.shard, TX_FRAME, db, resp, flags, hop, { complete: remote.done });
        }
      } else {
        // Not the expected answer (a bug on the other shard, answered with an error): that hop is
        // over; this shard's entry still ends, at a fresh timestamp.
        ts = worker.nextTimestamp();
        remote.done(r);
      }
      worker.txRun(handle, ts, true, runnable.index, db, resp, (flags & REQ_NO_TOUCH) !== 0, local.args, null, local.done);
      finalized(ts);
    },
  });
}
