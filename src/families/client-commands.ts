// Client commands: PING ECHO HELLO AUTH SELECT QUIT RESET and CLIENT *.
// Invariants: they run on the client's own thread and change only that client's state, except
// CLIENT LIST/KILL/UNPAUSE which ask every worker (the client-lines, client-kill and
// client-release-held shard operations) and CLIENT PAUSE, which sets the process's one pause state.

import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { CommandImpl } from '../server/command-types.ts';
import type { Client } from '../server/client.ts';
import { REDIS_VERSION } from '../version.ts';
import { ERR_DB_RANGE, ERR_SYNTAX, isWord, parseInt32, parseInteger, subcommandSyntaxError } from './family-util.ts';
import { disableTracking } from './tracking.ts';
import { allOk, defineOp, type OpError } from '../server/shard-ops.ts';
import { bool, json, latin1, list, none, num, text, tuple } from '../util/codec.ts';
import { PAUSE_ALL, PAUSE_WRITE } from '../server/client-pause.ts';

const ERR_WRONGPASS = 'WRONGPASS invalid username-password pair or user is disabled.';
const ERR_CLIENT_NAME = 'ERR Client names cannot contain spaces, newlines or special characters.';

/** PING [message] */
function ping(c: Client, args: Buffer[], w: ReplyWriter): void {
  if (args.length > 2) return w.error("ERR wrong number of arguments for 'ping' command");
  if (c.subs !== null && c.resp === 2) {
    // Subscribed mode (RESP2): Redis answers with the array ["pong", message or ""].
    w.array(2);
    w.bulk('pong');
    w.bulk(args.length === 2 ? args[1] : '');
  } else if (args.length === 2) w.bulk(args[1]);
  else w.simple('PONG');
}

/** ECHO message */
function echo(_c: Client, args: Buffer[], w: ReplyWriter): void {
  w.bulk(args[1]);
}

/** Checks a password against requirepass for user `user` (only "default" exists). */
function checkPassword(c: Client, user: Buffer, pass: Buffer): boolean {
  const required = String(c.worker.config.requirepass);
  if (user.toString('latin1') !== 'default') return false;
  return required === '' || pass.toString('latin1') === required;
}

/** AUTH [username] password */
function auth(c: Client, args: Buffer[], w: ReplyWriter): void {
  if (args.length > 3) return w.error(ERR_SYNTAX);
  // Monitors see "(redacted)" in place of the credentials (Redis redacts them first thing).
  c.redactArgument(1);
  if (args.length === 3) c.redactArgument(2);
  let user: Buffer = Buffer.from('default');
  let pass = args[1];
  if (args.length === 2) {
    if (c.worker.config.requirepass === '') {
      return w.error('ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?');
    }
  } else {
    user = args[1];
    pass = args[2];
  }
  if (!checkPassword(c, user, pass)) return w.error(ERR_WRONGPASS);
  c.setAuthenticated(true);
  w.ok();
}

function validClientName(name: Buffer): boolean {
  for (const b of name) if (b < 0x21 || b > 0x7e) return false;
  return true;
}

/** HELLO [protover [AUTH username password] [SETNAME clientname]] */
function hello(c: Client, args: Buffer[], w: ReplyWriter): void {
  let ver = 0;
  let next = 1;
  if (args.length >= 2) {
    const v = parseInteger(args[next++]);
    if (v === null) return w.error('ERR Protocol version is not an integer or out of range');
    if (v < 2 || v > 3) return w.error('NOPROTO unsupported protocol version');
    ver = Number(v);
  }
  let user: Buffer | null = null;
  let pass: Buffer | null = null;
  let name: Buffer | null = null;
  for (let j = next; j < args.length; j++) {
    const more = args.length - 1 - j;
    if (isWord(args[j], 'AUTH') && more >= 2) {
      c.redactArgument(j + 1);
      c.redactArgument(j + 2);
      user = args[j + 1];
      pass = args[j + 2];
      j += 2;
    } else if (isWord(args[j], 'SETNAME') && more >= 1) {
      name = args[j + 1];
      if (!validClientName(name)) return w.error(ERR_CLIENT_NAME);
      j++;
    } else {
      return w.error(`ERR Syntax error in HELLO option '${args[j].toString('latin1')}'`);
    }
  }
  if (user !== null && pass !== null) {
    if (!checkPassword(c, user, pass)) return w.error(ERR_WRONGPASS);
    c.setAuthenticated(true);
  }
  if (!c.authenticated) {
    return w.error(
      'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
    );
  }
  if (name !== null) c.name = name.toString('latin1');
  if (ver) c.resp = ver as 2 | 3;
  w.resp = c.resp;
  w.map(7);
  w.bulk('server');
  w.bulk('redis');
  w.bulk('version');
  w.bulk(REDIS_VERSION);
  w.bulk('proto');
  w.integer(c.resp);
  w.bulk('id');
  w.integer(c.id);
  w.bulk('mode');
  w.bulk('standalone');
  w.bulk('role');
  w.bulk('master');
  w.bulk('modules');
  w.array(0);
}

/** SELECT index */
function select(c: Client, args: Buffer[], w: ReplyWriter): void {
  const id = parseInt32(args[1], w);
  if (id === null) return;
  if (id < 0 || id >= (c.worker.config.dbnum as number)) return w.error(ERR_DB_RANGE);
  c.db = id;
  w.ok();
}

/** QUIT */
function quit(c: Client, _args: Buffer[], w: ReplyWriter): void {
  w.ok();
  c.closeAfterReplies();
}

/** RESET */
function reset(c: Client, _args: Buffer[], w: ReplyWriter): void {
  c.stopMonitoring();
  c.multi = null;
  c.leaveSubscriptions();
  c.coord.dropWatches();
  disableTracking(c);
  c.db = 0;
  c.resp = 2;
  w.resp = 2;
  c.name = '';
  c.replyOff = false;
  c.skipNext = false;
  c.noEvict = false;
  c.noTouch = false;
  c.setAuthenticated(c.worker.config.requirepass === '');
  w.simple('RESET');
}

/** CLIENT ID */
function clientId(c: Client, _args: Buffer[], w: ReplyWriter): void {
  w.integer(c.id);
}

/** CLIENT SETNAME connection-name */
function clientSetName(c: Client, args: Buffer[], w: ReplyWriter): void {
  if (!validClientName(args[2])) return w.error(ERR_CLIENT_NAME);
  c.name = args[2].toString('latin1');
  w.ok();
}

/** CLIENT GETNAME */
function clientGetName(c: Client, _args: Buffer[], w: ReplyWriter): void {
  if (c.name === '') w.nullBulk();
  else w.bulk(c.name);
}

/** CLIENT INFO */
function clientInfo(c: Client, args: Buffer[], w: ReplyWriter): void {
  const line = c.describe(Date.now(), argvBytes(args));
  if (c.watchShards.size === 0) return w.verbatim(line + '\n');
  // Whether a watched key changed (flag d) is known where the keys are.
  const handle = c.coord.watchHandle();
  const parts: [number, string][] = [...c.watchShards].map((s) => [s, handle]);
  c.coord.fanoutOp(WATCH_DIRTY, parts, (results, out) => {
    const dirty = allOk(results, out);
    if (dirty !== null) out.verbatim((dirty.includes(true) ? withDirtyFlag(line) : line) + '\n');
  }, w);
}

/** Whether the client with this WATCH handle has a changed watched key on this shard (flag d). */
const WATCH_DIRTY = defineOp('client-watch-dirty', latin1, bool, (x, handle) => x.shard.watches.get(handle)?.dirty === true);

/**
 * A CLIENT LIST line with flag d (a watched key changed: Redis's CLIENT_DIRTY_CAS) in its place in
 * Redis's order — after the tracking letters, before c u A U r e (and our T).
 */
function withDirtyFlag(line: string): string {
  const at = line.indexOf(' flags=') + 7;
  const end = line.indexOf(' ', at);
  const flags = line.slice(at, end);
  if (flags === 'N') return line.slice(0, at) + 'd' + line.slice(end);
  let i = 0;
  while (i < flags.length && !'cuAUreT'.includes(flags[i])) i++;
  return line.slice(0, at) + flags.slice(0, i) + 'd' + flags.slice(i) + line.slice(end);
}

/** CLIENT SETINFO <LIB-NAME libname | LIB-VER libver> */
function clientSetInfo(c: Client, args: Buffer[], w: ReplyWriter): void {
  const attr = args[2];
  const val = args[3].toString('latin1');
  const isName = isWord(attr, 'LIB-NAME');
  if (!isName && !isWord(attr, 'LIB-VER')) return w.error(`ERR Unrecognized option '${attr.toString('latin1')}'`);
  for (let i = 0; i < val.length; i++) {
    const ch = val.charCodeAt(i);
    if (ch < 0x21 || ch > 0x7e) {
      return w.error(`ERR ${isName ? 'lib-name' : 'lib-ver'} cannot contain spaces, newlines or special characters.`);
    }
  }
  if (isName) c.libName = val;
  else c.libVer = val;
  w.ok();
}

function onOff(arg: Buffer): boolean | null {
  if (isWord(arg, 'ON')) return true;
  if (isWord(arg, 'OFF')) return false;
  return null;
}

/** CLIENT NO-EVICT ON|OFF */
function clientNoEvict(c: Client, args: Buffer[], w: ReplyWriter): void {
  const v = onOff(args[2]);
  if (v === null) return w.error(ERR_SYNTAX);
  c.noEvict = v;
  w.ok();
}

/** CLIENT NO-TOUCH ON|OFF */
function clientNoTouch(c: Client, args: Buffer[], w: ReplyWriter): void {
  const v = onOff(args[2]);
  if (v === null) return w.error(ERR_SYNTAX);
  c.noTouch = v;
  w.ok();
}

/** CLIENT REPLY ON|OFF|SKIP */
function clientReply(c: Client, args: Buffer[], w: ReplyWriter): void {
  if (isWord(args[2], 'ON')) {
    c.replyOff = false;
    c.skipNext = false;
    w.ok();
  } else if (isWord(args[2], 'OFF')) {
    c.replyOff = true;
  } else if (isWord(args[2], 'SKIP')) {
    if (!c.replyOff) c.skipNext = true;
  } else {
    w.error(ERR_SYNTAX);
  }
}

/** CLIENT PAUSE timeout [WRITE|ALL] */
function clientPause(c: Client, args: Buffer[], w: ReplyWriter): void {
  if (args.length > 4) return subcommandSyntaxError(args, w);
  let mode = PAUSE_ALL;
  if (args.length === 4) {
    if (isWord(args[3], 'WRITE')) mode = PAUSE_WRITE;
    else if (!isWord(args[3], 'ALL')) return w.error('ERR CLIENT PAUSE mode must be WRITE or ALL');
  }
  const t = parseInteger(args[2]);
  if (t === null) return w.error('ERR timeout is not an integer or out of range');
  if (t < 0) return w.error('ERR timeout is negative');
  const now = Date.now();
  // Redis's getTimeoutFromObjectOrReply: 0 stays 0 (a pause already over); a sum past 2^63 wraps
  // negative (over too).
  const end = t === 0 ? 0 : Number(t) + now > 2 ** 63 ? -1 : Number(t) + now;
  c.worker.pause.pause(end, mode, now);
  w.ok();
}

/** CLIENT UNPAUSE */
function clientUnpause(c: Client, _args: Buffer[], w: ReplyWriter): void {
  c.worker.pause.unpause();
  // Every thread runs its held clients' commands again.
  c.coord.broadcastOp(RELEASE_HELD, null, (_results, out) => out.ok(), w);
}

/** This thread's clients held by the pause run their commands again (the pause ended). */
const RELEASE_HELD = defineOp('client-release-held', none, none, (x) => {
  x.worker.pause.releaseHeld();
  return null;
});

/** CLIENT LIST [TYPE <NORMAL | MASTER | REPLICA | PUBSUB>] [ID client-id [client-id ...]] */
function clientList(c: Client, args: Buffer[], w: ReplyWriter): void {
  const ids: string[] = [];
  let type = '';
  if (args.length === 4 && isWord(args[2], 'TYPE')) {
    type = args[3].toString('latin1').toLowerCase();
    if (!CLIENT_TYPES.includes(type)) return w.error(`ERR Unknown client type '${args[3].toString('latin1')}'`);
    if (type !== 'normal' && type !== 'pubsub') return w.verbatim('');
  } else if (args.length > 3 && isWord(args[2], 'ID')) {
    for (let j = 3; j < args.length; j++) {
      const id = parseInteger(args[j]);
      if (id === null) return w.error('ERR Invalid client ID');
      ids.push(String(id));
    }
  } else if (args.length !== 2) return w.error(ERR_SYNTAX);
  c.coord.broadcastOp(CLIENT_LINES, [type, ids, String(c.id), argvBytes(args)], (results, out) => replyClientLines(results, ids, out), w);
}

const CLIENT_TYPES = ['normal', 'master', 'replica', 'slave', 'pubsub'];

/** Redis's argv_len_sum: the bytes of a command's arguments (CLIENT LIST argv-mem). */
function argvBytes(args: Buffer[]): number {
  let n = 0;
  for (const a of args) n += a.length;
  return n;
}

/**
 * Every thread's CLIENT LIST lines: in client id order, or with ID in the order the ids were given
 * (a repeated id repeats its line, an unknown one is skipped, as Redis's lookup per id).
 */
function replyClientLines(results: (ClientLines | OpError)[], ids: string[], w: ReplyWriter): void {
  const parts = allOk(results, w);
  if (parts === null) return;
  const byId = new Map<string, string>();
  for (const [lines] of parts) for (const line of lines) byId.set(line.slice(3, line.indexOf(' ')), line);
  for (const [, dirty] of parts) {
    for (const id of dirty) {
      const line = byId.get(id);
      if (line !== undefined && !/ flags=\S*d/.test(line)) byId.set(id, withDirtyFlag(line));
    }
  }
  const order = ids.length > 0 ? ids : [...byId.keys()].sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
  let out = '';
  for (const id of order) {
    const line = byId.get(id);
    if (line !== undefined) out += line + '\n';
  }
  w.verbatim(out);
}

/**
 * This thread's clients (all, of a type, or those ids): their CLIENT LIST lines; the asking client
 * (`me`) counts the arguments of the command it is running (`meArgv`) in its argv-mem, as Redis.
 */
const CLIENT_LINES = defineOp('client-lines', tuple<[string, string[], string, number]>(latin1, list(latin1), latin1, num), tuple<ClientLines>(list(text), list(latin1)), (x, [type, idList, me, meArgv]) => {
  const now = Date.now();
  const ids = idList.length > 0 ? new Set(idList) : null;
  const out: string[] = [];
  for (const conn of x.worker.clients.values()) {
    const id = String(conn.id);
    if (ids !== null && !ids.has(id)) continue;
    if (type !== '' && conn.outputClass !== type) continue;
    out.push(conn.describe(now, id === me ? meArgv : -1));
  }
  // WATCH records here whose key changed (their clients, on any thread, get flag d).
  const dirty: string[] = [];
  for (const [handle, record] of x.shard.watches) if (record.dirty) dirty.push(handle);
  const part: ClientLines = [out, dirty];
  return part;
});

/** One thread's CLIENT LIST part: its clients' lines, and the clients with a changed watched key on its shard. */
type ClientLines = [string[], string[]];

interface KillFilter {
  id?: bigint;
  maxAge?: number;
  addr?: string;
  laddr?: string;
  user?: string;
  type?: string;
  skipme: boolean;
  me: bigint;
}

/**
 * CLIENT KILL <ip:port | <[ID client-id] | [TYPE <NORMAL | MASTER | SLAVE | REPLICA | PUBSUB>] |
 * [USER username] | [ADDR ip:port] | [LADDR ip:port] | [SKIPME <YES | NO>] | [MAXAGE maxage]> [...]>
 * (MAXAGE is Redis 7.4's: clients connected at least that many seconds ago.)
 */
function clientKill(c: Client, args: Buffer[], w: ReplyWriter): void {
  const f: KillFilter = { skipme: true, me: c.id };
  let oldStyle = false;
  if (args.length === 3) {
    oldStyle = true;
    f.addr = args[2].toString('latin1');
    f.skipme = false;
  } else if (args.length > 3) {
    for (let i = 2; i < args.length; i += 2) {
      if (i + 1 >= args.length) return w.error(ERR_SYNTAX);
      const opt = args[i];
      const val = args[i + 1].toString('latin1');
      if (isWord(opt, 'ID')) {
        const id = parseInteger(args[i + 1]);
        if (id === null || id <= 0) return w.error('ERR client-id should be greater than 0');
        f.id = BigInt(id);
      } else if (isWord(opt, 'TYPE')) {
        const t = val.toLowerCase();
        if (!CLIENT_TYPES.includes(t)) return w.error(`ERR Unknown client type '${val}'`);
        f.type = t;
      } else if (isWord(opt, 'MAXAGE')) {
        const age = parseInteger(args[i + 1]);
        if (age === null) return w.error('ERR value is not an integer or out of range');
        f.maxAge = Number(age);
      } else if (isWord(opt, 'ADDR')) f.addr = val;
      else if (isWord(opt, 'LADDR')) f.laddr = val;
      else if (isWord(opt, 'USER')) {
        if (val !== 'default') return w.error(`ERR No such user '${val}'`);
        f.user = val;
      } else if (isWord(opt, 'SKIPME')) {
        if (val.toLowerCase() === 'yes') f.skipme = true;
        else if (val.toLowerCase() === 'no') f.skipme = false;
        else return w.error(ERR_SYNTAX);
      } else return w.error(ERR_SYNTAX);
    }
  } else return w.error(ERR_SYNTAX);
  c.coord.broadcastOp(
    CLIENT_KILL,
    { ...f, id: f.id?.toString(), me: f.me.toString() },
    (results, out) => {
      const counts = allOk(results, out);
      if (counts === null) return;
      let n = 0;
      for (const k of counts) n += k;
      if (oldStyle) {
        if (n === 0) out.error('ERR No such client');
        else out.ok();
      } else out.integer(n);
    },
    w,
  );
}

/** A CLIENT KILL filter as it crosses threads (client ids as decimal text). */
interface KillFilterWire {
  id?: string;
  maxAge?: number;
  addr?: string;
  laddr?: string;
  type?: string;
  skipme: boolean;
  me: string;
}

/** Closes this thread's clients that match the filter; how many. */
const CLIENT_KILL = defineOp('client-kill', json<KillFilterWire>(), num, (x, f) => {
  let n = 0;
  const now = Date.now();
  for (const conn of [...x.worker.clients.values()]) {
    if (f.id !== undefined && conn.id.toString() !== f.id) continue;
    if (f.maxAge !== undefined && f.maxAge !== 0 && Math.floor((now - conn.createdAt) / 1000) < f.maxAge) continue;
    if (f.addr !== undefined && conn.addr !== f.addr) continue;
    if (f.laddr !== undefined && conn.laddr !== f.laddr) continue;
    // A client's type is its output class (normal or pubsub); there are no replicas or masters.
    if (f.type !== undefined && f.type !== conn.outputClass) continue;
    if (f.skipme && conn.id.toString() === f.me) continue;
    conn.killed = true;
    if (conn.id.toString() === f.me) conn.closeAfterReplies();
    else conn.close();
    n++;
  }
  return n;
});

const CLIENT_HELP = [
  'CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CACHING (YES|NO)',
  '    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.',
  'GETREDIR',
  '    Return the client ID we are redirecting to when tracking is enabled.',
  'GETNAME',
  '    Return the name of the current connection.',
  'ID',
  '    Return the ID of the current connection.',
  'INFO',
  '    Return information about the current client connection.',
  'KILL <ip:port>',
  '    Kill connection made from <ip:port>.',
  'KILL <option> <value> [<option> <value> [...]]',
  '    Kill connections. Options are:',
  '    * ADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made from the specified address',
  '    * LADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made to specified local address',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Kill connections by type.',
  '    * USER <username>',
  '      Kill connections authenticated by <username>.',
  '    * SKIPME (YES|NO)',
  '      Skip killing current connection (default: yes).',
  '    * ID <client-id>',
  '      Kill connections by client id.',
  'LIST [options ...]',
  '    Return information about client connections. Options:',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Return clients of specified type.',
  'UNPAUSE',
  '    Stop the current client pause, resuming traffic.',
  'PAUSE <timeout> [WRITE|ALL]',
  '    Suspend all, or just write, clients for <timeout> milliseconds.',
  'REPLY (ON|OFF|SKIP)',
  '    Control the replies sent to the current connection.',
  'SETNAME <name>',
  '    Assign the name <name> to the current connection.',
  'UNBLOCK <clientid> [TIMEOUT|ERROR]',
  '    Unblock the specified blocked client.',
  'TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]',
  '         [OPTIN] [OPTOUT] [NOLOOP]',
  '    Control server assisted client side caching.',
  'TRACKINGINFO',
  '    Report tracking status for the current connection.',
  'NO-EVICT (ON|OFF)',
  '    Protect current client connection from eviction.',
  'NO-TOUCH (ON|OFF)',
  '    Will not touch LRU/LFU stats when this mode is on.',
  'HELP',
  '    Print this help.',
];

/** Writes a HELP reply the way Redis's addReplyHelp does (status lines). */
export function helpReply(w: ReplyWriter, lines: string[]): void {
  w.array(lines.length);
  for (const l of lines) w.simple(l);
}

export const commands: Record<string, CommandImpl> = {
  ping: { conn: ping },
  echo: { conn: echo },
  hello: { conn: hello },
  auth: { conn: auth },
  select: { conn: select },
  quit: { conn: quit },
  reset: { conn: reset },
  client: {},
  'client|id': { conn: clientId },
  'client|setname': { conn: clientSetName },
  'client|getname': { conn: clientGetName },
  'client|info': { conn: clientInfo },
  'client|list': { conn: clientList },
  'client|kill': { conn: clientKill },
  'client|setinfo': { conn: clientSetInfo },
  'client|no-evict': { conn: clientNoEvict },
  'client|no-touch': { conn: clientNoTouch },
  'client|reply': { conn: clientReply },
  'client|pause': { conn: clientPause },
  'client|unpause': { conn: clientUnpause },
  'client|help': { conn: (_c, _a, w) => helpReply(w, CLIENT_HELP) },
};

export const ops = [CLIENT_LINES, CLIENT_KILL, RELEASE_HELD, WATCH_DIRTY];
