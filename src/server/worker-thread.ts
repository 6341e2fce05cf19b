// WorkerThread: one worker thread as a whole — its shard executor (ShardWorker) plus its clients and
// its listener: it accepts sockets on the shared port and keeps the registry of its connections.
// Invariants: a connection is in `clients` from its accept until it is gone (Connection removes
// itself); the shared client count counts exactly the connections of every thread's registry.
// HTTP: with an HttpAcceptor set, connections on the main port are sniffed for HTTP unless --nohttp,
// and the --admin_port listener (the same SO_REUSEPORT sharing) sniffs always: it serves HTTP and RESP.

import { createServer, type Server, type Socket } from 'node:net';
import { bindHosts, listenError } from '../runtime/port-claim.ts';
import { Connection, type HttpAcceptor } from './connection.ts';
import { ShardWorker } from './shard-worker.ts';
import { heapInUse, RecentClientPeaks } from './stats.ts';
import { clientMemoryOf } from './client-memory.ts';
import { LOG_DEBUG, LOG_VERBOSE } from '../util/log.ts';
import { SEGMENT_SLOTS } from '../engine/dashtable.ts';

/** Redis's run_with_period(5000) for its periodic log lines. */
const PERIODIC_LOG_MS = 5000;

export class WorkerThread extends ShardWorker {
  readonly clients = new Map<bigint, Connection>();
  readonly servers: Server[] = [];
  shuttingDown = false;
  /** The HTTP service (set by the entry point before listen(); null: no HTTP). */
  http: HttpAcceptor | null = null;
  readonly clientPeaks = new RecentClientPeaks();

  override start(): void {
    super.start();
    setInterval(
      this.guarded(() => {
        this.closeIdleClients();
        this.sampleClientBuffers();
      }, 'the client timer'),
      1000,
    ).unref();
    setInterval(this.guarded(() => this.logPeriodic(), 'the periodic log lines'), PERIODIC_LOG_MS).unref();
  }

  /**
   * Redis's serverCron lines, every 5 s: at verbose, each non-empty database of this shard; at debug,
   * this thread's clients and its shard's memory.
   */
  logPeriodic(): void {
    if (!this.logs(LOG_VERBOSE)) return;
    const dbs = this.shard.dbs;
    for (let j = 0; j < dbs.length; j++) {
      const db = dbs[j];
      if (db.size > 0 || db.expiresCount > 0) this.logger(LOG_VERBOSE, `DB ${j}: ${db.size} keys (${db.expiresCount} volatile) in ${db.table.segmentCount * SEGMENT_SLOTS} slots HT.`);
    }
    if (this.logs(LOG_DEBUG)) this.logger(LOG_DEBUG, `${this.clients.size} clients connected (0 replicas), ${this.shard.usedMemory()} bytes in use`);
  }

  /** Largest query and output buffers now: into this second's slot of clientPeaks; returned. */
  sampleClientBuffers(): [number, number] {
    let maxIn = 0;
    let maxOut = 0;
    for (const c of this.clients.values()) {
      maxIn = Math.max(maxIn, c.parser.buffered);
      maxOut = Math.max(maxOut, c.outputBytes);
    }
    this.clientPeaks.sample(Date.now(), maxIn, maxOut);
    return [maxIn, maxOut];
  }

  /** CONFIG RESETSTAT: the shard's counters and the clients evicted for maxmemory-clients. */
  override resetStats(): void {
    super.resetStats();
    clientMemoryOf(this).evicted = 0;
  }

  /** The `timeout` setting: closes clients idle for longer than it (0: never). */
  private closeIdleClients(): void {
    const limit = (this.config.timeout as number) * 1000;
    if (limit <= 0) return;
    const now = Date.now();
    // Monitors are never idle-closed (Redis exempts replicas, which monitors are).
    for (const c of [...this.clients.values()]) {
      if (c.isMonitor || now - c.lastInteraction <= limit) continue;
      this.logAt(LOG_VERBOSE, 'Closing idle client');
      c.close();
    }
  }

  /** Listens on every configured address with SO_REUSEPORT, so all workers share the port. */
  listen(): Promise<void> {
    this.startupMemory = heapInUse();
    const hosts = bindHosts(String(this.config.bind));
    const adminPort = this.config.admin_port as number;
    const main = this.listenOn(hosts, this.config.port as number, this.http !== null && this.config.http === true);
    if (adminPort === 0 || this.http === null) return main;
    return Promise.all([main, this.listenOn(hosts, adminPort, true)]).then(() => undefined);
  }

  /** Listens on `port` of every host; `sniff`: its connections may speak HTTP. */
  private listenOn(hosts: (string | undefined)[], port: number, sniff: boolean): Promise<void> {
    return Promise.all(
      hosts.map(
        (host) =>
          new Promise<void>((resolve, reject) => {
            const server = createServer({ noDelay: true, allowHalfOpen: true }, (s) => this.accept(s, sniff));
            const onError = (e: NodeJS.ErrnoException): void => reject(listenError(e, host, port));
            server.once('error', onError);
            server.listen({ port, host, reusePort: true, backlog: 511 }, () => {
              server.off('error', onError);
              resolve();
            });
            this.servers.push(server);
          }),
      ),
    ).then(() => undefined);
  }

  private accept(socket: Socket, sniff: boolean): void {
    const total = Atomics.add(this.shared.counts, 0, 1) + 1;
    if (total > (this.config.maxclients as number) || this.shuttingDown) {
      Atomics.sub(this.shared.counts, 0, 1);
      // Redis counts a refused connection as rejected only, not as received.
      this.stats.rejectedConnections++;
      socket.end('-ERR max number of clients reached\r\n');
      socket.on('error', () => {});
      return;
    }
    this.stats.connectionsReceived++;
    const id = Atomics.add(this.shared.ids, 0, 1n) + 1n;
    const c = new Connection(this, socket, id, sniff);
    if (this.logs(LOG_VERBOSE)) this.logger(LOG_VERBOSE, `Accepted ${c.addr}`);
    this.clients.set(id, c);
  }

  removeClient(c: Connection): void {
    if (this.clients.delete(c.id)) Atomics.sub(this.shared.counts, 0, 1);
  }

  /**
   * Stops accepting, lets in-flight replies go out, closes every client. The mesh keeps serving:
   * other workers' clients may still wait for replies from this shard. stop() ends it, once every
   * worker has closed its clients.
   */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    // server.close() stops accepting now but calls back only once its connections are gone: close
    // the clients before waiting for it.
    const closed = Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    for (const c of [...this.clients.values()]) c.closeAfterReplies();
    this.http?.closeAll();
    await closed;
  }
}
