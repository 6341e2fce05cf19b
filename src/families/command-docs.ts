// COMMAND and its subcommands (COUNT INFO DOCS LIST GETKEYS GETKEYSANDFLAGS HELP): the command
// table described the way Redis 7.0 describes its own.
// Invariants: every reply comes from the spec table alone and never shows internal commands; a
// command is followed by its subcommands (orderedCommands, which INFO's commandstats shares).

import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { CommandImpl } from '../server/command-types.ts';
import { type Client } from '../server/client.ts';
import { CommandTable, FLAG_NO_MANDATORY_KEYS, type Command, type KeySpec } from '../server/command-table.ts';
import { globMatch } from '../engine/glob.ts';
import { ERR_SYNTAX, isWord } from './family-util.ts';
import { helpReply } from './client-commands.ts';

/** Key-spec flags in the order Redis prints them. */
const KEY_FLAG_ORDER = ['RO', 'RW', 'OW', 'RM', 'access', 'update', 'insert', 'delete', 'not_key', 'incomplete', 'variable_flags'];

function sortKeyFlags(flags: readonly string[]): string[] {
  return [...flags].sort((a, b) => KEY_FLAG_ORDER.indexOf(a) - KEY_FLAG_ORDER.indexOf(b));
}

function writeStatusSet(w: ReplyWriter, items: string[]): void {
  w.set(items.length);
  for (const s of items) w.simple(s);
}

/** A bulk string of text that may hold non-latin1 characters (docs are UTF-8). */
function bulkText(w: ReplyWriter, s: string): void {
  w.bulk(Buffer.from(s, 'utf8'));
}

function writeKeySpec(w: ReplyWriter, ks: KeySpec): void {
  w.map(ks.notes !== undefined ? 4 : 3);
  if (ks.notes !== undefined) {
    w.bulk('notes');
    bulkText(w, ks.notes);
  }
  w.bulk('flags');
  writeStatusSet(w, sortKeyFlags(ks.flags));
  w.bulk('begin_search');
  writeSearchStep(w, ks.begin_search);
  w.bulk('find_keys');
  writeSearchStep(w, ks.find_keys);
}

/** A key spec's begin_search or find_keys: {type, spec: {...}} with the spec's fields in spec order. */
function writeSearchStep(w: ReplyWriter, step: { type: string; spec: Record<string, number | string> }): void {
  w.map(2);
  w.bulk('type');
  w.bulk(step.type);
  w.bulk('spec');
  const fields = Object.entries(step.spec);
  w.map(fields.length);
  for (const [name, value] of fields) {
    w.bulk(name);
    if (typeof value === 'number') w.integer(value);
    else w.bulk(value);
  }
}

/** One COMMAND INFO entry: [name, arity, flags, first, last, step, acl, tips, key specs, subcommands]. */
function writeCommandInfo(w: ReplyWriter, cmd: Command): void {
  const s = cmd.spec;
  w.array(10);
  w.bulk(cmd.name);
  w.integer(s.arity);
  writeStatusSet(w, s.flags);
  w.integer(s.first_key);
  w.integer(s.last_key);
  w.integer(s.key_step);
  writeStatusSet(w, s.acl_categories);
  w.set(s.tips.length);
  for (const tip of s.tips) w.bulk(tip);
  // Redis 7.0 sends the key specs as a set, and "no subcommands" as an empty set.
  w.set(s.key_specs.length);
  for (const ks of s.key_specs) writeKeySpec(w, ks);
  if (cmd.subcommands.size === 0) w.set(0);
  else w.array(cmd.subcommands.size);
  for (const sub of cmd.subcommands.values()) writeCommandInfo(w, sub);
}

interface ArgDoc {
  name: string;
  type: string;
  key_spec_index?: number;
  token?: string;
  summary?: string;
  since?: string;
  deprecated_since?: string;
  flags?: string[];
  arguments?: ArgDoc[];
}

interface CommandDoc {
  summary?: string;
  since?: string;
  group?: string;
  complexity?: string;
  doc_flags?: string[];
  deprecated_since?: string;
  replaced_by?: string;
  history?: [string, string][];
  arguments?: ArgDoc[];
}

function writeArgs(w: ReplyWriter, args: ArgDoc[]): void {
  w.array(args.length);
  for (const a of args) {
    const nested = a.type === 'oneof' || a.type === 'block';
    let n = 2;
    if (a.key_spec_index !== undefined) n++;
    if (a.token !== undefined) n++;
    if (a.summary !== undefined) n++;
    if (a.since !== undefined) n++;
    if (a.deprecated_since !== undefined) n++;
    if (a.flags !== undefined && a.flags.length > 0) n++;
    if (nested) n++;
    w.map(n);
    w.bulk('name');
    bulkText(w, a.name);
    w.bulk('type');
    w.bulk(a.type);
    if (a.key_spec_index !== undefined) {
      w.bulk('key_spec_index');
      w.integer(a.key_spec_index);
    }
    if (a.token !== undefined) {
      w.bulk('token');
      bulkText(w, a.token);
    }
    if (a.summary !== undefined) {
      w.bulk('summary');
      bulkText(w, a.summary);
    }
    if (a.since !== undefined) {
      w.bulk('since');
      w.bulk(a.since);
    }
    if (a.deprecated_since !== undefined) {
      w.bulk('deprecated_since');
      w.bulk(a.deprecated_since);
    }
    if (a.flags !== undefined && a.flags.length > 0) {
      w.bulk('flags');
      writeStatusSet(w, a.flags);
    }
    if (nested) {
      w.bulk('arguments');
      writeArgs(w, a.arguments ?? []);
    }
  }
}

/** One COMMAND DOCS entry (a map), with the subcommands' docs nested. */
function writeCommandDocs(w: ReplyWriter, cmd: Command): void {
  const d = cmd.spec.docs as CommandDoc;
  let n = 1;
  if (d.summary !== undefined) n++;
  if (d.since !== undefined) n++;
  if (d.complexity !== undefined) n++;
  if (d.doc_flags !== undefined && d.doc_flags.length > 0) n++;
  if (d.deprecated_since !== undefined) n++;
  if (d.replaced_by !== undefined) n++;
  if (d.history !== undefined && d.history.length > 0) n++;
  if (d.arguments !== undefined && d.arguments.length > 0) n++;
  if (cmd.subcommands.size > 0) n++;
  w.map(n);
  if (d.summary !== undefined) {
    w.bulk('summary');
    bulkText(w, d.summary);
  }
  if (d.since !== undefined) {
    w.bulk('since');
    w.bulk(d.since);
  }
  w.bulk('group');
  w.bulk(d.group ?? 'generic');
  if (d.complexity !== undefined) {
    w.bulk('complexity');
    bulkText(w, d.complexity);
  }
  if (d.doc_flags !== undefined && d.doc_flags.length > 0) {
    w.bulk('doc_flags');
    writeStatusSet(w, d.doc_flags);
  }
  if (d.deprecated_since !== undefined) {
    w.bulk('deprecated_since');
    w.bulk(d.deprecated_since);
  }
  if (d.replaced_by !== undefined) {
    w.bulk('replaced_by');
    bulkText(w, d.replaced_by);
  }
  if (d.history !== undefined && d.history.length > 0) {
    w.bulk('history');
    // Redis 7.0 sends the history as a set of [version, change] pairs.
    w.set(d.history.length);
    for (const [ver, change] of d.history) {
      w.array(2);
      w.bulk(ver);
      bulkText(w, change);
    }
  }
  if (d.arguments !== undefined && d.arguments.length > 0) {
    w.bulk('arguments');
    writeArgs(w, d.arguments);
  }
  if (cmd.subcommands.size > 0) {
    w.bulk('subcommands');
    w.map(cmd.subcommands.size);
    for (const sub of cmd.subcommands.values()) {
      w.bulk(sub.name);
      writeCommandDocs(w, sub);
    }
  }
}

/** A command by its full name ("get", "client|list"), as Redis's lookupCommandBySds. */
function lookupFullName(table: CommandTable, name: string): Command | undefined {
  if (name === '') return undefined;
  const parts = name.toLowerCase().split('|');
  if (parts.length > 2) return undefined;
  const base = table.byName.get(parts[0]);
  if (parts.length === 1 || base === undefined) return base;
  if (base.subcommands.size === 0) return undefined;
  return base.subcommands.get(parts[1]);
}

/** COMMAND */
function commandAll(c: Client, _args: Buffer[], w: ReplyWriter): void {
  const cmds = c.worker.table.visible();
  w.array(cmds.length);
  for (const cmd of cmds) writeCommandInfo(w, cmd);
}

/** COMMAND COUNT */
function commandCount(c: Client, _args: Buffer[], w: ReplyWriter): void {
  w.integer(c.worker.table.visible().length);
}

/** COMMAND INFO [command-name [command-name ...]] */
function commandInfo(c: Client, args: Buffer[], w: ReplyWriter): void {
  if (args.length === 2) return commandAll(c, args, w);
  w.array(args.length - 2);
  for (let i = 2; i < args.length; i++) {
    const cmd = lookupFullName(c.worker.table, args[i].toString('latin1'));
    if (cmd === undefined) w.nullBulk();
    else writeCommandInfo(w, cmd);
  }
}

/** COMMAND DOCS [command-name [command-name ...]] */
function commandDocs(c: Client, args: Buffer[], w: ReplyWriter): void {
  const table = c.worker.table;
  const found: Command[] = [];
  if (args.length === 2) found.push(...table.visible());
  else {
    for (let i = 2; i < args.length; i++) {
      const cmd = lookupFullName(table, args[i].toString('latin1'));
      if (cmd !== undefined) found.push(cmd);
    }
  }
  w.map(found.length);
  for (const cmd of found) {
    w.bulk(cmd.name);
    writeCommandDocs(w, cmd);
  }
}

/** Redis's ACL category names (without the "@"). */
const ACL_CATEGORIES = new Set([
  'keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog', 'geo', 'stream', 'pubsub',
  'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection', 'transaction', 'scripting',
]);

/** COMMAND LIST [FILTERBY <MODULE module-name | ACLCAT category | PATTERN pattern>] */
function commandList(c: Client, args: Buffer[], w: ReplyWriter): void {
  let filter: ((cmd: Command) => boolean) | null = null;
  for (let i = 2; i < args.length; i++) {
    const more = args.length - 1 - i;
    if (!isWord(args[i], 'FILTERBY') || more !== 2) return w.error(ERR_SYNTAX);
    const kind = args[i + 1];
    const arg = args[i + 2];
    if (isWord(kind, 'MODULE')) filter = () => false;
    else if (isWord(kind, 'ACLCAT')) {
      const cat = arg.toString('latin1').toLowerCase();
      filter = ACL_CATEGORIES.has(cat) ? (cmd) => cmd.spec.acl_categories.includes('@' + cat) : () => false;
    } else if (isWord(kind, 'PATTERN')) filter = (cmd) => globMatch(arg, cmd.name, true);
    else return w.error(ERR_SYNTAX);
    i += 2;
  }
  const names: string[] = [];
  for (const cmd of orderedCommands(c.worker.table)) if (filter === null || filter(cmd)) names.push(cmd.name);
  w.array(names.length);
  for (const n of names) w.bulk(n);
}

/** The keys (and their flags) of a full command, as COMMAND GETKEYS / GETKEYSANDFLAGS reply (Redis's getKeysSubcommandImpl). */
function getKeys(c: Client, args: Buffer[], w: ReplyWriter, withFlags: boolean): void {
  const argv = args.slice(2);
  const table = c.worker.table;
  let cmd = table.lookup(argv[0]);
  if (cmd !== undefined && cmd.subcommands.size > 0 && argv.length > 1) cmd = CommandTable.sub(cmd, argv[1]);
  if (cmd === undefined) return w.error('ERR Invalid command specified');
  if (!cmd.hasKeys) return w.error('ERR The command has no key arguments');
  if ((cmd.arity > 0 && cmd.arity !== argv.length) || argv.length < -cmd.arity) {
    return w.error('ERR Invalid number of arguments specified for command');
  }
  // The same extractor routing uses (src/server/command-keys.ts).
  const flags: (readonly string[])[] | null = withFlags ? [] : null;
  const keys = cmd.keyIndexes(argv, flags);
  if (keys.length === 0) {
    if (cmd.hasFlag(FLAG_NO_MANDATORY_KEYS)) return w.array(0);
    return w.error('ERR Invalid arguments specified for command');
  }
  w.array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    if (flags !== null) {
      w.array(2);
      w.bulk(argv[keys[i]]);
      writeStatusSet(w, sortKeyFlags(flags[i]));
    } else w.bulk(argv[keys[i]]);
  }
}

/** COMMAND GETKEYS command [arg [arg ...]] */
function commandGetKeys(c: Client, args: Buffer[], w: ReplyWriter): void {
  getKeys(c, args, w, false);
}

/** COMMAND GETKEYSANDFLAGS command [arg [arg ...]] */
function commandGetKeysAndFlags(c: Client, args: Buffer[], w: ReplyWriter): void {
  getKeys(c, args, w, true);
}

const COMMAND_HELP = [
  'COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  '(no subcommand)',
  '    Return details about all Redis commands.',
  'COUNT',
  '    Return the total number of commands in this Redis server.',
  'LIST',
  '    Return a list of all commands in this Redis server.',
  'INFO [<command-name> ...]',
  '    Return details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'DOCS [<command-name> ...]',
  '    Return documentation details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'GETKEYS <full-command>',
  '    Return the keys from a full Redis command.',
  'GETKEYSANDFLAGS <full-command>',
  '    Return the keys and the access flags from a full Redis command.',
  'HELP',
  '    Prints this help.',
];

/** COMMAND HELP */
function commandHelp(_c: Client, _args: Buffer[], w: ReplyWriter): void {
  helpReply(w, COMMAND_HELP);
}

/** Commands in reporting order: each top-level command followed by its subcommands. */
export function orderedCommands(table: CommandTable): Command[] {
  const out: Command[] = [];
  for (const c of table.visible()) {
    out.push(c);
    for (const s of c.subcommands.values()) out.push(s);
  }
  return out;
}

export const commands: Record<string, CommandImpl> = {
  command: { conn: commandAll },
  'command|count': { conn: commandCount },
  'command|info': { conn: commandInfo },
  'command|docs': { conn: commandDocs },
  'command|list': { conn: commandList },
  'command|getkeys': { conn: commandGetKeys },
  'command|getkeysandflags': { conn: commandGetKeysAndFlags },
  'command|help': { conn: commandHelp },
};
