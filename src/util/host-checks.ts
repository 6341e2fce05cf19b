// What the host allows the server, read where Redis reads it (/proc, /sys), and the start-up warnings
// Redis prints about it, in Redis's words: open files against maxclients, the TCP backlog against
// somaxconn, memory overcommit, transparent huge pages.
// Invariants: reading never throws (a missing or unreadable file is an unknown fact, and an unknown
// fact warns of nothing); the checks are pure functions of the facts, so tests give them facts.
// DAMSELFLY_TEST_HOST_ROOT (tests only) roots the paths elsewhere, e.g. a directory holding
// proc/sys/vm/overcommit_memory.

import { readFileSync } from 'node:fs';

/** Redis's CONFIG_MIN_RESERVED_FDS: descriptors kept for the server's own use beyond maxclients. */
export const MIN_RESERVED_FDS = 32;

/** Node's listen() backlog, which Damselfly passes as Redis's default `tcp-backlog`. */
export const TCP_BACKLOG = 511;

export interface HostFacts {
  /** /proc/sys/vm/overcommit_memory (0 heuristic, 1 always, 2 never). */
  overcommitMemory: number | null;
  /** /proc/sys/net/core/somaxconn. */
  somaxconn: number | null;
  /** /sys/kernel/mm/transparent_hugepage/enabled, e.g. `always [madvise] never`. */
  transparentHugePages: string | null;
  /** The soft "Max open files" limit of this process (null: unlimited or unknown). */
  openFilesLimit: number | null;
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return null;
  }
}

/** C's atoi/strtol on the start of a file's text: null when there is no number. */
function leadingInt(text: string | null): number | null {
  if (text === null) return null;
  const m = /^\s*([-+]?\d+)/.exec(text);
  return m === null ? null : Number(m[1]);
}

/** The soft limit on the "Max open files" row of /proc/<pid>/limits. */
export function openFilesFromLimits(text: string | null): number | null {
  if (text === null) return null;
  const m = /^Max open files\s+(\S+)/m.exec(text);
  return m === null || m[1] === 'unlimited' ? null : leadingInt(m[1]);
}

export function readHostFacts(root: string = process.env.DAMSELFLY_TEST_HOST_ROOT ?? ''): HostFacts {
  return {
    overcommitMemory: leadingInt(readText(`${root}/proc/sys/vm/overcommit_memory`)),
    somaxconn: leadingInt(readText(`${root}/proc/sys/net/core/somaxconn`)),
    transparentHugePages: readText(`${root}/sys/kernel/mm/transparent_hugepage/enabled`),
    openFilesLimit: openFilesFromLimits(readText(`${root}/proc/self/limits`)),
  };
}

export interface OpenFilesVerdict {
  /** maxclients as the server will enforce it (Redis lowers it to fit the limit). */
  maxclients: number;
  /** Warning-level lines to log. */
  warnings: string[];
  /** Set when the limit leaves no room for any client: log it and exit 1. */
  fatal: string | null;
}

/**
 * Redis's adjustOpenFilesLimit, for a process that cannot raise its own limit (Node.js has no
 * setrlimit): with fewer than maxclients + 32 descriptors, maxclients is lowered to fit, with Redis's
 * warnings; with 32 or fewer, the server cannot start.
 */
export function checkOpenFiles(maxclients: number, limit: number | null): OpenFilesVerdict {
  const needed = maxclients + MIN_RESERVED_FDS;
  if (limit === null || limit >= needed) return { maxclients, warnings: [], fatal: null };
  if (limit <= MIN_RESERVED_FDS) {
    return {
      maxclients,
      warnings: [],
      fatal: `Your current 'ulimit -n' of ${limit} is not enough for the server to start. Please increase your open file limit to at least ${needed}. Exiting.`,
    };
  }
  const reduced = limit - MIN_RESERVED_FDS;
  return {
    maxclients: reduced,
    warnings: [
      `You requested maxclients of ${maxclients} requiring at least ${needed} max file descriptors.`,
      `Server can't set maximum open files to ${needed} because of OS error: Node.js cannot raise its own limit (no setrlimit).`,
      `Current maximum open files is ${limit}. maxclients has been reduced to ${reduced} to compensate for low ulimit. If you need higher maxclients increase 'ulimit -n'.`,
    ],
    fatal: null,
  };
}

/** Redis's checkTcpBacklogSettings. */
export function backlogWarning(facts: HostFacts, backlog: number = TCP_BACKLOG): string | null {
  const s = facts.somaxconn;
  if (s === null || s <= 0 || s >= backlog) return null;
  return `WARNING: The TCP backlog setting of ${backlog} cannot be enforced because /proc/sys/net/core/somaxconn is set to the lower value of ${s}.`;
}

/**
 * Redis's linuxMemoryWarnings (checkOvercommit, checkTHPEnabled), each line prefixed `WARNING ` as Redis
 * logs them. The jemalloc sentence of Redis's overcommit text is left out (Node.js does not use
 * jemalloc), and "Redis" is "Damselfly" where the text names the server. Redis first tries to turn THP
 * off for itself (prctl) and warns only if that fails; Node.js cannot, so the warning stands whenever
 * the kernel says [always].
 */
export function memoryWarnings(facts: HostFacts): string[] {
  const out: string[] = [];
  if (facts.overcommitMemory !== null && facts.overcommitMemory !== 1) {
    out.push(
      'WARNING Memory overcommit must be enabled! Without it, a background save or replication may fail under low memory condition. ' +
        "To fix this issue add 'vm.overcommit_memory = 1' to /etc/sysctl.conf and then reboot or run the command 'sysctl vm.overcommit_memory=1' for this to take effect.",
    );
  }
  if (facts.transparentHugePages !== null && facts.transparentHugePages.includes('[always]')) {
    out.push(
      'WARNING You have Transparent Huge Pages (THP) support enabled in your kernel. This will create latency and memory usage issues with Damselfly. ' +
        "To fix this issue run the command 'echo madvise > /sys/kernel/mm/transparent_hugepage/enabled' as root, and add it to your /etc/rc.local in order to retain the setting after a reboot. " +
        "Damselfly must be restarted after THP is disabled (set to 'madvise' or 'never').",
    );
  }
  return out;
}
