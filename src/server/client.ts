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
import { PendingReply, type ReplyWatcher } from './reply-queue.ts';
import { Subscriptions } from './pubsub-tables.ts';
import { ClientTracking } from './tracking-table.ts';
import type { ShardWorker } from './shard-worker.ts';

/** A blocked client's wait: its claim slot; finish() ends it with a reply, cancel() claims it first. */
export interface BlockState {
  slot: number;
  /** It has a timeout (INFO clients_in_timeout_table counts these). */
  timed: boolean;
  finish(reply: Buffer | null): void;
  /** Ends the wait with `reply` (null: the timeout reply) if nobody served it yet; false if too late. */
  cancel(reply: Buffer | null): boolean;
}

/** Estimated cost of one queued MULTI command beyond its argument bytes (its slots, its lengths). */
const QUEUED_OVERHEAD = 16;

export interface QueuedCommand {
  cmd: Command;
  args: Buffer[];
}

/**
 * Between MULTI and EXEC/DISCARD: the queued commands and whether EXEC must abort. The arguments
 * are copied into one byte store (each command [u32 argc] then [u32 length][bytes] per argument),
 * found by their start in a typed array: no object per command or argument while they wait, so a
 * huge queue costs its bytes, and goes back to the system with the client. They become
 * QueuedCommands one at a time when EXEC reads them (`at`).
 */
export class MultiState {
  /** A command was refused while queuing: EXEC answers EXECABORT. */
  dirty = false;
  /** Estimated memory of the queued commands (CLIENT LIST multi-mem). */
  mem = 0;
  private readonly cmds: Command[] = [];
  private starts = new Float64Array(16);
  private bytes: Buffer = Buffer.alloc(0);
  private used = 0;
  private materialized: QueuedCommand[] | null = null;

  get count(): number {
    return this.cmds.length;
  }

  /** Whether some queued command is one `pred` accepts (does EXEC write?). */
  some(pred: (cmd: Command) => boolean): boolean {
    return this.cmds.some(pred);
  }

  /** Queues a copy of `args` (the caller's Buffers may be views of a socket chunk). */
  queue(cmd: Command, args: Buffer[]): void {
    let size = 4;
    for (let i = 0; i < args.length; i++) size += 4 + args[i].length;
    if (this.used + size > this.bytes.length) {
      const next = Buffer.allocUnsafeSlow(Math.max(this.used + size, this.bytes.length * 2, 4096));
      this.bytes.copy(next, 0, 0, this.used);
      this.mem += next.length - this.bytes.length;
      this.bytes = next;
    }
    const n = this.cmds.length;
    if (n === this.starts.length) {
      const next = new Float64Array(n * 2);
      next.set(this.starts);
      this.mem += n * 8;
      this.starts = next;
    }
    const b = this.bytes;
    let p = this.used;
    this.starts[n] = p;
    b.writeUInt32LE(args.length, p);
    p += 4;
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      b.writeUInt32LE(a.length, p);
      a.copy(b, p + 4);
      p += 4 + a.length;
    }
    this.used = p;
    this.mem += QUEUED_OVERHEAD;
    this.cmds.push(cmd);
    this.materialized = null;
  }

  /** The command queued `i`th. */
  cmdAt(i: number): Command {
    return this.cmds[i];
  }

  /**
   * The command queued `i`th with its arguments (views of the store), built now: EXEC takes them one
   * at a time, so a huge queue never exists as objects all at once (a million at once cost the
   * collector hundreds of milliseconds of pauses).
   */
  at(i: number): QueuedCommand {
    const b = this.bytes;
    let p = this.starts[i];
    const argc = b.readUInt32LE(p);
    p += 4;
    const args: Buffer[] = new Array(argc);
    for (let j = 0; j < argc; j++) {
      const len = b.readUInt32LE(p);
      args[j] = b.subarray(p + 4, p + 4 + len);
      p += 4 + len;
    }
    return { cmd: this.cmds[i], args };
  }

  /** Every queued command with its arguments (the -OOM gate's look at EXEC under memory pressure). */
  get queued(): QueuedCommand[] {
    if (this.materialized !== null) return this.materialized;
    const out: QueuedCommand[] = new Array(this.cmds.length);
    for (let i = 0; i < out.length; i++) out[i] = this.at(i);
    return (this.materialized = out);
  }
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

export abstract class Client implements ReplyWatcher {
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
  /** The arguments of the command being dispatched (set by the dispatcher; see CoordinatedClient). */
  currentArgs: Buffer[] | null = null;
  /** How long the running command has been blocked (ms): left out of its time. */
  waitedMs = 0;
  /** The running command's wait timed out (the slow log leaves it out). */
  waitTimedOut = false;
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
  /** Held by CLIENT PAUSE: the command to run again (its arguments copied) once the pause ends. */
  postponed: Buffer[] | null = null;
  /** While EXEC runs its commands: the reply a command produces elsewhere is captured here. */
  capture: CapturedReply | null = null;
  /** The client is gone: nothing more is read or written. */
  closed = false;
  /** MONITOR: this client receives a line for every command executed (and sends no keyspace command). */
  isMonitor = false;
  /** Arguments of the running command hidden from monitors (redactArgument), or null. */
  redactedArgs: number[] | null = null;
  /** The command being dispatched (what a fan-out is counted as in the command stats). */
  current: Command | null = null;
  /** This client's transactions and cross-shard steps. */
  readonly coord: Coordinator;
  /** CLIENT TRACKING ON: the mode (null while off). */
  tracking: ClientTracking | null = null;
  /** Tracking clients that REDIRECT to this one (id → thread): told when this client goes. */
  redirectedFrom: Map<bigint, number> | null = null;

  /** Pub/Sub: its channels, patterns and shard channels; null while it has none (not in subscribed mode). */
  subs: Subscriptions | null = null;

  /** The client-output-buffer-limit class whose limits apply to this client's output (a subscriber's is pubsub). */
  get outputClass(): OutputClass {
    return this.subs !== null ? 'pubsub' : 'normal';
  }

  /** Its subscriptions, created on first use (entering subscribed mode). */
  subscriptions(): Subscriptions {
    return (this.subs ??= new Subscriptions(this.worker.pubsub, this));
  }

  /** Leaves subscribed mode once nothing is subscribed (Redis clears CLIENT_PUBSUB then). */
  settleSubscriptions(): void {
    if (this.subs !== null && this.subs.total === 0) this.subs = null;
  }

  constructor(worker: ShardWorker, id: bigint) {
    this.worker = worker;
    this.id = id;
    this.authenticated = worker.config.requirepass === '';
    this.coord = new Coordinator(this);
  }

  /**
   * Shows argument `i` of the running command to monitors and in the slow log as "(redacted)" (AUTH's
   * password...), as Redis's redactClientCommandArgument. Nothing to do while neither looks.
   */
  redactArgument(i: number): void {
    if (!this.worker.monitoring && this.worker.timing.slowerThan < 0) return;
    if (this.redactedArgs === null) this.redactedArgs = [i];
    else this.redactedArgs.push(i);
  }

  /** Leaves MONITOR mode (RESET, disconnecting). */
  stopMonitoring(): void {
    if (!this.isMonitor) return;
    this.isMonitor = false;
    this.worker.monitors.remove(this);
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
  /**
   * A command of this client that ran on another shard has answered: the slow log's look at it, timed
   * from its dispatch to its reply.
   */
  replied(p: PendingReply): void {
    const worker = this.worker;
    worker.noteSlow(this, p.watchedCommand as Command, p.watchedArgs!, Math.max(0, worker.recentNow() - p.sentAt));
  }

  /** The peer's ip:port (CLIENT LIST's addr, MONITOR lines). */
  abstract readonly addr: string;
  /**
   * CLIENT LIST / CLIENT INFO line. `callerArgv` ≥ 0: this client is the one asking, running a command
   * of that many argument bytes (Redis shows its query buffer and arguments as they are meanwhile).
   */
  abstract describe(now: number, callerArgv?: number): string;

  /** The bytes of the held command's arguments (argv-mem while CLIENT PAUSE holds it). */
  protected get postponedArgv(): number {
    let n = 0;
    if (this.postponed !== null) for (const a of this.postponed) n += a.length;
    return n;
  }

  /**
   * CLIENT PAUSE holds this command: it runs again, checked afresh, when the pause ends (its
   * arguments may be views of a socket chunk: copied), and nothing after it runs before it.
   */
  postpone(args: Buffer[], now: number): void {
    const copy: Buffer[] = new Array(args.length);
    for (let i = 0; i < args.length; i++) copy[i] = Buffer.from(args[i]);
    this.postponed = copy;
    this.holdPipeline();
    this.worker.pause.hold(this, now);
  }

  /** The pause ended: the held command runs (first), then those that waited behind it. */
  resumePostponed(): void {
    if (this.closed) return;
    this.resumePipeline();
  }

  /** A gone client leaves no trace: its MULTI state, WATCH records and waits go. */
  protected releaseState(): void {
    if (this.postponed !== null) {
      this.postponed = null;
      this.worker.pause.forget(this);
    }
    // A wait a shard already won ends too: its reply (in flight) has nobody to go to.
    const b = this.blockState;
    if (b !== null && !b.cancel(null)) b.finish(null);
    this.multi = null;
    if (this.watchShards.size > 0) this.coord.dropWatches();
    this.leaveSubscriptions();
    this.stopMonitoring();
    if (this.tracking !== null || this.redirectedFrom !== null) ClientTracking.release(this);
  }

  /** Leaves every channel, pattern and shard channel without confirmations (gone, or RESET). */
  leaveSubscriptions(): void {
    if (this.subs === null) return;
    this.subs.leaveAll();
    this.subs = null;
  }

  /** The CLIENT LIST flags of this state ('N' for none). */
  protected flagLetters(closing: boolean): string {
    const t = this.tracking;
    const tracking = t === null ? '' : 't' + (t.brokenRedirect ? 'R' : '') + (t.bcast ? 'B' : '');
    return (this.isMonitor ? 'O' : '') + (this.subs !== null ? 'P' : '') + (this.multi !== null ? 'x' : '') + (this.blockState !== null || this.postponed !== null ? 'b' : '') + tracking + (closing || this.killed ? 'A' : '') + (this.noEvict ? 'e' : '') + (this.noTouch ? 'T' : '') || 'N';
  }
}
