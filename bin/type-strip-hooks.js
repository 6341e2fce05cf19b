// Loaded with `--import` by bin/damselfly.js when the package is installed under node_modules, in
// the main thread and in every worker thread (they inherit the flag): strips the TypeScript types of
// the package's own src/ files, which Node.js refuses to do for files under node_modules.
// Invariants: only .ts files under this package's src/ are touched; everything else loads as usual.
import { readFileSync } from 'node:fs';
import { registerHooks, stripTypeScriptTypes } from 'node:module';

const src = new URL('../src/', import.meta.url).href;

registerHooks({
  load(url, context, nextLoad) {
    if (!url.startsWith(src) || !url.endsWith('.ts')) return nextLoad(url, context);
    return { format: 'module', source: stripTypeScriptTypes(readFileSync(new URL(url), 'utf8')), shortCircuit: true };
  },
});
