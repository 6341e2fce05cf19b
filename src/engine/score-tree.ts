// ScoreTree: an order-statistic B+tree of (score, member) pairs in sorted-set order — by score, then by
// member bytes (members are latin1 strings, so JS string order is memcmp order). It gives the big sorted
// sets O(log n) insert, delete, rank of a key, pair at a rank and rank of a range bound.
// Invariants: all leaves are at the same depth and linked both ways in key order, each sorted; an inner
// node's counts[i] is the number of pairs under children[i]; separator i (i >= 1) is <= every key under
// children[i] and > every key under children[i-1] (separators may be keys since deleted); after any
// operation every node but the root holds at least MIN pairs/children and at most MAX; an inner root has
// at least two children; keys are unique (callers check membership before inserting).

/** A monotone test over keys in order (false ... false true ... true). */
export type KeyPred = (score: number, member: string) => boolean;

const LEAF_MAX = 64;
const LEAF_MIN = 16;
const INNER_MAX = 64;
const INNER_MIN = 16;
/** Node size a bulk load aims at (room to grow before the first split). */
const BULK_TARGET = 48;

export class TreeLeaf {
  scores: number[] = [];
  members: string[] = [];
  prev: TreeLeaf | null = null;
  next: TreeLeaf | null = null;
}

class Inner {
  children: TreeNode[] = [];
  counts: number[] = [];
  /** Separator keys; index 0 is unused (kept so the arrays line up with `children`). */
  sepScores: number[] = [];
  sepMembers: string[] = [];
}

type TreeNode = TreeLeaf | Inner;

/** Key order: -1, 0, 1. (-0 and 0 are the same score, as in Redis.) */
export function compareKeys(s1: number, m1: string, s2: number, m2: string): number {
  if (s1 < s2) return -1;
  if (s1 > s2) return 1;
  return m1 < m2 ? -1 : m1 > m2 ? 1 : 0;
}

// The path of the current descent (the tree is used by one thread, one operation at a time).
const pathNodes: Inner[] = [];
const pathIdx: number[] = [];

/** Index of the child of `n` whose key range holds (score, member). */
function childFor(n: Inner, score: number, member: string): number {
  let lo = 1;
  let hi = n.children.length - 1;
  let j = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeys(n.sepScores[mid], n.sepMembers[mid], score, member) <= 0) {
      j = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return j;
}

/**
 * The node at `level` of the path and a sibling, to merge or rebalance: their parent and the index of
 * the left one of the two (the node and its left sibling, or its right one when it is the first child).
 */
function siblingPair(level: number): [Inner, number] {
  const j = pathIdx[level - 1];
  return [pathNodes[level - 1], j > 0 ? j - 1 : 0];
}

/** First index in the leaf whose key is >= (score, member). */
function leafLowerBound(l: TreeLeaf, score: number, member: string): number {
  let lo = 0;
  let hi = l.scores.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeys(l.scores[mid], l.members[mid], score, member) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function sum(a: number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}

/** A position in the tree: a leaf and an index in it (invalid once the tree changes). */
export class TreeCursor {
  leaf: TreeLeaf | null;
  index: number;

  constructor(leaf: TreeLeaf | null, index: number) {
    this.leaf = leaf;
    this.index = index;
  }

  get score(): number {
    return this.leaf!.scores[this.index];
  }

  get member(): string {
    return this.leaf!.members[this.index];
  }

  /** Moves to the next pair; false (and invalid) past the end. */
  next(): boolean {
    const l = this.leaf;
    if (l === null) return false;
    if (++this.index < l.scores.length) return true;
    this.leaf = l.next;
    this.index = 0;
    return this.leaf !== null;
  }

  /** Moves to the previous pair; false (and invalid) before the start. */
  prev(): boolean {
    const l = this.leaf;
    if (l === null) return false;
    if (--this.index >= 0) return true;
    this.leaf = l.prev;
    this.index = this.leaf === null ? 0 : this.leaf.scores.length - 1;
    return this.leaf !== null;
  }
}

export class ScoreTree {
  private root: TreeNode = new TreeLeaf();
  private head: TreeLeaf;
  private tail: TreeLeaf;
  size = 0;

  constructor() {
    this.head = this.tail = this.root as TreeLeaf;
  }

  /** A tree of pairs already in key order, without duplicates (nodes filled to BULK_TARGET). */
  static fromSorted(scores: number[], members: string[]): ScoreTree {
    const t = new ScoreTree();
    const n = scores.length;
    if (n === 0) return t;
    const leafSizes = evenSizes(n, BULK_TARGET);
    let level: TreeNode[] = [];
    let counts: number[] = [];
    let firstS: number[] = [];
    let firstM: string[] = [];
    let at = 0;
    let prev: TreeLeaf | null = null;
    for (const size of leafSizes) {
      const l = new TreeLeaf();
      l.scores = scores.slice(at, at + size);
      l.members = members.slice(at, at + size);
      l.prev = prev;
      if (prev !== null) prev.next = l;
      prev = l;
      level.push(l);
      counts.push(size);
      firstS.push(scores[at]);
      firstM.push(members[at]);
      at += size;
    }
    t.head = level[0] as TreeLeaf;
    t.tail = prev!;
    while (level.length > 1) {
      const sizes = evenSizes(level.length, BULK_TARGET);
      const up: TreeNode[] = [];
      const upCounts: number[] = [];
      const upS: number[] = [];
      const upM: string[] = [];
      let k = 0;
      for (const size of sizes) {
        const node = new Inner();
        node.children = level.slice(k, k + size);
        node.counts = counts.slice(k, k + size);
        node.sepScores = firstS.slice(k, k + size);
        node.sepMembers = firstM.slice(k, k + size);
        up.push(node);
        upCounts.push(sum(node.counts));
        upS.push(firstS[k]);
        upM.push(firstM[k]);
        k += size;
      }
      level = up;
      counts = upCounts;
      firstS = upS;
      firstM = upM;
    }
    t.root = level[0];
    t.size = n;
    return t;
  }

  /** Inserts a pair that is not in the tree. */
  insert(score: number, member: string): void {
    let node = this.root;
    let depth = 0;
    while (node instanceof Inner) {
      const j = childFor(node, score, member);
      node.counts[j]++;
      pathNodes[depth] = node;
      pathIdx[depth] = j;
      depth++;
      node = node.children[j];
    }
    const pos = leafLowerBound(node, score, member);
    node.scores.splice(pos, 0, score);
    node.members.splice(pos, 0, member);
    this.size++;
    if (node.scores.length > LEAF_MAX) this.splitLeaf(node, depth);
  }

  /** Removes the pair; false if it was not there. */
  delete(score: number, member: string): boolean {
    let node = this.root;
    let depth = 0;
    while (node instanceof Inner) {
      const j = childFor(node, score, member);
      pathNodes[depth] = node;
      pathIdx[depth] = j;
      depth++;
      node = node.children[j];
    }
    const pos = leafLowerBound(node, score, member);
    if (pos >= node.scores.length || node.members[pos] !== member || node.scores[pos] !== score) return false;
    node.scores.splice(pos, 1);
    node.members.splice(pos, 1);
    this.size--;
    for (let d = 0; d < depth; d++) pathNodes[d].counts[pathIdx[d]]--;
    if (depth > 0 && node.scores.length < LEAF_MIN) this.fixLeaf(depth);
    return true;
  }

  /**
   * The number of leading pairs for which `pred` is false (the rank of the first pair where it holds;
   * `size` if none). `pred` must be monotone over the key order.
   */
  countBefore(pred: KeyPred): number {
    let node = this.root;
    let acc = 0;
    while (node instanceof Inner) {
      let lo = 1;
      let hi = node.children.length - 1;
      let j = 0;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        if (!pred(node.sepScores[mid], node.sepMembers[mid])) {
          j = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      const counts = node.counts;
      for (let i = 0; i < j; i++) acc += counts[i];
      node = node.children[j];
    }
    let lo = 0;
    let hi = node.scores.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (pred(node.scores[mid], node.members[mid])) hi = mid;
      else lo = mid + 1;
    }
    return acc + lo;
  }

  /** 0-based rank of the pair, or -1 if it is not in the tree. */
  rankOf(score: number, member: string): number {
    let node = this.root;
    let acc = 0;
    while (node instanceof Inner) {
      const j = childFor(node, score, member);
      const counts = node.counts;
      for (let i = 0; i < j; i++) acc += counts[i];
      node = node.children[j];
    }
    const pos = leafLowerBound(node, score, member);
    if (pos >= node.scores.length || node.members[pos] !== member || node.scores[pos] !== score) return -1;
    return acc + pos;
  }

  /** A cursor on the pair at `rank` (0 <= rank < size). */
  at(rank: number): TreeCursor {
    if (rank < 0 || rank >= this.size) throw new RangeError(`rank ${rank} out of range`);
    if (rank === 0) return new TreeCursor(this.head, 0);
    if (rank === this.size - 1) return new TreeCursor(this.tail, this.tail.scores.length - 1);
    let node = this.root;
    let r = rank;
    while (node instanceof Inner) {
      const counts = node.counts;
      let j = 0;
      while (r >= counts[j]) r -= counts[j++];
      node = node.children[j];
    }
    return new TreeCursor(node, r);
  }

  /** Visits every pair in order. */
  forEach(fn: (score: number, member: string) => void): void {
    for (let l: TreeLeaf | null = this.head; l !== null; l = l.next) {
      const s = l.scores;
      const m = l.members;
      for (let i = 0; i < s.length; i++) fn(s[i], m[i]);
    }
  }

  private splitLeaf(leaf: TreeLeaf, depth: number): void {
    const mid = leaf.scores.length >>> 1;
    const right = new TreeLeaf();
    right.scores = leaf.scores.splice(mid);
    right.members = leaf.members.splice(mid);
    right.next = leaf.next;
    if (leaf.next !== null) leaf.next.prev = right;
    else this.tail = right;
    leaf.next = right;
    right.prev = leaf;
    this.addChild(depth - 1, leaf, leaf.scores.length, right, right.scores.length, right.scores[0], right.members[0]);
  }

  /** Puts `right` after `left` (child pathIdx[level] of pathNodes[level]; a new root when level < 0). */
  private addChild(level: number, left: TreeNode, leftCount: number, right: TreeNode, rightCount: number, sepS: number, sepM: string): void {
    if (level < 0) {
      const r = new Inner();
      r.children = [left, right];
      r.counts = [leftCount, rightCount];
      r.sepScores = [0, sepS];
      r.sepMembers = ['', sepM];
      this.root = r;
      return;
    }
    const p = pathNodes[level];
    const j = pathIdx[level];
    p.children.splice(j + 1, 0, right);
    p.counts[j] = leftCount;
    p.counts.splice(j + 1, 0, rightCount);
    p.sepScores.splice(j + 1, 0, sepS);
    p.sepMembers.splice(j + 1, 0, sepM);
    if (p.children.length <= INNER_MAX) return;
    const mid = p.children.length >>> 1;
    const q = new Inner();
    q.children = p.children.splice(mid);
    q.counts = p.counts.splice(mid);
    q.sepScores = p.sepScores.splice(mid);
    q.sepMembers = p.sepMembers.splice(mid);
    this.addChild(level - 1, p, sum(p.counts), q, sum(q.counts), q.sepScores[0], q.sepMembers[0]);
  }

  /** Rebalances the leaf at the end of the path, which fell under LEAF_MIN (its parent is pathNodes[depth - 1]). */
  private fixLeaf(depth: number): void {
    const [p, li] = siblingPair(depth);
    const left = p.children[li] as TreeLeaf;
    const right = p.children[li + 1] as TreeLeaf;
    const total = left.scores.length + right.scores.length;
    if (total <= LEAF_MAX) {
      for (let i = 0; i < right.scores.length; i++) {
        left.scores.push(right.scores[i]);
        left.members.push(right.members[i]);
      }
      left.next = right.next;
      if (right.next !== null) right.next.prev = left;
      else this.tail = left;
      this.removeChild(p, li, total, depth - 1);
      return;
    }
    const keep = total >>> 1;
    if (left.scores.length > keep) {
      const ms = left.scores.splice(keep);
      const mm = left.members.splice(keep);
      right.scores = ms.concat(right.scores);
      right.members = mm.concat(right.members);
    } else {
      const k = keep - left.scores.length;
      const ms = right.scores.splice(0, k);
      const mm = right.members.splice(0, k);
      for (let i = 0; i < k; i++) {
        left.scores.push(ms[i]);
        left.members.push(mm[i]);
      }
    }
    p.counts[li] = left.scores.length;
    p.counts[li + 1] = right.scores.length;
    p.sepScores[li + 1] = right.scores[0];
    p.sepMembers[li + 1] = right.members[0];
  }

  /** After children li and li+1 of p merged into li (now holding `count` pairs): drops li+1. */
  private removeChild(p: Inner, li: number, count: number, level: number): void {
    p.counts[li] = count;
    p.children.splice(li + 1, 1);
    p.counts.splice(li + 1, 1);
    p.sepScores.splice(li + 1, 1);
    p.sepMembers.splice(li + 1, 1);
    if (level === 0) {
      if (p.children.length === 1) this.root = p.children[0];
      return;
    }
    if (p.children.length < INNER_MIN) this.fixInner(level);
  }

  /** Rebalances pathNodes[level], an inner node that fell under INNER_MIN. */
  private fixInner(level: number): void {
    const [p, li] = siblingPair(level);
    const left = p.children[li] as Inner;
    const right = p.children[li + 1] as Inner;
    // The children of both in order, with their separators (right's first one comes from the parent).
    const children = left.children.concat(right.children);
    const counts = left.counts.concat(right.counts);
    const sepS = left.sepScores.concat(right.sepScores);
    const sepM = left.sepMembers.concat(right.sepMembers);
    const k0 = left.children.length;
    sepS[k0] = p.sepScores[li + 1];
    sepM[k0] = p.sepMembers[li + 1];
    if (children.length <= INNER_MAX) {
      left.children = children;
      left.counts = counts;
      left.sepScores = sepS;
      left.sepMembers = sepM;
      this.removeChild(p, li, sum(counts), level - 1);
      return;
    }
    const k = children.length >>> 1;
    left.children = children.slice(0, k);
    left.counts = counts.slice(0, k);
    left.sepScores = sepS.slice(0, k);
    left.sepMembers = sepM.slice(0, k);
    right.children = children.slice(k);
    right.counts = counts.slice(k);
    right.sepScores = sepS.slice(k);
    right.sepMembers = sepM.slice(k);
    p.counts[li] = sum(left.counts);
    p.counts[li + 1] = sum(right.counts);
    p.sepScores[li + 1] = sepS[k];
    p.sepMembers[li + 1] = sepM[k];
  }

  /** Checks every invariant (tests); throws on the first violation. */
  check(): void {
    let leafDepth = -1;
    let seen = 0;
    const st: { prevLeaf: TreeLeaf | null } = { prevLeaf: null };
    let lastS = -Infinity;
    let lastM: string | null = null;
    const walk = (n: TreeNode, depth: number, isRoot: boolean, lo: [number, string] | null, hi: [number, string] | null): number => {
      if (n instanceof TreeLeaf) {
        if (leafDepth < 0) leafDepth = depth;
        else if (leafDepth !== depth) throw new Error('leaves at different depths');
        const len = n.scores.length;
        if (n.members.length !== len) throw new Error('leaf arrays differ in length');
        if (len > LEAF_MAX) throw new Error('leaf overfull');
        if (!isRoot && len < LEAF_MIN) throw new Error(`leaf underfull (${len})`);
        if (n.prev !== st.prevLeaf) throw new Error('broken prev link');
        if (st.prevLeaf !== null && st.prevLeaf.next !== n) throw new Error('broken next link');
        st.prevLeaf = n;
        for (let i = 0; i < len; i++) {
          const s = n.scores[i];
          const m = n.members[i];
          if (lastM !== null && compareKeys(lastS, lastM, s, m) >= 0) throw new Error('keys out of order');
          if (lo !== null && compareKeys(lo[0], lo[1], s, m) > 0) throw new Error('key below its separator');
          if (hi !== null && compareKeys(s, m, hi[0], hi[1]) >= 0) throw new Error('key not below the next separator');
          lastS = s;
          lastM = m;
          seen++;
        }
        return len;
      }
      const nc = n.children.length;
      if (n.counts.length !== nc || n.sepScores.length !== nc || n.sepMembers.length !== nc) throw new Error('inner arrays differ in length');
      if (nc > INNER_MAX) throw new Error('inner overfull');
      if (isRoot ? nc < 2 : nc < INNER_MIN) throw new Error(`inner underfull (${nc})`);
      let total = 0;
      for (let i = 0; i < nc; i++) {
        const clo: [number, string] | null = i === 0 ? lo : [n.sepScores[i], n.sepMembers[i]];
        const chi: [number, string] | null = i + 1 < nc ? [n.sepScores[i + 1], n.sepMembers[i + 1]] : hi;
        const c = walk(n.children[i], depth + 1, false, clo, chi);
        if (c !== n.counts[i]) throw new Error('wrong subtree count');
        total += c;
      }
      return total;
    };
    const total = walk(this.root, 0, true, null, null);
    if (total !== this.size || seen !== this.size) throw new Error('size out of step');
    if (st.prevLeaf !== this.tail || this.head.prev !== null || this.tail.next !== null) throw new Error('head/tail wrong');
  }
}

/** Splits n items into the fewest groups of at most `target`, of near-equal sizes. */
function evenSizes(n: number, target: number): number[] {
  const k = Math.ceil(n / target);
  const base = Math.floor(n / k);
  const extra = n - base * k;
  const out: number[] = [];
  for (let i = 0; i < k; i++) out.push(base + (i < extra ? 1 : 0));
  return out;
}
