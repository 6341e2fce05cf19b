// MemoryGate: which shards are over their share of maxmemory (after eviction was tried), as every
// thread sees it, and the check a client's thread makes before it dispatches a command — Redis's
// processCommand maxmemory rule, decided without a hop to the shards.
// Invariants: flags[1 + s] is written only by shard s's thread (publish), and flags[0] counts the
// shards whose flag is set, so `pressure` (one load) is false exactly when no shard is over — the
// only cost a command pays while there is headroom.

import { FACT_OOM_EXEMPT_IN_MULTI, FACT_RUNS_QUEUE, FLAG_DENYOOM, type Command } from './command-table.ts';
import { shardOfKey } from '../runtime/slots.ts';

export const ERR_OOM = "OOM command not allowed when used memory > 'maxmemory'.";

/** A queued command of a client in MULTI. */
interface Queued {
  cmd: Command;
  args: Buffer[];
}

export class MemoryGate {
  private readonly flags: Int32Array;

  /** `flags`: the control block's memory region (see runtime/control.ts). */
  constructor(flags: Int32Array) {
    this.flags = flags;
  }

  /** Some shard is over its limit. */
  get pressure(): boolean {
    return this.flags[0] !== 0;
  }

  isOver(shard: number): boolean {
    return Atomics.load(this.flags, 1 + shard) !== 0;
  }

  /** Shard `shard` (the calling thread's own) says whether it is over its limit. */
  publish(shard: number, over: boolean): void {
    const v = over ? 1 : 0;
    if (Atomics.load(this.flags, 1 + shard) === v) return;
    Atomics.store(this.flags, 1 + shard, v);
    Atomics.add(this.flags, 0, over ? 1 : -1);
  }

  /**
   * Whether `cmd` must be refused with ERR_OOM, once `pressure` is known (n shards; `queued`: the
   * client's MULTI queue, null outside MULTI). As Redis: in MULTI every command but the
   * oomExemptInMulti ones (EXEC, DISCARD, QUIT, RESET) is refused (queuing takes memory too); the one
   * that runs the queue (EXEC) is refused when one of its queued
   * commands would be; otherwise a denyoom command is refused when a shard holding one of its keys is
   * over — any shard, for a denyoom command that names no key. Reads and deletes always pass.
   */
  refuses(cmd: Command, args: Buffer[], n: number, queued: Queued[] | null): boolean {
    if (cmd.hasFact(FACT_RUNS_QUEUE)) return queued !== null && queued.some((q) => this.refusesKeys(q.cmd, q.args, n));
    if (queued !== null && !cmd.hasFact(FACT_OOM_EXEMPT_IN_MULTI)) return true;
    return this.refusesKeys(cmd, args, n);
  }

  private refusesKeys(cmd: Command, args: Buffer[], n: number): boolean {
    if (!cmd.hasFlag(FLAG_DENYOOM)) return false;
    if (cmd.singleKeyIndex !== 0) return this.isOver(shardOfKey(args[cmd.singleKeyIndex], n));
    const keys = cmd.keyIndexes(args);
    if (keys.length === 0) return this.pressure;
    for (const i of keys) if (this.isOver(shardOfKey(args[i], n))) return true;
    return false;
  }
}
