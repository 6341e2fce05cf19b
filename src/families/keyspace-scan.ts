// Walking the keyspace: KEYS, SCAN (and parseCursor, which HSCAN/SSCAN/ZSCAN share), RANDOMKEY.
// Invariants: each asks every shard in one hop (KEYS_OP, SCAN_OP, RANDOM_KEY); a SCAN cursor is a
// position in a fixed global slot order (shard 0's slots, then shard 1's, ...), so every key present
// for the whole scan is returned whatever is added or removed meanwhile.

import { GLOBAL_READ } from '../transaction/tx-shard.ts';
import { LockPlan } from '../transaction/transaction.ts';
import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { CommandImpl } from '../server/command-types.ts';
import type { Client } from '../server/client.ts';
import { defineOp, OpError } from '../server/shard-ops.ts';
import { bytes, latin1, list, none, nullable, num, tuple } from '../util/codec.ts';
import { kindOf } from '../engine/kinds.ts';
import { globMatch } from '../engine/glob.ts';
import { DashTable } from '../engine/dashtable.ts';
import { nextTurn } from '../util/next-turn.ts';
import { ERR_NOT_INTEGER, ERR_SYNTAX, isWord, parseInteger } from './family-util.ts';

/**
 * KEYS pattern
 * Every shard's table is walked in slices of KEYS_SLICE keys, one hop each, inside one transaction
 * holding a whole-shard read lock on every shard: the answer is one moment's keyspace (writes wait
 * for the end), and between slices each thread serves its other clients' reads.
 */
async function keys(c: Client, args: Buffer[], w: ReplyWriter): Promise<void> {
  const pattern = Buffer.from(args[1]);
  const n = c.worker.n;
  const plan = new LockPlan();
  for (let s = 0; s < n; s++) plan.touch(s);
  const found: string[][][] = [];
  let failed: OpError | null = null;
  const walk = async (s: number): Promise<void> => {
    const parts: string[][] = (found[s] = []);
    let cursor = 0;
    do {
      // A step on this thread's own shard answers at once (a microtask): wait for the next turn, so
      // that other work runs between this walk's slices too.
      if (cursor !== 0) await nextTurn();
      const r = await c.coord.op(s, KEYS_STEP, [pattern, cursor]);
      if (r instanceof OpError) {
        failed = r;
        return;
      }
      parts.push(r[1]);
      cursor = r[0];
    } while (cursor !== 0);
  };
  await c.coord.atomically(plan, GLOBAL_READ, async () => {
    const walks: Promise<void>[] = [];
    for (let s = 0; s < n; s++) walks.push(walk(s));
    await Promise.all(walks);
  });
  if (failed !== null) return w.error((failed as OpError).text);
  let total = 0;
  for (const parts of found) for (const p of parts) total += p.length;
  w.array(total);
  // A long answer is written in slices too (w is this command's own writer).
  for (const parts of found) {
    for (const p of parts) {
      for (const k of p) w.bulk(k);
      if (total > KEYS_SLICE) await nextTurn();
    }
  }
}

/** Keys a KEYS step visits (expired ones included) before it answers. */
export const KEYS_SLICE = 16384;

/**
 * [pattern, cursor]: from table cursor `cursor` (0: the start), this shard's live keys matching the
 * pattern among the next KEYS_SLICE or so visited; answers [next cursor (0: done), keys].
 */
export const KEYS_STEP = defineOp<[Buffer, number], [number, string[]]>('keys-step', tuple<[Buffer, number]>(bytes, num), tuple<[number, string[]]>(num, list(latin1)), (x, [pattern, cursor]) => {
  const all = pattern.length === 1 && pattern[0] === 0x2a;
  const out: string[] = [];
  const now = x.now;
  const db = x.db;
  let visited = 0;
  const visit = (ref: number): void => {
    visited++;
    const at = db.deadlineAt(ref);
    if (at !== 0 && at <= now) return;
    const k = db.keyAt(ref);
    if (all || globMatch(pattern, k)) out.push(k);
  };
  do cursor = db.table.scanStep(cursor, visit);
  while (cursor !== 0 && visited < KEYS_SLICE);
  return [cursor, out];
});

/**
 * The global SCAN position space: shard s owns [s * SCAN_SPAN, (s + 1) * SCAN_SPAN), its part being
 * its table's own cursor space (DashTable.scanStep); position 0 is the start, and reaching n * SCAN_SPAN
 * ends the scan (cursor 0).
 */
const SCAN_SPAN = DashTable.CURSOR_SPAN;

/** Redis parseScanCursorOrReply (strtoul, base 10): the cursor, or null after an error reply. */
export function parseCursor(b: Buffer, w: ReplyWriter): bigint | null {
  const s = b.toString('latin1');
  const bad = (): null => {
    w.error('ERR invalid cursor');
    return null;
  };
  if (s.length === 0) return 0n;
  if (/^[ \t\n\v\f\r]/.test(s)) return bad();
  const m = /^([+-]?)([0-9]+)$/.exec(s);
  if (m === null) return bad();
  const v = BigInt(m[2]);
  if (v > (1n << 64n) - 1n) return bad();
  return m[1] === '-' && v !== 0n ? (1n << 64n) - v : v;
}

/**
 * SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
 * One hop: the shard owning the cursor's position scans from there, every later shard from the start
 * of its part of the order (each until it has visited COUNT keys); the merge takes whole slots in
 * order until COUNT keys were visited, so a small keyspace comes back whole in one call, as in Redis.
 */
function scan(c: Client, args: Buffer[], w: ReplyWriter): void {
  const cursor = parseCursor(args[1], w);
  if (cursor === null) return;
  let count = 10;
  let pattern: Buffer | null = null;
  let type: Buffer | null = null;
  for (let i = 2; i < args.length; ) {
    const left = args.length - i;
    if (isWord(args[i], 'COUNT') && left >= 2) {
      const v = parseInteger(args[i + 1]);
      if (v === null) return w.error(ERR_NOT_INTEGER);
      if (v < 1) return w.error(ERR_SYNTAX);
      count = v > 1e15 ? 1e15 : Number(v);
      i += 2;
    } else if (isWord(args[i], 'MATCH') && left >= 2) {
      pattern = args[i + 1];
      i += 2;
    } else if (isWord(args[i], 'TYPE') && left >= 2) {
      type = args[i + 1];
      i += 2;
    } else return w.error(ERR_SYNTAX);
  }
  if (pattern !== null && pattern.length === 1 && pattern[0] === 0x2a) pattern = null;
  const n = c.worker.n;
  if (cursor >= BigInt(n * SCAN_SPAN)) {
    w.array(2);
    w.bulk('0');
    w.array(0);
    return;
  }
  const pos = Number(cursor);
  const first = Math.floor(pos / SCAN_SPAN);
  const typeName = type === null ? null : type.toString('latin1').toLowerCase();
  const parts: [number, ScanArgs][] = [];
  for (let s = first; s < n; s++) parts.push([s, [s === first ? pos : s * SCAN_SPAN, count, pattern, typeName]]);
  // Read under a shared whole-shard lock: a pipelined SCAN sees the writes sent before it.
  const plan = new LockPlan();
  for (const [s] of parts) plan.touch(s);
  c.coord.atomicOp(SCAN_OP, parts, plan, GLOBAL_READ, (results, out) => replyScan(results, count, n * SCAN_SPAN, out), w);
}

/** Takes the per-shard slot groups in order until `count` keys were visited; replies [cursor, keys]. */
function replyScan(results: (ScanGroup[] | OpError)[], count: number, end: number, w: ReplyWriter): void {
  const found: string[] = [];
  let budget = count;
  let next = 0;
  outer: for (const r of results) {
    if (r instanceof OpError) return w.error(r.text);
    for (const [after, visited, keys] of r) {
      for (const k of keys) found.push(k);
      budget -= visited;
      if (budget <= 0) {
        next = after < end ? after : 0;
        break outer;
      }
    }
  }
  w.array(2);
  w.bulk(String(next));
  w.array(found.length);
  for (const k of found) w.bulk(k);
}

/** SCAN_OP's arguments: global position, COUNT, MATCH pattern (null: all), TYPE in lower case (null: any). */
type ScanArgs = [number, number, Buffer | null, string | null];
/** One non-empty bucket: the position after it, the keys visited, the matching keys. */
type ScanGroup = [number, number, string[]];

/**
 * Walks this shard's table from global position `pos` a bucket at a time until `count` keys were
 * visited (or 10x that many buckets, or its part of the order ends). Result: one group per non-empty
 * bucket (a last group may report an empty stretch with its visits forced to `count`).
 */
export const SCAN_OP = defineOp('scan', tuple<ScanArgs>(num, num, nullable(bytes), nullable(latin1)), list(tuple<ScanGroup>(num, num, list(latin1))), (x, [start, count, pattern, type]) => {
  let pos = start;
  const me = x.shard.index;
  const base = me * SCAN_SPAN;
  const end = base + SCAN_SPAN;
  const db = x.db;
  const now = x.now;
  let visited = 0;
  let steps = 0;
  const maxSteps = Math.min(count, 1e6) * 10 + 64;
  const groups: ScanGroup[] = [];
  const keys: string[] = [];
  let emptyRun = false;
  while (pos < end && visited < count) {
    keys.length = 0;
    const next = db.scanStep(pos - base, keys);
    pos = next === 0 ? end : base + next;
    if (keys.length === 0) {
      emptyRun = true;
      if (++steps >= maxSteps) break;
      continue;
    }
    emptyRun = false;
    visited += keys.length;
    const matching: string[] = [];
    groups.push([pos, keys.length, matching]);
    for (const k of keys) {
      if (pattern !== null && !globMatch(pattern, k)) continue;
      if (type !== null) {
        const e = db.lookup(k, now);
        if (e === undefined) {
          x.shard.stats.keyspaceMisses++;
          continue;
        }
        x.shard.stats.keyspaceHits++;
        if (kindOf(e.value).type !== type) continue;
      } else if (db.lookup(k, now) === undefined) continue;
      matching.push(k);
    }
  }
  // A stretch of empty buckets cut short by the step bound: report where it stopped.
  if (emptyRun && pos < end) groups.push([pos, count, []]);
  return groups;
});

/** RANDOMKEY */
function randomkey(c: Client, _args: Buffer[], w: ReplyWriter): void {
  c.coord.broadcastAtomicOp(RANDOM_KEY, null, replyRandomKey, w, GLOBAL_READ);
}

/** Picks one shard's key, each shard weighted by its key count. */
function replyRandomKey(results: ([number, string | null] | OpError)[], w: ReplyWriter): void {
  const picks: [number, string][] = [];
  let total = 0;
  for (const r of results) {
    if (r instanceof OpError) return w.error(r.text);
    const [size, key] = r;
    if (key === null) continue;
    const n = Math.max(1, size);
    picks.push([n, key]);
    total += n;
  }
  if (picks.length === 0) return w.nullBulk();
  let at = Math.random() * total;
  for (const [n, key] of picks) {
    if (at < n) return w.bulk(key);
    at -= n;
  }
  w.bulk(picks[picks.length - 1][1]);
}

/** [key count, one random live key or null] of this shard. */
export const RANDOM_KEY = defineOp<null, [number, string | null]>('random-key', none, tuple<[number, string | null]>(num, nullable(latin1)), (x) => {
  const db = x.db;
  let key: string | null = null;
  for (let tries = 0; tries < 100 && db.size > 0 && key === null; tries++) {
    const k = db.randomKey();
    if (k !== null && db.lookup(k, x.now) !== undefined) key = k; // an expired pick is deleted: try again
  }
  return [db.size, key];
});

export const commands: Record<string, CommandImpl> = {
  keys: { connAsync: keys },
  scan: { conn: scan },
  randomkey: { conn: randomkey },
};

export const ops = [KEYS_STEP, SCAN_OP, RANDOM_KEY];
