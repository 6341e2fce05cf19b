// MONITOR across threads: every thread knows how many monitors each thread has (a MONITOR tells every
// thread, a monitor leaving too) and writes a line in Redis's format for each command it executes
// while any exists. A thread's lines of one event-loop turn go out together: one push to each of its
// own monitors, one `monitor-lines` operation to each other thread that has monitors.
// Invariants: while no monitor is connected anywhere `host.monitoring` is false and the dispatcher
// does nothing more than test it; lines one thread writes reach every monitor in the order it wrote
// them (one FIFO ring per pair of threads); across threads there is no single order (docs/messaging.md).

import type { Mesh, ReplySink } from '../runtime/mesh.ts';
import { REQ_PART } from '../runtime/request-flags.ts';
import { latin1, none, u32 } from '../util/codec.ts';
import type { BinWriter } from '../util/codec.ts';
import { FLAG_ADMIN, FLAG_SKIP_MONITOR, type Command } from './command-table.ts';
import { defineShardOp, encodeArgs, type OpContext } from './op-table.ts';

/** What the hub needs of its thread (ShardWorker). */
export interface MonitorHost {
  readonly index: number;
  readonly n: number;
  readonly mesh: Mesh;
  readonly opOut: BinWriter;
  /** True while some thread has a monitor: the dispatcher feeds the hub only then. */
  monitoring: boolean;
}

/** A monitoring client as the hub sees it (Client): it takes pushes (the same bytes in RESP2 and RESP3). */
export interface MonitorReceiver {
  /** CLIENT REPLY OFF: Redis writes it no line either (a line is a reply, not a push, to Redis). */
  readonly replyOff: boolean;
  push(frame: { readonly resp2: Buffer; readonly resp3: Buffer }): boolean;
}

/** The client whose command a line describes (Client). */
export interface MonitoredClient {
  readonly db: number;
  /** ip:port, as CLIENT LIST's addr. */
  readonly addr: string;
  /** Arguments its command asked to hide ("(redacted)": AUTH's password...), or null. */
  redactedArgs: number[] | null;
}

/** Commands Redis never shows to monitors: administrative ones and those that say so. */
const HIDDEN = FLAG_ADMIN | FLAG_SKIP_MONITOR;

export class MonitorHub {
  private readonly host: MonitorHost;
  /** Monitors connected to each thread, as this thread last heard (registrations travel in ring order). */
  private readonly perThread: Int32Array;
  private total = 0;
  /** This thread's monitors. */
  private readonly local = new Set<MonitorReceiver>();
  /** Lines written this turn, not yet sent (ASCII: arguments are escaped). */
  private lines = '';
  private readonly flushBound = (): void => this.flush();

  constructor(host: MonitorHost) {
    this.host = host;
    this.perThread = new Int32Array(host.n);
  }

  /** `c` (on this thread) starts monitoring; the caller tells every thread with MONITOR_JOIN. */
  add(c: MonitorReceiver): void {
    this.local.add(c);
  }

  /** `c` stops monitoring (RESET, disconnect): forgotten here, and every other thread is told. */
  remove(c: MonitorReceiver): void {
    if (!this.local.delete(c)) return;
    const host = this.host;
    this.heard(host.index, -1);
    for (let t = 0; t < host.n; t++) {
      if (t !== host.index) host.mesh.send(t, MONITOR_LEAVE.index, 0, 2, REQ_PART, [encodeArgs(MONITOR_LEAVE, host.index, host.opOut)], NO_REPLY);
    }
  }

  /** Thread `thread` has `delta` more monitors. */
  heard(thread: number, delta: number): void {
    this.perThread[thread] += delta;
    this.total += delta;
    this.host.monitoring = this.total > 0;
  }

  /**
   * A command `c` ran (or was sent to its shard): its line, unless Redis hides the command. `now`:
   * send this turn's lines at once (a monitor's own command: its line follows its reply).
   */
  command(c: MonitoredClient, cmd: Command, args: Buffer[], now = false): void {
    const redacted = c.redactedArgs;
    c.redactedArgs = null;
    if (cmd.hasFlag(HIDDEN)) return;
    if (this.lines.length === 0 && !now) setImmediate(this.flushBound);
    this.lines += monitorLine(unixMicros(), c.db, monitorAddr(c.addr), args, redacted);
    if (now) this.flush();
  }

  /** Lines another thread wrote: to this thread's monitors. */
  deliver(lines: string): void {
    if (this.local.size === 0) return;
    const b = Buffer.from(lines, 'latin1');
    const frame = { resp2: b, resp3: b };
    for (const m of this.local) if (!m.replyOff) m.push(frame);
  }

  /** Sends this turn's lines: one push per local monitor, one operation per other thread with monitors. */
  private flush(): void {
    const lines = this.lines;
    this.lines = '';
    if (lines.length === 0) return;
    const host = this.host;
    this.deliver(lines);
    for (let t = 0; t < host.n; t++) {
      if (t !== host.index && this.perThread[t] > 0) {
        host.mesh.send(t, MONITOR_LINES.index, 0, 2, REQ_PART, [encodeArgs(MONITOR_LINES, lines, host.opOut)], NO_REPLY);
      }
    }
  }
}

const NO_REPLY: ReplySink = { complete() {} };

interface MonitorContext extends OpContext {
  worker: { readonly monitors: MonitorHub };
}

/** Thread `a` has one more monitor (sent to every thread, its own included, before MONITOR answers). */
export const MONITOR_JOIN = defineShardOp('monitor-join', u32, none, (x: MonitorContext, thread) => {
  x.worker.monitors.heard(thread, 1);
  return null;
});

/** Thread `a` has one monitor less. */
export const MONITOR_LEAVE = defineShardOp('monitor-leave', u32, none, (x: MonitorContext, thread) => {
  x.worker.monitors.heard(thread, -1);
  return null;
});

/** Lines of another thread for this thread's monitors. */
export const MONITOR_LINES = defineShardOp('monitor-lines', latin1, none, (x: MonitorContext, lines) => {
  x.worker.monitors.deliver(lines);
  return null;
});

export const MONITOR_OPS = [MONITOR_JOIN, MONITOR_LEAVE, MONITOR_LINES];

/** The wall clock in microseconds (Redis's gettimeofday). */
function unixMicros(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}

/** A client's address as MONITOR shows it: `unix:<path>` for a Unix-socket client (addr `<path>:0`), as Redis. */
function monitorAddr(addr: string): string {
  return addr.startsWith('/') ? `unix:${addr.slice(0, addr.lastIndexOf(':'))}` : addr;
}

/**
 * One MONITOR line, as Redis's replicationFeedMonitors writes it:
 * `+<seconds>.<micros> [<db> <addr>] "<arg>" ...\r\n`, each argument quoted as sdscatrepr does.
 */
export function monitorLine(micros: number, db: number, addr: string, args: Buffer[], redacted: number[] | null): string {
  const us = String(micros % 1_000_000).padStart(6, '0');
  let s = `+${Math.floor(micros / 1_000_000)}.${us} [${db} ${addr}]`;
  for (let i = 0; i < args.length; i++) s += redacted !== null && redacted.includes(i) ? ' "(redacted)"' : ' ' + quoteRepr(args[i]);
  return s + '\r\n';
}

/** sdscatrepr: a double-quoted string, with \\ \" \n \r \t \a \b escaped and other non-printables as \xHH. */
export function quoteRepr(b: Buffer): string {
  let s = '"';
  for (let i = 0; i < b.length; i++) {
    const ch = b[i];
    switch (ch) {
      case 0x5c:
        s += '\\\\';
        break;
      case 0x22:
        s += '\\"';
        break;
      case 0x0a:
        s += '\\n';
        break;
      case 0x0d:
        s += '\\r';
        break;
      case 0x09:
        s += '\\t';
        break;
      case 0x07:
        s += '\\a';
        break;
      case 0x08:
        s += '\\b';
        break;
      default:
        s += ch >= 0x20 && ch <= 0x7e ? String.fromCharCode(ch) : '\\x' + (ch < 16 ? '0' : '') + ch.toString(16);
    }
  }
  return s + '"';
}
