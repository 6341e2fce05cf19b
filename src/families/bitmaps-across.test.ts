// BITOP across shards in the in-process rig: a streamed BITOP (sources of several windows of slices)
// is atomic with writes other clients send while it runs — a MULTI that sets one bit in each source
// lands wholly before or wholly after it, never between two of its slices.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { makeRig } from '../../test/inproc.ts';
import { BITS_SLICE } from './bitmaps.ts';

describe('BITOP across shards (in-process rig)', () => {
  it('is atomic with a concurrent MULTI writing both sources', async () => {
    const rig = makeRig(2);
    const a = rig.keyOn(1, 'a');
    const b = rig.keyOn(0, 'b');
    const dst = rig.keyOn(1, 'dst');
    const bytes = BITS_SLICE * 9 + 5; // two windows of slices
    const last = String(bytes * 8 - 1);
    const setup = rig.client(0);
    setup.send(['SETBIT', a, last, '0'], ['SETBIT', b, last, '0']);
    await rig.settle(() => setup.sock.replies().length === 2, 200);

    const op = rig.client(0);
    const writer = rig.client(1);
    op.send(['BITOP', 'OR', dst, a, b]);
    writer.send(['MULTI'], ['SETBIT', a, last, '1'], ['SETBIT', b, '0', '1'], ['EXEC']);
    await rig.settle(() => op.sock.replies().length === 1 && writer.sock.replies().length === 4, 2000);
    assert.deepEqual(op.sock.replies(), [`:${bytes}\r\n`]);

    const check = rig.client(0);
    check.send(['GETBIT', dst, '0'], ['GETBIT', dst, last], ['STRLEN', dst], ['BITCOUNT', dst]);
    await rig.settle(() => check.sock.replies().length === 4, 200);
    const [first, end, len, count] = check.sock.replies();
    assert.equal(len, `:${bytes}\r\n`);
    assert.equal(first, end, 'both writes before the BITOP, or both after');
    assert.equal(count, first === ':1\r\n' ? ':2\r\n' : ':0\r\n');
  });
});
