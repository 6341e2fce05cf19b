// Set commands: SADD/SREM/SCARD/SISMEMBER/SMISMEMBER/SMEMBERS, SRANDMEMBER/SPOP, SMOVE, SSCAN, and
// the multi-key SINTER/SINTERCARD/SUNION/SDIFF and their STORE forms.
// Invariants: handlers reply as Redis 7.2 does (its encodings: intset/listpack/hashtable); a set is
// never stored empty; a multi-key command whose keys live on one shard runs there in one handler;
// across shards it gathers copies of the sets (SET_GET, one hop), computes on the connection thread
// with the same algebra (set-algebra.ts), then stores the result with one more hop (SET_STORE) — or, past
// STREAM_MIN_MEMBERS members, streams it slice by slice (set-algebra-across.ts); the key's
// watchers are told (modified) exactly when Redis signals it: after a member was really added or removed.

import { NOTIFY_GENERIC, NOTIFY_SET } from '../config/keyspace-events.ts';
import { notifyKeyspaceEvent } from '../server/notify.ts';
import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { CommandImpl, ShardExec } from '../server/command-types.ts';
import type { Client } from '../server/client.ts';
import { replyInteger, replyIsError } from '../protocol/reply-reader.ts';
import { OpError, defineOp } from '../server/shard-ops.ts';
import { bool, bytes, latin1, nullable, num, tuple } from '../util/codec.ts';
import { globMatch } from '../engine/glob.ts';
import { SetValue } from '../engine/set-value.ts';
import type { Entry } from '../engine/database.ts';
import {
  ERR_NOT_INTEGER, ERR_SYNTAX, ERR_WRONGTYPE, INT64_MIN, askEachKeyOnce, deleteKey, inKeyOrder, isWord, keyString, lookupRead, lookupWrite, modified, parseInteger,
  storeValue,
} from './family-util.ts';
import { parseCursor } from './keyspace-scan.ts';
import { MAX_RANDOM_REPLY, distinctIndexes, randomIndex } from './random-pick.ts';
import { DIFF, UNION, interCard, interStore, replyInter, replyMembers, unionDiff } from './set-algebra.ts';
import { parseScanArgs, replyEmptyScan } from './scan-args.ts';
import { INTER, SET_VALUE, setStoreEvent, storeSetResult, STREAM_MIN_MEMBERS, ops as streamOps, replyStreamed, setLimits, sourcesOf, storeStreamed, totalMembers } from './set-algebra-across.ts';

/** SPOP: the "rebuild the remaining set" strategy once the rest is this many times smaller than the count. */
const SPOP_MOVE_STRATEGY_MUL = 5;

/** The set in an entry: undefined when the entry is missing, null when it holds another type. */
function setIn(e: Entry | undefined): SetValue | null | undefined {
  if (e === undefined) return undefined;
  return e.value instanceof SetValue ? e.value : null;
}

// ---------------------------------------------------------------------------------------------
// SADD SREM SCARD SISMEMBER SMISMEMBER SMEMBERS
// ---------------------------------------------------------------------------------------------

/** SADD key member [member ...] */
function opSAdd(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const found = setIn(lookupWrite(x, args[1]));
  if (found === null) return w.error(ERR_WRONGTYPE);
  const lim = setLimits(x);
  const s = found ?? SetValue.create(keyString(args[2]), args.length - 2, lim);
  if (found !== undefined) s.maybeConvert(args.length - 2, lim);
  let added = 0;
  for (let i = 2; i < args.length; i++) if (s.add(keyString(args[i]), lim)) added++;
  if (found === undefined) storeValue(x, args[1], s, 0);
  else if (added > 0) modified(x, args[1]);
  if (added > 0) notifyKeyspaceEvent(x, NOTIFY_SET, 'sadd', args[1]);
  w.integer(added);
}

/** SREM key member [member ...] */
function opSRem(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const s = setIn(lookupWrite(x, args[1]));
  if (s === undefined) return w.integer(0);
  if (s === null) return w.error(ERR_WRONGTYPE);
  let n = 0;
  for (let i = 2; i < args.length; i++) {
    if (!s.remove(keyString(args[i]))) continue;
    n++;
    if (s.size === 0) {
      deleteKey(x, args[1]);
      break;
    }
  }
  if (n > 0 && s.size > 0) modified(x, args[1]);
  if (n > 0) {
    notifyKeyspaceEvent(x, NOTIFY_SET, 'srem', args[1]);
    if (s.size === 0) notifyKeyspaceEvent(x, NOTIFY_GENERIC, 'del', args[1]);
  }
  w.integer(n);
}

/** SCARD key */
function opSCard(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const s = setIn(lookupRead(x, args[1]));
  if (s === null) return w.error(ERR_WRONGTYPE);
  w.integer(s === undefined ? 0 : s.size);
}

/** SISMEMBER key member */
function opSIsMember(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const s = setIn(lookupRead(x, args[1]));
  if (s === null) return w.error(ERR_WRONGTYPE);
  w.integer(s !== undefined && s.has(keyString(args[2])) ? 1 : 0);
}

/** SMISMEMBER key member [member ...] */
function opSMIsMember(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const s = setIn(lookupRead(x, args[1]));
  if (s === null) return w.error(ERR_WRONGTYPE);
  w.array(args.length - 2);
  for (let i = 2; i < args.length; i++) w.integer(s !== undefined && s.has(keyString(args[i])) ? 1 : 0);
}

/** SMEMBERS key */
function opSMembers(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const s = setIn(lookupRead(x, args[1]));
  if (s === null) return w.error(ERR_WRONGTYPE);
  if (s === undefined) return w.set(0);
  replyMembers(s, w);
}

// ---------------------------------------------------------------------------------------------
// SRANDMEMBER SPOP
// ---------------------------------------------------------------------------------------------

/** SRANDMEMBER key [count] */
function opSRandMember(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  if (args.length > 3) return w.error(ERR_SYNTAX);
  if (args.length === 2) {
    const s = setIn(lookupRead(x, args[1]));
    if (s === null) return w.error(ERR_WRONGTYPE);
    if (s === undefined) return w.nullBulk();
    return w.bulk(s.at(randomIndex(s.size)));
  }
  const l = parseInteger(args[2]);
  if (l === null) return w.error(ERR_NOT_INTEGER);
  if (l === INT64_MIN) return w.error('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807');
  const s = setIn(lookupRead(x, args[1]));
  if (s === null) return w.error(ERR_WRONGTYPE);
  if (s === undefined || l === 0 || l === 0n) return w.array(0);
  const size = s.size;
  const unique = l >= 0;
  const count = unique ? Number(l) : -Number(l);
  // Negative (or 1): independent picks, repeats allowed.
  if (!unique || count === 1) {
    if (count > MAX_RANDOM_REPLY) return w.error('ERR value is out of range');
    w.array(count);
    for (let i = 0; i < count; i++) w.bulk(s.at(randomIndex(size)));
    return;
  }
  if (count >= size) {
    w.array(size);
    s.forEach((m) => w.bulk(m));
    return;
  }
  const picks = distinctIndexes(size, count);
  // A listpack answers its sample in its own order (Redis lpNextRandom).
  if (s.isListpack) picks.sort((a, b) => a - b);
  w.array(count);
  for (const i of picks) w.bulk(s.at(i));
}

/** SPOP key [count] */
function opSPop(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  if (args.length > 3) return w.error(ERR_SYNTAX);
  if (args.length === 3) return spopWithCount(x, args, w);
  const s = setIn(lookupWrite(x, args[1]));
  if (s === null) return w.error(ERR_WRONGTYPE);
  if (s === undefined) return w.nullBulk();
  const i = randomIndex(s.size);
  w.bulk(s.at(i));
  s.removeAt(i);
  notifyKeyspaceEvent(x, NOTIFY_SET, 'spop', args[1]);
  if (s.size === 0) {
    deleteKey(x, args[1]);
    notifyKeyspaceEvent(x, NOTIFY_GENERIC, 'del', args[1]);
  } else modified(x, args[1]);
}

/** Redis spopWithCountCommand (7.2): its three strategies, which decide the remaining set's encoding. */
function spopWithCount(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const l = parseInteger(args[2]);
  if (l === null || l < 0) return w.error('ERR value is out of range, must be positive');
  const e = lookupWrite(x, args[1]);
  const s = setIn(e);
  if (s === null) return w.error(ERR_WRONGTYPE);
  if (s === undefined || l === 0 || l === 0n) return w.set(0);
  const size = s.size;
  const count = Number(l);
  const lim = setLimits(x);
  notifyKeyspaceEvent(x, NOTIFY_SET, 'spop', args[1]);
  // The whole set: answered as SUNION of it would answer, then deleted.
  if (count >= size) {
    replyMembers(unionDiff([s], UNION, lim), w);
    deleteKey(x, args[1]);
    notifyKeyspaceEvent(x, NOTIFY_GENERIC, 'del', args[1]);
    return;
  }
  const remaining = size - count;
  modified(x, args[1]);
  w.set(count);
  if (remaining * SPOP_MOVE_STRATEGY_MUL > count) {
    if (s.isListpack) {
      // One pass over the listpack: the picks in its order.
      const picks = distinctIndexes(size, count).sort((a, b) => a - b);
      for (const i of picks) w.bulk(s.at(i));
      for (let k = picks.length - 1; k >= 0; k--) s.removeAt(picks[k]);
    } else {
      for (let k = 0; k < count; k++) {
        const i = randomIndex(s.size);
        w.bulk(s.at(i));
        s.removeAt(i);
      }
    }
    return;
  }
  // Most of the set goes: move the few that stay into a new set, answer the old one, swap them.
  let kept: SetValue;
  if (s.isListpack) {
    kept = SetValue.listpack();
    const picks = distinctIndexes(size, remaining).sort((a, b) => a - b);
    for (const i of picks) kept.add(s.at(i), lim);
    for (let k = picks.length - 1; k >= 0; k--) s.removeAt(picks[k]);
  } else {
    kept = s.isIntset ? SetValue.intset() : SetValue.listpack();
    for (let k = 0; k < remaining; k++) {
      const i = randomIndex(s.size);
      kept.add(s.at(i), lim);
      s.removeAt(i);
    }
  }
  s.forEach((m) => w.bulk(m));
  e!.value = kept;
}

// ---------------------------------------------------------------------------------------------
// SMOVE
// ---------------------------------------------------------------------------------------------

/** SMOVE source destination member, both keys on this shard. */
function opSMove(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const src = setIn(lookupWrite(x, args[1]));
  const dstEntry = lookupWrite(x, args[2]);
  const dst = setIn(dstEntry);
  if (src === undefined) return w.integer(0);
  if (src === null || dst === null) return w.error(ERR_WRONGTYPE);
  const member = keyString(args[3]);
  if (src === dst) return w.integer(src.has(member) ? 1 : 0);
  if (!src.remove(member)) return w.integer(0);
  notifyKeyspaceEvent(x, NOTIFY_SET, 'srem', args[1]);
  if (src.size === 0) {
    deleteKey(x, args[1]);
    notifyKeyspaceEvent(x, NOTIFY_GENERIC, 'del', args[1]);
  } else modified(x, args[1]);
  const lim = setLimits(x);
  if (dst === undefined) {
    const created = SetValue.create(member, 1, lim);
    created.add(member, lim);
    storeValue(x, args[2], created, 0);
    notifyKeyspaceEvent(x, NOTIFY_SET, 'sadd', args[2]);
  } else if (dst.add(member, lim)) {
    modified(x, args[2]);
    notifyKeyspaceEvent(x, NOTIFY_SET, 'sadd', args[2]);
  }
  w.integer(1);
}

/** SMOVE across shards: check both types, remove from the source, add to the destination. */
async function multiSMove(c: Client, args: Buffer[], w: ReplyWriter): Promise<void> {
  const [rs, rd] = await Promise.all([c.coord.opForKey(args[1], SET_TYPE, args[1]), c.coord.opForKey(args[2], SET_TYPE, args[2])]);
  if (rs instanceof OpError) return w.error(rs.text);
  if (!rs) return w.integer(0);
  if (rd instanceof OpError) return w.error(rd.text);
  const removed = await c.coord.runForKey('srem', args[1], args[3]);
  if (replyIsError(removed)) return w.raw(removed);
  if (replyInteger(removed) === 0) return w.integer(0);
  // SADD of one member creates the set as SMOVE does (setTypeCreate(member, 1)).
  const added = await c.coord.runForKey('sadd', args[2], args[3]);
  if (replyIsError(added)) return w.raw(added);
  w.integer(1);
}

/** Whether the key holds a set (false: missing), WRONGTYPE for another type (a write lookup). */
export const SET_TYPE = defineOp('set-type', bytes, bool, (x, key) => {
  const s = setIn(lookupWrite(x, key));
  if (s === null) return new OpError(ERR_WRONGTYPE);
  return s !== undefined;
});

// ---------------------------------------------------------------------------------------------
// SINTER SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE
// ---------------------------------------------------------------------------------------------

/** The sets at keys (null: missing; a key named twice gives the same object), or false after WRONGTYPE. */
function localSets(x: ShardExec, keys: Buffer[], w: ReplyWriter): (SetValue | null)[] | false {
  const out: (SetValue | null)[] = [];
  for (const k of keys) {
    const s = setIn(lookupRead(x, k));
    if (s === null) {
      w.error(ERR_WRONGTYPE);
      return false;
    }
    out.push(s ?? null);
  }
  return out;
}


/** Copies of the sets at keys, gathered from their shards (one hop), or false after an error reply. */
async function gatherSets(c: Client, keys: Buffer[], w: ReplyWriter): Promise<(SetValue | null)[] | false> {
  return inKeyOrder(keys, await askEachKeyOnce(c, keys, SET_GET), w);
}

/** A copy of the set at key (null: missing), WRONGTYPE for another type. */
export const SET_GET = defineOp('set-get', bytes, nullable(SET_VALUE), (x, key) => {
  const s = setIn(lookupRead(x, key));
  if (s === null) return new OpError(ERR_WRONGTYPE);
  return s === undefined ? null : s.clone();
});

/**
 * Stores a set computed on the connection thread at dst (null or empty: deletes dst; the set is
 * handed over) with the STORE command's keyspace event; the stored size.
 */
export const SET_STORE = defineOp('set-store', tuple<[Buffer, SetValue | null, string]>(bytes, nullable(SET_VALUE), latin1), num, (x, [dst, s, event]) => storeSetResult(x, dst, s, event), true);

/** Stores a result computed on the connection thread on dst's shard. */
async function storeRemote(c: Client, dst: Buffer, s: SetValue | null, op: number, w: ReplyWriter): Promise<void> {
  const r = await c.coord.opForKey(dst, SET_STORE, [dst, s, setStoreEvent(op)]);
  if (r instanceof OpError) return w.error(r.text);
  w.integer(r);
}

/**
 * The sets at keys on several shards, looked up once each (SET_INFO): copies when they are small enough
 * to be combined here (null: missing; a key named twice is one object); otherwise the command is
 * streamed slice by slice (set-algebra-across.ts) and replied, or stored at dst — then, or after an
 * error reply, null.
 */
async function setsAcross(c: Client, keys: Buffer[], dst: Buffer | null, op: number, w: ReplyWriter): Promise<(SetValue | null)[] | null> {
  const sources = await sourcesOf(c, keys, w);
  if (sources === false) return null;
  if (totalMembers(sources) <= STREAM_MIN_MEMBERS) return sources.map((s) => s.copy);
  if (dst === null) await replyStreamed(c, sources, op, w);
  else await storeStreamed(c, dst, sources, op, w);
  return null;
}

/** SINTER key [key ...] */
function opSInter(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const sets = localSets(x, args.slice(1), w);
  if (sets !== false) replyInter(sets, w);
}

async function multiSInter(c: Client, args: Buffer[], w: ReplyWriter): Promise<void> {
  const sets = await setsAcross(c, args.slice(1), null, INTER, w);
  if (sets !== null) replyInter(sets, w);
}

/** SINTERSTORE destination key [key ...] */
function opSInterStore(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const sets = localSets(x, args.slice(2), w);
  if (sets !== false) w.integer(storeSetResult(x, args[1], interStore(sets, setLimits(x)), 'sinterstore'));
}

async function multiSInterStore(c: Client, args: Buffer[], w: ReplyWriter): Promise<void> {
  const sets = await setsAcross(c, args.slice(2), args[1], INTER, w);
  if (sets !== null) await storeRemote(c, args[1], interStore(sets, setLimits(c)), INTER, w);
}

/** SINTERCARD's keys and LIMIT, parsed as Redis does; null after an error reply. */
function parseInterCard(args: Buffer[], w: ReplyWriter): { keys: Buffer[]; limit: number } | null {
  const n = parseInteger(args[1]);
  if (n === null || n < 1) {
    w.error('ERR numkeys should be greater than 0');
    return null;
  }
  if (n > args.length - 2) {
    w.error("ERR Number of keys can't be greater than number of args");
    return null;
  }
  const numkeys = Number(n);
  let limit = 0;
  for (let j = 2 + numkeys; j < args.length; j++) {
    if (isWord(args[j], 'LIMIT') && j < args.length - 1) {
      const v = parseInteger(args[++j]);
      if (v === null || v < 0) {
        w.error("ERR LIMIT can't be negative");
        return null;
      }
      limit = v > Number.MAX_SAFE_INTEGER ? Number.MAX_SAFE_INTEGER : Number(v);
    } else {
      w.error(ERR_SYNTAX);
      return null;
    }
  }
  return { keys: args.slice(2, 2 + numkeys), limit };
}

/** SINTERCARD numkeys key [key ...] [LIMIT limit] */
function opSInterCard(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const p = parseInterCard(args, w);
  if (p === null) return;
  const sets = localSets(x, p.keys, w);
  if (sets !== false) w.integer(interCard(sets, p.limit));
}

async function multiSInterCard(c: Client, args: Buffer[], w: ReplyWriter): Promise<void> {
  const p = parseInterCard(args, w);
  if (p === null) return;
  const sets = await gatherSets(c, p.keys, w);
  if (sets !== false) w.integer(interCard(sets, p.limit));
}

function unionDiffHere(x: ShardExec, args: Buffer[], w: ReplyWriter, op: number, store: boolean): void {
  const sets = localSets(x, args.slice(store ? 2 : 1), w);
  if (sets === false) return;
  const result = unionDiff(sets, op, setLimits(x));
  if (store) w.integer(storeSetResult(x, args[1], result, setStoreEvent(op)));
  else replyMembers(result, w);
}

async function unionDiffAcross(c: Client, args: Buffer[], w: ReplyWriter, op: number, store: boolean): Promise<void> {
  const sets = await setsAcross(c, args.slice(store ? 2 : 1), store ? args[1] : null, op, w);
  if (sets === null) return;
  const result = unionDiff(sets, op, setLimits(c));
  if (store) await storeRemote(c, args[1], result, op, w);
  else replyMembers(result, w);
}

// ---------------------------------------------------------------------------------------------
// SSCAN
// ---------------------------------------------------------------------------------------------

/** SSCAN key cursor [MATCH pattern] [COUNT count] */
function opSScan(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const cursor = parseCursor(args[2], w);
  if (cursor === null) return;
  const s = setIn(lookupRead(x, args[1]));
  if (s === undefined) return replyEmptyScan(w);
  if (s === null) return w.error(ERR_WRONGTYPE);
  const o = parseScanArgs(args, w, false);
  if (o === null) return;
  const found: string[] = [];
  const next = s.scan(cursor, o.count, found);
  const out = o.pattern === null ? found : found.filter((m) => globMatch(o.pattern!, m));
  w.array(2);
  w.bulk(String(next));
  w.array(out.length);
  for (const m of out) w.bulk(m);
}

// ---------------------------------------------------------------------------------------------
// Registration
// ---------------------------------------------------------------------------------------------

export const commands: Record<string, CommandImpl> = {
  sadd: { shard: opSAdd },
  srem: { shard: opSRem },
  scard: { shard: opSCard },
  sismember: { shard: opSIsMember },
  smismember: { shard: opSMIsMember },
  smembers: { shard: opSMembers },
  srandmember: { shard: opSRandMember },
  spop: { shard: opSPop },
  smove: { shard: opSMove, multi: multiSMove },
  sinter: { shard: opSInter, multi: multiSInter },
  sintercard: { shard: opSInterCard, multi: multiSInterCard },
  sinterstore: { shard: opSInterStore, multi: multiSInterStore },
  sunion: { shard: (x, a, w) => unionDiffHere(x, a, w, UNION, false), multi: (c, a, w) => unionDiffAcross(c, a, w, UNION, false) },
  sunionstore: { shard: (x, a, w) => unionDiffHere(x, a, w, UNION, true), multi: (c, a, w) => unionDiffAcross(c, a, w, UNION, true) },
  sdiff: { shard: (x, a, w) => unionDiffHere(x, a, w, DIFF, false), multi: (c, a, w) => unionDiffAcross(c, a, w, DIFF, false) },
  sdiffstore: { shard: (x, a, w) => unionDiffHere(x, a, w, DIFF, true), multi: (c, a, w) => unionDiffAcross(c, a, w, DIFF, true) },
  sscan: { shard: opSScan },
};

export const ops = [SET_TYPE, SET_GET, SET_STORE, ...streamOps];
