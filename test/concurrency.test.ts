// Concurrency properties of the transaction layer, with many clients on Damselfly at 1, 2 and 4 shard
// threads: multi-shard commands and MULTI/EXEC are atomic (no reader sees half of an MSET, a transfer or a
// cross-shard RENAME), WATCH gives correct optimistic increments, a pipelining client sees its own writes
// in order, and GET/SET on single keys (directly, through MSET/MGET across shards and inside MULTI/EXEC)
// are linearizable (Wing & Gong search over the recorded history).
// Invariants: every workload is a fixed amount of work from fixed seeds (readers run until the writers
// finish); nothing asserts on timing; each property uses its own keys, placed on distinct shards
// (slot % 4 = 0..3 gives distinct shards at 2 and 4 threads).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  stopChecked, RawClient, encodeCommand, rng, show, startDamselfly, within, type Arg, type ServerHandle } from './harness.ts';
import { shardOfKey } from '../src/runtime/slots.ts';

/** Multiplies every workload (rounds per client); 4 keeps the whole file near 20 s on two cores. */
const SCALE = Number(process.env.CONCURRENCY_SCALE ?? 4);

// ---------------------------------------------------------------------------------------------
// Replies

type Reply = string | number | null | { error: string } | Reply[];

/** Parses one RESP2 reply (the exact bytes of one reply, as RawClient returns them). */
function parse(b: Buffer): Reply {
  const [v, end] = parseAt(b, 0);
  if (end !== b.length) throw new Error(`trailing bytes after reply: ${show(b)}`);
  return v;
}

function parseAt(b: Buffer, at: number): [Reply, number] {
  const cr = b.indexOf(0x0d, at);
  const line = b.toString('latin1', at + 1, cr);
  const next = cr + 2;
  switch (b[at]) {
    case 0x2b: // +
      return [line, next];
    case 0x2d: // -
      return [{ error: line }, next];
    case 0x3a: // :
      return [Number(line), next];
    case 0x24: {
      // $
      const n = Number(line);
      if (n < 0) return [null, next];
      return [b.toString('latin1', next, next + n), next + n + 2];
    }
    case 0x2a: {
      // *
      const n = Number(line);
      if (n < 0) return [null, next];
      const out: Reply[] = [];
      let p = next;
      for (let i = 0; i < n; i++) {
        const [v, e] = parseAt(b, p);
        out.push(v);
        p = e;
      }
      return [out, p];
    }
    default:
      throw new Error(`unexpected reply ${show(b)}`);
  }
}

/** A client that sends commands (alone or pipelined) and returns parsed replies. */
class Client {
  readonly raw: RawClient;
  private constructor(raw: RawClient) {
    this.raw = raw;
  }
  static async open(port: number): Promise<Client> {
    return new Client(await RawClient.connect(port));
  }
  async call(...cmd: Arg[]): Promise<Reply> {
    return parse(await this.raw.call(cmd));
  }
  /** Sends all commands in one write; the replies in order. */
  async pipeline(cmds: Arg[][]): Promise<Reply[]> {
    this.raw.send(Buffer.concat(cmds.map(encodeCommand)));
    const out: Reply[] = [];
    for (let i = 0; i < cmds.length; i++) out.push(parse(await this.raw.readReply()));
    return out;
  }
  close(): void {
    this.raw.close();
  }
}

async function clients(port: number, n: number): Promise<Client[]> {
  return Promise.all(Array.from({ length: n }, () => Client.open(port)));
}

/** A key named `${ns}:${name}` (plus a suffix) whose slot % 4 is s. */
function keyOn(ns: string, name: string, s: number): string {
  for (let i = 0; ; i++) {
    const key = i === 0 ? `${ns}:${name}` : `${ns}:${name}#${i}`;
    if (shardOfKey(Buffer.from(key), 4) === s) return key;
  }
}

/** Awaits every task, then throws the first failure (no task is left running after a failure). */
async function all(tasks: Promise<unknown>[]): Promise<void> {
  for (const r of await Promise.allSettled(tasks)) if (r.status === 'rejected') throw r.reason;
}

/** Runs the writers and, until they are all done, the readers; throws the first failure of either. */
async function whileWriting(writers: (() => Promise<void>)[], readers: ((done: () => boolean) => Promise<void>)[]): Promise<void> {
  let done = false;
  const rs = readers.map((r) => r(() => done));
  const ws = all(writers.map((w) => w())).finally(() => (done = true));
  await all([ws, ...rs]);
}

// ---------------------------------------------------------------------------------------------
// Properties

/** Writers MSET a X b X while readers MGET a b (and read both in MULTI/EXEC): never a != b. */
async function msetAtomic(port: number, ns: string, seed: number): Promise<void> {
  const a = keyOn(ns, 'a', 0);
  const b = keyOn(ns, 'b', 1);
  const r = rng(seed);
  const writers = await clients(port, 4);
  const readers = await clients(port, 4);
  let reads = 0;
  try {
    await writers[0].call('MSET', a, 'init', b, 'init');
    const write = async (c: Client): Promise<void> => {
      for (let round = 0; round < 60 * SCALE; round++) {
        const cmds: Arg[][] = [];
        for (let i = 0; i < 4; i++) {
          const x = String(Math.floor(r() * 1e9));
          cmds.push(i % 2 === 0 ? ['MSET', a, x, b, x] : ['MSET', b, x, a, x]);
        }
        for (const rep of await c.pipeline(cmds)) assert.equal(rep, 'OK');
      }
    };
    const read = async (c: Client, i: number, done: () => boolean): Promise<void> => {
      while (!done() || reads < 8) {
        let pair: Reply;
        if (i % 2 === 0) pair = await c.call('MGET', a, b);
        else {
          const rep = await c.pipeline([['MULTI'], ['GET', a], ['GET', b], ['EXEC']]);
          pair = rep[3];
        }
        reads++;
        assert.ok(Array.isArray(pair) && pair.length === 2, `unexpected reply ${JSON.stringify(pair)}`);
        assert.equal(pair[0], pair[1], `reader ${i} saw a half-applied MSET: ${JSON.stringify(pair)}`);
      }
    };
    await whileWriting(
      writers.map((c) => () => write(c)),
      readers.map((c, i) => (done) => read(c, i, done)),
    );
  } finally {
    for (const c of [...writers, ...readers]) c.close();
  }
}

/** Random MULTI DECRBY/INCRBY EXEC transfers among accounts on all shards: the total never changes. */
async function transfers(port: number, ns: string, seed: number): Promise<void> {
  const N = 10;
  const INITIAL = 1000;
  const accounts = Array.from({ length: N }, (_, i) => keyOn(ns, `acc${i}`, i % 4));
  const movers = await clients(port, 4);
  const auditors = await clients(port, 3);
  const model = new Array<number>(N).fill(INITIAL);
  let audits = 0;
  try {
    await movers[0].call('MSET', ...accounts.flatMap((k) => [k, String(INITIAL)]));
    const move = async (c: Client, m: number): Promise<void> => {
      const r = rng(seed * 31 + m);
      for (let t = 0; t < 80 * SCALE; t++) {
        const from = Math.floor(r() * N);
        let to = Math.floor(r() * (N - 1));
        if (to >= from) to++;
        const amount = 1 + Math.floor(r() * 50);
        const rep = await c.pipeline([['MULTI'], ['DECRBY', accounts[from], String(amount)], ['INCRBY', accounts[to], String(amount)], ['EXEC']]);
        assert.deepEqual(rep.slice(0, 3), ['OK', 'QUEUED', 'QUEUED']);
        const exec = rep[3];
        assert.ok(Array.isArray(exec) && exec.length === 2 && typeof exec[0] === 'number' && typeof exec[1] === 'number', `EXEC answered ${JSON.stringify(exec)}`);
        model[from] -= amount;
        model[to] += amount;
      }
    };
    const audit = async (c: Client, i: number, done: () => boolean): Promise<void> => {
      while (!done() || audits < 6) {
        let values: Reply;
        if (i === 0) {
          const rep = await c.pipeline([['MULTI'], ...accounts.map((k) => ['GET', k]), ['EXEC']]);
          values = rep[rep.length - 1];
        } else values = await c.call('MGET', ...accounts);
        audits++;
        assert.ok(Array.isArray(values) && values.length === N, `unexpected reply ${JSON.stringify(values)}`);
        const sum = values.reduce((s: number, v) => s + Number(v), 0);
        assert.equal(sum, N * INITIAL, `auditor ${i} saw a partial transfer: ${JSON.stringify(values)}`);
      }
    };
    await whileWriting(
      movers.map((c, m) => () => move(c, m)),
      auditors.map((c, i) => (done) => audit(c, i, done)),
    );
    const final = (await auditors[0].call('MGET', ...accounts)) as string[];
    assert.deepEqual(final.map(Number), model, 'final balances differ from the sum of the transfers');
  } finally {
    for (const c of [...movers, ...auditors]) c.close();
  }
}

/** Clients increment counters with WATCH/GET/MULTI/SET/EXEC retries: the result counts the EXECs that succeeded. */
async function watchIncrements(port: number, ns: string, seed: number): Promise<void> {
  const one = keyOn(ns, 'counter', 2);
  const pair = [keyOn(ns, 'x', 1), keyOn(ns, 'y', 3)];
  const cs = await clients(port, 6);
  const PER = 15 * SCALE;
  let succeeded = 0;
  let pairSucceeded = 0;
  const seen = new Set<number>();
  try {
    const work = async (c: Client, i: number): Promise<void> => {
      const r = rng(seed + i);
      let mine = 0;
      let attempts = 0;
      while (mine < PER) {
        assert.ok(++attempts < PER * 200, 'too many aborted EXECs: WATCH may never let a transaction through');
        if (r() < 0.5) {
          // One counter, the value read between WATCH and MULTI.
          await c.call('WATCH', one);
          const cur = Number((await c.call('GET', one)) ?? 0);
          const rep = await c.pipeline([['MULTI'], ['SET', one, String(cur + 1)], ['EXEC']]);
          if (rep[2] === null) continue;
          assert.deepEqual(rep[2], ['OK']);
          assert.ok(!seen.has(cur), `two successful transactions read counter value ${cur}`);
          seen.add(cur);
          succeeded++;
        } else {
          // Two counters on two shards, moved together.
          await c.call('WATCH', ...pair);
          const cur = (await c.call('MGET', ...pair)) as (string | null)[];
          assert.equal(cur[0], cur[1], `counters diverged: ${JSON.stringify(cur)}`);
          const next = String(Number(cur[0] ?? 0) + 1);
          const rep = await c.pipeline([['MULTI'], ['SET', pair[0], next], ['SET', pair[1], next], ['EXEC']]);
          if (rep[3] === null) continue;
          assert.deepEqual(rep[3], ['OK', 'OK']);
          pairSucceeded++;
        }
        mine++;
      }
    };
    await all(cs.map((c, i) => work(c, i)));
    assert.equal(Number(await cs[0].call('GET', one)), succeeded, 'lost or doubled increments of the watched counter');
    const both = pairSucceeded === 0 ? null : String(pairSucceeded);
    assert.deepEqual(await cs[0].call('MGET', ...pair), [both, both], 'lost or doubled increments of the watched pair');
  } finally {
    for (const c of cs) c.close();
  }
}

/** A value moves between two shards by RENAME while readers check that exactly one of the keys exists. */
async function renamePingPong(port: number, ns: string): Promise<void> {
  const k1 = keyOn(ns, 'k1', 0);
  const k2 = keyOn(ns, 'k2', 1);
  const movers = await clients(port, 2);
  const readers = await clients(port, 4);
  let reads = 0;
  try {
    await movers[0].call('SET', k1, 'payload');
    const mover = async (c: Client, m: number): Promise<void> => {
      for (let i = 0; i < 150 * SCALE; i++) {
        // Two movers race: one of them may find the key already gone.
        const [from, to] = (i + m) % 2 === 0 ? [k1, k2] : [k2, k1];
        const rep = await c.call('RENAME', from, to);
        if (rep !== 'OK') assert.deepEqual(rep, { error: 'ERR no such key' });
      }
    };
    const read = async (c: Client, i: number, done: () => boolean): Promise<void> => {
      while (!done() || reads < 8) {
        let n: number;
        if (i === 0) {
          const rep = await c.pipeline([['MULTI'], ['EXISTS', k1], ['EXISTS', k2], ['EXEC']]);
          const e = rep[3] as number[];
          n = e[0] + e[1];
        } else if (i === 1) {
          const v = (await c.call('MGET', k1, k2)) as (string | null)[];
          n = v.filter((x) => x !== null).length;
          if (n === 1) assert.equal(v[0] ?? v[1], 'payload');
        } else n = (await c.call('EXISTS', k1, k2)) as number;
        reads++;
        assert.equal(n, 1, `reader ${i} saw ${n} of the two keys during a cross-shard RENAME`);
      }
    };
    await whileWriting(
      movers.map((c, m) => () => mover(c, m)),
      readers.map((c, i) => (done) => read(c, i, done)),
    );
    assert.equal(await readers[0].call('EXISTS', k1, k2), 1);
  } finally {
    for (const c of [...movers, ...readers]) c.close();
  }
}

/**
 * Several clients, each on its own keys (spread over the shards), pipeline random programs — MSET,
 * MGET, SET, GET, INCR, DEL across shards, RENAME across shards, MULTI ... EXEC — while two more clients
 * read everybody's keys; each reply must be what a sequential model of that client's own program predicts.
 */
async function programOrder(port: number, ns: string, seed: number): Promise<void> {
  const cs = await clients(port, 3);
  const noise = await clients(port, 2);
  const keysOf = (ci: number): string[] => Array.from({ length: 6 }, (_, i) => keyOn(`${ns}:c${ci}`, `k${i}`, i % 4));
  const everyKey = cs.flatMap((_, ci) => keysOf(ci));
  // Readers of everybody's keys: their multi-shard reads and transactions hold shared locks that the
  // programs' writes (and the reads queued behind those writes) must wait for, in order.
  const read = async (c: Client, i: number, done: () => boolean): Promise<void> => {
    const r = rng(seed * 11 + i);
    const some = (): string[] => Array.from({ length: 3 }, () => everyKey[Math.floor(r() * everyKey.length)]);
    while (!done()) {
      const x = r();
      if (x < 0.4) await c.call('MGET', ...some());
      else if (x < 0.7) await c.call('EXISTS', ...some());
      else await c.pipeline([['MULTI'], ...some().map((k) => ['GET', k]), ['EXEC']]);
    }
  };
  try {
    await whileWriting(
      cs.map((c, ci) => () => program(c, ci)),
      noise.map((c, i) => (done) => read(c, i, done)),
    );
  } finally {
    for (const c of [...cs, ...noise]) c.close();
  }

  async function program(c: Client, ci: number): Promise<void> {
    const r = rng(seed * 7 + ci);
    const keys = keysOf(ci);
    const model = new Map<string, string>();
    const pick = (): string => keys[Math.floor(r() * keys.length)];
    for (let round = 0; round < 12 * SCALE; round++) {
      const cmds: Arg[][] = [];
      const expect: Reply[] = [];
      let inMulti: Reply[] | null = null;
      const push = (cmd: Arg[], reply: Reply): void => {
        cmds.push(cmd);
        if (inMulti !== null) {
          expect.push('QUEUED');
          inMulti.push(reply);
        } else expect.push(reply);
      };
      for (let i = 0; i < 40; i++) {
        const x = r();
        const v = String(Math.floor(r() * 1000));
        if (x < 0.06 && inMulti === null) {
          cmds.push(['MULTI']);
          expect.push('OK');
          inMulti = [];
        } else if (x < 0.12 && inMulti !== null) {
          cmds.push(['EXEC']);
          expect.push(inMulti);
          inMulti = null;
        } else if (x < 0.3) {
          const [a, b] = [pick(), pick()];
          push(['MSET', a, v, b, v], 'OK');
          model.set(a, v);
          model.set(b, v);
        } else if (x < 0.45) {
          const ks = [pick(), pick(), pick()];
          push(['MGET', ...ks], ks.map((k) => model.get(k) ?? null));
        } else if (x < 0.55) {
          const k = pick();
          push(['SET', k, v], 'OK');
          model.set(k, v);
        } else if (x < 0.65) {
          const k = pick();
          push(['GET', k], model.get(k) ?? null);
        } else if (x < 0.75) {
          const k = pick();
          const cur = model.get(k);
          const n = cur === undefined ? 1 : Number(cur) + 1;
          push(['INCR', k], n);
          model.set(k, String(n));
        } else if (x < 0.85) {
          const ks = [...new Set([pick(), pick()])];
          let n = 0;
          for (const k of ks) if (model.delete(k)) n++;
          push(['DEL', ...ks], n);
        } else {
          const [a, b] = [pick(), pick()];
          const cur = model.get(a);
          if (cur === undefined) push(['RENAME', a, b], { error: 'ERR no such key' });
          else {
            push(['RENAME', a, b], 'OK');
            model.delete(a);
            model.set(b, cur);
          }
        }
      }
      if (inMulti !== null) {
        cmds.push(['EXEC']);
        expect.push(inMulti);
      }
      const got = await c.pipeline(cmds);
      for (let i = 0; i < cmds.length; i++) {
        assert.deepEqual(got[i], expect[i], `client ${ci} round ${round}: reply ${i + 1} to ${JSON.stringify(cmds[i])} differs from its own program's order`);
      }
    }
  }
}

/**
 * Writers MSET a X b X in database 0 while another client swaps databases 0 and 1 and now and then
 * flushes one; readers in both databases never see a != b (SWAPDB and FLUSHDB are atomic across shards).
 */
async function swapdbAtomic(port: number, ns: string, seed: number): Promise<void> {
  const a = keyOn(ns, 'a', 2);
  const b = keyOn(ns, 'b', 3);
  const writers = await clients(port, 3);
  const swapper = await Client.open(port);
  const readers = await clients(port, 4);
  let reads = 0;
  try {
    await swapper.pipeline([['SELECT', '1'], ['MSET', a, 'db1', b, 'db1'], ['SELECT', '0'], ['MSET', a, 'db0', b, 'db0']]);
    for (let i = 0; i < readers.length; i += 2) await readers[i].call('SELECT', '1');
    const write = async (c: Client, w: number): Promise<void> => {
      const r = rng(seed * 17 + w);
      for (let round = 0; round < 40 * SCALE; round++) {
        const x = String(Math.floor(r() * 1e9));
        assert.equal(await c.call('MSET', a, x, b, x), 'OK');
      }
    };
    const swap = async (): Promise<void> => {
      for (let i = 0; i < 20 * SCALE; i++) {
        assert.equal(await swapper.call('SWAPDB', '0', '1'), 'OK');
        if (i % 7 === 3) assert.equal(await swapper.call('FLUSHDB'), 'OK');
      }
    };
    const read = async (c: Client, i: number, done: () => boolean): Promise<void> => {
      while (!done() || reads < 8) {
        const pair = (await c.call('MGET', a, b)) as (string | null)[];
        reads++;
        assert.equal(pair[0], pair[1], `reader ${i} (database ${i % 2 === 0 ? 1 : 0}) saw ${JSON.stringify(pair)} during SWAPDB/FLUSHDB`);
      }
    };
    await whileWriting(
      [...writers.map((c, w) => () => write(c, w)), swap],
      readers.map((c, i) => (done) => read(c, i, done)),
    );
  } finally {
    for (const c of [...writers, swapper, ...readers]) c.close();
  }
}

/**
 * Clients share four counters (one per shard) and pipeline INCRs, reads and MULTI/EXEC pairs of INCRs:
 * what each client observes of a counter never goes down (its own increments included), and at the end
 * every counter equals the number of increments sent to it.
 */
async function monotonicCounters(port: number, ns: string, seed: number): Promise<void> {
  const counters = [0, 1, 2, 3].map((s) => keyOn(ns, `n${s}`, s));
  const cs = await clients(port, 4);
  const sent = [0, 0, 0, 0];
  try {
    await all(
      cs.map(async (c, ci) => {
        const r = rng(seed * 19 + ci);
        const last = [0, 0, 0, 0];
        const see = (k: number, v: number, what: string): void => {
          assert.ok(v >= last[k], `client ${ci} saw counter ${k} go from ${last[k]} down to ${v} (${what})`);
          last[k] = v;
        };
        for (let round = 0; round < 10 * SCALE; round++) {
          const cmds: Arg[][] = [];
          const check: ((rep: Reply) => void)[] = [];
          for (let i = 0; i < 20; i++) {
            const x = r();
            const k = Math.floor(r() * 4);
            if (x < 0.4) {
              cmds.push(['INCR', counters[k]]);
              sent[k]++;
              check.push((rep) => see(k, rep as number, 'INCR'));
            } else if (x < 0.6) {
              cmds.push(['GET', counters[k]]);
              check.push((rep) => see(k, Number(rep ?? 0), 'GET'));
            } else if (x < 0.8) {
              cmds.push(['MGET', ...counters]);
              check.push((rep) => (rep as (string | null)[]).forEach((v, j) => see(j, Number(v ?? 0), 'MGET')));
            } else {
              const j = (k + 1 + Math.floor(r() * 3)) % 4;
              cmds.push(['MULTI'], ['INCR', counters[k]], ['INCR', counters[j]], ['EXEC']);
              sent[k]++;
              sent[j]++;
              check.push(
                (rep) => assert.equal(rep, 'OK'),
                (rep) => assert.equal(rep, 'QUEUED'),
                (rep) => assert.equal(rep, 'QUEUED'),
                (rep) => {
                  const [u, v] = rep as number[];
                  see(k, u, 'EXEC');
                  see(j, v, 'EXEC');
                },
              );
            }
          }
          const got = await c.pipeline(cmds);
          got.forEach((rep, i) => check[i](rep));
        }
      }),
    );
    assert.deepEqual(((await cs[0].call('MGET', ...counters)) as string[]).map(Number), sent, 'a counter lost or gained increments');
  } finally {
    for (const c of cs) c.close();
  }
}

/**
 * MULTI INCR a, MGET (two other shards), INCR a EXEC — preceded by SELECT 0, or by a SELECT that fails
 * at run time — while other clients INCR a: the two increments of one EXEC are consecutive (nothing runs
 * between them).
 */
async function execBackToBack(port: number, ns: string, seed: number): Promise<void> {
  const a = keyOn(ns, 'a', 1);
  const far = [keyOn(ns, 'x', 2), keyOn(ns, 'y', 3)];
  const txs = await clients(port, 3);
  const others = await clients(port, 2);
  try {
    const tx = async (c: Client, i: number): Promise<void> => {
      const r = rng(seed * 23 + i);
      for (let round = 0; round < 40 * SCALE; round++) {
        const x = r();
        const select: Arg[][] = x < 0.3 ? [] : x < 0.6 ? [['SELECT', '0']] : [['SELECT', x < 0.8 ? '1e0' : '0x1']];
        // A multi-shard MGET between the INCRs makes EXEC wait for it before sending the second.
        const rep = await c.pipeline([['MULTI'], ...select, ['INCR', a], ['MGET', ...far], ['INCR', a], ['EXEC']]);
        const exec = rep[rep.length - 1] as Reply[];
        const u = exec[exec.length - 3] as number;
        const v = exec[exec.length - 1] as number;
        assert.equal(v, u + 1, `EXEC ${JSON.stringify(select)} INCR INCR answered ${JSON.stringify(exec)}: another command ran in between`);
      }
    };
    const other = async (c: Client): Promise<void> => {
      for (let i = 0; i < 30 * SCALE; i++) await c.pipeline([['INCR', a], ['INCR', a], ['INCR', a]]);
    };
    await all([...txs.map((c, i) => tx(c, i)), ...others.map(other)]);
  } finally {
    for (const c of [...txs, ...others]) c.close();
  }
}

/**
 * Keys come and go in pairs on two shards (MSET a b, then DEL a b) in database 7 while readers ask
 * DBSIZE (or KEYS): they see 0 or 2 keys, never one (as in Redis, where both are atomic).
 */
async function dbsizeAtomic(port: number, ns: string, how: 'DBSIZE' | 'KEYS'): Promise<void> {
  const a = keyOn(ns, 'a', 0);
  const b = keyOn(ns, 'b', 1);
  const writers = await clients(port, 2);
  const readers = await clients(port, 2);
  let reads = 0;
  try {
    for (const c of [...writers, ...readers]) await c.call('SELECT', '7');
    await writers[0].call('FLUSHDB');
    const write = async (c: Client): Promise<void> => {
      for (let i = 0; i < 40 * SCALE; i++) await c.pipeline([['MSET', a, 'x', b, 'x'], ['DEL', a, b]]);
    };
    const read = async (c: Client, i: number, done: () => boolean): Promise<void> => {
      while (!done() || reads < 8) {
        const n = how === 'DBSIZE' ? ((await c.call('DBSIZE')) as number) : ((await c.call('KEYS', `${ns}:*`)) as string[]).length;
        reads++;
        assert.ok(n === 0 || n === 2, `reader ${i}: ${how} saw ${n} keys, half of a multi-shard MSET or DEL`);
      }
    };
    await whileWriting(
      writers.map((c) => () => write(c)),
      readers.map((c, i) => (done) => read(c, i, done)),
    );
  } finally {
    for (const c of [...writers, ...readers]) c.close();
  }
}

/**
 * Tokens move between four lists (one per shard) by LMOVE / RPOPLPUSH, alone or several in one
 * MULTI/EXEC (multi-hop commands inside a transaction, racing each other): auditors reading all lists
 * in one MULTI/EXEC always find every token exactly once.
 */
async function listTokens(port: number, ns: string, seed: number): Promise<void> {
  const lists = [0, 1, 2, 3].map((s) => keyOn(ns, `l${s}`, s));
  const TOKENS = 24;
  const all0 = Array.from({ length: TOKENS }, (_, i) => `t${i}`);
  const movers = await clients(port, 4);
  const auditors = await clients(port, 2);
  let audits = 0;
  try {
    await movers[0].pipeline(lists.map((l, i) => ['RPUSH', l, ...all0.filter((_, t) => t % 4 === i)]));
    const move = async (c: Client, m: number): Promise<void> => {
      const r = rng(seed * 29 + m);
      const side = (): string => (r() < 0.5 ? 'LEFT' : 'RIGHT');
      const one = (): Arg[] => {
        const from = Math.floor(r() * 4);
        const to = Math.floor(r() * 4);
        return r() < 0.2 ? ['RPOPLPUSH', lists[from], lists[to]] : ['LMOVE', lists[from], lists[to], side(), side()];
      };
      for (let round = 0; round < 25 * SCALE; round++) {
        if (r() < 0.5) {
          const rep = await c.call(...one());
          assert.ok(rep === null || typeof rep === 'string', `LMOVE answered ${JSON.stringify(rep)}`);
        } else {
          const n = 2 + Math.floor(r() * 3);
          const rep = await c.pipeline([['MULTI'], ...Array.from({ length: n }, one), ['EXEC']]);
          const exec = rep[rep.length - 1];
          assert.ok(Array.isArray(exec) && exec.length === n && exec.every((x) => x === null || typeof x === 'string'), `EXEC answered ${JSON.stringify(exec)}`);
        }
      }
    };
    const audit = async (c: Client, i: number, done: () => boolean): Promise<void> => {
      while (!done() || audits < 6) {
        const rep = await c.pipeline([['MULTI'], ...lists.map((l) => ['LRANGE', l, '0', '-1']), ['EXEC']]);
        audits++;
        const seen = (rep[rep.length - 1] as string[][]).flat().sort();
        assert.deepEqual(seen, [...all0].sort(), `auditor ${i} saw a token lost or duplicated`);
      }
    };
    await whileWriting(
      movers.map((c, m) => () => move(c, m)),
      auditors.map((c, i) => (done) => audit(c, i, done)),
    );
  } finally {
    for (const c of [...movers, ...auditors]) c.close();
  }
}

/**
 * COPY a b DB 1 REPLACE (a and b on two shards) races a transaction that sets b in database 1 to x and
 * then a to y: in either serial order b ends as x or y, never as a's old value (which it becomes when
 * COPY reads a before the transaction but writes b after it).
 */
async function copyToDbSerializable(port: number, ns: string): Promise<void> {
  const a = keyOn(ns, 'a', 0);
  const b = keyOn(ns, 'b', 1);
  const [copier, writer, checker] = await clients(port, 3);
  try {
    for (let i = 0; i < 25 * SCALE; i++) {
      await checker.call('SET', a, 'old');
      const [copied, tx] = await Promise.all([
        copier.call('COPY', a, b, 'DB', '1', 'REPLACE'),
        writer.pipeline([['MULTI'], ['SELECT', '1'], ['SET', b, 'x'], ['SELECT', '0'], ['SET', a, 'y'], ['EXEC']]),
      ]);
      assert.equal(copied, 1);
      assert.deepEqual(tx[5], ['OK', 'OK', 'OK', 'OK']);
      const [, got] = await checker.pipeline([['SELECT', '1'], ['GET', b], ['SELECT', '0']]);
      assert.ok(got === 'x' || got === 'y', `round ${i}: b in database 1 is ${JSON.stringify(got)}: COPY read a before the transaction and wrote b after it`);
    }
  } finally {
    for (const c of [copier, writer, checker]) c.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Linearizability of single registers (Wing & Gong with memoization)

interface Op {
  key: string;
  write: boolean;
  /** The value written, or the value read (null: missing). */
  value: string | null;
  invoke: number;
  ret: number;
}

/**
 * Whether a history of reads and writes on one register (initially missing) is linearizable. The search
 * is exponential in the number of overlapping operations only (here at most one per client).
 */
function linearizable(ops: Op[]): boolean {
  const n = ops.length;
  const seen = new Set<string>();
  const done = new Array<boolean>(n).fill(false);
  const search = (value: string | null, left: number): boolean => {
    if (left === 0) return true;
    const memo = `${done.map((d) => (d ? 1 : 0)).join('')}|${value}`;
    if (seen.has(memo)) return false;
    seen.add(memo);
    // Candidates: ops not done that were invoked before every pending op returned.
    let minRet = Infinity;
    for (let i = 0; i < n; i++) if (!done[i] && ops[i].ret < minRet) minRet = ops[i].ret;
    for (let i = 0; i < n; i++) {
      if (done[i] || ops[i].invoke > minRet) continue;
      const op = ops[i];
      if (!op.write && op.value !== value) continue;
      done[i] = true;
      if (search(op.write ? op.value : value, left - 1)) return true;
      done[i] = false;
    }
    return false;
  };
  return search(null, n);
}

/**
 * Clients do GET/SET on a few registers, directly and through MSET/MGET with a key on another shard and
 * MULTI/EXEC; each key's history (invoke and return times seen by the client) must be linearizable.
 */
async function registers(port: number, ns: string, seed: number): Promise<void> {
  const cs = await clients(port, 4);
  try {
    for (let round = 0; round < SCALE; round++) await registerRound(cs, `${ns}:${round}`, seed + round);
  } finally {
    for (const c of cs) c.close();
  }
}

async function registerRound(cs: Client[], ns: string, seed: number): Promise<void> {
  const regs = [keyOn(ns, 'r0', 0), keyOn(ns, 'r1', 1), keyOn(ns, 'r2', 2)];
  const junk = keyOn(ns, 'junk', 3);
  const history: Op[] = [];
  let unique = 0;
  await all(
    cs.map(async (c, ci) => {
      const r = rng(seed * 13 + ci);
      for (let i = 0; i < 30; i++) {
        const key = regs[Math.floor(r() * regs.length)];
        const write = r() < 0.5;
        const how = Math.floor(r() * 3);
        const invoke = performance.now();
        let value: string | null;
        if (write) {
          value = `c${ci}v${unique++}`;
          if (how === 0) assert.equal(await c.call('SET', key, value), 'OK');
          else if (how === 1) assert.equal(await c.call('MSET', key, value, junk, value), 'OK');
          else assert.deepEqual((await c.pipeline([['MULTI'], ['SET', key, value], ['EXEC']]))[2], ['OK']);
        } else if (how === 0) value = (await c.call('GET', key)) as string | null;
        else if (how === 1) value = ((await c.call('MGET', junk, key)) as (string | null)[])[1];
        else value = ((await c.pipeline([['MULTI'], ['GET', key], ['EXEC']]))[2] as (string | null)[])[0];
        history.push({ key, write, value, invoke, ret: performance.now() });
      }
    }),
  );
  for (const key of regs) {
    const ops = history.filter((o) => o.key === key);
    assert.ok(linearizable(ops), `history of ${key} is not linearizable:\n${ops.map((o) => `  ${o.write ? 'SET' : 'GET'} ${o.value} [${o.invoke.toFixed(3)}, ${o.ret.toFixed(3)}]`).join('\n')}`);
  }
}

// ---------------------------------------------------------------------------------------------

describe('the linearizability checker', () => {
  const op = (write: boolean, value: string | null, invoke: number, ret: number): Op => ({ key: 'k', write, value, invoke, ret });
  it('accepts overlapping operations in either order and rejects a stale read', () => {
    assert.ok(linearizable([op(true, 'a', 0, 10), op(false, 'a', 1, 2)]));
    assert.ok(linearizable([op(true, 'a', 0, 10), op(false, null, 1, 2)]));
    assert.ok(!linearizable([op(true, 'a', 0, 1), op(false, null, 2, 3)]));
    assert.ok(!linearizable([op(true, 'a', 0, 1), op(true, 'b', 2, 3), op(false, 'a', 4, 5)]));
    assert.ok(linearizable([op(true, 'a', 0, 1), op(true, 'b', 2, 6), op(false, 'b', 3, 4), op(false, 'b', 5, 7)]));
    // Once a read has seen b, a later read cannot see a again.
    assert.ok(!linearizable([op(true, 'a', 0, 1), op(true, 'b', 2, 9), op(false, 'b', 3, 4), op(false, 'a', 5, 6)]));
  });
});

for (const threads of [1, 2, 4]) {
  describe(`concurrency properties, Damselfly with ${threads} thread(s)`, () => {
    let dfly: ServerHandle | null = null;
    before(async () => {
      dfly = await startDamselfly({ threads });
    });
    after(async () => {
      await stopChecked(dfly);
    });
    const run = (name: string, fn: (port: number, ns: string) => Promise<void>, todo?: string): void => {
      it(name, { timeout: 60_000, todo }, () => within(30_000, name, () => fn(dfly!.port, `cc${threads}:${name.split(' ')[0]}`)));
    };
    run('MSET/MGET: readers never see a half-applied MSET', (port, ns) => msetAtomic(port, ns, 11));
    run('transfers: MULTI DECRBY/INCRBY EXEC keeps the total', (port, ns) => transfers(port, ns, 23));
    run('WATCH increments: the count equals the successful EXECs', (port, ns) => watchIncrements(port, ns, 37));
    run('RENAME ping-pong: exactly one of the two keys exists', (port, ns) => renamePingPong(port, ns));
    run('list tokens: LMOVE alone and in MULTI/EXEC never loses or duplicates one', (port, ns) => listTokens(port, ns, 43));
    run('pipelines: each client sees its own writes in program order', (port, ns) => programOrder(port, ns, 41));
    run('SWAPDB/FLUSHDB: readers in both databases never see a half-swapped pair', (port, ns) => swapdbAtomic(port, ns, 61));
    run('shared counters: every client observes them non-decreasing', (port, ns) => monotonicCounters(port, ns, 67));
    run('EXEC: its commands run back to back', (port, ns) => execBackToBack(port, ns, 71));
    run('DBSIZE: never half of a multi-shard MSET or DEL', (port, ns) => dbsizeAtomic(port, ns, 'DBSIZE'));
    run('KEYS: never half of a multi-shard MSET or DEL', (port, ns) => dbsizeAtomic(port, ns, 'KEYS'));
    run('COPY ... DB across shards: serializable with a transaction on both keys', (port, ns) => copyToDbSerializable(port, ns));
    run('registers: GET/SET histories are linearizable', (port, ns) => registers(port, ns, 53));
  });
}
