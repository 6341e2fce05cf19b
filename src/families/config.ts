// CONFIG GET/SET/RESETSTAT/REWRITE/HELP, and the operations that apply settings and zero counters on
// every worker.
// Invariants: CONFIG SET is validated whole on the client's thread before any worker applies it
// (config-apply), so it is all-or-nothing; the one apply that can fail (listening on a new port or
// addresses) is done and checked on every thread before config-apply commits it; every worker holds
// the same settings.

import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { resolve } from 'node:path';
import { applyKeyspaceEvents } from '../server/notify.ts';
import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { CommandImpl } from '../server/command-types.ts';
import { type Client } from '../server/client.ts';
import type { WorkerThread } from '../server/worker-thread.ts';
import { defineOp, replyAllOk } from '../server/shard-ops.ts';
import { json, none } from '../util/codec.ts';
import { clampHz, type ShardWorker } from '../server/shard-worker.ts';
import { PARAMS, configNames, defaults, formatValue, paramByConfig, resolveMaxmemory, type Param } from '../config/params.ts';
import { bindHosts, claimPort } from '../runtime/port-claim.ts';
import { parseSetting, rewriteFlagfile, rewriteRedisConf } from '../config/redis-conf.ts';
import { globMatch } from '../engine/glob.ts';
import { ERR_SYNTAX } from './family-util.ts';
import { helpReply } from './client-commands.ts';
import { protectedAllowed } from '../server/dispatcher.ts';
import { MIN_RESERVED_FDS, readHostFacts } from '../util/host-checks.ts';

/** How CONFIG GET shows a parameter's current value. */
function configValue(worker: ShardWorker, p: Param): string {
  const v = worker.config[p.flag];
  // Redis reports the working directory as an absolute path (it chdirs there at startup).
  if (p.config === 'dir') return resolve(String(v));
  return formatValue(p, v);
}

/** CONFIG GET parameter [parameter ...] */
function configGet(c: Client, args: Buffer[], w: ReplyWriter): void {
  const seen = new Set<string>();
  const out: [string, string][] = [];
  for (let i = 2; i < args.length; i++) {
    const pat = args[i].toString('latin1');
    if (!/[[*?]/.test(pat)) {
      // Exact name: reported as the client spelled it.
      const lower = pat.toLowerCase();
      if (seen.has(lower)) continue;
      const p = paramByConfig(pat);
      if (p !== undefined) {
        seen.add(lower);
        out.push([pat, configValue(c.worker, p)]);
      }
      continue;
    }
    for (const p of PARAMS) {
      // Hidden settings answer their exact name only.
      if (p.hidden === true) continue;
      // A pattern lists a setting under each of its names (aliases too), as Redis 7 does.
      for (const name of configNames(p)) {
        if (seen.has(name) || !globMatch(args[i], name, true)) continue;
        seen.add(name);
        out.push([name, configValue(c.worker, p)]);
      }
    }
  }
  w.map(out.length);
  for (const [k, v] of out) {
    w.bulk(k);
    w.bulk(v);
  }
}

/** Redis's SENSITIVE_CONFIG parameters: their values are shown as "(redacted)" (slow log, monitors). */
const SENSITIVE_CONFIGS = new Set(['requirepass', 'masterauth', 'masteruser']);

/** CONFIG SET parameter value [parameter value ...] */
function configSet(c: Client, args: Buffer[], w: ReplyWriter): void {
  if (args.length % 2 === 1) return w.error(ERR_SYNTAX);
  const count = (args.length - 2) / 2;
  const chosen: Param[] = [];
  // The lower-case names given: an alias and its parameter's own name are not duplicates (Redis 7.0).
  const names: string[] = [];
  let invalid = false;
  let unknown: string | null = null;
  let errArg = '';
  let errStr = '';
  for (let i = 0; i < count; i++) {
    const name = args[2 + i * 2].toString('latin1');
    // Every sensitive value is redacted, even when another argument fails (Redis configSetCommand).
    if (SENSITIVE_CONFIGS.has(name.toLowerCase())) c.redactArgument(3 + i * 2);
    const p = paramByConfig(name);
    if (p === undefined) {
      if (!invalid) {
        unknown = name;
        invalid = true;
      }
      continue;
    }
    // Every sensitive value is hidden from monitors, even when the command fails (Redis goes on for this).
    if (p.sensitive === true) c.redactArgument(3 + i * 2);
    if (invalid) continue;
    if (!p.mutable || (p.protected === true && !protectedAllowed(c, 'enable-protected-configs'))) {
      errStr = !p.mutable ? "can't set immutable config" : "can't set protected config";
      errArg = name;
      invalid = true;
      continue;
    }
    const lower = name.toLowerCase();
    if (names.includes(lower)) {
      errStr = 'duplicate parameter';
      errArg = name;
      invalid = true;
    }
    chosen[i] = p;
    names[i] = lower;
  }
  if (unknown !== null) return w.error(`ERR Unknown option or number of arguments for CONFIG SET - '${unknown}'`);
  if (invalid) return w.error(`ERR CONFIG SET failed (possibly related to argument '${errArg}') - ${errStr}`);
  const changes: [string, string | number | boolean][] = [];
  for (let i = 0; i < count; i++) {
    const p = chosen[i];
    const r = parseSetting(p, args[3 + i * 2].toString('latin1'), c.worker.config[p.flag]);
    if ('error' in r) return w.error(`ERR CONFIG SET failed (possibly related to argument '${names[i]}') - ${r.error}`);
    changes.push([p.flag, r.value]);
  }
  const maxclients = changes.findIndex(([f]) => f === 'maxclients');
  if (maxclients >= 0) {
    const room = clientsTheFileLimitAllows();
    if ((changes[maxclients][1] as number) > room) {
      return w.error(`ERR CONFIG SET failed (possibly related to argument '${names[maxclients]}') - The operating system is not able to handle the specified number of clients, try with ${room}`);
    }
  }
  // Listening on a new port or addresses is the one apply that can fail: it goes first, so a failure
  // changes nothing (Redis restores the settings it had set). Its reply fills a slot later.
  const port = changes.find(([f]) => f === 'port');
  const bind = changes.find(([f]) => f === 'bind');
  const cfg = c.worker.config;
  if ((port !== undefined && port[1] !== cfg.port) || (bind !== undefined && bind[1] !== cfg.bind)) {
    const target = c.addPending(w);
    const arg = names[changes.indexOf(port ?? bind!)];
    const why = port !== undefined ? 'Unable to listen on this port. Check server logs.' : 'Failed to bind to specified addresses.';
    const out = c.worker.newWriter(c.resp);
    void relisten(c, (port?.[1] ?? cfg.port) as number, String(bind?.[1] ?? cfg.bind))
      .then(async (failed) => {
        if (failed) return out.error(`ERR CONFIG SET failed (possibly related to argument '${arg}') - ${why}`);
        replyAllOk(await Promise.all(everyShard(c).map((s) => c.coord.op(s, CONFIG_APPLY, changes))), out);
      })
      .catch((e: Error) => out.error(`ERR internal error: ${e.message}`))
      .then(() => target.complete(out.take()));
    return;
  }
  // At once on this thread (the client's next commands see it), then in one transaction over every
  // whole shard: concurrent CONFIG SETs from clients on different threads are applied in the same
  // order everywhere, so every thread ends with the same settings (the last in that order).
  applyConfig(c.worker as WorkerThread, changes);
  c.coord.broadcastAtomicOp(CONFIG_APPLY, changes, replyAllOk, w);
}

/**
 * Redis's updateMaxclients (adjustOpenFilesLimit): maxclients needs that many descriptors plus
 * MIN_RESERVED_FDS. Node.js already runs with its soft limit raised to the hard one and cannot raise
 * it further, so a larger maxclients is refused with the count that fits, as Redis refuses when its
 * setrlimit fails (no limit known: anything goes).
 */
function clientsTheFileLimitAllows(): number {
  const limit = readHostFacts().openFilesLimit;
  return limit === null ? Infinity : Math.max(1, limit - MIN_RESERVED_FDS);
}

function everyShard(c: Client): number[] {
  return Array.from({ length: c.worker.n }, (_, s) => s);
}

/** Names this thread's port/bind changes (with its index: unique across threads). */
let listenSeq = 0;

/**
 * Claims `port` on `bind`'s addresses, then every thread listens there beside its current listeners;
 * once all do, the new listeners replace the old ones (which close; their clients stay). If one
 * cannot, every thread closes its new listeners. Resolves true on failure.
 */
async function relisten(c: Client, port: number, bind: string): Promise<boolean> {
  // A new port becomes this process's first (the threads share it with SO_REUSEPORT, which would let
  // them join another Damselfly's listeners there); the current one is already ours.
  if (port !== c.worker.config.port) {
    try {
      await claimPort(port, bindHosts(bind));
    } catch (e) {
      c.worker.log(`Warning: ${(e as Error).message}`);
      return true;
    }
  }
  const id = `${c.worker.index}.${++listenSeq}`;
  const shards = everyShard(c);
  await Promise.all(shards.map((s) => c.coord.op(s, LISTEN_OPEN, [id, port, bind])));
  for (;;) {
    const states = await Promise.all(shards.map((s) => c.coord.op(s, LISTEN_STATE, id)));
    if (states.some((st) => st !== 'ok' && st !== 'pending')) {
      await Promise.all(shards.map((s) => c.coord.op(s, LISTEN_ABORT, id)));
      return true;
    }
    if (states.every((st) => st === 'ok')) break;
    // A listen completes within an event-loop turn: look again on the next one.
    await new Promise<void>((r) => setImmediate(r));
  }
  // Only a CONFIG SET port/bind from another client at this very moment can make this false.
  const committed = await Promise.all(shards.map((s) => c.coord.op(s, LISTEN_COMMIT, id)));
  return committed.some((ok) => ok !== true);
}

/** Starts this thread's listeners for a port/bind change (WorkerThread.openPendingListeners). */
const LISTEN_OPEN = defineOp('listen-open', json<[string, number, string]>(), none, (x, [id, port, bind]) => {
  x.worker.openPendingListeners(id, port, bind);
  return null;
});

/** 'pending', 'ok', or why this thread cannot listen for the change. */
const LISTEN_STATE = defineOp('listen-state', json<string>(), json<string>(), (x, id) => x.worker.listenState(id));

/** The change's listeners replace this thread's old ones. */
const LISTEN_COMMIT = defineOp('listen-commit', json<string>(), json<boolean>(), (x, id) => x.worker.commitListeners(id));

/** Closes this thread's new listeners: another thread could not listen. */
const LISTEN_ABORT = defineOp('listen-abort', json<string>(), none, (x, id) => {
  x.worker.abortListeners(id);
  return null;
});

type ConfigChanges = [string, string | number | boolean][];

/** Applies validated settings to this worker (applyConfig). */
const CONFIG_APPLY = defineOp('config-apply', json<ConfigChanges>(), none, (x, changes) => {
  applyConfig(x.worker, changes);
  return null;
});

/** Applies validated settings (CONFIG SET checked them whole) to one worker and its shard. */
function applyConfig(worker: WorkerThread, changes: ConfigChanges): void {
  const shard = worker.shard;
  for (const [flag, value] of changes) {
    worker.config[flag] = value;
    switch (flag) {
      case 'hz':
        worker.config.hz = clampHz(value as number);
        shard.startExpiry(worker.config.hz);
        break;
      case 'maxmemory':
      case 'maxmemory_policy':
      case 'cache_mode':
      case 'maxmemory_samples':
      case 'lfu_log_factor':
      case 'lfu_decay_time':
        worker.applyMemoryConfig();
        break;
      case 'notify_keyspace_events':
        applyKeyspaceEvents(worker, shard, value as string);
        break;
      case 'slowlog_log_slower_than':
      case 'slowlog_max_len':
      case 'latency_monitor_threshold':
      case 'latency_tracking':
      case 'latency_tracking_info_percentiles':
        worker.applyTimingConfig();
        break;
      case 'proto_max_bulk_len':
        shard.maxBulkLen = value as number;
        for (const conn of worker.clients.values()) conn.parser.limits.maxBulkLen = value as number;
        break;
      default:
        break;
    }
  }
}

/** CONFIG RESETSTAT */
function configResetStat(c: Client, _args: Buffer[], w: ReplyWriter): void {
  c.coord.broadcastOp(RESET_STATS, null, replyAllOk, w);
}

/** Zeroes this worker's INFO counters. */
const RESET_STATS = defineOp('reset-stats', none, none, (x) => {
  x.worker.resetStats();
  return null;
});

/** CONFIG REWRITE: the file the server started from, rewritten as Redis's rewriteConfig does. */
function configRewrite(c: Client, _args: Buffer[], w: ReplyWriter): void {
  const file = (c.worker as WorkerThread).configFile;
  if (file === null) return w.error('ERR The server is running without a config file');
  try {
    let old = '';
    try {
      old = readFileSync(file.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    const cfg = c.worker.config;
    // maxmemory's default (auto) as this machine resolves it: not written unless changed.
    const base = defaults();
    base.maxmemory = resolveMaxmemory(base, totalmem());
    const text = file.kind === 'redis' ? rewriteRedisConf(old, cfg, base, resolve(String(cfg.dir))) : rewriteFlagfile(old, cfg, base);
    // Written whole and renamed over the old file, as Redis does (a crash leaves the old or the new).
    const tmp = `${file.path}.${process.pid}.tmp`;
    writeFileSync(tmp, text, { mode: 0o644 });
    renameSync(tmp, file.path);
    c.worker.log(`CONFIG REWRITE executed with success.`);
    w.ok();
  } catch (e) {
    c.worker.log(`CONFIG REWRITE failed: ${(e as Error).message}`);
    w.error(`ERR Rewriting config file: ${(e as Error).message}`);
  }
}

const CONFIG_HELP = [
  'CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'GET <pattern>',
  '    Return parameters matching the glob-like <pattern> and their values.',
  'SET <directive> <value>',
  '    Set the configuration <directive> to <value>.',
  'RESETSTAT',
  '    Reset statistics reported by the INFO command.',
  'REWRITE',
  '    Rewrite the configuration file.',
  'HELP',
  '    Prints this help.',
];

/** CONFIG HELP */
function configHelp(_c: Client, _args: Buffer[], w: ReplyWriter): void {
  helpReply(w, CONFIG_HELP);
}

export const commands: Record<string, CommandImpl> = {
  config: {},
  'config|get': { conn: configGet },
  'config|set': { conn: configSet },
  'config|resetstat': { conn: configResetStat },
  'config|rewrite': { conn: configRewrite },
  'config|help': { conn: configHelp },
};

export const ops = [CONFIG_APPLY, RESET_STATS, LISTEN_OPEN, LISTEN_STATE, LISTEN_COMMIT, LISTEN_ABORT];
