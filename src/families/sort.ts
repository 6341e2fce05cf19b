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

import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { CommandImpl, ShardExec } from '../server/command-types.ts';
import type { Client } from '../server/client.ts';
import { bulkBytes, replyInteger, replyIsError, replyIsNull, splitArrayReply } from '../protocol/reply-reader.ts';
import { QuickList } from '../engine/quicklist.ts';
import { SetValue } from '../engine/set-value.ts';
import { ZSet } from '../engine/zset.ts';
import { shardOfKey } from '../runtime/slots.ts';
import { ERR_WRONGTYPE, deleteKey, isString, keyString, lookupRead, storeValue, stringBytes } from './family-util.ts';
import { hashAt } from './hashes.ts';
import {
  ERR_SORT_SCORE, PAT_KEY, PAT_SELF, compilePattern, loadVector, lookupPatterns, parseSort, patternKey, patternTagKey,
  sortKeyPositions, sortVector, type Pattern, type SortOptions, type SortVector,
} from './sort-core.ts';

const RO = Buffer.from('ro');
const RW = Buffer.from('rw');
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

/** Stores the result as a list at dst (replacing any value and deadline), or deletes dst when empty; replies the count. */
function storeList(x: ShardExec, dst: Buffer, values: (Buffer | null)[], w: ReplyWriter): void {
  if (values.length === 0) {
    deleteKey(x, dst);
    return w.integer(0);
  }
  // Redis 7.2 builds a quicklist, then lets the result become a listpack if it fits (LIST_CONV_AUTO).
  const fill = x.worker.config.list_max_listpack_size as number;
  const list = new QuickList('quicklist', fill);
  for (const v of values) list.push(v ?? NO_FIELD, false);
  list.shrinkFor(fill, false);
  storeValue(x, dst, list, 0);
  w.integer(values.length);
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
  else storeList(x, o.store, values, w);
}

// ---------------------------------------------------------------------------------------------
// Across shards
// ---------------------------------------------------------------------------------------------

const F_SORT = 1;
const F_ALPHA = 2;
const F_BY = 4;

/** __sortload key ro|rw [option ...]: the vector SORT works on: [start, end, flags, item...], or WRONGTYPE. */
function opSortLoad(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const o = parseSort(args, 3, args[2][1] === 0x6f /* 'ro' */);
  if (typeof o === 'string') return w.error(o);
  const src = sortSource(x, args[1]);
  if (src === null) return w.error(ERR_WRONGTYPE);
  const v = loadVector(src, o);
  w.array(3 + v.items.length);
  w.integer(v.start);
  w.integer(v.end);
  w.integer((v.sort ? F_SORT : 0) | (v.alpha ? F_ALPHA : 0) | (v.by !== null ? F_BY : 0));
  for (const it of v.items) w.bulk(it);
}

/** __sortget key field [key field ...]: each string (empty field) or hash field, nil where there is none. */
function opSortGet(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  w.array((args.length - 1) >> 1);
  for (let i = 1; i + 1 < args.length; i += 2) {
    const v = valueAt(x, args[i], args[i + 1]);
    if (v === null) w.nullBulk();
    else w.bulk(v);
  }
}

/** __sortstore dst [value ...]: stores the values as a list (none: deletes dst); replies the count. */
function opSortStore(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  storeList(x, args[1], args.slice(2), w);
}

/** Resolves pattern i for element i on the shards holding the keys (one batched hop per shard). */
async function resolveAcross(c: Client, patterns: Pattern[], elements: Buffer[]): Promise<(Buffer | null)[]> {
  const out: (Buffer | null)[] = new Array(patterns.length).fill(null);
  const n = c.worker.n;
  const perShard = new Map<number, { args: Buffer[]; at: number[] }>();
  for (let i = 0; i < patterns.length; i++) {
    const p = patterns[i];
    if (p.kind === PAT_SELF) out[i] = elements[i];
    if (p.kind !== PAT_KEY) continue;
    const key = patternKey(p, elements[i]);
    const s = shardOfKey(key, n);
    let part = perShard.get(s);
    if (part === undefined) perShard.set(s, (part = { args: [], at: [] }));
    part.args.push(key, p.field ?? NO_FIELD);
    part.at.push(i);
  }
  const parts = [...perShard];
  const replies = await Promise.all(parts.map(([s, part]) => c.coord.runOn(s, '__sortget', part.args)));
  for (let k = 0; k < parts.length; k++) {
    const at = parts[k][1].at;
    const values = splitArrayReply(replies[k]);
    for (let j = 0; j < at.length; j++) out[at[j]] = replyIsNull(values[j]) ? null : bulkBytes(values[j]);
  }
  return out;
}

/** SORT / SORT_RO whose keys (named, or reached through patterns) span shards. */
async function sortAcross(c: Client, args: Buffer[], w: ReplyWriter, readonly: boolean): Promise<void> {
  const o = parseSort(args, 2, readonly);
  if (typeof o === 'string') return w.error(o);
  const loaded = await c.coord.runForKey('__sortload', args[1], readonly ? RO : RW, ...args.slice(2));
  if (replyIsError(loaded)) return w.raw(loaded);
  const parts = splitArrayReply(loaded);
  const flags = replyInteger(parts[2]);
  const v: SortVector = {
    items: parts.slice(3).map(bulkBytes),
    start: replyInteger(parts[0]),
    end: replyInteger(parts[1]),
    sort: (flags & F_SORT) !== 0,
    alpha: (flags & F_ALPHA) !== 0,
    by: (flags & F_BY) !== 0 ? o.by : null,
  };
  if (v.sort) {
    let weights: (Buffer | null)[] | null = null;
    if (v.by !== null) {
      const by = compilePattern(v.by);
      weights = await resolveAcross(c, v.items.map(() => by), v.items);
    }
    if (!sortVector(v, weights, o.store !== null, o.desc)) return w.error(ERR_SORT_SCORE);
  }
  const gets = o.gets.map(compilePattern);
  let got: (Buffer | null)[] | null = null;
  if (gets.length > 0) {
    const req = getRequests(v, gets);
    got = await resolveAcross(c, req.patterns, req.elements);
  }
  const values = outputValues(v, gets, got);
  if (o.store === null) return replyValues(values, w);
  // (An array, not spread arguments: the output can be longer than a call's argument limit.)
  const storeArgs = [o.store];
  for (const b of values) storeArgs.push(b ?? NO_FIELD);
  w.raw(await c.coord.runOn(shardOfKey(o.store, c.worker.n), '__sortstore', storeArgs));
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

export const internal: Record<string, [number, CommandImpl]> = {
  __sortload: [-3, { shard: opSortLoad }],
  __sortget: [-3, { shard: opSortGet }],
  __sortstore: [-2, { shard: opSortStore }],
};
