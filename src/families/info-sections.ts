// INFO's sections: each one a list of [field, value] in Redis 7.0's order and format
// (genRedisInfoString), computed from this process's facts and the threads' summed counters.
// Invariants: every field Redis 7.0 prints for a standalone master without persistence, replicas,
// scripts or modules is present under its name, in its place, in its format (integers as integers,
// ratios and rates with 2 decimals, CPU as seconds.micros); a figure we do not have is what Redis
// prints for the same state. Our own fields come after Redis's in their section (documented in
// docs/operations.md); the Threads section is ours alone.

import { createHash } from 'node:crypto';
import { machine, release, totalmem, type as osType } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { ShardWorker } from '../server/shard-worker.ts';
import { REDIS_VERSION, VERSION } from '../version.ts';
import { orderedCommands } from './command-docs.ts';
import { MEM_ALLOCATOR, memoryReport } from './memory.ts';
import type { InfoTotals, WorkerSnapshot } from './info-snapshot.ts';
import { latencyStatsLines } from './latency.ts';

/** Process start (ms since the epoch): performance.timeOrigin is the process's, in every thread. */
export const START_MS = performance.timeOrigin;
const RUN_ID = createHash('sha1').update(`damselfly-run:${process.pid}:${START_MS}`).digest('hex');
/** master_replid (DEBUG CHANGE-REPL-ID gives every thread a new one). */
export const replicationIds = { id: createHash('sha1').update(`damselfly-repl:${process.pid}:${START_MS}`).digest('hex') };
const BUILD_ID = createHash('sha1').update(`damselfly-${VERSION}`).digest('hex').slice(0, 16);
/** The program that was started (main.ts; workers see their own module in argv). */
const EXECUTABLE = fileURLToPath(new URL('../main.ts', import.meta.url));

/** Microseconds since the epoch. */
export function nowUsec(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}

/** One INFO line: its field name and value as printed. */
export type InfoField = [string, string];

/** What a section is rendered from. */
export interface SectionInput {
  worker: ShardWorker;
  /** Every thread's snapshot (empty for sections that need none) and their sum. */
  snaps: WorkerSnapshot[];
  t: InfoTotals;
  now: number;
}

interface SectionDef {
  title: string;
  /** Whether it reads the threads' snapshots (then INFO gathers them first). */
  gathered: boolean;
  fields: (i: SectionInput) => InfoField[];
}

/** Redis bytesToHuman. */
export function human(n: number): string {
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
export function cpuSeconds(us: number): string {
  const s = Math.floor(us / 1e6);
  return `${s}.${String(Math.floor(us - s * 1e6)).padStart(6, '0')}`;
}

/** Lines from [name, value] pairs, values printed as given (numbers as integers or with their decimals). */
function lines(pairs: [string, string | number][]): InfoField[] {
  return pairs.map(([k, v]) => [k, String(v)]);
}

function server(i: SectionInput): InfoField[] {
  const cfg = i.worker.config;
  const uptime = Math.floor((i.now - START_MS) / 1000);
  return lines([
    ['redis_version', REDIS_VERSION],
    ['redis_git_sha1', '00000000'],
    ['redis_git_dirty', 0],
    ['redis_build_id', BUILD_ID],
    ['redis_mode', 'standalone'],
    ['os', `${osType()} ${release()} ${machine()}`],
    ['arch_bits', 64],
    // performance.now() is CLOCK_MONOTONIC through libuv, as Redis's POSIX clock.
    ['monotonic_clock', 'POSIX clock_gettime'],
    ['multiplexing_api', 'epoll'],
    ['atomicvar_api', 'c11-builtin'],
    // Redis prints 0.0.0 when it was not built by GCC.
    ['gcc_version', '0.0.0'],
    ['process_id', process.pid],
    ['process_supervised', 'no'],
    ['run_id', RUN_ID],
    ['tcp_port', cfg.port as number],
    ['server_time_usec', nowUsec()],
    ['uptime_in_seconds', uptime],
    ['uptime_in_days', Math.floor(uptime / 86400)],
    ['hz', cfg.hz as number],
    ['configured_hz', cfg.hz as number],
    ['lru_clock', Math.floor(i.now / 1000) & 0xffffff],
    ['executable', EXECUTABLE],
    ['config_file', ''],
    ['io_threads_active', 0],
    // Ours.
    ['server_name', 'damselfly'],
    ['damselfly_version', VERSION],
    ['thread_count', i.worker.n],
    ['shard_count', i.worker.n],
  ]);
}

function clients(i: SectionInput): InfoField[] {
  const w = i.worker;
  return lines([
    ['connected_clients', Atomics.load(w.shared.counts, 0)],
    ['cluster_connections', 0],
    ['maxclients', w.config.maxclients as number],
    ['client_recent_max_input_buffer', i.t.maxIn],
    ['client_recent_max_output_buffer', i.t.maxOut],
    ['blocked_clients', Atomics.load(w.shared.counts, 1)],
    ['tracking_clients', i.t.trackingClients],
    ['clients_in_timeout_table', i.t.timeoutClients],
  ]);
}

function memory(i: SectionInput): InfoField[] {
  const cfg = i.worker.config;
  const m = memoryReport(i.snaps.map((s) => s.mem), process.memoryUsage.rss());
  const maxmemory = cfg.maxmemory as number;
  const sys = totalmem();
  const perc = (n: number): string => `${n.toFixed(2)}%`;
  return lines([
    ['used_memory', m.total],
    ['used_memory_human', human(m.total)],
    ['used_memory_rss', m.rss],
    ['used_memory_rss_human', human(m.rss)],
    ['used_memory_peak', m.peak],
    ['used_memory_peak_human', human(m.peak)],
    ['used_memory_peak_perc', perc(m.peakPerc)],
    ['used_memory_overhead', m.overhead],
    ['used_memory_startup', m.startup],
    ['used_memory_dataset', m.dataset],
    ['used_memory_dataset_perc', perc(m.datasetPerc)],
    ['allocator_allocated', m.allocated],
    ['allocator_active', m.active],
    ['allocator_resident', m.resident],
    ['total_system_memory', sys],
    ['total_system_memory_human', human(sys)],
    // No scripting engine: Redis's figures for one with nothing loaded would be its empty VM's.
    ['used_memory_lua', 0],
    ['used_memory_vm_eval', 0],
    ['used_memory_lua_human', '0B'],
    ['used_memory_scripts_eval', 0],
    ['number_of_cached_scripts', 0],
    ['number_of_functions', 0],
    ['number_of_libraries', 0],
    ['used_memory_vm_functions', 0],
    ['used_memory_vm_total', 0],
    ['used_memory_vm_total_human', '0B'],
    ['used_memory_functions', 0],
    ['used_memory_scripts', 0],
    ['used_memory_scripts_human', '0B'],
    ['maxmemory', maxmemory],
    ['maxmemory_human', human(maxmemory)],
    ['maxmemory_policy', String(cfg.maxmemory_policy)],
    ['allocator_frag_ratio', m.allocFrag.toFixed(2)],
    ['allocator_frag_bytes', m.allocFragBytes],
    ['allocator_rss_ratio', m.allocRss.toFixed(2)],
    ['allocator_rss_bytes', m.allocRssBytes],
    ['rss_overhead_ratio', m.rssExtra.toFixed(2)],
    ['rss_overhead_bytes', m.rssExtraBytes],
    ['mem_fragmentation_ratio', m.frag.toFixed(2)],
    ['mem_fragmentation_bytes', m.fragBytes],
    ['mem_not_counted_for_evict', 0],
    ['mem_replication_backlog', 0],
    ['mem_total_replication_buffers', 0],
    ['mem_clients_slaves', 0],
    ['mem_clients_normal', m.clientsNormal],
    ['mem_cluster_links', 0],
    ['mem_aof_buffer', 0],
    ['mem_allocator', MEM_ALLOCATOR],
    ['active_defrag_running', 0],
    ['lazyfree_pending_objects', 0],
    ['lazyfreed_objects', 0],
    // Dragonfly's: whether the keyspace evicts like a cache (--cache_mode) or stores.
    ['cache_mode', cfg.cache_mode === true ? 'cache' : 'store'],
  ]);
}

/** A server that never saved nor loaded: Redis's values for that state (the persistence issue fills them). */
function persistence(): InfoField[] {
  return lines([
    ['loading', 0],
    ['async_loading', 0],
    ['current_cow_peak', 0],
    ['current_cow_size', 0],
    ['current_cow_size_age', 0],
    ['current_fork_perc', '0.00'],
    ['current_save_keys_processed', 0],
    ['current_save_keys_total', 0],
    ['rdb_changes_since_last_save', 0],
    ['rdb_bgsave_in_progress', 0],
    // Redis starts lastsave at its start time.
    ['rdb_last_save_time', Math.floor(START_MS / 1000)],
    ['rdb_last_bgsave_status', 'ok'],
    ['rdb_last_bgsave_time_sec', -1],
    ['rdb_current_bgsave_time_sec', -1],
    ['rdb_saves', 0],
    ['rdb_last_cow_size', 0],
    ['rdb_last_load_keys_expired', 0],
    ['rdb_last_load_keys_loaded', 0],
    ['aof_enabled', 0],
    ['aof_rewrite_in_progress', 0],
    ['aof_rewrite_scheduled', 0],
    ['aof_last_rewrite_time_sec', -1],
    ['aof_current_rewrite_time_sec', -1],
    ['aof_last_bgrewrite_status', 'ok'],
    ['aof_rewrites', 0],
    ['aof_rewrites_consecutive_failures', 0],
    ['aof_last_write_status', 'ok'],
    ['aof_last_cow_size', 0],
    ['module_fork_in_progress', 0],
    ['module_fork_last_cow_size', 0],
  ]);
}

function stats(i: SectionInput): InfoField[] {
  const t = i.t;
  // Redis prints (float)rate/1024 with %.2f.
  const kbps = (rate: number): string => Math.fround(rate / 1024).toFixed(2);
  return lines([
    ['total_connections_received', t.conns],
    ['total_commands_processed', t.cmds],
    ['instantaneous_ops_per_sec', t.opsRate],
    ['total_net_input_bytes', t.netIn],
    ['total_net_output_bytes', t.netOut],
    ['total_net_repl_input_bytes', 0],
    ['total_net_repl_output_bytes', 0],
    ['instantaneous_input_kbps', kbps(t.inRate)],
    ['instantaneous_output_kbps', kbps(t.outRate)],
    ['instantaneous_input_repl_kbps', '0.00'],
    ['instantaneous_output_repl_kbps', '0.00'],
    ['rejected_connections', t.rejected],
    ['sync_full', 0],
    ['sync_partial_ok', 0],
    ['sync_partial_err', 0],
    ['expired_keys', t.expired],
    // Each thread keeps Redis's running estimate: their mean.
    ['expired_stale_perc', (i.snaps.length ? (t.expiredStale * 100) / i.snaps.length : 0).toFixed(2)],
    ['expired_time_cap_reached_count', t.expireCapReached],
    ['expire_cycle_cpu_milliseconds', Math.floor(t.expireCycleUs / 1000)],
    ['evicted_keys', t.evicted],
    ['evicted_clients', t.evictedClients],
    // Milliseconds over maxmemory that eviction could not end at once: finished spells of every
    // shard plus the longest current one (Redis: total includes the current spell).
    ['total_eviction_exceeded_time', Math.floor(t.evictionExceededMs + t.evictionExceededNowMs)],
    ['current_eviction_exceeded_time', Math.floor(t.evictionExceededNowMs)],
    ['keyspace_hits', t.hits],
    ['keyspace_misses', t.misses],
    ['pubsub_channels', t.pubsub[0]],
    ['pubsub_patterns', t.pubsub[1]],
    ['pubsubshard_channels', t.pubsub[2]],
    ['latest_fork_usec', 0],
    ['total_forks', 0],
    ['migrate_cached_sockets', 0],
    ['slave_expires_tracked_keys', 0],
    ['active_defrag_hits', 0],
    ['active_defrag_misses', 0],
    ['active_defrag_key_hits', 0],
    ['active_defrag_key_misses', 0],
    ['total_active_defrag_time', 0],
    ['current_active_defrag_time', 0],
    ['tracking_total_keys', t.trackingKeys],
    ['tracking_total_items', t.trackingItems],
    ['tracking_total_prefixes', t.trackingPrefixes],
    ['unexpected_error_replies', 0],
    ['total_error_replies', t.errorReplies],
    ['dump_payload_sanitizations', 0],
    ['total_reads_processed', t.reads],
    ['total_writes_processed', t.writes],
    ['io_threaded_reads_processed', 0],
    ['io_threaded_writes_processed', 0],
    // Our replies go to one reused writer: no per-client reply buffer is resized.
    ['reply_buffer_shrinks', 0],
    ['reply_buffer_expands', 0],
    // Redis 7.2's field (7.0 counts nothing): clients closed past client-output-buffer-limit.
    ['client_output_buffer_limit_disconnections', t.outputLimitClosed],
  ]);
}

/** A master without replicas, its backlog never created (Redis creates it with the first replica). */
function replication(): InfoField[] {
  return lines([
    ['role', 'master'],
    ['connected_slaves', 0],
    ['master_failover_state', 'no-failover'],
    ['master_replid', replicationIds.id],
    ['master_replid2', '0000000000000000000000000000000000000000'],
    ['master_repl_offset', 0],
    ['second_repl_offset', -1],
    ['repl_backlog_active', 0],
    ['repl_backlog_size', 1048576],
    ['repl_backlog_first_byte_offset', 0],
    ['repl_backlog_histlen', 0],
  ]);
}

function cpu(i: SectionInput): InfoField[] {
  const c = process.cpuUsage();
  return lines([
    ['used_cpu_sys', cpuSeconds(c.system)],
    ['used_cpu_user', cpuSeconds(c.user)],
    ['used_cpu_sys_children', '0.000000'],
    ['used_cpu_user_children', '0.000000'],
    // Redis's main thread runs its commands: ours are the shard threads, summed.
    ['used_cpu_sys_main_thread', cpuSeconds(i.t.cpuSys)],
    ['used_cpu_user_main_thread', cpuSeconds(i.t.cpuUser)],
  ]);
}

/** Redis getSafeInfoString: a name printed in INFO has no '#', ':', CR or LF (each becomes '_'). */
function safeInfoName(s: string): string {
  return s.replace(/[#:\r\n]/g, '_');
}

function commandstats(i: SectionInput): InfoField[] {
  const out: InfoField[] = [];
  for (const cmd of orderedCommands(i.worker.table)) {
    const s = i.t.cmd.get(cmd.index);
    if (s === undefined) continue;
    const [calls, usec, rej, failed] = s;
    const us = Math.floor(usec);
    out.push([`cmdstat_${safeInfoName(cmd.name)}`, `calls=${calls},usec=${us},usec_per_call=${(calls ? us / calls : 0).toFixed(2)},rejected_calls=${rej},failed_calls=${failed}`]);
  }
  return out;
}

/** latency_percentiles_usec_<cmd> lines from every thread's histograms (with latency-tracking on). */
function latencystats(i: SectionInput): InfoField[] {
  if (!i.worker.timing.tracking) return [];
  return latencyStatsLines(i.worker.table, i.snaps.map((s) => s.lat), i.worker.timing.percentiles).map((line): InfoField => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon), line.slice(colon + 1)];
  });
}

function errorstats(i: SectionInput): InfoField[] {
  // Redis walks its rax of codes: byte order.
  const codes = [...i.t.errors.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return codes.map((code) => [`errorstat_${safeInfoName(code)}`, `count=${i.t.errors.get(code)}`]);
}

function keyspace(i: SectionInput): InfoField[] {
  const out: InfoField[] = [];
  for (const db of [...i.t.dbs.keys()].sort((a, b) => a - b)) {
    const [keys, expires, ttlWeighted] = i.t.dbs.get(db)!;
    out.push([`db${db}`, `keys=${keys},expires=${expires},avg_ttl=${expires ? Math.round(ttlWeighted / expires) : 0}`]);
  }
  return out;
}

/** Per shard thread (ours): one `threadN:` line each, as Redis prints one `dbN:` line per database. */
function threads(i: SectionInput): InfoField[] {
  return i.snaps.map((s) => [`thread${s.thread}`, threadLine(s)]);
}

function threadLine(s: WorkerSnapshot): string {
  let keys = 0;
  for (const [, k] of s.dbs) keys += k;
  return [
    `keys=${keys}`,
    `ops_per_sec=${s.opsRate}`,
    `commands=${s.cmds}`,
    `connected_clients=${s.clients}`,
    `used_cpu_sys=${cpuSeconds(s.cpuSys)}`,
    `used_cpu_user=${cpuSeconds(s.cpuUser)}`,
    `used_memory=${s.mem.used}`,
    `heap_allocated=${s.mem.allocated}`,
    `mesh_sent=${s.meshSent}`,
    `mesh_served=${s.meshServed}`,
  ].join(',');
}

const NONE = (): InfoField[] => [];

/**
 * Redis's sections in its output order, then ours. `modules` lists loaded modules (none);
 * `latencystats` comes from the per-command histograms (latency.ts).
 */
export const SECTIONS: Record<string, SectionDef> = {
  server: { title: 'Server', gathered: false, fields: server },
  clients: { title: 'Clients', gathered: true, fields: clients },
  memory: { title: 'Memory', gathered: true, fields: memory },
  persistence: { title: 'Persistence', gathered: false, fields: persistence },
  stats: { title: 'Stats', gathered: true, fields: stats },
  replication: { title: 'Replication', gathered: false, fields: replication },
  cpu: { title: 'CPU', gathered: true, fields: cpu },
  modules: { title: 'Modules', gathered: false, fields: NONE },
  commandstats: { title: 'Commandstats', gathered: true, fields: commandstats },
  errorstats: { title: 'Errorstats', gathered: true, fields: errorstats },
  latencystats: { title: 'Latencystats', gathered: true, fields: latencystats },
  cluster: { title: 'Cluster', gathered: false, fields: () => [['cluster_enabled', '0']] },
  keyspace: { title: 'Keyspace', gathered: true, fields: keyspace },
  threads: { title: 'Threads', gathered: true, fields: threads },
};
