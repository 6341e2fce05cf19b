// Command-line flags, Dragonfly style: --flag=value, --flag value, --flag / --noflag for booleans,
// --flagfile=FILE (one flag per line, # comments), --help, --version; Redis's names and its
// `--name word word` form for several-argument settings are accepted too.
// Invariants: parsing is pure (returns values or a usage error); main decides how to exit.

import { readFileSync } from 'node:fs';
import { PARAMS, defaults, paramByConfig, paramByFlag, parseValue, type ConfigValues } from './params.ts';

export type FlagResult =
  | { kind: 'run'; config: ConfigValues }
  | { kind: 'help'; text: string }
  | { kind: 'version' }
  | { kind: 'error'; message: string };

export function parseFlags(argv: string[], base: ConfigValues = defaults(), depth = 0): FlagResult {
  const config = { ...base };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('-')) return { kind: 'error', message: `unexpected argument '${arg}'` };
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    let name = eq >= 0 ? body.slice(0, eq) : body;
    let value: string | undefined = eq >= 0 ? body.slice(eq + 1) : undefined;
    if (name === 'help' || name === 'helpfull') return { kind: 'help', text: helpText() };
    if (name === 'version') return { kind: 'version' };
    if (name === 'flagfile') {
      if (value === undefined) value = argv[++i];
      if (value === undefined) return { kind: 'error', message: 'flag --flagfile needs a value' };
      if (depth > 8) return { kind: 'error', message: 'flagfile nesting too deep' };
      let text: string;
      try {
        text = readFileSync(value, 'utf8');
      } catch (e) {
        return { kind: 'error', message: `cannot read flagfile '${value}': ${(e as Error).message}` };
      }
      const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
      const r = parseFlags(lines, config, depth + 1);
      if (r.kind !== 'run') return r;
      Object.assign(config, r.config);
      continue;
    }
    // Redis's names work too (`--databases 4`, as redis-server takes them).
    let p = paramByFlag(name) ?? paramByConfig(name);
    if (p === undefined && name.startsWith('no') && value === undefined) {
      const q = paramByFlag(name.slice(2));
      if (q !== undefined && q.type === 'bool') {
        config[q.flag] = false;
        continue;
      }
    }
    if (p === undefined) return { kind: 'error', message: `unknown command line flag '${name}'` };
    if (value === undefined) {
      if (p.type === 'bool') {
        const next = argv[i + 1];
        if (next !== undefined && /^(true|false|yes|no|1|0)$/i.test(next)) value = argv[++i];
        else value = 'true';
      } else {
        value = argv[++i];
        if (value === undefined) return { kind: 'error', message: `flag '--${name}' is missing its value` };
        // Redis's command line: a several-argument setting takes the words up to the next option (--save 900 1 300 10).
        while (p.multiArg === true && argv[i + 1] !== undefined && !argv[i + 1].startsWith('--')) value += ' ' + argv[++i];
      }
    }
    const r = parseValue(p, value);
    if ('error' in r) return { kind: 'error', message: `illegal value '${value}' specified for flag '${name}': ${r.error}` };
    config[p.flag] = r.value;
  }
  return { kind: 'run', config };
}

export function helpText(): string {
  const lines = ['Usage: damselfly [path/to/redis.conf] [--flag=value ...]', '', 'A redis.conf is read with Redis\'s syntax; the flags after it override it (Redis\'s names and `--name value ...` form work too).', '', 'Flags:'];
  for (const p of PARAMS) {
    const names = ['--' + p.flag, ...(p.aliases ?? []).map((a) => '--' + a)].join(', ');
    const cfg = p.config ? ` [CONFIG ${p.config}${p.mutable ? ', settable' : ''}]` : '';
    const later = p.later ? ` (accepted; ${p.later})` : '';
    lines.push(`  ${names} (${p.type}, default "${p.default}")${cfg}`);
    lines.push(`      ${p.help}${later}`);
  }
  lines.push('  --flagfile=FILE   read flags from FILE, one per line');
  lines.push('  --help, --version');
  return lines.join('\n');
}
