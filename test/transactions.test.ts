// MULTI/EXEC/DISCARD/WATCH/UNWATCH, differential against a real redis-server: each case is a script of
// steps on up to three clients per server (the same interleaving on both), run on Damselfly with 1, 2
// and 4 shard threads, in RESP2, RESP3, and with each client's consecutive steps pipelined; the raw
// reply bytes of every step must equal Redis's (but a blind step's: a random reply such as SPOP's). The
// WATCH groups pin down Redis's signalModifiedKey per command: a watched key is changed only by a
// command that really changed it, for every data type. Keys are chosen per case so that their shards
// differ (slot % 4 = 0, 1, 2, 3 lands on distinct shards at 2 and 4 threads), and some cases aim a key
// at a shard other than the client's own thread.
// Invariants: no sleeps — waiting for an expiry is a poll of PTTL on another key or connection until it
// answers -2; every case uses its own key namespace (FLUSHALL cases only affect the running case).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  stopChecked, REDIS_AVAILABLE, SKIP_NO_REDIS, RawClient, encodeCommand, show, showCommand, startDamselfly, startRedis, type Arg, type ServerHandle } from './harness.ts';
import { shardOfKey } from '../src/runtime/slots.ts';

// ---------------------------------------------------------------------------------------------
// Scripts

/**
 * A command on client `c`; or (poll) a command repeated on client `c` until it answers `until`; or
 * (blind) a command whose reply is random (SPOP), run on both servers but not compared.
 */
interface Step {
  c: number;
  cmd: Arg[];
  until?: string;
  blind?: boolean;
}

const A = (...cmd: Arg[]): Step => ({ c: 0, cmd });
const B = (...cmd: Arg[]): Step => ({ c: 1, cmd });
const C = (...cmd: Arg[]): Step => ({ c: 2, cmd });
/** Repeats cmd on client c (not compared) until its reply is `until`. */
const poll = (c: number, until: string, ...cmd: Arg[]): Step => ({ c, cmd, until });
/** Runs cmd on client B without comparing its (random) reply. */
const blindB = (...cmd: Arg[]): Step => ({ c: 1, cmd, blind: true });

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
        // (Of the string: a small list's encoding is Redis 7.2's listpack here, 7.0.15's quicklist.)
        A('OBJECT', 'ENCODING', k('a')),
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
    name: 'WATCH of a list: commands that change it',
    cases: [
      t('RPUSH and LPUSHX', (k) => [A('RPUSH', k('l'), 'a'), A('WATCH', k('l')), B('LPUSHX', k('l'), 'z'), A('MULTI'), A('PING'), A('EXEC'), A('WATCH', k('l')), B('RPUSH', k('l'), 'b'), A('MULTI'), A('PING'), A('EXEC')]),
      t('LPOP that leaves elements', (k) => [A('RPUSH', k('l'), 'a', 'b', 'c'), A('WATCH', k('l')), B('LPOP', k('l')), A('MULTI'), A('PING'), A('EXEC'), A('WATCH', k('l')), B('RPOP', k('l'), '1'), A('MULTI'), A('PING'), A('EXEC')]),
      t('LPOP of the last element', (k) => [A('RPUSH', k('l'), 'a'), A('WATCH', k('l')), B('LPOP', k('l'), '5'), A('MULTI'), A('PING'), A('EXEC'), A('EXISTS', k('l'))]),
      t('LSET in range', (k) => [A('RPUSH', k('l'), 'a', 'b'), A('WATCH', k('l')), B('LSET', k('l'), '-1', 'b'), A('MULTI'), A('PING'), A('EXEC')]),
      t('LINSERT at a pivot', (k) => [A('RPUSH', k('l'), 'a', 'b'), A('WATCH', k('l')), B('LINSERT', k('l'), 'AFTER', 'b', 'c'), A('MULTI'), A('PING'), A('EXEC')]),
      t('LREM of a present element', (k) => [A('RPUSH', k('l'), 'a', 'b', 'a'), A('WATCH', k('l')), B('LREM', k('l'), '-1', 'a'), A('MULTI'), A('PING'), A('EXEC')]),
      t('LTRIM keeping everything still counts', (k) => [A('RPUSH', k('l'), 'a', 'b'), A('WATCH', k('l')), B('LTRIM', k('l'), '0', '-1'), A('MULTI'), A('PING'), A('EXEC')]),
      t('LTRIM that removes elements', (k) => [A('RPUSH', k('l'), 'a', 'b', 'c'), A('WATCH', k('l')), B('LTRIM', k('l'), '1', '1'), A('MULTI'), A('PING'), A('EXEC')]),
      t('LMOVE rotating the list onto itself', (k) => [A('RPUSH', k('l'), 'a'), A('WATCH', k('l')), B('LMOVE', k('l'), k('l'), 'LEFT', 'RIGHT'), A('MULTI'), A('PING'), A('EXEC')]),
      t('LMOVE out of the watched list, to another shard', (k) => [A('RPUSH', k('l'), 'a', 'b'), A('WATCH', k('l')), B('LMOVE', k('l'), k('d', 1), 'LEFT', 'LEFT'), A('MULTI'), A('PING'), A('EXEC')]),
      t('RPOPLPUSH into the watched list, from another shard', (k) => [A('RPUSH', k('l', 2), 'a'), A('RPUSH', k('src', 3), 'x', 'y'), A('WATCH', k('l', 2)), B('RPOPLPUSH', k('src', 3), k('l', 2)), A('MULTI'), A('PING'), A('EXEC')]),
      t('LMPOP of the watched list after a missing key', (k) => [A('RPUSH', k('l', 1), 'a', 'b'), A('WATCH', k('l', 1)), B('LMPOP', '2', k('none'), k('l', 1), 'RIGHT'), A('MULTI'), A('PING'), A('EXEC')]),
      t('BLPOP served at once', (k) => [A('RPUSH', k('l'), 'a', 'b'), A('WATCH', k('l')), B('BLPOP', k('l'), '0'), A('MULTI'), A('PING'), A('EXEC')]),
      t('SORT ... STORE onto the watched list', (k) => [A('RPUSH', k('l'), 'a'), A('RPUSH', k('src'), '3', '1'), A('WATCH', k('l')), B('SORT', k('src'), 'STORE', k('l')), A('MULTI'), A('PING'), A('EXEC')]),
      t('EXPIRE and PERSIST of a list', (k) => [A('RPUSH', k('l'), 'a'), A('WATCH', k('l')), B('EXPIRE', k('l'), '100'), A('MULTI'), A('PING'), A('EXEC'), A('WATCH', k('l')), B('PERSIST', k('l')), A('MULTI'), A('PING'), A('EXEC')]),
    ],
  },
  {
    name: 'WATCH of a list: commands that change nothing',
    cases: [
      t('LREM of a missing element', (k) => [A('RPUSH', k('l'), 'a', 'b'), A('WATCH', k('l')), B('LREM', k('l'), '0', 'zz'), A('MULTI'), A('PING'), A('EXEC')]),
      t('LINSERT with a missing pivot', (k) => [A('RPUSH', k('l'), 'a', 'b'), A('WATCH', k('l')), B('LINSERT', k('l'), 'BEFORE', 'zz', 'q'), A('MULTI'), A('PING'), A('EXEC')]),
      t('LSET out of range', (k) => [A('RPUSH', k('l'), 'a', 'b'), A('WATCH', k('l')), B('LSET', k('l'), '9', 'x'), A('MULTI'), A('PING'), A('EXEC')]),
      t('PERSIST of a list without TTL', (k) => [A('RPUSH', k('l'), 'a', 'b'), A('WATCH', k('l')), B('PERSIST', k('l')), A('MULTI'), A('PING'), A('EXEC')]),
      t('RENAME of the list onto itself', (k) => [A('RPUSH', k('l'), 'a', 'b'), A('WATCH', k('l')), B('RENAME', k('l'), k('l')), A('MULTI'), A('PING'), A('EXEC')]),
      t('WRONGTYPE commands on the list', (k) => [A('RPUSH', k('l'), 'a', 'b'), A('WATCH', k('l')), B('INCR', k('l')), B('APPEND', k('l'), 'x'), B('SADD', k('l'), 'x'), B('HSET', k('l'), 'f', 'v'), B('ZADD', k('l'), '1', 'x'), A('MULTI'), A('PING'), A('EXEC')]),
      t('SET NX on the list', (k) => [A('RPUSH', k('l'), 'a', 'b'), A('WATCH', k('l')), B('SET', k('l'), 'x', 'NX'), A('MULTI'), A('PING'), A('EXEC')]),
      t('LPOP with count 0', (k) => [A('RPUSH', k('l'), 'a', 'b'), A('WATCH', k('l')), B('LPOP', k('l'), '0'), A('MULTI'), A('PING'), A('EXEC')]),
      t('reads of the list', (k) => [A('RPUSH', k('l'), 'a', 'b'), A('WATCH', k('l')), B('LRANGE', k('l'), '0', '-1'), B('LINDEX', k('l'), '0'), B('LPOS', k('l'), 'b'), B('LLEN', k('l')), B('SORT', k('l'), 'ALPHA'), A('MULTI'), A('PING'), A('EXEC')]),
      t('LPUSHX and RPOP of the missing watched key', (k) => [A('WATCH', k('l')), B('LPUSHX', k('l'), 'a'), B('RPOP', k('l')), B('LTRIM', k('l'), '0', '1'), B('LREM', k('l'), '0', 'a'), A('MULTI'), A('PING'), A('EXEC')]),
      t('LMOVE to a WRONGTYPE destination leaves the source', (k) => [A('RPUSH', k('l'), 'a'), A('SET', k('str', 1), 'x'), A('WATCH', k('l')), B('LMOVE', k('l'), k('str', 1), 'LEFT', 'LEFT'), A('MULTI'), A('PING'), A('EXEC')]),
      t('LMOVE from a missing source into the watched list', (k) => [A('RPUSH', k('l', 2), 'a'), A('WATCH', k('l', 2)), B('LMOVE', k('none', 3), k('l', 2), 'LEFT', 'LEFT'), A('MULTI'), A('PING'), A('EXEC')]),
      t('EXPIRE NX of a list with a TTL', (k) => [A('RPUSH', k('l'), 'a'), A('EXPIRE', k('l'), '100'), A('WATCH', k('l')), B('EXPIRE', k('l'), '50', 'NX'), B('EXPIRE', k('l'), '200', 'LT'), A('MULTI'), A('PING'), A('EXEC')]),
    ],
  },
  {
    name: 'WATCH of a hash',
    cases: [
      t('HSET of a new field', (k) => [A('HSET', k('h'), 'f', 'v'), A('WATCH', k('h')), B('HSET', k('h'), 'g', 'w'), A('MULTI'), A('PING'), A('EXEC')]),
      t('HSET and HMSET of the same value still count', (k) => [A('HSET', k('h'), 'f', 'v'), A('WATCH', k('h')), B('HSET', k('h'), 'f', 'v'), A('MULTI'), A('PING'), A('EXEC'), A('WATCH', k('h')), B('HMSET', k('h'), 'f', 'v'), A('MULTI'), A('PING'), A('EXEC')]),
      t('HSETNX of a new field', (k) => [A('HSET', k('h'), 'f', 'v'), A('WATCH', k('h')), B('HSETNX', k('h'), 'g', 'w'), A('MULTI'), A('PING'), A('EXEC')]),
      t('HDEL of a present field', (k) => [A('HSET', k('h'), 'f', 'v', 'g', 'w'), A('WATCH', k('h')), B('HDEL', k('h'), 'zz', 'f'), A('MULTI'), A('PING'), A('EXEC')]),
      t('HDEL of the last field', (k) => [A('HSET', k('h'), 'f', 'v'), A('WATCH', k('h')), B('HDEL', k('h'), 'f'), A('MULTI'), A('PING'), A('EXEC')]),
      t('HINCRBY and HINCRBYFLOAT by 0 still count', (k) => [A('HSET', k('h'), 'n', '1'), A('WATCH', k('h')), B('HINCRBY', k('h'), 'n', '0'), A('MULTI'), A('PING'), A('EXEC'), A('WATCH', k('h')), B('HINCRBYFLOAT', k('h'), 'n', '0'), A('MULTI'), A('PING'), A('EXEC')]),
      t('HINCRBY creating the watched hash', (k) => [A('WATCH', k('h')), B('HINCRBY', k('h'), 'n', '5'), A('MULTI'), A('PING'), A('EXEC')]),
      t('HSETNX of a present field', (k) => [A('HSET', k('h'), 'f', 'v'), A('WATCH', k('h')), B('HSETNX', k('h'), 'f', 'other'), A('MULTI'), A('PING'), A('EXEC')]),
      t('HDEL of missing fields', (k) => [A('HSET', k('h'), 'f', 'v'), A('WATCH', k('h'), k('none')), B('HDEL', k('h'), 'zz', 'yy'), B('HDEL', k('none'), 'f'), A('MULTI'), A('PING'), A('EXEC')]),
      t('HINCRBY / HINCRBYFLOAT errors', (k) => [
        A('HSET', k('h'), 's', 'text', 'n', '9223372036854775807'),
        A('WATCH', k('h')),
        B('HINCRBY', k('h'), 's', '1'),
        B('HINCRBY', k('h'), 'n', '1'),
        B('HINCRBYFLOAT', k('h'), 's', '1'),
        B('HINCRBYFLOAT', k('h'), 'n', 'nan'),
        A('MULTI'),
        A('PING'),
        A('EXEC'),
      ]),
      t('reads and WRONGTYPE commands on the hash', (k) => [
        A('HSET', k('h'), 'f', 'v'),
        A('WATCH', k('h')),
        B('HGET', k('h'), 'f'),
        B('HGETALL', k('h')),
        B('HLEN', k('h')),
        B('HSCAN', k('h'), '0'),
        B('LPUSH', k('h'), 'x'),
        B('SREM', k('h'), 'f'),
        B('ZINCRBY', k('h'), '1', 'f'),
        A('MULTI'),
        A('PING'),
        A('EXEC'),
      ]),
    ],
  },
  {
    name: 'WATCH of a set',
    cases: [
      t('SADD of a new member', (k) => [A('SADD', k('s'), 'a'), A('WATCH', k('s')), B('SADD', k('s'), 'a', 'b'), A('MULTI'), A('PING'), A('EXEC')]),
      t('SREM of a present member', (k) => [A('SADD', k('s'), 'a', 'b'), A('WATCH', k('s')), B('SREM', k('s'), 'zz', 'a'), A('MULTI'), A('PING'), A('EXEC')]),
      t('SREM of the last member', (k) => [A('SADD', k('s'), 'a'), A('WATCH', k('s')), B('SREM', k('s'), 'a'), A('MULTI'), A('PING'), A('EXEC')]),
      t('SPOP, and SPOP with a count', (k) => [
        A('SADD', k('s'), '1', '2', '3', '4', '5', '6', '7'),
        A('WATCH', k('s')),
        blindB('SPOP', k('s')),
        A('MULTI'),
        A('PING'),
        A('EXEC'),
        A('WATCH', k('s')),
        blindB('SPOP', k('s'), '1'),
        A('MULTI'),
        A('PING'),
        A('EXEC'),
        A('WATCH', k('s')),
        blindB('SPOP', k('s'), '4'),
        A('MULTI'),
        A('PING'),
        A('EXEC'),
        A('SCARD', k('s')),
      ]),
      t('SMOVE out of the watched set, same shard and across', (k) => [
        A('SADD', k('s'), 'a', 'b', 'c'),
        A('WATCH', k('s')),
        B('SMOVE', k('s'), k('d'), 'a'),
        A('MULTI'),
        A('PING'),
        A('EXEC'),
        A('WATCH', k('s')),
        B('SMOVE', k('s'), k('e', 1), 'b'),
        A('MULTI'),
        A('PING'),
        A('EXEC'),
      ]),
      t('SMOVE of a new member into the watched set', (k) => [A('SADD', k('s', 2), 'x'), A('SADD', k('src', 2), 'a', 'b'), A('SADD', k('far', 3), 'c', 'd'), A('WATCH', k('s', 2)), B('SMOVE', k('src', 2), k('s', 2), 'a'), A('MULTI'), A('PING'), A('EXEC'), A('WATCH', k('s', 2)), B('SMOVE', k('far', 3), k('s', 2), 'c'), A('MULTI'), A('PING'), A('EXEC')]),
      t('SINTERSTORE / SUNIONSTORE onto the watched key', (k) => [A('SADD', k('s'), 'x'), A('SADD', k('a'), '1', '2'), A('SADD', k('b', 1), '2'), A('WATCH', k('s')), B('SINTERSTORE', k('s'), k('a'), k('b', 1)), A('MULTI'), A('PING'), A('EXEC'), A('WATCH', k('s')), B('SUNIONSTORE', k('s'), k('a')), A('MULTI'), A('PING'), A('EXEC')]),
      t('SADD of present members', (k) => [A('SADD', k('s'), 'a', 'b'), A('WATCH', k('s')), B('SADD', k('s'), 'b', 'a'), A('MULTI'), A('PING'), A('EXEC')]),
      t('SREM of missing members', (k) => [A('SADD', k('s'), 'a'), A('WATCH', k('s')), B('SREM', k('s'), 'zz', 'yy'), A('MULTI'), A('PING'), A('EXEC')]),
      t('SPOP with count 0', (k) => [A('SADD', k('s'), 'a'), A('WATCH', k('s')), B('SPOP', k('s'), '0'), A('MULTI'), A('PING'), A('EXEC')]),
      t('SMOVE of a missing member, and of the set onto itself', (k) => [A('SADD', k('s'), 'a'), A('WATCH', k('s')), B('SMOVE', k('s'), k('d'), 'zz'), B('SMOVE', k('s'), k('e', 1), 'zz'), B('SMOVE', k('s'), k('s'), 'a'), A('MULTI'), A('PING'), A('EXEC')]),
      t('SMOVE of a member the watched set already has', (k) => [A('SADD', k('s', 2), 'a'), A('SADD', k('src', 2), 'a', 'b'), A('SADD', k('far', 3), 'a', 'c'), A('WATCH', k('s', 2)), B('SMOVE', k('src', 2), k('s', 2), 'a'), B('SMOVE', k('far', 3), k('s', 2), 'a'), A('MULTI'), A('PING'), A('EXEC')]),
      t('SMOVE to a WRONGTYPE destination leaves the source', (k) => [A('SADD', k('s'), 'a'), A('SET', k('str'), 'x'), A('SET', k('str2', 1), 'x'), A('WATCH', k('s')), B('SMOVE', k('s'), k('str'), 'a'), B('SMOVE', k('s'), k('str2', 1), 'a'), A('MULTI'), A('PING'), A('EXEC')]),
      t('an empty SINTERSTORE onto the missing watched key', (k) => [A('SADD', k('a'), '1'), A('SADD', k('b', 1), '2'), A('WATCH', k('s')), B('SINTERSTORE', k('s'), k('a'), k('b', 1)), B('SDIFFSTORE', k('s'), k('a'), k('a')), A('MULTI'), A('PING'), A('EXEC')]),
      t('reads of the set, also as a source of a STORE', (k) => [
        A('SADD', k('s'), '1', '2'),
        A('WATCH', k('s')),
        B('SMEMBERS', k('s')),
        B('SISMEMBER', k('s'), '1'),
        B('SCARD', k('s')),
        blindB('SRANDMEMBER', k('s'), '-3'),
        B('SUNIONSTORE', k('d'), k('s')),
        B('SINTERSTORE', k('d', 1), k('s'), k('s')),
        A('MULTI'),
        A('PING'),
        A('EXEC'),
      ]),
    ],
  },
  {
    name: 'WATCH of a sorted set',
    cases: [
      t('ZADD of a new member, and of a new score', (k) => [A('ZADD', k('z'), '1', 'a'), A('WATCH', k('z')), B('ZADD', k('z'), '2', 'b'), A('MULTI'), A('PING'), A('EXEC'), A('WATCH', k('z')), B('ZADD', k('z'), '5', 'a'), A('MULTI'), A('PING'), A('EXEC')]),
      t('ZADD XX CH / GT / LT that update', (k) => [
        A('ZADD', k('z'), '5', 'a'),
        A('WATCH', k('z')),
        B('ZADD', k('z'), 'XX', 'CH', '6', 'a'),
        A('MULTI'),
        A('PING'),
        A('EXEC'),
        A('WATCH', k('z')),
        B('ZADD', k('z'), 'GT', '7', 'a'),
        A('MULTI'),
        A('PING'),
        A('EXEC'),
        A('WATCH', k('z')),
        B('ZADD', k('z'), 'LT', 'CH', '1', 'a'),
        A('MULTI'),
        A('PING'),
        A('EXEC'),
      ]),
      t('ZINCRBY by a non-zero amount', (k) => [A('ZADD', k('z'), '1', 'a'), A('WATCH', k('z')), B('ZINCRBY', k('z'), '0.5', 'a'), A('MULTI'), A('PING'), A('EXEC')]),
      t('ZREM of a present member', (k) => [A('ZADD', k('z'), '1', 'a', '2', 'b'), A('WATCH', k('z')), B('ZREM', k('z'), 'zz', 'a'), A('MULTI'), A('PING'), A('EXEC')]),
      t('ZREMRANGEBYSCORE / BYRANK / BYLEX that remove', (k) => [
        A('ZADD', k('z'), '0', 'a', '0', 'b', '0', 'c', '0', 'd'),
        A('WATCH', k('z')),
        B('ZREMRANGEBYSCORE', k('z'), '-inf', '(0'),
        B('ZREMRANGEBYLEX', k('z'), '[a', '[a'),
        A('MULTI'),
        A('PING'),
        A('EXEC'),
        A('WATCH', k('z')),
        B('ZREMRANGEBYRANK', k('z'), '-1', '-1'),
        A('MULTI'),
        A('PING'),
        A('EXEC'),
        A('ZRANGE', k('z'), '0', '-1'),
      ]),
      t('ZPOPMIN / ZPOPMAX / ZMPOP', (k) => [
        A('ZADD', k('z'), '1', 'a', '2', 'b', '3', 'c', '4', 'd'),
        A('WATCH', k('z')),
        B('ZPOPMIN', k('z')),
        A('MULTI'),
        A('PING'),
        A('EXEC'),
        A('WATCH', k('z')),
        B('ZPOPMAX', k('z'), '1'),
        A('MULTI'),
        A('PING'),
        A('EXEC'),
        A('WATCH', k('z')),
        B('ZMPOP', '2', k('none'), k('z'), 'MIN'),
        A('MULTI'),
        A('PING'),
        A('EXEC'),
        A('WATCH', k('z')),
        B('BZPOPMAX', k('z'), '0'),
        A('MULTI'),
        A('PING'),
        A('EXEC'),
        A('EXISTS', k('z')),
      ]),
      t('ZUNIONSTORE / ZRANGESTORE onto the watched key', (k) => [A('ZADD', k('z'), '1', 'x'), A('ZADD', k('a', 1), '1', 'p'), A('WATCH', k('z')), B('ZUNIONSTORE', k('z'), '1', k('a', 1)), A('MULTI'), A('PING'), A('EXEC'), A('WATCH', k('z')), B('ZRANGESTORE', k('z'), k('a', 1), '0', '-1'), A('MULTI'), A('PING'), A('EXEC')]),
      t('ZADD of the same score, NX of a present member, XX of a missing one', (k) => [
        A('ZADD', k('z'), '1', 'a'),
        A('WATCH', k('z')),
        B('ZADD', k('z'), '1', 'a'),
        B('ZADD', k('z'), 'NX', '5', 'a'),
        B('ZADD', k('z'), 'XX', '5', 'b'),
        B('ZADD', k('z'), 'CH', '1', 'a'),
        A('MULTI'),
        A('PING'),
        A('EXEC'),
      ]),
      t('ZADD GT / LT whose condition fails', (k) => [A('ZADD', k('z'), '5', 'a'), A('WATCH', k('z')), B('ZADD', k('z'), 'GT', '4', 'a'), B('ZADD', k('z'), 'LT', 'CH', '6', 'a'), B('ZADD', k('z'), 'GT', 'INCR', '-1', 'a'), A('MULTI'), A('PING'), A('EXEC')]),
      t('ZINCRBY by 0 changes nothing', (k) => [A('ZADD', k('z'), '1', 'a'), A('WATCH', k('z')), B('ZINCRBY', k('z'), '0', 'a'), B('ZADD', k('z'), 'INCR', '0', 'a'), A('MULTI'), A('PING'), A('EXEC')]),
      t('ZINCRBY to NaN is an error that changes nothing', (k) => [A('ZADD', k('z'), 'inf', 'a'), A('WATCH', k('z')), B('ZINCRBY', k('z'), '-inf', 'a'), A('MULTI'), A('PING'), A('EXEC'), A('ZSCORE', k('z'), 'a')]),
      t('ZREM and ZREMRANGEBY* that remove nothing', (k) => [
        A('ZADD', k('z'), '1', 'a', '2', 'b'),
        A('WATCH', k('z')),
        B('ZREM', k('z'), 'zz'),
        B('ZREMRANGEBYSCORE', k('z'), '5', '6'),
        B('ZREMRANGEBYRANK', k('z'), '5', '6'),
        B('ZREMRANGEBYLEX', k('z'), '[x', '[y'),
        A('MULTI'),
        A('PING'),
        A('EXEC'),
      ]),
      t('ZPOPMIN with count 0, and pops of a missing key', (k) => [A('ZADD', k('z'), '1', 'a'), A('WATCH', k('z'), k('none')), B('ZPOPMIN', k('z'), '0'), B('ZPOPMAX', k('none')), B('ZMPOP', '1', k('none'), 'MAX'), A('MULTI'), A('PING'), A('EXEC')]),
      t('reads of the sorted set, also as a source of a STORE', (k) => [
        A('ZADD', k('z'), '1', 'a', '2', 'b'),
        A('WATCH', k('z')),
        B('ZRANGE', k('z'), '0', '-1', 'WITHSCORES'),
        B('ZSCORE', k('z'), 'a'),
        B('ZRANK', k('z'), 'b'),
        B('ZCOUNT', k('z'), '-inf', '+inf'),
        B('ZUNIONSTORE', k('d', 1), '1', k('z')),
        B('ZRANGESTORE', k('d', 2), k('z'), '0', '0'),
        B('ZINTERCARD', '1', k('z')),
        A('MULTI'),
        A('PING'),
        A('EXEC'),
      ]),
      t('EXPIRE GT unmet and PERSIST without TTL of a sorted set', (k) => [A('ZADD', k('z'), '1', 'a'), A('WATCH', k('z')), B('EXPIRE', k('z'), '100', 'GT'), B('PERSIST', k('z')), B('EXPIRE', k('none'), '100'), A('MULTI'), A('PING'), A('EXEC')]),
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
      for (; i < j; i++) {
        const r = await cl.readReply();
        out.push(steps[i].blind === true ? null : r);
      }
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
      await stopChecked(dfly);
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
