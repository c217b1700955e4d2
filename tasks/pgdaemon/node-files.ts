// What one PostgreSQL node needs to run pgdaemon: the bundle, its config, its secrets, a systemd unit.
import type { MachineFile } from '../../lab/machine.js';
import { etcdEndpoints } from '../../lab/roles/etcd.js';
import { DAEMON_HTTP_PORT, HAPROXY_NOTIFY_PATH, haproxyNotifyScript } from '../../lab/roles/haproxy.js';
import { POSTGRES_PORT } from '../../lab/roles/postgres.js';
import { CONTROL_PLANE_PRIORITY } from '../../lab/roles/priority.js';
import type { LabSecrets } from '../../lab/secrets.js';
import { machinesOf, type Machine, type Topology } from '../../lab/topology.js';
import { PGDAEMON_NODE_ENV, PGDAEMON_NODE_FLAGS } from '../../daemon/node-flags.js';
import { INSTALL_DIR, type DaemonBundle } from './bundle.js';

export const DAEMON_UNIT = 'pgdaemon.service';
export const DAEMON_CONFIG = '/etc/pglab/pgdaemon.json';
const SECRETS = '/etc/pglab/secrets.json';

export function daemonConfig(m: Machine, t: Topology): Record<string, unknown> {
  return {
    node: m.name,
    cluster: t.cluster,
    etcd: etcdEndpoints(t),
    dataDir: '/var/lib/postgresql/pglab',
    binDir: '/usr/lib/postgresql/15/bin',
    pgPort: POSTGRES_PORT,
    connectHost: m.ip,
    allowCidr: [t.subnet],
    listen: `0.0.0.0:${DAEMON_HTTP_PORT}`,
    secrets: SECRETS,
    ...(machinesOf(t, 'haproxy').length ? { onRoleChange: HAPROXY_NOTIFY_PATH } : {}),
  };
}

export function daemonUnit(): string {
  return [
    '[Unit]',
    "Description=pgdaemon, pglab's PostgreSQL high-availability daemon",
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    'User=postgres',
    'Group=postgres',
    ...Object.entries(PGDAEMON_NODE_ENV).map(([k, v]) => `Environment=${k}=${v}`),
    `ExecStart=/usr/bin/node ${PGDAEMON_NODE_FLAGS.join(' ')} ${INSTALL_DIR}/daemon/pgdaemon.cjs daemon --config ${DAEMON_CONFIG}`,
    // PostgreSQL runs in this unit's cgroup: if the daemon dies, systemd stops it too, so an
    // unsupervised primary never keeps taking writes; the daemon comes back in a second.
    'Restart=always',
    'RestartSec=1',
    // Lease renewals must not wait behind PostgreSQL's own work; the daemon starts PostgreSQL back at normal priority.
    ...CONTROL_PLANE_PRIORITY,
    // Stop signals go to the daemon only; it stops PostgreSQL itself (pg_ctl -m fast), then whatever is left gets
    // SIGKILL. With the default (SIGTERM to every process of the unit) postmaster and children were signalled
    // beside the daemon's own fast stop, and a standby's shutdown sometimes hung until the 30 s timeout (seen).
    'KillMode=mixed',
    'TimeoutStopSec=30',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

export function nodeFiles(m: Machine, t: Topology, secrets: LabSecrets, bundle: DaemonBundle): MachineFile[] {
  const daemonSecrets = {
    superuserPassword: secrets.superuserPassword,
    replicationPassword: secrets.replicationPassword,
    apiToken: secrets.apiToken,
    appPassword: secrets.appPassword,
  };
  return [
    ...bundle.files.map((f) => ({ path: `${INSTALL_DIR.slice(1)}/${f.path}`, content: f.content })),
    { path: DAEMON_CONFIG.slice(1), content: JSON.stringify(daemonConfig(m, t), null, 2) + '\n', mode: 0o640, owner: 'postgres' },
    { path: SECRETS.slice(1), content: JSON.stringify(daemonSecrets, null, 2) + '\n', mode: 0o600, owner: 'postgres' },
    { path: `etc/systemd/system/${DAEMON_UNIT}`, content: daemonUnit() },
    { path: HAPROXY_NOTIFY_PATH.slice(1), content: haproxyNotifyScript(t), mode: 0o755 },
  ];
}
