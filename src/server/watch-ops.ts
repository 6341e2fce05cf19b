// WATCH on the shards: the operations that record a client's watched keys on the shard owning them,
// check them inside EXEC's transaction, and drop them.
// Invariants: a client's records on a shard live under its handle (the client id) until EXEC, DISCARD,
// UNWATCH or its disconnection drops them; a record is dirty once a watched key changed, and a key
// that was live at WATCH and has expired since counts as changed (Redis's rule).

import { unwatchAll, watchKey, WatchRecord } from '../engine/watch.ts';
import { bool, bytesList, latin1, none, tuple } from '../util/codec.ts';
import { defineShardOp, type OpContext } from './op-table.ts';

/** Records keys (in the command's database) for the client with this handle. */
export const WATCH = defineShardOp('watch', tuple<[string, Buffer[]]>(latin1, bytesList), none, (x: OpContext, [handle, keys]) => {
  let record = x.shard.watches.get(handle);
  if (record === undefined) x.shard.watches.set(handle, (record = new WatchRecord()));
  for (const k of keys) {
    const key = k.latin1Slice(0, k.length);
    const state = x.db.peek(key, x.now);
    watchKey(record, x.shard.dbs, x.dbIndex, key, state === 'expired', state === 'live');
  }
  return null;
});

/** Whether a watched key of the handle changed (or expired since WATCH); drops the record. */
export const WATCH_CHECK = defineShardOp('watch-check', latin1, bool, (x: OpContext, handle) => {
  const record = x.shard.watches.get(handle);
  if (record === undefined) return false;
  let dirty = record.dirty;
  if (!dirty) {
    for (const wk of record.keys) {
      if (!wk.expiredAtWatch && x.shard.dbs[wk.dbIndex].peek(wk.key, x.now) === 'expired') {
        dirty = true;
        break;
      }
    }
  }
  unwatchAll(record, x.shard.dbs);
  x.shard.watches.delete(handle);
  return dirty;
});

/** Drops the handle's record. */
export const UNWATCH = defineShardOp('unwatch', latin1, none, (x: OpContext, handle) => {
  const record = x.shard.watches.get(handle);
  if (record !== undefined) {
    unwatchAll(record, x.shard.dbs);
    x.shard.watches.delete(handle);
  }
  return null;
});

export const WATCH_OPS = [WATCH, WATCH_CHECK, UNWATCH];
