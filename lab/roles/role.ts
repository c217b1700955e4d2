// What a machine role contributes to its machines: files, units enabled at boot, a health probe.
import type { MachineFile } from '../machine.js';
import type { LabSecrets } from '../secrets.js';
import type { Machine, Role, Topology } from '../topology.js';

/** What a role may need besides the topology to write its files. */
export interface RoleContext {
  secrets: LabSecrets;
}

export interface RoleModule {
  readonly role: Role;
  /** Configuration written into the machine before boot (and rewritten when it changes). */
  files(machine: Machine, topology: Topology, ctx: RoleContext): MachineFile[];
  /** systemd units enabled at boot; restarted when the role's files change on a running machine. */
  readonly units: readonly string[];
  /** systemd-nspawn options the role's machines boot with beyond pglab's own (e.g. a system call nspawn filters out). */
  readonly nspawnOptions?: readonly string[];
  /**
   * Units that cannot finish starting until machines of the same role are up too (etcd waits for a quorum):
   * `pglab start` does not wait for them, so that a user starting the members one by one is not blocked.
   */
  readonly waitForPeers?: readonly string[];
}
