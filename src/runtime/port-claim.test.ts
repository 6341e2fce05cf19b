// The port claim: in process (a port another socket holds, a port this process already claimed) and
// as a whole server (a second Damselfly, or Damselfly after redis-server, on a port in use exits 1
// with Redis's words while the first keeps serving).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { claimPort, PortClaimError, bindHosts } from './port-claim.ts';
import { freePort, MAIN, REDIS_AVAILABLE, ROOT, RawClient, SKIP_NO_REDIS, startDamselfly, startRedis } from '../../test/harness.ts';

function listen(port: number, reusePort: boolean): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen({ port, host: '127.0.0.1', reusePort }, () => resolve(s));
  });
}

/** Runs `node src/main.ts --port P` to its exit; its exit code and everything it printed. */
function runServer(port: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [MAIN, '--port', String(port), '--proactor_threads=2'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
    proc.on('exit', (code) => resolve({ code, out }));
  });
}

describe('port claim', () => {
  it('bind hosts: the setting split on spaces and commas, all interfaces when empty', () => {
    assert.deepEqual(bindHosts(''), [undefined]);
    assert.deepEqual(bindHosts('127.0.0.1 ::1,10.0.0.1'), ['127.0.0.1', '::1', '10.0.0.1']);
    // Redis's forms: * and ::* for every interface, a leading - for an optional address.
    assert.deepEqual(bindHosts('* -::*'), [undefined]);
    assert.deepEqual(bindHosts('127.0.0.1 -::1'), ['127.0.0.1', '::1']);
  });

  it('a port another socket listens on (even with SO_REUSEPORT) is refused with bind: Address already in use', async () => {
    const port = await freePort();
    for (const reusePort of [false, true]) {
      const other = await listen(port, reusePort);
      try {
        await assert.rejects(claimPort(port, ['127.0.0.1']), (e: unknown) => {
          assert.ok(e instanceof PortClaimError);
          assert.equal(e.message, `Could not create server TCP listening socket 127.0.0.1:${port}: bind: Address already in use`);
          return true;
        });
      } finally {
        await new Promise<void>((r) => other.close(() => r()));
      }
    }
  });

  it('a free port is claimed once: the claim leaves the port free for the threads, and a second claim of it fails', async () => {
    const port = await freePort();
    await claimPort(port, ['127.0.0.1']);
    // The threads can listen (with SO_REUSEPORT, as they do).
    const a = await listen(port, true);
    await new Promise<void>((r) => a.close(() => r()));
    // The lock stays with this process: another claim of the same address and port is refused.
    await assert.rejects(claimPort(port, ['127.0.0.1']), PortClaimError);
  });

  it('port 0 claims nothing', async () => {
    await claimPort(0, [undefined]);
    await claimPort(0, [undefined]);
  });

  it('a second Damselfly on the port of a running one exits 1 with Redis\'s message; the first keeps serving', async () => {
    const first = await startDamselfly({ threads: 2 });
    try {
      const second = await runServer(first.port);
      assert.equal(second.code, 1);
      assert.match(second.out, new RegExp(`# Warning: Could not create server TCP listening socket \\*:${first.port}: bind: Address already in use`));
      assert.match(second.out, new RegExp(`# Failed listening on port ${first.port} \\(TCP\\), aborting\\.`));
      assert.doesNotMatch(second.out, /ready to accept connections/i);
      // Every new connection still reaches the first server (none is handed to a second process).
      for (let i = 0; i < 8; i++) {
        const c = await RawClient.connect(first.port);
        assert.equal((await c.call(['PING'])).toString(), '+PONG\r\n');
        c.close();
      }
    } finally {
      await first.stop();
    }
  });

  it('Damselfly on the port of a running redis-server exits 1', { skip: !REDIS_AVAILABLE && SKIP_NO_REDIS }, async () => {
    const redis = await startRedis();
    try {
      const r = await runServer(redis.port);
      assert.equal(r.code, 1);
      assert.match(r.out, /bind: Address already in use/);
    } finally {
      await redis.stop();
    }
  });
});
