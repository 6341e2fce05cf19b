// The geo search over a sorted set (Redis's membersOfAllNeighbors / geoGetPointsInRange): each of the
// search's cells is a score range [min, max) read through the set's range API — never the whole set —
// and each point in it is decoded and kept when inside the shape.
// Invariants: points come out in Redis's order (cells in the nine-cell order, a cell in score order),
// a cell equal to the last one read is skipped as Redis skips it, and with a limit (COUNT ... ANY) the
// walk stops as soon as that many points were kept, at the same point as Redis.

import type { ZSet } from './zset.ts';
import { pqsort } from './pqsort.ts';
import { cellScoreRange, type GeoCell } from './geohash.ts';
import { ShapeTest, searchCells, type GeoShape } from './geo-shape.ts';

/** A point found (geoPoint): its decoded position, its distance from the centre in metres, its score. */
export interface GeoPoint {
  member: string;
  score: number;
  dist: number;
  lon: number;
  lat: number;
}

function sameCell(a: GeoCell, b: GeoCell): boolean {
  return a.lat === b.lat && a.lon === b.lon && a.step === b.step;
}

/** The points of `z` inside the shape, in Redis's order; at most `limit` of them when limit > 0. */
export function geoSearch(z: ZSet, shape: GeoShape, limit: number): GeoPoint[] {
  const cells = searchCells(shape);
  const test = new ShapeTest(shape);
  const out: GeoPoint[] = [];
  const range = [0, 0];
  const xy = [0, 0];
  let lastProcessed = 0;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i];
    if (cell === null) continue;
    if (lastProcessed !== 0 && sameCell(cell, cells[lastProcessed]!)) continue;
    if (out.length > 0 && limit > 0 && out.length >= limit) break;
    cellScoreRange(cell, range);
    const max = range[1];
    const first = z.firstInScoreRange({ min: range[0], max, minex: false, maxex: true });
    if (first >= 0) {
      z.walk(first, false, (member, score) => {
        if (score >= max) return false;
        const dist = test.distanceIfWithin(score, xy);
        if (dist >= 0) out.push({ member, score, dist, lon: xy[0], lat: xy[1] });
        return !(out.length > 0 && limit > 0 && out.length >= limit);
      });
    }
    lastProcessed = i;
  }
  return out;
}

const byDistanceAsc = (a: GeoPoint, b: GeoPoint): number => (a.dist > b.dist ? 1 : a.dist === b.dist ? 0 : -1);
const byDistanceDesc = (a: GeoPoint, b: GeoPoint): number => -byDistanceAsc(a, b);

/**
 * Redis's ordering of a search's points by distance: the whole array by qsort (glibc's, a stable merge
 * sort, as Array.prototype.sort) when all are returned, else only the first `returned` by pqsort —
 * whose order of equal distances is its own, reproduced.
 */
export function sortByDistance(points: GeoPoint[], desc: boolean, returned: number): void {
  const cmp = desc ? byDistanceDesc : byDistanceAsc;
  if (returned === points.length) points.sort(cmp);
  else pqsort(points, cmp, 0, returned - 1);
}
