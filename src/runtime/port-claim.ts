// Port claim: makes a server's TCP port its own before its shard threads listen on it together.
// The threads share the port with SO_REUSEPORT, which the kernel also grants to any other process of
// the same user that asks for it: a second server would start and get half the connections. So the
// main thread, before any thread listens, (1) takes a lock named after the address and port — an
// abstract Unix socket, which exists as long as the process does and which only one process can hold
// — and (2) binds the address once without SO_REUSEPORT, which fails if anything (Redis, another
// Damselfly, any program) listens there, then releases it for the threads.
// Invariants: on failure nothing is left bound and the error names the address as Redis does
// ("Could not create server TCP listening socket *:6379: bind: Address already in use"); the lock is
// never released before the process exits; port 0 (no fixed port) claims nothing.

import { createServer, type Server } from 'node:net';

/** Why a port cannot be claimed: Redis's two log lines' facts. */
export class PortClaimError extends Error {
  readonly address: string;
  readonly reason: string;
  readonly port: number;

  constructor(address: string, port: number, reason: string) {
    super(`Could not create server TCP listening socket ${address}:${port}: bind: ${reason}`);
    this.address = address;
    this.port = port;
    this.reason = reason;
  }
}

/** Redis's strerror text for the bind failures a claim can meet. */
function reasonOf(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'EADDRINUSE':
      return 'Address already in use';
    case 'EADDRNOTAVAIL':
      return 'Cannot assign requested address';
    case 'EACCES':
      return 'Permission denied';
    default:
      return e.message;
  }
}

function listenOnce(server: Server, options: { port?: number; host?: string; path?: string; exclusive?: boolean }): Promise<NodeJS.ErrnoException | null> {
  return new Promise((resolve) => {
    const onError = (e: NodeJS.ErrnoException): void => resolve(e);
    server.once('error', onError);
    server.listen(options, () => {
      server.off('error', onError);
      resolve(null);
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * The hosts of the `bind` setting (space or comma separated); [undefined] for all interfaces, which
 * `*` and `::*` (Redis's default `* -::*`) also mean. Redis's leading `-` (an address that may be
 * missing) is dropped: the address is listened on like any other.
 */
export function bindHosts(bind: string): (string | undefined)[] {
  const binds = bind.split(/[\s,]+/).filter((s) => s !== '').map((s) => (s.startsWith('-') ? s.slice(1) : s));
  if (binds.length === 0 || binds.includes('*') || binds.includes('::*')) return [undefined];
  return [...new Set(binds)];
}

/** A listen error of a shard thread, in the claim's terms. */
export function listenError(e: NodeJS.ErrnoException, host: string | undefined, port: number): PortClaimError {
  return new PortClaimError(host ?? '*', port, reasonOf(e));
}

/** Servers holding the locks of this process: kept referenced here so they live as long as it does. */
const held: Server[] = [];

/**
 * Claims `port` on every host of `hosts` (undefined: all interfaces) for this process. Resolves when
 * the threads may listen; rejects with a PortClaimError when another process has the port.
 */
export async function claimPort(port: number, hosts: readonly (string | undefined)[]): Promise<void> {
  if (port === 0) return;
  for (const host of hosts) {
    const address = host ?? '*';
    const lock = createServer();
    const lockError = await listenOnce(lock, { path: `\0damselfly-port:${address}:${port}` });
    if (lockError !== null) {
      if (lockError.code === 'EADDRINUSE') throw new PortClaimError(address, port, 'Address already in use');
      // No abstract sockets here (not Linux): the probe below still catches a server already listening.
    } else {
      lock.unref();
      held.push(lock);
    }
    // A client that connects in the probe's instant is turned away at once (it retries, as a client
    // of a server still starting does): close() would otherwise wait for it.
    const probe = createServer((s) => s.destroy());
    const probeError = await listenOnce(probe, { port, host, exclusive: true });
    if (probeError !== null) throw new PortClaimError(address, port, reasonOf(probeError));
    await close(probe);
  }
}
