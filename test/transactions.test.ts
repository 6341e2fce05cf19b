// MULTI/EXEC/DISCARD/WATCH/UNWATCH, differential against a real redis-server: each case is a script of
// steps on up to three clients per server (the same interleaving on both), run on Damselfly with 1, 2
// and 4 shard threads, in RESP2, RESP3, and with each client's consecutive steps pipelined; the raw
// reply bytes of every step must equal Redis's. Keys are chosen per case so that their shards differ
// (slot % 4 = 0, 1, 2, 3 lands on distinct shards at 2 and 4 threads), and some cases aim a key at a
// shard other than the client's own thread.
// Invariants: no sleeps — waiting for an expiry is a poll of PTTL on another key or connection until it
// answers -2; every case uses its own key namespace (FLUSHALL cases only affect the running case).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { REDIS_AVAILABLE, SKIP_NO_REDIS, RawClient, encodeCommand, show, showCommand, startDamselfly, startRedis, type Arg, type ServerHandle } from './harness.ts';
import { shardOfKey } from '../src/runtime/slots.ts';

// ---------------------------------------------------------------------------------------------
// Scripts

/** A command on client `c`; or (poll) a command repeated on client `c` until it answers `until`. */
interface Step {
  c: number;
  cmd: Arg[];
  until?: string;
}

const A = (...cmd: Arg[]): Step => ({ c: 0, cmd });
const B = (...cmd: Arg[]): Step => ({ c: 1, cmd });
const C = (...cmd: Arg[]): Step => ({ c: 2, cmd });
/** Repeats cmd on client c (not compared) until its reply is `until`. */
const poll = (c: number, until: string, ...cmd: Arg[]): Step => ({ c, cmd, until });

/** k(name, s): a key of this case whose slot % 4 is s (distinct shards at 2 and 4 threads). */
type Keys = (name: string, s?: number) => string;

interface Env {
  /** A shard (as slot % 4) that is not the thread of Damselfly's client 0 (0 with one thread). */
  other: number;
  /** The shard of client 0's own thread. */
  own: number;
}

interface TxCase {
  name: string;
  steps: (k: Keys, env: Env) => Step[];
  /** A known divergence from Redis: the case runs and reports, but does not fail the suite. */
  todo?: string;
}

const t = (name: string, steps: (k: Keys, env: Env) => Step[], todo?: string): TxCase => ({ name, steps, todo });

/**
 * lookupWrite (family-util.ts) marks every collection it finds as changed for WATCH, also when the
 * command then changes nothing or fails; Redis signals a key only when the command modified it.
 */
const LIST_NOOP_TODO = 'known divergence: a write command that finds a list marks it changed even when it changes nothing';

/** A key named `${ns}:${name}` plus the shortest suffix that puts it at slot % 4 = s. */
function keyFor(ns: string, name: string, s: number): string {
  const base = `${ns}:${name}`;
  if (shardOfKey(Buffer.from(base), 4) === s) return base;
  for (let i = 0; ; i++) {
    const key = `${base}#${i}`;
    if (shardOfKey(Buffer.from(key), 4) === s) return key;
  }
}

const MANY = 24;

const GROUPS: { name: string; cases: TxCase[] }[] = [
  {
    name: 'MULTI / EXEC / DISCARD',
    cases: [
      t('QUEUED replies and EXEC results', (k) => [A('MULTI'), A('SET', k('a'), '1'), A('INCR', k('a')), A('GET', k('a')), A('GET', k('missing')), A('EXEC'), A('GET', k('a'))]),
      t('empty MULTI / EXEC', () => [A('MULTI'), A('EXEC'), A('PING')]),
      t('EXEC and DISCARD without MULTI', () => [A('EXEC'), A('DISCARD'), A('MULTI'), A('DISCARD'), A('DISCARD'), A('EXEC')]),
      t('nested MULTI is an error that does not abort', (k) => [A('MULTI'), A('MULTI'), A('SET', k('a'), 'v'), A('EXEC'), A('GET', k('a'))]),
      t('WATCH inside MULTI is an error that does not abort', (k) => [A('MULTI'), A('WATCH', k('a')), A('SET', k('a'), 'v'), A('EXEC'), A('GET', k('a'))]),
      t('DISCARD drops the queue', (k) => [A('MULTI'), A('SET', k('a'), 'v'), A('INCR', k('n')), A('DISCARD'), A('GET', k('a')), A('EXISTS', k('n')), A('EXEC')]),
      t('EXECABORT after an unknown command', (k) => [
        A('MULTI'),
        A('SET', k('a'), '1'),
        A('NOSUCHCOMMAND', 'x', 'y'),
        A('SET', k('b', 1), '2'),
        A('EXEC'),
        A('MGET', k('a'), k('b', 1)),
        A('EXEC'),
      ]),
      t('EXECABORT after wrong arity', (k) => [A('MULTI'), A('GET'), A('SET', k('a'), '1'), A('SET', k('a')), A('EXEC'), A('GET', k('a'))]),
      t('EXECABORT after an unknown subcommand', (k) => [A('MULTI'), A('CLIENT', 'NOSUCH'), A('SET', k('a'), '1'), A('EXEC'), A('GET', k('a'))]),
      t('wrong arity of EXEC / DISCARD / MULTI while queuing', (k) => [
        A('MULTI'),
        A('SET', k('a'), '1'),
        A('EXEC', 'x'),
        A('DISCARD', 'y'),
        A('MULTI', 'z'),
        A('EXEC'),
        A('GET', k('a')),
      ]),
      t('wrong arity of EXEC outside MULTI drops the watches', (k) => [A('WATCH', k('a')), A('EXEC', 'x'), B('SET', k('a'), 'x'), A('MULTI'), A('PING'), A('EXEC')]),
      t('wrong arity of WATCH while queuing aborts', (k) => [A('MULTI'), A('WATCH'), A('SET', k('a'), '1'), A('EXEC'), A('GET', k('a'))]),
      t('a new MULTI works after EXECABORT and DISCARD', (k) => [
        A('MULTI'),
        A('FOO'),
        A('EXEC'),
        A('MULTI'),
        A('SET', k('a'), '1'),
        A('DISCARD'),
        A('MULTI'),
        A('SET', k('a'), '2'),
        A('EXEC'),
        A('GET', k('a')),
      ]),
      t('runtime errors are per command, the rest run', (k) => [
        A('SET', k('s'), 'text'),
        A('RPUSH', k('l', 1), 'x'),
        A('MULTI'),
        A('INCR', k('s')),
        A('LPUSH', k('s'), 'y'),
        A('SET', k('n', 2), '5'),
        A('INCR', k('n', 2)),
        A('GET', k('l', 1)),
        A('APPEND', k('l', 1), 'z'),
        A('INCRBY', k('n', 2), 'notanumber'),
        A('INCRBY', k('n', 2), '10'),
        A('EXEC'),
        A('MGET', k('s'), k('n', 2)),
        A('LRANGE', k('l', 1), '0', '-1'),
      ]),
      t('syntax errors found only at run time', (k) => [
        A('MULTI'),
        A('SET', k('a'), 'v', 'EX', 'abc'),
        A('SET', k('a'), 'v2'),
        A('EXPIRE', k('a'), 'xyz'),
        A('SET', k('a'), 'v3', 'NX', 'XX'),
        A('GET', k('a')),
        A('LPOP', k('a', 3), '-1'),
        A('EXEC'),
      ]),
      t('reply types inside EXEC', (k) => [
        A('RPUSH', k('l', 1), 'a', 'b', 'c'),
        A('MULTI'),
        A('SET', k('a'), 'v'),
        A('GET', k('missing', 2)),
        A('MGET', k('a'), k('missing', 2), k('l', 1)),
        A('LRANGE', k('l', 1), '0', '-1'),
        A('LPOP', k('missing', 2), '2'),
        A('TTL', k('a')),
        A('EXISTS', k('a'), k('l', 1), k('missing', 2)),
        A('INCRBYFLOAT', k('f', 3), '1.5'),
        A('PING'),
        A('ECHO', 'hello'),
        A('TYPE', k('l', 1)),
        A('OBJECT', 'ENCODING', k('l', 1)),
        A('EXEC'),
      ]),
      t('connection commands inside EXEC', () => [
        A('MULTI'),
        A('CLIENT', 'SETNAME', 'txname'),
        A('CLIENT', 'GETNAME'),
        A('PING', 'x'),
        A('EXEC'),
        A('CLIENT', 'GETNAME'),
      ]),
      t('SELECT inside MULTI', (k) => [
        A('MULTI'),
        A('SELECT', '1'),
        A('SET', k('a'), 'one'),
        A('SELECT', '0'),
        A('SET', k('a'), 'zero'),
        A('SET', k('b', 1), 'zero-b'),
        A('SELECT', '1'),
        A('GET', k('a')),
        A('MSET', k('c', 2), 'one-c', k('d', 3), 'one-d'),
        A('EXEC'),
        A('GET', k('a')),
        A('MGET', k('c', 2), k('d', 3), k('b', 1)),
        A('SELECT', '0'),
        A('MGET', k('a'), k('b', 1), k('c', 2)),
      ]),
      t('SELECT errors inside MULTI', (k) => [
        A('MULTI'),
        A('SELECT', '99'),
        A('SELECT', 'abc'),
        A('SET', k('a'), 'v'),
        A('EXEC'),
        A('GET', k('a')),
      ]),
      t('keys on different shards in one EXEC, in order', (k) => [
        A('MULTI'),
        A('INCR', k('a', 0)),
        A('INCR', k('b', 1)),
        A('MGET', k('a', 0), k('b', 1)),
        A('INCR', k('a', 0)),
        A('INCRBY', k('c', 2), '5'),
        A('MGET', k('a', 0), k('b', 1), k('c', 2), k('d', 3)),
        A('DEL', k('b', 1)),
        A('MGET', k('a', 0), k('b', 1), k('c', 2), k('d', 3)),
        A('EXEC'),
      ]),
      t('MSET / MGET / DEL / EXISTS across shards inside EXEC', (k) => [
        A('MULTI'),
        A('MSET', k('a', 0), '1', k('b', 1), '2', k('c', 2), '3', k('d', 3), '4'),
        A('MGET', k('a', 0), k('b', 1), k('c', 2), k('d', 3), k('missing', 1)),
        A('DEL', k('a', 0), k('c', 2), k('missing', 1)),
        A('EXISTS', k('a', 0), k('b', 1), k('c', 2), k('d', 3)),
        A('MSETNX', k('a', 0), 'x', k('b', 1), 'y'),
        A('MSETNX', k('a', 0), 'x', k('c', 2), 'y'),
        A('UNLINK', k('b', 1), k('d', 3)),
        A('MGET', k('a', 0), k('b', 1), k('c', 2), k('d', 3)),
        A('EXEC'),
      ]),
      t('RENAME / RENAMENX / COPY across shards inside EXEC', (k) => [
        A('SET', k('a', 0), 'v'),
        A('SET', k('c', 2), 'taken'),
        A('MULTI'),
        A('RENAME', k('a', 0), k('b', 1)),
        A('GET', k('b', 1)),
        A('EXISTS', k('a', 0)),
        A('RENAME', k('missing', 3), k('x', 2)),
        A('RENAMENX', k('b', 1), k('c', 2)),
        A('COPY', k('b', 1), k('d', 3)),
        A('COPY', k('b', 1), k('c', 2)),
        A('COPY', k('b', 1), k('c', 2), 'REPLACE'),
        A('APPEND', k('d', 3), '-copy'),
        A('MGET', k('a', 0), k('b', 1), k('c', 2), k('d', 3)),
        A('RENAME', k('b', 1), k('a', 0)),
        A('EXEC'),
        A('MGET', k('a', 0), k('b', 1), k('c', 2), k('d', 3)),
      ]),
      t('LMOVE / RPOPLPUSH across shards inside EXEC', (k) => [
        A('RPUSH', k('la', 0), '1', '2', '3'),
        A('SET', k('s', 2), 'str'),
        A('MULTI'),
        A('LMOVE', k('la', 0), k('lb', 1), 'LEFT', 'RIGHT'),
        A('LMOVE', k('la', 0), k('lb', 1), 'RIGHT', 'LEFT'),
        A('LRANGE', k('la', 0), '0', '-1'),
        A('LRANGE', k('lb', 1), '0', '-1'),
        A('RPOPLPUSH', k('lb', 1), k('la', 0)),
        A('LMOVE', k('missing', 3), k('lb', 1), 'LEFT', 'LEFT'),
        A('LMOVE', k('la', 0), k('s', 2), 'LEFT', 'LEFT'),
        A('LMOVE', k('s', 2), k('la', 0), 'LEFT', 'LEFT'),
        A('LMOVE', k('lb', 1), k('lb', 1), 'LEFT', 'RIGHT'),
        A('LRANGE', k('la', 0), '0', '-1'),
        A('LRANGE', k('lb', 1), '0', '-1'),
        A('EXEC'),
        A('EXISTS', k('la', 0), k('lb', 1)),
      ]),
      t('DBSIZE and KEYS inside EXEC see the transaction\'s writes', (k) => [
        A('SELECT', '3'),
        A('FLUSHDB'),
        A('MULTI'),
        A('SET', k('a', 0), '1'),
        A('SET', k('b', 1), '1'),
        A('DBSIZE'),
        A('DEL', k('a', 0)),
        A('DBSIZE'),
        A('KEYS', '*'),
        A('EXEC'),
        A('FLUSHDB'),
      ]),
      t('FLUSHALL inside EXEC', (k) => [
        A('SET', k('a', 0), '1'),
        A('SET', k('b', 1), '1'),
        A('SELECT', '1'),
        A('SET', k('c', 2), '1'),
        A('SELECT', '0'),
        A('MULTI'),
        A('SET', k('x', 3), '1'),
        A('FLUSHALL'),
        A('SET', k('y', 2), '2'),
        A('DBSIZE'),
        A('EXEC'),
        A('DBSIZE'),
        A('MGET', k('a', 0), k('b', 1), k('x', 3), k('y', 2)),
        A('SELECT', '1'),
        A('DBSIZE'),
      ]),
      t('FLUSHDB inside EXEC', (k) => [
        A('FLUSHALL'),
        A('SET', k('a', 0), '1'),
        A('SELECT', '1'),
        A('SET', k('c', 2), '1'),
        A('MULTI'),
        A('SET', k('x', 3), '1'),
        A('FLUSHDB'),
        A('SET', k('y', 1), '2'),
        A('EXEC'),
        A('DBSIZE'),
        A('MGET', k('c', 2), k('x', 3), k('y', 1)),
        A('SELECT', '0'),
        A('DBSIZE'),
        A('GET', k('a', 0)),
      ]),
      t('SWAPDB inside EXEC', (k) => [
        A('SET', k('a', 0), 'db0'),
        A('SELECT', '1'),
        A('SET', k('a', 0), 'db1'),
        A('SET', k('b', 1), 'db1-b'),
        A('SELECT', '0'),
        A('MULTI'),
        A('GET', k('a', 0)),
        A('SWAPDB', '0', '1'),
        A('GET', k('a', 0)),
        A('GET', k('b', 1)),
        A('SWAPDB', '0', '99'),
        A('EXEC'),
        A('MGET', k('a', 0), k('b', 1)),
        A('SWAPDB', '0', '1'),
      ]),
      t('RESET inside MULTI discards it', (k) => [A('MULTI'), A('SET', k('a'), 'v'), A('RESET'), A('EXEC'), A('GET', k('a'))]),
      t('a long transaction over four shards', (k) => {
        const steps: Step[] = [A('MULTI')];
        for (let i = 0; i < 120; i++) {
          const key = k(`n${i % 8}`, i % 4);
          steps.push(A(i % 3 === 0 ? 'INCR' : 'DECRBY', key, ...(i % 3 === 0 ? [] : [String(i)])));
          if (i % 17 === 0) steps.push(A('MGET', k('n0', 0), k('n1', 1), k('n2', 2), k('n3', 3)));
        }
        steps.push(A('EXEC'), A('MGET', ...Array.from({ length: 8 }, (_, i) => k(`n${i}`, i % 4))));
        return steps;
      }),
    ],
  },
  {
    name: 'WATCH invalidation',
    cases: [
      t('another client SET', (k) => [A('SET', k('a'), '1'), A('WATCH', k('a')), B('SET', k('a'), '2'), A('MULTI'), A('SET', k('a'), 'mine'), A('EXEC'), A('GET', k('a'))]),
      t('another client SET of a missing key', (k) => [A('WATCH', k('a')), B('SET', k('a'), '2'), A('MULTI'), A('PING'), A('EXEC')]),
      t('another client DEL', (k) => [A('SET', k('a'), '1'), A('WATCH', k('a')), B('DEL', k('a')), A('MULTI'), A('SET', k('x'), '1'), A('EXEC'), A('EXISTS', k('x'))]),
      t('another client EXPIRE', (k) => [A('SET', k('a'), '1'), A('WATCH', k('a')), B('EXPIRE', k('a'), '1000'), A('MULTI'), A('PING'), A('EXEC')]),
      t('another client INCR', (k) => [A('SET', k('a'), '1'), A('WATCH', k('a')), B('INCR', k('a')), A('MULTI'), A('PING'), A('EXEC')]),
      t('another client INCRBY 0', (k) => [A('SET', k('a'), '1'), A('WATCH', k('a')), B('INCRBY', k('a'), '0'), A('MULTI'), A('PING'), A('EXEC')]),
      t('another client APPEND', (k) => [A('SET', k('a'), '1'), A('WATCH', k('a')), B('APPEND', k('a'), 'x'), A('MULTI'), A('PING'), A('EXEC')]),
      t('another client APPEND of nothing', (k) => [A('SET', k('a'), '1'), A('WATCH', k('a')), B('APPEND', k('a'), ''), A('MULTI'), A('PING'), A('EXEC')]),
      t('another client LPUSH', (k) => [A('RPUSH', k('l'), 'x'), A('WATCH', k('l')), B('LPUSH', k('l'), 'y'), A('MULTI'), A('LLEN', k('l')), A('EXEC')]),
      t('another client LPUSH creating the list', (k) => [A('WATCH', k('l')), B('LPUSH', k('l'), 'y'), A('MULTI'), A('LLEN', k('l')), A('EXEC')]),
      t('another client RPOP emptying the list', (k) => [A('RPUSH', k('l'), 'x'), A('WATCH', k('l')), B('RPOP', k('l')), A('MULTI'), A('PING'), A('EXEC')]),
      t('another client MSET across shards', (k) => [A('WATCH', k('a', 2)), B('MSET', k('x', 0), '1', k('a', 2), '2', k('y', 3), '3'), A('MULTI'), A('PING'), A('EXEC')]),
      t('another client MULTI/EXEC', (k) => [A('WATCH', k('a', 1)), B('MULTI'), B('SET', k('a', 1), 'b'), B('EXEC'), A('MULTI'), A('GET', k('a', 1)), A('EXEC')]),
      t('another client LMOVE into the list across shards', (k) => [
        A('RPUSH', k('src', 0), 'x'),
        A('RPUSH', k('dst', 3), 'y'),
        A('WATCH', k('dst', 3)),
        B('LMOVE', k('src', 0), k('dst', 3), 'LEFT', 'LEFT'),
        A('MULTI'),
        A('LRANGE', k('dst', 3), '0', '-1'),
        A('EXEC'),
      ]),
      t('another client LMOVE out of the list across shards', (k) => [
        A('RPUSH', k('src', 0), 'x', 'z'),
        A('WATCH', k('src', 0)),
        B('LMOVE', k('src', 0), k('dst', 3), 'LEFT', 'LEFT'),
        A('MULTI'),
        A('LRANGE', k('src', 0), '0', '-1'),
        A('EXEC'),
      ]),
      t('another client COPY onto the key across shards', (k) => [A('SET', k('src', 1), 'v'), A('WATCH', k('a', 2)), B('COPY', k('src', 1), k('a', 2)), A('MULTI'), A('PING'), A('EXEC')]),
      t('SET of a key already expired when watched', (k) => [
        A('SET', k('a', 1), 'v', 'PX', '1'),
        B('SET', k('clock', 0), 'v', 'PX', '1'),
        poll(2, ':-2\r\n', 'PTTL', k('clock', 0)),
        A('WATCH', k('a', 1)),
        B('SET', k('a', 1), 'new'),
        A('MULTI'),
        A('GET', k('a', 1)),
        A('EXEC'),
      ]),
      t('LSET / LINSERT / LREM that change the list', (k) => [
        A('RPUSH', k('l', 1), 'a', 'b'),
        A('WATCH', k('l', 1)),
        B('LSET', k('l', 1), '0', 'x'),
        A('MULTI'),
        A('PING'),
        A('EXEC'),
        A('WATCH', k('l', 1)),
        B('LINSERT', k('l', 1), 'AFTER', 'x', 'y'),
        A('MULTI'),
        A('PING'),
        A('EXEC'),
        A('WATCH', k('l', 1)),
        B('LREM', k('l', 1), '1', 'y'),
        A('MULTI'),
        A('LRANGE', k('l', 1), '0', '-1'),
        A('EXEC'),
      ]),
      t('another client DEL of several keys across shards', (k) => [
        A('MSET', k('a', 0), '1', k('b', 1), '1'),
        A('WATCH', k('b', 1)),
        B('DEL', k('a', 0), k('b', 1), k('c', 2)),
        A('MULTI'),
        A('PING'),
        A('EXEC'),
      ]),
      t('EXECABORT wins over a touched watched key', (k) => [A('WATCH', k('a')), B('SET', k('a'), 'x'), A('MULTI'), A('FOO'), A('EXEC'), A('MULTI'), A('PING'), A('EXEC')]),
      t('own write before MULTI', (k) => [A('SET', k('a'), '1'), A('WATCH', k('a')), A('SET', k('a'), '2'), A('MULTI'), A('GET', k('a')), A('EXEC')]),
      t('own write inside the transaction does not abort it', (k) => [A('SET', k('a'), '1'), A('WATCH', k('a')), A('MULTI'), A('SET', k('a'), '2'), A('GET', k('a')), A('EXEC')]),
      t('FLUSHALL', (k) => [A('SET', k('a'), '1'), A('WATCH', k('a')), B('FLUSHALL'), A('MULTI'), A('PING'), A('EXEC')]),
      t('FLUSHDB of the same database', (k) => [A('SET', k('a', 1), '1'), A('WATCH', k('a', 1)), B('FLUSHDB'), A('MULTI'), A('PING'), A('EXEC')]),
      t('SWAPDB with the key in the other database only', (k) => [
        A('FLUSHALL'),
        A('SELECT', '1'),
        A('SET', k('a', 2), 'db1'),
        A('SELECT', '0'),
        A('WATCH', k('a', 2)),
        B('SWAPDB', '0', '1'),
        A('MULTI'),
        A('GET', k('a', 2)),
        A('EXEC'),
        B('SWAPDB', '0', '1'),
      ]),
      t('SWAPDB with the key in both databases', (k) => [
        A('FLUSHALL'),
        A('SET', k('a', 3), 'db0'),
        A('SELECT', '1'),
        A('SET', k('a', 3), 'db1'),
        A('SELECT', '0'),
        A('WATCH', k('a', 3)),
        B('SWAPDB', '1', '0'),
        A('MULTI'),
        A('GET', k('a', 3)),
        A('EXEC'),
      ]),
      t('RENAME onto the key (same shard)', (k) => [A('SET', k('src', 1), 'v'), A('WATCH', k('a', 1)), B('RENAME', k('src', 1), k('a', 1)), A('MULTI'), A('PING'), A('EXEC')]),
      t('RENAME onto the key (other shard)', (k) => [A('SET', k('src', 0), 'v'), A('WATCH', k('a', 3)), B('RENAME', k('src', 0), k('a', 3)), A('MULTI'), A('PING'), A('EXEC')]),
      t('RENAME off the key (same shard)', (k) => [A('SET', k('a', 2), 'v'), A('WATCH', k('a', 2)), B('RENAME', k('a', 2), k('dst', 2)), A('MULTI'), A('PING'), A('EXEC')]),
      t('RENAME off the key (other shard)', (k) => [A('SET', k('a', 2), 'v'), A('WATCH', k('a', 2)), B('RENAME', k('a', 2), k('dst', 1)), A('MULTI'), A('PING'), A('EXEC')]),
      t('MOVE of the key to another database', (k) => [A('SET', k('a'), 'v'), A('WATCH', k('a')), B('MOVE', k('a'), '1'), A('MULTI'), A('PING'), A('EXEC'), A('SELECT', '1'), A('DEL', k('a'))]),
      t('the key expires, seen by another connection', (k) => [
        A('SET', k('a'), 'v', 'PX', '30'),
        A('WATCH', k('a')),
        poll(2, ':-2\r\n', 'PTTL', k('a')),
        A('MULTI'),
        A('PING'),
        A('EXEC'),
      ]),
      // The clock key is set by another client once A's SET is answered: a pipelined pair on two threads
      // may get its deadlines out of order by a millisecond.
      t('the key expires, seen by nobody', (k) => [
        A('SET', k('a', 1), 'v', 'PX', '30'),
        B('SET', k('clock', 2), 'v', 'PX', '30'),
        A('WATCH', k('a', 1)),
        poll(2, ':-2\r\n', 'PTTL', k('clock', 2)),
        A('MULTI'),
        A('PING'),
        A('EXEC'),
      ]),
      t('the key expires on a shard other than the client\'s', (k, env) => [
        A('SET', k('a', env.other), 'v', 'PX', '30'),
        A('WATCH', k('a', env.other)),
        poll(2, ':-2\r\n', 'PTTL', k('a', env.other)),
        A('MULTI'),
        A('PING'),
        A('EXEC'),
      ]),
      t('a watched key on a shard other than the client\'s', (k, env) => [
        A('SET', k('a', env.other), '1'),
        A('WATCH', k('a', env.other)),
        B('SET', k('a', env.other), '2'),
        A('MULTI'),
        A('GET', k('a', env.other)),
        A('EXEC'),
        A('WATCH', k('a', env.other)),
        A('MULTI'),
        A('GET', k('a', env.other)),
        A('EXEC'),
      ]),
      t('many watched keys across shards, one touched', (k) => {
        const keys = Array.from({ length: MANY }, (_, i) => k(`w${i}`, i % 4));
        return [A('MSET', ...keys.flatMap((key) => [key, 'v'])), A('WATCH', ...keys), B('APPEND', keys[MANY - 3], 'x'), A('MULTI'), A('MGET', keys[0], keys[MANY - 3]), A('EXEC')];
      }),
      t('many watched keys across shards, several WATCH calls, one touched', (k) => {
        const keys = Array.from({ length: MANY }, (_, i) => k(`w${i}`, i % 4));
        return [A('WATCH', ...keys.slice(0, 8)), A('WATCH', ...keys.slice(8)), B('SET', keys[5], 'x'), A('MULTI'), A('PING'), A('EXEC')];
      }),
      t('the same key watched twice', (k) => [A('WATCH', k('a'), k('a')), A('WATCH', k('a')), B('SET', k('a'), 'x'), A('MULTI'), A('PING'), A('EXEC'), A('WATCH', k('a')), A('MULTI'), A('PING'), A('EXEC')]),
      t('WATCH then SELECT: a write in the watched database', (k) => [A('WATCH', k('a')), A('SELECT', '1'), B('SET', k('a'), 'x'), A('MULTI'), A('PING'), A('EXEC')]),
      t('WATCH in database 1, write in database 1', (k) => [A('SELECT', '1'), A('WATCH', k('a')), B('SELECT', '1'), B('SET', k('a'), 'x'), A('MULTI'), A('PING'), A('EXEC'), B('DEL', k('a'))]),
    ],
  },
  {
    name: 'WATCH non-invalidation',
    cases: [
      t('another client\'s read-only MULTI/EXEC', (k) => [A('SET', k('a', 1), '1'), A('WATCH', k('a', 1)), B('MULTI'), B('GET', k('a', 1)), B('MGET', k('a', 1), k('b', 2)), B('EXEC'), A('MULTI'), A('PING'), A('EXEC')]),
      t('FLUSHALL inside the watching client\'s own EXEC', (k) => [A('SET', k('a', 1), '1'), A('WATCH', k('a', 1)), A('MULTI'), A('FLUSHALL'), A('GET', k('a', 1)), A('EXEC'), A('EXISTS', k('a', 1))]),
      t('a write to another key', (k) => [A('SET', k('a'), '1'), A('WATCH', k('a')), B('SET', k('b'), '2'), B('SET', k('c', 2), '2'), A('MULTI'), A('SET', k('a'), 'mine'), A('EXEC'), A('GET', k('a'))]),
      t('DEL of a missing watched key', (k) => [A('WATCH', k('a')), B('DEL', k('a')), B('UNLINK', k('a')), A('MULTI'), A('SET', k('a'), 'mine'), A('EXEC'), A('GET', k('a'))]),
      t('DEL across shards of a missing watched key', (k) => [A('SET', k('b', 1), '1'), A('WATCH', k('a', 0)), B('DEL', k('a', 0), k('b', 1)), A('MULTI'), A('PING'), A('EXEC')]),
      t('UNWATCH then a write', (k) => [A('WATCH', k('a'), k('b', 1)), A('UNWATCH'), B('SET', k('a'), 'x'), B('SET', k('b', 1), 'x'), A('MULTI'), A('PING'), A('EXEC')]),
      t('DISCARD drops the watches', (k) => [A('WATCH', k('a')), A('MULTI'), A('DISCARD'), B('SET', k('a'), 'x'), A('MULTI'), A('PING'), A('EXEC')]),
      t('RESET drops the watches', (k) => [A('WATCH', k('a', 1)), A('RESET'), B('SET', k('a', 1), 'x'), A('MULTI'), A('PING'), A('EXEC')]),
      t('EXEC drops the watches', (k) => [A('WATCH', k('a')), A('MULTI'), A('EXEC'), B('SET', k('a'), 'x'), A('MULTI'), A('PING'), A('EXEC')]),
      t('an aborted EXEC drops the watches', (k) => [A('WATCH', k('a')), B('SET', k('a'), 'x'), A('MULTI'), A('EXEC'), B('SET', k('a'), 'y'), A('MULTI'), A('PING'), A('EXEC')]),
      t('EXECABORT drops the watches', (k) => [A('WATCH', k('a')), A('MULTI'), A('FOO'), A('EXEC'), B('SET', k('a'), 'x'), A('MULTI'), A('PING'), A('EXEC')]),
      t('a write in another database', (k) => [A('WATCH', k('a')), B('SELECT', '1'), B('SET', k('a'), 'x'), A('MULTI'), A('PING'), A('EXEC'), B('DEL', k('a'))]),
      t('FLUSHDB of another database', (k) => [A('SET', k('a'), '1'), A('WATCH', k('a')), B('SELECT', '5'), B('FLUSHDB'), A('MULTI'), A('GET', k('a')), A('EXEC')]),
      t('FLUSHALL with the watched key missing', (k) => [A('FLUSHALL'), A('WATCH', k('a')), B('SET', k('other', 2), 'v'), B('FLUSHALL'), A('MULTI'), A('PING'), A('EXEC')]),
      t('SWAPDB with the key in neither database', (k) => [A('FLUSHALL'), A('WATCH', k('a')), B('SET', k('other', 2), 'v'), B('SWAPDB', '0', '1'), A('MULTI'), A('PING'), A('EXEC'), B('SWAPDB', '0', '1')]),
      t('reads of the watched key', (k) => [A('SET', k('a'), '1'), A('WATCH', k('a')), B('GET', k('a')), B('EXISTS', k('a')), B('TTL', k('a')), B('TYPE', k('a')), B('STRLEN', k('a')), A('MULTI'), A('PING'), A('EXEC')]),
      t('a key already expired when watched', (k) => [
        A('SET', k('a'), 'v', 'PX', '1'),
        B('SET', k('clock', 1), 'v', 'PX', '1'),
        poll(2, ':-2\r\n', 'PTTL', k('clock', 1)),
        A('WATCH', k('a')),
        B('GET', k('a')),
        A('MULTI'),
        A('PING'),
        A('EXEC'),
      ]),
      t('DEL of a key already expired when watched', (k) => [
        A('SET', k('a', 2), 'v', 'PX', '1'),
        B('SET', k('clock', 3), 'v', 'PX', '1'),
        poll(2, ':-2\r\n', 'PTTL', k('clock', 3)),
        A('WATCH', k('a', 2)),
        B('DEL', k('a', 2)),
        A('MULTI'),
        A('PING'),
        A('EXEC'),
      ]),
      t('a failed SET NX on the watched key', (k) => [A('SET', k('a'), '1'), A('WATCH', k('a')), B('SET', k('a'), '2', 'NX'), B('SETNX', k('a'), '3'), A('MULTI'), A('PING'), A('EXEC')]),
      t('EXPIRE / PERSIST that change nothing', (k) => [A('SET', k('a'), '1'), A('WATCH', k('a')), B('PERSIST', k('a')), B('EXPIRE', k('missing'), '10'), A('MULTI'), A('PING'), A('EXEC')]),
      t('SETRANGE of nothing', (k) => [A('SET', k('a'), '1'), A('WATCH', k('a')), B('SETRANGE', k('a'), '0', ''), A('MULTI'), A('PING'), A('EXEC')]),
      t('GETEX without options', (k) => [A('SET', k('a'), '1'), A('WATCH', k('a')), B('GETEX', k('a')), A('MULTI'), A('PING'), A('EXEC')]),
      t('RENAME of the key onto itself', (k) => [A('SET', k('a'), '1'), A('WATCH', k('a')), B('RENAME', k('a'), k('a')), A('MULTI'), A('PING'), A('EXEC')]),
      t('a refused RENAMENX onto the key', (k) => [A('SET', k('a', 1), '1'), A('SET', k('src', 2), '1'), A('WATCH', k('a', 1)), B('RENAMENX', k('src', 2), k('a', 1)), A('MULTI'), A('PING'), A('EXEC')]),
      t('a refused COPY onto the key', (k) => [A('SET', k('a', 1), '1'), A('SET', k('src', 3), '1'), A('WATCH', k('a', 1)), B('COPY', k('src', 3), k('a', 1)), A('MULTI'), A('PING'), A('EXEC')]),
      t('a refused MOVE of the key', (k) => [
        A('SET', k('a'), '1'),
        B('SELECT', '1'),
        B('SET', k('a'), 'db1'),
        B('SELECT', '0'),
        A('WATCH', k('a')),
        B('MOVE', k('a'), '1'),
        A('MULTI'),
        A('PING'),
        A('EXEC'),
        B('SELECT', '1'),
        B('DEL', k('a')),
      ]),
    ],
  },
  {
    name: 'WATCH of a list: commands that change nothing',
    cases: [
      t('LREM of a missing element', (k) => [A('RPUSH', k('l'), 'a', 'b'), A('WATCH', k('l')), B('LREM', k('l'), '0', 'zz'), A('MULTI'), A('PING'), A('EXEC')], LIST_NOOP_TODO),
      t('LINSERT with a missing pivot', (k) => [A('RPUSH', k('l'), 'a', 'b'), A('WATCH', k('l')), B('LINSERT', k('l'), 'BEFORE', 'zz', 'q'), A('MULTI'), A('PING'), A('EXEC')], LIST_NOOP_TODO),
      t('LSET out of range', (k) => [A('RPUSH', k('l'), 'a', 'b'), A('WATCH', k('l')), B('LSET', k('l'), '9', 'x'), A('MULTI'), A('PING'), A('EXEC')], LIST_NOOP_TODO),
      t('PERSIST of a list without TTL', (k) => [A('RPUSH', k('l'), 'a', 'b'), A('WATCH', k('l')), B('PERSIST', k('l')), A('MULTI'), A('PING'), A('EXEC')], LIST_NOOP_TODO),
      t('RENAME of the list onto itself', (k) => [A('RPUSH', k('l'), 'a', 'b'), A('WATCH', k('l')), B('RENAME', k('l'), k('l')), A('MULTI'), A('PING'), A('EXEC')], LIST_NOOP_TODO),
      t('WRONGTYPE commands on the list', (k) => [A('RPUSH', k('l'), 'a', 'b'), A('WATCH', k('l')), B('INCR', k('l')), B('APPEND', k('l'), 'x'), A('MULTI'), A('PING'), A('EXEC')], LIST_NOOP_TODO),
      t('SET NX on the list', (k) => [A('RPUSH', k('l'), 'a', 'b'), A('WATCH', k('l')), B('SET', k('l'), 'x', 'NX'), A('MULTI'), A('PING'), A('EXEC')], LIST_NOOP_TODO),
      t('LPOP with count 0', (k) => [A('RPUSH', k('l'), 'a', 'b'), A('WATCH', k('l')), B('LPOP', k('l'), '0'), A('MULTI'), A('PING'), A('EXEC')], LIST_NOOP_TODO),
      t('LTRIM keeping everything still counts', (k) => [A('RPUSH', k('l'), 'a', 'b'), A('WATCH', k('l')), B('LTRIM', k('l'), '0', '-1'), A('MULTI'), A('PING'), A('EXEC')]),
    ],
  },
];

// ---------------------------------------------------------------------------------------------
// Runner

type Variant = 'resp2' | 'resp3' | 'batched';
const VARIANTS: Variant[] = ['resp2', 'resp3', 'batched'];
const CLIENTS = 3;

class Session {
  readonly clients: RawClient[];
  private constructor(clients: RawClient[]) {
    this.clients = clients;
  }

  static async open(port: number, resp3: boolean): Promise<Session> {
    const clients = await Promise.all(Array.from({ length: CLIENTS }, () => RawClient.connect(port)));
    if (resp3) for (const c of clients) await c.call(['HELLO', '3']);
    return new Session(clients);
  }

  /** Runs the steps in order; one reply per step (null for polls). Consecutive steps of one client go in one write when batched. */
  async run(steps: Step[], batched: boolean): Promise<(Buffer | null)[]> {
    const out: (Buffer | null)[] = [];
    let i = 0;
    while (i < steps.length) {
      const s = steps[i];
      const cl = this.clients[s.c];
      if (s.until !== undefined) {
        const deadline = Date.now() + 10_000;
        for (;;) {
          const r = (await cl.call(s.cmd)).toString('latin1');
          if (r === s.until) break;
          if (Date.now() > deadline) throw new Error(`poll ${showCommand(s.cmd)}: still ${JSON.stringify(r)}`);
        }
        out.push(null);
        i++;
        continue;
      }
      let j = i + 1;
      if (batched) while (j < steps.length && steps[j].c === s.c && steps[j].until === undefined) j++;
      cl.send(Buffer.concat(steps.slice(i, j).map((x) => encodeCommand(x.cmd))));
      for (; i < j; i++) out.push(await cl.readReply());
    }
    return out;
  }

  /** Fails if a client got bytes it was not meant to (a reply too many). */
  async checkQuiet(): Promise<string | null> {
    for (let i = 0; i < this.clients.length; i++) {
      const r = await this.clients[i].call(['PING', 'quiet']);
      if (r.toString('latin1') !== '$5\r\nquiet\r\n') return `client ${i}: unexpected ${show(r)}`;
    }
    return null;
  }

  close(): void {
    for (const c of this.clients) c.close();
  }
}

/** The thread of a Damselfly client (CLIENT INFO's thread= field). */
async function threadOf(c: RawClient): Promise<number> {
  const info = (await c.call(['CLIENT', 'INFO'])).toString('latin1');
  const m = /thread=(\d+)/.exec(info);
  assert.ok(m !== null, `CLIENT INFO has no thread= field: ${info}`);
  return Number(m[1]);
}

async function runCase(dport: number, rport: number, threads: number, ns: string, tc: TxCase, variant: Variant): Promise<void> {
  const resp3 = variant === 'resp3';
  const [d, r] = await Promise.all([Session.open(dport, resp3), Session.open(rport, resp3)]);
  try {
    const own = await threadOf(d.clients[0]);
    const other = threads === 1 ? 0 : (own + 1) % threads;
    const k: Keys = (name, s = 0) => keyFor(ns, name, s);
    const steps = tc.steps(k, { other, own });
    const [dr, rr] = await Promise.all([d.run(steps, variant === 'batched'), r.run(steps, variant === 'batched')]);
    const who = (c: number): string => 'ABC'[c];
    const transcript = (): string =>
      steps
        .map((s, i) => `  ${who(s.c)}> ${s.until !== undefined ? '(poll) ' : ''}${showCommand(s.cmd)}\n      damselfly: ${show(dr[i])}\n      redis:     ${show(rr[i])}`)
        .join('\n');
    for (let i = 0; i < steps.length; i++) {
      const a = dr[i];
      const b = rr[i];
      if (a === null || b === null) continue;
      if (!a.equals(b)) {
        assert.fail(`[${variant}] step ${i + 1} differs: ${who(steps[i].c)}> ${showCommand(steps[i].cmd)}\n  damselfly: ${show(a)}\n  redis:     ${show(b)}\nwhole transcript:\n${transcript()}`);
      }
    }
    const [dq, rq] = await Promise.all([d.checkQuiet(), r.checkQuiet()]);
    if (dq !== null || rq !== null) assert.fail(`[${variant}] extra bytes: damselfly ${dq ?? 'none'}, redis ${rq ?? 'none'}`);
  } finally {
    d.close();
    r.close();
  }
}

let redis: ServerHandle | null = null;

before(async () => {
  if (REDIS_AVAILABLE) redis = await startRedis();
});
after(async () => {
  await redis?.stop();
});

for (const threads of [1, 2, 4]) {
  describe(`transactions vs Redis, Damselfly with ${threads} thread(s)`, () => {
    let dfly: ServerHandle | null = null;
    before(async () => {
      if (REDIS_AVAILABLE) dfly = await startDamselfly({ threads });
    });
    after(async () => {
      if (dfly !== null) {
        const alive = dfly.alive();
        await dfly.stop();
        assert.ok(alive, `damselfly died during the tests:\n${dfly.output()}`);
      }
    });

    let caseNo = 0;
    for (const group of GROUPS) {
      describe(group.name, () => {
        for (const tc of group.cases) {
          const no = caseNo++;
          it(tc.name, { timeout: 60_000, todo: tc.todo }, async (tt) => {
            if (redis === null || dfly === null) {
              tt.skip(SKIP_NO_REDIS);
              return;
            }
            const failures: string[] = [];
            for (const v of VARIANTS) {
              try {
                await runCase(dfly.port, redis.port, threads, `tx${threads}:${no}:${v}`, tc, v);
              } catch (e) {
                const msg = (e as Error).message;
                failures.push(failures.length === 0 ? msg : msg.split('\nwhole transcript:')[0]);
              }
            }
            if (failures.length > 0) assert.fail(failures.join('\n\n'));
          });
        }
      });
    }
  });
}
