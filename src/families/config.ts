// CONFIG GET/SET/RESETSTAT/REWRITE/HELP, and the operations that apply settings and zero counters on
// every worker.
// Invariants: CONFIG SET is validated whole on the client's thread before any worker applies it
// (config-apply), so it is all-or-nothing; every worker holds the same settings.

import { applyKeyspaceEvents } from '../server/notify.ts';
import { resolve } from 'node:path';
import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { CommandImpl } from '../server/command-types.ts';
import { type Client } from '../server/client.ts';
import { defineOp, replyAllOk } from '../server/shard-ops.ts';
import { json, none } from '../util/codec.ts';
import { clampHz, type ShardWorker } from '../server/shard-worker.ts';
import { PARAMS, configNames, formatValue, paramByConfig, parseValue, type Param } from '../config/params.ts';
import { mergeOutputLimits } from '../config/output-limits.ts';
import { globMatch } from '../engine/glob.ts';
import { ERR_SYNTAX } from './family-util.ts';
import { helpReply } from './client-commands.ts';

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

/** Validates a CONFIG SET value the way Redis's config setters do (`current`: the setting's value now). */
function parseConfigSet(p: Param, raw: string, current: string | number | boolean): { value: string | number | boolean } | { error: string } {
  // Classes not named keep their limits.
  if (p.config === 'client-output-buffer-limit') return mergeOutputLimits(current as string, raw);
  if (p.type === 'bool') {
    // CONFIG SET takes only yes/no (flags also accept true/false/1/0).
    const l = raw.toLowerCase();
    if (l !== 'yes' && l !== 'no') return { error: "argument must be 'yes' or 'no'" };
    return { value: l === 'yes' };
  }
  if (p.config === 'save') {
    const parts = raw.split(' ').filter((s) => s !== '');
    if (parts.length % 2 === 1) return { error: 'Invalid save parameters' };
    for (let j = 0; j < parts.length; j++) {
      if (!/^[+-]?\d+$/.test(parts[j])) return { error: 'Invalid save parameters' };
      const n = Number(parts[j]);
      if ((j % 2 === 0 && n < 1) || (j % 2 === 1 && n < 0)) return { error: 'Invalid save parameters' };
    }
    return { value: parts.join(' ') };
  }
  return parseValue(p, raw, 'config');
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
    if (invalid) continue;
    if (p.protected || !p.mutable) {
      errStr = p.protected ? "can't set protected config" : "can't set immutable config";
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
    const r = parseConfigSet(p, args[3 + i * 2].toString('latin1'), c.worker.config[p.flag]);
    if ('error' in r) return w.error(`ERR CONFIG SET failed (possibly related to argument '${names[i]}') - ${r.error}`);
    changes.push([p.flag, r.value]);
  }
  c.coord.broadcastOp(CONFIG_APPLY, changes, replyAllOk, w);
}

type ConfigChanges = [string, string | number | boolean][];

/** Applies validated settings (CONFIG SET checked them whole) to this worker. */
const CONFIG_APPLY = defineOp('config-apply', json<ConfigChanges>(), none, (x, changes) => {
  const worker = x.worker;
  for (const [flag, value] of changes) {
    worker.config[flag] = value;
    switch (flag) {
      case 'hz':
        worker.config.hz = clampHz(value as number);
        x.shard.startExpiry(worker.config.hz);
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
        applyKeyspaceEvents(worker, x.shard, value as string);
        break;
      case 'slowlog_log_slower_than':
      case 'slowlog_max_len':
      case 'latency_monitor_threshold':
      case 'latency_tracking':
      case 'latency_tracking_info_percentiles':
        worker.applyTimingConfig();
        break;
      case 'proto_max_bulk_len':
        x.shard.maxBulkLen = value as number;
        for (const conn of worker.clients.values()) conn.parser.limits.maxBulkLen = value as number;
        break;
      default:
        break;
    }
  }
  return null;
});

/** CONFIG RESETSTAT */
function configResetStat(c: Client, _args: Buffer[], w: ReplyWriter): void {
  c.coord.broadcastOp(RESET_STATS, null, replyAllOk, w);
}

/** Zeroes this worker's INFO counters. */
const RESET_STATS = defineOp('reset-stats', none, none, (x) => {
  x.worker.resetStats();
  return null;
});

/** CONFIG REWRITE */
function configRewrite(_c: Client, _args: Buffer[], w: ReplyWriter): void {
  w.error('ERR The server is running without a config file');
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

export const ops = [CONFIG_APPLY, RESET_STATS];
