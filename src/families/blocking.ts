// Blocking commands: BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP BZPOPMIN BZPOPMAX BZMPOP, CLIENT UNBLOCK.
// Invariants: a blocking command first tries, atomically over all its keys (one transaction), what
// its non-blocking form would do — the first key in argument order that holds elements answers, a
// key of another type answers WRONGTYPE; inside MULTI/EXEC it never blocks. Otherwise the client
// takes a claim slot and registers a waiter on every shard holding its keys; whichever wins the slot
// (a shard popping right after the write that created a key, the timeout, CLIENT UNBLOCK, the
// client's disconnection) ends the wait, and the waiters left on the other shards are removed.

import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { CommandImpl, ShardExec } from '../server/command-types.ts';
import type { Client } from '../server/client.ts';
import { kindOf } from '../engine/kinds.ts';
import { mergeSum } from '../server/coordinator.ts';
import { LockPlan } from '../server/transaction.ts';
import { NO_GLOBAL } from '../server/tx-shard.ts';
import { claim, Waiter, WRAP_KEY_ELEMENT, WRAP_KEY_PAIR, WRAP_MOVE, WRAP_PLAIN } from '../server/blocking.ts';
import { keySlot, shardOfKey } from '../runtime/slots.ts';
import { ceilToLongLong, mulLongDouble, parseInt64, parseLongDouble } from '../util/numbers.ts';
import { replyIsError, splitArrayReply, replyInteger } from '../protocol/reply-reader.ts';
import { ERR_NOT_INTEGER, ERR_SYNTAX, ERR_WRONGTYPE, isWord, keyString } from './family-util.ts';
import { parseMPop } from './lists.ts';
import { parseZMPop } from './zset.ts';

/** The longest delay setTimeout honours (a longer one fires at once): longer waits re-arm. */
const MAX_TIMER_MS = 2147483647;
const UNBLOCKED_ERROR = Buffer.from('-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n');

/** What a blocking command waits for and how it pops once a key is ready. */
interface BlockPlan {
  keys: Buffer[];
  kind: 'list' | 'zset';
  /** The popping command for a ready key: its name and arguments, KEY at `keyAt`. */
  template: Buffer[];
  keyAt: number;
  wrap: number;
  /** BLMOVE: the destination and side (pushed by the popping shard when it is elsewhere). */
  dst: Buffer | null;
  dstLeft: boolean;
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

function popPlan(keys: Buffer[], kind: 'list' | 'zset', name: string, wrap: number): BlockPlan {
  return { keys, kind, template: [B(name), B('')], keyAt: 1, wrap, dst: null, dstLeft: false };
}

/** BLPOP / BRPOP / BZPOPMIN / BZPOPMAX key [key ...] timeout */
function simplePop(name: string, kind: 'list' | 'zset', wrap: number) {
  return (c: Client, args: Buffer[], w: ReplyWriter): Promise<void> => {
    const ms = parseTimeout(args[args.length - 1], w);
    if (ms === null) return Promise.resolve();
    return block(c, popPlan(args.slice(1, -1), kind, name, wrap), ms, w);
  };
}

/** BLMPOP / BZMPOP timeout numkeys key [key ...] LEFT|RIGHT|MIN|MAX [COUNT count] */
function mpop(kind: 'list' | 'zset') {
  return (c: Client, args: Buffer[], w: ReplyWriter): Promise<void> => {
    // Redis parses numkeys, the keys, the direction and COUNT before the timeout.
    const rest = [args[0], ...args.slice(2)];
    let keys: Buffer[];
    let tail: Buffer[];
    if (kind === 'list') {
      const p = parseMPop(rest, w);
      if (p === null) return Promise.resolve();
      keys = rest.slice(2, 2 + p.numkeys);
      tail = [B(p.left ? 'LEFT' : 'RIGHT'), B('COUNT'), B(String(p.count))];
    } else {
      const p = parseZMPop(rest, w);
      if (p === null) return Promise.resolve();
      keys = p.keys;
      tail = [B(p.max ? 'MAX' : 'MIN'), B('COUNT'), B(String(p.count))];
    }
    const ms = parseTimeout(args[1], w);
    if (ms === null) return Promise.resolve();
    const plan: BlockPlan = {
      keys,
      kind,
      template: [B(kind === 'list' ? 'lmpop' : 'zmpop'), B('1'), B(''), ...tail],
      keyAt: 2,
      wrap: WRAP_PLAIN,
      dst: null,
      dstLeft: false,
    };
    return block(c, plan, ms, w);
  };
}

/** BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout; BRPOPLPUSH source destination timeout */
function move(rpoplpush: boolean) {
  return (c: Client, args: Buffer[], w: ReplyWriter): Promise<void> => {
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
      ? { keys: [src], kind: 'list', template: [B('lmove'), B(''), dst, B(from), B(to)], keyAt: 1, wrap: WRAP_PLAIN, dst: null, dstLeft: false }
      : { keys: [src], kind: 'list', template: [B(from === 'LEFT' ? 'lpop' : 'rpop'), B('')], keyAt: 1, wrap: WRAP_MOVE, dst, dstLeft: to === 'LEFT' };
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
    await Promise.all(
      [...byShard].map(async ([s, idx]) => {
        const r = await c.coord.runOn(s, '__bpeek', [B(plan.kind), ...idx.map((i) => plan.keys[i])]);
        splitArrayReply(r).forEach((item, j) => (state[idx[j]] = replyInteger(item)));
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
    result = shape(plan, key, popped, c.resp);
  });
  return result;
}

/** The blocking reply from the popping command's reply (as the serving shard shapes it). */
function shape(plan: BlockPlan, key: Buffer, popped: Buffer, resp: 2 | 3): Buffer {
  if (replyIsError(popped) || plan.wrap === WRAP_PLAIN || plan.wrap === WRAP_MOVE) return popped;
  const head = Buffer.from(`${plan.wrap === WRAP_KEY_ELEMENT ? '*2' : '*3'}\r\n$${key.length}\r\n`);
  const body = plan.wrap === WRAP_KEY_ELEMENT ? popped : popped.subarray(popped.indexOf(0x0a) + 1);
  void resp;
  return Buffer.concat([head, key, Buffer.from('\r\n'), body]);
}

/** Registers the waiters and waits for a pop, the timeout, CLIENT UNBLOCK or the client's end. */
async function wait(c: Client, plan: BlockPlan, ms: number, w: ReplyWriter): Promise<void> {
  const worker = c.worker;
  // The client left while the command was being tried (Redis frees it on EOF): waiting would keep a
  // dead client blocked, and pop an element for it.
  if (c.inputGone) return w.nullArray();
  const got = worker.claims.acquire();
  if (got === null) return w.error('ERR too many blocked clients on this thread');
  const [slot, expect] = got;
  const n = worker.n;
  let timer: NodeJS.Timeout | null = null;
  const reply = await new Promise<Buffer | null>((resolve) => {
    let done = false;
    const finish = (r: Buffer | null): void => {
      if (done) return;
      done = true;
      resolve(r);
    };
    c.blockState = {
      slot,
      finish,
      cancel: (r) => {
        if (!claim(worker.shared.blockSlots, slot, expect)) return false;
        finish(r);
        return true;
      },
    };
    Atomics.add(worker.shared.counts, 1, 1);
    if (ms > 0) {
      const deadline = Date.now() + ms;
      const arm = (): void => {
        const left = deadline - Date.now();
        timer = left > MAX_TIMER_MS ? setTimeout(arm, MAX_TIMER_MS) : setTimeout(() => c.blockState?.cancel(null), left);
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
    const head = [
      B(String(slot)), B(String(expect)), B(String(worker.index)), B(String(c.id)), B(plan.kind), B(String(plan.wrap)),
      B(String(worker.command(plan.template[0].toString()).index)), plan.dst ?? B(''), B(plan.dstLeft ? '1' : '0'),
      B(String(plan.keyAt)), B(String(plan.template.length)), ...plan.template,
    ];
    for (const [s, keys] of byShard) void c.coord.runOn(s, '__block', [...head, ...keys], c.resp);
  });
  if (timer !== null) clearTimeout(timer);
  c.blockState = null;
  Atomics.sub(worker.shared.counts, 1, 1);
  worker.claims.release(slot);
  for (const s of new Set(plan.keys.map((k) => shardOfKey(k, n)))) void c.coord.runOn(s, '__unblock', [B(String(slot)), B(String(expect))]);
  // Redis 7.0 answers a timeout (or CLIENT UNBLOCK) with a nil array, BLMOVE and BRPOPLPUSH included
  // (whose nil inside MULTI is a nil bulk).
  if (reply === null) return w.nullArray();
  w.raw(reply);
}

// --- CLIENT UNBLOCK ------------------------------------------------------------------------------

/** CLIENT UNBLOCK client-id [TIMEOUT|ERROR] */
function clientUnblock(c: Client, args: Buffer[], w: ReplyWriter): void {
  // As Redis: too many arguments is the generic subcommand error, and the reason is checked before the id.
  if (args.length > 4) {
    const sub = args[1].toString('latin1').slice(0, 128);
    return w.error(`ERR unknown subcommand or wrong number of arguments for '${sub}'. Try ${args[0].toString('latin1').toUpperCase()} HELP.`);
  }
  let mode = 'TIMEOUT';
  if (args.length > 3) {
    if (isWord(args[3], 'TIMEOUT')) mode = 'TIMEOUT';
    else if (isWord(args[3], 'ERROR')) mode = 'ERROR';
    else return w.error('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
  }
  const id = parseInt64(args[2]);
  if (id === null) return w.error(ERR_NOT_INTEGER);
  c.coord.broadcast(c.worker.command('__clientunblock'), [B('__clientunblock'), B(String(id)), B(mode)], mergeSum, w);
}

// --- shard side --------------------------------------------------------------------------------

/** __bpeek list|zset key...: per key 0 (missing), 1 (holds elements of that type), 2 (another type). */
function opPeek(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const kind = keyString(args[1]);
  w.array(args.length - 2);
  for (let i = 2; i < args.length; i++) {
    const e = x.db.lookup(keySlot(args[i]), keyString(args[i]), x.now);
    if (e === undefined) w.integer(0);
    else {
      const v = e.value;
      const k = kindOf(v).type;
      w.integer(k === kind ? 1 : 2);
    }
  }
}

/**
 * __block slot expect worker client kind wrap cmdIndex dst dstLeft keyAt ntemplate template... key...:
 * registers a waiter on these keys; a key already holding elements serves it at once.
 */
function opBlock(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const wt = new Waiter();
  wt.slot = Number(keyString(args[1]));
  wt.expect = Number(keyString(args[2]));
  wt.worker = Number(keyString(args[3]));
  wt.clientId = keyString(args[4]);
  wt.kind = keyString(args[5]);
  wt.wrap = Number(keyString(args[6]));
  wt.cmd = x.worker.table.all[Number(keyString(args[7]))];
  wt.dst = args[8].length > 0 ? Buffer.from(args[8]) : null;
  wt.dstLeft = args[9][0] === 0x31;
  wt.keyAt = [Number(keyString(args[10]))];
  const nt = Number(keyString(args[11]));
  wt.template = args.slice(12, 12 + nt).map((a) => Buffer.from(a));
  wt.keys = args.slice(12 + nt).map((k) => keyString(k));
  wt.db = x.dbIndex;
  wt.resp = w.resp;
  x.worker.addWaiter(wt);
  // A key that already holds elements (pushed since the try): serve now, after this command.
  for (const k of wt.keys) x.db.readyQueue.push([x.db, k]);
  w.ok();
}

/** __unblock slot expect: drops the waiter of that wait on this shard. */
function opUnblock(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const wt = x.worker.waiters.get(Number(keyString(args[1])));
  if (wt !== undefined && wt.expect === Number(keyString(args[2]))) x.worker.removeWaiter(wt);
  w.ok();
}

/** __unblocked client slot reply: a shard served this worker's blocked client. */
function opUnblocked(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const delivered = x.worker.clients.get(BigInt(keyString(args[1])))?.unblocked(args[3], Number(keyString(args[2]))) === true;
  // 0: the client is gone — the serving shard puts back what it popped.
  w.integer(delivered ? 1 : 0);
}

/** __clientunblock id TIMEOUT|ERROR: 1 if this worker's client `id` was blocked and is now unblocked. */
function opClientUnblock(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  const conn = x.worker.clients.get(BigInt(keyString(args[1])));
  const b = conn?.blockState ?? null;
  if (b === null) return w.integer(0);
  w.integer(b.cancel(keyString(args[2]) === 'ERROR' ? UNBLOCKED_ERROR : null) ? 1 : 0);
}

export const commands: Record<string, CommandImpl> = {
  blpop: { connAsync: simplePop('lpop', 'list', WRAP_KEY_ELEMENT) },
  brpop: { connAsync: simplePop('rpop', 'list', WRAP_KEY_ELEMENT) },
  bzpopmin: { connAsync: simplePop('zpopmin', 'zset', WRAP_KEY_PAIR) },
  bzpopmax: { connAsync: simplePop('zpopmax', 'zset', WRAP_KEY_PAIR) },
  blmpop: { connAsync: mpop('list') },
  bzmpop: { connAsync: mpop('zset') },
  blmove: { connAsync: move(false) },
  brpoplpush: { connAsync: move(true) },
  'client|unblock': { conn: clientUnblock },
};

export const internal: Record<string, [number, CommandImpl]> = {
  __bpeek: [-3, { shard: opPeek }],
  __block: [-14, { shard: opBlock }],
  __unblock: [3, { shard: opUnblock }],
  __unblocked: [4, { shard: opUnblocked }],
  __clientunblock: [3, { shard: opClientUnblock }],
};
