// ReplyQueue: one client's replies in command order — bytes already produced and PendingReply slots
// that another shard (or a later hop) fills — and their writing to the client's output.
// Invariants: pieces leave strictly in the order they were queued; a slot still in flight holds back
// everything after it; complete pieces are joined so that one batch costs one write (big runs are
// written in 256 KB pieces, never as one huge writev). `heldBytes` is exactly the bytes of complete
// pieces queued and not yet written (what backpressure counts besides the socket's own buffer).

import type { ReplySink } from '../runtime/mesh.ts';

/** Where a queue writes: a socket, or anything with the same three calls. */
export interface ReplyOutput {
  write(b: Uint8Array): boolean;
  cork(): void;
  uncork(): void;
}

/** A reply being produced elsewhere (another shard, or a multi-hop command). */
/** Told when a watched slot is filled (the slow log timing a command run on another shard). */
export interface ReplyWatcher {
  replied(p: PendingReply): void;
}

export class PendingReply implements ReplySink {
  bytes: Buffer | null = null;
  /** CLIENT REPLY OFF/SKIP: the reply is produced (and counted) but not written. */
  discard = false;
  private readonly queue: ReplyQueue | null;
  /** Set by watch(): who is told when the reply arrives, what it was for, and when it was sent (performance.now()). */
  watcher: ReplyWatcher | null = null;
  watchedCommand: unknown = null;
  watchedArgs: Buffer[] | null = null;
  sentAt = 0;

  constructor(queue: ReplyQueue | null) {
    this.queue = queue;
  }

  /** Asks for `watcher.replied(this)` once the reply is in. */
  watch(watcher: ReplyWatcher, command: unknown, args: Buffer[], sentAt: number): void {
    this.watcher = watcher;
    this.watchedCommand = command;
    this.watchedArgs = args;
    this.sentAt = sentAt;
  }

  /** Fills the slot; a slot is filled once (a late second answer, after a failure was answered, is dropped). */
  complete(reply: Buffer): void {
    if (this.bytes !== null) return;
    this.bytes = reply;
    if (this.queue !== null) this.queue.pieceDone(reply.length);
    if (this.watcher !== null) this.watcher.replied(this);
  }
}

/** Pieces at most this long are joined into one write; longer runs are written in pieces. */
const JOIN_LIMIT = 256 * 1024;
/** A piece at least this long is written as it is (not copied into a join). */
const BIG_PIECE = 64 * 1024;

export class ReplyQueue {
  private pieces: (Buffer | PendingReply)[] = [];
  private inFlight = 0;
  /** Bytes of the complete pieces queued (not yet written). */
  heldBytes = 0;
  /**
   * The expected size of a slot's reply: a moving average (1/8) of the replies that filled slots,
   * starting from the owner's guess. The owner bounds the bytes its slots in flight will bring with it
   * before any of them has come back.
   */
  slotBytesAvg = 0;
  /** While the owner waits for the slots in flight to fall to this count, onSlotDone runs there too (-1: not waiting). */
  wakeAtInFlight = -1;
  private readonly out: ReplyOutput;
  private readonly onSlotDone: () => void;

  /** `onSlotDone` runs when a slot is filled and no other slot is in flight (or `wakeAtInFlight` are). */
  constructor(out: ReplyOutput, onSlotDone: () => void) {
    this.out = out;
    this.onSlotDone = onSlotDone;
  }

  /** Pieces queued (complete or not). */
  get length(): number {
    return this.pieces.length;
  }

  /** Slots still in flight. */
  get pending(): number {
    return this.inFlight;
  }

  /** The bytes the slots in flight are expected to bring (by slotBytesAvg). */
  get expectedBytes(): number {
    return this.inFlight * this.slotBytesAvg;
  }

  push(b: Buffer): void {
    this.pieces.push(b);
    this.heldBytes += b.length;
  }

  /** Queues a slot another thread (or a later hop) will fill. */
  addPending(): PendingReply {
    const p = new PendingReply(this);
    this.pieces.push(p);
    this.inFlight++;
    return p;
  }

  /** The client is gone: its queued replies are released now (slots still in flight only count down when filled). */
  drop(): void {
    this.pieces = [];
    this.heldBytes = 0;
    this.wakeAtInFlight = -1;
  }

  /** CLIENT REPLY OFF/SKIP: the last queued slot's reply is not written. */
  discardLast(): void {
    const last = this.pieces[this.pieces.length - 1];
    if (last instanceof PendingReply) last.discard = true;
  }

  pieceDone(bytes: number): void {
    this.heldBytes += bytes;
    this.slotBytesAvg += (bytes - this.slotBytesAvg) * 0.125;
    const left = --this.inFlight;
    if (left === 0 || left === this.wakeAtInFlight) this.onSlotDone();
  }

  /** Writes every queued piece (all complete) and `tail`; returns the bytes written. */
  writeAll(tail: Buffer | null): number {
    if (this.pieces.length === 0) {
      if (tail === null) return 0;
      this.out.write(tail);
      return tail.length;
    }
    const bytes = this.writeFirst(this.pieces.length, tail);
    this.pieces = [];
    this.heldBytes = 0;
    return bytes;
  }

  /** Writes the complete pieces at the head (before the first slot in flight), at most `limit`; returns the bytes. */
  writeReady(limit: number): number {
    const q = this.pieces;
    let n = 0;
    while (n < limit && n < q.length) {
      const piece = q[n];
      if (piece instanceof PendingReply && piece.bytes === null) break;
      n++;
    }
    if (n === 0) return 0;
    let taken = 0;
    for (let i = 0; i < n; i++) {
      const piece = q[i];
      taken += piece instanceof PendingReply ? piece.bytes!.length : piece.length;
    }
    const bytes = this.writeFirst(n, null);
    this.pieces = q.slice(n);
    this.heldBytes -= taken;
    return bytes;
  }

  /** Writes the first n pieces (all complete) and `tail` in as few writes as is safe. */
  private writeFirst(n: number, tail: Buffer | null): number {
    // One write for the whole batch: copying a few hundred bytes is cheaper than a writev of
    // many small pieces through the stream machinery.
    const out = this.out;
    const list: Buffer[] = [];
    let bytes = 0;
    for (let i = 0; i < n; i++) {
      const piece = this.pieces[i];
      const b = piece instanceof PendingReply ? (piece.discard ? null : piece.bytes) : piece;
      if (b !== null && b.length > 0) {
        list.push(b);
        bytes += b.length;
      }
    }
    if (tail !== null) {
      list.push(tail);
      bytes += tail.length;
    }
    if (list.length === 0) return 0;
    if (list.length === 1) out.write(list[0]);
    else if (bytes <= JOIN_LIMIT) out.write(Buffer.concat(list, bytes));
    else {
      // Large pieces go as they are; runs of small ones are joined. (Tens of thousands of small
      // buffers queued behind a backed-up socket end in one writev that fails with EINVAL, which
      // resets the connection.)
      out.cork();
      let run: Buffer[] = [];
      let runBytes = 0;
      const writeRun = (): void => {
        if (run.length === 1) out.write(run[0]);
        else if (run.length > 1) out.write(Buffer.concat(run, runBytes));
        run = [];
        runBytes = 0;
      };
      for (const b of list) {
        if (b.length >= BIG_PIECE) {
          writeRun();
          out.write(b);
          continue;
        }
        run.push(b);
        runBytes += b.length;
        if (runBytes >= JOIN_LIMIT) writeRun();
      }
      writeRun();
      out.uncork();
    }
    return bytes;
  }
}
