// Set-up shared by the collection families' tests (hashes, sets): a differential suite (Redis plus
// Damselfly with 1 and 3 shard threads, each command list run in RESP2 and RESP3 after a FLUSHALL)
// and an assertion suite (one Damselfly and a client), registered as before/after hooks of the
// enclosing describe; plus readers for flat replies.
// Invariants: every server a suite starts is stopped by its after hook.

import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { RawClient, diff, startDamselfly, startRedis, type Arg, type Normalizer, type ServerHandle } from './harness.ts';

/** The bulk strings of a flat reply, in order. */
export function bulks(r: Buffer): string[] {
  const s = r.toString('latin1');
  const out: string[] = [];
  const re = /\$(\d+)\r\n/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    const n = Number(m[1]);
    out.push(s.slice(re.lastIndex, re.lastIndex + n));
    re.lastIndex += n + 2;
  }
  return out;
}

/** The RESP2 bytes of an array of bulk strings. */
export function bulkArray(...s: string[]): string {
  return `*${s.length}\r\n` + s.map((v) => `$${v.length}\r\n${v}\r\n`).join('');
}

export interface DiffSuite {
  readonly redis: ServerHandle;
  readonly d1: ServerHandle;
  readonly d3: ServerHandle;
  /** Runs `cmds` (after a FLUSHALL) on Redis and on each Damselfly, in RESP2 and RESP3, comparing replies. */
  same(cmds: Arg[][], normalize?: Normalizer[]): Promise<void>;
}

/** Starts Redis and Damselfly (1 and 3 threads) for the enclosing describe. */
export function diffSuite(defaultNormalize: Normalizer[]): DiffSuite {
  let servers: ServerHandle[] = [];
  before(async () => {
    servers = await Promise.all([startRedis(), startDamselfly({ threads: 1 }), startDamselfly({ threads: 3 })]);
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });
  return {
    get redis() {
      return servers[0];
    },
    get d1() {
      return servers[1];
    },
    get d3() {
      return servers[2];
    },
    async same(cmds: Arg[][], normalize = defaultNormalize): Promise<void> {
      const all = [['FLUSHALL'], ...cmds];
      for (const [label, d] of [['1 thread', servers[1]], ['3 threads', servers[2]]] as const) {
        for (const resp3 of [false, true]) await diff({ damselfly: d.port, redis: servers[0].port }, all, { resp3, normalize, label });
      }
    },
  };
}

export interface AssertSuite {
  readonly server: ServerHandle;
  readonly c: RawClient;
  /** Asserts the exact reply of one command. */
  is(args: Arg[], want: string, why?: string): Promise<void>;
  /** The reply of one command as latin1 text. */
  text(args: Arg[]): Promise<string>;
}

/** Starts one Damselfly with `threads` shard threads and a client, for the enclosing describe. */
export function assertSuite(threads: number): AssertSuite {
  let server: ServerHandle | undefined;
  let c: RawClient | undefined;
  before(async () => {
    server = await startDamselfly({ threads });
    c = await RawClient.connect(server.port);
  });
  after(async () => {
    c?.close();
    await server?.stop();
  });
  const text = async (args: Arg[]): Promise<string> => (await c!.call(args)).toString('latin1');
  return {
    get server() {
      return server!;
    },
    get c() {
      return c!;
    },
    text,
    async is(args: Arg[], want: string, why = ''): Promise<void> {
      assert.equal(await text(args), want, `${args.map(String).join(' ').slice(0, 200)} ${why}`);
    },
  };
}
