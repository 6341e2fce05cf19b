// RequestParser: turns the bytes a client sends into commands (arrays of argument Buffers), both RESP
// multibulk and inline (telnet) requests, with Redis's exact protocol errors and limits.
// Invariants: no I/O, no imports from the server; any split of the input stream yields the same
// commands; arguments are views of received bytes (or of a big bulk's own buffer). Memory follows the
// bytes received, never a header's claim: a big bulk's buffer starts at most BIG_FIRST bytes and
// grows geometrically with the data; a multibulk of more than COMPACT_ARGS arguments is assembled
// compactly (its bytes copied into one growing arena, their ends in a typed array) and turned into
// Buffers only once `screen` has accepted its name and count. After an error, `error` is set and no
// further command is returned. `memory` is an estimate of everything the parser holds.

const INLINE_MAX = 64 * 1024; // PROTO_INLINE_MAX_SIZE
const BIG_ARG = 32 * 1024; // PROTO_MBULK_BIG_ARG: bulks from this size get their own buffer
const INT_MAX = 2147483647;
/** First allocation for a big bulk, whatever its header claims; it then doubles as data arrives. */
const BIG_FIRST = 1024 * 1024;
/** A multibulk with more arguments than this is assembled in the compact form. */
export const COMPACT_ARGS = 1024;
/** Heap cost of one parsed argument beyond its bytes: a Buffer view and its array slot (measured: 112 B). */
export const ARG_OVERHEAD = 112;
/** Arguments handed to `screen` from a compact command: enough for any error text that names them. */
const SCREEN_HEAD = 64;

/**
 * Decides whether a compact (huge) command is worth materializing, from its first arguments and its
 * count; when it refuses it has answered the command itself (unknown command, arity...).
 */
export type CommandScreen = (head: Buffer[], argc: number) => boolean;

export interface ParserLimits {
  /** proto-max-bulk-len */
  maxBulkLen: number;
}

export class RequestParser {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  /** Arguments still expected by the current multibulk (0: between commands). */
  private remaining = 0;
  private args: Buffer[] = [];
  /** Length of the bulk being read (-1: reading its "$len" line). */
  private bulkLen = -1;
  /** Destination of a big bulk (value + CRLF: `bigSize` bytes), grown as bytes arrive. */
  private big: Buffer | null = null;
  private bigFilled = 0;
  private bigSize = 0;
  /** Compact assembly of a huge multibulk: argument bytes back to back, and each one's end. */
  private compact = false;
  private arena: Buffer = EMPTY;
  private arenaUsed = 0;
  private ends: Uint32Array = NO_ENDS;
  private compactArgc = 0;
  /** Set by the connection: vets a compact command before its arguments become Buffers. */
  screen: CommandScreen | null = null;

  /** Protocol error text (without "-ERR "), set once. */
  error: string | null = null;
  /** When true the client is not authenticated: Redis's tighter multibulk limits apply. */
  unauthenticated = false;

  limits: ParserLimits;

  constructor(limits: ParserLimits) {
    this.limits = limits;
  }

  /** Bytes received and not yet turned into commands (the query buffer). */
  get buffered(): number {
    return this.buf.length - this.pos + this.bigFilled;
  }

  /**
   * The read batch being processed, its parsed commands included: Redis's query buffer while one of
   * them runs (it is trimmed only once the batch is done).
   */
  get batchBytes(): number {
    return this.buf.length + this.bigFilled;
  }

  /** Room left in the query buffer's allocation (Redis's qbuf-free): the big bulk's unfilled part. */
  get free(): number {
    return this.big === null ? 0 : this.big.length - this.bigFilled;
  }

  /** Estimated memory of the arguments parsed so far of the command being assembled (argv-mem). */
  get argvMemory(): number {
    if (this.compact) return this.arena.length + this.ends.byteLength;
    const args = this.args;
    let m = args.length * ARG_OVERHEAD;
    for (let i = 0; i < args.length; i++) m += args[i].length;
    return m;
  }

  /** Everything the parser holds: unparsed bytes, a big bulk's buffer, the partial command. */
  get memory(): number {
    return this.buf.length - this.pos + (this.big === null ? 0 : this.big.length) + this.argvMemory;
  }

  /** Drops everything held (the client is gone). */
  reset(): void {
    this.buf = EMPTY;
    this.pos = 0;
    this.remaining = 0;
    this.args = [];
    this.bulkLen = -1;
    this.big = null;
    this.bigFilled = 0;
    this.compact = false;
    this.arena = EMPTY;
    this.ends = NO_ENDS;
    this.arenaUsed = 0;
    this.compactArgc = 0;
  }

  feed(chunk: Buffer): void {
    if (this.big !== null) {
      // Fill the big bulk directly (growing its buffer); keep the remainder for normal parsing.
      const n = Math.min(this.bigSize - this.bigFilled, chunk.length);
      if (this.bigFilled + n > this.big.length) this.growBig(this.bigFilled + n);
      chunk.copy(this.big, this.bigFilled, 0, n);
      this.bigFilled += n;
      chunk = chunk.subarray(n);
      if (chunk.length === 0) return;
    }
    if (this.pos >= this.buf.length) {
      this.buf = chunk;
      this.pos = 0;
    } else {
      this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk]);
      this.pos = 0;
    }
  }

  /** Returns the next complete command, or null when more bytes are needed (or on error). */
  next(): Buffer[] | null {
    for (;;) {
      if (this.error !== null) return null;
      if (this.remaining === 0) {
        if (this.pos >= this.buf.length) return null;
        const first = this.buf[this.pos];
        if (first === 0x2a) {
          const r = this.readMultibulkCount();
          if (r === 0) return null; // need more
          if (r < 0) continue; // empty or non-positive count: skip
        } else {
          const cmd = this.readInline();
          if (cmd === null) return null;
          if (cmd.length === 0) continue;
          return cmd;
        }
      }
      if (!this.readBulks()) return null;
      if (this.compact) {
        const cmd = this.finishCompact();
        if (cmd === null) continue; // refused by the screen, which answered it
        return cmd;
      }
      const cmd = this.args;
      this.args = [];
      return cmd;
    }
  }

  /** Grows the big bulk's buffer to hold at least `need` bytes: doubling, never past its size. */
  private growBig(need: number): void {
    const old = this.big!;
    const next = Buffer.allocUnsafe(Math.min(this.bigSize, Math.max(need, old.length * 2)));
    old.copy(next, 0, 0, this.bigFilled);
    this.big = next;
  }

  /** Appends one argument to the compact assembly. */
  private pushCompact(src: Buffer, from: number, to: number): void {
    const len = to - from;
    if (this.arenaUsed + len > this.arena.length) {
      const next = Buffer.allocUnsafe(Math.max(this.arenaUsed + len, this.arena.length * 2, 64 * 1024));
      this.arena.copy(next, 0, 0, this.arenaUsed);
      this.arena = next;
    }
    if (this.compactArgc === this.ends.length) {
      const next = new Uint32Array(Math.max(this.ends.length * 2, COMPACT_ARGS * 2));
      next.set(this.ends);
      this.ends = next;
    }
    src.copy(this.arena, this.arenaUsed, from, to);
    this.arenaUsed += len;
    this.ends[this.compactArgc++] = this.arenaUsed;
  }

  /** A complete compact command: screened, then its arguments as views of the arena (null: refused). */
  private finishCompact(): Buffer[] | null {
    const arena = this.arena;
    const ends = this.ends;
    const argc = this.compactArgc;
    this.compact = false;
    this.arena = EMPTY;
    this.ends = NO_ENDS;
    this.arenaUsed = 0;
    this.compactArgc = 0;
    const view = (i: number): Buffer => arena.subarray(i === 0 ? 0 : ends[i - 1], ends[i]);
    if (this.screen !== null) {
      const head: Buffer[] = new Array(Math.min(argc, SCREEN_HEAD));
      for (let i = 0; i < head.length; i++) head[i] = view(i);
      if (!this.screen(head, argc)) return null;
    }
    const args: Buffer[] = new Array(argc);
    for (let i = 0; i < argc; i++) args[i] = view(i);
    return args;
  }

  private fail(msg: string): void {
    this.error = msg;
  }

  /** Index of the next CR at or after `from`, or -1. Count lines are short: scan a few bytes inline first. */
  private findCR(from: number): number {
    const buf = this.buf;
    const end = Math.min(buf.length, from + 24);
    for (let i = from; i < end; i++) if (buf[i] === 0x0d) return i;
    return end < buf.length ? buf.indexOf(0x0d, end) : -1;
  }

  /** Parses "*<n>\r\n". Returns 0 if incomplete, -1 if the command is empty, 1 when args follow. */
  private readMultibulkCount(): number {
    const buf = this.buf;
    const cr = this.findCR(this.pos);
    if (cr < 0) {
      if (buf.length - this.pos > INLINE_MAX) this.fail('Protocol error: too big mbulk count string');
      return 0;
    }
    if (cr + 1 >= buf.length) return 0; // the \n is not here yet
    const n = parseLine(buf, this.pos + 1, cr);
    if (n === null || n > INT_MAX) {
      this.fail('Protocol error: invalid multibulk length');
      return 0;
    }
    if (n > 10 && this.unauthenticated) {
      this.fail('Protocol error: unauthenticated multibulk length');
      return 0;
    }
    this.pos = cr + 2;
    if (n <= 0) return -1;
    this.remaining = n;
    this.bulkLen = -1;
    this.compact = n > COMPACT_ARGS;
    return 1;
  }

  /** Reads bulks of the current multibulk; true when all have arrived. */
  private readBulks(): boolean {
    while (this.remaining > 0) {
      if (this.big !== null) {
        if (this.bigFilled < this.bigSize) return false;
        // The buffer holds value + CRLF; Redis does not check the CRLF bytes.
        if (this.compact) this.pushCompact(this.big, 0, this.bigSize - 2);
        else this.args.push(this.big.subarray(0, this.bigSize - 2));
        this.big = null;
        this.bigFilled = 0;
        this.bulkLen = -1;
        this.remaining--;
        continue;
      }
      const buf = this.buf;
      if (this.bulkLen === -1) {
        const cr = this.findCR(this.pos);
        if (cr < 0) {
          if (buf.length - this.pos > INLINE_MAX) this.fail('Protocol error: too big bulk count string');
          return false;
        }
        if (cr + 1 >= buf.length) return false;
        if (buf[this.pos] !== 0x24) {
          this.fail(`Protocol error: expected '$', got '${String.fromCharCode(buf[this.pos])}'`);
          return false;
        }
        const n = parseLine(buf, this.pos + 1, cr);
        if (n === null || n < 0 || n > this.limits.maxBulkLen) {
          this.fail('Protocol error: invalid bulk length');
          return false;
        }
        if (n > 16384 && this.unauthenticated) {
          this.fail('Protocol error: unauthenticated bulk length');
          return false;
        }
        this.pos = cr + 2;
        this.bulkLen = n;
        if (n >= BIG_ARG && buf.length - this.pos < n + 2) {
          // Too big to wait for by concatenation: its own buffer, sized by what has arrived (not by
          // the claim) and grown as the rest comes.
          const have = buf.length - this.pos;
          this.bigSize = n + 2;
          this.big = Buffer.allocUnsafe(Math.min(n + 2, Math.max(have, BIG_FIRST)));
          buf.copy(this.big, 0, this.pos, buf.length);
          this.bigFilled = have;
          this.pos = buf.length;
          continue;
        }
      }
      const n = this.bulkLen;
      if (buf.length - this.pos < n + 2) return false;
      if (this.compact) this.pushCompact(buf, this.pos, this.pos + n);
      else this.args.push(buf.subarray(this.pos, this.pos + n));
      this.pos += n + 2;
      this.bulkLen = -1;
      this.remaining--;
    }
    return true;
  }

  /** Reads one inline command line. null: incomplete (or error). */
  private readInline(): Buffer[] | null {
    const buf = this.buf;
    let nl = buf.indexOf(0x0a, this.pos);
    // Redis finds the newline with strchr, which stops at a NUL byte: such a line never completes.
    const nul = buf.indexOf(0x00, this.pos);
    if (nul >= 0 && (nl < 0 || nul < nl)) nl = -1;
    if (nl < 0) {
      if (buf.length - this.pos > INLINE_MAX) this.fail('Protocol error: too big inline request');
      return null;
    }
    let end = nl;
    if (end > this.pos && buf[end - 1] === 0x0d) end--;
    const args = splitArgs(buf, this.pos, end);
    if (args === null) {
      this.fail('Protocol error: unbalanced quotes in request');
      return null;
    }
    this.pos = nl + 1;
    return args;
  }
}

const EMPTY = Buffer.alloc(0);
const NO_ENDS = new Uint32Array(0);

/** Parses a Redis string2ll integer in buf[from, to); null when malformed. */
function parseLine(buf: Buffer, from: number, to: number): number | null {
  const len = to - from;
  if (len <= 0 || len > 20) return null;
  let i = from;
  let neg = false;
  if (buf[i] === 0x2d) {
    neg = true;
    i++;
    if (i === to) return null;
  }
  if (len === 1 && buf[from] === 0x30) return 0;
  if (buf[i] < 0x31 || buf[i] > 0x39) return null;
  let v = 0;
  for (; i < to; i++) {
    const c = buf[i] - 0x30;
    if (c < 0 || c > 9) return null;
    v = v * 10 + c;
  }
  if (v > Number.MAX_SAFE_INTEGER) return Number.MAX_SAFE_INTEGER; // out of every limit anyway
  return neg ? -v : v;
}

function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/**
 * Redis's sdssplitargs over buf[from, to): whitespace-separated words, "double quotes" with escapes
 * (\n \r \t \b \a \\ \" \xHH) and 'single quotes' (\' only). A closing quote must be followed by a
 * space or the end. Returns null for unbalanced quotes.
 */
export function splitArgs(buf: Buffer, from: number, to: number): Buffer[] | null {
  const out: Buffer[] = [];
  let p = from;
  for (;;) {
    while (p < to && isSpace(buf[p])) p++;
    if (p >= to) return out;
    const bytes: number[] = [];
    let inq = false;
    let insq = false;
    let done = false;
    let plain = true;
    const wordStart = p;
    while (!done) {
      if (inq) {
        if (p >= to) return null;
        const c = buf[p];
        if (c === 0x5c && p + 3 < to && buf[p + 1] === 0x78 && hexVal(buf[p + 2]) >= 0 && hexVal(buf[p + 3]) >= 0) {
          bytes.push(hexVal(buf[p + 2]) * 16 + hexVal(buf[p + 3]));
          p += 3;
        } else if (c === 0x5c && p + 1 < to) {
          p++;
          const e = buf[p];
          bytes.push(e === 0x6e ? 10 : e === 0x72 ? 13 : e === 0x74 ? 9 : e === 0x62 ? 8 : e === 0x61 ? 7 : e);
        } else if (c === 0x22) {
          if (p + 1 < to && !isSpace(buf[p + 1])) return null;
          done = true;
        } else {
          bytes.push(c);
        }
      } else if (insq) {
        if (p >= to) return null;
        const c = buf[p];
        if (c === 0x5c && p + 1 < to && buf[p + 1] === 0x27) {
          p++;
          bytes.push(0x27);
        } else if (c === 0x27) {
          if (p + 1 < to && !isSpace(buf[p + 1])) return null;
          done = true;
        } else {
          bytes.push(c);
        }
      } else {
        if (p >= to) {
          done = true;
          break;
        }
        const c = buf[p];
        // Inside a word Redis ends it only at these (not at \v or \f, which it skips between words).
        if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x00) {
          done = true;
        } else if (c === 0x22) {
          inq = true;
          plain = false;
        } else if (c === 0x27) {
          insq = true;
          plain = false;
        } else {
          bytes.push(c);
        }
      }
      if (p < to) p++;
    }
    out.push(plain ? Buffer.from(buf.subarray(wordStart, wordStart + bytes.length)) : Buffer.from(bytes));
  }
}
