// Client-side caching probe: a RESP3 tracking client reads N keys (MGET of 1000 at a time), then
// (1) the memory that cost (RSS and used_memory deltas, INFO tracking_total_keys), and (2) a writer
// SETs them all (pipelined, 1000 a batch): writes per second, and invalidations per second until the
// tracker has all N. Run against Damselfly and redis-server started by you:
//   node scripts/probes/tracking.ts --port=P [--keys=100000]

import net from 'node:net';

const arg = (name: string, def: number): number => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a === undefined ? def : Number(a.slice(name.length + 3));
};
const port = arg('port', 6379);
const N = arg('keys', 100_000);
const BATCH = 1000;
const PREFIX = `probe-trk-${Math.random().toString(36).slice(2, 8)}:`;

const enc = (a: string[]): string => `*${a.length}\r\n` + a.map((x) => `$${Buffer.byteLength(x)}\r\n${x}\r\n`).join('');

/** A connection whose input accumulates in `buf`; `until` resolves when a condition on it holds. */
class Conn {
  readonly sock: net.Socket;
  buf = '';
  private wake: (() => void) | null = null;
  constructor() {
    this.sock = net.connect(port);
    this.sock.on('data', (d) => {
      this.buf += d.toString('latin1');
      if (this.wake !== null) this.wake();
    });
  }
  send(s: string): void {
    this.sock.write(s);
  }
  until(pred: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (pred()) {
          this.wake = null;
          resolve();
        }
      };
      this.wake = check;
      check();
    });
  }
}

async function info(c: Conn): Promise<{ rss: number; used: number; keys: number }> {
  c.buf = '';
  c.send(enc(['INFO']));
  await c.until(() => c.buf.includes('# Keyspace'));
  const field = (name: string): number => Number(new RegExp(`${name}:(\\d+)`).exec(c.buf)?.[1] ?? 0);
  return { rss: field('used_memory_rss'), used: field('used_memory'), keys: field('tracking_total_keys') };
}

const t = new Conn();
const w = new Conn();
t.send(enc(['HELLO', '3']) + enc(['CLIENT', 'TRACKING', 'on']));
await t.until(() => t.buf.includes('+OK'));
const before = await info(w);
for (let i = 0; i < N; i += BATCH) {
  const keys = ['MGET'];
  for (let j = i; j < i + BATCH; j++) keys.push(PREFIX + j);
  t.buf = '';
  t.send(enc(keys));
  await t.until(() => t.buf.split('_\r\n').length > BATCH);
}
const after = await info(w);
const mb = (n: number): string => (n / 1048576).toFixed(1);
console.log(`tracked keys: ${after.keys}; RSS +${mb(after.rss - before.rss)} MB (${Math.round((after.rss - before.rss) / N)} B a key); used_memory +${mb(after.used - before.used)} MB`);

t.buf = '';
let got = 0;
const t0 = performance.now();
const allIn = t.until(() => {
  const parts = t.buf.split('invalidate\r\n');
  got += parts.length - 1;
  t.buf = parts[parts.length - 1];
  return got >= N;
});
for (let i = 0; i < N; i += BATCH) {
  let cmds = '';
  for (let j = i; j < i + BATCH; j++) cmds += enc(['SET', PREFIX + j, 'v']);
  w.buf = '';
  w.send(cmds);
  await w.until(() => w.buf.split('+OK').length > BATCH);
}
const wrote = performance.now();
await allIn;
const t1 = performance.now();
console.log(`writes: ${Math.round(N / ((wrote - t0) / 1000))}/s; invalidations delivered: ${Math.round(N / ((t1 - t0) / 1000))}/s`);
const del = ['DEL'];
for (let j = 0; j < N; j++) del.push(PREFIX + j);
w.send(enc(del));
await w.until(() => /:\d+\r\n$/.test(w.buf));
t.sock.destroy();
w.sock.destroy();
