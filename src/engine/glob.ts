// Redis 7.0 glob matcher (util.c stringmatchlen, BSD-3 Redis Ltd.) for KEYS / SCAN MATCH / CONFIG GET: * ? [^a-z] \\ nocase.
// Invariants: bytes; past-end pattern reads are 0 (C NUL); ranges compare signed chars; no RegExp, no allocation;
// <= 1000 nested '*' and skipLongerMatches stop exponential backtracking. Note: stringmatch("*", "") is false.

const STAR = 42; // '*'
const QMARK = 63; // '?'
const LBRACKET = 91; // '['
const RBRACKET = 93; // ']'
const BACKSLASH = 92; // '\\'
const CARET = 94; // '^'
const DASH = 45; // '-'

type Subject = string | Uint8Array;

// Shared by the whole recursion of one top-level match (C passes it by pointer).
let skipLongerMatches = false;

/** C tolower() in the C locale on a byte 0..255: ASCII A-Z only. */
function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/**
 * glibc tolower() on a *signed* char value (range bounds under nocase): A-Z fold, and the table maps
 * negative values other than EOF (-1, i.e. byte 0xFF) to c + 256.
 */
function lowerSigned(c: number): number {
  if (c >= 65 && c <= 90) return c + 32;
  return c < -1 ? c + 256 : c;
}

/** A byte as x86 `char` (signed), as used by the range comparison in C. */
function signed(b: number): number {
  return b > 127 ? b - 256 : b;
}

function subjAt(s: Subject, i: number): number {
  return typeof s === 'string' ? s.charCodeAt(i) : s[i];
}

function matchImpl(
  p: Buffer,
  pi: number,
  plen: number,
  s: Subject,
  si: number,
  slen: number,
  nocase: boolean,
  nesting: number,
): boolean {
  // Protection against abusive patterns.
  if (nesting > 1000) return false;
  const pend = p.length; // invariant: pi + plen === pend; p[pend] reads as NUL

  while (plen > 0 && slen > 0) {
    switch (p[pi]) {
      case STAR: {
        while (plen > 0 && pi + 1 < pend && p[pi + 1] === STAR) {
          pi++;
          plen--;
        }
        if (plen === 1) return true; // trailing '*' matches the rest
        while (slen > 0) {
          if (matchImpl(p, pi + 1, plen - 1, s, si, slen, nocase, nesting + 1)) return true;
          if (skipLongerMatches) return false;
          si++;
          slen--;
        }
        // The rest of the pattern matched nowhere in the remaining string: an earlier '*' consuming
        // more could only start the rest later, so tell every enclosing '*' to give up too.
        skipLongerMatches = true;
        return false;
      }
      case QMARK:
        si++;
        slen--;
        break;
      case LBRACKET: {
        pi++;
        plen--;
        const not = pi < pend && p[pi] === CARET;
        if (not) {
          pi++;
          plen--;
        }
        let match = false;
        const sc = subjAt(s, si);
        for (;;) {
          const pc = pi < pend ? p[pi] : 0;
          if (pc === BACKSLASH && plen >= 2) {
            pi++;
            plen--;
            if (p[pi] === sc) match = true; // escaped chars compare case-sensitively, even with nocase
          } else if (pc === RBRACKET) {
            break;
          } else if (plen === 0) {
            // Unterminated class: step back so the outer increment lands on the end.
            pi--;
            plen++;
            break;
          } else if (plen >= 3 && p[pi + 1] === DASH) {
            let start = signed(pc);
            let end = signed(p[pi + 2]);
            let c = signed(sc);
            if (start > end) {
              const t = start;
              start = end;
              end = t;
            }
            if (nocase) {
              start = lowerSigned(start);
              end = lowerSigned(end);
              c = lowerSigned(c);
            }
            pi += 2;
            plen -= 2;
            if (c >= start && c <= end) match = true;
          } else if (!nocase) {
            if (pc === sc) match = true;
          } else if (lower(pc) === lower(sc)) {
            match = true;
          }
          pi++;
          plen--;
        }
        if (not) match = !match;
        if (!match) return false;
        si++;
        slen--;
        break;
      }
      default: {
        // A backslash escapes the next byte (a trailing lone backslash matches itself).
        if (p[pi] === BACKSLASH && plen >= 2) {
          pi++;
          plen--;
        }
        const pc = p[pi];
        const sc = subjAt(s, si);
        if (nocase ? lower(pc) !== lower(sc) : pc !== sc) return false;
        si++;
        slen--;
        break;
      }
    }
    pi++;
    plen--;
    if (slen === 0) {
      while (pi < pend && p[pi] === STAR) {
        pi++;
        plen--;
      }
      break;
    }
  }
  return plen === 0 && slen === 0;
}

/** Redis stringmatchlen(pattern, subject, nocase); subject is latin1 (one char per byte). */
export function globMatch(pattern: Buffer, subject: string, nocase = false): boolean {
  skipLongerMatches = false;
  return matchImpl(pattern, 0, pattern.length, subject, 0, subject.length, nocase, 0);
}

/** Same as globMatch for a byte subject. */
export function globMatchBuffer(pattern: Buffer, subject: Uint8Array, nocase = false): boolean {
  skipLongerMatches = false;
  return matchImpl(pattern, 0, pattern.length, subject, 0, subject.length, nocase, 0);
}
