// Connection and ShardWorker core, in process (test/inproc.ts: real workers and mesh rings in one
// thread, fake sockets, the mesh pumped by hand): replies that are ready go out while later ones are
// still in flight, database indexes above 255 reach remote shards, a handler or merge that throws
// answers with an error instead of hanging the client or killing the worker, and shutdown serves
// requests still in flight between workers.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Socket } from 'node:net';
import { makeRig } from '../../test/inproc.ts';
import { encodeCommand, waitFor } from '../../test/harness.ts';
import { Connection } from './connection.ts';
import { DB_SIZE } from '../families/keyspace-flush.ts';
import { DUMP } from '../families/keyspace-move.ts';
import type { ShardOp } from './shard-ops.ts';

/** Runs `body` with shard operation `op` replaced by one that throws (ops are shared objects). */
async function withThrowingOp(op: ShardOp<any, any>, body: () => Promise<void>): Promise<void> {
  const saved = op.run;
  op.run = () => {
    throw new Error('boom');
  };
  try {
    await body();
  } finally {
    op.run = saved;
  }
}

describe('Connection: replies in flight', () => {
  it('a ready reply goes out on the next read batch while a later one is still in flight', () => {
    const rig = makeRig(2);
    const [a, b] = rig.workers;
    const { sock, send } = rig.client(0);
    const k = rig.keyOn(1);
    send(['SET', k, 'v1']); // remote: pending
    a.mesh.flushAll();
    b.mesh.drain(); // executed; its reply is in the ring back to worker 0
    send(['GET', k]); // remote: pending
    a.mesh.drain(); // SET's reply arrives; GET is still out
    send(['PING']); // another read batch: SET's reply must not wait for GET's
    assert.deepEqual(sock.replies(), ['+OK\r\n']);
    rig.pump();
    assert.deepEqual(sock.replies(), ['+OK\r\n', '$2\r\nv1\r\n', '+PONG\r\n']);
  });

  it('a client streaming remote commands gets its replies while it streams (no unbounded queue)', () => {
    const rig = makeRig(2);
    const [a, b] = rig.workers;
    const { sock, send } = rig.client(0);
    const k = rig.keyOn(1);
    // Each round: a new batch arrives while the previous batch's reply is still on its way.
    for (let i = 0; i < 100; i++) {
      send(['INCR', k]);
      a.mesh.drain(); // the previous INCR's reply arrives; this one's request goes out
      b.mesh.drain(); // this one runs; its reply is on its way back
    }
    // Every reply but the last few has been written already.
    assert.ok(sock.replies().length >= 98, `only ${sock.replies().length} of 100 replies written while streaming`);
    rig.pump();
    assert.deepEqual(
      sock.replies(),
      Array.from({ length: 100 }, (_, i) => `:${i + 1}\r\n`),
    );
  });
});

describe('Connection: clients that go away with work in flight', () => {
  it('a client that disconnects with replies and a multi-hop command in flight leaves nothing behind', async () => {
    const rig = makeRig(2);
    const a = rig.workers[0];
    const gone = rig.client(0);
    const other = rig.client(0);
    gone.send(['SET', rig.keyOn(1, 'x'), '1'], ['RENAME', rig.keyOn(0, 'x'), rig.keyOn(1, 'y')], ['GET', rig.keyOn(1, 'z')]);
    other.send(['GET', rig.keyOn(1, 'x')]);
    gone.sock.emit('close');
    await rig.settle(() => other.sock.replies().length >= 1);
    await rig.settle();
    assert.deepEqual(gone.sock.replies(), []);
    assert.deepEqual(other.sock.replies(), ['$1\r\n1\r\n']);
    assert.equal(a.clients.has(gone.conn.id), false);
    assert.equal(a.out.pending, 0);
    other.send(['MGET', rig.keyOn(0, 'x'), rig.keyOn(1, 'x')], ['PING']);
    await rig.settle(() => other.sock.replies().length >= 3);
    assert.deepEqual(other.sock.replies().slice(1), ['*2\r\n$-1\r\n$1\r\n1\r\n', '+PONG\r\n']);
  });

  it('a blocked client that goes away in the instant a shard serves it: the element goes back', async () => {
    const rig = makeRig(2);
    const key = rig.keyOn(1, 'q');
    const blocked = rig.client(0);
    blocked.send(['BLPOP', key, '0']);
    await rig.settle(() => rig.workers[1].blocking.waiters.size === 1);
    assert.equal(rig.workers[1].blocking.waiters.size, 1);
    const pusher = rig.client(1);
    // The push serves the waiter at once on shard 1 (the reply is staged for worker 0) ...
    pusher.send(['RPUSH', key, 'a', 'b']);
    assert.equal(rig.workers[1].blocking.waiters.size, 0);
    // ... and the client disconnects before that reply reaches its thread.
    blocked.sock.emit('close');
    await rig.settle();
    pusher.send(['LRANGE', key, '0', '-1']);
    await rig.settle(() => pusher.sock.replies().length >= 2);
    assert.deepEqual(pusher.sock.replies(), [':2\r\n', '*2\r\n$1\r\na\r\n$1\r\nb\r\n']);
    assert.deepEqual(blocked.sock.replies(), []);
  });

  it('CLIENT KILL from another worker closes a client whose replies are still in flight', () => {
    const rig = makeRig(2);
    const victim = rig.client(0);
    const killer = rig.client(1);
    victim.send(['GET', rig.keyOn(1)], ['GET', rig.keyOn(1, 'q')]);
    killer.send(['CLIENT', 'KILL', 'ID', String(victim.conn.id)], ['PING']);
    rig.pump();
    assert.ok(victim.sock.destroyed);
    assert.deepEqual(victim.sock.replies(), []);
    assert.deepEqual(killer.sock.replies(), [':1\r\n', '+PONG\r\n']);
    assert.equal(rig.workers[0].clients.has(victim.conn.id), false);
    killer.send(['GET', rig.keyOn(0)]);
    rig.pump();
    assert.deepEqual(killer.sock.replies().slice(2), ['$-1\r\n']);
  });
});

describe('Connection: output to a real socket', () => {
  it('flushes a huge batch of small replies to a backed-up socket without a write error', async () => {
    const rig = makeRig(2);
    const a = rig.workers[0];
    let serverSock: Socket | null = null;
    const srv = createServer({ allowHalfOpen: true }, (s) => (serverSock = s));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const client = connect((srv.address() as { port: number }).port, '127.0.0.1');
    try {
      await new Promise<void>((r) => client.once('connect', () => r()));
      await waitFor(() => serverSock !== null, 'server side of the connection');
      const sock = serverSock as unknown as Socket;
      client.pause(); // not reading yet: the server's socket backs up
      let got = 0;
      client.on('data', (d: Buffer) => (got += d.length));
      let errored: Error | null = null;
      sock.on('error', (e) => (errored = e));
      const conn = new Connection(a, sock, 1n);
      a.clients.set(1n, conn);
      const big = rig.keyOn(0, 'big');
      const get = encodeCommand(['GET', rig.keyOn(1)]);
      const size = 8 * 1024 * 1024;
      sock.emit('data', encodeCommand(['SET', big, Buffer.alloc(size, 0x78)]));
      sock.emit('data', encodeCommand(['GET', big]));
      let expect = 5 + `$${size}\r\n`.length + size + 2;
      // Rounds of many remote GETs: their replies complete together and are written in one go.
      for (let round = 0; round < 20; round++) {
        sock.emit('data', Buffer.concat(Array(60000).fill(get)));
        rig.pump();
        expect += 60000 * 5;
        await new Promise((r) => setImmediate(r));
      }
      client.resume();
      // The client is held at --client_inflight_limit replies in flight: the rest go out as they come back.
      await waitFor(() => (rig.pump(), got >= expect || errored !== null), 'every reply received', 15_000);
      assert.equal(errored, null);
      assert.equal(got, expect);
    } finally {
      client.destroy();
      srv.close();
    }
  });
});

describe('CLIENT REPLY', () => {
  it('OFF and SKIP also silence a failing CLIENT REPLY, and SKIP is used up by it (as Redis)', () => {
    const rig = makeRig(1);
    const { sock, send } = rig.client(0);
    send(
      ['CLIENT', 'REPLY', 'OFF'],
      ['CLIENT', 'REPLY', 'MAYBE'], // silenced: replies are off
      ['CLIENT', 'REPLY', 'ON'],
      ['ECHO', 'a'],
      ['CLIENT', 'REPLY', 'SKIP'],
      ['CLIENT', 'REPLY', 'MAYBE'], // skipped (and the skip is used up)
      ['PING'],
      ['CLIENT', 'REPLY', 'SKIP'],
      ['CLIENT', 'REPLY'], // wrong arity: skipped
      ['PING'],
      ['CLIENT', 'REPLY', 'SKIP'],
      ['CLIENT', 'REPLY', 'SKIP'],
      ['ECHO', 'hidden'],
      ['ECHO', 'b'],
      ['CLIENT', 'REPLY', 'SKIP'],
      ['CLIENT', 'REPLY', 'ON'], // ON answers even when skipped
      ['ECHO', 'c'],
      ['CLIENT', 'REPLY', 'SKIP'],
      ['CLIENT', 'REPLY', 'OFF'],
      ['ECHO', 'hidden2'],
      ['CLIENT', 'REPLY', 'on'],
      ['ECHO', 'd'],
    );
    // The exact bytes redis-server 7.0.15 sends for this pipeline.
    assert.equal(sock.output().toString('latin1'), '+OK\r\n$1\r\na\r\n+PONG\r\n+PONG\r\n$1\r\nb\r\n+OK\r\n$1\r\nc\r\n+OK\r\n$1\r\nd\r\n');
  });

  it('RESET turns replies back on and answers; after SKIP its answer is skipped (as Redis)', () => {
    const rig = makeRig(1);
    const { sock, send } = rig.client(0);
    send(
      ['CLIENT', 'REPLY', 'OFF'],
      ['RESET'],
      ['ECHO', 'a'],
      ['CLIENT', 'REPLY', 'SKIP'],
      ['RESET'],
      ['ECHO', 'b'],
      ['CLIENT', 'REPLY', 'OFF'],
      ['HELLO', '3'],
      ['RESET'],
      ['ECHO', 'c'],
    );
    // The exact bytes redis-server 7.0.15 sends for this pipeline.
    assert.equal(sock.output().toString('latin1'), '+RESET\r\n$1\r\na\r\n$1\r\nb\r\n+RESET\r\n$1\r\nc\r\n');
  });
});

describe('Fan-outs', () => {
  it('a fanned-out reply keeps the protocol of its command when a later HELLO changes it', async () => {
    const rig = makeRig(2);
    const { sock, send } = rig.client(0);
    send(['CLIENT', 'LIST', 'TYPE', 'normal'], ['HELLO', '3'], ['CLIENT', 'LIST', 'TYPE', 'normal'], ['RESET'], ['DBSIZE']);
    await rig.settle(() => sock.replies().length >= 5);
    const replies = sock.replies();
    assert.equal(replies.length, 5);
    assert.match(replies[0], /^\$\d+\r\nid=/, 'CLIENT LIST sent under RESP2: a bulk string');
    assert.match(replies[1], /^%7\r\n/);
    assert.match(replies[2], /^=\d+\r\ntxt:id=/, 'CLIENT LIST sent under RESP3: a verbatim string');
    assert.equal(replies[3], '+RESET\r\n');
    assert.equal(replies[4], ':0\r\n');
  });
});

describe('Command stats', () => {
  it('a multi-hop command that fails before its first hop is counted as failed', async () => {
    const rig = makeRig(2);
    const a = rig.workers[0];
    const { sock, send } = rig.client(0);
    send(['COPY', rig.keyOn(0, 'a'), rig.keyOn(1, 'b'), 'DB', '99999']);
    await rig.settle(() => sock.replies().length >= 1);
    assert.deepEqual(sock.replies(), ['-ERR DB index is out of range\r\n']);
    const copy = a.command('copy');
    assert.equal(a.cmdStats.calls[copy.index], 1);
    assert.equal(a.cmdStats.failed[copy.index], 1);
    assert.equal(a.stats.errors.get('ERR'), 1);
  });
});

describe('Mesh frames', () => {
  it('a database index above 255 reaches the remote shard intact', () => {
    const rig = makeRig(2, { config: { dbnum: 1024 } });
    const { send, sock } = rig.client(0);
    const k = rig.keyOn(1);
    send(['SELECT', '300'], ['SET', k, 'v'], ['SELECT', '44'], ['EXISTS', k], ['SELECT', '300'], ['EXISTS', k]);
    rig.pump();
    assert.deepEqual(sock.replies(), ['+OK\r\n', '+OK\r\n', '+OK\r\n', ':0\r\n', '+OK\r\n', ':1\r\n']);
    assert.equal(rig.workers[1].shard.dbs[300].size, 1);
    assert.equal(rig.workers[1].shard.dbs[44].size, 0);
  });
});

describe('Handler bugs are contained', () => {
  it('a handler that throws after queuing its reply slot is answered in that slot (no hang)', async () => {
    const rig = makeRig(2, {
      overrides: {
        dbsize: {
          conn: (c, _a, w) => {
            c.addPending(w);
            throw new Error('after queuing');
          },
        },
      },
    });
    const { sock, send } = rig.client(0);
    send(['PING'], ['DBSIZE'], ['PING']);
    await rig.settle(() => sock.replies().length >= 3);
    assert.deepEqual(sock.replies(), ['+PONG\r\n', '-ERR internal error: after queuing\r\n', '+PONG\r\n']);
  });

  it('a shard handler that throws on the local part of a fan-out answers an error (no hang)', () => withThrowingOp(DB_SIZE, async () => {
    const rig = makeRig(2);
    const { sock, send } = rig.client(0);
    send(['DBSIZE'], ['PING']);
    await rig.settle(() => sock.replies().length >= 2);
    assert.deepEqual(sock.replies(), ['-ERR internal error: boom\r\n', '+PONG\r\n']);
    // Nothing of the failed reply stays behind in the shared writers.
    for (const w of rig.workers) {
      assert.equal(w.scratchLocal.pending, 0);
      assert.equal(w.scratch.pending, 0);
      assert.equal(w.out.pending, 0);
    }
    send(['GET', rig.keyOn(0)], ['GET', rig.keyOn(1)], ['MGET', rig.keyOn(0), rig.keyOn(1)]);
    await rig.settle(() => sock.replies().length >= 5);
    assert.deepEqual(sock.replies().slice(2), ['$-1\r\n', '$-1\r\n', '*2\r\n$-1\r\n$-1\r\n']);
  }));

  it('a shard handler that throws inside a multi-hop command answers an error and leaves no bytes behind', () => withThrowingOp(DUMP, async () => {
    const rig = makeRig(2);
    const { sock, send } = rig.client(0);
    // COPY across shards reads the source with DUMP on the source's shard (here the local one).
    send(['COPY', rig.keyOn(0, 'a'), rig.keyOn(1, 'b')], ['PING']);
    await rig.settle(() => sock.replies().length >= 2);
    assert.deepEqual(sock.replies(), ['-ERR internal error: boom\r\n', '+PONG\r\n']);
    assert.equal(rig.workers[0].scratchLocal.pending, 0);
  }));

  it('a multi-hop command that fails after writing part of its reply answers only the error', async () => {
    const rig = makeRig(2, {
      overrides: {
        copy: {
          multi: async (_c, _a, w) => {
            w.array(2);
            await Promise.resolve();
            throw new Error('boom');
          },
        },
      },
    });
    const { sock, send } = rig.client(0);
    send(['COPY', rig.keyOn(0, 'a'), rig.keyOn(1, 'b')], ['PING']);
    await rig.settle(() => sock.output().includes('PONG'));
    assert.deepEqual(sock.replies(), ['-ERR internal error: boom\r\n', '+PONG\r\n']);
  });

  it('a merge that throws when the last part arrives from the mesh answers an error (the worker survives)', () => {
    const rig = makeRig(2, {
      overrides: {
        dbsize: {
          conn: (c, _a, w) =>
            c.coord.broadcastOp(DB_SIZE, null, () => {
              throw new Error('merge boom');
            }, w),
        },
      },
    });
    const { sock, send } = rig.client(0);
    send(['DBSIZE'], ['PING']);
    assert.doesNotThrow(() => rig.pump());
    assert.deepEqual(sock.replies(), ['-ERR internal error: merge boom\r\n', '+PONG\r\n']);
    assert.equal(rig.workers[0].scratch.pending, 0);
  });
});

describe('Shutdown', () => {
  it('a worker keeps serving its peers until every worker has closed its clients', async () => {
    const rig = makeRig(2);
    for (const w of rig.workers) w.mesh.start();
    try {
      const { sock, send } = rig.client(0);
      send(['GET', rig.keyOn(1)]);
      // Worker 1 has no client of its own: it is done closing at once, before worker 0's request crossed.
      await rig.workers[1].shutdown();
      await rig.workers[0].shutdown();
      await waitFor(() => sock.ended, 'client of worker 0 answered and closed', 3000);
      assert.deepEqual(sock.replies(), ['$-1\r\n']);
    } finally {
      for (const w of rig.workers) w.stop();
    }
  });
});
