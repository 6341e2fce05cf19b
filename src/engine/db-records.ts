// The record store under a Database: the layout of a key's record in the arena (header flags,
// deadline, LRU clock and LFU counter, key bytes, then a string's bytes or the handle of an object
// value), and reading and writing records (the LRU/LFU access data included).
// Invariants: a record is only read through these accessors; an object's handle is reused only after
// the turn that freed it (views read in that turn stay valid); `gen` moves whenever a record is freed;
// `account` holds exactly the collections some record holds (attached when written, detached when freed).

import { Arena } from './arena.ts';
import { AccountedValue, MemoryAccount } from './value-memory.ts';
import type { StringValue, TypedValue, Value } from './value-kind.ts';

// Record header (8-byte aligned block):
//   [0] flags  [1] arena size class  [2] LFU counter  [3..5] LRU clock (seconds, 24 bits)
//   small lengths: [6] key length [7] value length; BIGLEN: [8..11] key length, [12..15] value length
//   EXPIRE: f64 deadline (ms) after that; then the key bytes; then the value bytes (a string's, or
//   the u32 handle of an object).
const KIND_STRING = 1;
export const KIND_OBJECT = 2;
export const KIND_MASK = 3;
export const F_EXPIRE = 4;
export const F_RAW = 8;
export const F_BIGLEN = 16;
/** Cache mode: the key was hit since it entered (2Q's protected queue). */
export const F_PROTECTED = 32;
const LRU_MASK = 0xffffff;

/** A key as the API takes it: latin1 string, or the bytes (a command argument). */
export type KeyArg = string | Buffer;

/** The latin1 string of a key (for the maps keyed by string: watchers, hash-field deadlines...). */
export function keyText(k: KeyArg): string {
  return typeof k === 'string' ? k : k.latin1Slice(0, k.length);
}

/** The 24-bit LRU clock of the record at byte `off` of `c` (header bytes 3-5). */
export function readLru(c: Buffer, off: number): number {
  return c[off + 3] | (c[off + 4] << 8) | (c[off + 5] << 16);
}

function writeLru(c: Buffer, off: number, clock: number): void {
  c[off + 3] = clock & 0xff;
  c[off + 4] = (clock >>> 8) & 0xff;
  c[off + 5] = (clock >>> 16) & 0xff;
}

/** Redis LFU: initial counter of a new key. */
export const LFU_INIT_VAL = 5;

/** How accesses are recorded (one per shard, shared by its databases). */
export class AccessPolicy {
  /** An LFU maxmemory policy: keep Redis's logarithmic access counter. */
  lfu = false;
  /** Cache mode (2Q): a hit moves a key from probation to the protected set. */
  cacheMode = false;
  /** lfu-log-factor and lfu-decay-time (minutes). */
  lfuLogFactor = 10;
  lfuDecayTime = 1;
}

/**
 * Whether the dataset is frozen: while clients are paused (CLIENT PAUSE) Redis keeps it static — no
 * key expires (a lookup reports an expired key missing and leaves it) and nothing is evicted. One per
 * shard, shared by its databases; the server sets `frozen`.
 */
export class DatasetFreeze {
  frozen: () => boolean = () => false;
}

/** Redis LFULogIncr: a probabilistic increment that makes the counter logarithmic in accesses. */
export function lfuLogIncr(counter: number, logFactor: number): number {
  if (counter === 255) return 255;
  const base = Math.max(0, counter - LFU_INIT_VAL);
  return Math.random() < 1 / (base * logFactor + 1) ? counter + 1 : counter;
}

/** Records in an arena, with the values of other types than strings held by handle. */
export class RecordStore {
  readonly arena: Arena;
  /** Values of other types (and their handles' free list). */
  protected objects: (TypedValue | undefined)[] = [];
  private freeHandles: number[] = [];
  /** Handles of deleted objects, released after the turn (like the arena's parked blocks). */
  private parkedHandles: number[] = [];
  /** The bytes of the collections stored here (each attached while its record holds it). */
  account = new MemoryAccount();
  /** Bumped whenever a record is freed or moved (Entry views re-find their key then). */
  gen = 0;
  /** How accesses are recorded (the shard's). */
  access = new AccessPolicy();
  /** Whether keys may expire or be evicted now (the shard's). */
  freeze = new DatasetFreeze();

  /** `chunkBytes`: the arena's chunk size (tests use small ones). */
  constructor(chunkBytes?: number) {
    this.arena = new Arena(chunkBytes);
  }

  /** Byte offset of the key in a record (after header, lengths and deadline). */
  protected keyStart(c: Buffer, off: number): number {
    const f = c[off];
    return off + (f & F_BIGLEN ? 16 : 8) + (f & F_EXPIRE ? 8 : 0);
  }

  protected keyLen(c: Buffer, off: number): number {
    return c[off] & F_BIGLEN ? c.readUInt32LE(off + 8) : c[off + 6];
  }

  protected valLen(c: Buffer, off: number): number {
    return c[off] & F_BIGLEN ? c.readUInt32LE(off + 12) : c[off + 7];
  }

  /** Sets a string record's value length (within its block: growString checked the room). */
  protected setValLen(c: Buffer, off: number, len: number): void {
    if (c[off] & F_BIGLEN) c.writeUInt32LE(len, off + 12);
    else c[off + 7] = len;
  }

  expiring(ref: number): boolean {
    return (this.arena.chunk(ref)[Arena.offset(ref)] & F_EXPIRE) !== 0;
  }

  /** The key of a record. */
  keyAt(ref: number): string {
    const c = this.arena.chunk(ref);
    const off = Arena.offset(ref);
    const k = this.keyStart(c, off);
    return c.latin1Slice(k, k + this.keyLen(c, off));
  }

  valueAt(ref: number): Value {
    const c = this.arena.chunk(ref);
    const off = Arena.offset(ref);
    const k = this.keyStart(c, off) + this.keyLen(c, off);
    if ((c[off] & KIND_MASK) === KIND_OBJECT) return this.objects[c.readUInt32LE(k)]!;
    return c.subarray(k, k + this.valLen(c, off));
  }

  isRaw(ref: number): boolean {
    return (this.arena.chunk(ref)[Arena.offset(ref)] & F_RAW) !== 0;
  }

  deadlineAt(ref: number): number {
    const c = this.arena.chunk(ref);
    const off = Arena.offset(ref);
    const f = c[off];
    if (!(f & F_EXPIRE)) return 0;
    return c.readDoubleLE(off + (f & F_BIGLEN ? 16 : 8));
  }

  /** The full LRU clock of a record (24 bits kept; the distance to now is taken modulo 2^24). */
  lruAt(ref: number): number {
    const c = this.arena.chunk(ref);
    const off = Arena.offset(ref);
    const stored = readLru(c, off);
    const now = Math.floor(Date.now() / 1000);
    return now - ((now - stored) & LRU_MASK);
  }

  /** Seconds since the record's last access, at LRU clock `clock` (modulo 2^24, as Redis). */
  idleSeconds(ref: number, clock: number): number {
    const c = this.arena.chunk(ref);
    const off = Arena.offset(ref);
    return (clock - readLru(c, off)) & LRU_MASK;
  }

  /** Header byte 0 (flags) of a record. */
  flagsAt(ref: number): number {
    return this.arena.chunk(ref)[Arena.offset(ref)];
  }

  setFlagsAt(ref: number, flags: number): void {
    this.arena.chunk(ref)[Arena.offset(ref)] = flags;
  }

  lfuAt(ref: number): number {
    return this.arena.chunk(ref)[Arena.offset(ref) + 2];
  }

  /**
   * Redis LFUDecrAndReturn: the record's LFU counter less one per lfu-decay-time minutes since its
   * last access (the LRU clock doubles as the decrement time).
   */
  lfuDecayed(ref: number, clock: number): number {
    const c = this.arena.chunk(ref);
    const off = Arena.offset(ref);
    const counter = c[off + 2];
    const period = this.access.lfuDecayTime;
    if (period === 0) return counter;
    const stored = readLru(c, off);
    const minutes = Math.floor(((clock - stored) & LRU_MASK) / 60);
    const n = Math.floor(minutes / period);
    return n > counter ? 0 : counter - n;
  }

  /** A command used the key: LRU clock, LFU counter (LFU policies), 2Q promotion (cache mode). */
  accessed(ref: number, now: number): void {
    const c = this.arena.chunk(ref);
    const off = Arena.offset(ref);
    const clock = Math.floor(now / 1000);
    const access = this.access;
    if (access.lfu) c[off + 2] = lfuLogIncr(this.lfuDecayed(ref, clock), access.lfuLogFactor);
    if (access.cacheMode) c[off] |= F_PROTECTED;
    writeLru(c, off, clock);
  }

  setLfu(ref: number, n: number): void {
    this.arena.chunk(ref)[Arena.offset(ref) + 2] = n;
  }

  /**
   * Writes a new record for key; `keep` (a ref or 0) supplies the LFU counter and 2Q state to carry
   * over; `capacity`: room for a string of that many bytes (a string growing in place, growString),
   * the bytes past its length left unwritten. Returns its ref.
   */
  protected writeRecord(key: KeyArg, value: Value, expireAt: number, lru: number, keep: number, raw: boolean, capacity = 0): number {
    const isObject = !(typeof value === 'string' || value instanceof Buffer);
    const keyLen = key.length;
    const valLen = isObject ? 4 : (value as StringValue).length;
    const room = capacity > valLen ? capacity : valLen;
    const big = keyLen > 255 || room > 255;
    const head = (big ? 16 : 8) + (expireAt !== 0 ? 8 : 0);
    const ref = this.arena.alloc(head + keyLen + room);
    const c = this.arena.chunk(ref);
    const off = Arena.offset(ref);
    let flags = isObject ? KIND_OBJECT : KIND_STRING;
    if (raw && !isObject) flags |= F_RAW;
    if (big) flags |= F_BIGLEN;
    if (expireAt !== 0) flags |= F_EXPIRE;
    let lfu = LFU_INIT_VAL;
    if (keep !== 0) {
      const kc = this.arena.chunk(keep);
      const ko = Arena.offset(keep);
      flags |= kc[ko] & F_PROTECTED;
      lfu = kc[ko + 2];
    }
    c[off] = flags;
    c[off + 2] = lfu;
    writeLru(c, off, lru);
    if (big) {
      c.writeUInt32LE(keyLen, off + 8);
      c.writeUInt32LE(valLen, off + 12);
    } else {
      c[off + 6] = keyLen;
      c[off + 7] = valLen;
    }
    if (expireAt !== 0) c.writeDoubleLE(expireAt, off + (big ? 16 : 8));
    const k = off + head;
    if (typeof key === 'string') c.latin1Write(key, k, keyLen);
    else key.copy(c, k);
    const v = k + keyLen;
    if (isObject) {
      let h: number;
      if (keep !== 0 && (this.flagsAt(keep) & KIND_MASK) === KIND_OBJECT) h = this.handleAt(keep);
      else h = this.freeHandles.length > 0 ? this.freeHandles.pop()! : this.objects.push(undefined) - 1;
      const prev = this.objects[h];
      if (prev !== value) {
        if (prev instanceof AccountedValue) prev.detach(this.account);
        if (value instanceof AccountedValue) value.attach(this.account);
      }
      this.objects[h] = value as TypedValue;
      c.writeUInt32LE(h, v);
    } else if (typeof value === 'string') c.latin1Write(value, v, valLen);
    else value.copy(c, v);
    return ref;
  }

  /** Frees the parked object handles (a view read in the turn that deleted its key stays readable). */
  private readonly releaseHandles = (): void => {
    for (const h of this.parkedHandles) {
      this.objects[h] = undefined;
      this.freeHandles.push(h);
    }
    this.parkedHandles = [];
  };

  protected handleAt(ref: number): number {
    const c = this.arena.chunk(ref);
    const off = Arena.offset(ref);
    return c.readUInt32LE(this.keyStart(c, off) + this.keyLen(c, off));
  }

  /** Frees a record; `keepObject` when its object handle went on to a new record. */
  protected freeRecord(ref: number, keepObject: boolean): void {
    if (!keepObject && (this.flagsAt(ref) & KIND_MASK) === KIND_OBJECT) {
      if (this.parkedHandles.length === 0) queueMicrotask(this.releaseHandles);
      const h = this.handleAt(ref);
      this.parkedHandles.push(h);
      // The value's bytes leave the account now (a view of it may still be read this turn).
      const v = this.objects[h];
      if (v instanceof AccountedValue) v.detach(this.account);
    }
    this.arena.free(ref);
    this.gen++;
  }

  /** Values of other types than strings stored here. */
  get objectCount(): number {
    return this.objects.length - this.freeHandles.length - this.parkedHandles.length;
  }

  /** Drops every record and object value (Database.clear). */
  protected clearRecords(): void {
    this.arena.clear();
    // The dropped values keep the old account (O(1): none of them is visited).
    const dropped = this.account;
    this.account = new MemoryAccount();
    this.account.released = dropped.released + dropped.bytes;
    this.objects = [];
    this.freeHandles = [];
    this.parkedHandles = [];
  }
}
