// CLIENT LIST / CLIENT INFO / CLIENT KILL against a real redis-server (2-thread Damselfly): the
// fields Redis 7.0.15 prints, in its order and format (Damselfly adds lib-name lib-ver thread after
// them); the values both must agree on for clients in each state (db, name, flags, sub/psub/ssub,
// multi, cmd, user, redir, resp); CLIENT LIST ID's order; CLIENT KILL's filters — how many go, and
// which — and errors. Only what must differ is normalised: ids, addresses, ports, fds, ages, memory.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RawClient, REDIS_AVAILABLE, SKIP_NO_REDIS, type Arg } from '../../test/harness.ts';
import { body, bothServers, fields, idOf, text } from '../../test/client-probes.ts';

/** A value's shape: what its format must agree on. */
function shape(name: string, v: string): string {
  if (name === 'addr' || name === 'laddr') return /^(\d+\.){3}\d+:\d+$/.test(v) ? 'ip:port' : v;
  if (/^-?\d+$/.test(v)) return v.startsWith('-') ? 'negative' : 'integer';
  return v === '' ? 'empty' : 'text';
}

/** Fields that must have the same value on both servers for a client in the same state. */
const AGREE = ['name', 'db', 'flags', 'sub', 'psub', 'ssub', 'multi', 'cmd', 'user', 'redir', 'resp', 'events'];

/** Client `id`'s line as `observer` sees it through CLIENT LIST ID. */
async function lineOf(observer: RawClient, id: string): Promise<[string, string][]> {
  return fields(body(await observer.call(['CLIENT', 'LIST', 'ID', id])));
}

/** Clients brought into a state by these commands (their replies are read). */
const STATES: Record<string, Arg[][]> = {
  'fresh': [],
  'named, in db 3': [['SELECT', '3'], ['CLIENT', 'SETNAME', 'worker-1']],
  'subscribed': [['SUBSCRIBE', 'ca', 'cb'], ['PSUBSCRIBE', 'p*'], ['SSUBSCRIBE', 'sc']],
  'in MULTI with 2 queued': [['MULTI'], ['SET', 'cl:k', '1'], ['GET', 'cl:k']],
  'RESP3, no-evict': [['HELLO', '3'], ['CLIENT', 'NO-EVICT', 'ON']],
  'tracking, BCAST': [['CLIENT', 'TRACKING', 'ON', 'BCAST']],
  'watching keys, one of them changed since (flag d)': [['WATCH', 'cl:w1', 'cl:w2', 'cl:w3'], ['SET', 'cl:w2', 'x'], ['CLIENT', 'NO-EVICT', 'ON']],
  'watching keys, none changed': [['WATCH', 'cl:w4', 'cl:w5']],
  'after an unknown subcommand': [['CLIENT', 'NOSUCH']],
  'after an unknown command': [['NOSUCHCOMMAND', 'x']],
  'after an arity error': [['GET']],
};

/** Reads one reply per command, a subscribe's confirmations counted per channel. */
async function bringTo(c: RawClient, cmds: Arg[][]): Promise<void> {
  for (const cmd of cmds) {
    c.send(cmd);
    const n = /subscribe$/i.test(String(cmd[0])) ? cmd.length - 1 : 1;
    for (let i = 0; i < n; i++) await c.readReply();
  }
}

describe('CLIENT LIST / INFO / KILL against redis-server', { skip: REDIS_AVAILABLE ? false : SKIP_NO_REDIS }, () => {
  const servers = bothServers();

  it("CLIENT INFO has Redis's fields in its order and format, then lib-name lib-ver thread", async () => {
    const shapes: Record<string, [string, string][]> = {};
    for (const [who, port] of [['redis', servers.redis().port], ['damselfly', servers.dfly().port]] as const) {
      const c = await RawClient.connect(port);
      const info = text(await c.call(['CLIENT', 'INFO']));
      assert.match(info, /^\$\d+\r\nid=/, `${who}: CLIENT INFO is a bulk string in RESP2`);
      shapes[who] = fields(body(Buffer.from(info, 'latin1'))).map(([k, v]) => [k, shape(k, v)]);
      const resp3 = text(await c.call(['HELLO', '3']).then(() => c.call(['CLIENT', 'INFO'])));
      assert.match(resp3, /^=\d+\r\ntxt:id=/, `${who}: CLIENT INFO is verbatim text in RESP3`);
      c.close();
    }
    // The caller's own query buffer and arguments while CLIENT INFO runs: its 26 bytes, 10 of arguments.
    for (const [who, port] of [['redis', servers.redis().port], ['damselfly', servers.dfly().port]] as const) {
      const c = await RawClient.connect(port);
      const line = new Map(fields(body(await c.call(['CLIENT', 'INFO']))));
      assert.deepEqual([line.get('qbuf'), line.get('argv-mem')], ['26', '10'], who);
      c.close();
    }
    const redisNames = shapes.redis.map(([k]) => k);
    assert.deepEqual(shapes.damselfly.slice(0, redisNames.length), shapes.redis);
    assert.deepEqual(
      shapes.damselfly.slice(redisNames.length).map(([k]) => k),
      ['lib-name', 'lib-ver', 'thread'],
    );
  });

  for (const [state, cmds] of Object.entries(STATES)) {
    it(`CLIENT LIST of a client ${state}: the values Redis gives`, async () => {
      await servers.same(async (port) => {
        const c = await RawClient.connect(port);
        const o = await RawClient.connect(port);
        const id = await idOf(c);
        await bringTo(c, cmds);
        const line = await lineOf(o, id);
        const transcript = line.filter(([k]) => AGREE.includes(k)).map(([k, v]) => `${k}=${v}`);
        c.close();
        o.close();
        return transcript;
      });
    });
  }

  it('CLIENT LIST shows the redirect of a tracking client (redir) and TYPE picks pubsub clients', async () => {
    await servers.same(async (port) => {
      const target = await RawClient.connect(port);
      const c = await RawClient.connect(port);
      const sub = await RawClient.connect(port);
      const [tid, cid, sid] = [await idOf(target), await idOf(c), await idOf(sub)];
      await c.call(['CLIENT', 'TRACKING', 'ON', 'REDIRECT', tid]);
      await bringTo(sub, [['SUBSCRIBE', 'x']]);
      const line = await lineOf(target, cid);
      const pubsub = body(await target.call(['CLIENT', 'LIST', 'TYPE', 'pubsub']));
      const normal = body(await target.call(['CLIENT', 'LIST', 'TYPE', 'normal']));
      const transcript = [
        'redir is the target: ' + (line.find(([k]) => k === 'redir')?.[1] === tid),
        'flags=' + line.find(([k]) => k === 'flags')?.[1],
        'pubsub has the subscriber: ' + pubsub.includes(`id=${sid} `),
        'pubsub has only it: ' + (pubsub.trim().split('\n').length === 1),
        'normal lacks it: ' + !normal.includes(`id=${sid} `),
        text(await target.call(['CLIENT', 'LIST', 'TYPE', 'master'])),
        text(await target.call(['CLIENT', 'LIST', 'TYPE', 'replica'])),
      ];
      for (const x of [target, c, sub]) x.close();
      return transcript;
    });
  });

  it("CLIENT INFO of a client whose watched key changed shows d (the keys' shards are asked)", async () => {
    await servers.same(async (port) => {
      const c = await RawClient.connect(port);
      const flags = async (): Promise<string> => new Map(fields(body(await c.call(['CLIENT', 'INFO'])))).get('flags')!;
      await c.call(['WATCH', 'ci:a', 'ci:b', 'ci:c', 'ci:d']);
      const before = await flags();
      await c.call(['DEL', 'ci:c']);
      await c.call(['SET', 'ci:d', '1']);
      const after = await flags();
      await c.call(['MULTI']);
      const transcript = [before, after, await flags(), text(await c.call(['EXEC'])), await flags()];
      c.close();
      return transcript;
    });
  });

  it('CLIENT LIST ID: lines in the order given, repeats repeated, unknown ids skipped; errors', async () => {
    await servers.same(async (port) => {
      const a = await RawClient.connect(port);
      const b = await RawClient.connect(port);
      const [ia, ib] = [await idOf(a), await idOf(b)];
      const ids = (reply: Buffer): string =>
        body(reply)
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => (l.startsWith(`id=${ia} `) ? 'a' : l.startsWith(`id=${ib} `) ? 'b' : '?'))
          .join(',');
      const transcript = [
        ids(await a.call(['CLIENT', 'LIST', 'ID', ib, ia, ib])),
        ids(await a.call(['CLIENT', 'LIST', 'ID', '999999', '0', '-5', ia])),
        text(await a.call(['CLIENT', 'LIST', 'ID', ia, 'x'])),
        text(await a.call(['CLIENT', 'LIST', 'ID'])),
        text(await a.call(['CLIENT', 'LIST', 'TYPE'])),
        text(await a.call(['CLIENT', 'LIST', 'TYPE', 'bogus'])),
        text(await a.call(['CLIENT', 'LIST', 'TYPE', 'normal', 'x'])),
        text(await a.call(['CLIENT', 'LIST', 'FOO', 'bar'])),
      ];
      a.close();
      b.close();
      return transcript;
    });
  });

  it('CLIENT KILL: each filter, several together, the old form — counts, who goes, errors', async () => {
    await servers.same(async (port) => {
      const me = await RawClient.connect(port);
      const n1 = await RawClient.connect(port);
      const n2 = await RawClient.connect(port);
      const n3 = await RawClient.connect(port);
      const s1 = await RawClient.connect(port);
      await bringTo(s1, [['SUBSCRIBE', 'kill-ch']]);
      const infoOf = async (c: RawClient): Promise<Map<string, string>> => new Map(fields(body(await c.call(['CLIENT', 'INFO']))));
      const [i1, i2, i3, iMe] = [await infoOf(n1), await infoOf(n2), await infoOf(n3), await infoOf(me)];
      const k = async (...args: string[]): Promise<string> => text(await me.call(['CLIENT', 'KILL', ...args]));
      const log: string[] = [];
      // Errors first (nothing is killed).
      for (const bad of [['TYPE', 'bogus'], ['ID', '0'], ['ID', 'abc'], ['ID', '-3'], ['USER', 'nobody'], ['SKIPME', 'maybe'], ['ID'], ['ID', '1', 'TYPE'], ['FOO', 'bar'], ['nosuch:1']]) log.push(await k(...bad));
      log.push(await k('TYPE', 'master'), await k('TYPE', 'replica'), await k('TYPE', 'slave'));
      // Several filters together: ADDR of a normal client with TYPE pubsub matches nobody.
      log.push(await k('ADDR', i1.get('addr')!, 'TYPE', 'pubsub'));
      log.push(await k('TYPE', 'pubsub'));
      log.push('s1 gone: ' + (await s1.readUntilClose().then(() => true)));
      log.push(await k('ADDR', i1.get('addr')!, 'LADDR', i1.get('laddr')!, 'USER', 'default'));
      log.push('n1 gone: ' + (await n1.readUntilClose().then(() => true)));
      log.push(await k(i2.get('addr')!)); // the old form: +OK
      log.push('n2 gone: ' + (await n2.readUntilClose().then(() => true)));
      log.push(await k(i2.get('addr')!)); // gone already: -ERR No such client
      log.push(await k('ID', i3.get('id')!, 'SKIPME', 'no'));
      log.push('n3 gone: ' + (await n3.readUntilClose().then(() => true)));
      log.push(await k('ID', iMe.get('id')!)); // SKIPME yes by default: 0
      log.push(text(await me.call(['PING'])));
      // Killing itself: answered, then closed.
      me.send(['CLIENT', 'KILL', 'ID', iMe.get('id')!, 'SKIPME', 'no']);
      log.push(text(await me.readReply()), 'me gone: ' + (await me.readUntilClose().then(() => true)));
      const transcript = log;
      return transcript;
    });
  });

  it('a monitor may not send a may-replicate command (PUBLISH), as Redis refuses a replica', async () => {
    await servers.same(async (port) => {
      const m = await RawClient.connect(port);
      const transcript = [text(await m.call(['MONITOR'])), text(await m.call(['PUBLISH', 'mon-ch', 'x'])), text(await m.call(['SPUBLISH', 'mon-ch', 'x']))];
      m.close();
      return transcript;
    });
  });

  it('CLIENT KILL MAXAGE (Redis 7.4; 7.0.15 answers a syntax error): clients at least that old', async () => {
    const old = await RawClient.connect(servers.dfly().port);
    const me = await RawClient.connect(servers.dfly().port);
    const id = await idOf(old);
    assert.equal(text(await me.call(['CLIENT', 'KILL', 'MAXAGE', '100000'])), ':0\r\n');
    assert.equal(text(await me.call(['CLIENT', 'KILL', 'MAXAGE', 'x'])), '-ERR value is not an integer or out of range\r\n');
    // Every client is at least 0 s old... MAXAGE 0 is no filter: with an ID it kills that one.
    assert.equal(text(await me.call(['CLIENT', 'KILL', 'MAXAGE', '0', 'ID', id])), ':1\r\n');
    await old.readUntilClose();
    me.close();
  });
});
