// notify.ts on one shard, without threads: classes filter, channel formats, and the engine's own
// events (new on put, expired on a lazy lookup and in the active pass, evicted) in write order.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Shard } from '../engine/shard.ts';
import { applyKeyspaceEvents, notifyKeyspaceEvent, notifyKeyspaceEventIn, setKeyspacePublisher } from './notify.ts';
import { NOTIFY_GENERIC, NOTIFY_STRING } from '../config/keyspace-events.ts';

function rig(classes: string): { shard: Shard; got: string[]; x: { shard: Shard; db: Shard['dbs'][0]; dbIndex: number; now: number; noTouch: boolean } } {
  const got: string[] = [];
  setKeyspacePublisher((_w, channel, message) => got.push(`${channel.latin1Slice()} ${message.latin1Slice()}`));
  const shard = new Shard(0, 16);
  applyKeyspaceEvents(null, shard, classes);
  return { shard, got, x: { shard, db: shard.dbs[0], dbIndex: 0, now: 1000, noTouch: false } };
}

describe('keyspace notifications on a shard', () => {
  it('off: nothing is published and the engine hook is not installed', () => {
    const { shard, got, x } = rig('');
    notifyKeyspaceEvent(x, NOTIFY_STRING, 'set', Buffer.from('k'));
    shard.dbs[0].put('k', 'v', 0, 0);
    assert.deepEqual(got, []);
    assert.equal(shard.dbs[0].onKeyEvent, null);
  });

  it('K and E channels, the class filter, another database', () => {
    const { got, x } = rig('KE$');
    notifyKeyspaceEvent(x, NOTIFY_STRING, 'set', Buffer.from('k'));
    notifyKeyspaceEvent(x, NOTIFY_GENERIC, 'del', Buffer.from('k'));
    notifyKeyspaceEventIn(x, NOTIFY_STRING, 'setrange', 'k2', 3);
    assert.deepEqual(got, ['__keyspace@0__:k set', '__keyevent@0__:set k', '__keyspace@3__:k2 setrange', '__keyevent@3__:setrange k2']);
  });

  it('the engine raises new, expired (lazy and active) and evicted, after the change', () => {
    const { shard, got } = rig('Exen');
    const db = shard.dbs[2];
    db.put('a', 'v', 0, 0);
    db.put('a', 'w', 0, 0);
    db.put('b', 'v', 500, 0);
    assert.equal(db.lookup('b', 1000), undefined);
    db.put('c', 'v', 500, 0);
    db.expireSome(20, 1000);
    db.evictRef(db.refOf('a'));
    assert.deepEqual(got, [
      '__keyevent@2__:new a', '__keyevent@2__:new b', '__keyevent@2__:expired b', '__keyevent@2__:new c',
      '__keyevent@2__:expired c', '__keyevent@2__:evicted a',
    ]);
  });
});
