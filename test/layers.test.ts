// Layers: the source tree is a stack, and every import points down it. From the bottom:
//   util, protocol, config  — bytes, RESP, settings (protocol and config see only util);
//   engine                  — one shard's data: keyspace, values, expiry, eviction;
//   runtime                 — threads: rings, the mesh between shards, slots, shared control memory;
//   transaction             — atomic operations over several shards (locks, timestamps, hops);
//   server                  — one worker thread: the shard executor, clients, dispatch, coordination;
//   families                — the commands;
//   registry.ts             — joins the families into the command table;
//   entry points            — worker-main.ts (one worker thread), main.ts (the process).
// This test fails on any import against that order and on any import cycle between modules, type-only
// imports included. A new top-level directory or file of src/ needs a row in LAYER_OF.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const SRC = resolve(import.meta.dirname, '../src');

/** The layer of each top-level directory or file of src/. */
const LAYER_OF: Record<string, string> = {
  util: 'util',
  'version.ts': 'util',
  protocol: 'protocol',
  config: 'config',
  engine: 'engine',
  runtime: 'runtime',
  transaction: 'transaction',
  server: 'server',
  families: 'families',
  'registry.ts': 'registry',
  'worker-main.ts': 'entry',
  'main.ts': 'entry',
};

/** What each layer may import, besides itself. */
const MAY_IMPORT: Record<string, string[]> = {
  util: [],
  protocol: ['util'],
  config: ['util'],
  engine: ['util', 'protocol', 'config'],
  runtime: ['util', 'protocol', 'config', 'engine'],
  transaction: ['util', 'protocol', 'config', 'engine', 'runtime'],
  server: ['util', 'protocol', 'config', 'engine', 'runtime', 'transaction'],
  families: ['util', 'protocol', 'config', 'engine', 'runtime', 'transaction', 'server'],
  registry: ['util', 'protocol', 'config', 'engine', 'runtime', 'transaction', 'server', 'families'],
  entry: ['util', 'protocol', 'config', 'engine', 'runtime', 'transaction', 'server', 'families', 'registry'],
};

/** Every non-test .ts module under src/ (declaration files aside), as paths relative to src/. */
function modules(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts') && !p.endsWith('.test.ts') && !p.endsWith('.d.ts')) out.push(relative(SRC, p));
    }
  };
  walk(SRC);
  return out.sort();
}

// import/export ... from '...', import '...', import('...'), and a worker thread's module: new
// Worker(new URL('...', import.meta.url)). (A URL alone is a path, not a dependency: INFO's executable.)
const SPECIFIERS = [
  /\b(?:import|export)\s[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g,
  /\bimport\s*['"]([^'"]+)['"]/g,
  /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
  /\bnew Worker\(\s*new URL\(\s*['"]([^'"]+)['"]\s*,\s*import\.meta\.url\s*\)/g,
];

/** The modules of src/ that `file` imports (relative specifiers only; type-only imports included). */
function importsOf(file: string): string[] {
  // Comments go first: a doc comment may quote an import.
  const text = readFileSync(join(SRC, file), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const found = new Set<string>();
  for (const re of SPECIFIERS) {
    for (const m of text.matchAll(re)) {
      if (!m[1].startsWith('.')) continue;
      found.add(relative(SRC, resolve(SRC, dirname(file), m[1])));
    }
  }
  return [...found];
}

function layerOf(file: string): string | undefined {
  return LAYER_OF[file.split('/')[0]];
}

/** The imports against the layer order, as 'from (layer) → to (layer)'. */
function wrongWay(graph: Map<string, string[]>): string[] {
  const bad: string[] = [];
  for (const [f, deps] of graph) {
    const from = layerOf(f);
    if (from === undefined) continue;
    for (const d of deps) {
      const to = layerOf(d);
      if (to === undefined || to === from || MAY_IMPORT[from].includes(to)) continue;
      bad.push(`${f} (${from}) → ${d} (${to})`);
    }
  }
  return bad;
}

/** One cycle through each strongly connected component of more than one module (or a self-import). */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc = new Set<string>();
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      scc.add(w);
    } while (w !== v);
    if (scc.size > 1 || (graph.get(v) ?? []).includes(v)) found.push(cycleIn(graph, scc, v));
  };
  for (const v of graph.keys()) if (!index.has(v)) connect(v);
  return found;
}

/** A path from `start` back to itself inside `scc` (breadth-first: a shortest one). */
function cycleIn(graph: Map<string, string[]>, scc: Set<string>, start: string): string[] {
  const from = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of graph.get(v) ?? []) {
      if (!scc.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let u = v; u !== start; u = from.get(u)!) path.splice(1, 0, u);
        return [...path, start];
      }
      if (!from.has(w)) {
        from.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start];
}

describe('Layers', () => {
  const files = modules();
  const graph = new Map(files.map((f) => [f, importsOf(f)]));

  it('every top-level directory and file of src/ has a layer', () => {
    const unnamed = [...new Set(files.map((f) => f.split('/')[0]))].filter((top) => LAYER_OF[top] === undefined);
    assert.deepEqual(unnamed, [], `name the layer of ${unnamed.join(', ')} in LAYER_OF`);
  });

  it('every import of src/ resolves to a module of src/', () => {
    const bad: string[] = [];
    for (const [f, deps] of graph) for (const d of deps) if (d.startsWith('..') || !existsSync(join(SRC, d))) bad.push(`${f} → ${d}`);
    assert.deepEqual(bad, [], 'imports that leave src/ or name no file');
  });

  it('every import points down the layers', () => {
    assert.deepEqual(wrongWay(graph), [], 'imports against the layer order');
  });

  it('no import cycle, type-only imports included', () => {
    const found = cycles(graph).map((c) => c.join(' → '));
    assert.deepEqual(found, [], 'import cycles');
  });

  it('the check sees a cycle and a wrong-way import (self-test)', () => {
    const g = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['d.ts']],
      ['e.ts', []],
    ]);
    assert.deepEqual(cycles(g).map((c) => c.join(' → ')).sort(), ['a.ts → b.ts → c.ts → a.ts', 'd.ts → d.ts']);
    const layered = new Map([
      ['engine/shard.ts', ['runtime/mesh.ts', 'util/codec.ts']],
      ['protocol/resp-parser.ts', ['config/params.ts']],
      ['server/client.ts', ['transaction/transaction.ts']],
    ]);
    assert.deepEqual(wrongWay(layered), ['engine/shard.ts (engine) → runtime/mesh.ts (runtime)', 'protocol/resp-parser.ts (protocol) → config/params.ts (config)']);
    assert.ok(importsOf('worker-main.ts').includes('registry.ts'));
    assert.ok(importsOf('main.ts').includes('worker-main.ts'));
  });
});
