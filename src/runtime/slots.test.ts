// Slot mapping: CRC16-XMODEM against known Redis values, a bit-by-bit reference implementation and
// (when redis-server is installed) a real Redis in cluster mode answering CLUSTER KEYSLOT.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SLOT_COUNT, crc16, keySlot, keySlotOfString, shardOfKey, shardOfSlot } from './slots.ts';
import { REDIS_AVAILABLE, RawClient, SKIP_NO_REDIS, rng, startRedis, type ServerHandle } from '../../test/harness.ts';

/** Reference CRC16-CCITT (XMODEM: poly 0x1021, init 0, no reflection), one bit at a time. */
function refCrc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** Reference keyHashSlot from Redis's cluster.c. */
function refSlot(key: Uint8Array): number {
  let s = -1;
  for (let i = 0; i < key.length; i++) {
    if (key[i] === 0x7b) {
      s = i;
      break;
    }
  }
  if (s < 0) return refCrc16(key) & 16383;
  let e = -1;
  for (let i = s + 1; i < key.length; i++) {
    if (key[i] === 0x7d) {
      e = i;
      break;
    }
  }
  if (e < 0 || e === s + 1) return refCrc16(key) & 16383;
  return refCrc16(key.subarray(s + 1, e)) & 16383;
}

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

describe('keySlot', () => {
  it('CRC16 check value', () => {
    assert.equal(crc16(b('123456789')), 0x31c3);
    assert.equal(refCrc16(b('123456789')), 0x31c3);
  });

  it('known Redis values', () => {
    assert.equal(SLOT_COUNT, 16384);
    assert.equal(keySlot(b('foo')), 12182);
    assert.equal(keySlot(b('bar')), 5061);
    assert.equal(keySlot(b('hello')), 866);
    assert.equal(keySlot(b('somekey')), 11058);
    assert.equal(keySlot(b('')), 0);
    assert.equal(keySlot(b('123456789')), 0x31c3 & 16383);
  });

  it('hash tags', () => {
    assert.equal(keySlot(b('{user1000}.following')), keySlot(b('{user1000}.followers')));
    assert.equal(keySlot(b('{user1000}.following')), keySlot(b('user1000')));
    assert.equal(keySlot(b('foo{bar}')), keySlot(b('bar')));
    assert.equal(keySlot(b('foo{bar}{zap}')), keySlot(b('bar')));
    assert.equal(keySlot(b('foo{{bar}}zap')), keySlot(b('{bar')));
    assert.equal(keySlot(b('a}b{c}')), keySlot(b('c')));
    // Empty tag or no closing brace: the whole key is hashed.
    assert.equal(keySlot(b('a{}b')), refCrc16(b('a{}b')) & 16383);
    assert.notEqual(keySlot(b('a{}b')), keySlot(b('')));
    assert.equal(keySlot(b('{}')), refCrc16(b('{}')) & 16383);
    assert.equal(keySlot(b('{}{a}')), refCrc16(b('{}{a}')) & 16383);
    assert.equal(keySlot(b('{a')), refCrc16(b('{a')) & 16383);
    assert.equal(keySlot(b('}a{')), refCrc16(b('}a{')) & 16383);
  });

  it('matches the reference on random binary keys (with and without braces)', () => {
    const r = rng(99);
    for (let i = 0; i < 20_000; i++) {
      const len = Math.floor(r() * 24);
      const key = Buffer.alloc(len);
      for (let j = 0; j < len; j++) {
        const x = r();
        key[j] = x < 0.1 ? 0x7b : x < 0.2 ? 0x7d : Math.floor(r() * 256);
      }
      const slot = refSlot(key);
      assert.equal(keySlot(key), slot, key.toString('hex'));
      assert.equal(keySlotOfString(key.toString('latin1')), slot, `string form of ${key.toString('hex')}`);
      assert.equal(crc16(key), refCrc16(key));
    }
  });

  it('shard = slot mod N', () => {
    for (const n of [1, 2, 3, 4, 7]) {
      for (const k of ['foo', 'bar', '{user1000}.x', '', 'key:123']) {
        assert.equal(shardOfKey(b(k), n), keySlot(b(k)) % n);
        assert.equal(shardOfSlot(keySlot(b(k)), n), keySlot(b(k)) % n);
      }
    }
    // Keys with one hash tag always share a shard.
    for (let i = 0; i < 100; i++) assert.equal(shardOfKey(b(`{t}${i}`), 4), shardOfKey(b('t'), 4));
  });
});

describe('keySlot agrees with CLUSTER KEYSLOT of a real Redis', () => {
  let redis: ServerHandle | null = null;
  let dir = '';
  before(async () => {
    if (!REDIS_AVAILABLE) return;
    dir = mkdtempSync(join(tmpdir(), 'dfly-slots-'));
    redis = await startRedis(['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, 'nodes.conf'), '--dir', dir]);
  });
  after(async () => {
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('2000 random keys', { timeout: 60_000 }, async (t) => {
    if (redis === null) {
      t.skip(SKIP_NO_REDIS);
      return;
    }
    const c = await RawClient.connect(redis.port);
    try {
      const r = rng(7);
      const keys: Buffer[] = [b('foo'), b('bar'), b(''), b('a{}b'), b('{user1000}.following'), b('foo{{bar}}zap')];
      for (let i = 0; i < 2000; i++) {
        const len = Math.floor(r() * 20);
        const key = Buffer.alloc(len);
        for (let j = 0; j < len; j++) key[j] = r() < 0.15 ? (r() < 0.5 ? 0x7b : 0x7d) : Math.floor(r() * 256);
        keys.push(key);
      }
      // Pipelined: all requests, then all replies.
      c.send(Buffer.concat(keys.map((k) => Buffer.concat([b(`*3\r\n$7\r\nCLUSTER\r\n$7\r\nKEYSLOT\r\n$${k.length}\r\n`), k, b('\r\n')]))));
      for (const k of keys) {
        const reply = (await c.readReply()).toString('latin1');
        assert.equal(reply, `:${keySlot(k)}\r\n`, `key ${k.toString('hex')}`);
      }
    } finally {
      c.close();
    }
  });
});
