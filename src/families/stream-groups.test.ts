// Stream consumer groups, byte-exact against a real redis-server 7.0.15: XGROUP, XREADGROUP, XACK,
// XPENDING, XCLAIM, XAUTOCLAIM, XINFO GROUPS/CONSUMERS and the groups of XINFO STREAM FULL, with
// every option and error, on Damselfly with 1 and 3 shard threads, RESP2 and RESP3. Times (idle,
// delivery and seen times) are compared coarsely (test/group-times.ts). Keys `s` and `s2` are on
// different shards at 3 threads. Blocking XREADGROUP is compared with two clients per server.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_NORMALIZERS, REDIS_AVAILABLE, RawClient, SKIP_NO_REDIS, type Arg, type ServerHandle } from '../../test/harness.ts';
import { diffSuite } from '../../test/collection-suites.ts';
import { normalizeGroupTimes } from '../../test/group-times.ts';

const NORMALIZE = [...DEFAULT_NORMALIZERS, normalizeGroupTimes];

/** One command per line, words split on spaces. */
function script(text: string): Arg[][] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split(/\s+/));
}

/** A stream `s` with entries 1-1 .. 5-1 (fields f=v<i>) and a group g at 0. */
const BASE = script(`
  XADD s 1-1 f v1
  XADD s 2-1 f v2 g x
  XADD s 3-1 f v3
  XADD s 4-1 f v4
  XADD s 5-1 f v5
  XGROUP CREATE s g 0
`);

describe('stream consumer groups match Redis', { skip: !REDIS_AVAILABLE && SKIP_NO_REDIS }, () => {
  const suite = diffSuite(NORMALIZE);
  const same = (cmds: Arg[][]): Promise<void> => suite.same(cmds);

  it('XGROUP CREATE: ids, $, MKSTREAM, ENTRIESREAD and errors', async () => {
    await same(script(`
      XGROUP CREATE s g $
      XGROUP CREATE s g $ MKSTREAM
      XGROUP CREATE s g $ MKSTREAM
      XGROUP CREATE s g2 $
      XGROUP CREATE s g3 0 ENTRIESREAD 0
      XADD s 1-1 a 1
      XADD s 2-2 a 2
      XGROUP CREATE s g4 $
      XGROUP CREATE s g5 1-1 ENTRIESREAD 1
      XGROUP CREATE s g6 5 ENTRIESREAD -1
      XGROUP CREATE s g7 0-0 ENTRIESREAD -2
      XGROUP CREATE s g7 0-0 ENTRIESREAD x
      XGROUP CREATE s g7 0-0 ENTRIESREAD
      XGROUP CREATE s g7 0-0 FOO
      XGROUP CREATE s g7 0-0 MKSTREAM ENTRIESREAD 3 MKSTREAM
      XGROUP CREATE s g7 0-0 MKSTREAM ENTRIESREAD 3
      XGROUP CREATE s g8 abc
      XGROUP CREATE s g8 1-x
      XGROUP CREATE s g8 -
      XGROUP CREATE s g8 +
      XGROUP CREATE s g8 18446744073709551615-18446744073709551615
      XGROUP CREATE s g8 18446744073709551616
      XGROUP CREATE s g9 7
      XINFO GROUPS s
      XGROUP CREATE nokey g 0
      XGROUP CREATE nokey g 0 ENTRIESREAD 1
      XGROUP CREATE mk g $ MKSTREAM
      XINFO GROUPS mk
      XLEN mk
      TYPE mk
      XINFO STREAM mk
      SET str v
      XGROUP CREATE str g 0
      XGROUP CREATE str g 0 MKSTREAM
      XGROUP CREATE s g 0 FOO
    `));
  });

  it('XGROUP SETID DESTROY CREATECONSUMER DELCONSUMER HELP and errors', async () => {
    await same([
      ...BASE,
      ...script(`
      XGROUP SETID s g 3-1
      XINFO GROUPS s
      XGROUP SETID s g $
      XINFO GROUPS s
      XGROUP SETID s g 2-1 ENTRIESREAD 2
      XINFO GROUPS s
      XGROUP SETID s g -
      XGROUP SETID s g +
      XINFO GROUPS s
      XGROUP SETID s g 0 ENTRIESREAD -1
      XGROUP SETID s g 0 ENTRIESREAD -3
      XGROUP SETID s g 0 ENTRIESREAD
      XGROUP SETID s g 0 MKSTREAM
      XGROUP SETID s g 0 FOO BAR
      XGROUP SETID s g abc
      XGROUP SETID s nogroup 0
      XGROUP SETID nokey g 0
      XGROUP CREATECONSUMER s g alice
      XGROUP CREATECONSUMER s g alice
      XGROUP CREATECONSUMER s g bob
      XGROUP CREATECONSUMER s nogroup alice
      XGROUP CREATECONSUMER nokey g alice
      XGROUP CREATECONSUMER s g
      XGROUP CREATECONSUMER s g a b
      XINFO CONSUMERS s g
      XGROUP SETID s g 0
      XREADGROUP GROUP g alice COUNT 2 STREAMS s >
      XGROUP DELCONSUMER s g alice
      XGROUP DELCONSUMER s g alice
      XGROUP DELCONSUMER s g nobody
      XGROUP DELCONSUMER s nogroup alice
      XGROUP DELCONSUMER nokey g alice
      XPENDING s g
      XGROUP DESTROY s g
      XGROUP DESTROY s g
      XGROUP DESTROY nokey g
      XGROUP DESTROY s g extra
      XINFO GROUPS s
      XGROUP HELP
      XGROUP HELP extra
      XGROUP FOO
      XGROUP FOO s g
      XGROUP
      XGROUP CREATE
      XGROUP DESTROY s
      SET str v
      XGROUP DESTROY str g
      XGROUP SETID str g 0
      XGROUP CREATECONSUMER str g c
      XGROUP DELCONSUMER str g c
    `),
    ]);
  });

  it('XREADGROUP: > and history, COUNT, NOACK, consumers, errors', async () => {
    await same([
      ...BASE,
      ...script(`
      XREADGROUP GROUP g alice COUNT 2 STREAMS s >
      XREADGROUP GROUP g bob COUNT 1 STREAMS s >
      XREADGROUP GROUP g alice STREAMS s 0
      XREADGROUP GROUP g bob STREAMS s 0
      XREADGROUP GROUP g alice STREAMS s 1-1
      XREADGROUP GROUP g alice COUNT 1 STREAMS s 0
      XREADGROUP GROUP g carol STREAMS s 0
      XREADGROUP GROUP g alice COUNT 0 STREAMS s >
      XREADGROUP GROUP g alice STREAMS s >
      XREADGROUP GROUP g alice COUNT -5 STREAMS s 0
      XPENDING s g
      XINFO GROUPS s
      XINFO CONSUMERS s g
      XGROUP CREATE s n 0
      XREADGROUP GROUP n x NOACK STREAMS s >
      XPENDING s n
      XINFO GROUPS s
      XREADGROUP GROUP n x STREAMS s 0
      XREADGROUP GROUP g alice STREAMS s $
      XREADGROUP GROUP nogroup alice STREAMS s >
      XREADGROUP GROUP g alice STREAMS nokey >
      XREADGROUP GROUP g alice STREAMS s
      XREADGROUP GROUP g alice STREAMS s s2 >
      XREADGROUP GROUP g alice s >
      XREADGROUP GROUP g alice COUNT x STREAMS s >
      XREADGROUP GROUP g alice COUNT 1 FOO STREAMS s >
      XREADGROUP COUNT 1 STREAMS s >
      XREADGROUP GROUP g STREAMS s >
      XREADGROUP GROUP g alice STREAMS s abc
      XREADGROUP GROUP g alice STREAMS s 1-
      XREADGROUP GROUP g alice BLOCK x STREAMS s >
      XREADGROUP GROUP g alice BLOCK -1 STREAMS s >
      XREADGROUP GROUP g alice BLOCK 10 STREAMS s 0
      XREADGROUP GROUP g alice NOACK NOACK STREAMS s 0
      XGROUP CREATE s BLOCK $
      XREADGROUP GROUP BLOCK BLOCK STREAMS s >
      XREADGROUP GROUP BLOCK BLOCK COUNT 1 BLOCK 5 STREAMS s >
      SET str v
      XREADGROUP GROUP g alice STREAMS str >
      XREADGROUP GROUP g alice STREAMS s str > >
      XREADGROUP GROUP g alice STREAMS str s > >
    `),
    ]);
  });

  it('XREADGROUP over several streams (different shards) and deleted entries in the history', async () => {
    await same([
      ...BASE,
      ...script(`
      XADD s2 1-5 k a
      XADD s2 9-9 k b
      XGROUP CREATE s2 g 0
      XREADGROUP GROUP g c COUNT 1 STREAMS s s2 > >
      XREADGROUP GROUP g c STREAMS s s2 > >
      XREADGROUP GROUP g c STREAMS s s2 > >
      XREADGROUP GROUP g c STREAMS s s2 0 0
      XREADGROUP GROUP g c STREAMS s s2 0 >
      XREADGROUP GROUP g c STREAMS s2 s 9-9 >
      XREADGROUP GROUP g c STREAMS s s2 > nokey
      XREADGROUP GROUP g c STREAMS s nokey > >
      XDEL s 2-1 4-1
      XREADGROUP GROUP g c STREAMS s 0
      XPENDING s g - + 10
      XINFO GROUPS s
      XTRIM s MAXLEN 0
      XREADGROUP GROUP g c STREAMS s 0
      XINFO GROUPS s
      XADD s 6-1 f v6
      XREADGROUP GROUP g d STREAMS s >
      XINFO GROUPS s
      XINFO CONSUMERS s g
    `),
    ]);
  });

  it('XACK', async () => {
    await same([
      ...BASE,
      ...script(`
      XREADGROUP GROUP g alice STREAMS s >
      XACK s g 1-1
      XACK s g 1-1
      XACK s g 2-1 3-1 2-1 9-9
      XACK s g 4 x
      XACK s g 4-1 x
      XACK s g 4-1 -
      XACK s g 4-1 +
      XPENDING s g
      XACK s nogroup 4-1
      XACK nokey g 4-1
      XACK nokey g x
      XACK s g
      SET str v
      XACK str g 1-1
      XACK s g 4-1 5-1 5-1
      XPENDING s g
      XINFO CONSUMERS s g
    `),
    ]);
  });

  it('XPENDING: summary, extended, IDLE, consumer, ranges and errors', async () => {
    await same([
      ...BASE,
      ...script(`
      XPENDING s g
      XPENDING s g - + 10
      XREADGROUP GROUP g alice COUNT 2 STREAMS s >
      XREADGROUP GROUP g bob COUNT 2 STREAMS s >
      XREADGROUP GROUP g alice STREAMS s 0
      XPENDING s g
      XPENDING s g - + 10
      XPENDING s g - + 2
      XPENDING s g - + 0
      XPENDING s g - + -1
      XPENDING s g 2-1 3-1 10
      XPENDING s g (1-1 (4-1 10
      XPENDING s g (2 + 10
      XPENDING s g - (2-1 10
      XPENDING s g - + 10 alice
      XPENDING s g - + 10 bob
      XPENDING s g - + 10 nobody
      XPENDING s g IDLE 0 - + 10
      XPENDING s g IDLE 0 - + 10 bob
      XPENDING s g IDLE 100000 - + 10
      XPENDING s g IDLE -5 - + 10
      XPENDING s g IDLE x - + 10
      XPENDING s g IDLE 10 - + 
      XPENDING s g IDLE 10 - +
      XPENDING s g -
      XPENDING s g - +
      XPENDING s g - + 10 alice extra
      XPENDING s g - + x
      XPENDING s g x + 10
      XPENDING s g - x 10
      XPENDING s g (18446744073709551615-18446744073709551615 + 10
      XPENDING s g - (0-0 10
      XPENDING s g - (0 10
      XPENDING s g + - 10
      XPENDING s nogroup
      XPENDING s nogroup - + 10
      XPENDING nokey g
      XPENDING nokey g x + 10
      SET str v
      XPENDING str g
      XPENDING str g - + 1
      XACK s g 1-1 2-1 3-1 4-1
      XPENDING s g
      XGROUP CREATECONSUMER s g zed
      XPENDING s g
    `),
    ]);
  });

  it('XCLAIM: min-idle, IDLE TIME RETRYCOUNT FORCE JUSTID LASTID and errors', async () => {
    await same([
      ...BASE,
      ...script(`
      XREADGROUP GROUP g alice COUNT 3 STREAMS s >
      XCLAIM s g bob 0 1-1
      XPENDING s g - + 10
      XCLAIM s g bob 0 1-1 2-1 JUSTID
      XPENDING s g - + 10
      XCLAIM s g bob 100000 3-1
      XCLAIM s g bob 0 3-1 IDLE 500000
      XPENDING s g - + 10
      XCLAIM s g carol 400000 3-1 RETRYCOUNT 7
      XPENDING s g - + 10
      XCLAIM s g carol 0 3-1 TIME 1000
      XPENDING s g - + 10
      XCLAIM s g carol 0 3-1 TIME 99999999999999
      XCLAIM s g carol 0 3-1 IDLE -5
      XPENDING s g - + 10
      XCLAIM s g carol 0 4-1
      XCLAIM s g carol 0 4-1 FORCE
      XCLAIM s g carol 0 4-1 FORCE
      XCLAIM s g carol 0 9-9 FORCE
      XPENDING s g - + 10
      XCLAIM s g dave 0 5-1 FORCE JUSTID RETRYCOUNT 3
      XCLAIM s g dave 0 1-1 LASTID 5-1
      XINFO GROUPS s
      XCLAIM s g dave 0 1-1 LASTID 99-1 JUSTID
      XINFO GROUPS s
      XCLAIM s g dave 0 1-1 LASTID x
      XCLAIM s g dave x 1-1
      XCLAIM s g dave -10 1-1 JUSTID
      XCLAIM s g dave 0 1-1 IDLE x
      XCLAIM s g dave 0 1-1 TIME x
      XCLAIM s g dave 0 1-1 RETRYCOUNT x
      XCLAIM s g dave 0 1-1 BOGUS
      XCLAIM s g dave 0 1-1 IDLE
      XCLAIM s g dave 0 1-1 x 2-1
      XCLAIM s g dave 0 1-1 JUSTID 2-1
      XCLAIM s nogroup dave 0 1-1
      XCLAIM nokey g dave 0 1-1
      XCLAIM nokey g dave x 1-1
      XDEL s 2-1
      XCLAIM s g erin 0 2-1 1-1
      XPENDING s g - + 10
      XINFO CONSUMERS s g
      SET str v
      XCLAIM str g c 0 1-1
      XCLAIM s g c 0
    `),
    ]);
  });

  it('XAUTOCLAIM: cursor, COUNT, JUSTID, deleted entries and errors', async () => {
    await same([
      ...BASE,
      ...script(`
      XREADGROUP GROUP g alice STREAMS s >
      XAUTOCLAIM s g bob 0 0
      XAUTOCLAIM s g bob 0 0 COUNT 2
      XAUTOCLAIM s g carol 0 (2-1 COUNT 2 JUSTID
      XAUTOCLAIM s g carol 0 4-1 JUSTID COUNT 5
      XPENDING s g - + 10
      XAUTOCLAIM s g carol 1000000 0
      XDEL s 1-1 3-1
      XAUTOCLAIM s g dave 0 0 COUNT 1
      XAUTOCLAIM s g dave 0 0 COUNT 3
      XPENDING s g - + 10
      XAUTOCLAIM s g dave 0 0 COUNT 0
      XAUTOCLAIM s g dave 0 0 COUNT -1
      XAUTOCLAIM s g dave 0 0 COUNT x
      XAUTOCLAIM s g dave 0 0 COUNT 1152921504606846975
      XAUTOCLAIM s g dave 0 0 COUNT 1152921504606846976
      XAUTOCLAIM s g dave 0 0 COUNT
      XAUTOCLAIM s g dave 0 0 FOO
      XAUTOCLAIM s g dave x 0
      XAUTOCLAIM s g dave -5 0 JUSTID
      XAUTOCLAIM s g dave 0 x
      XAUTOCLAIM s g dave 0 (18446744073709551615-18446744073709551615
      XAUTOCLAIM s nogroup dave 0 0
      XAUTOCLAIM nokey g dave 0 0
      XAUTOCLAIM nokey g dave 0 0 FOO
      SET str v
      XAUTOCLAIM str g dave 0 0
      XINFO CONSUMERS s g
    `),
    ]);
  });

  it('XINFO GROUPS / CONSUMERS / STREAM FULL: lag and entries-read through XDEL, XSETID, XTRIM', async () => {
    await same([
      ...BASE,
      ...script(`
      XGROUP CREATE s h $
      XGROUP CREATE s i 2-1
      XGROUP CREATE s j 2-1 ENTRIESREAD 2
      XINFO GROUPS s
      XREADGROUP GROUP g a COUNT 2 STREAMS s >
      XREADGROUP GROUP i a COUNT 1 STREAMS s >
      XINFO GROUPS s
      XDEL s 4-1
      XINFO GROUPS s
      XREADGROUP GROUP g a STREAMS s >
      XINFO GROUPS s
      XADD s 6-1 f v
      XINFO GROUPS s
      XDEL s 1-1
      XINFO GROUPS s
      XSETID s 10-0
      XINFO GROUPS s
      XSETID s 10-0 ENTRIESADDED 100 MAXDELETEDID 0-1
      XINFO GROUPS s
      XINFO STREAM s
      XINFO STREAM s FULL
      XINFO STREAM s FULL COUNT 1
      XINFO STREAM s FULL COUNT 0
      XINFO CONSUMERS s g
      XINFO CONSUMERS s i
      XINFO CONSUMERS s nogroup
      XINFO CONSUMERS nokey g
      XINFO CONSUMERS s
      XINFO CONSUMERS s g x
      XINFO GROUPS nokey
      XINFO GROUPS s x
      XINFO GROUPS
      XTRIM s MAXLEN 0
      XINFO GROUPS s
      XINFO STREAM s FULL
      XGROUP CREATE e g $ MKSTREAM
      XINFO GROUPS e
      XINFO STREAM e FULL
      SET str v
      XINFO GROUPS str
      XINFO CONSUMERS str g
      XINFO HELP
    `),
    ]);
  });

  it('groups travel with the stream: COPY RENAME MOVE DEL and re-create', async () => {
    await same([
      ...BASE,
      ...script(`
      XREADGROUP GROUP g a COUNT 2 STREAMS s >
      XGROUP CREATECONSUMER s g idle
      COPY s s2
      XINFO GROUPS s2
      XPENDING s2 g - + 10
      XACK s2 g 1-1
      XPENDING s g
      XPENDING s2 g
      XREADGROUP GROUP g b STREAMS s2 >
      XINFO GROUPS s
      RENAME s2 t
      XINFO GROUPS t
      XINFO CONSUMERS t g
      XPENDING t g - + 10
      MOVE t 1
      SELECT 1
      XINFO GROUPS t
      XPENDING t g - + 10 b
      SELECT 0
      DEL s
      XINFO GROUPS s
      XADD s 1-1 a b
      XINFO GROUPS s
    `),
    ]);
  });

  it('inside MULTI: XREADGROUP BLOCK does not block, XGROUP and XACK queue', async () => {
    await same([
      ...BASE,
      ...script(`
      MULTI
      XREADGROUP GROUP g a BLOCK 0 STREAMS s >
      XREADGROUP GROUP g a BLOCK 0 STREAMS s >
      XACK s g 1-1
      XGROUP CREATE s g2 $
      XGROUP CREATECONSUMER s g2 x
      XPENDING s g
      XREADGROUP GROUP g2 x BLOCK 100 STREAMS s >
      EXEC
      XINFO GROUPS s
    `),
    ]);
  });
});

// --- blocking: two clients per server, the same script on both ----------------------------------

/**
 * Sends each of `blocked` from its own client (each waits until the server lists one more blocked
 * client), then `then` from another; returns every reply, the blocked ones last in their order.
 */
async function blockedScript(port: number, resp3: boolean, setup: Arg[][], blocked: Arg[][], then: Arg[][]): Promise<string[]> {
  const b = await RawClient.connect(port);
  const waiting: RawClient[] = [];
  try {
    const out: string[] = [];
    if (resp3) await b.call(['HELLO', '3']);
    for (const cmd of setup) out.push((await b.call(cmd)).toString('latin1'));
    for (const cmd of blocked) {
      const a = await RawClient.connect(port);
      waiting.push(a);
      if (resp3) await a.call(['HELLO', '3']);
      a.send(cmd);
      // Blocked once the server lists it as such (a script with nothing after it waits for the timeout).
      while (then.length > 0) {
        const list = (await b.call(['CLIENT', 'LIST'])).toString('latin1');
        if ((list.match(/ flags=b /g) ?? []).length === waiting.length) break;
      }
    }
    for (const cmd of then) out.push((await b.call(cmd)).toString('latin1'));
    for (const a of waiting) out.push((await a.readReply()).toString('latin1'));
    return out;
  } finally {
    b.close();
    for (const a of waiting) a.close();
  }
}

describe('blocking XREADGROUP matches Redis', { skip: !REDIS_AVAILABLE && SKIP_NO_REDIS }, () => {
  const suite = diffSuite(NORMALIZE);
  const both = async (setup: Arg[][], blocked: Arg[] | Arg[][], then: Arg[][]): Promise<void> => {
    const many = (Array.isArray(blocked[0]) ? blocked : [blocked]) as Arg[][];
    for (const d of [suite.d1, suite.d3] as ServerHandle[]) {
      for (const resp3 of [false, true]) {
        await suite.same([]); // FLUSHALL
        const want = await blockedScript(suite.redis.port, resp3, setup, many, then);
        const got = await blockedScript(d.port, resp3, setup, many, then);
        assert.deepEqual(got, want, `${d === suite.d1 ? 1 : 3} thread(s), RESP${resp3 ? 3 : 2}`);
      }
    }
  };

  it('woken by XADD with the new entry', async () => {
    await both(script('XGROUP CREATE s g $ MKSTREAM'), ['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>'], script('XADD s 1-1 f v\nXPENDING s g'));
  });

  it('woken by XADD on the second of two streams on different shards', async () => {
    await both(script('XGROUP CREATE s g $ MKSTREAM\nXGROUP CREATE s2 g $ MKSTREAM'), ['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '5', 'BLOCK', '0', 'STREAMS', 's', 's2', '>', '>'], script('XADD s2 7-1 f v\nXINFO GROUPS s2'));
  });

  it('XGROUP DESTROY answers NOGROUP; DEL, SET over it, FLUSHDB, FLUSHALL, SWAPDB, RENAME away or over it answer UNBLOCKED', async () => {
    const blocked = ['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>'];
    await both(script('XGROUP CREATE s g $ MKSTREAM'), blocked, script('XGROUP DESTROY s g'));
    await both(script('XGROUP CREATE s g $ MKSTREAM'), blocked, script('DEL s'));
    await both(script('XGROUP CREATE s g $ MKSTREAM'), blocked, script('SET s x'));
    await both(script('XGROUP CREATE s g $ MKSTREAM'), blocked, script('FLUSHDB'));
    await both(script('XGROUP CREATE s g $ MKSTREAM'), blocked, script('FLUSHALL'));
    await both(script('XGROUP CREATE s g $ MKSTREAM'), blocked, script('SWAPDB 0 1'));
    await both(script('XGROUP CREATE s g $ MKSTREAM'), blocked, script('RENAME s t'));
    await both(script('XGROUP CREATE s g $ MKSTREAM\nSET s2 x'), blocked, script('RENAME s2 s'));
  });

  it('an XADD that does not reach the group keeps the reader waiting; a timeout answers nil', async () => {
    await both(
      script('XGROUP CREATE s g $ MKSTREAM'),
      ['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>'],
      script('XGROUP SETID s g 100-0\nXADD s 3-3 a b\nXGROUP CREATECONSUMER s g zz\nXADD s 200-0 c d'),
    );
    await both(script('XGROUP CREATE s g $ MKSTREAM'), ['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '50', 'STREAMS', 's', '>'], []);
  });

  it('readers of one group are served one entry each, in the order they blocked; NOACK; another group gets its own copy', async () => {
    const read = (c: string, extra: string[] = []): Arg[] => ['XREADGROUP', 'GROUP', 'g', c, 'COUNT', '1', ...extra, 'BLOCK', '0', 'STREAMS', 's', '>'];
    await both(script('XGROUP CREATE s g $ MKSTREAM'), [read('c1'), read('c2'), read('c3', ['NOACK'])], script('XADD s 1-1 a 1\nXADD s 2-1 a 2\nXADD s 3-1 a 3\nXPENDING s g'));
    await both(
      script('XGROUP CREATE s g $ MKSTREAM\nXGROUP CREATE s h $'),
      [read('c1'), ['XREADGROUP', 'GROUP', 'h', 'x', 'BLOCK', '0', 'STREAMS', 's', '>'], read('c2')],
      script('MULTI\nXADD s 1-1 a 1\nXADD s 2-1 a 2\nEXEC\nXINFO GROUPS s'),
    );
  });
});
