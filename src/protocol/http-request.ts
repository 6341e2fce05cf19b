// HTTP/1.x request reader: splits a connection's bytes into requests (request line, headers, a body
// of Content-Length bytes, which is skipped). Enough HTTP for a metrics scraper and a browser.
// Invariants: requests come out in the order sent; a head longer than HEAD_MAX, a malformed head or a
// chunked body is an error (`error` set, nothing more is read); bodies are never kept; the bytes
// waiting (`buffered`) are the reader's user's to bound (it stops reading its socket past HEAD_MAX).

export interface HttpRequest {
  method: string;
  /** The path, without the query. */
  path: string;
  /** The query's parameters (decoded). */
  query: URLSearchParams;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  minor: number;
  /** Header names in lower case; a repeated header keeps its last value. */
  headers: Map<string, string>;
  /** Whether the connection stays open after the response (HTTP/1.1 unless `Connection: close`; 1.0 only with keep-alive). */
  keepAlive: boolean;
}

/** The longest request head (request line and headers) accepted. */
export const HEAD_MAX = 16 * 1024;

const REQUEST_LINE = /^([A-Z]+) (\S+) HTTP\/1\.([01])$/;

export class HttpRequestReader {
  private buf: Buffer = Buffer.alloc(0);
  /** Body bytes of the last request still to skip. */
  private skip = 0;
  /** Why the input cannot be read further (a status code and its reason), or null. */
  error: { status: number; reason: string } | null = null;

  /** Bytes received and not yet taken by next(): pipelined requests waiting their turn. */
  get buffered(): number {
    return this.buf.length;
  }

  feed(chunk: Buffer): void {
    if (this.error !== null) return;
    if (this.skip > 0) {
      const n = Math.min(this.skip, chunk.length);
      this.skip -= n;
      chunk = chunk.subarray(n);
    }
    if (chunk.length > 0) this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
  }

  /** The next complete request, or null (more bytes needed, or `error`). */
  next(): HttpRequest | null {
    if (this.error !== null || this.skip > 0) return null;
    const end = this.buf.indexOf('\r\n\r\n');
    if (end < 0) {
      if (this.buf.length > HEAD_MAX) this.error = { status: 431, reason: 'Request Header Fields Too Large' };
      return null;
    }
    const lines = this.buf.toString('latin1', 0, end).split('\r\n');
    this.buf = this.buf.subarray(end + 4);
    const m = REQUEST_LINE.exec(lines[0]);
    if (m === null) {
      this.error = { status: 400, reason: 'Bad Request' };
      return null;
    }
    const headers = new Map<string, string>();
    for (let i = 1; i < lines.length; i++) {
      const colon = lines[i].indexOf(':');
      if (colon <= 0) {
        this.error = { status: 400, reason: 'Bad Request' };
        return null;
      }
      headers.set(lines[i].slice(0, colon).trim().toLowerCase(), lines[i].slice(colon + 1).trim());
    }
    if ((headers.get('transfer-encoding') ?? '') !== '') {
      this.error = { status: 501, reason: 'Not Implemented' };
      return null;
    }
    const length = Number(headers.get('content-length') ?? '0');
    if (!Number.isSafeInteger(length) || length < 0) {
      this.error = { status: 400, reason: 'Bad Request' };
      return null;
    }
    const inBuf = Math.min(length, this.buf.length);
    this.buf = this.buf.subarray(inBuf);
    this.skip = length - inBuf;
    const target = m[2];
    const q = target.indexOf('?');
    const minor = Number(m[3]);
    const conn = (headers.get('connection') ?? '').toLowerCase();
    return {
      method: m[1],
      path: q < 0 ? target : target.slice(0, q),
      query: new URLSearchParams(q < 0 ? '' : target.slice(q + 1)),
      minor,
      headers,
      keepAlive: minor === 1 ? conn !== 'close' : conn === 'keep-alive',
    };
  }
}
