// Integration tests with real clients against Damselfly at 1, 2 and 4 threads: ioredis (RESP2,
// pipelines, many connections, binary and 100 MB values), node-redis v5 (RESP2 and RESP3) and
// redis-cli (ping, --pipe mass insert, INFO).

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { createClient, RESP_TYPES } from 'redis';
import {
  stopChecked, REDIS_CLI_AVAILABLE, encodeCommand, rng, startDamselfly, type ServerHandle } from './harness.ts';
import { shardOfKey } from '../src/runtime/slots.ts';

function ioredis(port: number): Redis {
  const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, enableAutoPipelining: false });
  r.on('error', () => {});
  return r;
}

async function withIoredis<T>(port: number, fn: (r: Redis) => Promise<T>): Promise<T> {
  const r = ioredis(port);
  await r.connect();
  try {
    return await fn(r);
  } finally {
    r.disconnect();
  }
}

function nodeRedis(port: number, resp: 2 | 3) {
  const client = createClient({ socket: { port, host: '127.0.0.1', reconnectStrategy: false }, RESP: resp });
  client.on('error', () => {});
  return client;
}

/** Runs a program with optional stdin; resolves with its exit code and output (bounded). */
function run(cmd: string, args: string[], input?: Buffer | string, timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const t = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} timed out; stdout: ${stdout.slice(-500)} stderr: ${stderr.slice(-500)}`));
    }, timeoutMs);
    p.on('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
    p.stdin.on('error', () => {});
    p.stdin.end(input ?? '');
  });
}

/** The shard thread serving this connection (CLIENT INFO's thread= field), or -1 if unknown. */
async function connectionThread(r: Redis): Promise<number> {
  const info = String(await r.call('CLIENT', 'INFO'));
  const m = /\bthread=(\d+)/.exec(info);
  return m ? Number(m[1]) : -1;
}

/** A key whose shard is (or is not) `shard`. */
function keyOnShard(prefix: string, shards: number, shard: number, want: boolean): string {
  for (let i = 0; ; i++) {
    const k = `${prefix}:${i}`;
    if ((shardOfKey(Buffer.from(k), shards) === shard) === want) return k;
  }
}

for (const threads of [1, 2, 4]) {
  describe(`integration, Damselfly with ${threads} thread(s)`, () => {
    let dfly: ServerHandle;
    before(async () => {
      dfly = await startDamselfly({ threads });
    });
    after(async () => {
      await stopChecked(dfly);
    });

    it('ioredis: basic commands (RESP2)', { timeout: 30_000 }, async () => {
      await withIoredis(dfly.port, async (r) => {
        assert.equal(await r.ping(), 'PONG');
        assert.equal(await r.set('io:a', 'hello'), 'OK');
        assert.equal(await r.get('io:a'), 'hello');
        assert.equal(await r.get('io:missing'), null);
        assert.equal(await r.mset('io:b', '1', 'io:c', '2', 'io:d', '3'), 'OK');
        assert.deepEqual(await r.mget('io:a', 'io:b', 'io:c', 'io:d', 'io:missing'), ['hello', '1', '2', '3', null]);
        assert.equal(await r.incr('io:b'), 2);
        assert.equal(await r.incrbyfloat('io:c', '0.5'), '2.5');
        assert.equal(await r.append('io:a', ' world'), 11);
        assert.equal(await r.getrange('io:a', 0, 4), 'hello');
        assert.equal(await r.set('io:a', 'x', 'EX', 100, 'GET'), 'hello world');
        await assert.rejects(r.call('NOSUCHCOMMAND'), /unknown command/);
        await assert.rejects(r.incr('io:a'), /not an integer/);
      });
    });

    it('ioredis: a pipeline of 100k commands gets every reply, in order', { timeout: 120_000 }, async () => {
      await withIoredis(dfly.port, async (r) => {
        const n = 100_000;
        const p = r.pipeline();
        const expected: unknown[] = [];
        const counters = new Map<string, number>();
        for (let i = 0; i < n; i++) {
          const m = i % 4;
          if (m === 0) {
            p.set(`pl:${i}`, `v${i}`);
            expected.push('OK');
          } else if (m === 1) {
            p.get(`pl:${i - 1}`);
            expected.push(`v${i - 1}`);
          } else if (m === 2) {
            const key = `plc:${i % 97}`;
            const v = (counters.get(key) ?? 0) + 1;
            counters.set(key, v);
            p.incr(key);
            expected.push(v);
          } else {
            p.mget(`pl:${i - 3}`, `pl:missing${i}`, `pl:${i - 3}`);
            expected.push([`v${i - 3}`, null, `v${i - 3}`]);
          }
        }
        const res = (await p.exec())!;
        assert.equal(res.length, n);
        for (let i = 0; i < n; i++) {
          const [err, val] = res[i];
          if (err !== null) assert.fail(`reply ${i}: error ${err.message}`);
          assert.deepEqual(val, expected[i], `reply ${i}`);
        }
      });
    });

    it('ioredis: 200 concurrent clients doing SET/GET on random keys', { timeout: 120_000 }, async () => {
      const clients = Array.from({ length: 200 }, () => ioredis(dfly.port));
      try {
        await Promise.all(clients.map((c) => c.connect()));
        await Promise.all(
          clients.map(async (c, id) => {
            const r = rng(id + 1);
            const mine = new Map<string, string>();
            for (let i = 0; i < 25; i++) {
              const key = `cc:${id}:${Math.floor(r() * 1e9)}`;
              const value = `${id}:${i}:${r().toString(36)}`;
              assert.equal(await c.set(key, value), 'OK');
              mine.set(key, value);
              const probe = [...mine.keys()][Math.floor(r() * mine.size)];
              assert.equal(await c.get(probe), mine.get(probe), `client ${id} key ${probe}`);
            }
            const keys = [...mine.keys()];
            assert.deepEqual(await c.mget(...keys), keys.map((k) => mine.get(k)));
          }),
        );
      } finally {
        for (const c of clients) c.disconnect();
      }
    });

    it('ioredis: binary keys and values (all 256 byte values)', { timeout: 30_000 }, async () => {
      await withIoredis(dfly.port, async (r) => {
        const all = Buffer.alloc(256);
        for (let i = 0; i < 256; i++) all[i] = i;
        const keys: Buffer[] = [];
        for (let i = 0; i < 16; i++) {
          const key = Buffer.concat([Buffer.from('bin:'), all.subarray(i * 16, i * 16 + 16)]);
          const value = Buffer.concat([all.subarray(i * 16), all.subarray(0, i * 16)]);
          keys.push(key);
          assert.equal(await r.set(key, value), 'OK');
          assert.ok((await r.getBuffer(key))!.equals(value), `key ${key.toString('hex')}`);
        }
        const whole = Buffer.concat([Buffer.from('bin:all:'), all]);
        await r.set(whole, all);
        assert.ok((await r.getBuffer(whole))!.equals(all));
        const got = await r.mgetBuffer(...keys);
        got.forEach((v, i) => assert.ok(v!.equals(Buffer.concat([all.subarray(i * 16), all.subarray(0, i * 16)])), `mget ${i}`));
        assert.equal(await r.strlen(whole), 256);
        assert.ok((await r.getrangeBuffer(whole, 250, 255)).equals(all.subarray(250)));
      });
    });

    it('node-redis v5: RESP2', { timeout: 30_000 }, async () => {
      const client = nodeRedis(dfly.port, 2);
      await client.connect();
      try {
        assert.equal(await client.ping(), 'PONG');
        assert.equal(await client.set('nr2:a', 'v'), 'OK');
        assert.equal(await client.get('nr2:a'), 'v');
        assert.equal(await client.get('nr2:missing'), null);
        assert.deepEqual(await client.mGet(['nr2:a', 'nr2:missing']), ['v', null]);
        assert.equal(await client.incrBy('nr2:n', 5), 5);
        const hello = (await client.sendCommand(['HELLO'])) as unknown[];
        assert.ok(Array.isArray(hello), 'RESP2 HELLO is a flat array');
        assert.equal(hello[hello.indexOf('proto') + 1], 2);
        // Auto-pipelined concurrent commands keep their order.
        const many = await Promise.all(Array.from({ length: 1000 }, (_, i) => client.set(`nr2:p${i}`, String(i)).then(() => client.get(`nr2:p${i}`))));
        many.forEach((v, i) => assert.equal(v, String(i)));
      } finally {
        client.destroy();
      }
    });

    it('node-redis v5: RESP3', { timeout: 30_000 }, async () => {
      const client = nodeRedis(dfly.port, 3);
      await client.connect();
      try {
        const hello = (await client.sendCommand(['HELLO'])) as Record<string, unknown>;
        assert.equal(hello.proto, 3, `HELLO: ${JSON.stringify(hello)}`);
        assert.equal(hello.server, 'redis');
        assert.equal(await client.set('nr3:a', 'v'), 'OK');
        assert.equal(await client.get('nr3:a'), 'v');
        assert.equal(await client.get('nr3:missing'), null);
        assert.deepEqual(await client.mGet(['nr3:a', 'nr3:missing']), ['v', null]);
        await client.mSet({ 'nr3:{t}x': 'ohmytext', 'nr3:{t}y': 'mynewtext' });
        assert.equal(await client.lcs('nr3:{t}x', 'nr3:{t}y'), 'mytext');
        const idx = (await client.sendCommand(['LCS', 'nr3:{t}x', 'nr3:{t}y', 'IDX', 'WITHMATCHLEN'])) as Record<string, unknown>;
        assert.equal(idx.len, 6);
        assert.ok(Array.isArray(idx.matches));
        assert.equal(await client.incrByFloat('nr3:f', 1.5), '1.5');
        // Binary values through a Buffer type mapping.
        const bin = client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
        const all = Buffer.alloc(256);
        for (let i = 0; i < 256; i++) all[i] = 255 - i;
        await bin.set(Buffer.from('nr3:bin\x00\xff'), all);
        assert.ok(((await bin.get(Buffer.from('nr3:bin\x00\xff'))) as Buffer).equals(all));
        const many = await Promise.all(Array.from({ length: 1000 }, (_, i) => client.incr(`nr3:c${i % 10}`)));
        assert.equal(Math.max(...many), 100);
      } finally {
        client.destroy();
      }
    });

    it('redis-cli: ping', { timeout: 30_000 }, async (t) => {
      if (!REDIS_CLI_AVAILABLE) {
        t.skip('redis-cli not installed');
        return;
      }
      const r = await run('redis-cli', ['-p', String(dfly.port), 'ping']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), 'PONG');
    });

    it('redis-cli: --pipe mass insert of 10k commands', { timeout: 60_000 }, async (t) => {
      if (!REDIS_CLI_AVAILABLE) {
        t.skip('redis-cli not installed');
        return;
      }
      const n = 10_000;
      const input = Buffer.concat(Array.from({ length: n }, (_, i) => encodeCommand(['SET', `mass:${i}`, `value:${i}`])));
      const r = await run('redis-cli', ['-p', String(dfly.port), '--pipe'], input);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, new RegExp(`errors: 0, replies: ${n}`), r.stdout);
      await withIoredis(dfly.port, async (c) => {
        const keys = Array.from({ length: n }, (_, i) => `mass:${i}`);
        const vals = await c.mget(...keys);
        vals.forEach((v, i) => assert.equal(v, `value:${i}`, `mass:${i}`));
      });
    });

    it('redis-cli: INFO server shows the thread count', { timeout: 30_000 }, async (t) => {
      if (!REDIS_CLI_AVAILABLE) {
        t.skip('redis-cli not installed');
        return;
      }
      const r = await run('redis-cli', ['-p', String(dfly.port), 'info', 'server']);
      assert.equal(r.code, 0, r.stderr);
      if (/unknown command/i.test(r.stdout)) {
        t.skip('INFO is not implemented yet');
        return;
      }
      assert.match(r.stdout, /# Server/);
      const values = [...r.stdout.matchAll(/^[a-z_]*thread[a-z_]*:(\d+)\r?$/gm)].map((m) => Number(m[1]));
      assert.ok(values.includes(threads), `INFO server has no thread-count field equal to ${threads}:\n${r.stdout}`);
    });
    // Last: a server that wedges on big frames must not take the other tests down with it.
    it('ioredis: 5 MB and 100 MB values set and read back intact (local and remote shard)', { timeout: 240_000 }, async () => {
      const r = new Redis({ port: dfly.port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, commandTimeout: 60_000 });
      r.on('error', () => {});
      await r.connect();
      try {
        const thread = await connectionThread(r);
        for (const size of [5 * 1024 * 1024, 100 * 1024 * 1024]) {
          const value = Buffer.allocUnsafe(size);
          const rand = rng(size);
          for (let i = 0; i < size; i += 4) value.writeUInt32LE(Math.floor(rand() * 0x100000000), i);
          const keys: string[] = [];
          if (thread >= 0) {
            keys.push(keyOnShard(`big${size}:local`, threads, thread, true));
            if (threads > 1) keys.push(keyOnShard(`big${size}:remote`, threads, thread, false));
          } else {
            keys.push(`big${size}:a`, `big${size}:b`);
          }
          for (const key of keys) {
            const where = `${size} bytes, key ${key} (shard ${shardOfKey(Buffer.from(key), threads)}, connection on thread ${thread})`;
            assert.equal(await r.set(key, value).catch((e: Error) => assert.fail(`SET ${where}: ${e.message}`)), 'OK');
            assert.equal(await r.strlen(key), size);
            const back = await r.getBuffer(key).catch((e: Error) => assert.fail(`GET ${where}: ${e.message}`));
            assert.ok(back !== null && back.length === size, `${where}: length ${back?.length}`);
            assert.ok(back.equals(value), `${where}: bytes differ`);
            assert.ok((await r.getrangeBuffer(key, size - 8, size - 1)).equals(value.subarray(size - 8)));
            await r.del(key);
          }
        }
      } finally {
        r.disconnect();
      }
    });
  });
}
