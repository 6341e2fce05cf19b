// Readers of the RESP2 replies that shards send back to a coordinating command (fan-out merges,
// multi-hop commands): the raw reply bytes of one command, which are always well formed.
// Invariants: no copies (results are views into the reply); only the shapes internal replies take.

/** An error reply ("-..."). */
export function replyIsError(r: Buffer): boolean {
  return r[0] === 0x2d;
}

/** A null bulk or null array reply ("$-1" / "*-1"). */
export function replyIsNull(r: Buffer): boolean {
  return (r[0] === 0x24 || r[0] === 0x2a) && r[1] === 0x2d;
}

/** The value of an integer reply (":<n>\r\n"). */
export function replyInteger(r: Buffer): number {
  return Number(r.toString('latin1', 1, r.indexOf(0x0d)));
}

/** The payload of a bulk reply ("$<n>\r\n<bytes>\r\n"); empty for a null bulk. */
export function bulkBytes(r: Buffer): Buffer {
  const cr = r.indexOf(0x0d);
  const n = Number(r.toString('latin1', 1, cr));
  return n < 0 ? Buffer.alloc(0) : r.subarray(cr + 2, cr + 2 + n);
}

/** Splits a RESP array reply into the raw bytes of its elements (flat elements only). */
export function splitArrayReply(r: Buffer): Buffer[] {
  let at = r.indexOf(0x0d);
  const n = Number(r.toString('latin1', 1, at));
  at += 2;
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const start = at;
    const t = r[at];
    const cr = r.indexOf(0x0d, at);
    if (t === 0x24) {
      const len = Number(r.toString('latin1', at + 1, cr));
      at = len < 0 ? cr + 2 : cr + 2 + len + 2;
    } else {
      at = cr + 2;
    }
    out.push(r.subarray(start, at));
  }
  return out;
}
