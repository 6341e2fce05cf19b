// notify-keyspace-events: the event classes (Redis's NOTIFY_* bits), their parsing from Redis's class
// letters and the canonical string CONFIG GET shows (keyspaceEventsFlagsToString).
// Invariants: the bits are Redis 7's, so a flags value means what it means in notify.c; 'A' never
// includes key misses (m) or new keys (n); 0 means off.

export const NOTIFY_KEYSPACE = 1 << 0; // K
export const NOTIFY_KEYEVENT = 1 << 1; // E
export const NOTIFY_GENERIC = 1 << 2; // g
export const NOTIFY_STRING = 1 << 3; // $
export const NOTIFY_LIST = 1 << 4; // l
export const NOTIFY_SET = 1 << 5; // s
export const NOTIFY_HASH = 1 << 6; // h
export const NOTIFY_ZSET = 1 << 7; // z
export const NOTIFY_EXPIRED = 1 << 8; // x
export const NOTIFY_EVICTED = 1 << 9; // e
export const NOTIFY_STREAM = 1 << 10; // t
export const NOTIFY_KEY_MISS = 1 << 11; // m
export const NOTIFY_MODULE = 1 << 13; // d
export const NOTIFY_NEW = 1 << 14; // n
export const NOTIFY_ALL = NOTIFY_GENERIC | NOTIFY_STRING | NOTIFY_LIST | NOTIFY_SET | NOTIFY_HASH | NOTIFY_ZSET |
  NOTIFY_EXPIRED | NOTIFY_EVICTED | NOTIFY_STREAM | NOTIFY_MODULE;

const CLASS_BITS: Record<string, number> = {
  A: NOTIFY_ALL, g: NOTIFY_GENERIC, $: NOTIFY_STRING, l: NOTIFY_LIST, s: NOTIFY_SET, h: NOTIFY_HASH,
  z: NOTIFY_ZSET, x: NOTIFY_EXPIRED, e: NOTIFY_EVICTED, K: NOTIFY_KEYSPACE, E: NOTIFY_KEYEVENT,
  t: NOTIFY_STREAM, m: NOTIFY_KEY_MISS, d: NOTIFY_MODULE, n: NOTIFY_NEW,
};

/** Redis keyspaceEventsStringToFlags: the class letters as bits, or -1 for an unknown letter. */
export function keyspaceEventsStringToFlags(classes: string): number {
  let flags = 0;
  for (const c of classes) {
    const bit = CLASS_BITS[c];
    if (bit === undefined) return -1;
    flags |= bit;
  }
  return flags;
}

/** Redis keyspaceEventsFlagsToString: the canonical letters of a flags value. */
export function keyspaceEventsFlagsToString(flags: number): string {
  let s = '';
  if ((flags & NOTIFY_ALL) === NOTIFY_ALL) s += 'A';
  else {
    if (flags & NOTIFY_GENERIC) s += 'g';
    if (flags & NOTIFY_STRING) s += '$';
    if (flags & NOTIFY_LIST) s += 'l';
    if (flags & NOTIFY_SET) s += 's';
    if (flags & NOTIFY_HASH) s += 'h';
    if (flags & NOTIFY_ZSET) s += 'z';
    if (flags & NOTIFY_EXPIRED) s += 'x';
    if (flags & NOTIFY_EVICTED) s += 'e';
    if (flags & NOTIFY_STREAM) s += 't';
    if (flags & NOTIFY_MODULE) s += 'd';
    if (flags & NOTIFY_NEW) s += 'n';
  }
  if (flags & NOTIFY_KEYSPACE) s += 'K';
  if (flags & NOTIFY_KEYEVENT) s += 'E';
  if (flags & NOTIFY_KEY_MISS) s += 'm';
  return s;
}

/** The config parameter's parser: the canonical string, or Redis's CONFIG SET error. */
export function parseKeyspaceEvents(raw: string): { value: string } | { error: string } {
  const flags = keyspaceEventsStringToFlags(raw);
  if (flags === -1) return { error: 'Invalid event class character. Use \'Ag$lshzxeKEtmdn\'.' };
  return { value: keyspaceEventsFlagsToString(flags) };
}
