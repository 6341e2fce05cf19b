// HTTP detection on a RESP port: decides from a connection's first bytes whether it speaks HTTP.
// Rule: the first line must be a whole HTTP/1.x request line — `METHOD SP target SP HTTP/1.0|1.1`,
// then CRLF (or LF) — with METHOD one of the standard methods, in capitals. Anything else is RESP.
// Invariants: it never misroutes a Redis command: RESP starts with `*`; the only inline commands the
// rule takes are a method name with exactly two arguments, the second `HTTP/1.x` — of the methods only
// GET is a Redis command, and GET with two arguments is an arity error in Redis. It asks for more bytes
// only while they can still become such a line, i.e. until the first line ends (which the RESP parser
// needs too before it runs an inline command), at most REQUEST_LINE_MAX bytes.

/** Decision on a connection's first bytes. */
export const SNIFF_RESP = 0;
export const SNIFF_HTTP = 1;
export const SNIFF_MORE = 2;
export type Sniff = typeof SNIFF_RESP | typeof SNIFF_HTTP | typeof SNIFF_MORE;

/** The longest request line waited for (past it, the bytes are RESP). */
export const REQUEST_LINE_MAX = 8192;

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE', 'CONNECT'];
const VERSION = 'HTTP/1.';
const SP = 0x20;
const CR = 0x0d;
const LF = 0x0a;

/** Whether `b[0..n)` is a prefix of some method, or a whole method when `whole`. */
function methodMatches(b: Buffer, n: number, whole: boolean): boolean {
  outer: for (const m of METHODS) {
    if (whole ? m.length !== n : m.length < n) continue;
    for (let i = 0; i < n; i++) if (b[i] !== m.charCodeAt(i)) continue outer;
    return true;
  }
  return false;
}

/** Classifies the first bytes a connection sent (`b`, everything received so far). */
export function sniffHttp(b: Buffer): Sniff {
  const n = Math.min(b.length, REQUEST_LINE_MAX);
  if (n === 0) return SNIFF_MORE;
  // Method.
  let i = 0;
  while (i < n && b[i] !== SP) i++;
  if (!methodMatches(b, i, i < n)) return SNIFF_RESP;
  if (i === n) return n === REQUEST_LINE_MAX ? SNIFF_RESP : SNIFF_MORE;
  // Target: at least one byte, no space or line end.
  const targetStart = ++i;
  while (i < n && b[i] !== SP && b[i] !== CR && b[i] !== LF) i++;
  if (i < n && (b[i] !== SP || i === targetStart)) return SNIFF_RESP;
  if (i === n) return n === REQUEST_LINE_MAX ? SNIFF_RESP : SNIFF_MORE;
  // Version: HTTP/1.0 or HTTP/1.1, then CRLF or LF.
  i++;
  for (let k = 0; k < VERSION.length; k++, i++) {
    if (i === n) return SNIFF_MORE;
    if (b[i] !== VERSION.charCodeAt(k)) return SNIFF_RESP;
  }
  if (i === n) return SNIFF_MORE;
  if (b[i] !== 0x30 && b[i] !== 0x31) return SNIFF_RESP;
  if (++i === n) return SNIFF_MORE;
  if (b[i] === CR) {
    if (++i === n) return SNIFF_MORE;
  }
  return b[i] === LF ? SNIFF_HTTP : SNIFF_RESP;
}
