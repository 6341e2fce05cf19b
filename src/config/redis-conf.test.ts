import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaults } from './params.ts';
import { REWRITE_SIGNATURE, effectiveValues, quoteArg, rewriteRedisConf, splitArgs } from './redis-conf.ts';

test('splitArgs reads lines as Redis\'s sdssplitargs', () => {
  assert.deepEqual(splitArgs('  save 900   1 '), ['save', '900', '1']);
  assert.deepEqual(splitArgs('requirepass "a \\"b\\" \\x41\\n"'), ['requirepass', 'a "b" A\n']);
  assert.deepEqual(splitArgs("notify 'it\\'s'"), ['notify', "it's"]);
  assert.deepEqual(splitArgs('save ""'), ['save', '']);
  assert.equal(splitArgs('a "b'), null);
  assert.equal(splitArgs('a "b"c'), null);
  assert.equal(splitArgs("a 'b"), null);
  for (const s of ['', 'x y', '"q"', 'tab\there', '\x01\xff', 'back\\slash']) assert.deepEqual(splitArgs(`k ${quoteArg(s)}`), ['k', s]);
});

test('a redis.conf\'s effective settings: aliases, several save lines, save "", multi-argument values', () => {
  const v = effectiveValues('hash-max-ziplist-entries 7\nsave 900 1\nsave 300 10\nclient-output-buffer-limit pubsub 1mb 2mb 3\noom-score-adj-values "1 2 3"\n', defaults());
  assert.equal(typeof v, 'object');
  const c = v as Record<string, unknown>;
  assert.equal(c.hash_max_listpack_entries, 7);
  assert.equal(c.save, '900 1 300 10');
  assert.equal(c.client_output_buffer_limit, 'normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 2097152 3');
  assert.equal(c.oom_score_adj_values, '1 2 3');
  assert.equal((effectiveValues('save 900 1\nsave ""\n', defaults()) as Record<string, unknown>).save, '');
  assert.match(String(effectiveValues('hz 1 2\n', defaults())), /at line 1\n>>> 'hz 1 2'\nwrong number of arguments\n$/);
});

test('CONFIG REWRITE keeps comments and unknown lines, rewrites in place, appends under the signature, blanks extra lines', () => {
  const base = defaults();
  const cfg = { ...base, hz: 50, timeout: 9, maxmemory_policy: 'allkeys-lru', save: '60 1' };
  const old = '# top\nhz 10\n\ninclude /x.conf\nhz 11\nsave 900 1\nsave 300 10\nsave 60 10000\nnosuch 1\n';
  const out = rewriteRedisConf(old, cfg, base, '/data');
  assert.equal(out, [
    '# top', 'hz 50', '', 'include /x.conf', '', 'save 60 1', '', '# ??? nosuch 1', '',
    REWRITE_SIGNATURE, 'dir "/data"', 'maxmemory-policy allkeys-lru', 'timeout 9', '',
  ].join('\n'));
  // Rewriting again: the final newline reads as a last empty line, as in Redis (one blank line at the end), then nothing changes.
  const again = rewriteRedisConf(out, cfg, base, '/data');
  assert.equal(again, out + '\n');
  assert.equal(rewriteRedisConf(again, cfg, base, '/data'), again);
});
