// Packer / Unpacker: the byte layout values use to cross shards (their ValueKind serialize/deserialize): unsigned
// 32-bit lengths, doubles, 64-bit integers and byte strings, little-endian, back to back.
// Invariants: an Unpacker reads fields in exactly the order a Packer wrote them; strings are latin1
// (one char per byte), so any bytes round-trip.

export class Packer {
  private buf = Buffer.allocUnsafe(256);
  private len = 0;

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  u8(v: number): this {
    this.room(1);
    this.buf[this.len++] = v;
    return this;
  }

  u32(v: number): this {
    this.room(4);
    this.buf.writeUInt32LE(v, this.len);
    this.len += 4;
    return this;
  }

  f64(v: number): this {
    this.room(8);
    this.buf.writeDoubleLE(v, this.len);
    this.len += 8;
    return this;
  }

  i64(v: bigint): this {
    this.room(8);
    this.buf.writeBigInt64LE(v, this.len);
    this.len += 8;
    return this;
  }

  /** A length-prefixed byte string (a latin1 string or bytes). */
  str(s: string | Buffer): this {
    const n = s.length;
    this.u32(n);
    this.room(n);
    if (typeof s === 'string') this.len += this.buf.latin1Write(s, this.len);
    else {
      s.copy(this.buf, this.len);
      this.len += n;
    }
    return this;
  }

  done(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}

export class Unpacker {
  private readonly b: Buffer;
  private at = 0;

  constructor(b: Buffer) {
    this.b = b;
  }

  u8(): number {
    return this.b[this.at++];
  }

  u32(): number {
    const v = this.b.readUInt32LE(this.at);
    this.at += 4;
    return v;
  }

  f64(): number {
    const v = this.b.readDoubleLE(this.at);
    this.at += 8;
    return v;
  }

  i64(): bigint {
    const v = this.b.readBigInt64LE(this.at);
    this.at += 8;
    return v;
  }

  /** A string written by Packer.str, as a latin1 string. */
  str(): string {
    const n = this.u32();
    const s = this.b.latin1Slice(this.at, this.at + n);
    this.at += n;
    return s;
  }

  /** A string written by Packer.str, as a copy of its bytes. */
  bytes(): Buffer {
    const n = this.u32();
    const s = Buffer.from(this.b.subarray(this.at, this.at + n));
    this.at += n;
    return s;
  }
}
