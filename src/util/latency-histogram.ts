// LatencyHistogram: Redis's per-command latency histogram (an HDR histogram over 1 ns .. 1 s with
// 2 significant digits: hdr_init(1, 1_000_000_000, 2)), as a fixed log-linear bucket array in one
// typed array, with the same bucket layout, percentile rule and log iterator as Redis's hdr_histogram.c
// so percentiles and LATENCY HISTOGRAM's buckets come out as Redis computes them.
// Invariants: `counts` has COUNTS_LEN cells, `total` is their sum; record() never allocates.

/** HDR layout for lowest 1, highest 1e9, 2 significant digits: 256 sub-buckets (half: 128), 23 buckets. */
const SUB_HALF_MAGNITUDE = 7;
const SUB_HALF = 1 << SUB_HALF_MAGNITUDE;
const SUB_COUNT = SUB_HALF * 2;
const SUB_MASK = SUB_COUNT - 1;
const BUCKETS = 23;
export const COUNTS_LEN = (BUCKETS + 1) * SUB_HALF;
export const HISTOGRAM_MIN_NS = 1;
export const HISTOGRAM_MAX_NS = 1_000_000_000;

/** Redis's get_bucket_index (values < 2^31: bit length of v | mask, less the sub-bucket magnitude). */
function bucketOf(v: number): number {
  return 24 - Math.clz32(v | SUB_MASK);
}

/** The cell a value counts in (Redis counts_index_for). */
function indexOf(v: number): number {
  const b = bucketOf(v);
  return ((b + 1) << SUB_HALF_MAGNITUDE) + ((v >>> b) - SUB_HALF);
}

/** The lowest value of a cell (Redis hdr_value_at_index). */
export function valueAtIndex(i: number): number {
  let b = (i >> SUB_HALF_MAGNITUDE) - 1;
  let sub = (i & (SUB_HALF - 1)) + SUB_HALF;
  if (b < 0) {
    sub -= SUB_HALF;
    b = 0;
  }
  return sub * 2 ** b;
}

/** Redis lowest_equivalent_value. */
function lowestEquivalent(v: number): number {
  const b = bucketOf(v);
  return Math.floor(v / 2 ** b) * 2 ** b;
}

/** Redis highest_equivalent_value: the last value that counts in the same cell as `v`. */
function highestEquivalent(v: number): number {
  const b = bucketOf(v);
  const sub = Math.floor(v / 2 ** b);
  const range = 2 ** (sub >= SUB_COUNT ? b + 1 : b);
  return lowestEquivalent(v) + range - 1;
}

export class LatencyHistogram {
  readonly counts = new Float64Array(COUNTS_LEN);
  total = 0;

  /** Counts `calls` durations of `ns` nanoseconds (clamped to 1 ns .. 1 s, as Redis's updateCommandLatencyHistogram). */
  record(ns: number, calls = 1): void {
    const v = ns < HISTOGRAM_MIN_NS ? HISTOGRAM_MIN_NS : ns > HISTOGRAM_MAX_NS ? HISTOGRAM_MAX_NS : ns | 0;
    this.counts[indexOf(v)] += calls;
    this.total += calls;
  }

  /** Adds `count` at cell `index` (merging another thread's histogram). */
  addAt(index: number, count: number): void {
    this.counts[index] += count;
    this.total += count;
  }

  /** The cells with counts, as [index, count, index, count, ...] (what crosses threads). */
  sparse(): number[] {
    const out: number[] = [];
    const c = this.counts;
    for (let i = 0; i < COUNTS_LEN; i++) if (c[i] !== 0) out.push(i, c[i]);
    return out;
  }

  /** Redis hdr_value_at_percentile (ns). */
  valueAtPercentile(p: number): number {
    const requested = p < 100 ? p : 100;
    const atCount = Math.max(1, Math.trunc((requested / 100) * this.total + 0.5));
    let sum = 0;
    let value = 0;
    for (let i = 0; i < COUNTS_LEN; i++) {
      sum += this.counts[i];
      if (sum >= atCount) {
        value = valueAtIndex(i);
        break;
      }
    }
    return p === 0 ? lowestEquivalent(value) : highestEquivalent(value);
  }

  /**
   * LATENCY HISTOGRAM's cumulative buckets (Redis fillCommandCDF over hdr_iter_log_init(1024, 2)):
   * [µs, cumulative count] for each power-of-two step from 1024 ns where the count grew.
   */
  cumulativeUsec(): [number, number][] {
    const out: [number, number][] = [];
    const counts = this.counts;
    let index = -1;
    let cumulative = 0;
    let value = 0;
    let highest = 0;
    let level = 1024;
    let levelLowest = lowestEquivalent(level);
    let previous = 0;
    for (;;) {
      // log_iter_next
      if (!(cumulative < this.total || (index < COUNTS_LEN && valueAtIndex(index + 1) > levelLowest))) break;
      for (;;) {
        if (value >= levelLowest) {
          level *= 2;
          levelLowest = lowestEquivalent(Math.min(level, 2 ** 30));
          break;
        }
        index++;
        if (index >= COUNTS_LEN) break;
        cumulative += counts[index];
        value = valueAtIndex(index);
        highest = highestEquivalent(value);
      }
      if (cumulative > previous) out.push([Math.floor(highest / 1000), cumulative]);
      previous = cumulative;
      if (index >= COUNTS_LEN && cumulative >= this.total) break;
    }
    return out;
  }
}
