// Geohash cells as Redis 7.0 computes them (geohash.c): a cell of step s is a latitude index and a
// longitude index, each in [0, 2^s) — or 2^s exactly for a point on the range's upper edge, as Redis's
// truncating conversion gives — over the ranges longitude -180..180 and latitude -85.05112878..85.05112878
// (EPSG:900913); its hash interleaves them, latitude on the even bits, longitude on the odd ones.
// A sorted-set score is the step-26 hash of a point (52 bits, exact in a double).
// Invariants: no 64-bit integer is ever rounded here except where Redis rounds too (a hash turned into a
// double score); arithmetic is done in 16/32-bit halves so no BigInt is needed on the common paths;
// moving a cell east/west wraps its longitude index modulo 2^s and leaves the latitude index as it is,
// and north/south the other way round, exactly as geohash_move_x / geohash_move_y do to the bits.

export const GEO_LAT_MIN = -85.05112878;
export const GEO_LAT_MAX = 85.05112878;
export const GEO_LONG_MIN = -180;
export const GEO_LONG_MAX = 180;
/** The step of a stored point: 26 bits per coordinate, a 52-bit score. */
export const GEO_STEP_MAX = 26;

const TWO32 = 4294967296;

/** A cell of the hash grid (GeoHashBits, as its two coordinate indexes). */
export interface GeoCell {
  lat: number;
  lon: number;
  step: number;
}

/** The bounds of a cell (GeoHashArea). */
export interface GeoArea {
  latMin: number;
  latMax: number;
  lonMin: number;
  lonMax: number;
}

/** The low 16 bits of v spread to the even bits of a 32-bit word. */
function spread16(v: number): number {
  v &= 0xffff;
  v = (v | (v << 8)) & 0x00ff00ff;
  v = (v | (v << 4)) & 0x0f0f0f0f;
  v = (v | (v << 2)) & 0x33333333;
  v = (v | (v << 1)) & 0x55555555;
  return v;
}

/** The even bits of a 32-bit word gathered into 16 bits. */
function compact16(v: number): number {
  v &= 0x55555555;
  v = (v | (v >>> 1)) & 0x33333333;
  v = (v | (v >>> 2)) & 0x0f0f0f0f;
  v = (v | (v >>> 4)) & 0x00ff00ff;
  v = (v | (v >>> 8)) & 0x0000ffff;
  return v;
}

/** interleave64(lat, lon) split into its 32-bit halves [hi, lo] (lat, lon are uint32). */
function interleaveHalves(lat: number, lon: number, out: number[]): void {
  out[1] = (spread16(lat) | (spread16(lon) << 1)) >>> 0;
  out[0] = (spread16(lat >>> 16) | (spread16(lon >>> 16) << 1)) >>> 0;
}

const halves = [0, 0];

/** The hash of a cell as a double (Redis's uint64 converted to double: exact below 2^53). */
export function cellBits(c: GeoCell): number {
  interleaveHalves(c.lat, c.lon, halves);
  return halves[0] * TWO32 + halves[1];
}

/**
 * geohashEncode over the given latitude range (Redis uses -85.05..85.05 for scores, -90..90 for
 * GEOHASH strings): the cell of step `step` holding the point, or null outside the ranges.
 */
export function encodeCell(lon: number, lat: number, step: number, latMin = GEO_LAT_MIN, latMax = GEO_LAT_MAX): GeoCell | null {
  if (lon > GEO_LONG_MAX || lon < GEO_LONG_MIN || lat > GEO_LAT_MAX || lat < GEO_LAT_MIN) return null;
  if (lat < latMin || lat > latMax) return null;
  const scale = 2 ** step;
  const latOffset = ((lat - latMin) / (latMax - latMin)) * scale;
  const lonOffset = ((lon - GEO_LONG_MIN) / (GEO_LONG_MAX - GEO_LONG_MIN)) * scale;
  // (uint32_t) of a non-negative double: truncation.
  return { lat: Math.floor(latOffset) >>> 0, lon: Math.floor(lonOffset) >>> 0, step };
}

/** The score of a point: its step-26 hash aligned to 52 bits (geohashEncodeWGS84 + geohashAlign52Bits). */
export function scoreOfPoint(lon: number, lat: number): number {
  return cellBits(encodeCell(lon, lat, GEO_STEP_MAX)!);
}

/** [hi, lo] of (uint64_t)score, as C converts a double on x86-64. */
function scoreHalves(score: number, out: number[]): void {
  if (score >= 0 && score < 9007199254740992) {
    const v = Math.floor(score);
    out[0] = Math.floor(v / TWO32);
    out[1] = v - out[0] * TWO32;
    return;
  }
  const TWO63 = 9223372036854775808;
  let v: bigint;
  if (score < TWO63) v = score <= -TWO63 ? 1n << 63n : BigInt.asUintN(64, BigInt(Math.trunc(score)));
  else v = score - TWO63 < TWO63 ? BigInt(Math.trunc(score - TWO63)) ^ (1n << 63n) : 0n;
  out[0] = Number(v >> 32n);
  out[1] = Number(v & 0xffffffffn);
}

/** geohashDecode over the score ranges. */
export function cellArea(c: GeoCell, out: GeoArea): GeoArea {
  const latScale = GEO_LAT_MAX - GEO_LAT_MIN;
  const lonScale = GEO_LONG_MAX - GEO_LONG_MIN;
  const div = 2 ** c.step;
  out.latMin = GEO_LAT_MIN + (c.lat / div) * latScale;
  out.latMax = GEO_LAT_MIN + (((c.lat + 1) >>> 0) / div) * latScale;
  out.lonMin = GEO_LONG_MIN + (c.lon / div) * lonScale;
  out.lonMax = GEO_LONG_MIN + (((c.lon + 1) >>> 0) / div) * lonScale;
  return out;
}

const LAT_SCALE = GEO_LAT_MAX - GEO_LAT_MIN;
const LON_SCALE = GEO_LONG_MAX - GEO_LONG_MIN;
const DIV26 = 2 ** GEO_STEP_MAX;

/**
 * The latitude of the point a score stands for (decodeGeohash: the step-26 cell of (uint64_t)score,
 * deinterleaved; the cell's centre, clamped). Allocates nothing; leaves the score's halves for lonOfScore.
 */
export function latOfScore(score: number): number {
  scoreHalves(score, halves);
  const lat = (compact16(halves[1]) | (compact16(halves[0]) << 16)) >>> 0;
  const latMin = GEO_LAT_MIN + (lat / DIV26) * LAT_SCALE;
  const latMax = GEO_LAT_MIN + (((lat + 1) >>> 0) / DIV26) * LAT_SCALE;
  const y = (latMin + latMax) / 2;
  return y > GEO_LAT_MAX ? GEO_LAT_MAX : y < GEO_LAT_MIN ? GEO_LAT_MIN : y;
}

/** The longitude of the point of the score latOfScore was last called with. */
export function lonOfLastScore(): number {
  const lon = (compact16(halves[1] >>> 1) | (compact16(halves[0] >>> 1) << 16)) >>> 0;
  const lonMin = GEO_LONG_MIN + (lon / DIV26) * LON_SCALE;
  const lonMax = GEO_LONG_MIN + (((lon + 1) >>> 0) / DIV26) * LON_SCALE;
  const x = (lonMin + lonMax) / 2;
  return x > GEO_LONG_MAX ? GEO_LONG_MAX : x < GEO_LONG_MIN ? GEO_LONG_MIN : x;
}

/** The point a score stands for, written to out as [lon, lat]. */
export function pointOfScore(score: number, out: number[]): void {
  out[1] = latOfScore(score);
  out[0] = lonOfLastScore();
}

const GEOALPHABET = '0123456789bcdefghjkmnpqrstuvwxyz';

/**
 * GEOHASH's string for a score: the point re-encoded at step 26 over latitude -90..90, as 11 base-32
 * characters (the 11th is always '0': 52 bits make 10.4 characters).
 */
export function geohashString(score: number): string {
  const xy = [0, 0];
  pointOfScore(score, xy);
  const c = encodeCell(xy[0], xy[1], GEO_STEP_MAX, -90, 90)!;
  interleaveHalves(c.lat, c.lon, halves);
  let s = '';
  for (let i = 0; i < 10; i++) {
    // bits (52..) >> (52 - 5(i+1)) & 31, from the two halves.
    const shift = 52 - (i + 1) * 5;
    const v = shift >= 32 ? halves[0] >>> (shift - 32) : shift === 0 ? halves[1] : (halves[1] >>> shift) | (halves[0] << (32 - shift));
    s += GEOALPHABET[v & 0x1f];
  }
  return s + '0';
}

/** geohash_move_x: the longitude index moved by d (wraps modulo 2^step). */
export function movedX(c: GeoCell, d: number): GeoCell {
  const mask = 2 ** c.step - 1;
  return { lat: c.lat, lon: (c.lon + d) & mask, step: c.step };
}

/** geohash_move_y: the latitude index moved by d (wraps modulo 2^step). */
export function movedY(c: GeoCell, d: number): GeoCell {
  const mask = 2 ** c.step - 1;
  return { lat: (c.lat + d) & mask, lon: c.lon, step: c.step };
}

/**
 * The sorted-set score range [min, max) of every point inside a cell (scoresOfGeoHashBox): the cell's
 * hash aligned to 52 bits, and the next hash aligned.
 */
export function cellScoreRange(c: GeoCell, out: number[]): void {
  interleaveHalves(c.lat, c.lon, halves);
  const align = 2 ** (52 - 2 * c.step);
  out[0] = (halves[0] * TWO32 + halves[1]) * align;
  out[1] = (halves[0] * TWO32 + (halves[1] + 1)) * align;
}
