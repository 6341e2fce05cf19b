// Coordinator: one client's way to other shards — commands split per shard and merged, multi-hop
// commands run inside one transaction, the chain that orders this client's transactions, WATCH
// records on the shards. Families reach other shards only through it.
// Invariants: a client's transactions are chained (each final timestamp exceeds its previous one);
// a single-shard command issued while one of them is still being scheduled is held until its final
// timestamp reached every shard; inside EXEC (or a multi-hop command) every hop goes through `tx`.

import { replyInteger, replyIsError, splitArrayReply } from '../protocol/reply-reader.ts';
import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { ReplySink } from '../runtime/mesh.ts';
import { shardOfKey } from '../runtime/slots.ts';
import { FLAG_WRITE, type Command } from './command-table.ts';
import { REQ_NO_TOUCH, REQ_PART } from '../runtime/request-flags.ts';
import type { PendingReply } from './reply-queue.ts';
import type { ShardWorker } from './shard-worker.ts';
import { encodeArgs, readResult, type OpError, type ShardOp } from './op-table.ts';
import { UNWATCH } from './watch-ops.ts';
import { LockPlan, runTwoShards, Transaction } from '../transaction/transaction.ts';
import { copyArgs, GLOBAL_READ, GLOBAL_WRITE, NO_GLOBAL } from '../transaction/tx-shard.ts';

/**
 * What a coordinator uses of its client: a Client (client.ts), which creates its coordinator — so
 * the coordinator names only this much of it.
 */
export interface CoordinatedClient {
  readonly id: bigint;
  readonly worker: ShardWorker;
  readonly db: number;
  readonly resp: 2 | 3;
  readonly noTouch: boolean;
  /** The command being dispatched (what a fan-out is counted as in the command stats) and its arguments (for the slow log). */
  current: Command | null;
  currentArgs: Buffer[] | null;
  /** Who it is, as the slow log shows it, and the arguments the running command redacted. */
  readonly addr: string;
  readonly name: string;
  readonly redactedArgs: number[] | null;
  readonly watched: { db: number; key: Buffer }[];
  readonly watchShards: Set<number>;
  addPending(w: ReplyWriter): PendingReply;
  holdPipeline(): void;
  resumePipeline(before?: () => void): void;
}

export type Merge = (replies: Buffer[], w: ReplyWriter) => void;

const NO_REPLY: ReplySink = { complete() {} };
const NOOP_TS = (_ts: number): void => {};

/** Collects the per-shard parts of a command whose keys span shards, then merges them. */
class FanoutReply implements ReplySink {
  readonly parts: (Buffer | null)[];
  private left: number;
  private readonly target: PendingReply;
  private readonly merge: Merge;
  private readonly client: CoordinatedClient;
  private readonly cmd: Command;
  /**
   * The merge counts the call (commandstats): a fan-out the dispatcher issued. Inside a transaction
   * the command that owns it is counted elsewhere (EXEC counts each queued reply, a multi-hop command
   * its own reply), so it must not be counted again (as EXEC).
   */
  private readonly record: boolean;
  /** The protocol when the command was issued (a later HELLO / RESET must not change its reply). */
  private readonly resp: 2 | 3;
  /** The command's arguments and when it was dispatched (performance.now()): it is timed to its merged reply. */
  private readonly args: Buffer[] | null;
  private readonly redacted: number[] | null;
  private readonly startedAt = performance.now();

  constructor(client: CoordinatedClient, cmd: Command, n: number, target: PendingReply, merge: Merge, record: boolean) {
    this.client = client;
    this.cmd = cmd;
    this.record = record;
    this.args = client.currentArgs;
    this.redacted = client.redactedArgs;
    this.resp = client.resp;
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
      const worker = this.client.worker;
      const w = worker.scratch;
      w.resp = this.resp;
      const mark = w.mark();
      try {
        this.merge(this.parts as Buffer[], w);
      } catch (e) {
        // A bug in a merge: answer with an error. (Thrown from a mesh completion it would take the
        // worker down, and leave the rest of the frames it was reading unread.)
        worker.answerInternalError(this.cmd, e, w, mark);
      }
      if (this.record) {
        const ms = worker.recordCall(this.cmd, performance.now() - this.startedAt, w, mark);
        if (this.args !== null) worker.noteSlow(this.client, this.cmd, this.args, ms, this.redacted);
      }
      this.target.complete(w.take());
    }
  }

  complete(b: Buffer): void {
    this.done(0, b);
  }
}

export class Coordinator {
  private readonly client: CoordinatedClient;
  /** The transaction the current multi-hop command (or EXEC) runs in: hops go through it. */
  tx: Transaction | null = null;
  /** The final timestamp of this client's latest transaction (the next one is ordered after it). */
  private txChain: Promise<number> | null = null;
  /** The final timestamp of this client's latest transaction, once known. */
  private lastFinal = 0;
  /** Transactions of this client whose final timestamp has not reached every shard yet. */
  private unfinalized = 0;
  /** A single-shard command held until then (the pipeline waits behind it). */
  private held: (() => void) | null = null;

  constructor(client: CoordinatedClient) {
    this.client = client;
  }

  /** A transaction of this client is still being scheduled: a single-shard command must wait for it. */
  get scheduling(): boolean {
    return this.unfinalized > 0;
  }

  /**
   * Starts a transaction ordered after this client's previous one. The caller calls txFinalized()
   * once it has sent the final timestamp to every shard.
   */
  beginTx(plan: LockPlan, global: number): Promise<Transaction> {
    // While the previous transaction is still being scheduled, wait for its final timestamp; once it
    // is known, comparing with it is enough (no await).
    const t = Transaction.begin(this.client.worker, plan, global, this.unfinalized > 0 ? this.txChain : null, this.lastFinal);
    this.txChain = t.then((tx) => (this.lastFinal = tx.ts));
    this.unfinalized++;
    return t;
  }

  /** A transaction's final timestamp went out to its shards: a held command may go. */
  txFinalized(): void {
    if (--this.unfinalized > 0 || this.held === null) return;
    const run = this.held;
    this.held = null;
    run();
    this.client.resumePipeline();
  }

  /**
   * Holds a single-shard command until this client's transactions are final everywhere. (Sent now,
   * it could be held back on its shard behind such a transaction and still be ordered before it.
   * Transactions need no such wait: each is chained after the previous one.)
   */
  holdUntilFinal(cmd: Command, args: Buffer[], w: ReplyWriter, target: number): void {
    const c = this.client;
    const p = c.addPending(w);
    const copied = copyArgs(args);
    const db = c.db;
    const resp = c.resp;
    const noTouch = c.noTouch;
    c.holdPipeline();
    this.held = () => {
      const worker = c.worker;
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
      worker.beginCall(cmd);
      worker.clock = Date.now();
      worker.runLocal(cmd, db, noTouch, copied, sw);
      worker.recordCall(cmd, -1, sw, mark);
      p.complete(sw.take());
    };
  }

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

  /** The locks a command takes: each key, exclusive for a write command, shared otherwise (`keyShards`: the keys' shards, when known). */
  lockPlan(cmd: Command, args: Buffer[], keys: number[], keyShards: number[] | null = null): LockPlan {
    const plan = new LockPlan();
    const write = cmd.hasFlag(FLAG_WRITE);
    const worker = this.client.worker;
    const n = worker.n;
    const db = this.client.db;
    for (let k = 0; k < keys.length; k++) {
      const i = keys[k];
      plan.add(keyShards !== null ? keyShards[k] : shardOfKey(args[i], n), db, args[i], write);
    }
    const other = cmd.impl.otherDbKey?.(args) ?? null;
    if (other !== null && other[1] < worker.shard.dbs.length) plan.add(shardOfKey(args[other[0]], n), other[1], args[other[0]], write);
    return plan;
  }

  /**
   * A keyed command whose keys live on several shards and that coordinates its own hops (RENAME
   * across shards, SINTERSTORE...): it runs inside one transaction (EXEC's, when inside one) that
   * locks its keys, and the shards of the keys it only finds while it runs.
   */
  coordinate(cmd: Command, args: Buffer[], keys: number[], w: ReplyWriter): Promise<void> {
    // The client is the Client that multi handlers are written for (command-types.ts's MultiShard).
    const multi = cmd.impl.multi as (c: CoordinatedClient, args: Buffer[], w: ReplyWriter) => Promise<void>;
    const c = this.client;
    if (this.tx !== null) return multi(c, args, w);
    const n = c.worker.n;
    const plan = this.lockPlan(cmd, args, keys);
    const derived = cmd.derivedShards(args, n);
    const wide = derived === null || derived.length > 0;
    if (derived === null) for (let s = 0; s < n; s++) plan.touch(s);
    else for (const s of derived) plan.touch(s);
    return this.atomically(plan, wide ? GLOBAL_READ : NO_GLOBAL, () => multi(c, args, w));
  }

  /**
   * A keyed command whose keys live on several shards, split per shard and merged ('sum', 'inOrder',
   * 'ok'). Returns an error the dispatcher refuses the command with, or null.
   */
  split(cmd: Command, args: Buffer[], keys: number[], w: ReplyWriter): string | null {
    const multi = cmd.impl.multi;
    if (multi === undefined || typeof multi === 'function') {
      w.error("CROSSSLOT Keys in request don't hash to the same slot");
      return null;
    }
    const worker = this.client.worker;
    const extra = cmd.impl.keyArgs ?? 0;
    if (keys[keys.length - 1] + extra >= args.length) {
      return `ERR wrong number of arguments for '${cmd.name}' command`;
    }
    // Split the keys (with the arguments that travel with each) per shard, keeping their order.
    const n = worker.n;
    const perShard: Buffer[][] = [];
    const order: number[][] = [];
    const keyShards: number[] = new Array(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const s = (keyShards[i] = shardOfKey(args[keys[i]], n));
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
    this.atomicFanout(cmd, shards.map((s) => [s, perShard[s]]), this.lockPlan(cmd, args, keys, keyShards), NO_GLOBAL, merge, w);
    return null;
  }

  /**
   * Runs `cmd` on several shards atomically — one transaction, each part the last hop on its shard —
   * and merges the answers into this command's reply. The pipeline goes on at once: the proposals
   * travel ahead of the commands after it, which queue behind it where they conflict, and the
   * client's next transaction is ordered after it (txChain).
   */
  atomicFanout(cmd: Command | ShardOp<any, any>, parts: [number, Buffer[]][], plan: LockPlan, global: number, merge: Merge, w: ReplyWriter): void {
    const c = this.client;
    const target = c.addPending(w);
    const f = new FanoutReply(c, c.current ?? (cmd as Command), parts.length, target, merge, this.tx === null);
    const db = c.db;
    const resp = c.resp;
    const flags = partFlags(c);
    if (this.tx !== null) {
      // Already inside a transaction (EXEC): hops of it, which holds the locks.
      const tx = this.tx;
      for (let i = 0; i < parts.length; i++) tx.run(parts[i][0], cmd, db, resp, flags, parts[i][1], false, (r) => f.done(i, r));
      return;
    }
    if (global === NO_GLOBAL && this.unfinalized === 0 && parts.length === 2 && plan.byShard.size === 2) {
      const me = c.worker.index;
      const li = parts[0][0] === me ? 0 : parts[1][0] === me ? 1 : -1;
      if (li >= 0 && parts[1 - li][0] !== me && plan.byShard.has(parts[1 - li][0])) {
        this.twoShards(cmd, parts, li, plan, f);
        return;
      }
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
   * atomicFanout over this shard (part li) and one other: one round trip (runTwoShards). The client's
   * next transaction is chained after it and its next single-shard command held, as for any other.
   */
  private twoShards(cmd: Command | ShardOp<any, any>, parts: [number, Buffer[]][], li: number, plan: LockPlan, f: FanoutReply): void {
    const c = this.client;
    const ri = 1 - li;
    const remote = parts[ri][0];
    this.unfinalized++;
    let settle: (ts: number) => void = NOOP_TS;
    this.txChain = new Promise<number>((r) => (settle = r));
    runTwoShards(
      c.worker,
      cmd,
      c.db,
      c.resp,
      partFlags(c),
      { locks: plan.byShard.get(parts[li][0])!, args: parts[li][1], done: (r) => f.done(li, r) },
      { shard: remote, locks: plan.byShard.get(remote)!, args: parts[ri][1], done: (r) => f.done(ri, r) },
      (ts) => {
        this.lastFinal = ts;
        settle(ts);
        this.txFinalized();
      },
    );
  }

  /**
   * Runs `cmd` on several shards in one hop (sent now, in pipeline order) and merges the answers
   * into this command's reply. Parts are [shard, args].
   */
  fanout(cmd: Command | ShardOp<any, any>, parts: [number, Buffer[]][], merge: Merge, w: ReplyWriter): void {
    const c = this.client;
    const worker = c.worker;
    const target = c.addPending(w);
    const f = new FanoutReply(c, c.current ?? (cmd as Command), parts.length, target, merge, this.tx === null);
    const flags = partFlags(c);
    if (this.tx !== null) {
      // Inside a transaction (EXEC): the parts are hops of it.
      const tx = this.tx;
      for (let i = 0; i < parts.length; i++) tx.run(parts[i][0], cmd, c.db, c.resp, flags, parts[i][1], false, (r) => f.done(i, r));
      return;
    }
    const local: number[] = [];
    for (let i = 0; i < parts.length; i++) {
      const [s, a] = parts[i];
      if (s === worker.index) local.push(i);
      else worker.mesh.send(s, cmd.index, c.db, c.resp, flags, a, f.part(i));
    }
    for (const i of local) {
      const sw = worker.scratchLocal;
      sw.resp = c.resp;
      worker.runHere(cmd, c.db, c.noTouch, parts[i][1], sw);
      f.done(i, sw.take());
    }
  }

  /**
   * Runs shard operation `op` on shard s — inside the current transaction when there is one — and
   * resolves with its typed result (or OpError). On this client's own shard outside a transaction it
   * runs at once, with no encoding at all.
   */
  op<A, R>(s: number, op: ShardOp<A, R>, a: A): Promise<R | OpError> {
    const c = this.client;
    const worker = c.worker;
    if (this.tx === null && s === worker.index) {
      worker.clock = Date.now(); // a later hop of a multi-hop command: the batch clock may be old
      return Promise.resolve(worker.runOpHere(op, c.db, c.noTouch, a));
    }
    // The encoded arguments are a view of a reused buffer: both paths below copy them before returning.
    const payload = encodeArgs(op, a, worker.opOut);
    const flags = partFlags(c);
    if (this.tx !== null) {
      // On this shard the operation may run at once, and whatever it sets off (a blocked client
      // served) may encode into opOut meanwhile: it gets a copy.
      const own = s === worker.index ? Buffer.from(payload) : payload;
      return this.tx.runAsync(s, op, c.db, 2, flags, [own]).then((r) => readResult(op, r));
    }
    return new Promise((resolve) => {
      worker.mesh.send(s, op.index, c.db, 2, flags, [payload], { complete: (r) => resolve(readResult(op, r)) });
    });
  }

  /** Runs `op` on the shard that owns `key`. */
  opForKey<A, R>(key: Buffer, op: ShardOp<A, R>, a: A): Promise<R | OpError> {
    return this.op(shardOfKey(key, this.client.worker.n), op, a);
  }

  /**
   * Runs shard operation `op` on several shards in one hop (parts are [shard, arguments]) and writes
   * this command's reply from their results with `reply`.
   */
  fanoutOp<A, R>(op: ShardOp<A, R>, parts: [number, A][], reply: (results: (R | OpError)[], w: ReplyWriter) => void, w: ReplyWriter): void {
    this.fanout(op, this.encodeParts(op, parts), decodedMerge(op, reply), w);
  }

  /** Each part's arguments encoded (copies: the parts go out later than the next encoding). */
  private encodeParts<A>(op: ShardOp<A, unknown>, parts: [number, A][]): [number, Buffer[]][] {
    const out = this.client.worker.opOut;
    return parts.map(([s, a]) => [s, [Buffer.from(encodeArgs(op, a, out))]]);
  }

  /**
   * Runs shard operation `op` on several shards atomically (one transaction holding `plan`'s locks,
   * or whole shards with `global`) and writes this command's reply from the results with `reply`.
   */
  atomicOp<A, R>(op: ShardOp<A, R>, parts: [number, A][], plan: LockPlan, global: number, reply: (results: (R | OpError)[], w: ReplyWriter) => void, w: ReplyWriter): void {
    this.atomicFanout(op, this.encodeParts(op, parts), plan, global, decodedMerge(op, reply), w);
  }

  /** atomicOp on every shard with the same arguments, locking whole shards (`mode`: GLOBAL_WRITE or GLOBAL_READ). */
  broadcastAtomicOp<A, R>(op: ShardOp<A, R>, a: A, reply: (results: (R | OpError)[], w: ReplyWriter) => void, w: ReplyWriter, mode = GLOBAL_WRITE): void {
    const parts: [number, A][] = [];
    const plan = new LockPlan();
    for (let s = 0; s < this.client.worker.n; s++) {
      parts.push([s, a]);
      plan.touch(s);
    }
    this.atomicOp(op, parts, plan, mode, reply, w);
  }

  /** fanoutOp on every shard with the same arguments (one hop, no locks). */
  broadcastOp<A, R>(op: ShardOp<A, R>, a: A, reply: (results: (R | OpError)[], w: ReplyWriter) => void, w: ReplyWriter): void {
    const parts: [number, A][] = [];
    for (let s = 0; s < this.client.worker.n; s++) parts.push([s, a]);
    this.fanoutOp(op, parts, reply, w);
  }

  /**
   * Runs command `name` with `args` (after the name) on shard `s`, for a
   * multi-hop command; resolves with the reply bytes (RESP2 unless `resp` says otherwise).
   */
  runOn(s: number, name: string, args: Buffer[], resp: 2 | 3 = 2): Promise<Buffer> {
    const c = this.client;
    const worker = c.worker;
    const cmd = worker.command(name);
    const full = [Buffer.from(name), ...args];
    const flags = partFlags(c);
    if (this.tx !== null) return this.tx.runAsync(s, cmd, c.db, resp, flags, full);
    if (s === worker.index) {
      const sw = worker.scratchLocal;
      sw.resp = resp;
      worker.clock = Date.now(); // a later hop of a multi-hop command: the batch clock may be old
      worker.runLocal(cmd, c.db, c.noTouch, full, sw);
      return Promise.resolve(sw.take());
    }
    return new Promise((resolve) => {
      worker.mesh.send(s, cmd.index, c.db, resp, flags, full, { complete: resolve });
    });
  }

  /** runOn the shard that owns `key`, with args [key, ...rest]. */
  runForKey(name: string, key: Buffer, ...rest: Buffer[]): Promise<Buffer> {
    return this.runOn(shardOfKey(key, this.client.worker.n), name, [key, ...rest]);
  }

  /**
   * Splits `list` (keys, each followed by `extra` arguments) per shard and runs `name` on every
   * shard involved; resolves with the per-shard replies.
   */
  runKeyed(name: string, list: Buffer[], extra = 0): Promise<Buffer[]> {
    const n = this.client.worker.n;
    const parts = new Map<number, Buffer[]>();
    for (let i = 0; i < list.length; i += 1 + extra) {
      const s = shardOfKey(list[i], n);
      let part = parts.get(s);
      if (part === undefined) parts.set(s, (part = []));
      for (let j = 0; j <= extra; j++) part.push(list[i + j]);
    }
    return Promise.all([...parts].map(([s, a]) => this.runOn(s, name, a)));
  }

  /** The handle this client's WATCH records are kept under on the shards. */
  watchHandle(): string {
    return String(this.client.id);
  }

  /** Drops this client's WATCH records on every shard holding one (no reply awaited). */
  dropWatches(): void {
    const c = this.client;
    c.watched.length = 0;
    if (c.watchShards.size === 0) return;
    const worker = c.worker;
    const handle = this.watchHandle();
    for (const s of c.watchShards) {
      if (s === worker.index) worker.runOpHere(UNWATCH, 0, false, handle);
      else worker.mesh.send(s, UNWATCH.index, 0, 2, REQ_PART, [encodeArgs(UNWATCH, handle, worker.opOut)], NO_REPLY);
    }
    c.watchShards.clear();
  }
}

/** The request flags of a client's hop that is one part of its command. */
function partFlags(c: CoordinatedClient): number {
  return REQ_PART | (c.noTouch ? REQ_NO_TOUCH : 0);
}

/** A merge of raw operation replies that hands `reply` their decoded results. */
function decodedMerge<R>(op: ShardOp<unknown, R>, reply: (results: (R | OpError)[], w: ReplyWriter) => void): Merge {
  return (replies, w) => reply(replies.map((r) => readResult(op, r)), w);
}

/** Whether every shard of `shards` (null: any shard) is `target`. */
export function allOn(shards: number[] | null, target: number): boolean {
  if (shards === null) return false;
  for (const s of shards) if (s !== target) return false;
  return true;
}

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
