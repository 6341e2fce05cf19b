// DEBUG: Redis 7.0.15's debugging subcommands that tools and Redis's own tests use (debug.c), plus
// JMAP, a per-thread memory dump of our own. The dispatcher lets DEBUG through only when
// enable-debug-command allows the client (the spec's damselfly.protectedBy).
// Invariants: replies and errors are Redis's where Redis has the subcommand (DIGEST equals
// redis-server's digest of the same data: engine/digest.ts); keys are read on the shard that owns
// them and whole-keyspace work visits every shard (DIGEST and POPULATE inside one transaction with
// whole-shard locks); nothing here crashes or stops the process on request (SEGFAULT, PANIC, OOM,
// ASSERT, RESTART are refused); settings Redis keeps process-wide (active expiry, the replication
// id) are set on every thread.

import { randomBytes } from 'node:crypto';
import { getHeapStatistics } from 'node:v8';
import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { CommandImpl, ShardExec } from '../server/command-types.ts';
import type { Client } from '../server/client.ts';
import { defineOp, OpError, allOk } from '../server/shard-ops.ts';
import { GLOBAL_READ } from '../transaction/tx-shard.ts';
import { shardOfKey } from '../runtime/slots.ts';
import { json, latin1, none, num, tuple } from '../util/codec.ts';
import { formatDouble } from '../util/numbers.ts';
import { parseBytesExact } from '../config/memory-size.ts';
import { lzfCompress } from '../util/lzf.ts';
import { kindOf } from '../engine/kinds.ts';
import { Shard } from '../engine/shard.ts';
import type { Database, Value } from '../engine/database.ts';
import { Digest, datasetDigest, tableDigest, valueDigest, DIGEST_BYTES } from '../engine/digest.ts';
import { QuickList } from '../engine/quicklist.ts';
import { BUCKETS, BUCKET_SLOTS, SEGMENT_SLOTS, STASH_SLOTS } from '../engine/dashtable.ts';
import { globMatch } from '../engine/glob.ts';
import { ERR_NO_SUCH_KEY, ERR_NOT_INTEGER, isString, lookupNoTouch, parseInteger, storeValue } from './family-util.ts';
import { refcountOf } from './keyspace-object.ts';
import { replicationIds } from './info-sections.ts';

type Sub = (c: Client, args: Buffer[], w: ReplyWriter) => void;

// ---------------------------------------------------------------------------------------------
// Small parsers with C's leniency (Redis calls atoi / strtod on these arguments)

/** C atoi: optional spaces and sign, then digits; anything else ends it (no digits: 0). */
function atoi(b: Buffer): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(b.toString('latin1'));
  return m === null ? 0 : Number(m[1]) | 0;
}

/** C strtod on a prefix (no number: 0). */
function strtod(b: Buffer): number {
  const t = Number.parseFloat(b.toString('latin1'));
  return Number.isNaN(t) ? 0 : t;
}

/** Redis getPositiveLongFromObjectOrReply: a non-negative integer, or null after its error reply (one text for both faults). */
function positiveLong(b: Buffer, w: ReplyWriter): number | null {
  const n = parseInteger(b);
  if (n === null || n < 0) {
    w.error('ERR value is out of range, must be positive');
    return null;
  }
  return Number(n);
}

// ---------------------------------------------------------------------------------------------
// Settings every thread keeps (Redis's globals)

/** Redis quicklist packed_threshold: elements above it go to plain nodes (ours has none: reported only). */
let packedThreshold = 1 << 30;

/** Sets one of the process-wide debug settings on this thread. */
const DEBUG_SETTING = defineOp('debug-setting', tuple(latin1, latin1), none, (x, [name, value]) => {
  if (name === 'active-expire') x.shard.activeExpire = value !== '0';
  else if (name === 'packed-threshold') packedThreshold = Number(value);
  else if (name === 'repl-id') replicationIds.id = value;
  else return new OpError(`ERR unknown debug setting ${name}`);
  return null;
});

function setEverywhere(c: Client, name: string, value: string, w: ReplyWriter): void {
  c.coord.broadcastOp(DEBUG_SETTING, [name, value], (results, out) => {
    if (allOk(results, out) !== null) out.ok();
  }, w);
}

/** Blocks this thread for `ms` milliseconds (DEBUG SLEEP stops every thread, as it stops Redis). */
const SLEEP_OP = defineOp('debug-sleep', num, none, (_x, ms) => {
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  return null;
});

// ---------------------------------------------------------------------------------------------
// Keys: OBJECT, DIGEST-VALUE, LISTPACK, QUICKLIST, HTSTATS-KEY on the key's shard

/** Redis rdbSaveLen's bytes for a length. */
function rdbLenBytes(len: number): number {
  return len < 64 ? 1 : len < 16384 ? 2 : len <= 0xffffffff ? 5 : 9;
}

/** Room for lzfCompress's output (grown as needed). */
let lzfOut = Buffer.alloc(1024);

/**
 * Redis rdbSaveRawString's length (rdbcompression on, its default): an int32 as 2/3/5 bytes; over 20
 * bytes LZF when it saves at least 4 (type byte, compressed and original lengths, the blob); else
 * length + bytes.
 */
function rdbStringLength(v: Buffer | string): number {
  const len = v.length;
  if (len <= 11) {
    const t = typeof v === 'string' ? v : v.latin1Slice(0, len);
    if (/^(0|-?[1-9]\d*)$/.test(t)) {
      const n = Number(t);
      if (n >= -128 && n <= 127) return 2;
      if (n >= -32768 && n <= 32767) return 3;
      if (n >= -2147483648 && n <= 2147483647) return 5;
    }
  }
  if (len > 20) {
    const bytes = typeof v === 'string' ? Buffer.from(v, 'latin1') : v;
    if (lzfOut.length < len) lzfOut = Buffer.alloc(len);
    const compressed = lzfCompress(bytes, len, lzfOut, len - 4);
    if (compressed > 0) return 1 + rdbLenBytes(compressed) + rdbLenBytes(len) + compressed;
  }
  return rdbLenBytes(len) + len;
}

/** DEBUG OBJECT's serializedlength: Redis's RDB form for a string; our own byte form for the rest. */
function serializedLength(v: Value): number {
  return isString(v) ? rdbStringLength(v) : kindOf(v).serialize(v).length;
}

/** Redis's DEBUG OBJECT line for the record at ref. */
function objectLine(x: ShardExec, db: Database, ref: number): string {
  const v = db.valueAt(ref);
  const raw = db.isRaw(ref);
  const encoding = kindOf(v).encoding(v, raw);
  let extra = '';
  if (v instanceof QuickList && v.encoding === 'quicklist') {
    let sz = 0;
    for (let n = v.head; n !== null; n = n.next) sz += n.lp;
    extra =
      ` ql_nodes:${v.chunks} ql_avg_node:${(v.length / v.chunks).toFixed(2)} ql_listpack_max:${v.fill}` +
      ` ql_compressed:0 ql_uncompressed_size:${sz}`;
  }
  const at = '0x' + ref.toString(16).padStart(12, '0');
  const lru = db.lruAt(ref) & 0xffffff;
  const idle = db.idleSeconds(ref, Shard.lruClock(x.now));
  return `Value at:${at} refcount:${refcountOf(x, v, raw)} encoding:${encoding} serializedlength:${serializedLength(v)} lru:${lru} lru_seconds_idle:${idle}${extra}`;
}

/** Our dump of a listpack-encoded value (DEBUG LISTPACK): its type, entries and, for a list, its elements. */
function listpackDump(v: Value): string {
  const kind = kindOf(v);
  const lines = [`{listpack} {type ${kind.type}}`];
  if (v instanceof QuickList) {
    lines[0] += ` {bytes ${v.lpBytes}} {entries ${v.length}}`;
    let i = 0;
    v.forEach((buf, off, len) => lines.push(`{entry ${i++}} {len ${len}} ${buf.latin1Slice(off, off + len)}`));
  }
  return lines.join('\n') + '\n';
}

/** Our dump of a quicklist (DEBUG QUICKLIST key [0|1]): the list's settings, then each node; `full`: its elements too. */
function quicklistDump(v: QuickList, full: boolean): string {
  const lines = [`{quicklist} {count ${v.length}} {nodes ${v.chunks}} {fill ${v.fill}} {compress 0} {packed_threshold ${packedThreshold}}`];
  const nodes: string[][] = [];
  const counts: number[] = [];
  for (let n = v.head; n !== null; n = n.next) {
    nodes.push([`{node ${nodes.length}} {count ${n.count}} {listpack bytes ${n.lp}} {container PACKED}`]);
    counts.push(n.count);
  }
  if (full) {
    // Elements in list order, each under its node (the nodes' counts say where one ends).
    let node = 0;
    let inNode = 0;
    v.forEach((buf, off, len) => {
      while (inNode === counts[node]) {
        node++;
        inNode = 0;
      }
      nodes[node].push(`  {entry ${inNode++}} ${buf.latin1Slice(off, off + len)}`);
    });
  }
  for (const n of nodes) lines.push(...n);
  return lines.join('\n') + '\n';
}

/** What DEBUG asks of one key on its shard: [subcommand, key]; the result is the reply's text. */
const KEY_OP = defineOp('debug-key', tuple(latin1, latin1), latin1, (x, [what, key]): string | OpError => {
  const db = x.db;
  if (what === 'digest-value' || what === 'object') {
    // As Redis (dictFind): no expiry check, no access recorded, no hit or miss counted.
    const ref = db.refOf(key);
    if (what === 'object') return ref === 0 ? new OpError(ERR_NO_SUCH_KEY) : objectLine(x, db, ref);
    const d = new Digest();
    if (ref !== 0) valueDigest(db, ref, d);
    return d.hex();
  }
  const e = lookupNoTouch(x, Buffer.from(key, 'latin1'));
  if (e === undefined) return new OpError(ERR_NO_SUCH_KEY);
  const v = e.value;
  const encoding = kindOf(v).encoding(v, e.raw);
  switch (what) {
    case 'listpack':
      return encoding === 'listpack' || encoding === 'listpackex' ? listpackDump(v) : new OpError('ERR Not a listpack encoded object.');
    case 'quicklist':
    case 'quicklist-full':
      return v instanceof QuickList && encoding === 'quicklist' ? quicklistDump(v, what === 'quicklist-full') : new OpError('ERR Not a quicklist encoded object.');
    default: {
      // htstats-key: the encodings that are hash tables here (Redis: a set's or hash's dict, a skiplist's dict).
      if (encoding !== 'hashtable' && encoding !== 'skiplist') return new OpError('ERR The value stored at the specified key is not represented using an hash table');
      const size = (v as unknown as { size: number }).size;
      return `Hash table stats (${kindOf(v).type} ${encoding}):\n number of elements: ${size}\n`;
    }
  }
});

/** Runs KEY_OP for args[2] on its shard and replies with its text as `reply` writes it. */
function onKey(c: Client, what: string, key: Buffer, w: ReplyWriter, reply: (text: string, out: ReplyWriter) => void): void {
  c.coord.fanoutOp(KEY_OP, [[shardOfKey(key, c.worker.n), [what, key.latin1Slice(0, key.length)]]], (results, out) => {
    const r = allOk(results, out);
    if (r !== null) reply(r[0], out);
  }, w);
}

const status = (text: string, out: ReplyWriter): void => out.simple(text);
const verbatim = (text: string, out: ReplyWriter): void => out.verbatim(text);

/** DEBUG OBJECT key */
function debugObject(c: Client, args: Buffer[], w: ReplyWriter): void {
  onKey(c, 'object', args[2], w, status);
}

/** DEBUG LISTPACK key (our dump, not printed on stdout: the reply is the dump) */
function debugListpack(c: Client, args: Buffer[], w: ReplyWriter): void {
  onKey(c, 'listpack', args[2], w, verbatim);
}

/** DEBUG QUICKLIST key [0|1] */
function debugQuicklist(c: Client, args: Buffer[], w: ReplyWriter): void {
  onKey(c, args.length === 4 && atoi(args[3]) !== 0 ? 'quicklist-full' : 'quicklist', args[2], w, verbatim);
}

/** DEBUG HTSTATS-KEY key */
function debugHtstatsKey(c: Client, args: Buffer[], w: ReplyWriter): void {
  onKey(c, 'htstats-key', args[2], w, verbatim);
}

/** DEBUG DIGEST-VALUE [key ...] */
function debugDigestValue(c: Client, args: Buffer[], w: ReplyWriter): void {
  if (args.length === 2) return w.array(0);
  const n = c.worker.n;
  const parts: [number, [string, string]][] = [];
  for (let i = 2; i < args.length; i++) parts.push([shardOfKey(args[i], n), ['digest-value', args[i].latin1Slice(0, args[i].length)]]);
  c.coord.fanoutOp(KEY_OP, parts, (results, out) => {
    const r = allOk(results, out);
    if (r === null) return;
    out.array(r.length);
    for (const hex of r) out.simple(hex);
  }, w);
}

// ---------------------------------------------------------------------------------------------
// The whole keyspace: DIGEST, POPULATE, HTSTATS, JMAP

/** This shard's part of every non-empty database's digest: [db, hex of the XOR of its keys' digests]. */
const DIGEST_OP = defineOp('debug-digest', none, json<[number, string][]>(), (x) => {
  const out: [number, string][] = [];
  x.shard.dbs.forEach((db, i) => {
    const part = tableDigest(db);
    if (part !== null) out.push([i, part.toString('hex')]);
  });
  return out;
});

/** DEBUG DIGEST */
function debugDigest(c: Client, _args: Buffer[], w: ReplyWriter): void {
  c.coord.broadcastAtomicOp(DIGEST_OP, null, (results, out) => {
    const shards = allOk(results, out);
    if (shards === null) return;
    const byDb = new Map<number, Buffer>();
    for (const parts of shards) {
      for (const [db, hex] of parts) {
        const acc = byDb.get(db) ?? Buffer.alloc(DIGEST_BYTES);
        const part = Buffer.from(hex, 'hex');
        for (let i = 0; i < DIGEST_BYTES; i++) acc[i] ^= part[i];
        byDb.set(db, acc);
      }
    }
    out.simple(datasetDigest(byDb));
  }, w, GLOBAL_READ);
}

/** Creates this shard's keys of DEBUG POPULATE: [count, prefix, value size] (existing keys are left alone). */
const POPULATE_OP = defineOp('debug-populate', tuple(num, latin1, num), none, (x, [count, prefix, size]) => {
  const me = x.worker.index;
  const n = x.worker.n;
  for (let j = 0; j < count; j++) {
    const key = Buffer.from(`${prefix}:${j}`, 'latin1');
    if (shardOfKey(key, n) !== me || x.db.lookup(key, x.now) !== undefined) continue;
    const text = `value:${j}`;
    let value: string | Buffer = text;
    if (size > 0) {
      // Redis: a zeroed string of `size` bytes starting with as much of "value:<j>" as fits.
      value = Buffer.alloc(size);
      value.latin1Write(text.slice(0, size), 0);
    }
    storeValue(x, key, value, 0, false);
  }
  return null;
}, true);

/** DEBUG POPULATE count [prefix] [size] */
function debugPopulate(c: Client, args: Buffer[], w: ReplyWriter): void {
  const count = positiveLong(args[2], w);
  if (count === null) return;
  let size = 0;
  if (args.length === 5) {
    const s = positiveLong(args[4], w);
    if (s === null) return;
    size = s;
  }
  const prefix = args.length >= 4 ? args[3].latin1Slice(0, args[3].length) : 'key';
  c.coord.broadcastAtomicOp(POPULATE_OP, [count, prefix, size], (results, out) => {
    if (allOk(results, out) !== null) out.ok();
  }, w);
}

/** This shard's part of DEBUG HTSTATS db: its dashtable's figures (our own text). */
const HTSTATS_OP = defineOp('debug-htstats', num, latin1, (x, dbIndex) => {
  const db = x.shard.dbs[dbIndex];
  const t = db.table;
  const slots = t.segmentCount * SEGMENT_SLOTS;
  let stashed = 0;
  for (const seg of t.segments()) for (let i = BUCKETS * BUCKET_SLOTS; i < SEGMENT_SLOTS; i++) if (seg.refs[i] !== 0) stashed++;
  return (
    `Shard ${x.worker.index} dashtable:\n` +
    ` number of elements: ${db.size}\n` +
    ` segments: ${t.segmentCount}\n` +
    ` directory depth: ${t.depth}\n` +
    ` slots: ${slots} (${BUCKETS} buckets of ${BUCKET_SLOTS} and a stash of ${STASH_SLOTS} per segment)\n` +
    ` load: ${((db.size * 100) / slots).toFixed(2)}%\n` +
    ` in stashes: ${stashed}\n` +
    ` keys with a deadline: ${db.expiresCount}\n`
  );
});

/** DEBUG HTSTATS dbid */
function debugHtstats(c: Client, args: Buffer[], w: ReplyWriter): void {
  const db = parseInteger(args[2]);
  if (db === null) return w.error(ERR_NOT_INTEGER);
  if (db < 0 || db >= c.worker.shard.dbs.length) return w.error('ERR Out of range database');
  c.coord.broadcastOp(HTSTATS_OP, Number(db), (results, out) => {
    const texts = allOk(results, out);
    if (texts !== null) out.verbatim('[Dictionary HT]\n' + texts.join(''));
  }, w);
}

/** This thread's memory by kind of value (DEBUG JMAP): keys, record and heap bytes per type, and the heap. */
const JMAP_OP = defineOp('debug-jmap', none, latin1, (x) => {
  const byType = new Map<string, [number, number]>();
  let tableBytes = 0;
  let arenaUsed = 0;
  let arenaCommitted = 0;
  for (const db of x.shard.dbs) {
    tableBytes += db.table.bytes;
    arenaUsed += db.arena.usedBytes;
    arenaCommitted += db.arena.committedBytes;
    db.forEachKey((key, ref) => {
      const v = db.valueAt(ref);
      const kind = kindOf(v);
      const cur = byType.get(kind.type) ?? [0, 0];
      cur[0]++;
      cur[1] += key.length + (isString(v) ? v.length : kind.heapBytes(v, 0));
      byType.set(kind.type, cur);
    });
  }
  const h = getHeapStatistics();
  const lines = [`# thread ${x.worker.index}`];
  for (const [type, [count, bytes]] of [...byType].sort()) lines.push(`${type}: keys=${count} bytes=${bytes}`);
  lines.push(`index: bytes=${tableBytes}`, `arena: used=${arenaUsed} committed=${arenaCommitted}`);
  lines.push(`v8 heap: used=${h.used_heap_size} total=${h.total_heap_size} external=${h.external_memory}`);
  return lines.join('\n') + '\n';
});

/** DEBUG JMAP (ours) */
function debugJmap(c: Client, _args: Buffer[], w: ReplyWriter): void {
  c.coord.broadcastOp(JMAP_OP, null, (results, out) => {
    const texts = allOk(results, out);
    if (texts !== null) out.verbatim(texts.join(''));
  }, w);
}

// ---------------------------------------------------------------------------------------------
// The rest

/** DEBUG PROTOCOL type: one test value of each RESP3 type, as Redis writes it in RESP2 and RESP3. */
function debugProtocol(c: Client, args: Buffer[], w: ReplyWriter): void {
  switch (args[2].toString('latin1').toLowerCase()) {
    case 'string':
      return w.bulk('Hello World');
    case 'integer':
      return w.integer(12345);
    case 'double':
      return w.double(formatDouble(3.141));
    case 'bignum': {
      const big = '1234567999999999999999999999999999999';
      return c.resp === 3 ? w.ascii(`(${big}\r\n`) : w.bulk(big);
    }
    case 'null':
      return w.nullBulk();
    case 'array':
      w.array(3);
      for (let j = 0; j < 3; j++) w.integer(j);
      return;
    case 'set':
      w.set(3);
      for (let j = 0; j < 3; j++) w.integer(j);
      return;
    case 'map':
      w.map(3);
      for (let j = 0; j < 3; j++) {
        w.integer(j);
        w.bool(j === 1);
      }
      return;
    case 'attrib':
      if (c.resp === 3) {
        w.ascii('|1\r\n');
        w.bulk('key-popularity');
        w.array(2);
        w.bulk('key:123');
        w.integer(90);
      }
      return w.bulk('Some real reply following the attribute');
    case 'push':
      if (c.resp !== 3) return w.error('ERR RESP2 is not supported by this command');
      w.push(2);
      w.bulk('server-cpu-usage');
      w.integer(42);
      return w.bulk('Some real reply following the push reply');
    case 'true':
      return w.bool(true);
    case 'false':
      return w.bool(false);
    case 'verbatim':
      return w.verbatim('This is a verbatim\nstring');
    default:
      return w.error('ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false');
  }
}

/** DEBUG SLEEP seconds (decimals allowed): every thread sleeps, as the whole of Redis does. */
function debugSleep(c: Client, args: Buffer[], w: ReplyWriter): void {
  const ms = Math.trunc(strtod(args[2]) * 1e6) / 1000;
  c.coord.broadcastOp(SLEEP_OP, ms, (results, out) => {
    if (allOk(results, out) !== null) out.ok();
  }, w);
}

/** DEBUG QUICKLIST-PACKED-THRESHOLD size (Redis quicklistisSetPackedThreshold's bounds; 0: the default 1gb) */
function debugPackedThreshold(c: Client, args: Buffer[], w: ReplyWriter): void {
  const sz = parseBytesExact(args[2].toString('latin1'));
  if (sz === null || sz > (1n << 32n) - (1n << 20n)) return w.error('ERR argument must be a memory value bigger than 1 and smaller than 4gb');
  setEverywhere(c, 'packed-threshold', String(sz === 0n ? 1 << 30 : sz), w);
}

/** DEBUG RELOAD [MERGE | NOFLUSH | NOSAVE ...]: Redis's option check, then: it needs persistence. */
function debugReload(_c: Client, args: Buffer[], w: ReplyWriter): void {
  for (let j = 2; j < args.length; j++) {
    const opt = args[j].toString('latin1').toUpperCase();
    if (opt !== 'MERGE' && opt !== 'NOFLUSH' && opt !== 'NOSAVE') return w.error('ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.');
  }
  w.error('ERR DEBUG RELOAD needs persistence (an RDB file to save and load), which Damselfly does not have yet');
}

/** DEBUG STRINGMATCH-TEST: Redis's stringmatchlen fuzzer (random patterns and subjects must not crash the matcher). */
function debugStringmatchTest(_c: Client, _args: Buffer[], w: ReplyWriter): void {
  const pattern = Buffer.alloc(32);
  for (let i = 0; i < 100_000; i++) {
    const plen = Math.floor(Math.random() * 32);
    for (let j = 0; j < plen; j++) pattern[j] = Math.floor(Math.random() * 256);
    let subject = '';
    const slen = Math.floor(Math.random() * 32);
    for (let j = 0; j < slen; j++) subject += String.fromCharCode(Math.floor(Math.random() * 256));
    globMatch(pattern.subarray(0, plen), subject, false);
  }
  w.simple('Apparently Redis did not crash: test passed');
}

/** The subcommands that would crash, abort or restart the process: refused, whatever the arguments. */
function refuseCrash(_c: Client, args: Buffer[], w: ReplyWriter): void {
  w.error(`ERR DEBUG ${args[1].toString('latin1').toUpperCase()} is refused: Damselfly does not crash or restart on request`);
}

const HELP = [
  'CHANGE-REPL-ID',
  '    Change the replication IDs of the instance.',
  '    Dangerous: should be used only for testing the replication subsystem.',
  'DIGEST',
  '    Output a hex signature representing the current DB content.',
  'DIGEST-VALUE <key> [<key> ...]',
  '    Output a hex signature of the values of all the specified keys.',
  'ERROR <string>',
  '    Return a Redis protocol error with <string> as message. Useful for clients',
  '    unit tests to simulate Redis errors.',
  'LOG <message>',
  '    Write <message> to the server log.',
  'HTSTATS <dbid>',
  '    Return hash table statistics of the specified Redis database.',
  'HTSTATS-KEY <key>',
  "    Like HTSTATS but for the hash table stored at <key>'s value.",
  'JMAP',
  '    Return the keys and bytes of each type of value, the index, the arena and',
  '    the V8 heap of every thread (Damselfly).',
  'OBJECT <key>',
  '    Show low level info about `key` and associated value.',
  'POPULATE <count> [<prefix>] [<size>]',
  "    Create <count> string keys named key:<num>. If <prefix> is specified then",
  "    it is used instead of the 'key' prefix. These are not propagated to",
  '    replicas. Cluster slots are not respected so keys not belonging to the',
  '    current node can be created in cluster mode.',
  'PROTOCOL <type>',
  '    Reply with a test value of the specified type. <type> can be: string,',
  '    integer, double, bignum, null, array, set, map, attrib, push, verbatim,',
  '    true, false.',
  'RELOAD [option ...]',
  '    Needs persistence, which Damselfly does not have yet: answers an error.',
  'SET-ACTIVE-EXPIRE <0|1>',
  '    Setting it to 0 disables expiring keys in background when they are not',
  '    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the',
  '    default.',
  'QUICKLIST-PACKED-THRESHOLD <size>',
  '    Sets the threshold for elements to be inserted as plain vs packed nodes',
  '    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.',
  'SET-SKIP-CHECKSUM-VALIDATION <0|1>',
  '    Enables or disables checksum checks for RDB files and RESTORE\'s payload.',
  'SLEEP <seconds>',
  '    Stop the server for <seconds>. Decimals allowed.',
  'STRINGMATCH-TEST',
  '    Run a fuzz tester against the stringmatchlen() function.',
  'LISTPACK <key>',
  '    Show low level info about the listpack encoding of <key>.',
  'QUICKLIST <key> [<0|1>]',
  '    Show low level info about the quicklist encoding of <key>.',
  '    The optional argument (0 by default) sets the level of detail',
];

/** DEBUG HELP (Redis's addReplyHelp: the header names the command as the client spelled it). */
function debugHelp(_c: Client, args: Buffer[], w: ReplyWriter): void {
  w.array(HELP.length + 3);
  w.simple(`${args[0].toString('latin1').toUpperCase()} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`);
  for (const l of HELP) w.simple(l);
  w.simple('HELP');
  w.simple('    Prints this help.');
}

const ok: Sub = (_c, _a, w) => w.ok();

/** Subcommands by lower-case name: whether the argument count is theirs (as debug.c tests argc), and the handler. */
const SUBCOMMANDS = new Map<string, [(argc: number) => boolean, Sub]>([
  ['help', [(n) => n === 2, debugHelp]],
  ['segfault', [() => true, refuseCrash]],
  ['panic', [() => true, refuseCrash]],
  ['oom', [() => true, refuseCrash]],
  ['assert', [() => true, refuseCrash]],
  ['restart', [() => true, refuseCrash]],
  ['crash-and-recover', [() => true, refuseCrash]],
  ['log', [(n) => n === 3, (c, a, w) => {
    c.worker.log(`DEBUG LOG: ${a[2].toString('latin1')}`);
    w.ok();
  }]],
  ['reload', [() => true, debugReload]],
  ['object', [(n) => n === 3, debugObject]],
  ['listpack', [(n) => n === 3, debugListpack]],
  ['quicklist', [(n) => n === 3 || n === 4, debugQuicklist]],
  ['populate', [(n) => n >= 3 && n <= 5, debugPopulate]],
  ['digest', [(n) => n === 2, debugDigest]],
  ['digest-value', [() => true, debugDigestValue]],
  ['protocol', [(n) => n === 3, debugProtocol]],
  ['sleep', [(n) => n === 3, debugSleep]],
  ['set-active-expire', [(n) => n === 3, (c, a, w) => setEverywhere(c, 'active-expire', String(atoi(a[2])), w)]],
  ['quicklist-packed-threshold', [(n) => n === 3, debugPackedThreshold]],
  // No RDB, no scripts yet: accepted, with nothing to change.
  ['set-skip-checksum-validation', [(n) => n === 3, ok]],
  ['set-disable-deny-scripts', [(n) => n === 3, ok]],
  ['error', [(n) => n === 3, (_c, a, w) => w.error(a[2].toString('latin1'))]],
  ['htstats', [(n) => n === 3, debugHtstats]],
  ['htstats-key', [(n) => n === 3, debugHtstatsKey]],
  ['change-repl-id', [(n) => n === 2, (c, _a, w) => {
    c.worker.log('Changing replication IDs after receiving DEBUG change-repl-id');
    setEverywhere(c, 'repl-id', randomBytes(20).toString('hex'), w);
  }]],
  ['stringmatch-test', [(n) => n === 2, debugStringmatchTest]],
  ['jmap', [(n) => n === 2, debugJmap]],
]);

/** DEBUG subcommand [argument ...] */
function debug(c: Client, args: Buffer[], w: ReplyWriter): void {
  const sub = SUBCOMMANDS.get(args[1].toString('latin1').toLowerCase());
  if (sub === undefined || !sub[0](args.length)) {
    const name = args[1].toString('latin1').slice(0, 128);
    return w.error(`ERR unknown subcommand or wrong number of arguments for '${name}'. Try ${args[0].toString('latin1').toUpperCase()} HELP.`);
  }
  sub[1](c, args, w);
}

export const commands: Record<string, CommandImpl> = {
  debug: { conn: debug },
};

export const ops = [DEBUG_SETTING, SLEEP_OP, KEY_OP, DIGEST_OP, POPULATE_OP, HTSTATS_OP, JMAP_OP];
