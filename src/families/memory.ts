// Memory commands: MEMORY USAGE / STATS / DOCTOR / MALLOC-STATS / PURGE / HELP, and the one memory
// report INFO memory, MEMORY STATS and MEMORY DOCTOR all read.
// Invariants: total.allocated (INFO used_memory) = startup + the shards' usedMemory() + client
// buffers, as Redis's used_memory holds its startup allocations and its clients' buffers beside the
// data. startup.allocated is each thread's heap in use once it was up (measured before any client,
// then fixed); the shards' usedMemory() — keys, values and table overhead — is the part maxmemory
// limits (docs/limits). overhead.total = startup + client buffers + the tables, so dataset.bytes =
// total - overhead is the shards' data without their tables, never negative. The V8 heaps and the
// process RSS are reported beside it (allocator.*, fragmentation). MEMORY USAGE runs on the key's
// shard and counts no keyspace hit or miss (Redis looks the key up with dictFind).

import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { CommandImpl, ShardExec } from '../server/command-types.ts';
import type { Client } from '../server/client.ts';
import { kindOf } from '../engine/kinds.ts';
import { allOk, defineOp } from '../server/shard-ops.ts';
import { json, none, text } from '../util/codec.ts';
import { formatDouble } from '../util/numbers.ts';
import { ERR_NOT_INTEGER, ERR_SYNTAX, isWord, keyString, parseInteger } from './family-util.ts';
import { helpReply } from './client-commands.ts';

/** What the allocator is called in INFO mem_allocator and MEMORY DOCTOR. */
export const MEM_ALLOCATOR = 'v8';

/** Redis OBJ_COMPUTE_SIZE_DEF_SAMPLES. */
const DEFAULT_SAMPLES = 5;

// ---------------------------------------------------------------------------------------------
// Per-shard snapshot and the process-wide report

/** One shard thread's memory figures (the mem-stats operation, and the `mem` part of INFO's stats). */
export interface MemorySnapshot {
  /** The thread's heap in use when it started (before any client). */
  startup: number;
  /** The shard's usedMemory() and its peak. */
  used: number;
  peak: number;
  /** This thread's V8 heap: bytes in use, reserved, and resident (each plus off-heap buffers). */
  allocated: number;
  active: number;
  resident: number;
  /** Query and output buffers of this thread's clients, and how many clients it has. */
  clientMem: number;
  clients: number;
  /** [db, keys, table overhead bytes] of the non-empty databases. */
  dbs: [number, number, number][];
}

export function memorySnapshot(x: ShardExec): MemorySnapshot {
  const worker = x.worker;
  const used = x.shard.usedMemory();
  const dbs: MemorySnapshot['dbs'] = [];
  // Arena chunks are SharedArrayBuffers, which V8's external_memory does not count: add them.
  let arenaUsed = 0;
  let arenaCommitted = 0;
  for (const db of x.shard.dbs) {
    arenaUsed += db.arena.usedBytes;
    arenaCommitted += db.arena.committedBytes;
  }
  x.shard.dbs.forEach((db, i) => {
    // What the keyspace spends beyond keys and values: the index (dashtable segments and directory).
    if (db.size > 0) dbs.push([i, db.size, db.table.bytes]);
  });
  let clientMem = 0;
  // What each client holds, as CLIENT LIST tot-mem (Redis's mem_clients_normal sums the same).
  for (const conn of worker.clients.values()) clientMem += conn.measureMemory();
  const h = getHeapStatistics();
  return {
    startup: worker.startupMemory,
    used,
    peak: Math.max(x.shard.peakMemory, used),
    allocated: h.used_heap_size + h.external_memory + arenaUsed,
    active: h.total_heap_size + h.external_memory + arenaCommitted,
    resident: h.total_physical_size + h.external_memory + arenaCommitted,
    clientMem,
    clients: worker.clients.size,
    dbs,
  };
}

/** The process's memory, as INFO memory and MEMORY STATS / DOCTOR report it (Redis redisMemOverhead). */
export interface MemoryReport {
  total: number;
  peak: number;
  startup: number;
  clientsNormal: number;
  clients: number;
  /** [db, keys, overhead.hashtable.main, overhead.hashtable.expires], by db. */
  dbs: [number, number, number, number][];
  overhead: number;
  keys: number;
  bytesPerKey: number;
  dataset: number;
  /** Percentages and ratios are C floats in Redis: rounded to single precision here too. */
  datasetPerc: number;
  peakPerc: number;
  allocated: number;
  active: number;
  resident: number;
  allocFrag: number;
  allocFragBytes: number;
  allocRss: number;
  allocRssBytes: number;
  rss: number;
  rssExtra: number;
  rssExtraBytes: number;
  frag: number;
  fragBytes: number;
}

/** A C float division (0 when the divisor is 0, where Redis's figures cannot be). */
function ratio(a: number, b: number): number {
  return b === 0 ? 0 : Math.fround(a / b);
}

/** Sums the shards' snapshots into the report; `rss` is the process's resident set size. */
export function memoryReport(snaps: MemorySnapshot[], rss: number): MemoryReport {
  let startup = 0;
  let total = 0;
  let peak = 0;
  let allocated = 0;
  let active = 0;
  let resident = 0;
  let clientsNormal = 0;
  let clients = 0;
  const byDb = new Map<number, [number, number]>();
  for (const s of snaps) {
    startup += s.startup;
    total += s.used;
    peak += s.peak;
    allocated += s.allocated;
    active += s.active;
    resident += s.resident;
    clientsNormal += s.clientMem;
    clients += s.clients;
    for (const [db, keys, main] of s.dbs) {
      const cur = byDb.get(db) ?? [0, 0];
      cur[0] += keys;
      cur[1] += main;
      byDb.set(db, cur);
    }
  }
  const dbs: MemoryReport['dbs'] = [...byDb].sort((a, b) => a[0] - b[0]).map(([db, [keys, main]]) => [db, keys, main, 0]);
  // Redis's used_memory holds its startup allocations and its clients' buffers beside the data.
  const data = total;
  total = startup + data + clientsNormal;
  peak = Math.max(startup + peak + clientsNormal, total);
  let keys = 0;
  let overhead = startup + clientsNormal;
  for (const [, k, main, expires] of dbs) {
    keys += k;
    overhead += main + expires;
  }
  const net = total > startup ? total - startup : 1;
  const dataset = total - overhead;
  return {
    total,
    peak,
    startup,
    clientsNormal,
    clients,
    dbs,
    overhead,
    keys,
    bytesPerKey: keys ? Math.floor(net / keys) : 0,
    dataset,
    datasetPerc: Math.fround((dataset * 100) / net),
    peakPerc: peak === 0 ? 100 : Math.fround((total * 100) / peak),
    allocated,
    active,
    resident,
    allocFrag: ratio(active, allocated),
    allocFragBytes: active - allocated,
    allocRss: ratio(resident, active),
    allocRssBytes: resident - active,
    rss,
    rssExtra: ratio(rss, resident),
    rssExtraBytes: rss - resident,
    frag: ratio(rss, total),
    fragBytes: rss - total,
  };
}

/** Gathers every shard's snapshot (one hop each) and hands the report to `write`. */
function withReport(c: Client, w: ReplyWriter, write: (r: MemoryReport, out: ReplyWriter) => void): void {
  c.coord.broadcastOp(
    MEM_STATS,
    null,
    (results, out) => {
      const snaps = allOk(results, out);
      if (snaps !== null) write(memoryReport(snaps, process.memoryUsage.rss()), out);
    },
    w,
  );
}

/** This shard thread's memory figures. */
const MEM_STATS = defineOp('mem-stats', none, json<MemorySnapshot>(), (x) => memorySnapshot(x));

// ---------------------------------------------------------------------------------------------
// MEMORY USAGE

/** MEMORY USAGE key [SAMPLES count] */
function opMemoryUsage(x: ShardExec, args: Buffer[], w: ReplyWriter): void {
  let samples = DEFAULT_SAMPLES;
  for (let j = 3; j < args.length; j++) {
    if (!isWord(args[j], 'SAMPLES') || j + 1 >= args.length) return w.error(ERR_SYNTAX);
    const n = parseInteger(args[j + 1]);
    if (n === null) return w.error(ERR_NOT_INTEGER);
    if (n < 0) return w.error(ERR_SYNTAX);
    // 0 means every element (Redis: LLONG_MAX); anything past the safe integers is as good.
    samples = typeof n === 'bigint' ? 0 : n;
    j++;
  }
  const key = args[2];
  const k = keyString(key);
  const e = x.db.lookup(k, x.now);
  if (e === undefined) return w.nullBulk();
  const v = e.value;
  w.integer(x.db.entryBytes(e) + kindOf(v).heapBytes(v, samples));
}

// ---------------------------------------------------------------------------------------------
// MEMORY STATS

/** MEMORY STATS */
function memoryStats(c: Client, _args: Buffer[], w: ReplyWriter): void {
  withReport(c, w, (r, out) => {
    const int = (k: string, v: number): void => {
      out.bulk(k);
      out.integer(v);
    };
    const dbl = (k: string, v: number): void => {
      out.bulk(k);
      out.double(formatDouble(v));
    };
    out.map(27 + r.dbs.length);
    int('peak.allocated', r.peak);
    int('total.allocated', r.total);
    int('startup.allocated', r.startup);
    int('replication.backlog', 0);
    int('clients.slaves', 0);
    int('clients.normal', r.clientsNormal);
    int('cluster.links', 0);
    int('aof.buffer', 0);
    int('lua.caches', 0);
    int('functions.caches', 0);
    for (const [db, , main, expires] of r.dbs) {
      out.bulk(`db.${db}`);
      out.map(3);
      int('overhead.hashtable.main', main);
      int('overhead.hashtable.expires', expires);
      int('overhead.hashtable.slot-to-keys', 0);
    }
    int('overhead.total', r.overhead);
    int('keys.count', r.keys);
    int('keys.bytes-per-key', r.bytesPerKey);
    int('dataset.bytes', r.dataset);
    dbl('dataset.percentage', r.datasetPerc);
    dbl('peak.percentage', r.peakPerc);
    int('allocator.allocated', r.allocated);
    int('allocator.active', r.active);
    int('allocator.resident', r.resident);
    dbl('allocator-fragmentation.ratio', r.allocFrag);
    int('allocator-fragmentation.bytes', r.allocFragBytes);
    dbl('allocator-rss.ratio', r.allocRss);
    int('allocator-rss.bytes', r.allocRssBytes);
    dbl('rss-overhead.ratio', r.rssExtra);
    int('rss-overhead.bytes', r.rssExtraBytes);
    dbl('fragmentation', r.frag);
    int('fragmentation.bytes', r.fragBytes);
  });
}

// ---------------------------------------------------------------------------------------------
// MEMORY DOCTOR

const MB = 1024 * 1024;

const DOCTOR_EMPTY =
  "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. " +
  'Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n';
const DOCTOR_FINE = "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n";
const DOCTOR_HEAD = 'Sam, I detected a few issues in this Redis instance memory implants:\n\n';
const DOCTOR_TAIL = "I'm here to keep you safe, Sam. I want to help you.\n";
const DOCTOR_PEAK =
  ' * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.\n\n';
const DOCTOR_FRAG =
  ' * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this means that the Resident Set Size of the Redis process is much larger than the sum of the logical allocations Redis performed). This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. If the problem is a large peak memory, then there is no issue. Otherwise, make sure you are using the Jemalloc allocator and not the default libc malloc. ' +
  `Note: The currently used allocator is "${MEM_ALLOCATOR}".\n\n`;
const DOCTOR_ALLOC_FRAG =
  " * High allocator fragmentation: This instance has an allocator external fragmentation greater than 1.1. This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. You can try enabling 'activedefrag' config option.\n\n";
const DOCTOR_ALLOC_RSS =
  ' * High allocator RSS overhead: This instance has an RSS memory overhead is greater than 1.1 (this means that the Resident Set Size of the allocator is much larger than the sum what the allocator actually holds). This problem is usually due to a large peak memory (check if there is a peak memory entry above in the report), you can try the MEMORY PURGE command to reclaim it.\n\n';
const DOCTOR_PROC_RSS =
  ' * High process RSS overhead: This instance has non-allocator RSS memory overhead is greater than 1.1 (this means that the Resident Set Size of the Redis process is much larger than the RSS the allocator holds). This problem may be due to Lua scripts or Modules.\n\n';
const DOCTOR_CLIENT_BUF =
  ' * Big client buffers: The clients output buffers in this instance are greater than 200K per client (on average). This may result from different causes, like Pub/Sub clients subscribed to channels bot not receiving data fast enough, so that data piles on the Redis instance output buffer, or clients sending commands with large replies or very large sequences of commands in the same pipeline. Please use the CLIENT LIST command in order to investigate the issue if it causes problems in your instance, or to understand better why certain clients are using a big amount of memory.\n\n';

/** Redis getMemoryDoctorReport on our figures (no replicas, no scripts: those reports never apply). */
export function doctorReport(r: MemoryReport): string {
  // Redis's test is used_memory under 5 MB; our startup heap alone is larger, so it is left out.
  if (r.total - r.startup < 5 * MB) return DOCTOR_EMPTY;
  const found: string[] = [];
  if (Math.fround(r.peak / r.total) > 1.5) found.push(DOCTOR_PEAK);
  if (r.frag > 1.4 && r.fragBytes > 10 * MB) found.push(DOCTOR_FRAG);
  if (r.allocFrag > 1.1 && r.allocFragBytes > 10 * MB) found.push(DOCTOR_ALLOC_FRAG);
  if (r.allocRss > 1.1 && r.allocRssBytes > 10 * MB) found.push(DOCTOR_ALLOC_RSS);
  if (r.rssExtra > 1.1 && r.rssExtraBytes > 10 * MB) found.push(DOCTOR_PROC_RSS);
  if (r.clients > 0 && r.clientsNormal / r.clients > 200 * 1024) found.push(DOCTOR_CLIENT_BUF);
  if (found.length === 0) return DOCTOR_FINE;
  return DOCTOR_HEAD + found.join('') + DOCTOR_TAIL;
}

/** MEMORY DOCTOR */
function memoryDoctor(c: Client, _args: Buffer[], w: ReplyWriter): void {
  withReport(c, w, (r, out) => out.bulk(doctorReport(r)));
}

// ---------------------------------------------------------------------------------------------
// MEMORY MALLOC-STATS, PURGE, HELP

/** This shard thread's V8 heap statistics, as text. */
const MALLOC_STATS = defineOp('malloc-stats', none, text, (x) => {
  const lines = [`___ Begin V8 heap statistics (shard ${x.worker.index}) ___`];
  for (const [k, v] of Object.entries(getHeapStatistics())) lines.push(`${k}: ${v}`);
  for (const s of getHeapSpaceStatistics()) {
    lines.push(`${s.space_name}: size=${s.space_size} used=${s.space_used_size} available=${s.space_available_size} physical=${s.physical_space_size}`);
  }
  lines.push(`___ End V8 heap statistics (shard ${x.worker.index}) ___`);
  return lines.join('\n') + '\n';
});

/** MEMORY MALLOC-STATS: every shard thread's heap statistics (our allocator is V8's). */
function memoryMallocStats(c: Client, _args: Buffer[], w: ReplyWriter): void {
  c.coord.broadcastOp(
    MALLOC_STATS,
    null,
    (results, out) => {
      const texts = allOk(results, out);
      if (texts !== null) out.bulk(texts.join(''));
    },
    w,
  );
}

/** MEMORY PURGE: V8 gives memory back on its own; as Redis on an allocator without purging, OK. */
function memoryPurge(_c: Client, _args: Buffer[], w: ReplyWriter): void {
  w.ok();
}

const MEMORY_HELP = [
  'MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'DOCTOR',
  '    Return memory problems reports.',
  'MALLOC-STATS',
  '    Return internal statistics report from the memory allocator.',
  'PURGE',
  '    Attempt to purge dirty pages for reclamation by the allocator.',
  'STATS',
  '    Return information about the memory usage of the server.',
  'USAGE <key> [SAMPLES <count>]',
  '    Return memory in bytes used by <key> and its value. Nested values are',
  '    sampled up to <count> times (default: 5, 0 means sample all).',
  'HELP',
  '    Prints this help.',
];

export const commands: Record<string, CommandImpl> = {
  memory: {},
  'memory|usage': { shard: opMemoryUsage },
  'memory|stats': { conn: memoryStats },
  'memory|doctor': { conn: memoryDoctor },
  'memory|malloc-stats': { conn: memoryMallocStats },
  'memory|purge': { conn: memoryPurge },
  'memory|help': { conn: (_c, _a, w) => helpReply(w, MEMORY_HELP) },
};

export const ops = [MEM_STATS, MALLOC_STATS];
