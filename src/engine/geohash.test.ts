// The geohash, shape and partial-sort modules against facts taken from redis-server 7.0.15: scores of
// known points (the edge points whose offsets reach 2^26 included), decoded positions, GEOHASH strings,
// distances, the nine-cell walk's cells, and pqsort's guarantee.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cellScoreRange, encodeCell, geohashString, movedX, movedY, pointOfScore, scoreOfPoint } from './geohash.ts';
import { SHAPE_BOX, SHAPE_CIRCLE, ShapeTest, geoDistance, searchCells, type GeoShape } from './geo-shape.ts';
import { pqsort } from './pqsort.ts';
import { formatLongDouble, longDoubleOf } from '../util/numbers.ts';

const human = (v: number): string => formatLongDouble(longDoubleOf(v));

test('scores of points, as GEOADD stores them', () => {
  assert.equal(scoreOfPoint(13.361389, 38.115556), 3479099956230698);
  assert.equal(scoreOfPoint(15.087269, 37.502669), 3479447370796909);
  assert.equal(scoreOfPoint(-180, -85.05112878), 0);
  assert.equal(scoreOfPoint(0, -85.05112878), 2 ** 51);
  // Both offsets reach 2^26 at the upper edges: bits 52 and 53.
  assert.equal(scoreOfPoint(180, 85.05112878), 13510798882111488);
  assert.equal(encodeCell(180.1, 0, 26), null);
  assert.equal(encodeCell(0, 85.06, 26), null);
});

test('positions and GEOHASH strings of scores', () => {
  const xy = [0, 0];
  pointOfScore(3479099956230698, xy);
  assert.deepEqual(xy.map(human), ['13.36138933897018433', '38.11555639549629859']);
  pointOfScore(13510798882111488, xy);
  assert.deepEqual(xy.map(human), ['180', '85.0511287799999991']);
  assert.equal(geohashString(3479099956230698), 'sqc8b49rny0');
  assert.equal(geohashString(3479447370796909), 'sqdtr74hyu0');
  assert.equal(geohashString(13510798882111488), 'bp05b5048p0');
});

test('distances', () => {
  const a = [0, 0];
  const b = [0, 0];
  pointOfScore(3479099956230698, a);
  pointOfScore(3479447370796909, b);
  assert.equal(geoDistance(a[0], a[1], b[0], b[1]).toFixed(4), '166274.1516');
  assert.equal(geoDistance(10, 20, 10, 21), geoDistance(10, 21, 10, 20)); // the meridian shortcut
});

test('moving a cell wraps each index modulo 2^step and leaves the other', () => {
  const c = { lat: 0, lon: 7, step: 3 };
  assert.deepEqual(movedX(c, 1), { lat: 0, lon: 0, step: 3 });
  assert.deepEqual(movedY(c, -1), { lat: 7, lon: 7, step: 3 });
  assert.deepEqual(movedX({ lat: 8, lon: 8, step: 3 }, -1), { lat: 8, lon: 7, step: 3 });
  const r = [0, 0];
  cellScoreRange({ lat: 1, lon: 0, step: 1 }, r);
  assert.deepEqual(r, [2 ** 50, 2 ** 51]);
});

test('search cells: nine, minus the ones outside the area', () => {
  const circle: GeoShape = { type: SHAPE_CIRCLE, lon: 15, lat: 37, radius: 200, width: 0, height: 0, conversion: 1000 };
  const cells = searchCells(circle);
  assert.equal(cells.length, 9);
  assert.ok(cells[0] !== null);
  const box: GeoShape = { type: SHAPE_BOX, lon: 0, lat: 0, radius: 0, width: 0, height: 0, conversion: 1 };
  assert.equal(searchCells(box)[0]!.step, 26);
  const t = new ShapeTest(circle);
  const xy = [0, 0];
  assert.ok(t.distanceIfWithin(3479447370796909, xy) > 0); // Catania is within 200 km of (15, 37)
  assert.equal(t.distanceIfWithin(scoreOfPoint(0, 0), xy), -1);
});

test('pqsort puts in lrange..rrange what a full sort does', () => {
  let seed = 1;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let round = 0; round < 200; round++) {
    const n = 1 + Math.floor(rnd() * 120);
    const a = Array.from({ length: n }, () => Math.floor(rnd() * 20));
    const k = 1 + Math.floor(rnd() * n);
    const sorted = [...a].sort((x, y) => x - y);
    pqsort(a, (x, y) => x - y, 0, k - 1);
    assert.deepEqual(a.slice(0, k), sorted.slice(0, k));
    assert.deepEqual([...a].sort((x, y) => x - y), sorted);
  }
});
