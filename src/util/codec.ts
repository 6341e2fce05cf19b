// Binary codecs for what crosses threads besides client commands: the arguments and results of shard
// operations and the transaction control frames. A BinWriter appends to a growable buffer it reuses;
// a BinReader reads the same layout back (little-endian; byte strings as u32 length + bytes).
// Invariants: for every codec c and value v, c.read(reader over c.write(v)) equals v; readers return
// views of the buffer they read (copy what outlives it); nothing here allocates a string unless the
// codec is for strings.

export class BinWriter {
  buf: Buffer;
  len = 0;

  constructor(size = 256) {
    this.buf = Buffer.allocUnsafe(size);
  }

  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  reset(): this {
    this.len = 0;
    return this;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.len++] = v;
  }

  u16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16LE(v, this.len);
    this.len += 2;
  }

  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v, this.len);
    this.len += 4;
  }

  /** Any JS number (integers up to 2^53 exactly, doubles, NaN and infinities). */
  f64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.len);
    this.len += 8;
  }

  i64(v: bigint): void {
    this.ensure(8);
    this.buf.writeBigInt64LE(v, this.len);
    this.len += 8;
  }

  bytes(b: Uint8Array): void {
    this.ensure(4 + b.length);
    this.buf.writeUInt32LE(b.length, this.len);
    this.buf.set(b, this.len + 4);
    this.len += 4 + b.length;
  }

  /** A string of code units 0-255 (keys and texts held as latin1 strings). */
  latin1(s: string): void {
    this.ensure(4 + s.length);
    this.buf.writeUInt32LE(s.length, this.len);
    this.buf.latin1Write(s, this.len + 4);
    this.len += 4 + s.length;
  }

  /** A copy of what was written (the writer's buffer is reused). */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.len);
    this.buf.copy(out, 0, 0, this.len);
    this.len = 0;
    return out;
  }
}

export class BinReader {
  buf: Buffer;
  at: number;

  constructor(buf: Buffer, at = 0) {
    this.buf = buf;
    this.at = at;
  }

  get done(): boolean {
    return this.at >= this.buf.length;
  }

  u8(): number {
    return this.buf[this.at++];
  }

  u16(): number {
    const v = this.buf.readUInt16LE(this.at);
    this.at += 2;
    return v;
  }

  u32(): number {
    const v = this.buf.readUInt32LE(this.at);
    this.at += 4;
    return v;
  }

  f64(): number {
    const v = this.buf.readDoubleLE(this.at);
    this.at += 8;
    return v;
  }

  i64(): bigint {
    const v = this.buf.readBigInt64LE(this.at);
    this.at += 8;
    return v;
  }

  /** A view of the next byte string. */
  bytes(): Buffer {
    const n = this.buf.readUInt32LE(this.at);
    const v = this.buf.subarray(this.at + 4, this.at + 4 + n);
    this.at += 4 + n;
    return v;
  }

  latin1(): string {
    const n = this.buf.readUInt32LE(this.at);
    const v = this.buf.latin1Slice(this.at + 4, this.at + 4 + n);
    this.at += 4 + n;
    return v;
  }
}

/** How a value of type T is written and read back. */
export interface Codec<T> {
  write(w: BinWriter, v: T): void;
  read(r: BinReader): T;
}

export const none: Codec<null> = { write() {}, read: () => null };
export const num: Codec<number> = { write: (w, v) => w.f64(v), read: (r) => r.f64() };
export const u32: Codec<number> = { write: (w, v) => w.u32(v), read: (r) => r.u32() };
export const bool: Codec<boolean> = { write: (w, v) => w.u8(v ? 1 : 0), read: (r) => r.u8() === 1 };
export const bytes: Codec<Buffer> = { write: (w, v) => w.bytes(v), read: (r) => r.bytes() };
export const latin1: Codec<string> = { write: (w, v) => w.latin1(v), read: (r) => r.latin1() };
/** Text in UTF-8 (log lines, CLIENT LIST output, JSON). */
export const text: Codec<string> = {
  write: (w, v) => w.bytes(Buffer.from(v, 'utf8')),
  read: (r) => r.bytes().toString('utf8'),
};

/** A JSON-shaped value (snapshots and settings: small, structured, not on a hot path). */
export function json<T>(): Codec<T> {
  return {
    write: (w, v) => text.write(w, JSON.stringify(v)),
    read: (r) => JSON.parse(text.read(r)) as T,
  };
}

export function list<T>(c: Codec<T>): Codec<T[]> {
  return {
    write(w, v) {
      w.u32(v.length);
      for (const x of v) c.write(w, x);
    },
    read(r) {
      const n = r.u32();
      const out: T[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = c.read(r);
      return out;
    },
  };
}

export const bytesList: Codec<Buffer[]> = list(bytes);

export function nullable<T>(c: Codec<T>): Codec<T | null> {
  return {
    write(w, v) {
      if (v === null) return w.u8(0);
      w.u8(1);
      c.write(w, v);
    },
    read: (r) => (r.u8() === 0 ? null : c.read(r)),
  };
}

type Codecs<T extends unknown[]> = { [K in keyof T]: Codec<T[K]> };

/** A fixed tuple of values, each with its own codec. */
export function tuple<T extends unknown[]>(...cs: Codecs<T>): Codec<T> {
  return {
    write(w, v) {
      for (let i = 0; i < cs.length; i++) cs[i].write(w, v[i]);
    },
    read(r) {
      const out = new Array(cs.length);
      for (let i = 0; i < cs.length; i++) out[i] = cs[i].read(r);
      return out as T;
    },
  };
}

/** Scored members of a sorted set, in order: scores as exact doubles (-0, NaN and infinities kept). */
export interface ScoredMembers {
  scores: number[];
  /** Members as latin1 strings (how the engine holds them). */
  members: string[];
}

export const scoredMembers: Codec<ScoredMembers> = {
  write(w, v) {
    const n = v.members.length;
    w.u32(n);
    for (let i = 0; i < n; i++) {
      w.f64(v.scores[i]);
      w.latin1(v.members[i]);
    }
  },
  read(r) {
    const n = r.u32();
    const scores: number[] = new Array(n);
    const members: string[] = new Array(n);
    for (let i = 0; i < n; i++) {
      scores[i] = r.f64();
      members[i] = r.latin1();
    }
    return { scores, members };
  },
};

/**
 * Byte strings packed in one buffer — u32 count, then each as u32 length + bytes (list(latin1)'s layout) —
 * so a thread can relay them (or copy some of them) without making a string of each.
 */
export class PackedLatin1 {
  readonly buf: Buffer;

  constructor(buf: Buffer) {
    this.buf = buf;
  }

  /** Packs n strings given by at(i) (a copy: the writer is reused). */
  static of(n: number, at: (i: number) => string, w: BinWriter): PackedLatin1 {
    w.reset();
    w.u32(n);
    for (let i = 0; i < n; i++) w.latin1(at(i));
    return new PackedLatin1(w.take());
  }

  get count(): number {
    return this.buf.readUInt32LE(0);
  }

  /** Calls fn with each string in order. */
  forEach(fn: (s: string) => void): void {
    const b = this.buf;
    const n = b.readUInt32LE(0);
    let at = 4;
    for (let i = 0; i < n; i++) {
      const len = b.readUInt32LE(at);
      fn(b.latin1Slice(at + 4, at + 4 + len));
      at += 4 + len;
    }
  }

  /** The strings for which keep(s) is true, packed (the same buffer when all are kept). */
  filter(keep: (s: string) => boolean, w: BinWriter): PackedLatin1 {
    const b = this.buf;
    const n = b.readUInt32LE(0);
    w.reset();
    w.u32(0);
    let kept = 0;
    let at = 4;
    for (let i = 0; i < n; i++) {
      const len = b.readUInt32LE(at);
      const end = at + 4 + len;
      if (keep(b.latin1Slice(at + 4, end))) {
        w.ensure(end - at);
        b.copy(w.buf, w.len, at, end);
        w.len += end - at;
        kept++;
      }
      at = end;
    }
    if (kept === n) {
      w.reset();
      return this;
    }
    w.buf.writeUInt32LE(kept, 0);
    return new PackedLatin1(w.take());
  }
}

/** Packed strings crossing threads (read back as a copy: they are relayed after the ring moved on). */
export const packedLatin1: Codec<PackedLatin1> = {
  write: (w, v) => {
    w.ensure(4 + v.buf.length);
    w.buf.writeUInt32LE(v.buf.length, w.len);
    v.buf.copy(w.buf, w.len + 4);
    w.len += 4 + v.buf.length;
  },
  read: (r) => new PackedLatin1(Buffer.from(r.bytes())),
};
