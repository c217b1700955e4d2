// Files every machine gets: its name, the lab's host table and its static address.
import type { MachineFile } from '../machine.js';
import type { Machine, Topology } from '../topology.js';

export function baseFiles(m: Machine, t: Topology): MachineFile[] {
  const hosts = [
    '127.0.0.1 localhost',
    `127.0.1.1 ${m.name}`,
    '::1 localhost ip6-localhost ip6-loopback',
    ...t.machines.map((o) => `${o.ip} ${o.name}`),
    '',
  ].join('\n');
  const network = ['[Match]', 'Name=host0', '', '[Network]', `Address=${m.ip}/24`, 'LinkLocalAddressing=no', 'IPv6AcceptRA=no', ''].join('\n');
  return [
    { path: 'etc/hostname', content: `${m.name}\n` },
    { path: 'etc/hosts', content: hosts },
    { path: 'etc/systemd/network/10-host0.network', content: network },
  ];
}
