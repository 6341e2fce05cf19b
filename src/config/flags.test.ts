import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseFlags } from './flags.ts';
import { parseBytes } from './params.ts';

function run(argv: string[]) {
  const r = parseFlags(argv);
  assert.equal(r.kind, 'run', JSON.stringify(r));
  return (r as { config: Record<string, unknown> }).config;
}

test('defaults', () => {
  const c = run([]);
  assert.equal(c.port, 6379);
  assert.equal(c.dbnum, 16);
  assert.equal(c.hz, 100);
  assert.equal(c.proto_max_bulk_len, 512 * 1024 * 1024);
  assert.equal(c.client_query_buffer_limit, 1024 * 1024 * 1024);
  assert.equal(c.cache_mode, false);
});

test('--flag=value, --flag value, aliases, booleans', () => {
  const c = run(['--port=7000', '--threads', '3', '--cache_mode', '--maxmemory=4gb', '--requirepass', 'pw']);
  assert.equal(c.port, 7000);
  assert.equal(c.proactor_threads, 3);
  assert.equal(c.cache_mode, true);
  assert.equal(c.maxmemory, 4 * 1024 ** 3);
  assert.equal(c.requirepass, 'pw');
  assert.equal(run(['--cache_mode=true', '--nocache_mode']).cache_mode, false);
  assert.equal(run(['--cache_mode', 'false']).cache_mode, false);
  assert.equal(run(['--maxmemory_policy=allkeys-lru']).maxmemory_policy, 'allkeys-lru');
});

test('human sizes', () => {
  assert.equal(parseBytes('512mb'), 512 * 1024 * 1024);
  assert.equal(parseBytes('1k'), 1000);
  assert.equal(parseBytes('1kb'), 1024);
  assert.equal(parseBytes('2GB'), 2 * 1024 ** 3);
  assert.equal(parseBytes('12'), 12);
  assert.equal(parseBytes('x'), null);
  assert.equal(parseBytes('-1'), null);
});

test('flagfile, nested values and comments', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dfly-flags-'));
  const f = join(dir, 'flags.txt');
  writeFileSync(f, '# a comment\n--port=7777\n\n--dbnum=4\n--logtostderr\n');
  const c = run([`--flagfile=${f}`, '--hz=50']);
  assert.equal(c.port, 7777);
  assert.equal(c.dbnum, 4);
  assert.equal(c.logtostderr, true);
  assert.equal(c.hz, 50);
});

test('errors: unknown flag, bad values, missing value', () => {
  for (const argv of [['--bogus'], ['--port=abc'], ['--port=70000'], ['--maxmemory=lots'], ['--cache_mode=maybe'], ['--maxmemory_policy=lru'], ['--port'], ['stray'], ['--flagfile=/nonexistent/x']]) {
    const r = parseFlags(argv);
    assert.equal(r.kind, 'error', argv.join(' '));
  }
  assert.equal(parseFlags(['--help']).kind, 'help');
  assert.equal(parseFlags(['--version']).kind, 'version');
});

test('the binary exits 2 on a bad flag and documents later features in --help', () => {
  const main = new URL('../main.ts', import.meta.url).pathname;
  const bad = spawnSync(process.execPath, [main, '--no_such_flag'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown command line flag 'no_such_flag'/);
  const help = spawnSync(process.execPath, [main, '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--cache_mode .*\n.*accepted; comes with the storage engine issue/);
  assert.match(help.stdout, /--proactor_threads, --threads/);
});
