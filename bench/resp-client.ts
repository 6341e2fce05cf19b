// A minimal RESP2 client for the benchmarks: one command at a time with its reply (for latency), and
// a pipelined loader that keeps a window of commands in flight over one raw socket (for filling a
// server fast). Replies are scanned, not decoded, except what the caller asks for.
// Invariants: replies are matched to commands in order; the loader never has more than `window`
// (+ one oversized batch) commands unanswered; an error reply is counted and the first one kept, never thrown mid-load.

import { connect, type Socket } from 'node:net';
import { HOST } from './servers.ts';

/** RESP encoding of one command. */
export function encode(args: (string | number)[]): Buffer {
  let s = `*${args.length}\r\n`;
  for (const a of args) {
    const t = String(a);
    s += `$${Buffer.byteLength(t)}\r\n${t}\r\n`;
  }
  return Buffer.from(s);
}

/** End offset of the complete RESP2 reply starting at `pos`, or -1 if incomplete. */
export function replyEnd(buf: Buffer, pos: number): number {
  let need = 1;
  let at = pos;
  while (need > 0) {
    if (at >= buf.length) return -1;
    const cr = buf.indexOf(13, at);
    if (cr < 0 || cr + 1 >= buf.length) return -1;
    const type = buf[at];
    need--;
    if (type === 0x24) {
      // $len
      const n = Number(buf.toString('latin1', at + 1, cr));
      at = n < 0 ? cr + 2 : cr + 2 + n + 2;
      if (at > buf.length) return -1;
    } else if (type === 0x2a) {
      // *count
      const n = Number(buf.toString('latin1', at + 1, cr));
      if (n > 0) need += n;
      at = cr + 2;
    } else {
      at = cr + 2; // + - :
    }
  }
  return at;
}

/** Several commands already encoded back to back (counts as `commands` against the window). */
export interface CommandBatch {
  data: Buffer;
  commands: number;
}

export interface LoadResult {
  commands: number;
  errors: number;
  firstError: string | null;
  seconds: number;
}

export class RespConn {
  private readonly sock: Socket;
  private buf: Buffer = Buffer.alloc(0);
  private wake: (() => void) | null = null;
  private failure: Error | null = null;

  private constructor(sock: Socket) {
    this.sock = sock;
    sock.on('data', (d: Buffer) => {
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
      this.notify();
    });
    sock.on('error', (e) => {
      this.failure = e;
      this.notify();
    });
    sock.on('close', () => {
      this.failure ??= new Error('connection closed');
      this.notify();
    });
  }

  static connect(port: number): Promise<RespConn> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: HOST, port });
      s.setNoDelay(true);
      s.once('error', reject);
      s.once('connect', () => {
        s.off('error', reject);
        resolve(new RespConn(s));
      });
    });
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private waitData(): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise((resolve) => (this.wake = resolve));
  }

  /** Takes complete replies off the buffer; calls `each` with each one's first byte and text (if wanted). */
  private take(max: number, each: (reply: Buffer) => void): number {
    let at = 0;
    let n = 0;
    while (n < max) {
      const end = replyEnd(this.buf, at);
      if (end < 0) break;
      each(this.buf.subarray(at, end));
      at = end;
      n++;
    }
    this.buf = this.buf.subarray(at);
    return n;
  }

  /** Sends one command and returns its raw reply. */
  async call(args: (string | number)[]): Promise<Buffer> {
    this.sock.write(encode(args));
    let reply: Buffer | null = null;
    while (this.take(1, (r) => (reply = Buffer.from(r))) === 0) await this.waitData();
    return reply!;
  }

  /** Sends the commands in one write and calls `each` with every reply in order (a view into the receive buffer: copy what you keep). */
  async pipeline(commands: Buffer[], each: (reply: Buffer, i: number) => void): Promise<void> {
    this.sock.write(commands.length === 1 ? commands[0] : Buffer.concat(commands));
    let i = 0;
    while (i < commands.length) {
      if (this.take(commands.length - i, (r) => each(r, i++)) === 0) await this.waitData();
    }
  }

  /**
   * Sends every command, at most `window` unanswered at a time (`batch` more if a CommandBatch is
   * bigger than `batch`), and waits for all replies. Items are single commands or CommandBatches.
   */
  async load(commands: Iterable<Buffer | CommandBatch>, window = 4096, batch = 256): Promise<LoadResult> {
    const t0 = process.hrtime.bigint();
    let sent = 0;
    let answered = 0;
    let errors = 0;
    let firstError: string | null = null;
    const onReply = (r: Buffer): void => {
      if (r[0] === 0x2d) {
        errors++;
        firstError ??= r.toString('latin1').trim();
      }
    };
    const it = commands[Symbol.iterator]();
    let done = false;
    while (!done || answered < sent) {
      // Top the window up in batches (one write per batch).
      while (!done && sent - answered + batch <= window) {
        const parts: Buffer[] = [];
        let count = 0;
        while (count < batch) {
          const r = it.next();
          if (r.done === true) {
            done = true;
            break;
          }
          if (Buffer.isBuffer(r.value)) {
            parts.push(r.value);
            count++;
          } else {
            parts.push(r.value.data);
            count += r.value.commands;
          }
        }
        if (parts.length > 0) {
          this.sock.write(parts.length === 1 ? parts[0] : Buffer.concat(parts));
          sent += count;
        }
      }
      if (answered < sent) {
        const got = this.take(sent - answered, onReply);
        answered += got;
        if (got === 0) await this.waitData();
      }
    }
    return { commands: sent, errors, firstError, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
  }

  close(): void {
    this.sock.destroy();
  }
}

/** The fields of `INFO <section>` (name -> value; section headers and blank lines skipped). */
export async function infoFields(c: RespConn, section: string): Promise<Map<string, string>> {
  const reply = await c.call(['INFO', section]);
  if (reply[0] !== 0x24) throw new Error(`INFO ${section}: ${reply.toString('latin1').trim()}`);
  const fields = new Map<string, string>();
  for (const line of reply.toString('latin1', reply.indexOf(10) + 1).split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

/** `used_memory` from INFO memory (Redis: allocator bytes; Damselfly: the shard threads' V8 heaps); NaN if absent. */
export async function usedMemory(c: RespConn): Promise<number> {
  const v = (await infoFields(c, 'memory')).get('used_memory');
  return v === undefined ? NaN : Number(v);
}
