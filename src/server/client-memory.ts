// ClientMemory: what one worker's clients hold (input, parsed arguments, MULTI queues, unsent
// output), the per-client input limit, and Redis 7's client eviction (maxmemory-clients).
// Invariants: `total` is the sum of the `memUsage` last reported by this worker's live clients (a
// gone client reports 0); the limits are per worker: maxmemory-clients is split evenly across the
// workers (each checks only its own clients), and one client's input never exceeds
// client-query-buffer-limit nor INPUT_HEAP_SHARE of the worker's V8 heap.

import { getHeapStatistics } from 'node:v8';
import type { ShardWorker } from './shard-worker.ts';

/** Share of the worker's heap limit one client's input (unparsed, parsed, queued) may take. */
export const INPUT_HEAP_SHARE = 0.5;
/** A client's fixed cost beyond its buffers (its objects, queues, socket): counted in tot-mem. */
export const CLIENT_BASE_BYTES = 2048;

/** Input at least this big is tracked for the collection nudge (noteReleased). */
export const BIG_INPUT = 8 * 1024 * 1024;
/** Input released by a worker's clients after which it asks V8 for a major collection. */
const RELEASED_GC_BYTES = 64 * 1024 * 1024;

const HEAP_CAP = Math.floor(getHeapStatistics().heap_size_limit * INPUT_HEAP_SHARE);

/** The client's side of the accounting. */
export interface MemoryAccountedClient {
  readonly id: bigint;
  readonly noEvict: boolean;
  readonly closed: boolean;
  /** Bytes last reported (0 once gone). */
  memUsage: number;
  /** Recomputes what the client holds now. */
  measureMemory(): number;
  /** Closes the client for eviction (logged by the caller). */
  close(): void;
  describe(now: number): string;
}

export class ClientMemory {
  total = 0;
  evicted = 0;
  /** Big input released since the last collection request. */
  private released = 0;
  private readonly worker: ShardWorker;

  constructor(worker: ShardWorker) {
    this.worker = worker;
  }

  /** The largest input one client may hold: client-query-buffer-limit, capped by the heap share. */
  get inputLimit(): number {
    return Math.min(this.worker.config.client_query_buffer_limit as number, HEAP_CAP);
  }

  /** This worker's share of maxmemory-clients (0: no client eviction). */
  get evictionLimit(): number {
    const v = this.worker.config.maxmemory_clients as number;
    if (v === 0) return 0;
    const total = v > 0 ? v : Math.floor(((this.worker.config.maxmemory as number) * -v) / 100);
    return total === 0 ? 0 : Math.max(1, Math.floor(total / this.worker.n));
  }

  /** Records what `c` holds now. */
  update(c: MemoryAccountedClient, bytes: number): void {
    this.total += bytes - c.memUsage;
    c.memUsage = bytes;
  }

  /**
   * A client dropped `bytes` of big input (its command ran, its queue went, it left). What it held is
   * garbage that V8 may keep for a long time (a worker allocating little runs no major GC), so after
   * RELEASED_GC_BYTES a concurrent major collection is requested (the shard threads run with
   * --expose-gc; without it the memory returns at the next natural collection).
   */
  noteReleased(bytes: number): void {
    this.released += bytes;
    if (this.released < RELEASED_GC_BYTES) return;
    this.released = 0;
    const gc = (globalThis as { gc?: (options: { type: string; execution: string }) => void }).gc;
    if (gc !== undefined) gc({ type: 'major', execution: 'async' });
  }

  release(c: MemoryAccountedClient): void {
    this.total -= c.memUsage;
    c.memUsage = 0;
  }

  /**
   * Client eviction: while this worker's clients hold more than its share of maxmemory-clients, the
   * biggest one not protected by CLIENT NO-EVICT is closed (as Redis's evictClients, largest first).
   */
  evictIfOver(clients: Iterable<MemoryAccountedClient>): void {
    const limit = this.evictionLimit;
    if (limit === 0 || this.total <= limit) return;
    const candidates: MemoryAccountedClient[] = [];
    for (const c of clients) {
      if (c.closed) continue;
      this.update(c, c.measureMemory());
      if (!c.noEvict) candidates.push(c);
    }
    candidates.sort((a, b) => b.memUsage - a.memUsage);
    const now = Date.now();
    for (const c of candidates) {
      if (this.total <= limit) break;
      this.worker.log(`Evicting client: ${c.describe(now)}`);
      this.evicted++;
      this.release(c);
      c.close();
    }
  }
}

const PER_WORKER = new WeakMap<ShardWorker, ClientMemory>();

/** The accounting of `worker`'s clients. */
export function clientMemoryOf(worker: ShardWorker): ClientMemory {
  let m = PER_WORKER.get(worker);
  if (m === undefined) PER_WORKER.set(worker, (m = new ClientMemory(worker)));
  return m;
}
