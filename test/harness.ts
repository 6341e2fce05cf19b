// Test harness: starts Damselfly and a reference Redis on free ports, a raw RESP client that returns
// the exact bytes of each reply, and a differential checker that sends the same commands to both
// servers and asserts byte-identical replies.
// Invariants: no sleeps used as synchronisation (readiness = a PING answered; every wait is on an
// event with a deadline); every process started here is killed on stop() and at process exit.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { mulberry32 } from '../src/util/prng.ts';
import { encodeCommand, scanReply, replyLength, show, showCommand, type Arg } from './resp.ts';

export const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..');
export const MAIN = join(ROOT, 'src', 'main.ts');

// ---------------------------------------------------------------------------------------------
// Processes

const live = new Set<ChildProcess>();
function killAll(): void {
  for (const p of live) {
    try {
      p.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(sig, () => {
    killAll();
    process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
  });
}

/** A free TCP port on the loopback interface (bound, read, released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Whether a program is on PATH. */
export function hasProgram(name: string): boolean {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
  return r.status === 0;
}

/** TEST_NO_REDIS=1 pretends redis-server and redis-cli are missing (to exercise the skip paths). */
const NO_REDIS = process.env.TEST_NO_REDIS === '1';
export const REDIS_AVAILABLE = !NO_REDIS && hasProgram('redis-server');
export const REDIS_CLI_AVAILABLE = !NO_REDIS && hasProgram('redis-cli');
export const SKIP_NO_REDIS = 'redis-server not installed';

export interface ServerHandle {
  port: number;
  proc: ChildProcess;
  /** stdout + stderr so far. */
  output(): string;
  /** True while the process runs. */
  alive(): boolean;
  /** SIGTERM, then awaits exit (SIGKILL after a deadline). Returns the exit code / signal. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Resolves once `port` answers PING (+PONG, or -NOAUTH with a password set); rejects if `proc` exits or the deadline passes. */
async function waitReady(port: number, proc: ChildProcess, out: () => string, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  let exited = false;
  proc.once('exit', () => (exited = true));
  for (;;) {
    if (exited || proc.exitCode !== null) throw new Error(`server on port ${port} exited before it was ready:\n${out()}`);
    if (Date.now() > deadline) throw new Error(`server on port ${port} not ready after ${deadlineMs} ms:\n${out()}`);
    const ok = await tryPing(port, Math.max(100, deadline - Date.now()));
    if (ok) return;
    // Wait for the next observable event: either the process prints something or a short poll tick.
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        proc.stdout?.off('data', done);
        proc.off('exit', done);
        resolve();
      };
      const t = setTimeout(done, 25);
      proc.stdout?.on('data', done);
      proc.on('exit', done);
    });
  }
}

function tryPing(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1' });
    let buf = '';
    const finish = (ok: boolean): void => {
      clearTimeout(t);
      s.destroy();
      resolve(ok);
    };
    const t = setTimeout(() => finish(false), Math.min(timeoutMs, 2000));
    s.on('error', () => finish(false));
    s.on('connect', () => s.write('*1\r\n$4\r\nPING\r\n'));
    s.on('data', (d) => {
      buf += d.toString('latin1');
      // -NOAUTH: up, but a password is required.
      if (buf.includes('\r\n')) finish(buf.startsWith('+PONG') || buf.startsWith('-NOAUTH'));
    });
    s.on('close', () => finish(false));
  });
}

function track(proc: ChildProcess, port: number, readyMs: number): Promise<ServerHandle> {
  live.add(proc);
  let out = '';
  proc.stdout?.setEncoding('utf8');
  proc.stderr?.setEncoding('utf8');
  proc.stdout?.on('data', (d: string) => (out = (out + d).slice(-200_000)));
  proc.stderr?.on('data', (d: string) => (out = (out + d).slice(-200_000)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.once('exit', (code, signal) => {
      live.delete(proc);
      resolve({ code, signal });
    });
  });
  const handle: ServerHandle = {
    port,
    proc,
    output: () => out,
    alive: () => proc.exitCode === null && proc.signalCode === null,
    async stop() {
      if (handle.alive()) proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      const r = await exited;
      clearTimeout(t);
      return r;
    },
  };
  return waitReady(port, proc, () => out, readyMs).then(
    () => handle,
    async (e: unknown) => {
      proc.kill('SIGKILL');
      await exited;
      throw e;
    },
  );
}

export interface DamselflyOptions {
  threads?: number;
  args?: string[];
  port?: number;
  /** Added to the environment (e.g. DAMSELFLY_TEST_HOST_ROOT). */
  env?: Record<string, string>;
  /** A redis.conf to start from (the first argument, before the flags). */
  conf?: string;
}

/** Starts `node src/main.ts --port <free> --proactor_threads=N ...args` and waits until it answers. */
export async function startDamselfly(opts: DamselflyOptions = {}): Promise<ServerHandle> {
  const threads = opts.threads ?? 2;
  for (let attempt = 0; ; attempt++) {
    const port = opts.port ?? (await freePort());
    const proc = spawn(process.execPath, [MAIN, ...(opts.conf !== undefined ? [opts.conf] : []), '--port', String(port), `--proactor_threads=${threads}`, ...(opts.args ?? [])], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: opts.env === undefined ? process.env : { ...process.env, ...opts.env },
    });
    try {
      return await track(proc, port, 30_000);
    } catch (e) {
      // A port taken between freePort() and listen(): try another one.
      if (attempt < 2 && opts.port === undefined && /EADDRINUSE|already in use/i.test(String((e as Error).message))) continue;
      throw e;
    }
  }
}

/** Starts `redis-server [conf] --port <free> --save '' --appendonly no` (throws if it is not installed). */
export async function startRedis(args: string[] = [], conf?: string): Promise<ServerHandle> {
  if (!REDIS_AVAILABLE) throw new Error(SKIP_NO_REDIS);
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const base = conf !== undefined ? [conf, '--port', String(port)] : ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    const proc = spawn('redis-server', [...base, ...args], {
      cwd: '/tmp',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      return await track(proc, port, 15_000);
    } catch (e) {
      if (attempt < 2 && /already in use|EADDRINUSE/i.test(String((e as Error).message))) continue;
      throw e;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// RESP encoding and reply boundaries (test/resp.ts)

export { encodeCommand, scanReply, replyLength, show, showCommand, type Arg } from './resp.ts';

const CR = 0x0d;

// ---------------------------------------------------------------------------------------------
// Raw client

/** A raw RESP client: sends bytes or commands, returns the exact bytes of each reply. */
export class RawClient {
  readonly socket: Socket;
  /** Received, unread bytes (joined lazily: big replies are not re-copied on every chunk). */
  private chunks: Buffer[] = [];
  private size = 0;
  /** Bytes needed before the next reply can be complete (from the last scan). */
  private need = 1;
  private waiter: (() => void) | null = null;
  closed = false;
  error: Error | null = null;
  /** Total bytes received. */
  received = 0;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      this.received += d.length;
      this.chunks.push(d);
      this.size += d.length;
      if (this.size >= this.need) this.wake();
    });
    socket.on('error', (e) => {
      this.error = e;
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  static connect(port: number, timeoutMs = 10_000): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ port, host: '127.0.0.1' });
      s.setNoDelay(true);
      const t = setTimeout(() => {
        s.destroy();
        reject(new Error(`connect to ${port} timed out`));
      }, timeoutMs);
      s.once('error', (e) => {
        clearTimeout(t);
        reject(e);
      });
      s.once('connect', () => {
        clearTimeout(t);
        s.removeAllListeners('error');
        resolve(new RawClient(s));
      });
    });
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  /** Waits for the next event (enough data, error, close) or the deadline; false on the deadline. */
  private async waitEvent(deadline: number): Promise<boolean> {
    const left = deadline - Date.now();
    if (left <= 0) return false;
    return new Promise<boolean>((resolve) => {
      const t = setTimeout(() => {
        this.waiter = null;
        resolve(false);
      }, left);
      this.waiter = () => {
        clearTimeout(t);
        resolve(true);
      };
    });
  }

  /** The unread bytes as one buffer. */
  private flat(): Buffer {
    if (this.chunks.length === 0) return Buffer.alloc(0);
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.size)];
    return this.chunks[0];
  }

  /** Removes and returns the first n unread bytes. */
  take(n: number): Buffer {
    const b = this.flat();
    const out = b.subarray(0, n);
    const rest = b.subarray(out.length);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.size = rest.length;
    return out;
  }

  /** Sends raw bytes (a string is sent as latin1) or, for an array, the RESP encoding of a command. */
  send(data: Buffer | string | Arg[]): void {
    const bytes = Array.isArray(data) ? encodeCommand(data) : Buffer.isBuffer(data) ? data : Buffer.from(data, 'latin1');
    this.socket.write(bytes);
  }

  /** Bytes received and not read yet. */
  get pending(): Buffer {
    return this.flat();
  }

  /** The exact bytes of the next complete reply. Rejects on timeout or if the connection closes first. */
  async readReply(timeoutMs = 15_000): Promise<Buffer> {
    const r = await this.tryReadReply(timeoutMs);
    if (r === null) {
      const why = this.closed ? 'connection closed' : this.error ? `error ${this.error.message}` : `timeout after ${timeoutMs} ms`;
      throw new Error(`no complete reply (${why}); pending bytes: ${show(this.pending)}`);
    }
    return r;
  }

  /** Like readReply, but null when the connection closed (or timed out) before a complete reply. */
  async tryReadReply(timeoutMs = 15_000): Promise<Buffer | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.size > 0 && this.size >= this.need) {
        const n = scanReply(this.flat(), 0);
        if (n >= 0) {
          this.need = 1;
          return this.take(n);
        }
        this.need = -n;
      }
      if (this.closed || this.error) return null;
      if (!(await this.waitEvent(deadline)) && Date.now() >= deadline) return null;
    }
  }

  /** Sends a command and returns its reply bytes. */
  async call(args: Arg[], timeoutMs?: number): Promise<Buffer> {
    this.send(args);
    return this.readReply(timeoutMs);
  }

  /** Sends a command and returns its reply as a latin1 string. */
  async callText(args: Arg[], timeoutMs?: number): Promise<string> {
    return (await this.call(args, timeoutMs)).toString('latin1');
  }

  /** Waits until the server closes the connection; returns every byte not read yet. */
  async readUntilClose(timeoutMs = 15_000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    this.need = Infinity; // only the close matters
    try {
      while (!this.closed) {
        if (!(await this.waitEvent(deadline)) && Date.now() >= deadline) {
          throw new Error(`connection not closed after ${timeoutMs} ms; pending bytes: ${show(this.pending)}`);
        }
      }
    } finally {
      this.need = 1;
    }
    return this.take(this.size);
  }

  /** Waits until at least n bytes are pending (or close/timeout); returns whether they are. */
  async waitBytes(n: number, timeoutMs = 15_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    this.need = n;
    try {
      while (this.size < n) {
        if (this.closed || this.error) return false;
        if (!(await this.waitEvent(deadline)) && Date.now() >= deadline) return false;
      }
      return true;
    } finally {
      this.need = 1;
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// Differential testing against Redis

/** Rewrites a reply before comparison (unavoidable differences). */
export type Normalizer = (cmd: Arg[], reply: Buffer, server: 'redis' | 'damselfly') => Buffer;

function argText(a: Arg | undefined): string {
  if (a === undefined) return '';
  return (Buffer.isBuffer(a) ? a.toString('latin1') : String(a)).toLowerCase();
}

/** HELLO: the server version and the client id differ by nature. */
export const normalizeHello: Normalizer = (cmd, reply) => {
  if (argText(cmd[0]) !== 'hello') return reply;
  let s = reply.toString('latin1');
  s = s.replace(/(\$7\r\nversion\r\n)\$\d+\r\n[^\r]*\r\n/, '$1$<v>\r\n<version>\r\n');
  s = s.replace(/(\$2\r\nid\r\n):\d+\r\n/, '$1:<id>\r\n');
  return Buffer.from(s, 'latin1');
};

/** CLIENT ID: any positive integer. */
export const normalizeClientId: Normalizer = (cmd, reply) => {
  if (argText(cmd[0]) === 'client' && argText(cmd[1]) === 'id' && cmd.length === 2 && /^:\d+\r\n$/.test(reply.toString('latin1'))) {
    return Buffer.from(':<id>\r\n');
  }
  return reply;
};

export const DEFAULT_NORMALIZERS: Normalizer[] = [normalizeHello, normalizeClientId];

/** For commands whose reply order is unspecified (KEYS, SMEMBERS...): sorts a flat array's elements. */
export function normalizeUnordered(...names: string[]): Normalizer {
  const set = new Set(names.map((n) => n.toLowerCase()));
  return (cmd, reply) => {
    if (!set.has(argText(cmd[0])) || (reply[0] !== 0x2a && reply[0] !== 0x7e)) return reply;
    const cr = reply.indexOf(CR);
    const n = Number(reply.toString('latin1', 1, cr));
    if (!(n > 1)) return reply;
    const items: Buffer[] = [];
    let at = cr + 2;
    for (let i = 0; i < n; i++) {
      const len = replyLength(reply, at);
      items.push(reply.subarray(at, at + len));
      at += len;
    }
    items.sort(Buffer.compare);
    return Buffer.concat([reply.subarray(0, cr + 2), ...items]);
  };
}

export interface DiffOptions {
  resp3?: boolean;
  /** Send every command before reading any reply (default: one at a time). */
  pipeline?: boolean;
  normalize?: Normalizer[];
  /** Label in failure messages. */
  label?: string;
  timeoutMs?: number;
}

/**
 * Which commands produce a reply, following CLIENT REPLY OFF/ON/SKIP and QUIT semantics (the same
 * model for both servers: a server that answers when it should not shows up as a shifted reply).
 */
function expectedReplies(commands: Arg[][]): { replies: boolean[]; quitAt: number } {
  let off = false;
  let skip = false;
  const replies: boolean[] = [];
  let quitAt = -1;
  for (let i = 0; i < commands.length; i++) {
    const c = commands[i];
    const name = argText(c[0]);
    if (name === 'client' && argText(c[1]) === 'reply' && c.length === 3) {
      const mode = argText(c[2]);
      if (mode === 'on') {
        off = skip = false;
        replies.push(true);
        continue;
      }
      if (mode === 'off') {
        off = true;
        skip = false;
        replies.push(false);
        continue;
      }
      if (mode === 'skip') {
        if (!off) skip = true;
        replies.push(false);
        continue;
      }
    }
    replies.push(!off && !skip);
    skip = false;
    if (name === 'quit') {
      quitAt = i;
      break;
    }
  }
  return { replies, quitAt };
}

/** Runs `commands` on a fresh connection; returns one entry per command (null: no reply expected). */
export async function transcript(port: number, commands: Arg[][], opts: DiffOptions = {}): Promise<{ replies: (Buffer | null)[]; hello?: Buffer; trailing: Buffer; closed: boolean }> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const c = await RawClient.connect(port);
  try {
    let hello: Buffer | undefined;
    if (opts.resp3) hello = await c.call(['HELLO', '3'], timeoutMs);
    const { replies: expect, quitAt } = expectedReplies(commands);
    const sent = quitAt >= 0 ? commands.slice(0, quitAt + 1) : commands;
    const replies: (Buffer | null)[] = [];
    if (opts.pipeline) {
      c.send(Buffer.concat(sent.map(encodeCommand)));
      for (let i = 0; i < sent.length; i++) replies.push(expect[i] ? await c.readReply(timeoutMs) : null);
    } else {
      for (let i = 0; i < sent.length; i++) {
        c.send(sent[i]);
        replies.push(expect[i] ? await c.readReply(timeoutMs) : null);
      }
    }
    let trailing: Buffer;
    let closed = false;
    if (quitAt >= 0) {
      trailing = await c.readUntilClose(timeoutMs);
      closed = true;
    } else {
      // A sentinel: whatever arrives before its reply was not expected.
      const marker = `__diff_end_${Math.random().toString(36).slice(2)}`;
      c.send(['CLIENT', 'REPLY', 'ON']);
      c.send(['ECHO', marker]);
      const chunks: Buffer[] = [];
      for (;;) {
        const r = await c.readReply(timeoutMs);
        if (r.toString('latin1') === `$${marker.length}\r\n${marker}\r\n`) break;
        chunks.push(r);
      }
      // Drop the +OK of the sentinel CLIENT REPLY ON.
      const last = chunks.pop();
      if (last === undefined || last.toString('latin1') !== '+OK\r\n') throw new Error(`sentinel CLIENT REPLY ON got ${show(last)}`);
      trailing = Buffer.concat(chunks);
    }
    return { replies, hello, trailing, closed };
  } finally {
    c.close();
  }
}

export interface DiffTargets {
  damselfly: number;
  redis: number;
}

/**
 * Sends the same commands to Damselfly and Redis (fresh connection each, RESP3 after HELLO 3 when
 * asked) and asserts the raw reply bytes are equal, command by command.
 */
export async function diff(targets: DiffTargets, commands: Arg[][], opts: DiffOptions = {}): Promise<void> {
  const [d, r] = await Promise.all([transcript(targets.damselfly, commands, opts), transcript(targets.redis, commands, opts)]);
  const norms = opts.normalize ?? DEFAULT_NORMALIZERS;
  const norm = (cmd: Arg[], b: Buffer | null | undefined, server: 'redis' | 'damselfly'): Buffer | null => {
    if (b === null || b === undefined) return null;
    for (const n of norms) b = n(cmd, b, server);
    return b;
  };
  const where = `${opts.label ? opts.label + ' ' : ''}[${opts.resp3 ? 'RESP3' : 'RESP2'}${opts.pipeline ? ', pipelined' : ''}]`;
  const transcriptText = (): string =>
    commands.map((c, i) => `  > ${showCommand(c)}\n      damselfly: ${show(d.replies[i] ?? null)}\n      redis:     ${show(r.replies[i] ?? null)}`).join('\n');
  if (opts.resp3) {
    const hd = norm(['HELLO', '3'], d.hello, 'damselfly');
    const hr = norm(['HELLO', '3'], r.hello, 'redis');
    if (!hd!.equals(hr!)) assert.fail(`${where} HELLO 3 differs\n  damselfly: ${show(hd)}\n  redis:     ${show(hr)}`);
  }
  for (let i = 0; i < r.replies.length; i++) {
    const a = norm(commands[i], d.replies[i], 'damselfly');
    const b = norm(commands[i], r.replies[i], 'redis');
    const same = a === null ? b === null : b !== null && a.equals(b);
    if (!same) {
      assert.fail(
        `${where} reply ${i + 1} differs for: ${showCommand(commands[i])}\n` +
          `  damselfly: ${show(a)}\n  redis:     ${show(b)}\nwhole transcript:\n${transcriptText()}`,
      );
    }
  }
  if (!d.trailing.equals(r.trailing)) {
    assert.fail(`${where} unexpected extra bytes after the replies\n  damselfly: ${show(d.trailing)}\n  redis:     ${show(r.trailing)}\nwhole transcript:\n${transcriptText()}`);
  }
  if (d.closed !== r.closed) assert.fail(`${where} connection closed: damselfly ${d.closed}, redis ${r.closed}`);
}

// ---------------------------------------------------------------------------------------------
// Misc

/** Waits until `cond()` is true, polling on a short tick, with a deadline. */
export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A small deterministic PRNG (mulberry32, src/util/prng.ts). */
export const rng = mulberry32;

/** Stops a Damselfly started for a suite and fails if it had died during the tests (null: not started). */
export async function stopChecked(dfly: ServerHandle | null | undefined): Promise<void> {
  if (!dfly) return;
  const alive = dfly.alive();
  await dfly.stop();
  assert.ok(alive, `damselfly died during the tests:\n${dfly.output()}`);
}

/** Seeded random choices for the fuzzers (over rng). */
export class Rand {
  readonly r: () => number;
  constructor(seed: number) {
    this.r = rng(seed);
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.r() * (hi - lo + 1));
  }
  pick<T>(a: readonly T[]): T {
    return a[Math.floor(this.r() * a.length)];
  }
  chance(p: number): boolean {
    return this.r() < p;
  }
  /** Shuffles a in place (Fisher-Yates) and returns it. */
  shuffle<T>(a: T[]): T[] {
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(this.r() * (i + 1));
      [a[i], a[j]] = [a[j], a[i]];
    }
    return a;
  }
}

/** Runs `fn` and fails if it takes longer than `ms` (a bound, not a timing assertion). */
export async function within<T>(ms: number, what: string, fn: () => Promise<T>): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      fn(),
      new Promise<T>((_, reject) => {
        t = setTimeout(() => reject(new Error(`${what}: not done after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(t);
  }
}

/** diff() bound to one pair of servers: `const d = differ({damselfly, redis}); await d([[...]], {resp3: true})`. */
export function differ(targets: DiffTargets): (commands: Arg[][], opts?: DiffOptions) => Promise<void> {
  return (commands, opts) => diff(targets, commands, opts);
}
