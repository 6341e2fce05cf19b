// MONITOR: the client becomes a monitor: from its +OK on it receives a line for every command any
// thread executes (src/server/monitor.ts writes and delivers them).
// Invariants: the +OK is written once every thread has heard of the new monitor, so a command
// dispatched on any thread after the client read +OK is shown; a monitor leaves on RESET or when it
// disconnects (Client.stopMonitoring).

import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { CommandImpl } from '../server/command-types.ts';
import type { Client } from '../server/client.ts';
import { MONITOR_JOIN } from '../server/monitor.ts';
import { replyAllOk } from '../server/op-table.ts';

/** MONITOR */
function monitor(c: Client, _args: Buffer[], w: ReplyWriter): void {
  // Inside EXEC (Redis's CLIENT_DENY_BLOCKING: a reply per command is expected).
  if (c.capture !== null) return w.error("ERR MONITOR isn't allowed for DENY BLOCKING client");
  // Already monitoring: Redis ignores it, without a reply.
  if (c.isMonitor) return;
  c.isMonitor = true;
  c.worker.monitors.add(c);
  c.coord.broadcastOp(MONITOR_JOIN, c.worker.index, replyAllOk, w);
}

export const commands: Record<string, CommandImpl> = {
  monitor: { conn: monitor },
};
