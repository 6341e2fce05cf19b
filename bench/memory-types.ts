// Memory benchmark of the data types: `npm run bench:memory-types` (= node bench/memory-types.ts).
// For each scenario (a 1M-field hash, a 1M-member set, a 1M-member sorted set, 1M small hashes of 10
// fields, a 1M-entry stream, 1M small bitmaps, 1M small HyperLogLogs), starts a fresh redis-server and a fresh Damselfly (2 shard threads), loads the data with
// a pipelined loader over one raw socket, and reports the growth of the server's resident memory
// (VmRSS of the whole process, every thread included) per element; with the sorted set loaded, the
// latency of ZRANGE by rank and by score in the middle of a 1M sorted set (sequential round trips, with
// both servers up and measured in alternating rounds).
// Invariants: one server runs at a time (no competition for memory or cores); every server is
// stopped before the next starts and on exit/interrupt; only 127.0.0.1. See bench/README.md.

import { UsageError, runMain, settledRss, shellQuote, startServer, stopServer, writeResult, type RunningServer, type ServerSpec } from './servers.ts';
import { fmt2, loadAtStart, median, resultFile, resultHead, table } from './bench-util.ts';
import { RespConn, encode, usedMemory } from './resp-client.ts';
import { shardOfKey } from '../src/runtime/slots.ts';

const THREADS = 2;
/** Pairs / members per HSET / SADD / ZADD when filling one big key. */
const PER_COMMAND = 100;

interface Options {
  elements: number;
  latencyOps: number;
  only: string[] | null;
  out: string | null;
  quick: boolean;
}

const USAGE = `Usage: node bench/memory-types.ts [options]
  --elements=N     elements per scenario (default 1000000; --quick: 20000)
  --latency-ops=N  ZRANGE round trips per measurement (default 5000; --quick: 300)
  --only=LIST      scenarios: ${['hash', 'set', 'zset', 'small-hashes', 'stream', 'bitmaps', 'hlls'].join(',')} (default all)
  --out=FILE       result JSON (default bench/results/<date>-<host>-memory-types[-quick].json)
  --quick          smoke run (small sizes; numbers not worth comparing)
  --help`;


function parseOptions(argv: string[]): Options {
  const quick = argv.includes('--quick');
  const o: Options = { elements: quick ? 20_000 : 1_000_000, latencyOps: quick ? 300 : 5000, only: null, out: null, quick };
  for (const a of argv) {
    if (a === '--quick') continue;
    if (a === '--help' || a === '-h') {
      process.stdout.write(USAGE + '\n');
      process.exit(0);
    }
    const m = /^--([a-z-]+)=(.*)$/.exec(a);
    if (!m) throw new UsageError(`unknown argument '${a}'`);
    const [, k, v] = m;
    const positive = (): number => {
      if (!/^[0-9]+$/.test(v) || Number(v) <= 0) throw new UsageError(`--${k}: expected a positive integer, got '${v}'`);
      return Number(v);
    };
    if (k === 'elements') o.elements = positive();
    else if (k === 'latency-ops') o.latencyOps = positive();
    else if (k === 'only') o.only = v.split(',').map((s) => s.trim());
    else if (k === 'out') o.out = v;
    else throw new UsageError(`unknown option '--${k}'`);
  }
  return o;
}

// ---------------------------------------------------------------- scenarios

interface Scenario {
  id: string;
  what: string;
  /** What one element is (the per-element figure divides by `elements`). */
  unit: string;
  /** The commands that load `n` elements. */
  commands(n: number): Iterable<Buffer>;
  /** Elements per key-level unit, for a second per-unit figure (small hashes: per key). */
  perKey?: number;
  /** The command that reports the loaded size (default DBSIZE: one key per element). */
  check?: string[];
}

/** Commands filling one key with n elements, PER_COMMAND at a time. */
function* fillOne(head: string[], n: number, element: (i: number) => (string | number)[]): Iterable<Buffer> {
  for (let i = 0; i < n; i += PER_COMMAND) {
    const args: (string | number)[] = [...head];
    for (let j = i; j < Math.min(n, i + PER_COMMAND); j++) args.push(...element(j));
    yield encode(args);
  }
}

const SMALL_FIELDS = 10;

const SCENARIOS: Scenario[] = [
  {
    id: 'hash',
    what: 'one hash, N fields (HSET bighash field:<i> value:<i>, 100 pairs per command)',
    unit: 'field',
    commands: (n) => fillOne(['HSET', 'bighash'], n, (i) => [`field:${i}`, `value:${i}`]),
    check: ['HLEN', 'bighash'],
  },
  {
    id: 'set',
    what: 'one set, N members (SADD bigset member:<i>, 100 per command)',
    unit: 'member',
    commands: (n) => fillOne(['SADD', 'bigset'], n, (i) => [`member:${i}`]),
    check: ['SCARD', 'bigset'],
  },
  {
    id: 'zset',
    what: 'one sorted set, N members (ZADD bigzset <i> member:<i>, 100 per command)',
    unit: 'member',
    commands: (n) => fillOne(['ZADD', 'bigzset'], n, (i) => [i, `member:${i}`]),
    check: ['ZCARD', 'bigzset'],
  },
  {
    id: 'small-hashes',
    what: `N hashes of ${SMALL_FIELDS} fields each (HSET hash:<i> f0 v<i> ... f9 v<i>, one key per command)`,
    unit: 'hash (key)',
    commands: function* (n) {
      for (let i = 0; i < n; i++) {
        const args: (string | number)[] = ['HSET', `hash:${i}`];
        for (let f = 0; f < SMALL_FIELDS; f++) args.push(`f${f}`, `v${i}`);
        yield encode(args);
      }
    },
    perKey: SMALL_FIELDS,
  },
  {
    id: 'stream',
    what: 'one stream, N entries of one field (XADD bigstream * field value:<i>, one entry per command)',
    unit: 'entry',
    commands: function* (n) {
      for (let i = 0; i < n; i++) yield encode(['XADD', 'bigstream', '*', 'field', `value:${i}`]);
    },
    check: ['XLEN', 'bigstream'],
  },
  {
    id: 'bitmaps',
    what: 'N bitmaps of 128 bits (SETBIT bitmap:<i> 127 1, one key per command)',
    unit: 'bitmap (key)',
    commands: function* (n) {
      for (let i = 0; i < n; i++) yield encode(['SETBIT', `bitmap:${i}`, 127, 1]);
    },
  },
  {
    id: 'hlls',
    what: 'N HyperLogLogs of 5 elements, sparse (PFADD hll:<i> a<i> b<i> c<i> d<i> e<i>, one key per command)',
    unit: 'HLL (key)',
    commands: function* (n) {
      for (let i = 0; i < n; i++) yield encode(['PFADD', `hll:${i}`, `a${i}`, `b${i}`, `c${i}`, `d${i}`, `e${i}`]);
    },
  },
];

// ---------------------------------------------------------------- measuring

interface Latency {
  op: string;
  /** Damselfly: whether the connection's thread owns the key ('same thread') or hops to it ('other thread'). */
  conn: string;
  command: string;
  ops: number;
  p50Us: number;
  p99Us: number;
  meanUs: number;
}

/** Round trips of `make(k)` for k in [from, from + n), appended to `us` in microseconds. */
async function roundTrips(c: RespConn, what: string, from: number, n: number, make: (k: number) => (string | number)[], us: number[] | null): Promise<void> {
  for (let k = from; k < from + n; k++) {
    const t0 = process.hrtime.bigint();
    const r = await c.call(make(k));
    const t = Number(process.hrtime.bigint() - t0) / 1000;
    if (r[0] === 0x2d) throw new Error(`${what}: ${r.toString('latin1').trim()}`);
    us?.push(t);
  }
}

function stats(us: number[]): { p50Us: number; p99Us: number; meanUs: number } {
  const s = us.slice().sort((a, b) => a - b);
  return { p50Us: median(s), p99Us: s[Math.min(s.length - 1, Math.floor(s.length * 0.99))], meanUs: s.reduce((a, b) => a + b, 0) / s.length };
}

/** A deterministic stream of start positions in the middle tenth of n (same for both servers). */
function middle(n: number): (k: number) => number {
  return (k) => Math.floor(0.45 * n) + ((k * 7919) % Math.max(1, Math.floor(0.1 * n)));
}

interface Measurement {
  scenario: string;
  server: string;
  elements: number;
  commands: number;
  loadSeconds: number;
  loadElementsPerS: number;
  rssBeforeBytes: number;
  rssAfterBytes: number;
  rssBytesPerElement: number;
  usedMemoryBefore: number;
  usedMemoryAfter: number;
  usedMemoryBytesPerElement: number;
  check: string;
}

async function measure(spec: ServerSpec, sc: Scenario, opts: Options, log: (s: string) => void): Promise<{ m: Measurement; server: RunningServer }> {
  const s = await startServer(spec);
  try {
    const c = await RespConn.connect(s.port);
    try {
      const rss0 = await settledRss(s.pid);
      const used0 = await usedMemory(c);
      const load = await c.load(sc.commands(opts.elements));
      if (load.errors > 0) throw new Error(`${spec.id} ${sc.id}: ${load.errors} error replies while loading, first: ${load.firstError}`);
      const rss1 = await settledRss(s.pid);
      const used1 = await usedMemory(c);
      // The data is all there: the size as the server reports it.
      const checkCmd = sc.check ?? ['DBSIZE'];
      const check = (await c.call(checkCmd)).toString('latin1').trim();
      const m: Measurement = {
        scenario: sc.id,
        server: spec.id,
        elements: opts.elements,
        commands: load.commands,
        loadSeconds: load.seconds,
        loadElementsPerS: opts.elements / load.seconds,
        rssBeforeBytes: rss0,
        rssAfterBytes: rss1,
        rssBytesPerElement: (rss1 - rss0) / opts.elements,
        usedMemoryBefore: used0,
        usedMemoryAfter: used1,
        usedMemoryBytesPerElement: (used1 - used0) / opts.elements,
        check: `${checkCmd.join(' ')} -> ${check}`,
      };
      log(
        `${sc.id.padEnd(12)} ${spec.id.padEnd(9)} loaded ${opts.elements} in ${fmt2(load.seconds)} s; RSS ${mb(rss0)} -> ${mb(rss1)} MB = ` +
          `${fmt2(m.rssBytesPerElement)} B/${sc.unit}; ${m.check}`,
      );
      return { m, server: s };
    } finally {
      c.close();
    }
  } finally {
    await stopServer(s);
  }
}

/**
 * Connections for the latency runs: Redis, one; Damselfly, one whose thread owns `key` and one whose
 * thread does not (a connection stays on the thread that accepted it: new ones are opened, at most 16,
 * until both kinds are found; CLIENT INFO names the thread).
 */
async function latencyConns(s: RunningServer, spec: ServerSpec, key: string): Promise<[string, RespConn][]> {
  if (spec.kind === 'redis') return [['redis', await RespConn.connect(s.port)]];
  const owner = shardOfKey(Buffer.from(key), spec.threads ?? 1);
  const found = new Map<string, RespConn>();
  for (let i = 0; i < 16 && found.size < 2; i++) {
    const c = await RespConn.connect(s.port);
    const thread = Number(/\bthread=(\d+)/.exec((await c.call(['CLIENT', 'INFO'])).toString('latin1'))?.[1]);
    const kind = thread === owner ? 'same thread' : 'other thread';
    if (found.has(kind)) c.close();
    else found.set(kind, c);
  }
  return [...found].sort(([a], [b]) => (a < b ? 1 : -1));
}

const LATENCY_OPS: { op: string; command: string; make: (at: number) => (string | number)[] }[] = [
  { op: 'ZRANGE by rank', command: 'ZRANGE bigzset <r> <r+9>', make: (r) => ['ZRANGE', 'bigzset', r, r + 9] },
  { op: 'ZRANGE by score', command: 'ZRANGE bigzset <s> <s+9> BYSCORE', make: (r) => ['ZRANGE', 'bigzset', r, r + 9, 'BYSCORE'] },
  { op: 'ZRANGE by score, LIMIT, WITHSCORES', command: 'ZRANGE bigzset <s> +inf BYSCORE LIMIT 0 10 WITHSCORES', make: (r) => ['ZRANGE', 'bigzset', r, '+inf', 'BYSCORE', 'LIMIT', 0, 10, 'WITHSCORES'] },
];
/** Latency runs are cut into this many rounds, alternating the servers, so machine noise hits both alike. */
const LATENCY_ROUNDS = 5;

/**
 * The sorted-set scenario's data (member:<i> with score i) loaded into a redis-server and a Damselfly
 * running side by side, then ZRANGEs in the middle tenth (r / s from 45% to 55% of N), on one
 * connection at a time, one round trip after the other: a warm-up of a tenth, then rounds of
 * redis, damselfly on the key's thread, damselfly on the other thread.
 */
async function latencyPhase(specs: ServerSpec[], opts: Options, log: (s: string) => void): Promise<Latency[]> {
  const servers: RunningServer[] = [];
  const conns: [string, RespConn][] = [];
  try {
    for (const spec of specs) {
      const s = await startServer(spec);
      servers.push(s);
      const c = await RespConn.connect(s.port);
      const load = await c.load(SCENARIOS.find((x) => x.id === 'zset')!.commands(opts.elements));
      c.close();
      if (load.errors > 0) throw new Error(`${spec.id} zset: ${load.errors} error replies while loading, first: ${load.firstError}`);
      conns.push(...(await latencyConns(s, spec, 'bigzset')));
    }
    const at = middle(opts.elements);
    const samples = new Map<string, number[]>();
    const perRound = Math.max(1, Math.round(opts.latencyOps / LATENCY_ROUNDS));
    for (const [conn, c] of conns) for (const l of LATENCY_OPS) await roundTrips(c, l.op, 0, Math.max(50, Math.round(opts.latencyOps / 10)), (k) => l.make(at(k)), null);
    for (let round = 0; round < LATENCY_ROUNDS; round++) {
      for (const [conn, c] of conns) {
        for (const l of LATENCY_OPS) {
          const key = `${conn}\0${l.op}`;
          if (!samples.has(key)) samples.set(key, []);
          await roundTrips(c, l.op, round * perRound, perRound, (k) => l.make(at(k)), samples.get(key)!);
        }
      }
    }
    const out: Latency[] = [];
    for (const [conn] of conns) {
      for (const l of LATENCY_OPS) {
        const us = samples.get(`${conn}\0${l.op}`)!;
        const st = stats(us);
        out.push({ op: l.op, conn, command: l.command, ops: us.length, ...st });
        log(`latency ${l.op.padEnd(34)} ${conn.padEnd(12)} p50 ${fmt2(st.p50Us)} µs  p99 ${fmt2(st.p99Us)} µs  mean ${fmt2(st.meanUs)} µs`);
      }
    }
    return out;
  } finally {
    for (const [, c] of conns) c.close();
    for (const s of servers) await stopServer(s);
  }
}

const mb = (b: number): string => (b / 2 ** 20).toFixed(1);

// ---------------------------------------------------------------- report

function report(ms: Measurement[], lat: Latency[], opts: Options): string {
  const out: string[] = [];
  const get = (sc: string, server: string): Measurement | undefined => ms.find((m) => m.scenario === sc && m.server === server);
  out.push(`${opts.elements} elements per scenario; damselfly = --proactor_threads=${THREADS}; RSS = VmRSS growth of the whole process; ratio = damselfly / redis.`);
  const rows: string[][] = [];
  for (const sc of SCENARIOS) {
    const r = get(sc.id, 'redis');
    const d = get(sc.id, 'damselfly');
    if (!r || !d) continue;
    const per = sc.perKey !== undefined ? ` (${fmt2(r.rssBytesPerElement / sc.perKey)} / ${fmt2(d.rssBytesPerElement / sc.perKey)} per field)` : '';
    rows.push([
      sc.id, sc.unit, fmt2(r.rssBytesPerElement), fmt2(d.rssBytesPerElement), fmt2(d.rssBytesPerElement / r.rssBytesPerElement) + per,
      fmt2(r.usedMemoryBytesPerElement), fmt2(d.usedMemoryBytesPerElement), `${Math.round(r.loadElementsPerS)} / ${Math.round(d.loadElementsPerS)}`,
    ]);
  }
  out.push(table(['scenario', 'element', 'redis B/elem (RSS)', 'damselfly B/elem (RSS)', 'ratio', 'redis used_memory B/elem', 'damselfly heap B/elem', 'load elem/s redis / damselfly'], rows));
  if (lat.length > 0) {
    out.push('');
    out.push(
      `Sorted set of ${opts.elements} (both servers up, alternating in ${LATENCY_ROUNDS} rounds): sequential round trips on one connection, ` +
        `${opts.latencyOps} per op and connection, µs; damselfly from a connection on the key's thread and from one on the other thread:`,
    );
    const lrows: string[][] = [];
    for (const dl of lat.filter((l) => l.conn !== 'redis')) {
      const rl = lat.find((l) => l.conn === 'redis' && l.op === dl.op)!;
      lrows.push([dl.op, dl.conn, fmt2(rl.p50Us), fmt2(dl.p50Us), fmt2(dl.p50Us / rl.p50Us), fmt2(rl.p99Us), fmt2(dl.p99Us), fmt2(rl.meanUs), fmt2(dl.meanUs), fmt2(dl.meanUs / rl.meanUs)]);
    }
    out.push(table(['op', 'damselfly conn', 'redis p50', 'damselfly p50', 'p50 ratio', 'redis p99', 'damselfly p99', 'redis mean', 'damselfly mean', 'mean ratio'], lrows));
  }
  return out.join('\n');
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const scenarios = SCENARIOS.filter((s) => opts.only === null || opts.only.includes(s.id));
  if (opts.only !== null) for (const id of opts.only) if (!SCENARIOS.some((s) => s.id === id)) throw new UsageError(`--only: unknown scenario '${id}'`);
  const specs: ServerSpec[] = [
    { id: 'redis', kind: 'redis', threads: null, label: 'redis-server' },
    { id: 'damselfly', kind: 'damselfly', threads: THREADS, label: `damselfly --proactor_threads=${THREADS}`, pinThreads: true },
  ];
  const started = new Date();
  const loadStart = loadAtStart();
  process.stdout.write(`bench: memory of the data types, ${opts.elements} elements per scenario (${scenarios.map((s) => s.id).join(', ')}); a fresh server per measurement\n`);
  const ms: Measurement[] = [];
  const serverCommands = new Map<string, string>();
  for (const sc of scenarios) {
    for (const spec of specs) {
      const { m, server } = await measure(spec, sc, opts, (line) => process.stdout.write(line + '\n'));
      serverCommands.set(spec.id, shellQuote(server.argv.map((a) => a.replace(String(server.port), 'PORT'))));
      ms.push(m);
    }
  }
  const lat = scenarios.some((s) => s.id === 'zset') ? await latencyPhase(specs, opts, (line) => process.stdout.write(line + '\n')) : [];
  const text = report(ms, lat, opts);
  process.stdout.write('\n' + text + '\n');

  const file = resultFile(opts.out, started, `-memory-types${opts.quick ? '-quick' : ''}`);
  const { command, ...head } = resultHead(started, loadStart, import.meta.url);
  const result = {
    ...head,
    harness: {
      command,
      options: opts,
      loader: 'one raw socket, RESP commands written in batches of 256 with at most 4096 unanswered',
      latency: `after the memory scenarios: redis-server and damselfly both up, the zset scenario loaded in each; per connection and op a warm-up of max(50, ops/10), then ${LATENCY_ROUNDS} alternating rounds`,
      rss: 'VmRSS from /proc/<pid>/status once three samples 250 ms apart agree within 0.5% (at most 15 s), before and after loading',
    },
    servers: Object.fromEntries(serverCommands),
    scenarios: scenarios.map((s) => ({ id: s.id, what: s.what, unit: s.unit })),
    measurements: ms,
    latency: lat,
    table: text,
  };
  writeResult(file, result, result.durationS);
}

runMain(main, USAGE);
