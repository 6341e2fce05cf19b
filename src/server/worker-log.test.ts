// A shard thread's log lines, on the in-process rig: each at its level and only at or above
// `loglevel` (CONFIG SET reaches every thread), a contained fault as a warning with its stack, and
// Redis's periodic serverCron lines.
// Run: node --test src/server/worker-log.test.ts

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { makeRig, type Rig } from '../../test/inproc.ts';
import { LOG_DEBUG, LOG_VERBOSE, LOG_WARNING } from '../util/log.ts';

/** Captures every line the rig's workers hand to the main thread, as [worker, level, text]. */
function capture(rig: Rig): [number, number, string][] {
  const lines: [number, number, string][] = [];
  rig.workers.forEach((w, i) => (w.logger = (level, msg) => lines.push([i, level, msg])));
  return lines;
}

describe('Shard thread log lines', () => {
  it('a handler that throws: the client gets its error, the log a warning with the stack', async () => {
    const rig = makeRig(2, { overrides: { dbsize: { conn: () => { throw new Error('boom'); } } } });
    const lines = capture(rig);
    const { sock, send } = rig.client(0);
    send(['DBSIZE']);
    await rig.settle(() => sock.replies().length >= 1);
    assert.deepEqual(sock.replies(), ['-ERR internal error: boom\r\n']);
    assert.equal(lines.length, 1);
    const [worker, level, text] = lines[0];
    assert.equal(worker, 0);
    assert.equal(level, LOG_WARNING);
    assert.match(text, /^internal error in dbsize: Error: boom\n\s+at /);
  });

  it('CONFIG SET loglevel filters on every thread; periodic lines as Redis\'s serverCron', async () => {
    const rig = makeRig(2);
    const lines = capture(rig);
    const { sock, send } = rig.client(0);
    send(['SET', rig.keyOn(0), 'v'], ['SET', rig.keyOn(1), 'v', 'EX', '100'], ['SET', rig.keyOn(1, 'b'), 'v']);
    await rig.settle(() => sock.replies().length >= 3);
    for (const w of rig.workers) w.logPeriodic();
    assert.equal(lines.length, 0, 'notice: nothing periodic');
    send(['CONFIG', 'SET', 'loglevel', 'debug']);
    await rig.settle(() => sock.replies().length >= 4);
    assert.equal(sock.replies()[3], '+OK\r\n');
    for (const w of rig.workers) w.logPeriodic();
    assert.deepEqual(lines.map(([w, level, text]) => [w, level, text.replace(/\d+ bytes/, 'N bytes')]), [
      [0, LOG_VERBOSE, `DB 0: 1 keys (0 volatile) in ${lines[0][2].match(/in (\d+) slots/)![1]} slots HT.`],
      [0, LOG_DEBUG, '1 clients connected (0 replicas), N bytes in use'],
      [1, LOG_VERBOSE, `DB 0: 2 keys (1 volatile) in ${lines[2][2].match(/in (\d+) slots/)![1]} slots HT.`],
      [1, LOG_DEBUG, '0 clients connected (0 replicas), N bytes in use'],
    ]);
    assert.match(lines[0][2], /in [1-9]\d* slots HT\.$/);
  });
});
