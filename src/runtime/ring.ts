// ByteRing: a single-producer/single-consumer byte stream in a SharedArrayBuffer.
// Invariants: only the producer thread advances `tail`, only the consumer advances `head`; both are
// uint32 byte counters that wrap (used = tail - head mod 2^32 <= capacity). Capacity is a power of two.
// A frame may straddle the wrap point and even be larger than the ring: the producer writes what
// fits and raises `WANT_SPACE`; the consumer copies bytes out and, seeing the flag, wakes the producer.

const HEAD = 0;
const TAIL = 1;
const WANT_SPACE = 2;
const CTRL_BYTES = 64; // keep head/tail on their own cache line-ish region

export class ByteRing {
  readonly sab: SharedArrayBuffer;
  private readonly ctrl: Int32Array;
  private readonly data: Uint8Array;
  private readonly mask: number;
  readonly capacity: number;

  constructor(sab: SharedArrayBuffer) {
    this.sab = sab;
    this.ctrl = new Int32Array(sab, 0, 4);
    this.capacity = sab.byteLength - CTRL_BYTES;
    this.data = new Uint8Array(sab, CTRL_BYTES, this.capacity);
    this.mask = this.capacity - 1;
  }

  static allocate(capacity: number): SharedArrayBuffer {
    if ((capacity & (capacity - 1)) !== 0) throw new Error('ring capacity must be a power of two');
    return new SharedArrayBuffer(CTRL_BYTES + capacity);
  }

  /** Producer: copies as much of src[from, to) as fits; returns the number of bytes written. */
  write(src: Uint8Array, from: number, to: number): number {
    const head = Atomics.load(this.ctrl, HEAD);
    const tail = this.ctrl[TAIL];
    const free = this.capacity - ((tail - head) >>> 0);
    const n = Math.min(free, to - from);
    if (n <= 0) return 0;
    const at = tail & this.mask;
    const first = Math.min(n, this.capacity - at);
    this.data.set(src.subarray(from, from + first), at);
    if (first < n) this.data.set(src.subarray(from + first, from + n), 0);
    Atomics.store(this.ctrl, TAIL, (tail + n) | 0);
    return n;
  }

  /** Producer: asks the consumer to wake us when it frees space. */
  wantSpace(): void {
    Atomics.store(this.ctrl, WANT_SPACE, 1);
  }

  /** Consumer: true when bytes are waiting (a cheap check, no copy). */
  hasData(): boolean {
    return Atomics.load(this.ctrl, TAIL) !== this.ctrl[HEAD];
  }

  /** Consumer: copies every available byte into a new Buffer (null if none). */
  read(): Buffer | null {
    const tail = Atomics.load(this.ctrl, TAIL);
    const head = this.ctrl[HEAD];
    const n = (tail - head) >>> 0;
    if (n === 0) return null;
    const out = Buffer.allocUnsafe(n);
    const at = head & this.mask;
    const first = Math.min(n, this.capacity - at);
    out.set(this.data.subarray(at, at + first), 0);
    if (first < n) out.set(this.data.subarray(0, n - first), first);
    Atomics.store(this.ctrl, HEAD, (head + n) | 0);
    return out;
  }

  /** Consumer: true (and clears the flag) when the producer is waiting for space. */
  takeSpaceRequest(): boolean {
    if (Atomics.load(this.ctrl, WANT_SPACE) === 0) return false;
    Atomics.store(this.ctrl, WANT_SPACE, 0);
    return true;
  }
}
