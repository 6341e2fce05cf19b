// WatchRecord: watching many keys is linear (a key watched again is one set lookup), a key watched
// twice is one watch, and unwatchAll leaves no watcher behind.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { unwatchAll, watchKey, WatchRecord, type WatchedDb, type WatchedKey } from './watch.ts';

function fakeDb(): WatchedDb {
  return {
    watchers: null as Map<string, Set<WatchedKey>> | null,
    peek: () => 'none',
    touch: () => {},
  };
}

describe('WATCH records', () => {
  it('watches 300k keys, each twice, as 300k watches (quadratic, this would take many minutes)', () => {
    const dbs = [fakeDb(), fakeDb()];
    const record = new WatchRecord();
    const n = 300_000;
    for (let pass = 0; pass < 2; pass++) for (let i = 0; i < n; i++) watchKey(record, dbs, 0, `k${i}`, false, true);
    // The same name in another database is another watch.
    watchKey(record, dbs, 1, 'k0', false, true);
    assert.equal(record.keys.length, n + 1);
    assert.equal(dbs[0].watchers!.size, n);
    assert.equal(dbs[0].watchers!.get('k7')!.size, 1);
    assert.equal(dbs[1].watchers!.size, 1);
    unwatchAll(record, dbs);
    assert.equal(dbs[0].watchers, null);
    assert.equal(dbs[1].watchers, null);
    // Watching again after unwatchAll records the key again.
    watchKey(record, dbs, 0, 'k1', false, true);
    assert.equal(record.keys.length, 1);
  });
});
