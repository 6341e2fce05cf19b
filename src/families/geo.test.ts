// Geo commands, byte-exact against a real redis-server 7.0: each list of commands runs (after a
// FLUSHALL) on Redis and on Damselfly with 1 and 3 shard threads, in RESP2 and RESP3. Searches are
// compared in the order they reply — Redis's nine-cell walk order without ASC/DESC is reproduced, not
// sorted away. Stored distances (STOREDIST) are computed with correctly rounded sin/cos/asin, which
// glibc's results are for all but about one argument in a thousand (docs/encodings-geo.md); the cases
// here are among the others. STORE destinations are named apart from their sources so that at 3 threads many land on
// other shards. Skips when redis-server is not installed.

import { describe, it } from 'node:test';
import { DEFAULT_NORMALIZERS, REDIS_AVAILABLE, SKIP_NO_REDIS, rng, type Arg } from '../../test/harness.ts';
import { diffSuite } from '../../test/collection-suites.ts';

/** Cities and edge points: [lon, lat, name]. */
const CITIES: [string, string, string][] = [
  ['13.361389', '38.115556', 'Palermo'], ['15.087269', '37.502669', 'Catania'], ['2.352222', '48.856613', 'Paris'],
  ['-0.127758', '51.507351', 'London'], ['12.496366', '41.902782', 'Rome'], ['-74.005973', '40.712775', 'NewYork'],
  ['139.691706', '35.689487', 'Tokyo'], ['151.209296', '-33.868820', 'Sydney'], ['-58.381559', '-34.603684', 'BuenosAires'],
  ['37.617300', '55.755826', 'Moscow'], ['-122.419416', '37.774929', 'SanFrancisco'], ['18.068581', '59.329323', 'Stockholm'],
  ['179.999', '0', 'East180'], ['-179.998', '0.001', 'West180'], ['179.9', '-16.5', 'Fiji'], ['-179.9', '-16.6', 'FijiW'],
  ['0', '85.05112878', 'NorthEdge'], ['0', '-85.05112878', 'SouthEdge'], ['180', '85.05112878', 'Corner'], ['-180', '-85.05112878', 'Corner2'],
  ['0', '0', 'Origin'], ['-0.0001', '0.0001', 'NearOrigin'], ['10', '84.9', 'Arctic'], ['-170', '-84.5', 'Antarctic'],
];

function geoaddAll(key: string): Arg[] {
  return ['GEOADD', key, ...CITIES.flat()];
}

describe('geo commands match Redis', { skip: !REDIS_AVAILABLE && SKIP_NO_REDIS }, () => {
  const suite = diffSuite(DEFAULT_NORMALIZERS);
  const same = suite.same;

  it('GEOADD: options, replies, the encoding of the set, every error', async () => {
    await same([
      ['GEOADD', 'g', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania'],
      ['GEOADD', 'g', '13.361389', '38.115556', 'Palermo'],
      ['GEOADD', 'g', 'CH', '13.5', '38.1', 'Palermo', '1', '2', 'New'],
      ['GEOADD', 'g', 'NX', '14', '38', 'Palermo', '3', '4', 'New2'],
      ['GEOADD', 'g', 'XX', '14', '38', 'Palermo', '3', '4', 'New3'],
      ['GEOADD', 'g', 'xx', 'ch', '14.5', '38', 'Palermo'],
      ['GEOADD', 'g', 'ch', 'nx', 'ch', '5', '6', 'New4'],
      ['GEOADD', 'nokey', 'XX', '1', '2', 'm'], ['EXISTS', 'nokey'],
      ['ZRANGE', 'g', '0', '-1', 'WITHSCORES'], ['OBJECT', 'ENCODING', 'g'],
      ['GEOADD', 'g', 'NX', 'XX', '1', '2', 'm'], ['GEOADD', 'g', '1', '2'], ['GEOADD', 'g', '1', '2', 'm', '3'],
      ['GEOADD', 'g', 'GT', '1', '2', 'm'], ['GEOADD', 'g', 'GT', '1', '2'], ['GEOADD', 'g', 'NX', 'CH', 'XX'],
      ['GEOADD', 'g', 'CH', 'CH', 'NX'],
      ['GEOADD', 'g', 'abc', '2', 'm'], ['GEOADD', 'g', '1', 'nan', 'm'], ['GEOADD', 'g', '1', '2', 'm', 'x', '2', 'm2'],
      ['GEOADD', 'g', '180.0001', '0', 'm'], ['GEOADD', 'g', '-180.0001', '0', 'm'], ['GEOADD', 'g', '0', '85.05112879', 'm'],
      ['GEOADD', 'g', '0', '-85.06', 'm'], ['GEOADD', 'g', '200', '0.0078125', 'm'], ['GEOADD', 'g', '1e300', '-1e300', 'm'],
      ['GEOADD', 'g', 'inf', '0', 'm'], ['GEOADD', 'g', '0', '-inf', 'm'], ['GEOADD', 'g', '1', '2', 'ok', '500', '0', 'bad'],
      ['ZCARD', 'g'],
      ['SET', 's', 'x'], ['GEOADD', 's', '1', '2', 'm'], ['GEOADD', 's', '1', '200', 'm'], ['GEOADD', 's', 'NX', 'XX', '1', '2', 'm'],
      geoaddAll('cities'), ['ZRANGE', 'cities', '0', '-1', 'WITHSCORES'], ['OBJECT', 'ENCODING', 'cities'],
      ['CONFIG', 'SET', 'zset-max-listpack-value', '5'], ['GEOADD', 'long', '1', '2', 'a-long-member'], ['OBJECT', 'ENCODING', 'long'],
      ['CONFIG', 'SET', 'zset-max-listpack-value', '64'],
    ]);
  });

  it('GEOPOS GEOHASH GEODIST: cities, edges, units, missing members and keys', async () => {
    const names = CITIES.map((c) => c[2]);
    await same([
      geoaddAll('g'),
      ['GEOPOS', 'g', ...names, 'missing'], ['GEOPOS', 'nokey', 'a', 'b'], ['GEOPOS', 'g'],
      ['GEOHASH', 'g', ...names, 'missing'], ['GEOHASH', 'nokey', 'a'], ['GEOHASH', 'g'],
      ['GEODIST', 'g', 'Palermo', 'Catania'], ['GEODIST', 'g', 'Palermo', 'Catania', 'km'], ['GEODIST', 'g', 'Palermo', 'Catania', 'MI'],
      ['GEODIST', 'g', 'Palermo', 'Catania', 'ft'], ['GEODIST', 'g', 'Palermo', 'Catania', 'M'], ['GEODIST', 'g', 'Palermo', 'Palermo'],
      ['GEODIST', 'g', 'East180', 'West180'], ['GEODIST', 'g', 'Fiji', 'FijiW', 'km'], ['GEODIST', 'g', 'NorthEdge', 'SouthEdge', 'km'],
      ['GEODIST', 'g', 'Corner', 'Corner2'], ['GEODIST', 'g', 'Origin', 'NearOrigin'], ['GEODIST', 'g', 'Sydney', 'London', 'mi'],
      ['GEODIST', 'g', 'Tokyo', 'BuenosAires', 'ft'], ['GEODIST', 'g', 'Arctic', 'Antarctic'],
      ['GEODIST', 'g', 'Palermo', 'missing'], ['GEODIST', 'g', 'missing', 'Palermo'], ['GEODIST', 'nokey', 'a', 'b'],
      ['GEODIST', 'nokey', 'a', 'b', 'parsecs'], ['GEODIST', 'g', 'Palermo', 'Catania', 'parsecs'], ['GEODIST', 'g', 'a', 'b', 'km', 'x'],
      // Plain sorted sets: any score decodes to some point.
      ['ZADD', 'z', '0', 'zero', '1.5', 'frac', '4503599627370495', 'max52', '4503599627370496', 'over52', '-1', 'neg', '1e30', 'huge', '9007199254740993', 'big'],
      ['GEOPOS', 'z', 'zero', 'frac', 'max52', 'over52', 'neg', 'huge', 'big'], ['GEOHASH', 'z', 'zero', 'frac', 'max52', 'over52', 'neg', 'huge', 'big'],
      ['GEODIST', 'z', 'zero', 'max52'], ['GEODIST', 'z', 'neg', 'huge', 'km'],
      ['SET', 's', 'x'], ['GEOPOS', 's', 'a'], ['GEOHASH', 's', 'a'], ['GEODIST', 's', 'a', 'b'], ['GEODIST', 's', 'a', 'b', 'bad'],
    ]);
  });

  it('GEORADIUS GEORADIUS_RO: radii, units, WITH*, COUNT [ANY], ASC/DESC, walk order', async () => {
    const cmds: Arg[][] = [geoaddAll('g')];
    const centres: [string, string][] = [['15', '37'], ['0', '0'], ['180', '0'], ['-180', '-16'], ['179.95', '-16.55'], ['0', '85'], ['10', '-85'], ['139', '35'], ['-74', '40.7']];
    for (const [lon, lat] of centres) {
      for (const [r, u] of [['0', 'm'], ['200', 'km'], ['1000', 'mi'], ['5000', 'km'], ['20000', 'km'], ['99999999', 'ft']]) {
        cmds.push(['GEORADIUS', 'g', lon, lat, r, u]);
        cmds.push(['GEORADIUS_RO', 'g', lon, lat, r, u, 'WITHDIST', 'WITHCOORD', 'WITHHASH', 'ASC']);
        cmds.push(['GEORADIUS', 'g', lon, lat, r, u, 'DESC', 'WITHDIST', 'COUNT', '3']);
        cmds.push(['GEORADIUS', 'g', lon, lat, r, u, 'COUNT', '2', 'ANY', 'WITHCOORD']);
        cmds.push(['GEORADIUS', 'g', lon, lat, r, u, 'COUNT', '4']);
      }
    }
    cmds.push(['GEORADIUS', 'g', '13.361389', '38.115556', '0', 'km', 'WITHDIST'], ['GEORADIUS', 'nokey', '0', '0', '1', 'km'], ['GEORADIUS', 'g', '0', '0', 'inf', 'm', 'COUNT', '3', 'ASC']);
    await same(cmds);
  });

  it('GEORADIUSBYMEMBER (_RO) and GEOSEARCH: FROMMEMBER/FROMLONLAT, BYRADIUS/BYBOX, boxes over the antimeridian', async () => {
    const cmds: Arg[][] = [geoaddAll('g')];
    for (const m of ['Palermo', 'East180', 'Fiji', 'NorthEdge', 'Origin', 'Sydney', 'Corner']) {
      cmds.push(['GEORADIUSBYMEMBER', 'g', m, '500', 'km', 'WITHDIST', 'ASC']);
      cmds.push(['GEORADIUSBYMEMBER_RO', 'g', m, '3000', 'mi', 'WITHCOORD', 'WITHHASH', 'COUNT', '3']);
      cmds.push(['GEOSEARCH', 'g', 'FROMMEMBER', m, 'BYRADIUS', '1000', 'km', 'WITHDIST']);
      cmds.push(['GEOSEARCH', 'g', 'FROMMEMBER', m, 'BYBOX', '4000', '2000', 'km', 'DESC', 'WITHDIST', 'WITHCOORD']);
    }
    for (const [lon, lat] of [['180', '-16'], ['-179.99', '0'], ['0', '0'], ['15', '37'], ['0', '84'], ['-100', '-84.9']]) {
      for (const [wd, h, u] of [['0', '0', 'm'], ['500', '500', 'km'], ['3000', '100', 'km'], ['100', '3000', 'mi'], ['40000', '40000', 'km']]) {
        cmds.push(['GEOSEARCH', 'g', 'FROMLONLAT', lon, lat, 'BYBOX', wd, h, u]);
        cmds.push(['GEOSEARCH', 'g', 'BYBOX', wd, h, u, 'FROMLONLAT', lon, lat, 'ASC', 'WITHDIST', 'WITHHASH']);
        cmds.push(['GEOSEARCH', 'g', 'FROMLONLAT', lon, lat, 'BYBOX', wd, h, u, 'COUNT', '1', 'ANY']);
      }
    }
    for (const [wd, h] of [['inf', 'inf'], ['inf', '1'], ['1', 'inf'], ['-0', '0'], ['1e308', '1e308']]) {
      cmds.push(['GEOSEARCH', 'g', 'FROMLONLAT', '10', '20', 'BYBOX', wd, h, 'km', 'WITHDIST'], ['GEOSEARCH', 'g', 'FROMMEMBER', 'Corner', 'BYBOX', wd, h, 'm']);
    }
    for (const r of ['inf', '-0', '1e308', '0.0000001', '20037726.37', '10018863']) {
      cmds.push(['GEOSEARCH', 'g', 'FROMLONLAT', '-170', '-80', 'BYRADIUS', r, 'm', 'WITHDIST'], ['GEORADIUS', 'g', '179.999', '0', r, 'km', 'WITHCOORD']);
    }
    cmds.push(['GEORADIUSBYMEMBER', 'nokey', 'm', 'notanumber', 'parsecs'], ['GEOSEARCH', 'nokey', 'FROMMEMBER', 'x', 'BYRADIUS', '1', 'km']);
    await same(cmds);
  });

  it('STORE STOREDIST GEOSEARCHSTORE, across shards, and the stored set', async () => {
    const cmds: Arg[][] = [geoaddAll('src'), ['SET', 'str', 'x']];
    const dsts = ['dst', 'other', 'b', 'c', '{src}d', 'zz9'];
    for (const dst of dsts) {
      cmds.push(
        ['GEORADIUS', 'src', '15', '37', '2000', 'km', 'STORE', dst], ['ZRANGE', dst, '0', '-1', 'WITHSCORES'], ['OBJECT', 'ENCODING', dst],
        ['GEORADIUS', 'src', '15', '37', '2000', 'km', 'STOREDIST', dst, 'COUNT', '3', 'DESC'], ['ZRANGE', dst, '0', '-1', 'WITHSCORES'],
        ['GEORADIUSBYMEMBER', 'src', 'Tokyo', '10000', 'km', 'STORE', dst, 'COUNT', '2'], ['ZRANGE', dst, '0', '-1', 'WITHSCORES'],
        ['GEOSEARCHSTORE', dst, 'src', 'FROMLONLAT', '0', '0', 'BYBOX', '20000', '20000', 'km', 'STOREDIST'], ['ZRANGE', dst, '0', '-1', 'WITHSCORES'],
        ['GEOSEARCHSTORE', dst, 'src', 'FROMMEMBER', 'Paris', 'BYRADIUS', '3000', 'km', 'COUNT', '4', 'ANY'], ['ZRANGE', dst, '0', '-1', 'WITHSCORES'],
        ['GEORADIUS', 'src', '0', '0', '1', 'm', 'STORE', dst], ['EXISTS', dst],
        ['SET', dst, 'v'], ['GEORADIUS', 'nosrc', '0', '0', '1', 'm', 'STORE', dst], ['EXISTS', dst],
        ['SET', dst, 'v'], ['GEOSEARCHSTORE', dst, 'nosrc', 'FROMMEMBER', 'x', 'BYRADIUS', '1', 'm'], ['EXISTS', dst],
        ['GEOSEARCHSTORE', dst, 'str', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'm'],
        ['GEORADIUS', 'src', '0', '0', '20000', 'km', 'STORE', 'x', 'STOREDIST', dst], ['ZCARD', dst], ['EXISTS', 'x'],
      );
    }
    for (const [lon, lat] of [['0', '0'], ['15', '37'], ['-122', '37'], ['151', '-34'], ['179.99', '0']]) {
      cmds.push(['GEOSEARCHSTORE', 'dists', 'src', 'FROMLONLAT', lon, lat, 'BYRADIUS', '20000', 'km', 'STOREDIST'], ['ZRANGE', 'dists', '0', '-1', 'WITHSCORES']);
    }
    cmds.push(
      ['CONFIG', 'SET', 'zset-max-listpack-entries', '3'],
      ['GEORADIUS', 'src', '0', '0', '20000', 'km', 'STORE', 'big'], ['OBJECT', 'ENCODING', 'big'],
      ['GEORADIUS', 'src', '0', '0', '20000', 'km', 'STORE', 'big', 'COUNT', '3'], ['OBJECT', 'ENCODING', 'big'],
      ['CONFIG', 'SET', 'zset-max-listpack-entries', '128'],
      ['GEORADIUS', 'src', '15', '37', '500', 'km', 'STORE', 'src'], ['ZRANGE', 'src', '0', '-1', 'WITHSCORES'],
    );
    await same(cmds);
  });

  it('search errors in Redis order', async () => {
    await same([
      geoaddAll('g'), ['SET', 's', 'x'],
      ['GEORADIUS', 's', 'x', 'y', 'z', 'u'], ['GEORADIUS', 'g', 'x', '0', '1', 'km'], ['GEORADIUS', 'g', '0', 'x', '1', 'km'],
      ['GEORADIUS', 'g', '190', '0', '1', 'km'], ['GEORADIUS', 'g', '0', '0', 'x', 'km'], ['GEORADIUS', 'g', '0', '0', '-1', 'km'],
      ['GEORADIUS', 'g', '0', '0', '1', 'parsecs'], ['GEORADIUS', 'g', '0', '0', '-1', 'parsecs'], ['GEORADIUS', 'g', '0', '0', '1', 'km', 'BOGUS'],
      ['GEORADIUS', 'g', '0', '0', '1', 'km', 'COUNT'], ['GEORADIUS', 'g', '0', '0', '1', 'km', 'COUNT', 'x'], ['GEORADIUS', 'g', '0', '0', '1', 'km', 'COUNT', '0'],
      ['GEORADIUS', 'g', '0', '0', '1', 'km', 'COUNT', '-5'], ['GEORADIUS', 'g', '0', '0', '1', 'km', 'ANY'], ['GEORADIUS', 'g', '0', '0', '1', 'km', 'ANY', 'BOGUS'],
      ['GEORADIUS', 'g', '0', '0', '1', 'km', 'STORE'], ['GEORADIUS', 'g', '0', '0', '1', 'km', 'STORE', 'd', 'WITHDIST'],
      ['GEORADIUS', 'g', '0', '0', '1', 'km', 'WITHHASH', 'STOREDIST', 'd'], ['GEORADIUS_RO', 'g', '0', '0', '1', 'km', 'STORE', 'd'],
      ['GEORADIUS', 'g', '0', '0', '1', 'km', 'FROMLONLAT', '0', '0'], ['GEORADIUS', 'g', '0', '0', '1', 'km', 'COUNT', '99999999999999999999'],
      ['GEORADIUS', 'nokey', '0', '0', '1', 'km', 'STORE', 'd', 'WITHDIST'], ['GEORADIUS', 'nokey', '0', '0', '1', 'km', 'ANY'],
      ['GEORADIUSBYMEMBER', 'g', 'missing', '1', 'km'], ['GEORADIUSBYMEMBER', 'g', 'Palermo', 'x', 'km'], ['GEORADIUSBYMEMBER', 'g', 'Palermo', '1', 'x'],
      ['GEORADIUSBYMEMBER', 's', 'Palermo', '1', 'km'], ['GEORADIUSBYMEMBER_RO', 'g', 'Palermo', '1', 'km', 'STOREDIST', 'd'],
      ['GEOSEARCH', 'g'], ['GEOSEARCH', 'g', 'FROMLONLAT', '0', '0'], ['GEOSEARCH', 'g', 'BYRADIUS', '1', 'km'], ['geosearch', 'g', 'bybox', '1', '1', 'km'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '0', '0', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '1', 'km'],
      ['GEOSEARCH', 'g', 'FROMMEMBER', 'Palermo', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km'],
      ['GEOSEARCH', 'g', 'FROMMEMBER', 'missing', 'BYRADIUS', '1', 'km'], ['GEOSEARCH', 'g', 'FROMLONLAT', '0', '100', 'BYRADIUS', '1', 'km'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km', 'BYBOX', '1', '1', 'km'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '0', '0', 'BYBOX', '1', '1', 'km', 'BYRADIUS', '1', 'km'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '0', '0', 'BYBOX', 'x', '1', 'km'], ['GEOSEARCH', 'g', 'FROMLONLAT', '0', '0', 'BYBOX', '1', 'x', 'km'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '0', '0', 'BYBOX', '-1', '1', 'km'], ['GEOSEARCH', 'g', 'FROMLONLAT', '0', '0', 'BYBOX', '1', '1', 'yards'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '0', '0', 'BYBOX', '1', '1'], ['GEOSEARCH', 'g', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km', 'STORE', 'd'], ['GEOSEARCH', 'g', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km', 'STOREDIST'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km', 'ANY'], ['GEOSEARCH', 's', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km'],
      ['GEOSEARCH', 'nokey', 'FROMMEMBER', 'x', 'BYRADIUS', '-1', 'km'], ['GEOSEARCH', 'nokey', 'FROMMEMBER', 'x'],
      ['GEOSEARCHSTORE', 'd', 'g', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km', 'WITHDIST'], ['GEOSEARCHSTORE', 'd', 'g', 'FROMLONLAT', '0', '0'],
      ['GEOSEARCHSTORE', 'd', 'g', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km', 'STORE', 'x'], ['GeoSearchStore', 'd', 'g', 'BYRADIUS', '1', 'km'],
      ['GEOSEARCHSTORE', 'd', 's', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km'], ['GEOSEARCHSTORE', 'd', 'g', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km', 'ANY'],
      ['EXISTS', 'd'],
    ]);
  });

  it('COUNT with points at equal distances: the order of Redis\'s partial sort', async () => {
    const add: Arg[] = ['GEOADD', 'g'];
    for (let i = 0; i < 90; i++) add.push(String(10 + (i % 3) * 0.01), String(45 + (i % 3) * 0.01), `m${(i * 37) % 90}`);
    const cmds: Arg[][] = [add];
    for (const n of ['1', '2', '5', '7', '8', '30', '41', '89', '90', '200']) {
      cmds.push(['GEORADIUS', 'g', '10', '45', '100', 'km', 'COUNT', n], ['GEORADIUS', 'g', '10', '45', '100', 'km', 'COUNT', n, 'DESC']);
      cmds.push(['GEOSEARCH', 'g', 'FROMLONLAT', '10.01', '45.01', 'BYBOX', '100', '100', 'km', 'COUNT', n, 'WITHDIST']);
    }
    cmds.push(['GEORADIUS', 'g', '10', '45', '100', 'km', 'ASC'], ['GEORADIUS', 'g', '10', '45', '100', 'km', 'DESC']);
    await same(cmds);
  });

  it('COMMAND GETKEYS / GETKEYSANDFLAGS, and STORE inside MULTI across shards', async () => {
    const calls: Arg[][] = [
      ['GEORADIUS', 'src', '15', '37', '200', 'km', 'STORE', 'd1'], ['GEORADIUS', 'src', '15', '37', '200', 'km', 'STORE', 'd1', 'STOREDIST', 'd2'],
      ['GEORADIUS', 'src', '15', '37', '200', 'km', 'COUNT', '1'], ['GEORADIUSBYMEMBER', 'src', 'm', '1', 'km', 'STOREDIST', 'd1'],
      ['GEORADIUS_RO', 'src', '15', '37', '200', 'km'], ['GEOSEARCHSTORE', 'a', 'b', 'FROMLONLAT', '1', '1', 'BYRADIUS', '1', 'km'],
      ['GEOSEARCH', 'a', 'FROMLONLAT', '1', '1', 'BYRADIUS', '1', 'km'], ['GEOADD', 'k', '1', '2', 'm'], ['GEOPOS', 'k', 'm'],
    ];
    const cmds: Arg[][] = [];
    for (const c of calls) cmds.push(['COMMAND', 'GETKEYS', ...c], ['COMMAND', 'GETKEYSANDFLAGS', ...c]);
    cmds.push(
      geoaddAll('src'), ['MULTI'], ['GEORADIUS', 'src', '15', '37', '2000', 'km', 'STORE', 'dst1'],
      ['GEOSEARCHSTORE', 'dst2', 'src', 'FROMLONLAT', '15', '37', 'BYRADIUS', '2000', 'km', 'COUNT', '2'],
      ['GEORADIUSBYMEMBER', 'src', 'Paris', '500', 'km', 'STORE', 'dst3'], ['ZRANGE', 'dst1', '0', '-1'], ['GEOPOS', 'dst2', 'Palermo', 'Catania'],
      ['ZRANGE', 'dst3', '0', '-1', 'WITHSCORES'], ['EXEC'],
    );
    await same(cmds);
  });

  it('seeded random points and searches: walk order, decisions, distances, coordinates', async () => {
    const r = rng(20261207);
    const pick = <T>(a: T[]): T => a[Math.floor(r() * a.length)];
    const num = (lo: number, hi: number, digits: number): string => (lo + r() * (hi - lo)).toFixed(digits);
    const add: Arg[] = ['GEOADD', 'g'];
    for (let i = 0; i < 400; i++) {
      // Half spread over the world, half in clusters (near the antimeridian, a pole limit, Europe).
      const c = pick([null, null, [179.5, 10], [-179.5, -10], [0, 84.5], [12, 45]]);
      const lon = c === null ? num(-180, 180, 6) : String(Math.max(-180, Math.min(180, c[0] + (r() - 0.5) * 3)).toFixed(5));
      const lat = c === null ? num(-85, 85, 6) : String(Math.max(-85.05, Math.min(85.05, c[1] + (r() - 0.5) * 2)).toFixed(5));
      add.push(lon, lat, `p${i}`);
    }
    const cmds: Arg[][] = [add];
    for (let i = 0; i < 120; i++) {
      const unit = pick(['m', 'km', 'mi', 'ft']);
      const perUnit = { m: 1, km: 1000, mi: 1609.34, ft: 0.3048 }[unit]!;
      const span = (pick([1, 10, 100, 1000, 5000]) * 1000) / perUnit;
      const opts: Arg[] = [];
      if (r() < 0.4) opts.push(pick(['ASC', 'DESC']));
      if (r() < 0.4) opts.push('COUNT', String(1 + Math.floor(r() * 8)), ...(r() < 0.3 ? ['ANY'] : []));
      for (const w of ['WITHDIST', 'WITHCOORD', 'WITHHASH']) if (r() < 0.3) opts.push(w);
      const centre: [string, string] = r() < 0.3 ? [num(178, 180, 4), num(-20, 20, 4)] : [num(-180, 180, 4), num(-85, 85, 4)];
      const from: Arg[] = r() < 0.3 ? ['FROMMEMBER', `p${Math.floor(r() * 400)}`] : ['FROMLONLAT', ...centre];
      const by: Arg[] = r() < 0.5 ? ['BYRADIUS', span.toFixed(3), unit] : ['BYBOX', (span * 2 * r()).toFixed(3), (span * 2 * r()).toFixed(3), unit];
      if (r() < 0.3) cmds.push(['GEORADIUS', 'g', ...centre, span.toFixed(3), unit, ...opts]);
      else cmds.push(['GEOSEARCH', 'g', ...from, ...by, ...opts]);
    }
    await same(cmds);
  });

  it('sorted-set commands on a geo set', async () => {
    await same([
      geoaddAll('g'), ['ZRANGE', 'g', '0', '-1', 'WITHSCORES'], ['ZSCORE', 'g', 'Paris'], ['ZRANGEBYSCORE', 'g', '3000000000000000', '+inf'],
      ['ZREM', 'g', 'Paris'], ['GEOPOS', 'g', 'Paris'], ['ZINCRBY', 'g', '1', 'Rome'], ['GEOPOS', 'g', 'Rome'], ['GEOHASH', 'g', 'Rome'], ['TYPE', 'g'],
    ]);
  });
});
