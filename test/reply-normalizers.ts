// Normalizers for differential tests of collections whose reply order is unspecified in Redis
// (hashtable-encoded hashes and sets, and Redis 7.0's hashtable small sets): pairs and elements are
// sorted, scan cursors kept, so only the contents are compared; and for OBJECT ENCODING of lists,
// where Damselfly answers as Redis 7.2 and the reference server is 7.0.15.
// Invariants: a normalizer changes only replies of the commands (and keys) it is given; sorting is
// by raw bytes, the same for both servers.

import { replyLength, type Arg, type Normalizer } from './harness.ts';

const CR = 0x0d;

function text(a: Arg | undefined): string {
  if (a === undefined) return '';
  return (Buffer.isBuffer(a) ? a.toString('latin1') : String(a)).toLowerCase();
}

/** The header line (up to CRLF) and the raw elements of one aggregate reply. */
export function elements(reply: Buffer, at = 0): { head: Buffer; items: Buffer[]; end: number } {
  const cr = reply.indexOf(CR, at);
  let n = Number(reply.toString('latin1', at + 1, cr));
  if (reply[at] === 0x25) n *= 2; // a RESP3 map holds n pairs
  const items: Buffer[] = [];
  let p = cr + 2;
  for (let i = 0; i < n; i++) {
    const len = replyLength(reply, p);
    items.push(reply.subarray(p, p + len));
    p += len;
  }
  return { head: reply.subarray(at, cr + 2), items, end: p };
}

function isAggregate(b: number): boolean {
  return b === 0x2a || b === 0x7e || b === 0x25;
}

/** Sorts the elements (or, with `pairs`, the consecutive pairs) of a flat aggregate. */
export function sortAggregate(reply: Buffer, pairs: boolean): Buffer {
  if (!isAggregate(reply[0])) return reply;
  const { head, items } = elements(reply);
  let groups: Buffer[];
  // RESP3 nests pairs (HRANDFIELD ... WITHVALUES): each element is already a pair.
  if (pairs && !(items.length > 0 && isAggregate(items[0][0]))) {
    groups = [];
    for (let i = 0; i + 1 < items.length; i += 2) groups.push(Buffer.concat([items[i], items[i + 1]]));
  } else groups = items;
  groups.sort(Buffer.compare);
  return Buffer.concat([head, ...groups]);
}

export interface SortRule {
  /** Command name (lower case). */
  cmd: string;
  /** Sort consecutive pairs (HGETALL, HRANDFIELD ... WITHVALUES in RESP2) rather than elements. */
  pairs?: boolean;
  /** Only when the key (argument 1) starts with this. */
  keyPrefix?: string;
}

/** Sorts the replies of the commands matched by `rules`. */
export function sortReplies(rules: SortRule[]): Normalizer {
  return (cmd, reply) => {
    const name = text(cmd[0]);
    for (const r of rules) {
      if (r.cmd !== name) continue;
      if (r.keyPrefix !== undefined && !text(cmd[1]).startsWith(r.keyPrefix.toLowerCase())) continue;
      return sortAggregate(reply, r.pairs === true);
    }
    return reply;
  };
}

/** Sorts the element list of SSCAN / HSCAN replies ([cursor, elements]), pairs for HSCAN without NOVALUES. */
export const sortScanElements: Normalizer = (cmd, reply) => {
  const name = text(cmd[0]);
  if ((name !== 'sscan' && name !== 'hscan') || reply[0] !== 0x2a) return reply;
  const outer = elements(reply);
  if (outer.items.length !== 2) return reply;
  const pairs = name === 'hscan' && !cmd.some((a) => text(a) === 'novalues');
  return Buffer.concat([outer.head, outer.items[0], sortAggregate(outer.items[1], pairs)]);
};

const LISTPACK = Buffer.from('$8\r\nlistpack\r\n');
const QUICKLIST = Buffer.from('$9\r\nquicklist\r\n');

/**
 * OBJECT ENCODING of the keys `isList` names (lists): Damselfly answers Redis 7.2's `listpack` for a
 * small list where 7.0.15, whose only list encoding is the quicklist, answers `quicklist`; Damselfly's
 * `listpack` reads as `quicklist` (README "Known differences"). The 7.2 answers themselves are
 * asserted on Damselfly alone (src/families/lists.test.ts).
 */
export function listEncodingAs70(isList: (key: string) => boolean): Normalizer {
  return (cmd, reply, server) =>
    server === 'damselfly' && text(cmd[0]) === 'object' && text(cmd[1]) === 'encoding' && isList(text(cmd[2])) && reply.equals(LISTPACK) ? QUICKLIST : reply;
}
