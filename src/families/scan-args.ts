// The options of the commands that scan one key's collection (HSCAN, SSCAN): Redis's
// scanGenericCommand parsing, and the [cursor, elements] reply.
// Invariants: parse errors are Redis's texts in Redis's order (COUNT's integer check before its range
// check, the first bad option wins); a MATCH of "*" means no pattern.

import type { ReplyWriter } from '../protocol/reply-writer.ts';
import { ERR_NOT_INTEGER, ERR_SYNTAX, isWord, parseInteger } from './family-util.ts';

export interface ScanArgs {
  count: number;
  /** null: every element. */
  pattern: Buffer | null;
  /** HSCAN NOVALUES (Redis 7.4): fields only. */
  noValues: boolean;
}

/** The options after the cursor (args[3...]); null after an error reply. NOVALUES only for hashes. */
export function parseScanArgs(args: Buffer[], w: ReplyWriter, forHash: boolean): ScanArgs | null {
  const out: ScanArgs = { count: 10, pattern: null, noValues: false };
  for (let i = 3; i < args.length; ) {
    const left = args.length - i;
    if (isWord(args[i], 'COUNT') && left >= 2) {
      const v = parseInteger(args[i + 1]);
      if (v === null) {
        w.error(ERR_NOT_INTEGER);
        return null;
      }
      if (v < 1) {
        w.error(ERR_SYNTAX);
        return null;
      }
      out.count = v > 1e15 ? 1e15 : Number(v);
      i += 2;
    } else if (isWord(args[i], 'MATCH') && left >= 2) {
      const p = args[i + 1];
      out.pattern = p.length === 1 && p[0] === 0x2a ? null : p;
      i += 2;
    } else if (forHash && isWord(args[i], 'NOVALUES')) {
      out.noValues = true;
      i++;
    } else {
      w.error(ERR_SYNTAX);
      return null;
    }
  }
  return out;
}

/** The reply of a scan step with no elements left: cursor 0 and an empty list. */
export function replyEmptyScan(w: ReplyWriter): void {
  w.array(2);
  w.bulk('0');
  w.array(0);
}
