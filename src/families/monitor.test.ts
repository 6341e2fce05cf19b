// MONITOR, differential against redis-server 7.0.15 (timestamps and client addresses normalised):
// the lines of one client's commands (quoting, parse-time refusals hidden, admin commands hidden,
// MULTI/EXEC order, refused EXEC, AUTH/HELLO redaction, SELECT's database), in RESP2 and RESP3, at 1
// and 2 threads; clients on both threads; what a monitor itself may send; a monitor leaving.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { RawClient, REDIS_AVAILABLE, SKIP_NO_REDIS, startDamselfly, startRedis, stopChecked, type Arg, type ServerHandle } from '../../test/harness.ts';

const END = '__end__';

/** Each client's address → a label, and timestamps → T, in a monitor's output. */
function normalise(text: string, labels: Map<string, string>): string {
  let s = text.replace(/^\+\d+\.\d{6} /gm, '+T ');
  for (const [addr, label] of labels) s = s.split(addr).join(label);
  return s;
}

/** The client's address as the server sees it (without asking: that would be a line too). */
function addrOf(c: RawClient): string {
  return `127.0.0.1:${c.socket.localPort}`;
}

async function threadOf(c: RawClient): Promise<number> {
  return Number(/thread=(\d+)/.exec(await c.callText(['CLIENT', 'INFO']))?.[1] ?? 0);
}

/** A monitor (RESP `resp`) on `port`, past its +OK. */
async function openMonitor(port: number, resp: 2 | 3): Promise<RawClient> {
  const m = await RawClient.connect(port);
  if (resp === 3) await m.call(['HELLO', '3']);
  assert.equal(await m.callText(['MONITOR']), '+OK\r\n');
  return m;
}

/** Reads lines until `count` lines naming END were read; their text, in order. */
async function readUntilEnds(m: RawClient, count = 1): Promise<string[]> {
  const out: string[] = [];
  for (let seen = 0; seen < count; ) {
    const r = (await m.readReply()).toString('latin1');
    out.push(r);
    if (r.includes(`"${END}"`)) seen++;
  }
  return out;
}

/** Runs `cmds` one at a time from a new client while a monitor watches; the monitor's lines, normalised. */
async function linesOf(port: number, resp: 2 | 3, cmds: Arg[][]): Promise<string> {
  const m = await openMonitor(port, resp);
  const c = await RawClient.connect(port);
  const labels = new Map([[addrOf(c), 'C']]);
  try {
    for (const cmd of cmds) await c.call(cmd);
    await c.call(['ECHO', END]);
    return normalise((await readUntilEnds(m)).join(''), labels);
  } finally {
    c.close();
    m.close();
  }
}

const ONE_CLIENT: Arg[][] = [
  ['SET', 'k', Buffer.from('v\n"\\\x01\xff ~', 'latin1')],
  ['GET', 'k'],
  ['GET', 'k', 'extra'], // arity: refused before it runs, not shown
  ['NOPE', 'a'], // unknown: not shown
  ['CLIENT', 'NOPE'], // unknown subcommand: not shown
  ['SET', 'k', 'v', 'NX', 'XX'], // fails as it runs: shown
  ['LPUSH', 'k', 'x'], // WRONGTYPE: shown
  ['MULTI'],
  ['SET', '{t}a', '1'],
  ['INCR', '{t}a'],
  ['SET', 'other', '2'],
  ['MGET', 'other', '{t}a', 'k'], // keys on several shards: run through its client-side path
  ['GET', 'other'],
  ['EXEC'],
  ['MULTI'],
  ['GET'], // refused while queuing: EXEC aborts and is shown
  ['EXEC'],
  ['MULTI'],
  ['SET', 'a', '1'],
  ['EXEC', 'x'], // a refused EXEC is shown with its arguments (execCommandAbort)
  ['EXEC'],
  ['DISCARD'],
  ['WATCH', 'a'],
  ['MULTI'],
  ['PING'],
  ['EXEC'],
  ['AUTH', 'p'],
  ['AUTH', 'u', 'p'],
  ['AUTH', 'u', 'p', 'x'], // syntax error before the redaction: shown as sent
  ['HELLO', '3', 'AUTH', 'default', 'pw'],
  ['HELLO', '2', 'SETNAME', 'a b', 'AUTH', 'u', 'p'],
  ['HELLO', '2', 'AUTH', 'u', 'p', 'SETNAME', 'a b'],
  ['HELLO', 'x', 'AUTH', 'u', 'p'],
  ['SELECT', '3'], // shown with its new database
  ['SET', 'k', '123'],
  ['CONFIG', 'GET', 'maxmemory'], // admin: hidden
  ['CLIENT', 'SETNAME', 'n'],
  ['CLIENT', 'LIST'], // admin: hidden
  ['CLIENT', 'KILL', 'ID', '999999'], // admin: hidden
  ['MONITOR'], // admin: hidden (and this client becomes a monitor)
  ['PING'],
  ['SELECT', '0'],
  ['RESET'],
  ['MSET', 'a', '1', 'b'], // refused by the handler (after the arity check): shown
  ['MSET', 'a', '1', 'b', '2', 'c', '3'], // keys on several shards
  ['MGET', 'a', 'b', 'c'],
  ['RENAME', 'a', 'zz'], // multi-hop
  ['RENAME', 'nokey', 'x'], // ERR no such key: shown
  ['BLPOP', 'empty', '0.01'], // times out: shown once
  ['DEL', 'k', 'a', 'b', 'c', 'zz', '{t}a', 'other'],
  ['RPUSH', 'l', 'a'],
  ['BLPOP', 'l', '0'],
  ['DEL', 'l'],
];

describe('MONITOR (differential)', { skip: REDIS_AVAILABLE ? false : SKIP_NO_REDIS }, () => {
  let redis: ServerHandle;
  let one: ServerHandle;
  let two: ServerHandle;
  before(async () => {
    [redis, one, two] = await Promise.all([startRedis(), startDamselfly({ threads: 1 }), startDamselfly({ threads: 2 })]);
  });
  after(async () => {
    await redis?.stop();
    await stopChecked(one);
    await stopChecked(two);
  });

  for (const resp of [2, 3] as const) {
    it(`shows one client's commands as Redis does (RESP${resp} monitor, 1 and 2 threads)`, async () => {
      const want = await linesOf(redis.port, resp, ONE_CLIENT);
      assert.equal(await linesOf(one.port, resp, ONE_CLIENT), want);
      assert.equal(await linesOf(two.port, resp, ONE_CLIENT), want);
    });
  }

  it('shows clients of both threads, each client in its order, whichever thread the monitor is on', async () => {
    const script = (tag: string): Arg[][] => Array.from({ length: 20 }, (_, i) => (i % 2 ? ['SET', `${tag}:${i}`, String(i)] : ['GET', `${tag}:${i - 1}`]));
    for (let monitorThread = 0; monitorThread < 2; monitorThread++) {
      // A monitor on the wanted thread, and one client on each thread.
      const spare: RawClient[] = [];
      let m: RawClient | null = null;
      const byThread: (RawClient | null)[] = [null, null];
      while (m === null || byThread[0] === null || byThread[1] === null) {
        const c = await RawClient.connect(two.port);
        const t = await threadOf(c);
        if (m === null && t === monitorThread) {
          assert.equal(await c.callText(['MONITOR']), '+OK\r\n');
          m = c;
        } else if (byThread[t] === null) byThread[t] = c;
        else spare.push(c);
      }
      const [a, b] = byThread as RawClient[];
      const labels = new Map([
        [addrOf(a), 'A'],
        [addrOf(b), 'B'],
      ]);
      await Promise.all([
        (async () => {
          for (const c of script('a')) await a.call(c);
          await a.call(['ECHO', END]);
        })(),
        (async () => {
          for (const c of script('b')) await b.call(c);
          await b.call(['ECHO', END]);
        })(),
      ]);
      const got = normalise((await readUntilEnds(m, 2)).join(''), labels).split('\r\n');
      for (const [label, tag] of [
        ['A', 'a'],
        ['B', 'b'],
      ]) {
        const mine = got.filter((l) => l.includes(`[0 ${label}]`) && !l.endsWith('"CLIENT" "INFO"'));
        const want = [...script(tag), ['ECHO', END]].map((c) => `+T [0 ${label}] ${c.map((x) => `"${x}"`).join(' ')}`);
        assert.deepEqual(mine, want, `client ${label}, monitor on thread ${monitorThread}`);
      }
      for (const c of [m, a, b, ...spare]) c.close();
    }
  });

  /** A monitor's own session: its replies and its own lines, normalised. */
  async function monitorSession(port: number): Promise<string> {
    const m = await openMonitor(port, 2);
    const labels = new Map([[addrOf(m), 'M']]);
    const sent: Arg[][] = [['GET', 'k'], ['SET', 'k', 'v'], ['PING'], ['MONITOR'], ['CLIENT', 'KILL', 'TYPE', 'monitor'], ['DBSIZE'], ['ECHO', END]];
    for (const c of sent) m.send(c);
    const got = await readUntilEnds(m);
    // A normal client may not start monitoring inside a transaction.
    const c = await RawClient.connect(port);
    const tx = [await c.callText(['MULTI']), await c.callText(['MONITOR']), await c.callText(['EXEC'])].join('');
    c.close();
    m.close();
    return normalise(got.join('') + tx, labels).replace(/^\$\d+\r\nid=.*\r\n/m, '');
  }

  it("a monitor's own commands: no keyspace, PING then its line, MONITOR again unanswered, not in MULTI", async () => {
    const want = await monitorSession(redis.port);
    assert.equal(await monitorSession(two.port), want);
  });

  it('with requirepass: refused commands hidden, wrong and right passwords redacted', async () => {
    const session = async (port: number): Promise<string> => {
      const admin = await RawClient.connect(port);
      const m = await openMonitor(port, 3);
      await admin.call(['CONFIG', 'SET', 'requirepass', 'secret']);
      const c = await RawClient.connect(port);
      const labels = new Map([[addrOf(c), 'C']]);
      for (const cmd of [['GET', 'k'], ['AUTH', 'wrong'], ['HELLO', '2', 'AUTH', 'default', 'bad'], ['PING'], ['AUTH', 'default', 'secret'], ['ECHO', END]]) await c.call(cmd);
      const got = normalise((await readUntilEnds(m)).join(''), labels);
      await admin.call(['CONFIG', 'SET', 'requirepass', '']);
      for (const x of [admin, m, c]) x.close();
      return got;
    };
    const want = await session(redis.port);
    assert.match(want, /"AUTH" "\(redacted\)"/);
    assert.equal(await session(two.port), want);
  });

  it('CLIENT LIST flags: O for a monitor, x for a client in MULTI', async () => {
    const flags = async (port: number): Promise<string[]> => {
      const m = await openMonitor(port, 2);
      const t = await RawClient.connect(port);
      await t.call(['MULTI']);
      const admin = await RawClient.connect(port);
      const list = await admin.callText(['CLIENT', 'LIST']);
      const out = [m, t, admin].map((c) => new RegExp(`addr=${addrOf(c)} .*? flags=(\\S+)`).exec(list)![1]);
      for (const c of [m, t, admin]) c.close();
      return out;
    };
    const want = await flags(redis.port);
    assert.deepEqual(want, ['O', 'x', 'N']);
    assert.deepEqual(await flags(two.port), want);
  });

  it("ioredis's monitor() parses the lines (time, arguments, source, database)", async () => {
    const monitor = await new Redis({ port: two.port, lazyConnect: true }).monitor();
    const client = new Redis({ port: two.port });
    const seen: { time: string; args: string[]; source: string; database: string }[] = [];
    const done = new Promise<void>((resolve) =>
      monitor.on('monitor', (time: string, args: string[], source: string, database: string) => {
        seen.push({ time, args, source, database });
        if (args[0] === 'echo' && args[1] === END) resolve();
      }),
    );
    await client.select(4);
    await client.set('io key', 'a "b"');
    await client.echo(END);
    await done;
    const set = seen.find((e) => e.args[0] === 'set')!;
    assert.deepEqual(set.args, ['set', 'io key', 'a "b"']);
    assert.equal(set.database, '4');
    assert.match(set.time, /^\d+\.\d{6}$/);
    assert.match(set.source, /^127\.0\.0\.1:\d+$/);
    monitor.disconnect();
    client.disconnect();
  });

  it('a monitor that disconnects leaves the others working', async () => {
    const gone = await openMonitor(two.port, 2);
    const stays = await openMonitor(two.port, 2);
    gone.close();
    const c = await RawClient.connect(two.port);
    await c.call(['SET', 'after', '1']);
    await c.call(['ECHO', END]);
    const got = (await readUntilEnds(stays)).join('');
    assert.match(got, /"SET" "after" "1"/);
    stays.close();
    c.close();
  });
});
