// LATENCY LATEST | HISTORY | RESET | GRAPH | DOCTOR | HISTOGRAM | HELP, and INFO latencystats: the
// latency monitor's event series and the per-command histograms, kept per thread (call-timing.ts)
// and merged here — an event's samples by second (the worst of each second), its all-time high as the
// highest of the threads'; a command's histogram as the sum of the threads' cells.
// Invariants: replies have Redis's shapes (latency.c); the operations hand over copies.

import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { CommandImpl, ShardExec } from '../server/command-types.ts';
import type { Client } from '../server/client.ts';
import { LATENCY_TS_LEN, type EventSnapshot } from '../server/call-timing.ts';
import type { Command, CommandTable } from '../server/command-table.ts';
import { allOk, defineOp } from '../server/shard-ops.ts';
import { json, list, latin1, none, nullable } from '../util/codec.ts';
import { LatencyHistogram } from '../util/latency-histogram.ts';
import { renderSparkline, type SparkSample } from '../util/sparkline.ts';
import { helpReply } from './client-commands.ts';
import { orderedCommands } from './command-docs.ts';

// --- events ----------------------------------------------------------------------------------------

const LATENCY_EVENTS = defineOp('latency-events', none, json<EventSnapshot[]>(), (x) => x.worker.timing.eventSnapshots());

/** Drops the named events (null: all) on this thread; returns the names it had. */
const LATENCY_RESET = defineOp('latency-reset', nullable(list(latin1)), list(latin1), (x, names) => {
  const events = x.worker.timing.events;
  const gone: string[] = [];
  for (const name of [...events.keys()]) {
    if (names === null || names.some((n) => n.toLowerCase() === name.toLowerCase())) {
      events.delete(name);
      gone.push(name);
    }
  }
  return gone;
});

/** The threads' series of each event as one (first-seen order of the events). */
function mergeEvents(perThread: EventSnapshot[][]): EventSnapshot[] {
  const byName = new Map<string, { max: number; bySecond: Map<number, number> }>();
  for (const snaps of perThread) {
    for (const s of snaps) {
      let m = byName.get(s.event);
      if (m === undefined) byName.set(s.event, (m = { max: 0, bySecond: new Map() }));
      if (s.max > m.max) m.max = s.max;
      for (const [t, ms] of s.samples) if (ms > (m.bySecond.get(t) ?? -1)) m.bySecond.set(t, ms);
    }
  }
  const out: EventSnapshot[] = [];
  for (const [event, m] of byName) {
    const samples = [...m.bySecond].sort((a, b) => a[0] - b[0]).slice(-LATENCY_TS_LEN);
    out.push({ event, max: m.max, samples });
  }
  return out;
}

/** Runs `reply` with every thread's events merged. */
function withEvents(c: Client, w: ReplyWriter, reply: (events: EventSnapshot[], out: ReplyWriter) => void): void {
  c.coord.broadcastOp(LATENCY_EVENTS, null, (results, out) => {
    const lists = allOk(results, out);
    if (lists !== null) reply(mergeEvents(lists), out);
  }, w);
}

/** LATENCY LATEST */
function latencyLatest(c: Client, _args: Buffer[], w: ReplyWriter): void {
  withEvents(c, w, (events, out) => {
    out.array(events.length);
    for (const e of events) {
      const [time, ms] = e.samples[e.samples.length - 1] ?? [0, 0];
      out.array(4);
      out.bulk(e.event);
      out.integer(time);
      out.integer(ms);
      out.integer(e.max);
    }
  });
}

/** LATENCY HISTORY event */
function latencyHistory(c: Client, args: Buffer[], w: ReplyWriter): void {
  const name = args[2].toString('latin1');
  withEvents(c, w, (events, out) => {
    const e = events.find((x) => x.event === name);
    const samples = e?.samples ?? [];
    out.array(samples.length);
    for (const [time, ms] of samples) {
      out.array(2);
      out.integer(time);
      out.integer(ms);
    }
  });
}

/** LATENCY RESET [event ...] */
function latencyReset(c: Client, args: Buffer[], w: ReplyWriter): void {
  const names = args.length === 2 ? null : args.slice(2).map((a) => a.toString('latin1'));
  c.coord.broadcastOp(LATENCY_RESET, names, (results, out) => {
    const lists = allOk(results, out);
    if (lists !== null) out.integer(new Set(lists.flat()).size);
  }, w);
}

/** Redis's label of a sample: how long ago, in s, m, h or d. */
function agoLabel(elapsed: number): string {
  if (elapsed < 60) return `${elapsed}s`;
  if (elapsed < 3600) return `${Math.floor(elapsed / 60)}m`;
  if (elapsed < 3600 * 24) return `${Math.floor(elapsed / 3600)}h`;
  return `${Math.floor(elapsed / (3600 * 24))}d`;
}

const GRAPH_COLS = 80;

/** Redis latencyCommandGenSparkeline. */
export function latencyGraph(e: EventSnapshot, nowSec: number): string {
  const samples: SparkSample[] = e.samples.map(([t, ms]) => ({ value: ms, label: agoLabel(nowSec - t) }));
  let min = 0;
  let max = 0;
  samples.forEach((s, i) => {
    if (i === 0 || s.value > max) max = s.value;
    if (i === 0 || s.value < min) min = s.value;
  });
  return `${e.event} - high ${max} ms, low ${min} ms (all time high ${e.max} ms)\n` + '-'.repeat(GRAPH_COLS) + '\n' + renderSparkline(samples, GRAPH_COLS, 4);
}

/** LATENCY GRAPH event */
function latencyGraphCommand(c: Client, args: Buffer[], w: ReplyWriter): void {
  const name = args[2].toString('latin1');
  withEvents(c, w, (events, out) => {
    const e = events.find((x) => x.event === name);
    if (e === undefined) return out.error(`ERR No samples available for event '${name}'`);
    out.verbatim(latencyGraph(e, Math.floor(Date.now() / 1000)));
  });
}

/** LATENCY DOCTOR */
function latencyDoctor(c: Client, _args: Buffer[], w: ReplyWriter): void {
  const cfg = c.worker.config;
  withEvents(c, w, (events, out) => {
    out.verbatim(latencyReport(events, {
      threshold: cfg.latency_monitor_threshold as number,
      slowerThan: cfg.slowlog_log_slower_than as number,
      hz: cfg.hz as number,
      nowSec: Math.floor(Date.now() / 1000),
    }));
  });
}

interface ReportSettings {
  threshold: number;
  slowerThan: number;
  hz: number;
  nowSec: number;
}

/**
 * Redis createLatencyReport, for the events we have: one line per event with its statistics, then
 * the advice those events call for (or "Dave, no latency spike was observed ...").
 */
export function latencyReport(events: EventSnapshot[], s: ReportSettings): string {
  if (events.length === 0 && s.threshold === 0) {
    return 'I\'m sorry, Dave, I can\'t do that. Latency monitoring is disabled in this Redis instance. You may use "CONFIG SET latency-monitor-threshold <milliseconds>." in order to enable it. If we weren\'t in a deep space mission I\'d suggest to take a look at https://redis.io/topics/latency-monitor.\n';
  }
  let report = '';
  const advise = new Set<string>();
  events.forEach((e, i) => {
    if (i === 0) report += 'Dave, I have observed latency spikes in this Redis instance. You don\'t mind talking about it, do you Dave?\n\n';
    const n = e.samples.length;
    const avg = n === 0 ? 0 : Math.floor(e.samples.reduce((a, [, ms]) => a + ms, 0) / n);
    const mad = n === 0 ? 0 : Math.floor(e.samples.reduce((a, [, ms]) => a + Math.abs(avg - ms), 0) / n);
    const oldest = n === 0 ? 0 : Math.min(...e.samples.map(([t]) => t));
    const period = n === 0 ? 0 : Math.max(1, s.nowSec - oldest);
    report += `${i + 1}. ${e.event}: ${n} latency spikes (average ${avg}ms, mean deviation ${mad}ms, period ${(period / n).toFixed(2)} sec). Worst all time event ${e.max}ms.`;
    switch (e.event) {
      case 'command':
        if (s.slowerThan < 0) advise.add('slowlog-enabled');
        else if (Math.floor(s.slowerThan / 1000) > s.threshold) advise.add('slowlog-tuning');
        advise.add('slowlog-inspect');
        advise.add('large-objects');
        break;
      case 'fast-command':
        advise.add('scheduler');
        break;
      case 'expire-cycle':
        advise.add('hz');
        advise.add('large-objects');
        break;
      case 'eviction-del':
        advise.add('large-objects');
        break;
      case 'eviction-cycle':
        advise.add('mass-eviction');
        break;
    }
    report += '\n';
  });
  if (events.length === 0 && advise.size === 0) {
    return report + 'Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n';
  }
  if (advise.size === 0) {
    return report + '\nWhile there are latency events logged, I\'m not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.\n';
  }
  report += '\nI have a few advices for you:\n\n';
  if (advise.has('slowlog-enabled')) report += `- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than ${s.threshold * 1000}'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n`;
  if (advise.has('slowlog-tuning')) report += `- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than ${s.threshold * 1000}'.\n`;
  if (advise.has('slowlog-inspect')) report += '- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n';
  if (advise.has('scheduler')) {
    report += '- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n'
      + '  1) Lower the system load.\n'
      + '  2) Use a computer / VM just for Redis if you are running other software in the same system.\n'
      + '  3) Check if you have a "noisy neighbour" problem.\n'
      + '  4) Check with \'redis-cli --intrinsic-latency 100\' what is the intrinsic latency in your system.\n';
  }
  if (advise.has('hz') && s.hz < 100) report += '- In order to make the Redis keys expiring process more incremental, try to set the \'hz\' configuration parameter to 100 using \'CONFIG SET hz 100\'.\n';
  if (advise.has('large-objects')) report += '- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n';
  if (advise.has('mass-eviction')) report += '- Sudden changes to the \'maxmemory\' setting via \'CONFIG SET\', or allocation of large objects via sets or sorted sets intersections, STORE option of SORT, may create sudden memory pressure forcing the server to block trying to evict keys. \n';
  return report;
}

// --- histograms ------------------------------------------------------------------------------------

/** One thread's histograms: [command index, [cell, count, cell, count, ...]] for the commands with any. */
export type HistogramSnapshot = [number, number[]][];

export function histogramSnapshot(x: ShardExec): HistogramSnapshot {
  const out: HistogramSnapshot = [];
  const hs = x.worker.timing.histograms;
  for (let i = 0; i < hs.length; i++) {
    const h = hs[i];
    if (h !== undefined && h.total > 0) out.push([i, h.sparse()]);
  }
  return out;
}

const LATENCY_HISTOGRAMS = defineOp('latency-histograms', none, json<HistogramSnapshot>(), (x) => histogramSnapshot(x));

/** The threads' histograms summed, by command index. */
export function mergeHistograms(perThread: HistogramSnapshot[]): Map<number, LatencyHistogram> {
  const out = new Map<number, LatencyHistogram>();
  for (const snap of perThread) {
    for (const [index, cells] of snap) {
      let h = out.get(index);
      if (h === undefined) out.set(index, (h = new LatencyHistogram()));
      for (let k = 0; k < cells.length; k += 2) h.addAt(cells[k], cells[k + 1]);
    }
  }
  return out;
}

/** Redis fillCommandCDF. */
function writeCdf(h: LatencyHistogram, out: ReplyWriter): void {
  out.map(2);
  out.bulk('calls');
  out.integer(h.total);
  out.bulk('histogram_usec');
  const buckets = h.cumulativeUsec();
  out.map(buckets.length);
  for (const [usec, count] of buckets) {
    out.integer(usec);
    out.integer(count);
  }
}

/** LATENCY HISTOGRAM [command ...] */
function latencyHistogram(c: Client, args: Buffer[], w: ReplyWriter): void {
  const table = c.worker.table;
  c.coord.broadcastOp(LATENCY_HISTOGRAMS, null, (results, out) => {
    const snaps = allOk(results, out);
    if (snaps === null) return;
    const merged = mergeHistograms(snaps);
    const chosen: Command[] = [];
    if (args.length === 2) {
      for (const cmd of orderedCommands(table)) if (merged.has(cmd.index)) chosen.push(cmd);
    } else {
      for (let i = 2; i < args.length; i++) {
        const cmd = table.byName.get(args[i].toString('latin1').toLowerCase());
        if (cmd !== undefined && merged.has(cmd.index)) chosen.push(cmd);
      }
    }
    out.map(chosen.length);
    for (const cmd of chosen) {
      out.bulk(cmd.name);
      writeCdf(merged.get(cmd.index)!, out);
    }
  }, w);
}

/** Redis "%f" then trimDoubleString: 50 -> "50", 99.9 -> "99.9". */
function percentileName(p: number): string {
  return String(Number(p.toFixed(6)));
}

/** INFO latencystats' lines (Redis fillPercentileDistributionLatencies per command with data). */
export function latencyStatsLines(table: CommandTable, perThread: HistogramSnapshot[], percentiles: number[]): string[] {
  const merged = mergeHistograms(perThread);
  const lines: string[] = [];
  for (const cmd of orderedCommands(table)) {
    const h = merged.get(cmd.index);
    if (h === undefined) continue;
    const parts = percentiles.map((p) => `p${percentileName(p)}=${(h.valueAtPercentile(p) / 1000).toFixed(3)}`);
    lines.push(`latency_percentiles_usec_${cmd.name}:${parts.join(',')}`);
  }
  return lines;
}

const LATENCY_HELP = [
  'LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'DOCTOR',
  '    Return a human readable latency analysis report.',
  'GRAPH <event>',
  '    Return an ASCII latency graph for the <event> class.',
  'HISTORY <event>',
  '    Return time-latency samples for the <event> class.',
  'LATEST',
  '    Return the latest latency samples for all events.',
  'RESET [<event> ...]',
  '    Reset latency data of one or more <event> classes.',
  '    (default: reset all data for all event classes)',
  'HISTOGRAM [COMMAND ...]',
  '    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.',
  '    If no commands are specified then all histograms are replied.',
  'HELP',
  '    Prints this help.',
];

export const commands: Record<string, CommandImpl> = {
  latency: {},
  'latency|latest': { conn: latencyLatest },
  'latency|history': { conn: latencyHistory },
  'latency|reset': { conn: latencyReset },
  'latency|graph': { conn: latencyGraphCommand },
  'latency|doctor': { conn: latencyDoctor },
  'latency|histogram': { conn: latencyHistogram },
  'latency|help': { conn: (_c, _a, w) => helpReply(w, LATENCY_HELP) },
};

export const ops = [LATENCY_EVENTS, LATENCY_RESET, LATENCY_HISTOGRAMS];
