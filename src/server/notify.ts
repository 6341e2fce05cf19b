// Keyspace notifications (Redis notify.c): a write on this shard publishes `<event>` to
// `__keyspace@<db>__:<key>` (class K) and `<key>` to `__keyevent@<db>__:<event>` (class E) when the
// event's class is on in notify-keyspace-events.
// Invariants: with notifications off a call costs one test of Shard.notifyFlags; events are published
// at once on the shard where the write happens, so subscribers see them in the shard's write order
// (each shard→thread ring is FIFO); the engine's own events (new, expired, evicted) come through
// KeyTable.onKeyEvent, installed only while some class is on.

import {
  NOTIFY_EVICTED, NOTIFY_EXPIRED, NOTIFY_GENERIC, NOTIFY_HASH, NOTIFY_KEYEVENT, NOTIFY_KEYSPACE, NOTIFY_NEW, keyspaceEventsStringToFlags,
} from '../config/keyspace-events.ts';
import type { KeyTable, TableKeyEvent } from '../engine/db-table.ts';
import type { KeyArg } from '../engine/db-records.ts';
import type { Shard } from '../engine/shard.ts';
import type { OpContext } from './op-table.ts';

/**
 * Publishes a message to a channel's subscribers on every thread from the thread `worker` runs
 * (pubsub.ts's publish, installed by the registry: this module is below the shard worker).
 */
export type KeyspacePublisher = (worker: unknown, channel: Buffer, message: Buffer) => void;

let publisher: KeyspacePublisher = () => {};

export function setKeyspacePublisher(p: KeyspacePublisher): void {
  publisher = p;
}

/** Redis notifyKeyspaceEvent for the command's database: `type` is the event's NOTIFY_* class. */
export function notifyKeyspaceEvent(x: OpContext, type: number, event: string, key: KeyArg): void {
  if ((x.shard.notifyFlags & type) === 0) return;
  publishKeyspaceEvent(x.shard, event, key, x.dbIndex);
}

/** notifyKeyspaceEvent for a key of another database (MOVE's move_to, COPY ... DB's copy_to). */
export function notifyKeyspaceEventIn(x: OpContext, type: number, event: string, key: KeyArg, dbid: number): void {
  if ((x.shard.notifyFlags & type) === 0) return;
  publishKeyspaceEvent(x.shard, event, key, dbid);
}

/** Per database: `__keyspace@<db>__:`, and `__keyevent@<db>__:<event>` and `<event>` by event name. */
interface DbChannels {
  keyspacePrefix: Buffer;
  keyevent: Map<string, [channel: Buffer, message: Buffer]>;
}

const channelsByDb: DbChannels[] = [];

function channelsOf(dbid: number): DbChannels {
  return (channelsByDb[dbid] ??= { keyspacePrefix: Buffer.from(`__keyspace@${dbid}__:`, 'latin1'), keyevent: new Map() });
}

/**
 * Publishes one event on the K and/or E channels. The key may be a view of the command's argument:
 * publish copies what it keeps (frames are encoded, and ring frames copied, at once).
 */
function publishKeyspaceEvent(shard: Shard, event: string, key: KeyArg, dbid: number): void {
  const flags = shard.notifyFlags;
  const ch = channelsOf(dbid);
  let ev = ch.keyevent.get(event);
  if (ev === undefined) {
    ev = [Buffer.from(`__keyevent@${dbid}__:${event}`, 'latin1'), Buffer.from(event, 'latin1')];
    ch.keyevent.set(event, ev);
  }
  const keyBytes = typeof key === 'string' ? Buffer.from(key, 'latin1') : key;
  if (flags & NOTIFY_KEYSPACE) {
    const prefix = ch.keyspacePrefix;
    const channel = Buffer.allocUnsafe(prefix.length + keyBytes.length);
    prefix.copy(channel, 0);
    keyBytes.copy(channel, prefix.length);
    shard.publishEvent(channel, ev[1]);
  }
  if (flags & NOTIFY_KEYEVENT) shard.publishEvent(ev[0], keyBytes);
}

const TABLE_EVENT_CLASS: Record<TableKeyEvent, number> = {
  new: NOTIFY_NEW, expired: NOTIFY_EXPIRED, evicted: NOTIFY_EVICTED, hexpired: NOTIFY_HASH, del: NOTIFY_GENERIC,
};

/**
 * Applies notify-keyspace-events (its canonical string) to the shard of thread `worker`: its flags,
 * its publisher, and the engine's event hook on every database while any class is on.
 */
export function applyKeyspaceEvents(worker: unknown, shard: Shard, classes: string): void {
  shard.publishEvent = (channel, message) => publisher(worker, channel, message);
  const flags = keyspaceEventsStringToFlags(classes);
  shard.notifyFlags = flags > 0 ? flags : 0;
  const hook = shard.notifyFlags === 0 ? null : (db: KeyTable, event: TableKeyEvent, key: KeyArg) => {
    if ((shard.notifyFlags & TABLE_EVENT_CLASS[event]) === 0) return;
    const dbid = shard.dbs.indexOf(db as never);
    if (dbid >= 0) publishKeyspaceEvent(shard, event, key, dbid);
  };
  for (const db of shard.dbs) db.onKeyEvent = hook;
}
