// Stream consumer-group commands (Redis 7.0.15's t_stream.c): XGROUP CREATE|SETID|DESTROY|
// CREATECONSUMER|DELCONSUMER|HELP, XREADGROUP (blocking through the blocking service), XACK, XPENDING,
// XCLAIM, XAUTOCLAIM, XINFO GROUPS|CONSUMERS and the groups part of XINFO STREAM (FULL).
// Invariants: every reply and error text is 7.0.15's, checked in the order Redis checks; a command
// that changes a stream's groups ends with the stream's groupsResized() (its memory account); a
// XREADGROUP over keys on several shards validates every key (type, group, ID) before it serves
// any, in one transaction, as Redis's single pass does; a blocked `>` read is a consuming read — a
// shard serves its waiters one at a time, each from the group's last ID as it is then, so an entry
// goes to exactly one of a group's blocked readers, in the order they blocked.

import { NOTIFY_STREAM } from '../config/keyspace-events.ts';
import { notifyKeyspaceEvent } from '../server/notify.ts';
import { ReplyWriter as Writer, type ReplyWriter } from '../protocol/reply-writer.ts';
import type { CommandImpl, ShardExec } from '../server/command-types.ts';
import type { Client } from '../server/client.ts';
import type { Value } from '../engine/database.ts';
import { Stream } from '../engine/stream.ts';
import { compareIds, ERR_INVALID_ID, MAX_ID, MIN_ID, parseId, parseRangeBound, StreamId } from '../engine/stream-id.ts';
import {
  advanceGroup, groupLag, groupsOf, INVALID_ENTRIES_READ, type Consumer, type ConsumerGroup,
} from '../engine/stream-groups.ts';
import { registerBlockOp, type Waiter } from '../server/blocking.ts';
import { shardOfKey } from '../runtime/slots.ts';
import { LockPlan } from '../transaction/transaction.ts';
import { NO_GLOBAL } from '../transaction/tx-shard.ts';
import { replyIsError } from '../protocol/reply-reader.ts';
import { defineOp, OpError } from '../server/shard-ops.ts';
import { bytes, bytesList, latin1, list, tuple } from '../util/codec.ts';
import type { IdTree } from '../engine/stream-pel.ts';
import { ERR_NO_SUCH_KEY, ERR_NOT_INTEGER, ERR_SYNTAX, ERR_WRONGTYPE, isWord, keyString, lookupRead, parseInteger, storeValue, subcommandSyntaxError } from './family-util.ts';
import { helpReply } from './client-commands.ts';
import { setXinfoGroupsHooks, streamAt as lookupStream, writeStreamId } from './streams.ts';
import { mayBlock, parseXReadOptions, type XReadOptions } from './streams-read.ts';
import { wait as waitForKeys } from './blocking-commands.ts';

const LLONG_MAX = 9223372036854775807n;

/** A signed 64-bit argument as a number (exact to 2^53), or null (Redis getLongLongFromObject). */
function int64(b: Buffer): number | null {
  const v = parseInteger(b);
  return v === null ? null : Number(v);
}

/** The stream at key: undefined when missing; null after the WRONGTYPE reply. */
function streamAt(x: ShardExec, key: Buffer, w: ReplyWriter, write = false): Stream | undefined | null {
  const s = lookupStream(x, key, write);
  if (s === null) w.error(ERR_WRONGTYPE);
  return s;
}

const writeId = writeStreamId;

/** Entry `id` of s as [id, fields] (XCLAIM, XAUTOCLAIM: it is known to exist). */
function writeEntryById(w: ReplyWriter, s: Stream, id: StreamId): number {
  entryWriter.w = w;
  entryWriter.g = null;
  return s.rangeRaw(id, id, 1, false, entryWriter);
}

/**
 * Writes entries as Redis replies them, straight from the stored bytes (Stream.rangeRaw); with a
 * group set, each entry is also delivered (streamReplyWithRange with a group): the group's last ID
 * and entries-read advance, and unless NOACK the entry joins the consumer's PEL (the consumer made
 * or refreshed at the first entry).
 */
const entryWriter = {
  w: null as unknown as ReplyWriter,
  s: null as unknown as Stream,
  g: null as ConsumerGroup | null,
  consumer: null as Consumer | null,
  name: '',
  noack: false,
  now: 0,
  entry(msHi: number, msLo: number, seqHi: number, seqLo: number, fields: number): void {
    const id = new StreamId(msHi, msLo, seqHi, seqLo);
    const g = this.g;
    if (g !== null) {
      this.consumer ??= g.consumerOrNew(this.name, this.now);
      advanceGroup(this.s, g, id);
      if (!this.noack) g.delivered(id, this.consumer, this.now);
    }
    const w = this.w;
    w.array(2);
    w.bulk(id.toString());
    w.array(2 * fields);
  },
  bytes(buf: Buffer, off: number, len: number): void {
    this.w.bulkFrom(buf, off, len);
  },
};

function errNoGroupFor(key: Buffer, group: Buffer): string {
  return `NOGROUP No such consumer group '${cText(group)}' for key name '${cText(key)}'`;
}

/** An argument as Redis's %s prints it (a C string: up to its first NUL). */
function cText(b: Buffer): string {
  const s = b.latin1Slice();
  const z = s.indexOf('\0');
  return z < 0 ? s : s.slice(0, z);
}

// --- XGROUP -------------------------------------------------------------------------------------------

const XGROUP_HELP = [
  'XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CREATE <key> <groupname> <id|$> [option]',
  '    Create a new consumer group. Options are:',
  '    * MKSTREAM',
  '      Create the empty stream if it does not exist.',
  '    * ENTRIESREAD entries_read',
  "      Set the group's entries_read counter (internal use).",
  'CREATECONSUMER <key> <groupname> <consumer>',
  '    Create a new consumer in the specified group.',
  'DELCONSUMER <key> <groupname> <consumer>',
  '    Remove the specified consumer.',
  'DESTROY <key> <groupname>',
  '    Remove the specified group.',
  'SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]',
  '    Set the current group ID and entries_read counter.',
  'HELP',
  '    Prints this help.',
];

const ERR_KEY_REQUIRED =
  'ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.';

/**
 * xgroupCommand's common part: the options after the ID (CREATE: MKSTREAM, ENTRIESREAD; SETID:
 * ENTRIESREAD), then the key (WRONGTYPE; it must exist unless MKSTREAM) and the group (it must exist
 * for all but CREATE and DESTROY). null after the error reply.
 */
function xgroupPrelude(x: ShardExec, args: Buffer[], w: ReplyWriter, sub: 'CREATE' | 'SETID' | 'OTHER'): { s: Stream | undefined; g: ConsumerGroup | undefined; mkstream: boolean; entriesRead: number } | null {
  let mkstream = false;
  let entriesRead = INVALID_ENTRIES_READ;
  for (let i = 5; i < args.length; ) {
    if (sub === 'CREATE' && isWord(args[i], 'MKSTREAM')) {
      mkstream = true;
      i++;
    } else if (sub !== 'OTHER' && isWord(args[i], 'ENTRIESREAD') && i + 1 < args.length) {
      const v = int64(args[i + 1]);
      if (v === null) {
        w.error(ERR_NOT_INTEGER);
        return null;
      }
      if (v < 0 && v !== INVALID_ENTRIES_READ) {
        w.error('ERR value for ENTRIESREAD must be positive or -1');
        return null;
      }
      entriesRead = v;
      i += 2;
    } else {
      subcommandSyntaxError(args, w);
      return null;
    }
  }
  const s = streamAt(x, args[2], w, true);
  if (s === null) return null;
  let g: ConsumerGroup | undefined;
  if (!mkstream) {
    if (s === undefined) {
      w.error(ERR_KEY_REQUIRED);
      return null;
    }
    g = groupsOf(s, false)?.get(keyString(args[3]));
    if (g === undefined && sub !== 'CREATE' && !isWord(args[1], 'DESTROY')) {
      w.error(errNoGroupFor(args[2], args[3]));
      return null;
    }
  }
  return { s, g, mkstream, entriesRead };
}

/** XGROUP CREATE key group id|$ [MKSTREAM] [ENTRIESREAD entries-read] */
function xgroupCreate(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const p = xgroupPrelude(x, args, w, 'CREATE');
  if (p === null) return;
  if (args.length > 8) return subcommandSyntaxError(args, w);
  let s = p.s;
  let id: StreamId;
  if (args[4].length === 1 && args[4][0] === 0x24 /* $ */) id = s?.lastId ?? MIN_ID;
  else {
    const parsed = parseId(args[4], false, true);
    if (parsed === null) return w.error(ERR_INVALID_ID);
    id = parsed.id;
  }
  if (s === undefined) {
    s = new Stream();
    storeValue(x, args[2], s, 0);
  }
  const g = groupsOf(s, true)!.create(keyString(args[3]), id, p.entriesRead);
  if (g === null) return w.error('BUSYGROUP Consumer Group name already exists');
  s.groupsResized();
  notifyKeyspaceEvent(x, NOTIFY_STREAM, 'xgroup-create', args[2]);
  w.ok();
}

/** XGROUP SETID key group id|$ [ENTRIESREAD entries-read] */
function xgroupSetId(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const p = xgroupPrelude(x, args, w, 'SETID');
  if (p === null) return;
  if (args.length !== 5 && args.length !== 7) return subcommandSyntaxError(args, w);
  const s = p.s!;
  const g = p.g!;
  let id: StreamId;
  if (args[4].length === 1 && args[4][0] === 0x24) id = s.lastId;
  else {
    const parsed = parseId(args[4], false, false);
    if (parsed === null) return w.error(ERR_INVALID_ID);
    id = parsed.id;
  }
  g.lastId = id;
  g.entriesRead = p.entriesRead;
  notifyKeyspaceEvent(x, NOTIFY_STREAM, 'xgroup-setid', args[2]);
  w.ok();
}

/** XGROUP DESTROY key group */
function xgroupDestroy(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const p = xgroupPrelude(x, args, w, 'OTHER');
  if (p === null) return;
  if (p.g === undefined) return w.integer(0);
  const s = p.s!;
  groupsOf(s, false)!.destroy(p.g.name);
  s.groupsResized();
  // Readers blocked on the group get NOGROUP (Redis signals the key as ready).
  x.db.onKeyReady?.(args[2]);
  notifyKeyspaceEvent(x, NOTIFY_STREAM, 'xgroup-destroy', args[2]);
  w.integer(1);
}

/** XGROUP CREATECONSUMER key group consumer */
function xgroupCreateConsumer(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const p = xgroupPrelude(x, args, w, 'OTHER');
  if (p === null) return;
  const created = p.g!.createConsumer(keyString(args[4]), x.now);
  if (created !== null) {
    p.s!.groupsResized();
    notifyKeyspaceEvent(x, NOTIFY_STREAM, 'xgroup-createconsumer', args[2]);
  }
  w.integer(created === null ? 0 : 1);
}

/** XGROUP DELCONSUMER key group consumer */
function xgroupDelConsumer(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const p = xgroupPrelude(x, args, w, 'OTHER');
  if (p === null) return;
  const c = p.g!.consumer(keyString(args[4]), null);
  if (c === undefined) return w.integer(0);
  const pending = p.g!.deleteConsumer(c);
  p.s!.groupsResized();
  notifyKeyspaceEvent(x, NOTIFY_STREAM, 'xgroup-delconsumer', args[2]);
  w.integer(pending);
}

// --- XREADGROUP ---------------------------------------------------------------------------------------

/** XREADGROUP's parsed options: GROUP is always there. */
type ReadArgs = XReadOptions & { group: Buffer; consumer: Buffer };

/** Parses XREADGROUP's options; null after the error reply (in Redis's order). */
function parseRead(args: Buffer[], w: ReplyWriter): ReadArgs | null {
  // parseXReadOptions refuses an XREADGROUP without GROUP, so group and consumer are set.
  return parseXReadOptions(args, w, true) as ReadArgs | null;
}

const ERR_DOLLAR =
  'ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.';

const ERR_PLUS =
  'ERR The + ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The + ID would just return an empty result set.';

/** The `>` ID (Redis marks it as UINT64_MAX-UINT64_MAX). */
function isNewOnly(b: Buffer): boolean {
  return b.length === 1 && b[0] === 0x3e;
}

/** What the last successful checkKey found (read at once by its caller). */
let checkedStream: Stream = null as unknown as Stream;
let checkedGroup: ConsumerGroup = null as unknown as ConsumerGroup;

/**
 * One key's checks, in Redis's order: type, group, then the ID (`$` and 7.4's `+` refused, `>`, else a strict ID).
 * Returns the error text, or the ID (MAX_ID for `>`) with the stream and group in checkedStream/Group.
 */
function checkKey(x: ShardExec, key: Buffer, idArg: Buffer, group: Buffer): string | StreamId {
  const e = lookupRead(x, key);
  if (e !== undefined && !(e.value instanceof Stream)) return ERR_WRONGTYPE;
  const s = e?.value as Stream | undefined;
  const g = s === undefined ? undefined : groupsOf(s, false)?.get(keyString(group));
  if (g === undefined) return `NOGROUP No such key '${cText(key)}' or consumer group '${cText(group)}' in XREADGROUP with GROUP option`;
  if (idArg.length === 1 && idArg[0] === 0x24) return ERR_DOLLAR;
  if (idArg.length === 1 && idArg[0] === 0x2b) return ERR_PLUS; // Redis 7.4, with XREAD's `+`
  checkedStream = s!;
  checkedGroup = g;
  if (isNewOnly(idArg)) return MAX_ID;
  const p = parseId(idArg, false, true);
  return p === null ? ERR_INVALID_ID : p.id;
}

/** Whether an entry is past the group's last ID (a `>` read would serve it). */
function hasNew(s: Stream, g: ConsumerGroup): boolean {
  return compareIds(s.lastId, g.lastId) > 0 && s.range(g.lastId.incr()!, MAX_ID, 1, false, () => {}, false) > 0;
}

/** Entries are written here first (their number is known at the end), then copied after their header. */
const scratch = new Writer();

/**
 * Serves one stream (xreadCommand's synchronous part, streamReplyWithRange with a group): writes
 * [key, entries] (RESP2: a 2-array; RESP3: a map pair) and returns true — always for a history read
 * (`gt` an ID: the consumer's own pending entries after it), for `>` when an entry is past the
 * group's last ID (delivered, the group advanced); false, with nothing written or changed, otherwise.
 */
/** Whether XREADGROUP's consumer exists in g already. */
function knownConsumer(g: ConsumerGroup, r: ReadArgs): boolean {
  return g.consumer(keyString(r.consumer), null) !== undefined;
}

/** Redis's xgroup-createconsumer event on key when serving g created XREADGROUP's consumer. */
function consumerCreatedEvent(x: ShardExec, key: Buffer, g: ConsumerGroup, r: ReadArgs): void {
  if (knownConsumer(g, r)) notifyKeyspaceEvent(x, NOTIFY_STREAM, 'xgroup-createconsumer', key);
}

/** g's consumer `name` (seen now), created if missing with Redis's xgroup-createconsumer event on key. */
function consumerOrNewEvent(x: ShardExec, key: Buffer, g: ConsumerGroup, name: string, now: number): Consumer {
  const c = g.consumer(name, now);
  if (c !== undefined) return c;
  const created = g.createConsumer(name, now)!;
  notifyKeyspaceEvent(x, NOTIFY_STREAM, 'xgroup-createconsumer', key);
  return created;
}

function serveStream(s: Stream, g: ConsumerGroup, key: Buffer, gt: StreamId, r: ReadArgs, now: number, w: ReplyWriter): boolean {
  scratch.resp = w.resp;
  let n: number;
  if (!gt.isMax()) n = writeHistory(s, g, g.consumerOrNew(keyString(r.consumer), now), gt.incr() ?? MAX_ID, r.count, now, scratch);
  else {
    if (compareIds(s.lastId, g.lastId) <= 0) return false;
    const ew = entryWriter;
    ew.w = scratch;
    ew.s = s;
    ew.g = g;
    ew.consumer = null;
    ew.name = keyString(r.consumer);
    ew.noack = r.noack;
    ew.now = now;
    n = s.rangeRaw(g.lastId.incr()!, MAX_ID, r.count, false, ew);
    ew.g = null;
    ew.consumer = null;
    if (n === 0) return false;
  }
  if (w.resp === 2) w.array(2);
  w.bulk(key);
  w.array(n);
  w.raw(scratch.take());
  s.groupsResized();
  return true;
}

/** The consumer's own pending entries from `start` (streamReplyWithRangeFromConsumerPEL); returns how many. */
function writeHistory(s: Stream, g: ConsumerGroup, c: Consumer, start: StreamId, count: number, now: number, w: ReplyWriter): number {
  const cur = c.pel.seek(start);
  if (cur === null) return 0;
  const ids: StreamId[] = [];
  do ids.push(cur.id);
  while ((count === 0 || ids.length < count) && cur.next());
  for (const id of ids) {
    if (writeEntryById(w, s, id) === 0) {
      // Acknowledged nowhere but deleted from the stream: the ID with a nil entry.
      w.array(2);
      writeId(w, id);
      w.nullArray();
    } else {
      const nack = g.pel.find(id)!;
      nack.time = now;
      nack.count++;
    }
  }
  return ids.length;
}

/** XREADGROUP GROUP group consumer [COUNT count] [BLOCK ms] [NOACK] STREAMS key [key ...] id [id ...] — keys on this shard. */
function xreadgroup(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const r = parseRead(args, w);
  if (r === null) return;
  if (r.streams === 1) {
    const key = args[r.streamsAt];
    const gt = checkKey(x, key, args[r.streamsAt + 1], r.group);
    if (typeof gt === 'string') return w.error(gt);
    const mark = w.mark();
    if (w.resp === 3) w.map(1);
    else w.array(1);
    const known = knownConsumer(checkedGroup, r);
    const served = serveStream(checkedStream, checkedGroup, key, gt, r, x.now, w);
    if (!known) consumerCreatedEvent(x, key, checkedGroup, r);
    if (!served) {
      w.truncate(mark);
      w.nullArray();
    }
    return;
  }
  const ids: StreamId[] = [];
  for (let i = 0; i < r.streams; i++) {
    const got = checkKey(x, args[r.streamsAt + i], args[r.streamsAt + r.streams + i], r.group);
    if (typeof got === 'string') return w.error(got);
    ids.push(got);
  }
  // Several streams: one after the other (a key named twice sees the group as the first left it),
  // into a writer of their own until the number served is known.
  const tmp = x.worker.newWriter(w.resp);
  let served = 0;
  for (let i = 0; i < r.streams; i++) {
    const key = args[r.streamsAt + i];
    const s = x.db.lookup(key, x.now)!.value as Stream;
    const g = groupsOf(s, false)!.get(keyString(r.group))!;
    const known = knownConsumer(g, r);
    if (serveStream(s, g, key, ids[i], r, x.now, tmp)) served++;
    if (!known) consumerCreatedEvent(x, key, g, r);
  }
  if (served === 0) return w.nullArray();
  if (w.resp === 3) w.map(served);
  else w.array(served);
  w.raw(tmp.take());
}

/** Per key of one shard: the error checkKey finds ('' when none). */
const CHECK_READ = defineOp('xreadgroup-check', tuple<[Buffer, Buffer[], Buffer[]]>(bytes, bytesList, bytesList), list(latin1), (x, [group, keys, ids]) =>
  keys.map((k, i) => {
    const got = checkKey(x, k, ids[i], group);
    return typeof got === 'string' ? got : '';
  }),
);

/** The keys of a XREADGROUP by shard: [shard, indexes]. */
function byShard(c: Client, keys: Buffer[]): Map<number, number[]> {
  const out = new Map<number, number[]>();
  keys.forEach((k, i) => {
    const s = shardOfKey(k, c.worker.n);
    let l = out.get(s);
    if (l === undefined) out.set(s, (l = []));
    l.push(i);
  });
  return out;
}

/**
 * XREADGROUP over keys on several shards (inside the command's transaction): every key checked
 * first, the first error in key order answers; then each key served in order on its shard.
 */
async function xreadgroupAcross(c: Client, args: Buffer[], w: ReplyWriter): Promise<void> {
  const r = parseRead(args, w);
  if (r === null) return;
  const keys = args.slice(r.streamsAt, r.streamsAt + r.streams);
  const ids = args.slice(r.streamsAt + r.streams);
  const errors: string[] = new Array<string>(keys.length).fill('');
  await Promise.all(
    [...byShard(c, keys)].map(async ([s, idx]) => {
      const got = await c.coord.op(s, CHECK_READ, [r.group, idx.map((i) => keys[i]), idx.map((i) => ids[i])]);
      if (got instanceof OpError) throw new Error(got.text);
      got.forEach((e, j) => (errors[idx[j]] = e));
    }),
  );
  const failed = errors.find((e) => e !== '');
  if (failed !== undefined) return w.error(failed);
  const head = args.slice(1, r.streamsAt);
  const parts: Buffer[] = [];
  for (let i = 0; i < keys.length; i++) {
    const reply = await c.coord.runOn(shardOfKey(keys[i], c.worker.n), 'xreadgroup', [...head, keys[i], ids[i]], c.resp);
    if (replyIsError(reply)) return w.raw(reply);
    if (isNullReply(reply)) continue;
    // Its one [key, entries] without the outer header (`*1` or `%1`).
    parts.push(Buffer.from(reply.subarray(reply.indexOf(0x0a) + 1)));
  }
  if (parts.length === 0) return w.nullArray();
  if (w.resp === 3) w.map(parts.length);
  else w.array(parts.length);
  for (const p of parts) w.raw(p);
}

function isNullReply(r: Buffer): boolean {
  return r[0] === 0x5f || (r.length >= 3 && r[1] === 0x2d && (r[0] === 0x2a || r[0] === 0x24));
}

/**
 * XREADGROUP without waiting (as without BLOCK), always as one transaction over its keys — even on
 * one shard: a command run outside one would not wait behind another transaction's key locks (a
 * RENAME in flight could be seen half done).
 */
async function readNow(c: Client, args: Buffer[], keys: Buffer[]): Promise<Buffer> {
  const shards = byShard(c, keys);
  const lock = new LockPlan();
  for (const k of keys) lock.add(shardOfKey(k, c.worker.n), c.db, k, true);
  const bw = c.worker.newWriter(c.resp);
  await c.coord.atomically(lock, NO_GLOBAL, async () => {
    if (shards.size === 1) bw.raw(await c.coord.runOn([...shards.keys()][0], 'xreadgroup', args.slice(1), c.resp));
    else await xreadgroupAcross(c, args, bw);
  });
  return Buffer.from(bw.take());
}

/** A blocked reader is answered with what its XREADGROUP ... STREAMS key > answered on the serving shard. */
const OP_XREADGROUP = registerBlockOp({
  kind: 'stream',
  wrap: (_key, popped, w) => w.raw(popped),
  // Entries delivered to a client that left in that instant stay pending for its consumer (as for
  // a consumer that crashed after reading): nothing to put back.
  undo: () => null,
  ready: (_key: string, v: unknown, wt: Waiter) => {
    const s = v as Stream;
    const g = groupsOf(s, false)?.get(wt.template[2].latin1Slice());
    return g === undefined || hasNew(s, g);
  },
  refuse: (v: Value | undefined, wt: Waiter) => {
    if (!(v instanceof Stream)) return 'UNBLOCKED the stream key no longer exists';
    if (groupsOf(v, false)?.get(wt.template[2].latin1Slice()) === undefined) return 'NOGROUP the consumer group this client was blocked on no longer exists';
    return null;
  },
});

/** With BLOCK (outside MULTI): read now; with nothing new, wait on every key for an entry past the group's last ID. */
async function xreadgroupBlocking(c: Client, args: Buffer[], w: ReplyWriter): Promise<void> {
  const stamp = c.worker.nextTimestamp();
  const scratch = c.worker.newWriter(c.resp);
  const r = parseRead(args, scratch);
  if (r === null) return w.raw(scratch.take());
  const keys = args.slice(r.streamsAt, r.streamsAt + r.streams);
  const now = await readNow(c, args, keys);
  // (No BLOCK after all — a group or consumer named BLOCK fooled mayBlock — or inside a transaction: no wait.)
  if (!isNullReply(now) || r.block < 0 || c.coord.tx !== null) return w.raw(now);
  // Redis serves a blocked reader at most XREAD_BLOCKED_DEFAULT_COUNT (1000) entries unless COUNT says.
  const template = [Buffer.from('xreadgroup'), Buffer.from('GROUP'), r.group, r.consumer, Buffer.from('COUNT'), Buffer.from(String(r.count || 1000))];
  if (r.noack) template.push(Buffer.from('NOACK'));
  template.push(Buffer.from('STREAMS'), Buffer.alloc(0), Buffer.from('>'));
  return waitForKeys(c, { keys, op: OP_XREADGROUP, template, keyAt: template.length - 2, extra: [], stamp }, r.block, w);
}

// --- XACK XPENDING XCLAIM XAUTOCLAIM ---------------------------------------------------------------

/** The stream and group for XPENDING/XCLAIM/XAUTOCLAIM: null after WRONGTYPE or NOGROUP. */
function groupOrError(x: ShardExec, args: Buffer[], w: ReplyWriter): [Stream, ConsumerGroup] | null {
  const s = streamAt(x, args[1], w);
  if (s === null) return null;
  const g = s === undefined ? undefined : groupsOf(s, false)?.get(keyString(args[2]));
  if (g === undefined) {
    w.error(`NOGROUP No such key '${cText(args[1])}' or consumer group '${cText(args[2])}'`);
    return null;
  }
  return [s!, g];
}

/** XACK key group id [id ...] */
function xack(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const s = streamAt(x, args[1], w);
  if (s === null) return;
  const g = s === undefined ? undefined : groupsOf(s, false)?.get(keyString(args[2]));
  if (g === undefined) return w.integer(0);
  const keys: StreamId[] = [];
  for (let j = 3; j < args.length; j++) {
    const p = parseId(args[j], false, true);
    if (p === null) return w.error(ERR_INVALID_ID);
    keys.push(p.id);
  }
  let acked = 0;
  for (const k of keys) if (g.remove(k)) acked++;
  if (acked > 0) s!.groupsResized();
  w.integer(acked);
}

/** A range bound of XPENDING/XAUTOCLAIM, or null after its error. */
function bound(arg: Buffer, isStart: boolean, w: ReplyWriter): StreamId | null {
  const b = parseRangeBound(arg, isStart);
  if (b.id !== null) return b.id;
  w.error(b.overflow ? `ERR invalid ${isStart ? 'start' : 'end'} ID for the interval` : ERR_INVALID_ID);
  return null;
}

/** XPENDING key group [[IDLE min-idle-time] start end count [consumer]] */
function xpending(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const argc = args.length;
  if (argc !== 3 && (argc < 6 || argc > 9)) return w.error(ERR_SYNTAX);
  let minIdle = 0;
  let count = 0;
  let start = MIN_ID;
  let end = MAX_ID;
  let consumerName: Buffer | null = null;
  if (argc >= 6) {
    let at = 3;
    if (isWord(args[3], 'IDLE')) {
      const v = int64(args[4]);
      if (v === null) return w.error(ERR_NOT_INTEGER);
      minIdle = v;
      if (argc < 8) return w.error(ERR_SYNTAX);
      at += 2;
    }
    const n = int64(args[at + 2]);
    if (n === null) return w.error(ERR_NOT_INTEGER);
    count = n < 0 ? 0 : n;
    const from = bound(args[at], true, w);
    if (from === null) return;
    const to = bound(args[at + 1], false, w);
    if (to === null) return;
    start = from;
    end = to;
    if (at + 3 < argc) consumerName = args[at + 3];
  }
  const found = groupOrError(x, args, w);
  if (found === null) return;
  const g = found[1];
  if (argc === 3) {
    w.array(4);
    w.integer(g.pel.size);
    if (g.pel.size === 0) {
      w.nullBulk();
      w.nullBulk();
      w.nullArray();
      return;
    }
    writeId(w, g.pel.first()!.id);
    writeId(w, g.pel.lastId()!);
    const owners = g.sortedConsumers().filter((c) => c.pel.size > 0);
    w.array(owners.length);
    for (const c of owners) {
      w.array(2);
      w.bulk(c.name);
      w.bulk(String(c.pel.size));
    }
    return;
  }
  let pel: IdTree<Consumer> | IdTree = g.pel;
  if (consumerName !== null) {
    const c = g.consumer(keyString(consumerName), null);
    if (c === undefined) return w.array(0);
    pel = c.pel;
  }
  // Rows go to the scratch writer until their number is known.
  scratch.resp = w.resp;
  let rows = 0;
  const cur = count > 0 ? pel.seek(start) : null;
  if (cur !== null) {
    do {
      const id = cur.id;
      if (compareIds(id, end) > 0) break;
      const n = consumerName === null ? cur : g.pel.find(id)!;
      if (minIdle !== 0 && x.now - n.time < minIdle) continue;
      scratch.array(4);
      writeId(scratch, id);
      scratch.bulk(n.owner!.name);
      scratch.integer(Math.max(0, x.now - n.time));
      scratch.integer(n.count);
      rows++;
    } while (rows < count && cur.next());
  }
  w.array(rows);
  w.raw(scratch.take());
}

/** A 64-bit option value of XCLAIM, or null after `ERR <msg>`. */
function claimNumber(arg: Buffer, msg: string, w: ReplyWriter): number | null {
  const v = int64(arg);
  if (v === null) w.error(`ERR ${msg}`);
  return v;
}

/** XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-ms] [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID lastid] */
function xclaim(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const found = groupOrError(x, args, w);
  if (found === null) return;
  const [s, g] = found;
  let minIdle = claimNumber(args[4], 'Invalid min-idle-time argument for XCLAIM', w);
  if (minIdle === null) return;
  if (minIdle < 0) minIdle = 0;
  const ids: StreamId[] = [];
  let j = 5;
  for (; j < args.length; j++) {
    const p = parseId(args[j], false, true);
    if (p === null) break;
    ids.push(p.id);
  }
  const now = x.now;
  let force = false;
  let justId = false;
  let deliveryTime = -1;
  let retryCount = -1;
  let lastId = MIN_ID;
  for (; j < args.length; j++) {
    const more = args.length - 1 - j;
    const o = args[j];
    if (isWord(o, 'FORCE')) force = true;
    else if (isWord(o, 'JUSTID')) justId = true;
    else if (isWord(o, 'IDLE') && more > 0) {
      const v = claimNumber(args[++j], 'Invalid IDLE option argument for XCLAIM', w);
      if (v === null) return;
      deliveryTime = now - v;
    } else if (isWord(o, 'TIME') && more > 0) {
      const v = claimNumber(args[++j], 'Invalid TIME option argument for XCLAIM', w);
      if (v === null) return;
      deliveryTime = v;
    } else if (isWord(o, 'RETRYCOUNT') && more > 0) {
      const v = claimNumber(args[++j], 'Invalid RETRYCOUNT option argument for XCLAIM', w);
      if (v === null) return;
      retryCount = v;
    } else if (isWord(o, 'LASTID') && more > 0) {
      const p = parseId(args[++j], false, true);
      if (p === null) return w.error(ERR_INVALID_ID);
      lastId = p.id;
    } else return w.error(`ERR Unrecognized XCLAIM option '${cText(o)}'`);
  }
  if (compareIds(lastId, g.lastId) > 0) g.lastId = lastId;
  if (deliveryTime < 0 || deliveryTime > now) deliveryTime = now;
  const name = keyString(args[3]);
  let consumer: Consumer | null = null;
  const claimed: StreamId[] = [];
  for (const id of ids) {
    let n = g.pel.find(id);
    if (!s.has(id)) {
      // The entry is gone: its NACK goes too.
      if (n !== null) g.remove(id);
      continue;
    }
    if (force && n === null) n = g.forceNack(id, now);
    if (n === null) continue;
    if (n.owner !== null && minIdle !== 0 && now - n.time < minIdle) continue;
    consumer ??= consumerOrNewEvent(x, args[1], g, name, now);
    g.moveTo(n, consumer);
    n.time = deliveryTime;
    if (retryCount >= 0) n.count = retryCount;
    else if (!justId) n.count++;
    claimed.push(id);
  }
  s.groupsResized();
  w.array(claimed.length);
  for (const id of claimed) {
    if (justId) writeId(w, id);
    else writeEntryById(w, s, id);
  }
}

/** LONG_MAX / max(sizeof(streamID), attempts_factor): XAUTOCLAIM's largest COUNT. */
const AUTOCLAIM_MAX_COUNT = Number(LLONG_MAX / 16n);

/** XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID] */
function xautoclaim(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  let minIdle = claimNumber(args[4], 'Invalid min-idle-time argument for XAUTOCLAIM', w);
  if (minIdle === null) return;
  if (minIdle < 0) minIdle = 0;
  const start = bound(args[5], true, w);
  if (start === null) return;
  let count = 100;
  let justId = false;
  for (let j = 6; j < args.length; j++) {
    const more = args.length - 1 - j;
    if (isWord(args[j], 'COUNT') && more > 0) {
      const v = parseInteger(args[++j]);
      if (v === null || v < 1 || v > AUTOCLAIM_MAX_COUNT) return w.error('ERR COUNT must be > 0');
      count = Number(v);
    } else if (isWord(args[j], 'JUSTID')) justId = true;
    else return w.error(ERR_SYNTAX);
  }
  const found = groupOrError(x, args, w);
  if (found === null) return;
  const [s, g] = found;
  const now = x.now;
  const name = keyString(args[3]);
  let consumer: Consumer | null = null;
  let attempts = count * 10;
  const claimed: StreamId[] = [];
  const deleted: StreamId[] = [];
  // The next ID to look at: the first >= `from`.
  let from: StreamId | null = start;
  while (from !== null && attempts-- > 0 && count > 0) {
    const n = g.pel.seek(from);
    if (n === null) {
      from = null;
      break;
    }
    const id = n.id;
    from = id.incr();
    if (!s.has(id)) {
      g.remove(id);
      deleted.push(id);
      count--;
      continue;
    }
    if (minIdle !== 0 && now - n.time < minIdle) continue;
    consumer ??= consumerOrNewEvent(x, args[1], g, name, now);
    g.moveTo(n, consumer);
    n.time = now;
    if (!justId) n.count++;
    claimed.push(id);
    count--;
  }
  const next = from === null ? null : g.pel.seek(from);
  s.groupsResized();
  w.array(3);
  writeId(w, next === null ? MIN_ID : next.id);
  w.array(claimed.length);
  for (const id of claimed) {
    if (justId) writeId(w, id);
    else writeEntryById(w, s, id);
  }
  w.array(deleted.length);
  for (const id of deleted) writeId(w, id);
}

// --- XINFO GROUPS / CONSUMERS / HELP, and the groups of XINFO STREAM FULL ------------------------------


/** The stream for XINFO: null after `ERR no such key` or WRONGTYPE. */
function infoStream(x: ShardExec, key: Buffer, w: ReplyWriter): Stream | null {
  const s = streamAt(x, key, w);
  if (s === undefined) w.error(ERR_NO_SUCH_KEY);
  return s ?? null;
}

/** XINFO GROUPS key */
function xinfoGroups(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const s = infoStream(x, args[2], w);
  if (s === null) return;
  const groups = groupsOf(s, false)?.sorted() ?? [];
  w.array(groups.length);
  for (const g of groups) {
    w.map(6);
    w.bulk('name');
    w.bulk(g.name);
    w.bulk('consumers');
    w.integer(g.consumers.size);
    w.bulk('pending');
    w.integer(g.pel.size);
    w.bulk('last-delivered-id');
    writeId(w, g.lastId);
    writeEntriesReadAndLag(w, s, g);
  }
}

function writeEntriesReadAndLag(w: ReplyWriter, s: Stream, g: ConsumerGroup): void {
  w.bulk('entries-read');
  if (g.entriesRead !== INVALID_ENTRIES_READ) w.integer(g.entriesRead);
  else w.nullBulk();
  w.bulk('lag');
  const lag = groupLag(s, g);
  if (lag === null) w.nullBulk();
  else w.integer(lag);
}

/** XINFO CONSUMERS key group */
function xinfoConsumers(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const s = infoStream(x, args[2], w);
  if (s === null) return;
  const g = groupsOf(s, false)?.get(keyString(args[3]));
  if (g === undefined) return w.error(`NOGROUP No such consumer group '${cText(args[3])}' for key name '${cText(args[2])}'`);
  const consumers = g.sortedConsumers();
  w.array(consumers.length);
  for (const c of consumers) {
    w.map(3);
    w.bulk('name');
    w.bulk(c.name);
    w.bulk('pending');
    w.integer(c.pel.size);
    w.bulk('idle');
    w.integer(Math.max(0, x.now - c.seenTime));
  }
}

/**
 * The `groups` value of XINFO STREAM key FULL [COUNT count] (xinfoReplyWithStreamInfo): each group
 * with its PEL and consumers, PELs limited to `count` entries (0: all). 7.2 adds each consumer's
 * active-time; 7.0.15 has seen-time only.
 */
function writeStreamGroupsFull(s: Stream, count: number, w: ReplyWriter): void {
  const groups = groupsOf(s, false)?.sorted() ?? [];
  w.array(groups.length);
  for (const g of groups) {
    w.map(7);
    w.bulk('name');
    w.bulk(g.name);
    w.bulk('last-delivered-id');
    writeId(w, g.lastId);
    writeEntriesReadAndLag(w, s, g);
    w.bulk('pel-count');
    w.integer(g.pel.size);
    w.bulk('pending');
    writePelFull(w, g, g.pel, count, true);
    w.bulk('consumers');
    const consumers = g.sortedConsumers();
    w.array(consumers.length);
    for (const c of consumers) {
      w.map(4);
      w.bulk('name');
      w.bulk(c.name);
      w.bulk('seen-time');
      w.integer(c.seenTime);
      w.bulk('pel-count');
      w.integer(c.pel.size);
      w.bulk('pending');
      writePelFull(w, g, c.pel, count, false);
    }
  }
}

/** A PEL in XINFO STREAM FULL: [id, (owner,) delivery time, count] per entry, the first `count` (0: all). */
function writePelFull(w: ReplyWriter, g: ConsumerGroup, pel: IdTree<Consumer> | IdTree, count: number, withOwner: boolean): void {
  const ids = firstIds(pel, count);
  w.array(ids.length);
  for (const id of ids) {
    const n = g.pel.find(id)!;
    w.array(withOwner ? 4 : 3);
    writeId(w, id);
    if (withOwner) w.bulk(n.owner!.name);
    w.integer(n.time);
    w.integer(n.count);
  }
}

/** The first `count` IDs of a PEL (0: all). */
function firstIds(pel: IdTree<Consumer> | IdTree, count: number): StreamId[] {
  const out: StreamId[] = [];
  const cur = pel.first();
  if (cur === null) return out;
  do out.push(cur.id);
  while ((count === 0 || out.length < count) && cur.next());
  return out;
}

setXinfoGroupsHooks({ count: (s) => groupsOf(s, false)?.size ?? 0, full: writeStreamGroupsFull });

export const commands: Record<string, CommandImpl> = {
  xgroup: {},
  'xgroup|create': { shard: xgroupCreate },
  'xgroup|setid': { shard: xgroupSetId },
  'xgroup|destroy': { shard: xgroupDestroy },
  'xgroup|createconsumer': { shard: xgroupCreateConsumer },
  'xgroup|delconsumer': { shard: xgroupDelConsumer },
  'xgroup|help': { conn: (_c, _a, w) => helpReply(w, XGROUP_HELP) },
  xreadgroup: { shard: xreadgroup, multi: xreadgroupAcross, connAsync: xreadgroupBlocking, mayBlock },
  xack: { shard: xack },
  xpending: { shard: xpending },
  xclaim: { shard: xclaim },
  xautoclaim: { shard: xautoclaim },
  'xinfo|groups': { shard: xinfoGroups },
  'xinfo|consumers': { shard: xinfoConsumers },
};

export const ops = [CHECK_READ];
