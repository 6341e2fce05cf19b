// Server commands: INFO, CONFIG *, COMMAND *, TIME, LASTSAVE, SHUTDOWN, FUNCTION FLUSH, SCRIPT FLUSH
// and CLUSTER KEYSLOT.
// Invariants: counters live per worker and are summed on demand (INFO asks every worker with the
// stats operation); CONFIG SET is validated whole on the client's thread before any worker applies
// it (config-apply), so it is all-or-nothing; COMMAND replies come only from the spec table and never
// show internal commands; process-wide facts (run id, start time, memory) are the same on every
// worker because they derive from the process, not the thread.

import { createHash } from 'node:crypto';
import { machine, release, totalmem, type as osType } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { CommandImpl, ShardExec } from '../server/command-types.ts';
import { type Client } from '../server/client.ts';
import { allOk, defineOp, replyAllOk } from '../server/shard-ops.ts';
import { json, none } from '../util/codec.ts';
import { CommandTable, FLAG_NO_MANDATORY_KEYS, type Command, type KeySpec } from '../server/command-table.ts';
import { clampHz, type ShardWorker } from '../server/shard-worker.ts';
import { PARAMS, configNames, formatValue, paramByConfig, parseValue, type Param } from '../config/params.ts';
import { globMatch } from '../engine/glob.ts';
import { keySlot } from '../runtime/slots.ts';
import { REDIS_VERSION, VERSION } from '../version.ts';
import { ERR_SYNTAX, isWord } from './family-util.ts';
import { helpReply } from './client-commands.ts';
import { MEM_ALLOCATOR, memoryReport, memorySnapshot, type MemorySnapshot } from './memory.ts';

/** Process start (ms since the epoch): performance.timeOrigin is the process's, in every thread. */
const START_MS = performance.timeOrigin;
const RUN_ID = createHash('sha1').update(`damselfly-run:${process.pid}:${START_MS}`).digest('hex');
const REPL_ID = createHash('sha1').update(`damselfly-repl:${process.pid}:${START_MS}`).digest('hex');
const BUILD_ID = createHash('sha1').update(`damselfly-${VERSION}`).digest('hex').slice(0, 16);
/** The program that was started (main.ts; workers see their own module in argv). */
const EXECUTABLE = fileURLToPath(new URL('../main.ts', import.meta.url));

/** Microseconds since the epoch. */
function nowUsec(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}

// ---------------------------------------------------------------------------------------------
// INFO

/** Counters that INFO adds up over the workers. */
const SUMMED = ['conns', 'rejected', 'cmds', 'netIn', 'netOut', 'opsRate', 'inRate', 'outRate', 'hits', 'misses', 'expired', 'evicted', 'cpuUser', 'cpuSys'] as const;
type Summed = Record<(typeof SUMMED)[number], number>;

/** One worker's counters, as the stats operation reports them. */
interface WorkerSnapshot extends Summed {
  /** [command index, calls, usec, rejected, failed] for commands with any activity. */
  cmd: [number, number, number, number, number][];
  err: [string, number][];
  /** [db, keys, expires, sampled average ttl in ms] for non-empty databases. */
  dbs: [number, number, number, number][];
  mem: MemorySnapshot;
  maxIn: number;
  maxOut: number;
}

/** Redis's INFO sections in output order; the default set leaves out commandstats and latencystats. */
const ALL_SECTIONS = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'modules', 'commandstats', 'errorstats', 'latencystats', 'cluster', 'keyspace'];
const DEFAULT_SECTIONS = ALL_SECTIONS.filter((s) => s !== 'commandstats' && s !== 'latencystats');
/** Sections that need every worker's counters. */
const AGGREGATED = new Set(['clients', 'memory', 'stats', 'cpu', 'commandstats', 'errorstats', 'keyspace']);
const TITLES: Record<string, string> = {
  server: 'Server', clients: 'Clients', memory: 'Memory', persistence: 'Persistence', stats: 'Stats', replication: 'Replication',
  cpu: 'CPU', modules: 'Modules', commandstats: 'Commandstats', errorstats: 'Errorstats', latencystats: 'Latencystats', cluster: 'Cluster', keyspace: 'Keyspace',
};

/** The sections an INFO call asks for (Redis genInfoSectionDict). */
function infoSections(args: Buffer[]): Set<string> {
  if (args.length === 1) return new Set(DEFAULT_SECTIONS);
  const out = new Set<string>();
  let all = false;
  for (let i = 1; i < args.length; i++) {
    const s = args[i].toString('latin1').toLowerCase();
    if (s === 'default') for (const d of DEFAULT_SECTIONS) out.add(d);
    else if (s === 'all' || s === 'everything') all = true;
    else out.add(s === 'module_list' ? 'modules' : s);
  }
  if (all) for (const d of ALL_SECTIONS) out.add(d);
  return out;
}

/** INFO [section [section ...]] */
function info(c: Client, args: Buffer[], w: ReplyWriter): void {
  const want = infoSections(args);
  let needsWorkers = false;
  for (const s of want) if (AGGREGATED.has(s)) needsWorkers = true;
  if (!needsWorkers) {
    w.verbatim(infoText(c.worker, want, []));
    return;
  }
  const worker = c.worker;
  c.coord.broadcastOp(
    STATS,
    null,
    (results, out) => {
      const snaps = allOk(results, out);
      if (snaps !== null) out.verbatim(infoText(worker, want, snaps));
    },
    w,
  );
}

/** This worker's counters (what INFO sums over the shard threads). */
function workerSnapshot(x: ShardExec): WorkerSnapshot {
  const worker = x.worker;
  const st = worker.stats;
  const cs = worker.cmdStats;
  const cmd: WorkerSnapshot['cmd'] = [];
  for (let i = 0; i < cs.calls.length; i++) {
    if (cs.calls[i] || cs.rejected[i] || cs.failed[i]) cmd.push([i, cs.calls[i], cs.usec[i], cs.rejected[i], cs.failed[i]]);
  }
  const now = Date.now();
  const dbs: WorkerSnapshot['dbs'] = [];
  let expired = 0;
  x.shard.dbs.forEach((db, i) => {
    expired += db.expiredCount;
    if (db.size === 0) return;
    dbs.push([i, db.size, db.expiresCount, db.averageTtl(now, 64)]);
  });
  let maxIn = 0;
  let maxOut = 0;
  for (const conn of worker.clients.values()) {
    maxIn = Math.max(maxIn, conn.parser.buffered);
    maxOut = Math.max(maxOut, conn.socket.writableLength);
  }
  const cpu = process.threadCpuUsage();
  const snap: WorkerSnapshot = {
    conns: st.connectionsReceived,
    rejected: st.rejectedConnections,
    cmds: st.commandsProcessed,
    netIn: st.netInputBytes,
    netOut: st.netOutputBytes,
    // Redis keeps these as integers per second.
    opsRate: Math.floor(worker.instant.rate(0)),
    inRate: Math.floor(worker.instant.rate(1)),
    outRate: Math.floor(worker.instant.rate(2)),
    hits: x.shard.stats.keyspaceHits,
    misses: x.shard.stats.keyspaceMisses,
    expired,
    evicted: x.shard.stats.evictedKeys,
    cmd,
    err: [...st.errors],
    dbs,
    mem: memorySnapshot(x),
    maxIn,
    maxOut,
    cpuUser: cpu.user,
    cpuSys: cpu.system,
  };
  return snap;
}

const STATS = defineOp('stats', none, json<WorkerSnapshot>(), (x) => workerSnapshot(x));

/** Redis bytesToHuman. */
function human(n: number): string {
  if (n < 1024) return `${n}B`;
  const units = ['K', 'M', 'G', 'T', 'P'];
  let d = n / 1024;
  for (const u of units) {
    if (d < 1024 || u === 'P') return `${d.toFixed(2)}${u}`;
    d /= 1024;
  }
  return `${n}B`;
}

/** "%ld.%06ld" of a duration in microseconds. */
function cpuSeconds(us: number): string {
  const s = Math.floor(us / 1e6);
  return `${s}.${String(Math.floor(us - s * 1e6)).padStart(6, '0')}`;
}

interface Totals extends Summed {
  errors: Map<string, number>;
  errorReplies: number;
  cmd: Map<number, [number, number, number, number]>;
  dbs: Map<number, [number, number, number]>;
  maxIn: number;
  maxOut: number;
}

function sumSnapshots(table: CommandTable, snaps: WorkerSnapshot[]): Totals {
  const t: Totals = {
    ...(Object.fromEntries(SUMMED.map((k) => [k, 0])) as Summed),
    errors: new Map(), errorReplies: 0, cmd: new Map(), dbs: new Map(), maxIn: 0, maxOut: 0,
  };
  for (const s of snaps) {
    for (const k of SUMMED) t[k] += s[k];
    for (const [code, n] of s.err) {
      t.errors.set(code, (t.errors.get(code) ?? 0) + n);
      t.errorReplies += n;
    }
    for (const [i, calls, usec, rej, failed] of s.cmd) {
      const cmd = table.all[i];
      const cur = t.cmd.get(i) ?? [0, 0, 0, 0];
      cur[0] += calls;
      cur[1] += usec;
      cur[2] += rej;
      cur[3] += failed;
      t.cmd.set(i, cur);
    }
    for (const [db, keys, expires, avg] of s.dbs) {
      const cur = t.dbs.get(db) ?? [0, 0, 0];
      cur[0] += keys;
      cur[1] += expires;
      cur[2] += avg * expires;
      t.dbs.set(db, cur);
    }
    t.maxIn = Math.max(t.maxIn, s.maxIn);
    t.maxOut = Math.max(t.maxOut, s.maxOut);
  }
  return t;
}

/** Commands in reporting order: each top-level command followed by its subcommands. */
function orderedCommands(table: CommandTable): Command[] {
  const out: Command[] = [];
  for (const c of table.visible()) {
    out.push(c);
    for (const s of c.subcommands.values()) out.push(s);
  }
  return out;
}

/** The INFO text for the wanted sections ("# Title" blocks separated by a blank line, CRLF lines). */
function infoText(worker: ShardWorker, want: Set<string>, snaps: WorkerSnapshot[]): string {
  const t = sumSnapshots(worker.table, snaps);
  const cfg = worker.config;
  const now = Date.now();
  const blocks: string[] = [];
  for (const name of ALL_SECTIONS) {
    if (!want.has(name)) continue;
    const lines: string[] = [];
    const add = (k: string, v: string | number): void => {
      lines.push(`${k}:${v}`);
    };
    switch (name) {
      case 'server': {
        const uptime = Math.floor((now - START_MS) / 1000);
        add('redis_version', REDIS_VERSION);
        add('redis_git_sha1', '00000000');
        add('redis_git_dirty', 0);
        add('redis_build_id', BUILD_ID);
        add('redis_mode', 'standalone');
        add('os', `${osType()} ${release()} ${machine()}`);
        add('arch_bits', 64);
        add('multiplexing_api', 'epoll');
        add('process_id', process.pid);
        add('process_supervised', 'no');
        add('run_id', RUN_ID);
        add('tcp_port', cfg.port as number);
        add('server_time_usec', nowUsec());
        add('uptime_in_seconds', uptime);
        add('uptime_in_days', Math.floor(uptime / 86400));
        add('hz', cfg.hz as number);
        add('configured_hz', cfg.hz as number);
        add('lru_clock', Math.floor(now / 1000) & 0xffffff);
        add('executable', EXECUTABLE);
        add('config_file', '');
        add('io_threads_active', 0);
        add('server_name', 'damselfly');
        add('damselfly_version', VERSION);
        add('thread_count', worker.n);
        add('shard_count', worker.n);
        break;
      }
      case 'clients':
        add('connected_clients', Atomics.load(worker.shared.counts, 0));
        add('cluster_connections', 0);
        add('maxclients', cfg.maxclients as number);
        add('client_recent_max_input_buffer', t.maxIn);
        add('client_recent_max_output_buffer', t.maxOut);
        add('blocked_clients', Atomics.load(worker.shared.counts, 1));
        add('tracking_clients', 0);
        add('clients_in_timeout_table', 0);
        break;
      case 'memory': {
        const m = memoryReport(snaps.map((s) => s.mem), process.memoryUsage.rss());
        const maxmemory = cfg.maxmemory as number;
        const sys = totalmem();
        const perc = (n: number): string => `${n.toFixed(2)}%`;
        add('used_memory', m.total);
        add('used_memory_human', human(m.total));
        add('used_memory_rss', m.rss);
        add('used_memory_rss_human', human(m.rss));
        add('used_memory_peak', m.peak);
        add('used_memory_peak_human', human(m.peak));
        add('used_memory_peak_perc', perc(m.peakPerc));
        add('used_memory_overhead', m.overhead);
        add('used_memory_startup', m.startup);
        add('used_memory_dataset', m.dataset);
        add('used_memory_dataset_perc', perc(m.datasetPerc));
        add('allocator_allocated', m.allocated);
        add('allocator_active', m.active);
        add('allocator_resident', m.resident);
        add('total_system_memory', sys);
        add('total_system_memory_human', human(sys));
        add('used_memory_lua', 0);
        add('used_memory_vm_eval', 0);
        add('used_memory_lua_human', '0B');
        add('used_memory_scripts_eval', 0);
        add('number_of_cached_scripts', 0);
        add('number_of_functions', 0);
        add('number_of_libraries', 0);
        add('used_memory_vm_functions', 0);
        add('used_memory_vm_total', 0);
        add('used_memory_vm_total_human', '0B');
        add('used_memory_functions', 0);
        add('used_memory_scripts', 0);
        add('used_memory_scripts_human', '0B');
        add('maxmemory', maxmemory);
        add('maxmemory_human', human(maxmemory));
        add('maxmemory_policy', String(cfg.maxmemory_policy));
        add('allocator_frag_ratio', m.allocFrag.toFixed(2));
        add('allocator_frag_bytes', m.allocFragBytes);
        add('allocator_rss_ratio', m.allocRss.toFixed(2));
        add('allocator_rss_bytes', m.allocRssBytes);
        add('rss_overhead_ratio', m.rssExtra.toFixed(2));
        add('rss_overhead_bytes', m.rssExtraBytes);
        add('mem_fragmentation_ratio', m.frag.toFixed(2));
        add('mem_fragmentation_bytes', m.fragBytes);
        add('mem_not_counted_for_evict', 0);
        add('mem_replication_backlog', 0);
        add('mem_total_replication_buffers', 0);
        add('mem_clients_slaves', 0);
        add('mem_clients_normal', m.clientsNormal);
        add('mem_cluster_links', 0);
        add('mem_aof_buffer', 0);
        add('mem_allocator', MEM_ALLOCATOR);
        add('active_defrag_running', 0);
        add('lazyfree_pending_objects', 0);
        add('lazyfreed_objects', 0);
        // Dragonfly's: whether the keyspace evicts like a cache (--cache_mode) or stores.
        add('cache_mode', cfg.cache_mode === true ? 'cache' : 'store');
        break;
      }
      case 'persistence': {
        const start = Math.floor(START_MS / 1000);
        add('loading', 0);
        add('async_loading', 0);
        add('current_cow_peak', 0);
        add('current_cow_size', 0);
        add('current_cow_size_age', 0);
        add('current_fork_perc', '0.00');
        add('current_save_keys_processed', 0);
        add('current_save_keys_total', 0);
        add('rdb_changes_since_last_save', 0);
        add('rdb_bgsave_in_progress', 0);
        add('rdb_last_save_time', start);
        add('rdb_last_bgsave_status', 'ok');
        add('rdb_last_bgsave_time_sec', -1);
        add('rdb_current_bgsave_time_sec', -1);
        add('rdb_saves', 0);
        add('rdb_last_cow_size', 0);
        add('rdb_last_load_keys_expired', 0);
        add('rdb_last_load_keys_loaded', 0);
        add('aof_enabled', 0);
        add('aof_rewrite_in_progress', 0);
        add('aof_rewrite_scheduled', 0);
        add('aof_last_rewrite_time_sec', -1);
        add('aof_current_rewrite_time_sec', -1);
        add('aof_last_bgrewrite_status', 'ok');
        add('aof_rewrites', 0);
        add('aof_rewrites_consecutive_failures', 0);
        add('aof_last_write_status', 'ok');
        add('aof_last_cow_size', 0);
        add('module_fork_in_progress', 0);
        add('module_fork_last_cow_size', 0);
        break;
      }
      case 'stats':
        add('total_connections_received', t.conns);
        add('total_commands_processed', t.cmds);
        add('instantaneous_ops_per_sec', t.opsRate);
        add('total_net_input_bytes', t.netIn);
        add('total_net_output_bytes', t.netOut);
        add('total_net_repl_input_bytes', 0);
        add('total_net_repl_output_bytes', 0);
        add('instantaneous_input_kbps', (t.inRate / 1024).toFixed(2));
        add('instantaneous_output_kbps', (t.outRate / 1024).toFixed(2));
        add('instantaneous_input_repl_kbps', '0.00');
        add('instantaneous_output_repl_kbps', '0.00');
        add('rejected_connections', t.rejected);
        add('sync_full', 0);
        add('sync_partial_ok', 0);
        add('sync_partial_err', 0);
        add('expired_keys', t.expired);
        add('expired_stale_perc', '0.00');
        add('expired_time_cap_reached_count', 0);
        add('expire_cycle_cpu_milliseconds', 0);
        add('evicted_keys', t.evicted);
        add('evicted_clients', 0);
        add('total_eviction_exceeded_time', 0);
        add('current_eviction_exceeded_time', 0);
        add('keyspace_hits', t.hits);
        add('keyspace_misses', t.misses);
        add('pubsub_channels', 0);
        add('pubsub_patterns', 0);
        add('pubsubshard_channels', 0);
        add('latest_fork_usec', 0);
        add('total_forks', 0);
        add('migrate_cached_sockets', 0);
        add('slave_expires_tracked_keys', 0);
        add('active_defrag_hits', 0);
        add('active_defrag_misses', 0);
        add('active_defrag_key_hits', 0);
        add('active_defrag_key_misses', 0);
        add('total_active_defrag_time', 0);
        add('current_active_defrag_time', 0);
        add('tracking_total_keys', 0);
        add('tracking_total_items', 0);
        add('tracking_total_prefixes', 0);
        add('unexpected_error_replies', 0);
        add('total_error_replies', t.errorReplies);
        add('dump_payload_sanitizations', 0);
        add('io_threaded_reads_processed', 0);
        add('io_threaded_writes_processed', 0);
        break;
      case 'replication':
        add('role', 'master');
        add('connected_slaves', 0);
        add('master_failover_state', 'no-failover');
        add('master_replid', REPL_ID);
        add('master_replid2', '0000000000000000000000000000000000000000');
        add('master_repl_offset', 0);
        add('second_repl_offset', -1);
        add('repl_backlog_active', 0);
        add('repl_backlog_size', 1048576);
        add('repl_backlog_first_byte_offset', 0);
        add('repl_backlog_histlen', 0);
        break;
      case 'cpu': {
        const cpu = process.cpuUsage();
        add('used_cpu_sys', cpuSeconds(cpu.system));
        add('used_cpu_user', cpuSeconds(cpu.user));
        add('used_cpu_sys_children', '0.000000');
        add('used_cpu_user_children', '0.000000');
        // Our "main thread" is the set of shard threads that run the commands.
        add('used_cpu_sys_main_thread', cpuSeconds(t.cpuSys));
        add('used_cpu_user_main_thread', cpuSeconds(t.cpuUser));
        break;
      }
      case 'commandstats':
        for (const cmd of orderedCommands(worker.table)) {
          const s = t.cmd.get(cmd.index);
          if (s === undefined) continue;
          const [calls, usec, rej, failed] = s;
          const us = Math.floor(usec);
          lines.push(`cmdstat_${cmd.name}:calls=${calls},usec=${us},usec_per_call=${(calls ? us / calls : 0).toFixed(2)},rejected_calls=${rej},failed_calls=${failed}`);
        }
        break;
      case 'errorstats':
        for (const code of [...t.errors.keys()].sort()) lines.push(`errorstat_${code}:count=${t.errors.get(code)}`);
        break;
      case 'cluster':
        add('cluster_enabled', 0);
        break;
      case 'keyspace':
        for (const db of [...t.dbs.keys()].sort((a, b) => a - b)) {
          const [keys, expires, ttlWeighted] = t.dbs.get(db)!;
          lines.push(`db${db}:keys=${keys},expires=${expires},avg_ttl=${expires ? Math.round(ttlWeighted / expires) : 0}`);
        }
        break;
      default:
        break;
    }
    blocks.push(`# ${TITLES[name]}\r\n` + lines.map((l) => l + '\r\n').join(''));
  }
  return blocks.join('\r\n');
}

// ---------------------------------------------------------------------------------------------
// CONFIG

/** How CONFIG GET shows a parameter's current value. */
function configValue(worker: ShardWorker, p: Param): string {
  const v = worker.config[p.flag];
  // Redis reports the working directory as an absolute path (it chdirs there at startup).
  if (p.config === 'dir') return resolve(String(v));
  return formatValue(p, v);
}

/** CONFIG GET parameter [parameter ...] */
function configGet(c: Client, args: Buffer[], w: ReplyWriter): void {
  const seen = new Set<string>();
  const out: [string, string][] = [];
  for (let i = 2; i < args.length; i++) {
    const pat = args[i].toString('latin1');
    if (!/[[*?]/.test(pat)) {
      // Exact name: reported as the client spelled it.
      const lower = pat.toLowerCase();
      if (seen.has(lower)) continue;
      const p = paramByConfig(pat);
      if (p !== undefined) {
        seen.add(lower);
        out.push([pat, configValue(c.worker, p)]);
      }
      continue;
    }
    for (const p of PARAMS) {
      // A pattern lists a setting under each of its names (aliases too), as Redis 7 does.
      for (const name of configNames(p)) {
        if (seen.has(name) || !globMatch(args[i], name, true)) continue;
        seen.add(name);
        out.push([name, configValue(c.worker, p)]);
      }
    }
  }
  w.map(out.length);
  for (const [k, v] of out) {
    w.bulk(k);
    w.bulk(v);
  }
}

/** Validates a CONFIG SET value the way Redis's config setters do. */
function parseConfigSet(p: Param, raw: string): { value: string | number | boolean } | { error: string } {
  if (p.type === 'bool') {
    // CONFIG SET takes only yes/no (flags also accept true/false/1/0).
    const l = raw.toLowerCase();
    if (l !== 'yes' && l !== 'no') return { error: "argument must be 'yes' or 'no'" };
    return { value: l === 'yes' };
  }
  if (p.config === 'save') {
    const parts = raw.split(' ').filter((s) => s !== '');
    if (parts.length % 2 === 1) return { error: 'Invalid save parameters' };
    for (let j = 0; j < parts.length; j++) {
      if (!/^[+-]?\d+$/.test(parts[j])) return { error: 'Invalid save parameters' };
      const n = Number(parts[j]);
      if ((j % 2 === 0 && n < 1) || (j % 2 === 1 && n < 0)) return { error: 'Invalid save parameters' };
    }
    return { value: parts.join(' ') };
  }
  return parseValue(p, raw, 'config');
}

/** CONFIG SET parameter value [parameter value ...] */
function configSet(c: Client, args: Buffer[], w: ReplyWriter): void {
  if (args.length % 2 === 1) return w.error(ERR_SYNTAX);
  const count = (args.length - 2) / 2;
  const chosen: Param[] = [];
  // The lower-case names given: an alias and its parameter's own name are not duplicates (Redis 7.0).
  const names: string[] = [];
  let invalid = false;
  let unknown: string | null = null;
  let errArg = '';
  let errStr = '';
  for (let i = 0; i < count; i++) {
    const name = args[2 + i * 2].toString('latin1');
    const p = paramByConfig(name);
    if (p === undefined) {
      if (!invalid) {
        unknown = name;
        invalid = true;
      }
      continue;
    }
    if (invalid) continue;
    if (p.protected || !p.mutable) {
      errStr = p.protected ? "can't set protected config" : "can't set immutable config";
      errArg = name;
      invalid = true;
      continue;
    }
    const lower = name.toLowerCase();
    if (names.includes(lower)) {
      errStr = 'duplicate parameter';
      errArg = name;
      invalid = true;
    }
    chosen[i] = p;
    names[i] = lower;
  }
  if (unknown !== null) return w.error(`ERR Unknown option or number of arguments for CONFIG SET - '${unknown}'`);
  if (invalid) return w.error(`ERR CONFIG SET failed (possibly related to argument '${errArg}') - ${errStr}`);
  const changes: [string, string | number | boolean][] = [];
  for (let i = 0; i < count; i++) {
    const p = chosen[i];
    const r = parseConfigSet(p, args[3 + i * 2].toString('latin1'));
    if ('error' in r) return w.error(`ERR CONFIG SET failed (possibly related to argument '${names[i]}') - ${r.error}`);
    changes.push([p.flag, r.value]);
  }
  c.coord.broadcastOp(CONFIG_APPLY, changes, replyAllOk, w);
}

type ConfigChanges = [string, string | number | boolean][];

/** Applies validated settings (CONFIG SET checked them whole) to this worker. */
const CONFIG_APPLY = defineOp('config-apply', json<ConfigChanges>(), none, (x, changes) => {
  const worker = x.worker;
  for (const [flag, value] of changes) {
    worker.config[flag] = value;
    switch (flag) {
      case 'hz':
        worker.config.hz = clampHz(value as number);
        x.shard.startExpiry(worker.config.hz);
        break;
      case 'maxmemory':
      case 'maxmemory_policy':
      case 'cache_mode':
      case 'maxmemory_samples':
      case 'lfu_log_factor':
      case 'lfu_decay_time':
        worker.applyMemoryConfig();
        break;
      case 'proto_max_bulk_len':
        x.shard.maxBulkLen = value as number;
        for (const conn of worker.clients.values()) conn.parser.limits.maxBulkLen = value as number;
        break;
      default:
        break;
    }
  }
  return null;
});

/** CONFIG RESETSTAT */
function configResetStat(c: Client, _args: Buffer[], w: ReplyWriter): void {
  c.coord.broadcastOp(RESET_STATS, null, replyAllOk, w);
}

/** Zeroes this worker's INFO counters. */
const RESET_STATS = defineOp('reset-stats', none, none, (x) => {
  x.worker.resetStats();
  return null;
});

/** CONFIG REWRITE */
function configRewrite(_c: Client, _args: Buffer[], w: ReplyWriter): void {
  w.error('ERR The server is running without a config file');
}

const CONFIG_HELP = [
  'CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'GET <pattern>',
  '    Return parameters matching the glob-like <pattern> and their values.',
  'SET <directive> <value>',
  '    Set the configuration <directive> to <value>.',
  'RESETSTAT',
  '    Reset statistics reported by the INFO command.',
  'REWRITE',
  '    Rewrite the configuration file.',
  'HELP',
  '    Prints this help.',
];

/** CONFIG HELP */
function configHelp(_c: Client, _args: Buffer[], w: ReplyWriter): void {
  helpReply(w, CONFIG_HELP);
}

// ---------------------------------------------------------------------------------------------
// COMMAND

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

// ---------------------------------------------------------------------------------------------
// Miscellaneous

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
    c.worker.log('Error trying to save the DB: persistence is not available yet, can\'t exit.');
    return w.error('ERR Errors trying to SHUTDOWN. Check logs.');
  }
  const mode = [nosave ? 'NOSAVE' : save ? 'SAVE' : '', now ? 'NOW' : '', force ? 'FORCE' : ''].filter((s) => s !== '').join(' ');
  // No reply: the server exits (the client sees the connection close).
  c.worker.requestShutdown(mode);
}

/** FUNCTION FLUSH [ASYNC | SYNC] */
function functionFlush(_c: Client, args: Buffer[], w: ReplyWriter): void {
  if (args.length > 3) {
    const sub = args[1].toString('latin1').slice(0, 128);
    return w.error(`ERR unknown subcommand or wrong number of arguments for '${sub}'. Try ${args[0].toString('latin1').toUpperCase()} HELP.`);
  }
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
  info: { conn: info },
  config: {},
  'config|get': { conn: configGet },
  'config|set': { conn: configSet },
  'config|resetstat': { conn: configResetStat },
  'config|rewrite': { conn: configRewrite },
  'config|help': { conn: configHelp },
  command: { conn: commandAll },
  'command|count': { conn: commandCount },
  'command|info': { conn: commandInfo },
  'command|docs': { conn: commandDocs },
  'command|list': { conn: commandList },
  'command|getkeys': { conn: commandGetKeys },
  'command|getkeysandflags': { conn: commandGetKeysAndFlags },
  'command|help': { conn: commandHelp },
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

export const ops = [STATS, CONFIG_APPLY, RESET_STATS];
