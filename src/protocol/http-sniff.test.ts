import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { REQUEST_LINE_MAX, SNIFF_HTTP, SNIFF_MORE, SNIFF_RESP, sniffHttp } from './http-sniff.ts';

const sniff = (s: string | Buffer): number => sniffHttp(typeof s === 'string' ? Buffer.from(s, 'latin1') : s);

describe('sniffHttp', () => {
  it('takes a whole HTTP/1.x request line, cut anywhere before its end', () => {
    for (const line of ['GET / HTTP/1.1\r\n', 'HEAD /metrics HTTP/1.0\n', 'POST /x?a=1 HTTP/1.1\r\nHost: a\r\n\r\n']) {
      assert.equal(sniff(line), SNIFF_HTTP, line);
      const end = line.indexOf('\n');
      for (let cut = 1; cut <= end; cut++) assert.equal(sniff(line.slice(0, cut)), SNIFF_MORE, JSON.stringify(line.slice(0, cut)));
    }
  });

  it('leaves every Redis command to RESP', () => {
    for (const s of ['*1\r\n$4\r\nPING\r\n', 'PING\r\n', 'GET key\r\n', 'GET a b\r\n', 'get / HTTP/1.1\r\n', 'GET / HTTP/2\r\n', 'GET / HTTP/1.1 x\r\n', 'GET  / HTTP/1.1\r\n', 'SET k v\r\n', 'GETX / HTTP/1.1\r\n', 'GET / HTTP/1.10\r\n', '\r\n', 'G\r\n']) {
      assert.equal(sniff(s), SNIFF_RESP, JSON.stringify(s));
    }
    assert.equal(sniff('*'), SNIFF_RESP);
    assert.equal(sniff('S'), SNIFF_RESP);
  });

  it('stops waiting at REQUEST_LINE_MAX bytes', () => {
    assert.equal(sniff('GET /' + 'a'.repeat(REQUEST_LINE_MAX)), SNIFF_RESP);
    assert.equal(sniff('GET /' + 'a'.repeat(REQUEST_LINE_MAX - 10)), SNIFF_MORE);
  });
});
