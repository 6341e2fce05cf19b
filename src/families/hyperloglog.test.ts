// HyperLogLog commands byte-exact against a real redis-server 7.0: every command list runs on Redis
// and on Damselfly (1 and 3 shard threads, RESP2 and RESP3) and the raw replies are compared — GET
// shows the stored HLL bytes (header, cached cardinality, sparse opcodes, dense registers), so the
// encodings, promotion points and cache invalidation are checked as well as the counts. Keys without a
// hash tag are spread over the shards (PFCOUNT of several keys and PFMERGE across shards).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_NORMALIZERS, REDIS_AVAILABLE, RawClient, SKIP_NO_REDIS, Rand, diff, type Arg } from '../../test/harness.ts';
import { assertSuite, diffSuite } from '../../test/collection-suites.ts';
import { makeRig, runCommands } from '../../test/inproc.ts';

function elements(prefix: string, from: number, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${from + i}`);
}

/** PFADDs of `total` elements to key in batches of `batch`, each followed by a GET and a PFCOUNT (and GET again: the cache). */
function grow(key: string, prefix: string, total: number, batch: number, checkEvery = 1): Arg[][] {
  const cmds: Arg[][] = [];
  for (let i = 0, n = 0; i < total; i += batch, n++) {
    cmds.push(['PFADD', key, ...elements(prefix, i, Math.min(batch, total - i))]);
    if (n % checkEvery === 0) cmds.push(['GET', key], ['PFCOUNT', key], ['GET', key], ['PFDEBUG', 'ENCODING', key]);
  }
  cmds.push(['GET', key], ['PFCOUNT', key], ['STRLEN', key]);
  return cmds;
}

/** A dense HLL value whose registers are all `reg`, with the given header bytes 5..15. */
function denseOf(reg: number, card: number[] = [0, 0, 0, 0, 0, 0, 0, 0x80]): Buffer {
  const b = Buffer.alloc(16 + 12288);
  b.write('HYLL', 0, 'latin1');
  b[4] = 0;
  for (let i = 0; i < 8; i++) b[8 + i] = card[i];
  for (let r = 0; r < 16384; r++) {
    const bit = r * 6;
    const at = 16 + (bit >>> 3);
    const fb = bit & 7;
    b[at] |= (reg << fb) & 0xff;
    if (fb > 2) b[at + 1] |= reg >>> (8 - fb);
  }
  return b;
}

function sparseOf(ops: number[], card: number[] = [0, 0, 0, 0, 0, 0, 0, 0x80]): Buffer {
  return Buffer.concat([Buffer.from('HYLL\x01\0\0\0', 'latin1'), Buffer.from(card), Buffer.from(ops)]);
}

describe('HyperLogLog commands match Redis', { skip: !REDIS_AVAILABLE && SKIP_NO_REDIS }, () => {
  const suite = diffSuite(DEFAULT_NORMALIZERS);
  const same = (cmds: Arg[][]): Promise<void> => suite.same(cmds);

  it('PFADD creates, returns 0 or 1, and the bytes, cache and encodings follow', async () => {
    await same([
      ['PFADD', 'h'], ['GET', 'h'], ['PFADD', 'h'], ['PFCOUNT', 'h'], ['GET', 'h'], ['OBJECT', 'ENCODING', 'h'], ['TYPE', 'h'],
      ['PFADD', 'h', 'a'], ['PFADD', 'h', 'a'], ['GET', 'h'], ['PFCOUNT', 'h'], ['GET', 'h'], ['PFADD', 'h', 'a', 'a'], ['GET', 'h'],
      ['PFADD', 'h', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'], ['GET', 'h'], ['PFCOUNT', 'h'], ['PFCOUNT', 'h'], ['GET', 'h'],
      ['PFADD', 'n', 'x', 'y'], ['GET', 'n'], ['PFCOUNT', 'nokey'], ['EXISTS', 'nokey'],
      ['PFADD', 'bin', '', Buffer.from([0, 255, 13, 10]), 'a'.repeat(1000), '1', '12345678', '123456789'], ['GET', 'bin'], ['PFCOUNT', 'bin'],
      ['PFDEBUG', 'ENCODING', 'h'], ['PFDEBUG', 'DECODE', 'h'], ['PFDEBUG', 'decode', 'bin'], ['OBJECT', 'ENCODING', 'bin'],
      // A deadline survives every change of the value (sparse rewrite, promotion, merge, cache write).
      ['EXPIREAT', 'h', '4102444800'], ['PFADD', 'h', 'zz'], ['EXPIRETIME', 'h'], ['PFADD', 'h', ...elements('t', 0, 2000)], ['EXPIRETIME', 'h'],
      ['PFDEBUG', 'ENCODING', 'h'], ['PFADD', 'h', 'zzz'], ['PFCOUNT', 'h'], ['PFMERGE', 'h', 'bin'], ['EXPIRETIME', 'h'], ['EXPIRETIME', 'n'],
    ]);
  });

  it('sparse growth up to the promotion at hll-sparse-max-bytes (3000), then dense', async () => {
    // The exact promotion point: one element at a time across a small threshold, the length after each.
    const pin: Arg[][] = [['CONFIG', 'SET', 'hll-sparse-max-bytes', '120']];
    for (let i = 0; i < 80; i++) pin.push(['PFADD', 't', `x${i}`], ['STRLEN', 't']);
    pin.push(['GET', 't'], ['CONFIG', 'SET', 'hll-sparse-max-bytes', '3000']);
    await same([...grow('s', 'e', 4000, 200), ...pin]);
  });

  it('dense: registers raised in place, counts of large sets', async () => {
    await same([...grow('d', 'm', 60000, 2000, 3), ['PFADD', 'd', 'm5'], ['GET', 'd'], ['PFCOUNT', 'd']]);
  });

  it('CONFIG SET hll-sparse-max-bytes moves the promotion point', async () => {
    const cmds: Arg[][] = [['CONFIG', 'GET', 'hll-sparse-max-bytes']];
    for (const max of ['0', '20', '50', '200', '1k']) {
      cmds.push(['CONFIG', 'SET', 'hll-sparse-max-bytes', max], ['CONFIG', 'GET', 'hll-sparse-max-bytes']);
      cmds.push(['PFADD', `c${max}`]);
      cmds.push(...grow(`c${max}`, 'q', 300, 6, 4));
    }
    cmds.push(['CONFIG', 'SET', 'hll-sparse-max-bytes', '-1'], ['CONFIG', 'SET', 'hll-sparse-max-bytes', 'x']);
    cmds.push(['CONFIG', 'SET', 'hll-sparse-max-bytes', '3000'], ['CONFIG', 'GET', 'hll-sparse-max-bytes']);
    await same(cmds);
  });

  it('a register beyond the sparse maximum (32) promotes', async () => {
    // Elements whose run is longer than 32 are rare; a dense source merged in gives registers above 32.
    await same([
      ['SET', 'big', denseOf(40)], ['PFADD', 'sp', 'a', 'b'], ['PFMERGE', 'sp', 'big'], ['GET', 'sp'], ['PFDEBUG', 'ENCODING', 'sp'],
      ['PFCOUNT', 'sp'], ['PFCOUNT', 'big'], ['GET', 'big'],
    ]);
  });

  it('PFCOUNT of several keys: the union, nothing written', async () => {
    await same([
      ['PFADD', 'a', ...elements('u', 0, 300)], ['PFADD', 'b', ...elements('u', 200, 300)], ['PFADD', '{t}a', ...elements('u', 0, 300)],
      ['PFADD', '{t}b', ...elements('u', 200, 300)], ['PFADD', 'dense', ...elements('v', 0, 5000)], ['PFADD', '{t}dense', ...elements('v', 0, 5000)],
      ['PFCOUNT', 'a', 'b'], ['PFCOUNT', '{t}a', '{t}b'], ['PFCOUNT', 'a', 'b', 'dense'], ['PFCOUNT', '{t}a', '{t}b', '{t}dense'],
      ['PFCOUNT', 'a', 'nokey', 'a'], ['PFCOUNT', 'nokey1', 'nokey2'], ['PFCOUNT', 'a', 'a'], ['GET', 'a'], ['GET', 'b'], ['GET', 'dense'],
      ['SET', 'str', 'hello'], ['LPUSH', 'list', 'x'], ['SET', '{t}str', 'hello'],
      ['PFCOUNT', 'a', 'str'], ['PFCOUNT', 'a', 'list'], ['PFCOUNT', 'str', 'list'], ['PFCOUNT', 'list', 'str'], ['PFCOUNT', '{t}a', '{t}str'],
      ['PFCOUNT', 'nokey', 'str', 'a'],
    ]);
  });

  it('PFMERGE: sparse stays sparse, a dense input makes it dense, the destination merges too', async () => {
    await same([
      ['PFADD', 'a', ...elements('u', 0, 100)], ['PFADD', 'b', ...elements('u', 50, 100)], ['PFADD', 'd', ...elements('w', 0, 3000)],
      ['PFMERGE', 'm1', 'a', 'b'], ['GET', 'm1'], ['PFCOUNT', 'm1'], ['PFDEBUG', 'ENCODING', 'm1'],
      ['PFMERGE', 'm2', 'a', 'd'], ['GET', 'm2'], ['PFCOUNT', 'm2'], ['PFDEBUG', 'ENCODING', 'm2'],
      ['PFCOUNT', 'a'], ['PFMERGE', 'a', 'b'], ['GET', 'a'], ['PFCOUNT', 'a'],
      ['PFMERGE', 'b', 'b'], ['GET', 'b'], ['PFMERGE', 'only'], ['GET', 'only'], ['PFMERGE', 'only2', 'nokey'], ['GET', 'only2'],
      ['PFCOUNT', 'd'], ['PFMERGE', 'd', 'a'], ['GET', 'd'], ['PFMERGE', 'e', 'nokey', 'a', 'nokey'],
      ['GET', 'e'], ['PFMERGE', 'f', 'a', 'a', 'b', 'd', 'a'], ['GET', 'f'], ['PFCOUNT', 'f'],
      ['PFMERGE', '{t}m', '{t}x', '{t}y'], ['PFADD', '{t}x', 'p', 'q'], ['PFADD', '{t}y', 'q', 'r'], ['PFMERGE', '{t}m', '{t}x', '{t}y'], ['GET', '{t}m'],
      ['PFCOUNT', '{t}m'],
      // A sparse merge that outgrows hll-sparse-max-bytes halfway: promoted while the registers are set.
      ['PFADD', 'g1', ...elements('z', 0, 700)], ['PFADD', 'g2', ...elements('z', 700, 700)], ['GET', 'g1'],
      ['PFMERGE', 'g3', 'g1', 'g2'], ['GET', 'g3'], ['PFCOUNT', 'g3'],
      ['SET', 'str', 'x'], ['PFMERGE', 'str', 'a'], ['PFMERGE', 'a', 'str'], ['PFMERGE', 'nokey3', 'a', 'str'], ['EXISTS', 'nokey3'],
      ['RPUSH', 'list', 'x'], ['PFMERGE', 'list', 'a'], ['PFMERGE', 'a', 'list'],
      // Inside MULTI/EXEC, keys on several shards.
      ['MULTI'], ['PFADD', 'x1', 'a', 'b'], ['PFADD', 'x2', 'c'], ['PFMERGE', 'x3', 'x1', 'x2', 'd'], ['PFCOUNT', 'x1', 'x2', 'x3'], ['PFCOUNT', 'x3'],
      ['GET', 'x3'], ['PFMERGE', 'x4', 'str'], ['EXEC'], ['GET', 'x3'],
    ]);
  });

  it('corrupted and foreign values: WRONGTYPE, INVALIDOBJ, and what Redis leaves behind', async () => {
    const badRuns = sparseOf([0x7f, 0xff, 0x00]); // 16385 registers
    const short = sparseOf([0x7f, 0xfe]); // 16383 registers
    const validCache = sparseOf([0x7f, 0xff], [1, 2, 3, 4, 5, 6, 7, 0x40]);
    const bigCache = sparseOf([0x7f, 0xff], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]);
    // The first opcodes are fine (an element can land there), the tail is not.
    const tailBad = sparseOf([0x40, 0x00, 0x7f, 0xff]);
    await same([
      ['SET', 'bad', badRuns], ['PFCOUNT', 'bad'], ['PFADD', 'bad', 'a'], ['GET', 'bad'], ['PFCOUNT', 'x', 'bad'], ['PFMERGE', 'x', 'bad'], ['EXISTS', 'x'],
      ['PFDEBUG', 'GETREG', 'bad'], ['PFDEBUG', 'TODENSE', 'bad'], ['PFDEBUG', 'DECODE', 'bad'], ['PFDEBUG', 'ENCODING', 'bad'],
      ['SET', 'short', short], ['PFCOUNT', 'short'], ['PFADD', 'short', ...elements('a', 0, 30)], ['GET', 'short'], ['PFCOUNT', 'short'],
      ['SET', 'tb', tailBad], ['PFADD', 'tb', ...elements('a', 0, 20)], ['GET', 'tb'], ['PFCOUNT', 'tb'],
      ['SET', 'vc', validCache], ['PFCOUNT', 'vc'], ['GET', 'vc'], ['OBJECT', 'ENCODING', 'vc'],
      ['SET', 'bc', bigCache], ['PFCOUNT', 'bc'], ['PFADD', 'bc', 'z'], ['PFCOUNT', 'bc'], ['GET', 'bc'],
      ['SET', 'enc2', Buffer.from('HYLL\x02\0\0\0\0\0\0\0\0\0\0\0\x7f\xff', 'latin1')], ['PFCOUNT', 'enc2'], ['PFADD', 'enc2', 'a'],
      ['SET', 'densebad', Buffer.concat([Buffer.from('HYLL\0\0\0\0\0\0\0\0\0\0\0\0', 'latin1'), Buffer.alloc(100)])], ['PFCOUNT', 'densebad'],
      ['SET', 'hdr', 'HYLL'], ['PFCOUNT', 'hdr'], ['SET', 'hyl', 'HYLX\x01\0\0\0\0\0\0\0\0\0\0\0\x7f\xff'], ['PFADD', 'hyl', 'a'],
      ['SET', 'int', '12345678901234567'], ['PFCOUNT', 'int'], ['SET', 'empty', ''], ['PFCOUNT', 'empty'], ['PFADD', 'empty'],
      ['SET', 's', 'not an hll at all, just a string'], ['PFADD', 's', 'a'], ['PFCOUNT', 's'], ['PFMERGE', 's'], ['PFDEBUG', 'ENCODING', 's'],
      ['HSET', 'hash', 'f', 'v'], ['PFADD', 'hash', 'a'], ['PFCOUNT', 'hash'], ['PFMERGE', 'hash'], ['PFDEBUG', 'GETREG', 'hash'],
      ['SADD', 'set', 'a'], ['PFCOUNT', 'set'], ['ZADD', 'z', '1', 'a'], ['PFMERGE', 'z2', 'z'],
      // Registers of 51 everywhere: the estimate is infinite (Redis's llroundl gives INT64_MIN).
      ['SET', 'r51', denseOf(51)], ['PFCOUNT', 'r51'], ['GET', 'r51'], ['SET', 'r63', denseOf(63)], ['PFCOUNT', 'r63'],
      ['SET', 'r20', denseOf(20)], ['PFCOUNT', 'r20'], ['PFCOUNT', 'r20', 'r51'], ['SET', 'r1', denseOf(1)], ['PFCOUNT', 'r1'],
      // Odd but valid sparse forms: runs of one as XZERO, VALs of one register each, a VAL run to split.
      ['SET', 'odd', sparseOf([0x40, 0x00, 0x80, 0x81, 0x82, 0x83, 0x7f, 0xf8])], ['PFCOUNT', 'odd'], ['PFDEBUG', 'DECODE', 'odd'],
      ['PFADD', 'odd', ...elements('k', 0, 40)], ['GET', 'odd'], ['PFDEBUG', 'DECODE', 'odd'],
      ['SET', 'vrun', sparseOf([0x8b, 0x7f, 0xfb])], ['PFADD', 'vrun', ...elements('k', 0, 60)], ['GET', 'vrun'],
    ]);
  });

  it('WATCH sees what Redis signals: a change, a cache write, a merge; not a no-op or a conversion', async () => {
    const round = (...cmds: Arg[][]): Arg[][] => [['WATCH', 'w'], ...cmds, ['MULTI'], ['PING'], ['EXEC']];
    await same([
      ['PFADD', 'w', 'a', 'b'], ['PFADD', 'src', 'z'],
      ...round(['PFADD', 'w', 'a']), ...round(['PFADD', 'w', 'c']), ...round(['PFCOUNT', 'w']), ...round(['PFCOUNT', 'w']),
      ...round(['PFDEBUG', 'TODENSE', 'w']), ...round(['PFADD', 'w', 'c']), ...round(['PFADD', 'w', 'new']),
      ...round(['PFMERGE', 'w', 'src']), ...round(['PFMERGE', 'other', 'w']), ...round(['PFCOUNT', 'w', 'src']),
    ]);
  });

  it('PFDEBUG and errors', async () => {
    await same([
      ['PFDEBUG', 'ENCODING', 'nokey'], ['PFDEBUG', 'GETREG', 'nokey'], ['PFADD', 'h', 'a', 'b', 'c'],
      ['PFDEBUG', 'NOPE', 'h'], ['PFDEBUG', 'encoding', 'h'], ['PFDEBUG', 'DECODE', 'h'], ['PFDEBUG', 'GETREG', 'h'], ['GET', 'h'],
      ['PFDEBUG', 'ENCODING', 'h'], ['PFDEBUG', 'DECODE', 'h'], ['PFDEBUG', 'TODENSE', 'h'],
      ['PFADD', 'h2', 'x'], ['PFDEBUG', 'TODENSE', 'h2'], ['GET', 'h2'], ['PFCOUNT', 'h2'],
      ['PFDEBUG', 'ENCODING'], ['PFDEBUG', 'ENCODING', 'h', 'x'], ['PFADD'], ['PFCOUNT'], ['PFMERGE'],
    ]);
  });

  it('values written by Redis count the same here (SET of the bytes)', async () => {
    const r = await RawClient.connect(suite.redis.port);
    try {
      const values: Buffer[] = [];
      for (const [n, tag] of [[10, 's'], [2500, 'm'], [20000, 'd']] as const) {
        await r.call(['DEL', 'src']);
        for (let i = 0; i < n; i += 500) await r.call(['PFADD', 'src', ...elements(tag, i, Math.min(500, n - i))]);
        const reply = await r.call(['GET', 'src']);
        const text = reply.toString('latin1');
        const start = text.indexOf('\r\n') + 2;
        values.push(reply.subarray(start, reply.length - 2));
      }
      const cmds: Arg[][] = [];
      values.forEach((v, i) => {
        cmds.push(['SET', `v${i}`, v], ['PFCOUNT', `v${i}`], ['GET', `v${i}`], ['PFADD', `v${i}`, 'more', 'elements'], ['GET', `v${i}`]);
      });
      cmds.push(['PFCOUNT', 'v0', 'v1', 'v2'], ['PFMERGE', 'all', 'v0', 'v1', 'v2'], ['GET', 'all'], ['PFCOUNT', 'all']);
      await same(cmds);
    } finally {
      r.close();
    }
  });

  it('seeded random PFADD/PFMERGE/PFCOUNT over a few keys', async () => {
    const rand = new Rand(15);
    const keys = ['k1', 'k2', 'k3', '{t}k1', '{t}k2'];
    const cmds: Arg[][] = [['CONFIG', 'SET', 'hll-sparse-max-bytes', '400']];
    for (let i = 0; i < 300; i++) {
      const k = rand.pick(keys);
      const roll = rand.int(0, 9);
      if (roll < 6) {
        const n = rand.int(0, 12);
        cmds.push(['PFADD', k, ...Array.from({ length: n }, () => `r${rand.int(0, 5000)}`)]);
      } else if (roll < 7) {
        const srcs = keys.filter(() => rand.chance(0.4));
        cmds.push(['PFMERGE', k, ...srcs]);
      } else if (roll < 9) cmds.push(['PFCOUNT', k, ...keys.filter(() => rand.chance(0.2))]);
      else cmds.push(['GET', k]);
    }
    for (const k of keys) cmds.push(['GET', k], ['PFCOUNT', k]);
    cmds.push(['CONFIG', 'SET', 'hll-sparse-max-bytes', '3000']);
    await same(cmds);
    // Pipelined (one write): the cross-shard PFMERGE/PFCOUNT barriers keep every later reply in order.
    await diff({ damselfly: suite.d3.port, redis: suite.redis.port }, [['FLUSHALL'], ...cmds], { pipeline: true, label: '3 threads, pipelined' });
  });
});

describe('PFSELFTEST', () => {
  const a = assertSuite(1);
  it('passes: register round trips, dense and sparse agree, errors within bounds (as on Redis)', async () => {
    await a.is(['PFSELFTEST'], '+OK\r\n');
  });
});

describe('HyperLogLog across shards, in-process rig', () => {
  it('concurrent PFCOUNT/PFMERGE over remote keys each merge their own registers', async () => {
    const rig = makeRig(2);
    const a1 = rig.keyOn(1, 'a1'), b1 = rig.keyOn(0, 'b1'), a2 = rig.keyOn(1, 'a2'), b2 = rig.keyOn(0, 'b2');
    const dst = rig.keyOn(1, 'dst');
    await runCommands(rig, [
      ['PFADD', a1, ...elements('p', 0, 50)], ['PFADD', b1, ...elements('p', 50, 50)],
      ['PFADD', a2, ...elements('q', 0, 2000)], ['PFADD', b2, ...elements('q', 2000, 2000)],
      ['PFADD', '{s}a1', ...elements('p', 0, 50)], ['PFADD', '{s}b1', ...elements('p', 50, 50)],
      ['PFADD', '{s}a2', ...elements('q', 0, 2000)], ['PFADD', '{s}b2', ...elements('q', 2000, 2000)],
    ]);
    const want = await runCommands(rig, [['PFCOUNT', '{s}a1', '{s}b1'], ['PFCOUNT', '{s}a2', '{s}b2'], ['PFMERGE', '{s}d', '{s}a1', '{s}b1'], ['GET', '{s}d']]);
    const clients = [rig.client(0), rig.client(0), rig.client(0)];
    clients[0].send(['PFCOUNT', a1, b1]);
    clients[1].send(['PFCOUNT', a2, b2]);
    clients[2].send(['PFMERGE', dst, a1, b1], ['GET', dst]);
    await rig.settle(() => clients.every((c, i) => c.sock.replies().length >= (i === 2 ? 2 : 1)));
    assert.deepEqual([clients[0].sock.replies()[0], clients[1].sock.replies()[0], ...clients[2].sock.replies()], want);
    assert.notEqual(want[0], want[1]);
  });
});

describe('HyperLogLog internals', () => {
  it('the empty sparse value is the bytes Redis creates', async () => {
    const { emptySparse } = await import('../engine/hll.ts');
    assert.equal(emptySparse().toString('hex'), Buffer.from('HYLL\x01\0\0\0\0\0\0\0\0\0\0\0\x7f\xff', 'latin1').toString('hex'));
  });
});
