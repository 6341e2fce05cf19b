// Probe: how close each collection's memBytes() (the figure used_memory and maxmemory count) is to
// what V8 really holds for it — heap plus external bytes after full collections, before and after
// building many values of one shape in this thread. One line per case: real MB, model MB, ratio.
// Usage: node --expose-gc scripts/probes/collection-bytes.ts [kind elements width values]
//        (no arguments: the standard cases for every kind and encoding)

import { HashValue } from '../../src/engine/hash-value.ts';
import { SetValue } from '../../src/engine/set-value.ts';
import { ZSet } from '../../src/engine/zset.ts';
import { QuickList } from '../../src/engine/quicklist.ts';
import type { AccountedValue } from '../../src/engine/value-memory.ts';
import { keyString } from '../../src/families/family-util.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');

function held(): number {
  gc!();
  gc!();
  const u = process.memoryUsage();
  return u.heapUsed + u.external;
}

const HASH_LIM = { listpackEntries: 128, listpackValue: 64 };
const SET_LIM = { intsetEntries: 512, listpackEntries: 128, listpackValue: 64 };
const ZSET_LIM = { maxEntries: 128, maxValue: 64 };

/** A stored string as the families make it (a latin1 slice of the argument). */
function arg(s: string): string {
  return keyString(Buffer.from(s, 'latin1'));
}

function member(width: number): string {
  return arg(('m:' + Math.floor(Math.random() * 1e9)).padEnd(width, 'x'));
}

function build(kind: string, elements: number, width: number): AccountedValue {
  if (kind === 'hash') {
    const h = new HashValue();
    for (let i = 0; i < elements; i++) h.set(arg('f:' + Math.floor(Math.random() * 1e9)), arg('v'.repeat(width)), false, HASH_LIM);
    return h;
  }
  if (kind === 'set') {
    const s = SetValue.listpack();
    for (let i = 0; i < elements; i++) s.add(member(width), SET_LIM);
    return s;
  }
  if (kind === 'zset') {
    const z = ZSet.empty(true);
    for (let i = 0; i < elements; i++) z.add(Math.random(), member(width), 0, ZSET_LIM);
    return z;
  }
  const l = new QuickList('quicklist', -2);
  for (let i = 0; i < elements; i++) l.push(Buffer.from(('m:' + i).padEnd(width, 'x')), false);
  return l;
}

function measure(kind: string, elements: number, width: number, values: number): void {
  const keep: AccountedValue[] = [];
  const before = held();
  let model = 0;
  for (let k = 0; k < values; k++) {
    const v = build(kind, elements, width);
    keep.push(v);
    model += v.memBytes();
  }
  const real = held() - before;
  const enc = (keep[0] as unknown as { encoding: string }).encoding;
  console.log(`${kind} (${enc}) ${values} x ${elements} x ${width} B: real ${(real / 1e6).toFixed(2)} MB, model ${(model / 1e6).toFixed(2)} MB, real/model ${(real / model).toFixed(3)}`);
}

const a = process.argv.slice(2);
if (a.length > 0) measure(a[0], Number(a[1] ?? 200), Number(a[2] ?? 1000), Number(a[3] ?? 500));
else {
  for (const [kind, elements, width, values] of [
    ['hash', 200, 1000, 500], ['hash', 2000, 20, 200], ['hash', 50, 20, 5000],
    ['set', 2000, 16, 200], ['set', 50, 16, 5000],
    ['zset', 2000, 16, 200], ['zset', 50, 16, 5000],
    ['list', 2000, 16, 200], ['list', 200, 1000, 200], ['list', 3, 16, 20000],
  ] as const) measure(kind, elements, width, values);
}
