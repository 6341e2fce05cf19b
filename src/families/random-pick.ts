// Random picks for HRANDFIELD, SRANDMEMBER and SPOP: uniform positions in a collection of known size.
// Invariants: distinctIndexes returns exactly `count` different positions in [0, size).

/** A uniformly random integer in [0, n). */
export function randomIndex(n: number): number {
  return Math.floor(Math.random() * n);
}

/** `count` distinct random positions in [0, size) (count <= size), in random order. */
export function distinctIndexes(size: number, count: number): number[] {
  if (count * 3 > size) {
    // Dense: a partial Fisher-Yates shuffle of all positions.
    const all = Array.from({ length: size }, (_, i) => i);
    for (let i = 0; i < count; i++) {
      const j = i + randomIndex(size - i);
      const t = all[i];
      all[i] = all[j];
      all[j] = t;
    }
    all.length = count;
    return all;
  }
  // Sparse: draw until enough different positions came up.
  const seen = new Set<number>();
  while (seen.size < count) seen.add(randomIndex(size));
  return [...seen];
}

/**
 * The most elements a random-pick reply may hold. Redis would try to build any size (a negative
 * count repeats elements without bound); Damselfly refuses beyond this rather than exhaust memory.
 */
export const MAX_RANDOM_REPLY = 100_000_000;
