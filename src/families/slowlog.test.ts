// SLOWLOG and LATENCY against a real redis-server, with slowlog-log-slower-than 0 (every command is
// logged: deterministic): entries' arguments, truncation (32 arguments, 128 bytes), redaction (AUTH,
// HELLO AUTH, CONFIG SET requirepass/masterauth), EXEC's commands, blocked commands (one served, one
// timed out: not logged), LEN/RESET/GET n, HELP and errors byte for byte, at 1 and 2 threads; with
// in-process workers, clients of both threads in one GET. LATENCY's HELP, LATEST/HISTORY/RESET on no
// events, GRAPH's and DOCTOR's texts, HISTOGRAM's shape and exact call counts after a known workload,
// INFO latencystats' format. Ids, times, durations and ports are normalised; nothing here depends on
// how long a command takes.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { REDIS_AVAILABLE, SKIP_NO_REDIS, RawClient, startDamselfly, startRedis, stopChecked, type Arg, type ServerHandle } from '../../test/harness.ts';
import { makeRig } from '../../test/inproc.ts';

type Value = string | number | null | Value[] | { error: string } | Map<string, Value>;

/** A RESP2/3 reply as a value (enough for these replies). */
function parse(b: Buffer): Value {
  let at = 0;
  const line = (): string => {
    const end = b.indexOf('\r\n', at);
    const s = b.toString('latin1', at, end);
    at = end + 2;
    return s;
  };
  const one = (): Value => {
    const t = String.fromCharCode(b[at++]);
    const l = line();
    switch (t) {
      case '+':
        return l;
      case '-':
        return { error: l };
      case ':':
        return Number(l);
      case '$':
      case '=': {
        const n = Number(l);
        if (n < 0) return null;
        const s = b.toString('latin1', at, at + n);
        at += n + 2;
        return s;
      }
      case '*': {
        const n = Number(l);
        if (n < 0) return null;
        return Array.from({ length: n }, one);
      }
      case '%': {
        const m = new Map<string, Value>();
        for (let i = Number(l); i > 0; i--) m.set(String(one()), one());
        return m;
      }
      default:
        throw new Error(`reply type ${t}`);
    }
  };
  return one();
}

/** SLOWLOG GET's entries without what must differ: [arguments, client name]; checks ids decrease and the address's shape. */
function entries(reply: Value): [string[], string][] {
  assert.ok(Array.isArray(reply), `entries: ${JSON.stringify(reply)}`);
  let lastId = Infinity;
  return (reply as Value[][]).map((e) => {
    assert.equal(e.length, 6);
    const [id, time, usec, args, addr, name] = e as [number, number, number, string[], string, string];
    assert.ok(id < lastId, 'ids decrease, newest first');
    lastId = id;
    assert.ok(Math.abs(time - Date.now() / 1000) < 600, 'unix time');
    assert.ok(usec >= 0);
    assert.match(addr, /^127\.0\.0\.1:\d+$/);
    return [args, name];
  });
}

const LONG = 'x'.repeat(200);
const MANY: Arg[] = ['RPUSH', 'list', ...Array.from({ length: 40 }, (_, i) => `e${i}`)];

/** The workload whose slow log both servers must show alike. */
const WORKLOAD: Arg[][] = [
  ['CLIENT', 'SETNAME', 'worker'],
  ['SET', 'k', 'v'],
  ['SET', 'k2', LONG],
  MANY,
  ['AUTH', 'secret'],
  ['AUTH', 'user', 'secret'],
  ['AUTH', 'a', 'b', 'c'],
  ['HELLO', '3', 'AUTH', 'default', 'secret', 'SETNAME', 'worker'],
  ['HELLO', '2'],
  ['CONFIG', 'SET', 'requirepass', ''],
  ['MULTI'],
  ['SET', 'inside', '1'],
  ['GET', 'inside'],
  ['EXEC'],
  ['BLPOP', 'nolist', '0.01'],
  ['RPUSH', 'full', 'x'],
  ['BLPOP', 'full', '1'],
  ['GET', 'k'],
];

async function calls(port: number, cmds: Arg[][]): Promise<Buffer[]> {
  const c = await RawClient.connect(port);
  try {
    const out: Buffer[] = [];
    for (const cmd of cmds) out.push(await c.call(cmd));
    return out;
  } finally {
    c.close();
  }
}

async function call(port: number, cmd: Arg[]): Promise<Buffer> {
  return (await calls(port, [cmd]))[0];
}

/** Logs every command from now on, with an empty log. */
async function logEverything(port: number, maxLen = 128): Promise<void> {
  await calls(port, [['CONFIG', 'SET', 'slowlog-log-slower-than', '0', 'slowlog-max-len', String(maxLen)], ['SLOWLOG', 'RESET']]);
}

describe('SLOWLOG and LATENCY against redis-server', { skip: !REDIS_AVAILABLE && SKIP_NO_REDIS }, () => {
  let redis: ServerHandle;
  let one: ServerHandle;
  let two: ServerHandle;
  const servers = (): [string, number][] => [['damselfly/1', one.port], ['damselfly/2', two.port]];

  before(async () => {
    [redis, one, two] = await Promise.all([startRedis(), startDamselfly({ threads: 1 }), startDamselfly({ threads: 2 })]);
  });
  after(async () => {
    await redis?.stop();
    await stopChecked(one);
    await stopChecked(two);
  });

  it('logs the same entries: truncation, redaction, EXEC, names, newest first', async () => {
    const logs = new Map<string, [string[], string][]>();
    for (const [name, port] of [['redis', redis.port], ...servers()] as [string, number][]) {
      await logEverything(port);
      await calls(port, WORKLOAD);
      logs.set(name, entries(parse(await call(port, ['SLOWLOG', 'GET', '-1']))));
    }
    const want = logs.get('redis')!;
    // Redis's own view: 32 arguments at most, long ones cut, passwords redacted.
    const rpush = want.find(([a]) => a[0] === 'RPUSH' && a[1] === 'list')![0];
    assert.equal(rpush.length, 32);
    assert.equal(rpush[31], '... (11 more arguments)');
    assert.equal(want.find(([a]) => a[1] === 'k2')![0][2], 'x'.repeat(128) + '... (72 more bytes)');
    for (const [name] of servers()) assert.deepEqual(logs.get(name), want, name);
  });

  it('LEN, GET n, RESET, max-len, HELP and errors as Redis', async () => {
    const script: Arg[][] = [
      ['SET', 'a', '1'],
      ['SET', 'b', '2'],
      ['SLOWLOG', 'LEN'],
      ['SLOWLOG', 'GET', 'abc'],
      ['SLOWLOG', 'GET', '-2'],
      ['SLOWLOG', 'GET', '1', '2'],
      ['SLOWLOG', 'foo'],
      ['SLOWLOG'],
      ['SLOWLOG', 'HELP'],
      ['SLOWLOG', 'LEN', 'x'],
    ];
    const want = await (async () => {
      await logEverything(redis.port, 3);
      return calls(redis.port, script);
    })();
    const wantGet = entries(parse(await call(redis.port, ['SLOWLOG', 'GET', '2'])));
    for (const [name, port] of servers()) {
      await logEverything(port, 3);
      const got = await calls(port, script);
      assert.deepEqual(got.map(String), want.map(String), name);
      assert.deepEqual(entries(parse(await call(port, ['SLOWLOG', 'GET', '2']))), wantGet, name);
      assert.equal(String(await call(port, ['SLOWLOG', 'RESET'])), '+OK\r\n');
      // The reset itself is logged, as Redis logs it.
      assert.deepEqual(entries(parse(await call(port, ['SLOWLOG', 'GET']))).map(([a]) => a), [['SLOWLOG', 'RESET']], name);
    }
  });

  it('merges the threads: clients of every thread, keys on every shard, in the order they ran', async () => {
    await logEverything(two.port);
    const clients = await Promise.all(Array.from({ length: 6 }, () => RawClient.connect(two.port)));
    try {
      for (let i = 0; i < clients.length; i++) {
        await clients[i].call(['CLIENT', 'SETNAME', `c${i}`]);
        await clients[i].call(['SET', `key:${i}`, String(i)]);
      }
    } finally {
      for (const c of clients) c.close();
    }
    const got = entries(parse(await call(two.port, ['SLOWLOG', 'GET', '-1'])));
    const sets = got.filter(([a]) => a[0] === 'SET').reverse();
    assert.deepEqual(sets, Array.from({ length: 6 }, (_, i) => [['SET', `key:${i}`, String(i)], `c${i}`]));
  });

  it('LATENCY: HELP, no events, RESET, GRAPH and DOCTOR on no data, and errors as Redis', async () => {
    const script: Arg[][] = [
      ['CONFIG', 'SET', 'latency-monitor-threshold', '0'],
      ['LATENCY', 'HELP'],
      ['LATENCY', 'LATEST'],
      ['LATENCY', 'HISTORY', 'command'],
      ['LATENCY', 'RESET'],
      ['LATENCY', 'RESET', 'command', 'fast-command'],
      ['LATENCY', 'GRAPH', 'command'],
      ['LATENCY', 'DOCTOR'],
      ['LATENCY', 'HISTORY'],
      ['LATENCY', 'foo'],
      ['LATENCY'],
      ['LATENCY', 'HISTOGRAM', 'nosuchcommand'],
      ['CONFIG', 'SET', 'latency-tracking-info-percentiles', '50 101'],
      ['CONFIG', 'SET', 'latency-tracking-info-percentiles', 'abc'],
      ['CONFIG', 'GET', 'latency-tracking-info-percentiles'],
    ];
    const want = (await calls(redis.port, script)).map(String);
    for (const [name, port] of servers()) assert.deepEqual((await calls(port, script)).map(String), want, name);
  });

  it('LATENCY HISTOGRAM and INFO latencystats after a known workload', async () => {
    const work: Arg[][] = [['CONFIG', 'RESETSTAT'], ...Array.from({ length: 5 }, (_, i) => ['SET', `h${i}`, 'v']), ['GET', 'h0'], ['GET', 'h1'], ['GET', 'nokey']];
    const shape = async (port: number): Promise<unknown> => {
      await calls(port, work);
      const h = parse(await call(port, ['LATENCY', 'HISTOGRAM', 'set', 'get', 'nosuch']));
      assert.ok(Array.isArray(h), 'RESP2: a flat map');
      const out: Record<string, number> = {};
      const list = h as Value[];
      for (let i = 0; i < list.length; i += 2) {
        const body = list[i + 1] as Value[];
        assert.equal(body[0], 'calls');
        assert.equal(body[2], 'histogram_usec');
        const buckets = body[3] as number[];
        // Bucket labels are each power-of-two step's highest equivalent value in µs (1, 2, 4 ... 33, 66 ...).
        let last = 0;
        let lastUsec = -1;
        for (let k = 0; k < buckets.length; k += 2) {
          assert.ok(buckets[k] > lastUsec, 'buckets grow');
          assert.ok(buckets[k + 1] > last, 'cumulative counts grow');
          lastUsec = buckets[k];
          last = buckets[k + 1];
        }
        assert.equal(last, body[1], 'the last bucket holds every call');
        out[list[i] as string] = body[1] as number;
      }
      const info = String(await call(port, ['INFO', 'latencystats']));
      assert.match(info, /# Latencystats\r\n/);
      assert.match(info, /latency_percentiles_usec_set:p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}\r\n/);
      return out;
    };
    const want = await shape(redis.port);
    assert.deepEqual(want, { set: 5, get: 3 });
    for (const [name, port] of servers()) assert.deepEqual(await shape(port), want, name);
  });
});

describe('SLOWLOG across threads (in-process workers)', () => {
  it('one GET shows the clients of both threads, newest first, local and remote keys alike', async () => {
    const rig = makeRig(2, { config: { slowlog_log_slower_than: 0 } });
    const a = rig.client(0);
    const b = rig.client(1);
    const order: [typeof a, Arg[]][] = [
      [a, ['SET', rig.keyOn(0), '1']],
      [b, ['SET', rig.keyOn(0, 'other'), '2']],
      [a, ['GET', rig.keyOn(1)]],
      [b, ['GET', rig.keyOn(1, 'other')]],
    ];
    for (const [c, cmd] of order) {
      const before = c.sock.replies().length;
      c.send(cmd);
      await rig.settle(() => c.sock.replies().length > before);
    }
    b.send(['SLOWLOG', 'GET', '-1']);
    await rig.settle(() => b.sock.replies().length === 3);
    const got = entries(parse(Buffer.from(b.sock.replies()[2], 'latin1')));
    assert.deepEqual(got.map(([args]) => args), order.map(([, cmd]) => cmd.map(String)).reverse());
  });
});
