// Stream command generators for the type fuzzer (test/types-fuzz.test.ts): XADD with explicit IDs only
// (auto IDs depend on the clock), its trimming options, XRANGE/XREVRANGE, XLEN, XDEL, XTRIM, XSETID
// and non-blocking XREAD, over two keys per seed that streams mostly use (collisions with the other
// types happen through the shared alphabet). Each key's next ID is tracked per generator so most
// XADDs succeed; some go below the top on purpose. streamAudit lists what the final audit reads of
// each key (XINFO STREAM FULL included).
// Invariants: deterministic for a given Rand (no clock, no global state shared between generators).

import type { Rand } from '../harness.ts';

type Cmd = string[];
type Maker<G extends Rand> = [number, (g: G) => Cmd | Cmd[]];

const FIELDS = ['f', 'g', 'h', '1', ''];
const VALUES = ['v', '1', '-2', '', 'x y', '9223372036854775807'];

interface State {
  keys: string[];
  /** Next ms per key. */
  next: Map<string, number>;
}

const states = new WeakMap<Rand, State>();

/** The generators, weighted, for keys drawn from `keys` (the fuzzer's alphabet). */
export function streamMakers<G extends Rand>(keys: readonly string[]): Maker<G>[] {
  const st = (g: Rand): State => {
    let s = states.get(g);
    if (s === undefined) {
      s = { keys: g.shuffle([...keys]).slice(0, 2), next: new Map() };
      states.set(g, s);
    }
    return s;
  };
  const key = (g: Rand): string => (g.chance(0.85) ? g.pick(st(g).keys) : g.pick(keys));
  const id = (g: Rand, k: string): string => {
    const s = st(g);
    const ms = s.next.get(k) ?? 1;
    if (g.chance(0.08)) return `${Math.max(0, ms - g.int(1, 3))}-${g.int(0, 2)}`; // at or below the top
    s.next.set(k, ms + g.int(1, 2));
    if (g.chance(0.15)) return `${ms}-*`;
    return g.chance(0.2) ? String(ms) : `${ms}-${g.int(0, 3)}`;
  };
  const bound = (g: Rand, k: string): string => {
    const top = st(g).next.get(k) ?? 1;
    const x = g.r();
    if (x < 0.15) return g.pick(['-', '+']);
    if (x < 0.3) return `(${g.int(0, top)}-${g.int(0, 2)}`;
    if (x < 0.33) return g.pick(['x', '(+', '(-']);
    return g.chance(0.5) ? String(g.int(0, top)) : `${g.int(0, top)}-${g.int(0, 3)}`;
  };
  const trim = (g: Rand, k: string): string[] => {
    const approx = g.chance(0.3);
    const out = g.chance(0.6) ? ['MAXLEN'] : ['MINID'];
    if (approx) out.push('~');
    else if (g.chance(0.2)) out.push('=');
    out.push(out[0] === 'MAXLEN' ? String(g.int(0, 12)) : `${g.int(0, st(g).next.get(k) ?? 1)}`);
    if (approx && g.chance(0.3)) out.push('LIMIT', String(g.int(0, 5)));
    if (g.chance(0.02)) out.push('LIMIT', '1');
    return out;
  };
  const xadd = (g: Rand): Cmd => {
    const k = key(g);
    const c: Cmd = ['XADD', k];
    if (g.chance(0.1)) c.push('NOMKSTREAM');
    if (g.chance(0.2)) c.push(...trim(g, k));
    c.push(id(g, k));
    const n = g.chance(0.8) ? 1 : g.int(2, 3);
    const sameFields = g.chance(0.7);
    for (let i = 0; i < n; i++) c.push(sameFields ? FIELDS[i] : g.pick(FIELDS), g.pick(VALUES));
    if (g.chance(0.02)) c.push('odd');
    return c;
  };
  return [
    [4, xadd],
    [1, (g) => Array.from({ length: g.int(5, 30) }, () => xadd(g))],
    [1.5, (g) => { const k = key(g); const c = ['XRANGE', k, bound(g, k), bound(g, k)]; if (g.chance(0.4)) c.push('COUNT', String(g.int(-1, 5))); return c; }],
    [1, (g) => { const k = key(g); const c = ['XREVRANGE', k, bound(g, k), bound(g, k)]; if (g.chance(0.4)) c.push('COUNT', String(g.int(-1, 5))); return c; }],
    [0.8, (g) => ['XLEN', key(g)]],
    [0.6, (g) => ['XINFO', 'STREAM', key(g), ...(g.chance(0.5) ? ['FULL', 'COUNT', String(g.int(0, 3))] : [])]],
    [1, (g) => { const k = key(g); const top = st(g).next.get(k) ?? 1; return ['XDEL', k, ...Array.from({ length: g.int(1, 3) }, () => `${g.int(0, top)}-${g.int(0, 3)}`)]; }],
    [0.8, (g) => { const k = key(g); return ['XTRIM', k, ...trim(g, k)]; }],
    [0.3, (g) => { const k = key(g); const top = st(g).next.get(k) ?? 1; const c = ['XSETID', k, `${top + g.int(-1, 1)}-${g.int(0, 5)}`]; if (g.chance(0.3)) c.push('ENTRIESADDED', String(g.int(0, 50))); if (g.chance(0.3)) c.push('MAXDELETEDID', `${g.int(0, top)}-0`); if (g.chance(0.5)) st(g).next.set(k, top + 2); return c; }],
    [1, (g) => {
      const n = g.int(1, 3);
      const ks = Array.from({ length: n }, () => key(g));
      const c = ['XREAD'];
      if (g.chance(0.4)) c.push('COUNT', String(g.int(0, 4)));
      // No `+`: XREAD reads the last entry with it as Redis 7.4 does, which the 7.0.15 reference refuses
      // (src/families/streams-read-plus.test.ts covers it).
      return [...c, 'STREAMS', ...ks, ...ks.map((k) => (g.chance(0.2) ? '$' : bound(g, k).replace(/^\(/, '').replace(/^\+$/, '-')))];
    }],
  ];
}

/** What the fuzzer's final audit reads of key k. */
export function streamAudit(k: string): Cmd[] {
  return [['XLEN', k], ['XRANGE', k, '-', '+'], ['XINFO', 'STREAM', k, 'FULL', 'COUNT', '0']];
}
