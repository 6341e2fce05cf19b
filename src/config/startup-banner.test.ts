// Unit tests for src/config/startup-banner.ts: Redis's start-up lines in Redis's order, ours after
// "Server initialized", and maxclients lowered to the open-files limit.
// Run: node --test src/config/startup-banner.test.ts

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaults } from './params.ts';
import { startupBanner } from './startup-banner.ts';
import { LOG_NOTICE, LOG_WARNING } from '../util/log.ts';
import type { HostFacts } from '../util/host-checks.ts';
import { REDIS_VERSION, VERSION } from '../version.ts';

const GOOD_HOST: HostFacts = { overcommitMemory: 1, somaxconn: 4096, transparentHugePages: 'always [madvise] never', openFilesLimit: 65536 };
const GB = 1024 * 1024 * 1024;

function banner(host: HostFacts, flags: Record<string, string | number | boolean> = {}) {
  const config = { ...defaults(), ...flags };
  return startupBanner({ config, threads: 4, pollWindowMs: 0, pid: 1234, machineMemory: 10 * GB, host });
}

test('the banner: starting, version, running mode, initialized, threads, memory, persistence', () => {
  const b = banner(GOOD_HOST, { port: 6380 });
  assert.equal(b.fatal, false);
  assert.equal(b.maxclients, 10000);
  assert.deepEqual(b.starting, [
    [LOG_WARNING, 'oO0OoO0OoO0Oo Damselfly is starting oO0OoO0OoO0Oo'],
    [LOG_WARNING, `Damselfly version=${VERSION}, redis_version=${REDIS_VERSION}, node=${process.versions.node}, bits=64, pid=1234, just started`],
  ]);
  const text = b.initialized.map(([level, line]) => `${level === LOG_WARNING ? '#' : '*'} ${line}`);
  assert.deepEqual(text.slice(0, 2), ['* Running mode=standalone, port=6380.', '# Server initialized']);
  assert.equal(text[2], '* Shard threads: 4 (one per core), mesh polling off, maxclients=10000, databases=16');
  assert.equal(text[3], `* Max memory: ${Math.floor(8 * GB)} bytes (auto: 80% of the machine's 10240mb), 2048mb per shard, maxmemory-policy=noeviction`);
  assert.match(text[4], /^\* Persistence: none /);
  assert.equal(b.initialized.every(([level]) => level === LOG_NOTICE || level === LOG_WARNING), true);
  assert.equal(banner(GOOD_HOST, { maxmemory: 0, proactor_threads: 4 }).initialized[3][1], 'Max memory: none, maxmemory-policy=noeviction');
});

test('host warnings where Redis prints them; maxclients lowered; no room at all is fatal', () => {
  const b = banner({ overcommitMemory: 0, somaxconn: 128, transparentHugePages: '[always] madvise never', openFilesLimit: 1056 });
  assert.equal(b.maxclients, 1024);
  assert.match(b.starting[2][1], /^You requested maxclients of 10000 requiring at least 10032 max file descriptors\.$/);
  const lines = b.initialized.map(([, line]) => line);
  assert.match(lines[1], /^WARNING: The TCP backlog setting of 511 cannot be enforced/);
  assert.equal(lines[2], 'Server initialized');
  assert.match(lines[3], /^WARNING Memory overcommit must be enabled!/);
  assert.match(lines[4], /^WARNING You have Transparent Huge Pages/);
  assert.match(lines[5], /maxclients=1024,/);
  // The warning compares somaxconn with the backlog asked for (tcp-backlog), as Redis.
  assert.match(banner({ ...GOOD_HOST, somaxconn: 128 }, { tcp_backlog: 100 }).initialized[1][1], /^Server initialized$/);
  assert.match(banner({ ...GOOD_HOST, somaxconn: 128 }, { tcp_backlog: 1024 }).initialized[1][1], /^WARNING: The TCP backlog setting of 1024 cannot be enforced/);
  const fatal = banner({ ...GOOD_HOST, openFilesLimit: 20 });
  assert.equal(fatal.fatal, true);
  assert.match(fatal.starting[fatal.starting.length - 1][1], /^Your current 'ulimit -n' of 20 is not enough/);
});
