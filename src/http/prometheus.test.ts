// prometheusText on a hand-made INFO snapshot: every family parses strictly, label values are
// escaped, commandstats/errorstats/keyspace/latencystats become redis_exporter's series.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { InfoSnapshot } from '../families/info.ts';
import { parsePrometheus, value } from '../../test/prometheus-text.ts';
import { prometheusText } from './prometheus.ts';

function snapshot(sections: Record<string, [string, string][]>): InfoSnapshot {
  return {
    sections: Object.entries(sections).map(([name, fields]) => ({ name, title: name, fields })),
    threads: [],
    totals: {} as InfoSnapshot['totals'],
  };
}

describe('prometheusText', () => {
  it('writes redis_exporter\'s series from INFO fields, escaping label values', () => {
    const text = prometheusText(
      snapshot({
        server: [['redis_version', '7.2.0'], ['os', 'Linux "x" \\ y'], ['uptime_in_seconds', '12'], ['tcp_port', '6379'], ['run_id', 'abc']],
        clients: [['connected_clients', '3']],
        memory: [['used_memory', '1000'], ['maxmemory', '0'], ['mem_fragmentation_ratio', '1.25']],
        stats: [['keyspace_hits', '5'], ['total_net_input_bytes', '99']],
        cpu: [['used_cpu_user', '1.500000']],
        commandstats: [['cmdstat_get', 'calls=21,usec=175,usec_per_call=8.33,rejected_calls=1,failed_calls=2'], ['cmdstat_config|get', 'calls=1,usec=8,usec_per_call=8.00,rejected_calls=0,failed_calls=0']],
        errorstats: [['errorstat_WRONGTYPE', 'count=4']],
        latencystats: [['latency_percentiles_usec_get', 'p50=1.003,p99=3.007,p99.9=4.015']],
        keyspace: [['db0', 'keys=7,expires=2,avg_ttl=1500'], ['db12', 'keys=1,expires=0,avg_ttl=0']],
      }),
      { maxclients: 10000, slowlogMaxLen: 128 },
    );
    const fams = parsePrometheus(text);
    assert.equal(value(fams, 'redis_instance_info', { os: 'Linux "x" \\ y', redis_version: '7.2.0', tcp_port: '6379' }), 1);
    assert.match(text, /os="Linux \\"x\\" \\\\ y"/);
    assert.equal(value(fams, 'redis_connected_clients'), 3);
    assert.equal(value(fams, 'redis_memory_used_bytes'), 1000);
    assert.equal(value(fams, 'redis_mem_fragmentation_ratio'), 1.25);
    assert.equal(value(fams, 'redis_keyspace_hits_total'), 5);
    assert.equal(value(fams, 'redis_net_input_bytes_total'), 99);
    assert.equal(value(fams, 'redis_cpu_user_seconds_total'), 1.5);
    assert.equal(value(fams, 'redis_config_maxclients'), 10000);
    assert.equal(value(fams, 'redis_commands_total', { cmd: 'get' }), 21);
    assert.equal(value(fams, 'redis_commands_total', { cmd: 'config|get' }), 1);
    assert.equal(value(fams, 'redis_commands_duration_seconds_total', { cmd: 'get' }), 175e-6);
    assert.equal(value(fams, 'redis_commands_rejected_calls_total', { cmd: 'get' }), 1);
    assert.equal(value(fams, 'redis_commands_failed_calls_total', { cmd: 'get' }), 2);
    assert.equal(value(fams, 'redis_errors_total', { err: 'WRONGTYPE' }), 4);
    assert.equal(value(fams, 'redis_db_keys', { db: 'db12' }), 1);
    assert.equal(value(fams, 'redis_db_keys_expiring', { db: 'db0' }), 2);
    assert.equal(value(fams, 'redis_db_avg_ttl_seconds', { db: 'db0' }), 1.5);
    assert.equal(fams.get('redis_latency_percentiles_usec')!.type, 'summary');
    assert.equal(value(fams, 'redis_latency_percentiles_usec', { cmd: 'get', quantile: '99.9' }), 4.015);
    assert.equal(value(fams, 'redis_latency_percentiles_usec_sum', { cmd: 'get' }), 175);
    assert.equal(value(fams, 'redis_latency_percentiles_usec_count', { cmd: 'get' }), 21);
    // No latencystats, no summary family.
    assert.ok(!parsePrometheus(prometheusText(snapshot({ server: [] }), { maxclients: 1, slowlogMaxLen: 128 })).has('redis_latency_percentiles_usec'));
  });
});
