// A/B of a runtime setting on ONE server: `npm run bench:config-ab` (= node bench/config-ab.ts).
// Starts one Damselfly and alternates redis-benchmark runs between two CONFIG SET states (A: the
// defaults as started, B: the settings given), so both sides share the process, its JIT state and its
// warm tables; only the connection spread over the threads differs run to run (redis-benchmark
// reconnects), which alternation averages out. Reports median ops/s and server CPU per request.
// The default B turns off what issue 16 says must be almost free: slow log, latency tracking.
// Invariants: the server is stopped on exit; A is restored before every A run.

import { fmt2, fmtOps, loadAtStart, median, resultFile, resultHead, table } from './bench-util.ts';
import { runBenchmark, type RawRun } from './redis-benchmark.ts';
import { RespConn } from './resp-client.ts';
import { UsageError, runMain, startScraper, startServer, stopServer, writeResult, shellQuote } from './servers.ts';

const USAGE = `Usage: node bench/config-ab.ts [--reps=N] [--requests=N] [--threads=N] [--tests=set,get] [--pipeline=16]
                                  [--b='name value name value ...' | --scrape=PATH] [--out=FILE]
  A = the server's defaults; B = CONFIG SET of the --b pairs
  (default --b='slowlog-log-slower-than -1 latency-tracking no latency-monitor-threshold 0');
  --scrape=PATH: B is the defaults too, with PATH (e.g. /metrics) fetched over HTTP every second`;

async function main(): Promise<void> {
  const o = { reps: 7, requests: 600000, threads: 2, tests: ['set', 'get'], pipeline: 16, b: 'slowlog-log-slower-than -1 latency-tracking no latency-monitor-threshold 0', scrape: null as string | null, out: null as string | null };
  for (const a of process.argv.slice(2)) {
    const m = /^--([a-z]+)=(.*)$/.exec(a);
    if (!m) throw new UsageError(`unknown argument '${a}'`);
    const [, k, v] = m;
    if (k === 'reps' || k === 'requests' || k === 'threads' || k === 'pipeline') o[k] = Number(v);
    else if (k === 'tests') o.tests = v.split(',');
    else if (k === 'b') o.b = v;
    else if (k === 'out') o.out = v;
    else if (k === 'scrape') o.scrape = v.startsWith('/') ? v : '/' + v;
    else throw new UsageError(`unknown option '--${k}'`);
  }
  // With --scrape, B changes no setting (slowlog-max-len set to its own value keeps the code one path).
  const pairs = o.scrape !== null ? ['slowlog-max-len', '128'] : o.b.split(/\s+/).filter((s) => s !== '');
  if (pairs.length === 0 || pairs.length % 2 !== 0) throw new UsageError('--b: name value pairs');
  const started = new Date();
  const loadStart = loadAtStart();
  const s = await startServer({ id: 'damselfly', kind: 'damselfly', threads: o.threads, label: `damselfly --proactor_threads=${o.threads}`, pinThreads: true });
  const runs: (RawRun & { state: string })[] = [];
  try {
    const c = await RespConn.connect(s.port);
    const names = [];
    for (let i = 0; i < pairs.length; i += 2) names.push(pairs[i]);
    const a = await c.call(['CONFIG', 'GET', ...names]);
    const aPairs = parseFlatArray(a);
    const setState = async (p: string[]): Promise<void> => {
      const r = (await c.call(['CONFIG', 'SET', ...p])).toString('latin1');
      if (r !== '+OK\r\n') throw new Error(`CONFIG SET ${p.join(' ')}: ${r.trim()}`);
    };
    process.stdout.write(`config-ab: A = ${aPairs.join(' ')}; B = ${o.scrape !== null ? `the same, GET ${o.scrape} every second` : pairs.join(' ')}; ${shellQuote(s.argv)}\n`);
    for (const t of o.tests) await runBenchmark(s, t, o.pipeline, 50000, 0); // warm-up
    for (let rep = 1; rep <= o.reps; rep++) {
      // Alternate which side goes first, so a drift within a rep hits both alike.
      const order: [string, string[]][] = rep % 2 ? [['A', aPairs], ['B', pairs]] : [['B', pairs], ['A', aPairs]];
      for (const [state, p] of order) {
        await setState(p);
        for (const t of o.tests) {
          const scraper = state === 'B' && o.scrape !== null ? startScraper(s.port, o.scrape) : null;
          const r = await runBenchmark(s, t, o.pipeline, o.requests, rep).finally(() => scraper?.stop());
          runs.push({ ...r, state });
          process.stdout.write(`rep ${rep} ${state} ${t.padEnd(4)} ${fmtOps(r.rps).padStart(7)} ops/s  ${fmt2(r.serverCpuUsPerOp)} µs CPU/op\n`);
        }
      }
    }
    c.close();
  } finally {
    await stopServer(s);
  }
  const rows: string[][] = [];
  const summary: Record<string, unknown>[] = [];
  for (const t of o.tests) {
    const pick = (st: string): RawRun[] => runs.filter((r) => r.state === st && r.test === t);
    const [ra, rb] = [pick('A'), pick('B')];
    const [opsA, opsB] = [median(ra.map((r) => r.rps)), median(rb.map((r) => r.rps))];
    const [cpuA, cpuB] = [median(ra.map((r) => r.serverCpuUsPerOp)), median(rb.map((r) => r.serverCpuUsPerOp))];
    rows.push([t, String(o.pipeline), fmtOps(opsA), fmtOps(opsB), fmt2(opsA / opsB), fmt2(cpuA), fmt2(cpuB), fmt2(cpuB / cpuA)]);
    summary.push({ test: t, opsA, opsB, ratioAoverB: opsA / opsB, cpuUsPerOpA: cpuA, cpuUsPerOpB: cpuB });
  }
  const bText = o.scrape !== null ? `defaults, GET ${o.scrape} every second` : pairs.join(' ');
  const text = `Medians of ${o.reps} alternating runs on one server; A = defaults, B = ${bText}\n` +
    table(['test', 'P', 'A ops/s', 'B ops/s', 'A/B ops', 'A µs CPU/op', 'B µs CPU/op', 'B/A CPU'], rows);
  process.stdout.write('\n' + text + '\n');
  const { command, ...head } = resultHead(started, loadStart, import.meta.url);
  const result = { ...head, harness: { command, options: o }, server: shellQuote(s.argv), summary, table: text, runs };
  writeResult(resultFile(o.out, started, '-config-ab'), result, result.durationS);
}

/** A RESP2 flat array of bulks (CONFIG GET's reply) as strings. */
function parseFlatArray(b: Buffer): string[] {
  const lines = b.toString('latin1').split('\r\n');
  const out: string[] = [];
  for (let i = 1; i < lines.length; i++) if (lines[i].startsWith('$')) out.push(lines[++i]);
  return out;
}

runMain(main, USAGE);
