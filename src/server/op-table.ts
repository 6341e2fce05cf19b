// Shard operations: the typed work a coordinator asks of the shard that owns some data (a value to
// read, a set to store, the shard's stats), apart from the client command table. Each operation has a
// name, a binary codec for its arguments and one for its result, and `run(shard, args)` returning a
// typed result or an OpError; the wire carries them as bytes, so only the final client reply is RESP.
// Invariants: an operation's number on the wire is OP_BASE + its position in the OpTable, the same in
// every worker (every worker builds the table from the same list); `run` neither keeps nor mutates its
// argument views; a result read back equals the result written.

import { BinReader, BinWriter, type Codec } from '../util/codec.ts';
import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { Shard } from '../engine/shard.ts';
import type { Database } from '../engine/database.ts';
import { OP_BASE } from '../transaction/transaction.ts';

export { OP_BASE, TX_FRAME } from '../transaction/transaction.ts';

/**
 * What every command or operation running on a shard is given: the shard, the database, the clock.
 * The layers above add the thread running it (ShardExecBase in shard-worker.ts, ShardExec in
 * command-types.ts); handlers are declared as methods taking this, so a handler typed with a richer
 * context fits (the shard worker always passes its full context).
 */
export interface OpContext {
  shard: Shard;
  db: Database;
  dbIndex: number;
  /** Milliseconds since the epoch, read once per command. */
  now: number;
  /** CLIENT NO-TOUCH: reads do not update the access clock. */
  noTouch: boolean;
}

/** A user-visible failure of an operation (WRONGTYPE, out of range...): its reply text without the '-'. */
export class OpError {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

export interface ShardOp<A = unknown, R = unknown> {
  readonly name: string;
  readonly args: Codec<A>;
  readonly result: Codec<R>;
  /** It changes data: the shard re-checks its memory after it, as after a write command. */
  readonly write: boolean;
  run(x: OpContext, a: A): R | OpError;
  /** Its number on the wire (set when the table is built). */
  index: number;
}

/**
 * An operation whose `run` takes context X: what it uses of the thread running it (the families use
 * defineOp in shard-ops.ts, whose context is the full ShardExec).
 */
export function defineShardOp<A, R, X extends OpContext>(name: string, args: Codec<A>, result: Codec<R>, run: (x: X, a: A) => R | OpError, write = false): ShardOp<A, R> {
  return { name, args, result, run, write, index: -1 };
}

/** Every worker's table of operations, in one fixed order. */
export class OpTable {
  readonly all: ShardOp<any, any>[] = [];

  add(op: ShardOp<any, any>): void {
    const index = OP_BASE + this.all.length;
    if (op.index !== -1 && op.index !== index) throw new Error(`shard op ${op.name} registered at two positions`);
    op.index = index;
    this.all.push(op);
  }

  /** The operation with wire number `index` (>= OP_BASE). */
  byIndex(index: number): ShardOp<any, any> | undefined {
    return this.all[index - OP_BASE];
  }
}

/** The results when none failed; otherwise writes the first failure as the reply and returns null. */
export function allOk<R>(results: (R | OpError)[], w: ReplyWriter): R[] | null {
  for (const r of results) {
    if (r instanceof OpError) {
      w.error(r.text);
      return null;
    }
  }
  return results as R[];
}

/** Replies +OK once every part is done, or with the first failure. */
export function replyAllOk(results: unknown[], w: ReplyWriter): void {
  if (allOk(results, w) !== null) w.ok();
}

/** Writes an operation's result (or error) as its reply bytes. */
export function writeResult<R>(op: ShardOp<unknown, R>, r: R | OpError, w: BinWriter): void {
  if (r instanceof OpError) {
    w.u8(1);
    w.bytes(Buffer.from(r.text, 'latin1'));
    return;
  }
  w.u8(0);
  op.result.write(w, r);
}

/** Reads an operation's reply bytes back (the values are views of `reply`). */
export function readResult<R>(op: ShardOp<unknown, R>, reply: Buffer): R | OpError {
  const r = new BinReader(reply);
  if (r.u8() === 1) return new OpError(r.bytes().latin1Slice());
  return op.result.read(r);
}

/** Encodes an operation's arguments into `w` (reused) and returns a view of them. */
export function encodeArgs<A>(op: ShardOp<A, unknown>, a: A, w: BinWriter): Buffer {
  w.reset();
  op.args.write(w, a);
  return w.buf.subarray(0, w.len);
}
