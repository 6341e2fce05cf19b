// The one key extractor: where a command call's keys are, for routing, locking, the maxmemory gate,
// EXEC's lock plan and COMMAND GETKEYS / GETKEYSANDFLAGS alike — Redis's getKeysFromCommandWithSpecs.
// Invariants: the key specs decide unless one is invalid or incomplete for these arguments or a spec
// has variable flags; then the command's getkeys function does (Redis's getkeys_proc, named by the
// spec's damselfly.getKeysFunction); no keys at all is [] (GETKEYS answers an error or, with
// no_mandatory_keys, an empty array). Positions index argv, where argv[0] is the command name.

import type { KeySpec } from './command-spec.ts';

/** Where a getkeys function puts its keys: positions, and (when asked) each key's flags alongside. */
export type KeyFlagsOut = (readonly string[])[] | null;

/** A getkeys function: the key positions of argv (pushing each key's flags to `flags` if given). */
export type KeysProc = (argv: Buffer[], flags: KeyFlagsOut) => number[];

/** A key spec with the flags the walk tests read once (compileKeySpecs). */
export interface CompiledKeySpec {
  readonly spec: KeySpec;
  readonly notKey: boolean;
  readonly incomplete: boolean;
}

export function compileKeySpecs(specs: readonly KeySpec[]): CompiledKeySpec[] {
  return specs.map((spec) => ({ spec, notKey: spec.flags.includes('not_key'), incomplete: spec.flags.includes('incomplete') }));
}

/** What the extractor needs of a command (Command implements it). */
export interface KeyedCommand {
  readonly keySpecs: readonly CompiledKeySpec[];
  /** Some spec is a real key (not not_key) and none has variable_flags: the specs are to be used first. */
  readonly specsFirst: boolean;
  readonly keysProc: KeysProc | null;
}

const NO_FLAGS: readonly string[] = [];

/** The keys of one call of `cmd` (flags of each pushed to `flags` when given; cleared first). */
export function commandKeys(cmd: KeyedCommand, argv: Buffer[], flags: KeyFlagsOut = null): number[] {
  if (cmd.specsFirst) {
    const found = keysFromSpecs(cmd, argv, flags);
    if (found !== null) return found;
    if (flags !== null) flags.length = 0;
  }
  const proc = cmd.keysProc;
  return proc === null ? [] : proc(argv, flags);
}

/** Redis's getKeysUsingKeySpecs: the keys the specs find, or null when a spec is invalid for argv. */
function keysFromSpecs(cmd: KeyedCommand, argv: Buffer[], flags: KeyFlagsOut): number[] | null {
  const argc = argv.length;
  const out: number[] = [];
  for (const compiled of cmd.keySpecs) {
    if (compiled.notKey) continue;
    const ks = compiled.spec;
    let first = 0;
    const bs = ks.begin_search;
    if (bs.type === 'index') first = bs.spec.index;
    else if (bs.type === 'keyword') {
      const from = bs.spec.startfrom;
      const start = from > 0 ? from : argc + from;
      const end = from > 0 ? argc - 1 : 1;
      for (let i = start; i !== end; i = start <= end ? i + 1 : i - 1) {
        if (i >= argc || i < 1) break;
        if (equalsIgnoreCase(argv[i], bs.spec.keyword)) {
          first = i + 1;
          break;
        }
      }
      if (first === 0) continue; // keyword absent: this spec has no keys
    } else return null;
    let last: number;
    let step: number;
    const fk = ks.find_keys;
    if (fk.type === 'range') {
      step = fk.spec.keystep;
      if (fk.spec.lastkey >= 0) last = first + fk.spec.lastkey;
      else if (fk.spec.limit === 0) last = argc + fk.spec.lastkey;
      else last = first + (Math.trunc((argc - first) / fk.spec.limit) + fk.spec.lastkey);
    } else if (fk.type === 'keynum') {
      step = fk.spec.keystep;
      const at = first + fk.spec.keynumidx;
      if (fk.spec.keynumidx >= argc || at >= argc) return null;
      const num = string2ll(argv[at]);
      if (num === null || num < 0n) return null;
      first += fk.spec.firstkey;
      last = first + Number(BigInt.asIntN(32, num)) - 1; // (Redis casts the count to an int)
    } else return null;
    if (last >= argc || last < first || first >= argc) return null;
    for (let i = first; i <= last; i += step) {
      // (Past the end only with a variadic arity; Redis skips it and lets the command complain.)
      if (i >= argc || i < first) continue;
      out.push(i);
      if (flags !== null) flags.push(ks.flags);
    }
    if (compiled.incomplete) return null;
  }
  return out;
}

/**
 * Redis's genericGetKeys: `count` keys from argv[first] (every `step`), the count at argv[countAt]
 * read as atoi does, then the destination at argv[storeAt] if storeAt > 0; none when the count is
 * below 1 or more than the arguments hold. Its keys have no flags (as in Redis).
 */
function genericGetKeys(storeAt: number, countAt: number, first: number, step: number): KeysProc {
  return (argv, flags) => {
    const num = atoi(argv[countAt]);
    if (num < 1 || num > Math.trunc((argv.length - first) / step)) return [];
    const out: number[] = [];
    for (let i = 0; i < num; i++) out.push(first + i * step);
    if (storeAt > 0) out.push(storeAt);
    if (flags !== null) for (let i = 0; i < out.length; i++) flags.push(NO_FLAGS);
    return out;
  };
}

const SET_GET_FLAGS: readonly string[] = ['RW', 'access', 'update'];
const SET_FLAGS: readonly string[] = ['OW', 'update'];

/** Redis's setGetKeys: the key is RW (read too) when a GET argument follows, OW otherwise. */
const setGetKeys: KeysProc = (argv, flags) => {
  let f = SET_FLAGS;
  for (let i = 3; i < argv.length; i++) {
    const a = argv[i];
    // As Redis compares the C string: "get" then its end (or an embedded NUL).
    if (a.length >= 3 && (a[0] | 0x20) === 0x67 && (a[1] | 0x20) === 0x65 && (a[2] | 0x20) === 0x74 && (a.length === 3 || a[3] === 0)) {
      f = SET_GET_FLAGS;
      break;
    }
  }
  if (flags !== null) flags.push(f);
  return [1];
};

const PFMERGE_DEST_FLAGS: readonly string[] = ['RW', 'access', 'insert'];
const PFMERGE_SOURCE_FLAGS: readonly string[] = ['RO', 'access'];

/**
 * PFMERGE destkey [sourcekey ...] — ours, not Redis's: Redis 7.0 has no getkeys function for it and its
 * key specs find no key when no source is given; the destination must still route the command.
 */
const pfmergeGetKeys: KeysProc = (argv, flags) => {
  const out: number[] = [];
  for (let i = 1; i < argv.length; i++) {
    out.push(i);
    if (flags !== null) flags.push(i === 1 ? PFMERGE_DEST_FLAGS : PFMERGE_SOURCE_FLAGS);
  }
  return out;
};

const BITFIELD_RO_FLAGS: readonly string[] = ['RO', 'access'];
const BITFIELD_RW_FLAGS: readonly string[] = ['RW', 'access', 'update'];

/**
 * Redis's bitfieldGetKeys: the key at 1, read-only (RO) while the subcommands before the first SET,
 * INCRBY or unknown word are GET and OVERFLOW, read-write otherwise.
 */
const bitfieldGetKeys: KeysProc = (argv, flags) => {
  let readonly = true;
  for (let i = 2; i < argv.length; i++) {
    const remaining = argv.length - i - 1;
    const a = argv[i];
    if (equalsIgnoreCase(a, 'get') && remaining >= 2) i += 2;
    else if ((equalsIgnoreCase(a, 'set') || equalsIgnoreCase(a, 'incrby')) && remaining >= 3) {
      readonly = false;
      break;
    } else if (equalsIgnoreCase(a, 'overflow') && remaining >= 1) i += 1;
    else {
      readonly = false; // a syntax error: Redis assumes a write, to be safe
      break;
    }
  }
  if (flags !== null) flags.push(readonly ? BITFIELD_RO_FLAGS : BITFIELD_RW_FLAGS);
  return [1];
};

/**
 * Redis's getkeys functions by their names in Redis's source (what a spec's damselfly.getKeysFunction
 * names). A name missing here must be provided by the command's handler (impl.getKeys: SORT).
 */
export const KEYS_FUNCTIONS: Readonly<Record<string, KeysProc>> = {
  zunionInterDiffStoreGetKeys: genericGetKeys(1, 2, 3, 1),
  zunionInterDiffGetKeys: genericGetKeys(0, 1, 2, 1),
  sintercardGetKeys: genericGetKeys(0, 1, 2, 1),
  lmpopGetKeys: genericGetKeys(0, 1, 2, 1),
  blmpopGetKeys: genericGetKeys(0, 2, 3, 1),
  zmpopGetKeys: genericGetKeys(0, 1, 2, 1),
  bzmpopGetKeys: genericGetKeys(0, 2, 3, 1),
  setGetKeys,
  pfmergeGetKeys,
  bitfieldGetKeys,
};

function equalsIgnoreCase(b: Buffer, word: string): boolean {
  if (b.length !== word.length) return false;
  for (let i = 0; i < b.length; i++) {
    let c = b[i];
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    let w = word.charCodeAt(i);
    if (w >= 0x41 && w <= 0x5a) w |= 0x20;
    if (c !== w) return false;
  }
  return true;
}

/** Redis's string2ll: an optional '-', digits, no leading zeros (but "0"), within a 64-bit integer; else null. */
function string2ll(b: Buffer): bigint | null {
  const n = b.length;
  if (n === 0 || n > 20) return null;
  let i = 0;
  const neg = b[0] === 0x2d;
  if (neg) {
    i = 1;
    if (n === 1) return null;
  }
  if (b[i] === 0x30) return n === 1 ? 0n : null;
  let v = 0n;
  for (; i < n; i++) {
    const c = b[i];
    if (c < 0x30 || c > 0x39) return null;
    v = v * 10n + BigInt(c - 0x30);
  }
  if (neg) v = -v;
  if (v > INT64_MAX || v < INT64_MIN) return null;
  return v;
}

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** C's atoi as glibc has it: (int)strtol — spaces, a sign, digits (0 if none), saturated to 64 bits, then cut to 32. */
function atoi(b: Buffer): number {
  let i = 0;
  const n = b.length;
  while (i < n && (b[i] === 0x20 || (b[i] >= 0x09 && b[i] <= 0x0d))) i++;
  let neg = false;
  if (i < n && (b[i] === 0x2b || b[i] === 0x2d)) neg = b[i++] === 0x2d;
  let v = 0n;
  for (; i < n && b[i] >= 0x30 && b[i] <= 0x39; i++) {
    v = v * 10n + BigInt(b[i] - 0x30);
    if (v > INT64_MAX + 1n) v = INT64_MAX + 1n; // saturated already: stop growing
  }
  if (neg) v = -v;
  if (v > INT64_MAX) v = INT64_MAX;
  if (v < INT64_MIN) v = INT64_MIN;
  return Number(BigInt.asIntN(32, v));
}
