// Blocking service: clients waiting on keys (BLPOP, BLMOVE, BZPOPMIN... and any command that registers
// a BlockOp) — the operations' registry, this shard's waiters per db and key, this thread's waiting
// clients, and the claim slots in shared memory that make a client blocked on several shards served
// exactly once.
// Invariants:
// - a blocked client owns one claim slot (an Int32 in shared memory) whose value is even while it
//   waits; whoever moves it to odd first (Atomics.compareExchange) serves it: a shard popping for it,
//   its timeout, CLIENT UNBLOCK or its disconnection. Everybody else drops their waiter for it;
// - a waiter carries its operation's id (registerBlockOp, the same on every thread) and the stamp of
//   its command's arrival on its client's thread (the shared clock); the waiters of a key are kept in
//   stamp order whatever order their registrations arrive in, and served in that order (skipping
//   those waiting for another type), right after the command that filled the key (the pop is part of
//   the same shard turn, so no other client sees the element) — or, while a transaction locks the
//   key, once it concludes. SWAPDB readies the waited-on keys of both databases;
// - the reply a served client gets is its operation's wrap() of the pop; when it cannot be delivered
//   (the client went in that instant) the operation's undo() puts back exactly what was popped;
// - a BLMOVE served across shards is answered only after its element is in the destination (or, the
//   destination being of another type, back in the source with WRONGTYPE as the answer);
// - a waiter is removed from every key of its shard when it is served, and from every shard when the
//   client stops waiting (so a gone client leaves nothing behind); the engine only learns, through
//   Database.onKeyReady (set on the databases where somebody waits), that a key was filled.

import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { Command } from './command-table.ts';
import type { Shard } from '../engine/shard.ts';
import type { Mesh } from '../runtime/mesh.ts';
import type { WorkerShared } from '../runtime/control.ts';
import type { Lock } from '../transaction/tx-shard.ts';
import { kindOf } from '../engine/kinds.ts';
import { keyText, type KeyArg, type Value } from '../engine/database.ts';
import { BLOCK_SLOTS_PER_WORKER } from '../runtime/control.ts';
import { shardOfKey } from '../runtime/slots.ts';
import { REQ_PART } from '../runtime/request-flags.ts';
import { defineShardOp, encodeArgs, readResult, type OpContext } from './op-table.ts';
import { BinWriter, bool, bytes, latin1, tuple, u32 } from '../util/codec.ts';
import { LOG_WARNING } from '../util/log.ts';

// --- operations ----------------------------------------------------------------------------------

/** What a blocking command does once a key it waits on is ready (registered once per thread). */
export interface BlockOp {
  /** The type a key must hold to serve it ('list', 'zset'...). */
  readonly kind: string;
  /** Writes the client's reply from its popping command's reply `popped` (never an error or nil). */
  wrap(key: Buffer, popped: Buffer, w: ReplyWriter): void;
  /** The command (name and arguments) that puts back exactly what `popped` took from key; null: nothing to put back. */
  undo(key: Buffer, popped: Buffer, wt: Waiter): Buffer[] | null;
  /** A command to run on another key (its first argument) before the client is answered (BLMOVE across shards). */
  onward?(key: Buffer, popped: Buffer, wt: Waiter): Buffer[] | null;
  /**
   * Whether the waiter can be served from the value at key now (absent: whenever the key holds
   * `kind`). Reads that consume nothing (XREAD: entries after the waiter's ID) serve every ready
   * waiter of a key in turn, and leave those not ready waiting; a consuming read (XREADGROUP `>`)
   * is ready while an entry is past its group's last ID, so each entry goes to one waiter.
   */
  ready?(key: string, value: unknown, wt: Waiter): boolean;
  /** The serving command's arguments for this waiter and key (absent: its template with the key at keyAt). */
  commandFor?(key: Buffer, wt: Waiter): Buffer[];
  /**
   * An error to end the wait with when the key no longer suits the waiter (XREADGROUP: the key was
   * deleted or replaced, or the group destroyed); null: keep waiting. Absent: never.
   */
  refuse?(value: Value | undefined, wt: Waiter): string | null;
}

const OPS: BlockOp[] = [];

/**
 * Registers a blocking operation; returns the id its waiters carry between threads. Every thread
 * loads the same modules in the same order, so an id names the same operation everywhere.
 */
export function registerBlockOp(op: BlockOp): number {
  OPS.push(op);
  return OPS.length - 1;
}

export function blockOp(id: number): BlockOp {
  const op = OPS[id];
  if (op === undefined) throw new Error(`no blocking operation ${id}`);
  return op;
}

/**
 * On the blocked client's thread: a shard served client `clientId` waiting at claim slot `slot` with
 * `reply`; false when the client is gone (the serving shard then puts back what it popped).
 */
export const DELIVERED = defineShardOp('delivered', tuple<[string, number, Buffer]>(latin1, u32, bytes), bool, (x: OpContext & { worker: { blocking: BlockingService } }, [clientId, slot, reply]) =>
  x.worker.blocking.delivered(slot, clientId, reply),
);

// --- waiters (shard side) ------------------------------------------------------------------------

export class Waiter {
  slot = 0;
  expect = 0;
  worker = 0;
  clientId = '';
  db = 0;
  resp: 2 | 3 = 2;
  /** When its command arrived on its client's thread (the shared clock): the waiters' order. */
  stamp = 0;
  op: BlockOp = OPS[0];
  /** The command that pops (LPOP, LMPOP, ZPOPMIN, LMOVE...), its arguments with the key at keyAt. */
  cmd: Command | null = null;
  template: Buffer[] = [];
  keyAt = 0;
  /** The operation's own arguments (BLMOVE: destination and side). */
  extra: Buffer[] = [];
  /** The keys of this shard it waits on (latin1). */
  keys: string[] = [];
}

/** This shard's waiters by database index and key, in stamp order, and the keys made ready since. */
export class BlockedKeys {
  private readonly byDb: (Map<string, Waiter[]> | null)[] = [];
  /** Keys filled while clients wait on them: [db index, key], served after the command. */
  readonly ready: [number, string][] = [];
  private readonly hooks: ((key: KeyArg) => void)[] = [];
  private readonly worker: BlockingHost;

  constructor(worker: BlockingHost) {
    this.worker = worker;
  }

  waitersOf(db: number, key: string): Waiter[] | undefined {
    return this.byDb[db]?.get(key) ?? undefined;
  }

  add(wt: Waiter): void {
    let m = this.byDb[wt.db] ?? null;
    if (m === null) {
      this.byDb[wt.db] = m = new Map();
      this.hook(wt.db);
    }
    for (const k of wt.keys) {
      let list = m.get(k);
      if (list === undefined) m.set(k, (list = []));
      // In stamp order: a registration that arrives late but was stamped earlier goes before.
      let i = list.length;
      while (i > 0 && list[i - 1].stamp > wt.stamp) i--;
      list.splice(i, 0, wt);
      this.ready.push([wt.db, k]); // it may hold elements already (pushed since the client's try)
    }
  }

  remove(wt: Waiter): void {
    const m = this.byDb[wt.db] ?? null;
    if (m === null) return;
    for (const k of wt.keys) {
      const list = m.get(k);
      if (list === undefined) continue;
      const i = list.indexOf(wt);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) m.delete(k);
    }
    if (m.size === 0) {
      this.byDb[wt.db] = null;
      this.hook(wt.db);
    }
  }

  /** After SWAPDB a b (the Database objects swapped): hooks follow the indexes; their waited keys may be ready. */
  swapped(a: number, b: number): void {
    for (const i of [a, b]) {
      this.hook(i);
      this.flushed(i);
    }
  }

  /** Every waited key of database i may have changed (FLUSHDB, FLUSHALL, SWAPDB): XREADGROUP's waits end. */
  flushed(i: number): void {
    for (const k of this.byDb[i]?.keys() ?? []) this.ready.push([i, k]);
  }

  /** Sets (or clears) the engine's hook on database i, as somebody waits there or not. */
  private hook(i: number): void {
    const db = this.worker.shard.dbs[i];
    if ((this.byDb[i] ?? null) === null) {
      db.onKeyReady = null;
      return;
    }
    let h = this.hooks[i];
    if (h === undefined) {
      h = this.hooks[i] = (key: KeyArg): void => {
        const k = keyText(key);
        if (this.byDb[i]?.has(k) === true) this.ready.push([i, k]);
      };
    }
    db.onKeyReady = h;
  }
}

// --- the client side -----------------------------------------------------------------------------

/** What the service knows of a waiting client (a Client). */
export interface WaitingClient {
  readonly id: bigint;
  /** Gone, or sent its last byte. */
  readonly inputGone: boolean;
}

/** A client of this thread waiting on keys: how a shard's pop reaches it. */
export interface LocalWait {
  conn: WaitingClient;
  finish(reply: Buffer | null): void;
}

/** The client side of the claim slots: this worker's range of the shared array. */
export class ClaimSlots {
  private readonly slots: Int32Array;
  private readonly free: number[] = [];

  constructor(slots: Int32Array, worker: number) {
    this.slots = slots;
    const base = worker * BLOCK_SLOTS_PER_WORKER;
    for (let i = BLOCK_SLOTS_PER_WORKER - 1; i >= 0; i--) if (base + i < slots.length) this.free.push(base + i);
  }

  /** A slot set to waiting; returns [slot, expect] or null when none is free. */
  acquire(): [number, number] | null {
    const slot = this.free.pop();
    if (slot === undefined) return null;
    let v = Atomics.load(this.slots, slot);
    if ((v & 1) === 0) v = (v + 1) | 0; // never used: make it "claimed" first, so that the next is new
    const expect = (v + 1) | 0;
    Atomics.store(this.slots, slot, expect);
    return [slot, expect];
  }

  release(slot: number): void {
    this.free.push(slot);
  }
}

/** Claims slot (waiting at `expect`) for the caller; true if the caller won. */
export function claim(slots: Int32Array, slot: number, expect: number): boolean {
  return Atomics.compareExchange(slots, slot, expect, (expect + 1) | 0) === expect;
}

// --- the service ---------------------------------------------------------------------------------

/** What the service uses of its thread (the ShardWorker that owns it). */
export interface BlockingHost {
  readonly index: number;
  readonly n: number;
  readonly shared: WorkerShared;
  readonly shard: Shard;
  readonly mesh: Mesh;
  readonly tx: { readonly idle: boolean; mustWait(locks: Lock[], write: boolean): boolean };
  /** The clock of the current batch of commands. */
  clock: number;
  newWriter(resp: 2 | 3): ReplyWriter;
  command(name: string): Command;
  runLocal(cmd: Command, db: number, noTouch: boolean, args: Buffer[], w: ReplyWriter): void;
  blockedKeys(cmd: Command, db: number, args: Buffer[], hintKey: Buffer | null): Lock[] | null;
  deferCommand(cmd: Command, db: number, resp: 2 | 3, noTouch: boolean, args: Buffer[], locks: Lock[], record: boolean, done: (reply: Buffer) => void): void;
  logAt(level: number, msg: string): void;
}

/** One worker's blocking service: its clients' waits and its shard's waiters, and serving them. */
export class BlockingService {
  private readonly worker: BlockingHost;
  /** This worker's claim slots for its blocked clients. */
  readonly claims: ClaimSlots;
  /** This worker's clients waiting, by claim slot. */
  readonly waits = new Map<number, LocalWait>();
  /** Waiters on this shard by claim slot. */
  readonly waiters = new Map<number, Waiter>();
  readonly keys: BlockedKeys;
  private serving = false;
  /** Encodes deliveries (its own: a delivery may happen while an operation's arguments sit in opOut). */
  private readonly out = new BinWriter(256);

  constructor(worker: BlockingHost) {
    this.worker = worker;
    this.claims = new ClaimSlots(worker.shared.blockSlots, worker.index);
    this.keys = new BlockedKeys(worker);
  }

  addWaiter(wt: Waiter): void {
    this.waiters.set(wt.slot, wt);
    this.keys.add(wt);
  }

  /** Removes a waiter from every key of this shard. */
  removeWaiter(wt: Waiter): void {
    if (this.waiters.get(wt.slot) === wt) this.waiters.delete(wt.slot);
    this.keys.remove(wt);
  }

  /** Serves the clients waiting on keys filled since (each pop right after the command that filled the key). */
  serveReady(): void {
    if (this.serving) return;
    this.serving = true;
    try {
      const q = this.keys.ready;
      let later: [number, string][] | null = null;
      while (q.length > 0) {
        const [db, key] = q.shift()!;
        if (!this.serveKey(db, key)) (later ??= []).push([db, key]);
      }
      // Keys a live transaction locks: served once it concludes (onConclude serves again).
      if (later !== null) q.push(...later);
    } finally {
      this.serving = false;
    }
  }

  /**
   * Pops for the waiters of key, in stamp order, while it holds elements of their type. False (nothing
   * done) while a live transaction locks the key: its operations see the key as they left it (a
   * blocking command's try pops between two hops of one transaction).
   */
  private serveKey(dbIndex: number, key: string): boolean {
    const worker = this.worker;
    const now = Date.now();
    for (;;) {
      const list = this.keys.waitersOf(dbIndex, key);
      if (list === undefined || list.length === 0) return true;
      if (worker.tx.mustWait([{ db: dbIndex, key, write: true }], true)) return false;
      const v = worker.shard.dbs[dbIndex].lookup(key, now)?.value;
      const kind = v === undefined ? '' : kindOf(v).type;
      // The first waiter (in stamp order) this key serves now — waiters for another type (BZPOPMIN
      // on a key that is now a list) or not ready (XREAD waiting after a later ID) stay, and do not
      // hold up the others — or whose wait it ends with an error (XREADGROUP on a deleted stream or group).
      let wt: Waiter | undefined;
      let refused: string | null = null;
      for (const x of list) {
        const op = x.op;
        if (op.refuse !== undefined && (refused = op.refuse(v, x)) !== null) {
          wt = x;
          break;
        }
        if (op.kind === kind && (op.ready === undefined || op.ready(key, v, x))) {
          wt = x;
          break;
        }
      }
      if (wt === undefined) return true;
      this.removeWaiter(wt);
      if (!claim(worker.shared.blockSlots, wt.slot, wt.expect)) continue; // served elsewhere, or gone
      if (refused !== null) {
        this.deliver(wt, Buffer.from(`-${refused}\r\n`), Buffer.from(key, 'latin1'), null);
        continue;
      }
      this.popFor(wt, Buffer.from(key, 'latin1'));
    }
  }

  /** Runs the waiter's pop on key, then answers it (after the onward step, if its operation has one). */
  private popFor(wt: Waiter, key: Buffer): void {
    const worker = this.worker;
    let args: Buffer[];
    if (wt.op.commandFor !== undefined) args = wt.op.commandFor(key, wt);
    else {
      args = wt.template.slice();
      args[wt.keyAt] = key;
    }
    const w = worker.newWriter(wt.resp);
    worker.clock = Date.now();
    worker.runLocal(wt.cmd!, wt.db, false, args, w);
    const popped = w.take();
    if (popped[0] === 0x2d /* - */ || (popped.length >= 2 && (popped[0] === 0x5f || popped[1] === 0x2d))) {
      // No element after all (or a bug): the client gets what the popping command said, nothing to undo.
      this.deliver(wt, popped, key, null);
      return;
    }
    const onward = wt.op.onward?.(key, popped, wt) ?? null;
    if (onward === null) {
      wt.op.wrap(key, popped, w);
      this.deliver(wt, w.take(), key, popped);
      return;
    }
    // The rest happens on another shard: answer once it is done there (the client's next command
    // sees it). If it fails (a destination of another type: Redis answers WRONGTYPE and pops
    // nothing), what was popped goes back and the client gets the error.
    const cmd = worker.command(onward[0].latin1Slice().toLowerCase());
    worker.mesh.send(shardOfKey(onward[1], worker.n), cmd.index, wt.db, 2, REQ_PART, onward, {
      complete: (r) => {
        if (r[0] === 0x2d) {
          this.undoPop(wt, key, popped);
          this.deliver(wt, Buffer.from(r), key, null);
          return;
        }
        // (A client gone by now: the element is in the destination already, as a move.)
        wt.op.wrap(key, popped, w);
        this.deliver(wt, w.take(), key, null);
      },
    });
  }

  /** Puts back what a waiter's pop took from key (`popped`: the popping command's reply). */
  private undoPop(wt: Waiter, key: Buffer, popped: Buffer): void {
    const worker = this.worker;
    let args: Buffer[] | null;
    try {
      args = wt.op.undo(key, popped, wt);
    } catch (e) {
      // A bug in an operation: logged, and contained (this may run inside the mesh's drain loop).
      worker.logAt(LOG_WARNING, `internal error undoing a blocked client's pop on ${key.latin1Slice()}: ${(e as Error | undefined)?.stack ?? e}`);
      return;
    }
    if (args === null) return;
    const back = worker.command(args[0].latin1Slice().toLowerCase());
    const locked = worker.tx.idle ? null : worker.blockedKeys(back, wt.db, args, null);
    if (locked !== null) worker.deferCommand(back, wt.db, 2, false, args, locked, false, () => {});
    else worker.runLocal(back, wt.db, false, args, worker.newWriter(2));
  }

  /**
   * Sends a served reply to the blocked client's thread; if the client is gone, what was popped
   * (`popped`, null: nothing to put back) goes back to key.
   */
  private deliver(wt: Waiter, reply: Buffer, key: Buffer, popped: Buffer | null): void {
    const worker = this.worker;
    if (wt.worker === worker.index) {
      if (!this.delivered(wt.slot, wt.clientId, reply) && popped !== null) this.undoPop(wt, key, popped);
      return;
    }
    worker.mesh.send(wt.worker, DELIVERED.index, 0, 2, REQ_PART, [encodeArgs(DELIVERED, [wt.clientId, wt.slot, reply], this.out)], {
      // false: the client went away after it was served: what was popped for it goes back.
      complete: (r) => {
        if (readResult(DELIVERED, r) === false && popped !== null) this.undoPop(wt, key, popped);
      },
    });
  }

  /** A shard served this thread's client `clientId` waiting at `slot`: false if it is gone. */
  delivered(slot: number, clientId: string, reply: Buffer): boolean {
    const lw = this.waits.get(slot);
    if (lw === undefined || String(lw.conn.id) !== clientId || lw.conn.inputGone) return false;
    lw.finish(Buffer.from(reply));
    return true;
  }
}
