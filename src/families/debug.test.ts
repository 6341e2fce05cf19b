// DEBUG: byte-exact against redis-server (started with --enable-debug-command yes) for DIGEST after
// identical datasets of every type and encoding (small and large collections, expiries, several
// databases, an empty server), DIGEST-VALUE, PROTOCOL in RESP2 and RESP3, the errors, POPULATE, and
// the refusal when the command is off (inside MULTI too); HELP's shared entries word for word; the
// DEBUG OBJECT line's format on keys of every shard; and, in the in-process rig (no timing), the
// `local` setting and SET-ACTIVE-EXPIRE: a key past its deadline stays until read while it is off.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { REDIS_AVAILABLE, SKIP_NO_REDIS, RawClient, differ, startDamselfly, startRedis, stopChecked, transcript, waitFor, type Arg, type ServerHandle } from '../../test/harness.ts';
import { elements } from '../../test/reply-normalizers.ts';
import { FakeSocket, makeRig, runCommands } from '../../test/inproc.ts';
import { Connection } from '../server/connection.ts';
import { encodeCommand } from '../../test/resp.ts';
import { mulberry32 } from '../util/prng.ts';

const REFUSED =
  '-ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.\r\n';

/** Bytes LZF cannot shrink (a fixed pseudo-random sequence). */
const STRANGE = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7919 + ((i * i) >> 3)) & 0xff));

/** n distinct strings `${prefix}${i}`. */
function many(prefix: string, n: number, from = 0): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${i + from}`);
}

/** A dataset of every type and encoding, in db 0, 1 and 7; ends back in db 0. */
function dataset(): Arg[][] {
  const bin = Buffer.from([0, 1, 2, 255, 13, 10, 200]);
  return [
    ['FLUSHALL'],
    // Strings: int, embstr, raw, binary, built in place, a HyperLogLog.
    ['SET', 'int', '12345'],
    ['SET', 'neg', '-7'],
    ['SET', 'emb', 'hello world'],
    ['SET', 'raw', 'x'.repeat(100)],
    ['SET', 'bin', bin],
    ['APPEND', 'app', 'abc'],
    ['APPEND', 'app', 'def'],
    ['PFADD', 'hll', 'a', 'b', 'c'],
    // Lists: a small one, one of many nodes, one with big elements.
    ['RPUSH', 'list', 'a', 'b', 'c', '1', '2'],
    ['RPUSH', 'biglist', ...many('e', 2000)],
    ['LPUSH', 'fatlist', 'y'.repeat(10000), 'z'.repeat(9000), 'short'],
    // Sets: intset, small, big.
    ['SADD', 'iset', '1', '2', '3', '-5', '1000000'],
    ['SADD', 'sset', 'x', 'y', 'z', '1'],
    ['SADD', 'bigset', ...many('m', 700)],
    // Sorted sets: listpack, skiplist; scores of every shape.
    ['ZADD', 'zs', '1', 'a', '2.5', 'b', '-3', 'c', '0.1', 'd', '1e300', 'e', 'inf', 'f', '-inf', 'g', '123456789012', 'h'],
    ['ZADD', 'bigz', ...many('', 300).flatMap((m, i) => [String(i / 7), `z${m}`])],
    ['ZADD', 'longz', '1', 'q'.repeat(100), '2', 'r'],
    // Hashes: listpack, hashtable (many fields, and a long value).
    ['HSET', 'h', 'f1', 'v1', 'f2', '2', 'f3', ''],
    ['HSET', 'bigh', ...many('f', 600).flatMap((f, i) => [f, `v${i}`])],
    ['HSET', 'longh', 'f', 'w'.repeat(200)],
    // Streams: several nodes, different fields, deleted entries, groups (not part of the digest).
    ['XADD', 'st', '1-1', 'a', '1', 'b', '2'],
    ['XADD', 'st', '1-2', 'a', '3', 'b', '4'],
    ['XADD', 'st', '2-0', 'other', 'x'],
    ['XADD', 'st', '18446744073709551615-5', 'big', 'id'],
    ['XDEL', 'st', '1-2'],
    ['XGROUP', 'CREATE', 'st', 'g', '0'],
    ['XADD', 'emptied', '5-5', 'f', 'v'],
    ['XDEL', 'emptied', '5-5'],
    // Deadlines.
    ['SET', 'vol', 'v', 'EX', '10000'],
    ['EXPIRE', 'list', '10000'],
    ['PEXPIREAT', 'h', '99999999999999'],
    // Other databases.
    ['SELECT', '1'],
    ['SET', 'int', '12345'],
    ['RPUSH', 'list', 'a', 'b'],
    ['SELECT', '7'],
    ['ZADD', 'zs', '1', 'a'],
    ['SELECT', '0'],
  ];
}

const KEYS = ['int', 'neg', 'emb', 'raw', 'bin', 'app', 'hll', 'list', 'biglist', 'fatlist', 'iset', 'sset', 'bigset', 'zs', 'bigz', 'longz', 'h', 'bigh', 'longh', 'st', 'emptied', 'vol', 'missing'];

/** DEBUG OBJECT's address and clock differ between servers; everything else must not. */
function normalizeObject(cmd: Arg[], reply: Buffer): Buffer {
  if (String(cmd[1]).toLowerCase() !== 'object') return reply;
  return Buffer.from(reply.toString('latin1').replace(/at:0x[0-9a-f]+/, 'at:ADDR').replace(/lru:\d+ lru_seconds_idle:\d+/, 'lru:L lru_seconds_idle:I'), 'latin1');
}

describe('DEBUG against redis-server', { skip: REDIS_AVAILABLE ? false : SKIP_NO_REDIS }, () => {
  let dfly: ServerHandle;
  let redis: ServerHandle;
  let redisOff: ServerHandle;
  let d: ReturnType<typeof differ>;

  before(async () => {
    [dfly, redis, redisOff] = await Promise.all([
      startDamselfly({ threads: 3, args: ['--enable_debug_command=yes'] }),
      startRedis(['--enable-debug-command', 'yes']),
      startRedis(),
    ]);
    d = differ({ damselfly: dfly.port, redis: redis.port });
  });

  after(async () => {
    await Promise.all([stopChecked(dfly), redis?.stop(), redisOff?.stop()]);
  });

  it('DIGEST of an empty server is 40 zeros; of every type and encoding, and DIGEST-VALUE of each key, as Redis', async () => {
    await d([['FLUSHALL'], ['DEBUG', 'DIGEST'], ['DEBUG', 'DIGEST-VALUE'], ['DEBUG', 'DIGEST-VALUE', 'nokey']]);
    await d([...dataset(), ['DEBUG', 'DIGEST'], ['DEBUG', 'DIGEST-VALUE', ...KEYS], ...KEYS.map((k) => ['DEBUG', 'DIGEST-VALUE', k]), ['SELECT', '1'], ['DEBUG', 'DIGEST-VALUE', 'int', 'list']], {
      pipeline: true,
    });
    // A change anywhere changes the digest; undoing it brings it back.
    await d([['DEBUG', 'DIGEST'], ['LSET', 'biglist', '1000', 'changed'], ['DEBUG', 'DIGEST'], ['LSET', 'biglist', '1000', 'e1000'], ['DEBUG', 'DIGEST'], ['PERSIST', 'vol'], ['DEBUG', 'DIGEST'], ['SWAPDB', '1', '7'], ['DEBUG', 'DIGEST']]);
  });

  it('PROTOCOL: every type in RESP2 and RESP3', async () => {
    const types = ['string', 'integer', 'double', 'bignum', 'null', 'array', 'set', 'map', 'attrib', 'push', 'verbatim', 'true', 'false', 'nosuch', 'STRING'];
    const cmds = types.map((t) => ['DEBUG', 'PROTOCOL', t]);
    await d(cmds);
    await d(cmds, { resp3: true });
  });

  it('errors, arities and the simple subcommands as Redis', async () => {
    await d([
      ['FLUSHALL'],
      ['SET', 'str', 'v'],
      ['RPUSH', 'l', 'a'],
      ['DEBUG', 'nosuch'],
      ['debug', 'nosuch', 'x'],
      ['DEBUG', 'OBJECT'],
      ['DEBUG', 'OBJECT', 'a', 'b'],
      ['DEBUG', 'OBJECT', 'missing'],
      ['DEBUG', 'HELP', 'extra'],
      ['DEBUG', 'DIGEST', 'extra'],
      ['DEBUG', 'ERROR', 'SOMECODE some\r\nmessage'],
      ['DEBUG', 'ERROR', 'plain'],
      ['DEBUG', 'LOG', 'a line for the log'],
      ['DEBUG', 'SLEEP', '0'],
      ['DEBUG', 'SLEEP', '0.001'],
      ['DEBUG', 'SLEEP', 'abc'],
      ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
      ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
      ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '1b'],
      ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '0'],
      ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '5gb'],
      ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', 'abc'],
      ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '4095mb'],
      ['DEBUG', 'SET-SKIP-CHECKSUM-VALIDATION', '1'],
      ['DEBUG', 'CHANGE-REPL-ID'],
      ['DEBUG', 'RELOAD', 'BADOPT'],
      ['DEBUG', 'HTSTATS', 'abc'],
      ['DEBUG', 'HTSTATS', '-1'],
      ['DEBUG', 'HTSTATS', '16'],
      ['DEBUG', 'HTSTATS-KEY', 'missing'],
      ['DEBUG', 'HTSTATS-KEY', 'str'],
      ['DEBUG', 'LISTPACK', 'missing'],
      ['DEBUG', 'LISTPACK', 'str'],
      ['DEBUG', 'QUICKLIST', 'str'],
      ['DEBUG', 'QUICKLIST', 'missing', '1'],
      ['DEBUG', 'POPULATE', '-1'],
      ['DEBUG', 'POPULATE', 'abc'],
      ['DEBUG', 'POPULATE', '10', 'p', '-3'],
      ['CONFIG', 'GET', 'enable-debug-command'],
      ['CONFIG', 'SET', 'enable-debug-command', 'no'],
    ]);
  });

  it('POPULATE creates the same keys and values, skipping existing ones', async () => {
    await d([
      ['FLUSHALL'],
      ['SET', 'key:3', 'mine'],
      ['DEBUG', 'POPULATE', '50'],
      ['DEBUG', 'POPULATE', '20', 'p', '3'],
      ['DEBUG', 'POPULATE', '5', 'long', '12'],
      ['DBSIZE'],
      ['GET', 'key:3'],
      ['GET', 'key:7'],
      ['GET', 'p:15'],
      ['GET', 'long:4'],
      ['OBJECT', 'ENCODING', 'long:4'],
      ['DEBUG', 'DIGEST'],
    ]);
  });

  it('OBJECT on strings as Redis (address and clock aside); its line on keys of every shard', async () => {
    await d(
      [
        ['FLUSHALL'],
        ['SET', 's1', '7'],
        ['SET', 's2', '-1000'],
        ['SET', 's3', '100000'],
        ['SET', 's4', 'hello'],
        ['SET', 's5', '12345678901234'],
        ['APPEND', 's6', 'abc'],
        // Over 20 bytes Redis tries LZF: compressible, barely, and not at all.
        ['SET', 'c1', 'x'.repeat(100)],
        ['SET', 'c2', 'abcdefghij'.repeat(50) + 'the end'],
        ['SET', 'c3', 'The quick brown fox jumps over the lazy dog'],
        ['SET', 'c4', STRANGE],
        ['SET', 'c5', 'ab'.repeat(5000)],
        ['SET', 'c6', many('word', 3000).join(' ')],
        ...['s1', 's2', 's3', 's4', 's5', 's6', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6'].map((k) => ['DEBUG', 'OBJECT', k]),
      ],
      { normalize: [normalizeObject] },
    );
    // Random strings of every compressibility: serializedlength follows Redis's LZF byte for byte.
    const r = mulberry32(11);
    const fuzz: Arg[][] = [];
    for (let i = 0; i < 40; i++) {
      const v = Buffer.alloc(1 + Math.floor(r() * 3000));
      const alphabet = 1 + Math.floor(r() * (r() < 0.5 ? 4 : 256));
      for (let j = 0; j < v.length; j++) v[j] = r() < 0.3 && j > 10 ? v[j - 1 - Math.floor(r() * 10)] : Math.floor(r() * alphabet);
      fuzz.push(['SET', `fz${i}`, v], ['DEBUG', 'OBJECT', `fz${i}`]);
    }
    await d(fuzz, { normalize: [normalizeObject], pipeline: true });
    const c = await RawClient.connect(dfly.port);
    try {
      const keys = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
      await c.call(['FLUSHALL']);
      for (const k of keys) await c.call(['SET', k, 'v']);
      await c.call(['RPUSH', 'ql', ...many('element-', 1000)]);
      for (const k of [...keys, 'ql']) {
        const line = (await c.callText(['DEBUG', 'OBJECT', k])).trimEnd();
        const enc = (await c.callText(['OBJECT', 'ENCODING', k])).split('\r\n')[1];
        assert.match(line, /^\+Value at:0x[0-9a-f]+ refcount:1 encoding:(\S+) serializedlength:\d+ lru:\d+ lru_seconds_idle:\d+( ql_nodes:\d+ ql_avg_node:\d+\.\d\d ql_listpack_max:-?\d+ ql_compressed:0 ql_uncompressed_size:\d+)?$/);
        assert.ok(line.includes(` encoding:${enc} `), `${line} has encoding ${enc}`);
        if (k === 'ql') assert.match(line, /ql_nodes:([2-9]|\d\d+) /);
      }
      // The dumps of our own: a listpack, a quicklist with its nodes (and elements), a dashtable, a hash table, JMAP.
      await c.call(['RPUSH', 'small', 'a', 'b']);
      assert.match(await c.callText(['DEBUG', 'LISTPACK', 'small']), /\{listpack\} \{type list\} \{bytes \d+\} \{entries 2\}\n\{entry 0\} \{len 1\} a\n/);
      const ql = await c.callText(['DEBUG', 'QUICKLIST', 'ql', '1']);
      assert.match(ql, /\{quicklist\} \{count 1000\} \{nodes \d+\}/);
      assert.ok(ql.includes('{entry 0} element-0') && ql.includes('element-999'));
      assert.match(await c.callText(['DEBUG', 'HTSTATS', '0']), /\[Dictionary HT\]\nShard 0 dashtable:\n number of elements: \d+/);
      await c.call(['SADD', 'bigset', ...many('m', 300)]);
      assert.match(await c.callText(['DEBUG', 'HTSTATS-KEY', 'bigset']), /number of elements: 300/);
      const jmap = await c.callText(['DEBUG', 'JMAP']);
      for (const t of ['# thread 0', '# thread 1', '# thread 2', 'list: keys=', 'string: keys=', 'v8 heap: used=']) assert.ok(jmap.includes(t), `JMAP has ${t}:\n${jmap}`);
    } finally {
      c.close();
    }
  });

  it('HELP: the header, the footer and every entry both have, word for word', async () => {
    const lines = async (port: number): Promise<string[]> => {
      const c = await RawClient.connect(port);
      try {
        return elements(await c.call(['debug', 'help'])).items.map((b) => b.toString('latin1').slice(1, -2));
      } finally {
        c.close();
      }
    };
    const [ours, theirs] = await Promise.all([lines(dfly.port), lines(redis.port)]);
    assert.equal(ours[0], theirs[0]);
    assert.deepEqual(ours.slice(-2), theirs.slice(-2));
    // Entries: a line naming a subcommand, then its indented lines.
    const entries = (l: string[]): Map<string, string> => {
      const m = new Map<string, string>();
      let name = '';
      for (const line of l.slice(1, -2)) {
        if (!line.startsWith(' ')) m.set((name = line.split(' ')[0]), line);
        else m.set(name, m.get(name) + '\n' + line);
      }
      return m;
    };
    const redisEntries = entries(theirs);
    for (const [name, text] of entries(ours)) {
      if (name === 'JMAP' || name === 'RELOAD') continue;
      assert.equal(text, redisEntries.get(name), `entry ${name}`);
    }
  });

  it('refused when enable-debug-command is no (the default), before authentication and inside MULTI, as Redis', async () => {
    const cmds: Arg[][] = [['DEBUG', 'DIGEST'], ['DEBUG', 'HELP'], ['DEBUG'], ['MULTI'], ['DEBUG', 'SLEEP', '0'], ['EXEC'], ['CONFIG', 'SET', 'requirepass', 'pw'], ['DEBUG', 'DIGEST']];
    const theirs = (await transcript(redisOff.port, cmds)).replies.map((r) => r!.toString('latin1'));
    // The rig's workers have the default settings: DEBUG off.
    assert.deepEqual(await runCommands(makeRig(2), cmds), theirs);
    assert.equal(theirs[0], REFUSED);
  });
});

describe('DEBUG in the in-process rig', () => {
  it('local: a loopback client may, another may not', async () => {
    const rig = makeRig(2, { config: { enable_debug_command: 'local' } });
    assert.deepEqual(await runCommands(rig, [['DEBUG', 'PROTOCOL', 'integer']]), [':12345\r\n']);
    const sock = new FakeSocket();
    sock.remoteAddress = '10.1.2.3';
    const worker = rig.workers[1];
    const conn = new Connection(worker, sock as unknown as Socket, 999n);
    worker.clients.set(999n, conn);
    sock.emit('data', encodeCommand(['DEBUG', 'PROTOCOL', 'integer']));
    await rig.settle(() => sock.replies().length >= 1);
    assert.deepEqual(sock.replies(), [REFUSED]);
  });

  it('SET-ACTIVE-EXPIRE 0: keys past their deadline stay until read; 1: the cycle reclaims them', async () => {
    const rig = makeRig(2, { config: { enable_debug_command: 'yes' } });
    const keys = [rig.keyOn(0), rig.keyOn(1)];
    const pastDeadline = async (cmds: Arg[][]): Promise<void> => {
      const start = Date.now();
      await runCommands(rig, cmds);
      // The deadlines are 1 ms away: wait for the clock to pass them (no timing is asserted).
      await waitFor(() => Date.now() > start + 2, 'the deadlines to pass');
      for (const w of rig.workers) w.shard.cron(50);
    };
    await pastDeadline([['DEBUG', 'SET-ACTIVE-EXPIRE', '0'], ...keys.map((k) => ['SET', k, 'v', 'PX', '1'])]);
    assert.deepEqual(await runCommands(rig, [['DBSIZE']]), [':2\r\n']);
    assert.deepEqual(await runCommands(rig, [['GET', keys[0]], ['DBSIZE']]), ['$-1\r\n', ':1\r\n']);
    await pastDeadline([['DEBUG', 'SET-ACTIVE-EXPIRE', '1'], ...keys.map((k) => ['SET', k, 'v', 'PX', '1'])]);
    assert.deepEqual(await runCommands(rig, [['DBSIZE']]), [':0\r\n']);
  });

  it('DIGEST and DIGEST-VALUE do not depend on how many threads hold the keys', async () => {
    const digests: string[][] = [];
    for (const n of [1, 3]) {
      const rig = makeRig(n, { config: { enable_debug_command: 'yes' } });
      const r = await runCommands(rig, [...dataset().slice(1), ['DEBUG', 'DIGEST'], ['DEBUG', 'DIGEST-VALUE', ...KEYS]]);
      digests.push(r.slice(-2));
    }
    assert.deepEqual(digests[0], digests[1]);
    assert.notEqual(digests[0][0], '+0000000000000000000000000000000000000000\r\n');
  });
});
