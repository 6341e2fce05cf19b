// Benchmark harness: `npm run bench` (= node bench/run.ts). Starts redis-server and Damselfly side
// by side on free loopback ports, drives each with redis-benchmark, and reports throughput and the
// server's CPU time per operation (from /proc/<pid>/stat), medians over alternating repetitions.
// `--types` (= `npm run bench:types`) runs the data-type tests instead (lists, sets, hashes, sorted
// sets at -P 16) against Damselfly with 2 shard threads.
// Invariants: every process it starts is stopped on exit, error or SIGINT/SIGTERM; only 127.0.0.1.
// See bench/README.md for what is measured and how to read the tables.

import { availableParallelism } from 'node:os';
import { startScraper, UsageError, runMain, shellQuote, startServer, stopServer, writeResult, type RunningServer, type ServerSpec } from './servers.ts';
import { fmt2, fmtOps, loadAtStart, median, resultFile, resultHead, table } from './bench-util.ts';
import { CLIENTS, KEYSPACE, runBenchmark, types2Setup, type RawRun } from './redis-benchmark.ts';
import { RespConn, encode } from './resp-client.ts';

const ALL_TESTS = ['set', 'get', 'incr', 'mset', 'mset10', 'mget10'];
/**
 * --types: redis-benchmark's data-type tests. Each works on one key (mylist, myset, myhash, myzset;
 * members and fields random in -r), so each runs on one shard. The lrange tests first LPUSH -n
 * elements (redis-benchmark's own set-up, counted in the server CPU of the run).
 */
const TYPE_TESTS = ['lpush', 'lpop', 'rpush', 'rpop', 'sadd', 'spop', 'hset', 'zadd', 'zpopmin', 'lrange_100', 'lrange_600'];
/** --types2: streams, bitmaps, HyperLogLog and geo (CUSTOM_TESTS; the reads work on types2Setup's values). */
const TYPES2_TESTS = ['xadd', 'xrange10', 'setbit', 'bitcount', 'pfadd', 'pfcount', 'geoadd', 'geosearch'];
/** Damselfly's shard threads in --types runs. */
const TYPES_THREADS = 2;
/** Share of the base request count per test: an LRANGE_600 reply is 600 elements. */
const TEST_WEIGHT: Record<string, number> = { lrange_100: 0.25, lrange_600: 0.05, geosearch: 0.25 };

// ---------------------------------------------------------------- options

interface Options {
  quick: boolean;
  /** Data-type tests (TYPE_TESTS, or TYPES2_TESTS with --types2) at -P 16 against Damselfly with TYPES_THREADS threads. */
  types: boolean;
  /** --types2: the tests of streams, bitmaps, HyperLogLog and geo. */
  types2: boolean;
  tests: string[];
  pipelines: number[];
  requests: number;
  reps: number;
  threads: number[];
  out: string | null;
  /** Another checkout measured in the same run as 'damselfly-base' (default thread count). */
  baseline: string | null;
  /** --variant=ID:ARGS: the same build with extra server arguments (an A/B of a setting in one run). */
  variants: { id: string; args: string[] }[];
  /** --scrape=ID:PATH: the same build again, with PATH fetched over HTTP every second while it is measured. */
  scrapes: { id: string; path: string }[];
}

const USAGE = `Usage: node bench/run.ts [options]
  --quick            smoke run: fewer requests, one repetition, short warm-up
  --types            data-type tests (${TYPE_TESTS.join(',')}) at -P 16,
                     Damselfly with ${TYPES_THREADS} threads (defaults of --tests/--pipelines/--threads)
  --types2           the same for streams, bitmaps, HyperLogLog and geo (${TYPES2_TESTS.join(',')})
  --tests=LIST       redis-benchmark tests, comma separated (default ${ALL_TESTS.join(',')})
  --pipelines=LIST   pipeline depths -P, comma separated (default 1,16)
  --requests=N       base request count (default 150000; --quick: 5000); see README for scaling
  --reps=N           repetitions per (server, test, P) (default 3; --quick: 1)
  --threads=LIST     explicit Damselfly --proactor_threads values besides the default (default 1,2)
  --out=FILE         result JSON path (default bench/results/<date>-<host>[-quick].json)
  --baseline=DIR     also run the Damselfly checkout in DIR (e.g. a git worktree of the previous
                     build) as 'damselfly-base', alternating with the others: an A/B in one run
  --variant=ID:ARGS  also run this build as 'ID' with extra server arguments (space separated),
                     e.g. --variant='obs-off:--slowlog_log_slower_than=-1 --latency_tracking=no';
                     repeatable; the report adds ID / damselfly ratios
  --scrape=ID:PATH   also run this build as 'ID' while an HTTP client fetches PATH (e.g. /metrics)
                     from its port every second during each of its runs; repeatable
  --help`;


function parseList(v: string, what: string): string[] {
  const items = v.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new UsageError(`${what}: empty list`);
  return items;
}

function parsePositive(v: string, what: string): number {
  if (!/^[0-9]+$/.test(v) || Number(v) <= 0) throw new UsageError(`${what}: expected a positive integer, got '${v}'`);
  return Number(v);
}

function parseOptions(argv: string[]): Options {
  const quick = argv.includes('--quick');
  const types2 = argv.includes('--types2');
  const types = types2 || argv.includes('--types');
  const o: Options = {
    quick,
    types,
    types2,
    tests: types2 ? TYPES2_TESTS.slice() : types ? TYPE_TESTS.slice() : ALL_TESTS.slice(),
    pipelines: types ? [16] : [1, 16],
    requests: quick ? 5000 : 150000,
    reps: quick ? 1 : 3,
    threads: types ? [TYPES_THREADS] : [1, 2],
    out: null,
    baseline: null,
    variants: [],
    scrapes: [],
  };
  for (const a of argv) {
    if (a === '--quick' || a === '--types' || a === '--types2') continue;
    if (a === '--help' || a === '-h') {
      process.stdout.write(USAGE + '\n');
      process.exit(0);
    }
    const m = /^--([a-z]+)=(.*)$/.exec(a);
    if (!m) throw new UsageError(`unknown argument '${a}'`);
    const [, k, v] = m;
    switch (k) {
      case 'tests':
        o.tests = parseList(v, '--tests').map((t) => t.toLowerCase());
        break;
      case 'pipelines':
        o.pipelines = parseList(v, '--pipelines').map((p) => parsePositive(p, '--pipelines'));
        break;
      case 'requests':
        o.requests = parsePositive(v, '--requests');
        break;
      case 'reps':
        o.reps = parsePositive(v, '--reps');
        break;
      case 'threads':
        o.threads = parseList(v, '--threads').map((p) => parsePositive(p, '--threads'));
        break;
      case 'baseline':
        o.baseline = v;
        break;
      case 'variant':
      case 'scrape': {
        const colon = v.indexOf(':');
        if (colon <= 0 || !/^[a-z0-9-]+$/.test(v.slice(0, colon))) throw new UsageError(`--${k}: expected ID:${k === 'variant' ? 'ARGS' : 'PATH'} with a lower-case id, got '${v}'`);
        const id = v.slice(0, colon);
        const rest = v.slice(colon + 1);
        if (k === 'variant') o.variants.push({ id, args: rest.split(/\s+/).filter((a) => a !== '') });
        else o.scrapes.push({ id, path: rest.startsWith('/') ? rest : '/' + rest });
        break;
      }
      case 'out':
        o.out = v;
        break;
      default:
        throw new UsageError(`unknown option '--${k}'`);
    }
  }
  return o;
}

// Requests for one run. P=1 runs get the base count; pipelined runs are several times faster, so
// they get P/4 times as many (4x at P=16) to stay long enough for 10 ms CPU-tick resolution. MSET
// sets 10 keys per command, so it gets half.
function requestsFor(base: number, test: string, pipeline: number): number {
  const perPipe = pipeline > 1 ? Math.max(1, pipeline / 4) : 1;
  const perTest = test === 'mset' || test === 'mset10' || test === 'mget10' ? 0.5 : (TEST_WEIGHT[test] ?? 1);
  return Math.max(1000, Math.round(base * perPipe * perTest));
}

// ---------------------------------------------------------------- statistics and report

interface Median {
  server: string;
  test: string;
  pipeline: number;
  runs: number;
  rps: number;
  serverCpuUsPerOp: number;
  serverCpuPerWall: number;
  clientCpuPerWall: number;
  p50LatencyMs: number;
  p99LatencyMs: number;
}

function medians(raw: RawRun[]): Median[] {
  const groups = new Map<string, RawRun[]>();
  for (const r of raw) {
    const k = `${r.server}\0${r.test}\0${r.pipeline}`;
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  const res: Median[] = [];
  for (const g of groups.values()) {
    res.push({
      server: g[0].server,
      test: g[0].test,
      pipeline: g[0].pipeline,
      runs: g.length,
      rps: median(g.map((r) => r.rps)),
      serverCpuUsPerOp: median(g.map((r) => r.serverCpuUsPerOp)),
      serverCpuPerWall: median(g.map((r) => r.serverCpuPerWall)),
      clientCpuPerWall: median(g.map((r) => r.clientCpuPerWall)),
      p50LatencyMs: median(g.map((r) => r.p50LatencyMs)),
      p99LatencyMs: median(g.map((r) => r.p99LatencyMs)),
    });
  }
  return res;
}

function report(ms: Median[], opts: Options, servers: ServerSpec[]): string {
  const get = (server: string, test: string, p: number): Median | undefined =>
    ms.find((m) => m.server === server && m.test === test && m.pipeline === p);
  const out: string[] = [];
  const dfDefault = servers.find((s) => s.id === 'damselfly');
  out.push(`Medians of ${opts.reps} run(s); ${CLIENTS} clients, -r ${KEYSPACE}; ratio = damselfly / redis.`);
  out.push(
    `damselfly = ${opts.types ? `--proactor_threads=${dfDefault?.threads}` : `default thread count (${dfDefault?.threads} here)`}. CPU/op = server utime+stime per request` +
      (opts.tests.some((t) => t.startsWith('lrange')) ? ' (lrange_*: including the LPUSHes redis-benchmark runs first).' : '.'),
  );
  const rows: string[][] = [];
  for (const t of opts.tests) {
    for (const p of opts.pipelines) {
      const r = get('redis', t, p);
      const d = get('damselfly', t, p);
      if (!r || !d) continue;
      rows.push([
        t, String(p), fmtOps(r.rps), fmtOps(d.rps), fmt2(d.rps / r.rps),
        fmt2(r.serverCpuUsPerOp), fmt2(d.serverCpuUsPerOp), fmt2(d.serverCpuUsPerOp / r.serverCpuUsPerOp),
        fmt2(d.serverCpuPerWall),
      ]);
    }
  }
  out.push(table(['test', 'P', 'redis ops/s', 'damselfly ops/s', 'ratio', 'redis µs CPU/op', 'damselfly µs CPU/op', 'CPU ratio', 'damselfly CPU/wall'], rows));

  const variants = servers.filter((s) => s.args !== undefined || s.scrapePath !== undefined);
  if (variants.length > 0) {
    out.push('');
    out.push('Variants of this build against \'damselfly\' (same threads, same minutes; ratio = variant / damselfly):');
    const vrows: string[][] = [];
    for (const v of variants) {
      for (const t of opts.tests) {
        for (const p of opts.pipelines) {
          const d = get('damselfly', t, p);
          const m = get(v.id, t, p);
          if (!d || !m) continue;
          vrows.push([v.id, t, String(p), fmtOps(d.rps), fmtOps(m.rps), fmt2(m.rps / d.rps), fmt2(d.serverCpuUsPerOp), fmt2(m.serverCpuUsPerOp), fmt2(m.p99LatencyMs)]);
        }
      }
    }
    out.push(table(['variant', 'test', 'P', 'damselfly ops/s', 'variant ops/s', 'ratio', 'damselfly µs CPU/op', 'variant µs CPU/op', 'variant p99 ms'], vrows));
  }

  const scaling = servers.filter((s) => s.kind === 'damselfly' && s.args === undefined && s.scrapePath === undefined).sort((a, b) => (a.threads ?? 0) - (b.threads ?? 0));
  if (scaling.length > 1) {
    out.push('');
    out.push('Damselfly thread scaling (ops/s | µs CPU/op | CPU/wall), plus redis-server CPU/wall and the load generator\'s CPU/wall:');
    const head = ['test', 'P'];
    for (const s of scaling) head.push(`t=${s.threads} ops/s`);
    for (const s of scaling) head.push(`t=${s.threads} µs/op`);
    for (const s of scaling) head.push(`t=${s.threads} CPU/wall`);
    head.push('redis CPU/wall', 'client CPU/wall (df)');
    const srows: string[][] = [];
    for (const t of opts.tests) {
      for (const p of opts.pipelines) {
        const ms2 = scaling.map((s) => get(s.id, t, p));
        if (ms2.some((m) => !m)) continue;
        const row = [t, String(p)];
        for (const m of ms2) row.push(fmtOps(m!.rps));
        for (const m of ms2) row.push(fmt2(m!.serverCpuUsPerOp));
        for (const m of ms2) row.push(fmt2(m!.serverCpuPerWall));
        row.push(fmt2(get('redis', t, p)?.serverCpuPerWall ?? NaN), fmt2(get('damselfly', t, p)?.clientCpuPerWall ?? NaN));
        srows.push(row);
      }
    }
    out.push(table(head, srows));
  }
  return out.join('\n');
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const known = [...ALL_TESTS, ...TYPE_TESTS, ...TYPES2_TESTS];
  for (const t of opts.tests) if (!known.includes(t)) throw new UsageError(`--tests: unknown test '${t}' (known: ${known.join(',')})`);

  // --types pins the thread count, so that results from machines with other core counts compare.
  const defaultThreads = opts.types ? TYPES_THREADS : availableParallelism();
  const specs: ServerSpec[] = [
    { id: 'redis', kind: 'redis', threads: null, label: 'redis-server' },
    opts.types
      ? { id: 'damselfly', kind: 'damselfly', threads: defaultThreads, label: `damselfly --proactor_threads=${defaultThreads}`, pinThreads: true }
      : { id: 'damselfly', kind: 'damselfly', threads: defaultThreads, label: `damselfly (default: ${defaultThreads} threads)` },
  ];
  const mergedThreads: number[] = [];
  for (const n of [...new Set(opts.threads)]) {
    // An explicit count equal to the default is the same server: measure it once, as the default.
    if (n === defaultThreads) mergedThreads.push(n);
    else specs.push({ id: `damselfly-t${n}`, kind: 'damselfly', threads: n, label: `damselfly --proactor_threads=${n}` });
  }

  if (opts.baseline !== null) {
    specs.push({ id: 'damselfly-base', kind: 'damselfly', threads: defaultThreads, label: `damselfly baseline (${opts.baseline})`, pinThreads: true, root: opts.baseline });
  }

  for (const v of opts.variants) {
    specs.push({ id: v.id, kind: 'damselfly', threads: defaultThreads, label: `damselfly ${v.args.join(' ')}`, pinThreads: opts.types, args: v.args });
  }
  for (const sc of opts.scrapes) {
    specs.push({ id: sc.id, kind: 'damselfly', threads: defaultThreads, label: `damselfly scraped (GET ${sc.path} every second)`, pinThreads: opts.types, scrapePath: sc.path });
  }
  const ids = specs.map((s) => s.id);
  if (new Set(ids).size !== ids.length) throw new UsageError(`server ids must differ: ${ids.join(', ')}`);

  const started = new Date();
  const loadStart = loadAtStart();
  const runsTotal = specs.length * opts.tests.length * opts.pipelines.length * opts.reps;
  process.stdout.write(
    `bench: ${specs.map((s) => s.label).join(', ')}\n` +
      (mergedThreads.length ? `bench: --proactor_threads=${mergedThreads.join(',')} is the default here, measured once as 'damselfly'\n` : '') +
      `bench: tests ${opts.tests.join(',')}, pipelines ${opts.pipelines.join(',')}, base requests ${opts.requests}, ${opts.reps} rep(s): ${runsTotal} runs\n`,
  );

  const running: RunningServer[] = [];
  const raw: RawRun[] = [];
  try {
    for (const spec of specs) {
      const s = await startServer(spec);
      running.push(s);
      process.stdout.write(`bench: started ${spec.label} on port ${s.port} (pid ${s.pid}): ${shellQuote(s.argv)}\n`);
    }

    // The values the read tests of --types2 read, the same on every server.
    if (opts.tests.some((t) => TYPES2_TESTS.includes(t))) {
      for (const s of running) {
        const c = await RespConn.connect(s.port);
        const load = await c.load((function* () { for (const cmd of types2Setup()) yield encode(cmd); })());
        c.close();
        if (load.errors > 0) throw new Error(`--types2 set-up on ${s.spec.id}: ${load.errors} errors, first: ${load.firstError}`);
      }
      process.stdout.write('bench: --types2 values loaded on every server\n');
    }

    // Warm-up: JIT-compile Damselfly's hot paths (and fill the keyspace) before measuring.
    const warm = opts.quick ? 2000 : 20000;
    for (const s of running) {
      for (const t of opts.tests) await runBenchmark(s, t, 16, Math.max(1000, Math.round(warm * (TEST_WEIGHT[t] ?? 1))), 0);
    }
    process.stdout.write(`bench: warm-up done (${warm} requests per test at P=16 on each server)\n`);

    let n = 0;
    for (let rep = 1; rep <= opts.reps; rep++) {
      for (const t of opts.tests) {
        for (const p of opts.pipelines) {
          const requests = requestsFor(opts.requests, t, p);
          // Alternate the servers so slow drifts in machine noise hit all of them alike.
          for (const s of running) {
            const scraper = s.spec.scrapePath === undefined ? null : startScraper(s.port, s.spec.scrapePath);
            const r = await runBenchmark(s, t, p, requests, rep).finally(() => scraper?.stop());
            if (scraper !== null) r.scrapes = scraper.count();
            raw.push(r);
            n++;
            process.stdout.write(
              `[${String(n).padStart(3)}/${runsTotal}] rep ${rep} ${s.spec.id.padEnd(13)} ${t.padEnd(4)} P=${String(p).padEnd(2)} ` +
                `n=${requests} ${fmtOps(r.rps).padStart(7)} ops/s  ${fmt2(r.serverCpuUsPerOp).padStart(6)} µs CPU/op  ` +
                `CPU/wall ${fmt2(r.serverCpuPerWall)}  client ${fmt2(r.clientCpuPerWall)}  ${fmt2(r.wallS)} s` +
                (r.serverErrors ? '  (errors on stderr!)' : '') + '\n',
            );
          }
        }
      }
    }
  } finally {
    for (const s of running) await stopServer(s);
  }

  const ms = medians(raw);
  const text = report(ms, opts, specs);
  process.stdout.write('\n' + text + '\n');

  const file = resultFile(opts.out, started, `${opts.types2 ? '-types2' : opts.types ? '-types' : ''}${opts.quick ? '-quick' : ''}`);
  const { command, ...head } = resultHead(started, loadStart, import.meta.url);
  const result = {
    ...head,
    harness: {
      command,
      options: opts,
      clients: CLIENTS,
      keyspace: KEYSPACE,
      requestsPerRun: Object.fromEntries(
        opts.tests.flatMap((t) => opts.pipelines.map((p) => [`${t} P=${p}`, requestsFor(opts.requests, t, p)])),
      ),
      warmupRequestsPerTest: Object.fromEntries(opts.tests.map((t) => [t, Math.max(1000, Math.round((opts.quick ? 2000 : 20000) * (TEST_WEIGHT[t] ?? 1)))])),
    },
    servers: running.map((s) => ({ id: s.spec.id, label: s.spec.label, threads: s.spec.threads, command: shellQuote(s.argv) })),
    benchmarkCommands: [...new Set(raw.map((r) => r.command.replace(/-p [0-9]+/, '-p PORT')))],
    medians: ms,
    table: text,
    runs: raw,
  };
  writeResult(file, result, result.durationS);
}

runMain(main, USAGE);
