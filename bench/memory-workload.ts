// The pure parts of bench:memory: memtier-style keys and values and their SET/GET commands, a seeded
// PRNG, a Zipf sampler, the parser of V8's --trace-gc lines, per-second latency buckets, and count
// options like 1e7 or 10M.
// Invariants: no I/O, no clock (callers pass times); the same seed gives the same stream; key n is
// always `memtier-<n>` with a value of exactly `size` bytes that no other key shares.

import type { CommandBatch } from './resp-client.ts';

// ---------------------------------------------------------------- keys, values, commands

/** memtier_benchmark's key naming: `memtier-<n>` (9–16 bytes for n < 1e7). */
export function keyOf(n: number): string {
  return `memtier-${n}`;
}

/** The value of key n: its number, then '.' up to `size` bytes (distinct per key, so nothing can share them). */
export function valueOf(n: number, size: number): string {
  const head = `${n}:`;
  if (head.length > size) throw new RangeError(`value size ${size} too small for key number ${n}`);
  return head + '.'.repeat(size - head.length);
}

/** RESP for `SET memtier-<n> <value of n>` for n in [from, to), written straight into one buffer (the loaders' hot path). */
export function setBatch(from: number, to: number, size: number): Buffer {
  const buf = Buffer.allocUnsafe((to - from) * (64 + size)); // header + key <= 64 bytes for key numbers < 1e16 and sizes < 1e9
  let off = 0;
  for (let n = from; n < to; n++) {
    const k = keyOf(n);
    const head = `${n}:`;
    if (head.length > size) throw new RangeError(`value size ${size} too small for key number ${n}`);
    off += buf.write(`*3\r\n$3\r\nSET\r\n$${k.length}\r\n${k}\r\n$${size}\r\n${head}`, off, 'latin1');
    buf.fill(0x2e, off, off + size - head.length);
    off += size - head.length;
    buf[off++] = 13;
    buf[off++] = 10;
  }
  return buf.subarray(0, off);
}

/** RESP for `SET memtier-<n> <value of n>`. */
/** SETs of keys [from, to) in CommandBatches of `batch` (a loader connection's share). */
export function* setRange(from: number, to: number, size: number, batch: number): Iterable<CommandBatch> {
  for (let n = from; n < to; n += batch) yield { data: setBatch(n, Math.min(to, n + batch), size), commands: Math.min(to, n + batch) - n };
}

export function setCommand(n: number, size: number): Buffer {
  return setBatch(n, n + 1, size);
}

/** RESP for `GET memtier-<n>`. */
export function getCommand(n: number): Buffer {
  const k = keyOf(n);
  return Buffer.from(`*2\r\n$3\r\nGET\r\n$${k.length}\r\n${k}\r\n`, 'latin1');
}

/** How a RESP2 reply reads for the cache workload. */
export function replyKind(reply: Buffer): 'nil' | 'error' | 'value' {
  if (reply[0] === 0x2d) return 'error';
  // $-1 (RESP2 nil bulk) or *-1.
  if ((reply[0] === 0x24 || reply[0] === 0x2a) && reply[1] === 0x2d) return 'nil';
  return 'value';
}

// ---------------------------------------------------------------- random numbers

/** mulberry32: a small seeded PRNG, uniform in [0, 1) (src/util/prng.ts, shared with the tests). */
export { mulberry32 } from '../src/util/prng.ts';

/**
 * Zipf(s) over ranks 0..n-1: P(rank k) ∝ 1/(k+1)^s. The CDF is computed once (8 bytes per rank);
 * sample(u) maps a uniform u in [0, 1) to the first rank whose CDF exceeds it (binary search).
 */
export class ZipfSampler {
  readonly n: number;
  readonly s: number;
  private readonly cdf: Float64Array;

  constructor(n: number, s: number) {
    if (!(n >= 1) || !Number.isInteger(n)) throw new RangeError(`Zipf: n must be a positive integer, got ${n}`);
    this.n = n;
    this.s = s;
    this.cdf = new Float64Array(n);
    let sum = 0;
    for (let k = 0; k < n; k++) this.cdf[k] = sum += 1 / Math.pow(k + 1, s);
    for (let k = 0; k < n; k++) this.cdf[k] /= sum;
    this.cdf[n - 1] = 1;
  }

  /** Probability of rank k. */
  p(k: number): number {
    return this.cdf[k] - (k === 0 ? 0 : this.cdf[k - 1]);
  }

  sample(u: number): number {
    let lo = 0;
    let hi = this.n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cdf[mid] > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

// ---------------------------------------------------------------- --trace-gc

export interface GcEvent {
  /** V8 isolate address: one per thread (Damselfly's main thread and each shard worker). */
  isolate: string;
  /** Milliseconds since that isolate started. */
  atMs: number;
  /** Scavenge, Mark-Compact, Mark-Compact (reduce), Minor Mark-Sweep, ... */
  kind: string;
  /** The main-thread pause: the first figure of "X / Y ms". */
  pauseMs: number;
}

const GC_LINE = /^\[\d+:(0x[0-9a-f]+)\]\s+([\d.]+) ms: (.+?) [\d.]+ \([\d.]+\) -> [\d.]+ \([\d.]+\) MB, (?:.*?, )?([\d.]+) \/ [\d.]+ ms/;

/**
 * One line of node --trace-gc, e.g.
 * `[7049:0x122fb000]  367 ms: Mark-Compact 81.1 (204.1) -> 73.0 (203.0) MB, pooled: 0 MB, 36.61 / 0.00 ms  (+ ...`;
 * null for anything else (the server's own log lines, V8's other messages).
 */
export function parseGcLine(line: string): GcEvent | null {
  const m = GC_LINE.exec(line);
  if (m === null) return null;
  return { isolate: m[1], atMs: Number(m[2]), kind: m[3], pauseMs: Number(m[4]) };
}

export interface GcSummary {
  pauses: number;
  isolates: number;
  maxPauseMs: number;
  maxPauseKind: string | null;
  pausesOver10ms: number;
  totalPauseMs: number;
  byKind: Record<string, { pauses: number; maxPauseMs: number; totalPauseMs: number }>;
}

export function summarizeGc(events: GcEvent[]): GcSummary {
  const s: GcSummary = { pauses: 0, isolates: new Set(events.map((e) => e.isolate)).size, maxPauseMs: 0, maxPauseKind: null, pausesOver10ms: 0, totalPauseMs: 0, byKind: {} };
  for (const e of events) {
    s.pauses++;
    s.totalPauseMs += e.pauseMs;
    if (e.pauseMs > 10) s.pausesOver10ms++;
    if (e.pauseMs > s.maxPauseMs || s.maxPauseKind === null) {
      s.maxPauseMs = e.pauseMs;
      s.maxPauseKind = e.kind;
    }
    const k = (s.byKind[e.kind] ??= { pauses: 0, maxPauseMs: 0, totalPauseMs: 0 });
    k.pauses++;
    k.totalPauseMs += e.pauseMs;
    k.maxPauseMs = Math.max(k.maxPauseMs, e.pauseMs);
  }
  s.totalPauseMs = Math.round(s.totalPauseMs * 100) / 100;
  return s;
}

// ---------------------------------------------------------------- latency per second

export interface SecondBucket {
  /** Seconds since the recorder's start (the second a request completed in). */
  second: number;
  requests: number;
  maxMs: number;
  meanMs: number;
}

export interface LatencySummary {
  requests: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  /** The largest of the per-second maxima (= maxMs) and their median (a typical second's worst). */
  worstSecondMaxMs: number;
  medianSecondMaxMs: number;
  seconds: SecondBucket[];
}

/** Request latencies bucketed by the second they completed in (times in ms from any one clock). */
export class LatencyRecorder {
  private readonly startMs: number;
  private samples = new Float64Array(1024);
  private n = 0;
  private readonly buckets: { requests: number; max: number; sum: number }[] = [];

  constructor(startMs: number) {
    this.startMs = startMs;
  }

  add(doneAtMs: number, latencyMs: number): void {
    if (this.n === this.samples.length) {
      const grown = new Float64Array(this.samples.length * 2);
      grown.set(this.samples);
      this.samples = grown;
    }
    this.samples[this.n++] = latencyMs;
    const sec = Math.max(0, Math.floor((doneAtMs - this.startMs) / 1000));
    while (this.buckets.length <= sec) this.buckets.push({ requests: 0, max: 0, sum: 0 });
    const b = this.buckets[sec];
    b.requests++;
    b.sum += latencyMs;
    if (latencyMs > b.max) b.max = latencyMs;
  }

  summary(): LatencySummary {
    const sorted = this.samples.slice(0, this.n).sort();
    const at = (q: number): number => (this.n === 0 ? NaN : sorted[Math.min(this.n - 1, Math.floor(q * this.n))]);
    const r3 = (x: number): number => Math.round(x * 1000) / 1000;
    const seconds = this.buckets.map((b, second) => ({ second, requests: b.requests, maxMs: r3(b.max), meanMs: r3(b.requests ? b.sum / b.requests : 0) }));
    const maxima = seconds.filter((b) => b.requests > 0).map((b) => b.maxMs).sort((a, b) => a - b);
    return {
      requests: this.n,
      p50Ms: r3(at(0.5)),
      p99Ms: r3(at(0.99)),
      p999Ms: r3(at(0.999)),
      maxMs: r3(this.n === 0 ? NaN : sorted[this.n - 1]),
      worstSecondMaxMs: maxima.length ? maxima[maxima.length - 1] : NaN,
      medianSecondMaxMs: maxima.length ? maxima[maxima.length >> 1] : NaN,
      seconds,
    };
  }
}

// ---------------------------------------------------------------- options

/** A positive integer count: 1000000, 1_000_000, 1e6, 10M, 500k. */
export function parseCount(v: string): number | null {
  const m = /^([0-9][0-9_]*(?:\.[0-9]+)?(?:e[0-9]+)?)([kKmMgG]?)$/.exec(v.trim());
  if (m === null) return null;
  const mult = { '': 1, k: 1e3, m: 1e6, g: 1e9 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g'];
  const n = Number(m[1].replace(/_/g, '')) * mult;
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}
