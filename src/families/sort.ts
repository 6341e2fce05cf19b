// SORT and SORT_RO: sort a list, set or sorted set (or pick its window unsorted), weighing and
// fetching through BY/GET patterns, and reply or STORE the result as a list.
// Invariants: when every key involved is on one shard — the source, the STORE destination, and the
// keys the patterns can name (a pattern pinned to one {tag}) — the shard handler does it all in one
// step; otherwise the connection gathers the elements (one hop to the source's shard), looks up the
// pattern keys (one hop per shard holding some, batched), sorts on its own thread and stores with a
// hop, inside one transaction that locks the shards the patterns reach whole. Both paths make the
// same lookups in the same number (keyspace hits/misses match Redis). A sorted-set source is
// converted to the skiplist encoding, as Redis does (even for SORT_RO). A STORE with an empty result
// deletes the destination.

import { NOTIFY_GENERIC, NOTIFY_LIST } from '../config/keyspace-events.ts';
import { notifyKeyspaceEvent } from '../server/notify.ts';
import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { CommandImpl, ShardExec } from '../server/command-types.ts';
import type { Client } from '../server/client.ts';
import { OpError, defineOp } from '../server/shard-ops.ts';
import { BinReader, BinWriter, bytes, bytesList, list, nullable, num, tuple, type Codec } from '../util/codec.ts';
import { QuickList } from '../engine/quicklist.ts';
import { SetValue } from '../engine/set-value.ts';
import { ZSet } from '../engine/zset.ts';
import { shardOfKey } from '../runtime/slots.ts';
import { ERR_WRONGTYPE, deleteKey, isString, keyString, lookupRead, storeValue, stringBytes } from './family-util.ts';
import { hashAt } from './hashes.ts';
import {
  ERR_SORT_SCORE, PAT_KEY, PAT_SELF, compilePattern, loadVector, lookupPatterns, parseSort, patternKey, patternTagKey,
  sortKeyPositions, sortVector, type LoadOptions, type Pattern, type SortOptions, type SortVector,
} from './sort-core.ts';

const NO_FIELD = Buffer.alloc(0);

// ---------------------------------------------------------------------------------------------
// Shard side: lookups and storing
// ---------------------------------------------------------------------------------------------

/** The value SORT reads at key (a sorted set converted to skiplist); undefined if missing, null if another type. */
function sortSource(x: ShardExec, key: Buffer): QuickList | SetValue | ZSet | undefined | null {
  const e = lookupRead(x, key);
  if (e === undefined) return undefined;
  const v = e.value;
  if (v instanceof QuickList || v instanceof SetValue) return v;
  if (v instanceof ZSet) {
    v.toSkiplist();
    return v;
  }
  return null;
}

/** The string at key, or the hash field at key (field non-empty); null when missing or of another type. */
function valueAt(x: ShardExec, key: Buffer, field: Buffer | null): Buffer | null {
  if (field === null || field.length === 0) {
    const e = lookupRead(x, key);
    return e !== undefined && isString(e.value) ? stringBytes(e.value) : null;
  }
  const h = hashAt(x, key, false);
  if (h === null || h === undefined) return null;
  const v = h.get(keyString(field));
  return v === undefined ? null : typeof v === 'string' ? Buffer.from(v, 'latin1') : v;
}

/** What pattern p gives for element (lookupKeyByPattern), read on this shard. */
function resolveHere(x: ShardExec, p: Pattern, element: Buffer): Buffer | null {
  if (p.kind === PAT_SELF) return element;
  if (p.kind !== PAT_KEY) return null;
  return valueAt(x, patternKey(p, element), p.field);
}

/** Stores the result as a list at dst (replacing any value and deadline), or deletes dst when empty; the count. */
function storeList(x: ShardExec, dst: Buffer, values: (Buffer | null)[]): number {
  if (values.length === 0) {
    if (deleteKey(x, dst)) notifyKeyspaceEvent(x, NOTIFY_GENERIC, 'del', dst);
    return 0;
  }
  // Redis 7.2 builds a quicklist, then lets the result become a listpack if it fits (LIST_CONV_AUTO).
  const fill = x.worker.config.list_max_listpack_size as number;
  const list = new QuickList('quicklist', fill);
  for (const v of values) list.push(v ?? NO_FIELD, false);
  list.shrinkFor(fill, false);
  storeValue(x, dst, list, 0);
  notifyKeyspaceEvent(x, NOTIFY_LIST, 'sortstore', dst);
  return values.length;
}

// ---------------------------------------------------------------------------------------------
// Both paths: the output
// ---------------------------------------------------------------------------------------------

/** The (item, pattern) pairs GET looks up, window item by item: every GET pattern for each. */
function getRequests(v: SortVector, gets: Pattern[]): { patterns: Pattern[]; elements: Buffer[] } {
  const patterns: Pattern[] = [];
  const elements: Buffer[] = [];
  for (let j = v.start; j <= v.end; j++) {
    for (const p of gets) {
      patterns.push(p);
      elements.push(v.items[j]);
    }
  }
  return { patterns, elements };
}

/** The output values: the window's items, or their GET values (null: nothing there). */
function outputValues(v: SortVector, gets: Pattern[], got: (Buffer | null)[] | null): (Buffer | null)[] {
  if (gets.length > 0) return got!;
  return v.end < v.start ? [] : v.items.slice(v.start, v.end + 1);
}

function replyValues(values: (Buffer | null)[], w: ReplyWriter): void {
  w.array(values.length);
  for (const v of values) {
    if (v === null) w.nullBulk();
    else w.bulk(v);
  }
}

// ---------------------------------------------------------------------------------------------
// One shard
// ---------------------------------------------------------------------------------------------

/** SORT / SORT_RO with every key it touches on this shard. */
function sortHere(x: ShardExec, args: Buffer[], w: ReplyWriter, readonly: boolean): void {
  const o = parseSort(args, 2, readonly);
  if (typeof o === 'string') return w.error(o);
  const src = sortSource(x, args[1]);
  if (src === null) return w.error(ERR_WRONGTYPE);
  const v = loadVector(src, o);
  if (v.sort) {
    let weights: (Buffer | null)[] | null = null;
    if (v.by !== null) {
      const by = compilePattern(v.by);
      weights = v.items.map((e) => resolveHere(x, by, e));
    }
    if (!sortVector(v, weights, o.store !== null, o.desc)) return w.error(ERR_SORT_SCORE);
  }
  const gets = o.gets.map(compilePattern);
  let got: (Buffer | null)[] | null = null;
  if (gets.length > 0) {
    const req = getRequests(v, gets);
    got = req.patterns.map((p, i) => resolveHere(x, p, req.elements[i]));
  }
  const values = outputValues(v, gets, got);
  if (o.store === null) replyValues(values, w);
  else w.integer(storeList(x, o.store, values));
}

// ---------------------------------------------------------------------------------------------
// Across shards
// ---------------------------------------------------------------------------------------------

const F_DESC = 1;
const F_ALPHA = 2;
const F_DONT_SORT = 4;
const F_SORT = 8;
const maybeBytes = nullable(bytes);

/** The options loading the vector depends on. */
const LOAD_OPTIONS: Codec<LoadOptions> = {
  write(w: BinWriter, o: LoadOptions) {
    w.u8((o.desc ? F_DESC : 0) | (o.alpha ? F_ALPHA : 0) | (o.dontSort ? F_DONT_SORT : 0));
    w.f64(o.limitStart);
    w.f64(o.limitCount);
    maybeBytes.write(w, o.store);
    maybeBytes.write(w, o.by);
  },
  read(r: BinReader): LoadOptions {
    const f = r.u8();
    const limitStart = r.f64();
    const limitCount = r.f64();
    const store = maybeBytes.read(r);
    const by = maybeBytes.read(r);
    return { desc: (f & F_DESC) !== 0, alpha: (f & F_ALPHA) !== 0, dontSort: (f & F_DONT_SORT) !== 0, limitStart, limitCount, store, by };
  },
};

const SORT_VECTOR: Codec<SortVector> = {
  write(w: BinWriter, v: SortVector) {
    bytesList.write(w, v.items);
    w.f64(v.start);
    w.f64(v.end);
    w.u8((v.sort ? F_SORT : 0) | (v.alpha ? F_ALPHA : 0));
    maybeBytes.write(w, v.by);
  },
  read(r: BinReader): SortVector {
    const items = bytesList.read(r);
    const start = r.f64();
    const end = r.f64();
    const f = r.u8();
    return { items, start, end, sort: (f & F_SORT) !== 0, alpha: (f & F_ALPHA) !== 0, by: maybeBytes.read(r) };
  },
};

/**
 * The vector SORT works on (copies of the elements, its window and whether and how to sort), read at
 * key with the options; WRONGTYPE for a key that is no list, set or sorted set. A sorted set is
 * converted to the skiplist encoding (a write, as in Redis).
 */
export const SORT_LOAD = defineOp(
  'sort-load',
  tuple<[Buffer, LoadOptions]>(bytes, LOAD_OPTIONS),
  SORT_VECTOR,
  (x, [key, o]) => {
    const src = sortSource(x, key);
    if (src === null) return new OpError(ERR_WRONGTYPE);
    const v = loadVector(src, o);
    // v.by is a view of the arguments: a result must not share their memory.
    if (v.by !== null) v.by = Buffer.from(v.by);
    return v;
  },
  true,
);

/** Per (key, field): a copy of the string (field null) or hash field there, null where there is none. */
export const SORT_GET = defineOp('sort-get', list(tuple<[Buffer, Buffer | null]>(bytes, maybeBytes)), list(maybeBytes), (x, lookups) =>
  lookups.map(([key, field]) => {
    const v = valueAt(x, key, field);
    return v === null ? null : Buffer.from(v);
  }),
);

/** Stores the values as a list at dst (a null as an empty element; none: deletes dst); the count. */
export const SORT_STORE = defineOp('sort-store', tuple<[Buffer, (Buffer | null)[]]>(bytes, list(maybeBytes)), num, (x, [dst, values]) => storeList(x, dst, values), true);

/** Resolves pattern i for element i on the shards holding the keys (one batched hop per shard); an OpError only from a fault. */
async function resolveAcross(c: Client, patterns: Pattern[], elements: Buffer[]): Promise<(Buffer | null)[] | OpError> {
  const out: (Buffer | null)[] = new Array(patterns.length).fill(null);
  const n = c.worker.n;
  const perShard = new Map<number, { lookups: [Buffer, Buffer | null][]; at: number[] }>();
  for (let i = 0; i < patterns.length; i++) {
    const p = patterns[i];
    if (p.kind === PAT_SELF) out[i] = elements[i];
    if (p.kind !== PAT_KEY) continue;
    const key = patternKey(p, elements[i]);
    const s = shardOfKey(key, n);
    let part = perShard.get(s);
    if (part === undefined) perShard.set(s, (part = { lookups: [], at: [] }));
    part.lookups.push([key, p.field]);
    part.at.push(i);
  }
  const parts = [...perShard];
  const results = await Promise.all(parts.map(([s, part]) => c.coord.op(s, SORT_GET, part.lookups)));
  for (let k = 0; k < parts.length; k++) {
    const at = parts[k][1].at;
    const values = results[k];
    if (values instanceof OpError) return values;
    for (let j = 0; j < at.length; j++) out[at[j]] = values[j];
  }
  return out;
}

/** SORT / SORT_RO whose keys (named, or reached through patterns) span shards. */
async function sortAcross(c: Client, args: Buffer[], w: ReplyWriter, readonly: boolean): Promise<void> {
  const o = parseSort(args, 2, readonly);
  if (typeof o === 'string') return w.error(o);
  const v = await c.coord.opForKey(args[1], SORT_LOAD, [args[1], o]);
  if (v instanceof OpError) return w.error(v.text);
  if (v.sort) {
    let weights: (Buffer | null)[] | null = null;
    if (v.by !== null) {
      const by = compilePattern(v.by);
      const got = await resolveAcross(c, v.items.map(() => by), v.items);
      if (got instanceof OpError) return w.error(got.text);
      weights = got;
    }
    if (!sortVector(v, weights, o.store !== null, o.desc)) return w.error(ERR_SORT_SCORE);
  }
  const gets = o.gets.map(compilePattern);
  let got: (Buffer | null)[] | null = null;
  if (gets.length > 0) {
    const req = getRequests(v, gets);
    const found = await resolveAcross(c, req.patterns, req.elements);
    if (found instanceof OpError) return w.error(found.text);
    got = found;
  }
  const values = outputValues(v, gets, got);
  if (o.store === null) return replyValues(values, w);
  const stored = await c.coord.opForKey(o.store, SORT_STORE, [o.store, values]);
  if (stored instanceof OpError) return w.error(stored.text);
  w.integer(stored);
}

// ---------------------------------------------------------------------------------------------
// Routing
// ---------------------------------------------------------------------------------------------

/**
 * The keys SORT's patterns reach, for routing: a key in the slot of each pattern pinned to a {tag},
 * null if a pattern's keys may be anywhere; none when the options are invalid (the error comes
 * from wherever it runs).
 */
function derivedKeys(args: Buffer[], readonly: boolean): Buffer[] | null {
  const o: SortOptions | string = parseSort(args, 2, readonly);
  if (typeof o === 'string') return [];
  const out: Buffer[] = [];
  for (const p of lookupPatterns(o)) {
    const k = patternTagKey(p);
    if (k === null) return null;
    out.push(k);
  }
  return out;
}

export const commands: Record<string, CommandImpl> = {
  sort: {
    shard: (x, a, w) => sortHere(x, a, w, false),
    multi: (c, a, w) => sortAcross(c, a, w, false),
    getKeys: (a) => sortKeyPositions(a, false),
    derivedKeys: (a) => derivedKeys(a, false),
  },
  sort_ro: {
    shard: (x, a, w) => sortHere(x, a, w, true),
    multi: (c, a, w) => sortAcross(c, a, w, true),
    getKeys: (a) => sortKeyPositions(a, true),
    derivedKeys: (a) => derivedKeys(a, true),
  },
};

export const ops = [SORT_LOAD, SORT_GET, SORT_STORE];
