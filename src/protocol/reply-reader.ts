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

/**
 * Where the reply starting at `at` ends: bulks and verbatim strings by their length, aggregates
 * (arrays, sets, pushes, maps) by their elements, every other type at its line's end.
 */
export function replyEnd(r: Buffer, at: number): number {
  const t = r[at];
  const cr = r.indexOf(0x0d, at);
  if (t === 0x24 /* $ */ || t === 0x3d /* = */ || t === 0x21 /* ! */) {
    const len = Number(r.toString('latin1', at + 1, cr));
    return len < 0 ? cr + 2 : cr + 2 + len + 2;
  }
  if (t === 0x2a /* * */ || t === 0x7e /* ~ */ || t === 0x3e /* > */ || t === 0x25 /* % */) {
    let n = Number(r.toString('latin1', at + 1, cr));
    if (t === 0x25) n *= 2;
    let p = cr + 2;
    for (let i = 0; i < n; i++) p = replyEnd(r, p);
    return p;
  }
  return cr + 2;
}

/** Splits a RESP array reply into the raw bytes of its elements (nested aggregates whole). */
export function splitArrayReply(r: Buffer): Buffer[] {
  let at = r.indexOf(0x0d);
  const n = Number(r.toString('latin1', 1, at));
  at += 2;
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const start = at;
    const t = r[at];
    if (t === 0x24) {
      const cr = r.indexOf(0x0d, at);
      const len = Number(r.toString('latin1', at + 1, cr));
      at = len < 0 ? cr + 2 : cr + 2 + len + 2;
    } else {
      at = replyEnd(r, at);
    }
    out.push(r.subarray(start, at));
  }
  return out;
}
