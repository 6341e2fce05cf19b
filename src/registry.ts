// The registry: joins every family's handlers with the specs into the server's command table, and
// collects the families' shard operations into the table's separate operation registry.
// Invariants: a command name is registered by exactly one family; an operation once, in family order
// (the same order in every worker, so wire numbers agree); nothing but client commands is in the
// command table.

import { buildTable, loadSpecs, type CommandTable } from './server/command-table.ts';
import type { CommandImpl } from './server/command-types.ts';
import type { ShardOp } from './server/op-table.ts';
import { PUSH_OPS } from './server/push.ts';
import { PUBSUB_OPS, publish } from './server/pubsub.ts';
import { setKeyspacePublisher } from './server/notify.ts';
import type { ShardWorker } from './server/shard-worker.ts';
import { MONITOR_OPS } from './server/monitor.ts';
import * as strings from './families/strings.ts';
import * as keyspace from './families/keyspace.ts';
import * as keyspaceExpire from './families/keyspace-expire.ts';
import * as keyspaceScan from './families/keyspace-scan.ts';
import * as keyspaceFlush from './families/keyspace-flush.ts';
import * as keyspaceMove from './families/keyspace-move.ts';
import * as keyspaceObject from './families/keyspace-object.ts';
import * as clientCommands from './families/client-commands.ts';
import * as tracking from './families/tracking.ts';
import * as server from './families/server.ts';
import * as info from './families/info.ts';
import * as config from './families/config.ts';
import * as commandDocs from './families/command-docs.ts';
import * as multiExec from './families/multi-exec.ts';
import * as lists from './families/lists.ts';
import * as hashes from './families/hashes.ts';
import * as sets from './families/sets.ts';
import * as zset from './families/zset.ts';
import * as blockingCommands from './families/blocking-commands.ts';
import * as sort from './families/sort.ts';
import * as memory from './families/memory.ts';
import * as hyperloglog from './families/hyperloglog.ts';
import * as geo from './families/geo.ts';
import * as bitmaps from './families/bitmaps.ts';
import * as streams from './families/streams.ts';
import * as streamsRead from './families/streams-read.ts';
import * as streamGroups from './families/stream-groups.ts';
import * as pubsub from './families/pubsub.ts';
import * as monitor from './families/monitor.ts';
import * as debug from './families/debug.ts';
import * as metrics from './families/metrics.ts';
import * as slowlog from './families/slowlog.ts';
import * as latency from './families/latency.ts';

/** Operations of the server layer itself (not of a family). */
const SERVER_OPS: ShardOp<any, any>[] = [...PUSH_OPS, ...PUBSUB_OPS, ...MONITOR_OPS];

interface Family {
  commands: Record<string, CommandImpl>;
  /** The shard operations the family's coordinators use. */
  ops?: ShardOp<any, any>[];
}

export const FAMILIES: Record<string, Family> = {
  strings, keyspace, keyspaceExpire, keyspaceScan, keyspaceFlush, keyspaceMove, keyspaceObject, clientCommands, tracking, server, info, config, commandDocs, multiExec, lists, hashes, sets, zset, blockingCommands, sort, memory,
  hyperloglog, geo, bitmaps, streams, streamsRead, streamGroups,
  pubsub, monitor,
  debug,
  metrics,
  slowlog, latency,
};

// Keyspace notifications go out through Pub/Sub (notify.ts cannot import pubsub.ts: a cycle).
setKeyspacePublisher((worker, channel, message) => {
  publish(worker as ShardWorker, channel, message);
});

export function buildServerTable(): CommandTable {
  const impls = new Map<string, CommandImpl>();
  for (const [famName, fam] of Object.entries(FAMILIES)) {
    for (const [name, impl] of Object.entries(fam.commands)) {
      if (impls.has(name)) throw new Error(`command ${name} registered twice (${famName})`);
      impls.set(name, impl);
    }
  }
  return registerOps(buildTable(loadSpecs(), impls));
}

/** Adds every family's shard operations to `table`'s operation registry, in one fixed order. */
export function registerOps(table: CommandTable): CommandTable {
  for (const op of SERVER_OPS) table.ops.add(op);
  for (const fam of Object.values(FAMILIES)) for (const op of fam.ops ?? []) table.ops.add(op);
  return table;
}
