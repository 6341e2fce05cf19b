// The latency monitor's pieces on synthetic samples: one sample per second (the worst), DOCTOR's
// report in Redis's shape ("Dave, ..." cases, "I have a few advices"), GRAPH's header and art.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LatencySeries } from '../server/call-timing.ts';
import { latencyGraph, latencyReport } from './latency.ts';
import { makeRig, runCommands } from '../../test/inproc.ts';
import type { ReplyWriter } from '../protocol/reply-writer.ts';

/** A handler that takes at least `ms` (spins: the monitor must see it however fast the machine is). */
function slowEcho(ms: number) {
  return (_c: object, args: Buffer[], w: ReplyWriter): void => {
    const until = performance.now() + ms;
    while (performance.now() < until);
    w.bulk(args[1]);
  };
}

const settings = { threshold: 5, slowerThan: 10_000, hz: 10, nowSec: 1_000_100 };

describe('latency monitor (synthetic)', () => {
  it('keeps the worst sample of each second and the all-time high', () => {
    const s = new LatencySeries();
    s.add(1_000_000, 7);
    s.add(1_000_000, 12);
    s.add(1_000_000, 9);
    s.add(1_000_001, 6);
    assert.deepEqual(s.samples(), [[1_000_000, 12], [1_000_001, 6]]);
    assert.equal(s.max, 12);
  });

  it('DOCTOR: disabled, no spike, and advice in Redis\'s shape', () => {
    assert.match(latencyReport([], { ...settings, threshold: 0 }), /^I'm sorry, Dave, I can't do that\. Latency monitoring is disabled/);
    assert.match(latencyReport([], settings), /^Dave, no latency spike was observed/);
    const r = latencyReport([{ event: 'command', max: 30, samples: [[1_000_000, 10], [1_000_050, 30]] }, { event: 'expire-cycle', max: 6, samples: [[1_000_090, 6]] }], settings);
    assert.match(r, /^Dave, I have observed latency spikes in this Redis instance\. You don't mind talking about it, do you Dave\?\n\n/);
    assert.match(r, /\n1\. command: 2 latency spikes \(average 20ms, mean deviation 10ms, period 50\.00 sec\)\. Worst all time event 30ms\.\n/);
    assert.match(r, /\n2\. expire-cycle: 1 latency spikes/);
    assert.match(r, /\nI have a few advices for you:\n\n- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold\. Please use 'CONFIG SET slowlog-log-slower-than 5000'\.\n/);
    assert.match(r, /- In order to make the Redis keys expiring process more incremental/);
  });

  it('GRAPH: header, 80 dashes, the sparkline with "ago" labels', () => {
    const g = latencyGraph({ event: 'command', max: 40, samples: [[1_000_000, 10], [1_000_090, 20]] }, 1_000_100);
    assert.equal(g, 'command - high 20 ms, low 10 ms (all time high 40 ms)\n' + '-'.repeat(80) + '\n #\n |\n |\n_|\n  \n11\nm0\n s\n');
  });
});

describe('latency monitor (in-process workers)', () => {
  it('records command and fast-command events over the threshold, merged over the threads', async () => {
    const rig = makeRig(2, {
      config: { latency_monitor_threshold: 2 },
      overrides: { echo: { conn: slowEcho(3) }, info: { conn: slowEcho(4) } },
    });
    await runCommands(rig, [['ECHO', 'a'], ['INFO', 'x'], ['PING']]);
    const [latest] = await runCommands(rig, [['LATENCY', 'LATEST']]);
    const events = [...latest.matchAll(/\$(\d+)\r\n([a-z-]+)\r\n:(\d+)\r\n:(\d+)\r\n:(\d+)\r\n/g)].map((m) => [m[2], Number(m[4]), Number(m[5])] as const);
    assert.deepEqual(events.map((e) => e[0]).sort(), ['command', 'fast-command']);
    for (const [, last, max] of events) assert.ok(last >= 3 && max >= last);
    const [history] = await runCommands(rig, [['LATENCY', 'HISTORY', 'fast-command']]);
    assert.match(history, /^\*1\r\n\*2\r\n:\d+\r\n:\d+\r\n$/);
    const [doctor] = await runCommands(rig, [['LATENCY', 'DOCTOR']]);
    assert.match(doctor, /1\. (command|fast-command): 1 latency spikes/);
    assert.match(doctor, /I have a few advices for you/);
    assert.deepEqual(await runCommands(rig, [['LATENCY', 'RESET', 'COMMAND'], ['LATENCY', 'RESET'], ['LATENCY', 'LATEST']]), [':1\r\n', ':1\r\n', '*0\r\n']);
  });
});
