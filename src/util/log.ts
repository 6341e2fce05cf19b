// Log lines in Redis's format and levels: `pid:role dd Mon yyyy hh:mm:ss.mmm <c> message`, where <c> is
// the level's character (`.` debug, `-` verbose, `*` notice, `#` warning) and the time is local, as
// Redis's serverLogRaw writes them. The main thread owns the one LogSink that writes them; shard threads
// hand it their lines (worker-main.ts), already filtered by their own copy of `loglevel`.
// Invariants: a line is written whole in one write (appended to the log file, or to stdout/stderr); a
// line below the sink's level is never formatted.

import { appendFileSync, closeSync, openSync } from 'node:fs';

export const LOG_DEBUG = 0;
export const LOG_VERBOSE = 1;
export const LOG_NOTICE = 2;
export const LOG_WARNING = 3;

/** Redis's `loglevel` names, in level order (the index is the level). */
export const LOG_LEVEL_NAMES = ['debug', 'verbose', 'notice', 'warning'];

const LEVEL_CHARS = '.-*#';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The level of a `loglevel` value (notice for anything unknown: the value was validated before). */
export function logLevelOf(name: string | number | boolean): number {
  const i = LOG_LEVEL_NAMES.indexOf(String(name));
  return i < 0 ? LOG_NOTICE : i;
}

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

/** `08 Dec 2026 03:46:37.029` in local time (Redis's strftime "%d %b %Y %H:%M:%S." and milliseconds). */
export function logTimestamp(ms: number): string {
  const d = new Date(ms);
  const millis = d.getMilliseconds();
  return `${pad2(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}.${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}`;
}

/** One log line without its newline. `role`: Redis's role character (`M` for a master). */
export function formatLogLine(pid: number, role: string, atMs: number, level: number, message: string): string {
  return `${pid}:${role} ${logTimestamp(atMs)} ${LEVEL_CHARS[level]} ${message}`;
}

export interface LogSinkOptions {
  /** `loglevel`: lines below it are dropped. */
  level: number;
  /** `logfile`: append to this file ('' = standard output). */
  logfile: string;
  /** `--logtostderr`: standard error, whatever `logfile` says (glog's meaning of the flag). */
  toStderr: boolean;
}

/**
 * Checks that the log file can be appended to (Redis refuses to start otherwise). Returns Redis's
 * error text ("Can't open the log file: ..."), or null when it can.
 */
export function logFileProblem(path: string): string | null {
  if (path === '') return null;
  try {
    closeSync(openSync(path, 'a'));
    return null;
  } catch (e) {
    return `Can't open the log file: ${describeFsError(e)}`;
  }
}

/** strerror()'s wording for the usual errors of opening a file. */
function describeFsError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'No such file or directory';
    case 'EACCES':
      return 'Permission denied';
    case 'EISDIR':
      return 'Is a directory';
    case 'ENOTDIR':
      return 'Not a directory';
    case 'EROFS':
      return 'Read-only file system';
    default:
      return (e as Error).message;
  }
}

/** Where the process's log lines go (the main thread has one). */
export class LogSink {
  level: number;
  private readonly logfile: string;
  private readonly stream: NodeJS.WriteStream;

  constructor(opts: LogSinkOptions) {
    this.level = opts.level;
    this.logfile = opts.toStderr ? '' : opts.logfile;
    this.stream = opts.toStderr ? process.stderr : process.stdout;
    // A closed stdout (EPIPE) must not take the server down: Redis drops a line it cannot write.
    this.stream.on('error', () => {});
  }

  /** A line of this process's main thread, written now. */
  log(level: number, message: string): void {
    if (level < this.level) return;
    this.write(formatLogLine(process.pid, 'M', Date.now(), level, message));
  }

  /** A line another thread already filtered and timed. */
  relay(level: number, atMs: number, message: string): void {
    this.write(formatLogLine(process.pid, 'M', atMs, level, message));
  }

  /**
   * A line in Redis's signal-handler form: `pid:signal-handler (unix seconds) message` (Redis writes
   * its SIGTERM/SIGINT line this way).
   */
  signalLine(level: number, message: string): void {
    if (level < this.level) return;
    this.write(`${process.pid}:signal-handler (${Math.floor(Date.now() / 1000)}) ${message}`);
  }

  private write(line: string): void {
    // Appended and closed per line, as Redis does: a rotated log file is picked up at the next line.
    if (this.logfile !== '') {
      try {
        appendFileSync(this.logfile, line + '\n');
      } catch {
        // Redis drops a line it cannot write.
      }
      return;
    }
    this.stream.write(line + '\n'); // synchronous for files, TTYs and pipes on Linux
  }
}
