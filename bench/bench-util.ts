// Benchmark reporting helpers: medians, plain-text tables, number formats, and the description of
// the machine and build that every results file records.
// Invariants: pure functions except machineInfo (reads /proc/cpuinfo, runs git and the servers'
// --version); nothing here starts a server.

import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus, hostname, loadavg, totalmem, release, version as osVersion } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_DIR, CLK_TCK, ROOT, shellQuote } from './servers.ts';

export function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}


export function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  return [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

export const fmtOps = (n: number): string => Math.round(n).toString();
export const fmt2 = (n: number): string => n.toFixed(2);


export function firstLine(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args).toString().split('\n')[0].trim();
  } catch {
    return 'unknown';
  }
}

export function machineInfo(): Record<string, unknown> {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpuModel = m[1].trim();
  } catch {
    // keep os.cpus()
  }
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: ROOT }).toString().trim() !== '';
    if (dirty) commit += ' (src modified)';
  } catch {
    // not a checkout
  }
  return {
    host: hostname(),
    cpuModel,
    cores: availableParallelism(),
    memoryBytes: totalmem(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: `${release()} ${osVersion()}`,
    node: process.version,
    redisServer: firstLine('redis-server', ['--version']),
    redisBenchmark: firstLine('redis-benchmark', ['--version']),
    damselflyCommit: commit,
    clkTck: CLK_TCK,
  };
}

/** The load average now, to two decimals. */
export function loadNow(): number[] {
  return loadavg().map((x) => Math.round(x * 100) / 100);
}

/** The load average before a run, with a warning when the machine is already busy. */
export function loadAtStart(): number[] {
  const load = loadNow();
  if (load[0] > 0.5) process.stdout.write(`bench: warning: load average ${load.join(' ')} before start; other work on this machine adds noise\n`);
  return load;
}

/** `out`, or bench/results/<date>-<host><suffix>.json; its directory exists afterwards. */
export function resultFile(out: string | null, started: Date, suffix: string): string {
  const date = started.toISOString().slice(0, 10);
  const host = hostname().replace(/[^A-Za-z0-9_.-]/g, '_');
  const file = out ?? join(BENCH_DIR, 'results', `${date}-${host}${suffix}.json`);
  mkdirSync(dirname(file), { recursive: true });
  return file;
}

/** The fields every results file starts with; `script` is the harness's import.meta.url. */
export function resultHead(started: Date, loadStart: number[], script: string): { date: string; durationS: number; loadAverage: { start: number[]; end: number[] }; machine: Record<string, unknown>; command: string } {
  return {
    date: started.toISOString(),
    durationS: Math.round((Date.now() - started.getTime()) / 100) / 10,
    loadAverage: { start: loadStart, end: loadNow() },
    machine: machineInfo(),
    command: shellQuote(['node', relative(ROOT, fileURLToPath(script)), ...process.argv.slice(2)]),
  };
}
