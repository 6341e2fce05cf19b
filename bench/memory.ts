// Memory benchmark of the keyspace: `npm run bench:memory` (= node bench/memory.ts). Runs, one server
// at a time, the same workloads against redis-server and Damselfly (--proactor_threads=2):
//  1. RSS per key: N memtier-style string keys (SET memtier-<n> <64 bytes>) loaded by 50 connections,
//     46 with deep pipelines and 4 timing single SETs in a worker thread (per-second max latency while
//     the keyspace grows); Damselfly runs with node --trace-gc, whose lines give its GC pauses.
//  2. Cache hit ratio: Zipf(0.99) GETs over U keys, SET on a miss, with maxmemory at 30% of the data's
//     used_memory (Redis allkeys-lru; Damselfly --cache_mode=true and --maxmemory_policy=allkeys-lru).
//  3. GET/SET throughput at -P 16 with redis-benchmark (bench/redis-benchmark.ts, as bench/run.ts).
// Invariants: servers run one after another (except the two of the throughput phase, measured in
// turns); every server is stopped before the next starts and on exit/interrupt; only 127.0.0.1;
// error replies are counted and reported, never thrown mid-run. See bench/README.md.

import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import {
  UsageError, peakRssBytes, rssBytes, runMain, settledRss, shellQuote, startServer, stopServer, writeResult, type RunningServer, type ServerSpec,
} from './servers.ts';
import { fmt2, fmtOps, loadAtStart, median, resultFile, resultHead, table } from './bench-util.ts';
import { RespConn, infoFields, usedMemory, type LoadResult } from './resp-client.ts';
import { CLIENTS, KEYSPACE, runBenchmark, type RawRun } from './redis-benchmark.ts';
import {
  ZipfSampler, getCommand, mulberry32, parseCount, parseGcLine, replyKind, setCommand, setRange, summarizeGc,
  type GcEvent, type GcSummary, type LatencySummary,
} from './memory-workload.ts';
import type { ProbeInit, ProbeMessage } from './growth-probe.ts';

const THREADS = 2;
const PHASES = ['rss', 'cache', 'throughput'] as const;
type Phase = (typeof PHASES)[number];
const TP_TESTS = ['set', 'get'];
const TP_PIPELINE = 16;
/** A cache server whose used_memory ends above this multiple of its maxmemory is flagged (Redis itself ends a little above). */
const OVER_LIMIT = 1.1;

// ---------------------------------------------------------------- options

interface Options {
  keys: number[];
  valueSize: number;
  conns: number;
  probes: number;
  window: number;
  traceGc: boolean;
  cacheKeys: number;
  cacheOps: number;
  cacheWarmup: number;
  cacheFraction: number;
  zipf: number;
  cacheConns: number;
  cachePipeline: number;
  requests: number;
  reps: number;
  seed: number;
  only: Phase[];
  out: string | null;
  quick: boolean;
}

const USAGE = `Usage: node bench/memory.ts [options]
  --keys=LIST          key counts to load, e.g. 1e6,1e7 (default 1e6,1e7; --quick: 50k)
  --value-size=N       bytes per value (default 64)
  --conns=N            connections writing during a load (default 50)
  --probes=N           of them, how many send single timed SETs (default 4; 0: no latency series)
  --window=N           commands in flight per pipelined loader connection (default 256)
  --no-growth          no latency probes and no --trace-gc: a plain load
  --cache-keys=N       key universe U of the cache workload (default 1e6; --quick: 100k)
  --cache-ops=N        measured GETs (default 2e6; --quick: 100k)
  --cache-warmup=N     GETs before measuring (default 1e6; --quick: 50k)
  --cache-fraction=F   maxmemory as a share of the loaded data's used_memory (default 0.3)
  --zipf=S             Zipf exponent (default 0.99)
  --cache-conns=N      cache client connections (default 8)
  --cache-pipeline=N   GETs per pipelined batch and connection (default 16)
  --requests=N         redis-benchmark requests per run (default 1e6; --quick: 50k)
  --reps=N             throughput repetitions, median reported (default 3; --quick: 1)
  --seed=N             PRNG seed (default 1)
  --only=LIST          phases: ${PHASES.join(',')} (default all; growth is part of rss)
  --out=FILE           result JSON (default bench/results/<date>-<host>-memory[-quick].json)
  --quick              smoke run (~15 s; numbers not worth comparing)
  --help`;

function parseOptions(argv: string[]): Options {
  const quick = argv.includes('--quick');
  const o: Options = {
    keys: quick ? [50_000] : [1_000_000, 10_000_000],
    valueSize: 64,
    conns: 50,
    probes: 4,
    window: 256,
    traceGc: true,
    cacheKeys: quick ? 100_000 : 1_000_000,
    cacheOps: quick ? 100_000 : 2_000_000,
    cacheWarmup: quick ? 50_000 : 1_000_000,
    cacheFraction: 0.3,
    zipf: 0.99,
    cacheConns: 8,
    cachePipeline: 16,
    requests: quick ? 50_000 : 1_000_000,
    reps: quick ? 1 : 3,
    seed: 1,
    only: [...PHASES],
    out: null,
    quick,
  };
  for (const a of argv) {
    if (a === '--quick') continue;
    if (a === '--help' || a === '-h') {
      process.stdout.write(USAGE + '\n');
      process.exit(0);
    }
    if (a === '--no-growth') {
      o.probes = 0;
      o.traceGc = false;
      continue;
    }
    const m = /^--([a-z-]+)=(.*)$/.exec(a);
    if (!m) throw new UsageError(`unknown argument '${a}'`);
    const [, k, v] = m;
    const count = (s = v): number => {
      const n = parseCount(s);
      if (n === null) throw new UsageError(`--${k}: expected a positive integer (1000000, 1e6, 1M), got '${s}'`);
      return n;
    };
    const real = (lo: number, hi: number): number => {
      const x = Number(v);
      if (v.trim() === '' || !Number.isFinite(x) || x <= lo || x > hi) throw new UsageError(`--${k}: expected a number in (${lo}, ${hi}], got '${v}'`);
      return x;
    };
    switch (k) {
      case 'keys':
        o.keys = v.split(',').map((s) => count(s));
        break;
      case 'value-size':
        o.valueSize = count();
        if (o.valueSize < 12) throw new UsageError('--value-size: at least 12 bytes (the key number is in the value)');
        break;
      case 'conns':
        o.conns = count();
        break;
      case 'probes':
        o.probes = v === '0' ? 0 : count();
        break;
      case 'window':
        o.window = count();
        break;
      case 'cache-keys':
        o.cacheKeys = count();
        break;
      case 'cache-ops':
        o.cacheOps = count();
        break;
      case 'cache-warmup':
        o.cacheWarmup = v === '0' ? 0 : count();
        break;
      case 'cache-fraction':
        o.cacheFraction = real(0, 1);
        break;
      case 'zipf':
        o.zipf = real(0, 10);
        break;
      case 'cache-conns':
        o.cacheConns = count();
        break;
      case 'cache-pipeline':
        o.cachePipeline = count();
        break;
      case 'requests':
        o.requests = count();
        break;
      case 'reps':
        o.reps = count();
        break;
      case 'seed':
        o.seed = v === '0' ? 0 : count();
        break;
      case 'only':
        o.only = v.split(',').map((s) => s.trim()) as Phase[];
        for (const p of o.only) if (!PHASES.includes(p)) throw new UsageError(`--only: unknown phase '${p}' (known: ${PHASES.join(',')})`);
        break;
      case 'out':
        o.out = v;
        break;
      default:
        throw new UsageError(`unknown option '--${k}'`);
    }
  }
  if (o.probes >= o.conns) throw new UsageError(`--probes=${o.probes} leaves no loader among --conns=${o.conns}`);
  return o;
}

// ---------------------------------------------------------------- helpers

const REDIS: ServerSpec = { id: 'redis', kind: 'redis', threads: null, label: 'redis-server' };
const DAMSELFLY: ServerSpec = { id: 'damselfly', kind: 'damselfly', threads: THREADS, label: `damselfly --proactor_threads=${THREADS}`, pinThreads: true };

const mb = (b: number): string => (b / 2 ** 20).toFixed(1);
const now = (): number => performance.timeOrigin + performance.now();
const log = (line: string): void => void process.stdout.write(line + '\n');

/** A server's command line with its port shown as PORT. */
function commandLine(s: RunningServer): string {
  const p = String(s.port);
  return shellQuote(s.argv.map((a) => (a === p ? 'PORT' : a === `--port=${p}` ? '--port=PORT' : a)));
}

/** SETs of keys 0..n-1 over `conns` pipelined connections (contiguous slices), all at once. */
async function loadKeys(port: number, n: number, conns: number, window: number, size: number): Promise<LoadResult> {
  const cs = await Promise.all(Array.from({ length: conns }, () => RespConn.connect(port)));
  try {
    const batch = Math.max(1, Math.min(64, Math.floor(window / 4)));
    const t0 = now();
    const rs = await Promise.all(cs.map((c, i) => c.load(setRange(Math.floor((i * n) / conns), Math.floor(((i + 1) * n) / conns), size, batch), window, batch)));
    return {
      commands: rs.reduce((a, r) => a + r.commands, 0),
      errors: rs.reduce((a, r) => a + r.errors, 0),
      firstError: rs.find((r) => r.firstError !== null)?.firstError ?? null,
      seconds: (now() - t0) / 1000,
    };
  } finally {
    for (const c of cs) c.close();
  }
}

async function dbsize(c: RespConn): Promise<number> {
  const r = (await c.call(['DBSIZE'])).toString('latin1');
  return r[0] === ':' ? Number(r.slice(1).trim()) : NaN;
}

/** The growth probes (bench/growth-probe.ts) in a worker thread, started and connected. */
async function startProbes(init: ProbeInit): Promise<{ stop: () => Promise<Extract<ProbeMessage, { type: 'done' }>> }> {
  const w = new Worker(new URL('./growth-probe.ts', import.meta.url), { workerData: init });
  let settle: ((m: ProbeMessage) => void) | null = null;
  let fail: ((e: Error) => void) | null = null;
  const next = (): Promise<ProbeMessage> => new Promise((resolve, reject) => ((settle = resolve), (fail = reject)));
  w.on('message', (m: ProbeMessage) => settle?.(m));
  w.on('error', (e) => fail?.(e));
  w.on('exit', (code) => fail?.(new Error(`growth probe worker exited (${code})`)));
  const first = await next();
  if (first.type !== 'ready') throw new Error(`growth probes: ${first.type === 'failed' ? first.message : first.type}`);
  return {
    stop: async () => {
      const done = next();
      w.postMessage('stop');
      const m = await done;
      await w.terminate();
      if (m.type !== 'done') throw new Error(`growth probes: ${m.type === 'failed' ? m.message : m.type}`);
      return m;
    },
  };
}

// ---------------------------------------------------------------- 1. RSS per key, growth latency, GC

interface LoadMeasurement {
  server: string;
  keys: number;
  loaders: number;
  probes: number;
  loadSeconds: number;
  keysPerS: number;
  loadErrors: number;
  firstLoadError: string | null;
  dbsize: number;
  dbsizeOk: boolean;
  rssEmptyBytes: number;
  rssAfterBytes: number;
  rssPeakBytes: number;
  bytesPerKey: number;
  bytesPerKeyGrowth: number;
  usedMemoryEmpty: number;
  usedMemoryAfter: number;
  /** RSS sampled about once a second during the load (seconds from its start). */
  rssSamples: { second: number; rssBytes: number }[];
  latency: LatencySummary | null;
  probeErrors: number;
  gc: GcSummary | null;
  gcWorst: GcEvent[];
}

async function measureLoad(base: ServerSpec, n: number, opts: Options): Promise<{ m: LoadMeasurement; command: string }> {
  const traced = base.kind === 'damselfly' && opts.traceGc;
  const spec: ServerSpec = traced ? { ...base, nodeFlags: ['--trace-gc'] } : base;
  const gcEvents: GcEvent[] = [];
  let collecting = false;
  const s = await startServer(spec, {
    onLine: (line) => {
      if (!collecting) return;
      const e = parseGcLine(line);
      if (e !== null) gcEvents.push(e);
    },
  });
  try {
    const c = await RespConn.connect(s.port);
    try {
      const rss0 = await settledRss(s.pid);
      const used0 = await usedMemory(c);
      const t0 = now();
      const probes = opts.probes > 0 ? await startProbes({ port: s.port, probes: opts.probes, keys: n, valueSize: opts.valueSize, seed: opts.seed, startMs: t0 }) : null;
      const rssSamples: { second: number; rssBytes: number }[] = [];
      const sampler = setInterval(() => rssSamples.push({ second: Math.round((now() - t0) / 100) / 10, rssBytes: rssBytes(s.pid) }), 1000);
      collecting = true;
      let load: LoadResult;
      let probed: Awaited<ReturnType<NonNullable<typeof probes>['stop']>> | null = null;
      try {
        load = await loadKeys(s.port, n, opts.conns - opts.probes, opts.window, opts.valueSize);
      } finally {
        collecting = false;
        clearInterval(sampler);
        if (probes !== null) probed = await probes.stop();
      }
      const peak = peakRssBytes(s.pid);
      const rss1 = await settledRss(s.pid);
      const used1 = await usedMemory(c);
      const size = await dbsize(c);
      const gc = traced ? summarizeGc(gcEvents) : null;
      const m: LoadMeasurement = {
        server: base.id,
        keys: n,
        loaders: opts.conns - opts.probes,
        probes: opts.probes,
        loadSeconds: Math.round(load.seconds * 100) / 100,
        keysPerS: Math.round(n / load.seconds),
        loadErrors: load.errors,
        firstLoadError: load.firstError,
        dbsize: size,
        dbsizeOk: size === n,
        rssEmptyBytes: rss0,
        rssAfterBytes: rss1,
        rssPeakBytes: peak,
        bytesPerKey: rss1 / n,
        bytesPerKeyGrowth: (rss1 - rss0) / n,
        usedMemoryEmpty: used0,
        usedMemoryAfter: used1,
        rssSamples,
        latency: probed?.latency ?? null,
        probeErrors: probed?.errors ?? 0,
        gc,
        gcWorst: gcEvents.slice().sort((a, b) => b.pauseMs - a.pauseMs).slice(0, 10),
      };
      log(
        `rss ${String(n).padStart(9)} ${base.id.padEnd(9)} loaded in ${fmt2(load.seconds)} s (${m.keysPerS} keys/s); RSS ${mb(rss0)} -> ${mb(rss1)} MB ` +
          `(peak ${mb(peak)}) = ${fmt2(m.bytesPerKey)} B/key, growth ${fmt2(m.bytesPerKeyGrowth)} B/key; DBSIZE ${size}` +
          (m.dbsizeOk ? '' : ` (expected ${n}!)`) +
          (load.errors > 0 ? `; ${load.errors} error replies, first: ${load.firstError}` : '') +
          (m.latency ? `; probe max ${fmt2(m.latency.worstSecondMaxMs)} ms, p99 ${fmt2(m.latency.p99Ms)} ms` : '') +
          (gc ? `; GC max pause ${fmt2(gc.maxPauseMs)} ms (${gc.maxPauseKind}), ${gc.pausesOver10ms} > 10 ms of ${gc.pauses}` : ''),
      );
      if (probed !== null && probed.errors > 0) log(`    probe error replies: ${probed.errors}, first: ${probed.firstError}`);
      return { m, command: commandLine(s) };
    } finally {
      c.close();
    }
  } finally {
    await stopServer(s);
  }
}

// ---------------------------------------------------------------- 2. cache hit ratio

interface Footprint {
  server: string;
  keys: number;
  usedMemory: number;
  usedMemoryEmpty: number;
  rssBytes: number;
  dbsize: number;
  command: string;
}

/** used_memory with all U keys loaded into a fresh server without a limit. */
async function footprint(spec: ServerSpec, opts: Options): Promise<Footprint> {
  const s = await startServer(spec);
  try {
    const c = await RespConn.connect(s.port);
    try {
      const used0 = await usedMemory(c);
      const load = await loadKeys(s.port, opts.cacheKeys, opts.cacheConns, opts.window, opts.valueSize);
      if (load.errors > 0) throw new Error(`${spec.id}: ${load.errors} error replies loading the cache universe, first: ${load.firstError}`);
      const rss = await settledRss(s.pid);
      const f: Footprint = { server: spec.id, keys: opts.cacheKeys, usedMemory: await usedMemory(c), usedMemoryEmpty: used0, rssBytes: rss, dbsize: await dbsize(c), command: commandLine(s) };
      log(`cache footprint ${spec.id.padEnd(9)} ${opts.cacheKeys} keys: used_memory ${mb(f.usedMemory)} MB (empty ${mb(used0)} MB), RSS ${mb(rss)} MB, DBSIZE ${f.dbsize}`);
      return f;
    } finally {
      c.close();
    }
  } finally {
    await stopServer(s);
  }
}

interface CacheCounts {
  gets: number;
  /** GETs of a key never requested before in the run: misses for any cache (1 - coldGets/gets = an unlimited cache's hit ratio). */
  coldGets: number;
  hits: number;
  misses: number;
  getErrors: number;
  sets: number;
  setErrors: number;
  firstError: string | null;
}

const zeroCounts = (): CacheCounts => ({ gets: 0, coldGets: 0, hits: 0, misses: 0, getErrors: 0, sets: 0, setErrors: 0, firstError: null });

/**
 * Cache-aside on one connection: batches of GETs of Zipf-drawn keys, then a SET for every miss.
 * `seen` (one byte per key, shared by the run's connections) marks the keys requested so far.
 */
async function cacheAside(c: RespConn, zipf: ZipfSampler, rand: () => number, ops: number, pipeline: number, size: number, seen: Uint8Array, k: CacheCounts): Promise<void> {
  const ranks: number[] = [];
  for (let done = 0; done < ops; done += ranks.length) {
    ranks.length = 0;
    for (let i = 0; i < Math.min(pipeline, ops - done); i++) {
      const rank = zipf.sample(rand());
      if (seen[rank] === 0) {
        seen[rank] = 1;
        k.coldGets++;
      }
      ranks.push(rank);
    }
    const missed: number[] = [];
    await c.pipeline(ranks.map(getCommand), (r, i) => {
      k.gets++;
      const kind = replyKind(r);
      if (kind === 'value') k.hits++;
      else if (kind === 'nil') {
        k.misses++;
        missed.push(ranks[i]);
      } else {
        k.getErrors++;
        k.firstError ??= r.toString('latin1').trim();
      }
    });
    if (missed.length === 0) continue;
    await c.pipeline(missed.map((n) => setCommand(n, size)), (r) => {
      k.sets++;
      if (replyKind(r) === 'error') {
        k.setErrors++;
        k.firstError ??= r.toString('latin1').trim();
      }
    });
  }
}

interface CacheRun {
  id: string;
  label: string;
  command: string;
  maxmemory: number;
  warmup: CacheCounts;
  measured: CacheCounts;
  hitRatio: number;
  /** The hit ratio of an unlimited cache on the same requests: 1 - coldGets / gets. */
  hitRatioCeiling: number;
  seconds: number;
  usedMemoryAfter: number;
  maxmemoryReported: number;
  /** used_memory after the run > OVER_LIMIT x maxmemory (the limit was not enforced). */
  overLimit: boolean;
  evictedKeys: number;
  dbsizeAfter: number;
  rssAfterBytes: number;
}

async function cacheRun(spec: ServerSpec, maxmemory: number, zipf: ZipfSampler, opts: Options): Promise<CacheRun> {
  const s = await startServer(spec);
  try {
    const conns = await Promise.all(Array.from({ length: opts.cacheConns }, () => RespConn.connect(s.port)));
    try {
      const rands = conns.map((_, i) => mulberry32(opts.seed * 1000 + i));
      const share = (total: number, i: number): number => Math.floor(((i + 1) * total) / conns.length) - Math.floor((i * total) / conns.length);
      const seen = new Uint8Array(opts.cacheKeys);
      const warmup = zeroCounts();
      await Promise.all(conns.map((c, i) => cacheAside(c, zipf, rands[i], share(opts.cacheWarmup, i), opts.cachePipeline, opts.valueSize, seen, warmup)));
      const measured = zeroCounts();
      const t0 = now();
      await Promise.all(conns.map((c, i) => cacheAside(c, zipf, rands[i], share(opts.cacheOps, i), opts.cachePipeline, opts.valueSize, seen, measured)));
      const seconds = (now() - t0) / 1000;
      const mem = await infoFields(conns[0], 'memory');
      const stats = await infoFields(conns[0], 'stats');
      const used = Number(mem.get('used_memory') ?? NaN);
      const r: CacheRun = {
        id: spec.id,
        label: spec.label,
        command: commandLine(s),
        maxmemory,
        warmup,
        measured,
        hitRatio: measured.hits / measured.gets,
        hitRatioCeiling: 1 - measured.coldGets / measured.gets,
        seconds: Math.round(seconds * 100) / 100,
        usedMemoryAfter: used,
        maxmemoryReported: Number(mem.get('maxmemory') ?? NaN),
        overLimit: used > OVER_LIMIT * maxmemory,
        evictedKeys: Number(stats.get('evicted_keys') ?? NaN),
        dbsizeAfter: await dbsize(conns[0]),
        rssAfterBytes: rssBytes(s.pid),
      };
      log(
        `cache ${spec.id.padEnd(15)} hit ratio ${r.hitRatio.toFixed(4)} (unlimited: ${r.hitRatioCeiling.toFixed(4)}) over ${measured.gets} GETs (${fmt2(seconds)} s); ` +
          `used_memory ${mb(used)} MB of maxmemory ${mb(maxmemory)} MB${r.overLimit ? ' (over the limit!)' : ''}; evicted_keys ${r.evictedKeys}; DBSIZE ${r.dbsizeAfter}` +
          (measured.getErrors + measured.setErrors + warmup.getErrors + warmup.setErrors > 0
            ? `; errors: GET ${warmup.getErrors + measured.getErrors}, SET ${warmup.setErrors + measured.setErrors}, first: ${warmup.firstError ?? measured.firstError}`
            : ''),
      );
      return r;
    } finally {
      for (const c of conns) c.close();
    }
  } finally {
    await stopServer(s);
  }
}

async function cachePhase(opts: Options): Promise<{ footprints: Footprint[]; runs: CacheRun[] }> {
  const zipf = new ZipfSampler(opts.cacheKeys, opts.zipf);
  const fr = await footprint(REDIS, opts);
  const fd = await footprint(DAMSELFLY, opts);
  const limit = (f: Footprint): number => Math.floor(f.usedMemory * opts.cacheFraction);
  const configs: [ServerSpec, number][] = [
    [{ ...REDIS, id: 'redis-lru', label: 'redis-server allkeys-lru', args: ['--maxmemory', String(limit(fr)), '--maxmemory-policy', 'allkeys-lru'] }, limit(fr)],
    [{ ...DAMSELFLY, id: 'damselfly-cache', label: 'damselfly --cache_mode=true', args: [`--maxmemory=${limit(fd)}`, '--cache_mode=true'] }, limit(fd)],
    [{ ...DAMSELFLY, id: 'damselfly-lru', label: 'damselfly --maxmemory_policy=allkeys-lru', args: [`--maxmemory=${limit(fd)}`, '--maxmemory_policy=allkeys-lru'] }, limit(fd)],
  ];
  const runs: CacheRun[] = [];
  for (const [spec, maxmemory] of configs) runs.push(await cacheRun(spec, maxmemory, zipf, opts));
  return { footprints: [fr, fd], runs };
}

// ---------------------------------------------------------------- 3. throughput

interface ThroughputMedian {
  server: string;
  test: string;
  runs: number;
  rps: number;
  serverCpuUsPerOp: number;
  p99LatencyMs: number;
}

async function throughputPhase(opts: Options): Promise<{ runs: RawRun[]; medians: ThroughputMedian[]; commands: Record<string, string> }> {
  const servers: RunningServer[] = [];
  const runs: RawRun[] = [];
  try {
    for (const spec of [REDIS, DAMSELFLY]) servers.push(await startServer(spec));
    const warm = Math.max(1000, Math.round(opts.requests / 10));
    for (const s of servers) for (const t of TP_TESTS) await runBenchmark(s, t, TP_PIPELINE, warm, 0);
    for (let rep = 1; rep <= opts.reps; rep++) {
      for (const t of TP_TESTS) {
        for (const s of servers) {
          const r = await runBenchmark(s, t, TP_PIPELINE, opts.requests, rep);
          runs.push(r);
          log(`throughput rep ${rep} ${s.spec.id.padEnd(9)} ${t} -P ${TP_PIPELINE}: ${fmtOps(r.rps)} ops/s, ${fmt2(r.serverCpuUsPerOp)} µs CPU/op${r.serverErrors ? ' (errors on stderr!)' : ''}`);
        }
      }
    }
    const medians: ThroughputMedian[] = [];
    for (const s of servers) {
      for (const t of TP_TESTS) {
        const g = runs.filter((r) => r.server === s.spec.id && r.test === t);
        medians.push({ server: s.spec.id, test: t, runs: g.length, rps: median(g.map((r) => r.rps)), serverCpuUsPerOp: median(g.map((r) => r.serverCpuUsPerOp)), p99LatencyMs: median(g.map((r) => r.p99LatencyMs)) });
      }
    }
    return { runs, medians, commands: Object.fromEntries(servers.map((s) => [s.spec.id, commandLine(s)])) };
  } finally {
    for (const s of servers) await stopServer(s);
  }
}

// ---------------------------------------------------------------- report

function report(loads: LoadMeasurement[], cache: { footprints: Footprint[]; runs: CacheRun[] } | null, tp: ThroughputMedian[], opts: Options): string {
  const out: string[] = [];
  const ratio = (d: number, r: number): string => fmt2(d / r);
  const ns = [...new Set(loads.map((l) => l.keys))];
  if (loads.length > 0) {
    out.push(`1. RSS per key: memtier-<n> keys, ${opts.valueSize}-byte values, loaded by ${opts.conns - opts.probes} pipelined connections` +
      (opts.probes > 0 ? ` + ${opts.probes} timed single-SET connections` : '') + `; damselfly = --proactor_threads=${THREADS}; ratio = damselfly / redis (target <= 0.7).`);
    const rows: string[][] = [];
    for (const n of ns) {
      const r = loads.find((l) => l.keys === n && l.server === 'redis');
      const d = loads.find((l) => l.keys === n && l.server === 'damselfly');
      if (!r || !d) continue;
      const ok = r.dbsizeOk && d.dbsizeOk && r.loadErrors === 0 && d.loadErrors === 0 ? 'yes' : 'NO';
      rows.push([
        String(n), ok, fmt2(r.bytesPerKey), fmt2(d.bytesPerKey), ratio(d.bytesPerKey, r.bytesPerKey),
        fmt2(r.bytesPerKeyGrowth), fmt2(d.bytesPerKeyGrowth), ratio(d.bytesPerKeyGrowth, r.bytesPerKeyGrowth),
        `${mb(r.rssPeakBytes)} / ${mb(d.rssPeakBytes)}`, `${r.keysPerS} / ${d.keysPerS}`,
      ]);
    }
    out.push('B/key = RSS after the load / N; growth B/key = (RSS after - RSS empty) / N; DBSIZE = N: every key there and no error replies.');
    out.push(table(['keys', 'DBSIZE = N', 'redis B/key', 'damselfly B/key', 'ratio', 'redis growth B/key', 'damselfly growth B/key', 'growth ratio', 'peak RSS MB r / d', 'load keys/s r / d'], rows));
    const grows = ns.flatMap((n) => {
      const r = loads.find((l) => l.keys === n && l.server === 'redis');
      const d = loads.find((l) => l.keys === n && l.server === 'damselfly');
      if (!r?.latency || !d?.latency) return [];
      return [[
        String(n), fmt2(r.latency.worstSecondMaxMs), fmt2(d.latency.worstSecondMaxMs), ratio(d.latency.worstSecondMaxMs, r.latency.worstSecondMaxMs),
        `${fmt2(r.latency.medianSecondMaxMs)} / ${fmt2(d.latency.medianSecondMaxMs)}`, `${fmt2(r.latency.p99Ms)} / ${fmt2(d.latency.p99Ms)}`,
        d.gc ? `${fmt2(d.gc.maxPauseMs)} (${d.gc.maxPauseKind})` : '-', d.gc ? `${d.gc.pausesOver10ms} of ${d.gc.pauses}` : '-',
      ]];
    });
    if (grows.length > 0) {
      out.push('');
      out.push(`2. Growth latency: round trips of single SETs on ${opts.probes} unpipelined connections (a worker thread) while the keyspace grows from 0 to N;` +
        ' per-second max = the slowest request completed in each second of the load. GC = Damselfly\'s node --trace-gc pauses during the load (all isolates).');
      out.push(table(['keys', 'redis worst s max ms', 'damselfly worst s max ms', 'ratio', 'median s max ms r / d', 'p99 ms r / d', 'damselfly max GC pause ms', 'GC pauses > 10 ms'], grows));
    }
  }
  if (cache !== null) {
    out.push('');
    out.push(`3. Cache hit ratio: Zipf(${opts.zipf}) GETs over ${opts.cacheKeys} keys, SET on a miss; maxmemory = ${opts.cacheFraction} x used_memory with all keys loaded ` +
      `(redis ${mb(cache.footprints[0].usedMemory)} MB, damselfly ${mb(cache.footprints[1].usedMemory)} MB); ${opts.cacheWarmup} GETs warm-up, then ${opts.cacheOps} measured.`);
    const redisHit = cache.runs.find((r) => r.id === 'redis-lru')?.hitRatio ?? NaN;
    out.push('unlimited = the hit ratio any cache without a limit would have on the same requests (misses only on first requests).');
    out.push(table(['server', 'maxmemory MB', 'hit ratio', 'vs redis', 'unlimited', 'used_memory MB', 'evicted keys', 'DBSIZE', 'error replies'], cache.runs.map((r) => [
      r.label, mb(r.maxmemory), r.hitRatio.toFixed(4), fmt2(r.hitRatio / redisHit), r.hitRatioCeiling.toFixed(4), mb(r.usedMemoryAfter) + (r.overLimit ? ' (over!)' : ''),
      Number.isNaN(r.evictedKeys) ? '-' : String(r.evictedKeys), String(r.dbsizeAfter),
      String(r.warmup.getErrors + r.warmup.setErrors + r.measured.getErrors + r.measured.setErrors),
    ])));
  }
  if (tp.length > 0) {
    out.push('');
    out.push(`4. Throughput: redis-benchmark -P ${TP_PIPELINE} -c ${CLIENTS} -r ${KEYSPACE} -n ${opts.requests}, median of ${opts.reps}; ratio = damselfly / redis.`);
    out.push(table(['test', 'P', 'redis ops/s', 'damselfly ops/s', 'ratio', 'redis µs CPU/op', 'damselfly µs CPU/op', 'CPU ratio'], TP_TESTS.flatMap((t) => {
      const r = tp.find((m) => m.server === 'redis' && m.test === t);
      const d = tp.find((m) => m.server === 'damselfly' && m.test === t);
      if (!r || !d) return [];
      return [[t, String(TP_PIPELINE), fmtOps(r.rps), fmtOps(d.rps), ratio(d.rps, r.rps), fmt2(r.serverCpuUsPerOp), fmt2(d.serverCpuUsPerOp), ratio(d.serverCpuUsPerOp, r.serverCpuUsPerOp)]];
    })));
  }
  return out.join('\n');
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const started = new Date();
  const loadStart = loadAtStart();
  log(`bench: keyspace memory: ${opts.only.join(', ')}; keys ${opts.keys.join(',')}; redis-server and ${DAMSELFLY.label}, one server at a time`);
  const phaseSeconds: Record<string, number> = {};
  const timed = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
    const t0 = now();
    const r = await f();
    phaseSeconds[name] = Math.round((now() - t0) / 100) / 10;
    return r;
  };
  const loads: LoadMeasurement[] = [];
  const serverCommands: Record<string, string> = {};
  if (opts.only.includes('rss')) {
    await timed('rss', async () => {
      for (const n of opts.keys) {
        for (const spec of [REDIS, DAMSELFLY]) {
          const { m, command } = await measureLoad(spec, n, opts);
          loads.push(m);
          serverCommands[`${spec.id} (rss)`] = command;
        }
      }
    });
  }
  const cache = opts.only.includes('cache') ? await timed('cache', () => cachePhase(opts)) : null;
  if (cache !== null) {
    for (const f of cache.footprints) serverCommands[`${f.server} (cache footprint)`] = f.command;
    for (const r of cache.runs) serverCommands[r.id] = r.command;
  }
  const tp = opts.only.includes('throughput') ? await timed('throughput', () => throughputPhase(opts)) : null;
  if (tp !== null) for (const [id, cmd] of Object.entries(tp.commands)) serverCommands[`${id} (throughput)`] = cmd;

  const text = report(loads, cache, tp?.medians ?? [], opts);
  process.stdout.write('\n' + text + '\n');

  const file = resultFile(opts.out, started, `-memory${opts.quick ? '-quick' : ''}`);
  const { command, ...head } = resultHead(started, loadStart, import.meta.url);
  const result = {
    ...head,
    phaseSeconds,
    harness: {
      command,
      options: opts,
      keys: `memtier-<n> for n in 0..N-1, value of key n = "<n>:" then '.' up to ${opts.valueSize} bytes (distinct per key)`,
      loader: `${opts.conns - opts.probes} connections, each a contiguous slice of the keys, SETs written in batches of ${Math.max(1, Math.min(64, Math.floor(opts.window / 4)))} with at most ${opts.window} unanswered`,
      growthLatency: opts.probes > 0
        ? `${opts.probes} more connections in a worker thread, each one SET memtier-<random n> at a time (unpipelined), timed from write to reply; bucketed by the second the reply arrived`
        : 'off (--no-growth or --probes=0)',
      gc: opts.traceGc ? 'Damselfly started with node --trace-gc; pause = the first figure of "X / Y ms" of each Scavenge/Mark-Compact/... line printed during the load' : 'off',
      rss: 'VmRSS from /proc/<pid>/status once three samples 250 ms apart agree within 0.5% (at most 15 s); peak = VmHWM right after the load',
      cache: `cache-aside on ${opts.cacheConns} connections, batches of ${opts.cachePipeline} pipelined GETs then pipelined SETs of the misses; ranks drawn by Zipf(${opts.zipf}) (CDF + binary search) with mulberry32 seeded ${opts.seed}*1000+connection`,
    },
    servers: serverCommands,
    benchmarkCommands: [...new Set((tp?.runs ?? []).map((r) => r.command.replace(/-p [0-9]+/, '-p PORT')))],
    loads,
    cache,
    throughput: tp === null ? null : { medians: tp.medians, runs: tp.runs },
    table: text,
  };
  writeResult(file, result, result.durationS);
}

runMain(main, USAGE);
