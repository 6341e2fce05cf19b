// ScanLog: cursors stay valid across adds, removals and compactions; a member live for the whole scan
// is returned, and no member twice; compaction keeps one entry per live member and bounds the dead ones.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScanLog } from './scan-log.ts';
import { mulberry32 as rng } from '../util/prng.ts';

test('a scan returns every member live throughout, whatever changes meanwhile', () => {
  const r = rng(9);
  const live = new Set<string>();
  const log = new ScanLog();
  const isLive = (m: string): boolean => live.has(m);
  for (let i = 0; i < 2000; i++) {
    live.add('k' + i);
    log.add('k' + i);
  }
  const stable = new Set([...live].filter(() => r() < 0.5));
  const seen = new Set<string>();
  let cursor = 0;
  let next = 2000;
  do {
    const out: string[] = [];
    cursor = log.scan(cursor, 25, isLive, out);
    for (const m of out) seen.add(m);
    // Remove and re-add members outside the stable half; add new ones.
    for (let k = 0; k < 30; k++) {
      const m = 'k' + Math.floor(r() * 2000);
      if (stable.has(m)) continue;
      if (live.delete(m)) log.removed(m, live.size, isLive);
      else {
        live.add(m);
        log.add(m);
      }
    }
    live.add('n' + next);
    log.add('n' + next++);
  } while (cursor !== 0);
  for (const m of stable) assert.ok(seen.has(m), m);
  // Each live member has one entry: a whole scan in one call lists each once.
  const all: string[] = [];
  assert.equal(log.scan(0, 1_000_000, isLive, all), 0);
  assert.deepEqual([...all].sort(), [...live].sort());
  for (const m of seen) assert.ok(m.startsWith('k') || m.startsWith('n'));
});

test('a member removed and added again is listed once (the types fuzzer found ZSCAN repeating it)', () => {
  const live = new Set(['a', 'b', 'c']);
  const isLive = (m: string): boolean => live.has(m);
  const log = ScanLog.of(live);
  live.delete('a');
  log.removed('a', live.size, isLive);
  live.add('d');
  log.add('d');
  live.add('a');
  log.add('a');
  const out: string[] = [];
  assert.equal(log.scan(0, 100, isLive, out), 0);
  assert.deepEqual(out, ['a', 'b', 'c', 'd']);
  // Removed again and compacted away, then added: a new entry at the end.
  live.delete('a');
  log.removed('a', live.size, isLive);
  log.compact(isLive);
  live.add('a');
  log.add('a');
  const again: string[] = [];
  log.scan(0, 100, isLive, again);
  assert.deepEqual(again, ['b', 'c', 'd', 'a']);
});

test('compaction keeps the latest entry of each live member and drops the dead', () => {
  const live = new Set<string>();
  const log = new ScanLog();
  const isLive = (m: string): boolean => live.has(m);
  for (let i = 0; i < 100; i++) {
    live.add('a' + i);
    log.add('a' + i);
  }
  for (let round = 0; round < 20; round++) {
    for (let i = 0; i < 100; i++) {
      live.delete('a' + i);
      log.removed('a' + i, live.size, isLive);
      live.add('a' + i);
      log.add('a' + i);
    }
  }
  assert.ok(log.length <= 2 * live.size + 64 + 100, `log grew to ${log.length}`);
  log.compact(isLive);
  assert.equal(log.length, live.size);
  const out: string[] = [];
  assert.equal(log.scan(0, 1000, isLive, out), 0);
  assert.deepEqual(out.sort(), [...live].sort());
});

test('cursors past the end and visiting budget', () => {
  const log = ScanLog.of(['a', 'b', 'c', 'd']);
  const out: string[] = [];
  assert.equal(log.scan(1e15, 10, () => true, out), 0);
  assert.deepEqual(out, []);
  // Only dead entries: the scan visits at most 10 * count of them per call.
  const dead = ScanLog.of(Array.from({ length: 100 }, (_, i) => 'x' + i));
  const got: string[] = [];
  const c = dead.scan(0, 2, () => false, got);
  assert.deepEqual(got, []);
  assert.equal(c, 21);
});
