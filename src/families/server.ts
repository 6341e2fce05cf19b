// Server commands with no family of their own: TIME, LASTSAVE, SHUTDOWN, FUNCTION FLUSH, SCRIPT
// FLUSH, and CLUSTER KEYSLOT (the other CLUSTER subcommands answer that cluster support is disabled).
// INFO is in info.ts, CONFIG in config.ts, COMMAND in command-docs.ts.
// Invariants: they run on the client's thread and ask no shard; process-wide facts (start time) come
// from info.ts, the same on every worker.

import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { CommandImpl } from '../server/command-types.ts';
import { type Client } from '../server/client.ts';
import { keySlot } from '../runtime/slots.ts';
import { ERR_SYNTAX, isWord, subcommandSyntaxError } from './family-util.ts';
import { START_MS, nowUsec } from './info.ts';
import { LOG_WARNING } from '../util/log.ts';

/** TIME */
function time(_c: Client, _args: Buffer[], w: ReplyWriter): void {
  const us = nowUsec();
  const sec = Math.floor(us / 1e6);
  w.array(2);
  w.bulk(String(sec));
  w.bulk(String(us - sec * 1e6));
}

/** LASTSAVE */
function lastSave(_c: Client, _args: Buffer[], w: ReplyWriter): void {
  // Nothing is saved yet: the last "save" is the start of the process.
  w.integer(Math.floor(START_MS / 1000));
}

/** SHUTDOWN [NOSAVE | SAVE] [NOW] [FORCE] [ABORT] */
function shutdown(c: Client, args: Buffer[], w: ReplyWriter): void {
  let nosave = false;
  let save = false;
  let now = false;
  let force = false;
  let abort = false;
  for (let i = 1; i < args.length; i++) {
    const a = args[i];
    if (isWord(a, 'NOSAVE')) nosave = true;
    else if (isWord(a, 'SAVE')) save = true;
    else if (isWord(a, 'NOW')) now = true;
    else if (isWord(a, 'FORCE')) force = true;
    else if (isWord(a, 'ABORT')) abort = true;
    else return w.error(ERR_SYNTAX);
  }
  if ((abort && (nosave || save || now || force)) || (nosave && save)) return w.error(ERR_SYNTAX);
  if (abort) return w.error('ERR No shutdown in progress.');
  const wantsSave = save || (!nosave && String(c.worker.config.save) !== '');
  if (wantsSave && !force) {
    c.worker.logAt(LOG_WARNING, 'Error trying to save the DB: persistence is not available yet, can\'t exit.');
    return w.error('ERR Errors trying to SHUTDOWN. Check logs.');
  }
  const mode = [nosave ? 'NOSAVE' : save ? 'SAVE' : '', now ? 'NOW' : '', force ? 'FORCE' : ''].filter((s) => s !== '').join(' ');
  // No reply: the server exits (the client sees the connection close).
  c.worker.requestShutdown(mode);
}

/** FUNCTION FLUSH [ASYNC | SYNC] */
function functionFlush(_c: Client, args: Buffer[], w: ReplyWriter): void {
  if (args.length > 3) return subcommandSyntaxError(args, w);
  if (args.length === 3 && !isWord(args[2], 'SYNC') && !isWord(args[2], 'ASYNC')) {
    return w.error('ERR FUNCTION FLUSH only supports SYNC|ASYNC option');
  }
  // Functions come with the scripting issue: there is nothing to flush yet.
  w.ok();
}

/** SCRIPT FLUSH [ASYNC | SYNC] */
function scriptFlush(_c: Client, args: Buffer[], w: ReplyWriter): void {
  if (args.length > 3 || (args.length === 3 && !isWord(args[2], 'SYNC') && !isWord(args[2], 'ASYNC'))) {
    return w.error('ERR SCRIPT FLUSH only support SYNC|ASYNC option');
  }
  // Scripts come with the scripting issue: the cache is empty.
  w.ok();
}

/**
 * CLUSTER INFO | NODES | SLOTS | SHARDS | MYID | HELP: cluster mode is not enabled (cluster emulation
 * comes with the cluster issue), so they answer as a Redis without cluster support does.
 */
function clusterDisabled(_c: Client, _args: Buffer[], w: ReplyWriter): void {
  w.error('ERR This instance has cluster support disabled');
}

/** CLUSTER KEYSLOT key (answered even without cluster mode, as Dragonfly does: clients use it to route). */
function clusterKeyslot(_c: Client, args: Buffer[], w: ReplyWriter): void {
  w.integer(keySlot(args[2]));
}

export const commands: Record<string, CommandImpl> = {
  time: { conn: time },
  lastsave: { conn: lastSave },
  shutdown: { conn: shutdown },
  function: {},
  'function|flush': { conn: functionFlush },
  script: {},
  'script|flush': { conn: scriptFlush },
  cluster: {},
  'cluster|keyslot': { conn: clusterKeyslot },
  'cluster|info': { conn: clusterDisabled },
  'cluster|nodes': { conn: clusterDisabled },
  'cluster|slots': { conn: clusterDisabled },
  'cluster|shards': { conn: clusterDisabled },
  'cluster|myid': { conn: clusterDisabled },
  'cluster|help': { conn: clusterDisabled },
};
