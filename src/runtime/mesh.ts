// Mesh: this worker's links to every other shard worker — one ByteRing per ordered pair of threads and
// one doorbell (an Int32 in shared memory) per worker.
// Invariants: requests to a peer are read there in the order they were sent and numbered implicitly
// (the n-th request from p has sequence n); a reply carries its request's sequence, so a request the
// peer must hold back (a key locked by a transaction) can be answered later without holding up the
// replies behind it. All frames produced in one event-loop turn go out with one notify per peer. No
// postMessage on this path.

import { ByteRing } from './ring.ts';
import { ReplyWriter } from '../protocol/reply-writer.ts';
import { internalErrorText } from '../util/errors.ts';

const KIND_REQUEST = 1;
const KIND_REPLY = 2;

export interface ReplySink {
  /** Called with the reply bytes (a view valid until the sink drops it). */
  complete(reply: Buffer): void;
}

export interface RemoteExecutor {
  /**
   * Runs command `cmd` for peer `peer` and writes exactly one reply into w, returning true; or, when
   * it must wait, copies what it needs, writes nothing, returns false and later answers with
   * Mesh.reply(peer, seq, bytes). (`args` are views into the ring's read buffer: valid during the call.)
   */
  execute(cmd: number, db: number, resp: 2 | 3, flags: number, args: Buffer[], w: ReplyWriter, peer: number, seq: number): boolean;
  /** Called before a drain runs the requests it found (one clock reading for all of them). */
  beginBatch(): void;
  /**
   * Called after a drain ran its requests, before their replies are flushed: what the batch left
   * staged for other threads (BCAST invalidations) goes into the rings ahead of those replies.
   */
  endBatch?(): void;
  /** A bug surfaced while serving the mesh (`where` says what was running): log and count it. */
  fault(e: unknown, where: string): void;
}

export interface MeshLayout {
  /** rings[from][to]: the SAB of the ring carrying frames from worker `from` to worker `to`. */
  rings: (SharedArrayBuffer | null)[][];
  /** One Int32 doorbell per worker. */
  bells: SharedArrayBuffer;
}

export function createMeshLayout(n: number): MeshLayout {
  // Keep the total shared memory modest when there are many threads.
  const perRing = Math.max(64 * 1024, Math.min(4 * 1024 * 1024, 2 ** Math.floor(Math.log2((256 * 1024 * 1024) / Math.max(1, n * n)))));
  const rings: (SharedArrayBuffer | null)[][] = [];
  for (let from = 0; from < n; from++) {
    const row: (SharedArrayBuffer | null)[] = [];
    for (let to = 0; to < n; to++) row.push(from === to ? null : ByteRing.allocate(perRing));
    rings.push(row);
  }
  return { rings, bells: new SharedArrayBuffer(4 * Math.max(1, n)) };
}

/**
 * Reply sinks by request sequence: a circular table indexed by sequence number (O(1) push and take,
 * no Map). Replies mostly come in order; one answered late only leaves a hole until it arrives.
 */
export class SeqTable<T> {
  private items: (T | undefined)[] = new Array(64);
  private mask = 63;
  /** Sequence of the next push. */
  private next = 0;
  /** The oldest sequence not yet taken. */
  private oldest = 0;

  get length(): number {
    return this.next - this.oldest;
  }

  /** Stores x under the next sequence number; returns that number (as sent on the wire: u32). */
  push(x: T): number {
    if (this.next - this.oldest > this.mask) this.grow();
    this.items[this.next & this.mask] = x;
    return (this.next++) >>> 0;
  }

  /** Takes the item stored under wire sequence `seq32`. */
  take(seq32: number): T | undefined {
    const seq = this.oldest + (((seq32 - this.oldest) >>> 0));
    if (seq >= this.next) return undefined;
    const i = seq & this.mask;
    const x = this.items[i];
    this.items[i] = undefined;
    while (this.oldest < this.next && this.items[this.oldest & this.mask] === undefined) this.oldest++;
    return x;
  }

  private grow(): void {
    const size = (this.mask + 1) * 2;
    const items: (T | undefined)[] = new Array(size);
    for (let s = this.oldest; s < this.next; s++) items[s & (size - 1)] = this.items[s & this.mask];
    this.items = items;
    this.mask = size - 1;
  }
}

class InboundStream {
  leftover: Buffer | null = null;
  /** A frame larger than what has arrived: exact-size buffer being filled. */
  big: Buffer | null = null;
  bigFilled = 0;
}

export class Mesh {
  readonly me: number;
  readonly n: number;
  private readonly out: (ByteRing | null)[] = [];
  private readonly inb: (ByteRing | null)[] = [];
  private readonly bells: Int32Array;
  private readonly staging: ReplyWriter[] = [];
  private readonly backlog: Buffer[][] = [];
  private readonly sinks: SeqTable<ReplySink>[] = [];
  /** Sequence number of the next request from each peer. */
  private readonly recvSeq: number[] = [];
  /** Inside onFrame: a late reply for the same peer must wait until the current frame is written. */
  private framing = false;
  private framingPeer = -1;
  private readonly lateSends: [number, number, number, 2 | 3, number, Buffer[], ReplySink][] = [];
  private readonly lateReplies: [number, number, Buffer][] = [];
  private readonly streams: InboundStream[] = [];
  private flushScheduled = false;
  /** Requests sent whose replies have not arrived yet. */
  private outstanding = 0;
  private pollScheduled = false;
  private pollSince = 0;
  private stopped = false;
  private executor: RemoteExecutor;
  /** Frames sent and received, for INFO. */
  sentRequests = 0;
  servedRequests = 0;

  /** How long (ms) a worker keeps polling its rings without progress while it awaits replies. */
  pollWindowMs = 0.2;

  constructor(me: number, layout: MeshLayout, executor: RemoteExecutor) {
    this.me = me;
    this.n = layout.rings.length;
    this.executor = executor;
    this.bells = new Int32Array(layout.bells);
    for (let p = 0; p < this.n; p++) {
      const o = layout.rings[me][p];
      const i = layout.rings[p][me];
      this.out.push(o ? new ByteRing(o) : null);
      this.inb.push(i ? new ByteRing(i) : null);
      this.staging.push(new ReplyWriter(64 * 1024));
      this.backlog.push([]);
      this.sinks.push(new SeqTable());
      this.recvSeq.push(0);
      this.streams.push(new InboundStream());
    }
  }

  /** Starts serving the doorbell. The caller must keep the event loop alive (a listening socket). */
  start(): void {
    void this.bellLoop();
  }

  stop(): void {
    this.stopped = true;
    this.wake(this.me);
  }

  /** Rings worker p's doorbell (wakes its bell loop). */
  private wake(p: number): void {
    Atomics.add(this.bells, p, 1);
    Atomics.notify(this.bells, p);
  }

  /** Queues command `cmd` with `args` for shard `peer`; `sink` receives the reply. */
  send(peer: number, cmd: number, db: number, resp: 2 | 3, flags: number, args: Buffer[], sink: ReplySink): void {
    if (this.framing && peer === this.framingPeer) {
      // Sent while a reply to this peer is being written (a command that serves a blocked client):
      // goes right after that reply.
      this.lateSends.push([peer, cmd, db, resp, flags, args.map((a) => Buffer.from(a)), sink]);
      return;
    }
    const w = this.staging[peer];
    // [size u32][kind u8][cmd u16][db u16][resp u8][flags u8][argc u32] then [len u32][bytes] per arg.
    let size = 15;
    for (let i = 0; i < args.length; i++) size += 4 + args[i].length;
    w.ensure(size);
    const buf = w.buf;
    let at = w.len;
    buf.writeUInt32LE(size - 4, at);
    buf[at + 4] = KIND_REQUEST;
    buf.writeUInt16LE(cmd, at + 5);
    buf.writeUInt16LE(db, at + 7);
    buf[at + 9] = resp;
    buf[at + 10] = flags;
    buf.writeUInt32LE(args.length, at + 11);
    at += 15;
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      buf.writeUInt32LE(a.length, at);
      buf.set(a, at + 4);
      at += 4 + a.length;
    }
    w.len = at;
    this.sinks[peer].push(sink);
    this.outstanding++;
    this.sentRequests++;
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(this.flushAll);
  }

  /** A request is being executed (its reply frame is half-written in staging): flushAll must wait. */
  get executing(): boolean {
    return this.framing;
  }

  /** Writes every staged frame into the rings and rings each peer's doorbell once. */
  readonly flushAll = (): void => {
    this.flushScheduled = false;
    for (let p = 0; p < this.n; p++) {
      if (p === this.me) continue;
      const w = this.staging[p];
      const queued = this.backlog[p];
      if (w.pending === 0 && queued.length === 0) continue;
      if (w.pending > 0) queued.push(w.take());
      if (this.pump(p)) this.wake(p);
    }
    if (this.outstanding > 0 && !this.pollScheduled) {
      this.pollScheduled = true;
      this.pollSince = performance.now();
      setImmediate(this.poll);
    }
  };

  /**
   * While replies are outstanding, check the inbound rings on every event-loop turn (the loop does
   * not block meanwhile) for up to pollWindowMs since the last progress: the replies and the peers'
   * requests are picked up without waiting for a cross-thread wake-up, which costs far more than a
   * look at two ring counters — but the spinning takes a core, so it only pays where the threads
   * have cores to spare (see --mesh_poll_us). The doorbell remains the fallback.
   */
  private readonly poll = (): void => {
    this.pollScheduled = false;
    if (this.stopped) return;
    let data = false;
    for (let p = 0; p < this.n; p++) {
      const ring = this.inb[p];
      if (ring !== null && ring.hasData()) {
        data = true;
        break;
      }
    }
    const now = performance.now();
    if (data) {
      this.pollSince = now;
      this.drain();
      return;
    }
    if (this.outstanding > 0 && now - this.pollSince < this.pollWindowMs) {
      this.pollScheduled = true;
      setImmediate(this.poll);
    }
  };

  /** Moves backlog bytes for peer p into its ring. Returns true if any byte moved. */
  private pump(p: number): boolean {
    const ring = this.out[p]!;
    const queued = this.backlog[p];
    let moved = false;
    while (queued.length > 0) {
      const b = queued[0];
      const n = ring.write(b, 0, b.length);
      if (n > 0) moved = true;
      if (n === b.length) {
        queued.shift();
        continue;
      }
      queued[0] = b.subarray(n);
      ring.wantSpace();
      // The consumer may have freed space before it saw the flag: try once more.
      const m = ring.write(queued[0], 0, queued[0].length);
      if (m > 0) {
        moved = true;
        if (m === queued[0].length) {
          queued.shift();
          continue;
        }
        queued[0] = queued[0].subarray(m);
      }
      break;
    }
    return moved;
  }

  private async bellLoop(): Promise<void> {
    while (!this.stopped) {
      const seen = Atomics.load(this.bells, this.me);
      this.drain();
      const r = Atomics.waitAsync(this.bells, this.me, seen);
      if (r.async) await r.value;
      // The bell rang during the drain: drain again, but after this thread's sockets and timers
      // have had their turn (a peer flooding the ring must not starve them).
      else await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** Reads every inbound ring, runs requests, completes replies, then flushes what that produced. */
  drain(): void {
    this.executor.beginBatch();
    for (let p = 0; p < this.n; p++) {
      const ring = this.inb[p];
      if (ring === null) continue;
      const bytes = ring.read();
      if (ring.takeSpaceRequest()) this.wake(p);
      if (bytes !== null) this.consume(p, bytes);
      if (this.backlog[p].length > 0 && this.pump(p)) this.wake(p);
    }
    this.executor.endBatch?.();
    this.flushAll();
  }

  private consume(p: number, bytes: Buffer): void {
    const s = this.streams[p];
    if (s.big !== null) {
      const n = Math.min(bytes.length, s.big.length - s.bigFilled);
      bytes.copy(s.big, s.bigFilled, 0, n);
      s.bigFilled += n;
      bytes = bytes.subarray(n);
      if (s.bigFilled < s.big.length) return;
      const frame = s.big;
      s.big = null;
      s.bigFilled = 0;
      this.onFrame(p, frame, 0, frame.length);
    }
    if (s.leftover !== null) {
      bytes = Buffer.concat([s.leftover, bytes]);
      s.leftover = null;
    }
    let at = 0;
    while (bytes.length - at >= 4) {
      const size = bytes.readUInt32LE(at);
      if (bytes.length - at - 4 < size) {
        if (size > 256 * 1024) {
          s.big = Buffer.allocUnsafe(size);
          bytes.copy(s.big, 0, at + 4);
          s.bigFilled = bytes.length - at - 4;
          return;
        }
        break;
      }
      this.onFrame(p, bytes, at + 4, at + 4 + size);
      at += 4 + size;
    }
    if (at < bytes.length) s.leftover = bytes.subarray(at);
  }

  private onFrame(p: number, buf: Buffer, from: number, to: number): void {
    if (buf[from] === KIND_REPLY) {
      const sink = this.sinks[p].take(buf.readUInt32LE(from + 1));
      this.outstanding--;
      if (sink === undefined) return;
      // A completion that throws must not stop the drain: the frames after it belong to others.
      try {
        sink.complete(buf.subarray(from + 5, to));
      } catch (e) {
        this.executor.fault(e, 'a reply from shard ' + p);
      }
      return;
    }
    const seq = this.recvSeq[p];
    this.recvSeq[p] = (seq + 1) >>> 0;
    const cmd = buf.readUInt16LE(from + 1);
    const db = buf.readUInt16LE(from + 3);
    const resp = buf[from + 5] === 3 ? 3 : 2;
    const flags = buf[from + 6];
    const argc = buf.readUInt32LE(from + 7);
    const args: Buffer[] = new Array(argc);
    let at = from + 11;
    for (let i = 0; i < argc; i++) {
      const len = buf.readUInt32LE(at);
      args[i] = buf.subarray(at + 4, at + 4 + len);
      at += 4 + len;
    }
    const w = this.staging[p];
    w.ensure(9);
    const headFromStart = w.len - w.start; // ensure() may move the buffer: keep a relative position
    w.len += 9;
    w.resp = resp;
    this.framing = true;
    this.framingPeer = p;
    let answered: boolean;
    try {
      answered = this.executor.execute(cmd, db, resp, flags, args, w, p, seq);
    } catch (e) {
      // A bug outside the command's own guard: the request is answered with an error, and the
      // drain goes on (its peer's reply FIFO stays in step).
      this.executor.fault(e, 'a request from shard ' + p);
      w.len = w.start + headFromStart + 9;
      w.error(internalErrorText(e));
      answered = true;
    } finally {
      this.framing = false;
      this.framingPeer = -1;
    }
    const head = w.start + headFromStart;
    if (answered) {
      w.buf.writeUInt32LE(w.len - head - 4, head);
      w.buf[head + 4] = KIND_REPLY;
      w.buf.writeUInt32LE(seq, head + 5);
    } else {
      w.len = head; // held back: the executor answers later with reply()
    }
    this.servedRequests++;
    if (this.lateReplies.length > 0) this.writeLateReplies();
    if (this.lateSends.length > 0) {
      for (const [peer, c, d, r, f, a, sink] of this.lateSends.splice(0)) this.send(peer, c, d, r, f, a, sink);
    }
  }

  /** Answers request `seq` of peer `peer` (one the executor held back). */
  reply(peer: number, seq: number, bytes: Buffer): void {
    if (this.framing) {
      this.lateReplies.push([peer, seq, Buffer.from(bytes)]);
      return;
    }
    this.writeReply(peer, seq, bytes);
    this.scheduleFlush();
  }

  private writeLateReplies(): void {
    const list = this.lateReplies.splice(0);
    for (const [peer, seq, bytes] of list) this.writeReply(peer, seq, bytes);
    this.scheduleFlush();
  }

  private writeReply(peer: number, seq: number, bytes: Buffer): void {
    const w = this.staging[peer];
    w.ensure(9 + bytes.length);
    const at = w.len;
    w.buf.writeUInt32LE(5 + bytes.length, at);
    w.buf[at + 4] = KIND_REPLY;
    w.buf.writeUInt32LE(seq, at + 5);
    w.buf.set(bytes, at + 9);
    w.len = at + 9 + bytes.length;
  }
}
