// HyperLogLog command generators for the seeded type fuzzer (test/types-fuzz.test.ts): PFADD of a
// few elements from a small pool (so some add nothing) or of a few hundred new ones (so keys go dense
// at the default hll-sparse-max-bytes), PFCOUNT of one key (the cache written back) or several,
// PFMERGE over keys on one or several shards, GET of the bytes, PFDEBUG (not GETREG: 16384 integers a reply), and hand-made HYLL values
// (valid, corrupted, truncated) for the commands to meet. Every reply is deterministic: compared byte
// for byte.

/** What the generators need of the fuzzer's generator. */
export interface HllFuzzGen {
  int(lo: number, hi: number): number;
  pick<T>(a: readonly T[]): T;
  chance(p: number): boolean;
  key(): string;
  keys(n: number): string[];
}

type Cmd = string[];

const POOL = ['a', 'b', 'c', 'foo', 'bar', '', '1', '2', '10', 'x y', '\x00z', 'hll', 'e1', 'e2', 'e3'];

const HEADER = 'HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80';
/** Sparse values: empty (valid), a valid one with registers set, 16383 and 16385 registers (corrupted), header only. */
const VALUES = [
  HEADER + '\x7f\xff',
  HEADER + '\x40\x10\x8c\x7f\xee',
  HEADER + '\x7f\xfe',
  HEADER + '\x7f\xff\x00',
  HEADER,
  'HYLL\x00\0\0\0\0\0\0\0\0\0\0\0' + '\x11'.repeat(100),
  'HYLL\x01\0\0\0\x05\0\0\0\0\0\0\0\x7f\xff',
];

function elements(g: HllFuzzGen): string[] {
  if (g.chance(0.05)) {
    const from = g.int(0, 1_000_000);
    return Array.from({ length: g.int(200, 400) }, (_, i) => `n${from + i}`);
  }
  return Array.from({ length: g.int(0, 4) }, () => g.pick(POOL));
}

export const HLL_MAKERS: [number, (g: HllFuzzGen) => Cmd | Cmd[]][] = [
  [3, (g) => ['PFADD', g.key(), ...elements(g)]],
  [1.5, (g) => ['PFCOUNT', g.key()]],
  [1, (g) => ['PFCOUNT', ...g.keys(g.int(2, 4))]],
  [1.5, (g) => ['PFMERGE', ...g.keys(g.int(1, 4))]],
  [0.5, (g) => ['PFDEBUG', g.pick(['ENCODING', 'DECODE', 'TODENSE', 'ENCODING', 'nope']), g.key()]],
  [1, (g) => [['PFCOUNT', g.key()], ['GET', g.key()]]],
  [0.5, (g) => ['SET', g.key(), g.pick(VALUES)]],
];
