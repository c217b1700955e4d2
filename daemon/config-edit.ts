// `config set KEY=VALUE`: parses and validates changes to the cluster's dynamic settings (pure; every problem named).
import { pgParameterName, type ClusterConfig } from '../common/cluster-keys.js';
import { UserError } from '../common/errors.js';
import { parseBytes } from './options.js';
import { DAEMON_OWNED_PARAMETERS } from './postgres-conf.js';
import { parseAssignment } from '../common/assignments.js';

/** The keys `config set` accepts, with what they take: shown in every error. */
export const CONFIG_KEYS: Readonly<Record<string, string>> = {
  failoverTimeout: 'a duration from 1s to 5m (10s, 1500ms), or "default" for each daemon\'s --failover-timeout',
  maxLagOnFailover: 'a size (0, 16MB, 1GB): async mode never promotes a replica lagging more',
  'postgresql.NAME': 'any PostgreSQL parameter the daemon does not own, as written in postgresql.conf; empty to remove it',
  synchronous: 'true or false; only when the cluster is created (refused on a running cluster)',
};

const FAILOVER_TIMEOUT_MIN_MS = 1000;
const FAILOVER_TIMEOUT_MAX_MS = 300_000;

function durationMs(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/.exec(text);
  if (!m) return null;
  return Math.round(Number(m[1]) * { ms: 1, s: 1000, m: 60_000 }[(m[2] ?? 's') as 'ms']);
}

const allowed = () => Object.entries(CONFIG_KEYS).map(([k, v]) => `${k}: ${v}`).join('; ');

/**
 * Applies `KEY=VALUE` assignments to a config; returns the new config and one line per change.
 * Throws a UserError naming every bad assignment with the values its key allows.
 */
export function applyConfigAssignments(current: ClusterConfig, assignments: readonly string[]): { next: ClusterConfig; changes: string[] } {
  if (assignments.length === 0) throw new UserError('config set needs at least one KEY=VALUE', `keys: ${allowed()}`);
  const next: ClusterConfig = { ...current, ...(current.postgresParameters ? { postgresParameters: { ...current.postgresParameters } } : {}) };
  const problems: string[] = [];
  const changes: string[] = [];
  for (const a of assignments) {
    const parsed = parseAssignment(a);
    if ('problem' in parsed) {
      problems.push(parsed.problem);
      continue;
    }
    const { key, value } = parsed;
    if (key === 'failoverTimeout') {
      if (value.trim() === 'default') {
        delete next.failoverTimeoutMs;
        changes.push('failoverTimeout: each daemon\'s --failover-timeout');
        continue;
      }
      const ms = durationMs(value);
      if (ms === null || ms < FAILOVER_TIMEOUT_MIN_MS || ms > FAILOVER_TIMEOUT_MAX_MS) problems.push(`failoverTimeout: "${value}" is not ${CONFIG_KEYS.failoverTimeout}`);
      else {
        next.failoverTimeoutMs = ms;
        changes.push(`failoverTimeout: ${ms}ms`);
      }
    } else if (key === 'maxLagOnFailover') {
      const bytes = parseBytes(value);
      if (bytes === null) problems.push(`maxLagOnFailover: "${value}" is not ${CONFIG_KEYS.maxLagOnFailover}`);
      else {
        next.maxLagOnFailoverBytes = bytes;
        changes.push(`maxLagOnFailover: ${bytes} bytes`);
      }
    } else if (key === 'synchronous') {
      if (value !== 'true' && value !== 'false') problems.push(`synchronous: "${value}" is not true or false`);
      else if ((value === 'true') !== current.synchronous)
        problems.push(`synchronous: the replication mode is chosen when the cluster is created and cannot change on a running cluster (set replication in the topology, then pglab destroy and pglab machines)`);
    } else if (key.startsWith('postgresql.')) {
      const name = key.slice('postgresql.'.length);
      const problem = postgresParameterProblem(key, value, 'pgdaemon itself (replication and fencing depend on it)');
      if (problem) problems.push(problem);
      else if (value === '') {
        if (next.postgresParameters) delete next.postgresParameters[name];
        changes.push(`postgresql.${name}: removed (back to PostgreSQL's default)`);
      } else {
        next.postgresParameters = { ...(next.postgresParameters ?? {}), [name]: value };
        changes.push(`postgresql.${name}: ${value}`);
      }
    } else problems.push(`unknown key "${key}"`);
  }
  if (problems.length) throw new UserError(`invalid config: ${problems.join('; ')}`, `keys: ${allowed()}`);
  if (next.postgresParameters && Object.keys(next.postgresParameters).length === 0) delete next.postgresParameters;
  return { next, changes };
}

/** `config show`: one `key = value` line per setting, in the same words `config set` takes. */
export function renderConfig(c: ClusterConfig, daemonFailoverTimeout = 'each daemon\'s --failover-timeout'): string {
  const lines = [
    `synchronous = ${c.synchronous}`,
    `maxLagOnFailover = ${c.maxLagOnFailoverBytes}`,
    `failoverTimeout = ${c.failoverTimeoutMs !== undefined ? `${c.failoverTimeoutMs}ms` : `(${daemonFailoverTimeout})`}`,
  ];
  for (const [name, value] of Object.entries(c.postgresParameters ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) lines.push(`postgresql.${name} = ${value}`);
  return lines.join('\n');
}

/** Why `postgresql.NAME=VALUE` may not be set through the HA manager's config, or null; `owner` says who sets the owned ones. */
export function postgresParameterProblem(key: string, value: string, owner: string): string | null {
  const name = key.slice('postgresql.'.length);
  if (!pgParameterName.safeParse(name).success) return `${key}: "${name}" is not a PostgreSQL parameter name (lower-case letters, digits, _)`;
  if (DAEMON_OWNED_PARAMETERS.includes(name)) return `${key}: ${name} is set by ${owner}`;
  if (/[\n\r\0]/.test(value) || value.length > 1024) return `${key}: the value must be one line of at most 1024 characters`;
  return null;
}
