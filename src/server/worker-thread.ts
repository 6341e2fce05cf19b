// WorkerThread: one worker thread as a whole — its shard executor (ShardWorker) plus its clients and
// its listener: it accepts sockets on the shared port and keeps the registry of its connections.
// Invariants: a connection is in `clients` from its accept until it is gone (Connection removes
// itself); the shared client count counts exactly the connections of every thread's registry;
// `servers` listen on the configured port and addresses — a CONFIG SET port/bind opens the new
// listeners beside them (pending) and swaps them in only once every thread listens.
// HTTP: with an HttpAcceptor set, connections on the main port are sniffed for HTTP unless --nohttp,
// and the --admin_port listener (the same SO_REUSEPORT sharing) sniffs always: it serves HTTP and RESP.

import { chmodSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { bindHosts, listenError } from '../runtime/port-claim.ts';
import { Connection, type HttpAcceptor } from './connection.ts';
import { ShardWorker } from './shard-worker.ts';
import type { ConfigFile } from '../config/redis-conf.ts';
import { heapInUse, RecentClientPeaks } from './stats.ts';
import { clientMemoryOf } from './client-memory.ts';
import { LOG_DEBUG, LOG_VERBOSE } from '../util/log.ts';
import { SEGMENT_SLOTS } from '../engine/dashtable.ts';

/** Redis's run_with_period(5000) for its periodic log lines. */
const PERIODIC_LOG_MS = 5000;

/** A server and the address it listens on (undefined: every interface). */
type Listener = [Server, string | undefined];

/** Resolves once `server` listens; rejects with the error in the port claim's words. */
function listening([server, host]: Listener, port: number): Promise<void> {
  if (server.listening) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      reject(listenError(e, host, port));
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
  });
}

export class WorkerThread extends ShardWorker {
  readonly clients = new Map<bigint, Connection>();
  readonly servers: Server[] = [];
  /** Listeners opened by CONFIG SET port/bind, not yet committed. */
  private pendingServers: Server[] = [];
  /** The Unix socket listener (thread 0, with `unixsocket`), or null. */
  private unixServer: Server | null = null;
  /** The --admin_port listeners (HTTP and RESP; CONFIG SET port does not move them). */
  private readonly adminServers: Server[] = [];
  private pendingListenId = '';
  private pendingListenState = 'ok';
  /** The redis.conf or flagfile the server started from (CONFIG REWRITE's target), if any. */
  configFile: ConfigFile | null = null;
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

  /**
   * Listens on every configured address with SO_REUSEPORT, so all workers share the port; thread 0
   * also on the `unixsocket` path if there is one (a path cannot be shared).
   */
  listen(): Promise<void> {
    this.startupMemory = heapInUse();
    const fresh = this.openServers(this.config.port as number, String(this.config.bind));
    for (const [server] of fresh) this.servers.push(server);
    const all = fresh.map((l) => listening(l, this.config.port as number));
    const path = String(this.config.unixsocket ?? '');
    if (path !== '' && this.index === 0) all.push(this.listenUnix(path));
    const adminPort = this.config.admin_port as number;
    if (adminPort > 0 && this.http !== null) {
      for (const l of this.listenersOn(adminPort, String(this.config.bind), true)) {
        this.adminServers.push(l[0]);
        all.push(listening(l, adminPort));
      }
    }
    return Promise.all(all).then(() => undefined);
  }

  /** Redis's Unix socket: a stale file at the path is removed first; unixsocketperm (octal) applied when not 0. */
  private listenUnix(path: string): Promise<void> {
    rmSync(path, { force: true });
    const server = createServer({ allowHalfOpen: true }, (s) => this.accept(s, false));
    this.unixServer = server;
    server.listen({ path, backlog: this.config.tcp_backlog as number });
    return new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => reject(new Error(`Failed opening Unix socket: ${e.message}`)));
      server.once('listening', () => {
        const perm = Number(this.config.unixsocketperm ?? 0);
        if (perm !== 0) chmodSync(path, perm);
        resolve();
      });
    });
  }

  /** Servers listening on `port` on every address of `bind` (none for port 0, as Redis closes its TCP listeners). */
  private openServers(port: number, bind: string): Listener[] {
    if (port === 0 && this.servers.length > 0) return [];
    return this.listenersOn(port, bind, this.http !== null && this.config.http === true);
  }

  /** A shared (SO_REUSEPORT) listener on `port` per address of `bind`; `sniff`: its connections may speak HTTP. */
  private listenersOn(port: number, bind: string, sniff: boolean): Listener[] {
    return bindHosts(bind).map((host) => {
      const server = createServer({ noDelay: true, allowHalfOpen: true }, (s) => this.accept(s, sniff));
      server.listen({ port, host, reusePort: true, backlog: this.config.tcp_backlog as number });
      return [server, host];
    });
  }

  /**
   * CONFIG SET port/bind, first step (Redis's changeListenPort / changeBindAddr): starts listening on
   * the new addresses beside the current ones, for the change named `id` (a newer change replaces an
   * unfinished one). listenState says how that went; then commitListeners or abortListeners.
   */
  openPendingListeners(id: string, port: number, bind: string): void {
    this.abortListeners(this.pendingListenId);
    const fresh = this.openServers(port, bind);
    const servers = fresh.map(([server]) => server);
    this.pendingServers = servers;
    this.pendingListenId = id;
    this.pendingListenState = 'pending';
    Promise.all(fresh.map((l) => listening(l, port))).then(
      () => {
        if (this.pendingServers === servers) this.pendingListenState = 'ok';
      },
      (e: Error) => {
        this.log(`Warning: ${e.message}`);
        if (this.pendingServers === servers) this.pendingListenState = e.message;
      },
    );
  }

  /** 'pending', 'ok', or why change `id` cannot listen (its error, or a newer change took its place). */
  listenState(id: string): string {
    return id === this.pendingListenId ? this.pendingListenState : 'superseded by another CONFIG SET port/bind';
  }

  /** Change `id`'s listeners replace the old ones, which close (their clients stay). False if it is no longer the pending change. */
  commitListeners(id: string): boolean {
    if (id !== this.pendingListenId) return false;
    const old = this.servers.splice(0, this.servers.length, ...this.pendingServers);
    this.pendingServers = [];
    this.pendingListenId = '';
    for (const s of old) s.close();
    return true;
  }

  /** Change `id`'s listeners close (a thread could not listen): the old ones stay. */
  abortListeners(id: string): void {
    if (id !== this.pendingListenId) return;
    for (const s of this.pendingServers) s.close();
    this.pendingServers = [];
    this.pendingListenId = '';
  }

  /** A new socket; `sniff`: it may speak HTTP (its first line decides). */
  private accept(socket: Socket, sniff: boolean): void {
    const total = Atomics.add(this.shared.counts, 0, 1) + 1;
    if (total > (this.config.maxclients as number) || this.shuttingDown) {
      // Redis counts a refused connection as rejected only, not as received.
      Atomics.sub(this.shared.counts, 0, 1);
      this.stats.rejectedConnections++;
      socket.end('-ERR max number of clients reached\r\n');
      socket.on('error', () => {});
      return;
    }
    // Redis's anetKeepAlive at accept: probes after tcp-keepalive seconds of silence (0: off).
    const keepAlive = this.config.tcp_keepalive as number;
    if (keepAlive > 0) socket.setKeepAlive(true, keepAlive * 1000);
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
    const listeners = [...this.servers, ...this.adminServers];
    if (this.unixServer !== null) listeners.push(this.unixServer);
    const closed = Promise.all(listeners.map((s) => new Promise<void>((r) => s.close(() => r()))));
    for (const c of [...this.clients.values()]) c.closeAfterReplies();
    this.http?.closeAll();
    await closed;
  }
}
