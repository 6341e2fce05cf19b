// In-process rig: several WorkerThreads in one thread (real command table, real mesh rings), clients
// on fake sockets, and the mesh driven by hand — so a test decides exactly when requests cross and
// when replies come back (no timing, no sleeps).
// Invariants: nothing listens on a port; workers are not start()ed unless a test asks (no timers, no
// doorbell loop); a fake socket records every write as a copy (later buffer reuse cannot hide a bug).

import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { defaults, type ConfigValues } from '../src/config/params.ts';
import { FAMILIES, registerOps } from '../src/registry.ts';
import { buildTable, loadSpecs, type CommandTable } from '../src/server/command-table.ts';
import type { CommandImpl } from '../src/server/command-types.ts';
import { Connection } from '../src/server/connection.ts';
import { WorkerThread } from '../src/server/worker-thread.ts';
import { createMeshLayout } from '../src/runtime/mesh.ts';
import { shardOfKey } from '../src/runtime/slots.ts';
import { encodeCommand, scanReply, type Arg } from './resp.ts';
import { controlViews, createControl } from '../src/runtime/control.ts';

export class FakeSocket extends EventEmitter {
  readonly written: Buffer[] = [];
  ended = false;
  destroyed = false;
  paused = false;
  writableLength = 0;
  writableNeedDrain = false;
  remoteAddress = '127.0.0.1';
  remotePort: number;
  localAddress = '127.0.0.1';
  localPort = 6379;
  private static nextPort = 40000;

  constructor() {
    super();
    this.remotePort = FakeSocket.nextPort++;
  }

  setNoDelay(): this {
    return this;
  }
  write(b: Uint8Array): boolean {
    this.written.push(Buffer.from(b));
    return true;
  }
  end(): this {
    this.ended = true;
    return this;
  }
  destroy(): this {
    this.destroyed = true;
    return this;
  }
  cork(): void {}
  uncork(): void {}
  pause(): this {
    this.paused = true;
    return this;
  }
  resume(): this {
    this.paused = false;
    return this;
  }

  /** Everything written so far. */
  output(): Buffer {
    return Buffer.concat(this.written);
  }

  /** The replies written so far, one string each. */
  replies(): string[] {
    const all = this.output();
    const out: string[] = [];
    let at = 0;
    while (at < all.length) {
      const n = scanReply(all, at);
      if (n < 0) throw new Error(`incomplete reply in output: ${JSON.stringify(all.toString('latin1', at))}`);
      out.push(all.toString('latin1', at, at + n));
      at += n;
    }
    return out;
  }
}

export interface Rig {
  workers: WorkerThread[];
  /** A client connected to worker i. */
  client(i: number): { conn: Connection; sock: FakeSocket; send(...cmds: Arg[][]): void };
  /** Moves every staged frame into the rings and runs every ring once on every worker, `rounds` times. */
  pump(rounds?: number): void;
  /** pump() and let promise callbacks (multi-hop commands) run, until `cond` or a round limit. */
  settle(cond?: () => boolean, rounds?: number): Promise<void>;
  /** A key owned by shard s. */
  keyOn(s: number, prefix?: string): string;
}

/**
 * Sends `cmds` from a new client of worker 0 and settles the rig (up to `rounds`) until every one is
 * answered; the replies, one string each (exactly one per command).
 */
export async function runCommands(rig: Rig, cmds: Arg[][], rounds = 50): Promise<string[]> {
  const c = rig.client(0);
  c.send(...cmds);
  await rig.settle(() => c.sock.replies().length >= cmds.length, rounds);
  const r = c.sock.replies();
  if (r.length !== cmds.length) throw new Error(`${r.length} replies to ${cmds.length} commands after ${rounds} rounds`);
  return r;
}

/** Override some handlers (by spec name) on top of the real families. */
export type Overrides = Record<string, CommandImpl>;

export function buildRigTable(overrides: Overrides = {}): CommandTable {
  const impls = new Map<string, CommandImpl>();
  for (const fam of Object.values(FAMILIES)) {
    for (const [name, impl] of Object.entries(fam.commands)) impls.set(name, { ...impl, ...(overrides[name] ?? {}) });
  }
  return registerOps(buildTable(loadSpecs(), impls));
}

export function makeRig(n: number, opts: { config?: Partial<ConfigValues>; overrides?: Overrides } = {}): Rig {
  const layout = createMeshLayout(n);
  const shared = controlViews(createControl(n), n);
  const table = buildRigTable(opts.overrides);
  const workers: WorkerThread[] = [];
  for (let i = 0; i < n; i++) {
    const config = { ...defaults(), ...(opts.config ?? {}) } as ConfigValues;
    config.proactor_threads = n;
    workers.push(new WorkerThread(i, layout, config, table, shared));
  }
  const pump = (rounds = 4): void => {
    for (let r = 0; r < rounds; r++) {
      for (const w of workers) w.mesh.flushAll();
      for (const w of workers) w.mesh.drain();
    }
  };
  return {
    workers,
    client(i) {
      const sock = new FakeSocket();
      const worker = workers[i];
      const id = Atomics.add(shared.ids, 0, 1n) + 1n;
      Atomics.add(shared.counts, 0, 1);
      const conn = new Connection(worker, sock as unknown as Socket, id);
      worker.clients.set(id, conn);
      return { conn, sock, send: (...cmds) => sock.emit('data', Buffer.concat(cmds.map((c) => encodeCommand(c)))) };
    },
    pump,
    async settle(cond = () => false, rounds = 50) {
      for (let r = 0; r < rounds && !cond(); r++) {
        pump(2);
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    },
    keyOn(s, prefix = 'k') {
      for (let i = 0; ; i++) {
        const k = `${prefix}:${i}`;
        if (shardOfKey(Buffer.from(k), n) === s) return k;
      }
    },
  };
}
