// Layers: the source tree is a stack, and every import points down it (the layers and the rule are in
// scripts/import-graph.ts, which also prints the graph: `node scripts/import-graph.ts`). This test
// fails on any import against that order and on any import cycle between modules, type-only imports
// included.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cycles, importGraph, importsOf, LAYER_OF, wrongWay } from '../scripts/import-graph.ts';

const SRC = resolve(import.meta.dirname, '../src');

describe('Layers', () => {
  const graph = importGraph(SRC);
  const files = [...graph.keys()];

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
    assert.ok(importsOf(SRC, 'worker-main.ts').includes('registry.ts'));
    assert.ok(importsOf(SRC, 'main.ts').includes('worker-main.ts'));
  });
});
