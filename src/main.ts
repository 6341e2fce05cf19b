// Damselfly's main thread: parses flags, starts one shard worker per core, relays their lifecycle
// messages, and shuts everything down gracefully on SIGINT/SIGTERM or SHUTDOWN.
// Invariants: the main thread never touches data or client sockets; every log line of the process,
// the shard threads' included, is written by its one LogSink (util/log.ts); exit code 2 for bad flags.

import { Worker } from 'node:worker_threads';
import { totalmem } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseFlags, type FlagResult } from './config/flags.ts';
import { defaults, resolvePollWindowMs, resolveThreads } from './config/params.ts';
import { loadRedisConf, type ConfigFile } from './config/redis-conf.ts';
import { startupBanner } from './config/startup-banner.ts';
import { readHostFacts } from './util/host-checks.ts';
import { LOG_NOTICE, LOG_WARNING, LogSink, logFileProblem, logLevelOf } from './util/log.ts';
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

const logFileError = logFileProblem(String(config.logfile));
if (logFileError !== null) {
  process.stderr.write(`damselfly: ${logFileError}\n`);
  process.exit(2);
}
const logs = new LogSink({ level: logLevelOf(config.loglevel), logfile: String(config.logfile), toStderr: config.logtostderr === true });

/** A fatal condition, in Redis's words at its warning level; exit code 1. */
function fail(lines: string[]): never {
  for (const line of lines) logs.log(LOG_WARNING, line);
  process.exit(1);
}

const banner = startupBanner({ config, threads, pollWindowMs: resolvePollWindowMs(config, threads), pid: process.pid, machineMemory: totalmem(), host: readHostFacts() });
for (const [level, line] of banner.starting) logs.log(level, line);
if (banner.fatal) process.exit(1);
config.maxclients = banner.maxclients;

// The port is this process's before any thread listens on it (the threads share it with
// SO_REUSEPORT, which would let a second server in).
try {
  await claimPort(config.port as number, bindHosts(String(config.bind)));
  if ((config.admin_port as number) > 0) await claimPort(config.admin_port as number, bindHosts(String(config.bind)));
} catch (e) {
  if (!(e instanceof PortClaimError)) throw e;
  fail([`Warning: ${e.message}`, `Failed listening on port ${e.port} (TCP), aborting.`]);
}
for (const [level, line] of banner.initialized) logs.log(level, line);

// A redis.conf may ask Redis to detach; Damselfly stays in the foreground (a supervisor runs it).
if (config.daemonize === true) logs.log(LOG_WARNING, 'WARNING: daemonize yes is not supported: Damselfly runs in the foreground');

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
/** How long shutdown waits for the shard threads before exiting regardless. */
const SHUTDOWN_GRACE_MS = 5000;
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
        if (++ready === threads) logs.log(LOG_NOTICE, 'Ready to accept connections');
        break;
      case 'fatal':
        fail(m.message.split('\n'));
        break;
      case 'log':
        logs.relay(m.level, m.at, `[shard ${index}] ${m.message}`);
        break;
      case 'shutdown-request':
        shutdown();
        break;
      case 'closed':
        // A worker serves its peers' requests until every worker has closed its clients.
        if (++closedCount === workers.length) for (const other of workers) other.postMessage({ type: 'stop' } satisfies ToWorker);
        break;
    }
  });
  w.on('error', (e) => fail([`Shard thread ${index} failed: ${e.stack ?? e.message}`]));
  // A shard thread that ends outside shutdown takes its keys with it: the process must not run on
  // half-alive.
  w.on('exit', (code) => {
    if (closing) return;
    fail([`Shard thread ${index} exited (code ${code}) outside shutdown: exiting, a shard's keys are gone`]);
  });
  workers.push(w);
}

/** Closes every client, stops the shard threads and exits 0 (Redis's lines: prepareForShutdown, finishShutdown). */
function shutdown(): void {
  if (closing) return;
  closing = true;
  logs.log(LOG_WARNING, 'User requested shutdown...');
  let left = workers.length;
  const done = (): void => {
    if (--left === 0) {
      if (pidfile !== '') {
        logs.log(LOG_NOTICE, 'Removing the pid file.');
        rmSync(pidfile, { force: true });
      }
      logs.log(LOG_WARNING, 'Damselfly is now ready to exit, bye bye...');
      process.exit(0);
    }
  };
  for (const w of workers) {
    w.once('exit', done);
    w.postMessage({ type: 'shutdown' } satisfies ToWorker);
  }
  setTimeout(() => {
    logs.log(LOG_WARNING, `Shard threads still running ${SHUTDOWN_GRACE_MS} ms after the shutdown request: exiting anyway`);
    process.exit(0);
  }, SHUTDOWN_GRACE_MS).unref();
}

/** SIGINT/SIGTERM, logged as Redis's signal handler does; a second SIGINT exits at once (Redis: "You insist"). */
function onSignal(name: 'SIGINT' | 'SIGTERM'): void {
  if (closing && name === 'SIGINT') {
    logs.signalLine(LOG_WARNING, 'You insist... exiting now.');
    process.exit(1);
  }
  logs.signalLine(LOG_WARNING, `Received ${name} scheduling shutdown...`);
  shutdown();
}

process.on('SIGINT', () => onSignal('SIGINT'));
process.on('SIGTERM', () => onSignal('SIGTERM'));
