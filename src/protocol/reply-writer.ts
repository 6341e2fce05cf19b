// ReplyWriter: encodes RESP2/RESP3 replies into one growable byte buffer.
// Invariants: bytes handed out by take() are never overwritten (writing continues after them, or in a
// new buffer), so a caller may pass them to socket.write without copying. `resp` selects the encoding
// of the types that differ between RESP2 and RESP3 (null, map, set, double, boolean, verbatim, push).

const MIN_CHUNK = 16 * 1024;
/** A buffer grown beyond this (for a huge reply) is dropped once taken, not kept for good. */
const MAX_KEEP = 4 * 1024 * 1024;

export class ReplyWriter {
  buf: Buffer;
  /** Start of the bytes not yet taken. */
  start = 0;
  /** End of the written bytes. */
  len = 0;
  resp: 2 | 3 = 2;
  private readonly initial: number;

  constructor(size = MIN_CHUNK) {
    this.initial = size;
    this.buf = Buffer.allocUnsafe(size);
  }

  /** Bytes written since the last take(). */
  get pending(): number {
    return this.len - this.start;
  }

  /** Makes room for n more bytes, keeping the untaken region. */
  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const keep = this.len - this.start;
    const size = Math.max(MIN_CHUNK, (keep + n) * 2);
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, this.start, this.len);
    this.buf = next;
    this.start = 0;
    this.len = keep;
  }

  /** Returns the bytes written since the last take() (a view, not a copy). */
  take(): Buffer {
    const out = this.buf.subarray(this.start, this.len);
    this.start = this.len;
    if (this.buf.length > MAX_KEEP) {
      // Grown for a huge reply: start over small rather than pin (and later re-allocate) that size.
      this.buf = Buffer.allocUnsafe(Math.max(MIN_CHUNK, this.initial));
      this.start = this.len = 0;
    } else if (this.buf.length - this.len < 512) {
      this.buf = Buffer.allocUnsafe(Math.max(MIN_CHUNK, this.buf.length));
      this.start = this.len = 0;
    }
    return out;
  }

  /**
   * A position in the untaken bytes that stays valid when the buffer grows (ensure() moves the
   * untaken region); use with truncate() and at().
   */
  mark(): number {
    return this.len - this.start;
  }

  /** Drops the bytes written since `mark` (used to discard a reply). */
  truncate(mark: number): void {
    this.len = this.start + mark;
  }

  /** Absolute index in `buf` of a mark. */
  at(mark: number): number {
    return this.start + mark;
  }

  raw(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  /** Appends an ASCII/latin1 string as-is. */
  ascii(s: string): void {
    this.ensure(s.length);
    this.len += this.buf.latin1Write(s, this.len);
  }

  private crlf(): void {
    // Two stores: writeUInt16LE checks its arguments on every call (measurable per element of a huge reply).
    const buf = this.buf;
    buf[this.len] = 0x0d;
    buf[this.len + 1] = 0x0a;
    this.len += 2;
  }

  /** Writes `prefix` + decimal n + CRLF. n must be an integer. */
  private line(prefix: number, n: number): void {
    this.ensure(24);
    const buf = this.buf;
    buf[this.len++] = prefix;
    if (n >= 0 && n < 10) {
      buf[this.len++] = 48 + n;
    } else if (n >= 10 && n < 100) {
      // Two digits (an element's length, mostly) without making a string.
      const tens = (n / 10) | 0;
      buf[this.len++] = 48 + tens;
      buf[this.len++] = 48 + n - tens * 10;
    } else if (Number.isSafeInteger(n)) {
      this.len += buf.latin1Write(String(n), this.len);
    } else {
      this.len += buf.latin1Write(BigInt(n).toString(), this.len);
    }
    buf[this.len] = 0x0d;
    buf[this.len + 1] = 0x0a;
    this.len += 2;
  }

  simple(s: string): void {
    this.ensure(s.length + 3);
    this.buf[this.len++] = 0x2b; // +
    this.len += this.buf.latin1Write(s, this.len);
    this.crlf();
  }

  /** An error reply; `msg` carries its code ("ERR ...", "WRONGTYPE ..."). CR/LF become spaces. */
  error(msg: string): void {
    if (msg.indexOf('\r') >= 0 || msg.indexOf('\n') >= 0) msg = msg.replace(/[\r\n]/g, ' ');
    this.ensure(msg.length + 3);
    this.buf[this.len++] = 0x2d; // -
    this.len += this.buf.latin1Write(msg, this.len);
    this.crlf();
  }

  integer(n: number | bigint): void {
    if (typeof n === 'bigint') {
      const s = n.toString();
      this.ensure(s.length + 3);
      this.buf[this.len++] = 0x3a;
      this.len += this.buf.latin1Write(s, this.len);
      this.crlf();
    } else {
      this.line(0x3a, n);
    }
  }

  /** A bulk string from bytes, or from a latin1 string (one char per byte). */
  bulk(v: Buffer | string): void {
    const n = v.length;
    this.line(0x24, n);
    this.ensure(n + 2);
    if (typeof v === 'string') {
      // A short string char by char (a call into the runtime per field of a huge hash adds up).
      if (n <= 32) {
        const buf = this.buf;
        const at = this.len;
        for (let i = 0; i < n; i++) buf[at + i] = v.charCodeAt(i);
        this.len += n;
      } else this.len += this.buf.latin1Write(v, this.len);
    } else {
      this.buf.set(v, this.len);
      this.len += n;
    }
    this.crlf();
  }

  /**
   * A bulk string of `len` bytes of `src` from `off` — an element inside a stored value, copied
   * without making a view of it (a reply of a million elements makes no million Buffers).
   */
  bulkFrom(src: Uint8Array, off: number, len: number): void {
    if (len >= 100) {
      this.line(0x24, len);
      this.ensure(len + 2);
      this.buf.set(src.subarray(off, off + len), this.len);
      this.len += len;
      this.crlf();
      return;
    }
    // Short elements (the usual case): one room check, the header and bytes copied in place.
    if (this.len + len + 7 > this.buf.length) this.ensure(len + 7);
    const buf = this.buf;
    let at = this.len;
    buf[at++] = 0x24;
    if (len >= 10) {
      const tens = (len / 10) | 0;
      buf[at++] = 48 + tens;
      buf[at++] = 48 + len - tens * 10;
    } else buf[at++] = 48 + len;
    buf[at++] = 0x0d;
    buf[at++] = 0x0a;
    for (let i = 0; i < len; i++) buf[at++] = src[off + i];
    buf[at++] = 0x0d;
    buf[at++] = 0x0a;
    this.len = at;
  }

  /** A bulk string of a decimal number (e.g. a formatted integer). */
  bulkNumber(n: number | bigint): void {
    this.bulk(typeof n === 'bigint' ? n.toString() : String(n));
  }

  nullBulk(): void {
    this.ensure(5);
    if (this.resp === 3) this.len += this.buf.latin1Write('_\r\n', this.len);
    else this.len += this.buf.latin1Write('$-1\r\n', this.len);
  }

  nullArray(): void {
    this.ensure(5);
    if (this.resp === 3) this.len += this.buf.latin1Write('_\r\n', this.len);
    else this.len += this.buf.latin1Write('*-1\r\n', this.len);
  }

  array(n: number): void {
    this.line(0x2a, n);
  }

  /** A map of n pairs (RESP2: a flat array of 2n). */
  map(n: number): void {
    if (this.resp === 3) this.line(0x25, n);
    else this.line(0x2a, n * 2);
  }

  set(n: number): void {
    this.line(this.resp === 3 ? 0x7e : 0x2a, n);
  }

  push(n: number): void {
    this.line(this.resp === 3 ? 0x3e : 0x2a, n);
  }

  /** A double already formatted the way Redis prints it. RESP2: bulk string. */
  double(text: string): void {
    if (this.resp === 3) {
      this.ensure(text.length + 3);
      this.buf[this.len++] = 0x2c;
      this.len += this.buf.latin1Write(text, this.len);
      this.crlf();
    } else {
      this.bulk(text);
    }
  }

  bool(b: boolean): void {
    if (this.resp === 3) this.ascii(b ? '#t\r\n' : '#f\r\n');
    else this.ascii(b ? ':1\r\n' : ':0\r\n');
  }

  /** Verbatim string (RESP3 "=", format "txt"); RESP2: a bulk string. */
  verbatim(text: string): void {
    if (this.resp === 3) {
      const n = Buffer.byteLength(text, 'latin1') + 4;
      this.line(0x3d, n);
      this.ascii('txt:');
      this.ensure(n + 2);
      this.len += this.buf.latin1Write(text, this.len);
      this.crlf();
    } else {
      this.bulk(text);
    }
  }

  /** Frequently used fixed replies. */
  ok(): void {
    this.ascii('+OK\r\n');
  }
}
