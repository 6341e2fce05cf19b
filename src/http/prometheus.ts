// /metrics: the Prometheus text exposition format 0.0.4, with redis_exporter's metric names for what
// INFO reports (read from the fields of one INFO snapshot, as redis_exporter reads INFO) and
// damselfly_* series per shard thread (from the same snapshot's per-thread part).
// Invariants: each metric family is written once, `# HELP` then `# TYPE` then its samples; names match
// [a-zA-Z_:][a-zA-Z0-9_:]*; label values are escaped (\\, \", \n); counters end in _total.

import type { InfoSnapshot } from '../families/info.ts';
import type { WorkerSnapshot } from '../families/info-snapshot.ts';
import { infoFields, subFields, threadKeys } from '../families/metrics.ts';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Labels = Record<string, string>;

/** Accumulates the exposition text. */
class Exposition {
  private out: string[] = [];

  /** A family: HELP, TYPE, then its samples (a sample's third part: a suffix such as a summary's `_sum`). */
  family(name: string, type: 'gauge' | 'counter' | 'summary', help: string, samples: [Labels | null, number, string?][]): void {
    this.out.push(`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${name} ${type}`);
    for (const [labels, v, suffix] of samples) this.out.push(`${name}${suffix ?? ''}${labelText(labels)} ${valueText(v)}`);
  }

  one(name: string, type: 'gauge' | 'counter', help: string, v: number): void {
    this.family(name, type, help, [[null, v]]);
  }

  text(): string {
    return this.out.join('\n') + '\n';
  }
}

function labelText(labels: Labels | null): string {
  if (labels === null) return '';
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return `{${parts.join(',')}}`;
}

function valueText(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** INFO gauges (field → redis_exporter's name), as redis_exporter's metricMapGauges. */
const GAUGES: [string, string][] = [
  ['uptime_in_seconds', 'uptime_in_seconds'],
  ['process_id', 'process_id'],
  ['connected_clients', 'connected_clients'],
  ['blocked_clients', 'blocked_clients'],
  ['tracking_clients', 'tracking_clients'],
  ['client_recent_max_input_buffer', 'client_recent_max_input_buffer_bytes'],
  ['client_recent_max_output_buffer', 'client_recent_max_output_buffer_bytes'],
  ['allocator_active', 'allocator_active_bytes'],
  ['allocator_allocated', 'allocator_allocated_bytes'],
  ['allocator_resident', 'allocator_resident_bytes'],
  ['used_memory', 'memory_used_bytes'],
  ['used_memory_rss', 'memory_used_rss_bytes'],
  ['used_memory_peak', 'memory_used_peak_bytes'],
  ['used_memory_overhead', 'memory_used_overhead_bytes'],
  ['used_memory_startup', 'memory_used_startup_bytes'],
  ['used_memory_dataset', 'memory_used_dataset_bytes'],
  ['maxmemory', 'memory_max_bytes'],
  ['mem_fragmentation_ratio', 'mem_fragmentation_ratio'],
  ['mem_fragmentation_bytes', 'mem_fragmentation_bytes'],
  ['mem_clients_normal', 'mem_clients_normal'],
  ['loading', 'loading_dump_file'],
  ['rdb_changes_since_last_save', 'rdb_changes_since_last_save'],
  ['rdb_last_save_time', 'rdb_last_save_timestamp_seconds'],
  ['pubsub_channels', 'pubsub_channels'],
  ['pubsub_patterns', 'pubsub_patterns'],
  ['connected_slaves', 'connected_slaves'],
  ['master_repl_offset', 'master_repl_offset'],
];

/** INFO counters (field → name), as redis_exporter's metricMapCounters. */
const COUNTERS: [string, string][] = [
  ['total_connections_received', 'connections_received_total'],
  ['total_commands_processed', 'commands_processed_total'],
  ['rejected_connections', 'rejected_connections_total'],
  ['total_net_input_bytes', 'net_input_bytes_total'],
  ['total_net_output_bytes', 'net_output_bytes_total'],
  ['expired_keys', 'expired_keys_total'],
  ['evicted_keys', 'evicted_keys_total'],
  ['keyspace_hits', 'keyspace_hits_total'],
  ['keyspace_misses', 'keyspace_misses_total'],
  ['used_cpu_sys', 'cpu_sys_seconds_total'],
  ['used_cpu_user', 'cpu_user_seconds_total'],
];

/** The labels of redis_instance_info (redis_exporter's). */
const INSTANCE_LABELS = ['role', 'redis_version', 'redis_build_id', 'redis_mode', 'os', 'maxmemory_policy', 'tcp_port', 'run_id', 'process_id', 'master_replid'];

/** The /metrics body from one INFO snapshot (every section, and each thread's own). */
export function prometheusText(snapshot: InfoSnapshot, config: { maxclients: number; slowlogMaxLen: number }): string {
  const e = new Exposition();
  const info = infoFields(snapshot);
  const threads = snapshot.threads;
  const num = (field: string): number => Number(info.get(field) ?? 'NaN');
  e.one('redis_up', 'gauge', 'Information about the Redis instance', 1);
  const instance: Labels = {};
  for (const l of INSTANCE_LABELS) instance[l] = info.get(l) ?? '';
  e.family('redis_instance_info', 'gauge', 'Information about the Redis instance', [[instance, 1]]);
  e.one('redis_start_time_seconds', 'gauge', 'Start time of the Redis instance since unix epoch in seconds.', Math.floor(Date.now() / 1000) - num('uptime_in_seconds'));
  for (const [field, name] of GAUGES) if (info.has(field)) e.one(`redis_${name}`, 'gauge', `${name} metric`, num(field));
  for (const [field, name] of COUNTERS) if (info.has(field)) e.one(`redis_${name}`, 'counter', `${name} metric`, num(field));
  e.one('redis_config_maxclients', 'gauge', 'config_maxclients metric', config.maxclients);
  // redis_exporter's SLOWLOG LEN / GET 1 figures: every thread's log merged as SLOWLOG merges them
  // (at most slowlog-max-len entries; the newest by id).
  let slowLen = 0;
  let newest: [number, number, number] = [0, 0, 0];
  for (const t of threads) {
    slowLen += t.slow[0];
    if (t.slow[0] > 0 && t.slow[1] > newest[1]) newest = t.slow;
  }
  e.one('redis_slowlog_length', 'gauge', 'Total slowlog', Math.min(slowLen, config.slowlogMaxLen));
  e.one('redis_slowlog_last_id', 'gauge', 'Last id of slowlog', newest[1]);
  e.one('redis_last_slow_execution_duration_seconds', 'gauge', 'The amount of time needed for last slow execution, in seconds', newest[2] / 1e6);
  e.one('redis_config_maxmemory', 'gauge', 'config_maxmemory metric', num('maxmemory'));

  // Per command (INFO commandstats: cmdstat_<name>:calls=..,usec=..,..,rejected_calls=..,failed_calls=..).
  const calls: [Labels, number][] = [];
  const secs: [Labels, number][] = [];
  const rejected: [Labels, number][] = [];
  const failed: [Labels, number][] = [];
  const errors: [Labels, number][] = [];
  const dbKeys: [Labels, number][] = [];
  const dbExpiring: [Labels, number][] = [];
  const dbTtl: [Labels, number][] = [];
  const latency: [Labels, number, string?][] = [];
  for (const [k, v] of info) {
    if (k.startsWith('cmdstat_')) {
      const f = subFields(v);
      const l = { cmd: k.slice(8) };
      calls.push([l, Number(f.calls)]);
      secs.push([l, Number(f.usec) / 1e6]);
      rejected.push([l, Number(f.rejected_calls)]);
      failed.push([l, Number(f.failed_calls)]);
    } else if (k.startsWith('errorstat_')) {
      errors.push([{ err: k.slice(10) }, Number(subFields(v).count)]);
    } else if (k.startsWith('latency_percentiles_usec_')) {
      // redis_exporter's summary: quantile labels are INFO's percentiles as written (p50 → "50"),
      // _sum the command's total µs and _count its calls (from commandstats).
      const cmd = k.slice(25);
      for (const [p, us] of Object.entries(subFields(v))) latency.push([{ cmd, quantile: p.slice(1) }, Number(us)]);
      const stat = subFields(info.get(`cmdstat_${cmd}`) ?? '');
      latency.push([{ cmd }, Number(stat.usec ?? 0), '_sum'], [{ cmd }, Number(stat.calls ?? 0), '_count']);
    } else if (/^db\d+$/.test(k)) {
      const f = subFields(v);
      dbKeys.push([{ db: k }, Number(f.keys)]);
      dbExpiring.push([{ db: k }, Number(f.expires)]);
      dbTtl.push([{ db: k }, Number(f.avg_ttl) / 1000]);
    }
  }
  e.family('redis_commands_total', 'counter', 'Total number of calls per command', calls);
  e.family('redis_commands_duration_seconds_total', 'counter', 'Total amount of time in seconds spent per command', secs);
  e.family('redis_commands_rejected_calls_total', 'counter', 'Total number of errors prior command execution per command', rejected);
  e.family('redis_commands_failed_calls_total', 'counter', 'Total number of errors within command execution per command', failed);
  e.family('redis_errors_total', 'counter', 'Total number of errors per error type', errors);
  if (latency.length > 0) e.family('redis_latency_percentiles_usec', 'summary', 'A summary of latency percentile distribution per command', latency);
  e.family('redis_db_keys', 'gauge', 'Total number of keys by DB', dbKeys);
  e.family('redis_db_keys_expiring', 'gauge', 'Total number of expiring keys by DB', dbExpiring);
  e.family('redis_db_avg_ttl_seconds', 'gauge', 'Avg TTL in seconds', dbTtl);

  // Ours: one series per shard thread.
  const per = (f: (s: WorkerSnapshot) => number): [Labels, number][] => threads.map((s) => [{ thread: String(s.thread) }, f(s)]);
  e.family('damselfly_thread_keys', 'gauge', 'Keys in the shard thread, all databases', per(threadKeys));
  e.family('damselfly_thread_commands_processed_total', 'counter', 'Commands the thread ran for its clients and its peers', per((s) => s.cmds));
  e.family('damselfly_thread_ops_per_second', 'gauge', 'Commands per second (instantaneous, as INFO instantaneous_ops_per_sec)', per((s) => s.opsRate));
  e.family(
    'damselfly_thread_cpu_seconds_total',
    'counter',
    'CPU time of the shard thread',
    threads.flatMap((s): [Labels, number][] => [
      [{ thread: String(s.thread), mode: 'user' }, s.cpuUser / 1e6],
      [{ thread: String(s.thread), mode: 'system' }, s.cpuSys / 1e6],
    ]),
  );
  e.family('damselfly_thread_memory_used_bytes', 'gauge', 'Data bytes of the shard (keys, values, tables: what maxmemory limits)', per((s) => s.mem.used));
  e.family('damselfly_thread_heap_bytes', 'gauge', 'V8 heap in use by the thread, off-heap arenas included', per((s) => s.mem.allocated));
  e.family('damselfly_thread_connected_clients', 'gauge', 'Client connections served by the thread', per((s) => s.clients));
  e.family('damselfly_thread_net_input_bytes_total', 'counter', 'Bytes read from the thread\'s clients', per((s) => s.netIn));
  e.family('damselfly_thread_net_output_bytes_total', 'counter', 'Bytes written to the thread\'s clients', per((s) => s.netOut));
  e.family('damselfly_thread_mesh_requests_sent_total', 'counter', 'Requests the thread sent to other shard threads', per((s) => s.meshSent));
  e.family('damselfly_thread_mesh_requests_served_total', 'counter', 'Requests the thread served for other shard threads', per((s) => s.meshServed));
  return e.text();
}
