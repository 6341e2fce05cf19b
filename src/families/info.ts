// INFO: the sections Redis prints, from this process's facts and every worker's counters (the stats
// operation snapshots one worker's; INFO sums them).
// Invariants: counters live per worker and are summed on demand; process-wide facts (run id, start
// time, memory) are the same on every worker because they derive from the process, not the thread.

import { createHash } from 'node:crypto';
import { machine, release, totalmem, type as osType } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { CommandImpl, ShardExec } from '../server/command-types.ts';
import { type Client } from '../server/client.ts';
import { allOk, defineOp } from '../server/shard-ops.ts';
import { json, none } from '../util/codec.ts';
import { CommandTable } from '../server/command-table.ts';
import { type ShardWorker } from '../server/shard-worker.ts';
import { REDIS_VERSION, VERSION } from '../version.ts';
import { MEM_ALLOCATOR, memoryReport, memorySnapshot, type MemorySnapshot } from './memory.ts';
import { orderedCommands } from './command-docs.ts';
import { histogramSnapshot, latencyStatsLines, type HistogramSnapshot } from './latency.ts';

/** Process start (ms since the epoch): performance.timeOrigin is the process's, in every thread. */
export const START_MS = performance.timeOrigin;
const RUN_ID = createHash('sha1').update(`damselfly-run:${process.pid}:${START_MS}`).digest('hex');
const REPL_ID = createHash('sha1').update(`damselfly-repl:${process.pid}:${START_MS}`).digest('hex');
const BUILD_ID = createHash('sha1').update(`damselfly-${VERSION}`).digest('hex').slice(0, 16);
/** The program that was started (main.ts; workers see their own module in argv). */
const EXECUTABLE = fileURLToPath(new URL('../main.ts', import.meta.url));

/** Microseconds since the epoch. */
export function nowUsec(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}

/** Counters that INFO adds up over the workers. */
const SUMMED = ['conns', 'rejected', 'cmds', 'netIn', 'netOut', 'opsRate', 'inRate', 'outRate', 'hits', 'misses', 'expired', 'evicted', 'cpuUser', 'cpuSys', 'trackingClients', 'trackingKeys', 'trackingItems', 'outputLimitClosed'] as const;
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
  /** BCAST prefixes registered on this shard (every shard has them all). */
  trackingPrefixes: number;
  /** This thread's active Pub/Sub names (channels, patterns, shard channels): INFO counts their union. */
  pubsub: [string[], string[], string[]];
  /** Per-command latency histograms (INFO latencystats). */
  lat: HistogramSnapshot;
}

/** Redis's INFO sections in output order; the default set leaves out commandstats and latencystats. */
const ALL_SECTIONS = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'modules', 'commandstats', 'errorstats', 'latencystats', 'cluster', 'keyspace'];
const DEFAULT_SECTIONS = ALL_SECTIONS.filter((s) => s !== 'commandstats' && s !== 'latencystats');
/** Sections that need every worker's counters. */
const AGGREGATED = new Set(['clients', 'memory', 'stats', 'cpu', 'commandstats', 'errorstats', 'latencystats', 'keyspace']);
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
  let trackingClients = 0;
  for (const conn of worker.clients.values()) {
    maxIn = Math.max(maxIn, conn.parser.buffered);
    maxOut = Math.max(maxOut, conn.outputBytes);
    if (conn.tracking !== null) trackingClients++;
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
    trackingClients,
    trackingKeys: worker.tracking.keys.size,
    trackingItems: worker.tracking.items,
    trackingPrefixes: worker.tracking.prefixes.size,
    cpuUser: cpu.user,
    cpuSys: cpu.system,
    outputLimitClosed: st.outputLimitDisconnections,
    pubsub: [[...worker.pubsub.channels.keys()], [...worker.pubsub.patterns.keys()], [...worker.pubsub.shardChannels.keys()]],
    lat: histogramSnapshot(x),
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
  trackingPrefixes: number;
  /** Distinct channels, patterns, shard channels over every thread. */
  pubsub: [number, number, number];
}

function sumSnapshots(table: CommandTable, snaps: WorkerSnapshot[]): Totals {
  const t: Totals = {
    ...(Object.fromEntries(SUMMED.map((k) => [k, 0])) as Summed),
    errors: new Map(), errorReplies: 0, cmd: new Map(), dbs: new Map(), maxIn: 0, maxOut: 0, trackingPrefixes: 0, pubsub: [0, 0, 0],
  };
  const names = [new Set<string>(), new Set<string>(), new Set<string>()];
  for (const s of snaps) for (let k = 0; k < 3; k++) for (const n of s.pubsub[k]) names[k].add(n);
  t.pubsub = [names[0].size, names[1].size, names[2].size];
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
    t.trackingPrefixes = Math.max(t.trackingPrefixes, s.trackingPrefixes);
  }
  return t;
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
        add('tracking_clients', t.trackingClients);
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
        add('pubsub_channels', t.pubsub[0]);
        add('pubsub_patterns', t.pubsub[1]);
        add('pubsubshard_channels', t.pubsub[2]);
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
        add('tracking_total_keys', t.trackingKeys);
        add('tracking_total_items', t.trackingItems);
        add('tracking_total_prefixes', t.trackingPrefixes);
        add('unexpected_error_replies', 0);
        add('total_error_replies', t.errorReplies);
        add('dump_payload_sanitizations', 0);
        add('io_threaded_reads_processed', 0);
        add('io_threaded_writes_processed', 0);
        // Redis 7.2's field (7.0 counts nothing): clients closed past client-output-buffer-limit.
        add('client_output_buffer_limit_disconnections', t.outputLimitClosed);
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
      case 'latencystats':
        if (worker.timing.tracking) lines.push(...latencyStatsLines(worker.table, snaps.map((s) => s.lat), worker.timing.percentiles));
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

export const commands: Record<string, CommandImpl> = {
  info: { conn: info },
};

export const ops = [STATS];
