// Client pause (CLIENT PAUSE / UNPAUSE): one state for the whole process, in the control block, so a
// pause set on any thread holds every thread's clients at once; and this thread's held clients.
// Invariants: the dispatcher reads one word per command (`mode[0]`, 0 while nothing is paused); the
// mode and the end time change together under the lock word; a pause whose end has passed is off
// (the first thread that sees it clears it); a held client runs its held command again — checked
// afresh — when this thread learns the pause ended or weakened (its timer at the end time, or the
// UNPAUSE broadcast), in the order the clients were held.

import type { Command } from './command-table.ts';
import { FACT_MAY_REPLICATE, FACT_RUNS_QUEUE, FLAG_MAY_REPLICATE, FLAG_WRITE } from './command-table.ts';

export const PAUSE_OFF = 0;
export const PAUSE_WRITE = 1;
export const PAUSE_ALL = 2;

/** What a paused client needs of its client (the dispatcher's Client satisfies it). */
export interface PausableClient {
  /** Runs the held command again (and the commands that waited behind it). */
  resumePostponed(): void;
}

/** A MULTI queue, as far as the pause looks at it (Client's MultiState). */
export interface QueuedCommands {
  some(pred: (cmd: Command) => boolean): boolean;
}

/** Redis's is_may_replicate_command: held by a WRITE pause (writes, and PUBLISH, PFCOUNT...). */
export function heldByWritePause(cmd: Command): boolean {
  return cmd.hasFlag(FLAG_WRITE | FLAG_MAY_REPLICATE) || cmd.hasFact(FACT_MAY_REPLICATE);
}

/**
 * Whether a pause in `mode` holds `cmd`; `queue`: the MULTI queue EXEC would run, which a WRITE pause
 * holds whole when it writes (Redis's mstate.cmd_flags).
 */
export function pauseHolds(mode: number, cmd: Command, queue: QueuedCommands | null): boolean {
  if (mode === PAUSE_ALL) return true;
  if (mode !== PAUSE_WRITE) return false;
  if (heldByWritePause(cmd)) return true;
  return queue !== null && cmd.hasFact(FACT_RUNS_QUEUE) && queue.some(heldByWritePause);
}

export class ClientPause {
  /** [0] mode, [1] lock (control block). */
  readonly mode: Int32Array;
  private readonly end: Float64Array;
  /** This thread's held clients, in the order they were held. */
  private held: PausableClient[] = [];
  private timer: NodeJS.Timeout | null = null;
  private timerAt = 0;
  /** Blocked-clients counter (INFO blocked_clients counts held clients, as Redis's BLOCKED_POSTPONE). */
  private readonly counts: Int32Array;

  constructor(mode: Int32Array, end: Float64Array, counts: Int32Array) {
    this.mode = mode;
    this.end = end;
    this.counts = counts;
  }

  /** The pause in force at `now` (PAUSE_OFF once its end has passed, which clears it). */
  current(now: number): number {
    const m = Atomics.load(this.mode, 0);
    if (m === PAUSE_OFF || this.end[0] >= now) return m;
    this.lock();
    if (this.end[0] < now) Atomics.store(this.mode, 0, PAUSE_OFF);
    const after = this.mode[0];
    this.unlock();
    return after;
  }

  /** The end of the pause in force (ms), 0 if none. */
  endsAt(now: number): number {
    return this.current(now) === PAUSE_OFF ? 0 : this.end[0];
  }

  /**
   * CLIENT PAUSE: pauses until `end` in `mode`; a pause already on keeps the stronger mode and the
   * later end (Redis's pauseClients for one purpose). An end already past pauses nothing.
   */
  pause(end: number, mode: number, now: number): void {
    this.lock();
    const live = this.mode[0] !== PAUSE_OFF && this.end[0] >= now;
    const m = live ? Math.max(this.mode[0], mode) : mode;
    const e = live ? Math.max(this.end[0], end) : end;
    this.end[0] = e;
    Atomics.store(this.mode, 0, e < now ? PAUSE_OFF : m);
    this.unlock();
  }

  /** CLIENT UNPAUSE: ends the pause (every thread then releases its held clients). */
  unpause(): void {
    this.lock();
    this.end[0] = 0;
    Atomics.store(this.mode, 0, PAUSE_OFF);
    this.unlock();
  }

  /** Holds `c` until the pause ends or weakens (its timer is armed for the end). */
  hold(c: PausableClient, now: number): void {
    this.held.push(c);
    Atomics.add(this.counts, 1, 1);
    this.armTimer(now);
  }

  /** A held client that went away. */
  forget(c: PausableClient): void {
    const i = this.held.indexOf(c);
    if (i < 0) return;
    this.held.splice(i, 1);
    Atomics.sub(this.counts, 1, 1);
  }

  /**
   * The pause state changed (UNPAUSE anywhere, or its end came): every held client runs its command
   * again, in order; those the pause still holds are held again (Redis's unblockPostponedClients).
   */
  releaseHeld(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const held = this.held;
    if (held.length === 0) return;
    this.held = [];
    Atomics.sub(this.counts, 1, held.length);
    // After the running command's batch is out (an UNPAUSE's own reply first, as in Redis, whose
    // unblocked clients run in beforeSleep): never inside another client's processing.
    setImmediate(() => {
      for (const c of held) c.resumePostponed();
    });
  }

  private armTimer(now: number): void {
    const end = this.end[0];
    if (this.timer !== null && this.timerAt === end) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timerAt = end;
    // The pause is over once the clock passes its end (Redis: end < mstime).
    this.timer = setTimeout(() => this.onTimer(), Math.min(2 ** 31 - 1, Math.max(0, end - now + 1)));
    this.timer.unref();
  }

  private onTimer(): void {
    this.timer = null;
    const now = Date.now();
    // Still paused: a later PAUSE extended it (a pause only weakens by ending); wait for the new end.
    if (this.current(now) !== PAUSE_OFF) {
      if (this.held.length > 0) this.armTimer(now);
      return;
    }
    this.releaseHeld();
  }

  private lock(): void {
    while (Atomics.compareExchange(this.mode, 1, 0, 1) !== 0);
  }

  private unlock(): void {
    Atomics.store(this.mode, 1, 0);
  }
}
