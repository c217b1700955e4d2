// The lab as data: which machines exist, their roles and addresses. A default
// here, optionally overridden by a YAML file (see topology-file.ts).

export const ROLES = ['postgres', 'etcd', 'haproxy', 'mongo'] as const;
export type Role = (typeof ROLES)[number];

export interface Machine {
  readonly name: string;
  readonly role: Role;
  readonly ip: string;
}

export interface EtcdTuning {
  /** Raft heartbeat; the election timeout should be ~10× this. */
  readonly heartbeatMs: number;
  readonly electionMs: number;
}

/** Asynchronous: commits are acknowledged before any replica has them (a failover can lose the last ones). */
export type ReplicationMode = 'async' | 'sync';

/** The HA manager that runs PostgreSQL on the pg machines: ours, or Debian's Patroni (docs/patroni.md). */
export const HA_MANAGERS = ['pgdaemon', 'patroni'] as const;
export type HaManager = (typeof HA_MANAGERS)[number];

/** Patroni's timing, in its own units (seconds, bytes); synchronous_mode follows the lab's replication mode. */
export interface PatroniSettings {
  readonly ttl: number;
  readonly loopWait: number;
  readonly retryTimeout: number;
  readonly maximumLagOnFailover: number;
}

/** Patroni's documented defaults (its dynamic configuration page; also the defaults in Patroni 3.0.2's config.py). */
export const PATRONI_DEFAULTS: PatroniSettings = { ttl: 30, loopWait: 10, retryTimeout: 10, maximumLagOnFailover: 1_048_576 };
/** The fastest timing Patroni documents as supported: the minimum ttl, loop_wait and retry_timeout. */
export const PATRONI_FASTEST: PatroniSettings = { ttl: 20, loopWait: 1, retryTimeout: 3, maximumLagOnFailover: 1_048_576 };

export interface Topology {
  /** Name of the PostgreSQL HA cluster (etcd prefix). */
  readonly cluster: string;
  /** How the HA cluster is created (pgdaemon init-cluster [--sync]); absent in records of older labs: async. */
  readonly replication?: ReplicationMode;
  readonly bridge: string;
  /** /24 network; the bridge takes .1. */
  readonly subnet: string;
  readonly machines: readonly Machine[];
  readonly etcd: EtcdTuning;
  /** Size of each PostgreSQL node's own data file system (MiB); absent in records of older labs: the default. */
  readonly postgresDataMb?: number;
  /** The HA manager; absent in records of older labs: pgdaemon. */
  readonly ha?: HaManager;
  /** Patroni's timing when `ha` is patroni (absent: Patroni's defaults). */
  readonly patroni?: PatroniSettings;
}

/** How the sizes of a topology file become machines: name prefix and first host number per role. */
export const ROLE_LAYOUT: Record<Role, { prefix: string; firstHost: number; max: number }> = {
  postgres: { prefix: 'pg', firstHost: 10, max: 9 },
  etcd: { prefix: 'etcd', firstHost: 20, max: 9 },
  haproxy: { prefix: 'haproxy', firstHost: 30, max: 1 },
  mongo: { prefix: 'mongo', firstHost: 40, max: 9 },
};

export interface TopologySizes {
  cluster: string;
  replication: ReplicationMode;
  subnet: string;
  sizes: Record<Role, number>;
  etcd: EtcdTuning;
  postgresDataMb: number;
  /** Absent: the file did not say; the running lab's manager, else pgdaemon (tasks/topology-source.ts). */
  ha?: HaManager;
  patroni?: PatroniSettings;
}

export const DEFAULT_SIZES: TopologySizes = {
  cluster: 'pglab',
  replication: 'async',
  subnet: '10.42.0.0/24',
  // The original lab's shape: PostgreSQL and a MongoDB replica set side by side on the same data. mongod comes from the
  // 8.0 tarball when given, else from npm (lab/roles/mongo/server.ts); `machines: {mongo: 0}` leaves them out.
  sizes: { postgres: 3, etcd: 3, haproxy: 1, mongo: 3 },
  // A LAN bridge on one host: fast heartbeats; etcd raises a lease's TTL to 1.5 × the election timeout, so 600 ms keeps
  // pgdaemon's 1 s leases at 1 s. 100 ms heartbeats (not 50) halve what an idle etcd spends on raft (issue 13).
  etcd: { heartbeatMs: 100, electionMs: 600 },
  // A sparse image: it costs the host only what PostgreSQL writes; big enough for the IMDb sample at scale 0.05.
  postgresDataMb: 8192,
};

export function networkPrefix(subnet: string): string {
  return subnet.split('/')[0]!.split('.').slice(0, 3).join('.');
}

export function gatewayIp(subnet: string): string {
  return `${networkPrefix(subnet)}.1`;
}

export function buildTopology(s: TopologySizes): Topology {
  const prefix = networkPrefix(s.subnet);
  const machines: Machine[] = [];
  for (const role of ROLES) {
    const layout = ROLE_LAYOUT[role];
    for (let i = 0; i < s.sizes[role]; i++) {
      machines.push({ name: `${layout.prefix}${i}`, role, ip: `${prefix}.${layout.firstHost + i}` });
    }
  }
  return { cluster: s.cluster, replication: s.replication, bridge: 'pglab0', subnet: s.subnet, machines, etcd: s.etcd, postgresDataMb: s.postgresDataMb, ...(s.ha ? { ha: s.ha } : {}), ...(s.patroni ? { patroni: s.patroni } : {}) };
}

export function postgresDataMbOf(topology: Topology): number {
  return topology.postgresDataMb ?? DEFAULT_SIZES.postgresDataMb;
}

export const DEFAULT_TOPOLOGY: Topology = buildTopology(DEFAULT_SIZES);

export function replicationOf(topology: Topology): ReplicationMode {
  return topology.replication ?? 'async';
}

export function haOf(topology: Topology): HaManager {
  return topology.ha ?? 'pgdaemon';
}

export function patroniSettingsOf(topology: Topology): PatroniSettings {
  return topology.patroni ?? PATRONI_DEFAULTS;
}

/** The same lab with another HA manager (`pglab machines --ha`, the side-by-side matrix): nothing else changes. */
export function withHa(topology: Topology, ha: HaManager): Topology {
  return { ...topology, ha };
}

/** What Patroni's timing breaks of its documented rules (minimums, loop_wait + 2 × retry_timeout ≤ ttl). */
export function patroniTimingProblems(p: PatroniSettings): string[] {
  const problems: string[] = [];
  if (p.loopWait + 2 * p.retryTimeout > p.ttl) {
    problems.push(`patroni: loopWait + 2 × retryTimeout (${p.loopWait} + 2 × ${p.retryTimeout}) must not exceed ttl (${p.ttl}), Patroni's documented rule`);
  }
  return problems;
}

export function machinesOf(topology: Topology, role: Role): Machine[] {
  return topology.machines.filter((m) => m.role === role);
}
