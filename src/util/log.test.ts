// Unit tests for src/util/log.ts: Redis's line format (checked against lines redis-server 7.0.15
// wrote), level filtering, the log file, and Redis's refusal of a log file it cannot open.
// Run: node --test src/util/log.test.ts

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatLogLine, LOG_DEBUG, LOG_NOTICE, LOG_VERBOSE, LOG_WARNING, logFileProblem, logLevelOf, LogSink, logTimestamp } from './log.ts';

/** The shape of a line redis-server writes (pid:role, local time with milliseconds, level char). */
const REDIS_LOG_LINE = /^\d+:[MSCX] \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d\.\d{3} [.\-*#] \S/;

test('a line has redis-server\'s shape', () => {
  // Two lines redis-server 7.0.15 wrote, for the shape the regex must accept.
  assert.match('27422:M 08 Dec 2026 03:46:37.033 * Ready to accept connections', REDIS_LOG_LINE);
  assert.match('27422:C 08 Dec 2026 03:46:37.029 # Configuration loaded', REDIS_LOG_LINE);
  const at = new Date(2026, 11, 8, 3, 4, 5, 7).getTime(); // local time, as Redis prints
  assert.equal(logTimestamp(at), '08 Dec 2026 03:04:05.007');
  assert.equal(logTimestamp(new Date(2026, 0, 31, 23, 59, 59, 999).getTime()), '31 Jan 2026 23:59:59.999');
  assert.equal(formatLogLine(42, 'M', at, LOG_NOTICE, 'hello'), '42:M 08 Dec 2026 03:04:05.007 * hello');
  assert.equal(formatLogLine(42, 'M', at, LOG_DEBUG, 'x'), '42:M 08 Dec 2026 03:04:05.007 . x');
  assert.equal(formatLogLine(42, 'M', at, LOG_VERBOSE, 'x'), '42:M 08 Dec 2026 03:04:05.007 - x');
  assert.equal(formatLogLine(42, 'M', at, LOG_WARNING, 'x'), '42:M 08 Dec 2026 03:04:05.007 # x');
  assert.match(formatLogLine(process.pid, 'M', Date.now(), LOG_WARNING, 'x'), REDIS_LOG_LINE);
});

test('loglevel names are Redis\'s, in order', () => {
  assert.deepEqual(['debug', 'verbose', 'notice', 'warning'].map(logLevelOf), [LOG_DEBUG, LOG_VERBOSE, LOG_NOTICE, LOG_WARNING]);
});

test('a log file gets the lines at or above the level, appended', () => {
  const dir = mkdtempSync(join(tmpdir(), 'damselfly-log-'));
  try {
    const file = join(dir, 'server.log');
    const sink = new LogSink({ level: LOG_NOTICE, logfile: file, toStderr: false });
    sink.log(LOG_VERBOSE, 'not this');
    sink.log(LOG_NOTICE, 'first');
    sink.log(LOG_WARNING, 'second');
    sink.relay(LOG_NOTICE, Date.now(), '[shard 1] third');
    sink.signalLine(LOG_WARNING, 'Received SIGTERM scheduling shutdown...');
    const lines = readFileSync(file, 'utf8').split('\n');
    assert.equal(lines.pop(), '');
    assert.equal(lines.length, 4);
    for (const l of lines.slice(0, 3)) assert.match(l, REDIS_LOG_LINE);
    assert.ok(lines[0].endsWith(' * first') && lines[1].endsWith(' # second') && lines[2].endsWith(' * [shard 1] third'));
    assert.match(lines[3], new RegExp(`^${process.pid}:signal-handler \\(\\d+\\) Received SIGTERM scheduling shutdown\\.\\.\\.$`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a log file that cannot be opened is refused in Redis\'s words', () => {
  assert.equal(logFileProblem(''), null);
  assert.equal(logFileProblem('/nonexistent-dir-damselfly/x.log'), "Can't open the log file: No such file or directory");
  const dir = mkdtempSync(join(tmpdir(), 'damselfly-log-'));
  try {
    assert.equal(logFileProblem(dir), "Can't open the log file: Is a directory");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
