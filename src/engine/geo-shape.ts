// Geo search shapes as Redis 7.0's geohash_helper.c has them: the haversine distance on a sphere of
// radius 6372797.560856 m, the circle and the axis-aligned box around a centre, the step of the grid a
// search uses and the nine cells (the centre's and its eight neighbours, some dropped) it reads.
// Invariants: every formula is Redis's, operation for operation, so that in/out decisions and printed
// digits agree; a dropped neighbour is null (Redis's GZERO).

import { crAsin, crCos, crSin } from '../util/cr-math.ts';
import { GEO_STEP_MAX, cellArea, encodeCell, latOfScore, lonOfLastScore, movedX, movedY, type GeoArea, type GeoCell } from './geohash.ts';

export const EARTH_RADIUS_IN_METERS = 6372797.560856;
const MERCATOR_MAX = 20037726.37;
const D_R = Math.PI / 180.0;

export const SHAPE_CIRCLE = 0;
export const SHAPE_BOX = 1;

/** A search area (GeoShape): centre, radius or width/height in `conversion` units (metres per unit). */
export interface GeoShape {
  type: number;
  lon: number;
  lat: number;
  radius: number;
  width: number;
  height: number;
  conversion: number;
}

function degRad(a: number): number {
  return a * D_R;
}

function radDeg(a: number): number {
  return a / D_R;
}

/** geohashGetLatDistance: the distance between two latitudes on one meridian. */
export function latDistance(lat1: number, lat2: number): number {
  return EARTH_RADIUS_IN_METERS * Math.abs(degRad(lat2) - degRad(lat1));
}

/** geohashGetDistance: the haversine distance in metres. */
export function geoDistance(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const lon1r = degRad(lon1);
  const lon2r = degRad(lon2);
  const v = Math.sin((lon2r - lon1r) / 2);
  if (v === 0) return latDistance(lat1, lat2);
  const lat1r = degRad(lat1);
  const lat2r = degRad(lat2);
  const u = Math.sin((lat2r - lat1r) / 2);
  const a = u * u + Math.cos(lat1r) * Math.cos(lat2r) * v * v;
  return 2.0 * EARTH_RADIUS_IN_METERS * Math.asin(Math.sqrt(a));
}

/**
 * geohashGetDistance with correctly rounded sin/cos/asin: glibc's results (as Redis gets them) for all
 * but about one argument in a thousand, where Math's differ for a few per cent. ~4 µs: for values whose
 * last bit is shown (stored distances, GEODIST), not for the search's tests.
 */
export function geoDistanceExact(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const lon1r = degRad(lon1);
  const lon2r = degRad(lon2);
  const v = crSin((lon2r - lon1r) / 2);
  if (v === 0) return latDistance(lat1, lat2);
  const lat1r = degRad(lat1);
  const lat2r = degRad(lat2);
  const u = crSin((lat2r - lat1r) / 2);
  if (lat1r !== exactCosOf[0]) {
    // A search stores many distances from one centre: its cosine is kept.
    exactCosOf[0] = lat1r;
    exactCosOf[1] = crCos(lat1r);
  }
  const a = u * u + exactCosOf[1] * crCos(lat2r) * v * v;
  return 2.0 * EARTH_RADIUS_IN_METERS * crAsin(Math.sqrt(a));
}

/** [the last centre latitude geoDistanceExact saw (radians), its cosine]. */
const exactCosOf = new Float64Array([NaN, NaN]);

/**
 * geoWithinShape's test for decoded points, with what depends on the centre alone computed once (the
 * same values Redis computes each time, so the same results).
 */
export class ShapeTest {
  private readonly s: GeoShape;
  private readonly lon1r: number;
  private readonly lat1r: number;
  private readonly cosLat1: number;
  private readonly radiusM: number;
  /** No point farther in latitude alone than this can be inside (a margin over the radius for rounding). */
  private readonly latReject: number;

  constructor(s: GeoShape) {
    this.s = s;
    this.lon1r = degRad(s.lon);
    this.lat1r = degRad(s.lat);
    this.cosLat1 = Math.cos(this.lat1r);
    this.radiusM = s.radius * s.conversion;
    this.latReject = this.radiusM + this.radiusM * 1e-9 + 1e-9;
  }

  /**
   * The distance in metres from the centre of the point a score stands for when it is inside the shape
   * (its position then in xy as [lon, lat]), else -1.
   */
  distanceIfWithin(score: number, xy: number[]): number {
    const s = this.s;
    const lat = latOfScore(score);
    if (s.type === SHAPE_CIRCLE) {
      // The great-circle distance is never below the distance in latitude: most points outside are
      // rejected here, before the longitude and the trigonometry (the margin keeps every decision Redis's).
      const lat2r = degRad(lat);
      if (EARTH_RADIUS_IN_METERS * Math.abs(lat2r - this.lat1r) > this.latReject) return -1;
      const lon = lonOfLastScore();
      xy[0] = lon;
      xy[1] = lat;
      // geohashGetDistance(s.lon, s.lat, lon, lat) with the centre's terms kept.
      const v = Math.sin((degRad(lon) - this.lon1r) / 2);
      let d: number;
      if (v === 0) d = latDistance(s.lat, lat);
      else {
        const u = Math.sin((lat2r - this.lat1r) / 2);
        const a = u * u + this.cosLat1 * Math.cos(lat2r) * v * v;
        d = 2.0 * EARTH_RADIUS_IN_METERS * Math.asin(Math.sqrt(a));
      }
      return d > this.radiusM ? -1 : d;
    }
    const lon = lonOfLastScore();
    xy[0] = lon;
    xy[1] = lat;
    const widthM = s.width * s.conversion;
    const heightM = s.height * s.conversion;
    if (latDistance(lat, s.lat) > heightM / 2) return -1;
    if (geoDistance(lon, lat, s.lon, lat) > widthM / 2) return -1;
    return geoDistance(s.lon, s.lat, lon, lat);
  }
}

/** geohashEstimateStepsByRadius. */
function stepsByRadius(rangeMeters: number, lat: number): number {
  if (rangeMeters === 0) return 26;
  let step = 1;
  while (rangeMeters < MERCATOR_MAX) {
    rangeMeters *= 2;
    step++;
  }
  step -= 2;
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > GEO_STEP_MAX) step = GEO_STEP_MAX;
  return step;
}

/** The cells a search reads, in Redis's order: centre, N, S, E, W, NE, NW, SE, SW (null: dropped). */
export type SearchCells = (GeoCell | null)[];

function neighbours(h: GeoCell): SearchCells {
  return [
    h,
    movedY(h, 1),
    movedY(h, -1),
    movedX(h, 1),
    movedX(h, -1),
    movedY(movedX(h, 1), 1),
    movedY(movedX(h, -1), 1),
    movedY(movedX(h, 1), -1),
    movedY(movedX(h, -1), -1),
  ];
}

const N = 1;
const S = 2;
const E = 3;
const W = 4;
const NE = 5;
const NW = 6;
const SE = 7;
const SW = 8;

/** geohashCalculateAreasByShapeWGS84: the cells to read for a shape. */
export function searchCells(s: GeoShape): SearchCells {
  // geohashBoundingBox
  const height = s.conversion * (s.type === SHAPE_CIRCLE ? s.radius : s.height / 2);
  const width = s.conversion * (s.type === SHAPE_CIRCLE ? s.radius : s.width / 2);
  const latDelta = radDeg(height / EARTH_RADIUS_IN_METERS);
  const lonDeltaTop = radDeg(width / EARTH_RADIUS_IN_METERS / Math.cos(degRad(s.lat + latDelta)));
  const lonDeltaBottom = radDeg(width / EARTH_RADIUS_IN_METERS / Math.cos(degRad(s.lat - latDelta)));
  const south = s.lat < 0;
  const minLon = south ? s.lon - lonDeltaBottom : s.lon - lonDeltaTop;
  const maxLon = south ? s.lon + lonDeltaBottom : s.lon + lonDeltaTop;
  const minLat = s.lat - latDelta;
  const maxLat = s.lat + latDelta;

  let radiusMeters = s.type === SHAPE_CIRCLE ? s.radius : Math.sqrt((s.width / 2) * (s.width / 2) + (s.height / 2) * (s.height / 2));
  radiusMeters *= s.conversion;
  let steps = stepsByRadius(radiusMeters, s.lat);
  let hash = encodeCell(s.lon, s.lat, steps)!;
  let cells = neighbours(hash);
  const a: GeoArea = { latMin: 0, latMax: 0, lonMin: 0, lonMax: 0 };
  // Is the step fine enough at the edges of the covered area?
  const decrease =
    cellArea(cells[N]!, a).latMax < maxLat ||
    cellArea(cells[S]!, a).latMin > minLat ||
    cellArea(cells[E]!, a).lonMax < maxLon ||
    cellArea(cells[W]!, a).lonMin > minLon;
  if (steps > 1 && decrease) {
    steps--;
    hash = encodeCell(s.lon, s.lat, steps)!;
    cells = neighbours(hash);
  }
  if (steps >= 2) {
    const area = cellArea(hash, a);
    if (area.latMin < minLat) cells[S] = cells[SW] = cells[SE] = null;
    if (area.latMax > maxLat) cells[N] = cells[NE] = cells[NW] = null;
    if (area.lonMin < minLon) cells[W] = cells[SW] = cells[NW] = null;
    if (area.lonMax > maxLon) cells[E] = cells[SE] = cells[NE] = null;
  }
  return cells;
}
