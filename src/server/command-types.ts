// The shapes every family implements: where a command runs and how its answers merge.
// Invariants: a `shard` handler touches only the shard it is given (it may run on another thread than
// the client's) and writes exactly one reply; a `conn` handler runs on the client's thread and may
// coordinate other shards through the client's Coordinator; `multi` says how per-shard answers combine when a
// command's keys span shards.
// This module is the top of the server layer (it names the whole worker thread and the client): the
// modules below it see implementations through CommandImplBase (command-table.ts) and ShardExecBase
// (shard-worker.ts).

import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { Client } from './client.ts';
import type { CommandImplBase } from './command-table.ts';
import type { ShardExecBase } from './shard-worker.ts';
import type { WorkerThread } from './worker-thread.ts';

export type { FoundKey } from './command-table.ts';
export { REQ_NO_TOUCH, REQ_PART } from '../runtime/request-flags.ts';

/** Per-command execution context on the shard that owns the keys (reused, never retained). */
export interface ShardExec extends ShardExecBase {
  /** The worker thread running this shard (for internal whole-thread commands: clients, config, stats). */
  worker: WorkerThread;
}

export type ShardHandler = (x: ShardExec, args: Buffer[], w: ReplyWriter) => void;
export type ConnHandler = (c: Client, args: Buffer[], w: ReplyWriter) => void;
/** A connection-thread command that needs several hops: a barrier; it writes into its own writer. */
export type AsyncConnHandler = (c: Client, args: Buffer[], w: ReplyWriter) => Promise<void>;

/**
 * How a command whose keys span shards is answered:
 * - 'sum': integer replies added (DEL, EXISTS, TOUCH, UNLINK);
 * - 'inOrder': array replies re-assembled in key order (MGET);
 * - 'ok': +OK once every part succeeded (MSET);
 * - a function: the command coordinates itself (multi-hop; a barrier for the pipeline).
 */
export type MultiShard = 'sum' | 'inOrder' | 'ok' | ((c: Client, args: Buffer[], w: ReplyWriter) => Promise<void>);

export interface CommandImpl extends CommandImplBase {
  shard?: ShardHandler;
  conn?: ConnHandler;
  connAsync?: AsyncConnHandler;
  multi?: MultiShard;
  /** Arguments that travel with each key when a command is split per shard (MSET: 1). */
  keyArgs?: number;
  /**
   * A key the command touches in another database than the client's (MOVE's key in the target
   * database, COPY's destination with DB): [argument index, database], or null. Locks cover it.
   */
  otherDbKey?: (args: Buffer[]) => [number, number] | null;
  /**
   * Key positions when the key specs cannot give them (Redis's getkeys_proc: SORT ... STORE), each
   * with the index of the key spec whose flags it has; args[0] is the command name. The spec must
   * name it (damselfly.getKeysFunction); command-keys.ts calls it when the specs fail.
   */
  getKeys?: CommandImplBase['getKeys'];
  /**
   * Keys the command reads without naming them (SORT's BY/GET patterns, resolved as it runs), for
   * routing: one key per pattern whose hash slot every key it makes shares, or null when they may be
   * on any shard. Absent: the command reads only the keys it names.
   */
  derivedKeys?: (args: Buffer[]) => Buffer[] | null;
}
