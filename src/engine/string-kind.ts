// STRING_KIND: the string type as a ValueKind. A string lives in its key's record (the arena), not as
// an object, so the hot paths (GET/SET) never go through this kind; TYPE, OBJECT ENCODING, COPY,
// MEMORY USAGE and cross-shard moves do. Invariants: encodings are Redis 7's int / embstr / raw, raw
// whenever the record says the value was built in place (APPEND, SETRANGE); a string's heap bytes are 0.

import { parseInt64, parseSafeInt } from '../util/numbers.ts';
import { KIND_STRING, type StringValue, type ValueKind } from './value-kind.ts';

/** Redis "int" encoding test: a canonical int64 of at most 20 chars. */
export function isIntEncodable(v: string): boolean {
  const len = v.length;
  if (len === 0 || len > 20) return false;
  const c0 = v.charCodeAt(0);
  if (c0 !== 0x2d && (c0 < 0x30 || c0 > 0x39)) return false;
  const b = Buffer.from(v, 'latin1');
  return parseSafeInt(b) !== null || parseInt64(b) !== null;
}

/** OBJECT ENCODING of a string value (`raw`: it was built in place, APPEND/SETRANGE). */
export function stringEncoding(v: StringValue, raw: boolean): string {
  if (raw) return 'raw';
  if (v.length <= 20 && isIntEncodable(typeof v === 'string' ? v : v.latin1Slice(0, v.length))) return 'int';
  return v.length <= 44 ? 'embstr' : 'raw';
}

/** The string kind (TYPE string). Its serialized form is the bytes themselves. */
export const STRING_KIND: ValueKind<StringValue> = {
  id: KIND_STRING,
  type: 'string',
  encoding: stringEncoding,
  clone: (v) => (typeof v === 'string' ? v : Buffer.from(v)),
  heapBytes: () => 0,
  serialize: (v) => (typeof v === 'string' ? Buffer.from(v, 'latin1') : v),
  deserialize: (b) => b,
  digest: (v, sink) => sink.mix(v),
};
