// HashValue: a hash in one of Redis 7.4's encodings — listpack (small parallel arrays of fields and
// values in insertion order), listpackex (the same plus a deadline per field, once any field TTL command
// touched the hash) or hashtable (a DenseTable, plus a DeadlineHeap once fields have TTLs) — with
// Redis's conversion rules (hash-max-listpack-entries, hash-max-listpack-value) and field TTLs.
// Invariants: fields are latin1 strings, values latin1 strings or (when large) Buffers; a listpackex
// keeps Redis's order: fields with deadlines first by ascending deadline (a new deadline goes before
// equal ones), then fields without, in the order they got there; conversions only go listpack ->
// listpackex -> hashtable or listpack(ex) -> hashtable, never back; a deadline is a positive ms time.

import { type ExpiringParts, KIND_HASH, type TypedValue, type ValueKind } from './value-kind.ts';
import { AccountedValue, ARRAY_HEADER, DOUBLE, MAP_ENTRY, POINTER, arrayBytes, objectBytes, stringBytes, stringOrBufferBytes } from './value-memory.ts';
import { DeadlineHeap } from './deadline-heap.ts';
import { DenseTable } from './dense-table.ts';
import { BinReader, BinWriter } from '../util/codec.ts';

export type FieldValue = string | Buffer;

/** The encoding thresholds (CONFIG hash-max-listpack-*). */
export interface HashLimits {
  listpackEntries: number;
  listpackValue: number;
}

export const DEFAULT_HASH_LIMITS: HashLimits = { listpackEntries: 512, listpackValue: 64 };

/** HEXPIRE conditions. */
export const COND_NX = 1;
export const COND_XX = 2;
export const COND_GT = 4;
export const COND_LT = 8;

/** HEXPIRE per-field results (Redis SetExRes). */
export const SETEX_NO_FIELD = -2;
export const SETEX_NOT_MET = 0;
export const SETEX_OK = 1;
export const SETEX_DELETED = 2;

const ENC_LISTPACK = 0;
const ENC_LISTPACKEX = 1;
const ENC_HASHTABLE = 2;

const ALL = Number.MAX_SAFE_INTEGER;

export class HashValue extends AccountedValue implements TypedValue, ExpiringParts {
  readonly kindId = KIND_HASH;
  readonly parts: ExpiringParts = this;
  /** Bytes of every field and value string (or Buffer): kept on every change, for memBytes(). */
  private payload = 0;
  /** listpack(ex): fields and values by position. */
  private fields: string[] | null = [];
  private values: FieldValue[] | null = [];
  /** listpackex: deadline by position (0: none). */
  private ttls: number[] | null = null;
  /** hashtable. */
  private table: DenseTable<FieldValue> | null = null;
  /** hashtable whose fields may have deadlines. */
  private deadlines: DeadlineHeap | null = null;

  get size(): number {
    return this.fields !== null ? this.fields.length : this.table!.size;
  }

  /** OBJECT ENCODING name. */
  get encoding(): string {
    return this.table !== null ? 'hashtable' : this.ttls !== null ? 'listpackex' : 'listpack';
  }

  /** Position of field (in the iteration order), or -1. */
  indexOf(field: string): number {
    return this.fields !== null ? this.fields.indexOf(field) : this.table!.indexOf(field);
  }

  get(field: string): FieldValue | undefined {
    if (this.fields !== null) {
      const i = this.fields.indexOf(field);
      return i < 0 ? undefined : this.values![i];
    }
    return this.table!.get(field);
  }

  fieldAt(i: number): string {
    return this.fields !== null ? this.fields[i] : this.table!.keyAt(i);
  }

  valueAt(i: number): FieldValue {
    return this.values !== null ? this.values[i] : this.table!.valueAt(i);
  }

  /** Calls fn for every field in the encoding's order. */
  forEach(fn: (field: string, value: FieldValue) => void): void {
    const n = this.size;
    if (this.fields !== null) for (let i = 0; i < n; i++) fn(this.fields[i], this.values![i]);
    else {
      const t = this.table!;
      for (let i = 0; i < n; i++) fn(t.keyAt(i), t.valueAt(i));
    }
  }

  /**
   * Redis hashTypeTryConversion, before writing `pairs` field/value pairs whose longest field or value
   * has `longest` bytes: a hashtable up front when they cannot fit a listpack.
   */
  prepare(pairs: number, longest: number, lim: HashLimits): void {
    if (this.table === null && (pairs > lim.listpackEntries || longest > lim.listpackValue)) {
      this.toTable();
      this.resized();
    }
  }

  /**
   * Redis hashTypeSet: sets field to value; an existing field loses its deadline unless `keepTtl`
   * (HINCRBY keeps it, HSET does not). Returns true if the field is new.
   */
  set(field: string, value: FieldValue, keepTtl: boolean, lim: HashLimits): boolean {
    if (this.table === null && (field.length > lim.listpackValue || value.length > lim.listpackValue)) this.toTable();
    let isNew: boolean;
    if (this.table !== null) {
      const t = this.table;
      const i = t.indexOf(field);
      isNew = i < 0;
      if (isNew) {
        t.append(field, value);
        this.payload += stringBytes(field.length) + stringOrBufferBytes(value);
      } else {
        this.payload += stringOrBufferBytes(value) - stringOrBufferBytes(t.valueAt(i));
        t.setValueAt(i, value);
        if (!keepTtl && this.deadlines !== null) this.deadlines.delete(field);
      }
    } else {
      const fields = this.fields!;
      const i = fields.indexOf(field);
      isNew = i < 0;
      if (!isNew) {
        this.payload += stringOrBufferBytes(value) - stringOrBufferBytes(this.values![i]);
        this.values![i] = value;
        if (this.ttls !== null && !keepTtl && this.ttls[i] !== 0) this.reposition(i, 0);
      } else {
        fields.push(field);
        this.values!.push(value);
        this.payload += stringBytes(field.length) + stringOrBufferBytes(value);
        if (this.ttls !== null) this.ttls.push(0);
        if (fields.length > lim.listpackEntries) this.toTable();
      }
    }
    this.resized();
    return isNew;
  }

  /** Removes field; false if it was not there. */
  delete(field: string): boolean {
    if (this.table !== null) {
      const t = this.table;
      const i = t.indexOf(field);
      if (i < 0) return false;
      this.payload -= stringBytes(field.length) + stringOrBufferBytes(t.valueAt(i));
      t.deleteAt(i);
      if (this.deadlines !== null) this.deadlines.delete(field);
    } else {
      const i = this.fields!.indexOf(field);
      if (i < 0) return false;
      this.removePair(i);
    }
    this.resized();
    return true;
  }

  /**
   * One HSCAN step: small encodings return every pair with cursor 0 (as Redis does); a hashtable walks
   * up to `count` positions (see DenseTable.scan). Pushes positions to `out`.
   */
  scan(cursor: bigint, count: number, out: number[]): number {
    if (this.table === null) {
      for (let i = 0; i < this.fields!.length; i++) out.push(i);
      return 0;
    }
    return this.table.scan(cursor, count, (i) => out.push(i));
  }

  // ---------------------------------------------------------------------------------------------
  // Field deadlines (hash-field TTLs, Redis 7.4)
  // ---------------------------------------------------------------------------------------------

  /** The deadline of field: -1 if there is no such field, 0 if it has none. */
  deadlineOf(field: string): number {
    if (this.table !== null) {
      if (!this.table.has(field)) return -1;
      return this.deadlines === null ? 0 : this.deadlines.get(field);
    }
    const i = this.fields!.indexOf(field);
    if (i < 0) return -1;
    return this.ttls === null ? 0 : this.ttls[i];
  }

  /** Redis hashTypeSetExInit: makes the hash able to hold deadlines (a listpack becomes a listpackex). */
  enableDeadlines(): void {
    if (this.table !== null) this.deadlines ??= new DeadlineHeap();
    else this.ttls ??= new Array<number>(this.fields!.length).fill(0);
    this.resized();
  }

  /**
   * Redis hashTypeSetEx (HEXPIRE family) for one field: sets its deadline `at` under condition `cond`
   * (COND_*); a deadline not after `now` deletes the field. enableDeadlines() must have run.
   */
  setDeadline(field: string, at: number, cond: number, now: number): number {
    const i = this.indexOf(field);
    if (i < 0) return SETEX_NO_FIELD;
    const prev = this.table !== null ? this.deadlines!.get(field) : this.ttls![i];
    if (prev === 0) {
      // No deadline counts as an infinite one: LT is met, GT never.
      if (cond & (COND_XX | COND_GT)) return SETEX_NOT_MET;
    } else if ((cond === COND_GT && prev >= at) || (cond === COND_LT && prev <= at) || cond === COND_NX) {
      return SETEX_NOT_MET;
    }
    if (at <= now) {
      this.delete(field);
      return SETEX_DELETED;
    }
    if (this.table !== null) this.deadlines!.set(field, at);
    else this.reposition(i, at);
    this.resized();
    return SETEX_OK;
  }

  /** HPERSIST for one field: -2 no such field, -1 no deadline, 1 deadline removed. */
  persist(field: string): number {
    const i = this.indexOf(field);
    if (i < 0) return -2;
    if (this.table !== null) {
      if (this.deadlines === null || !this.deadlines.delete(field)) return -1;
      this.resized();
      return 1;
    }
    if (this.ttls === null || this.ttls[i] === 0) return -1;
    this.reposition(i, 0);
    return 1;
  }

  /** ExpiringParts: the earliest field deadline, 0 if none. */
  nextDeadline(): number {
    if (this.ttls !== null) return this.ttls.length > 0 ? this.ttls[0] : 0;
    return this.deadlines !== null ? this.deadlines.peek() : 0;
  }

  /** ExpiringParts: removes up to `max` fields whose deadline is not after `now`; returns how many. */
  expire(now: number, max: number): number {
    let n = 0;
    if (this.ttls !== null) {
      const ttls = this.ttls;
      while (n < max && n < ttls.length && ttls[n] !== 0 && ttls[n] <= now) n++;
      if (n > 0) {
        for (let i = 0; i < n; i++) this.payload -= stringBytes(this.fields![i].length) + stringOrBufferBytes(this.values![i]);
        this.fields!.splice(0, n);
        this.values!.splice(0, n);
        ttls.splice(0, n);
        this.resized();
      }
      return n;
    }
    const heap = this.deadlines;
    if (heap === null) return 0;
    const t = this.table!;
    for (let at = heap.peek(); n < max && at !== 0 && at <= now; at = heap.peek()) {
      const field = heap.pop();
      const i = t.indexOf(field);
      if (i >= 0) {
        this.payload -= stringBytes(field.length) + stringOrBufferBytes(t.valueAt(i));
        t.deleteAt(i);
      }
      n++;
    }
    if (n > 0) this.resized();
    return n;
  }

  /** Removes every field whose deadline is not after `now` (a read's lazy reclaim); returns how many. */
  expireDue(now: number): number {
    const next = this.nextDeadline();
    return next !== 0 && next <= now ? this.expire(now, ALL) : 0;
  }

  /** ExpiringParts: no field left. */
  empty(): boolean {
    return this.size === 0;
  }

  // ---------------------------------------------------------------------------------------------
  // Encoding internals
  // ---------------------------------------------------------------------------------------------

  private removePair(i: number): void {
    this.payload -= stringBytes(this.fields![i].length) + stringOrBufferBytes(this.values![i]);
    this.fields!.splice(i, 1);
    this.values!.splice(i, 1);
    if (this.ttls !== null) this.ttls.splice(i, 1);
  }

  /** listpackex: moves pair i to where deadline `at` belongs (0: the end), as Redis re-inserts it. */
  private reposition(i: number, at: number): void {
    const f = this.fields![i];
    const v = this.values![i];
    this.removePair(i);
    const ttls = this.ttls!;
    let j = ttls.length;
    if (at !== 0) {
      j = 0;
      while (j < ttls.length && ttls[j] !== 0 && ttls[j] < at) j++;
    }
    this.fields!.splice(j, 0, f);
    this.values!.splice(j, 0, v);
    this.payload += stringBytes(f.length) + stringOrBufferBytes(v);
    ttls.splice(j, 0, at);
  }

  private toTable(): void {
    const t = new DenseTable<FieldValue>(true);
    const fields = this.fields!;
    const values = this.values!;
    for (let i = 0; i < fields.length; i++) t.set(fields[i], values[i]);
    if (this.ttls !== null) {
      const heap = new DeadlineHeap();
      for (let i = 0; i < fields.length; i++) if (this.ttls[i] !== 0) heap.set(fields[i], this.ttls[i]);
      this.deadlines = heap;
    }
    this.table = t;
    this.fields = this.values = this.ttls = null;
  }

  /**
   * The model's bytes, from counters (O(1)): a listpack's two arrays (and a listpackex's deadlines), or
   * a hashtable's DenseTable (two arrays and a Map entry per field) and deadline heap; plus every field
   * and value.
   */
  memBytes(): number {
    const n = this.size;
    let b = objectBytes(8) + this.payload;
    if (this.table !== null) {
      b += objectBytes(3) + 2 * arrayBytes(n) + MAP_ENTRY * n;
      if (this.deadlines !== null) b += objectBytes(2) + ARRAY_HEADER + this.deadlines.size * (MAP_ENTRY + 2 * POINTER);
    } else {
      b += 2 * arrayBytes(n);
      if (this.ttls !== null) b += ARRAY_HEADER + n * DOUBLE;
    }
    return b;
  }

  clone(): HashValue {
    return HashValue.decode(this.encode());
  }

  /** Bytes for decode(): encoding, pair count, then field, value (kind + bytes) and deadline per pair. */
  encode(): Buffer {
    const p = new BinWriter();
    const enc = this.table !== null ? ENC_HASHTABLE : this.ttls !== null ? ENC_LISTPACKEX : ENC_LISTPACK;
    p.u8(enc);
    p.u8(this.deadlines !== null ? 1 : 0);
    p.u32(this.size);
    let i = 0;
    this.forEach((f, v) => {
      p.latin1(f);
      if (typeof v === 'string') {
        p.u8(0);
        p.latin1(v);
      } else {
        p.u8(1);
        p.bytes(v);
      }
      p.f64(this.ttls !== null ? this.ttls[i] : this.deadlines !== null ? this.deadlines.get(f) : 0);
      i++;
    });
    return p.take();
  }

  static decode(b: Buffer): HashValue {
    const u = new BinReader(b);
    const enc = u.u8();
    const withHeap = u.u8() === 1;
    const n = u.u32();
    const h = new HashValue();
    if (enc === ENC_HASHTABLE) {
      h.fields = h.values = null;
      h.table = new DenseTable<FieldValue>(true);
      if (withHeap) h.deadlines = new DeadlineHeap();
    } else if (enc === ENC_LISTPACKEX) h.ttls = [];
    for (let i = 0; i < n; i++) {
      const f = u.latin1();
      const v = u.u8() === 0 ? u.latin1() : Buffer.from(u.bytes());
      const at = u.f64();
      h.payload += stringBytes(f.length) + stringOrBufferBytes(v);
      if (h.table !== null) {
        h.table.set(f, v);
        if (at !== 0) h.deadlines!.set(f, at);
      } else {
        h.fields!.push(f);
        h.values!.push(v);
        if (h.ttls !== null) h.ttls.push(at);
      }
    }
    return h;
  }
}

/** The hash kind (TYPE hash). */
export const HASH_KIND: ValueKind<HashValue> = {
  id: KIND_HASH,
  type: 'hash',
  encoding: (v) => v.encoding,
  clone: (v) => v.clone(),
  heapBytes: (v) => v.memBytes(),
  serialize: (v) => v.encode(),
  deserialize: (b) => HashValue.decode(b),
  // Field TTLs (Redis 7.4) are not part of it: Redis 7.0's digest knows nothing of them.
  digest: (v, sink) => v.forEach((f, value) => sink.xorPair(f, value)),
};
