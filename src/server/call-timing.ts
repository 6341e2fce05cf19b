// CallTiming: one worker thread's record of how long commands took — a latency histogram per command
// (INFO latencystats, LATENCY HISTOGRAM), the slow log (SLOWLOG) and the latency monitor's event
// series (LATENCY LATEST/HISTORY/GRAPH/DOCTOR). Every command is timed (shard-worker.ts's clock
// chain); this module decides what to keep. Threads keep their own and the commands merge them.
// Invariants: nothing here allocates for a command that is neither slow nor over the monitor's
// threshold, except a command's histogram on its first call; slow-log ids come from one process-wide
// counter (`ids`), so they are unique and increase in the order entries were made on any thread.

import { LatencyHistogram } from '../util/latency-histogram.ts';

/** Redis SLOWLOG_ENTRY_MAX_ARGC and SLOWLOG_ENTRY_MAX_STRING. */
export const SLOWLOG_MAX_ARGC = 32;
export const SLOWLOG_MAX_STRING = 128;
/** Redis LATENCY_TS_LEN: one sample per second per event, the last 160. */
export const LATENCY_TS_LEN = 160;

export interface SlowlogEntry {
  id: number;
  /** Unix time in seconds. */
  time: number;
  usec: number;
  args: Buffer[];
  addr: string;
  name: string;
}

/** One latency monitor event's samples (Redis struct latencyTimeSeries). */
export class LatencySeries {
  readonly times = new Float64Array(LATENCY_TS_LEN);
  readonly latencies = new Float64Array(LATENCY_TS_LEN);
  idx = 0;
  max = 0;

  /** Redis latencyAddSample: one sample per second, the worst of that second. */
  add(now: number, ms: number): void {
    if (ms > this.max) this.max = ms;
    const prev = (this.idx + LATENCY_TS_LEN - 1) % LATENCY_TS_LEN;
    if (this.times[prev] === now) {
      if (ms > this.latencies[prev]) this.latencies[prev] = ms;
      return;
    }
    this.times[this.idx] = now;
    this.latencies[this.idx] = ms;
    this.idx = (this.idx + 1) % LATENCY_TS_LEN;
  }

  /** The samples oldest first, as [unix seconds, ms]. */
  samples(): [number, number][] {
    const out: [number, number][] = [];
    for (let j = 0; j < LATENCY_TS_LEN; j++) {
      const i = (this.idx + j) % LATENCY_TS_LEN;
      if (this.times[i] !== 0) out.push([this.times[i], this.latencies[i]]);
    }
    return out;
  }
}

/** What a thread reports of its timing to the thread that answers SLOWLOG, LATENCY or INFO. */
export interface EventSnapshot {
  event: string;
  max: number;
  samples: [number, number][];
}

export class CallTiming {
  /** Per command index: its histogram, made on its first timed call (Redis allocates it then too). */
  histograms: (LatencyHistogram | undefined)[];
  /** latency-tracking: histograms are kept. */
  tracking = true;
  /** slowlog-log-slower-than in µs (-1: off, 0: every command). */
  slowerThan = 10_000;
  slowlogMaxLen = 128;
  /** This thread's slow log, oldest first, at most slowlogMaxLen. */
  slowlog: SlowlogEntry[] = [];
  /** latency-tracking-info-percentiles, as INFO latencystats prints them. */
  percentiles: number[] = [50, 99, 99.9];
  /** latency-monitor-threshold in ms (0: off). */
  monitorThreshold = 0;
  readonly events = new Map<string, LatencySeries>();
  /** [0]: the last slow-log id handed out, shared by every thread. */
  private readonly ids: BigInt64Array;

  constructor(commands: number, ids: BigInt64Array) {
    this.histograms = new Array(commands).fill(undefined);
    this.ids = ids;
  }

  /** True when some consumer needs every command's own duration (not only the sampled totals). */
  get needsEveryCall(): boolean {
    return this.tracking || this.slowerThan >= 0 || this.monitorThreshold > 0;
  }

  /** Counts one call of command `index` that took `ms` in its histogram. */
  recordHistogram(index: number, ms: number, calls = 1): void {
    let h = this.histograms[index];
    if (h === undefined) h = this.histograms[index] = new LatencyHistogram();
    h.record(ms * 1e6, calls);
  }

  /** Redis latencyAddSampleIfNeeded: `ms` is whole milliseconds as Redis counts them. */
  addLatencySample(event: string, ms: number): void {
    if (this.monitorThreshold === 0 || ms < this.monitorThreshold) return;
    let s = this.events.get(event);
    if (s === undefined) this.events.set(event, (s = new LatencySeries()));
    s.add(Math.floor(Date.now() / 1000), ms);
  }

  /** Redis slowlogPushEntryIfNeeded for a command that took `usec` (its arguments as logged). */
  pushSlow(args: Buffer[], redacted: readonly number[] | null, usec: number, addr: string, name: string): void {
    if (this.slowerThan < 0 || usec < this.slowerThan) return;
    const id = Number(Atomics.add(this.ids, 0, 1n));
    this.slowlog.push({ id, time: Math.floor(Date.now() / 1000), usec, args: slowlogArgs(args, redacted), addr, name });
    this.trimSlowlog();
  }

  trimSlowlog(): void {
    const over = this.slowlog.length - this.slowlogMaxLen;
    if (over > 0) this.slowlog.splice(0, over);
  }

  /** INFO's CONFIG RESETSTAT: the histograms go (Redis resetCommandTableStats). */
  resetHistograms(): void {
    this.histograms.fill(undefined);
  }

  eventSnapshots(): EventSnapshot[] {
    const out: EventSnapshot[] = [];
    for (const [event, s] of this.events) out.push({ event, max: s.max, samples: s.samples() });
    return out;
  }
}

const REDACTED = Buffer.from('(redacted)');

/** Redis slowlogCreateEntry's copy of the arguments: at most 32 (the last says how many more), each at most 128 bytes. */
export function slowlogArgs(args: Buffer[], redacted: readonly number[] | null): Buffer[] {
  const argc = args.length;
  const n = Math.min(argc, SLOWLOG_MAX_ARGC);
  const out: Buffer[] = new Array(n);
  for (let j = 0; j < n; j++) {
    if (n !== argc && j === n - 1) out[j] = Buffer.from(`... (${argc - n + 1} more arguments)`);
    else if (redacted !== null && redacted.includes(j)) out[j] = REDACTED;
    else if (args[j].length > SLOWLOG_MAX_STRING) {
      out[j] = Buffer.concat([args[j].subarray(0, SLOWLOG_MAX_STRING), Buffer.from(`... (${args[j].length - SLOWLOG_MAX_STRING} more bytes)`)]);
    } else out[j] = Buffer.from(args[j]);
  }
  return out;
}

/** latency-tracking-info-percentiles' value (validated by its parameter): the percentiles, space separated. */
export function parsePercentiles(value: string): number[] {
  return value.split(' ').filter((p) => p !== '').map(Number);
}
