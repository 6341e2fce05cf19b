// Server commands against a real redis-server: COMMAND INFO/DOCS/GETKEYS byte-exact per command
// (subcommands compared one by one, since Redis lists them in hash order), CONFIG GET/SET errors,
// CLUSTER KEYSLOT (against a cluster-enabled Redis), help texts, TIME/LASTSAVE shapes (INFO is in
// info.test.ts). Skips when redis-server is not installed.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSpecs } from '../server/command-table.ts';
import {
  REDIS_AVAILABLE, SKIP_NO_REDIS, RawClient, diff, replyLength, show, startDamselfly, startRedis, type Arg, type ServerHandle,
} from '../../test/harness.ts';

/** A decoded reply that keeps its exact bytes. */
interface Node {
  type: string;
  raw: Buffer;
  /** Simple/bulk/verbatim/integer text. */
  text: string;
  items: Node[];
}

function decode(buf: Buffer, pos = 0): Node {
  const len = replyLength(buf, pos);
  assert.ok(len > 0, 'incomplete reply');
  const raw = buf.subarray(pos, pos + len);
  const type = String.fromCharCode(buf[pos]);
  const cr = buf.indexOf(0x0d, pos);
  const line = buf.toString('latin1', pos + 1, cr);
  const node: Node = { type, raw, text: line, items: [] };
  if (type === '$' || type === '=') {
    const n = Number(line);
    node.text = n < 0 ? '' : buf.toString('latin1', cr + 2, cr + 2 + n);
  } else if (type === '*' || type === '~' || type === '%') {
    const n = Number(line) * (type === '%' ? 2 : 1);
    let at = cr + 2;
    for (let i = 0; i < n; i++) {
      const child = decode(buf, at);
      node.items.push(child);
      at += child.raw.length;
    }
  }
  return node;
}

/** Pairs of a map (RESP3 %) or a flat RESP2 array. */
function pairs(n: Node): [string, Node][] {
  const out: [string, Node][] = [];
  for (let i = 0; i < n.items.length; i += 2) out.push([n.items[i].text, n.items[i + 1]]);
  return out;
}

/** Whether a command's docs record a change (history entry) in a Redis version after `ref`. */
function changedSince(docs: [string, Node][], ref: string): boolean {
  const history = docs.find((p) => p[0] === 'history');
  if (history === undefined) return false;
  const num = (v: string): number[] => v.split('.').map(Number);
  const [r0, r1, r2] = num(ref);
  return history[1].items.some((h) => {
    const [a, b, c] = num(h.items[0].text);
    return a !== r0 ? a > r0 : b !== r1 ? b > r1 : c > r2;
  });
}

/** The "# Section" names and the key:value fields of an INFO text. */
function parseInfo(text: string): { sections: string[]; fields: Map<string, string> } {
  const sections: string[] = [];
  const fields = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    if (line.startsWith('# ')) sections.push(line.slice(2));
    else if (line.includes(':')) fields.set(line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1));
  }
  return { sections, fields };
}

describe('server commands vs redis-server', { skip: REDIS_AVAILABLE ? false : SKIP_NO_REDIS, timeout: 60_000 }, () => {
  let df: ServerHandle;
  let redis: ServerHandle;
  let clusterRedis: ServerHandle;
  let clusterDir: string;
  let d2: RawClient;
  let r2: RawClient;
  let d3: RawClient;
  let r3: RawClient;
  const clients: RawClient[] = [];
  const targets = (): { damselfly: number; redis: number } => ({ damselfly: df.port, redis: redis.port });

  before(async () => {
    clusterDir = mkdtempSync(join(tmpdir(), 'damselfly-cluster-'));
    [df, redis, clusterRedis] = await Promise.all([
      // No limit, as the reference server has by default (ours defaults to a share of the machine's memory).
      startDamselfly({ threads: 2, args: ['--maxmemory=0'] }),
      startRedis(),
      startRedis(['--cluster-enabled', 'yes', '--cluster-config-file', join(clusterDir, 'nodes.conf'), '--dir', clusterDir]),
    ]);
    [d2, r2, d3, r3] = await Promise.all([RawClient.connect(df.port), RawClient.connect(redis.port), RawClient.connect(df.port), RawClient.connect(redis.port)]);
    clients.push(d2, r2, d3, r3);
    await Promise.all([d3.call(['HELLO', '3']), r3.call(['HELLO', '3'])]);
  });

  after(async () => {
    for (const c of clients) c.close();
    await Promise.all([df?.stop(), redis?.stop(), clusterRedis?.stop()]);
    rmSync(clusterDir, { recursive: true, force: true });
  });

  /** Every top-level command name Damselfly knows. */
  /** Commands whose spec follows a Redis newer than the reference server (ZRANK/ZREVRANK WITHSCORE: 7.2). */
  const NEWER_THAN_REFERENCE = new Set(['zrank', 'zrevrank']);

  async function ourCommands(): Promise<string[]> {
    const list = decode(await d2.call(['COMMAND', 'LIST']));
    return list.items.map((n) => n.text).filter((n) => !n.includes('|') && !NEWER_THAN_REFERENCE.has(n));
  }

  it('COMMAND INFO matches Redis byte for byte (each subcommand separately), RESP2 and RESP3', async () => {
    let compared = 0;
    for (const [d, r] of [[d2, r2], [d3, r3]] as const) {
      for (const name of await ourCommands()) {
        const ours = decode(await d.call(['COMMAND', 'INFO', name]));
        const theirs = decode(await r.call(['COMMAND', 'INFO', name]));
        const o = ours.items[0];
        const t = theirs.items[0];
        if (t.type === '_' || (t.type === '$' && t.text === '')) continue; // newer than the reference
        assert.equal(o.items.length, 10, name);
        for (let i = 0; i < 9; i++) assert.equal(show(o.items[i].raw), show(t.items[i].raw), `${name} field ${i}`);
        const theirSubs = new Map(t.items[9].items.map((s) => [s.items[0].text, s]));
        for (const sub of o.items[9].items) {
          const ts = theirSubs.get(sub.items[0].text);
          if (ts === undefined) continue; // a subcommand newer than the reference
          assert.equal(show(sub.raw), show(ts.raw), sub.items[0].text);
        }
        compared++;
      }
    }
    assert.ok(compared > 100, `compared ${compared}`);
    await diff(targets(), [['COMMAND', 'INFO', 'get', 'nosuch', 'client|list', 'GET|x', 'CLIENT|ID'], ['COMMAND', 'INFO', 'mset', 'set', 'lcs']]);
    await diff(targets(), [['COMMAND', 'INFO', 'get', 'nosuch', 'config|get', 'a|b|c']], { resp3: true });
  });

  it('COMMAND DOCS matches Redis byte for byte (each subcommand separately)', async () => {
    for (const [d, r] of [[d2, r2], [d3, r3]] as const) {
      for (const name of await ourCommands()) {
        const ours = decode(await d.call(['COMMAND', 'DOCS', name]));
        const theirs = decode(await r.call(['COMMAND', 'DOCS', name]));
        if (theirs.items.length === 0) continue;
        const o = pairs(pairs(ours)[0][1]);
        const t = pairs(pairs(theirs)[0][1]);
        if (changedSince(o, '7.0.15')) continue; // documents a change newer than the reference (HSCAN NOVALUES)
        assert.deepEqual(o.map((p) => p[0]), t.map((p) => p[0]), `${name} keys`);
        for (let i = 0; i < o.length; i++) {
          if (o[i][0] !== 'subcommands') {
            assert.equal(show(o[i][1].raw), show(t[i][1].raw), `${name} ${o[i][0]}`);
            continue;
          }
          const theirSubs = new Map(pairs(t[i][1]));
          for (const [sub, docs] of pairs(o[i][1])) {
            const ts = theirSubs.get(sub);
            if (ts !== undefined) assert.equal(show(docs.raw), show(ts.raw), sub);
          }
        }
      }
    }
    await diff(targets(), [['COMMAND', 'DOCS', 'nosuch'], ['COMMAND', 'DOCS', 'get', 'nosuch', 'set'], ['COMMAND', 'DOCS', 'client|list']]);
    await diff(targets(), [['COMMAND', 'DOCS', 'getset', 'client|kill']], { resp3: true });
  });

  it('COMMAND, COMMAND COUNT and COMMAND LIST agree, and never show internal commands', async () => {
    const count = Number(decode(await d2.call(['COMMAND', 'COUNT'])).text);
    const all = decode(await d2.call(['COMMAND']));
    assert.equal(all.items.length, count);
    const names = all.items.map((n) => n.items[0].text);
    assert.ok(names.every((n) => !n.startsWith('__')), 'internal command listed');
    const list = decode(await d2.call(['COMMAND', 'LIST'])).items.map((n) => n.text);
    assert.ok(list.every((n) => !n.startsWith('__')));
    assert.deepEqual(list.filter((n) => !n.includes('|')).sort(), [...names].sort());
    assert.ok(list.includes('client|list') && list.includes('config|get'));
    // Filters: ours is the subset of Redis's that we implement.
    const theirs = new Set(decode(await r2.call(['COMMAND', 'LIST'])).items.map((n) => n.text));
    for (const f of [['PATTERN', 'cl*'], ['ACLCAT', 'string'], ['ACLCAT', 'keyspace'], ['ACLCAT', 'nosuch'], ['MODULE', 'x'], ['pattern', '*|HELP']]) {
      const o = decode(await d2.call(['COMMAND', 'LIST', 'FILTERBY', ...f])).items.map((n) => n.text);
      const t = decode(await r2.call(['COMMAND', 'LIST', 'FILTERBY', ...f])).items.map((n) => n.text);
      const expected = t.filter((n) => list.includes(n) && theirs.has(n)).sort();
      assert.deepEqual(o.filter((n) => theirs.has(n)).sort(), expected, f.join(' '));
    }
    await diff(targets(), [
      ['COMMAND', 'LIST', 'FILTERBY', 'foo', 'x'],
      ['COMMAND', 'LIST', 'x'],
      ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN'],
      ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'a', 'FILTERBY', 'PATTERN', 'b'],
      ['COMMAND', 'COUNT', 'x'],
      ['COMMAND', 'foo'],
      ['COMMAND', 'HELP'],
    ]);
  });

  it('COMMAND GETKEYS / GETKEYSANDFLAGS match Redis', async () => {
    const cases: Arg[][] = [
      ['get', 'a'], ['set', 'a', 'b'], ['set', 'a', 'b', 'GET'], ['set', 'a', 'b', 'ex', '10', 'get'], ['mset', 'a', '1', 'b', '2'],
      ['mset', 'a'], ['mset', 'a', '1', 'b'], ['mget', 'a', 'b', 'c'], ['del', 'x', 'y'], ['lcs', 'a', 'b'], ['rename', 'a', 'b'],
      ['copy', 'a', 'b', 'DB', '1'], ['object', 'encoding', 'k'], ['object', 'help'], ['getex', 'a', 'persist'], ['ping'], ['client', 'list'],
      ['config', 'get', 'x'], ['nosuch', 'a'], ['get|x', 'a'], ['get', 'a', 'b'], ['expire', 'a', '10'], ['msetnx', 'a', '1'],
      ['touch', 'a', 'b'], ['exists', 'k'], ['getset', 'k', 'v'], ['incr', 'k'], ['client'], ['object', 'nosuch', 'k'],
    ];
    const cmds: Arg[][] = [];
    for (const c of cases) cmds.push(['COMMAND', 'GETKEYS', ...c], ['COMMAND', 'GETKEYSANDFLAGS', ...c]);
    cmds.push(['COMMAND', 'GETKEYS'], ['COMMAND', 'GETKEYS', 'get']);
    await diff(targets(), cmds);
    await diff(targets(), cmds, { resp3: true });
  });

  it('COMMAND GETKEYS / GETKEYSANDFLAGS edge cases (keynum counts, getkeys functions, arity) match Redis', async () => {
    const cases: Arg[][] = [
      // keynum: Redis's string2ll, then its getkeys function (atoi, flags left empty) when the spec fails.
      ['zunionstore', 'd', '1', 'a'], ['zunionstore', 'd', '2', 'a', 'b', 'WEIGHTS', '1', '2'], ['zunionstore', 'd', '1x', 'a', 'b'],
      ['zunionstore', 'd', '01', 'a'], ['zunionstore', 'd', '+1', 'a'], ['zunionstore', 'd', ' 1', 'a'], ['zunionstore', 'd', '-1', 'a'],
      ['zunionstore', 'd', '0', 'a'], ['zunionstore', 'd', '3', 'a', 'b'], ['zunionstore', 'd', 'x', 'a'], ['zunionstore', 'd', '4294967297', 'a'],
      ['zinterstore', 'd', '2', 'a'], ['zdiffstore', 'd', '2x', 'a', 'b'], ['zunion', '2', 'a', 'b'], ['zunion', '18446744073709551617', 'a'],
      ['zunion', '2147483648', 'a'], ['zunion', '4294967297', 'a'], ['zinter', '1', 'a', 'b'], ['zdiff', '1x', 'a'], ['zintercard', '1x', 'a'],
      ['zintercard', '2', 'a', 'b', 'LIMIT', '1'], ['sintercard', '0', 'a'], ['sintercard', '1x', 'a'], ['sintercard', '2', 'a'],
      ['lmpop', '2', 'a', 'b', 'left'], ['lmpop', '1x', 'a', 'left'], ['lmpop', '-1', 'a', 'left'], ['blmpop', '0', '1x', 'a', 'left'],
      ['blmpop', '0', '2', 'a', 'b', 'left'], ['zmpop', '1', 'a', 'min'], ['zmpop', '9', 'a', 'min'], ['bzmpop', '0', '1', 'a', 'max'],
      // SORT / SORT_RO: the specs cannot say, the getkeys function does.
      ['sort', 'a'], ['sort', 'a', 'store', 'b'], ['sort', 'a', 'STORE'], ['sort', 'a', 'limit', '0', '1', 'store', 'b'],
      ['sort', 'a', 'by', 'w_*', 'get', '#', 'store', 'b'], ['sort_ro', 'a', 'by', 'x'],
      // SET's variable flags: GET in any case, as the only word.
      ['set', 'a', 'b', 'gEt'], ['set', 'a', 'b', 'getx'], ['set', 'a', 'get', 'b'], ['set', 'a', 'b', 'NX', 'GET'],
      // ranges: every other argument, a trailing timeout, odd counts.
      ['mset', 'a', '1', 'b', '2', 'c'], ['msetnx', 'a', '1', 'b'], ['blpop', 'a', 'b', '0'], ['brpop', 'a', '0'], ['bzpopmin', 'a', 'b', '1'],
      ['blmove', 'a', 'b', 'left', 'right', '0'], ['lmove', 'a', 'b', 'left', 'right'], ['smove', 'a', 'b', 'm'], ['zrangestore', 'd', 's', '0', '-1'],
      ['memory', 'usage', 'k'], ['memory', 'usage', 'k', 'SAMPLES', '5'], ['object', 'freq', 'k'],
      // no keys, unknown subcommands, arity.
      ['keys', '*'], ['dbsize'], ['flushall'], ['select', '1'], ['exec'], ['zunionstore', 'd'], ['sort'], ['lmpop', '1'], ['memory', 'nosuch', 'k'],
      ['memory'], ['object', 'encoding'], ['GET', 'a'], ['ZUNIONSTORE', 'D', '1', 'A'],
    ];
    const cmds: Arg[][] = [];
    for (const c of cases) cmds.push(['COMMAND', 'GETKEYS', ...c], ['COMMAND', 'GETKEYSANDFLAGS', ...c]);
    cmds.push(['COMMAND', 'GETKEYSANDFLAGS'], ['COMMAND', 'GETKEYSANDFLAGS', 'get']);
    await diff(targets(), cmds);
    await diff(targets(), cmds, { resp3: true });
  });

  it('COMMAND GETKEYS / GETKEYSANDFLAGS for every keyed command Redis 7.0 has, at several argument counts, match Redis', async () => {
    const cmds: Arg[][] = [];
    for (const { spec } of loadSpecs()) {
      // (Only what Redis 7.0 has as we have it: no command or change from a later version.)
      const later = (v: unknown): boolean => !/^[1-6]\.|^7\.0\./.test(String(v));
      const history = (spec.docs.history ?? []) as [string, string][];
      if (spec.key_specs.length === 0 || later(spec.docs.since) || history.some(([v]) => later(v))) continue;
      const words = spec.name.split('|');
      const min = Math.max(Math.abs(spec.arity), words.length);
      for (let argc = min; argc <= min + 3; argc++) {
        if (spec.arity > 0 && argc !== spec.arity) continue;
        const n = argc - words.length;
        // PFMERGE dest alone: Redis 7.0's specs find no key; we find dest, to route by it (hyperloglog.ts).
        if (spec.name === 'pfmerge' && n === 1) continue;
        const shapes = [
          Array.from({ length: n }, (_, i) => `k${i}`),
          Array.from({ length: n }, () => '1'),
          Array.from({ length: n }, (_, i) => (i % 2 === 0 ? '2' : `k${i}`)),
        ];
        for (const rest of shapes) cmds.push(['COMMAND', 'GETKEYS', ...words, ...rest], ['COMMAND', 'GETKEYSANDFLAGS', ...words, ...rest]);
      }
    }
    assert.ok(cmds.length > 500, `${cmds.length} cases`);
    await diff(targets(), cmds);
  });

  it('CONFIG GET / SET / RESETSTAT / REWRITE / HELP: replies and errors match Redis', async () => {
    const same = ['maxmemory', 'maxmemory-policy', 'maxmemory-samples', 'lfu-log-factor', 'lfu-decay-time', 'databases', 'timeout', 'proto-max-bulk-len', 'client-query-buffer-limit', 'requirepass', 'dbfilename', 'appendonly', 'tcp-keepalive', 'maxclients'];
    const cmds: Arg[][] = same.map((n) => ['CONFIG', 'GET', n]);
    cmds.push(
      ['CONFIG', 'GET', 'MAXMEMORY'], ['CONFIG', 'GET', 'Maxmemory', 'maxmemory'], ['CONFIG', 'GET', 'nosuch'], ['CONFIG', 'GET', 'nosuch*'], ['CONFIG', 'GET'],
      ['CONFIG', 'SET', 'foo', 'bar'], ['CONFIG', 'SET', 'hz', 'abc'], ['CONFIG', 'SET', 'hz'], ['CONFIG', 'SET', 'hz', '10', 'hz', '20'], ['CONFIG', 'SET', 'hz', '10', 'foo'],
      ['CONFIG', 'SET', 'maxmemory-policy', 'foo'], ['CONFIG', 'SET', 'maxmemory', 'foo'], ['CONFIG', 'SET', 'appendonly', 'maybe'], ['CONFIG', 'SET', 'appendonly', 'true'],
      ['CONFIG', 'SET', 'hz', '10', 'foo', '1'], ['CONFIG', 'SET', 'foo', '1', 'hz', 'x'], ['CONFIG', 'SET', 'databases', '3'], ['CONFIG', 'SET', 'hz', '-5'],
      ['CONFIG', 'SET', 'maxclients', '0'], ['CONFIG', 'SET', 'proto-max-bulk-len', '10'], ['CONFIG', 'SET', 'proto-max-bulk-len', '10kb'], ['CONFIG', 'SET', 'timeout', '-1'],
      ['CONFIG', 'SET', 'client-query-buffer-limit', '1'], ['CONFIG', 'SET', 'databases', '3', 'foo', '1'], ['CONFIG', 'SET', 'hz', 'x', 'databases', '3'],
      ['CONFIG', 'SET', 'dbfilename', 'a/b'], ['CONFIG', 'SET', 'dir', '/tmp'], ['CONFIG', 'SET', 'hz', '5', 'dir', '/tmp'], ['CONFIG', 'SET', 'save', '1'], ['CONFIG', 'SET', 'save', 'a b'], ['CONFIG', 'SET', 'HZ', 'x'],
      ['CONFIG', 'SET', 'maxmemory-policy', 'ALLKEYS-LRU', 'maxmemory', '1gb'], ['CONFIG', 'GET', 'maxmemory-policy'], ['CONFIG', 'GET', 'maxmemory'],
      ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction', 'maxmemory', '0'],
      ['CONFIG', 'GET', 'maxmemory-clients'], ['CONFIG', 'SET', 'maxmemory-clients', '10%'], ['CONFIG', 'GET', 'maxmemory-clients'], ['CONFIG', 'SET', 'maxmemory-clients', '101%'],
      ['CONFIG', 'SET', 'maxmemory-clients', 'abc'], ['CONFIG', 'SET', 'maxmemory-clients', '-1'], ['CONFIG', 'SET', 'maxmemory-clients', '1mb'], ['CONFIG', 'GET', 'maxmemory-clients'],
      ['CONFIG', 'SET', 'maxmemory-clients', '0%'], ['CONFIG', 'GET', 'maxmemory-clients'], ['CONFIG', 'SET', 'maxmemory-clients', '0'],
      ['CONFIG', 'SET', 'hz', '1000'], ['CONFIG', 'GET', 'hz'], ['CONFIG', 'SET', 'hz', '0'], ['CONFIG', 'GET', 'hz'], ['CONFIG', 'SET', 'hz', '10'],
      ['CONFIG', 'REWRITE'], ['CONFIG', 'RESETSTAT'], ['CONFIG', 'HELP'], ['CONFIG', 'foo'], ['CONFIG'],
    );
    await diff(targets(), cmds);
    await diff(targets(), [['CONFIG', 'GET', 'maxmemory'], ['CONFIG', 'GET', 'nosuch'], ['CONFIG', 'SET', 'nosuch', '1']], { resp3: true });
    // Patterns: every Redis parameter is known (src/families/config.test.ts compares CONFIG GET *).
    const o = pairs(decode(await d2.call(['CONFIG', 'GET', 'max*', '*bulk*'])));
    assert.deepEqual(o.map((p) => p[0]).sort(), ['maxclients', 'maxmemory', 'maxmemory-clients', 'maxmemory-eviction-tenacity', 'maxmemory-policy', 'maxmemory-samples', 'proto-max-bulk-len']);
  });

  it('CONFIG SET reaches every shard thread', async () => {
    // Open connections until both threads are seen (the kernel spreads them).
    const byThread = new Map<string, RawClient>();
    for (let i = 0; i < 40 && byThread.size < 2; i++) {
      const c = await RawClient.connect(df.port);
      clients.push(c);
      const info = decode(await c.call(['CLIENT', 'INFO'])).text;
      const thread = /thread=(\d+)/.exec(info)?.[1] ?? '?';
      if (!byThread.has(thread)) byThread.set(thread, c);
    }
    assert.equal(byThread.size, 2, 'connections landed on both threads');
    const [a, b] = [...byThread.values()];
    assert.equal((await a.call(['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu', 'hz', '7'])).toString(), '+OK\r\n');
    for (const c of [a, b]) {
      assert.equal((await c.call(['CONFIG', 'GET', 'maxmemory-policy'])).toString(), '*2\r\n$16\r\nmaxmemory-policy\r\n$11\r\nallkeys-lfu\r\n');
      const info = parseInfo(decode(await c.call(['INFO', 'server'])).text);
      assert.equal(info.fields.get('hz'), '7');
    }
    // An invalid CONFIG SET changes nothing anywhere.
    assert.match((await b.call(['CONFIG', 'SET', 'maxmemory-policy', 'noeviction', 'hz', 'x'])).toString(), /^-ERR CONFIG SET failed/);
    assert.equal(decode(await a.call(['CONFIG', 'GET', 'maxmemory-policy'])).items[1].text, 'allkeys-lfu');
    await a.call(['CONFIG', 'SET', 'maxmemory-policy', 'noeviction', 'hz', '100']);
    // requirepass reaches every thread: a new connection must authenticate, wherever it lands.
    await a.call(['CONFIG', 'SET', 'requirepass', 'sekret']);
    for (let i = 0; i < 4; i++) {
      const c = await RawClient.connect(df.port);
      clients.push(c);
      assert.match((await c.call(['GET', 'x'])).toString(), /^-NOAUTH/);
    }
    await a.call(['CONFIG', 'SET', 'requirepass', '']);
  });

  it('CLUSTER KEYSLOT matches a cluster-enabled Redis', async () => {
    const keys = ['foo', 'bar', '{user1000}.following', '{}x', 'a{b}c', '', '123456789', '\u00ff\u0000bin'];
    const d = await RawClient.connect(df.port);
    const r = await RawClient.connect(clusterRedis.port);
    clients.push(d, r);
    for (const k of keys) {
      const key = Buffer.from(k, 'latin1');
      assert.equal((await d.call(['CLUSTER', 'KEYSLOT', key])).toString(), (await r.call(['CLUSTER', 'KEYSLOT', key])).toString(), JSON.stringify(k));
    }
    for (const c of [['CLUSTER', 'KEYSLOT'], ['CLUSTER', 'KEYSLOT', 'a', 'b'], ['CLUSTER']]) {
      assert.equal((await d.call(c)).toString(), (await r.call(c)).toString(), c.join(' '));
    }
  });

  it('other CLUSTER subcommands answer as a Redis without cluster support', async () => {
    await diff(targets(), [
      ['CLUSTER', 'INFO'], ['CLUSTER', 'NODES'], ['CLUSTER', 'SLOTS'], ['CLUSTER', 'SHARDS'], ['CLUSTER', 'MYID'], ['CLUSTER', 'HELP'],
      ['CLUSTER', 'INFO', 'x'], ['CLUSTER', 'BOGUS'],
    ]);
  });

  it('TIME, LASTSAVE, SHUTDOWN errors, FUNCTION FLUSH, SCRIPT FLUSH', async () => {
    const t = decode(await d2.call(['TIME']));
    assert.equal(t.type, '*');
    assert.deepEqual(t.items.map((i) => i.type), ['$', '$']);
    assert.ok(Math.abs(Number(t.items[0].text) - Date.now() / 1000) < 5);
    assert.ok(/^\d+$/.test(t.items[1].text) && Number(t.items[1].text) < 1e6);
    const ls = decode(await d2.call(['LASTSAVE']));
    assert.equal(ls.type, ':');
    assert.ok(Number(ls.text) <= Date.now() / 1000 && Number(ls.text) > Date.now() / 1000 - 600);
    await diff(targets(), [
      ['TIME', 'x'], ['LASTSAVE', 'x'],
      ['SHUTDOWN', 'ABORT'], ['SHUTDOWN', 'foo'], ['SHUTDOWN', 'SAVE', 'NOSAVE'], ['SHUTDOWN', 'NOSAVE', 'ABORT'], ['SHUTDOWN', 'ABORT', 'FORCE'],
      ['FUNCTION', 'FLUSH'], ['FUNCTION', 'FLUSH', 'async'], ['FUNCTION', 'FLUSH', 'SYNC'], ['FUNCTION', 'FLUSH', 'foo'], ['FUNCTION', 'FLUSH', 'async', 'sync'],
      ['SCRIPT', 'FLUSH'], ['SCRIPT', 'FLUSH', 'ASYNC'], ['SCRIPT', 'FLUSH', 'foo'], ['SCRIPT', 'FLUSH', 'sync', 'async'],
    ]);
    assert.equal((await d2.call(['SHUTDOWN', 'SAVE'])).toString(), '-ERR Errors trying to SHUTDOWN. Check logs.\r\n');
  });

  it('SHUTDOWN NOSAVE stops the server without a reply', async () => {
    const c = await RawClient.connect(df.port);
    c.send(['SHUTDOWN', 'NOSAVE']);
    const rest = await c.readUntilClose(10_000);
    assert.equal(show(rest), show(Buffer.alloc(0)));
    const r = await new Promise<number | null>((resolve) => {
      if (df.proc.exitCode !== null) resolve(df.proc.exitCode);
      else df.proc.once('exit', (code) => resolve(code));
    });
    assert.equal(r, 0);
  });
});
