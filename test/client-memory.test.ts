// Client memory over sockets: a header alone never reserves its claimed size, a huge multibulk is
// answered like Redis without an object per argument, and what a client holds (unparsed input,
// parsed arguments, MULTI queue) is accounted: client-query-buffer-limit closes it, maxmemory-clients
// evicts the biggest, CLIENT LIST shows argv-mem / multi-mem. The server survives throughout and
// other clients' data stays intact.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { REDIS_AVAILABLE, RawClient, SKIP_NO_REDIS, startDamselfly, startRedis, waitFor, type ServerHandle } from './harness.ts';

const rssBytes = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;

/** The CLIENT LIST line fields of the client named `name` (null when it is gone). */
async function clientFields(admin: RawClient, name: string): Promise<Record<string, string> | null> {
  const list = (await admin.callText(['CLIENT', 'LIST'])).split('\n');
  const line = list.find((l) => l.includes(` name=${name} `));
  if (line === undefined) return null;
  return Object.fromEntries(line.split(' ').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
}

/** `*n+1 ECHO $1 a ...` */
function hugeEcho(n: number): Buffer {
  return Buffer.concat([Buffer.from(`*${n + 1}\r\n$4\r\nECHO\r\n`), Buffer.from('$1\r\na\r\n'.repeat(n))]);
}

describe('client memory', () => {
  let dfly: ServerHandle;
  let admin: RawClient;

  before(async () => {
    dfly = await startDamselfly({ threads: 1 });
    admin = await RawClient.connect(dfly.port);
    assert.equal(await admin.callText(['SET', 'keep', 'intact']), '+OK\r\n');
  });

  after(async () => {
    admin?.close();
    await dfly?.stop();
  });

  async function healthy(): Promise<void> {
    assert.ok(dfly.alive(), 'server alive');
    assert.equal(await admin.callText(['GET', 'keep']), '$6\r\nintact\r\n');
  }

  it('a 100 GB bulk claim with proto-max-bulk-len raised allocates nothing of it', { timeout: 30_000 }, async () => {
    assert.equal(await admin.callText(['CONFIG', 'SET', 'proto-max-bulk-len', '100gb']), '+OK\r\n');
    try {
      const c = await RawClient.connect(dfly.port);
      await c.callText(['CLIENT', 'SETNAME', 'claim']);
      c.send(Buffer.from('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$107374182400\r\nabcdefghij'));
      await waitFor(async () => (await clientFields(admin, 'claim'))?.qbuf === '10', 'the claim parsed');
      const f = (await clientFields(admin, 'claim'))!;
      assert.ok(Number(f['qbuf-free']) <= 1024 * 1024, `qbuf-free ${f['qbuf-free']}`);
      c.close();
      await healthy();
    } finally {
      await admin.callText(['CONFIG', 'SET', 'proto-max-bulk-len', '512mb']);
    }
  });

  it('40 header-only 512 MB claims keep the process small', { timeout: 60_000 }, async () => {
    const clients: RawClient[] = [];
    try {
      for (let i = 0; i < 40; i++) {
        const c = await RawClient.connect(dfly.port);
        await c.callText(['CLIENT', 'SETNAME', `h${i}`]);
        c.send(Buffer.from('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$536870912\r\n0123456789'));
        clients.push(c);
      }
      await waitFor(async () => (await admin.callText(['CLIENT', 'LIST'])).split('qbuf=10 ').length - 1 === 40, 'all claims parsed');
      // 40 × 512 MB were reserved before; now at most 1 MB each.
      assert.ok(rssBytes(dfly.proc.pid!) < 1024 * 1024 * 1024, `RSS ${rssBytes(dfly.proc.pid!)}`);
    } finally {
      for (const c of clients) c.close();
    }
    await healthy();
  });

  it('a multibulk of 2M arguments gets the arity error like Redis, and argv-mem shows it while it arrives', { timeout: 60_000 }, async (t) => {
    const c = await RawClient.connect(dfly.port);
    await c.callText(['CLIENT', 'SETNAME', 'huge']);
    const input = hugeEcho(2_000_000);
    c.send(input.subarray(0, input.length - 700_000));
    await waitFor(async () => Number((await clientFields(admin, 'huge'))?.['argv-mem'] ?? 0) > 1_000_000, 'argv-mem reported');
    const f = (await clientFields(admin, 'huge'))!;
    // Compact: ~5 bytes per argument (at most doubled by growth), not a Buffer per argument.
    assert.ok(Number(f['argv-mem']) < 25_000_000, `argv-mem ${f['argv-mem']}`);
    assert.ok(Number(f['tot-mem']) >= Number(f['argv-mem']));
    c.send(input.subarray(input.length - 700_000));
    const got = await c.readReply(30_000);
    c.close();
    if (REDIS_AVAILABLE) {
      const redis = await startRedis();
      try {
        const r = await RawClient.connect(redis.port);
        r.send(input);
        assert.equal(got.toString(), (await r.readReply(30_000)).toString());
        r.close();
      } finally {
        await redis.stop();
      }
    } else t.diagnostic(SKIP_NO_REDIS);
    assert.equal(got.toString(), "-ERR wrong number of arguments for 'echo' command\r\n");
    await healthy();
  });

  it('CLIENT LIST multi-mem counts the queued commands', { timeout: 30_000 }, async () => {
    const c = await RawClient.connect(dfly.port);
    await c.callText(['CLIENT', 'SETNAME', 'queuer']);
    assert.equal(await c.callText(['MULTI']), '+OK\r\n');
    for (let i = 0; i < 100; i++) assert.equal(await c.callText(['SET', `k${i}`, 'x'.repeat(1000)]), '+QUEUED\r\n');
    const f = (await clientFields(admin, 'queuer'))!;
    assert.ok(Number(f['multi-mem']) >= 100 * 1000 && Number(f['multi-mem']) < 200 * 1000, `multi-mem ${f['multi-mem']}`);
    assert.equal(f.multi, '100');
    c.close();
  });

  it('client-query-buffer-limit closes a client whose parsed arguments or MULTI queue pass it', { timeout: 60_000 }, async () => {
    assert.equal(await admin.callText(['CONFIG', 'SET', 'client-query-buffer-limit', '1mb']), '+OK\r\n');
    try {
      // Parsed arguments of one command being assembled.
      const a = await RawClient.connect(dfly.port);
      a.send(hugeEcho(1_000_000).subarray(0, 3_000_000));
      await a.readUntilClose(20_000);
      assert.ok(a.closed);
      // A huge command that passes the checks but whose arguments as Buffers would not fit.
      const keys = (n: number): string[] => Array.from({ length: n }, (_, i) => `k${i}`);
      const fits = await RawClient.connect(dfly.port);
      assert.equal(await fits.callText(['DEL', ...keys(5000)]), ':0\r\n');
      fits.send(['DEL', ...keys(20_000)]);
      assert.equal((await fits.readUntilClose(20_000)).length, 0);
      // A MULTI queue.
      const b = await RawClient.connect(dfly.port);
      assert.equal(await b.callText(['MULTI']), '+OK\r\n');
      let queued = 0;
      for (let i = 0; i < 300; i++) {
        b.send(['SET', `k${i}`, 'v'.repeat(10_000)]);
        const r = await b.tryReadReply(10_000);
        if (r === null) break;
        assert.equal(r.toString(), '+QUEUED\r\n');
        queued++;
      }
      // About 1 MB of 10 KB values queued, then closed.
      assert.ok(queued > 50 && queued < 110, `queued ${queued}`);
    } finally {
      await admin.callText(['CONFIG', 'SET', 'client-query-buffer-limit', '1gb']);
    }
    await healthy();
  });

  it('maxmemory-clients: CONFIG GET/SET like Redis; the biggest client is evicted, NO-EVICT ones are not', { timeout: 60_000 }, async () => {
    for (const [v, shown] of [['10%', '10%'], ['0%', '0'], ['1mb', '1048576'], ['0', '0']]) {
      assert.equal(await admin.callText(['CONFIG', 'SET', 'maxmemory-clients', v]), '+OK\r\n');
      assert.equal(await admin.callText(['CONFIG', 'GET', 'maxmemory-clients']), `*2\r\n$17\r\nmaxmemory-clients\r\n$${shown.length}\r\n${shown}\r\n`);
    }
    assert.match(await admin.callText(['CONFIG', 'SET', 'maxmemory-clients', '101%']), /percentage argument must be less or equal to 100/);
    assert.match(await admin.callText(['CONFIG', 'SET', 'maxmemory-clients', 'abc']), /argument must be a memory or percent value/);
    assert.equal(await admin.callText(['CLIENT', 'NO-EVICT', 'on']), '+OK\r\n');
    assert.equal(await admin.callText(['CONFIG', 'SET', 'maxmemory-clients', '4mb']), '+OK\r\n');
    try {
      const big = await RawClient.connect(dfly.port);
      const small = await RawClient.connect(dfly.port);
      const safe = await RawClient.connect(dfly.port);
      assert.equal(await safe.callText(['CLIENT', 'NO-EVICT', 'on']), '+OK\r\n');
      safe.send(Buffer.concat([Buffer.from('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3000000\r\n'), Buffer.alloc(2_500_000, 0x61)]));
      await waitFor(async () => (await admin.callText(['CLIENT', 'LIST'])).includes('qbuf=2500000'), 'the protected client holds 2.5 MB');
      big.send(Buffer.concat([Buffer.from('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3000000\r\n'), Buffer.alloc(2_000_000, 0x61)]));
      await big.readUntilClose(20_000);
      assert.ok(big.closed, 'the biggest evictable client is evicted');
      assert.match(await admin.callText(['INFO', 'stats']), /\r\nevicted_clients:1\r\n/);
      assert.equal(await small.callText(['PING']), '+PONG\r\n');
      assert.ok(!safe.closed);
      safe.close();
      small.close();
    } finally {
      await admin.callText(['CONFIG', 'SET', 'maxmemory-clients', '0']);
    }
    await healthy();
  });
});

describe('client memory: failure containment (in process)', () => {
  /** Runs `fn` while Buffer.allocUnsafe refuses sizes from `limit` bytes (as when memory is exhausted). */
  function withFailingAlloc(limit: number, fn: () => void): void {
    const real = Buffer.allocUnsafe;
    Buffer.allocUnsafe = ((size: number) => {
      if (size >= limit) throw new RangeError('Array buffer allocation failed');
      return real(size);
    }) as typeof Buffer.allocUnsafe;
    try {
      fn();
    } finally {
      Buffer.allocUnsafe = real;
    }
  }

  it('an allocation that fails while parsing or growing a bulk closes that client only', async () => {
    const { makeRig } = await import('./inproc.ts');
    const rig = makeRig(1);
    const other = rig.client(0);
    other.send(['SET', 'keep', 'intact']);
    // Fails in process(): the big bulk's first buffer.
    const a = rig.client(0);
    withFailingAlloc(512 * 1024, () => a.sock.emit('data', Buffer.concat([Buffer.from('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5000000\r\n'), Buffer.alloc(600_000)])));
    assert.ok(a.conn.closed && a.sock.destroyed);
    // Fails in feed(): growing it.
    const b = rig.client(0);
    b.sock.emit('data', Buffer.concat([Buffer.from('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5000000\r\n'), Buffer.alloc(600_000)]));
    assert.ok(!b.conn.closed);
    withFailingAlloc(1024 * 1024 + 1, () => b.sock.emit('data', Buffer.alloc(2_000_000)));
    assert.ok(b.conn.closed && b.sock.destroyed);
    assert.equal(rig.workers[0].stats.internalErrors, 2);
    other.send(['GET', 'keep']);
    rig.pump();
    assert.deepEqual(other.sock.replies(), ['+OK\r\n', '$6\r\nintact\r\n']);
  });
});
