// Dispatcher: runs one command for a Client — lookup, arity, authentication, the -OOM gate, CLIENT
// PAUSE, MULTI queuing, routing (inline, one remote shard, several shards through the coordinator) and execution —
// and runs EXEC's queued commands the same way. Nothing here knows about sockets: a socket
// connection, EXEC, and later scripts and replay are all callers.
// Invariants: every command writes exactly one reply into `w` or queues exactly one pending slot on
// its client; a handler that throws is answered with an error and leaves the client and the worker
// running; a refused command inside MULTI makes EXEC abort (Redis's flagTransaction).

import type { ReplyWriter } from '../protocol/reply-writer.ts';
import { keySlot, shardOfKey, shardOfSlot } from '../runtime/slots.ts';
import type { CapturedReply, Client, MultiState, QueuedCommand } from './client.ts';
import { CapturedReply as Captured } from './client.ts';
import { Command, CommandTable, FACT_MAY_REPLICATE, FACT_PUSH_REPLY, FACT_RUN_IN_MULTI, FACT_RUNS_QUEUE, FACT_SETS_REPLY_MODE, FACT_SUBSCRIBED_MODE, FLAG_MAY_REPLICATE, FLAG_NO_MULTI, FLAG_NOAUTH, FLAG_READONLY, FLAG_WRITE } from './command-table.ts';
import { REQ_NO_TOUCH, REQ_PART } from '../runtime/request-flags.ts';
import { allOn } from './coordinator.ts';
import { ERR_OOM } from './memory-gate.ts';
import { errorCodeOfText } from './stats.ts';
import { PAUSE_OFF, pauseHolds } from './client-pause.ts';
import type { Transaction } from '../transaction/transaction.ts';
import { nextTurn } from '../util/next-turn.ts';
import { paramByConfig } from '../config/params.ts';

/**
 * What client-side caching does around a command of a tracking client (set by the tracking family):
 * before, a read remembers its keys on their shards (ahead of the command on each ring, so a write
 * after the read always finds them) and a NOLOOP client names itself to the shards it writes; after,
 * the one-command CLIENT CACHING choice ends and invalidations of its own writes here are delivered
 * (after its reply, as Redis). `remember` is the first part alone (a command EXEC runs).
 */
export interface TrackingHooks {
  before(c: Client, cmd: Command, args: Buffer[]): void;
  after(c: Client, cmd: Command): void;
  remember(c: Client, cmd: Command, args: Buffer[]): void;
}
export const trackingHooks: TrackingHooks = { before() {}, after() {}, remember() {} };

/** Looks up, checks and runs (or routes) one command; its reply goes to `w` or a pending slot. */
export function dispatch(c: Client, args: Buffer[], w: ReplyWriter): void {
  const worker = c.worker;
  w.resp = c.resp;
  const mark = w.mark();
  const queued = c.queuedReplies;
  const cmd = resolve(c, args, w);
  if (cmd === null) {
    if (c.replyOff || c.skipNext) w.truncate(mark);
    c.skipNext = false;
    return;
  }
  // Every command obeys SKIP, CLIENT REPLY included, except CLIENT REPLY ON, which answers. A SKIP
  // is used up by the command after it (a CLIENT REPLY SKIP sets it again, for the next).
  const skipThis = c.skipNext && !(cmd.hasFact(FACT_SETS_REPLY_MODE) && isOn(args[2]));
  c.skipNext = false;
  c.current = cmd;
  c.currentArgs = args;
  // maxmemory: while a shard is over its limit, denyoom commands for its keys (in MULTI: anything but
  // EXEC, DISCARD, QUIT, RESET) are refused before they run or queue, as Redis's processCommand does.
  if (worker.gate.pressure && worker.gate.refuses(cmd, args, worker.n, queuedForGate(c, cmd))) {
    reject(c, cmd, w, ERR_OOM, args);
    if (skipThis || c.replyOff) w.truncate(mark);
    return;
  }
  // A RESP2 client in subscribed mode may only (un)subscribe, PING, QUIT and RESET (RESP3: anything);
  // checked before the monitor's keyspace refusal, as Redis's processCommand does.
  if (c.subs !== null && c.resp === 2 && !cmd.hasFact(FACT_SUBSCRIBED_MODE)) {
    reject(c, cmd, w, `ERR Can't execute '${cmd.name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`);
    if (skipThis || c.replyOff) w.truncate(mark);
    return;
  }
  // A monitor may not touch the keyspace (Redis's check for replicas, which monitors are).
  if (worker.monitoring && c.isMonitor && (cmd.hasFlag(KEYSPACE_FLAGS) || cmd.hasFact(FACT_MAY_REPLICATE))) {
    reject(c, cmd, w, "ERR Replica can't interact with the keyspace");
    if (skipThis || c.replyOff) w.truncate(mark);
    return;
  }
  // CLIENT PAUSE (one load while nothing is paused): the command waits, unanswered, with everything
  // after it, until the pause ends (Redis blocks the client, BLOCKED_POSTPONE). Monitors — replicas
  // to Redis — are never paused.
  if (worker.pauseMode[0] !== PAUSE_OFF && !c.isMonitor && heldByPause(c, cmd)) {
    c.skipNext = skipThis;
    c.postpone(args, Date.now());
    return;
  }
  if (c.multi !== null && !cmd.hasFact(FACT_RUN_IN_MULTI)) {
    if (cmd.hasFlag(FLAG_NO_MULTI)) {
      reject(c, cmd, w, 'ERR Command not allowed inside a transaction');
    } else {
      c.multi.queue(cmd, args);
      w.simple('QUEUED');
    }
    if (skipThis || c.replyOff) w.truncate(mark);
    return;
  }
  const impl = cmd.impl;
  const tracking = c.tracking;
  if (tracking !== null) trackingHooks.before(c, cmd, args);
  try {
    if (impl.shard !== undefined && (impl.mayBlock === undefined || !impl.mayBlock(args))) {
      route(c, cmd, args, w, mark);
    } else if (impl.connAsync !== undefined) {
      const bw = worker.newWriter(c.resp);
      awaitBarrier(c, cmd, args, impl.connAsync(c, args, bw), bw);
    } else {
      worker.beginCall(cmd);
      impl.conn!(c, args, w);
      // A handler that fanned out is counted when its answers are merged.
      if (c.queuedReplies === queued) worker.noteSlow(c, cmd, args, worker.recordCall(cmd, -1, w, mark));
    }
  } catch (e) {
    // A bug in a handler: answer this command with an error, keep the server and the client. What it
    // wrote is dropped; if it had queued its reply slot, the error fills that slot (else the client
    // would wait for it forever).
    if (c.queuedReplies === queued || c.lastPending === null) worker.answerInternalError(cmd, e, w, c.queuedReplies === queued ? mark : w.mark());
    else {
      const sw = worker.scratchLocal;
      sw.resp = c.resp;
      worker.answerInternalError(cmd, e, sw, sw.mark());
      c.lastPending.complete(sw.take());
    }
  }
  if (tracking !== null) trackingHooks.after(c, cmd);
  // OFF is looked at once the command ran: CLIENT REPLY ON and RESET turn replies back on, and answer.
  // (Subscribe confirmations are pushes: Redis writes them whatever the reply mode.)
  if ((skipThis || c.replyOff) && !cmd.hasFact(FACT_PUSH_REPLY)) {
    if (c.queuedReplies > queued) c.discardLastReply();
    else w.truncate(mark);
  }
  // Monitors see it once it ran (SELECT shows its new database), EXEC once its queue ran (awaitBarrier);
  // a monitor's own command's line follows its reply at once, as in Redis.
  if (worker.monitoring && !cmd.hasFact(FACT_RUNS_QUEUE)) worker.monitors.command(c, cmd, args, c.isMonitor);
  else c.redactedArgs = null;
  c.currentArgs = null;
}

/**
 * The checks a command of `argc` arguments must pass before they are all made Buffers (a huge
 * multibulk, of which `head` are the first): lookup, arity, authentication, decided by its name and
 * count. False when it is refused; its reply is then written.
 */
export function screen(c: Client, head: Buffer[], argc: number, w: ReplyWriter): boolean {
  w.resp = c.resp;
  const mark = w.mark();
  if (resolve(c, head, w, argc) !== null) return true;
  if (c.replyOff || c.skipNext) w.truncate(mark);
  c.skipNext = false;
  return false;
}

/** Finds the command (or subcommand) and checks arity and authentication; null after an error reply. */
function resolve(c: Client, args: Buffer[], w: ReplyWriter, argc = args.length): Command | null {
  let cmd = c.worker.table.lookup(args[0]);
  if (cmd === undefined) {
    // CLIENT LIST's cmd is the command looked up, refused or not (Redis's lastcmd): none here.
    c.lastCommand = 'NULL';
    if (isHttpHeaderCommand(args[0])) abortCrossProtocol(c);
    else rejectUnknown(c, args, w);
    return null;
  }
  if (cmd.subcommands.size > 0 && (argc > 1 || cmd.impl.conn === undefined)) {
    if (argc < 2) {
      reject(c, cmd, w, `ERR wrong number of arguments for '${cmd.name}' command`);
      return null;
    }
    const sub = CommandTable.sub(cmd, args[1]);
    if (sub === undefined) {
      c.lastCommand = 'NULL';
      const subName = cString(args[1].toString('latin1')).slice(0, 128);
      reject(c, null, w, `ERR unknown subcommand '${subName}'. Try ${cmd.name.toUpperCase()} HELP.`);
      return null;
    }
    cmd = sub;
  }
  c.lastCommand = cmd.name;
  const arity = cmd.arity;
  if ((arity > 0 && arity !== argc) || argc < -arity) {
    reject(c, cmd, w, `ERR wrong number of arguments for '${cmd.name}' command`, args);
    return null;
  }
  // Redis checks a protected command (DEBUG) before authentication.
  if (cmd.protectedBy !== null && !protectedAllowed(c, cmd.protectedBy)) {
    reject(
      c,
      cmd,
      w,
      `ERR ${cmd.name.toUpperCase()} command not allowed. If the ${cmd.protectedBy} option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.`,
      args,
    );
    return null;
  }
  if (!c.authenticated && !cmd.hasFlag(FLAG_NOAUTH)) {
    reject(c, cmd, w, 'NOAUTH Authentication required.', args);
    return null;
  }
  return cmd;
}

/**
 * Redis allowProtectedAction: the setting named `config` (no | yes | local) is yes, or local and the
 * client is local (Redis's islocalClient: a Unix socket client, or exactly 127.0.0.1 or ::1 — an IPv4
 * client of a dual-stack listener shows as 127.0.0.1 too, see peerId).
 */
export function protectedAllowed(c: Client, config: string): boolean {
  const v = c.worker.config[paramByConfig(config)!.flag];
  return v === 'yes' || (v === 'local' && (c.addr.startsWith('/') || c.addr.startsWith('127.0.0.1:') || c.addr.startsWith('[::1]:')));
}

/** A keyed command: inline when its keys are here, one frame to the shard that has them, or coordinated. */
function route(c: Client, cmd: Command, args: Buffer[], w: ReplyWriter, mark: number): void {
  const worker = c.worker;
  const n = worker.n;
  let target: number;
  let hintKey: Buffer | null = null;
  if (cmd.singleKeyIndex !== 0) {
    hintKey = args[cmd.singleKeyIndex];
    target = shardOfSlot(keySlot(hintKey), n);
  } else {
    const keys = cmd.keyIndexes(args);
    if (keys.length === 0 || n === 1) target = worker.index;
    else {
      target = shardOfKey(args[keys[0]], n);
      let one = true;
      for (let i = 1; i < keys.length && one; i++) if (shardOfKey(args[keys[i]], n) !== target) one = false;
      // Keys it reads without naming them (SORT BY/GET patterns) must be on the same shard too.
      if (one && !allOn(cmd.derivedShards(args, n), target)) one = false;
      if (!one) {
        runSpanning(c, cmd, args, keys, w, mark);
        return;
      }
    }
  }
  if (c.coord.scheduling) {
    // A transaction of this client is still being scheduled: this command must come after it.
    c.coord.holdUntilFinal(cmd, args, w, target);
    return;
  }
  if (target === worker.index) {
    if (!worker.tx.idle) {
      // A key is locked by a transaction scheduled here: the command waits behind it.
      const locked = worker.blockedKeys(cmd, c.db, args, hintKey);
      if (locked !== null) {
        const p = c.addPending(w);
        worker.deferCommand(cmd, c.db, c.resp, c.noTouch, args, locked, true, (r) => p.complete(r));
        return;
      }
    }
    worker.beginCall(cmd);
    worker.runLocal(cmd, c.db, c.noTouch, args, w);
    worker.noteSlow(c, cmd, args, worker.recordCall(cmd, -1, w, mark));
  } else {
    const p = c.addPending(w);
    // Its run is timed where it runs; the slow log times it here, from dispatch to reply.
    if (worker.timing.slowerThan >= 0) p.watch(c, cmd, args, worker.recentNow());
    worker.mesh.send(target, cmd.index, c.db, c.resp, c.noTouch ? REQ_NO_TOUCH : 0, args, p);
  }
}

/** A keyed command whose keys span shards: split and merged, or a multi-hop barrier. */
function runSpanning(c: Client, cmd: Command, args: Buffer[], keys: number[], w: ReplyWriter, mark: number): void {
  if (typeof cmd.impl.multi === 'function') {
    const bw = c.worker.newWriter(c.resp);
    awaitBarrier(c, cmd, args, c.coord.coordinate(cmd, args, keys, bw), bw);
    return;
  }
  // Its argument error is counted here; a split one is counted when its parts are merged.
  if (split(c, cmd, args, keys, w)) c.worker.recordCall(cmd, 0, w, mark);
}

/**
 * A spanning command split per shard and merged. An argument error (MSET's odd count) is its reply,
 * as Redis runs the command and it fails there (a failed call, not a refusal): true then.
 */
function split(c: Client, cmd: Command, args: Buffer[], keys: number[], w: ReplyWriter): boolean {
  const refused = c.coord.split(cmd, args, keys, w);
  if (refused === null) return false;
  w.error(refused);
  return true;
}

/** Whether the pause in force holds `cmd` (EXEC: by what it queued). */
function heldByPause(c: Client, cmd: Command): boolean {
  return pauseHolds(c.worker.pause.current(Date.now()), cmd, c.multi);
}

/** Commands that read or write keys (what a monitor may not send, with the may-replicate ones). */
const KEYSPACE_FLAGS = FLAG_READONLY | FLAG_WRITE | FLAG_MAY_REPLICATE;

/** Holds the pipeline until `work` finishes; its reply (written to `writer`) takes this command's place. */
function awaitBarrier(c: Client, cmd: Command, args: Buffer[], work: Promise<void>, writer: ReplyWriter): void {
  const worker = c.worker;
  const p = c.addPending(worker.out);
  c.holdPipeline();
  const t0 = performance.now();
  const redacted = c.redactedArgs;
  c.waitedMs = 0;
  c.waitTimedOut = false;
  // The writer is the command's own and was empty when it started (it has already run up to its
  // first await, and may have written its whole reply by now): its reply starts at 0.
  const finish = (): void => {
    // A blocked command counts its run and its reply, not its wait (as Redis's updateStatsOnUnblock).
    const ms = worker.recordCall(cmd, Math.max(0, performance.now() - t0 - c.waitedMs), writer, 0);
    if (!c.waitTimedOut) worker.noteSlow(c, cmd, args, ms, redacted);
    // EXEC's line comes after its queued commands' lines, as in Redis.
    if (worker.monitoring && cmd.hasFact(FACT_RUNS_QUEUE)) worker.monitors.command(c, cmd, args);
    // The pipeline behind the barrier resumes with this reply in place.
    c.resumePipeline(() => p.complete(writer.take()));
  };
  work.then(finish, (e: unknown) => {
    // Whatever the command wrote before it failed is not a reply: only the error is.
    writer.truncate(0);
    worker.answerInternalError(cmd, e, writer, 0);
    finish();
  });
}

/** What the -OOM gate looks at of a MULTI queue: the commands only for EXEC (building them is not free). */
function queuedForGate(c: Client, cmd: Command): QueuedCommand[] | null {
  if (c.multi === null) return null;
  return cmd.hasFact(FACT_RUNS_QUEUE) ? c.multi.queued : NOTHING_QUEUED;
}
const NOTHING_QUEUED: QueuedCommand[] = [];

/** Answers a refused command with `msg`, counted as Redis counts rejected calls (`args`: for monitors, when EXEC). */
export function reject(c: Client, cmd: Command | null, w: ReplyWriter, msg: string, args?: Buffer[]): void {
  // A command refused while queuing (unknown, arity, auth...) makes EXEC abort, as Redis's flagTransaction.
  if (c.multi !== null) c.multi.dirty = true;
  if (cmd !== null && cmd.hasFact(FACT_RUNS_QUEUE)) {
    // A refused EXEC (arity, auth) discards the transaction and the watches, in MULTI or not
    // (Redis's execCommandAbort).
    c.multi = null;
    c.coord.dropWatches();
    msg = 'EXECABORT Transaction discarded because of: ' + (msg.startsWith('ERR ') ? msg.slice(4) : msg);
    // Redis's execCommandAbort shows the refused EXEC to monitors, so that they see the transaction end.
    if (c.worker.monitoring && args !== undefined) c.worker.monitors.command(c, cmd, args);
  }
  if (cmd !== null) c.worker.recordRejected(cmd);
  c.worker.countErrorCode(errorCodeOfText(msg));
  w.error(msg);
}

/** `POST` or `Host:` (any case) as a command name: HTTP sent to the RESP port (Redis's processCommand check). */
function isHttpHeaderCommand(name: Buffer): boolean {
  const s = name.length === 4 || name.length === 5 ? name.toString('latin1').toLowerCase() : '';
  return s === 'post' || s === 'host:';
}

/** When this thread last logged a cross-protocol attempt (Redis logs one a minute). */
let crossProtocolLoggedAt = 0;

/**
 * Redis's securityWarningCommand: a client that sends POST or Host: is most likely a browser made to
 * talk to this port (cross-protocol scripting); it is closed at once, with nothing more written —
 * not even replies of its earlier commands not yet sent. (With HTTP detection on, such a request's
 * first line already made the connection HTTP; this guards --nohttp and requests that start otherwise.)
 */
function abortCrossProtocol(c: Client): void {
  const now = Date.now();
  if (Math.abs(now - crossProtocolLoggedAt) > 60_000) {
    crossProtocolLoggedAt = now;
    c.worker.log('Possible SECURITY ATTACK detected. It looks like somebody is sending POST or Host: commands to Redis. This is likely due to an attacker attempting to use Cross Protocol Scripting to compromise your Redis instance. Connection aborted.');
  }
  c.close();
}

function rejectUnknown(c: Client, args: Buffer[], w: ReplyWriter): void {
  let list = '';
  for (let i = 1; i < args.length && list.length < 128; i++) {
    list += `'${cString(args[i].toString('latin1')).slice(0, 128 - list.length)}' `;
  }
  const name = cString(args[0].toString('latin1')).slice(0, 128);
  reject(c, null, w, `ERR unknown command '${name}', with args beginning with: ${list}`);
}

// --- EXEC --------------------------------------------------------------------------------------

/**
 * How many queued commands EXEC sends in one event-loop turn: a longer queue yields between slices
 * (its transaction keeps every lock meanwhile), so this thread's other clients and the other shards'
 * rings are served while it runs. Shorter queues never yield.
 */
export const EXEC_SLICE = 2048;

/**
 * Runs EXEC's queued commands in order inside transaction tx; resolves with their replies. Commands
 * for one shard are sent without waiting (they run in order there, and go out together: one hop per
 * shard for a run of them); a command that coordinates several hops itself is awaited before the
 * commands after it are sent. After every EXEC_SLICE commands it waits for the next turn of the
 * event loop: the transaction's keys stay locked, so only commands on other keys run in between.
 */
export async function runQueued(c: Client, tx: Transaction, queued: MultiState): Promise<Buffer[]> {
  const worker = c.worker;
  const n = worker.n;
  // Replies land here as hops answer (a callback each, not a promise each: a million promises and
  // Promise.all's million reactions would run in one turn, and load the collector).
  const replies: Buffer[] = new Array(queued.count);
  let outstanding = 1; // this loop, until it has sent everything
  let allIn: () => void = () => {};
  const finished = new Promise<void>((resolve) => (allIn = resolve));
  let sliceLeft = EXEC_SLICE;
  for (let i = 0; i < queued.count; i++) {
    if (--sliceLeft < 0) {
      sliceLeft = EXEC_SLICE - 1;
      await nextTurn();
    }
    const { cmd, args } = queued.at(i);
    const impl = cmd.impl;
    const flags = REQ_PART | (c.noTouch ? REQ_NO_TOUCH : 0);
    if (impl.shard !== undefined) {
      const keys = cmd.keyIndexes(args);
      let target = keys.length === 0 ? worker.index : shardOfKey(args[keys[0]], n);
      for (let k = 1; k < keys.length; k++) {
        if (shardOfKey(args[keys[k]], n) !== target) {
          target = -1;
          break;
        }
      }
      if (target >= 0 && n > 1 && !allOn(cmd.derivedShards(args, n), target)) target = -1;
      if (target >= 0) {
        if (worker.monitoring) worker.monitors.command(c, cmd, args);
        outstanding++;
        if (c.tracking !== null) trackingHooks.remember(c, cmd, args);
        tx.run(target, cmd, c.db, c.resp, flags, args, false, (reply) => {
          replies[i] = reply;
          if (--outstanding === 0) allIn();
        });
        continue;
      }
    }
    // A connection command, or a keyed one spanning shards: run it as the client would, its reply
    // captured (hops it makes go through tx).
    replies[i] = await runCaptured(c, cmd, args);
    if (worker.monitoring) worker.monitors.command(c, cmd, args);
  }
  if (--outstanding === 0) allIn();
  await finished;
  return replies;
}

/** Runs one command through its client-side path inside EXEC's transaction, capturing its reply. */
async function runCaptured(c: Client, cmd: Command, args: Buffer[]): Promise<Buffer> {
  const worker = c.worker;
  const bw = worker.newWriter(c.resp);
  const capture: CapturedReply = new Captured();
  c.capture = capture;
  try {
    const impl = cmd.impl;
    if (impl.shard !== undefined) {
      const keys = cmd.keyIndexes(args);
      if (typeof impl.multi === 'function') await c.coord.coordinate(cmd, args, keys, bw);
      else split(c, cmd, args, keys, bw);
    } else if (impl.connAsync !== undefined) {
      await impl.connAsync(c, args, bw);
    } else {
      impl.conn!(c, args, bw);
    }
  } catch (e) {
    bw.truncate(0);
    worker.answerInternalError(cmd, e, bw, 0);
  } finally {
    c.capture = null;
  }
  bw.resp = c.resp;
  if (capture.used) {
    // What the handler wrote before the part replied elsewhere comes first (nothing, in practice).
    const head = bw.take();
    const rest = await capture.done;
    return head.length > 0 ? Buffer.concat([head, rest]) : rest;
  }
  return bw.take();
}

/** The argument ON, in any case. */
function isOn(b: Buffer | undefined): boolean {
  return b !== undefined && b.length === 2 && (b[0] | 0x20) === 0x6f && (b[1] | 0x20) === 0x6e;
}

/** C-string view of an argument (Redis prints with %s, which stops at a NUL byte). */
function cString(s: string): string {
  const z = s.indexOf('\0');
  return z >= 0 ? s.slice(0, z) : s;
}
