// Connection: one client socket — its protocol state, its place in the command pipeline, its replies.
// Invariants: replies leave in the order commands arrived, with one socket write per
// processed read batch; commands for the same shard run in arrival order (local ones inline, remote ones
// through the FIFO ring to that shard); a command that needs several hops (a barrier) holds back the
// commands after it until it is done; a protocol error is answered after the replies before it and
// then the socket closes, leaving every other client alone.

import type { Socket } from 'node:net';
import { RequestParser } from '../protocol/resp-parser.ts';
import { replyInteger, replyIsError, splitArrayReply } from '../protocol/reply-reader.ts';
import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { ReplySink } from '../runtime/mesh.ts';
import { keySlot, shardOfKey, shardOfSlot } from '../runtime/slots.ts';
import { Command, CommandTable, FACT_RUN_IN_MULTI, FACT_RUNS_QUEUE, FACT_SETS_REPLY_MODE, FLAG_NOAUTH, FLAG_WRITE } from './command-table.ts';
import { REQ_NO_TOUCH, REQ_PART } from './command-types.ts';
import type { ShardWorker } from './shard-worker.ts';
import { LockPlan, Transaction } from './transaction.ts';
import { ERR_OOM } from './memory-gate.ts';
import { copyArgs, GLOBAL_READ, GLOBAL_WRITE, NO_GLOBAL } from './tx-shard.ts';

/** Queue length from which the complete head of the queue is written without waiting. */
const READY_FLUSH_PIECES = 64;

/** A reply being produced elsewhere (another shard, or a multi-hop command). */
export class PendingReply implements ReplySink {
  bytes: Buffer | null = null;
  discard = false;
  private readonly conn: Connection;

  constructor(conn: Connection) {
    this.conn = conn;
  }

  complete(reply: Buffer): void {
    this.bytes = reply;
    this.conn.onPendingDone();
  }
}

/** Collects the per-shard parts of a command whose keys span shards, then merges them. */
class FanoutReply implements ReplySink {
  readonly parts: (Buffer | null)[];
  private left: number;
  private readonly target: PendingReply;
  private readonly merge: (parts: Buffer[], w: ReplyWriter) => void;
  private readonly conn: Connection;
  private readonly cmd: Command;
  /** The protocol when the command was issued (a later HELLO / RESET must not change its reply). */
  private readonly resp: 2 | 3;

  constructor(conn: Connection, cmd: Command, n: number, target: PendingReply, merge: (parts: Buffer[], w: ReplyWriter) => void) {
    this.conn = conn;
    this.cmd = cmd;
    this.resp = conn.resp;
    this.parts = new Array(n).fill(null);
    this.left = n;
    this.target = target;
    this.merge = merge;
  }

  /** A sink that stores the reply of part i. */
  part(i: number): ReplySink {
    return { complete: (b: Buffer) => this.done(i, b) };
  }

  done(i: number, b: Buffer): void {
    this.parts[i] = b;
    if (--this.left === 0) {
      const w = this.conn.worker.scratch;
      w.resp = this.resp;
      const mark = w.mark();
      try {
        this.merge(this.parts as Buffer[], w);
      } catch (e) {
        // A bug in a merge: answer with an error. (Thrown from a mesh completion it would take the
        // worker down, and leave the rest of the frames it was reading unread.)
        this.conn.worker.answerInternalError(this.cmd, e, w, mark);
      }
      this.conn.worker.recordCall(this.cmd, 0, w, mark);
      this.target.complete(w.take());
    }
  }

  complete(b: Buffer): void {
    this.done(0, b);
  }
}

export class Connection {
  readonly id: bigint;
  readonly worker: ShardWorker;
  readonly socket: Socket;
  readonly parser: RequestParser;
  readonly createdAt = Date.now();
  lastInteraction = Date.now();
  resp: 2 | 3 = 2;
  db = 0;
  name = '';
  libName = '';
  libVer = '';
  authenticated: boolean;
  noEvict = false;
  noTouch = false;
  lastCommand = 'NULL';
  /** Output pieces waiting for earlier pending replies. */
  private queue: (Buffer | PendingReply)[] = [];
  private pendingCount = 0;
  private barrier = false;
  private processing = false;
  closed = false;
  private closeAfterReply = false;
  /** The client sent FIN: no more input will come. */
  private inputEnded = false;
  private readPaused = false;
  addr: string;
  laddr: string;
  /** Set by CLIENT KILL / SHUTDOWN: finish writing, then close. */
  killed = false;
  /** Between MULTI and EXEC/DISCARD: the commands queued (arguments copied). */
  multi: MultiState | null = null;
  /** WATCHed keys (database, key) and the shards holding them. */
  readonly watched: { db: number; key: Buffer }[] = [];
  readonly watchShards = new Set<number>();
  /** While blocked (BLPOP...): the claim slot and how to end the wait. */
  blockState: BlockState | null = null;
  /** While EXEC runs its commands: the reply a command produces elsewhere is captured here. */
  capture: CapturedReply | null = null;

  constructor(worker: ShardWorker, socket: Socket, id: bigint) {
    this.worker = worker;
    this.socket = socket;
    this.id = id;
    this.parser = new RequestParser({ maxBulkLen: worker.config.proto_max_bulk_len as number });
    this.authenticated = worker.config.requirepass === '';
    this.parser.unauthenticated = !this.authenticated;
    this.addr = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`.replace(/^::ffff:/, '');
    this.laddr = `${socket.localAddress ?? '?'}:${socket.localPort ?? 0}`.replace(/^::ffff:/, '');
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.onClose());
    socket.on('close', () => this.onClose());
    socket.on('drain', () => this.onDrain());
    socket.on('end', () => this.onEnd());
  }

  setAuthenticated(v: boolean): void {
    this.authenticated = v;
    this.parser.unauthenticated = !v;
  }

  private onData(chunk: Buffer): void {
    if (this.closed || this.closeAfterReply) return;
    this.lastInteraction = this.worker.tick();
    this.worker.stats.netInputBytes += chunk.length;
    this.parser.feed(chunk);
    if (this.parser.buffered > (this.worker.config.client_query_buffer_limit as number)) {
      // Redis closes such a client without a reply.
      this.worker.log(`closing client ${this.addr}: reached max query buffer length`);
      this.close();
      return;
    }
    this.process();
  }

  /** Runs parsed commands until the input is exhausted or a barrier holds the pipeline. */
  process(): void {
    if (this.processing || this.barrier || this.closed) return;
    this.processing = true;
    const batchStart = this.queue.length;
    const parser = this.parser;
    const w = this.worker.out;
    try {
      let args: Buffer[] | null;
      while (!this.closeAfterReply && (args = parser.next()) !== null) {
        this.dispatch(args, w);
        if (this.barrier || this.closed) break;
      }
      if (parser.error !== null && !this.barrier && !this.closeAfterReply) {
        w.error('ERR ' + parser.error);
        this.worker.countErrorCode('ERR');
        this.closeAfterReply = true;
      }
    } finally {
      this.processing = false;
    }
    if (this.closed) {
      w.take();
      return;
    }
    if (this.pendingCount === 0) this.flush(w);
    else {
      if (w.pending > 0) this.queue.push(w.take());
      // Replies of earlier read batches that are ready go out now rather than wait for a later
      // reply still in flight (a client that keeps streaming would otherwise get nothing, and the
      // queue would grow, until it pauses). This batch's own replies wait for its pending ones, so
      // that a pipelined batch still leaves in one write.
      this.flushReady(this.queue.length >= READY_FLUSH_PIECES ? this.queue.length : batchStart);
    }
  }

  onPendingDone(): void {
    if (--this.pendingCount > 0 || this.processing) return;
    if (this.closed) return;
    this.flush(this.worker.out);
  }

  /** Writes everything queued (all complete) plus the writer's untaken bytes. */
  private flush(w: ReplyWriter): void {
    const tail = w.pending > 0 ? w.take() : null;
    if (this.closed) return;
    const sock = this.socket;
    let bytes = 0;
    if (this.queue.length === 0) {
      if (tail !== null) {
        sock.write(tail);
        bytes = tail.length;
      }
    } else {
      bytes = this.writeQueued(this.queue.length, tail);
      this.queue = [];
    }
    this.worker.stats.netOutputBytes += bytes;
    if (this.closeAfterReply || this.killed || (this.inputEnded && !this.barrier)) {
      this.closed = true;
      sock.end();
      this.worker.removeClient(this);
      return;
    }
    this.checkOutput();
  }

  /** Writes the complete pieces at the head of the queue (before the first reply in flight), at most `limit`. */
  private flushReady(limit: number): void {
    const q = this.queue;
    let n = 0;
    while (n < limit && n < q.length) {
      const piece = q[n];
      if (piece instanceof PendingReply && piece.bytes === null) break;
      n++;
    }
    if (n === 0 || this.closed) return;
    this.worker.stats.netOutputBytes += this.writeQueued(n, null);
    this.queue = q.slice(n);
    this.checkOutput();
  }

  /** Writes the first n queued pieces (all complete) and `tail` in one write; returns the byte count. */
  private writeQueued(n: number, tail: Buffer | null): number {
    // One write for the whole batch: copying a few hundred bytes is cheaper than a writev of
    // many small pieces through the stream machinery.
    const sock = this.socket;
    const pieces: Buffer[] = [];
    let bytes = 0;
    for (let i = 0; i < n; i++) {
      const piece = this.queue[i];
      const b = piece instanceof PendingReply ? (piece.discard ? null : piece.bytes) : piece;
      if (b !== null && b.length > 0) {
        pieces.push(b);
        bytes += b.length;
      }
    }
    if (tail !== null) {
      pieces.push(tail);
      bytes += tail.length;
    }
    if (pieces.length === 0) return 0;
    if (pieces.length === 1) sock.write(pieces[0]);
    else if (bytes <= 256 * 1024) sock.write(Buffer.concat(pieces, bytes));
    else {
      // Large pieces go as they are; runs of small ones are joined. (Tens of thousands of small
      // buffers queued behind a backed-up socket end in one writev that fails with EINVAL, which
      // resets the connection.)
      sock.cork();
      let run: Buffer[] = [];
      let runBytes = 0;
      const writeRun = (): void => {
        if (run.length === 1) sock.write(run[0]);
        else if (run.length > 1) sock.write(Buffer.concat(run, runBytes));
        run = [];
        runBytes = 0;
      };
      for (const b of pieces) {
        if (b.length >= 64 * 1024) {
          writeRun();
          sock.write(b);
          continue;
        }
        run.push(b);
        runBytes += b.length;
        if (runBytes >= 256 * 1024) writeRun();
      }
      writeRun();
      sock.uncork();
    }
    return bytes;
  }

  /** The client is not reading its replies: stop reading its requests until it does. */
  private checkOutput(): void {
    if (!this.readPaused && this.socket.writableLength > (this.worker.config.client_output_buffer_pause as number)) {
      this.readPaused = true;
      this.socket.pause();
    }
  }

  /** The client half-closed: answer everything it sent, then close (as Redis does). */
  private onEnd(): void {
    this.inputEnded = true;
    if (this.blockState !== null) {
      // A blocked client that went away (Redis frees it on EOF): no pop may be spent on it.
      this.close();
      return;
    }
    if (!this.processing && this.pendingCount === 0 && !this.barrier && !this.closed) this.flush(this.worker.out);
  }

  private onDrain(): void {
    if (this.readPaused) {
      this.readPaused = false;
      this.socket.resume();
    }
  }

  private onClose(): void {
    this.releaseState();
    if (this.closed) {
      this.worker.removeClient(this);
      return;
    }
    this.closed = true;
    this.worker.removeClient(this);
  }

  close(): void {
    this.releaseState();
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.worker.removeClient(this);
  }

  /** A shard popped for this blocked client (claim slot `slot`): its reply. */
  unblocked(reply: Buffer, slot: number): boolean {
    const b = this.blockState;
    if (b === null || b.slot !== slot || this.closed) return false;
    b.finish(Buffer.from(reply));
    return true;
  }

  /** The client is gone or sent its last byte (FIN): a blocking command must not start waiting. */
  get inputGone(): boolean {
    return this.inputEnded || this.closed;
  }

  /** A gone client leaves no trace: its MULTI state, WATCH records and waits go. */
  private releaseState(): void {
    // A wait a shard already won ends too: its reply (in flight) has nobody to go to.
    const b = this.blockState;
    if (b !== null && !b.cancel(null)) b.finish(null);
    this.multi = null;
    if (this.watchShards.size > 0) this.dropWatches();
  }

  /** Closes once the replies already produced are written (CLIENT KILL, SHUTDOWN, QUIT). */
  closeAfterReplies(): void {
    this.closeAfterReply = true;
    if (!this.processing && this.pendingCount === 0 && !this.barrier) this.flush(this.worker.out);
  }

  /** Looks up, checks and runs (or routes) one command; its reply goes to `w` or a pending slot. */
  private dispatch(args: Buffer[], w: ReplyWriter): void {
    const worker = this.worker;
    w.resp = this.resp;
    const mark = w.mark();
    const queued = this.queue.length;
    const cmd = this.resolve(args, w);
    if (cmd === null) {
      if (this.replyOff || this.skipNext) w.truncate(mark);
      this.skipNext = false;
      return;
    }
    // Every command obeys SKIP, CLIENT REPLY included, except CLIENT REPLY ON, which answers. A SKIP
    // is used up by the command after it (a CLIENT REPLY SKIP sets it again, for the next).
    const skipThis = this.skipNext && !(cmd.hasFact(FACT_SETS_REPLY_MODE) && isOn(args[2]));
    this.skipNext = false;
    this.lastCommand = cmd.name;
    this.current = cmd;
    // maxmemory: while a shard is over its limit, denyoom commands for its keys (in MULTI: anything but
    // EXEC, DISCARD, QUIT, RESET) are refused before they run or queue, as Redis's processCommand does.
    if (worker.gate.pressure && worker.gate.refuses(cmd, args, worker.n, this.multi?.queued ?? null)) {
      this.reject(cmd, w, ERR_OOM);
      if (skipThis || this.replyOff) w.truncate(mark);
      return;
    }
    if (this.multi !== null && !cmd.hasFact(FACT_RUN_IN_MULTI)) {
      if (cmd.spec.flags.includes('no_multi')) {
        this.reject(cmd, w, 'ERR Command not allowed inside a transaction');
      } else {
        this.multi.queued.push({ cmd, args: copyArgs(args) });
        w.simple('QUEUED');
      }
      if (skipThis || this.replyOff) w.truncate(mark);
      return;
    }
    const impl = cmd.impl;
    try {
      if (impl.shard !== undefined) {
        this.routeKeyed(cmd, args, w, mark);
      } else if (impl.connAsync !== undefined) {
        const bw = worker.newWriter(this.resp);
        this.awaitBarrier(cmd, impl.connAsync(this, args, bw), bw);
      } else {
        worker.beginCall();
        impl.conn!(this, args, w);
        // A handler that fanned out is counted when its answers are merged.
        if (this.queue.length === queued) worker.recordCall(cmd, -1, w, mark);
      }
    } catch (e) {
      // A bug in a handler: answer this command with an error, keep the server and the client.
      // (What it wrote is dropped unless it already queued a reply: then `w` was taken meanwhile.)
      worker.answerInternalError(cmd, e, w, this.queue.length === queued ? mark : w.mark());
    }
    // OFF is looked at once the command ran: CLIENT REPLY ON and RESET turn replies back on, and answer.
    if (skipThis || this.replyOff) {
      if (this.queue.length > queued) {
        const last = this.queue[this.queue.length - 1];
        if (last instanceof PendingReply) last.discard = true;
      } else {
        w.truncate(mark);
      }
    }
  }

  /** The command being dispatched (what a fan-out is counted as in the command stats). */
  private current: Command | null = null;

  /** CLIENT REPLY OFF: no replies until ON. */
  replyOff = false;
  /** CLIENT REPLY SKIP: the next command's reply is dropped. */
  skipNext = false;

  /** Finds the command (or subcommand) and checks arity and authentication; null after an error reply. */
  private resolve(args: Buffer[], w: ReplyWriter): Command | null {
    let cmd = this.worker.table.lookup(args[0]);
    if (cmd === undefined) {
      this.rejectUnknown(args, w);
      return null;
    }
    if (cmd.subcommands.size > 0 && (args.length > 1 || cmd.impl.conn === undefined)) {
      if (args.length < 2) {
        this.reject(cmd, w, `ERR wrong number of arguments for '${cmd.name}' command`);
        return null;
      }
      const sub = CommandTable.sub(cmd, args[1]);
      if (sub === undefined) {
        const subName = cString(args[1].toString('latin1')).slice(0, 128);
        this.reject(null, w, `ERR unknown subcommand '${subName}'. Try ${cmd.name.toUpperCase()} HELP.`);
        return null;
      }
      cmd = sub;
    }
    const arity = cmd.arity;
    if ((arity > 0 && arity !== args.length) || args.length < -arity) {
      this.reject(cmd, w, `ERR wrong number of arguments for '${cmd.name}' command`);
      return null;
    }
    if (!this.authenticated && !cmd.hasFlag(FLAG_NOAUTH)) {
      this.reject(cmd, w, 'NOAUTH Authentication required.');
      return null;
    }
    return cmd;
  }

  private routeKeyed(cmd: Command, args: Buffer[], w: ReplyWriter, mark: number): void {
    const worker = this.worker;
    const n = worker.n;
    let target: number;
    let hintKey: Buffer | null = null;
    let hintSlot = 0;
    if (cmd.singleKeyIndex !== 0) {
      hintKey = args[cmd.singleKeyIndex];
      hintSlot = keySlot(hintKey);
      target = shardOfSlot(hintSlot, n);
    } else {
      const keys = cmd.keyIndexes(args);
      if (keys.length === 0 || n === 1) target = worker.index;
      else {
        target = shardOfKey(args[keys[0]], n);
        let one = true;
        for (let i = 1; i < keys.length && one; i++) if (shardOfKey(args[keys[i]], n) !== target) one = false;
        // Keys it reads without naming them (SORT BY/GET patterns) must be on the same shard too.
        if (one && !allOn(cmd.derivedShards(args, n), target)) one = false;
        if (!one) {
          this.runMultiShard(cmd, args, keys, w);
          return;
        }
      }
    }
    if (this.unfinalized > 0) {
      // A transaction of this client is still being scheduled: this command must come after it.
      this.holdUntilFinal(cmd, args, w, target);
      return;
    }
    if (target === worker.index) {
      if (!worker.tx.idle) {
        // A key is locked by a transaction scheduled here: the command waits behind it.
        const locked = worker.blockedKeys(cmd, this.db, args, hintKey);
        if (locked !== null) {
          const p = this.addPending(cmd, w);
          worker.deferCommand(cmd, this.db, this.resp, this.noTouch, args, locked, true, (r) => p.complete(r));
          return;
        }
      }
      worker.beginCall();
      worker.runLocal(cmd, this.db, this.noTouch, args, w, hintKey, hintSlot);
      worker.recordCall(cmd, -1, w, mark);
    } else {
      const p = this.addPending(cmd, w);
      worker.mesh.send(target, cmd.index, this.db, this.resp, this.noTouch ? REQ_NO_TOUCH : 0, args, p);
    }
  }

  /** Starts a reply that another thread (or a later hop) will fill. */
  addPending(cmd: Command, w: ReplyWriter): PendingReply {
    if (this.capture !== null) return this.capture.pending(this);
    if (w.pending > 0) this.queue.push(w.take());
    const p = new PendingReply(this);
    this.queue.push(p);
    this.pendingCount++;
    return p;
  }

  /** A command whose keys live on several shards. */
  private runMultiShard(cmd: Command, args: Buffer[], keys: number[], w: ReplyWriter): void {
    const multi = cmd.impl.multi;
    const worker = this.worker;
    if (multi === undefined) {
      w.error('CROSSSLOT Keys in request don\'t hash to the same slot');
      return;
    }
    if (typeof multi === 'function') {
      const bw = worker.newWriter(this.resp);
      const plan = this.lockPlan(cmd, args, keys);
      // Keys found only while it runs cannot be locked one by one: it locks the shards they may be on.
      const derived = cmd.derivedShards(args, worker.n);
      const wide = derived === null || derived.length > 0;
      if (derived === null) for (let s = 0; s < worker.n; s++) plan.touch(s);
      else for (const s of derived) plan.touch(s);
      this.awaitBarrier(cmd, this.atomically(plan, wide ? GLOBAL_READ : NO_GLOBAL, () => multi(this, args, bw)), bw);
      return;
    }
    const extra = cmd.impl.keyArgs ?? 0;
    if (keys[keys.length - 1] + extra >= args.length) {
      this.reject(cmd, w, `ERR wrong number of arguments for '${cmd.name}' command`);
      return;
    }
    // Split the keys (with the arguments that travel with each) per shard, keeping their order.
    const n = worker.n;
    const perShard: Buffer[][] = [];
    const order: number[][] = [];
    for (let i = 0; i < keys.length; i++) {
      const s = shardOfKey(args[keys[i]], n);
      let part = perShard[s];
      if (part === undefined) {
        part = perShard[s] = args.slice(0, keys[0]);
        order[s] = [];
      }
      for (let j = 0; j <= extra; j++) part.push(args[keys[i] + j]);
      order[s].push(i);
    }
    const shards: number[] = [];
    for (let s = 0; s < n; s++) if (perShard[s] !== undefined) shards.push(s);
    const merge = mergeFor(multi, shards.map((s) => order[s]), keys.length);
    this.atomicFanout(cmd, shards.map((s) => [s, perShard[s]]), this.lockPlan(cmd, args, keys), NO_GLOBAL, merge, w);
  }

  /** The locks a command takes: each key, exclusive for a write command, shared otherwise. */
  private lockPlan(cmd: Command, args: Buffer[], keys: number[]): LockPlan {
    const plan = new LockPlan();
    const write = cmd.hasFlag(FLAG_WRITE);
    const n = this.worker.n;
    for (const i of keys) plan.add(shardOfKey(args[i], n), this.db, args[i], write);
    const other = cmd.impl.otherDbKey?.(args) ?? null;
    if (other !== null && other[1] < this.worker.shard.dbs.length) plan.add(shardOfKey(args[other[0]], n), other[1], args[other[0]], write);
    return plan;
  }

  /** The final timestamp of this client's latest transaction (the next one is ordered after it). */
  private txChain: Promise<number> | null = null;
  /** The final timestamp of this client's latest transaction, once known. */
  private lastFinal = 0;

  /**
   * Starts a transaction ordered after this client's previous one. The caller calls txFinalized()
   * once it has sent the final timestamp to every shard.
   */
  beginTx(plan: LockPlan, global: number): Promise<Transaction> {
    // While the previous transaction is still being scheduled, wait for its final timestamp; once it
    // is known, comparing with it is enough (no await).
    const t = Transaction.begin(this.worker, plan, global, this.unfinalized > 0 ? this.txChain : null, this.lastFinal);
    this.txChain = t.then((tx) => (this.lastFinal = tx.ts));
    this.unfinalized++;
    return t;
  }

  /** Transactions of this client whose final timestamp has not reached every shard yet. */
  private unfinalized = 0;
  /** A single-shard command held until then (the pipeline waits behind it). */
  private held: (() => void) | null = null;

  /** A transaction's final timestamp went out to its shards: a held command may go. */
  txFinalized(): void {
    if (--this.unfinalized > 0 || this.held === null) return;
    const run = this.held;
    this.held = null;
    run();
    this.barrier = false;
    this.worker.tick();
    this.process();
  }

  /**
   * Holds a single-shard command until this client's transactions are final everywhere. (Sent now,
   * it could be held back on its shard behind such a transaction and still be ordered before it.
   * Transactions need no such wait: each is chained after the previous one.)
   */
  private holdUntilFinal(cmd: Command, args: Buffer[], w: ReplyWriter, target: number): void {
    const p = this.addPending(cmd, w);
    const copied = copyArgs(args);
    const db = this.db;
    const resp = this.resp;
    const noTouch = this.noTouch;
    this.barrier = true;
    this.held = () => {
      const worker = this.worker;
      if (target !== worker.index) {
        worker.mesh.send(target, cmd.index, db, resp, noTouch ? REQ_NO_TOUCH : 0, copied, p);
        return;
      }
      const locked = worker.tx.idle ? null : worker.blockedKeys(cmd, db, copied, null);
      if (locked !== null) {
        worker.deferCommand(cmd, db, resp, noTouch, copied, locked, true, (r) => p.complete(r));
        return;
      }
      const sw = worker.scratchLocal;
      sw.resp = resp;
      const mark = sw.mark();
      worker.beginCall();
      worker.clock = Date.now();
      worker.runLocal(cmd, db, noTouch, copied, sw);
      worker.recordCall(cmd, -1, sw, mark);
      p.complete(sw.take());
    };
  }

  /** The transaction the current multi-hop command runs in (runOn goes through it). */
  tx: Transaction | null = null;

  /** Runs a multi-hop command inside a transaction holding `plan`'s locks. */
  async atomically(plan: LockPlan, global: number, body: () => Promise<void>): Promise<void> {
    if (this.tx !== null) return body(); // inside EXEC: its transaction holds the locks
    const tx = await this.beginTx(plan, global);
    tx.finalizeAll();
    this.txFinalized();
    this.tx = tx;
    try {
      await body();
    } finally {
      this.tx = null;
      tx.end();
    }
  }

  /**
   * Runs `cmd` on several shards atomically — one transaction, each part the last hop on its shard —
   * and merges the answers into this command's reply. The pipeline goes on at once: the proposals
   * travel ahead of the commands after it, which queue behind it where they conflict, and the
   * client's next transaction is ordered after it (txChain).
   */
  atomicFanout(cmd: Command, parts: [number, Buffer[]][], plan: LockPlan, global: number, merge: (replies: Buffer[], w: ReplyWriter) => void, w: ReplyWriter): void {
    const target = this.addPending(cmd, w);
    const f = new FanoutReply(this, this.current ?? cmd, parts.length, target, merge);
    const db = this.db;
    const resp = this.resp;
    const flags = REQ_PART | (this.noTouch ? REQ_NO_TOUCH : 0);
    if (this.tx !== null) {
      // Already inside a transaction (EXEC): hops of it, which holds the locks.
      const tx = this.tx;
      for (let i = 0; i < parts.length; i++) tx.run(parts[i][0], cmd, db, resp, flags, parts[i][1], false, (r) => f.done(i, r));
      return;
    }
    void this.beginTx(plan, global).then((tx) => {
      for (let i = 0; i < parts.length; i++) {
        const [s, a] = parts[i];
        tx.run(s, cmd, db, resp, flags, a, true, (r) => f.done(i, r));
      }
      tx.end();
      this.txFinalized();
    });
  }

  /**
   * Runs an internal command on every shard as one transaction locking whole shards: for writing
   * (FLUSHALL: GLOBAL_WRITE) or reading (DBSIZE, KEYS: GLOBAL_READ, which waits only for writers).
   */
  broadcastAtomic(cmd: Command, args: Buffer[], merge: (replies: Buffer[], w: ReplyWriter) => void, w: ReplyWriter, mode = GLOBAL_WRITE): void {
    const parts: [number, Buffer[]][] = [];
    const plan = new LockPlan();
    for (let s = 0; s < this.worker.n; s++) {
      parts.push([s, args]);
      plan.touch(s);
    }
    this.atomicFanout(cmd, parts, plan, mode, merge, w);
  }

  /**
   * Runs `cmd` on several shards in one hop (sent now, in pipeline order) and merges the answers
   * into this command's reply. Parts are [shard, args].
   */
  fanout(cmd: Command, parts: [number, Buffer[]][], merge: (replies: Buffer[], w: ReplyWriter) => void, w: ReplyWriter): void {
    const worker = this.worker;
    const target = this.addPending(cmd, w);
    const f = new FanoutReply(this, this.current ?? cmd, parts.length, target, merge);
    if (this.tx !== null) {
      // Inside a transaction (EXEC): the parts are hops of it.
      const tx = this.tx;
      const flags = REQ_PART | (this.noTouch ? REQ_NO_TOUCH : 0);
      for (let i = 0; i < parts.length; i++) tx.run(parts[i][0], cmd, this.db, this.resp, flags, parts[i][1], false, (r) => f.done(i, r));
      return;
    }
    const local: number[] = [];
    for (let i = 0; i < parts.length; i++) {
      const [s, a] = parts[i];
      if (s === worker.index) local.push(i);
      else worker.mesh.send(s, cmd.index, this.db, this.resp, REQ_PART | (this.noTouch ? REQ_NO_TOUCH : 0), a, f.part(i));
    }
    for (const i of local) {
      const sw = worker.scratchLocal;
      sw.resp = this.resp;
      worker.runLocal(cmd, this.db, this.noTouch, parts[i][1], sw);
      f.done(i, sw.take());
    }
  }

  /**
   * Runs command `name` (ordinary or internal) with `args` (after the name) on shard `s`, for a
   * multi-hop command; resolves with the RESP2 reply bytes.
   */
  runOn(s: number, name: string, args: Buffer[], resp: 2 | 3 = 2): Promise<Buffer> {
    const worker = this.worker;
    const cmd = worker.command(name);
    const full = [Buffer.from(name), ...args];
    if (this.tx !== null) return this.tx.runAsync(s, cmd, this.db, resp, REQ_PART | (this.noTouch ? REQ_NO_TOUCH : 0), full);
    if (s === worker.index) {
      const sw = worker.scratchLocal;
      sw.resp = resp;
      worker.clock = Date.now(); // a later hop of a multi-hop command: the batch clock may be old
      worker.runLocal(cmd, this.db, this.noTouch, full, sw);
      return Promise.resolve(sw.take());
    }
    return new Promise((resolve) => {
      worker.mesh.send(s, cmd.index, this.db, resp, REQ_PART | (this.noTouch ? REQ_NO_TOUCH : 0), full, { complete: resolve });
    });
  }

  /** runOn the shard that owns `key`, with args [key, ...rest]. */
  runForKey(name: string, key: Buffer, ...rest: Buffer[]): Promise<Buffer> {
    return this.runOn(shardOfKey(key, this.worker.n), name, [key, ...rest]);
  }

  /**
   * Splits `list` (keys, each followed by `extra` arguments) per shard and runs `name` on every
   * shard involved; resolves with the per-shard replies.
   */
  runKeyed(name: string, list: Buffer[], extra = 0): Promise<Buffer[]> {
    const n = this.worker.n;
    const parts = new Map<number, Buffer[]>();
    for (let i = 0; i < list.length; i += 1 + extra) {
      const s = shardOfKey(list[i], n);
      let part = parts.get(s);
      if (part === undefined) parts.set(s, (part = []));
      for (let j = 0; j <= extra; j++) part.push(list[i + j]);
    }
    return Promise.all([...parts].map(([s, a]) => this.runOn(s, name, a)));
  }

  /** Runs an internal or ordinary command on every shard (one hop) and merges the answers. */
  broadcast(cmd: Command, args: Buffer[], merge: (replies: Buffer[], w: ReplyWriter) => void, w: ReplyWriter): void {
    const parts: [number, Buffer[]][] = [];
    for (let s = 0; s < this.worker.n; s++) parts.push([s, args]);
    this.fanout(cmd, parts, merge, w);
  }

  /** The handle this client's WATCH records are kept under on the shards. */
  watchHandle(): Buffer {
    return Buffer.from(String(this.id));
  }

  /** Drops this client's WATCH records on every shard holding one (no reply awaited). */
  dropWatches(): void {
    this.watched.length = 0;
    if (this.watchShards.size === 0) return;
    const worker = this.worker;
    const cmd = worker.command('__unwatch');
    const args = [UNWATCH, this.watchHandle()];
    for (const s of this.watchShards) {
      if (s === worker.index) {
        const sw = worker.scratchLocal;
        worker.runLocal(cmd, 0, false, args, sw);
        sw.take();
      } else {
        worker.mesh.send(s, cmd.index, 0, 2, REQ_PART, args, { complete: () => {} });
      }
    }
    this.watchShards.clear();
  }

  /** EXEC: runs a keyed command whose keys span shards inside the current transaction. */
  async runKeyedInTransaction(cmd: Command, args: Buffer[], w: ReplyWriter): Promise<void> {
    const multi = cmd.impl.multi;
    if (typeof multi === 'function') return multi(this, args, w);
    this.runMultiShard(cmd, args, cmd.keyIndexes(args), w);
  }

  /** Holds the pipeline until `work` finishes; its reply (written to `writer`) takes this command's place. */
  private awaitBarrier(cmd: Command, work: Promise<void>, writer: ReplyWriter): void {
    const w = this.worker.out;
    const p = this.addPending(cmd, w);
    this.barrier = true;
    const t0 = performance.now();
    // The writer is the command's own and was empty when it started (it has already run up to its
    // first await, and may have written its whole reply by now): its reply starts at 0.
    const mark = 0;
    const finish = (): void => {
      this.barrier = false;
      this.worker.recordCall(cmd, performance.now() - t0, writer, mark);
      // Hold the flush until the pipeline behind the barrier has been resumed.
      this.processing = true;
      p.complete(writer.take());
      this.processing = false;
      this.worker.tick();
      this.process();
    };
    work.then(finish, (e: unknown) => {
      // Whatever the command wrote before it failed is not a reply: only the error is.
      writer.truncate(mark);
      writer.error('ERR ' + ((e as Error)?.message ?? String(e)));
      finish();
    });
  }

  private reject(cmd: Command | null, w: ReplyWriter, msg: string): void {
    // A command refused while queuing (unknown, arity, auth...) makes EXEC abort, as Redis's flagTransaction.
    if (this.multi !== null) this.multi.dirty = true;
    if (cmd !== null && cmd.hasFact(FACT_RUNS_QUEUE)) {
      // A refused EXEC (arity, auth) discards the transaction and the watches, in MULTI or not
      // (Redis's execCommandAbort).
      this.multi = null;
      this.dropWatches();
      msg = 'EXECABORT Transaction discarded because of: ' + (msg.startsWith('ERR ') ? msg.slice(4) : msg);
    }
    if (cmd !== null) this.worker.recordRejected(cmd);
    this.worker.countErrorCode(msg.slice(0, msg.indexOf(' ')));
    w.error(msg);
  }

  private rejectUnknown(args: Buffer[], w: ReplyWriter): void {
    let list = '';
    for (let i = 1; i < args.length && list.length < 128; i++) {
      list += `'${cString(args[i].toString('latin1')).slice(0, 128 - list.length)}' `;
    }
    const name = cString(args[0].toString('latin1')).slice(0, 128);
    this.reject(null, w, `ERR unknown command '${name}', with args beginning with: ${list}`);
  }

  /** CLIENT LIST / CLIENT INFO line. */
  describe(now: number): string {
    const age = Math.floor((now - this.createdAt) / 1000);
    const idle = Math.floor((now - this.lastInteraction) / 1000);
    const flags = (this.blockState !== null ? 'b' : '') + (this.closeAfterReply || this.killed ? 'A' : '') + (this.noEvict ? 'e' : '') + (this.noTouch ? 'T' : '') || 'N';
    return (
      `id=${this.id} addr=${this.addr} laddr=${this.laddr} fd=${(this.socket as unknown as { _handle?: { fd?: number } })._handle?.fd ?? -1} ` +
      `name=${this.name} age=${age} idle=${idle} flags=${flags} db=${this.db} sub=0 psub=0 ssub=0 multi=-1 ` +
      `qbuf=${this.parser.buffered} qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 ` +
      `omem=${this.socket.writableLength} tot-mem=0 events=r cmd=${this.lastCommand} user=default redir=-1 ` +
      `resp=${this.resp} lib-name=${this.libName} lib-ver=${this.libVer} thread=${this.worker.index}`
    );
  }
}

const UNWATCH = Buffer.from('__unwatch');

/** A blocked client's wait: its claim slot; finish() ends it with a reply, cancel() claims it first. */
export interface BlockState {
  slot: number;
  finish(reply: Buffer | null): void;
  /** Ends the wait with `reply` (null: the timeout reply) if nobody served it yet; false if too late. */
  cancel(reply: Buffer | null): boolean;
}

export interface QueuedCommand {
  cmd: Command;
  args: Buffer[];
}

export interface MultiState {
  queued: QueuedCommand[];
  /** A command was refused while queuing: EXEC answers EXECABORT. */
  dirty: boolean;
}

/** The reply of one command run by EXEC that completes elsewhere (a fan-out, another shard). */
export class CapturedReply {
  private slot: PendingReply | null = null;
  private resolve: ((b: Buffer) => void) | null = null;
  readonly done: Promise<Buffer>;
  constructor() {
    this.done = new Promise((r) => (this.resolve = r));
  }
  /** A pending slot whose completion resolves `done`. */
  pending(conn: Connection): PendingReply {
    const p = new PendingReply(conn);
    p.complete = (b: Buffer) => this.resolve!(b);
    this.slot = p;
    return p;
  }
  get used(): boolean {
    return this.slot !== null;
  }
}

/** Whether every shard of `shards` (null: any shard) is `target`. */
export function allOn(shards: number[] | null, target: number): boolean {
  if (shards === null) return false;
  for (const s of shards) if (s !== target) return false;
  return true;
}

/** The argument ON, in any case. */
function isOn(b: Buffer | undefined): boolean {
  return b !== undefined && b.length === 2 && (b[0] | 0x20) === 0x6f && (b[1] | 0x20) === 0x6e;
}

/** C-string view of an argument (Redis prints with %s, which stops at a NUL byte). */
function cString(s: string): string {
  const z = s.indexOf('\0');
  return z >= 0 ? s.slice(0, z) : s;
}

type Merge = (replies: Buffer[], w: ReplyWriter) => void;

/** Merge of integer replies: their sum (or the first reply that is not an integer). */
export function mergeSum(replies: Buffer[], w: ReplyWriter): void {
  let sum = 0;
  for (const r of replies) {
    if (r[0] !== 0x3a) return w.raw(r);
    sum += replyInteger(r);
  }
  w.integer(sum);
}

/** Merge of replies that answer OK: the first error, or OK. */
export function mergeOk(replies: Buffer[], w: ReplyWriter): void {
  for (const r of replies) if (replyIsError(r)) return w.raw(r);
  w.ok();
}

function mergeFor(kind: 'sum' | 'inOrder' | 'ok', order: number[][], total: number): Merge {
  if (kind === 'sum') return mergeSum;
  if (kind === 'ok') return mergeOk;
  return (replies, w) => {
    const items: Buffer[] = new Array(total);
    for (let p = 0; p < replies.length; p++) {
      const r = replies[p];
      if (r[0] !== 0x2a) {
        w.raw(r);
        return;
      }
      const elems = splitArrayReply(r);
      const idx = order[p];
      for (let j = 0; j < idx.length; j++) items[idx[j]] = elems[j];
    }
    w.array(total);
    for (const it of items) w.raw(it);
  };
}
