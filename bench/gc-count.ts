// bench:gc — young-generation collections per million GET/SET: Damselfly runs with --trace-gc (every
// isolate reports), redis-benchmark drives SET and GET at -P 16, and the Scavenge lines printed during
// each run are counted. With --baseline=DIR another checkout is measured in the same run, alternating,
// so an allocation change shows as a ratio. Not a test: figures depend on the machine and the load.

import { runBenchmark } from './redis-benchmark.ts';
import { runMain, shellQuote, startServer, stopServer, type RunningServer, type ServerSpec } from './servers.ts';

const USAGE = `Usage: node bench/gc-count.ts [--requests=N] [--reps=N] [--baseline=DIR]
  --requests=N   requests per run (default 1000000)
  --reps=N       runs per (server, test) (default 3)
  --baseline=DIR also measure the Damselfly checkout in DIR`;

interface Counted {
  server: RunningServer;
  scavenges: number;
}

async function main(): Promise<void> {
  let requests = 1_000_000;
  let reps = 3;
  let baseline: string | null = null;
  for (const a of process.argv.slice(2)) {
    const m = /^--([a-z]+)=(.*)$/.exec(a);
    if (m === null) throw new Error(`unknown argument ${a}\n${USAGE}`);
    if (m[1] === 'requests') requests = Number(m[2]);
    else if (m[1] === 'reps') reps = Number(m[2]);
    else if (m[1] === 'baseline') baseline = m[2];
    else throw new Error(`unknown option --${m[1]}\n${USAGE}`);
  }
  const specs: ServerSpec[] = [{ id: 'damselfly', kind: 'damselfly', threads: 2, pinThreads: true, label: 'damselfly', nodeFlags: ['--trace-gc'] }];
  if (baseline !== null) specs.push({ id: 'damselfly-base', kind: 'damselfly', threads: 2, pinThreads: true, label: `baseline ${baseline}`, nodeFlags: ['--trace-gc'], root: baseline });
  const servers: Counted[] = [];
  try {
    for (const spec of specs) {
      const c: Counted = { server: null as unknown as RunningServer, scavenges: 0 };
      c.server = await startServer(spec, { onLine: (line) => { if (line.includes('Scavenge')) c.scavenges++; } });
      process.stdout.write(`bench:gc started ${spec.label}: ${shellQuote(c.server.argv)}\n`);
      servers.push(c);
    }
    for (const c of servers) for (const t of ['set', 'get']) await runBenchmark(c.server, t, 16, 200_000, 0); // warm-up
    const per: Record<string, number[]> = {};
    for (let rep = 1; rep <= reps; rep++) {
      for (const t of ['set', 'get']) {
        for (const c of servers) {
          const before = c.scavenges;
          const r = await runBenchmark(c.server, t, 16, requests, rep);
          const perMillion = ((c.scavenges - before) * 1e6) / r.requests;
          (per[`${c.server.spec.id} ${t}`] ??= []).push(perMillion);
          process.stdout.write(`rep ${rep} ${c.server.spec.id.padEnd(15)} ${t}  ${Math.round(r.rps)} ops/s  ${perMillion.toFixed(1)} scavenges per million\n`);
        }
      }
    }
    process.stdout.write('\nmedian young-generation collections per million requests (-P 16, 50 clients, all isolates):\n');
    for (const [k, v] of Object.entries(per)) {
      const s = v.slice().sort((a, b) => a - b);
      process.stdout.write(`${k.padEnd(22)} ${s[Math.floor(s.length / 2)].toFixed(1)}\n`);
    }
  } finally {
    for (const c of servers) await stopServer(c.server);
  }
}

runMain(main, USAGE);
