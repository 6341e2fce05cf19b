// RESP bytes for the tests, with no sockets and no processes: encoding a command, finding where a
// reply ends (RESP2 and RESP3), printing replies and commands for failure messages. In-process tests
// import this; test/harness.ts re-exports it for the socket tests.
// Invariants: pure functions; nothing here starts a process or opens a socket.

export type Arg = string | Buffer | number;

/** Encodes a command as a RESP multibulk. */
export function encodeCommand(args: Arg[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a), 'latin1');
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

const CR = 0x0d;

/**
 * Scans the one RESP2/RESP3 reply starting at buf[pos]: its length when complete, otherwise minus the
 * number of bytes (from pos) that must be available before it can possibly be complete.
 * Throws on bytes that are not a valid reply type.
 */
export function scanReply(buf: Buffer, pos = 0): number {
  let at = pos;
  // Number of replies still to read (aggregates add their children).
  let need = 1;
  while (need > 0) {
    if (at >= buf.length) return -(at - pos + 1);
    const type = buf[at];
    const cr = buf.indexOf(CR, at);
    if (cr < 0 || cr + 1 >= buf.length) return -(Math.max(cr, buf.length) - pos + 1);
    if (buf[cr + 1] !== 0x0a) throw new Error(`malformed reply: CR without LF at ${cr}`);
    const line = buf.toString('latin1', at + 1, cr);
    need--;
    switch (type) {
      case 0x2b: // + simple
      case 0x2d: // - error
      case 0x3a: // : integer
      case 0x5f: // _ null
      case 0x2c: // , double
      case 0x23: // # boolean
      case 0x28: // ( big number
        at = cr + 2;
        break;
      case 0x24: // $ bulk
      case 0x21: // ! blob error
      case 0x3d: {
        // = verbatim
        const n = Number(line);
        if (!Number.isInteger(n) || n < -1) throw new Error(`malformed bulk length '${line}'`);
        if (n === -1) {
          at = cr + 2;
          break;
        }
        const end = cr + 2 + n + 2;
        if (end > buf.length) return -(end - pos);
        at = end;
        break;
      }
      case 0x2a: // * array
      case 0x7e: // ~ set
      case 0x3e: {
        // > push
        const n = Number(line);
        if (!Number.isInteger(n) || n < -1) throw new Error(`malformed aggregate length '${line}'`);
        if (n > 0) need += n;
        at = cr + 2;
        break;
      }
      case 0x25: // % map
      case 0x7c: {
        // | attribute: its pairs, then the reply it decorates
        const n = Number(line);
        if (!Number.isInteger(n) || n < 0) throw new Error(`malformed map length '${line}'`);
        need += 2 * n + (type === 0x7c ? 1 : 0);
        at = cr + 2;
        break;
      }
      default:
        throw new Error(`not a RESP reply type: 0x${type.toString(16)} at ${at} in ${show(buf.subarray(pos, pos + 64))}`);
    }
  }
  return at - pos;
}

/** Length of the one complete RESP2/RESP3 reply starting at buf[pos], or -1 if it is incomplete. */
export function replyLength(buf: Buffer, pos = 0): number {
  const n = scanReply(buf, pos);
  return n < 0 ? -1 : n;
}

/** A printable form of reply bytes (for assertion messages). */
export function show(b: Buffer | null | undefined, max = 600): string {
  if (b === null || b === undefined) return '(no reply)';
  let s = JSON.stringify(b.subarray(0, max).toString('latin1'));
  if (b.length > max) s += ` ... (${b.length} bytes)`;
  return s;
}

export function showCommand(args: Arg[]): string {
  return args
    .map((a) => {
      const s = Buffer.isBuffer(a) ? a.toString('latin1') : String(a);
      const t = s.length > 80 ? `${s.slice(0, 80)}...(${s.length})` : s;
      return /^[\x21-\x7e]+$/.test(t) && !t.includes('"') ? t : JSON.stringify(t);
    })
    .join(' ');
}
