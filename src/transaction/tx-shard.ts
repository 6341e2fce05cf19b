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
//   pending one whose final timestamp turns out smaller.

/** What a transaction runs on a shard: a command or a shard operation, known here by its wire number only. */
export interface Runnable {
  readonly index: number;
}

/** The handle of an entry that is no transaction's (a command held back behind one). */
const NO_HANDLE = 0;

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
  /**
   * Found runnable once: it stays so until it ends (entries that come later get larger timestamps,
   * and pending ones only move later), so the check is not repeated.
   */
  running = false;

  constructor(handle: number, ts: number, final: boolean, global: number, locks: Lock[]) {
    this.handle = handle;
    this.ts = ts;
    this.final = final;
    this.global = global;
    this.writes = global === GLOBAL_WRITE || locks.some((l) => l.write);
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

  /** Schedules transaction `handle` with these locks; returns its proposed timestamp. */
  propose(handle: number, locks: Lock[], global: number): number {
    const e = new TxEntry<R>(handle, this.nextTs(), false, global, locks);
    this.add(e);
    this.byHandle.set(handle, e);
    return e.ts;
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
    for (const l of e.locks) {
      const map = this.holders[l.db];
      let hs = map.get(l.key);
      if (hs === undefined) map.set(l.key, (hs = []));
      hs.push({ entry: e, write: l.write });
    }
  }

  private release(e: TxEntry<R>): void {
    this.entries.delete(e);
    if (e.handle !== NO_HANDLE) this.byHandle.delete(e.handle);
    if (e.global !== NO_GLOBAL) this.globals.splice(this.globals.indexOf(e), 1);
    for (const l of e.locks) {
      const map = this.holders[l.db];
      const hs = map.get(l.key);
      if (hs === undefined) continue;
      const i = hs.findIndex((h) => h.entry === e);
      if (i >= 0) hs.splice(i, 1);
      if (hs.length === 0) map.delete(l.key);
    }
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
    if (!e.final) return false;
    const ts = e.ts;
    if (e.global === GLOBAL_WRITE) {
      for (const o of this.entries) if (o !== e && o.ts < ts) return false;
      return true;
    }
    if (e.global === GLOBAL_READ) {
      for (const o of this.entries) if (o !== e && o.ts < ts && (o.writes || o.global === GLOBAL_WRITE)) return false;
    } else {
      for (const g of this.globals) if (g.ts < ts && globalConflict(g, e)) return false;
    }
    for (const l of e.locks) {
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

/** Encodes locks for the wire in one buffer: per lock [db u16][write u8][key length u32][key bytes]. */
export function encodeLocks(locks: Lock[]): Buffer {
  let size = 0;
  for (const l of locks) size += 7 + l.key.length;
  const b = Buffer.allocUnsafe(size);
  let at = 0;
  for (const l of locks) {
    b.writeUInt16LE(l.db, at);
    b[at + 2] = l.write ? 1 : 0;
    b.writeUInt32LE(l.key.length, at + 3);
    b.latin1Write(l.key, at + 7);
    at += 7 + l.key.length;
  }
  return b;
}

export function decodeLocks(b: Buffer): Lock[] {
  const out: Lock[] = [];
  let at = 0;
  while (at < b.length) {
    const len = b.readUInt32LE(at + 3);
    out.push({ db: b.readUInt16LE(at), write: b[at + 2] === 1, key: b.latin1Slice(at + 7, at + 7 + len) });
    at += 7 + len;
  }
  return out;
}
