// Pub/Sub against redis-server 7.0.15: the same sessions on both servers (1 and 2 threads, RESP2 and
// RESP3) compared byte for byte — confirmations, subscribed-mode errors and PING, PUBSUB replies,
// PUBLISH counts with subscribers on both threads and patterns, CLIENT REPLY OFF, RESET. Then order
// per publisher across threads, the pubsub output limit, and stock clients (ioredis, node-redis).
// Synchronisation is on replies only (a session ends with RESET + ECHO as its sentinel).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { makeRig } from '../../test/inproc.ts';
import { publishTo } from '../server/pubsub.ts';
import { RawClient, REDIS_AVAILABLE, SKIP_NO_REDIS, show, startDamselfly, startRedis, waitFor, type Arg, type ServerHandle } from '../../test/harness.ts';

/** Every byte a client receives until the reply to an ECHO sentinel (sent after RESET). */
async function drain(c: RawClient): Promise<string> {
  const marker = `end-${Math.random().toString(36).slice(2)}`;
  c.send(['RESET']);
  c.send(['ECHO', marker]);
  const out: string[] = [];
  for (;;) {
    const r = (await c.readReply()).toString('latin1');
    if (r === `$${marker.length}\r\n${marker}\r\n`) break;
    out.push(r);
  }
  return out.join('');
}

/** Sends `cmds` on one fresh connection (RESP3 after HELLO 3 when asked) and returns all it got. */
async function session(port: number, resp3: boolean, cmds: Arg[][]): Promise<string> {
  const c = await RawClient.connect(port);
  try {
    if (resp3) await c.call(['HELLO', '3']);
    for (const cmd of cmds) c.send(cmd);
    return await drain(c);
  } finally {
    c.close();
  }
}

/** The thread serving `c` (CLIENT INFO's thread= field). */
async function threadOf(c: RawClient): Promise<number> {
  return Number(/\bthread=(\d+)/.exec(await c.callText(['CLIENT', 'INFO']))?.[1] ?? 0);
}

/** `n` connections, alternating over the threads of a `threads`-thread server (Redis: any). */
async function spread(port: number, n: number, threads: number, resp3 = false): Promise<RawClient[]> {
  const byThread: RawClient[][] = Array.from({ length: threads }, () => []);
  const extra: RawClient[] = [];
  const want = Math.ceil(n / threads);
  for (let tries = 0; byThread.some((l) => l.length < want) && tries < n * 50; tries++) {
    const c = await RawClient.connect(port);
    const t = threads === 1 ? 0 : await threadOf(c);
    if (byThread[t].length < want) byThread[t].push(c);
    else extra.push(c);
  }
  // (On the loaded test machine the kernel sometimes gives one listener every connection for a
  // while: then the clients are placed as they came, and the test still checks the replies.)
  const out: RawClient[] = [];
  for (let i = 0; out.length < n && i < n * threads; i++) {
    const c = byThread[i % threads].shift();
    if (c !== undefined) out.push(c);
  }
  while (out.length < n) out.push(extra.pop()!);
  for (const c of extra) c.close();
  if (resp3) for (const c of out) await c.call(['HELLO', '3']);
  return out;
}

const FRAMING: Record<string, Arg[][]> = {
  'subscribe, patterns, PING, refused commands, unsubscribe': [
    ['SUBSCRIBE', 'a'], ['SUBSCRIBE', 'a', 'b'], ['PSUBSCRIBE', 'h*', 'h?llo'], ['PING'], ['PING', 'x'], ['GET', 'nokey'], ['CLIENT', 'ID', 'x'], ['PUBSUB', 'NUMPAT'],
    ['UNSUBSCRIBE', 'b'], ['UNSUBSCRIBE', 'zz'], ['PUNSUBSCRIBE', 'h*'], ['PUNSUBSCRIBE', 'h?llo'], ['UNSUBSCRIBE', 'a'], ['PING'], ['GET', 'nokey'],
  ],
  'unsubscribe with nothing subscribed, and with no names': [['UNSUBSCRIBE'], ['PUNSUBSCRIBE'], ['SUNSUBSCRIBE'], ['SUBSCRIBE', 'one'], ['UNSUBSCRIBE'], ['PSUBSCRIBE', 'p*'], ['PUNSUBSCRIBE'], ['UNSUBSCRIBE', 'x', 'y']],
  'shard channels: their own namespace and count, any slots': [
    ['SSUBSCRIBE', '{a}1', 'b'], ['SUBSCRIBE', 'b'], ['SPUBLISH', 'b', 'm'], ['PUBSUB', 'SHARDNUMSUB', 'b', '{a}1', 'c'], ['PUBSUB', 'NUMSUB', 'b'],
    ['SUNSUBSCRIBE', 'b'], ['SUNSUBSCRIBE', '{a}1'], ['UNSUBSCRIBE', 'b'],
  ],
  'PUBLISH to itself, and normal commands between': [['SUBSCRIBE', 'me'], ['PSUBSCRIBE', 'm*'], ['PUBLISH', 'me', 'hello'], ['PUBLISH', 'nobody', 'x'], ['PUNSUBSCRIBE'], ['UNSUBSCRIBE', 'me'], ['SET', 'pk', 'v'], ['GET', 'pk'], ['DEL', 'pk']],
  'PUBSUB replies and errors': [
    ['PUBSUB', 'HELP'], ['PUBSUB', 'NUMSUB'], ['PUBSUB', 'NUMPAT', 'x'], ['PUBSUB', 'CHANNELS', 'a', 'b'], ['PUBSUB', 'NOPE'], ['PUBSUB', 'SHARDCHANNELS'], ['PUBLISH', 'a'], ['SUBSCRIBE'],
  ],
  'CLIENT REPLY OFF / SKIP: confirmations and messages still come': [
    ['CLIENT', 'REPLY', 'OFF'], ['SUBSCRIBE', 'q'], ['PING'], ['CLIENT', 'REPLY', 'ON'], ['UNSUBSCRIBE', 'q'], ['CLIENT', 'REPLY', 'SKIP'], ['PSUBSCRIBE', 'z*'], ['PUNSUBSCRIBE'],
  ],
  'RESET leaves every subscription': [['SUBSCRIBE', 'r1'], ['PSUBSCRIBE', 'r*'], ['SSUBSCRIBE', 'r2'], ['RESET'], ['PUBSUB', 'NUMSUB', 'r1'], ['PUBSUB', 'NUMPAT'], ['PUBSUB', 'SHARDNUMSUB', 'r2'], ['GET', 'nokey']],
  // (Not PUBLISH to itself inside EXEC: Redis writes that message into the middle of EXEC's array.)
  'MULTI with SUBSCRIBE': [['MULTI'], ['SUBSCRIBE', 'mx'], ['PING'], ['EXEC'], ['PING']],
};

describe('Pub/Sub matches Redis', { skip: !REDIS_AVAILABLE && SKIP_NO_REDIS }, () => {
  let redis: ServerHandle;
  const dfly: Record<number, ServerHandle> = {};
  before(async () => {
    [redis, dfly[1], dfly[2]] = await Promise.all([startRedis(), startDamselfly({ threads: 1 }), startDamselfly({ threads: 2 })]);
  });
  after(async () => {
    await Promise.all([redis?.stop(), dfly[1]?.stop(), dfly[2]?.stop()]);
  });

  for (const threads of [1, 2]) {
    for (const resp3 of [false, true]) {
      describe(`threads=${threads} ${resp3 ? 'RESP3' : 'RESP2'}`, () => {
        for (const [name, cmds] of Object.entries(FRAMING)) {
          it(name, async () => {
            const [d, r] = await Promise.all([session(dfly[threads].port, resp3, cmds), session(redis.port, resp3, cmds)]);
            assert.equal(show(Buffer.from(d, 'latin1'), 5000), show(Buffer.from(r, 'latin1'), 5000));
          });
        }

        it('PUBLISH counts and PUBSUB over subscribers on every thread, with patterns', async () => {
          const run = async (port: number, onThreads: number): Promise<string[]> => {
            const subs = await spread(port, 6, onThreads, resp3);
            const pub = await RawClient.connect(port);
            const log: string[] = [];
            // Subscriber i: channel 'news' for even i, pattern 'n*' for i % 3 == 0, 'ch{i}' always.
            for (let i = 0; i < subs.length; i++) {
              const names: Arg[] = ['SUBSCRIBE', `ch${i}`];
              if (i % 2 === 0) names.push('news');
              subs[i].send(names);
              for (let k = 1; k < names.length; k++) log.push((await subs[i].readReply()).toString('latin1'));
              if (i % 3 === 0) log.push(await subs[i].callText(['PSUBSCRIBE', 'n*']));
            }
            for (const cmd of [['PUBLISH', 'news', 'n1'], ['PUBLISH', 'nothing', 'x'], ['PUBLISH', 'ch3', 'c3'], ['PUBLISH', 'zzz', 'y'], ['PUBSUB', 'NUMSUB', 'news', 'ch1', 'none'], ['PUBSUB', 'NUMPAT']]) {
              log.push(await pub.callText(cmd));
            }
            const channels = (await pub.callText(['PUBSUB', 'CHANNELS'])).split('\r\n').filter((l) => !l.startsWith('$') && !l.startsWith('*') && l !== '').sort();
            log.push(channels.join(','));
            log.push(await pub.callText(['PUBSUB', 'CHANNELS', 'ch[0-2]']).then((s) => String(s.split('\r\n').length)));
            // What each subscriber received, in order.
            for (const s of subs) log.push(await drain(s));
            const info = await pub.callText(['INFO', 'stats']);
            log.push(/pubsub_channels:\d+/.exec(info)![0], /pubsub_patterns:\d+/.exec(info)![0]);
            for (const s of subs) s.close();
            pub.close();
            return log;
          };
          const d = await run(dfly[threads].port, threads);
          const r = await run(redis.port, 1);
          assert.deepEqual(d, r);
        });
      });
    }
  }
});

describe('Pub/Sub across threads', () => {
  let dfly: ServerHandle;
  before(async () => {
    dfly = await startDamselfly({ threads: 2 });
  });
  after(async () => {
    await dfly?.stop();
  });

  it('messages of one publisher reach subscribers on both threads in publish order', async () => {
    const subs = await spread(dfly.port, 4, 2);
    for (const s of subs) await s.call(['SUBSCRIBE', 'order']);
    const pubs = await spread(dfly.port, 2, 2);
    const N = 2000;
    for (const [p, pub] of pubs.entries()) {
      const batch: Buffer[] = [];
      for (let i = 0; i < N; i++) batch.push(Buffer.from(`*3\r\n$7\r\nPUBLISH\r\n$5\r\norder\r\n$${`p${p}-${i}`.length}\r\np${p}-${i}\r\n`));
      pub.send(Buffer.concat(batch));
    }
    for (const pub of pubs) for (let i = 0; i < N; i++) assert.equal((await pub.readReply()).toString(), ':4\r\n');
    for (const s of subs) {
      const next = [0, 0];
      for (let i = 0; i < 2 * N; i++) {
        const m = /p(\d)-(\d+)\r\n$/.exec((await s.readReply()).toString())!;
        const p = Number(m[1]);
        assert.equal(Number(m[2]), next[p]++, `publisher ${p}'s messages in order`);
      }
    }
    for (const c of [...subs, ...pubs]) c.close();
  });

  it('a subscriber that does not read is closed past the pubsub limit; publishers and others go on', async () => {
    const [slow, fast] = await spread(dfly.port, 2, 2);
    const admin = await RawClient.connect(dfly.port);
    assert.equal(await admin.callText(['CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 1mb 0 0']), '+OK\r\n');
    await slow.call(['SUBSCRIBE', 'big']);
    await fast.call(['SUBSCRIBE', 'big']);
    slow.socket.pause(); // reads nothing more: its output piles up on the server
    const payload = 'x'.repeat(64 * 1024);
    let fastGot = 0;
    let published = 0;
    const closedBefore = Number(/client_output_buffer_limit_disconnections:(\d+)/.exec(await admin.callText(['INFO', 'stats']))![1]);
    for (let round = 0; round < 400; round++) {
      const n = Number((await admin.callText(['PUBLISH', 'big', payload])).slice(1));
      published++;
      assert.ok(n >= 1);
      if (n === 1) break; // the slow one is gone
      await fast.readReply();
      fastGot++;
    }
    assert.ok(published < 400, 'the slow subscriber was closed');
    const info = await admin.callText(['INFO', 'stats']);
    assert.equal(Number(/client_output_buffer_limit_disconnections:(\d+)/.exec(info)![1]), closedBefore + 1);
    assert.equal(await admin.callText(['PUBSUB', 'NUMSUB', 'big']), '*2\r\n$3\r\nbig\r\n:1\r\n');
    await fast.readReply(); // the last message, published when only it was left
    assert.equal(fastGot + 1, published);
    await waitFor(() => /scheduled to be closed ASAP for overcoming of output buffer limits/.test(dfly.output()), 'the log line');
    await admin.call(['CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 32mb 8mb 60']);
    for (const c of [slow, fast, admin]) c.close();
  });

  it('CLIENT LIST / KILL TYPE pubsub and the sub/psub/ssub fields', async () => {
    const [a, b] = await spread(dfly.port, 2, 2);
    const admin = await RawClient.connect(dfly.port);
    const ids = [await a.callText(['CLIENT', 'ID']), await b.callText(['CLIENT', 'ID'])].map((r) => `id=${r.slice(1, -2)} `);
    await a.call(['SUBSCRIBE', 'x']);
    a.send(['PSUBSCRIBE', 'p1', 'p2']);
    await a.readReply();
    await a.readReply();
    await b.call(['SSUBSCRIBE', 's']);
    const list = await admin.callText(['CLIENT', 'LIST', 'TYPE', 'pubsub']);
    const lines = list.split('\n').filter((l) => ids.some((id) => l.includes(id)));
    assert.equal(lines.length, 2);
    assert.ok(lines.some((l) => / flags=P .* sub=1 psub=2 ssub=0 /.test(l)), list);
    assert.ok(lines.some((l) => / flags=P .* sub=0 psub=0 ssub=1 /.test(l)), list);
    assert.ok(!(await admin.callText(['CLIENT', 'LIST', 'TYPE', 'normal'])).includes('flags=P'));
    assert.match(await admin.callText(['CLIENT', 'KILL', 'TYPE', 'pubsub']), /^:[2-9]\r\n$/); // (and any earlier test's subscriber not gone yet)
    await waitFor(async () => (await admin.callText(['PUBSUB', 'NUMPAT'])) === ':0\r\n', 'subscriptions gone with the clients');
    assert.equal(await admin.callText(['PUBSUB', 'SHARDCHANNELS']), '*0\r\n');
    admin.close();
  });

  it('stock clients: ioredis and node-redis subscribers on both threads get every message in order (Socket.IO-style fan-out)', async () => {
    const { Redis } = await import('ioredis');
    const { createClient } = await import('redis');
    const N = 300;
    const got: string[][] = [];
    const closers: (() => Promise<unknown>)[] = [];
    // Closed whatever happens: a stock client left open reconnects forever and keeps the file running.
    try {
      for (let i = 0; i < 4; i++) {
        const sub = new Redis({ port: dfly.port, lazyConnect: true });
        await sub.connect();
        const mine: string[] = [];
        got.push(mine);
        sub.on('message', (_ch: string, m: string) => mine.push(m));
        sub.on('pmessage', (_p: string, _ch: string, m: string) => mine.push('p:' + m));
        await sub.subscribe('room');
        if (i === 0) await sub.psubscribe('ro*');
        closers.push(() => sub.quit());
      }
      for (let i = 0; i < 4; i++) {
        const sub = createClient({ socket: { port: dfly.port } });
        await sub.connect();
        const mine: string[] = [];
        got.push(mine);
        await sub.subscribe('room', (m) => mine.push(m));
        closers.push(() => sub.quit());
      }
      const pub = new Redis({ port: dfly.port });
      closers.push(() => pub.quit());
      const counts = await Promise.all(Array.from({ length: N }, (_, i) => pub.publish('room', `m${i}`)));
      assert.deepEqual(new Set(counts), new Set([9]));
      // The first subscriber also has the pattern: each message reaches it twice.
      await waitFor(() => got.every((g, i) => g.length >= (i === 0 ? 2 * N : N)), 'every message delivered');
      const want = Array.from({ length: N }, (_, i) => `m${i}`);
      assert.deepEqual(got[0].filter((m) => !m.startsWith('p:')), want);
      assert.deepEqual(got[0].filter((m) => m.startsWith('p:')).map((m) => m.slice(2)), want);
      for (const g of got.slice(1)) assert.deepEqual(g, want);
    } finally {
      for (const close of closers) await close().catch(() => {});
    }
  });
});


describe('Pub/Sub in process', () => {
  it('a publisher skips threads with nobody to receive; a subscription counts before its confirmation', async () => {
    const rig = makeRig(2);
    const sub = rig.client(1);
    const pub = rig.client(0);
    const sent = (): number => rig.workers[0].mesh.sentRequests;
    const before = sent();
    pub.send(['PUBLISH', 'ch', 'nobody']);
    await rig.settle(() => pub.sock.replies().length >= 1);
    assert.deepEqual(pub.sock.replies(), [':0\r\n']);
    assert.equal(sent(), before, 'no hop to a thread without subscribers');
    sub.send(['SUBSCRIBE', 'ch']);
    await rig.settle(() => sub.sock.replies().length >= 1);
    pub.send(['PUBLISH', 'ch', 'hi'], ['PUBLISH', 'other', 'x']);
    await rig.settle(() => pub.sock.replies().length >= 3);
    assert.deepEqual(pub.sock.replies().slice(1), [':1\r\n', ':0\r\n']);
    await rig.settle(() => sub.sock.replies().length >= 2);
    assert.equal(sub.sock.replies()[1], '*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n');
    sub.send(['UNSUBSCRIBE', 'ch']);
    await rig.settle(() => sub.sock.replies().length >= 3);
    assert.ok(rig.workers[1].shared.pubsub.every((v) => v === 0), 'presence slots back to zero');
    sub.send(['PSUBSCRIBE', '*']);
    await rig.settle(() => sub.sock.replies().length >= 4);
    pub.send(['PUBLISH', 'any', 'x'], ['SPUBLISH', 'any', 'x']);
    await rig.settle(() => pub.sock.replies().length >= 5);
    assert.deepEqual(pub.sock.replies().slice(3), [':1\r\n', ':0\r\n']);
    sub.conn.close();
    assert.ok(rig.workers[1].shared.pubsub.every((v) => v === 0), 'a gone client leaves no presence');
  });

  it('publishTo sends one message to one client of any thread, with a bulk, an array or a null payload', async () => {
    const rig = makeRig(2);
    const c = rig.client(0);
    const ch = Buffer.from('__redis__:invalidate');
    publishTo(rig.workers[1], 0, c.conn.id, ch, [Buffer.from('k1'), Buffer.from('k2')]);
    publishTo(rig.workers[1], 0, c.conn.id, ch, null);
    publishTo(rig.workers[0], 0, c.conn.id, ch, Buffer.from('v'));
    await rig.settle(() => c.sock.replies().length >= 3);
    assert.deepEqual(c.sock.replies().sort(), [
      '*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n$-1\r\n',
      '*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n$1\r\nv\r\n',
      '*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*2\r\n$2\r\nk1\r\n$2\r\nk2\r\n',
    ]);
    c.send(['HELLO', '3']);
    await rig.settle(() => c.sock.replies().length >= 4);
    publishTo(rig.workers[1], 0, c.conn.id, ch, null);
    await rig.settle(() => c.sock.replies().length >= 5);
    assert.equal(c.sock.replies()[4], '>3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n_\r\n');
  });
});
