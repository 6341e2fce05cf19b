// Keyspace commands, byte-exact against a real redis-server: every edge case is sent to Redis and to
// Damselfly (1 and 3 shard threads) and the raw replies compared (sorted where the order is unspecified,
// TTLs within a tolerance). At the end, the keyspace cases of the shared differential runner
// (test/differential-runner.ts: 1, 2 and 4 threads; RESP2, RESP3 and pipelined). Skips when
// redis-server is not installed.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect, createServer, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { UNORDERED_KEYS, c, differentialSuite, type Group } from '../../test/differential-runner.ts';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
const HAVE_REDIS = spawnSync('redis-server', ['--version']).status === 0;

type Reply = string | number | bigint | null | Reply[] | { error: string };

/** A minimal RESP client: one command at a time, replies as raw bytes plus a parsed value. */
class Client {
  private buf = Buffer.alloc(0);
  private waiting: ((b: Buffer) => void) | null = null;
  readonly sock: Socket;

  constructor(sock: Socket) {
    this.sock = sock;
    sock.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.pump();
    });
  }

  static open(port: number): Promise<Client> {
    return new Promise((resolve, reject) => {
      const s = connect({ port, host: '127.0.0.1' }, () => resolve(new Client(s)));
      s.once('error', reject);
    });
  }

  private pump(): void {
    if (this.waiting === null) return;
    const end = replyEnd(this.buf, 0);
    if (end < 0) return;
    const raw = this.buf.subarray(0, end);
    this.buf = this.buf.subarray(end);
    const w = this.waiting;
    this.waiting = null;
    w(raw);
  }

  raw(...args: (string | Buffer)[]): Promise<Buffer> {
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.sock.write(encode(args));
      this.pump();
    });
  }

  /** Sends all commands in one write; resolves with the concatenated raw replies. */
  async pipeline(cmds: string[][]): Promise<Buffer> {
    const got: Buffer[] = [];
    this.sock.write(Buffer.concat(cmds.map((c) => encode(c))));
    for (let i = 0; i < cmds.length; i++) {
      got.push(await new Promise<Buffer>((resolve) => {
        this.waiting = resolve;
        this.pump();
      }));
    }
    return Buffer.concat(got);
  }

  async cmd(...args: (string | Buffer)[]): Promise<Reply> {
    return parse(await this.raw(...args), 0)[0];
  }

  close(): void {
    this.sock.destroy();
  }
}

function encode(args: (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = typeof a === 'string' ? Buffer.from(a, 'latin1') : a;
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** End offset of the RESP reply starting at `at`, or -1 if incomplete. */
function replyEnd(b: Buffer, at: number): number {
  if (at >= b.length) return -1;
  const cr = b.indexOf('\r\n', at);
  if (cr < 0) return -1;
  const t = String.fromCharCode(b[at]);
  const head = b.toString('latin1', at + 1, cr);
  if ('+-:_,#('.includes(t)) return cr + 2;
  if (t === '$' || t === '=' || t === '!') {
    const n = Number(head);
    if (n < 0) return cr + 2;
    return b.length >= cr + 2 + n + 2 ? cr + 2 + n + 2 : -1;
  }
  let n = Number(head);
  if (n < 0) return cr + 2;
  if (t === '%') n *= 2;
  let p = cr + 2;
  for (let i = 0; i < n; i++) {
    p = replyEnd(b, p);
    if (p < 0) return -1;
  }
  return p;
}

function parse(b: Buffer, at: number): [Reply, number] {
  const cr = b.indexOf('\r\n', at);
  const t = String.fromCharCode(b[at]);
  const head = b.toString('latin1', at + 1, cr);
  if (t === '+') return [head, cr + 2];
  if (t === '-') return [{ error: head }, cr + 2];
  if (t === ':') return [BigInt(head) >= BigInt(Number.MIN_SAFE_INTEGER) && BigInt(head) <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(head) : BigInt(head), cr + 2];
  if (t === '_') return [null, cr + 2];
  if (t === '$') {
    const n = Number(head);
    if (n < 0) return [null, cr + 2];
    return [b.toString('latin1', cr + 2, cr + 2 + n), cr + 2 + n + 2];
  }
  let n = Number(head);
  if (n < 0) return [null, cr + 2];
  if (t === '%') n *= 2;
  const out: Reply[] = [];
  let p = cr + 2;
  for (let i = 0; i < n; i++) {
    const [v, q] = parse(b, p);
    out.push(v);
    p = q;
  }
  return [out, p];
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitReady(port: number, proc: ChildProcess): Promise<Client> {
  for (let i = 0; i < 200; i++) {
    if (proc.exitCode !== null) throw new Error(`server on ${port} exited`);
    try {
      const c = await Client.open(port);
      // A connection made while the server probes its port (port-claim.ts) is reset unanswered: retry.
      const reset = new Promise<'reset'>((r) => c.sock.once('close', () => r('reset')));
      if ((await Promise.race([c.cmd('PING'), reset])) === 'PONG') return c;
      c.close();
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`server on ${port} not ready`);
}

interface Server {
  name: string;
  proc: ChildProcess;
  c: Client;
}

async function startRedis(extra: string[] = []): Promise<Server> {
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extra], { stdio: 'ignore' });
  return { name: 'redis', proc, c: await waitReady(port, proc) };
}

async function startDamselfly(threads: number, extra: string[] = []): Promise<Server> {
  const port = await freePort();
  const proc = spawn(process.execPath, [MAIN, '--port', String(port), '--bind', '127.0.0.1', `--proactor_threads=${threads}`, ...extra], { stdio: 'ignore' });
  return { name: `damselfly/${threads}`, proc, c: await waitReady(port, proc) };
}

function stop(s: Server | undefined): void {
  if (s === undefined) return;
  s.c.close();
  s.proc.kill('SIGKILL');
}

const sorted = (r: Reply): Reply => (Array.isArray(r) ? [...r].sort() : r);

describe('keyspace commands match Redis', { skip: !HAVE_REDIS && 'redis-server not installed' }, () => {
  let redis: Server;
  let dfly: Server[] = [];

  before(async () => {
    [redis, ...dfly] = await Promise.all([startRedis(), startDamselfly(1), startDamselfly(3)]);
  });
  after(() => {
    stop(redis);
    for (const d of dfly) stop(d);
  });

  /** Sends a command to every server; asserts Damselfly's raw reply equals Redis's. */
  async function same(...args: string[]): Promise<Reply> {
    const want = await redis.c.raw(...args);
    for (const d of dfly) {
      const got = await d.c.raw(...args);
      assert.equal(got.toString('latin1'), want.toString('latin1'), `${d.name}: ${args.join(' ')}`);
    }
    return parse(want, 0)[0];
  }

  /** Like same(), comparing parsed replies after `norm`. */
  async function sameBy(norm: (r: Reply) => unknown, ...args: string[]): Promise<void> {
    const want = norm(await redis.c.cmd(...args));
    for (const d of dfly) assert.deepEqual(norm(await d.c.cmd(...args)), want, `${d.name}: ${args.join(' ')}`);
  }

  /** Integer replies within `tol` of each other (TTLs). */
  async function near(tol: number, ...args: string[]): Promise<void> {
    const want = (await redis.c.cmd(...args)) as number;
    assert.equal(typeof want, 'number', `redis: ${args.join(' ')} -> ${String(want)}`);
    for (const d of dfly) {
      const got = await d.c.cmd(...args);
      assert.equal(typeof got, 'number', `${d.name}: ${args.join(' ')} -> ${JSON.stringify(got)}`);
      assert.ok(Math.abs((got as number) - want) <= tol, `${d.name}: ${args.join(' ')}: ${String(got)} vs ${want}`);
    }
  }

  async function all(...args: string[]): Promise<void> {
    await Promise.all([redis, ...dfly].map((s) => s.c.raw(...args)));
  }

  async function fresh(): Promise<void> {
    await all('SELECT', '0');
    await all('FLUSHALL');
  }

  /** Every key a full SCAN iteration returns, sorted and de-duplicated. */
  async function scanAll(c: Client, ...opts: string[]): Promise<string[]> {
    const seen = new Set<string>();
    let cursor = '0';
    for (let i = 0; i < 100000; i++) {
      const r = (await c.cmd('SCAN', cursor, ...opts)) as Reply[];
      assert.ok(Array.isArray(r), JSON.stringify(r));
      for (const k of r[1] as string[]) seen.add(k);
      cursor = r[0] as string;
      if (cursor === '0') break;
    }
    return [...seen].sort();
  }

  it('DEL UNLINK EXISTS TOUCH', async () => {
    await fresh();
    await same('MSET', 'a', '1', 'b', '2', 'c', '3', '{x}1', '1', '{x}2', '2');
    await same('EXISTS', 'a', 'a', 'b', 'nokey', 'c', '{x}1');
    await same('TOUCH', 'a', 'a', 'nokey', 'b');
    await same('DEL', 'a', 'a', 'nokey');
    await same('UNLINK', 'b', 'c', '{x}1', '{x}2', 'zz');
    await same('EXISTS', 'a', 'b', 'c');
    await same('SET', 'e', 'v', 'PX', '1');
    await new Promise((r) => setTimeout(r, 10));
    await same('EXISTS', 'e');
    await same('SET', 'e', 'v', 'PX', '1');
    await new Promise((r) => setTimeout(r, 10));
    await same('DEL', 'e');
    await same('DEL');
    await same('EXISTS');
  });

  it('TYPE', async () => {
    await fresh();
    await same('SET', 'a', '1');
    await same('TYPE', 'a');
    await same('TYPE', 'nokey');
    await same('TYPE');
  });

  it('EXPIRE family options and errors', async () => {
    await fresh();
    await same('SET', 'k', 'v');
    for (const cmd of ['EXPIRE', 'PEXPIRE', 'EXPIREAT', 'PEXPIREAT']) {
      await same(cmd, 'k', '100', 'nx', 'xx');
      await same(cmd, 'k', '100', 'NX', 'gt');
      await same(cmd, 'k', '100', 'nx', 'LT');
      await same(cmd, 'k', '100', 'gt', 'lt');
      await same(cmd, 'k', '100', 'foo');
      await same(cmd, 'k', 'x', 'foo');
      await same(cmd, 'k', '100', 'nx', 'bar');
      await same(cmd, 'k', 'x');
      await same(cmd, 'k', '1.5');
      await same(cmd, 'k', '9223372036854775808');
      await same(cmd, 'k', '9223372036854775807');
      await same(cmd, 'k', '-9223372036854775808');
      await same(cmd, 'k', '9223372036854775');
      await same(cmd, 'k', '-9223372036854776');
      await same(cmd, 'nokey', '100');
      await same(cmd, 'k');
    }
    await same('EXPIRE', 'k', '100', 'xx');
    await same('EXPIRE', 'k', '100', 'gt');
    await same('EXPIRE', 'k', '100', 'lt');
    await near(1, 'TTL', 'k');
    await same('EXPIRE', 'k', '50', 'gt');
    await same('EXPIRE', 'k', '200', 'gt');
    await same('EXPIRE', 'k', '300', 'lt');
    await same('EXPIRE', 'k', '150', 'LT');
    await same('EXPIRE', 'k', '10', 'nx');
    await same('EXPIRE', 'k', '10', 'XX');
    await near(1, 'TTL', 'k');
    await near(1000, 'PTTL', 'k');
    await same('EXPIRE', 'k', '100000000', 'xx', 'gt');
    await near(1, 'TTL', 'k');
    await same('PERSIST', 'k');
    await same('PERSIST', 'k');
    await same('PERSIST', 'nokey');
    await same('TTL', 'k');
    await same('PTTL', 'k');
    await same('TTL', 'nokey');
    await same('PTTL', 'nokey');
    // An already-past deadline deletes the key and answers 1.
    await same('EXPIRE', 'k', '-1');
    await same('EXISTS', 'k');
    await same('SET', 'k', 'v');
    await same('PEXPIREAT', 'k', '1000');
    await same('EXISTS', 'k');
    await same('SET', 'k', 'v');
    await same('EXPIRE', 'k', '0');
    await same('EXISTS', 'k');
    await same('SET', 'k', 'v');
    await same('EXPIREAT', 'k', '-5', 'lt');
    await same('EXISTS', 'k');
  });

  it('EXPIRETIME PEXPIRETIME TTL PTTL', async () => {
    await fresh();
    await same('SET', 'k', 'v');
    await same('EXPIRETIME', 'k');
    await same('PEXPIRETIME', 'k');
    await same('EXPIRETIME', 'nokey');
    await same('PEXPIRETIME', 'nokey');
    await same('PEXPIREAT', 'k', '33177117420123');
    await same('PEXPIRETIME', 'k');
    await same('EXPIRETIME', 'k');
    await same('PEXPIREAT', 'k', '33177117420500');
    await same('EXPIRETIME', 'k');
    await same('PEXPIREAT', 'k', '33177117420499');
    await same('EXPIRETIME', 'k');
    await same('EXPIREAT', 'k', '33177117420');
    await same('PEXPIRETIME', 'k');
    await same('PEXPIRE', 'k', '2400');
    await near(0, 'TTL', 'k');
    await near(50, 'PTTL', 'k');
    await same('PEXPIRE', 'k', '1400');
    await near(0, 'TTL', 'k');
  });

  it('KEYS', async () => {
    await fresh();
    const keys: string[] = [];
    for (let i = 0; i < 60; i++) keys.push(`key:${i}`, String(i));
    keys.push('h\\*llo', '1', 'hallo', '1', 'hello', '1', 'hxllo', '1', 'x{tag}y', '1');
    await same('MSET', ...keys);
    for (const p of ['*', 'key:1*', 'h?llo', 'h[ae]llo', 'h[^e]llo', 'h\\*llo', '*{tag}*', 'nomatch*', '', 'key:[0-2]']) await sameBy(sorted, 'KEYS', p);
    await same('SET', 'gone', 'v', 'PX', '1');
    await new Promise((r) => setTimeout(r, 10));
    await sameBy(sorted, 'KEYS', 'go*');
    await same('KEYS');
  });

  it('SCAN option parsing and errors', async () => {
    await fresh();
    await same('SET', 'a', '1');
    for (const cur of ['x', ' 1', '1 ', '+', '-', '0x1', '18446744073709551616', '-18446744073709551616', '1.0']) await same('SCAN', cur);
    await same('SCAN', '0', 'COUNT', '0');
    await same('SCAN', '0', 'COUNT', '-1');
    await same('SCAN', '0', 'COUNT', 'x');
    await same('SCAN', '0', 'COUNT');
    await same('SCAN', '0', 'MATCH');
    await same('SCAN', '0', 'TYPE');
    await same('SCAN', '0', 'foo', 'bar');
    await same('SCAN', '0', 'MATCH', '*', 'COUNT', '0');
    await same('SCAN', '0', 'COUNT', 'x', 'foo');
    await same('SCAN', 'x', 'COUNT', 'x');
    await same('SCAN');
    // Small keyspaces come back whole in one call, like Redis.
    await same('SCAN', '0');
    await same('SCAN', '');
    await same('SCAN', '-0');
    await same('SCAN', '+0');
    await same('SCAN', '0', 'MATCH', 'a', 'COUNT', '100', 'TYPE', 'string');
    await same('SCAN', '0', 'TYPE', 'STRING');
    await same('SCAN', '0', 'TYPE', 'list');
    await same('SCAN', '0', 'TYPE', 'nosuchtype');
    await same('SCAN', '0', 'MATCH', 'b*');
    await same('FLUSHALL');
    await same('SCAN', '0');
  });

  it('SCAN visits every key across shards', async () => {
    await fresh();
    const kv: string[] = [];
    for (let i = 0; i < 500; i++) kv.push(`k${i}`, 'v');
    for (let i = 0; i < 30; i++) kv.push(`{same}${i}`, 'v');
    await same('MSET', ...kv);
    const want = await scanAll(redis.c);
    assert.equal(want.length, 530);
    for (const d of dfly) {
      assert.deepEqual(await scanAll(d.c), want);
      assert.deepEqual(await scanAll(d.c, 'COUNT', '1'), want);
      assert.deepEqual(await scanAll(d.c, 'COUNT', '1000'), want);
      assert.deepEqual(await scanAll(d.c, 'MATCH', 'k1*', 'COUNT', '7'), await scanAll(redis.c, 'MATCH', 'k1*'));
      assert.deepEqual(await scanAll(d.c, 'TYPE', 'string'), want);
      assert.deepEqual(await scanAll(d.c, 'TYPE', 'hash'), []);
      // COUNT bounds the keys visited per call (whole slots at a time).
      const r = (await d.c.cmd('SCAN', '0', 'COUNT', '5')) as Reply[];
      assert.notEqual(r[0], '0');
      assert.ok((r[1] as string[]).length >= 5 && (r[1] as string[]).length < 100);
    }
    // Keys added and removed during a scan: those present throughout are all returned.
    for (const d of dfly) {
      const seen = new Set<string>();
      let cursor = '0';
      let step = 0;
      do {
        const r = (await d.c.cmd('SCAN', cursor, 'COUNT', '20')) as Reply[];
        for (const k of r[1] as string[]) seen.add(k);
        cursor = r[0] as string;
        await d.c.cmd('SET', `new${step}`, 'v');
        await d.c.cmd('DEL', `k${400 + step}`);
        step++;
      } while (cursor !== '0');
      for (let i = 0; i < 400; i++) assert.ok(seen.has(`k${i}`), `${d.name}: k${i} missed`);
    }
  });

  it('RANDOMKEY', async () => {
    await fresh();
    await same('RANDOMKEY');
    await same('SET', 'only', '1');
    await same('RANDOMKEY');
    await same('MSET', 'a', '1', 'b', '2', 'c', '3', 'd', '4');
    for (const d of dfly) {
      const got = new Set<string>();
      for (let i = 0; i < 80; i++) got.add((await d.c.cmd('RANDOMKEY')) as string);
      assert.deepEqual([...got].sort(), ['a', 'b', 'c', 'd', 'only']);
    }
    await same('RANDOMKEY', 'x');
    await same('FLUSHDB');
    await same('SET', 'e', 'v', 'PX', '1');
    await new Promise((r) => setTimeout(r, 10));
    await same('RANDOMKEY');
  });

  it('RENAME RENAMENX', async () => {
    await fresh();
    await same('RENAME', 'nokey', 'x');
    await same('RENAMENX', 'nokey', 'x');
    await same('RENAME', 'nokey', 'nokey');
    await same('RENAMENX', 'nokey', 'nokey');
    await same('SET', 'a', 'hello');
    await same('RENAME', 'a', 'a');
    await same('RENAMENX', 'a', 'a');
    // Different keys, different shards (3 threads) and same-slot keys.
    for (const [src, dst] of [['a', 'b'], ['b', 'c'], ['c', 'zzz'], ['zzz', '{zzz}1'], ['{zzz}1', '{zzz}2']]) {
      await same('RENAME', src, dst);
      await same('GET', src);
      await same('GET', dst);
    }
    await same('SET', 't', 'v', 'EX', '1000');
    await same('RENAME', 't', 'u');
    await near(1, 'TTL', 'u');
    await same('SET', 'other', 'x');
    await same('RENAMENX', 'u', 'other');
    await same('GET', 'u');
    await same('RENAMENX', 'u', 'fresh');
    await same('GET', 'fresh');
    await near(1, 'TTL', 'fresh');
    await same('EXISTS', 'u');
    await same('RENAME', 'fresh', 'other');
    await same('GET', 'other');
    await near(1, 'TTL', 'other');
    await same('SET', 'plain', 'p');
    await same('RENAME', 'plain', 'other');
    await same('TTL', 'other');
    await same('SET', 'bin', Buffer.from([0, 1, 255, 13, 10]).toString('latin1'));
    await same('APPEND', 'bin', 'more');
    await same('RENAME', 'bin', 'bin2');
    await same('GET', 'bin2');
    await same('SET', 'n', '42');
    await same('RENAME', 'n', 'n2');
    await same('OBJECT', 'ENCODING', 'n2');
    await same('RENAME', 'x');
    await same('RENAMENX', 'x', 'y', 'z');
  });

  it('COPY', async () => {
    await fresh();
    await same('SET', 'a', 'hello');
    await same('COPY', 'a', 'a');
    await same('COPY', 'a', 'a', 'DB', '0');
    await same('COPY', 'a', 'b', 'DB');
    await same('COPY', 'a', 'b', 'DB', 'x');
    await same('COPY', 'a', 'b', 'DB', '99999999999');
    await same('COPY', 'a', 'b', 'DB', '16');
    await same('COPY', 'a', 'b', 'DB', '-1');
    await same('COPY', 'a', 'b', 'foo');
    await same('COPY', 'a', 'b', 'REPLACE', 'foo');
    await same('COPY', 'nokey', 'b');
    await same('COPY', 'nokey', 'nokey');
    for (const dst of ['b', 'zzz', '{a}x']) {
      await same('COPY', 'a', dst);
      await same('COPY', 'a', dst);
      await same('GET', dst);
      await same('SET', 'a', 'changed');
      await same('COPY', 'a', dst, 'replace');
      await same('GET', dst);
      await same('SET', 'a', 'hello');
    }
    await same('SET', 'ttl', 'v', 'EX', '1000');
    await same('COPY', 'ttl', 'ttl2');
    await near(1, 'TTL', 'ttl2');
    await same('COPY', 'a', 'a', 'DB', '3');
    await same('SELECT', '3');
    await same('GET', 'a');
    await same('SELECT', '0');
    await same('COPY', 'a', 'zzz', 'DB', '3', 'REPLACE');
    await same('COPY', 'a', 'zzz', 'DB', '3');
    await same('SELECT', '3');
    await same('GET', 'zzz');
    await same('SELECT', '0');
    // A copy of a value modified in place stays independent.
    await same('SET', 's', 'abc');
    await same('APPEND', 's', 'def');
    await same('COPY', 's', 's2');
    await same('SETRANGE', 's', '0', 'X');
    await same('GET', 's2');
    await same('GET', 's');
    await same('COPY', 'a');
  });

  it('MOVE', async () => {
    await fresh();
    await same('MOVE', 'a', '0');
    await same('MOVE', 'a', 'x');
    await same('MOVE', 'a', '99999999999');
    await same('MOVE', 'a', '16');
    await same('MOVE', 'a', '-1');
    await same('MOVE', 'a', '1');
    await same('SET', 'a', 'v', 'EX', '1000');
    await same('MOVE', 'a', '0');
    await same('MOVE', 'a', '1');
    await same('EXISTS', 'a');
    await same('SELECT', '1');
    await same('GET', 'a');
    await near(1, 'TTL', 'a');
    await same('SET', 'b', 'in1');
    await same('SELECT', '0');
    await same('SET', 'b', 'in0');
    await same('MOVE', 'b', '1');
    await same('GET', 'b');
    await same('MOVE', 'b');
  });

  it('OBJECT', async () => {
    await fresh();
    await same('OBJECT', 'HELP');
    await same('OBJECT', 'help');
    await same('OBJECT');
    await same('OBJECT', 'foo');
    await same('OBJECT', 'foo', 'bar');
    await same('OBJECT', 'ENCODING');
    await same('OBJECT', 'HELP', 'x');
    for (const sub of ['ENCODING', 'REFCOUNT', 'IDLETIME', 'FREQ']) await same('OBJECT', sub, 'nokey');
    const values = ['1', '0', '9999', '10000', '-1', '01', '12345678901234567890', '9223372036854775807', 'abc', 'x'.repeat(44), 'x'.repeat(45), '', ' 1', '1.5'];
    for (let i = 0; i < values.length; i++) {
      await same('SET', `v${i}`, values[i]);
      await same('OBJECT', 'ENCODING', `v${i}`);
      await same('OBJECT', 'REFCOUNT', `v${i}`);
    }
    await same('INCR', 'v0');
    await same('OBJECT', 'REFCOUNT', 'v0');
    await same('OBJECT', 'ENCODING', 'v0');
    await same('APPEND', 'v8', 'def');
    await same('OBJECT', 'ENCODING', 'v8');
    await same('OBJECT', 'REFCOUNT', 'v8');
    // (Shared integers carry the LRU clock of their last use anywhere: use a plain string.)
    await same('SET', 'idle', 'abc');
    await near(1, 'OBJECT', 'IDLETIME', 'idle');
    await same('OBJECT', 'FREQ', 'idle');
    await same('OBJECT', 'IDLETIME', 'idle', 'extra');
  });

  it('DBSIZE FLUSHDB FLUSHALL SWAPDB', async () => {
    await fresh();
    await same('DBSIZE');
    await same('MSET', 'a', '1', 'b', '2', 'c', '3', 'd', '4');
    await same('DBSIZE');
    await same('DBSIZE', 'x');
    await same('SELECT', '2');
    await same('MSET', 'x', '1', 'y', '2');
    await same('DBSIZE');
    await same('SELECT', '0');
    await same('SWAPDB', '0', '2');
    await same('DBSIZE');
    await same('GET', 'x');
    await same('GET', 'a');
    await same('SWAPDB', '2', '2');
    await same('SWAPDB', 'x', '1');
    await same('SWAPDB', '1', 'x');
    await same('SWAPDB', 'x', 'y');
    await same('SWAPDB', '0', '16');
    await same('SWAPDB', '-1', '0');
    await same('SWAPDB', '99999999999', '0');
    await same('SWAPDB', '0');
    await same('SWAPDB', '0', '2');
    await same('DBSIZE');
    await same('FLUSHDB', 'x');
    await same('FLUSHDB', 'ASYNC', 'SYNC');
    await same('FLUSHALL', 'x');
    await same('FLUSHDB', 'async');
    await same('DBSIZE');
    await same('SELECT', '2');
    await same('DBSIZE');
    await same('FLUSHALL', 'SYNC');
    await same('DBSIZE');
    await same('SELECT', '0');
    await same('MSET', 'a', '1', 'b', '2');
    await same('FLUSHDB', 'SYNC');
    await same('FLUSHALL', 'ASYNC');
    await same('FLUSHALL');
    await same('DBSIZE');
  });

  it('pipelined multi-hop commands keep their order', async () => {
    await fresh();
    const cmds: string[][] = [];
    for (let i = 0; i < 20; i++) {
      cmds.push(['SET', `p${i}`, `v${i}`], ['RENAME', `p${i}`, `q${i}`], ['COPY', `q${i}`, `r${i}`], ['GET', `r${i}`], ['RENAMENX', `q${i}`, `r${i}`]);
      cmds.push(['SCAN', '0', 'MATCH', `r${i}`, 'COUNT', '100000'], ['DBSIZE'], ['EXISTS', `q${i}`, `r${i}`, 'nokey', `p${i}`], ['PING']);
    }
    cmds.push(['KEYS', 'nomatch'], ['FLUSHDB'], ['RANDOMKEY'], ['SCAN', '0']);
    const want = (await redis.c.pipeline(cmds)).toString('latin1');
    for (const d of dfly) assert.equal((await d.c.pipeline(cmds)).toString('latin1'), want, d.name);
  });

  it('RESP3 nulls', async () => {
    await fresh();
    await all('HELLO', '3');
    await same('OBJECT', 'ENCODING', 'nokey');
    await same('RANDOMKEY');
    await same('SET', 'a', '1');
    await same('SCAN', '0');
    await same('KEYS', '*');
    await all('HELLO', '2');
  });
});

describe('OBJECT FREQ/IDLETIME under an LFU policy', { skip: !HAVE_REDIS && 'redis-server not installed' }, () => {
  let redis: Server;
  let dfly: Server;

  before(async () => {
    [redis, dfly] = await Promise.all([startRedis(['--maxmemory-policy', 'allkeys-lfu']), startDamselfly(2, ['--maxmemory_policy=allkeys-lfu'])]);
  });
  after(() => {
    stop(redis);
    stop(dfly);
  });

  it('errors and values match', async () => {
    for (const args of [['SET', 'k', 'v'], ['OBJECT', 'IDLETIME', 'k'], ['OBJECT', 'IDLETIME', 'nokey'], ['OBJECT', 'FREQ', 'nokey'], ['OBJECT', 'FREQ', 'k']]) {
      assert.deepEqual(await dfly.c.cmd(...args), await redis.c.cmd(...args), args.join(' '));
    }
  });
});

// Differential cases (DEL/EXISTS/TOUCH/UNLINK across shards, expiry options, COPY, MOVE, RENAME,
// OBJECT, FLUSHDB/DBSIZE and KEYS in databases of their own), each with its own key namespace.
const GROUPS: Group[] = [
  {
    name: 'keyspace',
    cases: [
      c('DEL / EXISTS across shards', (k) => [
        ['MSET', k('a'), '1', k('b'), '2', k('c'), '3', k('d'), '4'],
        ['EXISTS', k('a'), k('b'), k('c'), k('d'), k('x')],
        ['EXISTS', k('a'), k('a'), k('a')],
        ['DEL', k('a'), k('b'), k('x')],
        ['EXISTS', k('a'), k('b'), k('c'), k('d')],
        ['DEL', k('c'), k('c'), k('d')],
        ['DEL', k('a')],
      ]),
      c('TYPE / TTL / PERSIST / EXPIRE', (k) => [
        ['SET', k('a'), 'v'],
        ['TYPE', k('a')],
        ['TYPE', k('x')],
        ['TTL', k('a')],
        ['TTL', k('x')],
        ['EXPIRE', k('a'), '100'],
        ['TTL', k('a')],
        ['PERSIST', k('a')],
        ['PERSIST', k('a')],
        ['TTL', k('a')],
        ['EXPIRE', k('x'), '100'],
        ['EXPIRE', k('a'), 'abc'],
        ['EXPIRE', k('a'), '0'],
        ['EXISTS', k('a')],
      ]),
      c('EXPIRE NX / XX / GT / LT', (k) => [
        ['SET', k('a'), 'v'],
        ['EXPIRE', k('a'), '100', 'XX'],
        ['EXPIRE', k('a'), '100', 'NX'],
        ['EXPIRE', k('a'), '200', 'NX'],
        ['EXPIRE', k('a'), '50', 'GT'],
        ['EXPIRE', k('a'), '300', 'GT'],
        ['TTL', k('a')],
        ['EXPIRE', k('a'), '400', 'LT'],
        ['EXPIRE', k('a'), '200', 'LT'],
        ['TTL', k('a')],
        ['EXPIRE', k('a'), '10', 'NX', 'XX'],
        ['EXPIRE', k('a'), '10', 'GT', 'LT'],
        ['EXPIRE', k('a'), '10', 'FOO'],
      ]),
      c('TOUCH / UNLINK across shards', (k) => [['MSET', k('a'), '1', k('b'), '2', k('c'), '3'], ['TOUCH', k('a'), k('b'), k('c'), k('x')], ['UNLINK', k('a'), k('x'), k('b')], ['EXISTS', k('a'), k('b'), k('c')]]),
      c('COPY', (k) => [
        ['SET', k('{t}a'), 'v', 'EX', '100'],
        ['COPY', k('{t}a'), k('{t}b')],
        ['GET', k('{t}b')],
        ['TTL', k('{t}b')],
        ['COPY', k('{t}a'), k('{t}b')],
        ['COPY', k('{t}a'), k('{t}b'), 'REPLACE'],
        ['COPY', k('{t}a'), k('{t}a')],
        ['COPY', k('{t}x'), k('{t}y')],
        ['COPY', k('{t}a'), k('{t}c'), 'DB', '1'],
        ['SELECT', '1'],
        ['GET', k('{t}c')],
        ['DEL', k('{t}c')],
        ['SELECT', '0'],
        ['COPY', k('{t}a'), k('{t}c'), 'DB', '99'],
        ['COPY', k('{t}a'), k('{t}c'), 'DB', 'x'],
        ['COPY', k('{t}a'), k('{t}c'), 'FOO'],
      ]),
      // CRC16 is affine: two keys of equal length that differ only in their last bytes keep the same
      // slot difference whatever the namespace, and with 2 or 4 shards the shard is the slot's low
      // bits. 'src' and 'dst' always shared a shard; 'src' and 'out' never do (at 2 and at 4 threads).
      c('COPY across shards', (k) => [['SET', k('src'), 'v'], ['COPY', k('src'), k('out')], ['GET', k('out')], ['COPY', k('src'), k('out')], ['SET', k('src'), 'w'], ['COPY', k('src'), k('out'), 'REPLACE'], ['GET', k('out')]]),
      c('MOVE', (k) => [
        ['SET', k('a'), 'v'],
        ['MOVE', k('a'), '1'],
        ['EXISTS', k('a')],
        ['MOVE', k('a'), '1'],
        ['SET', k('a'), 'w'],
        ['MOVE', k('a'), '1'],
        ['MOVE', k('a'), '0'],
        ['MOVE', k('a'), '16'],
        ['MOVE', k('a'), 'x'],
        ['SELECT', '1'],
        ['GET', k('a')],
        ['DEL', k('a')],
      ]),
      c('OBJECT ENCODING / REFCOUNT / FREQ', (k) => [
        ['SET', k('i'), '12345'],
        ['SET', k('s'), 'short'],
        ['SET', k('r'), 'r'.repeat(45)],
        ['SET', k('e'), 'e'.repeat(44)],
        ['SET', k('z'), '100'],
        ['OBJECT', 'ENCODING', k('i')],
        ['OBJECT', 'ENCODING', k('s')],
        ['OBJECT', 'ENCODING', k('r')],
        ['OBJECT', 'ENCODING', k('e')],
        ['OBJECT', 'ENCODING', k('missing')],
        ['APPEND', k('s'), 'x'],
        ['OBJECT', 'ENCODING', k('s')],
        ['INCR', k('i')],
        ['OBJECT', 'ENCODING', k('i')],
        ['OBJECT', 'REFCOUNT', k('s')],
        ['OBJECT', 'REFCOUNT', k('z')],
        ['OBJECT', 'REFCOUNT', k('missing')],
        ['OBJECT', 'FREQ', k('s')],
        ['OBJECT'],
        ['OBJECT', 'FOO', k('s')],
        ['OBJECT', 'ENCODING'],
      ]),
      c('FLUSHDB / DBSIZE in a database of their own', () => [
        ['SELECT', '9'],
        ['FLUSHDB'],
        ['DBSIZE'],
        ['MSET', 'a', '1', 'b', '2', 'c', '3', 'd', '4', 'e', '5'],
        ['DBSIZE'],
        ['FLUSHDB', 'ASYNC'],
        ['DBSIZE'],
        ['SET', 'x', 'y'],
        ['FLUSHDB', 'SYNC'],
        ['DBSIZE'],
        ['FLUSHDB', 'FOO'],
        ['DBSIZE', 'x'],
      ]),
      c(
        'KEYS in a database of its own',
        () => [
          ['SELECT', '10'],
          ['FLUSHDB'],
          ['MSET', 'alpha', '1', 'beta', '2', 'gamma', '3', 'alps', '4', 'a*b', '5', 'ab', '6'],
          ['KEYS', '*'],
          ['KEYS', 'al*'],
          ['KEYS', '?eta'],
          ['KEYS', '[ab]*'],
          ['KEYS', 'a\\*b'],
          ['KEYS', 'nomatch*'],
          ['FLUSHDB'],
        ],
        undefined,
        UNORDERED_KEYS,
      ),
      c('RENAME', (k) => [['SET', k('a'), 'v', 'EX', '100'], ['RENAME', k('a'), k('b')], ['GET', k('b')], ['TTL', k('b')], ['EXISTS', k('a')], ['RENAME', k('nope'), k('c')], ['RENAMENX', k('b'), k('b')], ['SET', k('c'), 'w'], ['RENAMENX', k('b'), k('c')], ['RENAMENX', k('b'), k('d')], ['MGET', k('b'), k('c'), k('d')]]),
    ],
  },
];

differentialSuite('keyspace commands: differential vs Redis (RESP2, RESP3, pipelined)', GROUPS);
