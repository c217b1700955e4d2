// CPU and I/O priority of the lab's control plane (etcd, haproxy, pgdaemon) over PostgreSQL and clients.
// All machines share the host's two cores; a bulk load keeps both busy. Without priority, etcd's heartbeats and the
// daemon's lease renewals were delayed past the 1 s lease: the primary fenced itself and failed over in the middle
// of `pglab imdb load` (seen; docs/decisions.md). Running etcd at high priority is the usual advice when it shares
// a host (etcd's tuning guide for I/O; postgresql_cluster sets nice -20 / ionice for it).
import type { MachineFile } from '../machine.js';

export const CONTROL_PLANE_NICE = -10;

/** The [Service] lines that raise a unit's priority. */
export const CONTROL_PLANE_PRIORITY = [`Nice=${CONTROL_PLANE_NICE}`, 'IOSchedulingClass=best-effort', 'IOSchedulingPriority=0'];

/** A drop-in that raises the priority of a unit a Debian package ships. */
export function priorityDropIn(unit: string): MachineFile {
  return { path: `etc/systemd/system/${unit}.d/pglab-priority.conf`, content: ['[Service]', ...CONTROL_PLANE_PRIORITY, ''].join('\n') };
}
