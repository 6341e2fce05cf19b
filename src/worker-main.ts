// Entry point of one shard worker thread: builds the command table, the shard and the mesh from the
// layout the main thread created, then listens on the shared port (SO_REUSEPORT).
// Invariants: the only postMessage traffic is lifecycle (ready, shutdown, log); commands never use it.

import { parentPort, workerData } from 'node:worker_threads';
import { buildServerTable } from './registry.ts';
import { WorkerThread } from './server/worker-thread.ts';
import { HttpService } from './http/http-service.ts';
import type { MeshLayout } from './runtime/mesh.ts';
import { controlViews } from './runtime/control.ts';
import { PortClaimError } from './runtime/port-claim.ts';
import type { ConfigValues } from './config/params.ts';
import { LOG_WARNING } from './util/log.ts';
import type { ConfigFile } from './config/redis-conf.ts';

export interface WorkerInit {
  index: number;
  layout: MeshLayout;
  config: ConfigValues;
  control: SharedArrayBuffer;
  /** The file the server started from, for CONFIG REWRITE. */
  configFile: ConfigFile | null;
}

export type ToMain =
  | { type: 'ready' }
  | { type: 'fatal'; message: string }
  /** A log line at or above loglevel; `at`: when it was logged (ms), `level`: LOG_DEBUG..LOG_WARNING. */
  | { type: 'log'; level: number; at: number; message: string }
  | { type: 'shutdown-request'; mode: string }
  | { type: 'closed' };

/** shutdown: close every client (keep serving the other workers); stop: every worker has closed its clients. */
export type ToWorker = { type: 'shutdown' } | { type: 'stop' };

const init = workerData as WorkerInit;
const port = parentPort!;
const post = (m: ToMain): void => port.postMessage(m);

const table = buildServerTable();
const worker = new WorkerThread(init.index, init.layout, init.config, table, controlViews(init.control, init.layout.rings.length));
worker.logger = (level, message) => post({ type: 'log', level, at: Date.now(), message });
worker.configFile = init.configFile;
worker.requestShutdown = (mode) => post({ type: 'shutdown-request', mode });
// HTTP is served on the main port (unless --nohttp) and on --admin_port.
if (init.config.http === true || (init.config.admin_port as number) > 0) worker.http = new HttpService(worker);
if (table.missing.length && init.index === 0) worker.logAt(LOG_WARNING, `commands without handler: ${table.missing.join(' ')}`);

port.on('message', (m: ToWorker) => {
  if (m.type === 'shutdown') {
    void worker.shutdown().then(() => post({ type: 'closed' }));
  } else if (m.type === 'stop') {
    worker.stop();
    port.unref();
  }
});

worker.start();
worker.listen().then(
  () => post({ type: 'ready' }),
  (e: Error) =>
    post({
      type: 'fatal',
      message: e instanceof PortClaimError ? `Warning: ${e.message}\nFailed listening on port ${e.port} (TCP), aborting.` : e.message,
    }),
);
