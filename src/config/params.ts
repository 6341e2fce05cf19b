// The one declarative table of settings: command-line flags (Dragonfly style) and CONFIG parameters
// (Redis names), with types, defaults, bounds and whether CONFIG SET may change them.
// Invariants: every setting has exactly one entry; parsing and printing of values live here only.

import { availableParallelism } from 'node:os';

export type ParamType = 'int' | 'bool' | 'string' | 'bytes' | 'enum';

export interface Param {
  /** Flag name (underscores). */
  flag: string;
  /** CONFIG GET/SET name (dashes); absent: flag only. */
  config?: string;
  aliases?: string[];
  /** Other CONFIG GET/SET names of the same setting (Redis 7's "ziplist" spellings of listpack limits). */
  configAliases?: string[];
  type: ParamType;
  default: string;
  min?: number;
  max?: number;
  values?: string[];
  mutable: boolean;
  /** Redis PROTECTED_CONFIG: CONFIG SET refuses it (as Redis does with enable-protected-configs off). */
  protected?: boolean;
  help: string;
  /** For settings accepted now whose feature comes later. */
  later?: string;
}

export const EVICTION_POLICIES = ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction'];

export const PARAMS: Param[] = [
  { flag: 'port', config: 'port', type: 'int', default: '6379', min: 0, max: 65535, mutable: false, help: 'TCP port to listen on' },
  { flag: 'bind', config: 'bind', type: 'string', default: '', mutable: false, help: 'addresses to listen on, space or comma separated (empty: all interfaces)' },
  { flag: 'proactor_threads', aliases: ['threads'], type: 'int', default: '0', min: 0, max: 1024, mutable: false, help: 'shard worker threads (0: one per core)' },
  { flag: 'dbnum', config: 'databases', type: 'int', default: '16', min: 1, max: 1024, mutable: false, help: 'number of databases' },
  { flag: 'requirepass', config: 'requirepass', type: 'string', default: '', mutable: true, help: 'password clients must AUTH with (empty: none)' },
  { flag: 'maxclients', config: 'maxclients', type: 'int', default: '10000', min: 1, max: 4294967295, mutable: true, help: 'maximum number of connected clients' },
  { flag: 'hz', config: 'hz', type: 'int', default: '100', min: 0, max: 2147483647, mutable: true, help: 'active expire cycles per second per shard (capped to 1..500, as Redis does)' },
  { flag: 'logtostderr', type: 'bool', default: 'no', mutable: false, help: 'log to stderr' },
  { flag: 'dir', config: 'dir', type: 'string', default: '.', mutable: false, protected: true, help: 'working directory for snapshots', later: 'snapshots come with the persistence issue' },
  { flag: 'dbfilename', config: 'dbfilename', type: 'string', default: 'dump.rdb', mutable: true, protected: true, help: 'snapshot file name', later: 'snapshots come with the persistence issue' },
  { flag: 'maxmemory', config: 'maxmemory', type: 'bytes', default: '0', mutable: true, help: 'memory limit (human sizes: 4gb, 512mb; 0: none)', later: 'enforced with the storage engine issue' },
  { flag: 'maxmemory_policy', config: 'maxmemory-policy', type: 'enum', values: EVICTION_POLICIES, default: 'noeviction', mutable: true, help: 'eviction policy', later: 'enforced with the storage engine issue' },
  { flag: 'cache_mode', type: 'bool', default: 'no', mutable: false, help: 'evict like a cache when near maxmemory', later: 'comes with the storage engine issue' },
  { flag: 'proto_max_bulk_len', config: 'proto-max-bulk-len', type: 'bytes', default: '512mb', min: 1024 * 1024, mutable: true, help: 'largest accepted bulk string' },
  { flag: 'client_query_buffer_limit', config: 'client-query-buffer-limit', type: 'bytes', default: '1gb', min: 1024 * 1024, mutable: true, help: 'largest unprocessed input a client may queue' },
  { flag: 'client_output_buffer_pause', type: 'bytes', default: '8mb', mutable: false, help: 'stop reading from a client whose unsent replies exceed this, until it drains them' },
  { flag: 'timeout', config: 'timeout', type: 'int', default: '0', min: 0, max: 2147483647, mutable: true, help: 'close idle clients after this many seconds (0: never)' },
  { flag: 'tcp_keepalive', config: 'tcp-keepalive', type: 'int', default: '300', min: 0, max: 2147483647, mutable: true, help: 'TCP keepalive interval in seconds' },
  { flag: 'save', config: 'save', type: 'string', default: '', mutable: true, help: 'snapshot schedule', later: 'snapshots come with the persistence issue' },
  { flag: 'appendonly', config: 'appendonly', type: 'bool', default: 'no', mutable: true, help: 'journal writes', later: 'the journal comes with the persistence issue' },
  { flag: 'zset_max_listpack_entries', config: 'zset-max-listpack-entries', configAliases: ['zset-max-ziplist-entries'], type: 'int', default: '128', min: 0, max: 9223372036854775807, mutable: true, help: 'sorted sets with more members use the skiplist encoding' },
  { flag: 'zset_max_listpack_value', config: 'zset-max-listpack-value', configAliases: ['zset-max-ziplist-value'], type: 'bytes', default: '64', min: 0, mutable: true, help: 'sorted sets with a longer member use the skiplist encoding' },
];

const byFlag = new Map<string, Param>();
const byConfig = new Map<string, Param>();
for (const p of PARAMS) {
  byFlag.set(p.flag, p);
  for (const a of p.aliases ?? []) byFlag.set(a, p);
  if (p.config) byConfig.set(p.config, p);
  for (const a of p.configAliases ?? []) byConfig.set(a, p);
}

export function paramByFlag(name: string): Param | undefined {
  return byFlag.get(name) ?? byFlag.get(name.replace(/-/g, '_'));
}

export function paramByConfig(name: string): Param | undefined {
  return byConfig.get(name.toLowerCase());
}

export type ConfigValues = Record<string, string | number | boolean>;

/** Parses "4gb", "512mb", "1k", "100" (Redis memtoull: k=1000, kb=1024, ...). null if invalid. */
export function parseBytes(s: string): number | null {
  const m = /^(\d+)(b|k|kb|m|mb|g|gb)?$/i.exec(s.trim());
  if (!m) return null;
  const mul: Record<string, number> = { b: 1, k: 1000, kb: 1024, m: 1e6, mb: 1024 ** 2, g: 1e9, gb: 1024 ** 3 };
  const n = Number(m[1]) * (m[2] ? mul[m[2].toLowerCase()] : 1);
  return Number.isSafeInteger(n) ? n : null;
}

/** Validates and converts a textual value; returns the value or an error message (Redis wording). */
export function parseValue(p: Param, raw: string): { value: string | number | boolean } | { error: string } {
  switch (p.type) {
    case 'int': {
      if (!/^-?\d+$/.test(raw)) return { error: 'argument couldn\'t be parsed into an integer' };
      const n = Number(raw);
      if ((p.min !== undefined && n < p.min) || (p.max !== undefined && n > p.max)) {
        // Redis's LONG_MAX bound prints exactly (a double would print 9223372036854776000).
        const max = p.max !== undefined && p.max >= 9223372036854775807 ? '9223372036854775807' : String(p.max);
        return { error: `argument must be between ${p.min} and ${max} inclusive` };
      }
      return { value: n };
    }
    case 'bytes': {
      const n = parseBytes(raw);
      if (n === null) return { error: 'argument must be a memory value' };
      if (p.min !== undefined && n < p.min) return { error: `argument must be between ${p.min} and 9223372036854775807 inclusive` };
      return { value: n };
    }
    case 'bool': {
      const l = raw.toLowerCase();
      if (l === 'yes' || l === 'true' || l === '1') return { value: true };
      if (l === 'no' || l === 'false' || l === '0') return { value: false };
      return { error: 'argument must be \'yes\' or \'no\'' };
    }
    case 'enum': {
      const l = raw.toLowerCase();
      if (!p.values!.includes(l)) return { error: `argument(s) must be one of the following: ${p.values!.join(', ')}` };
      return { value: l };
    }
    default:
      return { value: raw };
  }
}

/** How CONFIG GET prints a value. */
export function formatValue(p: Param, v: string | number | boolean): string {
  if (p.type === 'bool') return v ? 'yes' : 'no';
  return String(v);
}

export function defaults(): ConfigValues {
  const out: ConfigValues = {};
  for (const p of PARAMS) {
    const r = parseValue(p, p.default);
    if ('error' in r) throw new Error(`bad default for ${p.flag}`);
    out[p.flag] = r.value;
  }
  return out;
}

export function resolveThreads(cfg: ConfigValues): number {
  const n = cfg.proactor_threads as number;
  return n > 0 ? n : availableParallelism();
}
