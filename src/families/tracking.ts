// Client-side caching: CLIENT TRACKING / CACHING / GETREDIR / TRACKINGINFO, the remembering of keys a
// tracking client reads (on the keys' shards), and the delivery of invalidations to the client's thread
// (and on to its REDIRECT client), as Redis 7.0's tracking.c.
// Invariants: a client's mode lives on its own thread (Client.tracking) and is what decides, when an
// invalidation arrives, whether and where it goes (Redis looks at the target's flags at send time too);
// a read remembers its keys before the command is sent (same ring, so the shard has them before it
// runs the read, and any later write invalidates); an invalidation of a client's own write on its own
// thread is delivered after that command's reply; BCAST prefixes are registered on every shard and
// their changed keys are sent once per event-loop turn per shard; FLUSHALL/FLUSHDB/SWAPDB send every
// tracking client one null invalidation and empty every shard's table.

import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { Client } from '../server/client.ts';
import { PushFrame } from '../server/client.ts';
import type { Command } from '../server/command-table.ts';
import { FLAG_READONLY } from '../server/command-table.ts';
import type { CommandImpl } from '../server/command-types.ts';
import { trackingHooks } from '../server/dispatcher.ts';
import { encodeArgs, readResult } from '../server/op-table.ts';
import { defineOp, type ShardOp } from '../server/shard-ops.ts';
import { ClientTracking, ShardTracking } from '../server/tracking-table.ts';
import type { WorkerThread } from '../server/worker-thread.ts';
import { REQ_PART } from '../runtime/request-flags.ts';
import type { ReplySink } from '../runtime/mesh.ts';
import { shardOfKey } from '../runtime/slots.ts';
import { bool, bytes, latin1, list, none, nullable, tuple, u32 } from '../util/codec.ts';
import { ERR_NOT_INTEGER, ERR_SYNTAX, isWord, keyString, parseInteger } from './family-util.ts';

// --- frames ----------------------------------------------------------------------------------------

const INVALIDATE_HEAD3 = Buffer.from('>2\r\n$10\r\ninvalidate\r\n', 'latin1');
const INVALIDATE_HEAD2 = Buffer.from('*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n', 'latin1');
/** The null of a flush, in the protocol of the client that tracks (shared.null[c->resp]). */
const NULL_OF = { 2: Buffer.from('$-1\r\n', 'latin1'), 3: Buffer.from('_\r\n', 'latin1') } as const;

/** The keys part of an invalidation: an array of bulk strings. */
function keysValue(keys: string[]): Buffer {
  let s = `*${keys.length}\r\n`;
  for (const k of keys) s += `$${k.length}\r\n${k}\r\n`;
  return Buffer.from(s, 'latin1');
}

/** An invalidation with `value` (keys array or null) for a RESP3 client or a RESP2 subscriber. */
function invalidation(value: Buffer): PushFrame {
  return new PushFrame(Buffer.concat([INVALIDATE_HEAD2, value]), Buffer.concat([INVALIDATE_HEAD3, value]));
}

// --- delivery (on the tracking client's thread) -------------------------------------------------------

/**
 * Redis sendTrackingMessage: to the client itself (RESP3 only), or to its REDIRECT client (RESP3 push,
 * or a RESP2 client in Pub/Sub mode gets a message on __redis__:invalidate); a redirect client that is
 * gone marks the redirect broken and tells a RESP3 client.
 */
function sendTrackingMessage(worker: WorkerThread, c: Client, frame: PushFrame): void {
  const t = c.tracking!;
  if (t.redirect === 0n) {
    if (c.resp === 3) c.push(frame);
    return;
  }
  const redirect = t.redirect;
  if (t.redirectGone) {
    t.brokenRedirect = true;
    if (c.resp === 3) c.push(PushFrame.of(['tracking-redir-broken', Number(redirect)]));
    return;
  }
  const broken = (ok: boolean): void => {
    if (ok || c.tracking === null || c.tracking.redirect !== redirect) return;
    c.tracking.brokenRedirect = true;
    if (c.resp === 3) c.push(PushFrame.of(['tracking-redir-broken', Number(redirect)]));
  };
  if (t.redirectThread === worker.index) broken(pushToRedirect(worker, redirect, frame));
  else {
    const sink: ReplySink = { complete: (r) => broken(readResult(REDIRECT_PUSH, r) === true) };
    sendOp(worker, t.redirectThread, REDIRECT_PUSH, [String(redirect), frame.resp2, frame.resp3], sink);
  }
}

/** On the redirect client's thread: delivers if it can take it; false if the client is gone. */
function pushToRedirect(worker: WorkerThread, id: bigint, frame: PushFrame): boolean {
  const r = worker.clients.get(id);
  if (r === undefined || r.closed) return false;
  if (r.resp === 3 || r.subs !== null) r.push(frame);
  return true;
}

const REDIRECT_PUSH = defineOp('tracking-redirect-push', tuple<[string, Buffer, Buffer]>(latin1, bytes, bytes), bool, (x, [id, resp2, resp3]) =>
  pushToRedirect(x.worker, BigInt(id), new PushFrame(Buffer.from(resp2), Buffer.from(resp3))),
);

/** Invalidations of a client's own command on its own thread wait for its reply (see trackingAfter). */
const ownPending: { worker: WorkerThread; c: Client; frame: PushFrame }[] = [];
let running: Client | null = null;

/** An invalidation of `key` (null: all, a flush) reached client `id`'s thread. */
function deliverInvalidation(worker: WorkerThread, id: bigint, key: string | null, writer: bigint): void {
  const c = worker.clients.get(id);
  if (c === undefined || c.tracking === null) return;
  const t = c.tracking;
  if (key !== null && t.bcast) return;
  if (t.noloop && writer === id) return;
  const frame = invalidation(key === null ? NULL_OF[c.resp] : keysValue([key]));
  if (running === c) ownPending.push({ worker, c, frame });
  else sendTrackingMessage(worker, c, frame);
}

const INVALIDATE = defineOp('tracking-invalidate', tuple<[string, string | null, string]>(latin1, nullable(latin1), latin1), none, (x, [id, key, writer]) => {
  deliverInvalidation(x.worker, BigInt(id), key, BigInt(writer));
  return null;
});

ShardTracking.deliver = (from, thread, id, key, writer) => {
  const worker = from.owner as WorkerThread;
  if (thread === worker.index) deliverInvalidation(worker, id, key, writer);
  else {
    sendOp(worker, thread, INVALIDATE, [String(id), key, String(writer)]);
    flushSoon(from);
  }
};

/**
 * Sends the staged frames now unless a request is being executed here (the drain running it flushes
 * when it ends, with that request's reply): a writer whose command ran on this thread gets its reply
 * only after the invalidations it caused are in the other threads' rings (and their tracking clients
 * drain the rings before running new commands). Redis has them queued before the writer's reply too.
 */
function flushSoon(t: ShardTracking): void {
  const mesh = (t.owner as WorkerThread).mesh;
  if (!mesh.executing) mesh.flushAll();
}

/** BCAST: the keys changed under each prefix this turn, to each client of the prefix (NOLOOP: not its own). */
ShardTracking.broadcast = (from) => {
  const worker = from.owner as WorkerThread;
  for (const p of from.prefixes.values()) {
    if (p.keys.size === 0) continue;
    for (const [id, thread] of p.clients) {
      const keys: string[] = [];
      for (const [k, writer] of p.keys) if (writer !== id) keys.push(k);
      if (keys.length === 0) continue;
      if (thread === worker.index) deliverBroadcast(worker, id, keys);
      else sendOp(worker, thread, BCAST_DELIVER, [String(id), keys]);
    }
    p.keys.clear();
  }
  flushSoon(from);
};

function deliverBroadcast(worker: WorkerThread, id: bigint, keys: string[]): void {
  const c = worker.clients.get(id);
  if (c === undefined || c.tracking === null || !c.tracking.bcast) return;
  sendTrackingMessage(worker, c, invalidation(keysValue(keys)));
}

const BCAST_DELIVER = defineOp('tracking-bcast-deliver', tuple<[string, string[]]>(latin1, list(latin1)), none, (x, [id, keys]) => {
  deliverBroadcast(x.worker, BigInt(id), keys);
  return null;
});

const NO_REPLY: ReplySink = { complete() {} };

/** Sends shard operation `op` to thread `thread` (fire and forget unless `sink` wants its result). */
function sendOp<A>(worker: WorkerThread, thread: number, op: ShardOp<A, unknown>, args: A, sink: ReplySink = NO_REPLY): void {
  worker.mesh.send(thread, op.index, 0, 2, REQ_PART, [encodeArgs(op, args, worker.opOut)], sink);
}

// --- remembering keys (on the keys' shards) -----------------------------------------------------

const TRACK_KEYS = defineOp('tracking-remember', tuple<[string, number, string[]]>(latin1, u32, list(latin1)), none, (x, [id, thread, keys]) => {
  rememberHere(x.worker, BigInt(id), thread, keys);
  return null;
});

function rememberHere(worker: WorkerThread, id: bigint, thread: number, keys: string[]): void {
  const t = worker.tracking;
  for (const k of keys) t.remember(k, id, thread);
  const max = worker.config.tracking_table_max_keys as number;
  if (max > 0) t.limit(Math.ceil(max / worker.n));
}

/** NOLOOP: the client whose commands `thread` sends next (0: none). */
const TRACKING_WRITER = defineOp('tracking-writer', tuple<[number, string]>(u32, latin1), none, (x, [thread, id]) => {
  x.worker.tracking.writerOfPeer[thread] = BigInt(id);
  return null;
});

/** Redis trackingRememberKeys: a read of a tracking client (default mode, or as OPTIN/OPTOUT allow). */
function rememberKeys(c: Client, cmd: Command, args: Buffer[]): void {
  const t = c.tracking!;
  if (t.bcast || !cmd.hasFlag(FLAG_READONLY) || cmd.impl.shard === undefined) return;
  if ((t.optin && !t.caching) || (t.optout && t.caching)) return;
  const idx = cmd.keyIndexes(args);
  if (idx.length === 0) return;
  const worker = c.worker as WorkerThread;
  const n = worker.n;
  const byShard: string[][] = [];
  for (const i of idx) (byShard[n === 1 ? 0 : shardOfKey(args[i], n)] ??= []).push(keyString(args[i]));
  for (let s = 0; s < byShard.length; s++) {
    const keys = byShard[s];
    if (keys === undefined) continue;
    if (s === worker.index) rememberHere(worker, c.id, worker.index, keys);
    else sendOp(worker, s, TRACK_KEYS, [String(c.id), worker.index, keys]);
  }
}

/** The other shards a NOLOOP client's write goes to (each is told who writes, then that nobody does). */
function remoteShardsOf(c: Client, cmd: Command, args: Buffer[]): number[] {
  const worker = c.worker;
  const out: number[] = [];
  if (worker.n === 1) return out;
  for (const i of cmd.keyIndexes(args)) {
    const s = shardOfKey(args[i], worker.n);
    if (s !== worker.index && !out.includes(s)) out.push(s);
  }
  return out;
}

function announceWriter(c: Client, shards: number[], id: bigint): void {
  const worker = c.worker as WorkerThread;
  for (const s of shards) sendOp(worker, s, TRACKING_WRITER, [worker.index, String(id)]);
}

let noloopShards: number[] | null = null;

trackingHooks.remember = rememberKeys;
trackingHooks.before = (c, cmd, args) => {
  rememberKeys(c, cmd, args);
  running = c;
  const t = c.tracking!;
  if (t.noloop && cmd.impl.shard !== undefined) {
    c.worker.tracking.writer = c.id;
    noloopShards = remoteShardsOf(c, cmd, args);
    if (noloopShards.length > 0) announceWriter(c, noloopShards, c.id);
  }
};
trackingHooks.after = (c, cmd) => {
  running = null;
  c.worker.tracking.writer = 0n;
  if (noloopShards !== null) {
    if (noloopShards.length > 0) announceWriter(c, noloopShards, 0n);
    noloopShards = null;
  }
  // CLIENT CACHING applies to the next command only (to a whole MULTI ... EXEC when given before it);
  // Redis keeps it across any CLIENT subcommand (prevcmd != clientCommand).
  if (c.tracking !== null && c.multi === null && cmd.parent?.name !== 'client') c.tracking.caching = false;
  if (ownPending.length > 0) {
    for (const p of ownPending.splice(0)) if (p.c.tracking !== null) sendTrackingMessage(p.worker, p.c, p.frame);
  }
};

// --- flush ----------------------------------------------------------------------------------------

/**
 * A flush (FLUSHALL, FLUSHDB, SWAPDB) ran on this shard: its table is emptied and every tracking
 * client of this thread gets a null invalidation (each thread's part of the flush covers its clients).
 */
export function trackingFlushed(worker: WorkerThread): void {
  worker.tracking.clear();
  for (const c of worker.clients.values()) if (c.tracking !== null) deliverInvalidation(worker, c.id, null, 0n);
}

// --- BCAST prefixes on every shard ---------------------------------------------------------------

const PREFIXES = defineOp('tracking-prefixes', tuple<[string, number, boolean, string[]]>(latin1, u32, bool, list(latin1)), none, (x, [id, thread, add, prefixes]) => {
  applyPrefixes(x.worker, BigInt(id), thread, add, prefixes);
  return null;
});

function applyPrefixes(worker: WorkerThread, id: bigint, thread: number, add: boolean, prefixes: string[]): void {
  const t = worker.tracking;
  for (const p of prefixes) {
    if (add) t.addPrefix(p, id, thread);
    else t.removePrefix(p, id);
  }
}

/** Registers (or removes) prefixes of client `id` on every shard, without waiting. */
function sendPrefixes(worker: WorkerThread, id: bigint, add: boolean, prefixes: string[]): void {
  for (let s = 0; s < worker.n; s++) {
    if (s === worker.index) applyPrefixes(worker, id, worker.index, add, prefixes);
    else sendOp(worker, s, PREFIXES, [String(id), worker.index, add, prefixes]);
  }
}

/** Redis disableTracking (CLIENT TRACKING OFF, RESET, a client that goes). */
export function disableTracking(c: Client): void {
  const t = c.tracking;
  if (t === null) return;
  const worker = c.worker as WorkerThread;
  if (t.bcast && t.prefixes.length > 0) sendPrefixes(worker, c.id, false, t.prefixes);
  c.tracking = null;
}

ClientTracking.release = (client) => {
  const c = client as Client;
  disableTracking(c);
  const from = c.redirectedFrom;
  if (from === null) return;
  c.redirectedFrom = null;
  const worker = c.worker as WorkerThread;
  for (const [id, thread] of from) {
    if (thread === worker.index) redirectGone(worker, id, c.id);
    else sendOp(worker, thread, REDIRECT_GONE, [String(id), String(c.id)]);
  }
};

/** On a tracker's thread: its redirect client `gone` went away. */
function redirectGone(worker: WorkerThread, id: bigint, gone: bigint): void {
  const t = worker.clients.get(id)?.tracking;
  if (t !== undefined && t !== null && t.redirect === gone) t.redirectGone = true;
}

const REDIRECT_GONE = defineOp('tracking-redirect-gone', tuple<[string, string]>(latin1, latin1), none, (x, [id, gone]) => {
  redirectGone(x.worker, BigInt(id), BigInt(gone));
  return null;
});

/** On the redirect client's thread: tracker `id` of `thread` redirects here; false if the client is not here. */
const REDIRECT_FROM = defineOp('tracking-redirect-from', tuple<[string, string, number]>(latin1, latin1, u32), bool, (x, [target, id, thread]) =>
  noteRedirect(x.worker, BigInt(target), BigInt(id), thread),
);

function noteRedirect(worker: WorkerThread, target: bigint, id: bigint, thread: number): boolean {
  const r = worker.clients.get(target);
  if (r === undefined || r.closed) return false;
  (r.redirectedFrom ??= new Map()).set(id, thread);
  return true;
}

// --- commands ---------------------------------------------------------------------------------------

/**
 * REDIRECT's check: finds the thread of client `target` (-1: none) and registers `c` there as
 * redirecting to it (so that its going is told to `c`'s thread; a stale registration is harmless).
 */
async function threadOfRedirect(c: Client, target: bigint): Promise<number> {
  const worker = c.worker as WorkerThread;
  if (noteRedirect(worker, target, c.id, worker.index)) return worker.index;
  for (let s = 0; s < worker.n; s++) {
    if (s === worker.index) continue;
    if ((await c.coord.op(s, REDIRECT_FROM, [String(target), String(c.id), worker.index])) === true) return s;
  }
  return -1;
}

/** Prefixes overlap when one starts with the other (Redis stringCheckPrefix). */
function overlaps(a: string, b: string): boolean {
  return a.startsWith(b) || b.startsWith(a);
}

/** CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p ...] [BCAST] [OPTIN] [OPTOUT] [NOLOOP] */
async function clientTracking(c: Client, args: Buffer[], w: ReplyWriter): Promise<void> {
  let redir = 0n;
  let redirThread = -1;
  let bcast = false;
  let optin = false;
  let optout = false;
  let noloop = false;
  const prefixes: string[] = [];
  for (let j = 3; j < args.length; j++) {
    const more = args.length - 1 - j;
    const a = args[j];
    if (isWord(a, 'REDIRECT') && more > 0) {
      j++;
      if (redir !== 0n) return w.error('ERR A client can only redirect to a single other client');
      const v = parseInteger(args[j]);
      if (v === null) return w.error(ERR_NOT_INTEGER);
      redir = BigInt(v);
      redirThread = redir > 0n ? await threadOfRedirect(c, redir) : -1;
      if (redirThread < 0) return w.error('ERR The client ID you want redirect to does not exist');
    } else if (isWord(a, 'BCAST')) bcast = true;
    else if (isWord(a, 'OPTIN')) optin = true;
    else if (isWord(a, 'OPTOUT')) optout = true;
    else if (isWord(a, 'NOLOOP')) noloop = true;
    else if (isWord(a, 'PREFIX') && more > 0) prefixes.push(keyString(args[++j]));
    else return w.error(ERR_SYNTAX);
  }
  const cur = c.tracking;
  if (isWord(args[2], 'ON')) {
    if (!bcast && prefixes.length > 0) return w.error('ERR PREFIX option requires BCAST mode to be enabled');
    if (cur !== null && cur.bcast !== bcast) {
      return w.error('ERR You can\'t switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.');
    }
    if (bcast && (optin || optout)) return w.error('ERR OPTIN and OPTOUT are not compatible with BCAST');
    if (optin && optout) return w.error('ERR You can\'t specify both OPTIN mode and OPTOUT mode');
    if (cur !== null && ((optin && cur.optout) || (optout && cur.optin))) {
      return w.error('ERR You can\'t switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.');
    }
    if (bcast) {
      for (let i = 0; i < prefixes.length; i++) {
        for (const old of cur?.prefixes ?? []) {
          if (overlaps(old, prefixes[i])) return w.error(`ERR Prefix '${cstr(prefixes[i])}' overlaps with an existing prefix '${cstr(old)}'. Prefixes for a single client must not overlap.`);
        }
        for (let k = i + 1; k < prefixes.length; k++) {
          if (overlaps(prefixes[i], prefixes[k])) return w.error(`ERR Prefix '${cstr(prefixes[i])}' overlaps with another provided prefix '${cstr(prefixes[k])}'. Prefixes for a single client must not overlap.`);
        }
      }
    }
    enableTracking(c, redir, redirThread, bcast, optin, optout, noloop, prefixes);
  } else if (isWord(args[2], 'OFF')) {
    disableTracking(c);
  } else return w.error(ERR_SYNTAX);
  w.simple('OK');
}

/** A prefix as Redis prints it with %s (up to a NUL byte). */
function cstr(s: string): string {
  const z = s.indexOf('\0');
  return z >= 0 ? s.slice(0, z) : s;
}

/** Redis enableTracking: the mode is replaced, BCAST prefixes are added to those the client has. */
function enableTracking(c: Client, redir: bigint, redirThread: number, bcast: boolean, optin: boolean, optout: boolean, noloop: boolean, prefixes: string[]): void {
  const worker = c.worker as WorkerThread;
  let t = c.tracking;
  if (t === null) t = c.tracking = new ClientTracking();
  t.brokenRedirect = false;
  t.redirectGone = false;
  t.redirect = redir;
  t.redirectThread = redirThread;
  t.optin = optin;
  t.optout = optout;
  t.noloop = noloop;
  t.bcast = bcast;
  if (bcast) {
    const add = (prefixes.length === 0 ? [''] : prefixes).filter((p) => !t.prefixes.includes(p));
    if (add.length > 0) {
      t.prefixes = [...t.prefixes, ...add].sort(compareBytes);
      sendPrefixes(worker, c.id, true, add);
    }
  }
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1'));
}

/** CLIENT CACHING YES|NO */
function clientCaching(c: Client, args: Buffer[], w: ReplyWriter): void {
  const t = c.tracking;
  if (t === null) return w.error('ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled');
  if (isWord(args[2], 'YES')) {
    if (!t.optin) return w.error('ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.');
  } else if (isWord(args[2], 'NO')) {
    if (!t.optout) return w.error('ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.');
  } else return w.error(ERR_SYNTAX);
  t.caching = true;
  w.simple('OK');
}

/** CLIENT GETREDIR */
function clientGetRedir(c: Client, _args: Buffer[], w: ReplyWriter): void {
  w.integer(c.tracking === null ? -1 : Number(c.tracking.redirect));
}

/** CLIENT TRACKINGINFO */
function clientTrackingInfo(c: Client, _args: Buffer[], w: ReplyWriter): void {
  const t = c.tracking;
  const flags: string[] = [t === null ? 'off' : 'on'];
  if (t !== null) {
    if (t.bcast) flags.push('bcast');
    if (t.optin) flags.push('optin');
    if (t.optin && t.caching) flags.push('caching-yes');
    if (t.optout) flags.push('optout');
    if (t.optout && t.caching) flags.push('caching-no');
    if (t.noloop) flags.push('noloop');
    if (t.brokenRedirect) flags.push('broken_redirect');
  }
  w.map(3);
  w.bulk('flags');
  w.set(flags.length);
  for (const f of flags) w.bulk(f);
  w.bulk('redirect');
  w.integer(t === null ? -1 : Number(t.redirect));
  w.bulk('prefixes');
  const prefixes = t === null ? [] : t.prefixes;
  w.array(prefixes.length);
  for (const p of prefixes) w.bulk(Buffer.from(p, 'latin1'));
}

export const commands: Record<string, CommandImpl> = {
  'client|tracking': { connAsync: clientTracking },
  'client|caching': { conn: clientCaching },
  'client|getredir': { conn: clientGetRedir },
  'client|trackinginfo': { conn: clientTrackingInfo },
};

export const ops = [REDIRECT_PUSH, INVALIDATE, BCAST_DELIVER, TRACK_KEYS, TRACKING_WRITER, PREFIXES, REDIRECT_FROM, REDIRECT_GONE];
