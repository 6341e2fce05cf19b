// SINTER/SUNION/SDIFF and their STORE forms over big sets on several shards, streamed in slices: the
// sources are read where they live, SLICE members a hop (SET_SLICE), membership is tested on the shard
// that holds the other set (SET_FILTER: no copy of it is ever made), and a STORE's result is grown on the
// destination's shard in a staging value (SET_STAGE) installed at the destination by the last hop.
// Invariants: the command's transaction holds every key's lock from the first hop to the last, so a
// source's positions do not move between its slices and nobody sees the destination half-built; between
// slices the client's thread yields to its event loop, so other keys are served meanwhile; members reach
// the result in the order, and through the same SetValue.add conversions, as set-algebra.ts's in-memory
// algorithms, so encodings, orders and replies are identical; a staged value is dropped if the command
// fails before it is installed.

import { NOTIFY_GENERIC, NOTIFY_SET } from '../config/keyspace-events.ts';
import { notifyKeyspaceEvent } from '../server/notify.ts';
import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { ShardExec } from '../server/command-types.ts';
import type { Client } from '../server/client.ts';
import { OpError, defineOp } from '../server/shard-ops.ts';
import { BinWriter, PackedLatin1, bool, bytes, latin1, nullable, num, packedLatin1, tuple, u32, type Codec } from '../util/codec.ts';
import { int64OfText } from '../engine/intset.ts';
import { SetValue, type SetLimits } from '../engine/set-value.ts';
import type { Entry } from '../engine/database.ts';
import { AT_FIRST_HOP, ERR_WRONGTYPE, deleteKey, inKeyOrder, keyString, lookupRead, storeValue } from './family-util.ts';
import { DIFF, UNION } from './set-algebra.ts';

export const INTER = 2;

/** Members per hop: a slice's work on any thread stays in the tens of milliseconds. */
export const SLICE = 16384;

/** Up to this many members in all, the sets come back whole from the first hop (SET_INFO) and are combined here. */
export const STREAM_MIN_MEMBERS = 4096;

/** Packs slices and filtered members (used synchronously: one per thread is enough). */
const packer = new BinWriter(1 << 16);
const NONE = new PackedLatin1(Buffer.from([0, 0, 0, 0]));

function setIn(e: Entry | undefined): SetValue | null | undefined {
  if (e === undefined) return undefined;
  return e.value instanceof SetValue ? e.value : null;
}

/**
 * The lookups after SET_INFO's: no hit/miss counted again, no access recorded (the command's first hop
 * did both, as Redis's one lookup per key does), and no expiry: the command sees its keys as they
 * were at its first hop (Redis runs it in one instant), and its transaction keeps them from the active
 * expire cycle meanwhile (Shard.transactionHolds).
 */
function sliceLookup(x: ShardExec, key: Buffer): Entry | undefined {
  return x.db.lookup(key, AT_FIRST_HOP);
}

/** A set crossing threads: its encoding and members in order (decoded into a new set). */
export const SET_VALUE: Codec<SetValue> = {
  write: (w, v) => w.bytes(v.encode()),
  read: (r) => SetValue.decode(r.bytes()),
};

/**
 * The command's lookup of key: [size, is an intset, a copy when it has at most STREAM_MIN_MEMBERS
 * members] ([-1, false, null]: missing), WRONGTYPE for another type.
 */
export const SET_INFO = defineOp('set-info', bytes, tuple<[number, boolean, SetValue | null]>(num, bool, nullable(SET_VALUE)), (x, key) => {
  const s = setIn(lookupRead(x, key));
  if (s === null) return new OpError(ERR_WRONGTYPE);
  if (s === undefined) return [-1, false, null] as [number, boolean, SetValue | null];
  return [s.size, s.isIntset, s.size <= STREAM_MIN_MEMBERS ? s.clone() : null] as [number, boolean, SetValue | null];
});

/** The members at positions [from, from + count) of the set at key (locked by the caller: positions are stable). */
export const SET_SLICE = defineOp('set-slice', tuple<[Buffer, number, number]>(bytes, u32, u32), packedLatin1, (x, [key, from, count]) => {
  const s = setIn(sliceLookup(x, key));
  if (s === null) return new OpError(ERR_WRONGTYPE);
  if (s === undefined) return NONE;
  return PackedLatin1.of(Math.max(0, Math.min(s.size, from + count) - from), (i) => s.at(from + i), packer);
});

/** The members that the set at key has (keep = true) or has not (keep = false), in their order. */
export const SET_FILTER = defineOp('set-filter', tuple<[Buffer, boolean, PackedLatin1]>(bytes, bool, packedLatin1), packedLatin1, (x, [key, keep, members]) => {
  const s = setIn(sliceLookup(x, key));
  if (s === null) return new OpError(ERR_WRONGTYPE);
  if (s === undefined) return keep ? NONE : members;
  return members.filter((m) => s.has(m) === keep, packer);
});

/** A result being grown on the destination's shard, by staging token. */
interface Staged {
  set: SetValue;
  onlyIntegers: boolean;
}

/** Per thread (module instances are per worker; tokens carry the client's thread and id anyway). */
const staged = new Map<string, Staged>();

/** Staged values now (tests check that none is left behind). */
export function stagedCount(): number {
  return staged.size;
}

const OPEN_INTSET = 0;
const OPEN_LISTPACK = 1;
const ADD = 2;
const REMOVE = 3;
/** ADD of members known to be new to the result (each from one set, which no earlier slice touched). */
const ADD_NEW = 4;

/** The set encoding thresholds in effect (set-max-intset-entries, set-max-listpack-*). */
export function setLimits(x: ShardExec | Client): SetLimits {
  const c = x.worker.config;
  return {
    intsetEntries: c.set_max_intset_entries as number,
    listpackEntries: c.set_max_listpack_entries as number,
    listpackValue: c.set_max_listpack_value as number,
  };
}

function applyStage(st: Staged, action: number, members: PackedLatin1, lim: SetLimits): number {
  const s = st.set;
  if (action === ADD || action === ADD_NEW) {
    members.forEach((m) => {
      if (st.onlyIntegers && int64OfText(m) === null) st.onlyIntegers = false;
      if (action === ADD_NEW) s.addNew(m, lim);
      else s.add(m, lim);
    });
  } else members.forEach((m) => s.remove(m));
  return s.size;
}

/** Opens (OPEN_*), adds to or removes from the staged result `token`; its size after. */
export const SET_STAGE = defineOp(
  'set-stage',
  tuple<[string, number, PackedLatin1]>(latin1, u32, packedLatin1),
  num,
  (x, [token, action, members]) => {
    if (action === OPEN_INTSET || action === OPEN_LISTPACK) {
      staged.set(token, { set: action === OPEN_INTSET ? SetValue.intset() : SetValue.listpack(), onlyIntegers: true });
      return 0;
    }
    const st = staged.get(token);
    if (st === undefined) return new OpError('ERR internal error: no staged set');
    return applyStage(st, action, members, setLimits(x));
  },
  // Not a write for the memory check: evicting now could take a key this command holds; the
  // installing hop (the END operation) is one.
  false,
);

const END_DROP = 0;
const END_STORE = 1;
const END_STORE_DIFF = 3;
/** SINTERSTORE: an intset at the end if every member is an integer (Redis maybeConvertToIntset). */
const END_STORE_INTER = 2;

/** Installs the staged result at dst (empty or never opened: deletes dst) or drops it; the stored size. */
/** The keyspace event of a set algebra command's STORE form. */
export function setStoreEvent(op: number): string {
  return op === INTER ? 'sinterstore' : op === DIFF ? 'sdiffstore' : 'sunionstore';
}

/**
 * Stores a computed set at dst (replacing whatever is there, no deadline) with the STORE command's
 * keyspace event, or deletes dst when the set is empty ('del' if there was one); the stored size.
 */
export function storeSetResult(x: ShardExec, dst: Buffer, s: SetValue | null, event: string): number {
  if (s === null || s.size === 0) {
    if (deleteKey(x, dst)) notifyKeyspaceEvent(x, NOTIFY_GENERIC, 'del', dst);
    return 0;
  }
  storeValue(x, dst, s, 0);
  notifyKeyspaceEvent(x, NOTIFY_SET, event, dst);
  return s.size;
}

export const SET_STAGE_END = defineOp(
  'set-stage-end',
  tuple<[string, Buffer, number]>(latin1, bytes, u32),
  num,
  (x, [token, dst, how]) => {
    const st = staged.get(token);
    staged.delete(token);
    if (how === END_DROP) return 0;
    if (st === undefined || st.set.size === 0) return storeSetResult(x, dst, null, '');
    const s = st.set;
    if (how === END_STORE_INTER && st.onlyIntegers) s.toIntsetIfSmall(setLimits(x));
    return storeSetResult(x, dst, s, how === END_STORE_INTER ? 'sinterstore' : how === END_STORE_DIFF ? 'sdiffstore' : 'sunionstore');
  },
  true,
);

/** Where result members go: a staged value on the destination's shard, or a set on this thread. */
interface Sink {
  open(intset: boolean): Promise<void>;
  /** The result's size after. */
  apply(action: number, members: PackedLatin1): Promise<number>;
}

let stageSeq = 0;

class StageSink implements Sink {
  readonly token: string;
  private readonly c: Client;
  private readonly dst: Buffer;
  opened = false;

  constructor(c: Client, dst: Buffer) {
    this.c = c;
    this.dst = dst;
    this.token = `${c.worker.index}:${c.id}:${stageSeq++}`;
  }

  async open(intset: boolean): Promise<void> {
    this.opened = true;
    must(await this.c.coord.opForKey(this.dst, SET_STAGE, [this.token, intset ? OPEN_INTSET : OPEN_LISTPACK, NONE]));
  }

  async apply(action: number, members: PackedLatin1): Promise<number> {
    return must(await this.c.coord.opForKey(this.dst, SET_STAGE, [this.token, action, members]));
  }

  end(how: number): Promise<number | OpError> {
    return this.c.coord.opForKey(this.dst, SET_STAGE_END, [this.token, this.dst, how]);
  }
}

class LocalSink implements Sink {
  private readonly lim: SetLimits;
  st: Staged = { set: SetValue.intset(), onlyIntegers: true };

  constructor(lim: SetLimits) {
    this.lim = lim;
  }

  async open(intset: boolean): Promise<void> {
    this.st = { set: intset ? SetValue.intset() : SetValue.listpack(), onlyIntegers: true };
  }

  async apply(action: number, members: PackedLatin1): Promise<number> {
    return applyStage(this.st, action, members, this.lim);
  }
}

/** A result of an operation on a locked key cannot fail; if one does, the command fails as a bug. */
function must<R>(r: R | OpError): R {
  if (r instanceof OpError) throw new Error(`set stream: ${r.text}`);
  return r;
}

/** Lets the client's thread serve other work between slices (a hop on this thread may not yield). */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A source: its key, its size (-1: missing) and whether it is an intset. */
interface Source {
  key: Buffer;
  name: string;
  size: number;
  intset: boolean;
  /** A copy of a small set (see SET_INFO). */
  copy: SetValue | null;
}

/**
 * The sources at keys (a key named twice: the same object), or false after WRONGTYPE (the first in key
 * order) was replied.
 */
export async function sourcesOf(c: Client, keys: Buffer[], w: ReplyWriter): Promise<Source[] | false> {
  const byName = new Map<string, Promise<[number, boolean, SetValue | null] | OpError>>();
  for (const k of keys) {
    const name = keyString(k);
    if (!byName.has(name)) byName.set(name, c.coord.opForKey(k, SET_INFO, k));
  }
  const got = new Map<string, Source | OpError>();
  for (const [name, p] of byName) {
    const r = await p;
    got.set(name, r instanceof OpError ? r : { key: keys.find((k) => keyString(k) === name)!, name, size: r[0], intset: r[1], copy: r[2] });
  }
  return inKeyOrder(keys, got, w);
}

/** Total members of the sources (each distinct key once). */
export function totalMembers(sources: Source[]): number {
  let n = 0;
  for (const s of new Set(sources)) n += Math.max(0, s.size);
  return n;
}

/** Calls each(members) for every slice of src in order, the next slice fetched while one is handled. */
async function streamSource(c: Client, src: Source, each: (members: PackedLatin1) => Promise<boolean>): Promise<void> {
  const fetch = (from: number): Promise<PackedLatin1 | OpError> => c.coord.opForKey(src.key, SET_SLICE, [src.key, from, SLICE]);
  let next = src.size > 0 ? fetch(0) : null;
  for (let from = 0; next !== null; from += SLICE) {
    const members = must(await next);
    next = from + SLICE < src.size ? fetch(from + SLICE) : null;
    if (!(await each(members))) {
      if (next !== null) await next;
      return;
    }
    await nextTurn();
  }
}

/** The members that every set of `others` has (keep) or none has (!keep), tested where each lives. */
async function filterThrough(c: Client, others: Source[], keep: boolean, members: PackedLatin1): Promise<PackedLatin1> {
  for (const o of others) {
    if (members.count === 0) break;
    if (o.size < 0) continue;
    members = must(await c.coord.opForKey(o.key, SET_FILTER, [o.key, keep, members]));
  }
  return members;
}

/** Runs op's algorithm (set-algebra.ts's, slice by slice) into sink; false when the result is empty without a sink. */
async function run(c: Client, sources: Source[], op: number, sink: Sink): Promise<boolean> {
  if (op === INTER) {
    if (sources.some((s) => s.size < 0)) return false;
    const sorted = sources.slice().sort((a, b) => a.size - b.size);
    const first = sorted[0];
    const others = [...new Set(sorted.filter((s) => s !== first))];
    await sink.open(first.intset);
    await streamSource(c, first, async (members) => {
      const common = await filterThrough(c, others, true, members);
      if (common.count > 0) await sink.apply(ADD_NEW, common);
      return true;
    });
    return true;
  }
  await sink.open(true);
  if (op === UNION) {
    let fresh = true; // the first set with members goes into an empty result
    for (const src of new Set(sources)) {
      if (src.size <= 0) continue;
      const action = fresh ? ADD_NEW : ADD;
      fresh = false;
      await streamSource(c, src, async (members) => (await sink.apply(action, members), true));
    }
    return true;
  }
  const first = sources[0];
  if (first.size < 0) return true;
  if (sources.some((s, j) => j > 0 && s === first)) return true; // A - A = empty
  let one = 0;
  let two = 0;
  for (const s of sources) {
    if (s.size < 0) continue;
    one += first.size;
    two += s.size;
  }
  const others = [...new Set(sources.slice(1))];
  if (Math.floor(one / 2) <= two) {
    // Algorithm 1: each member of the first set that no other set has.
    await streamSource(c, first, async (members) => {
      const only = await filterThrough(c, others, false, members);
      if (only.count > 0) await sink.apply(ADD_NEW, only);
      return true;
    });
  } else {
    // Algorithm 2: all of the first set, minus every member of the others.
    let size = 0;
    await streamSource(c, first, async (members) => ((size = await sink.apply(ADD_NEW, members)), true));
    for (const o of others) {
      if (size === 0) break;
      if (o.size < 0) continue;
      await streamSource(c, o, async (members) => (size = await sink.apply(REMOVE, members)) > 0);
    }
  }
  return true;
}

/** The STORE form: the result grown on dst's shard and installed there; replies its size. */
export async function storeStreamed(c: Client, dst: Buffer, sources: Source[], op: number, w: ReplyWriter): Promise<void> {
  const sink = new StageSink(c, dst);
  let ended = false;
  try {
    await run(c, sources, op, sink);
    ended = true;
    const r = await sink.end(op === INTER ? END_STORE_INTER : op === DIFF ? END_STORE_DIFF : END_STORE);
    if (r instanceof OpError) return w.error(r.text);
    w.integer(r);
  } finally {
    if (!ended && sink.opened) await sink.end(END_DROP);
  }
}

/** The reply form: the result grown on this thread, then written as a set reply. */
export async function replyStreamed(c: Client, sources: Source[], op: number, w: ReplyWriter): Promise<void> {
  const sink = new LocalSink(setLimits(c));
  if (!(await run(c, sources, op, sink))) return w.set(0);
  // replyMembers, a slice per turn.
  const set = sink.st.set;
  const n = set.size;
  w.set(n);
  for (let i = 0; i < n; i++) {
    w.bulk(set.at(i));
    if (i % SLICE === SLICE - 1) await nextTurn();
  }
}

export const ops = [SET_INFO, SET_SLICE, SET_FILTER, SET_STAGE, SET_STAGE_END];
