// The import graph of src/ and its layer rule: what test/layers.test.ts checks, and a command that
// prints it for any tree — `node scripts/import-graph.ts [SRC]` lists the import cycles, the imports
// against the layer order and the imports between layers (counts), e.g. to compare two commits.
// Layers, from the bottom:
//   util, protocol, config  — bytes, RESP, settings (protocol and config see only util);
//   engine                  — one shard's data: keyspace, values, expiry, eviction;
//   runtime                 — threads: rings, the mesh between shards, slots, shared control memory;
//   transaction             — atomic operations over several shards (locks, timestamps, hops);
//   server                  — one worker thread: the shard executor, clients, dispatch, coordination;
//   families                — the commands;
//   http                    — HTTP on the RESP port: /metrics, the status page (reads the families);
//   registry.ts             — joins the families into the command table;
//   entry points            — worker-main.ts (one worker thread), main.ts (the process).
// A new top-level directory or file of src/ needs a row in LAYER_OF.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';


/** The layer of each top-level directory or file of src/. */
export const LAYER_OF: Record<string, string> = {
  util: 'util',
  'version.ts': 'util',
  protocol: 'protocol',
  config: 'config',
  engine: 'engine',
  runtime: 'runtime',
  transaction: 'transaction',
  server: 'server',
  families: 'families',
  http: 'http',
  'registry.ts': 'registry',
  'worker-main.ts': 'entry',
  'main.ts': 'entry',
};

/** What each layer may import, besides itself. */
export const MAY_IMPORT: Record<string, string[]> = {
  util: [],
  protocol: ['util'],
  config: ['util'],
  engine: ['util', 'protocol', 'config'],
  runtime: ['util', 'protocol', 'config', 'engine'],
  transaction: ['util', 'protocol', 'config', 'engine', 'runtime'],
  server: ['util', 'protocol', 'config', 'engine', 'runtime', 'transaction'],
  families: ['util', 'protocol', 'config', 'engine', 'runtime', 'transaction', 'server'],
  http: ['util', 'protocol', 'config', 'engine', 'runtime', 'transaction', 'server', 'families'],
  registry: ['util', 'protocol', 'config', 'engine', 'runtime', 'transaction', 'server', 'families', 'http'],
  entry: ['util', 'protocol', 'config', 'engine', 'runtime', 'transaction', 'server', 'families', 'http', 'registry'],
};

/** Every non-test .ts module under src/ (declaration files aside), as paths relative to src/. */
export function modules(src: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts') && !p.endsWith('.test.ts') && !p.endsWith('.d.ts')) out.push(relative(src, p));
    }
  };
  walk(src);
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

/** The modules under `src` that `file` imports (relative specifiers only; type-only imports included). */
export function importsOf(src: string, file: string): string[] {
  // Comments go first: a doc comment may quote an import.
  const text = readFileSync(join(src, file), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const found = new Set<string>();
  for (const re of SPECIFIERS) {
    for (const m of text.matchAll(re)) {
      if (!m[1].startsWith('.')) continue;
      found.add(relative(src, resolve(src, dirname(file), m[1])));
    }
  }
  return [...found];
}

export function layerOf(file: string): string | undefined {
  return LAYER_OF[file.split('/')[0]];
}

/** The imports against the layer order, as 'from (layer) → to (layer)'. */
export function wrongWay(graph: Map<string, string[]>): string[] {
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
export function cycles(graph: Map<string, string[]>): string[][] {
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

/** The graph of every module under `src`: module → the modules it imports. */
export function importGraph(src: string): Map<string, string[]> {
  return new Map(modules(src).map((f) => [f, importsOf(src, f)]));
}

if (import.meta.main) {
  const src = resolve(process.argv[2] ?? join(import.meta.dirname, '../src'));
  const graph = importGraph(src);
  const found = cycles(graph);
  const lines = [`${graph.size} modules under ${src}`, `import cycles: ${found.length}`];
  for (const c of found) lines.push(`  ${c.join(' → ')}`);
  const bad = wrongWay(graph);
  lines.push(`imports against the layer order: ${bad.length}`);
  for (const b of bad) lines.push(`  ${b}`);
  const edges = new Map<string, number>();
  for (const [f, deps] of graph) {
    for (const d of deps) {
      const from = layerOf(f) ?? f.split('/')[0];
      const to = layerOf(d) ?? d.split('/')[0];
      if (from !== to) edges.set(`${from} → ${to}`, (edges.get(`${from} → ${to}`) ?? 0) + 1);
    }
  }
  lines.push('imports between layers:');
  for (const [k, v] of [...edges].sort()) lines.push(`  ${k} (${v})`);
  process.stdout.write(lines.join('\n') + '\n');
}
