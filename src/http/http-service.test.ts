// HTTP on the RESP port: /metrics checked by a strict Prometheus text-format parser and against INFO
// after a known workload (main port and --admin_port), inline RESP commands unchanged (differential
// with redis-server), keep-alive and close, basic auth under requirepass, --nohttp, and the status page
// rendered by headless Chromium (Debian's `chromium`; the test fails without it).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePrometheus, value } from '../../test/prometheus-text.ts';
import { freePort, RawClient, REDIS_AVAILABLE, SKIP_NO_REDIS, startDamselfly, startRedis, type ServerHandle } from '../../test/harness.ts';

/** One raw exchange: writes `request`, returns everything the server sent until it closed. */
function rawHttp(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    s.on('data', (d) => chunks.push(d));
    s.on('error', reject);
    s.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    s.write(request);
  });
}

function infoMap(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const c = line.indexOf(':');
    if (c > 0) m.set(line.slice(0, c), line.slice(c + 1));
  }
  return m;
}

async function infoOf(c: RawClient): Promise<Map<string, string>> {
  c.send(['INFO', 'everything']);
  const reply = (await c.readReply()).toString('latin1');
  return infoMap(reply.slice(reply.indexOf('\r\n') + 2));
}

const CHROMIUM = '/usr/bin/chromium';

describe('HTTP on the RESP port', { skip: REDIS_AVAILABLE ? false : SKIP_NO_REDIS }, () => {
  let df: ServerHandle;
  let redis: ServerHandle;
  let adminPort: number;
  let client: RawClient;

  before(async () => {
    adminPort = await freePort();
    [df, redis] = await Promise.all([startDamselfly({ threads: 2, args: [`--admin_port=${adminPort}`] }), startRedis()]);
    client = await RawClient.connect(df.port);
  });
  after(async () => {
    client?.socket.destroy();
    await Promise.all([df?.stop(), redis?.stop()]);
  });

  it('/metrics is valid Prometheus text whose values are INFO\'s after a known workload, on both ports', async () => {
    for (const cmd of [['SET', 'k1', 'v'], ['SET', 'k2', 'v'], ['SET', '{k1}x', 'v', 'EX', '100'], ['GET', 'k1'], ['GET', 'nokey'], ['INCR', 'k1'], ['SELECT', '3'], ['SET', 'k3', 'v'], ['SELECT', '0']]) {
      client.send(cmd);
      await client.readReply();
    }
    const res = await fetch(`http://127.0.0.1:${df.port}/metrics`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    const fams = parsePrometheus(await res.text());
    const info = await infoOf(client);
    assert.equal(value(fams, 'redis_up'), 1);
    assert.equal(value(fams, 'redis_db_keys', { db: 'db0' }), 3);
    assert.equal(value(fams, 'redis_db_keys_expiring', { db: 'db0' }), 1);
    assert.equal(value(fams, 'redis_db_keys', { db: 'db3' }), 1);
    assert.equal(value(fams, 'redis_commands_total', { cmd: 'set' }), 4);
    assert.equal(value(fams, 'redis_commands_total', { cmd: 'get' }), 2);
    assert.equal(value(fams, 'redis_commands_failed_calls_total', { cmd: 'incr' }), 1);
    assert.ok(value(fams, 'redis_commands_duration_seconds_total', { cmd: 'set' }) >= 0);
    assert.equal(value(fams, 'redis_errors_total', { err: 'ERR' }), Number(/count=(\d+)/.exec(info.get('errorstat_ERR')!)![1]));
    assert.equal(value(fams, 'redis_keyspace_hits_total'), Number(info.get('keyspace_hits')));
    assert.equal(value(fams, 'redis_keyspace_misses_total'), Number(info.get('keyspace_misses')));
    assert.equal(value(fams, 'redis_connected_clients'), Number(info.get('connected_clients')));
    assert.equal(value(fams, 'redis_memory_max_bytes'), Number(info.get('maxmemory')));
    assert.equal(value(fams, 'redis_instance_info', { run_id: info.get('run_id')!, tcp_port: String(df.port), role: 'master' }), 1);
    // The scrape itself is no command (nor is INFO in its own count, as in Redis).
    assert.equal(value(fams, 'redis_commands_processed_total'), Number(info.get('total_commands_processed')));
    // Per thread: the keys add up to the keyspace, the thread labels are 0 and 1.
    const threadKeys = fams.get('damselfly_thread_keys')!.samples;
    assert.deepEqual(threadKeys.map((s) => s.labels.thread), ['0', '1']);
    assert.equal(threadKeys.reduce((a, s) => a + s.value, 0), 4);
    for (const name of ['damselfly_thread_cpu_seconds_total', 'damselfly_thread_memory_used_bytes', 'damselfly_thread_connected_clients', 'damselfly_thread_mesh_requests_sent_total', 'damselfly_thread_commands_processed_total']) {
      assert.ok(fams.has(name), name);
    }
    const admin = parsePrometheus(await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text());
    assert.equal(value(admin, 'redis_db_keys', { db: 'db0' }), 3);
    assert.equal(value(admin, 'redis_commands_total', { cmd: 'set' }), 4);
  });

  it('/metrics has redis_exporter\'s slowlog figures: SLOWLOG LEN, the newest id and its duration', async () => {
    await client.call(['CONFIG', 'SET', 'slowlog-log-slower-than', '0']);
    await client.call(['ECHO', 'slow-metrics']);
    await client.call(['CONFIG', 'SET', 'slowlog-log-slower-than', '-1']);
    const len = Number(/^:(\d+)/.exec((await client.call(['SLOWLOG', 'LEN'])).toString())![1]);
    const newest = /^\*1\r\n\*6\r\n:(\d+)\r\n:\d+\r\n:(\d+)\r\n/.exec((await client.call(['SLOWLOG', 'GET', '1'])).toString())!;
    assert.ok(len >= 1);
    const fams = parsePrometheus(await (await fetch(`http://127.0.0.1:${df.port}/metrics`)).text());
    assert.equal(value(fams, 'redis_slowlog_length'), len);
    assert.equal(value(fams, 'redis_slowlog_last_id'), Number(newest[1]));
    assert.equal(value(fams, 'redis_last_slow_execution_duration_seconds'), Number(newest[2]) / 1e6);
  });

  it('inline commands, GET among them, stay RESP (byte for byte as redis-server)', async () => {
    const inline = 'SET ikey hello\r\nGET ikey\r\nGET ikey extra\r\nGET  / HTTP/1.1\r\nget / HTTP/1.1\r\nPING\r\n';
    const replies: string[] = [];
    for (const port of [df.port, redis.port, adminPort]) {
      const c = await RawClient.connect(port);
      c.send(inline);
      const got: string[] = [];
      for (let i = 0; i < 6; i++) got.push((await c.readReply()).toString('latin1'));
      c.socket.destroy();
      replies.push(got.join(''));
    }
    assert.equal(replies[0], replies[1]);
    assert.equal(replies[2], replies[1]);
    assert.match(replies[0], /^\+OK\r\n\$5\r\nhello\r\n-ERR wrong number/);
  });

  it('a POST or Host: command closes the connection with nothing written, as redis-server (cross-protocol guard)', async () => {
    const cases = ['PING\r\npost /x HTTP/1.1\r\nPING\r\n', '*1\r\n$4\r\nPING\r\n*2\r\n$5\r\nHOST:\r\n$1\r\nx\r\n', 'PING\r\nGET /a b\r\nHost: x\r\n'];
    for (const payload of cases) {
      const [ours, theirs] = await Promise.all([rawHttp(df.port, payload), rawHttp(redis.port, payload)]);
      assert.equal(ours, theirs, JSON.stringify(payload));
      assert.equal(ours, '');
    }
  });

  it('keeps HTTP/1.1 connections alive, closes HTTP/1.0 ones and answers errors', async () => {
    const two = await rawHttp(df.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.match(two, /^HTTP\/1\.1 200 OK\r\n[^]*Connection: keep-alive\r\n\r\nOK\n/);
    assert.match(two, /HTTP\/1\.1 404 Not Found\r\n[^]*Connection: close\r\n\r\nNot Found\n$/);
    const old = await rawHttp(df.port, 'HEAD /healthz HTTP/1.0\r\n\r\n');
    assert.match(old, /^HTTP\/1\.1 200 OK\r\n[^]*Content-Length: 3\r\nConnection: close\r\n\r\n$/);
    const post = await rawHttp(df.port, 'POST /metrics HTTP/1.1\r\nContent-Length: 2\r\nConnection: close\r\n\r\nab');
    assert.match(post, /^HTTP\/1\.1 405 Method Not Allowed\r\n[^]*Allow: GET, HEAD/);
  });

  it('the status page renders its figures in headless Chromium', async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
    // One command in the slow log (threshold 0: every command), to see in the slowlog panel.
    await client.call(['CONFIG', 'SET', 'slowlog-log-slower-than', '0']);
    await client.call(['ECHO', 'slowpanel-probe']);
    await client.call(['CONFIG', 'SET', 'slowlog-log-slower-than', '-1']);
    const dir = mkdtempSync(join(tmpdir(), 'damselfly-chromium-'));
    try {
      const r = spawnSync(
        CHROMIUM,
        ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${dir}`, '--dump-dom', `http://127.0.0.1:${df.port}/`],
        { encoding: 'utf8', timeout: 30_000 }, // ~2 s here; the bound only guards a hung browser
      );
      assert.equal(r.status, 0, r.stderr);
      const dom = r.stdout;
      // The keyspace table (db0: 4 keys with the inline test's, db3: 1), the server facts, and one chart line per thread with points.
      assert.match(dom, /<td>db0<\/td><td>4<\/td>/);
      assert.match(dom, /<td>db3<\/td><td>1<\/td>/);
      assert.match(dom, new RegExp(`<td>tcp_port</td><td>${df.port}</td>`));
      const lines = [...dom.matchAll(/<polyline class="series" data-thread="(\d)" data-points="(\d+)" points="([^"]+)"/g)];
      assert.equal(lines.length, 4, 'two charts, a line per thread each');
      for (const l of lines) assert.ok(Number(l[2]) >= 1 && l[3].split(' ').length === Number(l[2]));
      assert.match(dom, /\d+ latest entries/);
      assert.match(dom, /<td>ECHO slowpanel-probe<\/td>/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('HTTP with requirepass, --nohttp and --admin_port', () => {
  let df: ServerHandle;
  let adminPort: number;

  before(async () => {
    adminPort = await freePort();
    df = await startDamselfly({ threads: 2, args: ['--requirepass=s3cret', '--nohttp', `--admin_port=${adminPort}`] });
  });
  after(async () => {
    await df?.stop();
  });

  it('needs basic auth with the password (any user) except on /healthz', async () => {
    const url = `http://127.0.0.1:${adminPort}`;
    const denied = await fetch(`${url}/metrics`);
    assert.equal(denied.status, 401);
    assert.equal(denied.headers.get('www-authenticate'), 'Basic realm="damselfly", charset="UTF-8"');
    const basic = (user: string, pass: string): Record<string, string> => ({ Authorization: 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64') });
    assert.equal((await fetch(`${url}/metrics`, { headers: basic('anyone', 'wrong') })).status, 401);
    const ok = await fetch(`${url}/metrics`, { headers: basic('anyone', 's3cret') });
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /^redis_up 1$/m);
    assert.equal((await fetch(`${url}/api/stats`, { headers: basic('', 's3cret') })).status, 200);
    assert.equal((await fetch(`${url}/`)).status, 401);
    const health = await fetch(`${url}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(await health.text(), 'OK\n');
  });

  it('follows CONFIG SET requirepass on every thread', async () => {
    const c = await RawClient.connect(df.port);
    c.send(['AUTH', 's3cret']);
    assert.equal((await c.readReply()).toString('latin1'), '+OK\r\n');
    c.send(['CONFIG', 'SET', 'requirepass', 'n3w']);
    assert.equal((await c.readReply()).toString('latin1'), '+OK\r\n');
    const auth = (pass: string): Record<string, string> => ({ Authorization: 'Basic ' + Buffer.from(`u:${pass}`).toString('base64') });
    // Several connections: the kernel spreads them over the threads.
    for (let i = 0; i < 4; i++) {
      assert.equal((await fetch(`http://127.0.0.1:${adminPort}/metrics`, { headers: { ...auth('s3cret'), Connection: 'close' } })).status, 401);
      assert.equal((await fetch(`http://127.0.0.1:${adminPort}/metrics`, { headers: { ...auth('n3w'), Connection: 'close' } })).status, 200);
    }
    c.send(['CONFIG', 'SET', 'requirepass', 's3cret']);
    assert.equal((await c.readReply()).toString('latin1'), '+OK\r\n');
    c.socket.destroy();
  });

  it('--nohttp: an HTTP request line on the main port is RESP (an inline command)', async () => {
    const c = await RawClient.connect(df.port);
    // As Redis: the arity check comes before the authentication check.
    c.send('GET / HTTP/1.1\r\nPING\r\n');
    assert.equal((await c.readReply()).toString('latin1'), "-ERR wrong number of arguments for 'get' command\r\n");
    assert.equal((await c.readReply()).toString('latin1'), '-NOAUTH Authentication required.\r\n');
    c.socket.destroy();
  });
});
