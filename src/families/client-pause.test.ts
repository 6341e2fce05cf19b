// CLIENT PAUSE / UNPAUSE against a real redis-server: the same scenario runs on Redis and on a
// 2-thread Damselfly (the paused clients on the other thread than the pauser where the kernel allows)
// and the transcripts must be equal. A held client is observed, never timed: another client's
// CLIENT LIST shows it blocked (flags b) — in ALL mode that observer is a monitor, which neither
// server pauses — and its reply is the synchronisation for the pause's end.

import { after, before, describe, it } from 'node:test';
import { RawClient, REDIS_AVAILABLE, SKIP_NO_REDIS, waitFor, type Arg } from '../../test/harness.ts';
import { body, bothServers, idOf, onOtherThread, text } from '../../test/client-probes.ts';

/** The CLIENT LIST flags of client `id`, as `observer` sees them (a monitor skips its lines). */
async function flagsOf(observer: RawClient, id: string): Promise<string> {
  observer.send(['CLIENT', 'LIST']);
  let reply = await observer.readReply();
  while (reply[0] === 0x2b) reply = await observer.readReply(); // '+': a MONITOR line
  const line = body(reply).split('\n').find((l) => l.includes(`id=${id} `)) ?? '';
  return /\bflags=(\S+)/.exec(line)?.[1] ?? '?';
}

/** Waits until `observer` sees client `id` held (CLIENT LIST flag b). */
async function heldSeen(observer: RawClient, id: string): Promise<void> {
  await waitFor(async () => (await flagsOf(observer, id)).includes('b'), `client ${id} held`);
}

type Scenario = (port: number, log: string[]) => Promise<void>;

const SCENARIOS: Record<string, Scenario> = {
  'WRITE holds a write (other thread) until UNPAUSE while reads run': async (port, log) => {
    const a = await RawClient.connect(port);
    const b = await onOtherThread(port, a);
    const c = await RawClient.connect(port);
    try {
      await a.call(['DEL', 'pw:k']);
      const bid = await idOf(b);
      log.push(text(await a.call(['CLIENT', 'PAUSE', '100000', 'WRITE'])));
      b.send(['SET', 'pw:k', 'v']);
      b.send(['GET', 'pw:k']); // behind the held write: waits with it
      await heldSeen(c, bid);
      log.push('held, pending=' + b.pending.length);
      log.push(text(await c.call(['GET', 'pw:k'])), text(await c.call(['PING'])), text(await c.call(['EXISTS', 'pw:k'])));
      log.push(text(await a.call(['CLIENT', 'UNPAUSE'])));
      log.push(text(await b.readReply()), text(await b.readReply()));
      log.push(text(await c.call(['GET', 'pw:k'])));
    } finally {
      await a.call(['CLIENT', 'UNPAUSE']);
      for (const x of [a, b, c]) x.close();
    }
  },
  'WRITE holds may-replicate commands and writing EXECs, not reading ones': async (port, log) => {
    const a = await RawClient.connect(port);
    const b = await onOtherThread(port, a);
    const d = await RawClient.connect(port);
    const e = await RawClient.connect(port);
    const c = await RawClient.connect(port);
    try {
      await a.call(['PFADD', 'pw:hll', 'x']);
      const r = await RawClient.connect(port);
      const [bid, did, eid, rid] = await Promise.all([b, d, e, r].map(idOf));
      log.push(text(await e.call(['MULTI'])), text(await e.call(['SET', 'pw:m', '1'])));
      log.push(text(await a.call(['CLIENT', 'PAUSE', '100000', 'WRITE'])));
      b.send(['PFCOUNT', 'pw:hll']);
      d.send(['PUBLISH', 'pw:ch', 'm']);
      e.send(['EXEC']);
      for (const id of [bid, did, eid]) await heldSeen(c, id);
      // A transaction that only reads runs; a write queued during the pause is held (flags xb).
      log.push(text(await r.call(['MULTI'])), text(await r.call(['PING'])), text(await r.call(['GET', 'pw:m'])), text(await r.call(['EXEC'])));
      log.push(text(await r.call(['MULTI'])));
      r.send(['SET', 'pw:m2', '1']);
      await heldSeen(c, rid);
      log.push('queued write held: ' + (await flagsOf(c, rid)));
      log.push(text(await a.call(['CLIENT', 'UNPAUSE'])));
      log.push(text(await b.readReply()), text(await d.readReply()), text(await e.readReply()), text(await r.readReply()), text(await r.call(['DISCARD'])));
      r.close();
    } finally {
      await a.call(['CLIENT', 'UNPAUSE']);
      for (const x of [a, b, c, d, e]) x.close();
    }
  },
  'ALL holds reads too, and ends on its own at the timeout': async (port, log) => {
    const a = await RawClient.connect(port);
    const b = await onOtherThread(port, a);
    const m = await RawClient.connect(port);
    try {
      await a.call(['SET', 'pa:k', 'v']);
      log.push(text(await m.call(['MONITOR'])));
      const bid = await idOf(b);
      log.push(text(await a.call(['CLIENT', 'PAUSE', '300', 'ALL'])));
      b.send(['GET', 'pa:k']);
      b.send(['PING']);
      await heldSeen(m, bid);
      log.push('held, pending=' + b.pending.length);
      // No UNPAUSE: the replies come once the pause is over.
      log.push(text(await b.readReply()), text(await b.readReply()));
      log.push(text(await a.call(['GET', 'pa:k'])));
    } finally {
      for (const x of [a, b, m]) x.close();
    }
  },
  'WRITE pause ends on its own at the timeout': async (port, log) => {
    const a = await RawClient.connect(port);
    const b = await onOtherThread(port, a);
    const c = await RawClient.connect(port);
    try {
      await a.call(['DEL', 'pt:l']);
      const bid = await idOf(b);
      log.push(text(await a.call(['CLIENT', 'PAUSE', '200', 'WRITE'])));
      b.send(['RPUSH', 'pt:l', 'x']);
      await heldSeen(c, bid);
      log.push(text(await b.readReply()));
      log.push(text(await c.call(['LRANGE', 'pt:l', '0', '-1'])));
    } finally {
      for (const x of [a, b, c]) x.close();
    }
  },
  'keys do not expire while paused: read as gone, still counted, gone after': async (port, log) => {
    const a = await RawClient.connect(port);
    try {
      await a.call(['FLUSHDB']);
      log.push(text(await a.call(['MULTI'])));
      await a.call(['SET', 'pe:k', 'v', 'PX', '5']);
      await a.call(['SET', 'pe:k2', 'v', 'PX', '5']);
      await a.call(['CLIENT', 'PAUSE', '100000', 'WRITE']);
      log.push(text(await a.call(['EXEC'])));
      await waitFor(async () => text(await a.call(['EXISTS', 'pe:k', 'pe:k2'])) === ':0\r\n', 'the keys to be past their deadline');
      log.push(text(await a.call(['EXISTS', 'pe:k', 'pe:k2'])), text(await a.call(['GET', 'pe:k2'])), text(await a.call(['DBSIZE'])));
      log.push(text(await a.call(['CLIENT', 'UNPAUSE'])));
      log.push(text(await a.call(['GET', 'pe:k'])), text(await a.call(['EXISTS', 'pe:k2'])));
      // Both lookups reclaimed their key now that the pause is over.
      log.push(text(await a.call(['DBSIZE'])));
    } finally {
      await a.call(['CLIENT', 'UNPAUSE']);
      a.close();
    }
  },
  'a pause given inside MULTI starts after EXEC; a held client that leaves is forgotten': async (port, log) => {
    const a = await RawClient.connect(port);
    const b = await onOtherThread(port, a);
    const c = await RawClient.connect(port);
    const gone = await RawClient.connect(port);
    try {
      await a.call(['DEL', 'pm:1', 'pm:2', 'pm:3']);
      const [bid, goneId] = [await idOf(b), await idOf(gone)];
      log.push(text(await a.call(['MULTI'])), text(await a.call(['SET', 'pm:1', 'x'])), text(await a.call(['CLIENT', 'PAUSE', '100000', 'WRITE'])), text(await a.call(['SET', 'pm:2', 'x'])));
      log.push(text(await a.call(['EXEC'])));
      b.send(['SET', 'pm:3', 'x']);
      gone.send(['SET', 'pm:4', 'x']);
      await heldSeen(c, bid);
      await heldSeen(c, goneId);
      log.push(/blocked_clients:(\d+)/.exec(text(await c.call(['INFO', 'clients'])))![1]);
      gone.close();
      await waitFor(async () => !body(await c.call(['CLIENT', 'LIST'])).includes(`id=${goneId} `), 'the held client to be gone');
      log.push(/blocked_clients:(\d+)/.exec(text(await c.call(['INFO', 'clients'])))![1]);
      log.push(text(await c.call(['MGET', 'pm:1', 'pm:2', 'pm:3'])));
      log.push(text(await a.call(['CLIENT', 'UNPAUSE'])), text(await b.readReply()));
      log.push(/blocked_clients:(\d+)/.exec(text(await c.call(['INFO', 'clients'])))![1]);
    } finally {
      await a.call(['CLIENT', 'UNPAUSE']);
      for (const x of [a, b, c]) x.close();
    }
  },
  "a blocked client's timeout still fires during a pause": async (port, log) => {
    const a = await RawClient.connect(port);
    const b = await onOtherThread(port, a);
    const c = await RawClient.connect(port);
    try {
      await a.call(['DEL', 'pb:l']);
      const bid = await idOf(b);
      b.send(['BLPOP', 'pb:l', '0.2']);
      await heldSeen(c, bid); // blocked on the key (flags b) before the pause
      log.push(text(await a.call(['CLIENT', 'PAUSE', '100000', 'WRITE'])));
      log.push(text(await b.readReply()));
      log.push(text(await a.call(['CLIENT', 'UNPAUSE'])));
    } finally {
      await a.call(['CLIENT', 'UNPAUSE']);
      for (const x of [a, b, c]) x.close();
    }
  },
  'errors and arity': async (port, log) => {
    const a = await RawClient.connect(port);
    try {
      const cases: Arg[][] = [
        ['CLIENT', 'PAUSE'],
        ['CLIENT', 'PAUSE', '10', 'WRITE', 'x'],
        ['CLIENT', 'PAUSE', 'abc'],
        ['CLIENT', 'PAUSE', '-1'],
        ['CLIENT', 'PAUSE', '1.5'],
        ['CLIENT', 'PAUSE', '10', 'READ'],
        ['CLIENT', 'PAUSE', 'abc', 'READ'],
        ['CLIENT', 'PAUSE', '99999999999999999999'],
        ['CLIENT', 'PAUSE', '0'],
        ['CLIENT', 'PAUSE', '0', 'write'],
        ['CLIENT', 'UNPAUSE', 'x'],
        ['CLIENT', 'UNPAUSE'],
      ];
      for (const cmd of cases) log.push(text(await a.call(cmd)));
      // Refused before the pause is looked at (arity), and a read: answered during a WRITE pause.
      log.push(text(await a.call(['CLIENT', 'PAUSE', '100000', 'WRITE'])), text(await a.call(['SET', 'pz:k'])), text(await a.call(['GET', 'pz:k'])));
    } finally {
      await a.call(['CLIENT', 'UNPAUSE']);
      a.close();
    }
  },
};

describe('CLIENT PAUSE / UNPAUSE against redis-server', { skip: REDIS_AVAILABLE ? false : SKIP_NO_REDIS }, () => {
  const servers = bothServers();
  for (const [name, run] of Object.entries(SCENARIOS)) {
    it(name, () =>
      servers.same(async (port) => {
        const log: string[] = [];
        await run(port, log);
        return log;
      }),
    );
  }
});
