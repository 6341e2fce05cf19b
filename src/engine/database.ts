// Database: one logical database's keys on one shard — a dashtable index over records in an arena.
// Invariants: keys come as argument bytes or latin1 strings (one char per byte, so binary-safe; the
// maps keyed by string — watchers, hash-field deadlines — get keyText) and are bytes
// in the arena; each key has one record (header, key bytes, then the string's bytes or a handle into `objects`
// for values of other types), and the table maps the key to it; `size` counts stored entries and
// `expiresCount` those with a deadline (kept in the record); an expired key is never
// returned (lookups delete it lazily; the active cycle reclaims the rest); a value whose parts expire
// on their own (hash fields with TTLs) is in `partsExpiring` while it is stored, so the active cycle
// reclaims its parts and deletes the key once it is left empty; the watchers of a key are marked dirty
// (touch) by every change made here — put, delete, deadline, expiry, parts reclaimed, flush — while a
// command that changes a stored value in place tells them itself (family-util modified()); while
// `onKeyReady` is set (the server sets it while clients wait on keys here), put() calls it for the key.
// The parts: db-records.ts (record layout and store), db-table.ts (index and key operations, Entry),
// db-maintenance.ts (expire cycle, compaction, eviction sampling).

export type { ExpiringParts, StringValue, TypedValue, Value } from './value-kind.ts';
export { AccessPolicy, DatasetFreeze, F_PROTECTED, LFU_INIT_VAL, keyText, lfuLogIncr, type KeyArg } from './db-records.ts';
export { Entry, TABLE_BYTES_PER_KEY } from './db-table.ts';
import { MaintainedTable } from './db-maintenance.ts';

/** One logical database on one shard. */
export class Database extends MaintainedTable {}
