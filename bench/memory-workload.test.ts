// Unit tests of bench/memory-workload.ts, the pure parts of `npm run bench:memory`: the loaders'
// commands, the Zipf sampler, the --trace-gc parser, the per-second latency buckets, count options.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  LatencyRecorder, ZipfSampler, getCommand, keyOf, mulberry32, parseCount, parseGcLine, replyKind, setBatch, setCommand, summarizeGc, valueOf,
} from './memory-workload.ts';
import { encode } from './resp-client.ts';
import { mulberry32 as shared } from '../src/util/prng.ts';

test('setBatch writes the same bytes as one encoded SET per key; keys are memtier-<n>, values exactly size bytes and distinct', () => {
  for (const [from, to] of [[0, 5], [9_999_990, 10_000_000], [123_456, 123_457]]) {
    const want = Buffer.concat(Array.from({ length: to - from }, (_, i) => encode(['SET', keyOf(from + i), valueOf(from + i, 64)])));
    assert.deepEqual(setBatch(from, to, 64), want);
  }
  assert.deepEqual(setCommand(42, 20), encode(['SET', 'memtier-42', '42:' + '.'.repeat(17)]));
  assert.equal(valueOf(9_999_999, 64).length, 64);
  assert.notEqual(valueOf(1, 64), valueOf(2, 64));
  assert.equal(keyOf(0).length, 9);
  assert.equal(keyOf(9_999_999).length, 15);
  assert.throws(() => valueOf(123_456, 5), RangeError);
  assert.deepEqual(getCommand(7), encode(['GET', 'memtier-7']));
});

test('replyKind tells values, nils and errors apart', () => {
  assert.equal(replyKind(Buffer.from('$3\r\nabc\r\n')), 'value');
  assert.equal(replyKind(Buffer.from('$0\r\n\r\n')), 'value');
  assert.equal(replyKind(Buffer.from('+OK\r\n')), 'value');
  assert.equal(replyKind(Buffer.from('$-1\r\n')), 'nil');
  assert.equal(replyKind(Buffer.from('*-1\r\n')), 'nil');
  assert.equal(replyKind(Buffer.from("-OOM command not allowed when used memory > 'maxmemory'.\r\n")), 'error');
});

test('bench mulberry32 is the one in src/util/prng.ts (the tests use the same generator)', () => {
  assert.equal(mulberry32, shared);
});

test('ZipfSampler: probabilities follow 1/(k+1)^s, sum to 1, and sampling matches them', () => {
  const z = new ZipfSampler(1000, 0.99);
  let sum = 0;
  for (let k = 0; k < 1000; k++) sum += z.p(k);
  assert.ok(Math.abs(sum - 1) < 1e-12);
  assert.ok(Math.abs(z.p(0) / z.p(9) - Math.pow(10, 0.99)) < 1e-9);
  assert.equal(z.sample(0), 0);
  assert.equal(z.sample(z.p(0) - 1e-12), 0);
  assert.equal(z.sample(z.p(0)), 1);
  assert.equal(z.sample(1 - 1e-15), 999);
  // 200,000 seeded draws: the head ranks' frequencies within 5 standard deviations of p.
  const rand = mulberry32(7);
  const n = 200_000;
  const hist = new Float64Array(1000);
  for (let i = 0; i < n; i++) hist[z.sample(rand())]++;
  for (const k of [0, 1, 2, 5, 10, 100]) {
    const p = z.p(k);
    const sd = Math.sqrt(n * p * (1 - p));
    assert.ok(Math.abs(hist[k] - n * p) < 5 * sd, `rank ${k}: ${hist[k]} draws, expected ${n * p}`);
  }
  const u = new ZipfSampler(4, 0);
  for (let k = 0; k < 4; k++) assert.ok(Math.abs(u.p(k) - 0.25) < 1e-12);
  assert.throws(() => new ZipfSampler(0, 1), RangeError);
});

test('parseGcLine reads node --trace-gc lines (pause = the first figure of "X / Y ms") and nothing else', () => {
  const scavenge = '[7049:0x122fb000]       40 ms: Scavenge 5.0 (6.0) -> 4.6 (7.0) MB, pooled: 0 MB, 1.26 / 0.00 ms  (average mu = 1.000, current mu = 1.000) allocation failure; ';
  assert.deepEqual(parseGcLine(scavenge), { isolate: '0x122fb000', atMs: 40, kind: 'Scavenge', pauseMs: 1.26 });
  const mc =
    '[7058:0x7f3fb0001000]      638 ms: Mark-Compact 151.5 (263.1) -> 138.8 (268.0) MB, pooled: 0 MB, 54.16 / 0.00 ms  (+ 0.1 ms in 1 steps since start of marking, ' +
    'biggest step 0.1 ms, walltime since start of marking 58 ms) (average mu = 0.900, current mu = 0.894) finalize incremental marking via stack guard; GC in old space requested';
  assert.deepEqual(parseGcLine(mc), { isolate: '0x7f3fb0001000', atMs: 638, kind: 'Mark-Compact', pauseMs: 54.16 });
  // Older V8 without "pooled:", and the other kinds.
  const reduce = '[1:0x5581c0a0b000]  9876 ms: Mark-Compact (reduce) 10.1 (12.3) -> 8.2 (13.0) MB, 5.67 / 0.12 ms  (average mu = 0.5, current mu = 0.4) memory reducer';
  assert.deepEqual(parseGcLine(reduce), { isolate: '0x5581c0a0b000', atMs: 9876, kind: 'Mark-Compact (reduce)', pauseMs: 5.67 });
  const minor = '[2:0xabc]  12 ms: Minor Mark-Sweep 3.1 (4.0) -> 2.2 (4.0) MB, pooled: 0 MB, 0.80 / 0.00 ms  (average mu = 1.000, current mu = 1.000) task;';
  assert.equal(parseGcLine(minor)?.kind, 'Minor Mark-Sweep');
  assert.equal(parseGcLine('7123:M 2026-11-26T10:00:00.000Z * Damselfly 0.1.0 ready to accept connections on port 6379 (2 shard threads)'), null);
  assert.equal(parseGcLine('[7049:0x122fb000]     1234 ms: Memory reducer: started GC #1'), null);
  assert.equal(parseGcLine(''), null);

  const s = summarizeGc([scavenge, mc, reduce, minor].map((l) => parseGcLine(l)!));
  assert.equal(s.pauses, 4);
  assert.equal(s.isolates, 4);
  assert.equal(s.maxPauseMs, 54.16);
  assert.equal(s.maxPauseKind, 'Mark-Compact');
  assert.equal(s.pausesOver10ms, 1);
  assert.equal(s.totalPauseMs, 61.89);
  assert.deepEqual(s.byKind.Scavenge, { pauses: 1, maxPauseMs: 1.26, totalPauseMs: 1.26 });
  assert.deepEqual(summarizeGc([]), { pauses: 0, isolates: 0, maxPauseMs: 0, maxPauseKind: null, pausesOver10ms: 0, totalPauseMs: 0, byKind: {} });
});

test('LatencyRecorder buckets requests by the second they completed in', () => {
  const r = new LatencyRecorder(1000);
  r.add(1100, 2);
  r.add(1900, 8);
  r.add(3500, 1); // second 2; second 1 had none
  for (let i = 0; i < 2000; i++) r.add(4000 + i * 0.1, 0.5); // grows past the initial sample buffer
  const s = r.summary();
  assert.equal(s.requests, 2003);
  assert.deepEqual(s.seconds.slice(0, 3), [
    { second: 0, requests: 2, maxMs: 8, meanMs: 5 },
    { second: 1, requests: 0, maxMs: 0, meanMs: 0 },
    { second: 2, requests: 1, maxMs: 1, meanMs: 1 },
  ]);
  assert.equal(s.worstSecondMaxMs, 8);
  assert.equal(s.maxMs, 8);
  // Maxima of the seconds with requests: 8, 1, 0.5 -> median 1.
  assert.equal(s.medianSecondMaxMs, 1);
  assert.equal(s.p50Ms, 0.5);
  assert.equal(s.p999Ms, 1); // sorted: 2000 x 0.5, then 1, 2, 8; index floor(0.999 * 2003) = 2000
});

test('parseCount takes plain, underscored, exponent and k/M/G counts', () => {
  assert.equal(parseCount('1000000'), 1_000_000);
  assert.equal(parseCount('1_000_000'), 1_000_000);
  assert.equal(parseCount('1e7'), 10_000_000);
  assert.equal(parseCount('10M'), 10_000_000);
  assert.equal(parseCount('500k'), 500_000);
  assert.equal(parseCount('2.5M'), 2_500_000);
  for (const bad of ['0', '-1', '1.5', 'abc', '', '1e', 'M']) assert.equal(parseCount(bad), null, bad);
});
