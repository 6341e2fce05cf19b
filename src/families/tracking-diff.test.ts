// Client-side caching against redis-server 7.0.15, byte for byte: each scenario drives named raw
// clients (on Damselfly at 2 threads, the tracker and the writer on different threads) through the
// same steps on both servers; after every step each tracking client is drained up to a PING's reply,
// so the invalidations it got are part of the transcript. Also node-redis's client-side cache (RESP3).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { REDIS_AVAILABLE, RawClient, SKIP_NO_REDIS, show, startDamselfly, startRedis, waitFor, type Arg, type ServerHandle } from '../../test/harness.ts';

/** A client of the given thread (-1: any): reconnects until the server puts it there. */
async function clientOn(port: number, thread: number): Promise<RawClient> {
  for (let i = 0; i < 64; i++) {
    const c = await RawClient.connect(port);
    if (thread < 0) return c;
    const info = (await c.call(['CLIENT', 'INFO'])).toString('latin1');
    const m = /thread=(\d+)/.exec(info);
    if (m === null || Number(m[1]) === thread) return c;
    c.close();
  }
  throw new Error(`no connection landed on thread ${thread}`);
}

interface Session {
  /** Runs a command on client `who` and records its reply, then drains every tracking client. */
  call(who: string, ...cmd: Arg[]): Promise<void>;
  /** Records the client's id under `who` for use as an argument ($id:who in commands). */
  id(who: string): string;
  close(who: string): void;
}

type Scenario = (s: Session) => Promise<void>;

/** Runs `scenario` on a server; the transcript: every reply and every drained push, in order. */
async function transcript(port: number, scenario: Scenario, threads: Record<string, number>, trackers: string[], n = 1): Promise<string[]> {
  const clients = new Map<string, RawClient>();
  const ids = new Map<string, string>();
  const log: string[] = [];
  const inMulti = new Set<string>();
  const get = async (who: string): Promise<RawClient> => {
    let c = clients.get(who);
    if (c === undefined) {
      c = await clientOn(port, who in threads ? threads[who] % n : -1);
      clients.set(who, c);
      ids.set(who, (await c.call(['CLIENT', 'ID'])).toString('latin1').slice(1, -2));
    }
    return c;
  };
  for (const who of Object.keys(threads)) await get(who);
  const drain = async (who: string): Promise<void> => {
    const c = clients.get(who)!;
    c.send(['PING', 'drain']);
    // One command's keys on several shards are invalidated by each shard as it runs its part: their
    // order is not fixed (Redis's is the argument order), so one step's pushes are compared sorted.
    const pushes: string[] = [];
    for (;;) {
      const r = (await c.readReply()).toString('latin1');
      // (A RESP2 client in subscribed mode answers PING as a message-like array.)
      if (r === '$5\r\ndrain\r\n' || r === '*2\r\n$4\r\npong\r\n$5\r\ndrain\r\n') break;
      pushes.push(`${who} push ${r}`);
    }
    log.push(...pushes.sort());
  };
  const session: Session = {
    async call(who, ...cmd) {
      const c = await get(who);
      const args = cmd.map((a) => (typeof a === 'string' && a.startsWith('$id:') ? ids.get(a.slice(4))! : a));
      const r = (await c.call(args)).toString('latin1');
      log.push(`${who} ${args.join(' ')} -> ${r}`);
      // (A client in MULTI would queue the drain's PING.)
      const name = String(args[0]).toUpperCase();
      if (name === 'MULTI') inMulti.add(who);
      else if (name === 'EXEC' || name === 'DISCARD') inMulti.delete(who);
      for (const t of trackers) if (clients.has(t) && !clients.get(t)!.closed && !inMulti.has(t)) await drain(t);
    },
    id(who) {
      return `$id:${who}`;
    },
    close(who) {
      clients.get(who)?.close();
      clients.delete(who);
    },
  };
  try {
    await scenario(session);
  } finally {
    for (const c of clients.values()) c.close();
  }
  // Client ids differ between the servers: where one is shown (redirection), it is compared by name;
  // HELLO's reply (server version, id) is not what this compares.
  return log.map((l) => {
    if (/ HELLO /.test(l)) return l.slice(0, l.indexOf(' -> '));
    if (!/redir|TRACKINGINFO/i.test(l)) return l;
    for (const [who, id] of ids) l = l.split(`:${id}\r\n`).join(`:<${who}>\r\n`).split(` ${id} `).join(` <${who}> `);
    return l;
  });
}

const SCENARIOS: Record<string, { threads: Record<string, number>; trackers: string[]; run: Scenario }> = {
  'RESP3 default mode: reads remembered, writes of another client and own writes invalidate, FLUSHALL sends null': {
    threads: { t: 0, w: 1 },
    trackers: ['t'],
    async run(s) {
      await s.call('t', 'HELLO', '3');
      await s.call('t', 'CLIENT', 'TRACKING', 'on');
      await s.call('w', 'MSET', 'a', '1', 'b', '2', 'c', '3');
      await s.call('t', 'GET', 'a');
      await s.call('t', 'MGET', 'b', 'c', 'nokey');
      await s.call('w', 'SET', 'a', 'x');
      await s.call('w', 'DEL', 'b', 'c');
      await s.call('w', 'SET', 'nokey', '1');
      await s.call('t', 'GET', 'a');
      await s.call('t', 'INCR', 'a');
      await s.call('t', 'STRLEN', 'a');
      await s.call('t', 'APPEND', 'a', 'z');
      await s.call('t', 'EXISTS', 'a');
      await s.call('w', 'EXPIRE', 'a', '100');
      await s.call('t', 'TTL', 'a');
      await s.call('w', 'RENAME', 'a', 'b');
      await s.call('t', 'GET', 'b');
      await s.call('w', 'FLUSHALL');
      await s.call('t', 'CLIENT', 'TRACKINGINFO');
      await s.call('t', 'CLIENT', 'TRACKING', 'off');
      await s.call('t', 'GET', 'b');
      await s.call('w', 'SET', 'b', '1');
    },
  },
  'OPTIN, OPTOUT and NOLOOP': {
    threads: { t: 0, w: 1 },
    trackers: ['t'],
    async run(s) {
      await s.call('t', 'HELLO', '3');
      await s.call('t', 'CLIENT', 'TRACKING', 'on', 'OPTIN', 'NOLOOP');
      await s.call('t', 'CLIENT', 'CACHING', 'no');
      await s.call('t', 'GET', 'o1');
      await s.call('t', 'CLIENT', 'CACHING', 'yes');
      await s.call('t', 'CLIENT', 'TRACKINGINFO');
      await s.call('t', 'GET', 'o2');
      await s.call('t', 'CLIENT', 'TRACKINGINFO');
      await s.call('w', 'SET', 'o1', '1');
      await s.call('w', 'SET', 'o2', '1');
      await s.call('t', 'CLIENT', 'CACHING', 'yes');
      await s.call('t', 'GET', 'o3');
      await s.call('t', 'SET', 'o3', 'own');
      await s.call('t', 'CLIENT', 'CACHING', 'yes');
      await s.call('t', 'MULTI');
      await s.call('t', 'GET', 'm1');
      await s.call('t', 'MGET', 'm2', 'm3');
      await s.call('t', 'EXEC');
      await s.call('t', 'MULTI');
      await s.call('t', 'GET', 'm4');
      await s.call('t', 'EXEC');
      await s.call('w', 'MSET', 'm1', '1', 'm2', '1', 'm3', '1', 'm4', '1');
      await s.call('t', 'CLIENT', 'TRACKING', 'on', 'OPTOUT');
      await s.call('t', 'CLIENT', 'TRACKING', 'off');
      await s.call('t', 'CLIENT', 'TRACKING', 'on', 'OPTOUT');
      await s.call('t', 'CLIENT', 'CACHING', 'no');
      await s.call('t', 'GET', 'o4');
      await s.call('t', 'GET', 'o5');
      await s.call('w', 'MSET', 'o4', '1', 'o5', '1');
      await s.call('t', 'CLIENT', 'CACHING', 'yes');
    },
  },
  'BCAST with prefixes, the errors of CLIENT TRACKING': {
    threads: { t: 0, w: 1 },
    trackers: ['t'],
    async run(s) {
      await s.call('t', 'HELLO', '3');
      await s.call('t', 'CLIENT', 'TRACKING', 'on', 'PREFIX', 'a');
      await s.call('t', 'CLIENT', 'TRACKING', 'on', 'BCAST', 'OPTIN');
      await s.call('t', 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'u:', 'PREFIX', 'u:x');
      await s.call('t', 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'u:', 'PREFIX', 'v:');
      await s.call('t', 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'v:1');
      await s.call('t', 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'w:');
      await s.call('t', 'CLIENT', 'TRACKING', 'on');
      await s.call('t', 'CLIENT', 'TRACKINGINFO');
      await s.call('w', 'SET', 'u:1', '1');
      await s.call('w', 'SET', 'x:1', '1');
      await s.call('w', 'DEL', 'w:1', 'u:1');
      await s.call('t', 'CLIENT', 'TRACKING', 'on', 'REDIRECT', '0');
      await s.call('t', 'CLIENT', 'TRACKING', 'on', 'REDIRECT', 'x');
      await s.call('t', 'CLIENT', 'TRACKING', 'on', 'REDIRECT', s.id('w'), 'REDIRECT', s.id('w'));
      await s.call('t', 'CLIENT', 'TRACKING', 'maybe');
      await s.call('t', 'CLIENT', 'TRACKING', 'on', 'FOO');
      await s.call('t', 'CLIENT', 'CACHING', 'maybe');
      await s.call('t', 'CLIENT', 'GETREDIR');
      await s.call('t', 'CLIENT', 'TRACKING', 'off');
      await s.call('t', 'CLIENT', 'TRACKINGINFO');
      await s.call('t', 'CLIENT', 'TRACKING', 'on', 'BCAST', 'NOLOOP');
      await s.call('t', 'RESET');
      await s.call('t', 'HELLO', '3');
      await s.call('t', 'CLIENT', 'TRACKINGINFO');
      await s.call('w', 'SET', 'u:2', '1');
    },
  },
  // (A redirect client on another thread than its tracker gets invalidations in two hops, which may
  // still be on their way when the drain's PING is answered: src/families/tracking.test.ts covers
  // that case in process. Here the writer is on the other thread.)
  'RESP2: invalidations as __redis__:invalidate messages to a subscribed redirect client, none to an unsubscribed one': {
    threads: { t: 1, r: 1, w: 0 },
    trackers: ['r'],
    async run(s) {
      await s.call('t', 'CLIENT', 'TRACKING', 'on', 'REDIRECT', s.id('r'));
      await s.call('t', 'GET', 'k');
      await s.call('t', 'MGET', 'k2', 'k3');
      await s.call('w', 'SET', 'k', '1');
      await s.call('r', 'SUBSCRIBE', '__redis__:invalidate');
      await s.call('t', 'GET', 'k');
      await s.call('w', 'MSET', 'k', '2', 'k2', '2');
      await s.call('w', 'DEL', 'k3');
      await s.call('t', 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'k', 'REDIRECT', s.id('r'));
      await s.call('t', 'CLIENT', 'TRACKING', 'off');
      await s.call('t', 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'k', 'REDIRECT', s.id('r'));
      await s.call('w', 'SET', 'k9', '1');
      await s.call('w', 'FLUSHDB');
      await s.call('t', 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'k', 'NOLOOP');
      await s.call('t', 'SET', 'k9', '1');
      await s.call('t', 'CLIENT', 'TRACKINGINFO');
    },
  },
  'REDIRECT to a RESP3 client, then the redirect breaks': {
    threads: { t: 1, r: 1, w: 0 },
    trackers: ['t', 'r'],
    async run(s) {
      await s.call('r', 'HELLO', '3');
      await s.call('t', 'HELLO', '3');
      await s.call('t', 'CLIENT', 'TRACKING', 'on', 'REDIRECT', s.id('r'));
      await s.call('t', 'CLIENT', 'GETREDIR');
      await s.call('t', 'GET', 'k');
      await s.call('w', 'SET', 'k', '1');
      await s.call('t', 'GET', 'k');
      s.close('r');
      await s.call('w', 'PING');
      await s.call('w', 'SET', 'k', '2');
      await s.call('t', 'CLIENT', 'TRACKINGINFO');
    },
  },
};

describe('CLIENT TRACKING vs redis-server', { skip: REDIS_AVAILABLE ? false : SKIP_NO_REDIS }, () => {
  let redis: ServerHandle;
  const dfly: ServerHandle[] = [];
  before(async () => {
    redis = await startRedis();
    dfly.push(await startDamselfly({ threads: 1 }), await startDamselfly({ threads: 2 }));
  });
  after(async () => {
    await redis?.stop();
    for (const d of dfly) await d.stop();
  });

  for (const [name, sc] of Object.entries(SCENARIOS)) {
    it(name, async () => {
      for (const port of [redis.port, ...dfly.map((d) => d.port)]) {
        const c = await RawClient.connect(port);
        await c.call(['FLUSHALL']);
        c.close();
      }
      const want = await transcript(redis.port, sc.run, sc.threads, sc.trackers);
      for (const [i, d] of dfly.entries()) {
        const got = await transcript(d.port, sc.run, sc.threads, sc.trackers, i + 1);
        assert.deepEqual(got, want, `at ${d.port}: ${show(Buffer.from(got.join('\n')))}`);
      }
    });
  }

  it('node-redis client-side caching (RESP3): cached reads, invalidated by another client\'s write', async () => {
    const { createClient } = await import('redis');
    for (const port of [redis.port, ...dfly.map((d) => d.port)]) {
      const client = createClient({ socket: { port }, RESP: 3, clientSideCache: { ttl: 0, maxEntries: 0 } });
      const other = createClient({ socket: { port } });
      await client.connect();
      await other.connect();
      try {
        await other.set('csc:a', '1');
        assert.equal(await client.get('csc:a'), '1');
        assert.equal(await client.get('csc:a'), '1');
        const cache = client.clientSideCache!;
        assert.equal(cache.stats().hitCount, 1);
        await other.set('csc:a', '2');
        // The invalidation arrives on its own: the cached value is dropped and the read goes out.
        await waitFor(async () => (await client.get('csc:a')) === '2', 'the invalidation');
      } finally {
        await client.quit();
        await other.quit();
      }
    }
  });
});
