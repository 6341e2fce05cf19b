// Damselfly's main thread: parses flags, starts one shard worker per core, relays their lifecycle
// messages, and shuts everything down gracefully on SIGINT/SIGTERM or SHUTDOWN.
// Invariants: the main thread never touches data or client sockets; exit code 2 for bad flags.

import { Worker } from 'node:worker_threads';
import { totalmem } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseFlags, type FlagResult } from './config/flags.ts';
import { defaults, resolveThreads } from './config/params.ts';
import { loadRedisConf, type ConfigFile } from './config/redis-conf.ts';
import { createMeshLayout } from './runtime/mesh.ts';
import type { ToMain, ToWorker, WorkerInit } from './worker-main.ts';
import { VERSION } from './version.ts';
import { createControl } from './runtime/control.ts';
import { bindHosts, claimPort, PortClaimError } from './runtime/port-claim.ts';

// `damselfly path/to/redis.conf [--flags]`: a first argument that is not a flag is a redis.conf, read
// with Redis's syntax; the flags after it override it (Redis's `--port 7000` form included).
const argv = process.argv.slice(2);
let configFile: ConfigFile | null = null;
let parsed: FlagResult;
if (argv.length > 0 && !argv[0].startsWith('-')) {
  const conf = loadRedisConf(argv[0], defaults());
  if ('fatal' in conf) {
    process.stderr.write(conf.fatal);
    process.exit(1);
  }
  configFile = { path: resolve(argv[0]), kind: 'redis' };
  parsed = parseFlags(argv.slice(1), conf.config);
} else {
  parsed = parseFlags(argv);
  const at = argv.findIndex((a) => a === '--flagfile' || a.startsWith('--flagfile='));
  if (at >= 0) {
    const path = argv[at].includes('=') ? argv[at].slice(argv[at].indexOf('=') + 1) : argv[at + 1];
    if (path !== undefined) configFile = { path: resolve(path), kind: 'flagfile' };
  }
}
if (parsed.kind === 'help') {
  process.stdout.write(parsed.text + '\n');
  process.exit(0);
}
if (parsed.kind === 'version') {
  process.stdout.write(`damselfly ${VERSION}\n`);
  process.exit(0);
}
if (parsed.kind === 'error') {
  process.stderr.write(`damselfly: ${parsed.message}\nTry --help.\n`);
  process.exit(2);
}
const config = parsed.config;
const threads = resolveThreads(config);
config.proactor_threads = threads;

function log(msg: string): void {
  const d = new Date();
  process.stdout.write(`${process.pid}:M ${d.toISOString()} * ${msg}\n`);
}

/** A fatal start-up condition, in Redis's words (its "#" warning level), on stderr; exit code 1. */
function fail(lines: string[]): never {
  const d = new Date().toISOString();
  for (const line of lines) process.stderr.write(`${process.pid}:M ${d} # ${line}\n`);
  process.exit(1);
}

// The port is this process's before any thread listens on it (the threads share it with
// SO_REUSEPORT, which would let a second server in).
try {
  await claimPort(config.port as number, bindHosts(String(config.bind)));
} catch (e) {
  if (!(e instanceof PortClaimError)) throw e;
  fail([`Warning: ${e.message}`, `Failed listening on port ${e.port} (TCP), aborting.`]);
}

// A redis.conf may ask Redis to detach; Damselfly stays in the foreground (a supervisor runs it).
if (config.daemonize === true) log('WARNING: daemonize yes is not supported: Damselfly runs in the foreground');

// Redis's createPidFile: best effort, removed at a clean exit.
const pidfile = String(config.pidfile ?? '');
if (pidfile !== '') {
  try {
    writeFileSync(pidfile, `${process.pid}\n`);
  } catch {
    /* best effort, as Redis */
  }
}

const layout = createMeshLayout(threads);
const control = createControl(threads);
// Keys and strings live off the heap (arena chunks); the heap holds collections, so the old
// generation may grow to the machine's share. The young generation is capped: V8 sizes it from the
// old generation's limit (up to 64 MB semi-spaces here), which added ~110 MB of RSS per shard thread
// under load for nothing (a 10M-key load: 1410 -> 1160 MB RSS with the cap, same load time).
const heapMb = Math.max(512, Math.floor((totalmem() * 0.8) / threads / (1024 * 1024)));
const YOUNG_GENERATION_MB = 16;
// Arena chunks are SharedArrayBuffers (not counted by V8 as external memory): the shard threads ask
// for a concurrent major collection after releasing many of them (Shard.collectReleased).
setFlagsFromString('--expose-gc');
const workers: Worker[] = [];
let ready = 0;
let closing = false;
let closedCount = 0;

for (let index = 0; index < threads; index++) {
  const init: WorkerInit = { index, layout, config, control, configFile };
  const w = new Worker(new URL('./worker-main.ts', import.meta.url), {
    workerData: init,
    resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
  });
  w.on('message', (m: ToMain) => {
    switch (m.type) {
      case 'ready':
        if (++ready === threads) log(`Damselfly ${VERSION} ready to accept connections on port ${config.port} (${threads} shard threads)`);
        break;
      case 'fatal':
        fail(m.message.split('\n'));
        break;
      case 'log':
        log(`[shard ${index}] ${m.message}`);
        break;
      case 'shutdown-request':
        shutdown(`SHUTDOWN ${m.mode}`.trim());
        break;
      case 'closed':
        // A worker serves its peers' requests until every worker has closed its clients.
        if (++closedCount === workers.length) for (const other of workers) other.postMessage({ type: 'stop' } satisfies ToWorker);
        break;
    }
  });
  w.on('error', (e) => {
    process.stderr.write(`damselfly: worker ${index} failed: ${e.stack ?? e.message}\n`);
    process.exit(1);
  });
  // A shard thread that ends outside shutdown takes its keys with it: the process must not run on
  // half-alive.
  w.on('exit', (code) => {
    if (closing) return;
    process.stderr.write(`damselfly: worker ${index} exited (code ${code}) outside shutdown\n`);
    process.exit(1);
  });
  workers.push(w);
}

function shutdown(why: string): void {
  if (closing) return;
  closing = true;
  log(`${why}: shutting down`);
  let left = workers.length;
  const done = (): void => {
    if (--left === 0) {
      if (pidfile !== '') {
        log('Removing the pid file.');
        rmSync(pidfile, { force: true });
      }
      log('Damselfly is now ready to exit, bye bye...');
      process.exit(0);
    }
  };
  for (const w of workers) {
    w.once('exit', done);
    w.postMessage({ type: 'shutdown' } satisfies ToWorker);
  }
  setTimeout(() => process.exit(0), 5000).unref();
}

process.on('SIGINT', () => shutdown('Received SIGINT'));
process.on('SIGTERM', () => shutdown('Received SIGTERM'));
