// Memory sizes as Redis writes them (memtoull): digits and an optional unit, k=1000, kb=1024, m, mb, g, gb.
// Invariants: the whole unsigned 64-bit result, exactly as C computes it (saturating digits, wrapping product).

const ULLONG_MAX = 18446744073709551615n;
const MEMORY_UNITS: Record<string, bigint> = { '': 1n, b: 1n, k: 1000n, kb: 1024n, m: 1000n ** 2n, mb: 1024n ** 2n, g: 1000n ** 3n, gb: 1024n ** 3n };

/** memtoull: digits, then an optional unit (any case); no digits is 0; null if anything else. */
export function parseBytesExact(s: string): bigint | null {
  const m = /^([0-9]*)([a-zA-Z]*)$/.exec(s);
  if (m === null || m[1].length >= 128) return null;
  const mul = MEMORY_UNITS[m[2].toLowerCase()];
  if (mul === undefined) return null;
  let val = m[1] === '' ? 0n : BigInt(m[1]);
  if (val > ULLONG_MAX) val = ULLONG_MAX;
  return (val * mul) & ULLONG_MAX;
}
