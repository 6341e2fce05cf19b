#!/usr/bin/env node
// The package's `damselfly` command (`npx damselfly --port=6380`): runs src/main.ts in a child process
// on the Node.js the package pins (its `node` dependency, found wherever npm put it), or, failing that,
// on the Node.js running this file if it is 24 or newer (it strips TypeScript types).
// Invariants: the child gets every argument, the standard streams and each SIGINT/SIGTERM/SIGHUP once,
// and this process exits as it did. Node.js refuses to strip types of files under node_modules, where an
// installed package lives: there the child loads type-strip-hooks.js first, which strips ours.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const main = join(here, '..', 'src', 'main.ts');

/** The pinned runtime's executable, or null when the `node` package (or its binary) is not installed. */
function pinnedNode() {
  try {
    const exe = join(dirname(createRequire(import.meta.url).resolve('node/package.json')), 'bin', 'node');
    return existsSync(exe) ? exe : null;
  } catch {
    return null;
  }
}

let exe = pinnedNode();
if (exe === null) {
  if (Number(process.versions.node.split('.')[0]) < 24) {
    process.stderr.write(`damselfly: needs Node.js 24 or newer (this is ${process.version}, and the pinned 'node' package is not installed)\n`);
    process.exit(1);
  }
  exe = process.execPath;
}
const nodeArgs = main.includes(`${sep}node_modules${sep}`)
  ? ['--disable-warning=ExperimentalWarning', '--import', pathToFileURL(join(here, 'type-strip-hooks.js')).href]
  : [];
// The child has a process group of its own, so a terminal's Ctrl-C reaches it once, through here
// (a second SIGINT means "exit now" to the server); npx may pass the same signal on as well, hence at
// most one of each kind per DUPLICATE_MS.
const child = spawn(exe, [...nodeArgs, main, ...process.argv.slice(2)], { stdio: 'inherit', detached: true });
const DUPLICATE_MS = 250;
const lastSent = new Map();
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    const now = Date.now();
    if (now - (lastSent.get(sig) ?? -Infinity) < DUPLICATE_MS) return;
    lastSent.set(sig, now);
    child.kill(sig);
  });
}
child.on('error', (e) => {
  process.stderr.write(`damselfly: cannot start ${exe}: ${e.message}\n`);
  process.exit(1);
});
child.on('exit', (code, signal) => process.exit(signal ? 128 + (constants.signals[signal] ?? 0) : (code ?? 0)));
