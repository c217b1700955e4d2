// `pglab status`: one row per machine: address, role, running or not, and its services.
import { execIn, machineProcesses } from '../lab/machine.js';
import { ROLE_MODULES } from '../lab/roles/registry.js';
import type { Topology } from '../lab/topology.js';
import { existingMachines } from './destroy.js';

export interface MachineStatus {
  machine: string;
  ip: string;
  role: string;
  state: 'running' | 'stopped' | 'absent';
  services: Record<string, string>;
}

export async function collectStatus(t: Topology): Promise<MachineStatus[]> {
  const procs = machineProcesses();
  const existing = new Set(existingMachines());
  const rows = await Promise.all(
    t.machines.map(async (m): Promise<MachineStatus> => {
      const running = procs.get(m.name)?.leaderPid !== undefined;
      const state = running ? 'running' : existing.has(m.name) ? 'stopped' : 'absent';
      const services: Record<string, string> = {};
      const units = ROLE_MODULES[m.role].units;
      if (running && units.length > 0) {
        const r = await execIn(m.name, ['systemctl', 'is-active', ...units], { allowFailure: true, timeoutMs: 5000 }).catch(() => undefined);
        const states = r?.stdout.split('\n') ?? [];
        units.forEach((u, i) => (services[u.replace(/\.service$/, '')] = states[i] ?? 'unknown'));
      }
      return { machine: m.name, ip: m.ip, role: m.role, state, services };
    }),
  );
  return rows;
}

export function formatStatusTable(rows: MachineStatus[]): string {
  const header = ['MACHINE', 'IP', 'ROLE', 'STATE', 'SERVICES'];
  const cells = rows.map((r) => [
    r.machine,
    r.ip,
    r.role,
    r.state,
    Object.entries(r.services).map(([k, v]) => `${k}:${v}`).join(' ') || '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  return [header, ...cells].map((row) => row.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}
