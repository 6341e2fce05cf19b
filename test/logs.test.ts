// Logs: Redis's line format and levels end to end (the banner and host warnings under a fake /proc,
// --logfile, --loglevel and CONFIG SET loglevel, verbose connection lines, --logtostderr, the shutdown
// lines), beside redis-server 7.0.15's own lines and CONFIG replies for the same settings.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { diff, freePort, MAIN, RawClient, REDIS_AVAILABLE, ROOT, SKIP_NO_REDIS, startDamselfly, startRedis, waitFor, type ServerHandle } from './harness.ts';

/** A line as redis-server writes it: pid:role, local time with milliseconds, level character. */
const LINE = /^\d+:[MSCX] \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d\.\d{3} ([.\-*#]) (.*)$/;
const SIGNAL_LINE = /^\d+:signal-handler \(\d+\) (.*)$/;

/** The [level char, message] of each line; fails on a line of another shape. */
function parse(text: string): [string, string][] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const m = LINE.exec(l);
      if (m !== null) return [m[2], m[3]] as [string, string];
      const s = SIGNAL_LINE.exec(l);
      assert.ok(s !== null, `not a Redis log line: ${JSON.stringify(l)}`);
      return ['signal', s[1]] as [string, string];
    });
}

function has(lines: [string, string][], level: string, message: string | RegExp): boolean {
  return lines.some(([l, m]) => l === level && (typeof message === 'string' ? m === message : message.test(m)));
}

interface Quiet {
  proc: ChildProcess;
  port: number;
  out: string;
  err: string;
}

/** A server logging warnings only, to stderr (started beside the others, checked by its test). */
async function startQuiet(): Promise<Quiet> {
  const port = await freePort();
  const proc = spawn(process.execPath, [MAIN, `--port=${port}`, '--proactor_threads=1', '--loglevel=warning', '--logtostderr'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const q: Quiet = { proc, port, out: '', err: '' };
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (q.out += d));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (q.err += d));
  return q;
}

describe('Logs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'damselfly-logs-'));
  const logfile = join(dir, 'damselfly.log');
  const host = join(dir, 'host');
  let dfly: ServerHandle;
  let redis: ServerHandle | null;
  let quiet: Quiet;

  before(async () => {
    // A host Redis would warn about: overcommit 0, somaxconn 128, THP always, 1056 open files.
    const files: Record<string, string> = {
      'proc/sys/vm/overcommit_memory': '0\n',
      'proc/sys/net/core/somaxconn': '128\n',
      'sys/kernel/mm/transparent_hugepage/enabled': '[always] madvise never\n',
      'proc/self/limits': 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            1056                 1056                 files\n',
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(host, path)), { recursive: true });
      writeFileSync(join(host, path), text);
    }
    [quiet, dfly, redis] = await Promise.all([
      startQuiet(),
      startDamselfly({ threads: 1, args: ['--loglevel=verbose', `--logfile=${logfile}`], env: { DAMSELFLY_TEST_HOST_ROOT: host } }),
      REDIS_AVAILABLE ? startRedis(['--loglevel', 'verbose']) : null,
    ]);
  });
  after(async () => {
    if (quiet?.proc.exitCode === null) quiet.proc.kill('SIGKILL');
    await Promise.all([dfly?.stop(), redis?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const logged = (): [string, string][] => parse(readFileSync(logfile, 'utf8'));

  it('the banner and the host warnings go to --logfile, in Redis\'s order and words', async () => {
    await waitFor(() => has(logged(), '*', 'Ready to accept connections'), 'the ready line');
    const lines = logged();
    const order = [
      ['#', 'oO0OoO0OoO0Oo Damselfly is starting oO0OoO0OoO0Oo'],
      ['#', /^Damselfly version=\S+, redis_version=\S+, node=24\.\S+, bits=64, pid=\d+, just started$/],
      ['#', 'You requested maxclients of 10000 requiring at least 10032 max file descriptors.'],
      ['#', "Current maximum open files is 1056. maxclients has been reduced to 1024 to compensate for low ulimit. If you need higher maxclients increase 'ulimit -n'."],
      ['*', `Running mode=standalone, port=${dfly.port}.`],
      ['#', 'WARNING: The TCP backlog setting of 511 cannot be enforced because /proc/sys/net/core/somaxconn is set to the lower value of 128.'],
      ['#', 'Server initialized'],
      ['#', /^WARNING Memory overcommit must be enabled!/],
      ['#', /^WARNING You have Transparent Huge Pages \(THP\) support enabled in your kernel\./],
      ['*', /^Shard threads: 1, mesh polling (off|\d+µs), maxclients=1024, databases=16$/],
      ['*', /^Max memory: \d+ bytes \(auto: 80% of the machine's \d+mb\), \d+mb per shard, maxmemory-policy=noeviction$/],
      ['*', /^Persistence: none /],
      ['*', 'Ready to accept connections'],
    ] as const;
    let at = 0;
    for (const [level, message] of order) {
      const i = lines.findIndex(([l, m], j) => j >= at && l === level && (typeof message === 'string' ? m === message : message.test(m)));
      assert.ok(i >= 0, `missing or out of order: ${level} ${String(message)}\n${readFileSync(logfile, 'utf8')}`);
      at = i + 1;
    }
    assert.doesNotMatch(dfly.output(), /Ready to accept connections/, 'with --logfile nothing goes to stdout');
    const c = await RawClient.connect(dfly.port);
    assert.equal((await c.call(['CONFIG', 'GET', 'maxclients'])).toString(), '*2\r\n$10\r\nmaxclients\r\n$4\r\n1024\r\n');
    // CONFIG SET maxclients past the open-files limit is refused as Redis refuses it when it cannot
    // raise the limit (updateMaxclients); within it, it is taken.
    assert.equal(
      (await c.call(['CONFIG', 'SET', 'maxclients', '5000'])).toString(),
      "-ERR CONFIG SET failed (possibly related to argument 'maxclients') - The operating system is not able to handle the specified number of clients, try with 1024\r\n",
    );
    assert.equal((await c.call(['CONFIG', 'SET', 'maxclients', '1000'])).toString(), '+OK\r\n');
    assert.equal((await c.call(['CONFIG', 'SET', 'maxclients', '1024'])).toString(), '+OK\r\n');
    c.socket.destroy();
  });

  it('verbose: connections and protocol errors; CONFIG SET loglevel takes effect at once', async () => {
    const c = await RawClient.connect(dfly.port);
    const port = c.socket.localPort;
    await waitFor(() => has(logged(), '-', `[shard 0] Accepted 127.0.0.1:${port}`), 'the Accepted line');
    assert.equal((await c.call(['CONFIG', 'SET', 'loglevel', 'warning'])).toString(), '+OK\r\n');
    const quiet = await RawClient.connect(dfly.port);
    const quietPort = quiet.socket.localPort;
    quiet.socket.destroy();
    assert.equal((await c.call(['CONFIG', 'SET', 'loglevel', 'verbose'])).toString(), '+OK\r\n');
    const bad = await RawClient.connect(dfly.port);
    bad.send('*1\r\n$x\r\n');
    assert.match((await bad.readReply()).toString(), /^-ERR Protocol error/);
    await waitFor(() => has(logged(), '-', /^\[shard 0\] Protocol error \(.+\) from client: id=\d+ addr=127\.0\.0\.1:\d+ /), 'the protocol error line');
    // Lines of one thread arrive in order: the quiet client's Accepted line would be before these.
    assert.equal(has(logged(), '-', `[shard 0] Accepted 127.0.0.1:${quietPort}`), false, 'a line below loglevel was written');
    assert.equal((await c.call(['CONFIG', 'GET', 'loglevel'])).toString(), '*2\r\n$8\r\nloglevel\r\n$7\r\nverbose\r\n');
    c.socket.destroy();
    bad.socket.destroy();
  });

  it('--loglevel warning with --logtostderr: warnings only, on stderr; SHUTDOWN\'s lines', async () => {
    const { proc, port } = quiet;
    const exited = new Promise<number | null>((resolve) => (proc.exitCode !== null ? resolve(proc.exitCode) : proc.once('exit', (code) => resolve(code))));
    let c: RawClient | null = null;
    await waitFor(async () => {
      if (proc.exitCode !== null) throw new Error(`exited: ${quiet.err}`);
      c = await RawClient.connect(port).catch(() => null);
      return c !== null && (await c.call(['PING'])).toString() === '+PONG\r\n';
    }, 'the server to answer');
    c!.send(['SHUTDOWN']);
    assert.equal(await exited, 0, quiet.err);
    assert.equal(quiet.out, '');
    const lines = parse(quiet.err);
    assert.deepEqual(lines.map(([l]) => l).filter((l) => l !== '#'), [], 'only warnings');
    assert.ok(has(lines, '#', 'Server initialized') && has(lines, '#', 'User requested shutdown...') && has(lines, '#', 'Damselfly is now ready to exit, bye bye...'), quiet.err);
  });

  it('a log file that cannot be opened stops the start, in Redis\'s words', async () => {
    const proc = spawn(process.execPath, [MAIN, '--port=0', `--logfile=${join(dir, 'no-such-dir', 'x.log')}`], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    proc.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const code = await new Promise<number | null>((resolve) => proc.once('exit', (c) => resolve(c)));
    assert.equal(code, 2);
    assert.equal(err, "damselfly: Can't open the log file: No such file or directory\n");
  });

  it('CONFIG GET/SET of the log settings reply as redis-server\'s', { skip: REDIS_AVAILABLE ? false : SKIP_NO_REDIS }, async () => {
    await diff({ damselfly: dfly.port, redis: redis!.port }, [
      ['CONFIG', 'GET', 'loglevel'],
      ['CONFIG', 'GET', 'syslog-enabled'],
      ['CONFIG', 'GET', 'syslog-ident'],
      ['CONFIG', 'GET', 'syslog-facility'],
      ['CONFIG', 'SET', 'loglevel', 'loud'],
      ['CONFIG', 'SET', 'loglevel', 'NOTICE'],
      ['CONFIG', 'GET', 'loglevel'],
      ['CONFIG', 'SET', 'logfile', '/tmp/x.log'],
      ['CONFIG', 'SET', 'syslog-enabled', 'yes'],
      ['CONFIG', 'SET', 'loglevel', 'verbose'],
    ]);
  });

  it('the same shape of line as redis-server\'s, and the same verbose line for a connection', { skip: REDIS_AVAILABLE ? false : SKIP_NO_REDIS }, async () => {
    const accepted = async (port: number, output: () => string): Promise<string> => {
      const c = await RawClient.connect(port);
      const line = `Accepted 127.0.0.1:${c.socket.localPort}`;
      await waitFor(() => output().includes(line), `${line} from port ${port}`);
      c.socket.destroy();
      const found = output().split('\n').find((l) => l.includes(line))!;
      return found.replace(/^\d+:/, 'PID:').replace(/\d\d \w{3} \d{4} [\d:.]+/, 'TIME').replace(/\d+$/, 'PORT');
    };
    const [d, r] = await Promise.all([accepted(dfly.port, () => readFileSync(logfile, 'utf8')), accepted(redis!.port, () => redis!.output())]);
    assert.equal(d.replace('[shard 0] ', ''), r);
    parse(redis!.output());
  });
  it('SIGTERM: Redis\'s signal-handler line, then its shutdown lines', async () => {
    const { code } = await dfly.stop();
    assert.equal(code, 0);
    const lines = logged();
    const tail = lines.slice(lines.findIndex(([l]) => l === 'signal'));
    assert.deepEqual(
      tail.filter(([l]) => l !== '-'),
      [
        ['signal', 'Received SIGTERM scheduling shutdown...'],
        ['#', 'User requested shutdown...'],
        ['#', 'Damselfly is now ready to exit, bye bye...'],
      ],
    );
  });
});
