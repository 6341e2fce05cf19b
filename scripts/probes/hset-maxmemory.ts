// Probe: collections under maxmemory (the hardening issue's item 4). Starts Damselfly and/or
// redis-server with `maxmemory 200mb` and an eviction policy, runs 8 clients pipelining
// `HSET h:<0..999> f:<random> <1000-byte value>` for N seconds, samples INFO used_memory and the
// process's VmRSS every second, counts -OOM replies, prints one table per server.
// Usage: node scripts/probes/hset-maxmemory.ts [--seconds=30] [--policy=allkeys-lru] [--cache_mode]
//        [--target=both|dfly|redis] [--maxmemory=200mb] [--after-delete]
// --after-delete: when the load stops, DEL of every h:* and samples 1, 2, 3, 5 and 10 s later.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';

const opts = new Map<string, string>();
for (const a of process.argv.slice(2)) {
  const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
  if (m !== null) opts.set(m[1], m[2] ?? 'true');
}
const SECONDS = Number(opts.get('seconds') ?? 30);
const POLICY = opts.get('policy') ?? 'allkeys-lru';
const CACHE = opts.has('cache_mode');
const TARGET = opts.get('target') ?? 'both';
const MAXMEMORY = opts.get('maxmemory') ?? '200mb';
const AFTER_DELETE = opts.has('after-delete');
const CLIENTS = 8;
const DEPTH = 32;
const VALUE = 'v'.repeat(1000);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? 0 : Number(m[1]) / 1024;
  } catch {
    return 0;
  }
}

function command(args: string[]): string {
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
  return s;
}

/** One request/reply on its own connection (INFO, DEL...): the reply's text. */
function ask(port: number, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString('latin1');
      const m = /^\$(\d+)\r\n/.exec(buf);
      if (m !== null ? buf.length >= m[0].length + Number(m[1]) + 2 : buf.endsWith('\r\n')) {
        s.end();
        resolve(buf);
      }
    });
    s.on('error', reject);
    s.write(command(args));
  });
}

async function waitUp(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await ask(port, ['PING'])).startsWith('+PONG')) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('server did not come up');
}

interface Counters {
  replies: number;
  oom: number;
  errors: number;
}

/** A client that keeps DEPTH HSETs in flight until `stop()`. */
function loadClient(port: number, c: Counters, running: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const s: Socket = connect(port, '127.0.0.1');
    let outstanding = 0;
    let tail = '';
    const send = (): void => {
      let batch = '';
      for (let i = 0; i < DEPTH; i++) {
        const h = `h:${Math.floor(Math.random() * 1000)}`;
        const f = `f:${Math.floor(Math.random() * 1e9)}`;
        batch += command(['HSET', h, f, VALUE]);
      }
      outstanding += DEPTH;
      s.write(batch);
    };
    s.on('connect', send);
    s.on('data', (d) => {
      const text = tail + d.toString('latin1');
      let start = 0;
      for (let i = text.indexOf('\r\n'); i >= 0; i = text.indexOf('\r\n', start)) {
        const line = text.slice(start, i);
        start = i + 2;
        c.replies++;
        outstanding--;
        if (line.startsWith('-OOM')) c.oom++;
        else if (line.startsWith('-')) c.errors++;
      }
      tail = text.slice(start);
      if (outstanding === 0) {
        if (running()) send();
        else {
          s.end();
          resolve();
        }
      }
    });
    s.on('error', () => resolve());
  });
}

function infoField(info: string, name: string): number {
  const m = new RegExp(`\\r\\n${name}:(\\d+)`).exec(info);
  return m === null ? 0 : Number(m[1]);
}

async function probe(name: string, proc: ChildProcess, port: number): Promise<void> {
  await waitUp(port);
  const c: Counters = { replies: 0, oom: 0, errors: 0 };
  let on = true;
  const clients = Array.from({ length: CLIENTS }, () => loadClient(port, c, () => on));
  const rows: string[] = [];
  let lastReplies = 0;
  let maxRss = 0;
  let maxUsed = 0;
  const sample = async (t: string): Promise<void> => {
    const info = await ask(port, ['INFO', 'all']);
    const used = infoField(info, 'used_memory') / 1e6;
    const rss = rssMb(proc.pid!);
    maxRss = Math.max(maxRss, rss);
    maxUsed = Math.max(maxUsed, used);
    const alloc = infoField(info, 'allocator_allocated') / 1e6;
    const active = infoField(info, 'allocator_active') / 1e6;
    rows.push(`${t.padStart(6)} ${used.toFixed(1).padStart(9)} ${rss.toFixed(0).padStart(7)} ${String(c.replies - lastReplies).padStart(8)} ${String(c.oom).padStart(7)} ${String(infoField(info, 'evicted_keys')).padStart(8)} ${alloc.toFixed(0).padStart(7)} ${active.toFixed(0).padStart(7)}`);
    lastReplies = c.replies;
  };
  for (let s = 1; s <= SECONDS; s++) {
    await new Promise((r) => setTimeout(r, 1000));
    await sample(String(s));
  }
  on = false;
  await Promise.all(clients);
  if (AFTER_DELETE) {
    for (let i = 0; i < 1000; i += 100) {
      const keys: string[] = [];
      for (let k = i; k < i + 100; k++) keys.push(`h:${k}`);
      await ask(port, ['DEL', ...keys]);
    }
    for (const t of ['del+1', 'del+2', 'del+3', 'del+5', 'del+10']) {
      await new Promise((r) => setTimeout(r, t === 'del+5' ? 2000 : t === 'del+10' ? 5000 : 1000));
      await sample(t);
    }
  }
  console.log(`\n${name}: maxmemory ${MAXMEMORY}, ${CACHE ? 'cache mode' : POLICY}, ${CLIENTS} clients x ${DEPTH} pipelined HSET (1000-byte values)`);
  // alloc/active: INFO allocator_allocated / allocator_active (Damselfly: the shard threads' V8 heaps
  // in use / committed, plus external and arena bytes; Redis: jemalloc's figures).
  console.log('     s   used MB  RSS MB  replies     OOM  evicted alloc MB active MB');
  for (const r of rows) console.log(r);
  console.log(`total replies ${c.replies}, -OOM ${c.oom}, other errors ${c.errors}, max used ${maxUsed.toFixed(1)} MB, max RSS ${maxRss.toFixed(0)} MB`);
}

async function stop(proc: ChildProcess): Promise<void> {
  const done = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await done;
}

if (TARGET === 'both' || TARGET === 'dfly') {
  const port = await freePort();
  const args = ['src/main.ts', `--port=${port}`, `--maxmemory=${MAXMEMORY}`, `--maxmemory_policy=${POLICY}`];
  if (CACHE) args.push('--cache_mode=true');
  // --node_flags="--a --b": V8/Node flags for the server process (experiments with the collector).
  const nodeFlags = (opts.get('node_flags') ?? '').split(' ').filter((f) => f !== '');
  const proc = spawn(process.execPath, [...nodeFlags, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    await probe('Damselfly', proc, port);
  } finally {
    await stop(proc);
  }
}
if (TARGET === 'both' || TARGET === 'redis') {
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no', '--maxmemory', MAXMEMORY, '--maxmemory-policy', POLICY], { stdio: 'ignore' });
  try {
    await probe('redis-server', proc, port);
  } finally {
    await stop(proc);
  }
}
