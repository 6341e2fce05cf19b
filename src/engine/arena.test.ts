// Arena under random allocation and frees against a model: every live block keeps its bytes, blocks
// never overlap, usedBytes is the sum of the live blocks' sizes, a block freed in a turn is not handed
// out again before linkParked, LARGE blocks own and release a chunk, and compaction moves every live
// block out of a sparse chunk intact and gives the chunk back.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Arena, CLASS_SIZES, LARGE_CLASS, MAX_CLASS_BYTES, sizeClass } from './arena.ts';
import { mulberry32 as rng } from '../util/prng.ts';

/** Small chunks keep the tests quick (the server's are 64 MiB). */
const CHUNK_BYTES = 1 << 20;

/** Pseudo-random bytes the blocks are filled from (each at its own shift). */
const PATTERN = (() => {
  const r = rng(99);
  const b = Buffer.alloc(4096 + 2 * MAX_CLASS_BYTES);
  for (let i = 0; i < b.length; i++) b[i] = Math.floor(r() * 256);
  return b;
})();

/**
 * A model of the blocks a user of the arena holds: each live block is stamped with its id (bytes 4..7,
 * as the records' owner would keep its key there) and a pattern derived from the id over its requested
 * bytes, with byte 0 nonzero (a live block's header).
 */
class Model {
  readonly arena = new Arena(CHUNK_BYTES);
  /** id -> [ref, requested bytes]. */
  readonly live = new Map<number, [number, number]>();
  private nextId = 1;

  alloc(bytes: number): number {
    const ref = this.arena.alloc(bytes);
    const id = this.nextId++;
    const c = this.arena.chunk(ref);
    const off = Arena.offset(ref);
    assert.ok(this.arena.blockBytes(ref) >= bytes, `block of ${this.arena.blockBytes(ref)} bytes for ${bytes}`);
    c[off] = 1;
    c.writeUInt32LE(id, off + 4);
    const p = Model.shift(id);
    PATTERN.copy(c, off + 8, p + 8, p + Math.max(8, bytes));
    this.live.set(id, [ref, bytes]);
    return id;
  }

  /** Where in PATTERN the bytes of block id start (distinct neighbours get distinct bytes). */
  static shift(id: number): number {
    return (id * 7919) % 4093;
  }

  free(id: number): number {
    const [ref] = this.live.get(id)!;
    this.live.delete(id);
    this.arena.free(ref);
    return ref;
  }

  /** The block moved (compaction): its bytes are copied to a new block. */
  move(ref: number): void {
    const a = this.arena;
    const size = a.blockBytes(ref);
    const to = a.alloc(size);
    a.chunk(ref).copy(a.chunk(to), Arena.offset(to), Arena.offset(ref), Arena.offset(ref) + size);
    const id = a.chunk(ref).readUInt32LE(Arena.offset(ref) + 4);
    assert.equal(this.live.get(id)?.[0], ref, `moved block ${ref} is not the live block of id ${id}`);
    this.live.get(id)![0] = to;
    a.free(ref);
  }

  /** Every live block's bytes are intact, blocks don't overlap, and the byte accounting adds up. */
  check(where: string): void {
    const a = this.arena;
    let used = 0;
    const spans: [number, number, number][] = [];
    for (const [id, [ref, bytes]] of this.live) {
      const c = a.chunk(ref);
      assert.ok(c !== null && c !== undefined, `${where}: block of id ${id} in a released chunk`);
      const off = Arena.offset(ref);
      assert.equal(off % 8, 0);
      assert.equal(c[off], 1, `${where}: header of id ${id}`);
      assert.equal(c.readUInt32LE(off + 4), id, `${where}: id stamp of ${id}`);
      const p = Model.shift(id);
      if (bytes > 8 && !c.subarray(off + 8, off + bytes).equals(PATTERN.subarray(p + 8, p + bytes))) {
        assert.fail(`${where}: the bytes of id ${id} changed`);
      }
      const size = a.blockBytes(ref);
      used += size;
      // A LARGE block (ref below 2^23) is a buffer of its own: a chunk of its own for the overlap check.
      spans.push([ref < 1 << 23 ? -ref : ref >>> 23, off, off + size]);
    }
    assert.equal(a.usedBytes, used, `${where}: usedBytes is the sum of the live blocks`);
    let committed = 0;
    for (const c of a.chunks) if (c !== null) committed += c.length;
    for (const c of a.largeBlocks) if (c !== null) committed += c.length;
    assert.equal(a.committedBytes, committed, `${where}: committedBytes is the sum of the chunks and large blocks held`);
    assert.ok(a.committedBytes >= a.usedBytes, `${where}: committed >= used`);
    spans.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    for (let i = 1; i < spans.length; i++) {
      const [pc, , pend] = spans[i - 1];
      const [cc, cstart] = spans[i];
      if (pc === cc && cstart < pend) assert.fail(`${where}: blocks overlap in chunk ${cc}`);
    }
  }
}

describe('Arena size classes', () => {
  it('are increasing multiples of 8 from 16 to 64 KiB, few enough for a header byte', () => {
    assert.equal(CLASS_SIZES[0], 16);
    assert.equal(MAX_CLASS_BYTES, 64 * 1024);
    assert.ok(CLASS_SIZES.length < LARGE_CLASS);
    for (let i = 0; i < CLASS_SIZES.length; i++) {
      assert.equal(CLASS_SIZES[i] % 8, 0, `class ${i}`);
      if (i > 0) assert.ok(CLASS_SIZES[i] > CLASS_SIZES[i - 1], `class ${i} grows`);
      // Beyond 512 bytes a class wastes at most about 12.5% (+ alignment) of its block.
      if (CLASS_SIZES[i] > 512) assert.ok(CLASS_SIZES[i] <= Math.ceil((CLASS_SIZES[i - 1] * 1.125) / 8) * 8);
    }
  });

  it('sizeClass picks the smallest class that holds the bytes, LARGE beyond 64 KiB', () => {
    for (let b = 0; b <= MAX_CLASS_BYTES; b++) {
      const cls = sizeClass(b);
      assert.ok(cls >= 0 && cls < CLASS_SIZES.length, `bytes ${b}: class ${cls}`);
      if (CLASS_SIZES[cls] < b) assert.fail(`bytes ${b}: class ${cls} of ${CLASS_SIZES[cls]} is too small`);
      if (cls > 0 && CLASS_SIZES[cls - 1] >= b) assert.fail(`bytes ${b}: class ${cls - 1} would do`);
    }
    for (const b of [MAX_CLASS_BYTES + 1, MAX_CLASS_BYTES + 8, CHUNK_BYTES, 3 * CHUNK_BYTES]) assert.equal(sizeClass(b), LARGE_CLASS);
  });
});

describe('Arena allocation', () => {
  it('keeps every live block intact and usedBytes exact under random alloc and free', () => {
    const r = rng(11);
    const m = new Model();
    const ids: number[] = [];
    const size = (): number => {
      const k = r();
      if (k < 0.6) return 9 + Math.floor(r() * 120);
      if (k < 0.9) return 128 + Math.floor(r() * 900);
      if (k < 0.99) return 1024 + Math.floor(r() * 30_000);
      return MAX_CLASS_BYTES + 1 + Math.floor(r() * 40_000);
    };
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < 300; i++) ids.push(m.alloc(size()));
      // Free a random share; blocks freed in this turn must not come back before linkParked.
      const freed = new Set<number>();
      for (let i = 0; i < 200 && ids.length > 0; i++) {
        const j = Math.floor(r() * ids.length);
        const id = ids[j];
        ids[j] = ids[ids.length - 1];
        ids.pop();
        freed.add(m.free(id));
      }
      for (let i = 0; i < 100; i++) {
        const id = m.alloc(size());
        ids.push(id);
        const ref = m.live.get(id)![0];
        if (freed.has(ref)) assert.fail(`round ${round}: block ${ref} freed in this turn was handed out again`);
      }
      m.check(`round ${round} before linkParked`);
      m.arena.linkParked();
      m.check(`round ${round}`);
    }
    for (const id of ids.splice(0)) m.free(id);
    m.arena.linkParked();
    m.check('all freed');
    assert.equal(m.arena.usedBytes, 0);
  });

  it('reuses a freed block after linkParked, never before', () => {
    const m = new Model();
    const a = m.arena;
    const ids = Array.from({ length: 50 }, () => m.alloc(100));
    const freed = new Set(ids.slice(0, 20).map((id) => m.free(id)));
    const before = Array.from({ length: 20 }, () => m.live.get(m.alloc(100))![0]);
    assert.ok(before.every((ref) => !freed.has(ref)), 'freed blocks are parked for the turn');
    a.linkParked();
    const after = Array.from({ length: 20 }, () => m.live.get(m.alloc(100))![0]);
    assert.equal(after.filter((ref) => freed.has(ref)).length, 20, 'then they are reused first');
    m.check('after reuse');
  });

  it('gives a LARGE block a buffer of its own (outside the chunks\' address space) and releases it after linkParked', () => {
    const m = new Model();
    const a = m.arena;
    m.alloc(40);
    const committed = a.committedBytes;
    const id = m.alloc(70_000);
    const ref = m.live.get(id)![0];
    assert.equal(Arena.offset(ref), 0);
    assert.ok(ref < 1 << 23, 'a LARGE ref is an index, not a chunk address');
    assert.equal(a.blockBytes(ref), 70_000);
    assert.equal(a.committedBytes, committed + 70_000);
    assert.equal(a.usedBytes, 70_000 + CLASS_SIZES[sizeClass(40)]);
    m.check('large live');
    const view = a.chunk(ref);
    m.free(id);
    assert.equal(a.usedBytes, CLASS_SIZES[sizeClass(40)], 'usedBytes drops at free');
    assert.equal(a.committedBytes, committed + 70_000, 'the chunk stays for the turn');
    assert.equal(view.readUInt32LE(4), id, 'a view read in the turn stays readable');
    a.linkParked();
    assert.equal(a.committedBytes, committed, 'the chunk is released after the turn');
    const again = m.alloc(MAX_CLASS_BYTES + 1);
    assert.equal(a.chunk(m.live.get(again)![0]).length, MAX_CLASS_BYTES + 8, 'rounded to 8 bytes');
    m.check('large again');
    // Far more large blocks than there are chunk addresses (511): no address space runs out.
    const many = Array.from({ length: 1200 }, () => m.alloc(MAX_CLASS_BYTES + 64));
    m.check('1200 large blocks');
    for (const id of many) m.free(id);
    a.linkParked();
    m.check('1200 large blocks freed');
  });

  it('keeps usedBytes equal to the blocks handed out across chunk boundaries', () => {
    // Two 16-byte blocks then 24-byte ones leave an 8-byte tail at the end of the first chunk.
    const m = new Model();
    m.alloc(16);
    m.alloc(16);
    while (m.arena.chunks.length < 2) m.alloc(24);
    m.check('across chunks');
    assert.equal(m.arena.committedBytes, 2 * CHUNK_BYTES);
  });
});

describe('Arena compaction', () => {
  /** Fragments an arena: many blocks, most freed; returns the model. */
  function fragmented(seed: number): Model {
    const r = rng(seed);
    const m = new Model();
    const ids: number[] = [];
    for (let i = 0; i < 60_000; i++) ids.push(m.alloc(16 + Math.floor(r() * 180)));
    for (const id of ids) if (r() < 0.85) m.free(id);
    m.arena.linkParked();
    return m;
  }

  it('moves every live block out of sparse chunks intact and gives the chunks back', () => {
    const m = fragmented(3);
    const a = m.arena;
    m.check('fragmented');
    const committed = a.committedBytes;
    assert.ok(a.compactionCandidate() >= 0, 'fragmentation is worth compacting');
    let chunksFreed = 0;
    for (let idx = a.compactionCandidate(); idx >= 0; idx = a.compactionCandidate()) {
      a.beginEvacuation(idx);
      // Moved blocks are parked until the turn ends; moving in steps within one turn must not list them again.
      for (let step = 0; step < 100; step++) {
        const blocks = a.liveBlocks(idx).slice(0, 97);
        if (blocks.length === 0) break;
        for (const ref of blocks) m.move(ref);
      }
      assert.equal(a.finishEvacuation(), true, `chunk ${idx} emptied`);
      assert.equal(a.chunks[idx], null);
      chunksFreed++;
      m.check(`after evacuating chunk ${idx}`);
      assert.ok(chunksFreed < 100, 'compaction ends');
    }
    assert.ok(chunksFreed >= 2, `${chunksFreed} chunks released`);
    assert.ok(a.committedBytes <= committed - 2 * CHUNK_BYTES, `committed ${committed} -> ${a.committedBytes}`);
    assert.ok(a.wastedBytes < 2 * CHUNK_BYTES || a.wastedBytes * 4 < a.committedBytes, 'fragmentation is below the threshold');
    // The arena keeps working: new blocks land in free blocks of other chunks or new ones.
    for (let i = 0; i < 5000; i++) m.alloc(16 + (i % 300));
    m.check('after more allocations');
  });

  it('keeps blocks freed during an evacuation out of the free lists and finishes only when the chunk is empty', () => {
    const m = fragmented(5);
    const a = m.arena;
    const idx = a.compactionCandidate();
    assert.ok(idx >= 0);
    a.beginEvacuation(idx);
    const blocks = a.liveBlocks(idx);
    assert.ok(blocks.length >= 2);
    // The owner deletes one record of the chunk and moves the rest.
    const id = a.chunk(blocks[0]).readUInt32LE(Arena.offset(blocks[0]) + 4);
    m.free(id);
    assert.equal(a.liveBlocks(idx).length, blocks.length - 1, 'a block freed in this turn is not live');
    assert.equal(a.finishEvacuation(), false, 'live blocks remain');
    for (const ref of blocks.slice(1)) m.move(ref);
    a.linkParked();
    for (let i = 0; i < 2000; i++) {
      const ref = m.live.get(m.alloc(16 + (i % 180)))![0];
      assert.notEqual(ref >>> 23, idx + 1, 'nothing is allocated in the chunk being evacuated');
    }
    assert.equal(a.finishEvacuation(), true);
    m.check('after the evacuation');
  });

  it('does not take the bytes at the end of a chunk too few for a block for a live block', () => {
    const m = new Model();
    const a = m.arena;
    m.alloc(16);
    m.alloc(16);
    while (a.chunks.length < 2) m.alloc(24);
    // A chunk's 8-byte tail may hold anything (nothing clears it).
    const c0 = a.chunks[0]!;
    c0[CHUNK_BYTES - 8] = 0xaa;
    c0[CHUNK_BYTES - 7] = 3;
    const live = [...m.live.values()].filter(([ref]) => ref >>> 23 === 1).length;
    const blocks = a.liveBlocks(0);
    assert.equal(blocks.length, live);
    assert.ok(blocks.every((ref) => Arena.offset(ref) + a.blockBytes(ref) <= CHUNK_BYTES));
  });
});
