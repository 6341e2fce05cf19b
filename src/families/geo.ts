// Geo commands over sorted sets (Redis's geo.c): GEOADD GEODIST GEOHASH GEOPOS, GEORADIUS
// GEORADIUSBYMEMBER and their _RO forms, GEOSEARCH GEOSEARCHSTORE. A point is a member whose score is
// its 52-bit geohash (src/engine/geohash.ts); searches read the nine cells' score ranges
// (src/engine/geo-search.ts).
// Invariants: arguments are checked in Redis's order with its error texts (the source key is looked up
// first, then the arguments are read left to right); GEOADD is ZADD's adding with the computed scores; a search
// with STORE/STOREDIST runs on the source's shard and stores on the destination's, in the encoding Redis
// gives a stored result; distances print as Redis's fixedpoint "%.4f", coordinates as its
// ld2string(LD_STR_HUMAN) (a RESP3 double), hashes as integers.

import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { CommandImpl, ShardExec } from '../server/command-types.ts';
import type { Client } from '../server/client.ts';
import { shardOfKey } from '../runtime/slots.ts';
import { ZSet } from '../engine/zset.ts';
import { compareKeys } from '../engine/score-tree.ts';
import { GEO_LAT_MAX, GEO_LAT_MIN, GEO_LONG_MAX, GEO_LONG_MIN, geohashString, pointOfScore, scoreOfPoint } from '../engine/geohash.ts';
import { SHAPE_BOX, SHAPE_CIRCLE, geoDistance, geoDistanceExact, type GeoShape } from '../engine/geo-shape.ts';
import { geoSearch, sortByDistance, type GeoPoint } from '../engine/geo-search.ts';
import { OpError, defineOp } from '../server/shard-ops.ts';
import { bytesList, scoredMembers, tuple, u32, type ScoredMembers } from '../util/codec.ts';
import { formatLongDouble, longDoubleOf, parseDoubleArg, printfFixed } from '../util/numbers.ts';
import { ERR_NOT_INTEGER, ERR_SYNTAX, ERR_WRONGTYPE, isWord, keyString, lookupRead, parseInteger } from './family-util.ts';
import { STORE_SORTED, ZSET_STORE, storeSorted, zsetOf } from './zset-common.ts';
import { zaddScored } from './zset.ts';
import { ZADD_NX, ZADD_XX } from '../engine/zset.ts';

const ERR_NOT_FLOAT = 'ERR value is not a valid float';
const ERR_UNIT = 'ERR unsupported unit provided. please use M, KM, FT, MI';
const ERR_MEMBER = 'ERR could not decode requested zset member';

// georadiusGeneric's flags.
const RADIUS_COORDS = 1;
const RADIUS_MEMBER = 2;
const RADIUS_NOSTORE = 4;
const GEOSEARCH = 8;
const GEOSEARCHSTORE = 16;

/** extractUnitOrReply: metres per unit, or -1. */
function unitOf(b: Buffer): number {
  if (isWord(b, 'M')) return 1;
  if (isWord(b, 'KM')) return 1000;
  if (isWord(b, 'FT')) return 0.3048;
  if (isWord(b, 'MI')) return 1609.34;
  return -1;
}

/** extractLongLatOrReply: [lon, lat] from two arguments, or the error text. */
function lonLatOf(args: Buffer[], at: number, out: number[]): string | null {
  for (let i = 0; i < 2; i++) {
    const v = parseDoubleArg(args[at + i]);
    if (v === null) return ERR_NOT_FLOAT;
    out[i] = v;
  }
  const [x, y] = out;
  if (x < GEO_LONG_MIN || x > GEO_LONG_MAX || y < GEO_LAT_MIN || y > GEO_LAT_MAX) {
    // Redis's format ends in "\r\n", which its error reply trims.
    return `ERR invalid longitude,latitude pair ${printfFixed(x, 6)},${printfFixed(y, 6)}`;
  }
  return null;
}

/** addReplyDoubleDistance: fixedpoint_d2string(d, 4) — d * 10^4 rounded half-even (llrint), 4 decimals. */
function formatDistance(d: number): string {
  if (d === 0) return '0.0000';
  const p = d * 10000;
  let r = Math.round(p);
  if (r - p === 0.5 && r % 2 !== 0) r -= 1; // a tie: llrint rounds to even
  const neg = r < 0;
  const digits = String(Math.abs(r)).padStart(5, '0');
  return (neg ? '-' : '') + digits.slice(0, -4) + '.' + digits.slice(-4);
}

/** addReplyHumanLongDouble of a coordinate. */
function replyCoord(w: ReplyWriter, v: number): void {
  w.double(formatLongDouble(longDoubleOf(v)));
}

// ---------------------------------------------------------------------------------------------
// GEOADD GEODIST GEOHASH GEOPOS
// ---------------------------------------------------------------------------------------------

/** GEOADD key [NX | XX] [CH] longitude latitude member [longitude latitude member ...] — ZADD's adding with the points' scores. */
function opGeoAdd(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  let at = 2;
  let nx = false;
  let xx = false;
  let ch = false;
  for (; at < args.length; at++) {
    const o = args[at];
    if (isWord(o, 'NX')) nx = true;
    else if (isWord(o, 'XX')) xx = true;
    else if (isWord(o, 'CH')) ch = true;
    else break;
  }
  const elements = (args.length - at) / 3;
  // ZADD's check of the rewritten command follows: no pairs is a syntax error too.
  if ((args.length - at) % 3 !== 0 || (xx && nx) || elements === 0) return w.error(ERR_SYNTAX);
  const scores: number[] = new Array(elements);
  const xy = [0, 0];
  for (let i = 0; i < elements; i++) {
    const err = lonLatOf(args, at + i * 3, xy);
    if (err !== null) return w.error(err);
    scores[i] = scoreOfPoint(xy[0], xy[1]);
  }
  zaddScored(x, args, at + 2, 3, (nx ? ZADD_NX : 0) | (xx ? ZADD_XX : 0), ch, scores, w);
}

/** GEODIST key member1 member2 [M | KM | FT | MI] */
function opGeoDist(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  let toMeter = 1;
  if (args.length === 5) {
    toMeter = unitOf(args[4]);
    if (toMeter < 0) return w.error(ERR_UNIT);
  } else if (args.length > 5) return w.error(ERR_SYNTAX);
  const z = zsetOf(lookupRead(x, args[1]), w);
  if (z === null) return;
  if (z === undefined) return w.nullBulk();
  const s1 = z.score(keyString(args[2]));
  const s2 = s1 === undefined ? undefined : z.score(keyString(args[3]));
  if (s1 === undefined || s2 === undefined) return w.nullBulk();
  const a = [0, 0];
  const b = [0, 0];
  pointOfScore(s1, a);
  pointOfScore(s2, b);
  // Printed to 4 decimals: Math's last bit never shows but at a rounding boundary (geoDistanceExact costs ~3 µs).
  w.bulk(formatDistance(geoDistance(a[0], a[1], b[0], b[1]) / toMeter));
}

/** GEOHASH key [member [member ...]] */
function opGeoHash(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const z = zsetOf(lookupRead(x, args[1]), w);
  if (z === null) return;
  w.array(args.length - 2);
  for (let j = 2; j < args.length; j++) {
    const s = z === undefined ? undefined : z.score(keyString(args[j]));
    if (s === undefined) w.nullBulk();
    else w.bulk(geohashString(s));
  }
}

/** GEOPOS key [member [member ...]] */
function opGeoPos(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const z = zsetOf(lookupRead(x, args[1]), w);
  if (z === null) return;
  w.array(args.length - 2);
  const xy = [0, 0];
  for (let j = 2; j < args.length; j++) {
    const s = z === undefined ? undefined : z.score(keyString(args[j]));
    if (s === undefined) {
      w.nullArray();
      continue;
    }
    pointOfScore(s, xy);
    w.array(2);
    replyCoord(w, xy[0]);
    replyCoord(w, xy[1]);
  }
}

// ---------------------------------------------------------------------------------------------
// GEORADIUS GEORADIUSBYMEMBER (_RO) GEOSEARCH GEOSEARCHSTORE
// ---------------------------------------------------------------------------------------------

/** A search's outcome: the points to reply with or store (sorted and cut to COUNT), and how. */
interface SearchOutcome {
  points: GeoPoint[];
  /** Argument index of the destination key (0: none). */
  storeAt: number;
  storeDist: boolean;
  withDist: boolean;
  withHash: boolean;
  withCoord: boolean;
  conversion: number;
  /** The centre, [lon, lat]. */
  centre: number[];
}

const SORT_NONE = 0;
const SORT_ASC = 1;
const SORT_DESC = 2;

/** Redis georadiusGeneric up to the reply: the source key at args[srcAt]; an error text or the outcome. */
function searchGeneric(x: ShardExec, args: Buffer[], srcAt: number, flags: number): SearchOutcome | string {
  const e = lookupRead(x, args[srcAt]);
  if (e !== undefined && !(e.value instanceof ZSet)) return ERR_WRONGTYPE;
  const z = e === undefined ? undefined : (e.value as ZSet);
  const shape: GeoShape = { type: SHAPE_CIRCLE, lon: 0, lat: 0, radius: 0, width: 0, height: 0, conversion: 0 };
  const xy = [0, 0];
  let base: number;
  let storeAt = 0;
  if (flags & RADIUS_COORDS) {
    base = 6;
    const err = lonLatOf(args, 2, xy) ?? radiusOf(args, 4, shape);
    if (err !== null) return err;
  } else if (flags & RADIUS_MEMBER) {
    base = 5;
    if (z !== undefined) {
      const s = z.score(keyString(args[2]));
      if (s === undefined) return ERR_MEMBER;
      pointOfScore(s, xy);
      const err = radiusOf(args, 3, shape);
      if (err !== null) return err;
    }
  } else {
    base = 2;
    if (flags & GEOSEARCHSTORE) {
      base = 3;
      storeAt = 1;
    }
  }
  let withDist = false;
  let withHash = false;
  let withCoord = false;
  let fromMember = false;
  let fromLoc = false;
  let byRadius = false;
  let byBox = false;
  let sort = SORT_NONE;
  let any = false;
  let count = 0;
  let storeDist = false;
  const canStore = !(flags & RADIUS_NOSTORE) && !(flags & GEOSEARCH);
  const search = (flags & GEOSEARCH) !== 0;
  const remaining = args.length - base;
  for (let i = 0; i < remaining; i++) {
    const at = base + i;
    const a = args[at];
    if (isWord(a, 'WITHDIST')) withDist = true;
    else if (isWord(a, 'WITHHASH')) withHash = true;
    else if (isWord(a, 'WITHCOORD')) withCoord = true;
    else if (isWord(a, 'ANY')) any = true;
    else if (isWord(a, 'ASC')) sort = SORT_ASC;
    else if (isWord(a, 'DESC')) sort = SORT_DESC;
    else if (isWord(a, 'COUNT') && i + 1 < remaining) {
      const v = parseInteger(args[at + 1]);
      if (v === null) return ERR_NOT_INTEGER;
      if (v <= 0) return 'ERR COUNT must be > 0';
      count = Number(v);
      i++;
    } else if (isWord(a, 'STORE') && i + 1 < remaining && canStore) {
      storeAt = at + 1;
      storeDist = false;
      i++;
    } else if (isWord(a, 'STOREDIST') && i + 1 < remaining && canStore) {
      storeAt = at + 1;
      storeDist = true;
      i++;
    } else if (isWord(a, 'STOREDIST') && search && (flags & GEOSEARCHSTORE)) {
      storeDist = true;
    } else if (isWord(a, 'FROMMEMBER') && i + 1 < remaining && search && !fromLoc) {
      if (z !== undefined) {
        const s = z.score(keyString(args[at + 1]));
        if (s === undefined) return ERR_MEMBER;
        pointOfScore(s, xy);
      }
      fromMember = true;
      i++;
    } else if (isWord(a, 'FROMLONLAT') && i + 2 < remaining && search && !fromMember) {
      const err = lonLatOf(args, at + 1, xy);
      if (err !== null) return err;
      fromLoc = true;
      i += 2;
    } else if (isWord(a, 'BYRADIUS') && i + 2 < remaining && search && !byBox) {
      const err = radiusOf(args, at + 1, shape);
      if (err !== null) return err;
      byRadius = true;
      i += 2;
    } else if (isWord(a, 'BYBOX') && i + 3 < remaining && search && !byRadius) {
      const err = boxOf(args, at + 1, shape);
      if (err !== null) return err;
      byBox = true;
      i += 3;
    } else return ERR_SYNTAX;
  }
  if (storeAt !== 0 && (withDist || withHash || withCoord)) {
    return `ERR ${flags & GEOSEARCHSTORE ? 'GEOSEARCHSTORE' : 'STORE option in GEORADIUS'} is not compatible with WITHDIST, WITHHASH and WITHCOORD options`;
  }
  const name = args[0].toString('latin1');
  if (search && !(fromMember || fromLoc)) return `ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for ${name}`;
  if (search && !(byRadius || byBox)) return `ERR exactly one of BYRADIUS and BYBOX can be specified for ${name}`;
  if (any && count === 0) return 'ERR the ANY argument requires COUNT argument';
  const out: SearchOutcome = { points: [], storeAt, storeDist, withDist, withHash, withCoord, conversion: shape.conversion, centre: xy };
  if (z === undefined) return out;
  if (count !== 0 && sort === SORT_NONE && !any) sort = SORT_ASC;
  shape.lon = xy[0];
  shape.lat = xy[1];
  const points = geoSearch(z, shape, any ? count : 0);
  if (sort !== SORT_NONE) sortByDistance(points, sort === SORT_DESC, count === 0 || points.length < count ? points.length : count);
  if (count !== 0 && points.length > count) points.length = count;
  out.points = points;
  return out;
}

/** extractDistanceOrReply: radius and unit into the shape (a circle), or the error text. */
function radiusOf(args: Buffer[], at: number, shape: GeoShape): string | null {
  const r = parseDoubleArg(args[at]);
  if (r === null) return 'ERR need numeric radius';
  if (r < 0) return 'ERR radius cannot be negative';
  shape.radius = r;
  const conv = unitOf(args[at + 1]);
  if (conv < 0) return ERR_UNIT;
  shape.conversion = conv;
  shape.type = SHAPE_CIRCLE;
  return null;
}

/** extractBoxOrReply: width, height and unit into the shape (a box), or the error text. */
function boxOf(args: Buffer[], at: number, shape: GeoShape): string | null {
  const wd = parseDoubleArg(args[at]);
  if (wd === null) return 'ERR need numeric width';
  const h = parseDoubleArg(args[at + 1]);
  if (h === null) return 'ERR need numeric height';
  if (h < 0 || wd < 0) return 'ERR height or width cannot be negative';
  shape.width = wd;
  shape.height = h;
  const conv = unitOf(args[at + 2]);
  if (conv < 0) return ERR_UNIT;
  shape.conversion = conv;
  shape.type = SHAPE_BOX;
  return null;
}

/** The search's reply when it stores nothing. */
function replyPoints(w: ReplyWriter, o: SearchOutcome): void {
  const opts = (o.withDist ? 1 : 0) + (o.withHash ? 1 : 0) + (o.withCoord ? 1 : 0);
  w.array(o.points.length);
  for (const p of o.points) {
    if (opts > 0) w.array(opts + 1);
    w.bulk(p.member);
    if (o.withDist) w.bulk(formatDistance(p.dist / o.conversion));
    if (o.withHash) w.integer(Math.trunc(p.score));
    if (o.withCoord) {
      w.array(2);
      replyCoord(w, p.lon);
      replyCoord(w, p.lat);
    }
  }
}

/**
 * The pairs a STORE / STOREDIST stores, in (score, member) order as the stored set has them. A stored
 * distance shows its last bit, so it is computed again with glibc's (correctly rounded) trigonometry.
 */
function storedPairs(o: SearchOutcome): ScoredMembers {
  const pts = o.points;
  const scores: number[] = new Array(pts.length);
  const [lon, lat] = o.centre;
  for (let i = 0; i < pts.length; i++) scores[i] = o.storeDist ? geoDistanceExact(lon, lat, pts[i].lon, pts[i].lat) / o.conversion : pts[i].score;
  const order = pts.map((_p, i) => i);
  order.sort((a, b) => compareKeys(scores[a], pts[a].member, scores[b], pts[b].member));
  return { scores: order.map((i) => scores[i]), members: order.map((i) => pts[i].member) };
}

const ERR_STORE_NOT_ROUTED = 'ERR the last STORE/STOREDIST key is on another shard than the first ones, which route the command';

/**
 * Whether the destination used (the last STORE/STOREDIST key, as Redis parses) is one the command was
 * routed and locked by (the first STORE and the first STOREDIST key, as Redis's key specs find them).
 */
function storeKeyRouted(args: Buffer[], storeAt: number, flags: number): boolean {
  if (flags & GEOSEARCHSTORE) return storeAt === 1;
  const from = flags & RADIUS_COORDS ? 6 : 5;
  let store = -1;
  let storeDist = -1;
  for (let i = from; i < args.length - 1; i++) {
    if (store < 0 && isWord(args[i], 'STORE')) store = i + 1;
    if (storeDist < 0 && isWord(args[i], 'STOREDIST')) storeDist = i + 1;
  }
  return storeAt === store || storeAt === storeDist;
}

/** The keyspace event of a search's STORE form. */
function geoStoreEvent(flags: number): string {
  return flags & GEOSEARCH ? 'geosearchstore' : 'georadiusstore';
}

/** A search with every key on this shard. */
function searchHere(x: ShardExec, args: Buffer[], w: ReplyWriter, srcAt: number, flags: number): void {
  const o = searchGeneric(x, args, srcAt, flags);
  if (typeof o === 'string') return w.error(o);
  if (o.storeAt === 0) return replyPoints(w, o);
  const dst = args[o.storeAt];
  // Routing found the first STORE/STOREDIST key (Redis's key specs); the last one given is the one used.
  if (shardOfKey(dst, x.worker.n) !== x.worker.index) return w.error(ERR_STORE_NOT_ROUTED);
  const p = storedPairs(o);
  w.integer(storeSorted(x, dst, p.scores, p.members, geoStoreEvent(flags)));
}

/** The search on the source's shard for a STORE across shards: [destination index, pairs], or the error. */
const GEO_SEARCH_FOR_STORE = defineOp(
  'geo-search-for-store',
  tuple<[Buffer[], number, number]>(bytesList, u32, u32),
  tuple<[number, ScoredMembers]>(u32, scoredMembers),
  (x, [args, srcAt, flags]) => {
    const o = searchGeneric(x, args, srcAt, flags);
    if (typeof o === 'string') return new OpError(o);
    return [o.storeAt, storedPairs(o)] as [number, ScoredMembers];
  },
);

/** A search whose destination is on another shard: search where the source is, store where the destination is. */
async function searchAcross(c: Client, args: Buffer[], w: ReplyWriter, srcAt: number, flags: number): Promise<void> {
  const r = await c.coord.opForKey(args[srcAt], GEO_SEARCH_FOR_STORE, [args, srcAt, flags]);
  if (r instanceof OpError) return w.error(r.text);
  const [storeAt, pairs] = r;
  if (!storeKeyRouted(args, storeAt, flags)) return w.error(ERR_STORE_NOT_ROUTED);
  const stored = await c.coord.opForKey(args[storeAt], ZSET_STORE, [args[storeAt], STORE_SORTED, pairs, geoStoreEvent(flags)]);
  if (stored instanceof OpError) return w.error(stored.text);
  w.integer(stored);
}

function searchCommand(srcAt: number, flags: number): CommandImpl {
  const impl: CommandImpl = { shard: (x, args, w) => searchHere(x, args, w, srcAt, flags) };
  if (!(flags & RADIUS_NOSTORE) && (!(flags & GEOSEARCH) || (flags & GEOSEARCHSTORE))) impl.multi = (c, args, w) => searchAcross(c, args, w, srcAt, flags);
  return impl;
}

export const commands: Record<string, CommandImpl> = {
  geoadd: { shard: opGeoAdd },
  geodist: { shard: opGeoDist },
  geohash: { shard: opGeoHash },
  geopos: { shard: opGeoPos },
  georadius: searchCommand(1, RADIUS_COORDS),
  georadius_ro: searchCommand(1, RADIUS_COORDS | RADIUS_NOSTORE),
  georadiusbymember: searchCommand(1, RADIUS_MEMBER),
  georadiusbymember_ro: searchCommand(1, RADIUS_MEMBER | RADIUS_NOSTORE),
  geosearch: searchCommand(1, GEOSEARCH),
  geosearchstore: searchCommand(2, GEOSEARCH | GEOSEARCHSTORE),
};

export const ops = [GEO_SEARCH_FOR_STORE];
