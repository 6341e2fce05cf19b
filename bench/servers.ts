// Benchmark processes: starts redis-server and Damselfly on free loopback ports (ready = PING
// answered, and for Damselfly its "ready to accept connections" line), stops them, and reads their
// CPU time and resident memory from /proc. Shared by bench/run.ts, bench/memory-types.ts and bench/memory.ts.
// Invariants: every child process started here is tracked and killed on exit, error or
// SIGINT/SIGTERM/SIGHUP; servers listen on 127.0.0.1 only.

import { spawn, execFileSync } from 'node:child_process';
import { get as httpGet } from 'node:http';
import type { ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const ROOT = dirname(BENCH_DIR);
export const HOST = '127.0.0.1';

// ---------------------------------------------------------------- process bookkeeping

const children = new Set<ChildProcess>();
let interrupted = false;

/** True once SIGINT/SIGTERM/SIGHUP arrived (errors after it are consequences, not news). */
export function wasInterrupted(): boolean {
  return interrupted;
}

export function killAll(signal: NodeJS.Signals): void {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) {
      try {
        c.kill(signal);
      } catch {
        // already gone
      }
    }
  }
}

process.on('exit', () => killAll('SIGKILL'));
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    interrupted = true;
    process.stderr.write(`\nbench: ${sig}, stopping servers\n`);
    killAll('SIGTERM');
    setTimeout(() => process.exit(130), 300);
  });
}

export function track(c: ChildProcess): ChildProcess {
  children.add(c);
  c.once('exit', () => children.delete(c));
  return c;
}

export function shellQuote(argv: string[]): string {
  return argv.map((a) => (/^[A-Za-z0-9_./:=,+@-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, HOST, () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

// One PING over a fresh connection; resolves true on +PONG.
export function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: HOST, port });
    let buf = '';
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1000, () => done(false));
    sock.once('error', () => done(false));
    sock.once('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      if (buf.includes('\r\n')) done(buf.startsWith('+PONG'));
    });
  });
}

// ---------------------------------------------------------------- servers

export interface ServerSpec {
  id: string; // 'redis', 'damselfly', 'damselfly-t1', ...
  kind: 'redis' | 'damselfly';
  threads: number | null; // Damselfly shard threads (null for redis)
  label: string;
  /** Pass --proactor_threads even to the 'damselfly' server (otherwise it runs with its default count). */
  pinThreads?: boolean;
  /** Damselfly: node/V8 flags placed before the script (e.g. --trace-gc; V8 flags apply to every isolate). */
  nodeFlags?: string[];
  /** Extra server arguments after the defaults (e.g. ['--maxmemory', '1000000'] or ['--cache_mode=true']). */
  args?: string[];
  /** Damselfly: run the checkout at this directory instead of this one (an A/B against another build). */
  root?: string;
  /** bench/run.ts --scrape: an HTTP path fetched every second while this server is measured. */
  scrapePath?: string;
}

export interface StartOptions {
  /** Called with every complete line the server writes to stdout or stderr (without the newline). */
  onLine?: (line: string) => void;
}

export interface RunningServer {
  spec: ServerSpec;
  port: number;
  pid: number;
  argv: string[];
  proc: ChildProcess;
  log: string[];
}

/**
 * Splits a stream's chunks into complete lines (a line cut between two chunks is joined first), so
 * that a busy stdout (e.g. --trace-gc) can neither hide the ready line nor garble a parsed line.
 */
function lineSplitter(each: (line: string) => void): (d: Buffer) => void {
  let partial = '';
  return (d) => {
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) each(l);
  };
}

export async function startServer(spec: ServerSpec, opts: StartOptions = {}): Promise<RunningServer> {
  const port = await freePort();
  let argv: string[];
  if (spec.kind === 'redis') {
    argv = ['redis-server', '--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no'];
  } else {
    argv = [process.execPath, ...(spec.nodeFlags ?? []), join(spec.root ?? ROOT, 'src/main.ts'), `--port=${port}`, `--bind=${HOST}`];
    if (spec.id !== 'damselfly' || spec.pinThreads === true) argv.push(`--proactor_threads=${spec.threads}`);
  }
  argv.push(...(spec.args ?? []));
  const proc = track(spawn(argv[0], argv.slice(1), { cwd: spec.root ?? ROOT, stdio: ['ignore', 'pipe', 'pipe'] }));
  const log: string[] = [];
  let ready = spec.kind === 'redis';
  const onLine = (line: string): void => {
    log.push(line + '\n');
    if (log.length > 200) log.shift();
    if (/ready to accept connections/i.test(line)) ready = true;
    opts.onLine?.(line);
  };
  proc.stdout?.on('data', lineSplitter(onLine));
  proc.stderr?.on('data', lineSplitter(onLine));
  const started = Date.now();
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`${spec.label} exited during start-up (${proc.exitCode ?? proc.signalCode}):\n${log.join('')}`);
    }
    if (ready && (await ping(port))) break;
    if (Date.now() - started > 30000) throw new Error(`${spec.label} not ready after 30 s:\n${log.join('')}`);
    await sleep(100);
  }
  if (proc.pid === undefined) throw new Error(`${spec.label}: no pid`);
  return { spec, port, pid: proc.pid, argv, proc, log };
}

export async function stopServer(s: RunningServer): Promise<void> {
  if (s.proc.exitCode !== null || s.proc.signalCode !== null) return;
  const exited = new Promise<void>((r) => s.proc.once('exit', () => r()));
  s.proc.kill('SIGTERM');
  const t = setTimeout(() => s.proc.kill('SIGKILL'), 8000);
  await exited;
  clearTimeout(t);
}

// ---------------------------------------------------------------- /proc

export const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

// utime+stime of a whole process (all its threads), in clock ticks; and of its waited-for children.
export function procTicks(pid: number | 'self'): { self: number; children: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  // Fields after "(comm) ": state=3 ... utime=14 stime=15 cutime=16 cstime=17.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { self: Number(f[11]) + Number(f[12]), children: Number(f[13]) + Number(f[14]) };
}


/** Resident set size of a whole process (every thread shares it), from /proc/<pid>/status VmRSS, in bytes. */
export function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
  if (m === null) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(m[1]) * 1024;
}

/** Peak resident set size of a process so far (/proc/<pid>/status VmHWM), in bytes. */
export function peakRssBytes(pid: number): number {
  const m = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
  if (m === null) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(m[1]) * 1024;
}

/** VmRSS once it stops moving: sampled every 250 ms until three samples agree within 0.5% (at most 15 s). */
export async function settledRss(pid: number): Promise<number> {
  const samples: number[] = [rssBytes(pid)];
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    await sleep(250);
    samples.push(rssBytes(pid));
    const last = samples.slice(-3);
    if (last.length === 3 && Math.max(...last) - Math.min(...last) <= 0.005 * Math.max(...last)) break;
  }
  return samples[samples.length - 1];
}

/** A bad command line (reported with the usage text). */
export class UsageError extends Error {}

/** Writes a result file and says where. */
export function writeResult(file: string, result: unknown, durationS: unknown): void {
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  const shown = relative(process.cwd(), file).startsWith('..') ? file : relative(process.cwd(), file);
  process.stdout.write(`\nbench: wrote ${shown} (${durationS} s)\n`);
}

/** Runs a benchmark's main(): on failure reports it (usage errors with the usage text), stops every child and exits 1. */
export function runMain(main: () => Promise<void>, usage: string): void {
  main().catch((e: unknown) => {
    // After SIGINT the dying benchmark's error is a consequence, not news.
    if (e instanceof UsageError) process.stderr.write(`bench: ${e.message}\n${usage}\n`);
    else if (!wasInterrupted()) process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    killAll('SIGTERM');
    process.exitCode = 1;
    setTimeout(() => process.exit(1), 500);
  });
}

/** Fetches `path` from the server every second until stop(); counts the answers that were 200. */
export function startScraper(port: number, path: string): { stop(): void; count(): number } {
  let ok = 0;
  let stopped = false;
  const fetchOnce = (): void => {
    const req = httpGet({ host: HOST, port, path, agent: false }, (res) => {
      res.resume();
      res.once('end', () => {
        if (res.statusCode === 200) ok++;
      });
    });
    req.once('error', () => {});
  };
  fetchOnce();
  const timer = setInterval(() => {
    if (!stopped) fetchOnce();
  }, 1000);
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
    count: () => ok,
  };
}
