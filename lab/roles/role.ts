// What a machine role contributes to its machines: files, units enabled at boot, a health probe.
import type { MachineFile } from '../machine.js';
import type { Machine, Role, Topology } from '../topology.js';

export interface RoleModule {
  readonly role: Role;
  /** Configuration written into the machine before boot (and rewritten when it changes). */
  files(machine: Machine, topology: Topology): MachineFile[];
  /** systemd units enabled at boot; restarted when the role's files change on a running machine. */
  readonly units: readonly string[];
}
