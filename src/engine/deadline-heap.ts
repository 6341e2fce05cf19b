// DeadlineHeap: the field deadlines of a big hash (hash-field TTLs), earliest first, so the next field to
// expire is found in O(log n) amortized.
// Invariants: the map `current` (owned by the heap) is the truth; a heap entry is live only while
// current.get(name) === its deadline (entries of changed or removed deadlines go stale and are skipped);
// the heap is rebuilt from `current` when stale entries outnumber live ones.

export class DeadlineHeap {
  /** name -> deadline (ms) of every field that has one. */
  readonly current = new Map<string, number>();
  private at: number[] = [];
  private names: string[] = [];

  get size(): number {
    return this.current.size;
  }

  get(name: string): number {
    return this.current.get(name) ?? 0;
  }

  set(name: string, deadline: number): void {
    this.current.set(name, deadline);
    this.push(name, deadline);
    if (this.at.length > 2 * this.current.size + 64) this.rebuild();
  }

  delete(name: string): boolean {
    return this.current.delete(name);
  }

  /** The earliest live deadline, 0 when none. */
  peek(): number {
    while (this.at.length > 0) {
      const name = this.names[0];
      const at = this.at[0];
      if (this.current.get(name) === at) return at;
      this.popTop();
    }
    return 0;
  }

  /** Removes and returns the name with the earliest live deadline (peek() must be non-zero). */
  pop(): string {
    this.peek();
    const name = this.names[0];
    this.popTop();
    this.current.delete(name);
    return name;
  }

  clear(): void {
    this.current.clear();
    this.at = [];
    this.names = [];
  }

  private rebuild(): void {
    this.at = [];
    this.names = [];
    for (const [name, at] of this.current) this.push(name, at);
  }

  private push(name: string, deadline: number): void {
    const at = this.at;
    const names = this.names;
    let i = at.length;
    at.push(deadline);
    names.push(name);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (at[p] <= deadline) break;
      at[i] = at[p];
      names[i] = names[p];
      i = p;
    }
    at[i] = deadline;
    names[i] = name;
  }

  private popTop(): void {
    const at = this.at;
    const names = this.names;
    const lastAt = at.pop()!;
    const lastName = names.pop()!;
    const n = at.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && at[r] < at[l] ? r : l;
      if (at[c] >= lastAt) break;
      at[i] = at[c];
      names[i] = names[c];
      i = c;
    }
    at[i] = lastAt;
    names[i] = lastName;
  }
}
