#!/usr/bin/env python3
"""Writes spec/commands/<name>.json for the given commands from a running redis-server's
COMMAND INFO and COMMAND DOCS (the facts the command table is built from).
Usage: scripts/spec-from-redis.py PORT name [name ...]   (subcommands as 'client|no-evict')
Keeps an existing spec's "damselfly" block; run `npm run gen:commands` afterwards."""
import json, subprocess, sys, os

port, names = sys.argv[1], sys.argv[2:]
out_dir = os.path.join(os.path.dirname(__file__), '..', 'spec', 'commands')

def cli(*args):
    return json.loads(subprocess.check_output(['redis-cli', '-p', port, '--json', *args]))

for name in names:
    parts = name.split('|')
    info = cli('command', 'info', *[' '.join(parts)] if len(parts) == 1 else [name])[0]
    docs = cli('command', 'docs', name)
    doc = docs.get(name) or next(iter(docs.values()))
    spec = {
        'name': info[0], 'arity': info[1], 'flags': info[2], 'first_key': info[3], 'last_key': info[4],
        'key_step': info[5], 'acl_categories': info[6], 'tips': info[7], 'key_specs': info[8],
        'docs': {k: v for k, v in doc.items() if k != 'subcommands'},
    }
    path = os.path.join(out_dir, name.replace('|', '-') + '.json')
    # Our own facts are not Redis's to overwrite: keep the existing "damselfly" block.
    if os.path.exists(path):
        with open(path) as f:
            old = json.load(f)
        if 'damselfly' in old:
            spec['damselfly'] = old['damselfly']
    with open(path, 'w') as f:
        json.dump(spec, f, indent=2)
        f.write('\n')
    print('wrote', path)
