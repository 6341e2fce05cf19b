// XREAD's `+` ID (Redis 7.4: the stream's last entry) and XREADGROUP's refusal of it. Redis 7.0.15,
// the differential reference, has neither (it answers `Invalid stream ID`), so these replies are
// written out from the 7.4 reference: `+` reads after the ID just below the last valid entry's, so it
// answers that entry (COUNT aside); a missing or empty stream reads from 0-0; with BLOCK on an empty
// stream the read waits like any other.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { RawClient, startDamselfly, stopChecked, waitFor, type ServerHandle } from '../../test/harness.ts';

describe("XREAD's + (Redis 7.4)", () => {
  let df: ServerHandle;
  let c: RawClient;
  before(async () => {
    df = await startDamselfly({ threads: 2 });
    c = await RawClient.connect(df.port);
  });
  after(async () => {
    c?.close();
    await stopChecked(df);
  });

  const entry = (id: string, f: string, v: string): string => `*2\r\n$${id.length}\r\n${id}\r\n*2\r\n$${f.length}\r\n${f}\r\n$${v.length}\r\n${v}\r\n`;
  const one = (key: string, ...entries: string[]): string => `*2\r\n$${key.length}\r\n${key}\r\n*${entries.length}\r\n${entries.join('')}`;

  it('answers the last entry of each stream, the deleted ones skipped', async () => {
    for (const id of ['1-1', '2-5', '7-0']) await c.call(['XADD', 'sp', id, 'f', id]);
    await c.call(['XADD', 'sq', '3-3', 'g', 'x']);
    assert.equal(await c.callText(['XREAD', 'STREAMS', 'sp', '+']), '*1\r\n' + one('sp', entry('7-0', 'f', '7-0')));
    assert.equal(await c.callText(['XREAD', 'COUNT', '5', 'STREAMS', 'sp', 'sq', '+', '+']), '*2\r\n' + one('sp', entry('7-0', 'f', '7-0')) + one('sq', entry('3-3', 'g', 'x')));
    await c.call(['XDEL', 'sp', '7-0']);
    assert.equal(await c.callText(['XREAD', 'STREAMS', 'sp', '+']), '*1\r\n' + one('sp', entry('2-5', 'f', '2-5')));
  });

  it('reads a missing stream from the start, and waits on it with BLOCK', async () => {
    assert.equal(await c.callText(['XREAD', 'STREAMS', 'nosuch', '+']), '*-1\r\n');
    const w = await RawClient.connect(df.port);
    try {
      const id = (await w.callText(['CLIENT', 'ID'])).slice(1, -2);
      w.send(['XREAD', 'BLOCK', '0', 'STREAMS', 'later', '+']);
      // Blocked once CLIENT LIST flags it (b); then an add serves it.
      await waitFor(async () => new RegExp(`id=${id} [^\\n]*flags=\\S*b`).test(await c.callText(['CLIENT', 'LIST'])), 'the reader blocked');
      await c.call(['XADD', 'later', '4-4', 'h', 'y']);
      assert.equal((await w.readReply()).toString('latin1'), '*1\r\n' + one('later', entry('4-4', 'h', 'y')));
    } finally {
      w.close();
    }
  });

  it('is refused by XREADGROUP with 7.4\'s text', async () => {
    await c.call(['XGROUP', 'CREATE', 'sp', 'g', '0']);
    assert.equal(
      await c.callText(['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'sp', '+']),
      '-ERR The + ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The + ID would just return an empty result set.\r\n',
    );
  });
});
