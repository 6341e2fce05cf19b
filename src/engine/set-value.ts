// SetValue: a set in one of Redis 7.2's three encodings — intset (sorted int64s in one typed array),
// listpack (a small array of members in insertion order) or hashtable (a DenseTable) — with Redis's
// conversion rules (set-max-intset-entries, set-max-listpack-entries, set-max-listpack-value).
// Invariants: exactly one of ints/list/table is non-null; members are latin1 strings (one char per byte,
// so binary-safe); an intset holds only canonical int64 texts; conversions only go intset -> listpack
// -> hashtable (SPOP's rebuild and SINTERSTORE's result are new values, as in Redis); iteration order is
// the encoding's order (ascending for intset, insertion order for listpack).

import { KIND_SET, type TypedValue, type ValueKind } from './value-kind.ts';
import { AccountedValue, ARRAY_HEADER, BUFFER_HEADER, MAP_ENTRY, POINTER, arrayBytes, objectBytes, stringBytes } from './value-memory.ts';
import { DenseTable } from './dense-table.ts';
import { IntSet, int64OfText } from './intset.ts';
import { BinReader, BinWriter } from '../util/codec.ts';

/** The encoding thresholds (CONFIG set-max-*). */
export interface SetLimits {
  intsetEntries: number;
  listpackEntries: number;
  listpackValue: number;
}

export const DEFAULT_SET_LIMITS: SetLimits = { intsetEntries: 512, listpackEntries: 128, listpackValue: 64 };

const ENC_INTSET = 0;
const ENC_LISTPACK = 1;
const ENC_HASHTABLE = 2;

/** Redis limits an intset to 1G entries whatever the setting. */
function intsetMax(lim: SetLimits): number {
  return Math.min(lim.intsetEntries, 1 << 30);
}

export class SetValue extends AccountedValue implements TypedValue {
  readonly kindId = KIND_SET;
  private ints: IntSet | null = null;
  private list: string[] | null = null;
  private table: DenseTable<undefined> | null = null;
  /** Bytes of the member strings of a listpack or hashtable (0 for an intset), for memBytes(). */
  private payload = 0;

  private constructor() {
    super();
  }

  static intset(): SetValue {
    const s = new SetValue();
    s.ints = new IntSet();
    return s;
  }

  static listpack(): SetValue {
    const s = new SetValue();
    s.list = [];
    return s;
  }

  static hashtable(): SetValue {
    const s = new SetValue();
    s.table = new DenseTable<undefined>(false);
    return s;
  }

  /** Redis setTypeCreate: the empty set that can hold `first`, sized for about `sizeHint` members. */
  static create(first: string, sizeHint: number, lim: SetLimits): SetValue {
    if (int64OfText(first) !== null && sizeHint <= lim.intsetEntries) return SetValue.intset();
    if (sizeHint <= lim.listpackEntries) return SetValue.listpack();
    return SetValue.hashtable();
  }

  get size(): number {
    if (this.ints !== null) return this.ints.length;
    if (this.list !== null) return this.list.length;
    return this.table!.size;
  }

  /** OBJECT ENCODING name. */
  get encoding(): string {
    return this.ints !== null ? 'intset' : this.list !== null ? 'listpack' : 'hashtable';
  }

  get isIntset(): boolean {
    return this.ints !== null;
  }

  get isListpack(): boolean {
    return this.list !== null;
  }

  /** Redis setTypeMaybeConvert: a hashtable up front when about `sizeHint` members will be added. */
  maybeConvert(sizeHint: number, lim: SetLimits): void {
    if ((this.list !== null && sizeHint > lim.listpackEntries) || (this.ints !== null && sizeHint > lim.intsetEntries)) {
      this.convert(ENC_HASHTABLE);
      this.resized();
    }
  }

  has(m: string): boolean {
    if (this.ints !== null) {
      const v = int64OfText(m);
      return v !== null && this.ints.has(v);
    }
    if (this.list !== null) return this.list.indexOf(m) >= 0;
    return this.table!.has(m);
  }

  /** Redis setTypeAdd: adds m, converting as the thresholds require; false if it was a member. */
  add(m: string, lim: SetLimits): boolean {
    const wasIntset = this.ints !== null;
    if (!this.addMember(m, lim)) return false;
    // (An intset that converted counted its members, m included, or counts m itself: addMember.)
    if (!wasIntset) this.payload += stringBytes(m.length);
    this.resized();
    return true;
  }

  private addMember(m: string, lim: SetLimits): boolean {
    if (this.table !== null) return this.table.add(m);
    if (this.list !== null) {
      if (this.list.indexOf(m) >= 0) return false;
      if (this.list.length < lim.listpackEntries && m.length <= lim.listpackValue) this.list.push(m);
      else {
        this.convert(ENC_HASHTABLE);
        this.table!.add(m);
      }
      return true;
    }
    const ints = this.ints!;
    const v = int64OfText(m);
    if (v !== null) {
      if (!ints.add(v)) return false;
      if (ints.length > intsetMax(lim)) this.convert(ENC_HASHTABLE);
      return true;
    }
    // Not an integer: a listpack if every member (the widest is the min or the max) fits one.
    let widest = 0;
    if (ints.length > 0) widest = Math.max(ints.min().toString().length, ints.max().toString().length);
    if (ints.length < lim.listpackEntries && m.length <= lim.listpackValue && widest <= lim.listpackValue) {
      this.convert(ENC_LISTPACK);
      this.list!.push(m);
    } else {
      this.convert(ENC_HASHTABLE);
      this.table!.add(m);
    }
    this.payload += stringBytes(m.length);
    return true;
  }

  /** add(m) for a member the caller knows is not in the set (a hashtable skips its duplicate check). */
  addNew(m: string, lim: SetLimits): void {
    if (this.table === null) {
      this.add(m, lim);
      return;
    }
    this.table.addNew(m);
    this.payload += stringBytes(m.length);
    this.resized();
  }

  /** Removes m; false if it was not a member. */
  remove(m: string): boolean {
    if (this.ints !== null) {
      const v = int64OfText(m);
      if (v === null || !this.ints.remove(v)) return false;
    } else if (this.list !== null) {
      const i = this.list.indexOf(m);
      if (i < 0) return false;
      this.list.splice(i, 1);
      this.payload -= stringBytes(m.length);
    } else {
      if (!this.table!.delete(m)) return false;
      this.payload -= stringBytes(m.length);
    }
    this.resized();
    return true;
  }

  /** The member at position i of the iteration order (0 <= i < size). */
  at(i: number): string {
    if (this.ints !== null) return this.ints.get(i).toString();
    if (this.list !== null) return this.list[i];
    return this.table!.keyAt(i);
  }

  /** Removes the member at position i (a hashtable moves its last member there). */
  removeAt(i: number): void {
    if (this.ints !== null) this.ints.removeAt(i);
    else {
      this.payload -= stringBytes(this.at(i).length);
      if (this.list !== null) this.list.splice(i, 1);
      else this.table!.deleteAt(i);
    }
    this.resized();
  }

  /** Calls fn for every member in the encoding's order. */
  forEach(fn: (m: string) => void): void {
    const n = this.size;
    if (this.list !== null) for (let i = 0; i < n; i++) fn(this.list[i]);
    else if (this.ints !== null) for (let i = 0; i < n; i++) fn(this.ints.get(i).toString());
    else {
      const keys = this.table!.keys;
      for (let i = 0; i < n; i++) fn(keys[i]);
    }
  }

  /** The members in the encoding's order: how the sorted-set operations read a set (SetLike). */
  *members(): IterableIterator<string> {
    const n = this.size;
    if (this.list !== null) for (let i = 0; i < n; i++) yield this.list[i];
    else if (this.ints !== null) for (let i = 0; i < n; i++) yield this.ints.get(i).toString();
    else {
      const keys = this.table!.keys;
      for (let i = 0; i < n; i++) yield keys[i];
    }
  }

  /**
   * One SSCAN step: small encodings return everything with cursor 0 (as Redis does); a hashtable
   * walks up to `count` positions (see DenseTable.scan).
   */
  scan(cursor: bigint, count: number, out: string[]): number {
    if (this.table === null) {
      this.forEach((m) => out.push(m));
      return 0;
    }
    const keys = this.table.keys;
    return this.table.scan(cursor, count, (i) => out.push(keys[i]));
  }

  /** Redis maybeConvertToIntset: an intset when all members are integers and few enough. */
  toIntsetIfSmall(lim: SetLimits): void {
    if (this.ints !== null || this.size > intsetMax(lim)) return;
    const ints = new IntSet(this.size);
    this.forEach((m) => {
      const v = int64OfText(m);
      if (v === null) throw new Error('toIntsetIfSmall: a member is not an integer');
      ints.add(v);
    });
    this.ints = ints;
    this.list = null;
    this.table = null;
    this.payload = 0;
    this.resized();
  }

  /** Re-encodes the members (in their current order) as a listpack or a hashtable. */
  private convert(enc: typeof ENC_LISTPACK | typeof ENC_HASHTABLE): void {
    const members: string[] = [];
    this.forEach((m) => members.push(m));
    if (this.ints !== null) for (const m of members) this.payload += stringBytes(m.length);
    this.ints = null;
    this.list = null;
    if (enc === ENC_LISTPACK) {
      this.list = members;
      return;
    }
    const t = new DenseTable<undefined>(false);
    for (const m of members) t.add(m);
    this.table = t;
  }

  /**
   * The model's bytes, from counters (O(1)): an intset's 8 bytes a member; a listpack's array; a
   * hashtable's DenseTable (an array slot and a Map entry a member); plus the member strings.
   */
  memBytes(): number {
    const n = this.size;
    const fixed = objectBytes(5);
    if (this.ints !== null) return fixed + objectBytes(2) + BUFFER_HEADER + n * 8;
    if (this.list !== null) return fixed + arrayBytes(n) + this.payload;
    return fixed + objectBytes(3) + 2 * ARRAY_HEADER + n * (POINTER + MAP_ENTRY) + this.payload;
  }

  clone(): SetValue {
    const s = new SetValue();
    if (this.ints !== null) s.ints = this.ints.clone();
    else if (this.list !== null) s.list = this.list.slice();
    else s.table = this.table!.clone((v) => v);
    s.payload = this.payload;
    return s;
  }

  /** Bytes for decode(): the encoding, then the members in order. */
  encode(): Buffer {
    const p = new BinWriter();
    const n = this.size;
    if (this.ints !== null) {
      p.u8(ENC_INTSET);
      p.u32(n);
      for (let i = 0; i < n; i++) p.i64(this.ints.get(i));
    } else {
      p.u8(this.list !== null ? ENC_LISTPACK : ENC_HASHTABLE);
      p.u32(n);
      this.forEach((m) => p.latin1(m));
    }
    return p.take();
  }

  static decode(b: Buffer): SetValue {
    const u = new BinReader(b);
    const enc = u.u8();
    const n = u.u32();
    const s = new SetValue();
    if (enc === ENC_INTSET) {
      s.ints = new IntSet(n);
      for (let i = 0; i < n; i++) s.ints.add(u.i64());
    } else if (enc === ENC_LISTPACK) {
      s.list = [];
      for (let i = 0; i < n; i++) s.list.push(u.latin1());
    } else {
      s.table = new DenseTable<undefined>(false);
      for (let i = 0; i < n; i++) s.table.add(u.latin1());
    }
    if (enc !== ENC_INTSET) s.forEach((m) => (s.payload += stringBytes(m.length)));
    return s;
  }
}

/** The set kind (TYPE set). */
export const SET_KIND: ValueKind<SetValue> = {
  id: KIND_SET,
  type: 'set',
  encoding: (v) => v.encoding,
  clone: (v) => v.clone(),
  heapBytes: (v) => v.memBytes(),
  serialize: (v) => v.encode(),
  deserialize: (b) => SetValue.decode(b),
  digest: (v, sink) => v.forEach((m) => sink.xor(m)),
};
