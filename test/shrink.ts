// Delta debugging (Zeller's ddmin, complement steps) for fuzzers: reduces a failing list of units to
// a 1-minimal one — removing any single unit makes it pass — as long as the time budget allows.
// Invariants: the predicate is only ever given sublists of the input in their original order; the
// result always fails (it is the input itself when nothing smaller was found); the deadline is
// checked before every trial, so a slow predicate costs at most one trial past it.

export interface ShrinkResult<T> {
  units: T[];
  /** True when the result is 1-minimal; false when the deadline cut the search short. */
  complete: boolean;
  trials: number;
}

/**
 * Smallest failing sublist of `units` (which must fail) by ddmin: split into n chunks, drop a chunk
 * whenever the rest still fails (then n - 1 chunks), else double n, down to single units.
 * `cut`, when given, may shorten a failing list further (e.g. at its first failing unit) and
 * returns the failing list to keep.
 */
export async function ddmin<T>(
  units: T[],
  fails: (candidate: T[]) => Promise<boolean>,
  deadline: number,
  cut: (failing: T[]) => T[] = (x) => x,
): Promise<ShrinkResult<T>> {
  let cur = cut(units);
  let n = 2;
  let trials = 0;
  while (cur.length >= 2) {
    if (Date.now() > deadline) return { units: cur, complete: false, trials };
    const size = Math.ceil(cur.length / n);
    let reduced = false;
    for (let start = 0; start < cur.length; start += size) {
      if (Date.now() > deadline) return { units: cur, complete: false, trials };
      const candidate = [...cur.slice(0, start), ...cur.slice(start + size)];
      trials++;
      if (candidate.length > 0 && (await fails(candidate))) {
        cur = cut(candidate);
        n = Math.max(n - 1, 2);
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      if (n >= cur.length) break;
      n = Math.min(n * 2, cur.length);
    }
  }
  return { units: cur, complete: true, trials };
}
