// TxShard: this shard's side of transactions — intent locks on keys, the transactions scheduled here
// ordered by timestamp, and the commands held back behind them (VLL with Skeen-style timestamps).
// Invariants:
// - every live entry holds its locks from the moment it is proposed (or deferred) until it concludes;
// - an entry's timestamp is a proposal (pending) until its coordinator finalizes it; timestamps come
//   from one shared counter, so they are unique and only grow in real time;
// - an entry runs its operations only when it is final and no live entry with a smaller timestamp
//   holds a conflicting lock (write/any, any/write, or a whole-shard lock): conflicting entries run in
//   timestamp order on every shard, and waits only ever point to smaller timestamps (no deadlock);
// - a command outside any transaction runs at once when none of its keys is locked, else it becomes
//   an entry of its own with a fresh (final) timestamp: after every final entry here, and after any
//   pending one whose final timestamp turns out smaller;
// - a long lock list (more than LOCK_SLICE locks: a huge EXEC) is taken and released in slices, one
//   per event-loop turn, so the thread serves other work meanwhile. While an entry is still taking
//   its locks it is not final anywhere (its proposal is answered only once they are all taken), so a
//   command that runs meanwhile on a key it has not locked yet comes before it; every entry with a
//   larger timestamp waits for it as for a whole-shard write lock. While it releases them, the keys it
//   still holds stay locked (two-phase locking's shrinking phase).
// - an entry with more than FEW_LOCKS locks checks only its contended ones (keys that had, or later
//   got, another holder): its other keys have no other holder, so it waits on nothing there. A huge
//   EXEC on keys nobody else touches is found runnable in O(1), not by walking its million locks.

/** What a transaction runs on a shard: a command or a shard operation, known here by its wire number only. */
export interface Runnable {
  readonly index: number;
}

/** The handle of an entry that is no transaction's (a command held back behind one). */
const NO_HANDLE = 0;

/** Locks taken or released per event-loop turn by an entry with more of them. */
export const LOCK_SLICE = 16384;
/** Above this many locks an entry keeps its contended ones apart (mayRun checks only those). */
const FEW_LOCKS = 64;

export const NO_GLOBAL = 0;
export const GLOBAL_READ = 1;
export const GLOBAL_WRITE = 2;

/**
 * Whether two entries conflict through a whole-shard lock: a whole-shard write lock conflicts with
 * everything, a whole-shard read lock with any writer.
 */
function globalConflict(a: TxEntry, b: TxEntry): boolean {
  if (a.global === GLOBAL_WRITE || b.global === GLOBAL_WRITE) return true;
  return (a.global === GLOBAL_READ && b.writes) || (b.global === GLOBAL_READ && a.writes);
}

/** One lock: a key of a database, shared (read) or exclusive (write). */
export interface Lock {
  db: number;
  key: string;
  write: boolean;
}

interface Holder {
  entry: TxEntry;
  write: boolean;
}

/** An operation of a transaction on this shard: a command to run, or just the end of the transaction. */
export interface TxOp<R extends Runnable = Runnable> {
  /** A command, or a shard operation (its encoded arguments in args[0]); null: conclude only. */
  cmd: R | null;
  db: number;
  resp: 2 | 3;
  noTouch: boolean;
  args: Buffer[];
  /** Release the locks after this operation. */
  conclude: boolean;
  /** Counted as a call in the command stats (a command held back behind a transaction). */
  record: boolean;
  /** Receives the reply (empty for a conclude-only operation). */
  done: (reply: Buffer) => void;
}

export class TxEntry<R extends Runnable = Runnable> {
  readonly handle: number;
  ts: number;
  final: boolean;
  /** Locks the whole shard: GLOBAL_WRITE (FLUSHALL, FLUSHDB, SWAPDB), GLOBAL_READ (DBSIZE, KEYS, SCAN), or NO_GLOBAL. */
  readonly global: number;
  /** Holds a write lock (on a key or the whole shard). */
  readonly writes: boolean;
  readonly locks: Lock[];
  readonly ops: TxOp<R>[] = [];
  armed = false;
  /** Its locks are still being taken (in slices): it is not final, and later entries wait for it. */
  locking = false;
  /** Its locks are being released (in slices) after it concluded. */
  releasing = false;
  /**
   * With more than FEW_LOCKS locks: those on keys another entry also held while it did (mayRun
   * checks only these); unused for fewer (mayRun checks them all).
   */
  readonly contended: Lock[] = [];
  /**
   * Found runnable once: it stays so until it ends (entries that come later get larger timestamps,
   * and pending ones only move later), so the check is not repeated.
   */
  running = false;

  /** `writes`: whether a lock writes, for an entry whose locks are added later (in slices). */
  constructor(handle: number, ts: number, final: boolean, global: number, locks: Lock[], writes = locks.some((l) => l.write)) {
    this.handle = handle;
    this.ts = ts;
    this.final = final;
    this.global = global;
    this.writes = global === GLOBAL_WRITE || writes;
    this.locks = locks;
  }
}

/** Runs one operation's command on this shard and returns its reply bytes. */
export type OpRunner<R extends Runnable = Runnable> = (op: TxOp<R>) => Buffer;

const EMPTY = Buffer.alloc(0);

export class TxShard<R extends Runnable = Runnable> {
  private readonly holders: Map<string, Holder[]>[] = [];
  private readonly entries = new Set<TxEntry<R>>();
  private readonly byHandle = new Map<number, TxEntry<R>>();
  private readonly globals: TxEntry<R>[] = [];
  /** Entries still taking their locks: every entry with a larger timestamp waits for them. */
  private readonly locking: TxEntry<R>[] = [];
  private readonly armed: TxEntry<R>[] = [];
  private readonly nextTs: () => number;
  private readonly runner: OpRunner<R>;
  private pumping = false;
  private again = false;

  private readonly onConclude: () => void;

  constructor(dbnum: number, nextTs: () => number, runner: OpRunner<R>, onConclude: () => void = () => {}) {
    for (let i = 0; i < dbnum; i++) this.holders.push(new Map());
    this.nextTs = nextTs;
    this.runner = runner;
    this.onConclude = onConclude;
  }

  /** No transaction is live here: every command may run at once. */
  get idle(): boolean {
    return this.entries.size === 0;
  }

  /** Whether a live entry holds key of db (or the whole shard): eviction leaves such keys alone. */
  holds(db: number, key: string): boolean {
    if (this.entries.size === 0) return false;
    return this.globals.length > 0 || this.holders[db].has(key);
  }

  /** Whether a command taking these locks must wait behind a live entry. */
  mustWait(locks: Lock[], write: boolean): boolean {
    if (this.entries.size === 0) return false;
    for (const g of this.globals) if (g.global === GLOBAL_WRITE || write) return true;
    for (const l of locks) {
      const hs = this.holders[l.db].get(l.key);
      if (hs === undefined) continue;
      if (write) return true;
      for (const h of hs) if (h.write) return true;
    }
    return false;
  }

  /** Schedules transaction `handle` with these locks, all taken now; returns its proposed timestamp. */
  propose(handle: number, locks: Lock[], global: number): number {
    const e = new TxEntry<R>(handle, this.nextTs(), false, global, locks);
    this.add(e);
    this.byHandle.set(handle, e);
    return e.ts;
  }

  /**
   * Schedules transaction `handle` like propose(); a list of more than LOCK_SLICE locks is taken in
   * slices, one per event-loop turn. `locked` gets the proposed timestamp once every lock is taken
   * (at once for a short list). The locks come as a list or encoded (encodeLocks), then decoded
   * slice by slice too.
   */
  proposeInSlices(handle: number, source: Lock[] | Buffer, global: number, locked: (ts: number) => void): void {
    const wire = Buffer.isBuffer(source) ? source : null;
    const count = wire !== null ? countLocks(wire) : (source as Lock[]).length;
    if (count <= LOCK_SLICE) {
      locked(this.propose(handle, wire !== null ? decodeLocks(wire) : (source as Lock[]), global));
      return;
    }
    // Encoded locks are a view of the ring's buffer, reused once this frame is handled: kept as a copy.
    const encoded = wire !== null ? Buffer.from(wire) : null;
    const locks: Lock[] = encoded !== null ? [] : (source as Lock[]);
    const e = new TxEntry<R>(handle, this.nextTs(), false, global, locks, encoded !== null ? writesAny(encoded) : locks.some((l) => l.write));
    e.locking = true;
    this.locking.push(e);
    this.entries.add(e);
    if (e.global !== NO_GLOBAL) this.globals.push(e);
    this.byHandle.set(handle, e);
    let at = 0;
    const step = (from: number): void => {
      const to = Math.min(count, from + LOCK_SLICE);
      if (encoded !== null) at = decodeLocksInto(encoded, at, to - from, locks);
      for (let i = from; i < to; i++) this.addLock(e, locks[i]);
      if (to < count) {
        setImmediate(step, to);
        return;
      }
      e.locking = false;
      this.locking.splice(this.locking.indexOf(e), 1);
      locked(e.ts);
      // Entries with larger timestamps waited for it: they may run now, if their locks allow.
      this.pump();
    };
    step(0);
  }

  /**
   * For an operation arriving for `handle` (finalized at `ts`, 0: already final): the entry when the
   * operation may run at once — nothing queued before it and the entry may run — so the caller runs
   * it in place (then calls ranInline); 'none' when the transaction has no entry here (run it, no
   * locks); null when it must be queued with enqueue().
   */
  inlineEntry(handle: number, ts: number): TxEntry<R> | 'none' | null {
    const e = this.byHandle.get(handle);
    if (e === undefined) return 'none';
    if (ts > 0 && !e.final) {
      e.ts = ts;
      e.final = true;
      this.pump();
    }
    return e.ops.length === 0 && !e.armed && this.runnable(e) ? e : null;
  }

  /** After an operation ran in place for e: ends e if it concluded. */
  ranInline(e: TxEntry<R>, conclude: boolean): void {
    if (!conclude) return;
    this.release(e);
    this.onConclude();
    this.pump();
  }

  /** Holds back a command outside any transaction behind the entries that lock its keys. */
  defer(locks: Lock[], op: TxOp<R>): void {
    // A fresh timestamp, final at once: after every final entry here (their timestamps were drawn
    // earlier), before any pending one that ends up later (none of those has run anywhere yet). The
    // client's own transactions sent before it are final already (Connection holds such a command
    // back until they are).
    const e = new TxEntry<R>(NO_HANDLE, this.nextTs(), true, NO_GLOBAL, locks);
    this.add(e);
    e.ops.push(op);
    this.arm(e);
    this.pump();
  }

  /**
   * Finalizes `handle` at `ts` (0: already final) and queues `op` for it. An operation for a
   * transaction that has no entry here (it locked nothing on this shard) runs at once.
   */
  enqueue(handle: number, ts: number, op: TxOp<R> | null): void {
    const e = this.byHandle.get(handle);
    if (e === undefined) {
      if (op !== null) op.done(op.cmd === null ? EMPTY : this.runner(op));
      return;
    }
    if (ts > 0 && !e.final) {
      e.ts = ts;
      e.final = true;
    }
    if (op !== null) {
      e.ops.push(op);
      this.arm(e);
    }
    this.pump();
  }

  private add(e: TxEntry<R>): void {
    this.entries.add(e);
    if (e.global !== NO_GLOBAL) this.globals.push(e);
    for (const l of e.locks) this.addLock(e, l);
  }

  /** Makes e a holder of lock l; a key with other holders is a contended lock for each of them. */
  private addLock(e: TxEntry<R>, l: Lock): void {
    const map = this.holders[l.db];
    let hs = map.get(l.key);
    if (hs === undefined) map.set(l.key, (hs = []));
    else if (hs.length > 0) {
      if (e.locks.length > FEW_LOCKS) e.contended.push(l);
      for (const h of hs) if (h.entry.locks.length > FEW_LOCKS) h.entry.contended.push({ db: l.db, key: l.key, write: h.write });
    }
    hs.push({ entry: e, write: l.write });
  }

  /** Gives up e's locks: at once, or for a long list in slices (e stays live until the last one). */
  private release(e: TxEntry<R>): void {
    if (e.handle !== NO_HANDLE) this.byHandle.delete(e.handle);
    if (e.locks.length <= LOCK_SLICE) {
      for (const l of e.locks) this.releaseLock(e, l);
      this.forget(e);
      return;
    }
    e.releasing = true;
    const step = (from: number): void => {
      const to = Math.min(e.locks.length, from + LOCK_SLICE);
      for (let i = from; i < to; i++) this.releaseLock(e, e.locks[i]);
      if (to < e.locks.length) {
        setImmediate(step, to);
        // Entries waiting on the keys released so far may run now.
        if (from > 0) this.pump();
        return;
      }
      this.forget(e);
      if (from > 0) {
        this.onConclude();
        this.pump();
      }
    };
    step(0);
  }

  private releaseLock(e: TxEntry<R>, l: Lock): void {
    const map = this.holders[l.db];
    const hs = map.get(l.key);
    if (hs === undefined) return;
    if (hs.length === 1) {
      if (hs[0].entry === e) map.delete(l.key);
      return;
    }
    const i = hs.findIndex((h) => h.entry === e);
    if (i >= 0) hs.splice(i, 1);
  }

  /** e holds nothing any more: it leaves the live entries. */
  private forget(e: TxEntry<R>): void {
    this.entries.delete(e);
    if (e.global !== NO_GLOBAL) this.globals.splice(this.globals.indexOf(e), 1);
  }

  private arm(e: TxEntry<R>): void {
    if (e.armed) return;
    e.armed = true;
    this.armed.push(e);
  }

  /** Whether entry e may run now. */
  private runnable(e: TxEntry<R>): boolean {
    if (e.running) return true;
    if (!this.mayRun(e)) return false;
    e.running = true;
    return true;
  }

  private mayRun(e: TxEntry<R>): boolean {
    if (!e.final || e.locking) return false;
    const ts = e.ts;
    // An entry still taking its locks may turn out to conflict: everything after it waits.
    for (const o of this.locking) if (o.ts < ts) return false;
    if (e.global === GLOBAL_WRITE) {
      for (const o of this.entries) if (o !== e && o.ts < ts) return false;
      return true;
    }
    if (e.global === GLOBAL_READ) {
      for (const o of this.entries) if (o !== e && o.ts < ts && (o.writes || o.global === GLOBAL_WRITE)) return false;
    } else {
      for (const g of this.globals) if (g.ts < ts && globalConflict(g, e)) return false;
    }
    for (const l of e.locks.length > FEW_LOCKS ? e.contended : e.locks) {
      const hs = this.holders[l.db].get(l.key);
      if (hs === undefined) continue;
      for (const h of hs) if (h.entry !== e && h.entry.ts < ts && (h.write || l.write)) return false;
    }
    return true;
  }

  /** Runs every armed entry that may run, in timestamp order, until nothing more can. */
  pump(): void {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.again = false;
        if (this.armed.length > 1) this.armed.sort((a, b) => a.ts - b.ts);
        for (let i = 0; i < this.armed.length; i++) {
          const e = this.armed[i];
          if (!this.runnable(e)) continue;
          this.armed.splice(i--, 1);
          e.armed = false;
          if (this.runOps(e)) this.again = true;
        }
      } while (this.again);
    } finally {
      this.pumping = false;
    }
  }

  /** Runs e's queued operations; returns true when e concluded (its locks are gone). */
  private runOps(e: TxEntry<R>): boolean {
    while (e.ops.length > 0) {
      const op = e.ops.shift()!;
      const reply = op.cmd === null ? EMPTY : this.runner(op);
      if (op.conclude) {
        e.ops.length = 0;
        this.release(e);
        this.onConclude();
        op.done(reply);
        return true;
      }
      op.done(reply);
    }
    return false;
  }
}

/** Copies arguments (views into a buffer that will be reused) into one new buffer. */
export function copyArgs(args: Buffer[]): Buffer[] {
  let total = 0;
  for (const a of args) total += a.length;
  const buf = Buffer.allocUnsafe(total);
  const out: Buffer[] = new Array(args.length);
  let at = 0;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    a.copy(buf, at);
    out[i] = buf.subarray(at, at + a.length);
    at += a.length;
  }
  return out;
}

/** The encoded size of locks. */
export function encodedLocksSize(locks: Lock[]): number {
  let size = 0;
  for (const l of locks) size += 7 + l.key.length;
  return size;
}

/**
 * Encodes locks for the wire in one buffer: per lock [db u16][write u8][key length u32][key bytes].
 * `into`/`from`/`to`: encodes locks[from, to) at offset `at` of `into` (a long list is encoded in
 * slices); returns the offset after them.
 */
export function encodeLocksInto(locks: Lock[], from: number, to: number, into: Buffer, at: number): number {
  for (let i = from; i < to; i++) {
    const l = locks[i];
    const key = l.key;
    const len = key.length;
    into[at] = l.db & 0xff;
    into[at + 1] = l.db >>> 8;
    into[at + 2] = l.write ? 1 : 0;
    into.writeUInt32LE(len, at + 3);
    at += 7;
    // Short keys byte by byte (cheaper than a call into the runtime per key).
    if (len <= 32) for (let j = 0; j < len; j++) into[at + j] = key.charCodeAt(j);
    else into.latin1Write(key, at);
    at += len;
  }
  return at;
}

export function encodeLocks(locks: Lock[]): Buffer {
  const b = Buffer.allocUnsafe(encodedLocksSize(locks));
  encodeLocksInto(locks, 0, locks.length, b, 0);
  return b;
}

export function decodeLocks(b: Buffer): Lock[] {
  const out: Lock[] = [];
  decodeLocksInto(b, 0, Infinity, out);
  return out;
}

/** Decodes up to `max` locks from offset `at` of b into out; returns the offset after them. */
function decodeLocksInto(b: Buffer, at: number, max: number, out: Lock[]): number {
  for (let n = 0; n < max && at < b.length; n++) {
    const len = b.readUInt32LE(at + 3);
    out.push({ db: b.readUInt16LE(at), write: b[at + 2] === 1, key: b.latin1Slice(at + 7, at + 7 + len) });
    at += 7 + len;
  }
  return at;
}

/** How many locks b encodes. */
function countLocks(b: Buffer): number {
  let n = 0;
  for (let at = 0; at < b.length; n++) at += 7 + b.readUInt32LE(at + 3);
  return n;
}

/** Whether any lock b encodes is a write lock. */
function writesAny(b: Buffer): boolean {
  for (let at = 0; at < b.length; at += 7 + b.readUInt32LE(at + 3)) if (b[at + 2] === 1) return true;
  return false;
}
