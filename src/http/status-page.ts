// The status page (`GET /`): one self-contained HTML document — no external assets — that renders the
// data it was served with at once, then polls /api/stats?since=<last point> every second and keeps the
// last HISTORY_SECONDS of per-thread points: server facts, ops/s and memory per thread as inline SVG
// charts, the keyspace and the slowlog.
// Invariants: the embedded JSON cannot end its <script> (every `<` is escaped); the page's script
// builds the DOM with textContent only (no HTML from data).

import { HISTORY_SECONDS } from '../families/metrics.ts';
import type { StatsJson } from './status-data.ts';

const STYLE = `
body{font:14px system-ui,sans-serif;margin:1.5em;color:#222;background:#fafafa}
h1{font-size:1.3em;margin:0 0 .6em}h2{font-size:1.05em;margin:1.2em 0 .4em}
.grid{display:flex;flex-wrap:wrap;gap:1.5em}.panel{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.8em 1em}
table{border-collapse:collapse}td,th{padding:.15em .8em .15em 0;text-align:left;font-variant-numeric:tabular-nums}
th{color:#666;font-weight:normal}svg{background:#fff;border:1px solid #eee}.legend span{margin-right:1em}
.muted{color:#888}`;

const SCRIPT = `
const WINDOW_MS = ${HISTORY_SECONDS} * 1000;
const COLORS = ['#1f77b4','#ff7f0e','#2ca02c','#d62728','#9467bd','#8c564b','#e377c2','#7f7f7f'];
const series = new Map();
let last = 0;
function el(tag, attrs, text) {
  const ns = ['svg','polyline','line','text'].includes(tag) ? 'http://www.w3.org/2000/svg' : null;
  const e = ns ? document.createElementNS(ns, tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = String(text);
  return e;
}
function human(n) {
  const u = ['B','K','M','G','T'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(2) : String(n)) + u[i];
}
function table(id, head, rows) {
  const t = document.getElementById(id);
  t.replaceChildren();
  const tr = el('tr');
  for (const h of head) tr.appendChild(el('th', {}, h));
  t.appendChild(tr);
  for (const r of rows) {
    const row = el('tr');
    for (const c of r) row.appendChild(el('td', {}, c));
    t.appendChild(row);
  }
}
function chart(id, field, fmt) {
  const svg = document.getElementById(id);
  const W = 560, H = 160, P = 4;
  svg.replaceChildren();
  const now = Date.now();
  let max = 1;
  for (const pts of series.values()) for (const p of pts) max = Math.max(max, p[field]);
  svg.appendChild(el('text', { x: P, y: 14, 'font-size': 11, fill: '#888' }, 'max ' + fmt(max)));
  for (const [thread, pts] of series) {
    const xy = pts.map((p) => {
      const x = P + (W - 2 * P) * (1 - (now - p.t) / WINDOW_MS);
      const y = H - P - (H - 2 * P - 16) * (p[field] / max);
      return x.toFixed(1) + ',' + y.toFixed(1);
    });
    svg.appendChild(el('polyline', { class: 'series', 'data-thread': thread, 'data-points': pts.length, points: xy.join(' '), fill: 'none', stroke: COLORS[thread % COLORS.length], 'stroke-width': 1.5 }));
  }
}
function render(d) {
  for (const t of d.threads) {
    const pts = series.get(t.thread) || [];
    for (const p of t.points) if (p.t > last) pts.push(p);
    while (pts.length && pts[0].t < d.now - WINDOW_MS) pts.shift();
    series.set(t.thread, pts);
  }
  for (const pts of series.values()) if (pts.length) last = Math.max(last, pts[pts.length - 1].t);
  table('server', ['field', 'value'], Object.entries(d.server));
  table('threads', ['thread', 'keys', 'clients', 'ops/s', 'data', 'heap', 'cpu s'], d.threads.map((t) => [t.thread, t.keys, t.clients, t.ops, human(t.used), human(t.heap), t.cpu.toFixed(2)]));
  table('keyspace', ['db', 'keys', 'expires', 'avg ttl ms'], d.keyspace.map((k) => [k.db, k.keys, k.expires, k.avgTtl]));
  const legend = document.getElementById('legend');
  legend.replaceChildren();
  for (const t of d.threads) legend.appendChild(el('span', { style: 'color:' + COLORS[t.thread % COLORS.length] }, '\\u25a0 thread ' + t.thread));
  chart('ops', 'ops', (v) => String(v) + ' ops/s');
  chart('mem', 'used', human);
  if (d.slowlog === null) {
    document.getElementById('slowlog-note').textContent = 'SLOWLOG is not available in this build.';
    table('slowlog', [], []);
  } else {
    document.getElementById('slowlog-note').textContent = d.slowlog.length + ' latest entries';
    table('slowlog', ['id', 'time', 'µs', 'command', 'client'], d.slowlog.map((e) => [e.id, new Date(e.time * 1000).toISOString(), e.usec, e.args.join(' '), e.addr + (e.name ? ' ' + e.name : '')]));
  }
  document.getElementById('updated').textContent = 'updated ' + new Date(d.now).toISOString();
}
render(JSON.parse(document.getElementById('initial').textContent));
setInterval(() => {
  fetch('api/stats?since=' + last).then((r) => r.ok ? r.json() : Promise.reject(r.status)).then(render, (e) => {
    document.getElementById('updated').textContent = 'update failed: ' + e;
  });
}, 1000);
`;

/** The page, with `initial` rendered on load. */
export function statusPage(initial: StatsJson): string {
  const data = JSON.stringify(initial).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Damselfly status</title><style>${STYLE}</style></head>
<body>
<h1>Damselfly <span class="muted" id="updated"></span></h1>
<div class="grid">
<div class="panel"><h2>Server</h2><table id="server"></table></div>
<div class="panel"><h2>Threads</h2><table id="threads"></table><div class="legend" id="legend"></div>
<h2>Commands per second, per thread</h2><svg id="ops" width="560" height="160"></svg>
<h2>Data memory, per thread</h2><svg id="mem" width="560" height="160"></svg></div>
<div class="panel"><h2>Keyspace</h2><table id="keyspace"></table></div>
<div class="panel"><h2>Slowlog</h2><div class="muted" id="slowlog-note"></div><table id="slowlog"></table></div>
</div>
<script id="initial" type="application/json">${data}</script>
<script>${SCRIPT}</script>
</body></html>
`;
}
