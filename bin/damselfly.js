#!/usr/bin/env node
// Launcher: runs src/main.ts on a Node.js that strips TypeScript types (24 or newer). When the Node.js
// running this file is older, re-executes with the runtime pinned in package.json (the `node` package).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const main = join(here, '..', 'src', 'main.ts');
const major = Number(process.versions.node.split('.')[0]);
let exe = process.execPath;
if (major < 24) {
  const require = createRequire(import.meta.url);
  exe = join(dirname(require.resolve('node/package.json')), 'bin', 'node');
}
if (major >= 24) {
  await import(main);
} else {
  const child = spawn(exe, [main, ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
}
