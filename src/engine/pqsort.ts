// Redis's pqsort (pqsort.c, from NetBSD's qsort): a quicksort that only sorts the part of the array
// that can end up in positions lrange..rrange. Ported step for step, so that elements that compare
// equal come out in Redis's order too (GEORADIUS/GEOSEARCH ... COUNT n with points at equal distances).
// Invariants: after pqsort(a, cmp, l, r), a[l..r] hold what a full sort would put there, in Redis's
// order; the swaps and comparisons are the C code's, element for element.

/** Redis pqsort(a, n, es, cmp, lrange, rrange) over a whole JS array. */
export function pqsort<T>(a: T[], cmp: (x: T, y: T) => number, lrange: number, rrange: number): void {
  // Byte addresses as the C code compares them, with elements 2 "bytes" wide.
  pq(a, 0, a.length, cmp, lrange * 2, (rrange + 1) * 2 - 1);
}

function swap<T>(a: T[], i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

function vecswap<T>(a: T[], i: number, j: number, n: number): void {
  for (let k = 0; k < n; k++) swap(a, i + k, j + k);
}

function med3<T>(a: T[], i: number, j: number, k: number, cmp: (x: T, y: T) => number): number {
  return cmp(a[i], a[j]) < 0 ? (cmp(a[j], a[k]) < 0 ? j : cmp(a[i], a[k]) < 0 ? k : i) : cmp(a[j], a[k]) > 0 ? j : cmp(a[i], a[k]) < 0 ? i : k;
}

/** Whether the sub-array of n elements from `base` holds part of the wanted range. */
function overlaps(base: number, n: number, lrange: number, rrange: number): boolean {
  const l = base * 2;
  const r = (base + n) * 2 - 1;
  return !((lrange < l && rrange < l) || (lrange > r && rrange > r));
}

function pq<T>(arr: T[], base: number, n: number, cmp: (x: T, y: T) => number, lrange: number, rrange: number): void {
  for (;;) {
    if (n < 7) {
      for (let pm = base + 1; pm < base + n; pm++) for (let pl = pm; pl > base && cmp(arr[pl - 1], arr[pl]) > 0; pl--) swap(arr, pl, pl - 1);
      return;
    }
    let pm = base + (n >>> 1);
    if (n > 7) {
      let pl = base;
      let pn = base + n - 1;
      if (n > 40) {
        const d = n >>> 3;
        pl = med3(arr, pl, pl + d, pl + 2 * d, cmp);
        pm = med3(arr, pm - d, pm, pm + d, cmp);
        pn = med3(arr, pn - 2 * d, pn - d, pn, cmp);
      }
      pm = med3(arr, pl, pm, pn, cmp);
    }
    swap(arr, base, pm);
    let pa = base + 1;
    let pb = pa;
    let pc = base + n - 1;
    let pd = pc;
    for (;;) {
      let r: number;
      while (pb <= pc && (r = cmp(arr[pb], arr[base])) <= 0) {
        if (r === 0) swap(arr, pa++, pb);
        pb++;
      }
      while (pb <= pc && (r = cmp(arr[pc], arr[base])) >= 0) {
        if (r === 0) swap(arr, pc, pd--);
        pc--;
      }
      if (pb > pc) break;
      swap(arr, pb++, pc--);
    }
    const pn = base + n;
    let r = Math.min(pa - base, pb - pa);
    vecswap(arr, base, pb - r, r);
    r = Math.min(pd - pc, pn - pd - 1);
    vecswap(arr, pb, pn - r, r);
    if ((r = pb - pa) > 1 && overlaps(base, r, lrange, rrange)) pq(arr, base, r, cmp, lrange, rrange);
    if ((r = pd - pc) > 1) {
      base = pn - r;
      n = r;
      if (overlaps(base, n, lrange, rrange)) continue;
    }
    return;
  }
}
