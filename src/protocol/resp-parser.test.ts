// RequestParser and splitArgs: any split of the input yields the same commands; inline splitting
// follows Redis's sdssplitargs (checked against a real redis-server when one is installed); every
// protocol error text and limit; big bulks fed in many pieces.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { RequestParser, splitArgs } from './resp-parser.ts';
import { REDIS_AVAILABLE, RawClient, SKIP_NO_REDIS, rng, startRedis, type ServerHandle } from '../../test/harness.ts';

const MAX_BULK = 512 * 1024 * 1024;

function parser(unauthenticated = false): RequestParser {
  const p = new RequestParser({ maxBulkLen: MAX_BULK });
  p.unauthenticated = unauthenticated;
  return p;
}

interface Outcome {
  commands: string[][];
  error: string | null;
}

/** Feeds `chunks` one by one, draining commands after each; returns commands (latin1) and the error. */
function run(chunks: Buffer[], unauthenticated = false): Outcome {
  const p = parser(unauthenticated);
  const commands: string[][] = [];
  for (const c of chunks) {
    p.feed(c);
    let cmd: Buffer[] | null;
    while ((cmd = p.next()) !== null) commands.push(cmd.map((a) => a.toString('latin1')));
  }
  return { commands, error: p.error };
}

function whole(input: Buffer | string, unauthenticated = false): Outcome {
  return run([typeof input === 'string' ? Buffer.from(input, 'latin1') : input], unauthenticated);
}

function mb(...args: (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = typeof a === 'string' ? Buffer.from(a, 'latin1') : a;
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

const binary = Buffer.alloc(256);
for (let i = 0; i < 256; i++) binary[i] = i;

/** A stream mixing every request shape. */
const CORPUS: Buffer[] = [
  mb('PING'),
  mb('SET', 'key', 'value'),
  mb('SET', 'a\r\nb', ''),
  mb('ECHO', binary),
  Buffer.from('PING\r\n'),
  Buffer.from('set k "v with spaces" \'single\'\n'),
  Buffer.from('*0\r\n'),
  Buffer.from('*-1\r\n'),
  Buffer.from('\r\n'),
  Buffer.from('   \r\n'),
  mb('MSET', 'a', '1', 'b', '2', 'c', '3'),
  Buffer.from('echo "\\x41\\x42\\n" x\r\n'),
  mb(''),
  mb('GET', 'x'.repeat(1000)),
];

describe('RequestParser: splits', () => {
  const stream = Buffer.concat(CORPUS);
  const expected = whole(stream);

  it('the corpus parses as expected in one feed', () => {
    assert.equal(expected.error, null);
    assert.deepEqual(expected.commands.slice(0, 6), [
      ['PING'],
      ['SET', 'key', 'value'],
      ['SET', 'a\r\nb', ''],
      ['ECHO', binary.toString('latin1')],
      ['PING'],
      ['set', 'k', 'v with spaces', 'single'],
    ]);
    // *0, *-1, blank and whitespace-only lines produce no command.
    assert.deepEqual(expected.commands.slice(6), [
      ['MSET', 'a', '1', 'b', '2', 'c', '3'],
      ['echo', 'AB\n', 'x'],
      [''],
      ['GET', 'x'.repeat(1000)],
    ]);
  });

  it('every single split point gives the same commands', () => {
    for (let i = 0; i <= stream.length; i++) {
      const got = run([stream.subarray(0, i), stream.subarray(i)]);
      assert.deepEqual(got, expected, `split at ${i}`);
    }
  });

  it('every two split points of each request gives the same commands', () => {
    for (const req of CORPUS) {
      if (req.length > 400) continue;
      const exp = whole(req);
      for (let i = 0; i <= req.length; i++) {
        for (let j = i; j <= req.length; j++) {
          const got = run([req.subarray(0, i), req.subarray(i, j), req.subarray(j)]);
          assert.deepEqual(got, exp, `${JSON.stringify(req.toString('latin1'))} split at ${i},${j}`);
        }
      }
    }
  });

  it('byte-at-a-time feeding gives the same commands', () => {
    const chunks: Buffer[] = [];
    for (let i = 0; i < stream.length; i++) chunks.push(stream.subarray(i, i + 1));
    assert.deepEqual(run(chunks), expected);
  });

  it('random multi-splits give the same commands', () => {
    const r = rng(12345);
    for (let round = 0; round < 300; round++) {
      const chunks: Buffer[] = [];
      let at = 0;
      while (at < stream.length) {
        const n = Math.min(stream.length - at, 1 + Math.floor(r() * (r() < 0.5 ? 8 : 400)));
        chunks.push(stream.subarray(at, at + n));
        at += n;
      }
      assert.deepEqual(run(chunks), expected, `round ${round}`);
    }
  });

  it('arguments stay intact after later feeds (views are not overwritten)', () => {
    const p = parser();
    const src = Buffer.from(mb('SET', 'k1', 'v1'));
    p.feed(src.subarray(0, 10));
    p.feed(src.subarray(10));
    const cmd = p.next()!;
    p.feed(mb('SET', 'zz', 'zz'));
    p.next();
    assert.deepEqual(
      cmd.map((a) => a.toString()),
      ['SET', 'k1', 'v1'],
    );
  });

  it('an incomplete request yields nothing until completed', () => {
    const p = parser();
    p.feed(Buffer.from('*2\r\n$4\r\nECHO\r\n$5\r\nhel'));
    assert.equal(p.next(), null);
    assert.equal(p.error, null);
    p.feed(Buffer.from('lo\r'));
    assert.equal(p.next(), null);
    p.feed(Buffer.from('\n'));
    assert.deepEqual(
      p.next()!.map((a) => a.toString()),
      ['ECHO', 'hello'],
    );
    assert.equal(p.next(), null);
  });
});

describe('RequestParser: big bulks', () => {
  const sizes = [32 * 1024 - 1, 32 * 1024, 32 * 1024 + 1, 100_000, 1024 * 1024 + 7];
  for (const size of sizes) {
    it(`a ${size}-byte bulk fed in many pieces arrives intact`, () => {
      const r = rng(size);
      const value = Buffer.alloc(size);
      for (let i = 0; i < size; i++) value[i] = Math.floor(r() * 256);
      const stream = Buffer.concat([mb('SET', 'big', value), mb('GET', 'big'), mb('SET', 'big2', value)]);
      for (const pieceMax of [1000, 7, 65536]) {
        const p = parser();
        const got: Buffer[][] = [];
        let at = 0;
        while (at < stream.length) {
          const n = Math.min(stream.length - at, 1 + Math.floor(r() * pieceMax));
          p.feed(Buffer.from(stream.subarray(at, at + n))); // a fresh buffer per feed, like sockets give
          at += n;
          let cmd: Buffer[] | null;
          while ((cmd = p.next()) !== null) got.push(cmd);
        }
        assert.equal(p.error, null);
        assert.equal(got.length, 3, `pieces up to ${pieceMax}`);
        assert.ok(got[0][2].equals(value), `first value intact (pieces up to ${pieceMax})`);
        assert.deepEqual(
          got[1].map((a) => a.toString()),
          ['GET', 'big'],
        );
        assert.ok(got[2][2].equals(value), `second value intact (pieces up to ${pieceMax})`);
        assert.equal(p.buffered, 0);
      }
    });
  }

  it('a big bulk followed by more commands in the same chunk', () => {
    const value = Buffer.alloc(40_000, 0x61);
    const stream = Buffer.concat([mb('SET', 'k', value), mb('PING'), mb('PING')]);
    const out = run([stream.subarray(0, 20), stream.subarray(20, 30_000), stream.subarray(30_000)]);
    assert.equal(out.error, null);
    assert.equal(out.commands.length, 3);
    assert.equal(out.commands[0][2], value.toString('latin1'));
  });

  it('Redis does not check the CRLF after a bulk', () => {
    assert.deepEqual(whole('*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n').commands, [['PING'], ['PING']]);
    const value = Buffer.alloc(40_000, 0x62);
    const stream = Buffer.concat([Buffer.from('*2\r\n$4\r\nECHO\r\n$40000\r\n'), value, Buffer.from('??'), mb('PING')]);
    const out = run([stream.subarray(0, 100), stream.subarray(100)]);
    assert.deepEqual(out.commands, [['ECHO', value.toString('latin1')], ['PING']]);
  });
});

describe('RequestParser: protocol errors', () => {
  const cases: [string, string | Buffer, string, boolean?][] = [
    ['invalid multibulk length (letters)', '*abc\r\n', 'Protocol error: invalid multibulk length'],
    ['invalid multibulk length (> INT_MAX)', '*2147483648\r\n', 'Protocol error: invalid multibulk length'],
    ['invalid multibulk length (leading +)', '*+1\r\n', 'Protocol error: invalid multibulk length'],
    ['invalid multibulk length (leading zero)', '*01\r\n$4\r\nPING\r\n', 'Protocol error: invalid multibulk length'],
    ['invalid multibulk length (-0)', '*-0\r\n', 'Protocol error: invalid multibulk length'],
    ['invalid multibulk length (empty)', '*\r\n', 'Protocol error: invalid multibulk length'],
    ['invalid multibulk length (21 digits)', '*100000000000000000000\r\n', 'Protocol error: invalid multibulk length'],
    ['unauthenticated multibulk length', '*11\r\n', 'Protocol error: unauthenticated multibulk length', true],
    ["expected '$'", '*1\r\n:3\r\nfoo\r\n', "Protocol error: expected '$', got ':'"],
    ["expected '$' after a complete bulk", '*3\r\n$3\r\nSET\r\nxyz\r\n', "Protocol error: expected '$', got 'x'"],
    ['invalid bulk length (negative)', '*1\r\n$-1\r\n', 'Protocol error: invalid bulk length'],
    ['invalid bulk length (letters)', '*1\r\n$abc\r\n', 'Protocol error: invalid bulk length'],
    ['invalid bulk length (1 GB > proto-max-bulk-len)', '*1\r\n$1073741824\r\n', 'Protocol error: invalid bulk length'],
    ['invalid bulk length (empty)', '*1\r\n$\r\n', 'Protocol error: invalid bulk length'],
    ['unauthenticated bulk length', '*1\r\n$16385\r\n', 'Protocol error: unauthenticated bulk length', true],
    ['unbalanced double quotes', 'set "a b\r\n', 'Protocol error: unbalanced quotes in request'],
    ['unbalanced single quotes', "set 'a b\r\n", 'Protocol error: unbalanced quotes in request'],
    ['closing quote followed by a non-space', 'set "a"b c\r\n', 'Protocol error: unbalanced quotes in request'],
    ['too big inline request', Buffer.alloc(64 * 1024 + 1, 0x61), 'Protocol error: too big inline request'],
    ['too big mbulk count string', Buffer.concat([Buffer.from('*'), Buffer.alloc(64 * 1024, 0x31)]), 'Protocol error: too big mbulk count string'],
    ['too big bulk count string', Buffer.concat([Buffer.from('*1\r\n$'), Buffer.alloc(64 * 1024 + 1, 0x31)]), 'Protocol error: too big bulk count string'],
  ];
  for (const [name, input, error, unauth] of cases) {
    it(name, () => {
      const buf = typeof input === 'string' ? Buffer.from(input, 'latin1') : input;
      assert.equal(whole(buf, unauth).error, error);
      // Same error however the bytes arrive.
      const chunks: Buffer[] = [];
      for (let i = 0; i < buf.length; i += 997) chunks.push(buf.subarray(i, i + 997));
      assert.equal(run(chunks, unauth).error, error, 'fed in pieces');
    });
  }

  it('limits are exclusive: exactly 64 KB without a newline is not an error yet', () => {
    assert.equal(whole(Buffer.alloc(64 * 1024, 0x61)).error, null);
    assert.equal(whole(Buffer.concat([Buffer.from('*'), Buffer.alloc(64 * 1024 - 1, 0x31)])).error, null);
    assert.equal(whole('*10\r\n', true).error, null);
    assert.equal(whole('*1\r\n$16384\r\n', true).error, null);
    const small = new RequestParser({ maxBulkLen: 1024 * 1024 });
    small.feed(Buffer.from('*2\r\n$1048576\r\n')); // exactly proto-max-bulk-len
    assert.equal(small.next(), null);
    assert.equal(small.error, null);
    const small2 = new RequestParser({ maxBulkLen: 1024 * 1024 });
    small2.feed(Buffer.from('*2\r\n$1048577\r\n'));
    assert.equal(small2.next(), null);
    assert.equal(small2.error, 'Protocol error: invalid bulk length');
    assert.equal(whole('*2147483647\r\n').error, null);
  });

  it('commands before an error are still returned, none after', () => {
    const out = whole('PING\r\n*1\r\n$4\r\nECHO\r\n*1\r\n$x\r\nPING\r\n');
    assert.deepEqual(out.commands, [['PING'], ['ECHO']]);
    assert.equal(out.error, 'Protocol error: invalid bulk length');
  });

  it('non-positive multibulk counts are skipped like Redis', () => {
    assert.deepEqual(whole('*0\r\n*-5\r\n*1\r\n$4\r\nPING\r\n').commands, [['PING']]);
  });

  it('a 10M-element multibulk claim does not allocate up front and waits for its arguments', () => {
    const p = parser();
    p.feed(Buffer.from('*10000000\r\n$1\r\na\r\n'));
    assert.equal(p.next(), null);
    assert.equal(p.error, null);
  });
});

/** sdssplitargs cases: [line, expected args] (null: unbalanced quotes). */
const INLINE: [string, string[] | null][] = [
  ['set a b', ['set', 'a', 'b']],
  ['  set   a  b  ', ['set', 'a', 'b']],
  ['\tset\ta\tb', ['set', 'a', 'b']],
  ['set "a b" c', ['set', 'a b', 'c']],
  ["set 'a b' c", ['set', 'a b', 'c']],
  ['set "" c', ['set', '', 'c']],
  ["set '' c", ['set', '', 'c']],
  ['set "\\n\\r\\t\\b\\a" c', ['set', '\n\r\t\b\x07', 'c']],
  ['set "\\x41\\x7a\\xff" c', ['set', 'Az\xff', 'c']],
  ['set "\\x4g" c', ['set', 'x4g', 'c']],
  ['set "\\x4" c', ['set', 'x4', 'c']],
  ['set "a\\"b" c', ['set', 'a"b', 'c']],
  ['set "a\\\\b" c', ['set', 'a\\b', 'c']],
  ['set "\\q" c', ['set', 'q', 'c']],
  ["set 'a\\'b' c", ['set', "a'b", 'c']],
  ["set 'a\\nb' c", ['set', 'a\\nb', 'c']],
  ["set 'a\"b' c", ['set', 'a"b', 'c']],
  ['set "a\'b" c', ['set', "a'b", 'c']],
  ['set a"b c', null],
  ['set a"b c"', ['set', 'ab c']],
  ["set a'b c'", ['set', 'ab c']],
  ['set "a"', ['set', 'a']],
  ['set "a"b', null],
  ["set 'a'b", null],
  ['set "a', null],
  ["set 'a", null],
  ['set "a\\"', null],
  ['set "a\\', null],
  ['set a\\x41 b', ['set', 'a\\x41', 'b']],
  ['set "x"\t"y"', ['set', 'x', 'y']],
  // Inside a word only space, \t, \n, \r and NUL end it; \v and \f do not (isspace() is used between words).
  ['set a\x0bb c', ['set', 'a\x0bb', 'c']],
  ['set a\x0cb c', ['set', 'a\x0cb', 'c']],
  ['set \x0b\x0c a', ['set', 'a']],
  ['set "a"\x0b b', ['set', 'a', 'b']],
  ['', []],
  ['   ', []],
];

describe('splitArgs (sdssplitargs)', () => {
  for (const [line, expected] of INLINE) {
    it(JSON.stringify(line), () => {
      const b = Buffer.from(line, 'latin1');
      const got = splitArgs(b, 0, b.length);
      assert.deepEqual(got === null ? null : got.map((a) => a.toString('latin1')), expected);
    });
  }

  it('an inline line with a NUL byte never completes, like Redis (strchr stops at the NUL)', () => {
    // Redis looks for the newline with strchr(), so it never finds one after a NUL byte: the request
    // waits until the 64 KB inline limit turns it into a protocol error.
    const out = whole('set a\x00b c\r\nPING\r\n');
    assert.deepEqual(out.commands, []);
    assert.equal(out.error, null);
    const big = whole(Buffer.concat([Buffer.from('set a\x00b c\r\n'), Buffer.alloc(64 * 1024, 0x61)]));
    assert.equal(big.error, 'Protocol error: too big inline request');
  });

  it('inline requests through the parser: \\n or \\r\\n endings, one command per line', () => {
    assert.deepEqual(whole('set a b\nget a\r\nping\r\n').commands, [['set', 'a', 'b'], ['get', 'a'], ['ping']]);
    // A lone \r inside the line is whitespace between words.
    assert.deepEqual(whole('set a\rb\n').commands, [['set', 'a', 'b']]);
  });
});

describe('splitArgs agrees with a real redis-server', () => {
  let redis: ServerHandle | null = null;
  before(async () => {
    if (REDIS_AVAILABLE) redis = await startRedis();
  });
  after(async () => {
    await redis?.stop();
  });

  it('RPUSH <inline args> then LRANGE shows how Redis split the line', { timeout: 60_000 }, async (t) => {
    if (redis === null) {
      t.skip(SKIP_NO_REDIS);
      return;
    }
    const c = await RawClient.connect(redis.port);
    try {
      let n = 0;
      for (const [line, expected] of INLINE) {
        if (line.trim() === '' || expected === null) continue;
        const key = `inl${n++}`;
        // Replace the command name: "set" -> "RPUSH <key>".
        const tail = line.replace(/^\s*set/, '');
        c.send(Buffer.from(`RPUSH ${key}${tail}\r\n`, 'latin1'));
        const pushed = (await c.readReply()).toString('latin1');
        assert.match(pushed, /^:\d+\r\n$/, `RPUSH for ${JSON.stringify(line)}: ${pushed}`);
        const r = await c.call(['LRANGE', key, '0', '-1']);
        assert.deepEqual(decodeArray(r), expected.slice(1), `redis split ${JSON.stringify(line)}`);
      }
    } finally {
      c.close();
    }
    // The unbalanced cases close the connection with the protocol error, like the parser reports.
    for (const [line, expected] of INLINE) {
      if (expected !== null) continue;
      const c2 = await RawClient.connect(redis.port);
      c2.send(Buffer.from(`RPUSH k${line.replace(/^set/, '')}\r\n`, 'latin1'));
      const out = await c2.readUntilClose();
      assert.equal(out.toString(), '-ERR Protocol error: unbalanced quotes in request\r\n', JSON.stringify(line));
    }
  });
});

/** Decodes a flat RESP2 array of bulk strings. */
function decodeArray(r: Buffer): string[] {
  const s = r.toString('latin1');
  const m = /^\*(\d+)\r\n/.exec(s)!;
  let at = m[0].length;
  const out: string[] = [];
  for (let i = 0; i < Number(m[1]); i++) {
    const cr = s.indexOf('\r\n', at);
    const len = Number(s.slice(at + 1, cr));
    out.push(s.slice(cr + 2, cr + 2 + len));
    at = cr + 2 + len + 2;
  }
  return out;
}

describe('RequestParser: memory follows the bytes received', () => {
  it('a 100 GB claim (proto-max-bulk-len raised) holds only what arrived', () => {
    const p = new RequestParser({ maxBulkLen: 200 * 1024 ** 3 });
    p.feed(Buffer.from('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$107374182400\r\n'));
    assert.equal(p.next(), null);
    assert.equal(p.error, null);
    assert.ok(p.memory <= 1024 * 1024 + 1024, `holds ${p.memory}`);
    p.feed(Buffer.alloc(3 * 1024 * 1024, 0x61));
    assert.equal(p.next(), null);
    // Grown with the data: at most twice what arrived.
    assert.ok(p.memory <= 2 * 3 * 1024 * 1024 + 1024, `holds ${p.memory}`);
    assert.equal(p.buffered, 3 * 1024 * 1024);
  });

  it('a header-only 512 MB claim reserves at most 1 MB', () => {
    const p = parser();
    p.feed(Buffer.from('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$536870912\r\n'));
    assert.equal(p.next(), null);
    assert.ok(p.memory <= 1024 * 1024 + 1024);
  });

  it('a big bulk grows with its data across arbitrary splits and comes out whole', () => {
    const value = Buffer.alloc(5 * 1024 * 1024 + 17);
    for (let i = 0; i < value.length; i++) value[i] = (i * 31) & 0xff;
    const input = Buffer.concat([mb('SET', 'k', value), mb('GET', 'k')]);
    const r = rng(7);
    for (let round = 0; round < 5; round++) {
      const chunks: Buffer[] = [];
      for (let at = 0; at < input.length; ) {
        const n = 1 + Math.floor(r() * (round === 0 ? 100 : 400_000));
        chunks.push(input.subarray(at, at + n));
        at += n;
      }
      const p = parser();
      const got: Buffer[][] = [];
      for (const c of chunks) {
        p.feed(c);
        let cmd: Buffer[] | null;
        while ((cmd = p.next()) !== null) got.push(cmd);
        assert.ok(p.memory <= 2 * input.length + 1024 * 1024);
      }
      assert.equal(got.length, 2);
      assert.ok(got[0][2].equals(value));
      assert.equal(got[1][1].toString(), 'k');
    }
  });

  it('a huge multibulk is assembled compactly and equals the normal parse at every split', () => {
    const args: (string | Buffer)[] = ['RPUSH', 'list'];
    for (let i = 0; i < 3000; i++) args.push(i % 500 === 0 ? Buffer.alloc(40_000, i & 0xff) : `v${i}`);
    const input = Buffer.concat([mb('PING'), mb(...args), mb('GET', 'x')]);
    const expected = [['PING'], args.map((a) => (typeof a === 'string' ? a : a.toString('latin1'))), ['GET', 'x']];
    const r = rng(11);
    for (let round = 0; round < 30; round++) {
      const cuts = [0, ...Array.from({ length: 1 + Math.floor(r() * 6) }, () => Math.floor(r() * input.length)).sort((a, b) => a - b), input.length];
      const chunks = cuts.slice(1).map((c, i) => input.subarray(cuts[i], c));
      assert.deepEqual(run(chunks), { commands: expected, error: null });
    }
    // Byte-exact at every split point of the start (header, first args) and of a big argument.
    for (let at = 0; at < 200; at++) assert.deepEqual(run([input.subarray(0, at), input.subarray(at)]).commands, expected);
  });

  it('a compact command goes through the screen with its head and count; a refusal drops it', () => {
    const p = parser();
    const seen: [string[], number][] = [];
    p.screen = (head, argc) => {
      seen.push([head.slice(0, 3).map((a) => a.toString()), argc]);
      return head[0].toString() !== 'ECHO';
    };
    const many = Array.from({ length: 2000 }, () => 'a');
    p.feed(Buffer.concat([mb('ECHO', ...many), mb('DEL', ...many), mb('PING')]));
    const got: string[] = [];
    let cmd: Buffer[] | null;
    while ((cmd = p.next()) !== null) got.push(`${cmd[0]}:${cmd.length}`);
    assert.deepEqual(got, ['DEL:2001', 'PING:1']);
    assert.deepEqual(seen, [[['ECHO', 'a', 'a'], 2001], [['DEL', 'a', 'a'], 2001]]);
    assert.equal(p.memory, 0);
  });

  it('a compact command being assembled costs its bytes, not a view per argument', () => {
    const p = parser();
    const n = 200_000;
    p.feed(Buffer.from(`*${n + 1}\r\n$4\r\nECHO\r\n`));
    p.feed(Buffer.from('$1\r\na\r\n'.repeat(n - 1)));
    assert.equal(p.next(), null);
    // 1 byte + 4 bytes of end offset per argument, at most doubled by growth.
    assert.ok(p.argvMemory <= 2 * 5 * n + 128 * 1024, `argv ${p.argvMemory}`);
  });
});
