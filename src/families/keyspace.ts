// Generic keyspace commands on keys themselves: DEL/UNLINK, EXISTS, TOUCH, TYPE. The rest of the
// keyspace is in keyspace-expire.ts, keyspace-move.ts, keyspace-object.ts, keyspace-scan.ts and
// keyspace-flush.ts.
// Invariants: the handlers run on the shard owning their keys (multi-key ones once per shard, summed)
// and reply exactly as Redis 7 does; an expired key counts as missing.

import { NOTIFY_GENERIC } from '../config/keyspace-events.ts';
import { notifyKeyspaceEvent } from '../server/notify.ts';
import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { CommandImpl, ShardExec } from '../server/command-types.ts';
import { kindOf } from '../engine/kinds.ts';
import { lookupNoTouch, lookupRead } from './family-util.ts';

/** DEL key [key ...] (and UNLINK) — the keys of one shard; expired keys do not count. */
function opDel(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  let n = 0;
  const db = x.db;
  for (let i = 1; i < args.length; i++) {
    const k = args[i];
    if (db.lookup(k, x.now) !== undefined && db.delete(k)) {
      n++;
      notifyKeyspaceEvent(x, NOTIFY_GENERIC, 'del', k);
    }
  }
  w.integer(n);
}

/** EXISTS key [key ...] — a key named twice counts twice. */
function opExists(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  let n = 0;
  for (let i = 1; i < args.length; i++) if (lookupNoTouch(x, args[i]) !== undefined) n++;
  w.integer(n);
}

/** TOUCH key [key ...] — touches the access clock even for a CLIENT NO-TOUCH client (Redis 7.2). */
function opTouch(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  let n = 0;
  for (let i = 1; i < args.length; i++) {
    const e = lookupRead(x, args[i]);
    if (e === undefined) continue;
    if (x.noTouch) x.db.accessed(e.ref, x.now);
    n++;
  }
  w.integer(n);
}

/** TYPE key */
function opType(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const e = lookupNoTouch(x, args[1]);
  w.simple(e === undefined ? 'none' : kindOf(e.value).type);
}

export const commands: Record<string, CommandImpl> = {
  del: { shard: opDel, multi: 'sum' },
  unlink: { shard: opDel, multi: 'sum' },
  exists: { shard: opExists, multi: 'sum' },
  touch: { shard: opTouch, multi: 'sum' },
  type: { shard: opType },
};
