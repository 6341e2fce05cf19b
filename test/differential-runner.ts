// The differential runner every family's test file uses: cases (lists of commands over a private key
// namespace) grouped by topic go to Damselfly at 1, 2 and 4 threads and to one real Redis, and the raw
// reply bytes must be identical — in RESP2, in RESP3 (after HELLO 3) and pipelined (every command in
// one write). A failing case is a compatibility bug in the server: keep the case, fix the server.
// Invariants: one Redis per call, and one Damselfly per thread count, started together once for the
// whole suite and stopped (checked alive) after it; every case and variant has its own key namespace
// (`d<threads>:<case no>:<variant>:`), so cases never see each other's keys; without redis-server
// every case is skipped with a visible notice.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  stopChecked, DEFAULT_NORMALIZERS, REDIS_AVAILABLE, SKIP_NO_REDIS, diff, normalizeUnordered, startDamselfly, startRedis, type Arg, type DiffOptions, type Normalizer, type ServerHandle,
} from './harness.ts';

/** A case's key namer: k('a') is the key 'a' in the case's own namespace. */
export type Keys = (name: string) => string;
export type Variant = 'resp2' | 'resp3' | 'pipeline';

export interface Case {
  name: string;
  cmds: (k: Keys) => Arg[][];
  /** Only these variants (default: all). */
  only?: Variant[];
  /** Replaces DEFAULT_NORMALIZERS for this case. */
  normalize?: Normalizer[];
}

export interface Group {
  name: string;
  cases: Case[];
}

/** A case: c(name, k => commands, only?, normalize?). */
export const c = (name: string, cmds: (k: Keys) => Arg[][], only?: Case['only'], normalize?: Normalizer[]): Case => ({ name, cmds, only, normalize });

/** KEYS replies compared sorted (their order is unspecified). */
export const UNORDERED_KEYS = [...DEFAULT_NORMALIZERS, normalizeUnordered('keys')];

/** Every byte value once, in order. */
export const ALL_BYTES = Buffer.alloc(256);
for (let i = 0; i < 256; i++) ALL_BYTES[i] = i;
/** A 100 KB value. */
export const BIG = 'x'.repeat(100_000);
/** A timestamp far in the future (seconds) — EXPIRETIME is exact, TTL of it is not. */
export const FAR_S = '4102444800';
export const FAR_MS = '4102444800123';

export const THREADS = [1, 2, 4] as const;

const VARIANTS: { id: Variant; opts: DiffOptions }[] = [
  { id: 'resp2', opts: {} },
  { id: 'resp3', opts: { resp3: true } },
  { id: 'pipeline', opts: { pipeline: true } },
];

/**
 * Registers `groups` as a suite `title`: for each of 1, 2 and 4 threads, a describe per group and an
 * it per case, each case run in its variants against Damselfly and Redis.
 */
export function differentialSuite(title: string, groups: Group[]): void {
  describe(title, () => {
    // Redis and the three Damselflies start together (their start-up overlaps, and with the cases
    // of the thread counts before them) and stop after the last case.
    let redis: ServerHandle | null = null;
    const dflys = new Map<number, Promise<ServerHandle>>();
    before(async () => {
      if (!REDIS_AVAILABLE) return;
      for (const threads of THREADS) {
        const p = startDamselfly({ threads });
        p.catch(() => {}); // awaited by its describe; a failed start fails that describe's cases
        dflys.set(threads, p);
      }
      redis = await startRedis();
    });
    after(async () => {
      await redis?.stop();
      await Promise.all([...dflys.values()].map(async (p) => stopChecked(await p.catch(() => null))));
    });

    for (const threads of THREADS) {
      describe(`Damselfly with ${threads} thread(s) vs Redis`, () => {
        let dfly: ServerHandle | null = null;
        before(async () => {
          const p = dflys.get(threads);
          if (p) dfly = await p;
        });

        let caseNo = 0;
        for (const group of groups) {
          describe(group.name, () => {
            for (const tc of group.cases) {
              const no = caseNo++;
              it(tc.name, { timeout: 60_000 }, async (t) => {
                if (redis === null || dfly === null) {
                  t.skip(SKIP_NO_REDIS);
                  return;
                }
                const failures: string[] = [];
                for (const v of VARIANTS) {
                  if (tc.only && !tc.only.includes(v.id)) continue;
                  const ns = `d${threads}:${no}:${v.id}`;
                  const k: Keys = (name) => `${ns}:${name}`;
                  try {
                    await diff({ damselfly: dfly.port, redis: redis.port }, tc.cmds(k), { ...v.opts, normalize: tc.normalize, label: `${threads} thread(s), ${group.name} / ${tc.name}` });
                  } catch (e) {
                    const msg = (e as Error).message;
                    // The whole transcript once; for the other variants the differing reply is enough.
                    failures.push(failures.length === 0 ? msg : msg.split('\nwhole transcript:')[0]);
                  }
                }
                if (failures.length > 0) assert.fail(failures.join('\n\n'));
              });
            }
          });
        }
      });
    }
  });
}
