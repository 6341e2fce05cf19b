// ReplyWriter: the RESP2 and RESP3 encoding of every method, and the take() contract (bytes handed
// out are never overwritten by later writes, growth or buffer recycling).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ReplyWriter } from './reply-writer.ts';
import { replyLength } from '../../test/resp.ts';
import { mulberry32 as rng } from '../util/prng.ts';

function enc(resp: 2 | 3, f: (w: ReplyWriter) => void): string {
  const w = new ReplyWriter();
  w.resp = resp;
  f(w);
  return w.take().toString('latin1');
}

/** [name, writer calls, RESP2 bytes, RESP3 bytes] */
const CASES: [string, (w: ReplyWriter) => void, string, string][] = [
  ['ok', (w) => w.ok(), '+OK\r\n', '+OK\r\n'],
  ['simple', (w) => w.simple('PONG'), '+PONG\r\n', '+PONG\r\n'],
  ['simple empty', (w) => w.simple(''), '+\r\n', '+\r\n'],
  ['error', (w) => w.error('ERR syntax error'), '-ERR syntax error\r\n', '-ERR syntax error\r\n'],
  ['error with CR/LF becomes spaces', (w) => w.error('ERR a\r\nb\nc\rd'), '-ERR a  b c d\r\n', '-ERR a  b c d\r\n'],
  ['integer 0', (w) => w.integer(0), ':0\r\n', ':0\r\n'],
  ['integer 7', (w) => w.integer(7), ':7\r\n', ':7\r\n'],
  ['integer 10', (w) => w.integer(10), ':10\r\n', ':10\r\n'],
  ['integer -1', (w) => w.integer(-1), ':-1\r\n', ':-1\r\n'],
  ['integer max safe', (w) => w.integer(Number.MAX_SAFE_INTEGER), ':9007199254740991\r\n', ':9007199254740991\r\n'],
  ['integer 2^53+2 (unsafe number)', (w) => w.integer(2 ** 53 + 2), ':9007199254740994\r\n', ':9007199254740994\r\n'],
  ['integer int64 max (bigint)', (w) => w.integer(9223372036854775807n), ':9223372036854775807\r\n', ':9223372036854775807\r\n'],
  ['integer int64 min (bigint)', (w) => w.integer(-9223372036854775808n), ':-9223372036854775808\r\n', ':-9223372036854775808\r\n'],
  ['bulk buffer', (w) => w.bulk(Buffer.from('hello')), '$5\r\nhello\r\n', '$5\r\nhello\r\n'],
  ['bulk empty', (w) => w.bulk(''), '$0\r\n\r\n', '$0\r\n\r\n'],
  ['bulk latin1 string', (w) => w.bulk('\xff\x00\r\n'), '$4\r\n\xff\x00\r\n\r\n', '$4\r\n\xff\x00\r\n\r\n'],
  ['bulkNumber', (w) => w.bulkNumber(-42), '$3\r\n-42\r\n', '$3\r\n-42\r\n'],
  ['bulkNumber bigint', (w) => w.bulkNumber(9223372036854775807n), '$19\r\n9223372036854775807\r\n', '$19\r\n9223372036854775807\r\n'],
  ['nullBulk', (w) => w.nullBulk(), '$-1\r\n', '_\r\n'],
  ['nullArray', (w) => w.nullArray(), '*-1\r\n', '_\r\n'],
  ['array', (w) => (w.array(2), w.integer(1), w.bulk('a')), '*2\r\n:1\r\n$1\r\na\r\n', '*2\r\n:1\r\n$1\r\na\r\n'],
  ['array empty', (w) => w.array(0), '*0\r\n', '*0\r\n'],
  ['map', (w) => (w.map(1), w.bulk('k'), w.integer(1)), '*2\r\n$1\r\nk\r\n:1\r\n', '%1\r\n$1\r\nk\r\n:1\r\n'],
  ['map empty', (w) => w.map(0), '*0\r\n', '%0\r\n'],
  ['set', (w) => (w.set(1), w.bulk('m')), '*1\r\n$1\r\nm\r\n', '~1\r\n$1\r\nm\r\n'],
  ['push', (w) => (w.push(2), w.bulk('message'), w.bulk('x')), '*2\r\n$7\r\nmessage\r\n$1\r\nx\r\n', '>2\r\n$7\r\nmessage\r\n$1\r\nx\r\n'],
  ['double', (w) => w.double('3.5'), '$3\r\n3.5\r\n', ',3.5\r\n'],
  ['double inf', (w) => w.double('inf'), '$3\r\ninf\r\n', ',inf\r\n'],
  ['bool true', (w) => w.bool(true), ':1\r\n', '#t\r\n'],
  ['bool false', (w) => w.bool(false), ':0\r\n', '#f\r\n'],
  ['verbatim', (w) => w.verbatim('id=1\n'), '$5\r\nid=1\n\r\n', '=9\r\ntxt:id=1\n\r\n'],
  ['verbatim empty', (w) => w.verbatim(''), '$0\r\n\r\n', '=4\r\ntxt:\r\n'],
  ['raw', (w) => w.raw(Buffer.from(':5\r\n')), ':5\r\n', ':5\r\n'],
  ['ascii', (w) => w.ascii('+X\r\n'), '+X\r\n', '+X\r\n'],
];

describe('ReplyWriter encodings', () => {
  for (const [name, f, r2, r3] of CASES) {
    it(name, () => {
      assert.equal(enc(2, f), r2, 'RESP2');
      assert.equal(enc(3, f), r3, 'RESP3');
    });
  }

  it('every encoding is one well-formed reply (harness scanner agrees)', () => {
    for (const [name, f] of CASES) {
      for (const resp of [2, 3] as const) {
        const b = Buffer.from(enc(resp, f), 'latin1');
        assert.equal(replyLength(b, 0), b.length, `${name} RESP${resp}`);
      }
    }
  });

  it('a bulk larger than the initial buffer grows it', () => {
    const w = new ReplyWriter(64);
    const v = Buffer.alloc(100_000, 0x7a);
    w.bulk(v);
    const out = w.take();
    assert.equal(out.toString('latin1'), `$100000\r\n${'z'.repeat(100_000)}\r\n`);
  });

  it('pending counts untaken bytes; truncate drops a reply', () => {
    const w = new ReplyWriter();
    w.ok();
    assert.equal(w.pending, 5);
    const mark = w.len;
    w.bulk('discard me');
    w.truncate(mark);
    w.integer(3);
    assert.equal(w.take().toString(), '+OK\r\n:3\r\n');
    assert.equal(w.pending, 0);
  });
});

describe('ReplyWriter take()', () => {
  it('handed-out bytes are never overwritten (random writes, growth, recycling)', () => {
    for (const initial of [16, 600, 16 * 1024]) {
      const r = rng(initial);
      const w = new ReplyWriter(initial);
      const handed: [Buffer, string][] = [];
      let expected = '';
      for (let i = 0; i < 5000; i++) {
        const k = Math.floor(r() * 6);
        if (k === 0) {
          const len = Math.floor(r() * (r() < 0.1 ? 40_000 : 300));
          const s = String.fromCharCode(97 + (i % 26)).repeat(len);
          w.bulk(s);
          expected += `$${len}\r\n${s}\r\n`;
        } else if (k === 1) {
          w.integer(i);
          expected += `:${i}\r\n`;
        } else if (k === 2) {
          w.simple(`S${i}`);
          expected += `+S${i}\r\n`;
        } else if (k === 3) {
          w.ok();
          expected += '+OK\r\n';
        } else {
          const out = w.take();
          handed.push([out, expected]);
          expected = '';
        }
      }
      handed.push([w.take(), expected]);
      for (let i = 0; i < handed.length; i++) {
        const [b, s] = handed[i];
        assert.equal(b.toString('latin1'), s, `initial ${initial}: piece ${i} changed after later writes`);
      }
    }
  });

  it('take() right at the recycling threshold keeps the earlier view', () => {
    const w = new ReplyWriter(1024);
    const s = 'x'.repeat(1024 - 512 - 7); // leaves just under 512 bytes free after "$<n>\r\n...\r\n"
    w.bulk(s);
    const first = w.take();
    const copy = Buffer.from(first);
    for (let i = 0; i < 200; i++) w.bulk('y'.repeat(50));
    w.take();
    assert.ok(first.equals(copy));
  });

  it('does not keep a buffer grown for one huge reply once it has been taken', () => {
    const w = new ReplyWriter(64 * 1024);
    w.bulk(Buffer.alloc(20 * 1024 * 1024, 0x61)); // grows the buffer to ~40 MB
    const big = w.take();
    assert.equal(big.length, 20 * 1024 * 1024 + 13);
    assert.ok(w.buf.length <= 4 * 1024 * 1024, `writer still holds a ${w.buf.length}-byte buffer`);
    // ... and stays usable, at its initial size.
    w.ok();
    assert.equal(w.take().toString(), '+OK\r\n');
    assert.equal(big[0], 0x24);
    for (let i = 0; i < 100; i++) w.integer(i);
    w.take();
    assert.ok(w.buf.length <= 4 * 1024 * 1024);
  });
});
