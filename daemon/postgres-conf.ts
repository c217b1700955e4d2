// Renders the PostgreSQL config files the daemon owns (postgresql.conf, pg_hba.conf) from its settings.
export interface PgSettings {
  node: string;
  listenHost: string;
  port: number;
  socketDir: string;
  allowCidrs: string[];
  /** Where and how to stream from, when a replica. */
  upstream: { id: string; host: string; port: number; password: string } | null;
  /** synchronous_standby_names members (all required), empty for asynchronous commits. */
  sync: string[];
  /** The cluster's PostgreSQL parameters (`pglab config set postgresql.NAME=VALUE`), written after the daemon's own. */
  parameters?: Readonly<Record<string, string>>;
}

/**
 * Parameters the daemon sets itself and that replication, fencing or haproxy depend on: `config set` refuses them,
 * and the renderer skips them if they are in etcd anyway.
 */
export const DAEMON_OWNED_PARAMETERS: readonly string[] = [
  'listen_addresses', 'port', 'unix_socket_directories', 'cluster_name', 'password_encryption', 'wal_level',
  'max_wal_senders', 'max_replication_slots', 'wal_log_hints', 'hot_standby', 'recovery_target_timeline',
  'synchronous_standby_names', 'primary_conninfo', 'primary_slot_name', 'hba_file', 'ident_file', 'config_file',
  'data_directory', 'restore_command', 'archive_cleanup_command', 'recovery_end_command', 'promote_trigger_file',
];

/** The parameters that will be written, in a stable order (daemon-owned ones dropped). */
export function effectiveParameters(parameters: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(parameters ?? {}).sort()) if (!DAEMON_OWNED_PARAMETERS.includes(name)) out[name] = (parameters as Record<string, string>)[name] as string;
  return out;
}

/** The first line records what we configured, so a restarted daemon knows without parsing settings. */
export const STATE_MARKER = '# pgdaemon-state: ';

const quote = (v: string) => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
/** A conninfo value: single-quoted with backslash escapes, as libpq wants. */
const connValue = (v: string) => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export function syncStandbyNames(sync: readonly string[]): string {
  return sync.length === 0 ? '' : `FIRST ${sync.length} (${sync.map((n) => `"${n}"`).join(', ')})`;
}

export function renderPostgresqlConf(s: PgSettings): string {
  const params = effectiveParameters(s.parameters);
  const state = { upstream: s.upstream?.id ?? null, sync: s.sync, ...(Object.keys(params).length ? { parameters: params } : {}) };
  const lines = [
    STATE_MARKER + JSON.stringify(state),
    '# Written by pgdaemon on every start and reconfiguration: local edits are overwritten.',
    `listen_addresses = ${quote(s.listenHost)}`,
    `port = ${s.port}`,
    `unix_socket_directories = ${quote(s.socketDir)}`,
    `cluster_name = ${quote(s.node)}`,
    'password_encryption = scram-sha-256',
    'wal_level = replica',
    'max_wal_senders = 10',
    'max_replication_slots = 10',
    "wal_keep_size = '256MB'",
    // A slot keeps WAL for a replica that is gone; without a cap a long-dead replica fills the primary's disk.
    // Past it the slot is invalidated and that replica must be re-cloned.
    "max_slot_wal_keep_size = '2GB'",
    // pg_rewind needs hint bits logged; initdb --data-checksums already implies it, this covers old data dirs.
    'wal_log_hints = on',
    'hot_standby = on',
    'hot_standby_feedback = on',
    // Replicas report positions every second so lag and the sync set are fresh.
    "wal_receiver_status_interval = '1s'",
    // A standby whose machine vanished (no TCP reset) leaves pg_stat_replication after 10 s, not 60 s.
    "wal_sender_timeout = '10s'",
    // And a replica drops a connection that went silent (a cut that drops packets) after 10 s, not 60: it then
    // reconnects every retry interval, so it streams again within seconds of a heal.
    "wal_receiver_timeout = '10s'",
    "wal_retrieve_retry_interval = '500ms'",
    "recovery_target_timeline = 'latest'",
    'synchronous_commit = on',
    `synchronous_standby_names = ${quote(syncStandbyNames(s.sync))}`,
    "log_line_prefix = '%m [%p] %q%u@%d '",
  ];
  if (s.upstream) {
    const conninfo = [
      `host=${connValue(s.upstream.host)}`,
      `port=${s.upstream.port}`,
      'user=replicator',
      `password=${connValue(s.upstream.password)}`,
      `application_name=${connValue(s.node)}`,
      'connect_timeout=2',
      // The WAL receiver ignores connect_timeout; without this a SYN into a cut link is retried by the kernel for
      // two minutes (seen: streaming resumed 15.7 s after a 30 s cut healed). It bounds SYN retries as well.
      'tcp_user_timeout=3000',
    ].join(' ');
    lines.push(`primary_conninfo = ${quote(conninfo)}`, `primary_slot_name = ${quote(s.node.replace(/-/g, '_'))}`);
  }
  const names = Object.keys(params);
  if (names.length) {
    // Last, so they override the defaults above (PostgreSQL takes the last line that sets a parameter).
    lines.push('# The cluster\'s parameters (pglab config set postgresql.NAME=VALUE):');
    for (const name of names) lines.push(`${name} = ${quote(params[name] as string)}`);
  }
  return lines.join('\n') + '\n';
}

export function renderHba(allowCidrs: readonly string[]): string {
  const lines = [
    '# Written by pgdaemon: scram-sha-256 for every network connection, peer on the local socket.',
    'local   all          all                       peer',
    'local   replication  all                       peer',
  ];
  for (const cidr of allowCidrs) {
    lines.push(`host    all          all         ${cidr.padEnd(18)} scram-sha-256`);
    lines.push(`host    replication  replicator  ${cidr.padEnd(18)} scram-sha-256`);
  }
  return lines.join('\n') + '\n';
}

export interface ConfState {
  upstream: string | null;
  sync: string[];
  /** The cluster parameters written into the file; absent when none. */
  parameters?: Record<string, string>;
}

export function parseConfState(text: string): ConfState {
  const first = text.split('\n', 1)[0] ?? '';
  if (!first.startsWith(STATE_MARKER)) return { upstream: null, sync: [] };
  try {
    const v = JSON.parse(first.slice(STATE_MARKER.length)) as { upstream?: unknown; sync?: unknown; parameters?: unknown };
    const p = v.parameters && typeof v.parameters === 'object' ? Object.fromEntries(Object.entries(v.parameters).filter((e): e is [string, string] => typeof e[1] === 'string')) : {};
    return {
      upstream: typeof v.upstream === 'string' ? v.upstream : null,
      sync: Array.isArray(v.sync) ? v.sync.filter((x): x is string => typeof x === 'string') : [],
      ...(Object.keys(p).length ? { parameters: p } : {}),
    };
  } catch {
    return { upstream: null, sync: [] };
  }
}

/** Slot names allow only [a-z0-9_]. */
export function slotName(node: string): string {
  return node.replace(/-/g, '_');
}
