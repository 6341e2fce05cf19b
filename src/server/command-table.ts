// CommandTable: the one table of commands, built from the generated spec table
// (command-table.generated.ts, compiled from spec/commands/*.json by `npm run gen:commands`: arity,
// flags and Damselfly's facts as bits, ACL categories, key specs, docs) joined with the handlers the
// families register.
// Invariants: every spec has a handler and every handler a spec (checked at build and in tests);
// lookups are case-insensitive; what the dispatcher knows of a command is a flag or fact bit, never its
// name; key positions come from command-keys.ts, the one extractor routing and COMMAND GETKEYS share.

import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { CommandSpec } from './command-spec.ts';
import { COMMANDS, FACT_BITS, FLAG_BITS, FLAG_NO_AUTH, type GeneratedCommand } from './command-table.generated.ts';
import { commandKeys, compileKeySpecs, KEYS_FUNCTIONS, type CompiledKeySpec, type KeyedCommand, type KeyFlagsOut, type KeysProc } from './command-keys.ts';
import { shardOfKey } from '../runtime/slots.ts';
import { OpTable, type OpContext } from './op-table.ts';

export type { CommandSpec, KeySpec } from './command-spec.ts';
// The FLAG_* / FACT_* bits, CommandName and COMMANDS, for the table's users.
export * from './command-table.generated.ts';

/**
 * What the table holds of a command's implementation (the families write it as CommandImpl, in
 * command-types.ts). The routing parts are typed here; the handlers' contexts belong to the layers
 * above — the shard's execution context, the client — so the handlers are declared as methods over
 * the least they are given (a method's parameters are checked both ways: a handler that takes a
 * richer context fits, and the callers, which pass the full one, need no cast).
 */
export interface CommandImplBase {
  shard?(x: OpContext, args: Buffer[], w: ReplyWriter): void;
  conn?(c: object, args: Buffer[], w: ReplyWriter): void;
  connAsync?(c: object, args: Buffer[], w: ReplyWriter): Promise<void>;
  multi?: 'sum' | 'inOrder' | 'ok' | MultiHandler;
  keyArgs?: number;
  otherDbKey?: (args: Buffer[]) => [number, number] | null;
  getKeys?: (args: Buffer[]) => FoundKey[];
  derivedKeys?: (args: Buffer[]) => Buffer[] | null;
  /**
   * A keyed command that blocks only with some arguments (XREAD BLOCK): with those, the dispatcher
   * runs its connAsync (the path that can wait) instead of routing it to its shard. Inside EXEC
   * nothing blocks: the keyed path runs.
   */
  mayBlock?: (args: Buffer[]) => boolean;
}

/** A command that coordinates itself across shards (see MultiShard in command-types.ts), as the table holds it. */
export type MultiHandler = { handler(c: object, args: Buffer[], w: ReplyWriter): Promise<void> }['handler'];

/** A key argument found by a getKeys function. */
export interface FoundKey {
  pos: number;
  spec: number;
}

/** The old spelling of FLAG_NO_AUTH (connection.ts imports it until its split lands). */
export const FLAG_NOAUTH = FLAG_NO_AUTH;

/** A spec's flags and facts as bits (what the generator writes; for internal and test specs). */
export function compileSpec(spec: CommandSpec): GeneratedCommand {
  let flags = 0;
  for (const f of spec.flags) flags |= FLAG_BITS[f] ?? 0;
  let facts = 0;
  for (const [k, v] of Object.entries(spec.damselfly ?? {})) if (v === true) facts |= FACT_BITS[k] ?? 0;
  return { flags, facts, spec };
}

export class Command implements KeyedCommand {
  index = 0;
  readonly name: string;
  /** Upper-case name as clients send it (for subcommands: the part after the container). */
  readonly spec: CommandSpec;
  readonly arity: number;
  /** The spec's Redis flags (FLAG_* bits). */
  readonly flagBits: number;
  /** The spec's Damselfly facts (FACT_* bits). */
  readonly facts: number;
  readonly impl: CommandImplBase;
  parent: Command | null = null;
  readonly subcommands = new Map<string, Command>();
  /** Fast path: the command has exactly one key, at this argument index (0 = not this shape). */
  readonly singleKeyIndex: number;
  readonly keySpecs: readonly CompiledKeySpec[];
  readonly specsFirst: boolean;
  /** Redis's getkeys_proc: the spec's damselfly.getKeysFunction, or the handler's getKeys. */
  readonly keysProc: KeysProc | null;
  /** Has keys to find (Redis's doesCommandHaveKeys): a spec that is not not_key, or a getkeys function. */
  readonly hasKeys: boolean;
  /** The setting (CONFIG name) that allows this protected command (damselfly.protectedBy), or null. */
  readonly protectedBy: string | null;

  constructor(compiled: GeneratedCommand | CommandSpec, impl: CommandImplBase) {
    const { flags, facts, spec } = 'spec' in compiled ? compiled : compileSpec(compiled);
    this.name = spec.name;
    this.spec = spec;
    this.arity = spec.arity;
    this.flagBits = flags;
    this.facts = facts;
    this.impl = impl;
    const ks = spec.key_specs;
    this.keySpecs = compileKeySpecs(ks);
    this.keysProc = keysProcOf(spec, impl);
    const someKey = ks.some((k) => !k.flags.includes('not_key'));
    this.specsFirst = someKey && !ks.some((k) => k.flags.includes('variable_flags'));
    this.hasKeys = someKey || this.keysProc !== null;
    this.protectedBy = spec.damselfly?.protectedBy ?? null;
    this.singleKeyIndex =
      ks.length === 1 && ks[0].begin_search.type === 'index' && ks[0].find_keys.type === 'range' && ks[0].find_keys.spec.lastkey === 0 &&
      !ks[0].flags.includes('not_key') && !ks[0].flags.includes('incomplete')
        ? ks[0].begin_search.spec.index
        : 0;
  }

  /** Argument indexes of the keys in `args` (args[0] is the command name): see command-keys.ts. */
  keyIndexes(args: Buffer[], flags: KeyFlagsOut = null): number[] {
    return commandKeys(this, args, flags);
  }

  /**
   * The shards (of n) holding keys the command reads without naming them (impl.derivedKeys): [] when
   * there are none, null when they may be on any shard.
   */
  derivedShards(args: Buffer[], n: number): number[] | null {
    const derived = this.impl.derivedKeys;
    if (derived === undefined) return [];
    const keys = derived(args);
    if (keys === null) return null;
    return keys.map((k) => shardOfKey(k, n));
  }

  hasFlag(bit: number): boolean {
    return (this.flagBits & bit) !== 0;
  }

  hasFact(bit: number): boolean {
    return (this.facts & bit) !== 0;
  }
}

/** The getkeys function a spec names, from command-keys.ts or the handler; a named one must exist. */
function keysProcOf(spec: CommandSpec, impl: CommandImplBase): KeysProc | null {
  const name = spec.damselfly?.getKeysFunction;
  const handler = impl.getKeys;
  if (name === undefined) {
    if (handler !== undefined) throw new Error(`${spec.name}: the handler has getKeys but the spec names no damselfly.getKeysFunction`);
    return null;
  }
  if (handler !== undefined) {
    return (argv, flags) =>
      handler(argv).map((k) => {
        if (flags !== null) flags.push(spec.key_specs[k.spec].flags);
        return k.pos;
      });
  }
  const proc = KEYS_FUNCTIONS[name];
  if (proc === undefined) throw new Error(`${spec.name}: getkeys function ${name} is neither in command-keys.ts nor the handler's getKeys`);
  return proc;
}

export class CommandTable {
  /** Top-level commands by lower-case name. */
  readonly byName = new Map<string, Command>();
  /** Every command and subcommand by index (what crosses threads). */
  readonly all: Command[] = [];
  /** Specs that have no handler yet (must be empty: checked by the tests). */
  missing: string[] = [];
  /** The shard operations: a registry of its own, numbered apart from the commands (op-table.ts). */
  readonly ops = new OpTable();

  /** Byte-level index of top-level names: no string is made to find a command. */
  private readonly buckets: ({ name: Buffer; cmd: Command }[] | undefined)[] = new Array(1024);

  /** Registers a top-level command under its lower-case name. */
  add(name: string, cmd: Command): void {
    this.byName.set(name, cmd);
    const bytes = Buffer.from(name, 'latin1');
    const h = nameHash(bytes);
    (this.buckets[h] ??= []).push({ name: bytes, cmd });
  }

  lookup(name: Buffer): Command | undefined {
    const list = this.buckets[nameHash(name)];
    if (list === undefined) return undefined;
    for (let i = 0; i < list.length; i++) if (equalsLower(name, list[i].name)) return list[i].cmd;
    return undefined;
  }

  /** Resolves a container's subcommand; undefined if unknown. */
  static sub(parent: Command, name: Buffer): Command | undefined {
    return parent.subcommands.get(lowerAscii(name));
  }

  /** The top-level commands. */
  visible(): Command[] {
    return this.all.filter((c) => c.parent === null);
  }
}

function nameHash(b: Uint8Array): number {
  const n = b.length;
  if (n === 0) return 0;
  return (n * 31 + (b[0] | 0x20) * 7 + (b[n - 1] | 0x20) * 3 + (n > 2 ? b[1] | 0x20 : 0)) & 1023;
}

/** True if `b` equals the lower-case ASCII `lower`, ignoring the case of `b`'s letters. */
function equalsLower(b: Uint8Array, lower: Uint8Array): boolean {
  const n = b.length;
  if (n !== lower.length) return false;
  for (let i = 0; i < n; i++) {
    let c = b[i];
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    if (c !== lower[i]) return false;
  }
  return true;
}

const lowerCache = new Map<string, string>();

/** Lower-cases an ASCII command name, caching the common spellings. */
function lowerAscii(b: Buffer): string {
  const s = b.toString('latin1');
  let l = lowerCache.get(s);
  if (l === undefined) {
    l = s.toLowerCase();
    if (lowerCache.size < 4096) lowerCache.set(s, l);
  }
  return l;
}

/** Every command spec, compiled (the generated table: nothing is read from disk). */
export function loadSpecs(): readonly GeneratedCommand[] {
  return COMMANDS;
}

/**
 * Builds the table from specs and handler registrations. Throws if a handler has no spec; specs
 * without a handler are listed in `missing` (the table test requires it to be empty).
 */
export function buildTable(specs: readonly (GeneratedCommand | CommandSpec)[], impls: Map<string, CommandImplBase>): CommandTable {
  const table = new CommandTable();
  const missing: string[] = [];
  const used = new Set<string>();
  const add = (cmd: Command): void => {
    cmd.index = table.all.length;
    table.all.push(cmd);
  };
  // Containers first so subcommands can attach.
  const compiled = specs.map((s) => ('spec' in s ? s : compileSpec(s)));
  const sorted = compiled.sort((a, b) => (a.spec.name.includes('|') ? 1 : 0) - (b.spec.name.includes('|') ? 1 : 0));
  for (const c of sorted) {
    const spec = c.spec;
    const impl = impls.get(spec.name);
    if (impl === undefined) {
      missing.push(spec.name);
      continue;
    }
    used.add(spec.name);
    const cmd = new Command(c, impl);
    add(cmd);
    const bar = spec.name.indexOf('|');
    if (bar < 0) table.add(spec.name, cmd);
    else {
      const parent = table.byName.get(spec.name.slice(0, bar));
      if (parent === undefined) throw new Error(`subcommand ${spec.name} has no container spec`);
      cmd.parent = parent;
      parent.subcommands.set(spec.name.slice(bar + 1), cmd);
    }
  }
  const extra = [...impls.keys()].filter((n) => !used.has(n));
  table.missing = missing;
  if (extra.length) throw new Error(`command table mismatch: handlers without spec [${extra.join(' ')}]`);
  return table;
}
