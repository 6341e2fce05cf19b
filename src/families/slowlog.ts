// SLOWLOG GET [count] | LEN | RESET | HELP: the slow log, kept per thread (call-timing.ts) and merged
// here: every thread's entries, newest first by id (ids come from one process-wide counter, so their
// order is the order the entries were made in), at most slowlog-max-len of them, as one log.
// Invariants: an entry is Redis's [id, unix time, µs, [args], "ip:port", "name"]; the operations hand
// over copies, never a thread's own arrays.

import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { CommandImpl } from '../server/command-types.ts';
import type { Client } from '../server/client.ts';
import type { SlowlogEntry } from '../server/call-timing.ts';
import { allOk, defineOp, replyAllOk } from '../server/shard-ops.ts';
import { bytesList, latin1, list, none, num, tuple, type Codec } from '../util/codec.ts';
import { parseInt64 } from '../util/numbers.ts';
import { helpReply } from './client-commands.ts';
import { subcommandSyntaxError } from './family-util.ts';

/** [id, unix time (s), µs, arguments, ip:port, name]: Redis's entry. */
export type EntryTuple = [number, number, number, Buffer[], string, string];
const ENTRY: Codec<EntryTuple> = tuple<EntryTuple>(num, num, num, bytesList, latin1, latin1);

/** This thread's entries, newest first. */
export const SLOWLOG_ENTRIES = defineOp('slowlog-entries', none, list(ENTRY), (x) => {
  const log = x.worker.timing.slowlog;
  const out: EntryTuple[] = [];
  for (let i = log.length - 1; i >= 0; i--) {
    const e = log[i];
    out.push([e.id, e.time, e.usec, e.args.slice(), e.addr, e.name]);
  }
  return out;
});

const SLOWLOG_RESET = defineOp('slowlog-reset', none, none, (x) => {
  x.worker.timing.slowlog = [];
  return null;
});

/** Every thread's entries as one log: newest first, at most slowlog-max-len. */
export function mergeEntries(perThread: EntryTuple[][], maxLen: number): EntryTuple[] {
  const all = perThread.flat();
  all.sort((a, b) => b[0] - a[0]);
  return all.length > maxLen ? all.slice(0, maxLen) : all;
}

/** SLOWLOG GET [count] */
function slowlogGet(c: Client, args: Buffer[], w: ReplyWriter): void {
  if (args.length > 3) return subcommandSyntaxError(args, w);
  let count = 10;
  if (args.length === 3) {
    const n = parseInt64(args[2]);
    if (n === null || n < -1n) return w.error('ERR count should be greater than or equal to -1');
    count = n === -1n ? Infinity : Number(n);
  }
  const maxLen = c.worker.timing.slowlogMaxLen;
  c.coord.broadcastOp(SLOWLOG_ENTRIES, null, (results, out) => {
    const lists = allOk(results, out);
    if (lists === null) return;
    const entries = mergeEntries(lists, maxLen);
    const n = Math.min(count, entries.length);
    out.array(n);
    for (let i = 0; i < n; i++) {
      const [id, time, usec, argv, addr, name] = entries[i];
      out.array(6);
      out.integer(id);
      out.integer(time);
      out.integer(usec);
      out.array(argv.length);
      for (const a of argv) out.bulk(a);
      out.bulk(addr);
      out.bulk(name);
    }
  }, w);
}

/** SLOWLOG LEN */
function slowlogLen(c: Client, _args: Buffer[], w: ReplyWriter): void {
  const maxLen = c.worker.timing.slowlogMaxLen;
  c.coord.broadcastOp(SLOWLOG_ENTRIES, null, (results, out) => {
    const lists = allOk(results, out);
    if (lists !== null) out.integer(mergeEntries(lists, maxLen).length);
  }, w);
}

/** SLOWLOG RESET */
function slowlogReset(c: Client, _args: Buffer[], w: ReplyWriter): void {
  c.coord.broadcastOp(SLOWLOG_RESET, null, replyAllOk, w);
}

const SLOWLOG_HELP = [
  'SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'GET [<count>]',
  '    Return top <count> entries from the slowlog (default: 10, -1 mean all).',
  '    Entries are made of:',
  '    id, timestamp, time in microseconds, arguments array, client IP and port,',
  '    client name',
  'LEN',
  '    Return the length of the slowlog.',
  'RESET',
  '    Reset the slowlog.',
  'HELP',
  '    Prints this help.',
];

export const commands: Record<string, CommandImpl> = {
  slowlog: {},
  'slowlog|get': { conn: slowlogGet },
  'slowlog|len': { conn: slowlogLen },
  'slowlog|reset': { conn: slowlogReset },
  'slowlog|help': { conn: (_c, _a, w) => helpReply(w, SLOWLOG_HELP) },
};

export const ops = [SLOWLOG_ENTRIES, SLOWLOG_RESET];

export type { SlowlogEntry };
