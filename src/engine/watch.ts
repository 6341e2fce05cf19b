// Watch: the keys clients WATCH on this shard (for MULTI/EXEC's optimistic check).
// Invariants: a WatchRecord belongs to one client's WATCH on one shard and is dirty once any watched
// key was changed, deleted, expired (unless it was already expired when watched) or flushed; it is
// consulted and dropped by EXEC's check, or dropped by UNWATCH/DISCARD/disconnect. While nobody
// watches a database its `watchers` map is null, so writes pay one null check. Imports nothing: a
// Database is a WatchedDb (the three members below), so database.ts → watch.ts has no way back.

/** What watching needs of a Database. */
export interface WatchedDb {
  watchers: Map<string, Set<WatchedKey>> | null;
  peek(key: string, now: number): 'none' | 'live' | 'expired';
  touch(key: string): void;
}

export class WatchRecord {
  dirty = false;
  readonly keys: WatchedKey[] = [];
  /** The keys watched, per database index: watching a key again is one lookup, not a walk of `keys`. */
  readonly byDb: (Set<string> | undefined)[] = [];
}

export class WatchedKey {
  readonly record: WatchRecord;
  /** The database index (watchers stay with the index when SWAPDB swaps contents). */
  readonly dbIndex: number;
  readonly key: string;
  /** The key was already logically expired when watched: its deletion by expiry is no change. */
  readonly expiredAtWatch: boolean;
  /** Whether the key had a live value when watched (EXEC checks for an expiry since then). */
  readonly liveAtWatch: boolean;

  constructor(record: WatchRecord, dbIndex: number, key: string, expiredAtWatch: boolean, liveAtWatch: boolean) {
    this.record = record;
    this.dbIndex = dbIndex;
    this.key = key;
    this.expiredAtWatch = expiredAtWatch;
    this.liveAtWatch = liveAtWatch;
  }
}

/** Adds key of db to record (watching the same key twice is one watch, as in Redis). */
export function watchKey(record: WatchRecord, dbs: WatchedDb[], dbIndex: number, key: string, expiredAtWatch: boolean, liveAtWatch: boolean): void {
  let seen = record.byDb[dbIndex];
  if (seen === undefined) record.byDb[dbIndex] = seen = new Set();
  if (seen.has(key)) return;
  seen.add(key);
  const db = dbs[dbIndex];
  const wk = new WatchedKey(record, dbIndex, key, expiredAtWatch, liveAtWatch);
  record.keys.push(wk);
  let map = db.watchers;
  if (map === null) map = db.watchers = new Map();
  let set = map.get(key);
  if (set === undefined) map.set(key, (set = new Set()));
  set.add(wk);
}

/**
 * SWAPDB a b on this shard (contents already swapped in `dbs`): watchers stay with their index, and
 * a watched key that exists in either database is touched (as Redis's touchAllWatchedKeysInDb).
 */
export function swapWatchers(dbs: WatchedDb[], a: number, b: number): void {
  const wa = dbs[b].watchers;
  const wb = dbs[a].watchers;
  dbs[a].watchers = wa;
  dbs[b].watchers = wb;
  for (const [x, y] of [[a, b], [b, a]]) {
    const map = dbs[x].watchers;
    if (map === null) continue;
    for (const key of map.keys()) if (dbs[x].peek(key, 0) !== 'none' || dbs[y].peek(key, 0) !== 'none') dbs[x].touch(key);
  }
}

/** Removes every watch of record. */
export function unwatchAll(record: WatchRecord, dbs: WatchedDb[]): void {
  for (const wk of record.keys) {
    const db = dbs[wk.dbIndex];
    const map = db.watchers;
    if (map === null) continue;
    const set = map.get(wk.key);
    if (set === undefined) continue;
    set.delete(wk);
    if (set.size === 0) map.delete(wk.key);
    if (map.size === 0) db.watchers = null;
  }
  record.keys.length = 0;
  record.byDb.length = 0;
}
