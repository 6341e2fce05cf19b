// Multi-client sessions for blocking-command scenarios (test/blocking.test.ts, the stream tests): a
// Session drives named raw clients on one server and records every command and reply; runBoth runs
// one scenario on Redis and on Damselfly and compares the transcripts step by step. Keys on chosen
// shards come from K(shard, name). Synchronisation is on replies and on CLIENT LIST's blocked flag only.
// Invariants: every client a Session opens is closed by close(); runBoth flushes both servers first.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { keySlot } from '../src/runtime/slots.ts';
import { REDIS_AVAILABLE, RawClient, SKIP_NO_REDIS, show, showCommand, startDamselfly, startRedis, waitFor, type Arg, type ServerHandle } from './harness.ts';

export const THREADS = [1, 2, 4];

// --- keys on chosen shards ----------------------------------------------------------------------

/** TAGS[r]: a hash tag whose slot is r mod 4, so {TAGS[r]}x lives on shard r mod N for N in 1, 2, 4. */
const TAGS: string[] = [];
for (let i = 0; TAGS.filter((t) => t !== undefined).length < 4; i++) {
  const r = keySlot(Buffer.from(`t${i}`)) % 4;
  if (TAGS[r] === undefined) TAGS[r] = `t${i}`;
}
/** A key on shard `s` (0..3, taken mod the thread count). */
export const K = (s: number, name: string): string => `{${TAGS[s]}}${name}`;

// --- sessions: several clients on one server, every reply recorded -------------------------------

interface Step {
  who: string;
  cmd: string;
  reply: string;
}

const STEP_MS = 5000;

/** Clients of one server by name; records every command sent and every reply read, in order. */
export class Session {
  readonly steps: Step[] = [];
  readonly server: string;
  readonly port: number;
  readonly resp3: boolean;
  private readonly conns = new Map<string, RawClient>();
  private readonly ids = new Map<string, string>();
  private admin: RawClient | null = null;

  constructor(server: string, port: number, resp3: boolean) {
    this.server = server;
    this.port = port;
    this.resp3 = resp3;
  }

  async conn(who: string): Promise<RawClient> {
    let c = this.conns.get(who);
    if (c === undefined) {
      c = await RawClient.connect(this.port);
      if (this.resp3) await c.call(['HELLO', '3'], STEP_MS);
      const id = (await c.callText(['CLIENT', 'ID'], STEP_MS)).replace(/^:|\r\n$/g, '');
      this.ids.set(who, id);
      this.conns.set(who, c);
    }
    return c;
  }

  /** The CLIENT ID of `who` (connecting it first). */
  async id(who: string): Promise<string> {
    await this.conn(who);
    return this.ids.get(who)!;
  }

  /** Sends a command and returns its reply (recorded). */
  async call(who: string, ...args: Arg[]): Promise<string> {
    const c = await this.conn(who);
    const r = (await c.call(args, STEP_MS)).toString('latin1');
    this.steps.push({ who, cmd: showCommand(args), reply: r });
    return r;
  }

  /** Sends a command without reading its reply. */
  async send(who: string, ...args: Arg[]): Promise<void> {
    const c = await this.conn(who);
    c.send(args);
    this.steps.push({ who, cmd: showCommand(args), reply: '(sent)' });
  }

  /** Reads the next reply of `who` (recorded). */
  async reply(who: string): Promise<string> {
    const c = this.conns.get(who)!;
    const r = (await c.readReply(STEP_MS)).toString('latin1');
    this.steps.push({ who, cmd: '(reply)', reply: r });
    return r;
  }

  /** Records a value computed by the scenario (compared like a reply). */
  note(what: string, value: string): void {
    this.steps.push({ who: '-', cmd: what, reply: value });
  }

  /** Sends a blocking command and waits until the server lists the client as blocked. */
  async block(who: string, ...args: Arg[]): Promise<void> {
    await this.send(who, ...args);
    await this.blocked(who);
  }

  private async adminConn(): Promise<RawClient> {
    if (this.admin === null) this.admin = await RawClient.connect(this.port);
    return this.admin;
  }

  /** The CLIENT LIST line of client `id`, or undefined. */
  async clientLine(id: string): Promise<string | undefined> {
    const a = await this.adminConn();
    const list = (await a.call(['CLIENT', 'LIST'], STEP_MS)).toString('latin1');
    return list.split(/\r?\n/).find((l) => l.startsWith(`id=${id} `));
  }

  /** A field of INFO (read on the admin connection). */
  async info(field: string): Promise<string> {
    const a = await this.adminConn();
    const text = (await a.call(['INFO', 'clients'], STEP_MS)).toString('latin1');
    const m = new RegExp(`\\r\\n${field}:([^\\r]*)\\r\\n`).exec(text);
    return m === null ? '(missing)' : m[1];
  }

  /** Waits until CLIENT LIST shows `who` blocked; fails at once if it answered instead. */
  async blocked(who: string): Promise<void> {
    const c = await this.conn(who);
    const id = this.ids.get(who)!;
    await waitFor(
      async () => {
        if (c.pending.length > 0) throw new Error(`${this.server}: ${who} answered instead of blocking: ${show(c.pending)}`);
        const line = await this.clientLine(id);
        return line !== undefined && /\bflags=\S*b/.test(line);
      },
      `${this.server}: ${who} blocked`,
      STEP_MS,
    );
  }

  /** Closes `who` (a reset, or a half-close: FIN) and waits until the server no longer lists it. */
  async disconnect(who: string, halfClose = false): Promise<void> {
    const c = this.conns.get(who)!;
    const id = this.ids.get(who)!;
    if (halfClose) c.socket.end();
    else c.close();
    this.conns.delete(who);
    await waitFor(async () => (await this.clientLine(id)) === undefined, `${this.server}: ${who} gone from CLIENT LIST`, STEP_MS);
    if (halfClose) c.close();
  }

  close(): void {
    for (const c of this.conns.values()) c.close();
    this.admin?.close();
  }

  transcript(): string {
    return this.steps.map((s) => `    ${s.who} ${s.cmd} -> ${JSON.stringify(s.reply)}`).join('\n');
  }
}

export type Scenario = (s: Session) => Promise<void>;

/** Runs the scenario on Redis and Damselfly (each on a flushed server) and compares the replies. */
export async function runBoth(redisPort: number, dflyPort: number, resp3: boolean, scenario: Scenario): Promise<void> {
  const r = new Session('redis', redisPort, resp3);
  const d = new Session('damselfly', dflyPort, resp3);
  try {
    await Promise.all([r.call('admin', 'FLUSHALL'), d.call('admin', 'FLUSHALL')]);
    const [rr, dr] = await Promise.allSettled([scenario(r), scenario(d)]);
    const both = (): string => `redis:\n${r.transcript()}\ndamselfly:\n${d.transcript()}`;
    if (rr.status === 'rejected') assert.fail(`scenario failed on redis: ${String(rr.reason)}\n${both()}`);
    if (dr.status === 'rejected') assert.fail(`scenario failed on damselfly: ${String(dr.reason)}\n${both()}`);
    for (let i = 0; i < Math.max(r.steps.length, d.steps.length); i++) {
      const a = r.steps[i];
      const b = d.steps[i];
      if (a === undefined || b === undefined || a.who !== b.who || a.reply !== b.reply) {
        assert.fail(`step ${i + 1} differs: ${a?.who} ${a?.cmd}\n  redis:     ${JSON.stringify(a?.reply)}\n  damselfly: ${JSON.stringify(b?.reply)}\n${both()}`);
      }
    }
  } finally {
    r.close();
    d.close();
  }
}

/**
 * A suite running every scenario on redis-server and on Damselfly at each thread count, in RESP2 and
 * RESP3, comparing the transcripts (runBoth); it fails if a Damselfly died.
 */
export function blockingDifferentialSuite(title: string, scenarios: Record<string, Scenario>, threads: number[] = THREADS): void {
  describe(title, { skip: !REDIS_AVAILABLE && SKIP_NO_REDIS }, () => {
    let redis: ServerHandle;
    const dfly = new Map<number, ServerHandle>();

    before(async () => {
      const started = await Promise.all([startRedis(), ...threads.map((n) => startDamselfly({ threads: n }))]);
      redis = started[0];
      threads.forEach((n, i) => dfly.set(n, started[i + 1]));
    });

    after(async () => {
      const dead = [...dfly].filter(([, h]) => !h.alive());
      await Promise.all([redis?.stop(), ...[...dfly.values()].map((h) => h.stop())]);
      assert.deepEqual(dead.map(([n, h]) => `threads=${n}: ${h.output()}`), [], 'a Damselfly died');
    });

    for (const n of threads) {
      for (const resp3 of [false, true]) {
        describe(`threads=${n} ${resp3 ? 'RESP3' : 'RESP2'}`, () => {
          for (const [name, scenario] of Object.entries(scenarios)) {
            it(name, () => runBoth(redis.port, dfly.get(n)!.port, resp3, scenario));
          }
        });
      }
    }
  });
}
