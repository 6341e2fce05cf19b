// Shard operations as the families define them: defineOp gives `run` the full execution context
// (ShardExec: the shard and the worker thread running it). The operation table and codecs are in
// op-table.ts (below the shard worker), re-exported here.

import type { Codec } from '../util/codec.ts';
import type { ShardExec } from './command-types.ts';
import { defineShardOp, type OpError, type ShardOp } from './op-table.ts';

export * from './op-table.ts';

export function defineOp<A, R>(name: string, args: Codec<A>, result: Codec<R>, run: (x: ShardExec, a: A) => R | OpError, write = false): ShardOp<A, R> {
  return defineShardOp(name, args, result, run, write);
}
