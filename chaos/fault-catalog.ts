// Every fault `pglab chaos` can inject: what it does, what it hits by default, how long it lasts, and what the
// cluster promises while it lasts. The chaos task reads its behaviour from here; adding a fault starts here.

export const FAULTS = [
  'kill',
  'stop',
  'postgres-kill',
  'partition',
  'switchover',
  'deploy',
  'cut-replication',
  'cut',
  'isolate',
  'freeze-postgres',
  'pause',
  'kill-daemon',
  'etcd-leader',
  'etcd-quorum',
  'slow-network',
  'disk-full',
] as const;
export type Fault = (typeof FAULTS)[number];

export interface FaultSpec {
  help: string;
  /** The machine it hits when none is named: the primary, a replica, the etcd leader, or none (cluster-wide). */
  target: 'primary' | 'replica' | 'etcd-leader' | 'none';
  /** Lasts `--for`, then is undone; otherwise it is instant (or lifted once a new primary serves). */
  timed: boolean;
  /** The primary must move off the target (the run waits for that), may move, or must stay where it is. */
  failover: 'required' | 'allowed' | 'forbidden';
  /** The target machine is down afterwards: the heal step boots it. */
  reboots: boolean;
  /** The target must keep its data directory (no re-clone). */
  keepsData: boolean;
}

/** The time bounds a manager's promises are judged by (the safety promises need none). */
export interface PromiseBounds {
  /** A cut replica streams again within this of the heal. */
  readonly streamAgainAfterHealMs: number;
  /** A new primary acknowledges writes within this of a fault that takes the primary away. */
  readonly ackAgainAfterFaultMs: number;
  /** Writes are acknowledged again within this of etcd's quorum returning. */
  readonly ackAgainAfterQuorumMs: number;
}

/** Bounds pgdaemon promises (docs/pgdaemon.md, promises under faults); other managers' come from their settings. */
export const BOUNDS: PromiseBounds = {
  streamAgainAfterHealMs: 5000,
  ackAgainAfterFaultMs: 5000,
  ackAgainAfterQuorumMs: 5000,
};

export const FAULT_SPECS: Record<Fault, FaultSpec> = {
  kill: { help: "SIGKILL the machine's PID 1 (power loss)", target: 'primary', timed: false, failover: 'required', reboots: true, keepsData: false },
  stop: { help: 'shut the machine down cleanly', target: 'primary', timed: false, failover: 'required', reboots: true, keepsData: false },
  'postgres-kill': { help: 'kill -9 the PostgreSQL postmaster on the machine (the daemon survives)', target: 'primary', timed: false, failover: 'allowed', reboots: false, keepsData: false },
  partition: {
    help: 'cut the machine off from every (other) etcd member while clients and replicas still reach it; lifted once a healthy primary serves',
    target: 'primary',
    timed: false,
    failover: 'required',
    reboots: false,
    keepsData: false,
  },
  switchover: { help: 'planned switchover to MACHINE (default: the best replica)', target: 'none', timed: false, failover: 'allowed', reboots: false, keepsData: false },
  deploy: { help: 'rolling restart of pgdaemon on every node, as `pglab deploy pgdaemon --restart`', target: 'none', timed: false, failover: 'allowed', reboots: false, keepsData: false },
  'cut-replication': {
    help: 'drop all traffic between a replica (default: the first) and the primary for --for; promise: it keeps its data directory and streams again within 5 s of the heal',
    target: 'replica',
    timed: true,
    failover: 'forbidden',
    reboots: false,
    keepsData: true,
  },
  cut: { help: 'drop all traffic between MACHINE and the machines of --from for --for', target: 'primary', timed: true, failover: 'allowed', reboots: false, keepsData: true },
  isolate: { help: 'drop all traffic of the machine (clients, etcd, replicas) for --for; promise: a new primary within 5 s, no split brain', target: 'primary', timed: true, failover: 'required', reboots: false, keepsData: true },
  'freeze-postgres': {
    help: 'SIGSTOP every PostgreSQL process of the machine for --for (a hung database, the daemon alive); promise: writes acknowledged again within 5 s',
    target: 'primary',
    timed: true,
    failover: 'required',
    reboots: false,
    keepsData: true,
  },
  pause: { help: 'SIGSTOP every process of the machine for --for (a VM or GC pause), then SIGCONT; promise: a new primary within 5 s, no split brain', target: 'primary', timed: true, failover: 'required', reboots: false, keepsData: true },
  'kill-daemon': { help: 'SIGKILL the HA daemon only (pgdaemon, or Patroni; systemd restarts it); promise: no write acknowledged by two primaries', target: 'primary', timed: false, failover: 'allowed', reboots: false, keepsData: false },
  'etcd-leader': { help: 'SIGKILL the machine of the current etcd leader; promise: no split brain, writes go on', target: 'etcd-leader', timed: false, failover: 'allowed', reboots: true, keepsData: false },
  'slow-network': {
    help: "limit the machine's outgoing bandwidth with tc tbf (--rate, default 1mbit) for --for; no delay or loss: this kernel has no netem. Promise: no split brain, no data removed",
    target: 'primary',
    timed: true,
    failover: 'allowed',
    reboots: false,
    keepsData: true,
  },
  'disk-full': {
    help: "fill the file system of the machine's PostgreSQL data (its own loop-mounted image, sized by postgresDataMb in the topology) for --for, then free it; promise: no data directory removed, the node serves again after the heal",
    target: 'primary',
    timed: true,
    failover: 'allowed',
    reboots: false,
    keepsData: true,
  },
  'etcd-quorum': {
    help: 'stop etcd on a majority of its members for --for, then start them; promise: no failover, writes resume within 5 s of the quorum returning, nothing lost',
    target: 'none',
    timed: true,
    failover: 'forbidden',
    reboots: false,
    keepsData: true,
  },
};

export function faultHelp(): string {
  return FAULTS.map((f) => `${f}: ${FAULT_SPECS[f].help}`).join('; ');
}
