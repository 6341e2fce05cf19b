// Stall probe: how long PING waits on each thread while one long operation runs (EXEC of a huge
// queue, WATCH of many keys, LRANGE/HGETALL/SMEMBERS of a huge value, FLUSHALL and KEYS over a big
// keyspace), Damselfly (--proactor_threads=2) against redis-server. Prints one table row per probe:
// the operation's own time and the worst PING latency seen on each thread meanwhile.
// Pingers run in worker threads (one connection per Damselfly thread, found with CLIENT LIST ID), so
// the driver's own parsing of a huge reply does not delay their clocks.
//   node scripts/probes/stalls.ts [--scale=0.1] [--only=exec,lrange] [--damselfly-only] [--dfly-port=P]
// --scale multiplies every size but WATCH's (1 = the sizes: 1M queued SETs, 1M-element values).

import { Worker } from 'node:worker_threads';
import { encodeCommand, RawClient, startDamselfly, startRedis, type Arg, type ServerHandle } from '../../test/harness.ts';

const flag = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const SCALE = Number(flag('scale') ?? '0.1');
const ONLY = flag('only')?.split(',') ?? null;
const DAMSELFLY_ONLY = process.argv.includes('--damselfly-only');
const M = Math.round(1_000_000 * SCALE);
/** WATCH's size does not scale: the 30k keys (--watch=N to change it). */
const WATCH_KEYS = Number(flag('watch') ?? '30000');

/**
 * The pinger: finds its thread (CLIENT ID, then CLIENT LIST ID), then PINGs in a loop, one at a
 * time, until told to stop; reports the worst latency (ms) and how many PINGs were answered.
 */
const PINGER = `
const { parentPort, workerData } = require('node:worker_threads');
const net = require('node:net');
const s = net.connect({ port: workerData.port, host: '127.0.0.1' });
s.setNoDelay(true);
let max = 0, count = 0, t0 = 0, stop = false, buf = '', stage = 0;
function ping() { t0 = performance.now(); s.write('PING\\r\\n'); }
s.on('data', (d) => {
  buf += d.toString('latin1');
  if (stage === 0) {
    if (!buf.endsWith('\\r\\n')) return;
    const id = buf.slice(1, -2); buf = ''; stage = 1;
    s.write('CLIENT LIST ID ' + id + '\\r\\n');
    return;
  }
  if (stage === 1) {
    if (!buf.endsWith('\\n\\r\\n')) return;
    const m = /thread=(\\d+)/.exec(buf); buf = ''; stage = 2;
    parentPort.postMessage(m === null ? 0 : Number(m[1]));
    return;
  }
  if (!buf.endsWith('\\r\\n')) return;
  buf = '';
  const dt = performance.now() - t0;
  if (dt > max) max = dt;
  count++;
  if (stop) { parentPort.postMessage({ max, count }); s.destroy(); return; }
  ping();
});
s.on('connect', () => s.write('CLIENT ID\\r\\n'));
parentPort.on('message', (m) => {
  if (m === 'go') ping();
  if (m === 'stop') stop = true;
});
`;

interface Pinger {
  thread: number;
  worker: Worker;
  done: Promise<{ max: number; count: number }>;
}

function startPinger(port: number): Promise<Pinger> {
  const worker = new Worker(PINGER, { eval: true, workerData: { port } });
  return new Promise((resolve) => {
    worker.once('message', (thread: number) => {
      const done = new Promise<{ max: number; count: number }>((r) => worker.once('message', r));
      resolve({ thread, worker, done });
    });
  });
}

/** Sends commands pipelined in batches and reads every reply. */
async function pipeline(c: RawClient, cmds: Iterable<Arg[]>, batch = 2000): Promise<void> {
  let pending = 0;
  for (const cmd of cmds) {
    c.send(cmd);
    if (++pending === batch) {
      for (; pending > 0; pending--) await c.readReply(120_000);
    }
  }
  for (; pending > 0; pending--) await c.readReply(120_000);
}

function* chunks(prefix: Arg[], total: number, per: number, item: (i: number) => Arg[]): Generator<Arg[]> {
  for (let i = 0; i < total; i += per) {
    const cmd: Arg[] = [...prefix];
    for (let j = i; j < Math.min(total, i + per); j++) cmd.push(...item(j));
    yield cmd;
  }
}

/**
 * Sends a command and then PING on c's socket and resolves when PONG arrives: the end of the
 * command's reply without parsing it (a reply of a million elements costs the driver nothing).
 * The connection's later bytes are not read as replies: close it afterwards.
 */
function untilPong(c: RawClient, args: Arg[]): Promise<void> {
  return new Promise((resolve) => {
    let tail = '';
    const onData = (d: Buffer): void => {
      tail = (tail + d.toString('latin1', Math.max(0, d.length - 7))).slice(-7);
      if (tail === '+PONG\r\n') {
        c.socket.off('data', onData);
        resolve();
      }
    };
    c.socket.on('data', onData);
    c.send(encodeCommand(args));
    c.send(['PING']);
  });
}

interface Probe {
  name: string;
  what: string;
  /** Before the pingers start (builds the data; EXEC's probe queues its commands). */
  setup(c: RawClient): Promise<void>;
  /** The long operation, on connection c; resolves when its reply is in. */
  run(c: RawClient): Promise<void>;
}

const fill = (c: RawClient, n: number): Promise<void> => pipeline(c, chunks(['MSET'], n, 500, (i) => [`key:${i}`, 'v']), 20);

const PROBES: Probe[] = [
  {
    name: 'exec',
    what: `EXEC of ${M} queued SETs`,
    setup: async (c) => {
      await c.call(['MULTI']);
      await pipeline(c, (function* () { for (let i = 0; i < M; i++) yield ['SET', `k:${i}`, 'v']; })(), 5000);
    },
    run: (c) => untilPong(c, ['EXEC']),
  },
  {
    name: 'watch',
    what: `WATCH of ${WATCH_KEYS} keys`,
    setup: async () => {},
    run: async (c) => {
      const cmd: Arg[] = ['WATCH'];
      for (let i = 0; i < WATCH_KEYS; i++) cmd.push(`w:${i}`);
      await untilPong(c, cmd);
    },
  },
  {
    name: 'lrange',
    what: `LRANGE 0 -1 of a ${M}-element list`,
    setup: (c) => pipeline(c, chunks(['RPUSH', 'biglist'], M, 1000, (i) => [String(i)]), 20),
    run: (c) => untilPong(c, ['LRANGE', 'biglist', '0', '-1']),
  },
  {
    name: 'hgetall',
    what: `HGETALL of a ${M}-field hash`,
    setup: (c) => pipeline(c, chunks(['HSET', 'bighash'], M, 1000, (i) => [`f${i}`, String(i)]), 20),
    run: (c) => untilPong(c, ['HGETALL', 'bighash']),
  },
  {
    name: 'smembers',
    what: `SMEMBERS of a ${M}-member set`,
    setup: (c) => pipeline(c, chunks(['SADD', 'bigset'], M, 1000, (i) => [`m${i}`]), 20),
    run: (c) => untilPong(c, ['SMEMBERS', 'bigset']),
  },
  {
    name: 'keys',
    what: `KEYS nomatch* over ${M} keys`,
    setup: (c) => fill(c, M),
    run: (c) => untilPong(c, ['KEYS', 'nomatch*']),
  },
  {
    name: 'keysall',
    what: `KEYS * over ${M} keys`,
    setup: (c) => fill(c, M),
    run: (c) => untilPong(c, ['KEYS', '*']),
  },
  {
    name: 'flushall',
    what: `FLUSHALL of ${M} keys`,
    setup: (c) => fill(c, M),
    run: (c) => untilPong(c, ['FLUSHALL']),
  },
];

interface Row {
  op: number;
  pings: { thread: number; max: number; count: number }[];
}

async function measure(server: ServerHandle, threads: number, probe: Probe): Promise<Row> {
  const c = await RawClient.connect(server.port);
  await c.call(['FLUSHALL']);
  await probe.setup(c);
  // One pinger per thread: start pingers until each thread has one (the kernel spreads connections).
  const pingers: Pinger[] = [];
  const wanted = new Set<number>();
  for (let t = 0; t < threads; t++) wanted.add(t);
  for (let tries = 0; wanted.size > 0 && tries < 64; tries++) {
    const p = await startPinger(server.port);
    if (wanted.delete(p.thread)) pingers.push(p);
    else await p.worker.terminate();
  }
  for (const p of pingers) p.worker.postMessage('go');
  const t0 = performance.now();
  await probe.run(c);
  const op = performance.now() - t0;
  for (const p of pingers) p.worker.postMessage('stop');
  const pings = await Promise.all(pingers.map(async (p) => ({ thread: p.thread, ...(await p.done) })));
  for (const p of pingers) await p.worker.terminate();
  c.close();
  const d = await RawClient.connect(server.port);
  await d.call(['FLUSHALL'], 600_000);
  d.close();
  return { op, pings };
}

function externalServer(port: number): ServerHandle {
  return { port, proc: null as never, output: () => '', alive: () => true, stop: async () => ({ code: null, signal: null }) };
}

async function main(): Promise<void> {
  const probes = PROBES.filter((p) => ONLY === null || ONLY.includes(p.name));
  console.log(`scale ${SCALE} (M = ${M})`);
  // --dfly-port=P: a Damselfly started by hand (e.g. with node --trace-gc or --cpu-prof), 2 threads.
  const external = flag('dfly-port');
  const dfly = external !== undefined ? externalServer(Number(external)) : await startDamselfly({ threads: 2 });
  const redis = DAMSELFLY_ONLY ? null : await startRedis();
  try {
    console.log('| probe | Damselfly op ms | Damselfly PING max ms (per thread) | Redis op ms | Redis PING max ms |');
    console.log('|---|---|---|---|---|');
    for (const p of probes) {
      const d = await measure(dfly, 2, p);
      const r = redis === null ? null : await measure(redis, 1, p);
      const pings = d.pings.map((x) => `t${x.thread}: ${x.max.toFixed(0)} (${x.count})`).join(', ');
      console.log(`| ${p.what} | ${d.op.toFixed(0)} | ${pings} | ${r === null ? '-' : r.op.toFixed(0)} | ${r === null ? '-' : r.pings[0].max.toFixed(0)} |`);
    }
  } finally {
    await dfly.stop();
    await redis?.stop();
  }
}

await main();
