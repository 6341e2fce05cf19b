// CommandTable: every spec has a handler and every handler a spec; key positions come from the specs'
// key_specs (checked against the legacy first/last/step triple); arity and flags come from the specs.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { OP_BASE, TX_FRAME } from './shard-ops.ts';
import { Command, CommandTable, FLAG_FAST, FLAG_NOAUTH, FLAG_READONLY, FLAG_WRITE, FLAG_DENYOOM, FACT_RUN_IN_MULTI, FACT_RUNS_QUEUE, buildTable, compileSpec, loadSpecs, type CommandSpec } from './command-table.ts';
import { generate, generateJson, OUT_FILE, OUT_JSON, readSpecs } from '../../scripts/gen-commands.ts';
import { buildServerTable, FAMILIES } from '../registry.ts';
import type { CommandImpl } from './command-types.ts';

const specs = readSpecs();
const byName = new Map(specs.map((s) => [s.name, s]));
const argv = (...a: string[]): Buffer[] => a.map((s) => Buffer.from(s));
const dummy: CommandImpl = { conn: () => undefined };

function specCommand(name: string): Command {
  const spec = byName.get(name);
  assert.ok(spec, `spec ${name}`);
  return new Command(spec, dummy);
}

describe('generated command table', () => {
  it('is fresh: the generated files are what the specs generate', () => {
    const fresh = generate(specs) === readFileSync(OUT_FILE, 'utf8') && generateJson(specs) === readFileSync(OUT_JSON, 'utf8');
    assert.ok(fresh, 'src/server/command-table.generated.ts / command-specs.generated.json are stale: run `npm run gen:commands` and commit the result');
  });

  it('carries every spec as written, with the bits compileSpec gives', () => {
    const compiled = loadSpecs();
    assert.equal(compiled.length, specs.length);
    for (let i = 0; i < specs.length; i++) {
      assert.deepEqual(compiled[i].spec, specs[i]);
      assert.deepEqual(compiled[i], compileSpec(specs[i]), specs[i].name);
    }
  });

  it('facts: EXEC runs the queue and, with DISCARD, runs inside MULTI; GET has no facts', () => {
    const t = buildServerTable();
    const exec = t.lookup(Buffer.from('exec'))!;
    assert.ok(exec.hasFact(FACT_RUNS_QUEUE) && exec.hasFact(FACT_RUN_IN_MULTI));
    assert.ok(t.lookup(Buffer.from('discard'))!.hasFact(FACT_RUN_IN_MULTI));
    assert.equal(t.lookup(Buffer.from('get'))!.facts, 0);
  });

  it('the generator refuses unknown flags and facts', () => {
    const get = specs.find((s) => s.name === 'get')!;
    assert.throws(() => generate([{ ...get, flags: ['nosuchflag'] }]), /unknown flag nosuchflag/);
    assert.throws(() => generate([{ ...get, damselfly: { nosuch: true } as never }]), /unknown damselfly fact nosuch/);
  });
});

describe('command table completeness', () => {
  it('every handler has a spec (buildServerTable does not throw)', () => {
    assert.doesNotThrow(() => buildServerTable());
  });

  it('every spec has a handler (missing is empty)', () => {
    const table = buildServerTable();
    assert.deepEqual(table.missing, [], `specs without a handler: ${table.missing.join(' ')}`);
  });

  it('every registered name is a spec name, registered once, and internal commands are "__"-prefixed', () => {
    const seen = new Set<string>();
    for (const [fam, f] of Object.entries(FAMILIES)) {
      for (const name of Object.keys(f.commands)) {
        assert.ok(byName.has(name), `${fam}: ${name} has no spec`);
        assert.ok(!seen.has(name), `${name} registered twice`);
        seen.add(name);
        const impl = f.commands[name];
        if (!name.includes('|') && byName.get(name)!.key_specs.length > 0) {
          assert.ok(impl.shard !== undefined || impl.conn !== undefined || impl.connAsync !== undefined, `${name}: no handler function`);
        }
      }
    }
  });

  it('the command table holds client commands only; shard operations have a registry of their own', () => {
    const t = buildServerTable();
    for (const cmd of t.all) assert.ok(!cmd.name.startsWith('__'), `${cmd.name}: an internal command in the client table`);
    const names = new Set<string>();
    t.ops.all.forEach((op, i) => {
      assert.ok(!names.has(op.name), `operation ${op.name} registered twice`);
      names.add(op.name);
      assert.equal(op.index, OP_BASE + i);
      assert.equal(t.ops.byIndex(op.index), op);
    });
    assert.ok(t.all.length < TX_FRAME, 'command numbers stay below the transaction frame and the operations');
  });

  it('buildTable rejects a handler without a spec and lists specs without handlers', () => {
    const some = specs.filter((s) => s.name === 'get' || s.name === 'set');
    assert.throws(() => buildTable(some, new Map([['get', dummy], ['nosuchcmd', dummy]])), /nosuchcmd/);
    const t = buildTable(some, new Map([['get', dummy]]));
    assert.deepEqual(t.missing, ['set']);
  });

  it('subcommands attach to their container; lookups are case-insensitive', () => {
    const t = buildTable(
      specs.filter((s) => s.name === 'client' || s.name === 'client|id' || s.name === 'get'),
      new Map([['client', {}], ['client|id', dummy], ['get', dummy]]),
    );
    const client = t.lookup(Buffer.from('CLIENT'))!;
    assert.equal(client.name, 'client');
    assert.equal(CommandTable.sub(client, Buffer.from('Id'))!.name, 'client|id');
    assert.equal(CommandTable.sub(client, Buffer.from('nope')), undefined);
    assert.equal(t.lookup(Buffer.from('gEt'))!.name, 'get');
    assert.ok(t.visible().every((c) => c.parent === null));
    // Indexes are positions in `all`.
    t.all.forEach((c, i) => assert.equal(c.index, i));
  });
});

describe('key extraction from key_specs', () => {
  it('GET', () => {
    const c = specCommand('get');
    assert.deepEqual(c.keyIndexes(argv('GET', 'k')), [1]);
    assert.equal(c.singleKeyIndex, 1);
  });

  it('SET (options are not keys)', () => {
    assert.deepEqual(specCommand('set').keyIndexes(argv('SET', 'k', 'v', 'EX', '10', 'GET')), [1]);
  });

  it('MSET: every other argument', () => {
    const c = specCommand('mset');
    assert.deepEqual(c.keyIndexes(argv('MSET', 'a', '1', 'b', '2', 'c', '3')), [1, 3, 5]);
    assert.deepEqual(c.keyIndexes(argv('MSET', 'a', '1')), [1]);
    assert.equal(c.singleKeyIndex, 0);
  });

  it('MSET with an odd argument count still names the keys it has', () => {
    assert.deepEqual(specCommand('mset').keyIndexes(argv('MSET', 'a', '1', 'b')), [1, 3]);
  });

  it('LCS: two keys, options ignored', () => {
    const c = specCommand('lcs');
    assert.deepEqual(c.keyIndexes(argv('LCS', 'k1', 'k2', 'IDX', 'MINMATCHLEN', '4')), [1, 2]);
    assert.equal(c.singleKeyIndex, 0);
  });

  it('EXISTS / DEL / MGET: every argument', () => {
    for (const name of ['exists', 'del', 'mget', 'touch', 'unlink']) {
      assert.deepEqual(specCommand(name).keyIndexes(argv(name, 'a', 'b', 'c')), [1, 2, 3], name);
      assert.deepEqual(specCommand(name).keyIndexes(argv(name, 'a')), [1], name);
    }
  });

  it('RENAME / COPY: source and destination', () => {
    assert.deepEqual(specCommand('rename').keyIndexes(argv('RENAME', 'a', 'b')), [1, 2]);
    assert.deepEqual(specCommand('copy').keyIndexes(argv('COPY', 'a', 'b', 'DB', '1', 'REPLACE')), [1, 2]);
  });

  it('OBJECT ENCODING: the key after the subcommand', () => {
    assert.deepEqual(specCommand('object|encoding').keyIndexes(argv('OBJECT', 'ENCODING', 'k')), [2]);
  });

  it('routing and COMMAND GETKEYS share one extractor: a failing keynum spec falls back to the getkeys function', () => {
    const t = buildServerTable();
    const z = t.lookup(Buffer.from('zunionstore'))!;
    assert.deepEqual(z.keyIndexes(argv('ZUNIONSTORE', 'd', '2', 'a', 'b')), [1, 3, 4]);
    assert.deepEqual(z.keyIndexes(argv('ZUNIONSTORE', 'd', '1x', 'a', 'b')), [3, 1]); // atoi, as Redis's proc
    assert.deepEqual(z.keyIndexes(argv('ZUNIONSTORE', 'd', '3', 'a', 'b')), []);
    const flags: (readonly string[])[] = [];
    assert.deepEqual(t.lookup(Buffer.from('set'))!.keyIndexes(argv('SET', 'k', 'v', 'get'), flags), [1]);
    assert.deepEqual(flags, [['RW', 'access', 'update']]);
    const sort = t.lookup(Buffer.from('sort'))!;
    assert.deepEqual(sort.keyIndexes(argv('SORT', 'a', 'STORE', 'b')), [1, 3]);
  });

  it('the single-key fast path agrees with the extractor for every command that has it', () => {
    for (const cmd of buildServerTable().all) {
      if (cmd.singleKeyIndex === 0) continue;
      assert.ok(Math.abs(cmd.arity) > cmd.singleKeyIndex, `${cmd.name}: arity ${cmd.arity} lets the key be missing`);
      const min = Math.abs(cmd.arity);
      for (let argc = min; argc <= min + 3; argc++) {
        if (cmd.arity > 0 && argc !== cmd.arity) continue;
        const args = Array.from({ length: argc }, (_, i) => Buffer.from(i === 0 ? cmd.name : `a${i}`));
        assert.deepEqual(cmd.keyIndexes(args), [cmd.singleKeyIndex], `${cmd.name} with ${argc} args`);
      }
    }
  });

  it('a spec naming a getkeys function nobody provides, or a handler getKeys the spec does not name, is refused', () => {
    const get = byName.get('get')!;
    assert.throws(() => new Command({ ...get, damselfly: { getKeysFunction: 'nosuchGetKeys' } }, dummy), /nosuchGetKeys/);
    assert.throws(() => new Command(get, { ...dummy, getKeys: () => [] }), /getKeysFunction/);
  });

  it('keyless commands have no keys', () => {
    for (const name of ['ping', 'echo', 'hello', 'select', 'dbsize', 'keys', 'scan', 'flushall', 'client|list']) {
      assert.deepEqual(specCommand(name).keyIndexes(argv(name, 'x', 'y')), [], name);
    }
  });

  it('every index/range spec agrees with the legacy first_key/last_key/key_step', () => {
    for (const spec of specs) {
      if (spec.key_specs.length === 0) continue;
      if (!spec.key_specs.every((k) => k.begin_search.type === 'index' && k.find_keys.type === 'range')) continue;
      // Shard channels (SPUBLISH, SSUBSCRIBE...): legacy first_key names them, the not_key spec says they are no keys.
      if (spec.key_specs.every((k) => k.flags.includes('not_key'))) continue;
      const c = new Command(spec, dummy);
      for (let argc = Math.max(Math.abs(spec.arity), 2); argc <= 9; argc++) {
        if (spec.arity > 0 && argc !== spec.arity) continue;
        const args = Array.from({ length: argc }, (_, i) => Buffer.from(`a${i}`));
        const legacy: number[] = [];
        const last = spec.last_key < 0 ? argc + spec.last_key : spec.last_key;
        for (let i = spec.first_key; i <= last && i < argc; i += spec.key_step) legacy.push(i);
        const got = [...new Set(c.keyIndexes(args))].sort((x, y) => x - y);
        assert.deepEqual(got, legacy, `${spec.name} with ${argc} args`);
      }
    }
  });
});

describe('arity and flags come from the specs', () => {
  const table = buildServerTable();

  it('every command in the table carries its spec arity and flags', () => {
    const bits: Record<string, number> = { write: FLAG_WRITE, readonly: FLAG_READONLY, denyoom: FLAG_DENYOOM, no_auth: FLAG_NOAUTH, fast: FLAG_FAST };
    for (const cmd of table.all) {
      const spec = byName.get(cmd.name) as CommandSpec;
      assert.ok(spec, cmd.name);
      assert.deepEqual(cmd.spec, spec, cmd.name);
      assert.equal(cmd.arity, spec.arity, `${cmd.name} arity`);
      for (const [flag, bit] of Object.entries(bits)) {
        assert.equal(cmd.hasFlag(bit), spec.flags.includes(flag), `${cmd.name} flag ${flag}`);
      }
    }
  });

  it('known facts: GET 2 readonly fast; SET -3 write denyoom; MSET -3; AUTH/HELLO/QUIT no_auth', () => {
    const get = table.lookup(Buffer.from('get'))!;
    assert.equal(get.arity, 2);
    assert.ok(get.hasFlag(FLAG_READONLY) && get.hasFlag(FLAG_FAST) && !get.hasFlag(FLAG_WRITE));
    const set = table.lookup(Buffer.from('SET'))!;
    assert.equal(set.arity, -3);
    assert.ok(set.hasFlag(FLAG_WRITE) && set.hasFlag(FLAG_DENYOOM));
    assert.equal(table.lookup(Buffer.from('mset'))!.arity, -3);
    for (const n of ['auth', 'hello', 'quit']) assert.ok(table.lookup(Buffer.from(n))!.hasFlag(FLAG_NOAUTH), n);
    assert.ok(!table.lookup(Buffer.from('ping'))!.hasFlag(FLAG_NOAUTH));
  });
});
