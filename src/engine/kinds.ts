// KINDS: the registry of value kinds, indexed by kind id — filled here, statically, from the engine's
// value modules (no family registers anything). kindOf finds the kind of any stored value.
// Invariants: KINDS[k.id] === k for every kind; adding a kind means a KIND_* id in value-kind.ts, its
// ValueKind beside its value module, and its line here (docs/engine.md, "Value kinds").

import { HASH_KIND } from './hash-value.ts';
import { LIST_KIND } from './quicklist.ts';
import { SET_KIND } from './set-value.ts';
import { STREAM_KIND } from './stream.ts';
import { STRING_KIND } from './string-kind.ts';
import type { KindId, TypedValue, Value, ValueKind } from './value-kind.ts';
import { ZSET_KIND } from './zset.ts';

/** Every kind, at its id (Redis's OBJ_* number); id 5 (OBJ_MODULE) is a hole. */
export const KINDS: readonly (ValueKind | undefined)[] = [STRING_KIND, LIST_KIND, SET_KIND, ZSET_KIND, HASH_KIND, undefined, STREAM_KIND] as (ValueKind | undefined)[];

for (let i = 0; i < KINDS.length; i++) {
  const k = KINDS[i];
  if (k !== undefined && k.id !== i) throw new Error(`kinds: ${k.type} is not at its id`);
}

/** The kind of a stored value (strings are raw strings or Buffers; other values name theirs). */
export function kindOf(v: Value): ValueKind {
  if (typeof v === 'string' || v instanceof Buffer) return STRING_KIND as ValueKind;
  return KINDS[(v as TypedValue).kindId]!;
}

/** The kind with id `id`, or undefined (a payload from elsewhere naming an unknown kind). */
export function kindById(id: number): ValueKind | undefined {
  return KINDS[id as KindId];
}
