// ShardTx: a shard's entry points for transactions — proposals, finalizations and the operations of
// transactions (direct calls for this thread's own transactions, binary frames from peers), and the
// commands held back behind them. It owns the shard's TxShard (the locks and the queue); the shard
// worker runs what it lets through.
// Invariants: an operation that does not conclude its transaction runs held (pops for blocked clients
// wait for the end); an operation runs in place only when the transaction may run now, otherwise it is
// queued with its arguments copied and answered through `done`.

import { ReplyWriter } from '../protocol/reply-writer.ts';
import type { Mesh } from '../runtime/mesh.ts';
import { REQ_NO_TOUCH } from '../runtime/request-flags.ts';
import { PROPOSE_RUN_MARK, TX_FINALIZE, TX_PROPOSE, TX_PROPOSE_RUN } from '../transaction/transaction.ts';
import { copyArgs, decodeLocks, NO_GLOBAL, TxShard, type Lock, type TxOp } from '../transaction/tx-shard.ts';
import { Command, FLAG_WRITE, type CommandTable } from './command-table.ts';
import { OP_BASE, type OpTable, type ShardOp } from './op-table.ts';

/** What a transaction runs on a shard: a command, or a shard operation. */
export type ShardRunnable = Command | ShardOp<any, any>;

/** What the entry points use of the shard's executor (the ShardWorker). */
export interface TxExecutor {
  readonly table: CommandTable;
  readonly ops: OpTable;
  readonly mesh: Mesh;
  /** The clock of the current batch of commands. */
  clock: number;
  nextTimestamp(): number;
  beginCall(cmd: Command): void;
  recordCall(cmd: Command, ms: number, w: ReplyWriter | null, mark: number): void;
  /** Runs `what` here as a transaction's operation (held unless it concludes). */
  runHeld(what: ShardRunnable, db: number, noTouch: boolean, args: Buffer[], w: ReplyWriter, conclude: boolean): void;
}

const NOOP = (): void => {};

export class ShardTx {
  /** This shard's locks and scheduled transactions. */
  readonly locks: TxShard<ShardRunnable>;
  private readonly exec: TxExecutor;
  private readonly dbnum: number;
  private readonly txOut = new ReplyWriter(16 * 1024);

  /** `onConclude`: a transaction ended here (what it held back may be served now). */
  constructor(exec: TxExecutor, dbnum: number, onConclude: () => void) {
    this.exec = exec;
    this.dbnum = dbnum;
    this.locks = new TxShard<ShardRunnable>(dbnum, () => exec.nextTimestamp(), (op) => this.runOp(op), onConclude);
  }

  /** Runs a transaction operation (or a held-back command) here; returns its reply. */
  private runOp(op: TxOp<ShardRunnable>): Buffer {
    const x = this.exec;
    const w = this.txOut;
    w.resp = op.resp;
    const mark = w.mark();
    x.clock = Date.now();
    if (op.record && op.cmd instanceof Command) x.beginCall(op.cmd);
    x.runHeld(op.cmd!, op.db, op.noTouch, op.args, w, op.conclude);
    if (op.record && op.cmd instanceof Command) x.recordCall(op.cmd, -1, w, mark);
    return w.take();
  }

  /**
   * The keys of a command routed here (all on this shard) when it must wait behind a transaction
   * holding one of them; null when it may run now.
   */
  blockedKeys(cmd: Command, db: number, args: Buffer[], hintKey: Buffer | null): Lock[] | null {
    const write = cmd.hasFlag(FLAG_WRITE);
    let locks: Lock[];
    if (hintKey !== null) locks = [{ db, key: hintKey.latin1Slice(0, hintKey.length), write }];
    else if (cmd.singleKeyIndex !== 0) locks = [{ db, key: args[cmd.singleKeyIndex].latin1Slice(), write }];
    else locks = cmd.keyIndexes(args).map((i) => ({ db, key: args[i].latin1Slice(), write }));
    const other = cmd.impl.otherDbKey?.(args) ?? null;
    if (other !== null && other[1] < this.dbnum) locks.push({ db: other[1], key: args[other[0]].latin1Slice(), write });
    return this.locks.mustWait(locks, write) ? locks : null;
  }

  /** Holds a command back behind the transactions holding its locks; `done` gets its reply. */
  defer(cmd: Command, db: number, resp: 2 | 3, noTouch: boolean, args: Buffer[], locks: Lock[], record: boolean, done: (reply: Buffer) => void): void {
    this.locks.defer(locks, { cmd, db, resp, noTouch, args: copyArgs(args), conclude: true, record, done });
  }

  /** Finalizes `handle` at `ts` (0: already final); `conclude` also releases its locks here. */
  finalize(handle: number, ts: number, conclude: boolean): void {
    this.locks.enqueue(handle, ts, conclude ? { cmd: null, db: 0, resp: 2, noTouch: false, args: [], conclude: true, record: false, done: NOOP } : null);
  }

  /**
   * Runs command or shard operation `runnable` (wire number) with `args` as part of transaction
   * `handle` (finalized at `ts`, 0: already final). With a writer `w` the reply is written into it
   * when it can run at once (returns true); otherwise `done` gets it later (returns false).
   */
  run(handle: number, ts: number, conclude: boolean, runnable: number, db: number, resp: 2 | 3, noTouch: boolean, args: Buffer[], w: ReplyWriter | null, done: (reply: Buffer) => void): boolean {
    const x = this.exec;
    const what = this.runnable(runnable);
    // Usually the transaction may run at once: run it in place (no copy, no queue, no late reply).
    const e = this.locks.inlineEntry(handle, ts);
    if (e === null) {
      this.locks.enqueue(handle, ts, { cmd: what, db, resp, noTouch, args: copyArgs(args), conclude, record: false, done });
      return false;
    }
    const out = w ?? this.txOut;
    if (w === null) {
      out.resp = resp;
      x.clock = Date.now();
    }
    x.runHeld(what, db, noTouch, args, out, conclude);
    if (w === null) {
      const reply = out.take();
      if (e !== 'none') this.locks.ranInline(e, conclude);
      done(reply);
      return false;
    }
    if (e !== 'none') this.locks.ranInline(e, conclude);
    return true;
  }

  /** The command or shard operation with wire number `n`. */
  private runnable(n: number): ShardRunnable {
    const x = this.exec;
    return n >= OP_BASE ? x.ops.byIndex(n)! : x.table.all[n];
  }

  /** A transaction control frame from a peer (see ../transaction/transaction.ts for the layout). */
  frame(db: number, resp: 2 | 3, flags: number, args: Buffer[], w: ReplyWriter, peer: number, seq: number): boolean {
    const h = args[0];
    const kind = h[0];
    const handle = h.readDoubleLE(1);
    if (kind === TX_PROPOSE) {
      // Answered once the locks are taken: at once, or after the last slice of a long list.
      let now = true;
      let answered = false;
      this.locks.proposeInSlices(handle, args[1], h[9], (ts) => {
        if (now) {
          w.ensure(8);
          w.buf.writeDoubleLE(ts, w.len);
          w.len += 8;
          answered = true;
          return;
        }
        const b = Buffer.allocUnsafe(8);
        b.writeDoubleLE(ts, 0);
        this.exec.mesh.reply(peer, seq, b);
      });
      now = false;
      return answered;
    }
    if (kind === TX_PROPOSE_RUN) {
      // A two-shard transaction's other participant proposed first: this proposal, drawn later from
      // the same clock, is the final timestamp. The answer never waits for the run (a run waiting
      // here for an entry whose finalization waits for this answer would deadlock): the hop runs now
      // if the locks allow — answer [mark][ts][1][reply] — else [mark][ts][0] and the coordinator
      // sends it as an ordinary hop of the (now final) transaction.
      const final = this.locks.propose(handle, decodeLocks(args[1]), NO_GLOBAL);
      const e = this.locks.inlineEntry(handle, final);
      w.ensure(10);
      w.buf[w.len] = PROPOSE_RUN_MARK;
      w.buf.writeDoubleLE(final, w.len + 1);
      w.buf[w.len + 9] = e === null ? 0 : 1;
      w.len += 10;
      if (e === null) return true;
      this.exec.runHeld(this.runnable(h.readUInt16LE(18)), db, (flags & REQ_NO_TOUCH) !== 0, args.slice(2), w, true);
      if (e !== 'none') this.locks.ranInline(e, true);
      return true;
    }
    const ts = h.readDoubleLE(9);
    const conclude = h[17] === 1;
    if (kind === TX_FINALIZE) {
      this.finalize(handle, ts, conclude);
      return true;
    }
    return this.run(handle, ts, conclude, h.readUInt16LE(18), db, resp, (flags & REQ_NO_TOUCH) !== 0, args.slice(1), w, (reply) => this.exec.mesh.reply(peer, seq, reply));
  }
}
