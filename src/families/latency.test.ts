// The latency monitor's pieces on synthetic samples: one sample per second (the worst), DOCTOR's
// report in Redis's shape ("Dave, ..." cases, "I have a few advices"), GRAPH's header and art.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LatencySeries } from '../server/call-timing.ts';
import { latencyGraph, latencyReport } from './latency.ts';

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
