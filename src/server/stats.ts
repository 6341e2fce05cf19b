// A worker thread's counters: what INFO stats/commandstats/errorstats sum over the threads, and the
// instantaneous rates Redis samples every 100 ms.
// Invariants: counters are per thread and only ever read by their own thread (INFO gathers snapshots).

import { getHeapStatistics } from 'node:v8';

export class WorkerStats {
  connectionsReceived = 0;
  rejectedConnections = 0;
  commandsProcessed = 0;
  netInputBytes = 0;
  netOutputBytes = 0;
  /** Socket reads handled and socket writes made (Redis total_reads_processed / total_writes_processed). */
  readsProcessed = 0;
  writesProcessed = 0;
  /** Bugs caught and contained (a handler, a merge, a mesh completion or a timer that threw). */
  internalErrors = 0;
  /** Clients closed for passing their client-output-buffer-limit. */
  outputLimitDisconnections = 0;
  readonly errors = new Map<string, number>();
}

export class CommandStats {
  calls: Float64Array;
  usec: Float64Array;
  rejected: Float64Array;
  failed: Float64Array;
  constructor(n: number) {
    this.calls = new Float64Array(n);
    this.usec = new Float64Array(n);
    this.rejected = new Float64Array(n);
    this.failed = new Float64Array(n);
  }
}

/**
 * Redis's instantaneous metrics: every 100 ms a sample of the rate of commands, input bytes and
 * output bytes since the previous sample; a metric is the mean of the last 16 samples.
 */
export class InstantMetrics {
  static readonly SAMPLES = 16;
  /** Rates per second: [ops, input bytes, output bytes] x SAMPLES. */
  readonly samples = new Float64Array(3 * InstantMetrics.SAMPLES);
  private idx = 0;
  private last = [0, 0, 0];
  private lastTime = 0;
  private timer: NodeJS.Timeout | null = null;

  start(read: () => [number, number, number]): void {
    this.stop();
    this.last = read();
    this.lastTime = performance.now();
    this.timer = setInterval(() => this.tick(read()), 100);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private tick(now3: [number, number, number]): void {
    const t = performance.now();
    const dt = t - this.lastTime;
    if (dt > 0) {
      const at = this.idx * 3;
      for (let i = 0; i < 3; i++) this.samples[at + i] = Math.max(0, now3[i] - this.last[i]) * 1000 / dt;
      this.idx = (this.idx + 1) % InstantMetrics.SAMPLES;
    }
    this.last = now3;
    this.lastTime = t;
  }

  /** Mean rate of metric i (0 ops, 1 input bytes, 2 output bytes) per second. */
  rate(i: number): number {
    let sum = 0;
    for (let j = 0; j < InstantMetrics.SAMPLES; j++) sum += this.samples[j * 3 + i];
    return sum / InstantMetrics.SAMPLES;
  }

  reset(): void {
    this.samples.fill(0);
    this.idx = 0;
  }
}

/** Redis accepts any hz and caps it to 1..500 (CONFIG_MIN_HZ, CONFIG_MAX_HZ). */
export function clampHz(hz: number): number {
  return Math.min(500, Math.max(1, hz));
}

/**
 * Redis afterErrorReply: the code errorstats counts an error reply under is its first word when a
 * space comes within the reply's first 32 bytes (its '-' included), else ERR. `from` is the '-'.
 */
export function errorCodeOf(buf: Buffer, from: number, limit: number): string {
  const end = Math.min(limit, from + 32);
  for (let i = from + 1; i < end; i++) {
    const b = buf[i];
    if (b === 0x20) return buf.toString('latin1', from + 1, i);
    if (b === 0x0d) break;
  }
  return 'ERR';
}

/** errorCodeOf for an error's text (without its '-'). */
export function errorCodeOfText(msg: string): string {
  const sp = msg.indexOf(' ');
  return sp >= 0 && sp < 31 ? msg.slice(0, sp) : 'ERR';
}

/** This thread's V8 heap in use plus the off-heap buffers V8 knows of (what allocator_allocated sums). */
export function heapInUse(): number {
  const h = getHeapStatistics();
  return h.used_heap_size + h.external_memory;
}

/**
 * Redis's client_recent_max_input_buffer / client_recent_max_output_buffer: once a second the
 * largest query buffer and output buffer among the clients go into that second's slot (of 8, the
 * next one cleared); the figures are the largest over the slots, so a peak shows for 8 seconds.
 */
export class RecentClientPeaks {
  static readonly SLOTS = 8;
  readonly input = new Float64Array(RecentClientPeaks.SLOTS);
  readonly output = new Float64Array(RecentClientPeaks.SLOTS);

  /** Records this second's largest buffers (Redis clientsCronTrackExpansiveClients). */
  sample(nowMs: number, maxInput: number, maxOutput: number): void {
    const slot = Math.floor(nowMs / 1000) % RecentClientPeaks.SLOTS;
    const zero = (slot + 1) % RecentClientPeaks.SLOTS;
    this.input[zero] = this.output[zero] = 0;
    if (maxInput > this.input[slot]) this.input[slot] = maxInput;
    if (maxOutput > this.output[slot]) this.output[slot] = maxOutput;
  }

  /** [largest input, largest output] over the recent seconds. */
  peaks(): [number, number] {
    let i = 0;
    let o = 0;
    for (let j = 0; j < RecentClientPeaks.SLOTS; j++) {
      i = Math.max(i, this.input[j]);
      o = Math.max(o, this.output[j]);
    }
    return [i, o];
  }
}
