// Redis 7.0's DEBUG DIGEST arithmetic (debug.c): xorDigest and mixDigest over SHA1, the digest of one
// key's value (xorObjectDigest), of one key and value, and of a shard's part of one database.
// Invariants: the bytes fed are the ones Redis feeds — the type as a big-endian uint32, the decoded
// value bytes per kind (ValueKind.digest), "!!expire!!" for a key with a deadline, the key — so a
// digest here equals redis-server's for the same data; keys are visited as stored, logically
// expired ones not yet reclaimed included (Redis's digest does not look at deadlines either); a
// database's part is an XOR of per-key digests, so the shards' parts combine in any order.

import { hash } from 'node:crypto';
import { kindOf } from './kinds.ts';
import type { KeyTable } from './db-table.ts';
import type { DigestSink } from './value-kind.ts';

/** Bytes in a digest (a SHA1). */
export const DIGEST_BYTES = 20;

const EXPIRE_MARK = '!!expire!!';

function sha1(b: Uint8Array | string): Buffer {
  return hash('sha1', typeof b === 'string' ? Buffer.from(b, 'latin1') : b, 'buffer');
}

/** A 20-byte digest being built (starts at zero, as Redis's memset). */
export class Digest implements DigestSink {
  readonly bytes = Buffer.alloc(DIGEST_BYTES);

  /** xorDigest: bytes ^= SHA1(b). */
  xor(b: Uint8Array | string): void {
    const h = sha1(b);
    const d = this.bytes;
    for (let i = 0; i < DIGEST_BYTES; i++) d[i] ^= h[i];
  }

  /** mixDigest: bytes = SHA1(bytes ^ SHA1(b)). */
  mix(b: Uint8Array | string): void {
    this.xor(b);
    this.bytes.set(sha1(this.bytes));
  }

  xorPair(a: Uint8Array | string, b: Uint8Array | string): void {
    const e = new Digest();
    e.mix(a);
    e.mix(b);
    this.xor(e.bytes);
  }

  /** bytes ^= other, as is (combining XOR-accumulated parts). */
  xorRaw(other: Uint8Array): void {
    const d = this.bytes;
    for (let i = 0; i < DIGEST_BYTES; i++) d[i] ^= other[i];
  }

  /** mixDigest of a uint32 in network byte order (Redis's htonl(type), htonl(dbid)). */
  mixU32(n: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    this.mix(b);
  }

  hex(): string {
    return this.bytes.toString('hex');
  }
}

/** Redis xorObjectDigest: mixes the value of the record at `ref` (its type, its data, its deadline) into d. */
export function valueDigest(db: KeyTable, ref: number, d: Digest): void {
  const v = db.valueAt(ref);
  const kind = kindOf(v);
  d.mixU32(kind.id);
  kind.digest(v, d);
  if (db.expiring(ref)) d.xor(EXPIRE_MARK);
}

/** The digest of one key and its value (computeDatasetDigest's per-key part). */
export function keyDigest(db: KeyTable, key: string, ref: number): Digest {
  const d = new Digest();
  d.mix(key);
  valueDigest(db, ref, d);
  return d;
}

/** This table's share of a database digest: the XOR of SHA1(keyDigest) over its keys (null: no keys). */
export function tableDigest(db: KeyTable): Buffer | null {
  if (db.size === 0) return null;
  const acc = new Digest();
  db.forEachKey((key, ref) => acc.xor(keyDigest(db, key, ref).bytes));
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
