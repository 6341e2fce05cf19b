// The one declarative table of settings: command-line flags (Dragonfly style) and CONFIG parameters
// (Redis names), with types, defaults, bounds and whether CONFIG SET may change them.
// Invariants: every setting has exactly one entry; parsing and printing of values live here only.

import { availableParallelism } from 'node:os';
import { parseInt64 } from '../util/numbers.ts';
import { parseBytesExact } from './memory-size.ts';
import { DEFAULT_OUTPUT_LIMITS, mergeOutputLimits } from './output-limits.ts';
import { parseKeyspaceEvents } from './keyspace-events.ts';
import { LOG_LEVEL_NAMES } from '../util/log.ts';
import { REDIS_PARAMS } from './redis-params.ts';

export type ParamType = 'int' | 'bool' | 'string' | 'bytes' | 'enum';

export interface Param {
  /** Flag name (underscores). */
  flag: string;
  /** CONFIG GET/SET name (dashes); absent: flag only. */
  config?: string;
  /** Other CONFIG names Redis accepts for it (the ziplist names of the listpack settings). */
  configAliases?: string[];
  aliases?: string[];
  type: ParamType;
  default: string;
  min?: number;
  /** A bigint where the bound (LONG_MAX) is beyond a double's integers. */
  max?: number | bigint;
  values?: string[];
  mutable: boolean;
  /** Redis PROTECTED_CONFIG: CONFIG SET refuses it (as Redis does with enable-protected-configs off). */
  protected?: boolean;
  help: string;
  /** For settings accepted now whose feature comes later. */
  later?: string;
  /** A 'string' setting with a syntax of its own: validates a flag's value and returns it canonical. */
  parse?: (raw: string) => { value: string } | { error: string };
  /** A 'bytes' flag whose value may be `auto` (also its default), resolved at startup (resolveMaxmemory); CONFIG SET refuses it. */
  auto?: boolean;
  /** A 'bytes' setting that may also be `N%` (of maxmemory), kept as -N as Redis's PERCENT_CONFIG does. */
  percent?: boolean;
  /** Accepted (CONFIG GET/SET, redis.conf, flags) but without effect here: docs list these. */
  noEffect?: boolean;
  /** Redis HIDDEN_CONFIG: CONFIG GET shows it for its exact name only, never for a pattern. */
  hidden?: boolean;
  /** An 'int' written and read in octal (unixsocketperm). */
  octal?: boolean;
  /** Redis MULTI_ARG_CONFIG: a redis.conf line may give the value as several arguments (joined by spaces). */
  multiArg?: boolean;
  /** An 'enum' whose names share a value: the name CONFIG GET shows for each (Redis prints the first). */
  canonical?: Record<string, string>;
  /** Redis's is_valid_fn: a parsed value it refuses, with its error text (null: fine). */
  check?: (v: string | number | boolean) => string | null;
  /** A smaller value is raised to this once accepted (Redis's resizeReplicationBacklog: 16kb). */
  floor?: number;
  /** Redis SENSITIVE_CONFIG: CONFIG SET's value is shown as "(redacted)" to monitors. */
  sensitive?: boolean;
}

/** LONG_MAX, the bound of Redis's size_t settings. */
const LONG_MAX = 9223372036854775807n;

/** The share of the machine's memory `--maxmemory=auto` (the default) allows. */
export const AUTO_MAXMEMORY_PERCENT = 80;

/** The value `auto` stands for until resolveMaxmemory. */
export const AUTO_BYTES = -1;

export const EVICTION_POLICIES = ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction'];

export const PARAMS: Param[] = [
  { flag: 'port', config: 'port', type: 'int', default: '6379', min: 0, max: 65535, mutable: true, help: 'TCP port to listen on (CONFIG SET port: every thread listens on the new port, the old one closes, connected clients stay)' },
  { flag: 'bind', config: 'bind', type: 'string', default: '* -::*', parse: parseBind, multiArg: true, mutable: true, help: 'addresses to listen on, space or comma separated (empty or *: all interfaces; a leading - (optional address) is accepted); CONFIG SET rebinds live' },
  { flag: 'proactor_threads', aliases: ['threads'], type: 'int', default: '0', min: 0, max: 1024, mutable: false, help: 'shard worker threads (0: one per core)' },
  { flag: 'dbnum', config: 'databases', type: 'int', default: '16', min: 1, max: 1024, mutable: false, help: 'number of databases' },
  { flag: 'requirepass', config: 'requirepass', type: 'string', default: '', sensitive: true, mutable: true, help: 'password clients must AUTH with (empty: none)' },
  { flag: 'maxclients', config: 'maxclients', type: 'int', default: '10000', min: 1, max: 4294967295, mutable: true, help: 'maximum number of connected clients' },
  { flag: 'mesh_poll_us', type: 'int', default: '-1', min: -1, max: 1000000, mutable: false, help: 'how long (µs) a shard thread spins on its rings for replies before sleeping on its doorbell (-1: 200 when the machine has more cores than shard threads, else 0: spinning would take CPU from the other threads and the clients)' },
  { flag: 'hz', config: 'hz', type: 'int', default: '100', min: 0, max: 2147483647, mutable: true, help: 'active expire cycles per second per shard (capped to 1..500, as Redis does)' },
  { flag: 'logtostderr', type: 'bool', default: 'no', mutable: false, help: 'log to standard error (instead of logfile or standard output)' },
  { flag: 'dir', config: 'dir', type: 'string', default: '.', mutable: true, protected: true, help: 'working directory for snapshots', later: 'snapshots come with the persistence issue' },
  { flag: 'dbfilename', config: 'dbfilename', type: 'string', default: 'dump.rdb', mutable: true, protected: true, help: 'snapshot file name', later: 'snapshots come with the persistence issue' },
  { flag: 'maxmemory', config: 'maxmemory', type: 'bytes', default: 'auto', auto: true, mutable: true, help: `memory limit for the data (human sizes: 4gb, 512mb, 1G; 0: none; auto: ${AUTO_MAXMEMORY_PERCENT}% of the machine's memory), split evenly across the shards` },
  { flag: 'maxmemory_policy', config: 'maxmemory-policy', type: 'enum', values: EVICTION_POLICIES, default: 'noeviction', mutable: true, help: 'what to do at maxmemory: noeviction refuses commands that add data (-OOM); the others evict (approximated as Redis: sampling)' },
  { flag: 'maxmemory_samples', config: 'maxmemory-samples', type: 'int', default: '5', min: 1, max: 2147483647, mutable: true, help: 'keys ranked per eviction (cache mode: at least 16; at most 1024 are sampled)' },
  { flag: 'tracking_table_max_keys', config: 'tracking-table-max-keys', type: 'int', default: '1000000', min: 0, mutable: true, help: 'keys the client-side caching table remembers (0: no limit), split evenly across the shards; past it, tracked keys are forgotten and invalidated for their clients (as Redis)' },
  { flag: 'lfu_log_factor', config: 'lfu-log-factor', type: 'int', default: '10', min: 0, max: 2147483647, mutable: true, help: 'LFU counter logarithm factor (as Redis)' },
  { flag: 'lfu_decay_time', config: 'lfu-decay-time', type: 'int', default: '1', min: 0, max: 2147483647, mutable: true, help: 'minutes for the LFU counter to decay by one (as Redis)' },
  { flag: 'cache_mode', config: 'cache_mode', type: 'bool', default: 'no', mutable: true, help: 'evict like a cache (2Q: new keys on probation, hits protect) at maxmemory, whatever maxmemory_policy says' },
  { flag: 'proto_max_bulk_len', config: 'proto-max-bulk-len', type: 'bytes', default: '512mb', min: 1024 * 1024, mutable: true, help: 'largest accepted bulk string' },
  { flag: 'client_query_buffer_limit', config: 'client-query-buffer-limit', type: 'bytes', default: '1gb', min: 1024 * 1024, mutable: true, help: 'largest unprocessed input a client may queue' },
  { flag: 'maxmemory_clients', config: 'maxmemory-clients', type: 'bytes', percent: true, default: '0', min: 0, mutable: true, help: 'client eviction: when the clients\' memory (input, parsed arguments, MULTI queues, output) passes this (bytes, or N% of maxmemory; 0: off), the biggest clients are closed; split evenly across the workers' },
  { flag: 'client_output_buffer_pause', type: 'bytes', default: '8mb', mutable: false, help: 'stop running and reading the commands of a client whose unsent replies exceed this, until it has read half of them' },
  { flag: 'client_inflight_limit', type: 'int', default: '1024', min: 1, max: 1048576, mutable: false, help: 'stop running and reading the commands of a client with this many replies in flight on other shards, until half have come back (bounds what one client holds in the rings)' },
  { flag: 'client_output_buffer_limit', config: 'client-output-buffer-limit', type: 'string', default: DEFAULT_OUTPUT_LIMITS, multiArg: true, parse: (raw) => mergeOutputLimits(DEFAULT_OUTPUT_LIMITS, raw), mutable: true, help: 'Redis\'s per-class output limits: <class> <hard> <soft> <soft seconds>; a client past one is closed (normal 0 0 0: a normal client is paused instead, see client_output_buffer_pause)' },
  { flag: 'notify_keyspace_events', config: 'notify-keyspace-events', type: 'string', default: '', parse: parseKeyspaceEvents, mutable: true, help: 'keyspace notification classes (Redis\'s letters: K E g $ l s h z x e t m d n A; empty: off)' },
  { flag: 'timeout', config: 'timeout', type: 'int', default: '0', min: 0, max: 2147483647, mutable: true, help: 'close idle clients after this many seconds (0: never)' },
  { flag: 'tcp_keepalive', config: 'tcp-keepalive', type: 'int', default: '300', min: 0, max: 2147483647, mutable: true, help: 'TCP keepalive interval in seconds' },
  { flag: 'save', config: 'save', type: 'string', default: '', multiArg: true, mutable: true, help: 'snapshot schedule', later: 'snapshots come with the persistence issue' },
  { flag: 'list_max_listpack_size', config: 'list-max-listpack-size', configAliases: ['list-max-ziplist-size'], type: 'int', default: '-2', min: -2147483648, max: 2147483647, mutable: true, help: 'list listpack and quicklist node limit: > 0 entries, -1..-5 4/8/16/32/64 KB (Redis 7.2 conversions)' },
  { flag: 'list_compress_depth', config: 'list-compress-depth', type: 'int', default: '0', min: 0, max: 2147483647, mutable: true, help: 'list chunks at each end kept uncompressed', later: 'list chunks are never compressed' },
  { flag: 'appendonly', config: 'appendonly', type: 'bool', default: 'no', mutable: true, help: 'journal writes', later: 'the journal comes with the persistence issue' },
  { flag: 'hash_max_listpack_entries', config: 'hash-max-listpack-entries', configAliases: ['hash-max-ziplist-entries'], type: 'int', default: '512', min: 0, max: LONG_MAX, mutable: true, help: 'a hash with more fields is a hashtable' },
  { flag: 'hash_max_listpack_value', config: 'hash-max-listpack-value', configAliases: ['hash-max-ziplist-value'], type: 'bytes', default: '64', min: 0, mutable: true, help: 'a hash with a longer field or value is a hashtable' },
  { flag: 'set_max_intset_entries', config: 'set-max-intset-entries', type: 'int', default: '512', min: 0, max: LONG_MAX, mutable: true, help: 'an all-integer set with more members is not an intset' },
  { flag: 'set_max_listpack_entries', config: 'set-max-listpack-entries', type: 'int', default: '128', min: 0, max: LONG_MAX, mutable: true, help: 'a set with more members is a hashtable (Redis 7.2)' },
  { flag: 'set_max_listpack_value', config: 'set-max-listpack-value', type: 'bytes', default: '64', min: 0, mutable: true, help: 'a set with a longer member is a hashtable (Redis 7.2)' },
  { flag: 'zset_max_listpack_entries', config: 'zset-max-listpack-entries', configAliases: ['zset-max-ziplist-entries'], type: 'int', default: '128', min: 0, max: LONG_MAX, mutable: true, help: 'sorted sets with more members use the skiplist encoding' },
  { flag: 'zset_max_listpack_value', config: 'zset-max-listpack-value', configAliases: ['zset-max-ziplist-value'], type: 'bytes', default: '64', min: 0, mutable: true, help: 'sorted sets with a longer member use the skiplist encoding' },
  { flag: 'hll_sparse_max_bytes', config: 'hll-sparse-max-bytes', type: 'bytes', default: '3000', min: 0, mutable: true, help: 'a sparse HyperLogLog that would grow past this many bytes becomes dense' },
  { flag: 'stream_node_max_bytes', config: 'stream-node-max-bytes', type: 'bytes', default: '4096', min: 0, max: LONG_MAX, mutable: true, help: 'a stream node (listpack) takes no more entries once this big (0: no limit)' },
  { flag: 'stream_node_max_entries', config: 'stream-node-max-entries', type: 'int', default: '100', min: 0, max: LONG_MAX, mutable: true, help: 'a stream node takes at most this many entries, deleted ones included (0: no limit)' },
  // --- ops-logs ---
  { flag: 'loglevel', config: 'loglevel', type: 'enum', values: LOG_LEVEL_NAMES, default: 'notice', mutable: true, help: 'log verbosity: debug, verbose (connections, protocol errors), notice (start, stop, evictions), warning (faults and warnings only)' },
  { flag: 'logfile', config: 'logfile', type: 'string', default: '', mutable: false, help: 'append log lines to this file (empty: standard output)' },
  { flag: 'syslog_enabled', config: 'syslog-enabled', type: 'bool', default: 'no', mutable: false, help: 'log to syslog', later: 'syslog is not supported: lines go to logfile or standard output' },
  { flag: 'syslog_ident', config: 'syslog-ident', type: 'string', default: 'redis', mutable: false, help: 'syslog identity', later: 'syslog is not supported' },
  { flag: 'syslog_facility', config: 'syslog-facility', type: 'enum', values: ['user', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'], default: 'local0', mutable: false, help: 'syslog facility', later: 'syslog is not supported' },
  // --- ops-debug ---
  { flag: 'enable_debug_command', config: 'enable-debug-command', type: 'enum', values: ['no', 'yes', 'local'], default: 'no', mutable: false, help: 'allow the DEBUG command: no, yes, or local (loopback clients only), as Redis\'s enable-debug-command' },
  // --- ops-http ---
  { flag: 'http', aliases: ['primary_port_http_enabled'], type: 'bool', default: 'yes', mutable: false, help: 'serve HTTP (/metrics, /healthz, the status page) on the main port too: a connection whose first line is an HTTP/1.x request line speaks HTTP (--nohttp: RESP only)' },
  { flag: 'admin_port', type: 'int', default: '0', min: 0, max: 65535, mutable: false, help: 'a second port serving HTTP and RESP (0: none), e.g. for metrics scrapes when --nohttp' },
  // --- ops-config ---
  ...REDIS_PARAMS,
  // --- ops-latency ---
  { flag: 'slowlog_log_slower_than', config: 'slowlog-log-slower-than', type: 'int', default: '10000', min: -1, mutable: true, help: 'SLOWLOG records commands that take at least this many microseconds (-1: off, 0: every command)' },
  { flag: 'slowlog_max_len', config: 'slowlog-max-len', type: 'int', default: '128', min: 0, max: LONG_MAX, mutable: true, help: 'entries SLOWLOG keeps (the newest)' },
  { flag: 'latency_monitor_threshold', config: 'latency-monitor-threshold', type: 'int', default: '0', min: 0, mutable: true, help: 'LATENCY monitor: record events (command, fast-command, expire-cycle, eviction-cycle) that take at least this many milliseconds (0: off)' },
  { flag: 'latency_tracking', config: 'latency-tracking', type: 'bool', default: 'yes', mutable: true, help: 'keep a latency histogram per command (INFO latencystats, LATENCY HISTOGRAM)' },
  { flag: 'latency_tracking_info_percentiles', config: 'latency-tracking-info-percentiles', type: 'string', default: '50 99 99.9', parse: parsePercentileList, mutable: true, help: 'the percentiles INFO latencystats prints (space separated, 0..100)' },
];

const byFlag = new Map<string, Param>();
const byConfig = new Map<string, Param>();
for (const p of PARAMS) {
  byFlag.set(p.flag, p);
  for (const a of p.aliases ?? []) byFlag.set(a, p);
  if (p.config) byConfig.set(p.config, p);
  for (const a of p.configAliases ?? []) byConfig.set(a, p);
}

/** Every CONFIG name of a parameter: its own, then its aliases (each listed on its own by CONFIG GET). */
export function configNames(p: Param): string[] {
  if (p.config === undefined) return [];
  return p.configAliases === undefined ? [p.config] : [p.config, ...p.configAliases];
}

export function paramByFlag(name: string): Param | undefined {
  return byFlag.get(name) ?? byFlag.get(name.replace(/-/g, '_'));
}

export function paramByConfig(name: string): Param | undefined {
  return byConfig.get(name.toLowerCase());
}

export type ConfigValues = Record<string, string | number | boolean>;

/** setConfigBindOption: at most 16 addresses, one empty argument for none; kept as Redis shows it (joined by spaces). */
function parseBind(raw: string): { value: string } | { error: string } {
  const addrs = raw.split(' ');
  if (addrs.length > 16) return { error: 'Too many bind addresses specified.' };
  return { value: addrs.length === 1 && addrs[0] === '' ? '' : addrs.join(' ') };
}


/**
 * Parses a memory size the way Redis's memtoull does: digits, then an optional unit (case-insensitive;
 * k=1000, kb=1024, m, mb, g, gb), nothing else — no sign, no spaces; no digits at all is 0, digits past
 * ULLONG_MAX saturate and the product wraps at 2^64 as in C. null if invalid, or beyond 2^53 (a size a
 * double cannot hold: refused rather than rounded).
 */
export function parseBytes(s: string): number | null {
  const n = parseBytesExact(s);
  return n !== null && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : null;
}



/**
 * Validates and converts a textual value; returns the value or an error message (Redis wording). A
 * flag (or default) may say `auto` where the parameter allows it; CONFIG SET may not.
 */
export function parseValue(p: Param, raw: string, from: 'flag' | 'config' = 'flag'): { value: string | number | boolean } | { error: string } {
  const r = parseRaw(p, raw, from);
  if ('error' in r) return r;
  if (p.floor !== undefined && typeof r.value === 'number' && r.value < p.floor) return { value: p.floor };
  if (p.check === undefined) return r;
  const refused = p.check(r.value);
  return refused === null ? r : { error: refused };
}

function parseRaw(p: Param, raw: string, from: 'flag' | 'config'): { value: string | number | boolean } | { error: string } {
  switch (p.type) {
    case 'int': {
      if (p.octal === true) {
        // strtoll(value, 8) over the whole value.
        if (!/^[0-7]+$/.test(raw)) return { error: 'argument couldn\'t be parsed as an octal number' };
        const o = parseInt(raw, 8);
        if (o < (p.min ?? 0) || o > Number(p.max)) return { error: `argument must be between ${(p.min ?? 0).toString(8)} and ${Number(p.max).toString(8)} inclusive` };
        return { value: o };
      }
      // Redis string2ll: no sign, space or leading zero, within int64.
      const n = parseInt64(Buffer.from(raw, 'latin1'));
      if (n === null) return { error: 'argument couldn\'t be parsed into an integer' };
      if ((p.min !== undefined && n < BigInt(p.min)) || (p.max !== undefined && n > BigInt(p.max))) {
        // No max: Redis's LLONG_MAX (the value is kept as a double).
        return { error: `argument must be between ${p.min} and ${p.max ?? '9223372036854775807'} inclusive` };
      }
      // Past a double's integers the exact digits are kept (CONFIG GET shows them as Redis does; a
      // reader comparing with it gets the nearest double).
      return { value: n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER) ? String(n) : Number(n) };
    }
    case 'bytes': {
      if (p.auto === true && from === 'flag' && raw.toLowerCase() === 'auto') return { value: AUTO_BYTES };
      if (p.percent === true && raw.endsWith('%')) {
        const pct = parseInt64(Buffer.from(raw.slice(0, -1), 'latin1'));
        if (pct === null || pct < 0n) return { error: 'argument must be a memory or percent value' };
        if (pct > 100n) return { error: 'percentage argument must be less or equal to 100' };
        return { value: -Number(pct) };
      }
      const n = parseBytes(raw);
      if (n === null) return { error: p.percent === true ? 'argument must be a memory or percent value' : 'argument must be a memory value' };
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
      return { value: p.canonical?.[l] ?? l };
    }
    default:
      return p.parse !== undefined ? p.parse(raw) : { value: raw };
  }
}

/** How CONFIG GET prints a value. */
export function formatValue(p: Param, v: string | number | boolean): string {
  if (p.type === 'bool') return v ? 'yes' : 'no';
  if (p.percent === true && typeof v === 'number' && v < 0) return `${-v}%`;
  if (p.octal === true && typeof v === 'number') return v.toString(8);
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

/** --mesh_poll_us in ms, -1 resolved: spin only where the shard threads leave cores free. */
export function resolvePollWindowMs(cfg: ConfigValues, threads: number): number {
  const us = cfg.mesh_poll_us as number;
  if (us >= 0) return us / 1000;
  return availableParallelism() > threads ? 0.2 : 0;
}

/** --maxmemory resolved: `auto` is AUTO_MAXMEMORY_PERCENT of `machineBytes` (the machine's memory). */
export function resolveMaxmemory(cfg: ConfigValues, machineBytes: number): number {
  const v = cfg.maxmemory as number;
  return v === AUTO_BYTES ? Math.floor((machineBytes * AUTO_MAXMEMORY_PERCENT) / 100) : v;
}

/** A shard's share of a total memory limit (0: none; a limit never rounds down to none). */
export function shardShare(total: number, shards: number): number {
  return total === 0 ? 0 : Math.max(1, Math.floor(total / shards));
}

export function resolveThreads(cfg: ConfigValues): number {
  const n = cfg.proactor_threads as number;
  return n > 0 ? n : availableParallelism();
}

/** latency-tracking-info-percentiles: numbers in 0..100, printed as Redis prints them ("%f", trimmed). */
function parsePercentileList(raw: string): { value: string } | { error: string } {
  const out: string[] = [];
  for (const part of raw.split(' ')) {
    if (part === '') continue;
    const n = Number(part);
    if (!/^[\s]*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(part) || !Number.isFinite(n)) return { error: 'Invalid latency-tracking-info-percentiles parameters' };
    if (n > 100 || n < 0) return { error: 'latency-tracking-info-percentiles parameters should sit between [0.0,100.0]' };
    out.push(String(Number(n.toFixed(6))));
  }
  return { value: out.join(' ') };
}
