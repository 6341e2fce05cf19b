// One thread's Pub/Sub subscription tables (channel → its local subscribers, pattern → its local
// subscribers, shard channel → its local subscribers) and one client's own subscriptions.
// Invariants: a subscriber is in a table's set exactly while the name is in its Subscriptions; an
// empty set is removed with its name (so the names are the thread's active channels); names are the
// channel's bytes as a latin1 string (binary-safe); insertion order is kept (Redis delivers to a
// channel's subscribers in subscription order); the thread's presence slots (shared with the
// publishers of every thread) count its patterns and its channel names by bucket, updated before
// a subscription is confirmed.

import { PUBSUB_BUCKETS } from '../runtime/control.ts';

/** What the tables hold: anything that takes an encoded push (a Client). */
export interface Subscriber {
  push(frame: { resp2: Buffer; resp3: Buffer }): boolean;
}

export const CHANNEL = 0;
export const PATTERN = 1;
export const SHARD_CHANNEL = 2;
/** Which namespace: classic channels, patterns, shard channels. */
export type SubKind = typeof CHANNEL | typeof PATTERN | typeof SHARD_CHANNEL;

export interface PatternEntry<S> {
  readonly pattern: Buffer;
  readonly subscribers: Set<S>;
}

/** A channel's presence bucket (FNV-1a of its bytes). */
export function channelBucket(b: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193);
  return (h >>> 0) % PUBSUB_BUCKETS;
}

function nameBucket(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return (h >>> 0) % PUBSUB_BUCKETS;
}

export class PubSubTables<S extends Subscriber = Subscriber> {
  readonly channels = new Map<string, Set<S>>();
  readonly shardChannels = new Map<string, Set<S>>();
  readonly patterns = new Map<string, PatternEntry<S>>();
  /** This thread's presence slots ([0] patterns, [1 + bucket] channel names), or null (tests). */
  private readonly presence: Int32Array | null;

  constructor(presence: Int32Array | null = null) {
    this.presence = presence;
  }

  private present(name: string | null, delta: number): void {
    if (this.presence !== null) Atomics.add(this.presence, name === null ? 0 : 1 + nameBucket(name), delta);
  }

  /** The names of `kind` active on this thread. */
  names(kind: SubKind): IterableIterator<string> {
    return kind === CHANNEL ? this.channels.keys() : kind === PATTERN ? this.patterns.keys() : this.shardChannels.keys();
  }

  /** Local subscribers of channel `name` (not patterns) in namespace `kind` (CHANNEL or SHARD_CHANNEL). */
  subscribersOf(kind: SubKind, name: string): Set<S> | undefined {
    return kind === SHARD_CHANNEL ? this.shardChannels.get(name) : this.channels.get(name);
  }

  add(kind: SubKind, name: string, raw: Buffer, s: S): void {
    if (kind === PATTERN) {
      let e = this.patterns.get(name);
      if (e === undefined) {
        this.patterns.set(name, (e = { pattern: Buffer.from(raw), subscribers: new Set() }));
        this.present(null, 1);
      }
      e.subscribers.add(s);
      return;
    }
    const map = kind === CHANNEL ? this.channels : this.shardChannels;
    let set = map.get(name);
    if (set === undefined) {
      map.set(name, (set = new Set()));
      this.present(name, 1);
    }
    set.add(s);
  }

  remove(kind: SubKind, name: string, s: S): void {
    if (kind === PATTERN) {
      const e = this.patterns.get(name);
      if (e !== undefined && e.subscribers.delete(s) && e.subscribers.size === 0) {
        this.patterns.delete(name);
        this.present(null, -1);
      }
      return;
    }
    const map = kind === CHANNEL ? this.channels : this.shardChannels;
    const set = map.get(name);
    if (set !== undefined && set.delete(s) && set.size === 0) {
      map.delete(name);
      this.present(name, -1);
    }
  }
}

/** One client's subscriptions, in subscription order, mirrored in its thread's tables. */
export class Subscriptions<S extends Subscriber = Subscriber> {
  private readonly tables: PubSubTables<S>;
  private readonly owner: S;
  readonly channels = new Set<string>();
  readonly patterns = new Set<string>();
  readonly shardChannels = new Set<string>();

  constructor(tables: PubSubTables<S>, owner: S) {
    this.tables = tables;
    this.owner = owner;
  }

  private setOf(kind: SubKind): Set<string> {
    return kind === CHANNEL ? this.channels : kind === PATTERN ? this.patterns : this.shardChannels;
  }

  /** Subscribes; false if already subscribed. */
  add(kind: SubKind, raw: Buffer): boolean {
    const name = raw.latin1Slice();
    const set = this.setOf(kind);
    if (set.has(name)) return false;
    set.add(name);
    this.tables.add(kind, name, raw, this.owner);
    return true;
  }

  /** Unsubscribes; false if it was not subscribed. */
  remove(kind: SubKind, name: string): boolean {
    if (!this.setOf(kind).delete(name)) return false;
    this.tables.remove(kind, name, this.owner);
    return true;
  }

  /** The names subscribed in `kind` (a copy: safe to unsubscribe while walking it). */
  list(kind: SubKind): string[] {
    return [...this.setOf(kind)];
  }

  /** Channels + patterns: the count classic (un)subscribe confirmations carry. */
  get classicCount(): number {
    return this.channels.size + this.patterns.size;
  }

  get total(): number {
    return this.channels.size + this.patterns.size + this.shardChannels.size;
  }

  /** Leaves everything without confirmations (the client is gone, or RESET). */
  leaveAll(): void {
    for (const kind of [CHANNEL, PATTERN, SHARD_CHANNEL] as const) for (const name of this.list(kind)) this.remove(kind, name);
  }
}
