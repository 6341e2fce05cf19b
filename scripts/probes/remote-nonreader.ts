// Probe: a client that pipelines GETs of a 1 KB value (--value=bytes) and never reads its replies, with the key on a
// shard other than its connection's thread (or on its own: --local). Meanwhile one PING client per
// thread measures its worst latency, and the server's RSS is sampled; then the offender goes and the
// RSS is watched settling. Starts the server itself.
//   node scripts/probes/remote-nonreader.ts [--target=damselfly|redis] [--n=1000000] [--local] [--seconds=30]
// PROBE_DEBUG=1 logs the phases on stderr.
// (--server=/other/tree/src/main.ts: another build, e.g. main, for a before/after;
//  --n=0: no offender traffic, the PING latency of the idle server on this machine, as a baseline)
// Prints one JSON line of figures.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { shardOfKey } from '../../src/runtime/slots.ts';

const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const opt = (name: string, dflt: string): string => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt;
const TARGET = opt('target', 'damselfly');
const N = Number(opt('n', '1000000'));
const SECONDS = Number(opt('seconds', '30'));
const LOCAL = process.argv.includes('--local');
const VALUE = Number(opt('value', '1024'));
const THREADS = 2;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const rssOf = (pid: number): number => {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
};
const enc = (...a: string[]): Buffer => Buffer.from(`*${a.length}\r\n` + a.map((x) => `$${Buffer.byteLength(x)}\r\n${x}\r\n`).join(''));

/** A connection that sends one inline-free command at a time and reads its (simple) reply. */
class Ctl {
  sock: net.Socket;
  private buf = '';
  private waiter: (() => void) | null = null;
  constructor(sock: net.Socket) {
    this.sock = sock;
    sock.setNoDelay(true);
    sock.on('data', (b) => {
      this.buf += b.toString('latin1');
      this.waiter?.();
    });
  }
  static connect(port: number): Promise<Ctl> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new Ctl(s)));
      s.once('error', reject);
    });
  }
  /** Sends a command and waits for a complete reply (a simple line or one bulk). */
  async call(...a: string[]): Promise<string> {
    this.sock.write(enc(...a));
    for (;;) {
      const r = this.take();
      if (r !== null) return r;
      await new Promise<void>((res) => (this.waiter = res));
      this.waiter = null;
    }
  }
  private take(): string | null {
    const nl = this.buf.indexOf('\r\n');
    if (nl < 0) return null;
    if (this.buf[0] === '$' || this.buf[0] === '=') {
      const len = Number(this.buf.slice(1, nl));
      if (len < 0) return this.cut(nl + 2);
      if (this.buf.length < nl + 2 + len + 2) return null;
      return this.cut(nl + 2 + len + 2).slice(nl + 2, nl + 2 + len);
    }
    return this.cut(nl + 2);
  }
  private cut(n: number): string {
    const r = this.buf.slice(0, n);
    this.buf = this.buf.slice(n);
    return r;
  }
}

async function main(): Promise<void> {
  const port = await freePort();
  let server: ChildProcess;
  if (TARGET === 'redis') server = spawn('redis-server', ['--port', String(port), '--save', '', '--daemonize', 'no'], { stdio: 'ignore' });
  else {
    const node = join(ROOT, 'node_modules', '.bin', 'node');
    server = spawn(node, [opt('server', join(ROOT, 'src', 'main.ts')), `--port=${port}`, `--proactor_threads=${THREADS}`], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const pid = server.pid!;
  for (let i = 0; ; i++) {
    try {
      (await Ctl.connect(port)).sock.destroy();
      break;
    } catch {
      if (i > 100) throw new Error('server did not start');
      await sleep(100);
    }
  }
  const threadOf = async (c: Ctl): Promise<number> => {
    const m = /thread=(\d+)/.exec(await c.call('CLIENT', 'INFO'));
    return m ? Number(m[1]) : 0;
  };
  // One PING client per thread.
  const threads = TARGET === 'redis' ? 1 : THREADS;
  const pingers: Ctl[] = [];
  const spare: Ctl[] = [];
  while (pingers.length < threads) {
    const c = await Ctl.connect(port);
    const t = await threadOf(c);
    if (pingers.some((p) => (p as unknown as { t: number }).t === t)) spare.push(c);
    else pingers.push(Object.assign(c, { t }));
  }
  for (const c of spare) c.sock.destroy();
  // The offender, and a key on the other shard (or on its own with --local).
  const off = await Ctl.connect(port);
  const offThread = await threadOf(off);
  let key = '';
  for (let i = 0; ; i++) {
    key = `probe:${i}`;
    const s = shardOfKey(Buffer.from(key), THREADS);
    if (TARGET === 'redis' || (LOCAL ? s === offThread : s !== offThread)) break;
  }
  await pingers[0].call('SET', key, 'v'.repeat(VALUE));
  // Warm-up: the same traffic from a client that reads (the rings' and buffers' pages get touched),
  // so that the baseline is a server that has served it once.
  const warm = (await Ctl.connect(port)).sock;
  warm.removeAllListeners('data');
  let warmBytes = 0;
  warm.on('data', (b: Buffer) => (warmBytes += b.length));
  const perBatch = Math.max(1, Math.min(1000, Math.floor((4 << 20) / VALUE)));
  const warmBatch = Buffer.concat(Array.from({ length: perBatch }, () => enc('GET', key)));
  const replyBytes = VALUE + `$${VALUE}\r\n\r\n`.length;
  for (let i = 0; i < 50; i++) {
    warm.write(warmBatch);
    while (warmBytes < (i + 1) * perBatch * replyBytes) await sleep(1);
  }
  warm.destroy();
  await pingers[0].call('CONFIG', 'RESETSTAT');
  await sleep(500);
  const rssBefore = rssOf(pid);

  // Ping loops: worst latency per thread.
  let running = true;
  const maxPing = pingers.map(() => 0);
  const pingStart = pingers.map(() => 0);
  const pingLoops = pingers.map(async (c, i) => {
    while (running) {
      pingStart[i] = performance.now();
      await c.call('PING');
      maxPing[i] = Math.max(maxPing[i], performance.now() - pingStart[i]);
      pingStart[i] = 0;
      await sleep(10);
    }
  });
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssOf(pid))), 50);

  const dbg = (s: string): void => void (process.env.PROBE_DEBUG && console.error(s, Math.round(performance.now())));
  // Flood: N GETs in chunks, honouring the socket's backpressure; never read.
  off.sock.pause();
  off.sock.removeAllListeners('data');
  const chunkCmds = 1000;
  const chunk = Buffer.concat(Array.from({ length: chunkCmds }, () => enc('GET', key)));
  let sent = 0;
  let lastProgress = performance.now();
  let offClosed = false;
  off.sock.on('close', () => (offClosed = true));
  off.sock.on('error', (e) => {
    offClosed = true;
    dbg('offender error ' + e.message);
  });
  const flood = new Promise<void>((resolve) => {
    const pump = (): void => {
      while (sent < N && !offClosed) {
        sent += chunkCmds;
        lastProgress = performance.now();
        if (!off.sock.write(chunk)) return void off.sock.once('drain', pump);
      }
      resolve();
    };
    pump();
  });
  const t0 = performance.now();
  // Ends when everything is sent, the server stops reading (no progress for 3 s), or the time is up.
  while (sent < N && !offClosed && performance.now() - lastProgress < 3000 && performance.now() - t0 < SECONDS * 1000) await sleep(100);
  // With --n=0 (no flood): the same measurements on an idle server, for the machine's own noise.
  if (N === 0) await sleep(5000);
  void flood;
  dbg(`flood ended sent=${sent}`);
  const statsConn = await Ctl.connect(port);
  const stats = await statsConn.call('INFO', 'commandstats');
  statsConn.sock.destroy();
  const gets = Number(/cmdstat_get:calls=(\d+)/.exec(stats)?.[1] ?? 0);
  const rssWhile = rssOf(pid);
  const closedByServer = offClosed;
  dbg(`info ${gets}`);
  off.sock.destroy();
  // Settle: sample RSS until it stops falling (at most 10 s).
  let rssAfter = rssOf(pid);
  for (let i = 0; i < 20; i++) {
    await sleep(500);
    const r = rssOf(pid);
    if (Math.abs(r - rssAfter) < 1024 * 1024 && i > 3) {
      rssAfter = r;
      break;
    }
    rssAfter = r;
  }
  dbg('settled');
  running = false;
  // A PING still unanswered counts as its wait so far.
  await Promise.race([Promise.all(pingLoops), sleep(2000)]);
  pingStart.forEach((s, i) => {
    if (s !== 0) maxPing[i] = Math.max(maxPing[i], performance.now() - s);
  });
  clearInterval(sampler);
  const alive = server.exitCode === null;
  const mb = (b: number): number => Math.round(b / 1024 / 1024);
  console.log(JSON.stringify({
    target: TARGET, value: VALUE, remote: !LOCAL && TARGET !== 'redis', sentGets: sent, executedGets: gets, offenderClosedByServer: closedByServer,
    rssBeforeMB: mb(rssBefore), rssPeakMB: mb(rssPeak), rssWhileMB: mb(rssWhile), rssAfterMB: mb(rssAfter),
    maxPingMs: maxPing.map((x) => Math.round(x)), alive,
  }));
  for (const c of pingers) c.sock.destroy();
  server.kill('SIGKILL');
  process.exit(0);
}

void main();
