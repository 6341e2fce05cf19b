// Helpers for tests that drive the same client scenario on redis-server and on Damselfly: both
// servers for a suite, a client's id and thread, a connection on another thread, and the text of
// CLIENT LIST / INFO replies.
// Invariants: nothing here sleeps; a server started by bothServers() is stopped after the suite.

import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { RawClient, startDamselfly, startRedis, stopChecked, type ServerHandle } from './harness.ts';

export const text = (b: Buffer): string => b.toString('latin1');

/** The body of a bulk (RESP2) or verbatim (RESP3) reply. */
export function body(reply: Buffer): string {
  const s = text(reply);
  return s.slice(s.indexOf('\r\n') + 2, -2);
}

/** A CLIENT LIST / INFO line's fields, in order. */
export function fields(line: string): [string, string][] {
  return line
    .trim()
    .split(' ')
    .map((kv) => {
      const i = kv.indexOf('=');
      return [kv.slice(0, i), kv.slice(i + 1)];
    });
}

export async function idOf(c: RawClient): Promise<string> {
  return text(await c.call(['CLIENT', 'ID'])).slice(1, -2);
}

/** The thread serving `c` on Damselfly (CLIENT INFO's thread= field); 0 on Redis. */
export async function threadOf(c: RawClient): Promise<number> {
  return Number(/\bthread=(\d+)/.exec(await c.callText(['CLIENT', 'INFO']))?.[1] ?? 0);
}

/** A connection on another thread than `than` when the server has several (tries a few). */
export async function onOtherThread(port: number, than: RawClient): Promise<RawClient> {
  const mine = await threadOf(than);
  let c = await RawClient.connect(port);
  for (let i = 0; i < 40 && (await threadOf(c)) === mine; i++) {
    c.close();
    c = await RawClient.connect(port);
  }
  return c;
}

export interface BothServers {
  redis(): ServerHandle;
  dfly(): ServerHandle;
  /** Runs `scenario` on Redis, then on Damselfly: their transcripts must be equal. */
  same(scenario: (port: number) => Promise<string[]>): Promise<void>;
}

/** Starts redis-server and a `threads`-thread Damselfly for the enclosing suite. */
export function bothServers(threads = 2): BothServers {
  let redis: ServerHandle;
  let dfly: ServerHandle;
  before(async () => {
    [redis, dfly] = await Promise.all([startRedis(), startDamselfly({ threads })]);
  });
  after(async () => {
    await redis?.stop();
    await stopChecked(dfly);
  });
  return {
    redis: () => redis,
    dfly: () => dfly,
    async same(scenario) {
      const want = await scenario(redis.port).catch((e: Error) => assert.fail(`on redis-server: ${e.message}`));
      const got = await scenario(dfly.port);
      assert.deepEqual(got, want);
    },
  };
}
