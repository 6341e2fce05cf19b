// Transaction: the coordinator's side of an atomic operation over several shards. It proposes itself
// on every shard it touches (each answers a timestamp from the shared clock and locks the keys), takes
// the largest proposal as its final timestamp, then runs hops — commands on shards, in order per
// shard — and ends by releasing its locks everywhere.
// Invariants: every operation a shard receives for a transaction comes after its proposal there (one
// FIFO stream per pair of threads, and local operations are direct calls); the first operation each
// shard gets after the proposals carries the final timestamp; end() concludes on every shard exactly
// once. See docs/transactions.md for why this gives strict serializability.

import type { Command } from './command-table.ts';
import type { ShardWorker } from './shard-worker.ts';
import { replyInteger } from '../protocol/reply-reader.ts';
import { encodeLocks, GLOBAL_READ, GLOBAL_WRITE, type Lock } from './tx-shard.ts';

const TX = Buffer.from('__tx');
const PROP = Buffer.from('prop');
const RUN = Buffer.from('run');
const FIN = Buffer.from('fin');
const ONE = Buffer.from('1');
const ZERO = Buffer.from('0');
const GLOBAL = Buffer.from('G');
const GLOBAL_SHARED = Buffer.from('S');
const KEYED = Buffer.from('-');
const NOOP = (): void => {};

/** Groups keys (with their database and mode) by owning shard. */
export class LockPlan {
  readonly byShard = new Map<number, Lock[]>();
  add(shard: number, db: number, key: Buffer, write: boolean): void {
    let l = this.byShard.get(shard);
    if (l === undefined) this.byShard.set(shard, (l = []));
    l.push({ db, key: key.latin1Slice(0, key.length), write });
  }
  /** Makes shard a participant even without keys (it gets a whole-shard lock in a global transaction). */
  touch(shard: number): void {
    if (!this.byShard.has(shard)) this.byShard.set(shard, []);
  }
}

let counter = 0;

export class Transaction {
  readonly worker: ShardWorker;
  readonly handle: Buffer;
  readonly shards: number[];
  ts = 0;
  private readonly tsArg: Buffer[] = [];
  private readonly finalSent = new Set<number>();
  private readonly concluded = new Set<number>();

  private constructor(worker: ShardWorker, shards: number[]) {
    this.worker = worker;
    this.handle = Buffer.from(`${worker.index}.${++counter}`);
    this.shards = shards;
  }

  /**
   * Schedules a transaction on the shards of `plan` (whole shards when `global`); resolves once
   * every shard has proposed, with the final timestamp set — larger than that of `after` (the
   * client's previous transaction), so a client's transactions keep their order.
   */
  static async begin(worker: ShardWorker, plan: LockPlan, global: number, after: Promise<number> | null = null, afterTs = 0): Promise<Transaction> {
    const tx = new Transaction(worker, [...plan.byShard.keys()]);
    // The local proposal is a direct call; the others one frame each, answered with a timestamp.
    let ts = 0;
    let waiting = 0;
    let wake: (() => void) | null = null;
    for (const s of tx.shards) {
      const locks = plan.byShard.get(s)!;
      if (s === worker.index) {
        ts = Math.max(ts, worker.tx.propose(tx.handle.latin1Slice(), locks, global));
        continue;
      }
      waiting++;
      const args = [TX, PROP, tx.handle, global === GLOBAL_WRITE ? GLOBAL : global === GLOBAL_READ ? GLOBAL_SHARED : KEYED, encodeLocks(locks)];
      worker.mesh.send(s, worker.txCmd.index, 0, 2, 0, args, {
        complete: (r: Buffer) => {
          ts = Math.max(ts, replyInteger(r));
          if (--waiting === 0 && wake !== null) wake();
        },
      });
    }
    if (waiting > 0) await new Promise<void>((r) => (wake = r));
    // A transaction of the same client started before this one comes first wherever they conflict.
    if (ts <= afterTs || (after !== null && ts <= (await after))) ts = worker.nextTimestamp();
    tx.ts = ts;
    tx.tsArg.push(Buffer.from(String(ts)));
    return tx;
  }

  private send(s: number, db: number, resp: 2 | 3, flags: number, args: Buffer[], done: (r: Buffer) => void): void {
    const w = this.worker;
    if (s === w.index) w.txRequest(db, resp, flags, args, null, done);
    else w.mesh.send(s, w.txCmd.index, db, resp, flags, args, { complete: done });
  }

  /** The timestamp argument for shard s: the final one the first time, 0 after. */
  private tsFor(s: number): Buffer {
    if (this.finalSent.has(s)) return ZERO;
    this.finalSent.add(s);
    return this.tsArg[0];
  }

  /** Finalizes on every shard now (a multi-hop transaction: its pending entries must not wait on it). */
  finalizeAll(): void {
    for (const s of this.shards) {
      if (this.finalSent.has(s)) continue;
      this.send(s, 0, 2, 0, [TX, FIN, this.handle, this.tsFor(s), ZERO], NOOP);
    }
  }

  /** Runs `cmd` with `args` (args[0] is its name) on shard s as part of the transaction. */
  run(s: number, cmd: Command, db: number, resp: 2 | 3, flags: number, args: Buffer[], conclude: boolean, done: (reply: Buffer) => void): void {
    if (conclude) this.concluded.add(s);
    const wire = [TX, RUN, this.handle, this.tsFor(s), conclude ? ONE : ZERO, Buffer.from(String(cmd.index)), ...args];
    this.send(s, db, resp, flags, wire, done);
  }

  runAsync(s: number, cmd: Command, db: number, resp: 2 | 3, flags: number, args: Buffer[], conclude = false): Promise<Buffer> {
    return new Promise((resolve) => this.run(s, cmd, db, resp, flags, args, conclude, resolve));
  }

  /** Releases the locks on every shard not concluded yet (no reply awaited). */
  end(): void {
    for (const s of this.shards) {
      if (this.concluded.has(s)) continue;
      this.concluded.add(s);
      this.send(s, 0, 2, 0, [TX, FIN, this.handle, this.tsFor(s), ONE], NOOP);
    }
  }
}
