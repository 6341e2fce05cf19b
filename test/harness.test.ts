// The harness itself: the reply-boundary scanner on every RESP2/RESP3 type at every split point, the
// raw client against a scripted fake server (big replies, replies split across packets, close), the
// CLIENT REPLY model of the differential checker, and the normalizers.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { RawClient, encodeCommand, normalizeClientId, normalizeHello, normalizeUnordered, replyLength, scanReply } from './harness.ts';

const REPLIES = [
  '+OK\r\n',
  '-ERR unknown command\r\n',
  ':-42\r\n',
  '$5\r\nhe\r\no\r\n',
  '$0\r\n\r\n',
  '$-1\r\n',
  '*-1\r\n',
  '*0\r\n',
  '*3\r\n:1\r\n*2\r\n$1\r\na\r\n$-1\r\n+x\r\n',
  '_\r\n',
  ',3.14\r\n',
  '#t\r\n',
  '(12345678901234567890\r\n',
  '!9\r\nERR oops!\r\n',
  '=9\r\ntxt:hello\r\n',
  '%2\r\n$1\r\nk\r\n:1\r\n$2\r\nk2\r\n*1\r\n_\r\n',
  '~2\r\n+a\r\n+b\r\n',
  '>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\nx\r\n',
  '|1\r\n+ttl\r\n:3\r\n$1\r\nv\r\n',
  '%0\r\n',
];

describe('reply scanner', () => {
  it('finds the exact end of every reply type, and nothing before it is complete', () => {
    for (const r of REPLIES) {
      const b = Buffer.from(r + '+NEXT\r\n', 'latin1');
      assert.equal(replyLength(b, 0), r.length, JSON.stringify(r));
      for (let i = 0; i < r.length; i++) {
        const n = scanReply(b.subarray(0, i), 0);
        assert.ok(n < 0, `${JSON.stringify(r)} complete at ${i}`);
        assert.ok(-n > i && -n <= r.length, `${JSON.stringify(r)} at ${i}: need ${-n}`);
      }
    }
  });

  it('scans from an offset', () => {
    const b = Buffer.from('+A\r\n$3\r\nabc\r\n', 'latin1');
    assert.equal(replyLength(b, 4), 9);
  });

  it('rejects bytes that are not RESP', () => {
    assert.throws(() => replyLength(Buffer.from('hello\r\n')), /not a RESP reply type/);
  });
});

describe('RawClient against a scripted server', () => {
  let server: Server;
  let port = 0;
  const scripts = new Map<string, (s: Socket) => void>();

  before(async () => {
    server = createServer((s) => {
      s.once('data', (d) => {
        const name = d.toString('latin1').split('\r\n')[2];
        scripts.get(name)?.(s);
      });
      s.on('error', () => {});
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const a = server.address();
    port = typeof a === 'object' && a !== null ? a.port : 0;
  });
  after(async () => {
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('reads replies split byte by byte and several replies in one packet', { timeout: 30_000 }, async () => {
    const all = REPLIES.join('');
    scripts.set('split', (s) => {
      s.setNoDelay(true);
      let i = 0;
      const tick = (): void => {
        if (i >= all.length) return;
        s.write(all.slice(i, i + 1), 'latin1');
        i++;
        setImmediate(tick);
      };
      tick();
    });
    scripts.set('packed', (s) => s.write(all, 'latin1'));
    for (const name of ['split', 'packed']) {
      const c = await RawClient.connect(port);
      c.send(['split' === name ? 'split' : 'packed']);
      for (const r of REPLIES) assert.equal((await c.readReply()).toString('latin1'), r, name);
      c.close();
    }
  });

  it('reads a 64 MB bulk arriving in many chunks', { timeout: 60_000 }, async () => {
    const size = 64 * 1024 * 1024;
    scripts.set('big', (s) => {
      s.write(`$${size}\r\n`);
      const chunk = Buffer.alloc(64 * 1024, 0x7a);
      let sent = 0;
      const more = (): void => {
        while (sent < size) {
          sent += chunk.length;
          if (!s.write(chunk)) return void s.once('drain', more);
        }
        s.write('\r\n+AFTER\r\n');
      };
      more();
    });
    const c = await RawClient.connect(port);
    c.send(['big']);
    const r = await c.readReply(50_000);
    assert.equal(r.length, size + `$${size}\r\n`.length + 2);
    assert.equal(r[r.length - 3], 0x7a);
    assert.equal((await c.readReply()).toString(), '+AFTER\r\n');
    c.close();
  });

  it('tryReadReply returns null and readUntilClose returns the rest when the server closes', { timeout: 30_000 }, async () => {
    scripts.set('close', (s) => s.end('+ONE\r\n$10\r\ntrunc'));
    const c = await RawClient.connect(port);
    c.send(['close']);
    assert.equal((await c.readReply()).toString(), '+ONE\r\n');
    assert.equal(await c.tryReadReply(), null);
    assert.equal((await c.readUntilClose()).toString(), '$10\r\ntrunc');
  });

  it('encodeCommand writes RESP multibulk with binary arguments', () => {
    assert.equal(encodeCommand(['SET', Buffer.from([0, 255]), 7]).toString('latin1'), '*3\r\n$3\r\nSET\r\n$2\r\n\x00\xff\r\n$1\r\n7\r\n');
  });
});

describe('normalizers', () => {
  it('HELLO: version and id', () => {
    const r2 = Buffer.from('*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:2\r\n$2\r\nid\r\n:123\r\n');
    const d2 = Buffer.from('*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$5\r\n7.2.0\r\n$5\r\nproto\r\n:2\r\n$2\r\nid\r\n:9\r\n');
    assert.ok(normalizeHello(['HELLO'], r2, 'redis').equals(normalizeHello(['hello'], d2, 'damselfly')));
    assert.ok(normalizeHello(['GET'], r2, 'redis').equals(r2));
  });

  it('CLIENT ID', () => {
    assert.equal(normalizeClientId(['client', 'id'], Buffer.from(':77\r\n'), 'redis').toString(), ':<id>\r\n');
    assert.equal(normalizeClientId(['client', 'info'], Buffer.from(':77\r\n'), 'redis').toString(), ':77\r\n');
  });

  it('unordered replies are sorted', () => {
    const n = normalizeUnordered('keys');
    const a = n(['KEYS', '*'], Buffer.from('*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\na\r\n'), 'redis');
    assert.equal(a.toString(), '*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n');
  });
});
