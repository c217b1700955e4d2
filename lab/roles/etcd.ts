// etcd members: one static cluster of every etcd machine, tuned for a LAN bridge.
import { machinesOf, type Machine, type Topology } from '../topology.js';
import { priorityDropIn } from './priority.js';
import type { RoleModule } from './role.js';

export const ETCD_CLIENT_PORT = 2379;
export const ETCD_PEER_PORT = 2380;

export function etcdEndpoints(t: Topology): string[] {
  return machinesOf(t, 'etcd').map((m) => `http://${m.ip}:${ETCD_CLIENT_PORT}`);
}

/** Environment for Debian's etcd.service (EnvironmentFile=/etc/default/etcd). */
export function etcdEnvironment(m: Machine, t: Topology): string {
  const members = machinesOf(t, 'etcd')
    .map((e) => `${e.name}=http://${e.ip}:${ETCD_PEER_PORT}`)
    .join(',');
  const vars: Record<string, string> = {
    ETCD_NAME: m.name,
    ETCD_DATA_DIR: '/var/lib/etcd/pglab',
    ETCD_LISTEN_PEER_URLS: `http://${m.ip}:${ETCD_PEER_PORT}`,
    ETCD_LISTEN_CLIENT_URLS: `http://${m.ip}:${ETCD_CLIENT_PORT},http://127.0.0.1:${ETCD_CLIENT_PORT}`,
    ETCD_INITIAL_ADVERTISE_PEER_URLS: `http://${m.ip}:${ETCD_PEER_PORT}`,
    ETCD_ADVERTISE_CLIENT_URLS: `http://${m.ip}:${ETCD_CLIENT_PORT}`,
    ETCD_INITIAL_CLUSTER: members,
    ETCD_INITIAL_CLUSTER_STATE: 'new',
    ETCD_INITIAL_CLUSTER_TOKEN: `pglab-${t.cluster}`,
    ETCD_HEARTBEAT_INTERVAL: String(t.etcd.heartbeatMs),
    ETCD_ELECTION_TIMEOUT: String(t.etcd.electionMs),
    // One P for Go's scheduler: an idle member's work is raft heartbeats and lease renewals, and with a P per core its
    // threads woke each other for them. 18 % less etcd CPU idle (A/B, docs/measurements/etcd-gomaxprocs-ab-i13.txt);
    // a blocking fsync still hands the P to another thread, so heartbeats are not held up by the disk.
    GOMAXPROCS: '1',
  };
  return Object.entries(vars).map(([k, v]) => `${k}=${v}`).join('\n') + '\n';
}

/**
 * Debian's etcd.service wants network-online.target but is ordered only after network.target, which networkd reaches
 * before host0 has its address: a member restarted by a machine reboot could fail with "listen tcp …:2380: bind:
 * cannot assign requested address" and stay down (seen 1 reboot in 7 in `pglab chaos etcd-leader`).
 */
export const ETCD_AFTER_ADDRESS_DROP_IN = {
  path: 'etc/systemd/system/etcd.service.d/pglab-after-address.conf',
  content: ['[Unit]', 'After=network-online.target', 'Wants=network-online.target', ''].join('\n'),
};

export const etcdRole: RoleModule = {
  role: 'etcd',
  units: ['etcd.service'],
  waitForPeers: ['etcd.service'],
  files: (m, t) => [
    { path: 'etc/default/etcd', content: etcdEnvironment(m, t) },
    priorityDropIn('etcd.service'),
    ETCD_AFTER_ADDRESS_DROP_IN,
  ],
};
