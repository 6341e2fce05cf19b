// Connection: one client socket — reading and parsing requests, handing each to the dispatcher, and
// writing the replies through its ReplyQueue with backpressure.
// Invariants: replies leave in the order commands arrived, with one socket write per processed read
// batch; a command that needs several hops (a barrier) holds back the commands after it until it is
// done; a protocol error is answered after the replies before it, then the socket stops reading and
// closes, leaving every other client alone.
// Backpressure: a client's output is the bytes of its complete replies not yet written plus the
// socket's unsent bytes; while that plus what its replies in flight are expected to bring (their
// count times a moving average of its reply sizes) passes --client_output_buffer_pause, or its replies
// in flight on other shards reach --client_inflight_limit, no more of its commands run and its socket
// is not read (whatever shard the keys are on), until both fall to half. So one client holds about
// that many bytes and requests at most, in its queue and in the mesh. client-output-buffer-limit
// closes it instead.
// HTTP on the same port: a connection asked to sniff looks at its first bytes once, before the first
// parse (http-sniff.ts); one that speaks HTTP leaves the client registry and goes to the thread's
// HttpAcceptor with the bytes it sent. A RESP connection's reads then take the same path as ever.

import type { Socket } from 'node:net';
import { ARG_OVERHEAD, RequestParser } from '../protocol/resp-parser.ts';
import { SNIFF_HTTP, SNIFF_MORE, sniffHttp } from '../protocol/http-sniff.ts';
import type { ReplyWriter } from '../protocol/reply-writer.ts';
import { Client } from './client.ts';
import { BIG_INPUT, clientMemoryOf, CLIENT_BASE_BYTES, type ClientMemory } from './client-memory.ts';
import { dispatch, screen } from './dispatcher.ts';
import { ReplyQueue, type PendingReply } from './reply-queue.ts';
import { outputLimitCheck } from '../config/output-limits.ts';
import type { ShardWorker } from './shard-worker.ts';
import { LOG_VERBOSE, LOG_WARNING } from '../util/log.ts';

/** The thread a connection belongs to: the shard worker, with the registry of its clients. */
export type ConnectionHost = ShardWorker & {
  /** Called once the connection is gone. */
  removeClient(c: Connection): void;
  /** The thread's live connections (client eviction picks among them). */
  readonly clients: Map<bigint, Connection>;
  /** Where connections that speak HTTP go (null: HTTP is not served). */
  readonly http: HttpAcceptor | null;
};

/** The HTTP service of a thread: takes over a socket whose first bytes (`head`) were an HTTP request. */
export interface HttpAcceptor {
  adopt(socket: Socket, head: Buffer): void;
  /** Shutdown: ends every HTTP connection (after the response in progress). */
  closeAll(): void;
}

/** Connections with pushes queued this turn (this thread's), written by one setImmediate. */
const pushFlushes: Connection[] = [];

function queuePushFlush(c: Connection): void {
  if (pushFlushes.push(c) === 1) setImmediate(flushQueuedPushes);
}

function flushQueuedPushes(): void {
  for (let i = 0; i < pushFlushes.length; i++) pushFlushes[i].flushPushes();
  pushFlushes.length = 0;
}

/** Queue length from which the complete head of the queue is written without waiting. */
const READY_FLUSH_PIECES = 64;

export class Connection extends Client {
  readonly socket: Socket;
  readonly parser: RequestParser;
  readonly addr: string;
  readonly laddr: string;
  private readonly replies: ReplyQueue;
  private barrier = false;
  private processing = false;
  private closeAfterReply = false;
  /** The client sent FIN: no more input will come. */
  private inputEnded = false;
  /** The most input memory this client held since it last dropped most of it (0 while it stays small). */
  private inputPeak = 0;
  /** Output past a bound: no command runs and the socket is paused until it falls to half (tryResume). */
  private outputHeld = false;
  /** When this client's output first passed its class's soft limit (0: it is under it). */
  private softLimitSince = 0;
  private readonly host: ConnectionHost;
  private readonly memory: ClientMemory;
  /** What this client held when last measured (ClientMemory's share of it). */
  memUsage = 0;

  /** `sniff`: look for HTTP in the first bytes (the host's HttpAcceptor must be set). */
  constructor(worker: ConnectionHost, socket: Socket, id: bigint, sniff = false) {
    super(worker, id);
    this.host = worker;
    this.socket = socket;
    this.parser = new RequestParser({ maxBulkLen: worker.config.proto_max_bulk_len as number });
    this.parser.unauthenticated = !this.authenticated;
    this.parser.screen = (head, argc) => this.screenHuge(head, argc);
    this.memory = clientMemoryOf(worker);
    this.replies = new ReplyQueue(socket, () => this.onRepliesReady());
    // Until replies have come back, each one in flight is taken to be 1/64 of the pause bound: a
    // client's first burst is at most 64 requests if its replies may be big (then the average decides).
    this.replies.slotBytesAvg = (worker.config.client_output_buffer_pause as number) / 64;
    // A Unix socket's peer has no address: Redis shows the socket's path (`/tmp/redis.sock:0`).
    const unix = socket.remoteAddress === undefined ? unixSocketPath(socket) : undefined;
    this.addr = peerId(socket.remoteAddress ?? unix, socket.remotePort);
    this.laddr = peerId(socket.localAddress ?? unix, socket.localPort);
    socket.setNoDelay(true);
    if (sniff) socket.on('data', this.onFirstBytes);
    else socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.onClose());
    socket.on('close', () => this.onClose());
    socket.on('drain', () => this.onDrain());
    socket.on('end', () => this.onEnd());
  }

  override setAuthenticated(v: boolean): void {
    super.setAuthenticated(v);
    this.parser.unauthenticated = !v;
  }

  /** What the client sent while its first line could still be an HTTP request line. */
  private sniffed: Buffer | null = null;

  /** The first reads of a sniffing connection: once decided, HTTP goes to the acceptor, RESP to onData. */
  private readonly onFirstBytes = (chunk: Buffer): void => {
    if (this.closed) return;
    const head = this.sniffed === null ? chunk : Buffer.concat([this.sniffed, chunk]);
    const kind = sniffHttp(head);
    if (kind === SNIFF_MORE) {
      this.sniffed = head;
      return;
    }
    this.sniffed = null;
    const socket = this.socket;
    socket.off('data', this.onFirstBytes);
    if (kind === SNIFF_HTTP && this.host.http !== null) {
      // Not a client any more: nothing of the Connection stays attached to the socket.
      for (const ev of ['error', 'close', 'drain', 'end']) socket.removeAllListeners(ev);
      this.close(false);
      this.host.http.adopt(socket, head);
      return;
    }
    socket.on('data', (c: Buffer) => this.onData(c));
    this.onData(head);
  };

  private onData(chunk: Buffer): void {
    if (this.closed || this.closeAfterReply) return;
    this.lastInteraction = this.worker.tick();
    const st = this.worker.stats;
    st.netInputBytes += chunk.length;
    st.readsProcessed++;
    try {
      this.parser.feed(chunk);
    } catch (e) {
      this.closeForInputFailure(e);
      return;
    }
    if (this.overInputLimit()) return;
    // A tracking client (or one invalidations are redirected to): invalidations other threads already
    // put in the rings go out before the replies to what it sends now (a write another client saw
    // answered was invalidated here first).
    if (this.tracking !== null || this.redirectedFrom !== null) this.worker.mesh.drain();
    this.process();
    if (!this.closed) this.overInputLimit();
    if (this.inputPeak > 0) this.noteInputReleased(this.closed ? 0 : this.inputMemory());
  }

  /**
   * Big input (a huge command, a long MULTI queue) that is gone becomes garbage only: once a worker's
   * clients dropped enough of it, ClientMemory asks V8 for a collection, so that the memory returns
   * when the client is done rather than at the next natural major GC.
   */
  private noteInputReleased(now: number): void {
    if (now >= this.inputPeak / 2) return;
    this.memory.noteReleased(this.inputPeak - now);
    this.inputPeak = now >= BIG_INPUT ? now : 0;
  }

  /** Input (unparsed bytes, parsed arguments, MULTI queue): Redis's query buffer and more. */
  private inputMemory(): number {
    return this.parser.memory + (this.multi === null ? 0 : this.multi.mem);
  }

  /** Everything this client holds (CLIENT LIST tot-mem, client eviction). */
  measureMemory(): number {
    return CLIENT_BASE_BYTES + this.inputMemory() + this.outputBytes;
  }

  /**
   * Closes the client (without a reply, as Redis) once its input passes the limit; then reports its
   * memory and lets client eviction run. True when it was closed.
   */
  private overInputLimit(): boolean {
    const input = this.inputMemory();
    if (input >= BIG_INPUT && input > this.inputPeak) this.inputPeak = input;
    if (input > this.memory.inputLimit) {
      this.worker.logAt(LOG_WARNING, `Closing client that reached max query buffer length: ${this.describe(Date.now())} (input memory: ${input} bytes)`);
      this.close();
      return true;
    }
    // Client eviction (off by default): the worker's total follows each client's latest figure.
    if ((this.worker.config.maxmemory_clients as number) === 0) return false;
    this.memory.update(this, CLIENT_BASE_BYTES + input + this.outputBytes);
    if (this.memory.total > this.memory.evictionLimit) this.memory.evictIfOver(this.host.clients.values());
    return this.closed;
  }

  /**
   * A huge command is complete: the dispatcher's checks (unknown, arity, auth) answer it without
   * its arguments; if it passes, its arguments become Buffers only if they fit the input limit
   * (else the client is closed, as at the query buffer limit: they could exhaust the worker's heap).
   */
  private screenHuge(head: Buffer[], argc: number): boolean {
    if (!screen(this, head, argc, this.worker.out)) return false;
    const cost = argc * ARG_OVERHEAD + this.inputMemory();
    if (cost <= this.memory.inputLimit) return true;
    this.worker.logAt(LOG_WARNING, `Closing client that reached max query buffer length: ${this.describe(Date.now())} (a command of ${argc} arguments: ${cost} bytes)`);
    this.close(); // drops the parser's input too: nothing more is parsed
    return false;
  }

  /** An allocation on the input path failed (e.g. out of memory): this client goes, the worker stays. */
  private closeForInputFailure(e: unknown): void {
    this.worker.logAt(LOG_WARNING, `Closing client ${this.addr}: reading its input failed: ${(e as Error | undefined)?.message ?? e}`);
    this.worker.stats.internalErrors++;
    this.close();
  }

  /** Runs parsed commands until the input is exhausted or a barrier holds the pipeline. */
  process(): void {
    if (this.processing || this.barrier || this.closed) return;
    this.processing = true;
    const batchStart = this.replies.length;
    const parser = this.parser;
    const w = this.worker.out;
    const replies = this.replies;
    const config = this.worker.config;
    const maxInFlight = config.client_inflight_limit as number;
    // The socket's buffer only grows when this batch is written, after the loop.
    const maxHeld = (config.client_output_buffer_pause as number) - this.socket.writableLength;
    this.worker.beginChain();
    try {
      let args: Buffer[] | null = this.postponed;
      try {
        if (args !== null) {
          // The command CLIENT PAUSE held runs first (and may be held again).
          this.postponed = null;
          dispatch(this, args, w);
        }
        if (!this.barrier && !this.closed) while (!this.closeAfterReply && !this.outputHeld && (args = parser.next()) !== null) {
          dispatch(this, args, w);
          if (this.barrier || this.closed) break;
          if (replies.pending >= maxInFlight || replies.heldBytes + w.pending + replies.expectedBytes > maxHeld) this.holdOutput();
        }
      } catch (e) {
        // The parser's allocations (a growing buffer, a huge command's arguments) may fail.
        this.closeForInputFailure(e);
      }
      if (parser.error !== null && !this.barrier && !this.closeAfterReply) {
        w.error('ERR ' + parser.error);
        this.worker.countErrorCode('ERR');
        if (this.worker.logs(LOG_VERBOSE)) this.worker.logger(LOG_VERBOSE, `Protocol error (${parser.error}) from client: ${this.describe(Date.now())}`);
        // Redis reads nothing more from a client after a protocol error: it answers and closes.
        this.closeAfterReply = true;
        this.socket.pause();
      }
    } finally {
      this.processing = false;
      this.worker.endChain();
    }
    if (this.worker.tracking.broadcastDue) {
      // BCAST invalidations of this batch's writes go out before its replies reach anyone, after them
      // for this client (Redis queues them in beforeSleep, behind the replies already in the buffer).
      if (w.pending > 0) this.replies.push(w.take());
      this.worker.tracking.broadcastNow();
    }
    if (this.closed) {
      w.take();
      return;
    }
    if (this.replies.pending === 0) this.flush(w);
    else {
      if (w.pending > 0) this.replies.push(w.take());
      // Replies of earlier read batches that are ready go out now rather than wait for a later
      // reply still in flight (a client that keeps streaming would otherwise get nothing, and the
      // queue would grow, until it pauses). This batch's own replies wait for its pending ones, so
      // that a pipelined batch still leaves in one write.
      const limit = this.replies.length >= READY_FLUSH_PIECES ? this.replies.length : batchStart;
      this.countOutput(this.replies.writeReady(limit));
    }
    // Held, but the socket may have taken everything (no 'drain' to come) and no slot may be in flight.
    if (this.outputHeld) this.tryResume();
  }

  /** Every slot in flight has been filled (or, while the output is held, half of them). */
  private onRepliesReady(): void {
    if (this.processing || this.closed) return;
    if (this.replies.pending === 0) this.flush(this.worker.out);
    else this.countOutput(this.replies.writeReady(this.replies.length));
    if (this.outputHeld) this.tryResume();
  }

  /** Writes everything queued (all complete) plus the writer's untaken bytes. */
  private flush(w: ReplyWriter): void {
    const tail = w.pending > 0 ? w.take() : null;
    if (this.closed) return;
    this.countOutput(this.replies.writeAll(tail));
    if (this.closed) return;
    if (this.closeAfterReply || this.killed || (this.inputEnded && !this.barrier && !this.outputHeld)) this.finish();
  }

  /** The last reply is written: closes the socket once it has left (nothing more is read). */
  private finish(): void {
    this.closed = true;
    const sock = this.socket;
    if (this.inputEnded) sock.end();
    else {
      // The peer may still be sending: stop reading now, and drop the connection once our last
      // bytes are out (end() alone would keep accepting its input).
      sock.pause();
      sock.end(() => sock.destroy());
    }
    this.host.removeClient(this);
  }

  private countOutput(bytes: number): void {
    if (bytes === 0) return;
    const st = this.worker.stats;
    st.netOutputBytes += bytes;
    st.writesProcessed++;
    this.checkOutput();
  }

  /** Bytes of output held for this client: complete replies not yet written and the socket's unsent bytes. */
  get outputBytes(): number {
    return this.replies.heldBytes + this.socket.writableLength;
  }

  /** After output was queued or written: hold the client past the pause bound, close it past its class's limit. */
  private checkOutput(): void {
    const used = this.outputBytes;
    const config = this.worker.config;
    if (used > (config.client_output_buffer_pause as number) && !this.outputHeld) this.holdOutput();
    if (this.closed) return;
    const softSince = outputLimitCheck(config.client_output_buffer_limit as string, this.outputClass, used, this.softLimitSince);
    if (softSince >= 0) {
      this.softLimitSince = softSince;
      return;
    }
    // Redis's wording; it closes the client without writing anything more.
    this.worker.logAt(LOG_WARNING, `Client ${this.describe(Date.now())} scheduled to be closed ASAP for overcoming of output buffer limits.`);
    this.worker.stats.outputLimitDisconnections++;
    this.close();
  }

  /** The client is not reading its replies, or too many are in flight: stop running and reading its commands. */
  private holdOutput(): void {
    this.outputHeld = true;
    this.replies.wakeAtInFlight = this.replies.pending >> 1;
    this.socket.pause();
  }

  /** Resumes a held client once its output and its replies in flight are both at half their bound or less. */
  private tryResume(): void {
    if (!this.outputHeld || this.closed || this.closeAfterReply || this.processing) return;
    const config = this.worker.config;
    if (this.replies.pending > (config.client_inflight_limit as number) >> 1) return;
    if (this.outputBytes + this.replies.expectedBytes > (config.client_output_buffer_pause as number) / 2) return;
    this.outputHeld = false;
    this.replies.wakeAtInFlight = -1;
    this.socket.resume();
    this.worker.tick();
    this.process();
  }

  /** The client half-closed: answer everything it sent, then close (as Redis does). */
  private onEnd(): void {
    this.inputEnded = true;
    if (this.worker.logs(LOG_VERBOSE)) this.worker.logger(LOG_VERBOSE, `Client closed connection ${this.describe(Date.now())}`);
    if (this.blockState !== null || this.postponed !== null) {
      // A blocked client that went away (Redis frees it on EOF): no pop may be spent on it, and a
      // command CLIENT PAUSE holds is not run for nobody.
      this.close();
      return;
    }
    if (!this.processing && this.replies.pending === 0 && !this.barrier && !this.closed) this.flush(this.worker.out);
  }

  private onDrain(): void {
    if (this.outputHeld) this.tryResume();
  }

  private onClose(): void {
    this.releaseState();
    this.releaseInput();
    this.replies.drop();
    this.closed = true;
    this.host.removeClient(this);
  }

  /** Closes the client (and its socket, unless `destroy` is false: the socket was handed over). */
  close(destroy = true): void {
    this.releaseState();
    this.releaseInput();
    this.replies.drop();
    if (this.closed) return;
    this.closed = true;
    if (destroy) this.socket.destroy();
    this.host.removeClient(this);
  }

  /** A gone client's input goes with it (nothing may keep a huge argument alive through it). */
  private releaseInput(): void {
    if (this.inputPeak > 0) this.memory.noteReleased(this.inputPeak);
    this.inputPeak = 0;
    this.parser.reset();
    this.memory.release(this);
  }

  get inputGone(): boolean {
    return this.inputEnded || this.closed;
  }

  closeAfterReplies(): void {
    this.closeAfterReply = true;
    if (!this.processing && this.replies.pending === 0 && !this.barrier) this.flush(this.worker.out);
  }

  protected deliverPush(bytes: Buffer): void {
    // While this client's commands run, the thread's writer holds replies produced before the push:
    // they go first. (Another client's batch never sits in it: each batch is taken when it ends.)
    const out = this.worker.out;
    if (this.processing && out.pending > 0) this.replies.push(out.take());
    this.replies.push(bytes);
    if (!this.processing && this.replies.pending === 0 && !this.pushFlushQueued) {
      // The pushes of one event-loop turn (every publisher read in it, every ring drain) leave in
      // one write per subscriber, as Redis writes a client's output once per event-loop iteration.
      this.pushFlushQueued = true;
      queuePushFlush(this);
    }
    this.checkOutput();
  }

  private pushFlushQueued = false;
  /** Writes the queued pushes, unless a running batch or a slot in flight will write them anyway. */
  flushPushes(): void {
    this.pushFlushQueued = false;
    if (this.closed || this.processing || this.replies.pending > 0) return;
    this.countOutput(this.replies.writeAll(null));
  }

  protected queuePending(w: ReplyWriter): PendingReply {
    if (w.pending > 0) this.replies.push(w.take());
    return this.replies.addPending();
  }

  get queuedReplies(): number {
    return this.replies.length;
  }

  discardLastReply(): void {
    this.replies.discardLast();
  }

  holdPipeline(): void {
    this.barrier = true;
  }

  resumePipeline(before?: () => void): void {
    this.barrier = false;
    if (before !== undefined) {
      // Hold the flush until the pipeline behind the barrier has been resumed.
      this.processing = true;
      before();
      this.processing = false;
    }
    this.worker.tick();
    this.process();
  }

  describe(now: number, callerArgv = -1): string {
    const caller = callerArgv >= 0;
    const age = Math.floor((now - this.createdAt) / 1000);
    const idle = Math.floor((now - this.lastInteraction) / 1000);
    const fd = (this.socket as unknown as { _handle?: { fd?: number } })._handle?.fd ?? -1;
    return (
      `id=${this.id} addr=${this.addr} laddr=${this.laddr} fd=${fd} ` +
      `name=${this.name} age=${age} idle=${idle} flags=${this.flagLetters(this.closeAfterReply)} db=${this.db} sub=${this.subs === null ? 0 : this.subs.channels.size} psub=${this.subs === null ? 0 : this.subs.patterns.size} ssub=${this.subs === null ? 0 : this.subs.shardChannels.size} multi=${this.multi === null ? -1 : this.multi.count} ` +
      `qbuf=${caller ? this.parser.batchBytes : this.parser.buffered} qbuf-free=${this.parser.free} argv-mem=${this.parser.argvMemory + (caller ? callerArgv : 0) + this.postponedArgv} multi-mem=${this.multi === null ? 0 : this.multi.mem} rbs=0 rbp=0 obl=0 oll=${this.replies.length - this.replies.pending} ` +
      `omem=${this.outputBytes} tot-mem=${this.measureMemory()} events=${this.socket.writableLength > 0 ? 'rw' : 'r'} cmd=${this.lastCommand} user=default redir=${this.tracking === null ? -1 : this.tracking.redirect} ` +
      `resp=${this.resp} lib-name=${this.libName} lib-ver=${this.libVer} thread=${this.worker.index}`
    );
  }
}

/** ip:port as Redis writes it (anetFormatAddr): an IPv6 address in brackets; IPv4-mapped ones as IPv4. */
/** The path of the Unix socket listener a connection came through, if it did. */
function unixSocketPath(socket: Socket): string | undefined {
  const a = (socket as Socket & { server?: { address(): unknown } }).server?.address();
  return typeof a === 'string' ? a : undefined;
}

export function peerId(ip: string | undefined, port: number | undefined): string {
  const a = (ip ?? '?').replace(/^::ffff:/, '');
  return `${a.includes(':') ? `[${a}]` : a}:${port ?? 0}`;
}
