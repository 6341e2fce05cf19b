// CommandTable: the one table of commands, built from spec/commands/*.json (facts: arity, flags, ACL
// categories, key specs, docs) joined with the handlers the families register.
// Invariants: every spec has a handler and every handler a spec (checked at build and in tests);
// lookups are case-insensitive; key positions come from the spec's key_specs, or from the handler's
// getKeys where the specs cannot say (as Redis falls back to a getkeys_proc).

import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { CommandImpl } from './command-types.ts';
import { shardOfKey } from '../runtime/slots.ts';
import { OpTable } from './shard-ops.ts';

export interface KeySpec {
  notes?: string;
  flags: string[];
  begin_search: { type: 'index'; spec: { index: number } } | { type: 'keyword'; spec: { keyword: string; startfrom: number } } | { type: 'unknown'; spec: Record<string, never> };
  find_keys:
    | { type: 'range'; spec: { lastkey: number; keystep: number; limit: number } }
    | { type: 'keynum'; spec: { keynumidx: number; firstkey: number; keystep: number } }
    | { type: 'unknown'; spec: Record<string, never> };
}

export interface CommandSpec {
  name: string;
  arity: number;
  flags: string[];
  first_key: number;
  last_key: number;
  key_step: number;
  acl_categories: string[];
  tips: string[];
  key_specs: KeySpec[];
  docs: Record<string, unknown>;
}

export const FLAG_WRITE = 1;
export const FLAG_READONLY = 2;
export const FLAG_DENYOOM = 4;
export const FLAG_NOAUTH = 8;
export const FLAG_NOSCRIPT = 16;
export const FLAG_LOADING = 32;
export const FLAG_STALE = 64;
export const FLAG_FAST = 128;

const FLAG_BITS: Record<string, number> = {
  write: FLAG_WRITE,
  readonly: FLAG_READONLY,
  denyoom: FLAG_DENYOOM,
  no_auth: FLAG_NOAUTH,
  noscript: FLAG_NOSCRIPT,
  loading: FLAG_LOADING,
  stale: FLAG_STALE,
  fast: FLAG_FAST,
};

export class Command {
  index = 0;
  readonly name: string;
  /** Upper-case name as clients send it (for subcommands: the part after the container). */
  readonly spec: CommandSpec;
  readonly arity: number;
  readonly flagBits: number;
  readonly impl: CommandImpl;
  parent: Command | null = null;
  readonly subcommands = new Map<string, Command>();
  /** Fast path: the command has exactly one key, at this argument index (0 = not this shape). */
  readonly singleKeyIndex: number;
  readonly hidden: boolean;

  constructor(spec: CommandSpec, impl: CommandImpl, hidden = false) {
    this.name = spec.name;
    this.spec = spec;
    this.arity = spec.arity;
    let bits = 0;
    for (const f of spec.flags) bits |= FLAG_BITS[f] ?? 0;
    this.flagBits = bits;
    this.impl = impl;
    this.hidden = hidden;
    const ks = spec.key_specs;
    this.singleKeyIndex =
      ks.length === 1 && ks[0].begin_search.type === 'index' && ks[0].find_keys.type === 'range' && ks[0].find_keys.spec.lastkey === 0
        ? ks[0].begin_search.spec.index
        : 0;
  }

  /** Argument indexes of the keys in `args` (args[0] is the command name), per the key specs. */
  keyIndexes(args: Buffer[]): number[] {
    const getKeys = this.impl.getKeys;
    if (getKeys !== undefined) return getKeys(args).map((k) => k.pos);
    const out: number[] = [];
    const argc = args.length;
    for (const ks of this.spec.key_specs) {
      let first: number;
      const bs = ks.begin_search;
      if (bs.type === 'index') first = bs.spec.index;
      else if (bs.type === 'keyword') {
        first = -1;
        const kw = bs.spec.keyword.toLowerCase();
        const from = bs.spec.startfrom;
        if (from >= 0) {
          for (let i = from; i < argc; i++) if (args[i].toString('latin1').toLowerCase() === kw) { first = i + 1; break; }
        } else {
          for (let i = argc + from; i > 0; i--) if (args[i].toString('latin1').toLowerCase() === kw) { first = i + 1; break; }
        }
        if (first < 0) continue;
      } else continue;
      const fk = ks.find_keys;
      if (fk.type === 'range') {
        const { lastkey, keystep, limit } = fk.spec;
        let last: number;
        if (lastkey >= 0) last = first + lastkey;
        else if (limit === 0) last = argc + lastkey;
        else last = first + Math.floor((argc - first) / limit) + lastkey;
        for (let i = first; i <= last && i < argc; i += keystep) out.push(i);
      } else if (fk.type === 'keynum') {
        const at = first + fk.spec.keynumidx;
        if (at >= argc) continue;
        const num = Number(args[at].toString('latin1'));
        if (!Number.isInteger(num) || num < 0) continue;
        const start = first + fk.spec.firstkey;
        for (let i = 0; i < num && start + i * fk.spec.keystep < argc; i++) out.push(start + i * fk.spec.keystep);
      }
    }
    return out;
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
}

export class CommandTable {
  /** Top-level commands by lower-case name. */
  readonly byName = new Map<string, Command>();
  /** Every command and subcommand by index (what crosses threads). */
  readonly all: Command[] = [];
  /** Specs that have no handler yet (must be empty: checked by the tests). */
  missing: string[] = [];
  /** Internal commands (between shards only), by name. */
  readonly internal = new Map<string, Command>();
  /** The shard operations: a registry of its own, numbered apart from the commands (shard-ops.ts). */
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

  /** Top-level and subcommands, visible ones only (no internal commands). */
  visible(): Command[] {
    return this.all.filter((c) => !c.hidden && c.parent === null);
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

const SPEC_DIR = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'spec', 'commands');

export function loadSpecs(dir = SPEC_DIR): CommandSpec[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as CommandSpec);
}

/** A spec for an internal command (never visible to clients; used between shards). */
export function internalSpec(name: string, arity: number, keyIndex = 0): CommandSpec {
  return {
    name,
    arity,
    flags: [],
    first_key: keyIndex,
    last_key: keyIndex,
    key_step: keyIndex ? 1 : 0,
    acl_categories: [],
    tips: [],
    key_specs: keyIndex
      ? [{ flags: [], begin_search: { type: 'index', spec: { index: keyIndex } }, find_keys: { type: 'range', spec: { lastkey: 0, keystep: 1, limit: 0 } } }]
      : [],
    docs: {},
  };
}

/**
 * Builds the table from specs and handler registrations. Throws if a handler has no spec; specs
 * without a handler are listed in `missing` (the table test requires it to be empty).
 */
export function buildTable(specs: CommandSpec[], impls: Map<string, CommandImpl>, internal: Map<string, [CommandSpec, CommandImpl]>): CommandTable {
  const table = new CommandTable();
  const missing: string[] = [];
  const used = new Set<string>();
  const add = (cmd: Command): void => {
    cmd.index = table.all.length;
    table.all.push(cmd);
  };
  // Containers first so subcommands can attach.
  const sorted = [...specs].sort((a, b) => (a.name.includes('|') ? 1 : 0) - (b.name.includes('|') ? 1 : 0));
  for (const spec of sorted) {
    const impl = impls.get(spec.name);
    if (impl === undefined) {
      missing.push(spec.name);
      continue;
    }
    used.add(spec.name);
    const cmd = new Command(spec, impl);
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
  for (const [name, [spec, impl]] of internal) {
    const cmd = new Command(spec, impl, true);
    add(cmd);
    table.internal.set(name, cmd);
  }
  return table;
}
