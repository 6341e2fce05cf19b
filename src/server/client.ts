// Client: the state of one client, whatever carries its commands — protocol, database, name, MULTI
// queue, WATCH records, block state, reply flags — and the hooks the dispatcher needs from its
// transport (where replies go, holding and resuming its pipeline, closing).
// Invariants: the dispatcher (src/server/dispatcher.ts) and the families see only this class, never a
// socket; a socket connection (src/server/connection.ts) is one kind of Client; every cross-shard
// step of a client goes through its Coordinator (`coord`).

import type { OutputClass } from '../config/output-limits.ts';
import { ReplyWriter } from '../protocol/reply-writer.ts';
import type { Command } from './command-table.ts';
import { Coordinator } from './coordinator.ts';
import { PendingReply } from './reply-queue.ts';
import type { ShardWorker } from './shard-worker.ts';

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
  pending(): PendingReply {
    const p = new PendingReply(null);
    p.complete = (b: Buffer) => this.resolve!(b);
    this.slot = p;
    return p;
  }
  get used(): boolean {
    return this.slot !== null;
  }
}

/**
 * An out-of-band message encoded once for each protocol and shared by every receiver: RESP3 as a push
 * (`>`), RESP2 as the array a subscribed client reads.
 */
export class PushFrame {
  readonly resp2: Buffer;
  readonly resp3: Buffer;

  constructor(resp2: Buffer, resp3: Buffer) {
    this.resp2 = resp2;
    this.resp3 = resp3;
  }

  /** A push of bulk strings (Buffers, strings) and integers (numbers), e.g. ['message', channel, payload]. */
  static of(parts: (Buffer | string | number)[]): PushFrame {
    const encode = (resp: 2 | 3): Buffer => {
      const w = new ReplyWriter(64);
      w.resp = resp;
      w.push(parts.length);
      for (const p of parts) {
        if (typeof p === 'number') w.integer(p);
        else w.bulk(p);
      }
      return w.take();
    };
    return new PushFrame(encode(2), encode(3));
  }
}

export abstract class Client {
  readonly id: bigint;
  readonly worker: ShardWorker;
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
  /** Set by CLIENT KILL / SHUTDOWN: finish writing, then close. */
  killed = false;
  /** CLIENT REPLY OFF: no replies until ON. */
  replyOff = false;
  /** CLIENT REPLY SKIP: the next command's reply is dropped. */
  skipNext = false;
  /** Between MULTI and EXEC/DISCARD: the commands queued (arguments copied). */
  multi: MultiState | null = null;
  /** WATCHed keys (database, key) and the shards holding them. */
  readonly watched: { db: number; key: Buffer }[] = [];
  readonly watchShards = new Set<number>();
  /** While blocked (BLPOP...): the claim slot and how to end the wait. */
  blockState: BlockState | null = null;
  /** While EXEC runs its commands: the reply a command produces elsewhere is captured here. */
  capture: CapturedReply | null = null;
  /** The client is gone: nothing more is read or written. */
  closed = false;
  /** The command being dispatched (what a fan-out is counted as in the command stats). */
  current: Command | null = null;
  /** This client's transactions and cross-shard steps. */
  readonly coord: Coordinator;

  /** The client-output-buffer-limit class whose limits apply to this client's output. */
  get outputClass(): OutputClass {
    return 'normal';
  }

  constructor(worker: ShardWorker, id: bigint) {
    this.worker = worker;
    this.id = id;
    this.authenticated = worker.config.requirepass === '';
    this.coord = new Coordinator(this);
  }

  setAuthenticated(v: boolean): void {
    this.authenticated = v;
  }

  /** The slot the latest command queued (a handler that throws after queuing it is answered there). */
  lastPending: PendingReply | null = null;

  /** Starts a reply that another thread (or a later hop) will fill, after what `w` holds. */
  addPending(w: ReplyWriter): PendingReply {
    return (this.lastPending = this.capture !== null ? this.capture.pending() : this.queuePending(w));
  }

  /**
   * Delivers an out-of-band message (a Pub/Sub message, an invalidation, a MONITOR line, ...) after
   * every reply already produced for this client, framed for its protocol. False if it is gone.
   */
  push(frame: PushFrame): boolean {
    if (this.closed) return false;
    this.deliverPush(this.resp === 3 ? frame.resp3 : frame.resp2);
    return true;
  }

  /** Queues `bytes` after every reply produced so far, and writes them as soon as those are out. */
  protected abstract deliverPush(bytes: Buffer): void;
  /** Moves `w`'s bytes to the client's output queue and queues a slot behind them. */
  protected abstract queuePending(w: ReplyWriter): PendingReply;
  /** Pieces in the output queue (a command that queued one answers later). */
  abstract get queuedReplies(): number;
  /** CLIENT REPLY OFF/SKIP: the last queued slot's reply is not written. */
  abstract discardLastReply(): void;
  /** Stops running this client's commands until resumePipeline() (a barrier). */
  abstract holdPipeline(): void;
  /** Ends a barrier (after running `before`, whose replies take their place) and runs the commands that waited. */
  abstract resumePipeline(before?: () => void): void;
  /** Closes once the replies already produced are written (CLIENT KILL, SHUTDOWN, QUIT). */
  abstract closeAfterReplies(): void;
  abstract close(): void;
  /** The client is gone or sent its last byte: a blocking command must not start waiting. */
  abstract get inputGone(): boolean;
  /** CLIENT LIST / CLIENT INFO line. */
  abstract describe(now: number): string;

  /** A gone client leaves no trace: its MULTI state, WATCH records and waits go. */
  protected releaseState(): void {
    // A wait a shard already won ends too: its reply (in flight) has nobody to go to.
    const b = this.blockState;
    if (b !== null && !b.cancel(null)) b.finish(null);
    this.multi = null;
    if (this.watchShards.size > 0) this.coord.dropWatches();
  }

  /** The CLIENT LIST flags of this state ('N' for none). */
  protected flagLetters(closing: boolean): string {
    return (this.blockState !== null ? 'b' : '') + (closing || this.killed ? 'A' : '') + (this.noEvict ? 'e' : '') + (this.noTouch ? 'T' : '') || 'N';
  }
}
