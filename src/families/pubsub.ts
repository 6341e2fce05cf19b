// Pub/Sub commands: SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE PUBLISH, the sharded SSUBSCRIBE
// SUNSUBSCRIBE SPUBLISH (standalone: their own namespace, as Redis 7.0 without cluster), PUBSUB *.
// Invariants: subscriptions live on the client's own thread (its tables in ShardWorker.pubsub);
// PUBLISH counts every thread's receivers before it answers (src/server/pubsub.ts fans it out);
// PUBSUB's names are the union over threads (a channel subscribed on two threads is one channel),
// its counts the sum. Confirmations are pushes (RESP3 `>`), written whatever CLIENT REPLY says.

import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { Client } from '../server/client.ts';
import type { CommandImpl } from '../server/command-types.ts';
import type { PendingReply } from '../server/reply-queue.ts';
import { allOk, type OpError } from '../server/shard-ops.ts';
import { CHANNEL, PATTERN, PUBSUB_NAMES, PUBSUB_NUMSUB, SHARD_CHANNEL, publish } from '../server/pubsub.ts';
import type { SubKind, Subscriptions } from '../server/pubsub-tables.ts';
import { helpReply } from './client-commands.ts';

const SUBSCRIBE_WORD = ['subscribe', 'psubscribe', 'ssubscribe'];
const UNSUBSCRIBE_WORD = ['unsubscribe', 'punsubscribe', 'sunsubscribe'];

/** The count a confirmation carries: channels + patterns, or shard channels for the sharded kind. */
function countFor(subs: Subscriptions | null, kind: SubKind): number {
  if (subs === null) return 0;
  return kind === SHARD_CHANNEL ? subs.shardChannels.size : subs.classicCount;
}

/** One confirmation push: [word, name or null, count]. */
function confirm(w: ReplyWriter, word: string, name: Buffer | string | null, count: number): void {
  w.push(3);
  w.bulk(word);
  if (name === null) w.nullBulk();
  else w.bulk(typeof name === 'string' ? Buffer.from(name, 'latin1') : name);
  w.integer(count);
}

/** SUBSCRIBE / PSUBSCRIBE / SSUBSCRIBE name [name ...] */
function subscribeGeneric(kind: SubKind): (c: Client, args: Buffer[], w: ReplyWriter) => void {
  return (c, args, w) => {
    const subs = c.subscriptions();
    for (let i = 1; i < args.length; i++) {
      subs.add(kind, args[i]);
      confirm(w, SUBSCRIBE_WORD[kind], args[i], countFor(subs, kind));
    }
  };
}

/** UNSUBSCRIBE / PUNSUBSCRIBE / SUNSUBSCRIBE [name ...]: no name leaves every one of the kind. */
function unsubscribeGeneric(kind: SubKind): (c: Client, args: Buffer[], w: ReplyWriter) => void {
  return (c, args, w) => {
    const subs = c.subs;
    const word = UNSUBSCRIBE_WORD[kind];
    if (args.length === 1) {
      const names = subs === null ? [] : subs.list(kind);
      for (const name of names) {
        subs!.remove(kind, name);
        confirm(w, word, name, countFor(subs, kind));
      }
      if (names.length === 0) confirm(w, word, null, countFor(subs, kind));
    } else {
      for (let i = 1; i < args.length; i++) {
        if (subs !== null) subs.remove(kind, args[i].latin1Slice());
        confirm(w, word, args[i], countFor(subs, kind));
      }
    }
    c.settleSubscriptions();
  };
}

/** PUBLISH channel message / SPUBLISH shardchannel message */
function publishGeneric(sharded: boolean): (c: Client, args: Buffer[], w: ReplyWriter) => void {
  return (c, args, w) => {
    if (c.worker.n === 1) return w.integer(publish(c.worker, args[1], args[2], undefined, sharded));
    // Publish first: a message to this very client (RESP3) goes before its reply, as in Redis. When
    // another thread must count, its answer comes later: the slot exists by then.
    let slot: PendingReply | null = null;
    let now = -1;
    publish(c.worker, args[1], args[2], (n) => (slot === null ? (now = n) : slot.complete(Buffer.from(`:${n}\r\n`, 'latin1'))), sharded);
    if (now >= 0) w.integer(now);
    else slot = c.addPending(w);
  };
}

/** PUBSUB CHANNELS [pattern] / SHARDCHANNELS [pattern]: the union of every thread's active names. */
function channelList(kind: SubKind): (c: Client, args: Buffer[], w: ReplyWriter) => void {
  return (c, args, w) => {
    if (args.length > 3) return w.error(`ERR unknown subcommand or wrong number of arguments for '${args[1].latin1Slice()}'. Try PUBSUB HELP.`);
    c.coord.broadcastOp(PUBSUB_NAMES, [kind, args.length > 2 ? args[2] : null], (results, out) => {
      const names = unionOf(results, out);
      if (names === null) return;
      out.array(names.size);
      for (const n of names) out.bulk(Buffer.from(n, 'latin1'));
    }, w);
  };
}

function unionOf(results: (Buffer[] | OpError)[], w: ReplyWriter): Set<string> | null {
  const lists = allOk(results, w);
  if (lists === null) return null;
  const names = new Set<string>();
  for (const l of lists) for (const b of l) names.add(b.latin1Slice());
  return names;
}

/** PUBSUB NUMPAT: distinct patterns over every thread. */
function numpat(c: Client, _args: Buffer[], w: ReplyWriter): void {
  c.coord.broadcastOp(PUBSUB_NAMES, [PATTERN, null], (results, out) => {
    const names = unionOf(results, out);
    if (names !== null) out.integer(names.size);
  }, w);
}

/** PUBSUB NUMSUB [channel ...] / SHARDNUMSUB [shardchannel ...]: subscribers summed over threads. */
function numsub(sharded: boolean): (c: Client, args: Buffer[], w: ReplyWriter) => void {
  return (c, args, w) => {
    const channels = args.slice(2);
    c.coord.broadcastOp(PUBSUB_NUMSUB, [sharded, channels], (results, out) => {
      const counts = allOk(results, out);
      if (counts === null) return;
      out.array(channels.length * 2);
      for (let i = 0; i < channels.length; i++) {
        out.bulk(channels[i]);
        let n = 0;
        for (const t of counts) n += t[i];
        out.integer(n);
      }
    }, w);
  };
}

const PUBSUB_HELP = [
  'PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CHANNELS [<pattern>]',
  "    Return the currently active channels matching a <pattern> (default: '*').",
  'NUMPAT',
  '    Return number of subscriptions to patterns.',
  'NUMSUB [<channel> ...]',
  '    Return the number of subscribers for the specified channels, excluding',
  '    pattern subscriptions(default: no channels).',
  'SHARDCHANNELS [<pattern>]',
  "    Return the currently active shard level channels matching a <pattern> (default: '*').",
  'SHARDNUMSUB [<shardchannel> ...]',
  '    Return the number of subscribers for the specified shard level channel(s)',
  'HELP',
  '    Prints this help.',
];

export const commands: Record<string, CommandImpl> = {
  subscribe: { conn: subscribeGeneric(CHANNEL) },
  psubscribe: { conn: subscribeGeneric(PATTERN) },
  ssubscribe: { conn: subscribeGeneric(SHARD_CHANNEL) },
  unsubscribe: { conn: unsubscribeGeneric(CHANNEL) },
  punsubscribe: { conn: unsubscribeGeneric(PATTERN) },
  sunsubscribe: { conn: unsubscribeGeneric(SHARD_CHANNEL) },
  publish: { conn: publishGeneric(false) },
  spublish: { conn: publishGeneric(true) },
  pubsub: {},
  'pubsub|channels': { conn: channelList(CHANNEL) },
  'pubsub|shardchannels': { conn: channelList(SHARD_CHANNEL) },
  'pubsub|numpat': { conn: numpat },
  'pubsub|numsub': { conn: numsub(false) },
  'pubsub|shardnumsub': { conn: numsub(true) },
  'pubsub|help': { conn: (_c, _a, w) => helpReply(w, PUBSUB_HELP) },
};
