// ValueKind: what every kind of stored value (string, list, set, sorted set, hash) implements once —
// its TYPE name, OBJECT ENCODING, deep copy (COPY), heap bytes (MEMORY USAGE, eviction accounting) and
// the byte form that moves it between shards — plus the types the kinds and the Database share.
// Invariants: this module imports nothing, so database.ts → kinds.ts → value modules → value-kind.ts is
// acyclic; a kind's `id` is Redis's OBJ_* type number and its index in KINDS (kinds.ts); a non-string
// value names its kind by `kindId`; deserialize(serialize(v)) is equal to v in the same encoding.

/** Kind ids: Redis's OBJ_STRING .. OBJ_STREAM (also the index in kinds.ts's KINDS). */
export const KIND_STRING = 0;
export const KIND_LIST = 1;
export const KIND_SET = 2;
export const KIND_ZSET = 3;
export const KIND_HASH = 4;
/** Redis's OBJ_STREAM (5 is OBJ_MODULE, which Damselfly has no kind for). */
export const KIND_STREAM = 6;
export type KindId = typeof KIND_STRING | typeof KIND_LIST | typeof KIND_SET | typeof KIND_ZSET | typeof KIND_HASH | typeof KIND_STREAM;

/**
 * A string value as given to Database.put(): a latin1 JS string, or a Buffer (stored as 'raw'
 * encoding, as a value Redis built in place: APPEND, SETRANGE). Read back it is always a Buffer over
 * the arena. Strings are kept in the record itself, never as objects.
 */
export type StringValue = string | Buffer;

/** Values of the other data types (kept as objects, the record holds a handle) implement this. */
export interface TypedValue {
  /** Which kind implements this value (index in KINDS). Never KIND_STRING. */
  readonly kindId: KindId;
  /** Set by values whose parts can expire on their own (hashes: field TTLs). */
  readonly parts?: ExpiringParts;
}

export type Value = StringValue | TypedValue;

/** The parts of a value that expire on their own (hash fields with TTLs). */
export interface ExpiringParts {
  /** The earliest deadline (ms) of a part, 0 when no part has one. */
  nextDeadline(): number;
  /** Removes up to `max` parts whose deadline is not after `now`; returns how many. */
  expire(now: number, max: number): number;
  /** No part is left (the key must go). */
  empty(): boolean;
}

/** One kind of value: the operations the keyspace needs whatever the type (see docs/engine.md). */
export interface ValueKind<V extends Value = Value> {
  readonly id: KindId;
  /** The TYPE reply ('string', 'list', 'set', 'zset', 'hash', 'stream'). */
  readonly type: string;
  /** The OBJECT ENCODING reply; `raw` is the record's built-in-place flag (only strings look at it). */
  encoding(v: V, raw: boolean): string;
  /** A deep copy in the same encoding (COPY): changing one never changes the other. */
  clone(v: V): V;
  /**
   * Estimated heap bytes outside the arena (MEMORY USAGE): the value's memBytes(), the figure its
   * database's account holds for it (see value-memory.ts); exact for the model, so `samples` is not
   * needed (it is kept for MEMORY USAGE's signature). A string lives in its record: 0.
   */
  heapBytes(v: V, samples: number): number;
  /** Bytes that deserialize() turns back into an equal value in the same encoding (cross-shard moves). */
  serialize(v: V): Buffer;
  deserialize(b: Buffer): V;
  /**
   * RDB (DUMP/RESTORE, SAVE, replication) — filled in by the persistence work, called nowhere yet:
   * the RDB object type byte and payload of a value, and the value of an RDB type and payload.
   */
  rdbSave?(v: V): { rdbType: number; payload: Buffer };
  rdbLoad?(rdbType: number, payload: Buffer): V;
  /**
   * Feeds the value to DEBUG DIGEST exactly as Redis 7.0's xorObjectDigest does for its type (the
   * type number, the key and the deadline are the caller's: engine/digest.ts).
   */
  digest(v: V, sink: DigestSink): void;
}

/**
 * Redis's DEBUG DIGEST arithmetic (debug.c), as a kind feeds its value to it; bytes are a Uint8Array
 * or a latin1 string (one char per byte). Implemented by engine/digest.ts.
 */
export interface DigestSink {
  /** Ordered: digest = SHA1(digest xor SHA1(bytes)) (mixDigest: list elements, stream entries). */
  mix(b: Uint8Array | string): void;
  /** Unordered: digest ^= SHA1(bytes) (xorDigest: set members). */
  xor(b: Uint8Array | string): void;
  /** An unordered pair (hash field and value, sorted-set member and score text): digest ^= SHA1(mix(mix(0, a), b)). */
  xorPair(a: Uint8Array | string, b: Uint8Array | string): void;
}
