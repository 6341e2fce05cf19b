// The start-up banner: what the main thread logs between parsing its flags and starting the shard
// threads, in Redis's order and words where Redis has the line (starting, version and pid, open
// files against maxclients, running mode and port, TCP backlog, "Server initialized", memory
// warnings), then ours (shard threads, memory limit, persistence). "Ready to accept connections"
// comes later, once every shard thread listens.
// Invariants: a pure function of the settings and the host's facts; maxclients is lowered here, and
// only here, when the open-files limit cannot hold it (as Redis's adjustOpenFilesLimit).

import { AUTO_BYTES, AUTO_MAXMEMORY_PERCENT, resolveMaxmemory, shardShare, type ConfigValues } from './params.ts';
import { backlogWarning, checkOpenFiles, memoryWarnings, type HostFacts } from '../util/host-checks.ts';
import { LOG_NOTICE, LOG_WARNING } from '../util/log.ts';
import { REDIS_VERSION, VERSION } from '../version.ts';

export interface BannerInput {
  config: ConfigValues;
  /** Shard threads, resolved. */
  threads: number;
  /** How long a shard thread spins on its rings (ms, resolved; 0: off). */
  pollWindowMs: number;
  pid: number;
  /** The machine's memory (bytes), for maxmemory=auto. */
  machineMemory: number;
  host: HostFacts;
}

export interface Banner {
  /** [level, message] in order, before the port is claimed (a failure to listen is logged after them). */
  starting: [number, string][];
  /** [level, message] in order, once the port is the server's. */
  initialized: [number, string][];
  /** maxclients as it will be enforced. */
  maxclients: number;
  /** A condition the server cannot start under (the last of `starting`): exit 1 after logging. */
  fatal: boolean;
}

function mb(bytes: number): string {
  return `${Math.round(bytes / (1024 * 1024))}mb`;
}

export function startupBanner(b: BannerInput): Banner {
  const { config, threads } = b;
  const starting: [number, string][] = [
    [LOG_WARNING, 'oO0OoO0OoO0Oo Damselfly is starting oO0OoO0OoO0Oo'],
    [LOG_WARNING, `Damselfly version=${VERSION}, redis_version=${REDIS_VERSION}, node=${process.versions.node}, bits=64, pid=${b.pid}, just started`],
  ];
  const files = checkOpenFiles(config.maxclients as number, b.host.openFilesLimit);
  for (const w of files.warnings) starting.push([LOG_WARNING, w]);
  if (files.fatal !== null) {
    starting.push([LOG_WARNING, files.fatal]);
    return { starting, initialized: [], maxclients: files.maxclients, fatal: true };
  }
  const lines: [number, string][] = [];
  lines.push([LOG_NOTICE, `Running mode=standalone, port=${config.port}.`]);
  const backlog = backlogWarning(b.host, config.tcp_backlog as number);
  if (backlog !== null) lines.push([LOG_WARNING, backlog]);
  lines.push([LOG_WARNING, 'Server initialized']);
  for (const w of memoryWarnings(b.host)) lines.push([LOG_WARNING, w]);

  const polling = b.pollWindowMs > 0 ? `mesh polling ${Math.round(b.pollWindowMs * 1000)}µs` : 'mesh polling off';
  const auto = (config.proactor_threads as number) === 0 ? ' (one per core)' : '';
  lines.push([LOG_NOTICE, `Shard threads: ${threads}${auto}, ${polling}, maxclients=${files.maxclients}, databases=${config.dbnum}`]);
  const limit = resolveMaxmemory(config, b.machineMemory);
  const source = (config.maxmemory as number) === AUTO_BYTES ? ` (auto: ${AUTO_MAXMEMORY_PERCENT}% of the machine's ${mb(b.machineMemory)})` : '';
  lines.push([
    LOG_NOTICE,
    limit === 0
      ? `Max memory: none, maxmemory-policy=${config.maxmemory_policy}`
      : `Max memory: ${limit} bytes${source}, ${mb(shardShare(limit, threads))} per shard, maxmemory-policy=${config.maxmemory_policy}${config.cache_mode === true ? ', cache_mode' : ''}`,
  ]);
  lines.push([LOG_NOTICE, `Persistence: none (snapshots and the journal are not implemented; save='${config.save}' and appendonly=${config.appendonly ? 'yes' : 'no'} are accepted without effect), dir=${config.dir}`]);
  return { starting, initialized: lines, maxclients: files.maxclients, fatal: false };
}
