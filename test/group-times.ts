// Normalising the times in consumer-group replies for differential tests: two servers never read the
// same clock, so XPENDING's idle, XINFO CONSUMERS's idle and XINFO STREAM FULL's delivery and seen
// times are compared coarsely — an absolute time within an hour of now reads as <now>, an idle time
// is rounded to 5 s (one past a billion ms, an idle measured from a TIME in 1970, as <ancient>) —
// while every other byte of those replies still has to match.
// Invariants: only the replies of XPENDING (extended form), XINFO CONSUMERS and XINFO STREAM are
// rewritten, and within them only integers in time positions; the rewritten reply is valid RESP.

import type { Arg, Normalizer } from './harness.ts';

/** A parsed reply: its type byte, its header line's text and, for aggregates, its children. */
interface Node {
  type: string;
  head: string;
  /** Bulk payloads (raw bytes as latin1). */
  body?: string;
  kids?: Node[];
}

function parse(b: Buffer, at: { p: number }): Node {
  const type = String.fromCharCode(b[at.p]);
  const cr = b.indexOf(0x0d, at.p);
  const head = b.toString('latin1', at.p + 1, cr);
  at.p = cr + 2;
  if (type === '$' || type === '=' || type === '!') {
    const n = Number(head);
    if (n < 0) return { type, head };
    const body = b.toString('latin1', at.p, at.p + n);
    at.p += n + 2;
    return { type, head, body };
  }
  if (type === '*' || type === '~' || type === '>' || type === '%' || type === '|') {
    let n = Number(head);
    if (n < 0) return { type, head };
    if (type === '%' || type === '|') n *= 2;
    const kids: Node[] = [];
    for (let i = 0; i < n; i++) kids.push(parse(b, at));
    return { type, head, kids };
  }
  return { type, head };
}

function encode(n: Node): string {
  let s = `${n.type}${n.head}\r\n`;
  if (n.body !== undefined) s += `${n.body}\r\n`;
  if (n.kids !== undefined) for (const k of n.kids) s += encode(k);
  return s;
}

const HOUR = 3_600_000;

/** An absolute time (ms since the epoch) near now reads as <now>. */
function absolute(n: Node | undefined): void {
  if (n === undefined || n.type !== ':') return;
  if (Math.abs(Number(n.head) - Date.now()) < HOUR) n.head = '<now>';
}

/** An idle time (ms) rounded to 5 s; one measured from an ancient TIME reads as <ancient>. */
function idle(n: Node | undefined): void {
  if (n === undefined || n.type !== ':') return;
  const v = Number(n.head);
  n.head = v > 1e9 ? '<ancient>' : `<~${Math.round(v / 5000) * 5000}>`;
}

/** The value after the bulk `name` in a flat key/value aggregate (RESP2 array or RESP3 map). */
function field(n: Node, name: string): Node | undefined {
  const k = n.kids ?? [];
  for (let i = 0; i + 1 < k.length; i += 2) if (k[i].body === name) return k[i + 1];
  return undefined;
}

function word(a: Arg | undefined): string {
  return a === undefined ? '' : (Buffer.isBuffer(a) ? a.toString('latin1') : String(a)).toLowerCase();
}

export const normalizeGroupTimes: Normalizer = (cmd, reply) => {
  const name = word(cmd[0]);
  const sub = word(cmd[1]);
  const xpending = name === 'xpending' && cmd.length > 3;
  const consumers = name === 'xinfo' && sub === 'consumers';
  const stream = name === 'xinfo' && sub === 'stream';
  if (!(xpending || consumers || stream)) return reply;
  if (reply[0] !== 0x2a && reply[0] !== 0x25) return reply;
  const root = parse(reply, { p: 0 });
  if (xpending) for (const e of root.kids ?? []) idle(e.kids?.[2]);
  if (consumers) for (const c of root.kids ?? []) idle(field(c, 'idle'));
  if (stream) {
    for (const g of field(root, 'groups')?.kids ?? []) {
      for (const p of field(g, 'pending')?.kids ?? []) absolute(p.kids?.[2]);
      for (const c of field(g, 'consumers')?.kids ?? []) {
        absolute(field(c, 'seen-time'));
        for (const p of field(c, 'pending')?.kids ?? []) absolute(p.kids?.[1]);
      }
    }
  }
  return Buffer.from(encode(root), 'latin1');
};
