// Active expiry across shards: keys with a deadline are reclaimed by each shard's cycle (--hz) without
// ever being read, and the keyspace counters agree. Polls a condition with a deadline (no sleeps).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { RawClient, startDamselfly, waitFor, type ServerHandle } from './harness.ts';

for (const threads of [1, 3]) {
  describe(`active expiry, ${threads} thread(s)`, () => {
    let server: ServerHandle;
    let c: RawClient;
    before(async () => {
      server = await startDamselfly({ threads, args: ['--hz=100'] });
      c = await RawClient.connect(server.port);
    });
    after(async () => {
      c?.close();
      await server?.stop();
    });

    it('reclaims expired keys on every shard without reads', async () => {
      const pipeline: (string | number)[][] = [];
      for (let i = 0; i < 3000; i++) pipeline.push(['SET', `tmp:${i}`, 'v', 'PX', 50 + (i % 50)]);
      for (let i = 0; i < 100; i++) pipeline.push(['SET', `keep:${i}`, 'v']);
      pipeline.push(['SET', 'later', 'v', 'EX', 3600]);
      for (const cmd of pipeline) c.send(cmd);
      for (let i = 0; i < pipeline.length; i++) assert.equal((await c.readReply()).toString(), '+OK\r\n');
      // DBSIZE counts keys not yet reclaimed; only the active cycle can bring it down to 101.
      await waitFor(async () => (await c.callText(['DBSIZE'])) === ':101\r\n', 'DBSIZE to drop to 101');
      const info = (await c.callText(['INFO', 'stats'])) + (await c.callText(['INFO', 'keyspace']));
      const expired = Number(/expired_keys:(\d+)/.exec(info)?.[1]);
      assert.ok(expired >= 3000, `expired_keys ${expired}`);
      assert.match(info, /db0:keys=101,expires=1,/);
      assert.equal(await c.callText(['TTL', 'keep:7']), ':-1\r\n');
      assert.equal(await c.callText(['EXISTS', 'tmp:0', 'tmp:2999', 'keep:0', 'later']), ':2\r\n');
    });
  });
}
