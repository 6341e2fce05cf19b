// Pub/Sub fan-out benchmark: PUBLISH at -P 16 (redis-benchmark, 50 clients) to 1 subscriber and to
// 100 subscribers (raw sockets counting bytes; on Damselfly spread evenly over its threads), against
// redis-server in the same run. Reports delivered messages per second: every subscriber's messages,
// from the publisher's start until the last subscriber has them all.
// Invariants: every message has the same size, so a subscriber's message count is its bytes over
// the frame size; a run that loses messages (a subscriber closed) is reported as such, not hidden.

import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { HOST, runMain, startServer, stopServer, UsageError, writeResult, type RunningServer } from './servers.ts';
import { fmt2, fmtOps, loadAtStart, resultFile, resultHead, table } from './bench-util.ts';

const USAGE = 'usage: node bench/pubsub.ts [--subs=1,100] [--requests=N (publishes with 1 subscriber; /10 with more)] [--threads=2] [--out=FILE]';
const CHANNEL = 'bench';
const PAYLOAD = 'x'.repeat(32);
const FRAME = Buffer.from(`*3\r\n$7\r\nmessage\r\n$${CHANNEL.length}\r\n${CHANNEL}\r\n$${PAYLOAD.length}\r\n${PAYLOAD}\r\n`);

interface Sub {
  sock: Socket;
  bytes: number;
  thread: number;
}

function opt(name: string, def: string): string {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a === undefined ? def : a.slice(name.length + 3);
}

/** Sends one command on a fresh socket and resolves with its first reply chunk (setup only). */
function request(sock: Socket, cmd: string): Promise<string> {
  return new Promise((resolve) => {
    sock.once('data', (d) => resolve(d.toString('latin1')));
    sock.write(cmd);
  });
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: HOST, noDelay: true });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** `n` subscribers, as evenly as possible over `threads` threads (any thread for redis). */
async function subscribers(server: RunningServer, n: number, threads: number): Promise<Sub[]> {
  const per = Math.ceil(n / threads);
  const counts = new Array(threads).fill(0);
  const subs: Sub[] = [];
  const spare: Socket[] = [];
  for (let tries = 0; subs.length < n && tries < n * 30; tries++) {
    const sock = await open(server.port);
    let thread = 0;
    if (server.spec.kind === 'damselfly') thread = Number(/thread=(\d+)/.exec(await request(sock, 'CLIENT INFO\r\n'))?.[1] ?? 0);
    if (counts[thread] >= per) {
      spare.push(sock);
      continue;
    }
    counts[thread]++;
    await request(sock, `SUBSCRIBE ${CHANNEL}\r\n`);
    const sub: Sub = { sock, bytes: 0, thread };
    sock.on('data', (d) => (sub.bytes += d.length));
    subs.push(sub);
  }
  for (const s of spare) s.destroy();
  return subs;
}

/** Runs redis-benchmark publishing `requests` messages; resolves when it exits. */
function publisher(port: number, requests: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('redis-benchmark', ['-h', HOST, '-p', String(port), '-c', '50', '-n', String(requests), '-P', '16', '-q', 'PUBLISH', CHANNEL, PAYLOAD], { stdio: 'ignore' });
    p.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`redis-benchmark exited ${code}`))));
  });
}

interface Row {
  server: string;
  subscribers: number;
  threads: string;
  publishes: number;
  delivered: number;
  seconds: number;
  perSecond: number;
  complete: boolean;
}

async function measure(server: RunningServer, nSubs: number, requests: number, threads: number): Promise<Row> {
  const subs = await subscribers(server, nSubs, server.spec.kind === 'damselfly' ? threads : 1);
  const want = requests * FRAME.length;
  const t0 = performance.now();
  await publisher(server.port, requests);
  // Wait (bounded) for the subscribers to get everything published.
  const deadline = Date.now() + 30_000;
  while (subs.some((s) => s.bytes < want && !s.sock.destroyed) && Date.now() < deadline) await new Promise((r) => setImmediate(r));
  const seconds = (performance.now() - t0) / 1000;
  const delivered = subs.reduce((n, s) => n + Math.floor(s.bytes / FRAME.length), 0);
  const perThread = new Array(threads).fill(0);
  for (const s of subs) perThread[s.thread]++;
  for (const s of subs) s.sock.destroy();
  return {
    server: server.spec.label,
    subscribers: nSubs,
    threads: server.spec.kind === 'damselfly' ? perThread.join('+') : '-',
    publishes: requests,
    delivered,
    seconds,
    perSecond: delivered / seconds,
    complete: delivered === requests * nSubs,
  };
}

async function main(): Promise<void> {
  const started = new Date();
  const loadStart = loadAtStart();
  const subsList = opt('subs', '1,100').split(',').map(Number);
  const base = Number(opt('requests', '400000'));
  const threads = Number(opt('threads', '2'));
  if (!Number.isFinite(base) || base <= 0 || subsList.some((n) => !(n > 0))) throw new UsageError('bad --requests or --subs');
  const redis = await startServer({ id: 'redis', kind: 'redis', threads: null, label: 'redis' });
  const dfly = await startServer({ id: 'damselfly', kind: 'damselfly', threads, label: `damselfly (${threads} threads)`, pinThreads: true });
  const rows: Row[] = [];
  try {
    for (const n of subsList) {
      const requests = n === 1 ? base : Math.round(base / 10);
      // Warm-up (not reported), then redis and damselfly in turn.
      await measure(dfly, n, Math.round(requests / 5), threads);
      for (const s of [redis, dfly]) rows.push(await measure(s, n, requests, threads));
    }
  } finally {
    await Promise.all([stopServer(redis), stopServer(dfly)]);
  }
  const head = ['server', 'subscribers', 'per thread', 'publishes', 'delivered', 's', 'delivered/s', 'vs redis'];
  const out = rows.map((r) => {
    const ref = rows.find((x) => x.server === 'redis' && x.subscribers === r.subscribers)!;
    return [r.server, String(r.subscribers), r.threads, String(r.publishes), String(r.delivered) + (r.complete ? '' : ' (LOST)'), fmt2(r.seconds), fmtOps(r.perSecond), fmt2(r.perSecond / ref.perSecond)];
  });
  process.stdout.write(table(head, out) + '\n');
  const h = resultHead(started, loadStart, import.meta.url);
  writeResult(resultFile(opt('out', '') || null, started, '-pubsub'), { ...h, rows }, h.durationS);
}

runMain(main, USAGE);
