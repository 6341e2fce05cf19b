// The histogram's layout, percentiles and LATENCY HISTOGRAM buckets against values Redis's
// hdr_histogram gives (lowest 1, highest 1e9, 2 significant digits), and the sparkline LATENCY GRAPH draws.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { COUNTS_LEN, LatencyHistogram, valueAtIndex } from './latency-histogram.ts';
import { renderSparkline } from './sparkline.ts';

describe('LatencyHistogram (Redis hdr_histogram layout)', () => {
  it('has Redis\'s 3072 cells and clamps to 1 ns .. 1 s', () => {
    assert.equal(COUNTS_LEN, 3072);
    assert.equal(valueAtIndex(255), 255);
    assert.equal(valueAtIndex(256), 256);
    assert.equal(valueAtIndex(384), 512);
    const h = new LatencyHistogram();
    h.record(0);
    h.record(5e9);
    assert.equal(h.total, 2);
    assert.equal(h.valueAtPercentile(0), 1);
    assert.equal(h.valueAtPercentile(100), 1_002_438_655);
  });

  it('reports a percentile as the highest value of its cell (1 µs shows as 1.003)', () => {
    const h = new LatencyHistogram();
    h.record(1000);
    assert.equal(h.valueAtPercentile(50), 1003);
    for (let i = 0; i < 99; i++) h.record(200);
    assert.equal(h.valueAtPercentile(50), 200);
    assert.equal(h.valueAtPercentile(99), 200);
    assert.equal(h.valueAtPercentile(99.9), 1003);
  });

  it('gives LATENCY HISTOGRAM\'s cumulative power-of-two buckets', () => {
    const h = new LatencyHistogram();
    h.record(1000);
    assert.deepEqual(h.cumulativeUsec(), [[1, 1]]);
    h.record(3000);
    h.record(3000);
    h.record(40_000);
    assert.deepEqual(h.cumulativeUsec(), [[1, 1], [4, 3], [66, 4]]);
    const merged = new LatencyHistogram();
    const cells = h.sparse();
    for (let k = 0; k < cells.length; k += 2) merged.addAt(cells[k], cells[k + 1]);
    assert.deepEqual(merged.cumulativeUsec(), h.cumulativeUsec());
  });
});

describe('renderSparkline (Redis sparkline.c, filled)', () => {
  it('draws rows of _o#| and vertical labels', () => {
    const out = renderSparkline([{ value: 1, label: '2s' }, { value: 10, label: '1s' }], 80, 4);
    assert.equal(out, ' #\n |\n |\n_|\n  \n21\nss\n');
  });
});
