// Patroni's configuration for one PostgreSQL machine (patroni.yml), from the topology and the lab's credentials.
import { stringify } from 'yaml';
import { ETCD_CLIENT_PORT } from '../../lab/roles/etcd.js';
import { DAEMON_HTTP_PORT } from '../../lab/roles/haproxy.js';
import { POSTGRES_PORT } from '../../lab/roles/postgres.js';
import { PATRONI_API_USER } from '../../ha/lab-cluster-client.js';
import { APP_DATABASE, APP_USER, type LabSecrets } from '../../lab/secrets.js';
import { machinesOf, patroniSettingsOf, replicationOf, type Machine, type Topology } from '../../lab/topology.js';

/** Where Debian's patroni.service reads its configuration (ConditionPathExists in the unit). */
export const PATRONI_CONFIG_PATH = '/etc/patroni/config.yml';
/** Patroni's keys live under /patroni/<cluster>/ in etcd, apart from pgdaemon's /pglab/<cluster>/. */
export const PATRONI_NAMESPACE = '/patroni/';
/** The same data directory as pgdaemon's: the chaos faults (postgres-kill, disk-full, data identity) find it there. */
export const PATRONI_DATA_DIR = '/var/lib/postgresql/pglab';
export const PATRONI_POST_BOOTSTRAP = '/usr/local/lib/pglab/patroni-post-bootstrap';
export const PATRONI_POST_BOOTSTRAP_SQL = '/etc/patroni/post-bootstrap.sql';
export const PATRONI_ROLE_CHANGE = '/usr/local/lib/pglab/patroni-role-change';

/**
 * The PostgreSQL settings pgdaemon writes into every node's postgresql.conf (daemon/postgres-conf.ts) that are not
 * about where the node listens or streams from: the same values for Patroni's cluster, so the two managers run the same
 * database. A unit test compares them with pgdaemon's rendered file. Patroni sets listen_addresses, port,
 * cluster_name, hot_standby, primary_conninfo, primary_slot_name, recovery_target_timeline ('latest') and
 * synchronous_standby_names itself.
 */
export const LAB_POSTGRES_PARAMETERS: Readonly<Record<string, string>> = {
  password_encryption: 'scram-sha-256',
  wal_level: 'replica',
  max_wal_senders: '10',
  max_replication_slots: '10',
  wal_keep_size: '256MB',
  max_slot_wal_keep_size: '2GB',
  wal_log_hints: 'on',
  hot_standby_feedback: 'on',
  wal_receiver_status_interval: '1s',
  wal_sender_timeout: '10s',
  wal_receiver_timeout: '10s',
  wal_retrieve_retry_interval: '500ms',
  synchronous_commit: 'on',
  log_line_prefix: '%m [%p] %q%u@%d ',
};

/** Patroni's dynamic configuration at bootstrap: the topology's timing, the replication mode, the lab's settings. */
export function patroniDcsConfig(t: Topology): Record<string, unknown> {
  const p = patroniSettingsOf(t);
  const sync = replicationOf(t) === 'sync';
  const replicas = Math.max(1, machinesOf(t, 'postgres').length - 1);
  return {
    ttl: p.ttl,
    loop_wait: p.loopWait,
    retry_timeout: p.retryTimeout,
    maximum_lag_on_failover: p.maximumLagOnFailover,
    synchronous_mode: sync,
    // pgdaemon makes every healthy replica a synchronous standby; Patroni's default is one.
    ...(sync ? { synchronous_node_count: replicas } : {}),
    postgresql: {
      use_pg_rewind: true,
      use_slots: true,
      parameters: { ...LAB_POSTGRES_PARAMETERS },
    },
  };
}

/** The whole patroni.yml of one node, as an object (stringified by patroniYml). */
export function patroniConfig(m: Machine, t: Topology, secrets: LabSecrets): Record<string, unknown> {
  return {
    scope: t.cluster,
    namespace: PATRONI_NAMESPACE,
    name: m.name,
    restapi: {
      listen: `0.0.0.0:${DAEMON_HTTP_PORT}`,
      connect_address: `${m.ip}:${DAEMON_HTTP_PORT}`,
      // GETs (haproxy's checks, status) need none; switchover, failover, restart, reinitialize and config do (the
      // cluster client sends the lab's API token: ha/lab-cluster-client.ts).
      authentication: { username: PATRONI_API_USER, password: secrets.apiToken },
    },
    etcd3: {
      hosts: machinesOf(t, 'etcd').map((e) => `${e.ip}:${ETCD_CLIENT_PORT}`),
      protocol: 'http',
    },
    bootstrap: {
      dcs: patroniDcsConfig(t),
      // As pgdaemon's initdb: checksums, UTF-8 with the C.UTF-8 locale, peer on the socket, scram over the network.
      initdb: ['data-checksums', { encoding: 'UTF8' }, { locale: 'C.UTF-8' }, { 'auth-local': 'peer' }, { 'auth-host': 'scram-sha-256' }],
      // Patroni 3 no longer creates users from patroni.yml: the application role and database come from this script.
      post_bootstrap: PATRONI_POST_BOOTSTRAP,
    },
    postgresql: {
      listen: `${m.ip}:${POSTGRES_PORT}`,
      connect_address: `${m.ip}:${POSTGRES_PORT}`,
      data_dir: PATRONI_DATA_DIR,
      bin_dir: '/usr/lib/postgresql/15/bin',
      pgpass: '/var/lib/postgresql/.pgpass-patroni',
      // Patroni's own connection goes through the socket with peer authentication, as pgdaemon's does.
      use_unix_socket: true,
      // A new replica is cloned at once, as pgdaemon does (-c fast): without it pg_basebackup waits for the primary's
      // next checkpoint (94 s for a fresh lab's first replicas, seen).
      basebackup: [{ checkpoint: 'fast' }],
      authentication: {
        superuser: { username: 'postgres', password: secrets.superuserPassword },
        replication: { username: 'replicator', password: secrets.replicationPassword },
      },
      parameters: { unix_socket_directories: '/var/run/postgresql' },
      // The same rules as pgdaemon's pg_hba.conf: peer on the socket, scram-sha-256 on the lab's subnet, no trust.
      pg_hba: [
        'local   all          all                       peer',
        'local   replication  all                       peer',
        `host    all          all         ${t.subnet} scram-sha-256`,
        `host    replication  replicator  ${t.subnet} scram-sha-256`,
      ],
      // haproxy is told at once, as pgdaemon's onRoleChange does (lab/roles/haproxy.ts); its checks confirm.
      ...(machinesOf(t, 'haproxy').length ? { callbacks: { on_role_change: PATRONI_ROLE_CHANGE } } : {}),
    },
    // No watchdog device in a container: say so rather than let Patroni look for /dev/watchdog each start.
    watchdog: { mode: 'off' },
    tags: { nofailover: false, noloadbalance: false, clonefrom: false, nosync: false },
  };
}

/** YAML 1.1, as Patroni's PyYAML reads it: `on` stays a string ("on"), not the boolean true. */
export function patroniYml(m: Machine, t: Topology, secrets: LabSecrets): string {
  return `# Generated by pglab for ${m.name} (docs/patroni.md); rewritten by \`pglab machines\`.\n${stringify(patroniConfig(m, t, secrets), { lineWidth: 0, version: '1.1' })}`;
}

const sqlLiteral = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** What pgdaemon's bootstrap creates besides its own roles: the application role and its database. */
export function postBootstrapSql(secrets: LabSecrets): string {
  return [
    `CREATE ROLE ${APP_USER} WITH LOGIN PASSWORD ${sqlLiteral(secrets.appPassword)};`,
    `CREATE DATABASE ${APP_DATABASE} OWNER ${APP_USER};`,
    '',
  ].join('\n');
}

/** Patroni runs it once, as postgres, after bootstrapping the cluster, with a connection string as its argument. */
export function postBootstrapScript(): string {
  return [
    '#!/bin/sh',
    '# Generated by pglab: Patroni runs this once after bootstrap ($1: a connection string to the new primary).',
    `exec psql "$1" -X -q -v ON_ERROR_STOP=1 -f ${PATRONI_POST_BOOTSTRAP_SQL}`,
    '',
  ].join('\n');
}
