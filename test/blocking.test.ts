// Blocking commands (BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP BZPOPMIN BZPOPMAX BZMPOP, CLIENT UNBLOCK).
// 1. Differential: each scenario drives several raw clients through the same interleaving on a real
//    redis-server and on Damselfly (1, 2 and 4 threads, RESP2 and RESP3) and compares every reply.
//    Scenarios synchronise only on replies and on CLIENT LIST showing the client blocked (flags b):
//    no sleeps; timeouts are tiny and only their reply is compared.
// 2. Property: producers push, consumers block, over keys on every shard: every element is delivered
//    exactly once and in order per producer and key (deterministic seeds, bounded in time).
// 3. A blocked client that goes away leaves nothing behind: later pushes stay in the list, and
//    INFO / CLIENT LIST forget it.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RawClient, rng, show, showCommand, startDamselfly, waitFor, within, type Arg, type ServerHandle } from './harness.ts';
import { blockingDifferentialSuite, K, type Scenario } from './blocking-session.ts';

// --- differential scenarios ---------------------------------------------------------------------

const a0 = K(0, 'a');
const b1 = K(1, 'b');
const c2 = K(2, 'c');
const d3 = K(3, 'd');

const SCENARIOS: Record<string, Scenario> = {
  async 'immediate pops: the first non-empty key in argument order, keys across shards'(s) {
    await s.call('x', 'RPUSH', b1, 'b1', 'b2', 'b3');
    await s.call('x', 'RPUSH', d3, 'd1', 'd2');
    await s.call('x', 'BLPOP', a0, b1, d3, 0);
    await s.call('x', 'BRPOP', a0, d3, b1, 0);
    await s.call('x', 'BLPOP', a0, a0, c2, d3, 1);
    await s.call('x', 'EXISTS', d3);
    await s.call('x', 'BRPOP', d3, b1, 0);
    await s.call('x', 'RPUSH', c2, 'c1', 'c2', 'c3', 'c4');
    await s.call('x', 'BLMPOP', 0, 3, a0, c2, b1, 'LEFT');
    await s.call('x', 'BLMPOP', 0, 3, a0, c2, b1, 'RIGHT', 'COUNT', 2);
    await s.call('x', 'BLMPOP', 0.5, 2, b1, c2, 'left', 'count', 10);
    await s.call('x', 'BLMPOP', 0, 1, c2, 'RIGHT', 'COUNT', 10);
    await s.call('x', 'EXISTS', a0, b1, c2, d3);
    const z0 = K(0, 'z');
    const z1 = K(1, 'z');
    const z3 = K(3, 'z');
    await s.call('x', 'ZADD', z1, 1, 'a', 2, 'b', 3, 'c', 0.1, 'tenth');
    await s.call('x', 'ZADD', z3, 1.5, 'x', '-inf', 'y', 'inf', 'z', '1e20', 'big');
    await s.call('x', 'BZPOPMIN', z0, z3, z1, 0);
    await s.call('x', 'BZPOPMAX', z0, z1, z3, 0);
    await s.call('x', 'BZPOPMAX', z3, 0);
    await s.call('x', 'BZMPOP', 0, 3, z0, z3, z1, 'MIN');
    await s.call('x', 'BZMPOP', 0, 2, z1, z3, 'MAX', 'COUNT', 2);
    await s.call('x', 'BZMPOP', 0.1, 2, z1, z3, 'min', 'count', 5);
    await s.call('x', 'BZPOPMIN', z1, z3, 0);
    await s.call('x', 'EXISTS', z0, z1, z3);
    await s.call('x', 'RPUSH', a0, 'dup');
    await s.call('x', 'BLPOP', a0, a0, 0);
    await s.call('x', 'EXISTS', a0);
  },

  async 'BLMOVE and BRPOPLPUSH with a ready source, same shard and across shards'(s) {
    const pairs: [string, string][] = [
      [K(0, 'src'), K(0, 'dst')],
      [K(0, 'src'), K(1, 'dst')],
      [K(2, 'src'), K(3, 'dst')],
    ];
    for (const [src, dst] of pairs) {
      await s.call('x', 'RPUSH', src, 1, 2, 3, 4, 5);
      await s.call('x', 'RPUSH', dst, 'x');
      for (const from of ['LEFT', 'RIGHT']) for (const to of ['LEFT', 'RIGHT']) await s.call('x', 'BLMOVE', src, dst, from, to, 0);
      await s.call('x', 'BRPOPLPUSH', src, dst, 0);
      await s.call('x', 'BLMOVE', src, dst, 'right', 'left', 0.01);
      await s.call('x', 'LRANGE', dst, 0, -1);
      await s.call('x', 'EXISTS', src);
      await s.call('x', 'BLMOVE', dst, dst, 'LEFT', 'RIGHT', 0);
      await s.call('x', 'BRPOPLPUSH', dst, dst, 0);
      await s.call('x', 'LRANGE', dst, 0, -1);
      await s.call('x', 'DEL', src, dst);
    }
  },

  async 'WRONGTYPE ordering'(s) {
    const none = K(0, 'none');
    const str = K(1, 'str');
    const list = K(2, 'list');
    const zs = K(3, 'zs');
    await s.call('x', 'SET', str, 'v');
    await s.call('x', 'RPUSH', list, 'l1', 'l2', 'l3', 'l4');
    await s.call('x', 'ZADD', zs, 1, 'm', 2, 'n');
    await s.call('x', 'BLPOP', none, str, list, 0);
    await s.call('x', 'BLPOP', list, str, 0);
    await s.call('x', 'BRPOP', zs, list, 0);
    await s.call('x', 'BRPOP', none, zs, 0);
    await s.call('x', 'BLMPOP', 0, 2, str, list, 'LEFT');
    await s.call('x', 'BLMPOP', 0, 2, list, str, 'LEFT');
    await s.call('x', 'BZPOPMIN', none, list, zs, 0);
    await s.call('x', 'BZPOPMAX', zs, str, 0);
    await s.call('x', 'BZMPOP', 0, 2, str, zs, 'MIN');
    await s.call('x', 'BZMPOP', 0, 3, none, zs, str, 'MIN');
    await s.call('x', 'BLMOVE', str, list, 'LEFT', 'LEFT', 0);
    await s.call('x', 'BLMOVE', list, str, 'LEFT', 'LEFT', 0);
    await s.call('x', 'BLMOVE', list, zs, 'LEFT', 'LEFT', 0);
    await s.call('x', 'BRPOPLPUSH', list, str, 0);
    await s.call('x', 'BRPOPLPUSH', zs, list, 0);
    await s.call('x', 'LRANGE', list, 0, -1);
    // A missing source blocks whatever the destination holds (then times out).
    await s.call('x', 'BLMOVE', none, str, 'LEFT', 'LEFT', 0.01);
    // Same shard.
    await s.call('x', 'SET', K(2, 'str'), 'v');
    await s.call('x', 'BLMOVE', list, K(2, 'str'), 'RIGHT', 'LEFT', 0);
    await s.call('x', 'BRPOPLPUSH', K(2, 'str'), list, 0);
    await s.call('x', 'LRANGE', list, 0, -1);
  },

  async 'argument errors: timeouts, arity, syntax, numkeys, COUNT'(s) {
    const bad = ['-1', '-0.5', 'abc', '', 'nan', 'inf', '-inf', '+inf', '1e400', '-1e400', '9223372036854775807', '1e16', ' 1', '1 ', '1,5', '0.5x', '\x001'];
    for (const t of bad) {
      await s.call('x', 'BLPOP', a0, b1, t);
      await s.call('x', 'BRPOP', a0, t);
      await s.call('x', 'BZPOPMIN', a0, t);
      await s.call('x', 'BZPOPMAX', a0, c2, t);
      await s.call('x', 'BLMOVE', a0, b1, 'LEFT', 'RIGHT', t);
      await s.call('x', 'BRPOPLPUSH', a0, b1, t);
      await s.call('x', 'BLMPOP', t, 1, a0, 'LEFT');
      await s.call('x', 'BZMPOP', t, 1, a0, 'MIN');
    }
    // Timeout errors come before the other argument errors of BLMPOP / BZMPOP; after BLMOVE's directions.
    await s.call('x', 'BLMPOP', -1, 0, a0, 'LEFT');
    await s.call('x', 'BZMPOP', 'abc', 1, a0, 'UP');
    await s.call('x', 'BLMOVE', a0, b1, 'UP', 'LEFT', -1);
    await s.call('x', 'BLMOVE', a0, b1, 'LEFT', 'DOWN', 'abc');
    for (const cmd of ['BLMPOP', 'BZMPOP']) {
      const dir = cmd === 'BLMPOP' ? 'LEFT' : 'MAX';
      await s.call('x', cmd, 0, 0, a0, dir);
      await s.call('x', cmd, 0, -1, a0, dir);
      await s.call('x', cmd, 0, 'x', a0, dir);
      await s.call('x', cmd, 0, 3, a0, dir);
      await s.call('x', cmd, 0, 2, a0, dir);
      await s.call('x', cmd, 0, 1, a0, 'MIDDLE');
      await s.call('x', cmd, 0, 1, a0, dir, 'COUNT', 0);
      await s.call('x', cmd, 0, 1, a0, dir, 'COUNT', -1);
      await s.call('x', cmd, 0, 1, a0, dir, 'COUNT', 'x');
      await s.call('x', cmd, 0, 1, a0, dir, 'COUNT');
      await s.call('x', cmd, 0, 1, a0, dir, 'COUNT', 1, 'COUNT', 2);
      await s.call('x', cmd, 0, 1, a0, dir, 'LIMIT', 1);
      await s.call('x', cmd, 0, 1);
      await s.call('x', cmd, 0);
    }
    await s.call('x', 'BLPOP', a0);
    await s.call('x', 'BZPOPMAX', a0);
    await s.call('x', 'BLMOVE', a0, b1, 'LEFT', 'LEFT');
    await s.call('x', 'BRPOPLPUSH', a0, b1);
    await s.call('x', 'BLMOVE', a0, b1, 'LEFT', 'LEFT', 0, 'extra');
  },

  async 'timeouts expire with the nil reply of each command'(s) {
    await s.call('x', 'BLPOP', a0, b1, 0.05);
    await s.call('x', 'BRPOP', c2, 0.01);
    await s.call('x', 'BLMOVE', a0, b1, 'LEFT', 'RIGHT', 0.01);
    await s.call('x', 'BLMOVE', a0, K(0, 'same'), 'RIGHT', 'RIGHT', '0.001');
    await s.call('x', 'BRPOPLPUSH', a0, b1, '1e-2');
    await s.call('x', 'BLMPOP', 0.01, 2, a0, b1, 'LEFT');
    await s.call('x', 'BLMPOP', '0.02', 1, a0, 'RIGHT', 'COUNT', 3);
    await s.call('x', 'BZPOPMIN', a0, d3, 0.01);
    await s.call('x', 'BZPOPMAX', d3, 0.01);
    await s.call('x', 'BZMPOP', 0.01, 1, d3, 'MAX', 'COUNT', 3);
    // The key of a timed-out wait keeps what is pushed afterwards.
    await s.call('x', 'RPUSH', a0, 'kept');
    await s.call('x', 'RPUSH', b1, 'kept');
    await s.call('x', 'LLEN', a0);
    await s.call('x', 'LRANGE', b1, 0, -1);
    // Two clients time out while a third one is served.
    await s.block('p', 'BLPOP', c2, 0.2);
    await s.block('q', 'BLPOP', c2, 0);
    await s.call('r', 'BLPOP', d3, 0.01);
    await s.reply('p');
    await s.call('r', 'RPUSH', c2, 'v');
    await s.reply('q');
  },

  async 'served by LPUSH, RPUSH, ZADD, LMOVE, RENAME, COPY, ZUNIONSTORE and ZRANGESTORE'(s) {
    await s.block('A', 'BLPOP', a0, 0);
    await s.call('W', 'LPUSH', a0, 'x', 'y');
    await s.reply('A');
    await s.call('W', 'LRANGE', a0, 0, -1);
    await s.block('A', 'BRPOP', c2, b1, 0);
    await s.call('W', 'RPUSH', b1, 1, 2);
    await s.reply('A');
    await s.block('A', 'BZPOPMIN', K(3, 'z'), 0);
    await s.call('W', 'ZADD', K(3, 'z'), 2, 'm', 1, 'n');
    await s.reply('A');
    await s.call('W', 'DEL', K(3, 'z'));
    await s.block('A', 'BZPOPMAX', K(0, 'z'), K(3, 'z'), 0);
    await s.call('W', 'ZADD', K(0, 'z'), 5, 'big', 0.5, 'half');
    await s.reply('A');
    await s.block('A', 'BZMPOP', 0, 1, K(1, 'z'), 'MAX', 'COUNT', 5);
    await s.call('W', 'ZADD', K(1, 'z'), 1, 'a', 2.5, 'b');
    await s.reply('A');
    await s.block('A', 'BLMPOP', 0, 2, c2, d3, 'RIGHT', 'COUNT', 2);
    await s.call('W', 'RPUSH', d3, 1, 2, 3);
    await s.reply('A');
    for (const src of [K(0, 'src'), K(1, 'src')]) {
      // LMOVE onto the key, from the same shard and from another.
      await s.block('A', 'BLPOP', K(0, 'dst'), 0);
      await s.call('W', 'RPUSH', src, 'moved', 'rest');
      await s.call('W', 'LMOVE', src, K(0, 'dst'), 'LEFT', 'LEFT');
      await s.reply('A');
      await s.call('W', 'EXISTS', K(0, 'dst'));
      // RENAME of a list onto the key.
      await s.block('A', 'BRPOP', K(0, 'dst'), 0);
      await s.call('W', 'RENAME', src, K(0, 'dst'));
      await s.reply('A');
      // COPY of a list onto the key (the source stays).
      await s.call('W', 'RPUSH', src, 'copied');
      await s.block('A', 'BLPOP', K(0, 'dst'), 0);
      await s.call('W', 'COPY', src, K(0, 'dst'));
      await s.reply('A');
      await s.call('W', 'LRANGE', src, 0, -1);
      await s.call('W', 'DEL', src);
      // RENAME of a sorted set onto the key.
      await s.block('A', 'BZPOPMIN', K(0, 'zdst'), 0);
      await s.call('W', 'ZADD', src, 3, 'three', 4, 'four');
      await s.call('W', 'RENAME', src, K(0, 'zdst'));
      await s.reply('A');
      await s.call('W', 'ZRANGE', K(0, 'zdst'), 0, -1, 'WITHSCORES');
      await s.call('W', 'DEL', K(0, 'zdst'));
    }
    // ZUNIONSTORE and ZRANGESTORE onto the key, from the same shard and from others.
    await s.call('W', 'ZADD', K(2, 'z1'), 1, 'a', 2, 'b');
    await s.call('W', 'ZADD', K(3, 'z2'), 3, 'c');
    await s.block('A', 'BZPOPMAX', K(2, 'zu'), 0);
    await s.call('W', 'ZUNIONSTORE', K(2, 'zu'), 2, K(2, 'z1'), K(3, 'z2'));
    await s.reply('A');
    await s.block('A', 'BZMPOP', 0, 2, K(1, 'zr'), K(2, 'zr'), 'MIN', 'COUNT', 9);
    await s.call('W', 'ZRANGESTORE', K(2, 'zr'), K(2, 'z1'), 0, -1);
    await s.reply('A');
    await s.block('A', 'BZPOPMIN', K(1, 'zr'), 0);
    await s.call('W', 'ZRANGESTORE', K(1, 'zr'), K(3, 'z2'), 0, -1);
    await s.reply('A');
  },

  async 'writes that leave the key empty, of another type, or in another database do not serve'(s) {
    await s.block('A', 'BLPOP', a0, 0);
    await s.call('W', 'MULTI');
    await s.call('W', 'RPUSH', a0, 'gone');
    await s.call('W', 'LPOP', a0);
    await s.call('W', 'EXEC');
    await s.call('W', 'SET', a0, 'string');
    await s.call('W', 'DEL', a0);
    await s.call('W', 'LPUSHX', a0, 'nope');
    await s.call('W', 'SELECT', 1);
    await s.call('W', 'RPUSH', a0, 'db1');
    await s.call('W', 'SELECT', 0);
    await s.call('W', 'ZADD', a0, 1, 'zset');
    await s.call('W', 'DEL', a0);
    await s.call('W', 'RPUSH', a0, 'served');
    await s.reply('A');
    await s.call('W', 'SELECT', 1);
    await s.call('W', 'LRANGE', a0, 0, -1);
    // A client blocked in database 1 is served from database 1 only.
    await s.call('B', 'SELECT', 1);
    await s.block('B', 'BLPOP', b1, 0);
    await s.call('W', 'SELECT', 0);
    await s.call('W', 'RPUSH', b1, 'db0');
    await s.call('W', 'SELECT', 1);
    await s.call('W', 'RPUSH', b1, 'db1');
    await s.reply('B');
    await s.call('B', 'SELECT', 0);
    await s.call('W', 'SELECT', 0);
    await s.call('W', 'LRANGE', b1, 0, -1);
    // MULTI that creates the key and adds more: the waiters are served after EXEC.
    await s.call('W', 'SELECT', 0);
    await s.block('A', 'BLPOP', c2, 0);
    await s.block('B', 'BLPOP', c2, 0);
    await s.call('W', 'MULTI');
    await s.call('W', 'RPUSH', c2, 1);
    await s.call('W', 'RPUSH', c2, 2, 3);
    await s.call('W', 'LRANGE', c2, 0, -1);
    await s.call('W', 'EXEC');
    await s.reply('A');
    await s.reply('B');
    await s.call('W', 'LRANGE', c2, 0, -1);
  },

  async 'FIFO among several clients blocked on one key'(s) {
    for (const who of ['A', 'B', 'C']) await s.block(who, 'BLPOP', a0, 0);
    await s.call('W', 'RPUSH', a0, 1, 2, 3, 4);
    for (const who of ['A', 'B', 'C']) await s.reply(who);
    await s.call('W', 'LRANGE', a0, 0, -1);
    await s.call('W', 'DEL', a0);
    // Different pops in one queue.
    await s.block('A', 'BRPOP', a0, 0);
    await s.block('B', 'BLMPOP', 0, 1, a0, 'LEFT', 'COUNT', 2);
    await s.block('C', 'BLMOVE', a0, K(1, 'other'), 'LEFT', 'LEFT', 0);
    await s.block('D', 'BLPOP', a0, 0);
    await s.call('W', 'RPUSH', a0, 1, 2, 3, 4, 5);
    for (const who of ['A', 'B', 'C', 'D']) await s.reply(who);
    await s.call('W', 'LRANGE', K(1, 'other'), 0, -1);
    await s.call('W', 'EXISTS', a0);
    // One push at a time.
    await s.block('A', 'BLPOP', b1, 0);
    await s.block('B', 'BRPOP', b1, 0);
    await s.call('W', 'RPUSH', b1, 'first');
    await s.reply('A');
    await s.call('W', 'RPUSH', b1, 'second');
    await s.reply('B');
    // The first waiter is served on its other key: the second one gets the next push.
    await s.block('A', 'BLPOP', c2, d3, 0);
    await s.block('B', 'BLPOP', c2, 0);
    await s.call('W', 'RPUSH', d3, 'for-A');
    await s.reply('A');
    await s.call('W', 'RPUSH', c2, 'for-B');
    await s.reply('B');
    // Sorted sets.
    for (const who of ['A', 'B', 'C']) await s.block(who, who === 'B' ? 'BZPOPMAX' : 'BZPOPMIN', K(0, 'z'), 0);
    await s.call('W', 'ZADD', K(0, 'z'), 1, 'one', 2, 'two', 3, 'three', 4, 'four');
    for (const who of ['A', 'B', 'C']) await s.reply(who);
    await s.call('W', 'ZRANGE', K(0, 'z'), 0, -1);
  },

  async 'a client blocked on keys of several shards is served exactly once'(s) {
    await s.block('A', 'BLPOP', a0, b1, c2, d3, 0);
    await s.call('W', 'RPUSH', c2, 'x');
    await s.reply('A');
    await s.block('A', 'BRPOP', a0, b1, c2, d3, 0);
    await s.call('W', 'RPUSH', d3, 1);
    await s.call('W', 'RPUSH', a0, 2);
    await s.call('W', 'RPUSH', b1, 3);
    await s.reply('A');
    await s.call('W', 'LLEN', a0);
    await s.call('W', 'LLEN', b1);
    await s.call('W', 'EXISTS', d3);
    await s.call('W', 'DEL', a0, b1, c2, d3);
    await s.block('A', 'BZPOPMIN', K(0, 'z'), K(1, 'z'), K(2, 'z'), 0);
    await s.call('W', 'ZADD', K(2, 'z'), 1, 'm');
    await s.call('W', 'ZADD', K(0, 'z'), 1, 'm');
    await s.reply('A');
    await s.call('W', 'ZCARD', K(0, 'z'));
    await s.block('A', 'BLMPOP', 0, 3, a0, b1, c2, 'LEFT', 'COUNT', 3);
    await s.call('W', 'RPUSH', b1, 1, 2);
    await s.call('W', 'RPUSH', a0, 1, 2);
    await s.reply('A');
    await s.call('W', 'LLEN', a0);
    await s.block('A', 'BLPOP', c2, d3, c2, 0);
    await s.call('W', 'RPUSH', c2, 'dup');
    await s.reply('A');
    await s.block('A', 'BZMPOP', 0, 2, K(1, 'z'), K(3, 'z'), 'MAX');
    await s.call('W', 'ZADD', K(3, 'z'), 7, 'seven');
    await s.reply('A');
  },

  async 'BLMOVE chains into the waiters of its destination'(s) {
    const chains: [string, string, string][] = [
      [K(0, 's'), K(0, 'd'), K(0, 'e')],
      [K(0, 's'), K(1, 'd'), K(2, 'e')],
      [K(1, 's'), K(3, 'd'), K(1, 'e')],
    ];
    for (const [src, dst, end] of chains) {
      // A BLMOVE src dst, B BLPOP dst: a push on src ends with B holding the element.
      await s.block('A', 'BLMOVE', src, dst, 'RIGHT', 'LEFT', 0);
      await s.block('B', 'BLPOP', dst, 0);
      await s.call('W', 'RPUSH', src, 'x');
      await s.reply('A');
      await s.reply('B');
      await s.call('W', 'EXISTS', src, dst);
      // Three hops: BLMOVE, BRPOPLPUSH, BLPOP.
      await s.block('A', 'BLMOVE', src, dst, 'LEFT', 'RIGHT', 0);
      await s.block('B', 'BRPOPLPUSH', dst, end, 0);
      await s.block('C', 'BRPOP', end, 0);
      await s.call('W', 'LPUSH', src, 'e2', 'e1');
      await s.reply('A');
      await s.reply('B');
      await s.reply('C');
      await s.call('W', 'LRANGE', src, 0, -1);
      await s.call('W', 'EXISTS', dst, end);
      await s.call('W', 'DEL', src);
      // The destination's waiter is itself a BLMOVE back onto the source.
      await s.block('A', 'BLMOVE', src, dst, 'LEFT', 'LEFT', 0);
      await s.block('B', 'BLMOVE', dst, src, 'LEFT', 'LEFT', 0);
      await s.call('W', 'RPUSH', src, 'loop');
      await s.reply('A');
      await s.reply('B');
      await s.call('W', 'LRANGE', src, 0, -1);
      await s.call('W', 'EXISTS', dst);
      await s.call('W', 'DEL', src);
      // Onto an existing destination list: appended, nobody else served.
      await s.call('W', 'RPUSH', dst, 'old');
      await s.block('A', 'BLMOVE', src, dst, 'LEFT', 'RIGHT', 0);
      await s.call('W', 'RPUSH', src, 'new');
      await s.reply('A');
      await s.call('W', 'LRANGE', dst, 0, -1);
      await s.call('W', 'DEL', dst);
      // Source and destination the same key.
      await s.block('A', 'BLMOVE', src, src, 'LEFT', 'RIGHT', 0);
      await s.call('W', 'RPUSH', src, 'self');
      await s.reply('A');
      await s.call('W', 'LRANGE', src, 0, -1);
      await s.call('W', 'DEL', src);
    }
  },

  async 'BLMOVE whose destination turns into another type while it waits: WRONGTYPE, nothing popped'(s) {
    for (const [src, dst] of [
      [K(0, 's'), K(0, 'd')],
      [K(0, 's'), K(1, 'd')],
    ]) {
      await s.block('A', 'BLMOVE', src, dst, 'LEFT', 'LEFT', 0);
      await s.call('W', 'SET', dst, 'str');
      await s.call('W', 'RPUSH', src, 'e1');
      await s.reply('A');
      await s.call('W', 'LRANGE', src, 0, -1);
      await s.call('A', 'PING');
      await s.call('W', 'DEL', src, dst);
      await s.block('A', 'BRPOPLPUSH', src, dst, 0);
      await s.call('W', 'ZADD', dst, 1, 'm');
      await s.call('W', 'RPUSH', src, 'x', 'y');
      await s.reply('A');
      await s.call('W', 'LRANGE', src, 0, -1);
      await s.call('W', 'DEL', src, dst);
    }
  },

  async 'blocking commands inside MULTI/EXEC answer nil without blocking'(s) {
    const z = K(3, 'z');
    await s.call('x', 'MULTI');
    await s.call('x', 'BLPOP', a0, 0);
    await s.call('x', 'BRPOP', a0, b1, 0);
    await s.call('x', 'BLMOVE', a0, b1, 'LEFT', 'LEFT', 0);
    await s.call('x', 'BLMOVE', a0, K(0, 'x'), 'LEFT', 'LEFT', 0);
    await s.call('x', 'BRPOPLPUSH', a0, b1, 0);
    await s.call('x', 'BLMPOP', 0, 2, a0, b1, 'LEFT');
    await s.call('x', 'BZPOPMIN', z, 0);
    await s.call('x', 'BZPOPMAX', z, c2, 0);
    await s.call('x', 'BZMPOP', 0, 1, z, 'MIN');
    await s.call('x', 'BLPOP', a0, -1);
    await s.call('x', 'EXEC');
    await s.call('x', 'RPUSH', a0, 1, 2, 3);
    await s.call('x', 'ZADD', z, 1, 'm');
    await s.call('x', 'SET', c2, 's');
    await s.call('x', 'MULTI');
    await s.call('x', 'BLPOP', a0, 0);
    await s.call('x', 'BLMOVE', a0, b1, 'LEFT', 'LEFT', 0);
    await s.call('x', 'BZPOPMIN', z, 0);
    await s.call('x', 'BZPOPMIN', z, 0);
    await s.call('x', 'BLPOP', c2, a0, 0);
    await s.call('x', 'BRPOPLPUSH', a0, b1, 0);
    await s.call('x', 'BLMPOP', 0, 2, K(0, 'none'), b1, 'RIGHT', 'COUNT', 5);
    await s.call('x', 'BLPOP', a0, 0.01);
    await s.call('x', 'EXEC');
    await s.call('x', 'EXISTS', a0, b1);
  },

  async 'CLIENT UNBLOCK: TIMEOUT, ERROR, not blocked, bad arguments'(s) {
    const idA = await s.id('A');
    await s.block('A', 'BLPOP', a0, 0);
    await s.call('W', 'CLIENT', 'UNBLOCK', idA);
    await s.reply('A');
    await s.call('W', 'CLIENT', 'UNBLOCK', idA);
    await s.block('A', 'BLMOVE', a0, b1, 'LEFT', 'LEFT', 0);
    await s.call('W', 'CLIENT', 'UNBLOCK', idA, 'TIMEOUT');
    await s.reply('A');
    await s.block('A', 'BZPOPMIN', K(3, 'z'), 0);
    await s.call('W', 'CLIENT', 'UNBLOCK', idA, 'ERROR');
    await s.reply('A');
    await s.block('A', 'BLMPOP', 0, 3, a0, b1, c2, 'LEFT');
    await s.call('W', 'client', 'unblock', idA, 'error');
    await s.reply('A');
    await s.block('A', 'BZMPOP', 0, 2, K(1, 'z'), K(2, 'z'), 'MAX', 'COUNT', 2);
    await s.call('W', 'CLIENT', 'UNBLOCK', idA, 'timeout');
    await s.reply('A');
    await s.block('A', 'BRPOPLPUSH', a0, K(0, 'x'), 0);
    await s.call('W', 'CLIENT', 'UNBLOCK', idA, 'Error');
    await s.reply('A');
    // The keys keep later pushes; the client can block again and be served.
    await s.call('W', 'RPUSH', a0, 'x');
    await s.call('W', 'LLEN', a0);
    await s.call('A', 'BLPOP', a0, 0);
    await s.block('A', 'BLPOP', a0, 0);
    await s.call('W', 'RPUSH', a0, 'y');
    await s.reply('A');
    // Not blocked, unknown, bad arguments.
    await s.call('W', 'CLIENT', 'UNBLOCK', idA);
    await s.call('W', 'CLIENT', 'UNBLOCK', await s.id('W'), 'ERROR');
    await s.call('A', 'MULTI');
    await s.call('W', 'CLIENT', 'UNBLOCK', idA);
    await s.call('A', 'DISCARD');
    await s.call('W', 'CLIENT', 'UNBLOCK', '999999999');
    await s.call('W', 'CLIENT', 'UNBLOCK', '-1');
    await s.call('W', 'CLIENT', 'UNBLOCK', 'abc');
    await s.call('W', 'CLIENT', 'UNBLOCK', '1.5');
    await s.call('W', 'CLIENT', 'UNBLOCK', idA, 'foo');
    await s.call('W', 'CLIENT', 'UNBLOCK', 'abc', 'foo');
    await s.call('W', 'CLIENT', 'UNBLOCK', idA, 'TIMEOUT', 'extra');
    await s.call('W', 'client', 'unBlock', idA, 'TIMEOUT', 'extra');
    await s.call('W', 'CLIENT', 'UNBLOCK');
  },

  async 'a timeout beyond 24.8 days (past the range of setTimeout) still blocks'(s) {
    await s.block('A', 'BLPOP', a0, 3000000);
    await s.call('W', 'RPUSH', a0, 'x');
    await s.reply('A');
    await s.block('A', 'BZPOPMIN', K(1, 'z'), '9223372036854');
    await s.call('W', 'ZADD', K(1, 'z'), 1, 'm');
    await s.reply('A');
  },

  async 'timeouts in long double arithmetic, as Redis 7.0 (accepted ones answer nil inside MULTI)'(s) {
    await s.call('x', 'MULTI');
    for (const t of [
      // seconds * 1000 rounded to a 64-bit mantissa, then ceill: beyond LLONG_MAX the cast gives
      // LLONG_MIN ("negative"); up to it, accepted (7.0 does not check the deadline's range).
      '9223372036854775', '9223372036854775.807', '9223372036854775.808', '9223372036854776', '9223372036854775.5',
      '9223372036854775807e-3', '9223372036854775808e-3', '-9223372036854775808e-3', '9.3e15', '4.5e15', '1e300', '1e4932', '1e4933',
      // Tiny negatives ceil to -0 (forever); -0.001 * 1000 is just above -1 in long double.
      '-0.001', '-0.0001', '-0.00099999', '-0.0010000001', '-0.0011', '-1e-20', '-1e-400', '-1e-4950', '-0.000999999999999999999',
      '-1.0000000000000000001e-3',
      // Tiny positives ceil to 1 ms; long double reaches far below double's range.
      '1e-400', '0x1p-16445', '0x1p-16446', '1e-5000', '0x10', '+.5', '5.', 'infinity', '-INF',
    ]) {
      await s.call('x', 'BLPOP', a0, t);
    }
    await s.call('x', 'EXEC');
  },

  async 'a deadline past LLONG_MAX blocks until served; a tiny positive timeout expires'(s) {
    await s.block('A', 'BLPOP', a0, '9223372036854775');
    await s.call('W', 'RPUSH', a0, 'x');
    await s.reply('A');
    await s.block('A', 'BLMOVE', b1, c2, 'LEFT', 'RIGHT', '9223372036854775.807');
    await s.call('W', 'RPUSH', b1, 'y');
    await s.reply('A');
    await s.block('A', 'BRPOP', a0, '-0.001');
    await s.call('W', 'LPUSH', a0, 'z');
    await s.reply('A');
    await s.call('A', 'BLPOP', a0, '1e-400');
    await s.call('A', 'LRANGE', c2, 0, -1);
  },

  async 'waiters for another type do not hold up the waiters behind them'(s) {
    await s.block('A', 'BLPOP', a0, 0);
    await s.block('B', 'BZPOPMIN', a0, 0);
    await s.call('W', 'ZADD', a0, 1, 'm');
    await s.reply('B');
    await s.call('W', 'RPUSH', a0, 'x');
    await s.reply('A');
    await s.block('A', 'BZPOPMAX', b1, 0);
    await s.block('B', 'BLMOVE', b1, c2, 'LEFT', 'LEFT', 0);
    await s.block('C', 'BLPOP', c2, 0);
    await s.call('W', 'RPUSH', b1, 'y');
    await s.reply('B');
    await s.reply('C');
    await s.call('W', 'ZADD', b1, 2, 'n');
    await s.reply('A');
  },

  async 'a blocked client that disconnects leaves no trace'(s) {
    for (const halfClose of [false, true]) {
      await s.block('A', 'BLPOP', a0, b1, 0);
      s.note('blocked_clients while blocked', await s.info('blocked_clients'));
      await s.disconnect('A', halfClose);
      s.note('blocked_clients after', await s.info('blocked_clients'));
      await s.call('W', 'RPUSH', a0, 'x');
      await s.call('W', 'RPUSH', b1, 'y');
      await s.call('W', 'LLEN', a0);
      await s.call('W', 'LLEN', b1);
      await s.call('W', 'DEL', a0, b1);
      // A BLMOVE across shards and a BZPOPMIN, then a waiter behind them that must be served.
      await s.block('A', 'BLMOVE', c2, d3, 'LEFT', 'LEFT', 0);
      await s.block('B', 'BZPOPMIN', K(0, 'z'), 0);
      await s.block('C', 'BLPOP', c2, 0);
      s.note('blocked_clients, three', await s.info('blocked_clients'));
      await s.disconnect('A', halfClose);
      await s.disconnect('B', halfClose);
      await s.call('W', 'RPUSH', c2, 'for-C', 'kept');
      await s.reply('C');
      await s.call('W', 'ZADD', K(0, 'z'), 1, 'm');
      await s.call('W', 'LRANGE', c2, 0, -1);
      await s.call('W', 'EXISTS', d3);
      await s.call('W', 'ZCARD', K(0, 'z'));
      s.note('blocked_clients at the end', await s.info('blocked_clients'));
      await s.call('W', 'FLUSHALL');
    }
  },

  async 'SWAPDB serves clients blocked on keys the swap fills; FLUSHALL and FLUSHDB wake nobody'(s) {
    const k = K(1, 'swap');
    const z = K(2, 'swapz');
    const far = K(3, 'far');
    await s.call('P', 'SELECT', 1);
    await s.call('P', 'RPUSH', k, 'from-db1', 'second');
    await s.call('P', 'ZADD', z, 1, 'm', 2, 'n');
    await s.block('A', 'BRPOP', k, 0);
    await s.block('B', 'BZPOPMIN', z, 0);
    await s.block('C', 'BLMOVE', k, far, 'LEFT', 'RIGHT', 0);
    await s.block('D', 'BZPOPMAX', k, 0); // a list will come: D stays blocked
    await s.call('W', 'SWAPDB', 0, 1);
    await s.reply('A');
    await s.reply('B');
    await s.reply('C');
    await s.call('W', 'LRANGE', far, 0, -1);
    await s.call('W', 'EXISTS', k, z);
    await s.call('P', 'EXISTS', k, z);
    await s.call('W', 'CLIENT', 'UNBLOCK', await s.id('D'));
    await s.reply('D');
    // A client blocked on db 1: the swap brings db 0's list there.
    await s.call('E', 'SELECT', 1);
    await s.block('E', 'BLMPOP', 0, 2, K(0, 'none'), k, 'LEFT', 'COUNT', 5);
    await s.call('W', 'RPUSH', k, 'w1', 'w2');
    await s.call('W', 'SWAPDB', 1, 0);
    await s.reply('E');
    await s.call('W', 'EXISTS', far);
    // FLUSHALL / FLUSHDB do not serve (nothing to pop); the next push does.
    await s.block('F', 'BLPOP', k, 0);
    await s.call('W', 'FLUSHDB');
    await s.call('W', 'FLUSHALL');
    await s.call('P', 'RPUSH', k, 'db1-only');
    await s.call('W', 'SWAPDB', 0, 0);
    await s.call('W', 'RPUSH', k, 'for-F');
    await s.reply('F');
    s.note('blocked_clients at the end', await s.info('blocked_clients'));
  },
};

blockingDifferentialSuite('blocking commands match Redis', SCENARIOS);

// --- Damselfly-only properties ------------------------------------------------------------------

/** The ids among `ids` that CLIENT LIST (read through `admin`) still shows. */
async function listed(admin: RawClient, ids: string[]): Promise<string[]> {
  const lines = (await admin.callText(['CLIENT', 'LIST'])).split(/\r?\n/);
  return ids.filter((id) => lines.some((l) => l.startsWith(`id=${id} `)));
}

async function infoField(admin: RawClient, field: string): Promise<string> {
  const m = new RegExp(`\\r\\n${field}:([^\\r]*)\\r\\n`).exec(await admin.callText(['INFO', 'clients']));
  return m === null ? '(missing)' : m[1];
}

/** The elements of a RESP2 flat array of bulks (null for a nil array). */
function bulks(reply: Buffer): string[] | null {
  const s = reply.toString('latin1');
  if (s === '*-1\r\n') return null;
  const out: string[] = [];
  const lines = s.split('\r\n');
  assert.match(lines[0], /^\*\d+$/, `not an array: ${show(reply)}`);
  for (let i = 1; i + 1 < lines.length; i += 2) out.push(lines[i + 1]);
  return out;
}

describe('blocking under concurrency (Damselfly)', () => {
  const servers = new Map<number, ServerHandle>();

  before(async () => {
    const started = await Promise.all([2, 4].map((threads) => startDamselfly({ threads })));
    servers.set(2, started[0]);
    servers.set(4, started[1]);
  });

  after(async () => {
    const dead = [...servers].filter(([, h]) => !h.alive());
    await Promise.all([...servers.values()].map((h) => h.stop()));
    assert.deepEqual(dead.map(([n, h]) => `threads=${n}: ${h.output()}`), [], 'a Damselfly died');
  });

  // Redis's guarantee (its tests rely on it): clients blocked on a key are served in the order their
  // commands arrived. Two clients, possibly on different threads: A sends BRPOPLPUSH; once A's thread
  // has read it (CLIENT LIST cmd=brpoplpush — not yet blocked, its waiter may still be on its way to
  // the key's shard), B sends the same; once both are blocked a push of one element serves A. (Sent
  // back to back, B's thread may read B's before A's thread wakes up: "arrival" is when the client's
  // thread reads the command, and a thread may wake hundreds of microseconds after another.)
  for (const n of [2, 4]) {
    it(`two BRPOPLPUSH sent one after the other: the first is served first, across threads [threads=${n}]`, () =>
      within(30_000, 'order loop', async () => {
        const port = servers.get(n)!.port;
        const admin = await RawClient.connect(port);
        const ROUNDS = Number(process.env.BLOCK_ORDER_ROUNDS ?? 24);
        let crossThread = 0;
        try {
          for (let i = 0; i < ROUNDS; i++) {
            const key = K(i % 4, `blist${i}`);
            const [a, b] = await Promise.all([RawClient.connect(port), RawClient.connect(port)]);
            const ids = await Promise.all([a, b].map(async (c) => (await c.callText(['CLIENT', 'ID'])).replace(/^:|\r\n$/g, '')));
            const lineOf = async (id: string): Promise<string> => (await admin.callText(['CLIENT', 'LIST'])).split(/\r?\n/).find((l) => l.startsWith(`id=${id} `)) ?? '';
            a.send(['BRPOPLPUSH', key, K((i + 1) % 4, `ta${i}`), '0']);
            await waitFor(async () => /\bcmd=brpoplpush\b/.test(await lineOf(ids[0])), `round ${i}: A's command read`, 5000);
            b.send(['BRPOPLPUSH', key, K((i + 2) % 4, `tb${i}`), '0']);
            let lines: string[] = [];
            await waitFor(async () => {
              const all = (await admin.callText(['CLIENT', 'LIST'])).split(/\r?\n/);
              lines = ids.map((id) => all.find((l) => l.startsWith(`id=${id} `)) ?? '');
              return lines.every((l) => /\bflags=\S*b/.test(l));
            }, `round ${i}: both clients blocked`, 5000);
            const threads = lines.map((l) => /\bthread=(\d+)/.exec(l)?.[1]);
            if (threads[0] !== threads[1]) crossThread++;
            await admin.call(['LPUSH', key, 'first']);
            const ra = await a.tryReadReply(1000);
            assert.equal(ra?.toString('latin1'), '$5\r\nfirst\r\n', `round ${i} (threads ${threads.join(', ')}): the first client was not served first (the second got ${show((await b.tryReadReply(1000)) ?? Buffer.alloc(0))})`);
            await admin.call(['LPUSH', key, 'second']);
            assert.equal((await b.readReply(5000)).toString('latin1'), '$6\r\nsecond\r\n');
            a.close();
            b.close();
          }
          assert.ok(ROUNDS < 8 || crossThread > 0, 'no round had its clients on two threads');
        } finally {
          admin.close();
        }
      }));
  }

  for (const [n, seed] of [
    [2, 11],
    [2, 12],
    [4, 21],
    [4, 22],
  ]) {
    it(`producers and consumers: every element delivered exactly once, in order per producer and key [threads=${n} seed=${seed}]`, () =>
      within(20_000, 'producer/consumer run', async () => {
        const port = servers.get(n)!.port;
        const rand = rng(seed); // consumers' keys and timeouts; each producer has its own
        const keys = [K(0, `q${seed}`), K(1, `q${seed}`), K(2, `q${seed}`), K(3, `q${seed}`), K(1, `r${seed}`)];
        const PRODUCERS = 3;
        const PER_PRODUCER = 150;
        const CONSUMERS = 5;
        const total = PRODUCERS * PER_PRODUCER;
        const admin = await RawClient.connect(port);
        const got: { consumer: number; key: string; elem: string }[] = [];
        let done = false;
        let allIn!: () => void;
        const allInPromise = new Promise<void>((resolve) => (allIn = resolve));

        // Consumers: BRPOP (LPUSH + BRPOP is a queue) on a random subset of keys, timeout 0 or 1-2 s.
        const consumers = await Promise.all(Array.from({ length: CONSUMERS }, () => RawClient.connect(port)));
        const plans = consumers.map((_, i) => {
          const mine = keys.filter(() => rand() < 0.6);
          if (mine.length === 0) mine.push(keys[i % keys.length]);
          return { keys: mine, timeout: rand() < 0.5 ? '0' : String(1 + Math.floor(rand() * 2)) };
        });
        // Every key has a consumer.
        keys.forEach((k, i) => {
          if (!plans.some((p) => p.keys.includes(k))) plans[i % CONSUMERS].keys.push(k);
        });
        const failures: string[] = [];
        const consuming = consumers.map(async (c, i) => {
          while (!done) {
            c.send(['BRPOP', ...plans[i].keys, plans[i].timeout]);
            const r = await c.tryReadReply(30_000);
            if (r === null) return; // closed at the end
            const text = r.toString('latin1');
            if (text === '*-1\r\n') continue; // timed out: block again
            const m = /^\*2\r\n\$\d+\r\n([^\r]*)\r\n\$\d+\r\n([^\r]*)\r\n$/.exec(text);
            if (m === null) failures.push(`consumer ${i}: BRPOP answered ${show(r)}`);
            else got.push({ consumer: i, key: m[1], elem: m[2] });
            if (got.length + failures.length === total) allIn();
          }
        });

        // Producers: LPUSH 1-3 elements at a time to random keys, some pipelined.
        const producers = await Promise.all(Array.from({ length: PRODUCERS }, () => RawClient.connect(port)));
        await Promise.all(
          producers.map(async (c, p) => {
            const prand = rng(seed * 100 + p);
            let next = 0;
            while (next < PER_PRODUCER) {
              const batch: string[][] = [];
              const depth = 1 + Math.floor(prand() * 3);
              for (let b = 0; b < depth && next < PER_PRODUCER; b++) {
                const key = keys[Math.floor(prand() * keys.length)];
                const elems: string[] = [];
                const count = Math.min(PER_PRODUCER - next, 1 + Math.floor(prand() * 3));
                for (let e = 0; e < count; e++) elems.push(`p${p}:${next++}`);
                batch.push(['LPUSH', key, ...elems]);
              }
              for (const cmd of batch) c.send(cmd);
              for (const cmd of batch) assert.match((await c.readReply(5000)).toString('latin1'), /^:\d+\r\n$/, showCommand(cmd));
            }
          }),
        );
        const timer = setTimeout(() => allIn(), 10_000);
        await allInPromise;
        clearTimeout(timer);
        done = true;
        for (const c of consumers) c.close();
        await Promise.all(consuming);
        for (const c of producers) c.close();

        const lens: string[] = [];
        for (const k of keys) lens.push(`${k}: ${await admin.callText(['LLEN', k])}`);
        // Exactly once.
        const seen = new Map<string, number>();
        for (const g of got) seen.set(g.elem, (seen.get(g.elem) ?? 0) + 1);
        const dup = [...seen].filter(([, k]) => k > 1).map(([e]) => e);
        const missing: string[] = [];
        for (let p = 0; p < PRODUCERS; p++) for (let i = 0; i < PER_PRODUCER; i++) if (!seen.has(`p${p}:${i}`)) missing.push(`p${p}:${i}`);
        const unexpected = got.filter((g) => !/^p\d+:\d+$/.test(g.elem) || !keys.includes(g.key));
        assert.deepEqual(
          { failures, dup, missing: missing.slice(0, 20), missingCount: missing.length, unexpected },
          { failures: [], dup: [], missing: [], missingCount: 0, unexpected: [] },
          `lengths left: ${lens.join(', ')}`,
        );
        assert.ok(lens.every((l) => l.endsWith(':0\r\n')), `keys not drained: ${lens.join(', ')}`);
        // In order, per consumer, producer and key (each producer's pushes to one key are a queue).
        const last = new Map<string, number>();
        for (const g of got) {
          const [p, i] = g.elem.slice(1).split(':').map(Number);
          const k = `${g.consumer}/${p}/${g.key}`;
          assert.ok((last.get(k) ?? -1) < i, `consumer ${g.consumer} got ${g.elem} from ${g.key} after p${p}:${last.get(k)}`);
          last.set(k, i);
        }
        // Nobody is left blocked.
        await waitFor(async () => (await infoField(admin, 'blocked_clients')) === '0', 'blocked_clients back to 0', 5000).catch(async (e: unknown) => {
          throw new Error(`${String(e)}: ${await infoField(admin, 'blocked_clients')}; CLIENT LIST:\n${await admin.callText(['CLIENT', 'LIST'])}\nserver output:\n${servers.get(n)!.output()}`);
        });
        admin.close();
      }));
  }

  for (const n of [2, 4]) {
    it(`one client blocked on keys of every shard, pushed on all at once: served once, the rest stays [threads=${n}]`, () =>
      within(15_000, 'race run', async () => {
        const port = servers.get(n)!.port;
        const keys = [K(0, 'race'), K(1, 'race'), K(2, 'race'), K(3, 'race')];
        const waiter = await RawClient.connect(port);
        const pushers = await Promise.all(keys.map(() => RawClient.connect(port)));
        const admin = await RawClient.connect(port);
        const id = (await waiter.callText(['CLIENT', 'ID'])).replace(/^:|\r\n$/g, '');
        for (let round = 0; round < 30; round++) {
          await admin.callText(['DEL', ...keys]);
          waiter.send(['BLPOP', ...keys, 0]);
          await waitFor(async () => /\bflags=\S*b/.test((await admin.callText(['CLIENT', 'LIST'])).split(/\r?\n/).find((l) => l.startsWith(`id=${id} `)) ?? ''), 'waiter blocked', 5000);
          // All pushes at once, from different connections (and threads).
          const replies = await Promise.all(pushers.map((p, i) => p.callText(['RPUSH', keys[i], `r${round}`])));
          assert.deepEqual(replies, keys.map(() => ':1\r\n'));
          const v = bulks(await waiter.readReply(5000));
          assert.ok(v !== null && keys.includes(v[0]) && v[1] === `r${round}`, `round ${round}: ${JSON.stringify(v)}`);
          const lens: string[] = [];
          for (const k of keys) lens.push(await admin.callText(['LLEN', k]));
          const expect = keys.map((k) => (k === v[0] ? ':0\r\n' : ':1\r\n'));
          assert.deepEqual(lens, expect, `round ${round}: served from ${v[0]}`);
        }
        // The same with a MULTI that creates every key at once.
        await admin.callText(['DEL', ...keys]);
        waiter.send(['BLPOP', ...keys, 0]);
        await waitFor(async () => /\bflags=\S*b/.test((await admin.callText(['CLIENT', 'LIST'])).split(/\r?\n/).find((l) => l.startsWith(`id=${id} `)) ?? ''), 'waiter blocked', 5000);
        admin.send(['MULTI']);
        for (const k of keys) admin.send(['RPUSH', k, 'm']);
        admin.send(['EXEC']);
        for (let i = 0; i < keys.length + 1; i++) await admin.readReply();
        assert.equal((await admin.readReply()).toString('latin1'), '*4\r\n:1\r\n:1\r\n:1\r\n:1\r\n');
        const v = bulks(await waiter.readReply(5000));
        assert.ok(v !== null && keys.includes(v[0]) && v[1] === 'm', JSON.stringify(v));
        let left = 0;
        for (const k of keys) left += Number((await admin.callText(['LLEN', k])).slice(1));
        assert.equal(left, keys.length - 1);
        for (const c of [waiter, admin, ...pushers]) c.close();
      }));
  }

  for (const n of [2, 4]) {
    it(`a BLMOVE served across shards answers after its element is in the destination [threads=${n}]`, () =>
      within(15_000, 'BLMOVE visibility run', async () => {
        const port = servers.get(n)!.port;
        const src = K(0, 'vis');
        const dsts = [K(1, 'vis'), K(2, 'vis'), K(3, 'vis')];
        const a = await RawClient.connect(port);
        const b = await RawClient.connect(port);
        const w = await RawClient.connect(port);
        const idA = (await a.callText(['CLIENT', 'ID'])).replace(/^:|\r\n$/g, '');
        const idB = (await b.callText(['CLIENT', 'ID'])).replace(/^:|\r\n$/g, '');
        const isBlocked = async (id: string): Promise<boolean> =>
          /\bflags=\S*b/.test((await w.callText(['CLIENT', 'LIST'])).split(/\r?\n/).find((l) => l.startsWith(`id=${id} `)) ?? '');
        for (let round = 0; round < 40; round++) {
          const dst = dsts[round % dsts.length];
          await w.callText(['DEL', src, dst]);
          a.send(['BLMOVE', src, dst, 'LEFT', 'RIGHT', 0]);
          await waitFor(() => isBlocked(idA), 'A blocked', 5000);
          if (round % 2 === 1) {
            // A chain: B waits on the destination and moves the element back.
            b.send(['BLMOVE', dst, src, 'LEFT', 'LEFT', 0]);
            await waitFor(() => isBlocked(idB), 'B blocked', 5000);
          }
          assert.equal(await w.callText(['RPUSH', src, `e${round}`]), ':1\r\n');
          assert.equal((await a.readReply(5000)).toString('latin1'), `$${`e${round}`.length}\r\ne${round}\r\n`);
          if (round % 2 === 1) {
            assert.equal((await b.readReply(5000)).toString('latin1'), `$${`e${round}`.length}\r\ne${round}\r\n`);
            // B's reply came: the element is back in the source, and the destination is empty.
            assert.equal(await b.callText(['LLEN', src]), ':1\r\n', `round ${round}: source after B's move`);
            assert.equal(await b.callText(['LLEN', dst]), ':0\r\n', `round ${round}: destination after B's move`);
          } else {
            // A's reply came: its own next command sees the element in the destination.
            assert.equal(await a.callText(['LRANGE', dst, 0, -1]), `*1\r\n$${`e${round}`.length}\r\ne${round}\r\n`, `round ${round}`);
          }
        }
        for (const c of [a, b, w]) c.close();
      }));

    it(`blocked clients that disconnect (reset or FIN) leave no waiter behind [threads=${n}]`, () =>
      within(15_000, 'disconnect run', async () => {
        const port = servers.get(n)!.port;
        const admin = await RawClient.connect(port);
        await admin.callText(['FLUSHALL']);
        const keys = [K(0, 'gone'), K(1, 'gone'), K(2, 'gone'), K(3, 'gone')];
        const ids: string[] = [];
        const clients: RawClient[] = [];
        // Twenty clients blocked on various keys with various commands.
        const forms = (i: number): Arg[] => {
          const k = keys[i % 4];
          const k2 = keys[(i + 1) % 4];
          return [
            ['BLPOP', k, k2, 0],
            ['BRPOP', k, 0],
            ['BLMOVE', k, k2, 'LEFT', 'RIGHT', 0],
            ['BLMPOP', 0, 2, k, k2, 'LEFT', 'COUNT', 2],
            ['BRPOPLPUSH', k2, k, 0],
          ][i % 5];
        };
        for (let i = 0; i < 20; i++) {
          const c = await RawClient.connect(port);
          ids.push((await c.callText(['CLIENT', 'ID'])).replace(/^:|\r\n$/g, ''));
          c.send(forms(i));
          clients.push(c);
        }
        await waitFor(async () => (await infoField(admin, 'blocked_clients')) === '20', 'twenty blocked', 5000);
        clients.forEach((c, i) => (i % 2 === 0 ? c.close() : c.socket.end()));
        await waitFor(async () => (await listed(admin, ids)).length === 0, 'all gone from CLIENT LIST', 5000);
        assert.equal(await infoField(admin, 'blocked_clients'), '0');
        for (const k of keys) assert.equal(await admin.callText(['RPUSH', k, 'stay']), ':1\r\n');
        for (const k of keys) assert.equal(await admin.callText(['LRANGE', k, 0, -1]), '*1\r\n$4\r\nstay\r\n', k);
        // A new waiter is served at once (no dead waiter in front of it).
        const fresh = await RawClient.connect(port);
        await admin.callText(['DEL', keys[0]]);
        fresh.send(['BLPOP', keys[0], 0]);
        await waitFor(async () => (await infoField(admin, 'blocked_clients')) === '1', 'fresh blocked', 5000);
        await admin.callText(['RPUSH', keys[0], 'new']);
        assert.equal((await fresh.readReply(5000)).toString('latin1'), `*2\r\n$${keys[0].length}\r\n${keys[0]}\r\n$3\r\nnew\r\n`);
        fresh.close();
        admin.close();
      }));
  }
});
