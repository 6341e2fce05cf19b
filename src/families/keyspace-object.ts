// OBJECT ENCODING, REFCOUNT, IDLETIME, FREQ and HELP: what the engine records about a key.
// Invariants: they run on the shard owning the key, do not touch its access clock, and reply exactly
// as Redis 7 does (IDLETIME is refused under an LFU policy, FREQ under any other).

import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { CommandImpl, ShardExec } from '../server/command-types.ts';
import { kindOf } from '../engine/kinds.ts';
import { stringEncoding } from '../engine/string-kind.ts';
import { Shard } from '../engine/shard.ts';
import type { Value } from '../engine/database.ts';
import { isString, lookupNoTouch } from './family-util.ts';
import { helpReply } from './client-commands.ts';

function isLfu(policy: unknown): boolean {
  return String(policy).endsWith('-lfu');
}

/** OBJECT ENCODING key */
function opObjectEncoding(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const e = lookupNoTouch(x, args[2]);
  if (e === undefined) return w.nullBulk();
  const v = e.value;
  w.bulk(kindOf(v).encoding(v, e.raw));
}

/** OBJECT REFCOUNT key */
function opObjectRefcount(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const e = lookupNoTouch(x, args[2]);
  if (e === undefined) return w.nullBulk();
  w.integer(refcountOf(x, e.value, e.raw));
}

/** A value's refcount as Redis reports it: int-encoded 0..9999 are shared integers (unless LRU/LFU eviction is on). */
export function refcountOf(x: ShardExec, v: Value, raw: boolean): number {
  const cfg = x.worker.config;
  const policy = String(cfg.maxmemory_policy);
  const sharingOff = Number(cfg.maxmemory) !== 0 && (policy.endsWith('-lru') || isLfu(policy));
  if (!sharingOff && isString(v) && v.length <= 4 && stringEncoding(v, raw) === 'int') {
    const n = Number(v);
    if (n >= 0 && n < 10000) return 2147483647;
  }
  return 1;
}

/** OBJECT IDLETIME key */
function opObjectIdletime(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const e = lookupNoTouch(x, args[2]);
  if (e === undefined) return w.nullBulk();
  if (isLfu(x.shard.policy)) {
    return w.error(
      'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
    );
  }
  w.integer(Math.max(0, Shard.lruClock(x.now) - e.lru));
}

/** OBJECT FREQ key — the key's logarithmic access counter, decayed by the minutes since its last access. */
function opObjectFreq(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const e = lookupNoTouch(x, args[2]);
  if (e === undefined) return w.nullBulk();
  if (!isLfu(x.shard.policy)) {
    return w.error(
      'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
    );
  }
  w.integer(x.db.lfuDecayed(e.ref, Shard.lruClock(x.now)));
}

const OBJECT_HELP = [
  'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
  'HELP',
  '    Prints this help.',
];

export const commands: Record<string, CommandImpl> = {
  object: {},
  'object|encoding': { shard: opObjectEncoding },
  'object|refcount': { shard: opObjectRefcount },
  'object|idletime': { shard: opObjectIdletime },
  'object|freq': { shard: opObjectFreq },
  'object|help': { conn: (_c, _a, w) => helpReply(w, OBJECT_HELP) },
};
