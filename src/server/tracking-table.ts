// Client-side caching (CLIENT TRACKING) state: a client's tracking mode (ClientTracking, kept on its
// own thread) and one shard's tracking table (ShardTracking: which clients may cache which keys of
// this shard, and which BCAST prefixes its keys are matched against).
// Invalidations for other threads are in the rings before the reply of the write that caused them
// (the families' tracking module flushes the mesh at once, or the drain running the write does).
// Invariants: the table is keyed by key name only (not database), as Redis's TrackingTable; a key's
// entry is dropped once it is invalidated (the clients re-register by reading it again); `items`
// counts (key, client) pairs; while the table and the prefix set are empty no database has the
// keyChanged hook, so writes pay a null check. Delivery to clients (any thread) is the families'
// tracking module's (`ShardTracking.deliver`), which sees the client's current mode and decides.

import type { Shard } from '../engine/shard.ts';

/** A tracking client's mode (CLIENT TRACKING ON ... options), on the client's own thread. */
export class ClientTracking {
  bcast = false;
  optin = false;
  optout = false;
  noloop = false;
  /** CLIENT CACHING yes|no was given: applies to the next command (or the next MULTI ... EXEC). */
  caching = false;
  /** The redirect client was gone when an invalidation was sent to it. */
  brokenRedirect = false;
  /** REDIRECT id (0: none) and the thread of that client. */
  redirect = 0n;
  redirectThread = -1;
  /** The redirect client is known to be gone (it said so when it went): the next message breaks. */
  redirectGone = false;
  /** BCAST prefixes (latin1), in the order Redis lists them (sorted). */
  prefixes: string[] = [];
  /**
   * A client with tracking on, or one others redirect to, is gone: its BCAST prefixes leave the
   * shards, its redirecting trackers are told (set by the tracking family).
   */
  static release: (client: unknown) => void = () => {};
}

/** A BCAST prefix registered on a shard: its clients (id → thread) and the keys changed this turn. */
export class BcastPrefix {
  readonly clients = new Map<bigint, number>();
  /** Key changed since the last broadcast → the NOLOOP writer that changed it last (0n: none). */
  readonly keys = new Map<string, bigint>();
}

/** Threads a clientRef can name (the thread is the number modulo this; ids stay far below 2^43). */
const REF_THREADS = 1024;

/** A tracking client as one number. */
function clientRef(id: bigint, thread: number): number {
  return Number(id) * REF_THREADS + thread;
}

function refId(r: number): bigint {
  return BigInt(Math.floor(r / REF_THREADS));
}

/** Sends an invalidation for `key` (null: everything, after a flush) to client `id` of `thread`. */
export type InvalidationSender = (from: ShardTracking, thread: number, id: bigint, key: string | null, writer: bigint) => void;

export class ShardTracking {
  /**
   * Key (latin1) → its tracking clients, each as one number (clientRef: id and thread): the number
   * itself while there is one (most keys; no allocation beyond the entry), a Set past that.
   */
  readonly keys = new Map<string, number | Set<number>>();
  /** Pairs (key, client) in `keys`. */
  items = 0;
  /** BCAST prefixes registered here. */
  readonly prefixes = new Map<string, BcastPrefix>();
  /** The client whose command runs here now, and who asked for NOLOOP (0n: none). */
  writer = 0n;
  /** Per peer thread: the NOLOOP client whose command that peer sends next (see TRACKING_WRITER). */
  readonly writerOfPeer: bigint[];
  /** The worker owning this shard (the families' delivery code knows its type). */
  readonly owner: unknown;
  readonly shard: Shard;
  /** Keys under BCAST prefixes changed since the last broadcast (see broadcastNow). */
  broadcastDue = false;
  static deliver: InvalidationSender = () => {};
  static broadcast: (from: ShardTracking) => void = () => {};

  constructor(owner: unknown, shard: Shard, threads: number) {
    this.owner = owner;
    this.shard = shard;
    this.writerOfPeer = new Array<bigint>(threads).fill(0n);
  }

  /** Client `id` (of `thread`) may cache `key` from now on. */
  remember(key: string, id: bigint, thread: number): void {
    const r = clientRef(id, thread);
    const cur = this.keys.get(key);
    if (cur === undefined) {
      if (this.keys.size === 0) this.hook(true);
      this.keys.set(key, r);
    } else if (typeof cur === 'number') {
      if (cur === r) return;
      this.keys.set(key, new Set([cur, r]));
    } else {
      if (cur.has(r)) return;
      cur.add(r);
    }
    this.items++;
  }

  /** A key changed: invalidates it for its tracking clients and notes it for matching prefixes. */
  readonly keyChanged = (key: string): void => {
    this.invalidate(key, this.writer, true);
  };

  /** Redis trackingInvalidateKey: `bcast` false when the table only forgets the key (max-keys). */
  invalidate(key: string, writer: bigint, bcast: boolean): void {
    if (bcast && this.prefixes.size > 0) this.noteForPrefixes(key, writer);
    const cur = this.keys.get(key);
    if (cur === undefined) return;
    this.keys.delete(key);
    if (typeof cur === 'number') {
      this.items--;
      ShardTracking.deliver(this, cur % REF_THREADS, refId(cur), key, writer);
    } else {
      this.items -= cur.size;
      for (const r of cur) ShardTracking.deliver(this, r % REF_THREADS, refId(r), key, writer);
    }
    if (this.keys.size === 0 && this.prefixes.size === 0) this.hook(false);
  }

  /** FLUSHALL/FLUSHDB/SWAPDB: the table is emptied (the clients get one null invalidation apart). */
  clear(): void {
    this.keys.clear();
    this.items = 0;
    if (this.prefixes.size === 0) this.hook(false);
  }

  /** Evicts keys until at most `max` are tracked (0: no limit), invalidating them for their clients. */
  limit(max: number): void {
    if (max === 0 || this.keys.size <= max) return;
    for (const key of this.keys.keys()) {
      this.invalidate(key, 0n, false);
      if (this.keys.size <= max) return;
    }
  }

  addPrefix(prefix: string, id: bigint, thread: number): void {
    let p = this.prefixes.get(prefix);
    if (p === undefined) {
      if (this.keys.size === 0 && this.prefixes.size === 0) this.hook(true);
      this.prefixes.set(prefix, (p = new BcastPrefix()));
    }
    p.clients.set(id, thread);
  }

  removePrefix(prefix: string, id: bigint): void {
    const p = this.prefixes.get(prefix);
    if (p === undefined) return;
    p.clients.delete(id);
    if (p.clients.size === 0) this.prefixes.delete(prefix);
    if (this.keys.size === 0 && this.prefixes.size === 0) this.hook(false);
  }

  private noteForPrefixes(key: string, writer: bigint): void {
    for (const [prefix, p] of this.prefixes) {
      if (!key.startsWith(prefix)) continue;
      p.keys.set(key, writer);
      if (!this.broadcastDue) {
        // At the latest once the current batch (a socket read, a ring drain) is done; a connection
        // whose batch wrote here sends them before its replies (Redis: beforeSleep, before replies).
        this.broadcastDue = true;
        queueMicrotask(this.broadcastNow);
      }
    }
  }

  /** Sends the prefixes' changed keys to their clients, if any changed. */
  readonly broadcastNow = (): void => {
    if (!this.broadcastDue) return;
    this.broadcastDue = false;
    ShardTracking.broadcast(this);
  };

  /** Installs (or removes) the keyChanged hook on every database of the shard. */
  private hook(on: boolean): void {
    for (const db of this.shard.dbs) db.keyChanged = on ? this.keyChanged : null;
  }
}
