// ShardWorker: the shard side of one worker thread — its shard, its links to the other shards, its
// transactions, blocked-key waiters and counters — and the executor that runs commands for its shard.
// (The thread's clients and listener are WorkerThread's, in worker-thread.ts, above this module.)
// Invariants: commands for this shard run only here (inline for local clients, from the mesh for
// remote ones); counters are per thread and summed on demand (INFO); the reply writers `out` and
// `scratch*` hold no untaken bytes between event-loop callbacks.

import { applyKeyspaceEvents } from './notify.ts';
import { ReplyWriter } from '../protocol/reply-writer.ts';
import { Mesh, type MeshLayout, type RemoteExecutor } from '../runtime/mesh.ts';
import { Shard } from '../engine/shard.ts';
import { totalmem } from 'node:os';
import { resolveMaxmemory, resolvePollWindowMs, type ConfigValues } from '../config/params.ts';
import { Command, CommandTable, FLAG_FAST, FLAG_SKIP_SLOWLOG, FLAG_WRITE } from './command-table.ts';
import { CallTiming, parsePercentiles } from './call-timing.ts';
import { MemoryGate } from './memory-gate.ts';
import { MemoryGovernor } from './memory-governor.ts';
import { REQ_NO_TOUCH, REQ_PART } from '../runtime/request-flags.ts';
import type { Lock, TxShard } from '../transaction/tx-shard.ts';
import { encodeArgs, OpError, readResult, TX_FRAME, writeResult, type OpContext, type OpTable, type ShardOp } from './op-table.ts';
import type { TxHost } from '../transaction/transaction.ts';
import { ShardTx, type ShardRunnable } from './shard-tx.ts';
import { clampHz, CommandStats, errorCodeOf, InstantMetrics, WorkerStats } from './stats.ts';
import { BinReader, BinWriter } from '../util/codec.ts';
import { internalErrorText } from '../util/errors.ts';
import { LOG_NOTICE, LOG_WARNING, logLevelOf } from '../util/log.ts';
import { BlockingService } from './blocking.ts';
import { ShardTracking } from './tracking-table.ts';
import { PUBSUB_SLOTS, type WorkerShared } from '../runtime/control.ts';
import { ClientPause, PAUSE_OFF } from './client-pause.ts';
import { PubSubTables } from './pubsub-tables.ts';
import { MonitorHub } from './monitor.ts';

export type { WorkerShared } from '../runtime/control.ts';
export { clampHz } from './stats.ts';

/**
 * Per-command execution context on the shard that owns the keys (reused, never retained): what every
 * handler gets, and the worker thread running the shard (command-types.ts's ShardExec names the
 * thread as the families see it: with its clients).
 */
export interface ShardExecBase extends OpContext {
  /** The worker thread running this shard (for internal whole-thread commands: clients, config, stats). */
  worker: ShardWorker;
}

export type { ShardRunnable } from './shard-tx.ts';

/** How often a shard re-checks its memory limit without a write (ms). */
const MEMORY_CHECK_MS = 100;

/**
 * With no slow log, no latency tracking and no latency monitor, one command in this many is timed for
 * INFO commandstats (a power of two), and counts for this many.
 */
const TIMING_SAMPLE = 16;
/** Calls of one command timed together at most (a -P 16 pipeline's batch). */
const RUN_MAX = 16;
/** A slow-log threshold (µs) under this times every command alone (no runs). */
const PRECISE_BELOW_US = 1000;

/** Who ran a command, as the slow log records it, and the arguments its handler redacted. */
export interface CallerIdentity {
  readonly addr: string;
  readonly name: string;
  readonly redactedArgs: number[] | null;
}

/**
 * Abstract: a thread is a WorkerThread (worker-thread.ts), the shard worker with its clients and
 * listener, and the context handlers get (ShardExec in command-types.ts) names it so.
 */
export abstract class ShardWorker implements RemoteExecutor, TxHost {
  /** RemoteExecutor: a drain of the rings is a batch of commands. */
  beginBatch(): void {
    this.tick();
    this.beginChain();
  }

  /**
   * RemoteExecutor: BCAST invalidations of the batch's writes are staged before its replies, so a
   * writer on another thread never reads its reply before they are in the rings (Redis sends them in
   * beforeSleep, ahead of the replies).
   */
  endBatch(): void {
    this.endChain();
    if (this.tracking.broadcastDue) this.tracking.broadcastNow();
  }

  readonly index: number;
  readonly n: number;
  config: ConfigValues;
  readonly shard: Shard;
  readonly mesh: Mesh;
  readonly table: CommandTable;
  readonly stats = new WorkerStats();
  readonly instant = new InstantMetrics();
  /** This thread's heap in use once it was up, before its first client (INFO used_memory_startup). */
  startupMemory = 0;
  cmdStats: CommandStats;
  /** Per-command histograms, slow log and latency monitor of this thread (call-timing.ts). */
  readonly timing: CallTiming;
  readonly startTime = Date.now();
  readonly out = new ReplyWriter(64 * 1024);
  readonly scratch = new ReplyWriter(16 * 1024);
  readonly scratchLocal = new ReplyWriter(16 * 1024);
  readonly shared: WorkerShared;
  /** Which shards are over their memory limit (this worker publishes its own shard's state). */
  readonly gate: MemoryGate;
  /** This shard's share of maxmemory: eviction, and its state in `gate`. */
  readonly memory: MemoryGovernor;
  private readonly exec: ShardExecBase;
  /** This shard's locks and scheduled transactions. */
  readonly tx: TxShard<ShardRunnable>;
  /** The transactions' entry points into this shard (see shard-tx.ts). */
  private readonly txPort: ShardTx;
  /** The shard operations (typed work coordinators ask of this shard). */
  readonly ops: OpTable;
  /** Encodes shard operation arguments (reused; its bytes are copied before any await). */
  readonly opOut = new BinWriter(1024);
  /** Encodes shard operation results (reused; copied into the reply writer at once). */
  private readonly resultOut = new BinWriter(1024);
  /** Blocked clients: this thread's waiting clients, this shard's waiters (see blocking.ts). */
  readonly blocking: BlockingService;
  /** True while a monitor is connected to any thread: executed commands are fed to `monitors`. */
  monitoring = false;
  /** MONITOR: which threads have monitors, and this thread's lines for them (monitor.ts). */
  readonly monitors: MonitorHub;
  /** Client-side caching: which clients may cache which keys of this shard. */
  readonly tracking: ShardTracking;
  /** > 0 while a transaction runs an operation that does not end it: pops for waiters wait until it ends. */
  private holdServe = 0;
  /** This thread's Pub/Sub subscribers (see pubsub.ts). */
  readonly pubsub: PubSubTables;
  /** CLIENT PAUSE: the process's pause (one word read per command) and this thread's held clients. */
  readonly pause: ClientPause;
  /** The pause mode word (PAUSE_OFF while nothing is paused): what the dispatcher reads per command. */
  readonly pauseMode: Int32Array;
  /** Asks the main thread to shut the process down. */
  requestShutdown: (mode: string) => void = () => {};
  /** Hands a line at or above `loglevel` to the main thread's log (worker-main.ts). */
  logger: (level: number, msg: string) => void = () => {};

  constructor(index: number, layout: MeshLayout, config: ConfigValues, table: CommandTable, shared: WorkerShared) {
    this.index = index;
    this.n = layout.rings.length;
    this.config = config;
    this.table = table;
    this.shared = shared;
    this.gate = new MemoryGate(shared.memory);
    this.pubsub = new PubSubTables(shared.pubsub.subarray(index * PUBSUB_SLOTS, (index + 1) * PUBSUB_SLOTS));
    this.shard = new Shard(index, config.dbnum as number);
    this.pause = new ClientPause(shared.pause, shared.pauseEnd, shared.counts);
    this.pauseMode = shared.pause;
    this.shard.freeze.frozen = () => this.pause.current(Date.now()) !== PAUSE_OFF;
    this.shard.maxBulkLen = config.proto_max_bulk_len as number;
    config.maxmemory = resolveMaxmemory(config, totalmem());
    this.mesh = new Mesh(index, layout, this);
    this.mesh.pollWindowMs = resolvePollWindowMs(config, this.n);
    this.monitors = new MonitorHub(this);
    this.cmdStats = new CommandStats(table.all.length);
    this.timing = new CallTiming(table.all.length, shared.slowlogIds);
    this.applyTimingConfig();
    this.txPort = new ShardTx(this, config.dbnum as number, () => this.blocking.serveReady());
    this.tx = this.txPort.locks;
    this.blocking = new BlockingService(this);
    this.tracking = new ShardTracking(this, this.shard, this.n);
    this.ops = table.ops;
    this.memory = new MemoryGovernor(this.shard, index, this.n, this.gate, this.tx);
    const locks = this.tx;
    this.shard.transactionHolds = (db, key) => !locks.idle && locks.holds(db, key);
    this.exec = { worker: this, shard: this.shard, db: this.shard.dbs[0], dbIndex: 0, now: 0, noTouch: false };
    this.applyMemoryConfig();
    applyKeyspaceEvents(this, this.shard, config.notify_keyspace_events as string);
  }

  // --- memory limit ------------------------------------------------------------------------------

  /** Gives the shard its share of maxmemory, the eviction policy and cache mode (startup, CONFIG SET). */
  applyMemoryConfig(): void {
    this.memory.apply(this.config);
  }

  /** Evicts if over the limit, and publishes whether the shard still is (see memory-governor.ts). */
  checkMemory(): void {
    this.memory.check();
  }

  /** A command by name (a bug if missing). */
  command(name: string): Command {
    const c = this.table.byName.get(name);
    if (c === undefined) throw new Error(`no command ${name}`);
    return c;
  }

  /** A notice-level log line (Redis's `*`). */
  log(msg: string): void {
    this.logAt(LOG_NOTICE, msg);
  }

  /** True when a line at `level` would be written: test it before building a costly message. */
  logs(level: number): boolean {
    return level >= logLevelOf(this.config.loglevel);
  }

  /** A log line at `level` (LOG_DEBUG..LOG_WARNING, util/log.ts), dropped below `loglevel`. */
  logAt(level: number, msg: string): void {
    if (this.logs(level)) this.logger(level, msg);
  }

  start(): void {
    this.mesh.start();
    this.config.hz = clampHz(this.config.hz as number);
    this.shard.onFault = (e, where) => this.fault(e, where);
    this.shard.startExpiry(this.config.hz);
    const s = this.stats;
    this.instant.start(() => [s.commandsProcessed, s.netInputBytes, s.netOutputBytes]);
    // Memory freed without a write command (the active expire cycle) lifts the limit, and an
    // eviction put off by a transaction happens, within this period.
    setInterval(this.guarded(() => this.checkMemory(), 'the memory check'), MEMORY_CHECK_MS).unref();
  }

  newWriter(resp: 2 | 3): ReplyWriter {
    const w = new ReplyWriter(1024);
    w.resp = resp;
    return w;
  }

  /**
   * Runs a keyed command on this shard (for a local client, or for a peer). A handler that throws
   * (a bug) leaves no partial reply behind: the command is answered with an error, so the writer
   * stays usable and the reply still takes its place in the client's pipeline.
   */
  runLocal(cmd: Command, db: number, noTouch: boolean, args: Buffer[], w: ReplyWriter): void {
    const x = this.context(db, noTouch);
    const mark = w.mark();
    try {
      cmd.impl.shard!(x, args, w);
    } catch (e) {
      this.answerInternalError(cmd, e, w, mark);
    }
    this.afterRun((cmd.flagBits & FLAG_WRITE) !== 0);
  }

  /** The reused context of a command or operation about to run on this shard. */
  private context(db: number, noTouch: boolean): ShardExecBase {
    const x = this.exec;
    x.db = this.shard.dbs[db];
    x.dbIndex = db;
    x.now = this.clock;
    x.noTouch = noTouch;
    return x;
  }

  /** After a command or operation ran: a write may have moved the memory figure; keys it filled serve their waiters. */
  private afterRun(wrote: boolean): void {
    if (wrote && this.shard.maxmemory !== 0) this.checkMemory();
    if (this.blocking.keys.ready.length > 0 && this.holdServe === 0) this.blocking.serveReady();
  }

  /** Replaces what a failed handler wrote since `mark` with an error reply, and logs the bug. */
  answerInternalError(cmd: Command, e: unknown, w: ReplyWriter, mark: number): void {
    w.truncate(mark);
    w.error(internalErrorText(e));
    this.fault(e, cmd.name);
  }

  /** A bug caught where it surfaced (`where`: a command, a mesh completion, a timer): logged and counted. */
  fault(e: unknown, where: string): void {
    this.stats.internalErrors++;
    this.logAt(LOG_WARNING, `internal error in ${where}: ${(e as Error | undefined)?.stack ?? e}`);
  }

  /** `fn` as a timer callback: a throw is a contained fault, not the end of the thread. */
  protected guarded(fn: () => void, where: string): () => void {
    return () => {
      try {
        fn();
      } catch (e) {
        this.fault(e, where);
      }
    };
  }

  /** A fresh timestamp from the shared transaction clock. */
  nextTimestamp(): number {
    return Number(Atomics.add(this.shared.clock, 0, 1n)) + 1;
  }

  /**
   * The keys of a command routed here (all on this shard) when it must wait behind a transaction
   * holding one of them; null when it may run now.
   */
  blockedKeys(cmd: Command, db: number, args: Buffer[], hintKey: Buffer | null): Lock[] | null {
    return this.txPort.blockedKeys(cmd, db, args, hintKey);
  }

  /** Holds a command back behind the transactions holding its locks; `done` gets its reply. */
  deferCommand(cmd: Command, db: number, resp: 2 | 3, noTouch: boolean, args: Buffer[], locks: Lock[], record: boolean, done: (reply: Buffer) => void): void {
    this.txPort.defer(cmd, db, resp, noTouch, args, locks, record, done);
  }

  // --- transactions: typed entry points (direct calls for this shard; see shard-tx.ts) ------------

  /** Schedules transaction `handle` here with these locks; `locked` gets the proposed timestamp once they are taken. */
  txPropose(handle: number, locks: Lock[], global: number, locked: (ts: number) => void): void {
    this.tx.proposeInSlices(handle, locks, global, locked);
  }

  /** Finalizes `handle` at `ts` (0: already final); `conclude` also releases its locks here. */
  txFinalize(handle: number, ts: number, conclude: boolean): void {
    this.txPort.finalize(handle, ts, conclude);
  }

  /**
   * Runs command or shard operation `runnable` (wire number) with `args` as part of transaction
   * `handle` (finalized at `ts`, 0: already final). With a writer `w` the reply is written into it
   * when it can run at once (returns true); otherwise `done` gets it later (returns false).
   */
  txRun(handle: number, ts: number, conclude: boolean, runnable: number, db: number, resp: 2 | 3, noTouch: boolean, args: Buffer[], w: ReplyWriter | null, done: (reply: Buffer) => void): boolean {
    return this.txPort.run(handle, ts, conclude, runnable, db, resp, noTouch, args, w, done);
  }

  /** RemoteExecutor: a command, shard operation or transaction frame sent by another worker. */
  execute(cmdIndex: number, db: number, resp: 2 | 3, flags: number, args: Buffer[], w: ReplyWriter, peer: number, seq: number): boolean {
    if (cmdIndex >= TX_FRAME) {
      if (cmdIndex === TX_FRAME) return this.txPort.frame(db, resp, flags, args, w, peer, seq);
      this.runShardOp(this.ops.byIndex(cmdIndex)!, db, (flags & REQ_NO_TOUCH) !== 0, args[0], w);
      return true;
    }
    const cmd = this.table.all[cmdIndex];
    if (!this.tx.idle && cmd.impl.shard !== undefined) {
      const keys = this.blockedKeys(cmd, db, args, null);
      if (keys !== null) {
        this.deferCommand(cmd, db, resp, (flags & REQ_NO_TOUCH) !== 0, args, keys, (flags & REQ_PART) === 0, (reply) => this.mesh.reply(peer, seq, reply));
        return false;
      }
    }
    const mark = w.mark();
    this.beginCall(cmd);
    // NOLOOP: the tracking client whose command this is, as the peer announced it (0n: none).
    this.tracking.writer = this.tracking.writerOfPeer[peer];
    if (cmd.impl.shard !== undefined) this.runLocal(cmd, db, (flags & REQ_NO_TOUCH) !== 0, args, w);
    else w.error('ERR internal: command has no shard handler');
    this.tracking.writer = 0n;
    if ((flags & REQ_PART) === 0) this.recordCall(cmd, -1, w, mark);
    return true;
  }

  // --- shard operations ----------------------------------------------------------------------------

  /**
   * Runs `what` as an operation of a transaction (see runHere); unless it concludes the transaction,
   * pops for blocked clients wait until the transaction ends.
   */
  runHeld(what: ShardRunnable, db: number, noTouch: boolean, args: Buffer[], w: ReplyWriter, conclude: boolean): void {
    if (!conclude) this.holdServe++;
    try {
      this.runHere(what, db, noTouch, args, w);
    } finally {
      if (!conclude) this.holdServe--;
    }
  }

  /** Runs a command, or a shard operation whose encoded arguments are args[0], writing its reply. */
  runHere(what: ShardRunnable, db: number, noTouch: boolean, args: Buffer[], w: ReplyWriter): void {
    if (what instanceof Command) this.runLocal(what, db, noTouch, args, w);
    else this.runShardOp(what, db, noTouch, args[0], w);
  }

  /** Runs shard operation `op` with its arguments decoded from `payload`; writes its encoded result. */
  runShardOp(op: ShardOp<any, any>, db: number, noTouch: boolean, payload: Buffer, w: ReplyWriter): void {
    const r = this.runOpHere(op, db, noTouch, op.args.read(new BinReader(payload)));
    // A writer of its own: the arguments may be a view of opOut (an operation of this thread's own
    // transaction), and the result may point into them.
    const bw = this.resultOut.reset();
    writeResult(op, r, bw);
    w.raw(bw.buf.subarray(0, bw.len));
  }

  /** Runs shard operation `op` here with decoded arguments; a throw is a contained fault. */
  runOpHere<A, R>(op: ShardOp<A, R>, db: number, noTouch: boolean, a: A): R | OpError {
    const x = this.context(db, noTouch);
    let r: R | OpError;
    try {
      r = op.run(x, a);
    } catch (e) {
      this.fault(e, op.name);
      r = new OpError(internalErrorText(e));
    }
    this.afterRun(op.write);
    return r;
  }
  /**
   * Runs `op` on every shard — this one at once, the others over the rings — for code that is no
   * client's command (INFO's snapshot for /metrics, the status page's history and slow log): the
   * results in shard order.
   */
  askEveryShard<A, R>(op: ShardOp<A, R>, a: A): Promise<(R | OpError)[]> {
    // Encoded (and copied out of opOut) before this shard runs it: the local run may use opOut.
    const payload = this.n > 1 ? Buffer.from(encodeArgs(op, a, this.opOut)) : null;
    const parts: Promise<R | OpError>[] = [];
    for (let s = 0; s < this.n; s++) {
      if (s === this.index) parts.push(Promise.resolve(this.runOpHere(op, 0, false, a)));
      else parts.push(new Promise((resolve) => this.mesh.send(s, op.index, 0, 2, 0, [payload!], { complete: (r) => resolve(readResult(op, r)) })));
    }
    return Promise.all(parts);
  }


  /**
   * Wall clock (ms) of the current batch of commands: read once per socket read or mesh drain rather
   * than once per command (the clock read is a large share of a GET's cost on a slow clock source).
   */
  clock = Date.now();
  /**
   * Command timing. Every command is timed while a consumer needs each duration (the slow log, the
   * latency histograms or the latency monitor; `everyCall`). Inside a batch (a socket's parse loop, a
   * ring drain) the end of one command is the start of the next, so a command costs at most one clock
   * read; consecutive calls of the same command are timed as a run of up to RUN_MAX with one read at
   * the run's end (each counts the run's mean; the slow log and the monitor judge the run as a whole —
   * see docs/operations.md). A slow-log threshold under PRECISE_BELOW_US turns runs off:
   * every command is then timed alone. Outside a batch a command reads the clock at both ends. With
   * all three consumers off, one command in TIMING_SAMPLE is timed and counts for TIMING_SAMPLE.
   */
  private everyCall = true;
  /** Calls are timed in runs (everyCall and no fine slow-log threshold). */
  private runs = true;
  /** performance.now() where the command (or run) being timed started. */
  callStart = 0;
  /** True inside a batch. */
  private inBatch = false;
  /** True while callStart is the end of the previous timed command of this batch. */
  private chained = false;
  private timingSample = false;
  private callCount = 0;
  /** The open run: its command, how many calls, and each one's caller, arguments and redactions. */
  private runCmd: Command | null = null;
  private runLen = 0;
  private readonly runWho: (CallerIdentity | null)[] = new Array(RUN_MAX).fill(null);
  private readonly runArgs: (Buffer[] | null)[] = new Array(RUN_MAX).fill(null);
  private readonly runRedacted: (number[] | null)[] = new Array(RUN_MAX).fill(null);

  /** Starts a batch of commands: refreshes the clock. Returns it. */
  tick(): number {
    return (this.clock = Date.now());
  }

  /** Settings of the timing (startup, CONFIG SET): what is kept, and whether every call is timed. */
  applyTimingConfig(): void {
    const t = this.timing;
    const cfg = this.config;
    if (this.runLen > 0) this.closeRun(performance.now());
    t.tracking = cfg.latency_tracking as boolean;
    t.slowerThan = cfg.slowlog_log_slower_than as number;
    t.slowlogMaxLen = cfg.slowlog_max_len as number;
    t.monitorThreshold = cfg.latency_monitor_threshold as number;
    t.percentiles = parsePercentiles(cfg.latency_tracking_info_percentiles as string);
    t.trimSlowlog();
    this.everyCall = t.needsEveryCall;
    // Expire and eviction cycles are timed for the latency monitor only while it is on.
    this.shard.onLatency = t.monitorThreshold === 0 ? null : this.timeCycle;
    this.runs = t.slowerThan < 0 || t.slowerThan >= PRECISE_BELOW_US;
    this.chained = false;
  }

  private readonly timeCycle = (event: string, ms: number): void => this.timing.addLatencySample(event, Math.floor(ms));

  /** A batch of commands starts (its first command reads the clock: a batch of replies alone reads none). */
  beginChain(): void {
    if (this.runLen > 0) this.closeRun(performance.now());
    this.inBatch = true;
    this.chained = false;
  }

  /** A recent performance.now(): the end of this batch's last timed command, or a fresh read. */
  recentNow(): number {
    if (!this.chained) {
      this.callStart = performance.now();
      this.chained = this.inBatch;
    }
    return this.callStart;
  }

  /** The batch ends (an open run is timed now). */
  endChain(): void {
    if (this.runLen > 0) this.closeRun(performance.now());
    this.inBatch = this.chained = false;
  }

  /** Called before `cmd` runs. */
  beginCall(cmd: Command): void {
    if (this.everyCall) {
      if (this.runLen > 0 && cmd !== this.runCmd) this.closeRun(performance.now());
      if (!this.chained) this.callStart = performance.now();
    } else if ((++this.callCount & (TIMING_SAMPLE - 1)) === 0) {
      this.timingSample = true;
      this.callStart = performance.now();
    }
  }

  /**
   * Counts a call of `cmd` (its time: `ms`, or -1 for the time since beginCall); if its reply (from
   * `mark` in `w`) is an error, counts that too. Returns the time it counted (ms), or -1 when the
   * call joined a run (its time is counted when the run ends).
   */
  recordCall(cmd: Command, ms: number, w: ReplyWriter | null, mark: number): number {
    const i = cmd.index;
    if (w === null) this.countCall(i, null, 0, 0);
    else this.countCall(i, w.buf, w.at(mark), w.len);
    if (ms < 0) {
      if (!this.everyCall) {
        ms = 0;
        if (this.timingSample) {
          this.timingSample = false;
          ms = (performance.now() - this.callStart) * TIMING_SAMPLE;
        }
        this.cmdStats.usec[i] += ms * 1000;
        return ms;
      }
      if (this.runs && this.chained) {
        // (A full run is timed when the next call comes: noteSlow may still fill in this one.)
        if (this.runLen > 0 && (cmd !== this.runCmd || this.runLen === RUN_MAX)) this.closeRun(performance.now());
        const k = this.runLen++;
        this.runCmd = cmd;
        this.runWho[k] = null;
        return -1;
      }
      const now = performance.now();
      ms = now - this.callStart;
      this.callStart = now;
      this.chained = this.inBatch;
    }
    this.cmdStats.usec[i] += ms * 1000;
    if (this.everyCall) {
      const t = this.timing;
      if (t.tracking) t.recordHistogram(i, ms);
      if (t.monitorThreshold !== 0 && ms >= t.monitorThreshold) t.addLatencySample((cmd.flagBits & FLAG_FAST) !== 0 ? 'fast-command' : 'command', Math.floor(ms));
    }
    return ms;
  }

  /** Times the open run, which ended at `now`. */
  private closeRun(now: number): void {
    const n = this.runLen;
    this.runLen = 0;
    const ms = now - this.callStart;
    this.callStart = now;
    this.chained = this.inBatch;
    const share = ms / n;
    const t = this.timing;
    const slow = t.slowerThan >= 0 && Math.floor(ms * 1000) >= t.slowerThan;
    const cmd = this.runCmd!;
    this.runCmd = null;
    this.cmdStats.usec[cmd.index] += ms * 1000;
    // Every call of the run counts the same share: one histogram cell gets them all. The run's
    // callers are looked at only when it was slow (their slots are overwritten by the next run: at
    // most RUN_MAX stale references per thread).
    if (t.tracking) t.recordHistogram(cmd.index, share, n);
    if (slow) {
      for (let k = 0; k < n; k++) {
        const who = this.runWho[k];
        if (who !== null) this.noteSlow(who, cmd, this.runArgs[k]!, ms, this.runRedacted[k]);
        this.runWho[k] = this.runArgs[k] = this.runRedacted[k] = null;
      }
    }
    if (t.monitorThreshold !== 0 && ms >= t.monitorThreshold) t.addLatencySample((cmd.flagBits & FLAG_FAST) !== 0 ? 'fast-command' : 'command', Math.floor(ms));
  }

  /** The slow log's look at a command of client `who` that took `ms` (Redis slowlogPushCurrentCommand). */
  noteSlow(who: CallerIdentity, cmd: Command, args: Buffer[], ms: number, redacted = who.redactedArgs): void {
    if (ms < 0) {
      // It joined the open run: judged when the run is timed.
      const k = this.runLen - 1;
      this.runWho[k] = who;
      this.runArgs[k] = args;
      this.runRedacted[k] = redacted;
      return;
    }
    const t = this.timing;
    if (t.slowerThan < 0 || (cmd.flagBits & FLAG_SKIP_SLOWLOG) !== 0) return;
    const usec = Math.floor(ms * 1000);
    if (usec < t.slowerThan) return;
    t.pushSlow(args, redacted, usec, who.addr, who.name);
  }

  /** Counts a call of `cmd` whose reply (bytes) was produced elsewhere (a command run by EXEC). */
  recordReply(cmd: Command, reply: Buffer): void {
    this.countCall(cmd.index, reply, 0, reply.length);
  }

  /** Counts a call of command `i` whose reply is reply[from, end) (null: none), and its error if it is one. */
  private countCall(i: number, reply: Buffer | null, from: number, end: number): void {
    this.cmdStats.calls[i]++;
    this.stats.commandsProcessed++;
    if (reply !== null && end > from && reply[from] === 0x2d) {
      this.cmdStats.failed[i]++;
      this.countErrorCode(errorCodeOf(reply, from, end));
    }
  }

  recordRejected(cmd: Command): void {
    this.cmdStats.rejected[cmd.index]++;
  }

  countErrorCode(code: string): void {
    this.stats.errors.set(code, (this.stats.errors.get(code) ?? 0) + 1);
  }

  resetStats(): void {
    this.cmdStats = new CommandStats(this.table.all.length);
    this.timing.resetHistograms();
    const s = this.stats;
    s.connectionsReceived = s.rejectedConnections = s.commandsProcessed = s.netInputBytes = s.netOutputBytes = 0;
    s.readsProcessed = s.writesProcessed = s.outputLimitDisconnections = 0;
    s.errors.clear();
    const ss = this.shard.stats;
    ss.keyspaceHits = ss.keyspaceMisses = ss.evictedKeys = 0;
    ss.expireCycleUs = ss.expireTimeCapReached = ss.expiredStale = ss.evictionExceededMs = 0;
    // A spell still going on starts again now, as Redis zeroes its start.
    if (ss.evictionExceededSince !== 0) ss.evictionExceededSince = performance.now();
    for (const db of this.shard.dbs) db.expiredCount = 0;
    this.instant.reset();
  }

  /** After every worker's shutdown(): stops the timers and the mesh (the thread may then exit). */
  stop(): void {
    this.shard.stopExpiry();
    this.instant.stop();
    this.mesh.stop();
  }
}
