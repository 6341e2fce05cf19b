// The shape of a command spec (spec/commands/<name>.json): Redis's facts (what COMMAND INFO / DOCS
// report) plus Damselfly's own facts in the optional "damselfly" block (docs/commands.md lists them).
// Invariants: this file is the schema both the generator (scripts/gen-commands.ts) and the runtime
// table read; it imports nothing.

export interface KeySpec {
  notes?: string;
  flags: string[];
  begin_search: { type: 'index'; spec: { index: number } } | { type: 'keyword'; spec: { keyword: string; startfrom: number } } | { type: 'unknown'; spec: Record<string, never> };
  find_keys:
    | { type: 'range'; spec: { lastkey: number; keystep: number; limit: number } }
    | { type: 'keynum'; spec: { keynumidx: number; firstkey: number; keystep: number } }
    | { type: 'unknown'; spec: Record<string, never> };
}

/**
 * Facts Redis's specs do not carry but our dispatcher needs; every field is optional (absent: no).
 * The boolean ones become FACT_* bits on the command (see command-table.generated.ts).
 */
export interface DamselflyFacts {
  /** Runs at once between MULTI and EXEC instead of being queued (Redis: EXEC DISCARD MULTI WATCH QUIT RESET). */
  runInMulti?: boolean;
  /** A client in MULTI may still send it while a shard is over maxmemory (Redis's processCommand exemptions). */
  oomExemptInMulti?: boolean;
  /** Runs the client's MULTI queue: refused when a queued command would be; a refusal aborts the transaction. */
  runsQueue?: boolean;
  /** Changes the client's database: EXEC locks the keys after it in the database it selects. */
  selectsDb?: boolean;
  /** Acts on every key of every shard: inside EXEC the transaction takes whole-shard write locks. */
  globalWrite?: boolean;
  /** Sets the client's reply mode (CLIENT REPLY): with ON it answers even when a SKIP is pending. */
  setsReplyMode?: boolean;
  /** Allowed to a RESP2 client in subscribed mode (Redis's list in processCommand). */
  subscribedMode?: boolean;
  /** Its reply is a push (subscribe confirmations): CLIENT REPLY OFF/SKIP does not silence it. */
  pushReply?: boolean;
  /**
   * Redis's CMD_MAY_REPLICATE, a flag COMMAND INFO hides on purpose: a read that may propagate
   * (PFCOUNT, PUBLISH, SPUBLISH). CLIENT PAUSE WRITE holds it as it holds writes.
   */
  mayReplicate?: boolean;
  /**
   * Redis's getkeys_proc for this command (its name in Redis's source): where the keys are when the
   * key specs cannot say (an invalid or incomplete spec, or variable flags). Implemented in
   * src/server/command-keys.ts, or by the handler's getKeys (SORT).
   */
  getKeysFunction?: string;
  /**
   * Redis's CMD_PROTECTED (DEBUG, MODULE), which COMMAND INFO does not show: the CONFIG name of the
   * setting that allows it — `no` (refused), `yes`, or `local` (loopback clients only).
   */
  protectedBy?: string;
}

export interface CommandSpec {
  name: string;
  arity: number;
  flags: string[];
  first_key: number;
  last_key: number;
  key_step: number;
  acl_categories: string[];
  tips: string[];
  key_specs: KeySpec[];
  docs: Record<string, unknown>;
  damselfly?: DamselflyFacts;
}
