// DenseTable: the "hashtable" encoding of big sets and hashes — keys (and values) in dense arrays with a
// Map from key to position, so lookups, inserts, deletes and uniform random picks are O(1).
// Invariants: index.get(keys[i]) === i for every i < size; a delete moves the last entry into the hole
// (the only way an entry ever moves); so a scan walking positions downwards (scan()) returns every entry
// present for the whole scan at least once, whatever is added or removed between its calls.

export class DenseTable<V> {
  readonly keys: string[] = [];
  /** Values by position (absent for sets). */
  readonly vals: V[] | null;
  private readonly index = new Map<string, number>();

  constructor(withValues: boolean) {
    this.vals = withValues ? [] : null;
  }

  get size(): number {
    return this.keys.length;
  }

  /** Position of key, or -1. */
  indexOf(key: string): number {
    const i = this.index.get(key);
    return i === undefined ? -1 : i;
  }

  has(key: string): boolean {
    return this.index.has(key);
  }

  get(key: string): V | undefined {
    const i = this.index.get(key);
    return i === undefined ? undefined : this.vals![i];
  }

  /** Adds key (with value v) or replaces its value; true if the key is new. */
  set(key: string, v: V): boolean {
    const i = this.index.get(key);
    if (i !== undefined) {
      if (this.vals !== null) this.vals[i] = v;
      return false;
    }
    this.index.set(key, this.keys.length);
    this.keys.push(key);
    if (this.vals !== null) this.vals.push(v);
    return true;
  }

  /** Adds key (known to be absent: indexOf(key) < 0) with value v, with one Map write. */
  append(key: string, v: V): void {
    this.index.set(key, this.keys.length);
    this.keys.push(key);
    if (this.vals !== null) this.vals.push(v);
  }

  /** Adds a key of a set that the caller knows is not in it (one hash lookup instead of two). */
  addNew(key: string): void {
    this.index.set(key, this.keys.length);
    this.keys.push(key);
  }

  /** Adds a key of a set; true if it is new. */
  add(key: string): boolean {
    return this.set(key, undefined as V);
  }

  delete(key: string): boolean {
    const i = this.index.get(key);
    if (i === undefined) return false;
    this.deleteAt(i);
    return true;
  }

  /** Removes the entry at position i: the last entry takes its place. */
  deleteAt(i: number): void {
    const keys = this.keys;
    const last = keys.length - 1;
    this.index.delete(keys[i]);
    if (i !== last) {
      const moved = keys[last];
      keys[i] = moved;
      this.index.set(moved, i);
      if (this.vals !== null) this.vals[i] = this.vals[last];
    }
    keys.pop();
    if (this.vals !== null) this.vals.pop();
  }

  keyAt(i: number): string {
    return this.keys[i];
  }

  valueAt(i: number): V {
    return this.vals![i];
  }

  setValueAt(i: number, v: V): void {
    this.vals![i] = v;
  }

  /**
   * One step of a scan: visits up to `count` positions below `cursor` (0 = start from the top), highest
   * first, calling visit(i) for each; returns the cursor for the next step (0 = done).
   */
  scan(cursor: bigint, count: number, visit: (i: number) => void): number {
    const n = this.keys.length;
    let i = cursor === 0n || cursor > BigInt(n) ? n : Number(cursor);
    for (let seen = 0; i > 0 && seen < count; seen++) visit(--i);
    return i;
  }

  clone(copyValue: (v: V) => V): DenseTable<V> {
    const t = new DenseTable<V>(this.vals !== null);
    for (let i = 0; i < this.keys.length; i++) t.set(this.keys[i], this.vals === null ? (undefined as V) : copyValue(this.vals[i]));
    return t;
  }
}
