// Stream commands: XADD XRANGE XREVRANGE XLEN XDEL XTRIM XSETID XINFO STREAM/HELP (this module) and
// XREAD with BLOCK (streams-read.ts). Redis 7.0.15's t_stream.c is the reference: arguments are checked
// in its order with its error texts, and a stream is never deleted for being empty (as in Redis).
// Invariants: every handler here runs on the shard owning its key and writes exactly one reply; a
// write that changes a stored stream calls modified() (WATCH); an XADD to a stream that already
// existed tells the blocking service the key is ready (a new key is signalled by Database.put).

import { NOTIFY_STREAM } from '../config/keyspace-events.ts';
import { notifyKeyspaceEvent } from '../server/notify.ts';
import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { Client } from '../server/client.ts';
import type { CommandImpl, ShardExec } from '../server/command-types.ts';
import { ReplyWriter as Writer } from '../protocol/reply-writer.ts';
import { Stream, type StreamLimits, type TrimArgs } from '../engine/stream.ts';
import { compareIds, ERR_INVALID_ID, MAX_ID, MIN_ID, parseId, parseRangeBound, StreamId, u64Text, type ParsedId } from '../engine/stream-id.ts';
import { ERR_NO_SUCH_KEY, ERR_SYNTAX, ERR_WRONGTYPE, isWord, lookupRead, lookupWrite, modified, parseLongLong, storeValue, subcommandSyntaxError } from './family-util.ts';
import { helpReply } from './client-commands.ts';

const limits: StreamLimits = { nodeMaxBytes: 0, nodeMaxEntries: 0 };

/** The node limits from CONFIG stream-node-max-bytes / stream-node-max-entries (a shared object: read it at once). */
export function streamLimits(x: ShardExec): StreamLimits {
  const c = x.worker.config;
  limits.nodeMaxBytes = c.stream_node_max_bytes as number;
  limits.nodeMaxEntries = c.stream_node_max_entries as number;
  return limits;
}

/** The stream at key: undefined when missing, null when the key holds another type. */
export function streamAt(x: ShardExec, key: Buffer, write: boolean): Stream | null | undefined {
  const e = write ? lookupWrite(x, key) : lookupRead(x, key);
  if (e === undefined) return undefined;
  return e.value instanceof Stream ? e.value : null;
}

/** A bulk reply of an ID. */
export function writeStreamId(w: ReplyWriter, id: StreamId): void {
  w.bulk(id.toString());
}

/** One entry as Redis replies it: [id, [field, value, ...]]. */
export function writeEntry(w: ReplyWriter, id: StreamId, fv: Buffer[]): void {
  w.array(2);
  w.bulk(id.toString());
  w.array(fv.length);
  for (let i = 0; i < fv.length; i++) w.bulk(fv[i]);
}

/** Entries are written here first (their number is known only at the end), then copied after the array header. */
const scratch = new Writer();

/** Writes entries as Redis replies them, straight from the stored bytes. */
const entryWriter = {
  w: scratch as ReplyWriter,
  entry(msHi: number, msLo: number, seqHi: number, seqLo: number, fields: number): void {
    const w = this.w;
    w.array(2);
    w.bulk(u64Text(msHi, msLo) + '-' + u64Text(seqHi, seqLo));
    w.array(2 * fields);
  },
  bytes(buf: Buffer, off: number, len: number): void {
    this.w.bulkFrom(buf, off, len);
  },
};

/**
 * Redis streamReplyWithRange without groups: the array of entries in [start, end] (reversed when
 * `rev`), at most `count` (0: all). Returns how many.
 */
export function replyRange(w: ReplyWriter, s: Stream, start: StreamId, end: StreamId, count: number, rev: boolean): number {
  scratch.resp = w.resp;
  const n = s.rangeRaw(start, end, count, rev, entryWriter);
  w.array(n);
  w.raw(scratch.take());
  return n;
}


// ---------------------------------------------------------------------------------------------
// XADD XTRIM: the shared option parser (Redis streamParseAddOrTrimArgsOrReply)
// ---------------------------------------------------------------------------------------------

interface AddTrimArgs {
  trim: TrimArgs | null;
  noMkStream: boolean;
  /** XADD: position of the ID argument; its parse (null: `*`). */
  idPos: number;
  id: ParsedId | null;
}

function parseAddOrTrim(x: ShardExec, args: Buffer[], xadd: boolean, w: ReplyWriter): AddTrimArgs | null {
  let strategy: 'maxlen' | 'minid' | null = null;
  let approx = false;
  let maxlen = 0;
  let minid = MIN_ID;
  let limit = 0;
  let limitGiven = false;
  let noMkStream = false;
  let id: ParsedId | null = null;
  let i = 2;
  for (; i < args.length; i++) {
    const more = args.length - 1 - i;
    const opt = args[i];
    if (xadd && opt.length === 1 && opt[0] === 0x2a /* * */) break;
    if (isWord(opt, 'MAXLEN') && more > 0) {
      if (strategy !== null) return fail(w, 'ERR syntax error, MAXLEN and MINID options at the same time are not compatible');
      approx = false;
      const next = args[i + 1];
      if (more >= 2 && next.length === 1 && next[0] === 0x7e /* ~ */) {
        approx = true;
        i++;
      } else if (more >= 2 && next.length === 1 && next[0] === 0x3d /* = */) i++;
      const v = parseLongLong(args[i + 1], w);
      if (v === null) return null;
      if (v < 0) return fail(w, 'ERR The MAXLEN argument must be >= 0.');
      maxlen = v;
      i++;
      strategy = 'maxlen';
    } else if (isWord(opt, 'MINID') && more > 0) {
      if (strategy !== null) return fail(w, 'ERR syntax error, MAXLEN and MINID options at the same time are not compatible');
      approx = false;
      const next = args[i + 1];
      if (more >= 2 && next.length === 1 && next[0] === 0x7e) {
        approx = true;
        i++;
      } else if (more >= 2 && next.length === 1 && next[0] === 0x3d) i++;
      const p = parseId(args[i + 1], false, true);
      if (p === null) return fail(w, ERR_INVALID_ID);
      minid = p.id;
      i++;
      strategy = 'minid';
    } else if (isWord(opt, 'LIMIT') && more > 0) {
      const v = parseLongLong(args[i + 1], w);
      if (v === null) return null;
      if (v < 0) return fail(w, 'ERR The LIMIT argument must be >= 0.');
      limit = v;
      limitGiven = true;
      i++;
    } else if (xadd && isWord(opt, 'NOMKSTREAM')) {
      noMkStream = true;
    } else if (xadd) {
      id = parseId(opt, false, true, true);
      if (id === null) return fail(w, ERR_INVALID_ID);
      break;
    } else return fail(w, ERR_SYNTAX);
  }
  if (limit !== 0 && strategy === null) return fail(w, 'ERR syntax error, LIMIT cannot be used without specifying a trimming strategy');
  if (!xadd && strategy === null) return fail(w, 'ERR syntax error, XTRIM must be called with a trimming strategy');
  if (limitGiven) {
    if (!approx) return fail(w, 'ERR syntax error, LIMIT cannot be used without the special ~ option');
  } else if (approx) {
    // At most 100 nodes' worth of entries, bounded on both sides (Redis).
    limit = 100 * (x.worker.config.stream_node_max_entries as number);
    if (limit <= 0) limit = 10000;
    if (limit > 1000000) limit = 1000000;
  } else limit = 0;
  const trim = strategy === null ? null : { strategy, maxlen, minid, approx, limit };
  return { trim, noMkStream, idPos: i, id };
}

function fail(w: ReplyWriter, msg: string): null {
  w.error(msg);
  return null;
}

/** XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value [field value ...] */
function opXAdd(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const p = parseAddOrTrim(x, args, true, w);
  if (p === null) return;
  const fieldPos = p.idPos + 1;
  const n = args.length - fieldPos;
  if (n < 2 || n % 2 === 1) return w.error("ERR wrong number of arguments for 'xadd' command");
  if (p.id !== null && p.id.seqGiven && p.id.id.isZero()) return w.error('ERR The ID specified in XADD must be greater than 0-0');
  const key = args[1];
  const found = streamAt(x, key, true);
  if (found === null) return w.error(ERR_WRONGTYPE);
  if (found === undefined && p.noMkStream) return w.nullBulk();
  const s = found ?? new Stream();
  if (s.lastId.isMax()) return w.error('ERR The stream has exhausted the last possible ID, unable to add more items');
  let id: StreamId | null;
  if (p.id === null) id = s.nextAutoId(x.now);
  else if (!p.id.seqGiven) id = s.nextId(p.id.id, false);
  else id = p.id.id;
  // `ms-*` past the last sequence: Redis fails leaving errno as it was, and answers the other text.
  if (id === null) return w.error('ERR Elements are too large to be stored');
  if (compareIds(id, s.lastId) <= 0) return w.error('ERR The ID specified in XADD is equal or smaller than the target stream top item');
  s.add(id, args, fieldPos, args.length, streamLimits(x));
  if (found === undefined) storeValue(x, key, s, 0);
  else modified(x, key);
  writeStreamId(w, id);
  notifyKeyspaceEvent(x, NOTIFY_STREAM, 'xadd', key);
  if (p.trim !== null && s.trim(p.trim) > 0) notifyKeyspaceEvent(x, NOTIFY_STREAM, 'xtrim', key);
  // A new key was signalled by put(); new entries in a stream that existed wake its readers too.
  if (found !== undefined && x.db.onKeyReady !== null) x.db.onKeyReady(key);
}

/** XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count] */
function opXTrim(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const p = parseAddOrTrim(x, args, false, w);
  if (p === null) return;
  const s = streamAt(x, args[1], true);
  if (s === undefined) return w.integer(0);
  if (s === null) return w.error(ERR_WRONGTYPE);
  const deleted = s.trim(p.trim!);
  if (deleted > 0) {
    modified(x, args[1]);
    notifyKeyspaceEvent(x, NOTIFY_STREAM, 'xtrim', args[1]);
  }
  w.integer(deleted);
}

// ---------------------------------------------------------------------------------------------
// XRANGE XREVRANGE XLEN XDEL XSETID
// ---------------------------------------------------------------------------------------------

/** XRANGE key start end [COUNT count] / XREVRANGE key end start [COUNT count] */
function rangeGeneric(x: ShardExec, args: Buffer[], w: ReplyWriter, rev: boolean): void {
  const sb = parseRangeBound(rev ? args[3] : args[2], true);
  if (sb.id === null) return w.error(sb.overflow ? 'ERR invalid start ID for the interval' : ERR_INVALID_ID);
  const eb = parseRangeBound(rev ? args[2] : args[3], false);
  if (eb.id === null) return w.error(eb.overflow ? 'ERR invalid end ID for the interval' : ERR_INVALID_ID);
  let count = -1;
  for (let j = 4; j < args.length; j++) {
    if (isWord(args[j], 'COUNT') && args.length - j - 1 >= 1) {
      const v = parseLongLong(args[j + 1], w);
      if (v === null) return;
      count = v < 0 ? 0 : v;
      j++;
    } else return w.error(ERR_SYNTAX);
  }
  const s = streamAt(x, args[1], false);
  if (s === undefined) return w.array(0);
  if (s === null) return w.error(ERR_WRONGTYPE);
  if (count === 0) return w.nullArray();
  replyRange(w, s, sb.id, eb.id, count === -1 ? 0 : count, rev);
}

function opXRange(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  rangeGeneric(x, args, w, false);
}

function opXRevRange(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  rangeGeneric(x, args, w, true);
}

/** XLEN key */
function opXLen(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const s = streamAt(x, args[1], false);
  if (s === undefined) return w.integer(0);
  if (s === null) return w.error(ERR_WRONGTYPE);
  w.integer(s.length);
}

/** XDEL key id [id ...] */
function opXDel(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const s = streamAt(x, args[1], true);
  if (s === undefined) return w.integer(0);
  if (s === null) return w.error(ERR_WRONGTYPE);
  // Every ID is checked before any is deleted (Redis).
  const ids: StreamId[] = [];
  for (let j = 2; j < args.length; j++) {
    const p = parseId(args[j], false, true);
    if (p === null) return w.error(ERR_INVALID_ID);
    ids.push(p.id);
  }
  let deleted = 0;
  for (const id of ids) if (s.delete(id)) deleted++;
  if (deleted > 0) {
    modified(x, args[1]);
    notifyKeyspaceEvent(x, NOTIFY_STREAM, 'xdel', args[1]);
  }
  w.integer(deleted);
}

/** XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id] */
function opXSetId(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const p = parseId(args[2], false, true);
  if (p === null) return w.error(ERR_INVALID_ID);
  const id = p.id;
  let entriesAdded = -1;
  let maxDel = MIN_ID;
  for (let i = 3; i < args.length; ) {
    const more = args.length - 1 - i;
    if (isWord(args[i], 'ENTRIESADDED') && more > 0) {
      const v = parseLongLong(args[i + 1], w);
      if (v === null) return;
      if (v < 0) return w.error('ERR entries_added must be positive');
      entriesAdded = v;
      i += 2;
    } else if (isWord(args[i], 'MAXDELETEDID') && more > 0) {
      const m = parseId(args[i + 1], false, true);
      if (m === null) return w.error(ERR_INVALID_ID);
      if (compareIds(id, m.id) < 0) return w.error('ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id');
      maxDel = m.id;
      i += 2;
    } else return w.error(ERR_SYNTAX);
  }
  const s = streamAt(x, args[1], true);
  if (s === undefined) return w.error(ERR_NO_SUCH_KEY);
  if (s === null) return w.error(ERR_WRONGTYPE);
  if (s.length > 0) {
    const top = s.edgeId(false)!;
    if (compareIds(id, top) < 0) return w.error('ERR The ID specified in XSETID is smaller than the target stream top item');
    if (entriesAdded !== -1 && s.length > entriesAdded) return w.error('ERR The entries_added specified in XSETID is smaller than the target stream length');
  }
  s.lastId = id;
  if (entriesAdded !== -1) s.entriesAdded = entriesAdded;
  if (!maxDel.isZero()) s.maxDeletedEntryId = maxDel;
  modified(x, args[1]);
  notifyKeyspaceEvent(x, NOTIFY_STREAM, 'xsetid', args[1]);
  w.ok();
}

// ---------------------------------------------------------------------------------------------
// XINFO STREAM, XINFO HELP
// ---------------------------------------------------------------------------------------------

/**
 * The groups part of XINFO STREAM: the group count (plain form) and the `groups` array of FULL. The
 * consumer-groups module replaces these (setXinfoGroupsHooks) — until then a stream has no groups.
 */
export interface XinfoGroupsHooks {
  /** The `groups` value of the plain form (Redis: the number of groups). */
  count(s: Stream): number;
  /** Writes the `groups` value of FULL (an array of group maps); `count` as XINFO's COUNT (0: all). */
  full(s: Stream, count: number, w: ReplyWriter): void;
}

let xinfoGroups: XinfoGroupsHooks = {
  count: () => 0,
  full: (_s, _count, w) => w.array(0),
};

export function setXinfoGroupsHooks(h: XinfoGroupsHooks): void {
  xinfoGroups = h;
}

/** Byte d (0..15) of an ID as Redis's rax key: ms then seq, 64-bit big-endian each. */
function idByte(id: StreamId, d: number): number {
  const word = d < 4 ? id.msHi : d < 8 ? id.msLo : d < 12 ? id.seqHi : id.seqLo;
  return (word >>> (8 * (3 - (d & 3)))) & 0xff;
}

/**
 * XINFO STREAM's radix-tree-nodes: the node count of Redis's rax over the nodes' master IDs (16-byte
 * keys). We keep no rax, so it is computed: a rax of fixed-length keys is a compressed trie — a run
 * without branching is one node, a branching point one node, and each key ends in a leaf node.
 * Nodes lo..hi-1 (sorted) share their first d bytes.
 */
function raxNodes(s: Stream, lo: number, hi: number, d: number): number {
  if (hi - lo === 1) return d === 16 ? 1 : 2;
  const first = s.nodeMaster(lo);
  const last = s.nodeMaster(hi - 1);
  let n = 1; // the branching node
  if (idByte(first, d) === idByte(last, d)) {
    n++; // a compressed run up to the branching byte
    while (idByte(first, d) === idByte(last, d)) d++;
  }
  for (let a = lo; a < hi; ) {
    const byte = idByte(s.nodeMaster(a), d);
    let b = a + 1;
    while (b < hi && idByte(s.nodeMaster(b), d) === byte) b++;
    n += raxNodes(s, a, b, d + 1);
    a = b;
  }
  return n;
}

/** XINFO STREAM key [FULL [COUNT count]] */
function opXInfoStream(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const s = streamAt(x, args[2], false);
  if (s === undefined) return w.error(ERR_NO_SUCH_KEY);
  if (s === null) return w.error(ERR_WRONGTYPE);
  const optc = args.length - 3;
  let full = optc > 0;
  let count = 10;
  if (full) {
    if ((optc !== 1 && optc !== 3) || !isWord(args[3], 'FULL')) return subcommandSyntaxError(args, w);
    if (optc === 3) {
      if (!isWord(args[4], 'COUNT')) return subcommandSyntaxError(args, w);
      const v = parseLongLong(args[5], w);
      if (v === null) return;
      count = v < 0 ? 10 : v;
    }
  }
  w.map(full ? 9 : 10);
  w.bulk('length');
  w.integer(s.length);
  w.bulk('radix-tree-keys');
  w.integer(s.nodeCount);
  w.bulk('radix-tree-nodes');
  w.integer(s.nodeCount === 0 ? 1 : raxNodes(s, 0, s.nodeCount, 0));
  w.bulk('last-generated-id');
  writeStreamId(w, s.lastId);
  w.bulk('max-deleted-entry-id');
  writeStreamId(w, s.maxDeletedEntryId);
  w.bulk('entries-added');
  w.integer(s.entriesAdded);
  w.bulk('recorded-first-entry-id');
  writeStreamId(w, s.firstId);
  if (!full) {
    w.bulk('groups');
    w.integer(xinfoGroups.count(s));
    for (const [name, rev] of [['first-entry', false], ['last-entry', true]] as const) {
      w.bulk(name);
      let emitted = 0;
      s.range(MIN_ID, MAX_ID, 1, rev, (id, fv) => {
        writeEntry(w, id, fv);
        emitted++;
      });
      if (emitted === 0) w.nullBulk();
    }
    return;
  }
  w.bulk('entries');
  replyRange(w, s, MIN_ID, MAX_ID, count, false);
  w.bulk('groups');
  xinfoGroups.full(s, count, w);
}

const XINFO_HELP = [
  'XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CONSUMERS <key> <groupname>',
  '    Show consumers of <groupname>.',
  'GROUPS <key>',
  '    Show the stream consumer groups.',
  'STREAM <key> [FULL [COUNT <count>]',
  '    Show information about the stream.',
  'HELP',
  '    Prints this help.',
];

function xinfoHelp(_c: Client, _args: Buffer[], w: ReplyWriter): void {
  helpReply(w, XINFO_HELP);
}

export const commands: Record<string, CommandImpl> = {
  xadd: { shard: opXAdd },
  xtrim: { shard: opXTrim },
  xrange: { shard: opXRange },
  xrevrange: { shard: opXRevRange },
  xlen: { shard: opXLen },
  xdel: { shard: opXDel },
  xsetid: { shard: opXSetId },
  xinfo: {},
  'xinfo|stream': { shard: opXInfoStream },
  'xinfo|help': { conn: xinfoHelp },
};
