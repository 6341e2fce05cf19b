// The heap layout model behind each collection's memBytes() (maxmemory, INFO used_memory, MEMORY
// USAGE) — Redis's objectComputeSize idea applied to our structures, but exact for the model rather
// than sampled: each value keeps the bytes of its strings in a counter updated on every change, and
// adds its structure's share per element from these constants. The estimators live with their kinds.
// Invariants: imports nothing; a model of V8's 64-bit layout (no pointer compression in Node's builds):
// the constants below, not measurements, so a value's estimate is the same on every run; estimates
// grow with every element added and with every element's size.
// AccountedValue is how a stored collection keeps its database's MemoryAccount exact: every mutation
// ends in resized(), which adds the change of memBytes() (an O(1) figure from counters the value keeps)
// to the account it is attached to; the database attaches a value when it stores it and detaches it
// (subtracting exactly what it added) when the key goes — so an account's bytes are always the sum of
// its values' last reported figures, and 0 once they are all gone.

/** One tagged pointer (a field or an array slot). */
export const POINTER = 8;
/** A plain JS object's header (map, properties, elements); each own field adds a POINTER. */
export const OBJECT_HEADER = 24;
/** A JSArray plus its FixedArray backing store's header (slots come on top, POINTER each). */
export const ARRAY_HEADER = 48;
/** A sequential one-byte string's header (map, hash, length); its bytes follow, 8-byte aligned. */
export const STRING_HEADER = 16;
/** A Buffer (Uint8Array view + ArrayBuffer + backing-store record), without its bytes. */
export const BUFFER_HEADER = 96;
/** One entry of an ordered hash table (Map: key, value, chain; plus its share of the buckets). */
export const MAP_ENTRY = 32;
/** A ScoreTree leaf's two slots (score, member) and the ScanLog's two (member, sequence number). */
export const TREE_ENTRY = 4 * POINTER;
/** A number stored unboxed in a double array. */
export const DOUBLE = 8;
/** A number boxed on the heap (a Map's value that is not a small integer). */
export const HEAP_NUMBER = 16;

/** Bytes of an object with `fields` own fields. */
export function objectBytes(fields: number): number {
  return OBJECT_HEADER + fields * POINTER;
}

/** Bytes of a latin1 string of length n (one byte per char, header, 8-byte alignment). */
export function stringBytes(n: number): number {
  return (STRING_HEADER + n + 7) & ~7;
}

/**
 * Bytes of an array of n slots (its elements' own bytes not included). A JS array grown by pushes
 * has room for half as many again on average (V8 grows it by half plus 16): 12 bytes a slot.
 */
export function arrayBytes(n: number): number {
  return ARRAY_HEADER + n * (POINTER + POINTER / 2);
}

/** Bytes of a hash field's value: a latin1 string or a Buffer. */
export function stringOrBufferBytes(v: string | Buffer): number {
  return typeof v === 'string' ? stringBytes(v.length) : BUFFER_HEADER + v.length;
}


/** The collection bytes of one database: the sum of its stored values' memBytes(). */
export class MemoryAccount {
  bytes = 0;
  /** Bytes that left the account so far (values detached or shrunk): garbage for the collector. */
  released = 0;
}

/**
 * The base of every collection value: its account (while stored) and the figure it last reported.
 * Subclasses keep memBytes() O(1) and call resized() after every change of their contents.
 */
export class AccountedValue {
  /** The account of the database holding this value; null while it is not stored. */
  account: MemoryAccount | null = null;
  /** What this value last added to its account. */
  accounted = 0;

  /** Estimated bytes the value holds (constant time; the model above). */
  memBytes(): number {
    return 0;
  }

  /** Reports a change of memBytes() to the account (called at the end of every mutation). */
  protected resized(): void {
    const a = this.account;
    if (a === null) return;
    const b = this.memBytes();
    if (b < this.accounted) a.released += this.accounted - b;
    a.bytes += b - this.accounted;
    this.accounted = b;
  }

  /** The value is stored in the database owning `a` (from another one if it was attached there). */
  attach(a: MemoryAccount): void {
    if (this.account === a) return;
    if (this.account !== null) this.detach(this.account);
    const b = this.memBytes();
    a.bytes += b;
    this.accounted = b;
    this.account = a;
  }

  /** The value left the database owning `a`: takes back exactly what it added. */
  detach(a: MemoryAccount): void {
    if (this.account !== a) return;
    a.bytes -= this.accounted;
    a.released += this.accounted;
    this.accounted = 0;
    this.account = null;
  }
}
