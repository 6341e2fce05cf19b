// Unit tests for src/util/host-checks.ts: the host's facts read from a fake /proc and /sys, and
// Redis's start-up warnings (texts from redis-server 7.0.15's server.c and syscheck.c).
// Run: node --test src/util/host-checks.test.ts

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { backlogWarning, checkOpenFiles, type HostFacts, memoryWarnings, openFilesFromLimits, readHostFacts } from './host-checks.ts';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 4096                 files
Max locked memory         8388608              8388608              bytes
`;

/** Writes a fake host (files under root) for readHostFacts. */
function fakeHost(root: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

test('facts are read from /proc and /sys (rooted for tests); a missing file is unknown', () => {
  const root = mkdtempSync(join(tmpdir(), 'damselfly-host-'));
  try {
    assert.deepEqual(readHostFacts(root), { overcommitMemory: null, somaxconn: null, transparentHugePages: null, openFilesLimit: null });
    fakeHost(root, {
      'proc/sys/vm/overcommit_memory': '0\n',
      'proc/sys/net/core/somaxconn': '128\n',
      'sys/kernel/mm/transparent_hugepage/enabled': '[always] madvise never\n',
      'proc/self/limits': LIMITS,
    });
    assert.deepEqual(readHostFacts(root), { overcommitMemory: 0, somaxconn: 128, transparentHugePages: '[always] madvise never\n', openFilesLimit: 1024 });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  assert.equal(openFilesFromLimits(LIMITS.replace('1024    ', 'unlimited')), null);
});

test('open files: maxclients is lowered to fit, with Redis\'s warnings', () => {
  assert.deepEqual(checkOpenFiles(10000, null), { maxclients: 10000, warnings: [], fatal: null });
  assert.deepEqual(checkOpenFiles(10000, 10032), { maxclients: 10000, warnings: [], fatal: null });
  const low = checkOpenFiles(10000, 1024);
  assert.equal(low.maxclients, 992);
  assert.equal(low.fatal, null);
  assert.equal(low.warnings[0], 'You requested maxclients of 10000 requiring at least 10032 max file descriptors.');
  assert.match(low.warnings[1], /^Server can't set maximum open files to 10032 because of OS error: /);
  assert.equal(low.warnings[2], "Current maximum open files is 1024. maxclients has been reduced to 992 to compensate for low ulimit. If you need higher maxclients increase 'ulimit -n'.");
  assert.equal(checkOpenFiles(10000, 32).fatal, "Your current 'ulimit -n' of 32 is not enough for the server to start. Please increase your open file limit to at least 10032. Exiting.");
});

test('backlog, overcommit and THP warnings as Redis words them', () => {
  const ok: HostFacts = { overcommitMemory: 1, somaxconn: 4096, transparentHugePages: 'always [madvise] never', openFilesLimit: null };
  assert.equal(backlogWarning(ok), null);
  assert.deepEqual(memoryWarnings(ok), []);
  const bad: HostFacts = { overcommitMemory: 0, somaxconn: 128, transparentHugePages: '[always] madvise never', openFilesLimit: null };
  assert.equal(backlogWarning(bad), 'WARNING: The TCP backlog setting of 511 cannot be enforced because /proc/sys/net/core/somaxconn is set to the lower value of 128.');
  const [overcommit, thp] = memoryWarnings(bad);
  assert.match(overcommit, /^WARNING Memory overcommit must be enabled! .* run the command 'sysctl vm.overcommit_memory=1' for this to take effect\.$/);
  assert.match(thp, /^WARNING You have Transparent Huge Pages \(THP\) support enabled in your kernel\. /);
  assert.deepEqual(memoryWarnings({ ...bad, overcommitMemory: 2, transparentHugePages: 'always madvise [never]' }).length, 1);
});
