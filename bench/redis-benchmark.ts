// One redis-benchmark run against a running server: the exact command line, its CSV result, and the
// server's and the client's CPU time over the run (from /proc). Shared by bench/run.ts and
// bench/memory.ts.
// Invariants: 50 clients and -r 100000 in every run (results of both harnesses compare); a failing
// redis-benchmark throws with its output; the child is tracked (killed on exit) and killed after 5 min.

import { spawn } from 'node:child_process';
import { CLK_TCK, HOST, procTicks, shellQuote, track, type RunningServer } from './servers.ts';

export const CLIENTS = 50;
export const KEYSPACE = 100000;
/** Tests given as a command line: 10 keys with no {hash tag}, so they spread over the shards. */
const TEN_KEYS = Array.from({ length: 10 }, (_, i) => `k${i}:__rand_int__`);
export const CUSTOM_TESTS: Record<string, string[]> = {
  mset10: ['MSET', ...TEN_KEYS.flatMap((k) => [k, 'xxxxxxxxxxxxxxxx'])],
  mget10: ['MGET', ...TEN_KEYS],
  // Data types, part two (bench/run.ts --types2); the read tests work on values TYPES2_SETUP made.
  xadd: ['XADD', 'bench:xadd', '*', 'field', '__rand_int__'],
  xrange10: ['XRANGE', 'bench:stream', '-', '+', 'COUNT', '10'],
  // (redis-benchmark pads __rand_int__ with zeros, which an offset may not have: random keys instead.)
  setbit: ['SETBIT', 'bench:setbit:__rand_int__', '7', '1'],
  bitcount: ['BITCOUNT', 'bench:bits'],
  pfadd: ['PFADD', 'bench:pfadd', '__rand_int__'],
  pfcount: ['PFCOUNT', 'bench:hll'],
  geoadd: ['GEOADD', 'bench:geoadd', '13.361389', '38.115556', '__rand_int__'],
  geosearch: ['GEOSEARCH', 'bench:geo', 'FROMLONLAT', '14', '38', 'BYRADIUS', '20', 'km', 'ASC', 'COUNT', '10'],
};

/**
 * What the --types2 read tests read, loaded into each server before its warm-up (the same bytes on
 * both: a fixed pseudo-random sequence): a 1000-entry stream, a 100000-bit bitmap with every third
 * bit set, a dense HyperLogLog of 10000 elements, 10000 points in a 4x4 degree box around Sicily.
 */
export function* types2Setup(): Iterable<(string | number)[]> {
  for (let i = 0; i < 1000; i++) yield ['XADD', 'bench:stream', '*', 'field', `value:${i}`];
  for (let i = 0; i < 100000; i += 3) yield ['SETBIT', 'bench:bits', i, 1];
  for (let i = 0; i < 10000; i += 100) yield ['PFADD', 'bench:hll', ...Array.from({ length: 100 }, (_, j) => `element:${i + j}`)];
  let seed = 12345;
  const next = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let i = 0; i < 10000; i++) yield ['GEOADD', 'bench:geo', (12 + 4 * next()).toFixed(6), (36 + 4 * next()).toFixed(6), `point:${i}`];
}

interface BenchResult {
  rps: number;
  avgMs: number;
  p50Ms: number;
  p99Ms: number;
}

const CSV_NAMES: Record<string, string> = {
  mset: 'MSET (10 keys)',
  lrange_100: 'LRANGE_100 (first 100 elements)',
  lrange_600: 'LRANGE_600 (first 600 elements)',
};

function parseCsv(out: string, test: string): BenchResult {
  const want = CUSTOM_TESTS[test]?.join(' ') ?? CSV_NAMES[test] ?? test.toUpperCase();
  for (const line of out.split('\n')) {
    const cells = line.trim().split(',').map((c) => c.replace(/^"|"$/g, ''));
    if (cells[0] === want) {
      return { rps: Number(cells[1]), avgMs: Number(cells[2]), p50Ms: Number(cells[4]), p99Ms: Number(cells[6]) };
    }
  }
  throw new Error(`no '${want}' row in redis-benchmark output:\n${out}`);
}

function benchArgv(port: number, test: string, pipeline: number, requests: number): string[] {
  return [
    'redis-benchmark', '-h', HOST, '-p', String(port), '-c', String(CLIENTS), '-n', String(requests),
    '-P', String(pipeline), '-r', String(KEYSPACE), '--csv',
    ...(CUSTOM_TESTS[test] ?? ['-t', test]),
  ];
}

export interface RawRun {
  server: string;
  rep: number;
  test: string;
  pipeline: number;
  requests: number;
  command: string;
  rps: number;
  avgLatencyMs: number;
  p50LatencyMs: number;
  p99LatencyMs: number;
  wallS: number;
  serverCpuS: number;
  serverCpuUsPerOp: number;
  serverCpuPerWall: number;
  clientCpuS: number;
  clientCpuPerWall: number;
  serverErrors: boolean;
  /** --scrape variants: how many scrapes answered 200 during the run. */
  scrapes?: number;
}

export async function runBenchmark(s: RunningServer, test: string, pipeline: number, requests: number, rep: number): Promise<RawRun> {
  const argv = benchArgv(s.port, test, pipeline, requests);
  const before = procTicks(s.pid);
  const selfBefore = procTicks('self');
  const t0 = process.hrtime.bigint();
  const child = track(spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] }));
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 300000);
  const code = await new Promise<number | null>((r) => child.once('close', (c) => r(c)));
  clearTimeout(timer);
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  const after = procTicks(s.pid);
  const selfAfter = procTicks('self');
  if (code !== 0) throw new Error(`${shellQuote(argv)} failed (${code}):\n${out}\n${err}`);
  const r = parseCsv(out, test);
  const serverCpuS = (after.self - before.self) / CLK_TCK;
  const clientCpuS = (selfAfter.children - selfBefore.children) / CLK_TCK;
  // Anything on stderr beyond the CONFIG warning (Damselfly answers CONFIG GET differently) is
  // flagged: redis-benchmark prints server error replies there.
  const serverErrors = err.split('\n').some((l) => l.trim() !== '' && !l.includes('Could not fetch server CONFIG'));
  return {
    server: s.spec.id,
    rep,
    test,
    pipeline,
    requests,
    command: shellQuote(argv),
    rps: r.rps,
    avgLatencyMs: r.avgMs,
    p50LatencyMs: r.p50Ms,
    p99LatencyMs: r.p99Ms,
    wallS,
    serverCpuS,
    serverCpuUsPerOp: (serverCpuS * 1e6) / requests,
    serverCpuPerWall: serverCpuS / wallS,
    clientCpuS,
    clientCpuPerWall: clientCpuS / wallS,
    serverErrors,
  };
}
