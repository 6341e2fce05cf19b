// Redis 7.0's DEBUG DIGEST arithmetic (debug.c): xorDigest and mixDigest over SHA1, the digest of one
// key's value (xorObjectDigest), of one key and value, and of a shard's part of one database.
// Invariants: the bytes fed are the ones Redis feeds — the type as a big-endian uint32, the decoded
// value bytes per kind (ValueKind.digest), "!!expire!!" for a key with a deadline, the key — so a
// digest here equals redis-server's for the same data; keys are visited as stored, logically
// expired ones not yet reclaimed included (Redis's digest does not look at deadlines either); a
// database's part is an XOR of per-key digests, so the shards' parts combine in any order.

import { sha1Into } from '../util/sha1.ts';
import { kindOf } from './kinds.ts';
import type { KeyTable } from './db-table.ts';
import type { DigestSink } from './value-kind.ts';

/** Bytes in a digest (a SHA1). */
export const DIGEST_BYTES = 20;

const EXPIRE_MARK = '!!expire!!';

/** The SHA1 of the last hash() call (reused: the digests only fold it in at once). */
const HASHED = Buffer.alloc(DIGEST_BYTES);
/** A latin1 string's bytes, for hashing (grown as needed). */
let textBytes = Buffer.alloc(256);

function hash(b: Uint8Array | string): Buffer {
  if (typeof b === 'string') {
    if (b.length > textBytes.length) textBytes = Buffer.alloc(Math.max(b.length, textBytes.length * 2));
    textBytes.latin1Write(b, 0);
    sha1Into(textBytes, b.length, HASHED);
  } else sha1Into(b, b.length, HASHED);
  return HASHED;
}

/** Scratch for mixU32's 4 bytes. */
const U32 = Buffer.alloc(4);

/** A 20-byte digest being built (starts at zero, as Redis's memset). */
export class Digest implements DigestSink {
  readonly bytes = Buffer.alloc(DIGEST_BYTES);

  /** xorDigest: bytes ^= SHA1(b). */
  xor(b: Uint8Array | string): void {
    const h = hash(b);
    const d = this.bytes;
    for (let i = 0; i < DIGEST_BYTES; i++) d[i] ^= h[i];
  }

  /** mixDigest: bytes = SHA1(bytes ^ SHA1(b)). */
  mix(b: Uint8Array | string): void {
    this.xor(b);
    sha1Into(this.bytes, DIGEST_BYTES, this.bytes);
  }

  xorPair(a: Uint8Array | string, b: Uint8Array | string): void {
    const e = PAIR.reset();
    e.mix(a);
    e.mix(b);
    this.xor(e.bytes);
  }

  /** Back to zero (a scratch digest reused). */
  reset(): this {
    this.bytes.fill(0);
    return this;
  }

  /** bytes ^= other, as is (combining XOR-accumulated parts). */
  xorRaw(other: Uint8Array): void {
    const d = this.bytes;
    for (let i = 0; i < DIGEST_BYTES; i++) d[i] ^= other[i];
  }

  /** mixDigest of a uint32 in network byte order (Redis's htonl(type), htonl(dbid)). */
  mixU32(n: number): void {
    U32.writeUInt32BE(n);
    this.mix(U32);
  }

  hex(): string {
    return this.bytes.toString('hex');
  }
}

/** xorPair's element digest, and tableDigest's key digest (scratch: neither call nests in itself). */
const PAIR = new Digest();
const KEY = new Digest();

/** Redis xorObjectDigest: mixes the value of the record at `ref` (its type, its data, its deadline) into d. */
export function valueDigest(db: KeyTable, ref: number, d: Digest): void {
  const v = db.valueAt(ref);
  const kind = kindOf(v);
  d.mixU32(kind.id);
  kind.digest(v, d);
  if (db.expiring(ref)) d.xor(EXPIRE_MARK);
}

/** The digest of one key and its value (computeDatasetDigest's per-key part), into d (zeroed first). */
export function keyDigest(db: KeyTable, key: string, ref: number, d: Digest = new Digest()): Digest {
  d.reset();
  d.mix(key);
  valueDigest(db, ref, d);
  return d;
}

/** This table's share of a database digest: the XOR of SHA1(keyDigest) over its keys (null: no keys). */
export function tableDigest(db: KeyTable): Buffer | null {
  if (db.size === 0) return null;
  const acc = new Digest();
  db.forEachKey((key, ref) => acc.xor(keyDigest(db, key, ref, KEY).bytes));
  return acc.bytes;
}

/**
 * Redis computeDatasetDigest from the databases' parts (by database, each the XOR of the shards'
 * tableDigest parts): for each non-empty database in order, mix its number, then XOR its part.
 */
export function datasetDigest(parts: Map<number, Buffer>): string {
  const final = new Digest();
  for (const db of [...parts.keys()].sort((a, b) => a - b)) {
    final.mixU32(db);
    final.xorRaw(parts.get(db)!);
  }
  return final.hex();
}
