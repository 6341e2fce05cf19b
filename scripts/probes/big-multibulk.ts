// Probe: memory of huge requests, Damselfly against redis-server (issue "request-path memory").
// 1. one multibulk of N one-byte arguments (`*N+1 ECHO $1 a ...`): peak RSS while it is sent and
//    answered (Redis: arity error), and RSS once the client has left;
// 2. MULTI with M queued SETs, then disconnect without EXEC: peak and after.
// Usage: node scripts/probes/big-multibulk.ts [--args=10000000] [--cmd=ECHO] [--sets=1000000] [--threads=2] [--only=damselfly|redis]
// RSS is the server process's VmRSS (/proc), sampled every 20 ms. Sleeps here are measurement pauses.

import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { startDamselfly, startRedis, type ServerHandle } from '../../test/harness.ts';

const opt = (name: string, dflt: string): string => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt;
const ARGS = Number(opt('args', '10000000'));
const SETS = Number(opt('sets', '1000000'));
const THREADS = Number(opt('threads', '2'));
const ONLY = opt('only', '');
const ROUNDS = Number(opt('rounds', '1'));
const CMD = opt('cmd', 'ECHO');
const SETTLE_MS = Number(opt('settle', '2000'));

const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Sends `parts()` chunk by chunk (honouring backpressure) and resolves once `done(received)` holds. */
async function exchange(port: number, parts: Iterable<Buffer>, done: (got: Buffer) => boolean, keepOpen = false): Promise<{ reply: Buffer; sock: Socket }> {
  const sock = connect(port, '127.0.0.1');
  await new Promise<void>((r) => sock.once('connect', () => r()));
  let got = Buffer.alloc(0);
  let tail = Buffer.alloc(0);
  let bytes = 0;
  const finished = new Promise<void>((resolve) => {
    sock.on('data', (d: Buffer) => {
      bytes += d.length;
      if (got.length < 256) got = Buffer.concat([got, d]).subarray(0, 256);
      tail = Buffer.concat([tail, d]).subarray(-64);
      if (done(Buffer.concat([got, Buffer.from(`|${bytes}|`), tail]))) resolve();
    });
    sock.on('close', () => resolve());
  });
  for (const p of parts) if (!sock.write(p)) await new Promise((r) => sock.once('drain', r));
  await finished;
  if (!keepOpen) sock.destroy();
  return { reply: got, sock };
}

function* bigEcho(n: number): Generator<Buffer> {
  yield Buffer.from(`*${n + 1}\r\n$${CMD.length}\r\n${CMD}\r\n`);
  const per = 64 * 1024;
  const block = Buffer.from('$1\r\na\r\n'.repeat(per));
  for (let left = n; left > 0; left -= per) yield left >= per ? block : block.subarray(0, left * 7);
}

function* multiSets(m: number): Generator<Buffer> {
  yield Buffer.from('*1\r\n$5\r\nMULTI\r\n');
  const per = 8192;
  for (let i = 0; i < m; i += per) {
    let s = '';
    for (let j = i; j < Math.min(m, i + per); j++) {
      const k = `key:${j}`;
      s += `*3\r\n$3\r\nSET\r\n$${k.length}\r\n${k}\r\n$5\r\nvalue\r\n`;
    }
    yield Buffer.from(s);
  }
}

async function measure(name: string, h: ServerHandle): Promise<void> {
  const pid = h.proc.pid!;
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 20);
  await sleep(500);
  const before = rssMb(pid);
  peak = before;
  const t0 = Date.now();
  const { reply } = await exchange(h.port, bigEcho(ARGS), (g) => g.includes(0x0a));
  const echoMs = Date.now() - t0;
  const echoPeak = peak;
  await sleep(SETTLE_MS);
  const echoAfter = rssMb(pid);
  console.log(`${name} ${ARGS} args ${CMD}: reply ${JSON.stringify(reply.toString().split('\r\n')[0])} in ${echoMs} ms; RSS before ${before.toFixed(0)} MB, peak ${echoPeak.toFixed(0)} MB, after ${echoAfter.toFixed(0)} MB`);

  for (let round = 0; round < ROUNDS; round++) await multiRound(name, h.port, pid, () => peak, (v) => (peak = v));
  clearInterval(timer);
  const ok = await exchange(h.port, [Buffer.from('PING\r\n')], (g) => g.includes(0x0a));
  console.log(`${name} alive: ${h.alive()} ${JSON.stringify(ok.reply.toString())}`);
}

async function multiRound(name: string, port: number, pid: number, getPeak: () => number, setPeak: (v: number) => void): Promise<void> {
  setPeak(rssMb(pid));
  const before2 = getPeak();
  const expect = `|${5 + 9 * SETS}|`; // +OK\r\n then +QUEUED\r\n per SET
  const t1 = Date.now();
  await exchange(port, multiSets(SETS), (g) => g.includes(expect));
  const multiMs = Date.now() - t1;
  const multiPeak = getPeak();
  await sleep(SETTLE_MS);
  const multiAfter = rssMb(pid);
  console.log(`${name} MULTI + ${SETS} SETs, disconnect: ${multiMs} ms; RSS before ${before2.toFixed(0)} MB, peak ${multiPeak.toFixed(0)} MB, after ${multiAfter.toFixed(0)} MB`);
}

for (const name of ['damselfly', 'redis']) {
  if (ONLY !== '' && ONLY !== name) continue;
  const h = name === 'redis' ? await startRedis() : await startDamselfly({ threads: THREADS });
  try {
    await measure(name, h);
  } finally {
    await h.stop();
  }
}
