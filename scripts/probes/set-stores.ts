// Probe: cross-shard set and sorted-set algebra on big values, Damselfly against redis-server.
// Builds two sets (and two sorted sets) of --size members (default 1M, half of them shared) on different
// shards, times each command on both servers, and records the longest PING round trip seen meanwhile
// by --pingers connections (spread over the threads by the kernel) pinging back to back.
// Usage: node scripts/probes/set-stores.ts [--size=1000000] [--threads=2] [--only=SUNIONSTORE,...]
// Prints one table: command, wall ms and ratio, max PING ms, and the CPU ms each server used (user +
// system, all threads: on a loaded machine the wall time is mostly waiting for a core).

import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import { RawClient, encodeCommand, startDamselfly, startRedis, type Arg, type ServerHandle } from '../../test/harness.ts';
import { shardOfKey } from '../../src/runtime/slots.ts';

function flag(name: string, dflt: string): string {
  const a = process.argv.find((s) => s.startsWith(`--${name}=`));
  return a === undefined ? dflt : a.slice(name.length + 3);
}

const SIZE = Number(flag('size', '1000000'));
const THREADS = Number(flag('threads', '2'));
const PINGERS = Number(flag('pingers', '4'));
const ONLY = flag('only', '').split(',').filter((s) => s !== '').map((s) => s.toUpperCase());

/** Two key names on different shards, and a destination on a shard other than a's (ZRANGESTORE reads a). */
function keysOnDifferentShards(prefix: string): [string, string, string] {
  const a = `${prefix}{a}`;
  const sa = shardOfKey(Buffer.from(a), THREADS);
  let b = '';
  for (let i = 0; b === ''; i++) if (shardOfKey(Buffer.from(`${prefix}{b${i}}`), THREADS) !== sa) b = `${prefix}{b${i}}`;
  for (let i = 0; ; i++) if (shardOfKey(Buffer.from(`${prefix}{dst${i}}`), THREADS) !== sa) return [a, b, `${prefix}{dst${i}}`];
}

const [SA, SB, SD] = keysOnDifferentShards('s');
const [ZA, ZB, ZD] = keysOnDifferentShards('z');

const CASES: [string, Arg[]][] = [
  ['SUNIONSTORE', ['SUNIONSTORE', SD, SA, SB]],
  ['SINTERSTORE', ['SINTERSTORE', SD, SA, SB]],
  ['SDIFFSTORE', ['SDIFFSTORE', SD, SA, SB]],
  ['SMEMBERS', ['SMEMBERS', SB]],
  ['SUNION', ['SUNION', SA, SB]],
  ['SINTER', ['SINTER', SA, SB]],
  ['SDIFF', ['SDIFF', SA, SB]],
  ['ZUNIONSTORE', ['ZUNIONSTORE', ZD, 2, ZA, ZB]],
  ['ZINTERSTORE', ['ZINTERSTORE', ZD, 2, ZA, ZB]],
  ['ZDIFFSTORE', ['ZDIFFSTORE', ZD, 2, ZA, ZB]],
  ['ZRANGESTORE', ['ZRANGESTORE', ZD, ZA, 0, -1]],
  ['ZUNION', ['ZUNION', 2, ZA, ZB, 'WITHSCORES']],
  ['ZINTER', ['ZINTER', 2, ZA, ZB, 'WITHSCORES']],
  ['ZDIFF', ['ZDIFF', 2, ZA, ZB, 'WITHSCORES']],
];

/** Sends commands in pipelined batches and reads every reply. */
async function pipeline(c: RawClient, cmds: Arg[][]): Promise<void> {
  for (let i = 0; i < cmds.length; i += 64) {
    const batch = cmds.slice(i, i + 64);
    for (const cmd of batch) c.send(cmd);
    for (let j = 0; j < batch.length; j++) {
      const r = await c.readReply(60_000);
      if (r[0] === 0x2d) throw new Error(`load failed: ${r.toString()}`);
    }
  }
}

async function load(port: number): Promise<void> {
  const c = await RawClient.connect(port);
  const cmds: Arg[][] = [];
  const per = 1000;
  for (const [key, from] of [[SA, 0], [SB, SIZE / 2]] as const) {
    for (let i = 0; i < SIZE; i += per) {
      const cmd: Arg[] = ['SADD', key];
      for (let j = i; j < Math.min(SIZE, i + per); j++) cmd.push(`member:${from + j}`);
      cmds.push(cmd);
    }
  }
  const wantZsets = ONLY.length === 0 || ONLY.some((n) => n.startsWith('Z'));
  for (const [key, from] of wantZsets ? ([[ZA, 0], [ZB, SIZE / 2]] as const) : []) {
    for (let i = 0; i < SIZE; i += per) {
      const cmd: Arg[] = ['ZADD', key];
      for (let j = i; j < Math.min(SIZE, i + per); j++) cmd.push((from + j) * 0.5, `member:${from + j}`);
      cmds.push(cmd);
    }
  }
  await pipeline(c, cmds);
  c.close();
}

interface Pinger {
  client: RawClient;
  max: number;
  running: boolean;
  done: Promise<void>;
}

function startPinger(client: RawClient): Pinger {
  const p: Pinger = { client, max: 0, running: true, done: Promise.resolve() };
  p.done = (async () => {
    while (p.running) {
      const t0 = performance.now();
      await client.call(['PING'], 120_000);
      p.max = Math.max(p.max, performance.now() - t0);
    }
  })();
  return p;
}

/**
 * Sends cmd then PING on a fresh connection and resolves with the reply's first bytes and size once
 * +PONG arrives (no parsing: the probe must not be the bottleneck on multi-megabyte replies).
 */
function timedCall(port: number, cmd: Arg[]): Promise<{ ms: number; head: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1' });
    const tail = Buffer.from('+PONG\r\n');
    let head = '';
    let bytes = 0;
    let last = Buffer.alloc(0);
    let t0 = 0;
    s.on('error', reject);
    s.on('connect', () => {
      t0 = performance.now();
      s.write(Buffer.concat([encodeCommand(cmd), encodeCommand(['PING'])]));
    });
    s.on('data', (d: Buffer) => {
      if (head.length < 20) head += d.subarray(0, 20).toString('latin1');
      bytes += d.length;
      last = Buffer.concat([last.subarray(-8), d.subarray(-8)]);
      if (last.subarray(-tail.length).equals(tail)) {
        const ms = performance.now() - t0;
        s.destroy();
        resolve({ ms, head: head.slice(0, 20).replace(/\r\n/g, ' '), bytes: bytes - tail.length });
      }
    });
  });
}

/** CPU ms (user + system, all threads) the process has used: on a loaded machine wall time is mostly waiting. */
function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in clock ticks of 10 ms
}

async function timeCase(port: number, pid: number, cmd: Arg[]): Promise<{ ms: number; cpu: number; ping: number; reply: string }> {
  const pingClients = await Promise.all(Array.from({ length: PINGERS }, () => RawClient.connect(port)));
  for (const p of pingClients) await p.call(['PING']);
  const pingers = pingClients.map(startPinger);
  const cpu0 = cpuMs(pid);
  const { ms, head, bytes } = await timedCall(port, cmd);
  const cpu = cpuMs(pid) - cpu0;
  for (const p of pingers) p.running = false;
  await Promise.all(pingers.map((p) => p.done));
  const ping = Math.max(...pingers.map((p) => p.max));
  for (const p of pingClients) p.close();
  const reply = bytes > 40 ? `${head.split(' ')[0]} (${bytes} B)` : head.trim();
  return { ms, cpu, ping, reply };
}

async function main(): Promise<void> {
  const servers: [string, ServerHandle][] = [
    ['damselfly', await startDamselfly({ threads: THREADS })],
    ['redis', await startRedis()],
  ];
  try {
    for (const [, s] of servers) await load(s.port);
    const rows: string[] = [];
    rows.push(`size=${SIZE} threads=${THREADS} (${SA} ${SB} on different shards)`);
    rows.push('command        dfly ms  redis ms  ratio  dfly maxPING ms  redis maxPING ms  dfly cpu ms  redis cpu ms  cpu ratio');
    for (const [name, cmd] of CASES) {
      if (ONLY.length > 0 && !ONLY.includes(name)) continue;
      const d = await timeCase(servers[0][1].port, servers[0][1].proc.pid!, cmd);
      const r = await timeCase(servers[1][1].port, servers[1][1].proc.pid!, cmd);
      const same = d.reply === r.reply ? '' : `  REPLIES DIFFER: ${d.reply} vs ${r.reply}`;
      rows.push(
        `${name.padEnd(14)} ${d.ms.toFixed(0).padStart(7)} ${r.ms.toFixed(0).padStart(9)} ${(d.ms / r.ms).toFixed(2).padStart(6)} ${d.ping.toFixed(0).padStart(16)} ${r.ping.toFixed(0).padStart(17)} ${d.cpu.toFixed(0).padStart(12)} ${r.cpu.toFixed(0).padStart(13)} ${(d.cpu / r.cpu).toFixed(2).padStart(10)}${same}`,
      );
      console.log(rows[rows.length - 1]);
    }
    console.log(rows.join('\n'));
  } finally {
    for (const [, s] of servers) await s.stop();
  }
}

await main();
