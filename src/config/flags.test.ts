import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseFlags } from './flags.ts';
import { type ConfigValues, AUTO_BYTES, AUTO_MAXMEMORY_PERCENT, paramByFlag, parseBytes, parseValue, resolveMaxmemory, shardShare } from './params.ts';

function run(argv: string[]) {
  const r = parseFlags(argv);
  assert.equal(r.kind, 'run', JSON.stringify(r));
  return (r as { config: ConfigValues }).config;
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

test('human sizes, as Redis memtoull parses them', () => {
  assert.equal(parseBytes('512mb'), 512 * 1024 * 1024);
  assert.equal(parseBytes('1k'), 1000);
  assert.equal(parseBytes('1kb'), 1024);
  assert.equal(parseBytes('2GB'), 2 * 1024 ** 3);
  assert.equal(parseBytes('4gb'), 4 * 1024 ** 3);
  assert.equal(parseBytes('1G'), 1e9);
  assert.equal(parseBytes('1mB'), 1024 * 1024);
  assert.equal(parseBytes('01kb'), 1024);
  assert.equal(parseBytes('12'), 12);
  assert.equal(parseBytes('12b'), 12);
  // No digits is 0 (strtoull of nothing); anything else off the grammar is an error.
  assert.equal(parseBytes(''), 0);
  assert.equal(parseBytes('gb'), 0);
  for (const bad of ['x', '-1', '+1', ' 1', '1 ', '1.5gb', '1tb', '0x10', '1e3', '1k2']) assert.equal(parseBytes(bad), null, bad);
  // Beyond 2^53 a double cannot hold the size exactly: refused rather than rounded.
  assert.equal(parseBytes(String(2 ** 53)), null);
  assert.equal(parseBytes(String(2 ** 53 - 1)), 2 ** 53 - 1);
});

test('--maxmemory: absent or auto is the machine\'s share, 0 is no limit; CONFIG SET refuses auto', () => {
  const machine = 8 * 1024 ** 3;
  assert.equal(run([]).maxmemory, AUTO_BYTES);
  assert.equal(resolveMaxmemory(run([]), machine), Math.floor((machine * AUTO_MAXMEMORY_PERCENT) / 100));
  assert.equal(resolveMaxmemory(run(['--maxmemory=auto']), machine), Math.floor((machine * AUTO_MAXMEMORY_PERCENT) / 100));
  assert.equal(resolveMaxmemory(run(['--maxmemory=0']), machine), 0);
  assert.equal(resolveMaxmemory(run(['--maxmemory=512mb']), machine), 512 * 1024 ** 2);
  assert.deepEqual(parseValue(paramByFlag('maxmemory')!, 'auto', 'config'), { error: 'argument must be a memory value' });
  assert.deepEqual(parseValue(paramByFlag('proto_max_bulk_len')!, 'auto'), { error: 'argument must be a memory value' });
  // Split across shards; a limit never rounds down to none.
  assert.equal(shardShare(0, 4), 0);
  assert.equal(shardShare(1000, 3), 333);
  assert.equal(shardShare(2, 3), 1);
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
  assert.match(help.stdout, /--save .*\n.*accepted; snapshots come with the persistence issue/);
  assert.match(help.stdout, /--proactor_threads, --threads/);
});

test('--client_output_buffer_limit: Redis syntax, merged into the defaults and kept canonical; bad values refused', () => {
  assert.equal(run([]).client_output_buffer_limit, 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60');
  assert.equal(run(['--client_output_buffer_limit=normal 1mb 64kb 10']).client_output_buffer_limit, 'normal 1048576 65536 10 slave 268435456 67108864 60 pubsub 33554432 8388608 60');
  for (const v of ['normal 1mb', 'master 1 1 1', 'pubsub 1 1 -1']) assert.equal(parseFlags([`--client_output_buffer_limit=${v}`]).kind, 'error', v);
  assert.equal(run(['--client_inflight_limit=16']).client_inflight_limit, 16);
  assert.equal(parseFlags(['--client_inflight_limit=0']).kind, 'error');
});

test('Redis\'s command-line forms: its names, several words for a several-argument setting', () => {
  const c = run(['--databases', '4', '--save', '900', '1', '300', '10', '--maxmemory-policy', 'allkeys-lru', '--appendonly', 'no']);
  assert.equal(c.dbnum, 4);
  assert.equal(c.save, '900 1 300 10');
  assert.equal(c.maxmemory_policy, 'allkeys-lru');
});
