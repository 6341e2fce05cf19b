// A strict parser of the Prometheus text exposition format 0.0.4 for tests: HELP and TYPE at most
// once per family and before its samples, a family's samples together (a summary's _sum/_count
// with it), no series twice, valid names, label escapes and values, counters named *_total.

import assert from 'node:assert/strict';

export interface Family {
  type: string;
  help: string;
  /** Each sample with its own name (a summary's `_sum` and `_count` under the family's). */
  samples: { name: string; labels: Record<string, string>; value: number }[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseValue(s: string): number {
  if (s === 'NaN') return NaN;
  if (s === '+Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  assert.match(s, /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/, `bad value ${s}`);
  return Number(s);
}

function parseLabels(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < s.length) {
    const eq = s.indexOf('=', i);
    assert.ok(eq > i, `label without a name in {${s}}`);
    const name = s.slice(i, eq);
    assert.match(name, LABEL);
    assert.equal(s[eq + 1], '"', `unquoted label value in {${s}}`);
    let v = '';
    let j = eq + 2;
    for (; j < s.length && s[j] !== '"'; j++) {
      if (s[j] === '\\') {
        const e = s[++j];
        assert.ok(e === '\\' || e === '"' || e === 'n', `bad escape \\${e}`);
        v += e === 'n' ? '\n' : e;
      } else {
        assert.notEqual(s[j], '\n');
        v += s[j];
      }
    }
    assert.equal(s[j], '"', `unterminated label value in {${s}}`);
    assert.ok(!(name in out), `label ${name} twice`);
    out[name] = v;
    i = j + 1;
    if (i < s.length) {
      assert.equal(s[i], ',', `expected , in {${s}}`);
      i++;
    }
  }
  return out;
}

/** Parses and checks: HELP/TYPE once each, before the family's samples; samples of a family together; no series twice. */
export function parsePrometheus(text: string): Map<string, Family> {
  assert.ok(text.endsWith('\n'), 'the exposition ends with a newline');
  const families = new Map<string, Family>();
  const series = new Set<string>();
  let current = '';
  const family = (name: string): Family => {
    let f = families.get(name);
    if (f === undefined) families.set(name, (f = { type: '', help: '', samples: [] }));
    return f;
  };
  for (const line of text.slice(0, -1).split('\n')) {
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (m === null) continue; // a comment
      const [, kind, name, rest] = m;
      assert.match(name, NAME);
      const f = family(name);
      assert.ok(f.samples.length === 0, `${kind} of ${name} after its samples`);
      if (kind === 'TYPE') {
        assert.equal(f.type, '', `TYPE ${name} twice`);
        assert.ok(TYPES.has(rest), `bad type ${rest}`);
        f.type = rest;
      } else {
        assert.equal(f.help, '', `HELP ${name} twice`);
        f.help = rest;
      }
      current = name;
      continue;
    }
    assert.notEqual(line, '', 'no blank lines');
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: (-?\d+))?$/.exec(line);
    assert.ok(m !== null, `bad sample line: ${line}`);
    const [, sampleName, labels, value] = m;
    // A summary's or histogram's _sum, _count (and _bucket) samples belong to its family.
    const base = sampleName.replace(/_(sum|count|bucket)$/, '');
    const name = sampleName !== base && ['summary', 'histogram'].includes(families.get(base)?.type ?? '') ? base : sampleName;
    assert.equal(name, current, `sample ${sampleName} outside its family (${current})`);
    const key = `${sampleName}{${labels ?? ''}}`;
    assert.ok(!series.has(key), `series ${key} twice`);
    series.add(key);
    family(name).samples.push({ name: sampleName, labels: labels === undefined ? {} : parseLabels(labels), value: parseValue(value) });
  }
  for (const [name, f] of families) {
    assert.notEqual(f.type, '', `${name} has no TYPE`);
    if (f.type === 'counter') assert.ok(name.endsWith('_total'), `counter ${name} does not end in _total`);
  }
  return families;
}

export function value(fams: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  const f = fams.get(name) ?? fams.get(name.replace(/_(sum|count|bucket)$/, ''));
  assert.ok(f !== undefined, `no ${name}`);
  const s = f.samples.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v));
  assert.ok(s !== undefined, `no ${name}${JSON.stringify(labels)}`);
  return s.value;
}
