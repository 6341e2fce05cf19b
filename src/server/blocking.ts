// Blocking: clients waiting on keys (BLPOP, BLMOVE, BZPOPMIN...) — this shard's waiters per key, and
// the claim slots in shared memory that make a client blocked on several shards served exactly once.
// Invariants:
// - a blocked client owns one claim slot (an Int32 in shared memory) whose value is even while it
//   waits; whoever moves it to odd first (Atomics.compareExchange) serves it: a shard popping for it,
//   its timeout, CLIENT UNBLOCK or its disconnection. Everybody else drops their waiter for it;
// - waiters of a key are served first come, first served (skipping those waiting for another type),
//   right after the command that created the key (the pop is part of the same shard turn, so no other
//   client sees the element) — or, while a transaction locks the key, once it concludes;
// - a BLMOVE served across shards is answered only after its element is in the destination (or, the
//   destination being of another type, back in the source with WRONGTYPE as the answer);
// - a waiter is removed from every key of its shard when it is served, and from every shard when the
//   client stops waiting (so a gone client leaves nothing behind).

import type { Command } from './command-table.ts';
import type { Database } from '../engine/database.ts';

/** Slots per worker (blocked clients a worker can hold at once). */
export const BLOCK_SLOTS_PER_WORKER = 8192;

/** How a served pop's reply is shaped from the reply of the command that pops. */
export const WRAP_PLAIN = 0; // the reply as it is (BLMPOP, BZMPOP, BLMOVE on one shard)
export const WRAP_KEY_ELEMENT = 1; // *2 key element (BLPOP, BRPOP)
export const WRAP_KEY_PAIR = 2; // *3 key member score (BZPOPMIN, BZPOPMAX): the popped [member, score] after the key
export const WRAP_MOVE = 3; // BLMOVE across shards: pushed on the destination's shard, then the element

export class Waiter {
  slot = 0;
  expect = 0;
  worker = 0;
  clientId = '';
  db = 0;
  resp: 2 | 3 = 2;
  /** 'list' or 'zset': the type a key must hold to serve this waiter. */
  kind = '';
  /** The command that pops (LPOP, LMPOP, ZPOPMIN, LMOVE...) with KEY standing for the ready key. */
  cmd: Command | null = null;
  template: Buffer[] = [];
  keyAt: number[] = [];
  wrap = WRAP_PLAIN;
  /** WRAP_MOVE: destination key, and whether to push on its left. */
  dst: Buffer | null = null;
  dstLeft = false;
  /** The keys of this shard it waits on (latin1). */
  keys: string[] = [];
  /** The databases' waiter maps it is in (for removal). */
  dbRef: Database | null = null;
}

/** The client side of the claim slots: this worker's range of the shared array. */
export class ClaimSlots {
  private readonly slots: Int32Array;
  private readonly free: number[] = [];

  constructor(slots: Int32Array, worker: number) {
    this.slots = slots;
    const base = worker * BLOCK_SLOTS_PER_WORKER;
    for (let i = BLOCK_SLOTS_PER_WORKER - 1; i >= 0; i--) if (base + i < slots.length) this.free.push(base + i);
  }

  /** A slot set to waiting; returns [slot, expect] or null when none is free. */
  acquire(): [number, number] | null {
    const slot = this.free.pop();
    if (slot === undefined) return null;
    let v = Atomics.load(this.slots, slot);
    if ((v & 1) === 0) v = (v + 1) | 0; // never used: make it "claimed" first, so that the next is new
    const expect = (v + 1) | 0;
    Atomics.store(this.slots, slot, expect);
    return [slot, expect];
  }

  release(slot: number): void {
    this.free.push(slot);
  }
}

/** Claims slot (waiting at `expect`) for the caller; true if the caller won. */
export function claim(slots: Int32Array, slot: number, expect: number): boolean {
  return Atomics.compareExchange(slots, slot, expect, (expect + 1) | 0) === expect;
}
