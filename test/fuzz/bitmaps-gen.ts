// Bitmap commands for the seeded type fuzzer (test/types-fuzz.test.ts): SETBIT GETBIT BITCOUNT BITPOS
// BITOP BITFIELD BITFIELD_RO with every option, edge offsets and a few bad arguments, on the fuzzer's
// keys (so they meet lists, hashes, sets and strings set by SET/INCR, and the other types meet them).
// Invariants: every reply is deterministic (compared byte for byte); offsets stay below 2^16 bits so a
// sequence stays small; a fresh bitmap is made by a DEL + SETBIT unit (most keys hold collections).

/** What the generators need of the fuzzer's generator (its Gen satisfies it). */
export interface BitmapGen {
  key(): string;
  keys(n: number): string[];
  int(lo: number, hi: number): number;
  pick<T>(a: readonly T[]): T;
  chance(p: number): boolean;
}

type Cmd = string[];

function offset(g: BitmapGen): string {
  if (g.chance(0.04)) return g.pick(['-1', 'x', '4294967296', '']);
  return String(g.chance(0.7) ? g.int(0, 80) : g.int(0, 65535));
}

/** A start or end: bytes or bits, either sign, sometimes past the end. */
function bound(g: BitmapGen): string {
  if (g.chance(0.03)) return g.pick(['x', '1.5']);
  return String(g.chance(0.8) ? g.int(-12, 12) : g.int(-200, 200));
}

function unit(g: BitmapGen): string[] {
  const x = g.int(0, 9);
  return x < 4 ? [] : x < 7 ? ['BIT'] : x < 9 ? ['BYTE'] : [g.pick(['bit', 'byte', 'bits'])];
}

/** An integer type of BITFIELD, rarely an invalid one. */
function fieldType(g: BitmapGen): string {
  if (g.chance(0.03)) return g.pick(['u64', 'i65', 'i0', 'x8', 'I8']);
  return (g.chance(0.5) ? 'i' : 'u') + String(g.pick([1, 2, 3, 5, 8, 8, 13, 16, 31, 32, 33, 48, 63]));
}

function fieldOffset(g: BitmapGen): string {
  if (g.chance(0.2)) return `#${g.int(0, 12)}`;
  return offset(g);
}

function fieldValue(g: BitmapGen): string {
  if (g.chance(0.02)) return 'x';
  return g.pick(['0', '1', '-1', '7', '-8', '100', '127', '128', '255', '256', '-129', '65535', '1000000', '9223372036854775807', '-9223372036854775808']);
}

function bitfield(g: BitmapGen, ro: boolean): Cmd {
  const c: Cmd = [ro ? 'BITFIELD_RO' : 'BITFIELD', g.key()];
  const n = g.int(ro ? 1 : 0, 4);
  for (let i = 0; i < n; i++) {
    const x = g.int(0, 9);
    if (x < 4 || ro) c.push('GET', fieldType(g), fieldOffset(g));
    else if (x < 6) c.push('SET', fieldType(g), fieldOffset(g), fieldValue(g));
    else if (x < 8) c.push('INCRBY', fieldType(g), fieldOffset(g), fieldValue(g));
    else c.push('OVERFLOW', g.pick(['WRAP', 'SAT', 'FAIL', 'fail', 'BAD']));
  }
  if (ro && g.chance(0.1)) c.push('SET', 'u8', '0', '1');
  return c;
}

/** [weight, generator] pairs in the fuzzer's MAKERS format. */
export const BITMAP_MAKERS: [number, (g: BitmapGen) => Cmd | Cmd[]][] = [
  [2, (g) => {
    const k = g.key();
    return [['DEL', k], ['SETBIT', k, offset(g), '1']];
  }],
  [4, (g) => ['SETBIT', g.key(), offset(g), g.chance(0.03) ? g.pick(['2', '-1', 'x']) : g.pick(['0', '1'])]],
  [2, (g) => ['GETBIT', g.key(), offset(g)]],
  [2, (g) => (g.chance(0.3) ? ['BITCOUNT', g.key()] : ['BITCOUNT', g.key(), bound(g), bound(g), ...unit(g)])],
  [2, (g) => {
    const c = ['BITPOS', g.key(), g.chance(0.03) ? '2' : g.pick(['0', '1'])];
    const args = g.int(0, 3);
    if (args >= 1) c.push(bound(g));
    if (args >= 2) c.push(bound(g));
    if (args === 3) c.push(...unit(g));
    return c;
  }],
  [2.5, (g) => {
    const op = g.pick(['AND', 'OR', 'XOR', 'NOT', 'and', 'NAND']);
    const n = op === 'NOT' && g.chance(0.9) ? 1 : g.int(1, 3);
    return ['BITOP', op, g.key(), ...g.keys(n)];
  }],
  [2.5, (g) => bitfield(g, false)],
  [1, (g) => bitfield(g, true)],
];
