// Blocking commands: BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP BZPOPMIN BZPOPMAX BZMPOP, CLIENT UNBLOCK.
// Invariants: a blocking command first tries, atomically over all its keys (one transaction), what
// its non-blocking form would do — the first key in argument order that holds elements answers, a
// key of another type answers WRONGTYPE; inside MULTI/EXEC it never blocks. Otherwise the client
// takes a claim slot and registers a waiter on every shard holding its keys; whichever wins the slot
// (a shard popping right after the write that created a key, the timeout, CLIENT UNBLOCK, the
// client's disconnection) ends the wait, and the waiters left on the other shards are removed.
// Each command is a BlockOp (server/blocking.ts): how its pop's reply is wrapped for the client and
// how the pop is undone, the same code for a pop now and a pop for a waiter. A waiter carries the
// stamp of its command's arrival (the shared clock, read when the handler starts), so the clients
// of a key are served in the order their commands arrived; the client shows as blocked (CLIENT LIST,
// INFO) once every shard has its waiter.

import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { CommandImpl, ShardExec } from '../server/command-types.ts';
import type { Client } from '../server/client.ts';
import { kindOf } from '../engine/kinds.ts';
import { allOk, defineOp, OpError } from '../server/shard-ops.ts';
import { bool, bytesList, latin1, list, none, num, tuple, u32, type Codec } from '../util/codec.ts';
import { LockPlan } from '../transaction/transaction.ts';
import { NO_GLOBAL } from '../transaction/tx-shard.ts';
import { blockOp, claim, DELIVERED, registerBlockOp, Waiter, type BlockOp } from '../server/blocking.ts';
import { shardOfKey } from '../runtime/slots.ts';
import { ceilToLongLong, mulLongDouble, parseInt64, parseLongDouble } from '../util/numbers.ts';
import { bulkBytes, replyIsError, splitArrayReply, replyInteger } from '../protocol/reply-reader.ts';
import { ERR_NOT_INTEGER, ERR_SYNTAX, ERR_WRONGTYPE, isWord, keyString, subcommandSyntaxError } from './family-util.ts';
import { parseMPop } from './lists.ts';
import { parseZMPop } from './zset.ts';

/** The longest delay setTimeout honours (a longer one fires at once): longer waits re-arm. */
const MAX_TIMER_MS = 2147483647;
const UNBLOCKED_ERROR = Buffer.from('-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n');

// --- operations: how a pop is answered and undone -------------------------------------------------

const copy = (b: Buffer): Buffer => Buffer.from(b);

/** A score in a reply: a bulk (RESP2) or a double (RESP3), as text ZADD accepts. */
function scoreText(r: Buffer): Buffer {
  return copy(r[0] === 0x2c /* , */ ? r.subarray(1, r.length - 2) : bulkBytes(r));
}

/** The elements of LMPOP's reply ([key, [elements]]), as pushes that put them back in order. */
function lmpopBack(left: boolean) {
  return (key: Buffer, popped: Buffer): Buffer[] => {
    const elems = splitArrayReply(splitArrayReply(popped)[1]).map((e) => copy(bulkBytes(e)));
    // LMPOP LEFT took a, b (LPUSH b a restores); RIGHT took c, b (RPUSH b c restores).
    return [B(left ? 'lpush' : 'rpush'), key, ...elems.reverse()];
  };
}

/** One element (a bulk reply) pushed back on the end it came from. */
function elementBack(left: boolean) {
  return (key: Buffer, popped: Buffer): Buffer[] => [B(left ? 'lpush' : 'rpush'), key, copy(bulkBytes(popped))];
}

/** ZPOPMIN/ZPOPMAX's [member, score] added back. */
function memberBack(key: Buffer, popped: Buffer): Buffer[] {
  const [member, score] = splitArrayReply(popped);
  return [B('zadd'), key, scoreText(score), copy(bulkBytes(member))];
}

/** ZMPOP's [key, [[member, score]...]] added back. */
function membersBack(key: Buffer, popped: Buffer): Buffer[] {
  const out = [B('zadd'), key];
  for (const pair of splitArrayReply(splitArrayReply(popped)[1])) {
    const [member, score] = splitArrayReply(pair);
    out.push(scoreText(score), copy(bulkBytes(member)));
  }
  return out;
}

const asIs = (_key: Buffer, popped: Buffer, w: ReplyWriter): void => w.raw(popped);

/** *2 key element (BLPOP, BRPOP). */
function keyElement(key: Buffer, popped: Buffer, w: ReplyWriter): void {
  w.array(2);
  w.bulk(key);
  w.raw(popped);
}

/** *3 key member score (BZPOPMIN, BZPOPMAX): the popped [member, score] after the key. */
function keyPair(key: Buffer, popped: Buffer, w: ReplyWriter): void {
  w.array(3);
  w.bulk(key);
  w.raw(popped.subarray(popped.indexOf(0x0a) + 1));
}

const op = (o: BlockOp): number => registerBlockOp(o);
const OP_BLPOP = op({ kind: 'list', wrap: keyElement, undo: elementBack(true) });
const OP_BRPOP = op({ kind: 'list', wrap: keyElement, undo: elementBack(false) });
const OP_BLMPOP_LEFT = op({ kind: 'list', wrap: asIs, undo: lmpopBack(true) });
const OP_BLMPOP_RIGHT = op({ kind: 'list', wrap: asIs, undo: lmpopBack(false) });
const OP_BZPOPMIN = op({ kind: 'zset', wrap: keyPair, undo: memberBack });
const OP_BZPOPMAX = op({ kind: 'zset', wrap: keyPair, undo: memberBack });
const OP_BZMPOP = op({ kind: 'zset', wrap: asIs, undo: membersBack });
/** BLMOVE with both keys on one shard: LMOVE does it all; the element is in the destination (moved, not lost). */
const OP_BLMOVE_LOCAL = op({ kind: 'list', wrap: asIs, undo: () => null });
/** BLMOVE across shards: pop here, push on the destination's shard (extra: [destination, LEFT|RIGHT]), then answer. */
function crossMove(fromLeft: boolean): BlockOp {
  return {
    kind: 'list',
    wrap: asIs,
    undo: elementBack(fromLeft),
    onward: (_key, popped, wt) => [B(isWord(wt.extra[1], 'LEFT') ? 'lpush' : 'rpush'), wt.extra[0], copy(bulkBytes(popped))],
  };
}
const OP_BLMOVE_FROM_LEFT = op(crossMove(true));
const OP_BLMOVE_FROM_RIGHT = op(crossMove(false));

/** What a blocking command waits for and how it pops once a key is ready. */
export interface BlockPlan {
  keys: Buffer[];
  op: number;
  /** The popping command for a ready key: its name and arguments, KEY at `keyAt`. */
  template: Buffer[];
  keyAt: number;
  /** The operation's own arguments (see Waiter.extra). */
  extra: Buffer[];
  /** When the command arrived on this thread (the shared clock): its place among the key's waiters. */
  stamp: number;
}

/**
 * Redis 7.0's getTimeoutFromObjectOrReply for seconds: milliseconds to wait (0: forever), or null
 * after the error reply. As Redis: the text is a long double (string2ld), the milliseconds are
 * `(long long) ceill(seconds * 1000)` computed in 80-bit long double (so -0.001 * 1000 lands just
 * above -1 and ceils to -0: forever), and a result beyond the long long range converts to LLONG_MIN
 * ("timeout is negative"). 7.0 then adds the clock without a range check (7.2 answers "timeout is
 * out of range"): a deadline past LLONG_MAX wraps, and its unsigned timeout table never reaches it,
 * so such a timeout blocks until served, like the far deadline we arm for it.
 */
function parseTimeout(arg: Buffer, w: ReplyWriter): number | null {
  const seconds = parseLongDouble(arg);
  if (seconds === null || seconds.kind === 'nan') {
    w.error('ERR timeout is not a float or out of range');
    return null;
  }
  const ms = ceilToLongLong(mulLongDouble(seconds, 1000n));
  if (ms < 0n) {
    w.error('ERR timeout is negative');
    return null;
  }
  return Number(ms);
}

function side(b: Buffer): 'LEFT' | 'RIGHT' | null {
  if (isWord(b, 'LEFT')) return 'LEFT';
  if (isWord(b, 'RIGHT')) return 'RIGHT';
  return null;
}

const B = (s: string): Buffer => Buffer.from(s);

/** BLPOP / BRPOP / BZPOPMIN / BZPOPMAX key [key ...] timeout */
function simplePop(name: string, op: number) {
  return (c: Client, args: Buffer[], w: ReplyWriter): Promise<void> => {
    const stamp = c.worker.nextTimestamp();
    const ms = parseTimeout(args[args.length - 1], w);
    if (ms === null) return Promise.resolve();
    return block(c, { keys: args.slice(1, -1), op, template: [B(name), B('')], keyAt: 1, extra: [], stamp }, ms, w);
  };
}

/** BLMPOP / BZMPOP timeout numkeys key [key ...] LEFT|RIGHT|MIN|MAX [COUNT count] */
function mpop(kind: 'list' | 'zset') {
  return (c: Client, args: Buffer[], w: ReplyWriter): Promise<void> => {
    const stamp = c.worker.nextTimestamp();
    // Redis parses numkeys, the keys, the direction and COUNT before the timeout.
    const rest = [args[0], ...args.slice(2)];
    let keys: Buffer[];
    let tail: Buffer[];
    let op = OP_BZMPOP;
    if (kind === 'list') {
      const p = parseMPop(rest, w);
      if (p === null) return Promise.resolve();
      keys = rest.slice(2, 2 + p.numkeys);
      tail = [B(p.left ? 'LEFT' : 'RIGHT'), B('COUNT'), B(String(p.count))];
      op = p.left ? OP_BLMPOP_LEFT : OP_BLMPOP_RIGHT;
    } else {
      const p = parseZMPop(rest, w);
      if (p === null) return Promise.resolve();
      keys = p.keys;
      tail = [B(p.max ? 'MAX' : 'MIN'), B('COUNT'), B(String(p.count))];
    }
    const ms = parseTimeout(args[1], w);
    if (ms === null) return Promise.resolve();
    return block(c, { keys, op, template: [B(kind === 'list' ? 'lmpop' : 'zmpop'), B('1'), B(''), ...tail], keyAt: 2, extra: [], stamp }, ms, w);
  };
}

/** BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout; BRPOPLPUSH source destination timeout */
function move(rpoplpush: boolean) {
  return (c: Client, args: Buffer[], w: ReplyWriter): Promise<void> => {
    const stamp = c.worker.nextTimestamp();
    let from: 'LEFT' | 'RIGHT' | null = 'RIGHT';
    let to: 'LEFT' | 'RIGHT' | null = 'LEFT';
    if (!rpoplpush) {
      from = side(args[3]);
      to = from === null ? null : side(args[4]);
      if (from === null || to === null) {
        w.error(ERR_SYNTAX);
        return Promise.resolve();
      }
    }
    const ms = parseTimeout(args[rpoplpush ? 3 : 5], w);
    if (ms === null) return Promise.resolve();
    const n = c.worker.n;
    const src = args[1];
    const dst = args[2];
    const sameShard = shardOfKey(src, n) === shardOfKey(dst, n);
    const plan: BlockPlan = sameShard
      ? { keys: [src], op: OP_BLMOVE_LOCAL, template: [B('lmove'), B(''), dst, B(from), B(to)], keyAt: 1, extra: [], stamp }
      : { keys: [src], op: from === 'LEFT' ? OP_BLMOVE_FROM_LEFT : OP_BLMOVE_FROM_RIGHT, template: [B(from === 'LEFT' ? 'lpop' : 'rpop'), B('')], keyAt: 1, extra: [dst, B(to)], stamp };
    return blockMove(c, plan, args, from, to, ms, w);
  };
}

/** BLMOVE: with a source holding elements, LMOVE does it (it checks both types); else block. */
async function blockMove(c: Client, plan: BlockPlan, args: Buffer[], from: string, to: string, ms: number, w: ReplyWriter): Promise<void> {
  const n = c.worker.n;
  const src = args[1];
  const dst = args[2];
  const lmove = c.worker.command('lmove');
  const full = [B('lmove'), src, dst, B(from), B(to)];
  let reply: Buffer;
  if (shardOfKey(src, n) === shardOfKey(dst, n) || lmove.impl.multi === undefined || typeof lmove.impl.multi !== 'function') {
    reply = await c.coord.runOn(shardOfKey(src, n), 'lmove', full.slice(1), c.resp);
  } else {
    const bw = c.worker.newWriter(c.resp);
    const multi = lmove.impl.multi;
    const plan2 = new LockPlan();
    plan2.add(shardOfKey(src, n), c.db, src, true);
    plan2.add(shardOfKey(dst, n), c.db, dst, true);
    await c.coord.atomically(plan2, NO_GLOBAL, () => multi(c, full, bw));
    reply = bw.take();
  }
  // A nil reply: the source is missing (its type was checked): wait for it.
  if (!(reply.length >= 3 && (reply[0] === 0x5f || (reply[0] === 0x24 && reply[1] === 0x2d)))) return w.raw(reply);
  if (c.coord.tx !== null) return w.nullBulk();
  return wait(c, plan, ms, w);
}

/** The common path: try now (atomically over the keys), else wait. */
async function block(c: Client, plan: BlockPlan, ms: number, w: ReplyWriter): Promise<void> {
  const now = await tryNow(c, plan);
  if (now !== null) return w.raw(now);
  if (c.coord.tx !== null) return w.nullArray(); // inside MULTI/EXEC: no blocking
  return wait(c, plan, ms, w);
}

/**
 * One transaction over the keys: the type state of every key (per shard, one hop), then the pop on the
 * first key that holds elements, or WRONGTYPE for the first of another type. null: nothing to pop.
 */
async function tryNow(c: Client, plan: BlockPlan): Promise<Buffer | null> {
  const n = c.worker.n;
  const lock = new LockPlan();
  const byShard = new Map<number, number[]>();
  plan.keys.forEach((k, i) => {
    const s = shardOfKey(k, n);
    lock.add(s, c.db, k, true);
    let l = byShard.get(s);
    if (l === undefined) byShard.set(s, (l = []));
    l.push(i);
  });
  let result: Buffer | null = null;
  await c.coord.atomically(lock, NO_GLOBAL, async () => {
    const state = new Array<number>(plan.keys.length).fill(0);
    const kind = blockOp(plan.op).kind;
    await Promise.all(
      [...byShard].map(async ([s, idx]) => {
        const r = await c.coord.op(s, PEEK, [kind, idx.map((i) => plan.keys[i])]);
        if (r instanceof OpError) throw new Error(r.text);
        r.forEach((v, j) => (state[idx[j]] = v));
      }),
    );
    const first = state.findIndex((v) => v !== 0);
    if (first < 0) return;
    if (state[first] === 2) {
      result = Buffer.from(`-${ERR_WRONGTYPE}\r\n`);
      return;
    }
    const key = plan.keys[first];
    const args = plan.template.slice(1);
    args[plan.keyAt - 1] = key;
    const popped = await c.coord.runOn(shardOfKey(key, n), plan.template[0].toString(), args, c.resp);
    if (replyIsError(popped)) {
      result = popped;
      return;
    }
    // The same wrapping as for a waiter served later (its shard runs it).
    const bw = c.worker.newWriter(c.resp);
    blockOp(plan.op).wrap(key, popped, bw);
    result = bw.take();
  });
  return result;
}

/**
 * Registers the waiters and waits for a pop, the timeout, CLIENT UNBLOCK or the client's end. The
 * client shows as blocked (CLIENT LIST flag b, INFO blocked_clients, CLIENT UNBLOCK finds it) once
 * every shard has its waiter: a push seen after that serves the clients in their commands' order.
 */
export async function wait(c: Client, plan: BlockPlan, ms: number, w: ReplyWriter): Promise<void> {
  const worker = c.worker;
  const blocking = worker.blocking;
  // The client left while the command was being tried (Redis frees it on EOF): waiting would keep a
  // dead client blocked, and pop an element for it.
  if (c.inputGone) return w.nullArray();
  const got = blocking.claims.acquire();
  if (got === null) return w.error('ERR too many blocked clients on this thread');
  const [slot, expect] = got;
  const n = worker.n;
  let timer: NodeJS.Timeout | null = null;
  let shown = false;
  // The wait is not the command's time (Redis times a blocked command's run and reply, not its wait).
  const waitStart = performance.now();
  const reply = await new Promise<Buffer | null>((resolve) => {
    let done = false;
    const finish = (r: Buffer | null): void => {
      if (done) return;
      done = true;
      resolve(r);
    };
    const state = {
      slot,
      timed: ms > 0,
      finish,
      cancel: (r: Buffer | null): boolean => {
        if (!claim(worker.shared.blockSlots, slot, expect)) return false;
        finish(r);
        return true;
      },
    };
    blocking.waits.set(slot, { conn: c, finish });
    if (ms > 0) {
      const deadline = Date.now() + ms;
      const arm = (): void => {
        const left = deadline - Date.now();
        timer = left > MAX_TIMER_MS ? setTimeout(arm, MAX_TIMER_MS) : setTimeout(() => state.cancel(null), left);
      };
      arm();
    }
    const byShard = new Map<number, Buffer[]>();
    for (const k of plan.keys) {
      const s = shardOfKey(k, n);
      let l = byShard.get(s);
      if (l === undefined) byShard.set(s, (l = []));
      l.push(k);
    }
    const reg: Registration = {
      slot, expect, worker: worker.index, client: String(c.id), stamp: plan.stamp, op: plan.op, resp: c.resp,
      cmd: worker.command(plan.template[0].toString()).index, keyAt: plan.keyAt, template: plan.template, extra: plan.extra, keys: [],
    };
    void Promise.all([...byShard].map(([s, keys]) => c.coord.op(s, BLOCK, { ...reg, keys }))).then(() => {
      if (done) return;
      c.blockState = state;
      shown = true;
      Atomics.add(worker.shared.counts, 1, 1);
      // Gone while registering (nobody saw it blocked to end the wait): end it now.
      if (c.inputGone && !state.cancel(null)) finish(null);
    });
  });
  c.waitedMs += performance.now() - waitStart;
  // Redis 7.0 leaves a blocked command that timed out out of the slow log.
  if (reply === null) c.waitTimedOut = true;
  if (timer !== null) clearTimeout(timer);
  blocking.waits.delete(slot);
  if (shown) {
    c.blockState = null;
    Atomics.sub(worker.shared.counts, 1, 1);
  }
  blocking.claims.release(slot);
  for (const s of new Set(plan.keys.map((k) => shardOfKey(k, n)))) void c.coord.op(s, UNBLOCK, [slot, expect]);
  // Redis 7.0 answers a timeout (or CLIENT UNBLOCK) with a nil array, BLMOVE and BRPOPLPUSH included
  // (whose nil inside MULTI is a nil bulk).
  if (reply === null) return w.nullArray();
  w.raw(reply);
}

// --- CLIENT UNBLOCK ------------------------------------------------------------------------------

/** CLIENT UNBLOCK client-id [TIMEOUT|ERROR] */
function clientUnblock(c: Client, args: Buffer[], w: ReplyWriter): void {
  // As Redis: too many arguments is the generic subcommand error, and the reason is checked before the id.
  if (args.length > 4) return subcommandSyntaxError(args, w);
  let mode = 'TIMEOUT';
  if (args.length > 3) {
    if (isWord(args[3], 'TIMEOUT')) mode = 'TIMEOUT';
    else if (isWord(args[3], 'ERROR')) mode = 'ERROR';
    else return w.error('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
  }
  const id = parseInt64(args[2]);
  if (id === null) return w.error(ERR_NOT_INTEGER);
  c.coord.broadcastOp(CLIENT_UNBLOCK, [String(id), mode === 'ERROR'], (results, out) => {
    const counts = allOk(results, out);
    if (counts !== null) out.integer(counts.reduce((a, b) => a + b, 0));
  }, w);
}

// --- shard side --------------------------------------------------------------------------------

/** Per key: 0 missing, 1 holding elements of `kind` ('list', 'zset'), 2 holding another type. */
const PEEK = defineOp('block-peek', tuple<[string, Buffer[]]>(latin1, bytesList), list(u32), (x, [kind, keys]) =>
  keys.map((k) => {
    const e = x.db.lookup(keyString(k), x.now);
    return e === undefined ? 0 : kindOf(e.value).type === kind ? 1 : 2;
  }),
);

/** A blocked client's wait as a shard registers it (its keys on that shard). */
interface Registration {
  slot: number;
  expect: number;
  worker: number;
  client: string;
  stamp: number;
  op: number;
  resp: 2 | 3;
  /** The popping command's number in the command table. */
  cmd: number;
  keyAt: number;
  template: Buffer[];
  extra: Buffer[];
  keys: Buffer[];
}

const registration: Codec<Registration> = {
  write(w, r) {
    w.u32(r.slot);
    w.u32(r.expect);
    w.u32(r.worker);
    w.latin1(r.client);
    w.f64(r.stamp);
    w.u32(r.op);
    w.u8(r.resp);
    w.u32(r.cmd);
    w.u32(r.keyAt);
    bytesList.write(w, r.template);
    bytesList.write(w, r.extra);
    bytesList.write(w, r.keys);
  },
  read(r) {
    return {
      slot: r.u32(), expect: r.u32(), worker: r.u32(), client: r.latin1(), stamp: r.f64(), op: r.u32(), resp: r.u8() === 3 ? 3 : 2,
      cmd: r.u32(), keyAt: r.u32(), template: bytesList.read(r), extra: bytesList.read(r), keys: bytesList.read(r),
    };
  },
};

/** Registers a waiter on these keys (in stamp order); a key already holding elements serves it at once. */
const BLOCK = defineOp('block', registration, none, (x, g) => {
  const wt = new Waiter();
  wt.slot = g.slot;
  wt.expect = g.expect;
  wt.worker = g.worker;
  wt.clientId = g.client;
  wt.stamp = g.stamp;
  wt.op = blockOp(g.op);
  wt.cmd = x.worker.table.all[g.cmd];
  wt.keyAt = g.keyAt;
  wt.template = g.template.map(copy);
  wt.extra = g.extra.map(copy);
  wt.keys = g.keys.map((k) => keyString(k));
  wt.db = x.dbIndex;
  wt.resp = g.resp;
  // (A key that already holds elements, pushed since the try, is served right after this operation.)
  x.worker.blocking.addWaiter(wt);
  return null;
});

/** Drops the waiter of that wait (claim slot, its expected value) on this shard. */
const UNBLOCK = defineOp('unblock', tuple<[number, number]>(u32, u32), none, (x, [slot, expect]) => {
  const wt = x.worker.blocking.waiters.get(slot);
  if (wt !== undefined && wt.expect === expect) x.worker.blocking.removeWaiter(wt);
  return null;
});

/** CLIENT UNBLOCK on this thread: 1 if its client `id` was blocked and is now unblocked (with an error if asked). */
const CLIENT_UNBLOCK = defineOp('client-unblock', tuple<[string, boolean]>(latin1, bool), num, (x, [id, error]) => {
  const b = x.worker.clients.get(BigInt(id))?.blockState ?? null;
  if (b === null) return 0;
  return b.cancel(error ? UNBLOCKED_ERROR : null) ? 1 : 0;
});

export const commands: Record<string, CommandImpl> = {
  blpop: { connAsync: simplePop('lpop', OP_BLPOP) },
  brpop: { connAsync: simplePop('rpop', OP_BRPOP) },
  bzpopmin: { connAsync: simplePop('zpopmin', OP_BZPOPMIN) },
  bzpopmax: { connAsync: simplePop('zpopmax', OP_BZPOPMAX) },
  blmpop: { connAsync: mpop('list') },
  bzmpop: { connAsync: mpop('zset') },
  blmove: { connAsync: move(false) },
  brpoplpush: { connAsync: move(true) },
  'client|unblock': { conn: clientUnblock },
};

export const ops = [PEEK, BLOCK, UNBLOCK, CLIENT_UNBLOCK, DELIVERED];
