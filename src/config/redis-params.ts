// The rest of Redis 7.0.15's CONFIG parameters (config.c's static_configs[]), in a compact data form:
// name (|alias), default, bounds or values, and Redis's flags (I immutable, H hidden from CONFIG GET
// patterns). params.ts appends them to PARAMS after its own entries.
// Invariants: defaults, bounds, enum values and validation messages are Redis's, byte for byte;
// every entry here is accepted without effect (`noEffect`) unless it names what it does; a name
// PARAMS already has is not repeated here.

/** The fields of params.ts's Param these entries use (declared here: params.ts imports this module). */
export interface RedisParam {
  flag: string;
  config: string;
  configAliases?: string[];
  aliases?: string[];
  type: 'int' | 'bool' | 'string' | 'bytes' | 'enum';
  default: string;
  min?: number;
  max?: number | bigint;
  values?: string[];
  mutable: boolean;
  hidden?: boolean;
  noEffect?: boolean;
  help: string;
  octal?: boolean;
  multiArg?: boolean;
  canonical?: Record<string, string>;
  parse?: (raw: string) => { value: string } | { error: string };
  check?: (v: string | number | boolean) => string | null;
  floor?: number;
  sensitive?: boolean;
}

type Param = RedisParam;

const INT_MAX = 2147483647;
const INT_MIN = -2147483648;
const UINT_MAX = 4294967295;
const LONG_MAX = 9223372036854775807n;

/** Redis's flags, as letters: I immutable, H hidden (exact name only), P protected. */
type Flags = '' | 'I' | 'H' | 'IH';

function base(name: string, flags: Flags): Pick<Param, 'flag' | 'config' | 'configAliases' | 'aliases' | 'mutable' | 'hidden' | 'noEffect' | 'help'> {
  const [config, alias] = name.split('|');
  const p: ReturnType<typeof base> = {
    flag: config.replace(/-/g, '_'),
    config,
    mutable: !flags.includes('I'),
    noEffect: true,
    help: 'Redis setting (accepted without effect)',
  };
  if (alias !== undefined) {
    p.configAliases = [alias];
    p.aliases = [alias.replace(/-/g, '_')];
  }
  if (flags.includes('H')) p.hidden = true;
  return p;
}

const bool = (name: string, def: 'yes' | 'no', flags: Flags = '', extra: Partial<Param> = {}): Param => ({ ...base(name, flags), type: 'bool', default: def, ...extra });
const int = (name: string, def: number, min: number, max: number | bigint, flags: Flags = '', extra: Partial<Param> = {}): Param => ({ ...base(name, flags), type: 'int', default: String(def), min, max, ...extra });
const mem = (name: string, def: number, min: number, flags: Flags = ''): Param => ({ ...base(name, flags), type: 'bytes', default: String(def), min });
const str = (name: string, def: string, flags: Flags = '', parse?: Param['parse']): Param => ({ ...base(name, flags), type: 'string', default: def, ...(parse ? { parse } : {}) });
const oneOf = (name: string, def: string, values: string[], flags: Flags = '', extra: Partial<Param> = {}): Param => ({ ...base(name, flags), type: 'enum', default: def, values, ...extra });

/** Redis's pathIsBaseName: no '/' and no '\\'. */
const baseName = (what: string, kind: string, allowEmpty: boolean) => (v: string): { value: string } | { error: string } => {
  if (!allowEmpty && v === '') return { error: `${what} can't be empty` };
  if (v.includes('/') || v.includes('\\')) return { error: `${what} can't be a path, just a ${kind}` };
  return { value: v };
};

/** isValidAnnouncedHostname. */
function hostname(v: string): { value: string } | { error: string } {
  if (v.length >= 256) return { error: 'Hostnames must be less than 256 characters' };
  if (!/^[A-Za-z0-9.-]*$/.test(v)) return { error: 'Hostnames may only contain alphanumeric characters, hyphens or dots' };
  return { value: v };
}

const TITLE_VARIABLES = new Map([['title', ''], ['listen-addr', '*:6379'], ['server-mode', ''], ['config-file', '-'], ['port', '6379'], ['tls-port', '0'], ['unixsocket', '']]);

/** isValidProcTitleTemplate: sdstemplate's syntax ({var}, {{ and }} escapes), known variables, not empty once expanded with an empty title. */
function procTitleTemplate(v: string): { value: string } | { error: string } {
  const bad = { error: 'template format is invalid or contains unknown variables' };
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const ch = v[i];
    if (ch === '{' && v[i + 1] === '{') out += v[i++];
    else if (ch === '}' && v[i + 1] === '}') out += v[i++];
    else if (ch === '}') return bad;
    else if (ch === '{') {
      const end = v.indexOf('}', i + 1);
      if (end < 0) return bad;
      const value = TITLE_VARIABLES.get(v.slice(i + 1, end));
      if (value === undefined) return bad;
      out += value;
      i = end;
    } else out += ch;
  }
  return out === '' ? bad : { value: v };
}

const SHUTDOWN_FLAGS: [string, number][] = [['default', 0], ['save', 1], ['nosave', 2], ['now', 4], ['force', 8]];

/** shutdown-on-sigint/-sigterm: a MULTI_ARG enum of bit flags (configEnumGetValue / configEnumGetName, isValidShutdownOnSigFlags). */
function shutdownFlags(raw: string): { value: string } | { error: string } {
  let bits = 0;
  for (const word of raw.split(' ')) {
    const f = SHUTDOWN_FLAGS.find(([n]) => n === word.toLowerCase());
    if (f === undefined) return { error: `argument(s) must be one of the following: ${SHUTDOWN_FLAGS.map(([n]) => n).join(', ')}` };
    bits |= f[1];
  }
  if (bits & 1 && bits & 2) return { error: "shutdown options SAVE and NOSAVE can't be used simultaneously" };
  if (bits === 0) return { value: 'default' };
  return { value: SHUTDOWN_FLAGS.filter(([, b]) => b !== 0 && (bits & b) === b).map(([n]) => n).join(' ') };
}

/** oom-score-adj-values: three integers in -2000..2000 (strtoll, whole token). */
function oomScoreAdjValues(raw: string): { value: string } | { error: string } {
  const parts = raw.split(' ');
  if (parts.length !== 3) return { error: 'wrong number of arguments' };
  const out: number[] = [];
  for (const s of parts) {
    if (!/^[ \t\n\v\f\r]*[+-]?[0-9]*$/.test(s)) return { error: 'Invalid oom-score-adj-values, elements must be between -2000 and 2000.' };
    const n = Number(s.trim() === '' || /^[+-]?$/.test(s.trim()) ? 0 : s.trim());
    if (n < -2000 || n > 2000) return { error: 'Invalid oom-score-adj-values, elements must be between -2000 and 2000.' };
    out.push(n);
  }
  return { value: out.join(' ') };
}

/** replicaof: `host port` or `no one` (immutable as a CONFIG parameter; the REPLICAOF command is replication's). */
function replicaOf(raw: string): { value: string } | { error: string } {
  if (raw === '') return { value: '' };
  const parts = raw.split(' ');
  if (parts.length !== 2) return { error: 'wrong number of arguments' };
  if (parts[0].toLowerCase() === 'no' && parts[1].toLowerCase() === 'one') return { value: '' };
  if (!/^[+-]?[0-9]+$/.test(parts[1]) || Number(parts[1]) < 0 || Number(parts[1]) > 65535) return { error: 'Invalid master port' };
  return { value: `${parts[0]} ${Number(parts[1])}` };
}

/** There is no TLS here: Redis without a certificate answers this when tls-port is set. */
const NO_TLS = 'Unable to update TLS configuration. Check server logs.';

const ACTIVE_DEFRAG_ERROR =
  'Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution';

export const REDIS_PARAMS: Param[] = [
  // Bool configs
  bool('rdbchecksum', 'yes', 'I'),
  bool('daemonize', 'no', 'I'),
  bool('io-threads-do-reads', 'no', 'I'),
  bool('always-show-logo', 'no', 'I'),
  bool('protected-mode', 'yes'),
  bool('rdbcompression', 'yes'),
  bool('rdb-del-sync-files', 'no'),
  bool('activerehashing', 'yes'),
  bool('stop-writes-on-bgsave-error', 'yes'),
  bool('set-proc-title', 'yes', 'I'),
  bool('dynamic-hz', 'yes'),
  bool('lazyfree-lazy-eviction', 'no'),
  bool('lazyfree-lazy-expire', 'no'),
  bool('lazyfree-lazy-server-del', 'no'),
  bool('lazyfree-lazy-user-del', 'no'),
  bool('lazyfree-lazy-user-flush', 'no'),
  bool('repl-disable-tcp-nodelay', 'no'),
  bool('repl-diskless-sync', 'yes'),
  bool('aof-rewrite-incremental-fsync', 'yes'),
  bool('no-appendfsync-on-rewrite', 'no'),
  bool('cluster-require-full-coverage', 'yes'),
  bool('rdb-save-incremental-fsync', 'yes'),
  bool('aof-load-truncated', 'yes'),
  bool('aof-use-rdb-preamble', 'yes'),
  bool('aof-timestamp-enabled', 'no'),
  bool('cluster-replica-no-failover|cluster-slave-no-failover', 'no'),
  bool('replica-lazy-flush|slave-lazy-flush', 'no'),
  bool('replica-serve-stale-data|slave-serve-stale-data', 'yes'),
  bool('replica-read-only|slave-read-only', 'yes'),
  bool('replica-ignore-maxmemory|slave-ignore-maxmemory', 'yes'),
  bool('jemalloc-bg-thread', 'yes'),
  bool('activedefrag', 'no', '', { check: (v) => (v === true ? ACTIVE_DEFRAG_ERROR : null) }),
  bool('cluster-enabled', 'no', 'I'),
  bool('cluster-allow-reads-when-down', 'no'),
  bool('cluster-allow-pubsubshard-when-down', 'yes'),
  bool('crash-log-enabled', 'yes'),
  bool('crash-memcheck-enabled', 'yes'),
  bool('use-exit-on-panic', 'no', 'H'),
  bool('disable-thp', 'yes', 'I'),
  bool('cluster-allow-replica-migration', 'yes'),
  bool('replica-announced', 'yes'),
  bool('aof-disable-auto-gc', 'no'),
  bool('replica-ignore-disk-write-errors', 'no'),
  bool('lua-enable-deprecated-api', 'no', 'IH'),

  // String configs
  str('aclfile', '', 'I'),
  { ...str('unixsocket', '', 'I'), noEffect: false, help: 'a Unix socket path to listen on as well (thread 0 accepts its clients; a stale file there is removed first)' },
  { ...str('pidfile', '', 'I'), noEffect: false, help: 'a file the server writes its pid to at startup and removes at exit (empty: none)' },
  str('replica-announce-ip|slave-announce-ip', ''),
  { ...str('masteruser', ''), sensitive: true },
  str('cluster-announce-ip', ''),
  str('cluster-config-file', 'nodes.conf', 'I'),
  str('cluster-announce-hostname', '', '', hostname),
  str('appendfilename', 'appendonly.aof', 'I', baseName('appendfilename', 'filename', false)),
  str('appenddirname', 'appendonlydir', 'I', baseName('appenddirname', 'dirname', false)),
  str('server_cpulist', '', 'I'),
  str('bio_cpulist', '', 'I'),
  str('aof_rewrite_cpulist', '', 'I'),
  str('bgsave_cpulist', '', 'I'),
  str('ignore-warnings', ''),
  str('proc-title-template', '{title} {listen-addr} {server-mode}', '', procTitleTemplate),
  str('bind-source-addr', ''),
  { ...str('masterauth', ''), sensitive: true },

  // Enum configs
  oneOf('supervised', 'no', ['upstart', 'systemd', 'auto', 'no'], 'I'),
  oneOf('repl-diskless-load', 'disabled', ['disabled', 'on-empty-db', 'swapdb']),
  oneOf('appendfsync', 'everysec', ['everysec', 'always', 'no']),
  // "relative" is "yes" (Redis prints the first name of a value).
  oneOf('oom-score-adj', 'no', ['no', 'yes', 'relative', 'absolute'], '', { canonical: { relative: 'yes' } }),
  oneOf('acl-pubsub-default', 'resetchannels', ['allchannels', 'resetchannels']),
  oneOf('sanitize-dump-payload', 'no', ['no', 'yes', 'clients']),
  oneOf('enable-protected-configs', 'no', ['no', 'yes', 'local'], 'I', { noEffect: false, help: 'whether CONFIG SET may change protected settings (dir, dbfilename): no, yes, or local (loopback clients only)' }),
  oneOf('enable-module-command', 'no', ['no', 'yes', 'local'], 'I'),
  oneOf('cluster-preferred-endpoint-type', 'ip', ['ip', 'hostname', 'unknown-endpoint']),
  oneOf('propagation-error-behavior', 'ignore', ['ignore', 'panic', 'panic-on-replicas']),
  { ...str('shutdown-on-sigint', 'default', '', shutdownFlags), multiArg: true },
  { ...str('shutdown-on-sigterm', 'default', '', shutdownFlags), multiArg: true },

  // Integer configs
  int('io-threads', 1, 1, 128, 'I'),
  int('auto-aof-rewrite-percentage', 100, 0, INT_MAX),
  int('cluster-replica-validity-factor|cluster-slave-validity-factor', 10, 0, INT_MAX),
  int('cluster-migration-barrier', 1, 0, INT_MAX),
  int('active-defrag-cycle-min', 1, 1, 99),
  int('active-defrag-cycle-max', 25, 1, 99),
  int('active-defrag-threshold-lower', 10, 0, 1000),
  int('active-defrag-threshold-upper', 100, 0, 1000),
  int('replica-priority|slave-priority', 100, 0, INT_MAX),
  int('repl-diskless-sync-delay', 5, 0, INT_MAX),
  int('maxmemory-eviction-tenacity', 10, 0, 100),
  int('replica-announce-port|slave-announce-port', 0, 0, 65535),
  int('tcp-backlog', 511, 0, INT_MAX, 'I', { noEffect: false, help: 'listen backlog of the client port' }),
  int('cluster-port', 0, 0, 65535, 'I'),
  int('cluster-announce-bus-port', 0, 0, 65535),
  int('cluster-announce-port', 0, 0, 65535),
  int('cluster-announce-tls-port', 0, 0, 65535),
  int('repl-timeout', 60, 1, INT_MAX),
  int('repl-ping-replica-period|repl-ping-slave-period', 10, 1, INT_MAX),
  int('rdb-key-save-delay', 0, INT_MIN, INT_MAX, 'H'),
  int('key-load-delay', 0, INT_MIN, INT_MAX, 'H'),
  int('active-expire-effort', 1, 1, 10),
  int('min-replicas-to-write|min-slaves-to-write', 0, 0, INT_MAX),
  int('min-replicas-max-lag|min-slaves-max-lag', 10, 0, INT_MAX),
  int('watchdog-period', 0, 0, INT_MAX, 'H'),
  int('shutdown-timeout', 10, 0, INT_MAX),
  int('repl-diskless-sync-max-replicas', 0, 0, INT_MAX),
  int('unixsocketperm', 0, 0, 0o777, 'I', { octal: true, noEffect: false, help: 'the Unix socket\'s permissions, in octal (0: as created)' }),
  int('socket-mark-id', 0, 0, UINT_MAX, 'I'),
  int('active-defrag-max-scan-fields', 1000, 1, LONG_MAX),
  int('acllog-max-len', 128, 0, LONG_MAX),
  int('busy-reply-threshold|lua-time-limit', 5000, 0, LONG_MAX),
  int('cluster-node-timeout', 15000, 0, LONG_MAX),
  int('repl-backlog-ttl', 3600, 0, LONG_MAX),
  int('loading-process-events-interval-bytes', 2097152, 1024, INT_MAX, 'H'),

  // Memory configs
  { ...mem('repl-backlog-size', 1048576, 1), floor: 16 * 1024 },
  mem('cluster-link-sendbuf-limit', 0, 0),
  mem('active-defrag-ignore-bytes', 104857600, 1),
  mem('auto-aof-rewrite-min-size', 67108864, 0),

  // TLS (Redis built with it, as Debian's is): no TLS here, so a TLS port cannot be set.
  { ...int('tls-port', 0, 0, 65535), check: (v) => (v === 0 ? null : NO_TLS) },
  int('tls-session-cache-size', 20480, 0, INT_MAX),
  int('tls-session-cache-timeout', 300, 0, INT_MAX),
  bool('tls-cluster', 'no', '', { check: (v) => (v === true ? NO_TLS : null) }),
  bool('tls-replication', 'no', '', { check: (v) => (v === true ? NO_TLS : null) }),
  oneOf('tls-auth-clients', 'yes', ['no', 'yes', 'optional']),
  bool('tls-prefer-server-ciphers', 'no'),
  bool('tls-session-caching', 'yes'),
  str('tls-cert-file', ''),
  str('tls-key-file', ''),
  str('tls-key-file-pass', ''),
  str('tls-client-cert-file', ''),
  str('tls-client-key-file', ''),
  str('tls-client-key-file-pass', ''),
  str('tls-dh-params-file', ''),
  str('tls-ca-cert-file', ''),
  str('tls-ca-cert-dir', ''),
  str('tls-protocols', ''),
  str('tls-ciphers', ''),
  str('tls-ciphersuites', ''),

  // Special configs
  { ...str('oom-score-adj-values', '0 200 800', '', oomScoreAdjValues), multiArg: true },
  { ...str('replicaof|slaveof', '', 'I', replicaOf), multiArg: true },
];
