// INFO: which sections a call asks for (Redis genInfoSectionDict), gathering every shard thread's
// snapshot when a section needs one, and the text. gatherInfo is the same snapshot for callers that
// are not a client command (the HTTP /metrics and status page).
// Invariants: sections come in Redis's order, each "# Title" then its lines, separated by one blank
// line, CRLF throughout; a name that is no section adds nothing. Our Threads section is treated as
// Redis treats a module's section: printed for `everything`, `modules` or its own name, not for
// `all` or `default` (so `INFO all` has exactly Redis's sections).

import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { CommandImpl } from '../server/command-types.ts';
import type { Client } from '../server/client.ts';
import { OpError } from '../server/op-table.ts';
import { allOk } from '../server/shard-ops.ts';
import type { ShardWorker } from '../server/shard-worker.ts';
import { STATS, sumSnapshots, type InfoTotals, type WorkerSnapshot } from './info-snapshot.ts';
import { SECTIONS, type InfoField } from './info-sections.ts';

export { START_MS, nowUsec } from './info-sections.ts';

/** Redis's sections in output order; `default` leaves out commandstats and latencystats. */
const REDIS_SECTIONS = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'modules', 'commandstats', 'errorstats', 'latencystats', 'cluster', 'keyspace'];
/** Redis's default list names the module list `module_list`: `modules` would add every module's sections. */
const DEFAULT_SECTIONS = REDIS_SECTIONS.filter((s) => s !== 'commandstats' && s !== 'latencystats').map((s) => (s === 'modules' ? 'module_list' : s));
/** Ours, printed as Redis prints modules' sections. */
const OWN_SECTIONS = ['threads'];

/** The section names an INFO call's arguments select, in output order (Redis genInfoSectionDict + genRedisInfoString). */
export function selectSections(args: string[]): string[] {
  const asked = new Set<string>();
  let all = false;
  let everything = false;
  if (args.length === 0) for (const d of DEFAULT_SECTIONS) asked.add(d);
  for (const a of args) {
    const s = a.toLowerCase();
    if (s === 'default') for (const d of DEFAULT_SECTIONS) asked.add(d);
    else if (s === 'all') all = true;
    else if (s === 'everything') everything = all = true;
    else asked.add(s);
  }
  const out = REDIS_SECTIONS.filter((s) => all || asked.has(s) || (s === 'modules' && asked.has('module_list')));
  for (const s of OWN_SECTIONS) if (everything || asked.has('modules') || asked.has(s)) out.push(s);
  return out;
}

/** One section's lines. */
export interface InfoSection {
  name: string;
  title: string;
  fields: InfoField[];
}

/** INFO's figures: the sections asked for, each thread's snapshot and their sum (for /metrics). */
export interface InfoSnapshot {
  sections: InfoSection[];
  threads: WorkerSnapshot[];
  totals: InfoTotals;
}

/** Whether any of the sections reads the threads' snapshots. */
function needsThreads(names: string[]): boolean {
  return names.some((s) => SECTIONS[s].gathered);
}

/** The snapshot of `names` (from selectSections) over the threads' snapshots. */
export function buildInfo(worker: ShardWorker, names: string[], snaps: WorkerSnapshot[]): InfoSnapshot {
  const totals = sumSnapshots(worker.table, snaps);
  const input = { worker, snaps, t: totals, now: Date.now() };
  return {
    sections: names.map((name) => ({ name, title: SECTIONS[name].title, fields: SECTIONS[name].fields(input) })),
    threads: snaps,
    totals,
  };
}

/** INFO's text: "# Title" blocks separated by a blank line, CRLF lines. */
export function infoText(info: InfoSnapshot): string {
  let out = '';
  for (const s of info.sections) {
    if (out !== '') out += '\r\n';
    out += `# ${s.title}\r\n`;
    for (const [k, v] of s.fields) out += `${k}:${v}\r\n`;
  }
  return out;
}

/**
 * The INFO snapshot of `sections` (INFO's arguments: names, `default`, `all`, `everything`) from
 * any code on a worker thread, not only a client's command: one stats operation per shard thread
 * over the mesh. Resolves with the error text when a thread failed to answer.
 */
export function gatherInfo(worker: ShardWorker, sections: string[]): Promise<InfoSnapshot | string> {
  const names = selectSections(sections);
  if (!needsThreads(names)) return Promise.resolve(buildInfo(worker, names, []));
  return worker.askEveryShard(STATS, null).then((results) => {
    const failed = results.find((r) => r instanceof OpError);
    if (failed !== undefined) return (failed as OpError).text;
    return buildInfo(worker, names, results as WorkerSnapshot[]);
  });
}

/** INFO [section [section ...]] */
function info(c: Client, args: Buffer[], w: ReplyWriter): void {
  const names = selectSections(args.slice(1).map((a) => a.toString('latin1')));
  const worker = c.worker;
  if (!needsThreads(names)) {
    w.verbatim(infoText(buildInfo(worker, names, [])));
    return;
  }
  c.coord.broadcastOp(
    STATS,
    null,
    (results, out) => {
      const snaps = allOk(results, out);
      if (snaps !== null) out.verbatim(infoText(buildInfo(worker, names, snaps)));
    },
    w,
  );
}

export const commands: Record<string, CommandImpl> = {
  info: { conn: info },
};

export const ops = [STATS];
