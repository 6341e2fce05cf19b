// Key deadlines: the EXPIRE family (EXPIRE PEXPIRE EXPIREAT PEXPIREAT with NX/XX/GT/LT), the TTL
// family (TTL PTTL EXPIRETIME PEXPIRETIME) and PERSIST.
// Invariants: they run on the shard owning the key and reply exactly as Redis 7 does; a deadline in
// the past deletes the key at once; deadlines beyond 2^53 ms stay exact (the database keeps them).

import { NOTIFY_GENERIC } from '../config/keyspace-events.ts';
import { notifyKeyspaceEvent } from '../server/notify.ts';
import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { CommandImpl, ShardExec } from '../server/command-types.ts';
import {
  ERR_NOT_INTEGER, INT64_MAX, INT64_MIN, deleteKey, errInvalidExpire, isWord, keyString, lookupNoTouch, lookupWrite, parseInteger,
} from './family-util.ts';

const EXPIRE_NX = 1;
const EXPIRE_XX = 2;
const EXPIRE_GT = 4;
const EXPIRE_LT = 8;

/** Redis parseExtendedExpireArgumentsOrReply: the NX/XX/GT/LT flags, or -1 after an error reply. */
function parseExpireFlags(args: Buffer[], w: ReplyWriter): number {
  let flags = 0;
  for (let j = 3; j < args.length; j++) {
    const opt = args[j];
    if (isWord(opt, 'NX')) flags |= EXPIRE_NX;
    else if (isWord(opt, 'XX')) flags |= EXPIRE_XX;
    else if (isWord(opt, 'GT')) flags |= EXPIRE_GT;
    else if (isWord(opt, 'LT')) flags |= EXPIRE_LT;
    else {
      const s = opt.toString('latin1');
      const z = s.indexOf('\0');
      w.error(`ERR Unsupported option ${z >= 0 ? s.slice(0, z) : s}`);
      return -1;
    }
  }
  if ((flags & EXPIRE_NX) && (flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT))) {
    w.error('ERR NX and XX, GT or LT options at the same time are not compatible');
    return -1;
  }
  if ((flags & EXPIRE_GT) && (flags & EXPIRE_LT)) {
    w.error('ERR GT and LT options at the same time are not compatible');
    return -1;
  }
  return flags;
}

/** Redis expireGenericCommand: `relative` adds the current time, `seconds` scales by 1000. */
function expireGeneric(x: ShardExec, args: Buffer[], w: ReplyWriter, relative: boolean, seconds: boolean, cmdName: string): void {
  const flags = parseExpireFlags(args, w);
  if (flags < 0) return;
  const v = parseInteger(args[2]);
  if (v === null) return w.error(ERR_NOT_INTEGER);
  let when = BigInt(v);
  const basetime = relative ? BigInt(x.now) : 0n;
  if (seconds) {
    if (when > INT64_MAX / 1000n || when < INT64_MIN / 1000n) return w.error(errInvalidExpire(cmdName));
    when *= 1000n;
  }
  if (when > INT64_MAX - basetime) return w.error(errInvalidExpire(cmdName));
  when += basetime;
  const e = lookupWrite(x, args[1]);
  if (e === undefined) return w.integer(0);
  const key = keyString(args[1]);
  if (flags !== 0) {
    const current = e.expireAt === 0 ? -1n : BigInt(x.db.exactDeadline(key, e));
    if ((flags & EXPIRE_NX) && current !== -1n) return w.integer(0);
    if ((flags & EXPIRE_XX) && current === -1n) return w.integer(0);
    if ((flags & EXPIRE_GT) && (when <= current || current === -1n)) return w.integer(0);
    if ((flags & EXPIRE_LT) && current !== -1n && when >= current) return w.integer(0);
  }
  if (when <= BigInt(x.now)) {
    deleteKey(x, args[1]);
    notifyKeyspaceEvent(x, NOTIFY_GENERIC, 'del', args[1]);
  } else {
    x.db.setExpire(key, e, when);
    notifyKeyspaceEvent(x, NOTIFY_GENERIC, 'expire', args[1]);
  }
  w.integer(1);
}

/** EXPIRE key seconds [NX | XX | GT | LT] */
function opExpire(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  expireGeneric(x, args, w, true, true, 'expire');
}

/** PEXPIRE key milliseconds [NX | XX | GT | LT] */
function opPExpire(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  expireGeneric(x, args, w, true, false, 'pexpire');
}

/** EXPIREAT key unix-time-seconds [NX | XX | GT | LT] */
function opExpireAt(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  expireGeneric(x, args, w, false, true, 'expireat');
}

/** PEXPIREAT key unix-time-milliseconds [NX | XX | GT | LT] */
function opPExpireAt(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  expireGeneric(x, args, w, false, false, 'pexpireat');
}

/** Redis ttlGenericCommand: -2 missing, -1 no deadline, else remaining (or absolute) ms or s. */
function ttlGeneric(x: ShardExec, args: Buffer[], w: ReplyWriter, ms: boolean, abs: boolean): void {
  const e = lookupNoTouch(x, args[1]);
  if (e === undefined) return w.integer(-2);
  if (e.expireAt === 0) return w.integer(-1);
  const at = x.db.exactDeadline(keyString(args[1]), e);
  if (typeof at === 'bigint') {
    const ttl = abs ? at : at - BigInt(x.now);
    return w.integer(ms ? ttl : (ttl + 500n) / 1000n);
  }
  let ttl = abs ? at : at - x.now;
  if (ttl < 0) ttl = 0;
  w.integer(ms ? ttl : Math.floor((ttl + 500) / 1000));
}

/** TTL key */
function opTtl(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  ttlGeneric(x, args, w, false, false);
}

/** PTTL key */
function opPTtl(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  ttlGeneric(x, args, w, true, false);
}

/** EXPIRETIME key */
function opExpireTime(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  ttlGeneric(x, args, w, false, true);
}

/** PEXPIRETIME key */
function opPExpireTime(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  ttlGeneric(x, args, w, true, true);
}

/** PERSIST key */
function opPersist(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const e = lookupWrite(x, args[1]);
  if (e === undefined || e.expireAt === 0) return w.integer(0);
  x.db.setExpire(keyString(args[1]), e, 0);
  notifyKeyspaceEvent(x, NOTIFY_GENERIC, 'persist', args[1]);
  w.integer(1);
}

export const commands: Record<string, CommandImpl> = {
  expire: { shard: opExpire },
  pexpire: { shard: opPExpire },
  expireat: { shard: opExpireAt },
  pexpireat: { shard: opPExpireAt },
  ttl: { shard: opTtl },
  pttl: { shard: opPTtl },
  expiretime: { shard: opExpireTime },
  pexpiretime: { shard: opPExpireTime },
  persist: { shard: opPersist },
};
