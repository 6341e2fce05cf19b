// Benchmark reporting helpers: medians, plain-text tables, number formats, and the description of
// the machine and build that every results file records.
// Invariants: pure functions except machineInfo (reads /proc/cpuinfo, runs git and the servers'
// --version); nothing here starts a server.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, hostname, totalmem, release, version as osVersion } from 'node:os';
import { CLK_TCK, ROOT } from './servers.ts';

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
