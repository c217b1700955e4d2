// Checks that this host can run the lab; each failed check says how to fix it.
import { existsSync, readFileSync, statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { run } from './host-command.js';
import { pglabHome } from './state-dir.js';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

const NEED_FREE_GIB = 3;

async function hasCommand(cmd: string): Promise<boolean> {
  const r = await run('sh', ['-c', `command -v ${cmd}`], { allowFailure: true });
  return r.exitCode === 0;
}

function nearestExisting(path: string): string {
  let p = path;
  while (!existsSync(p) && p !== '/') p = dirname(p);
  return p;
}

export async function preflight(): Promise<Check[]> {
  const checks: Check[] = [];
  const root = process.getuid?.() === 0;
  checks.push({ name: 'root', ok: root, detail: root ? 'running as root' : 'not root', fix: 'run pglab as root (sudo -E bin/pglab …)' });

  const tools: [string, string][] = [
    ['systemd-nspawn', 'systemd-container'],
    ['mmdebstrap', 'mmdebstrap'],
    ['nsenter', 'util-linux'],
    ['flock', 'util-linux'],
    ['ip', 'iproute2'],
    ['mount', 'mount'],
  ];
  for (const [cmd, pkg] of tools) {
    const ok = await hasCommand(cmd);
    checks.push({ name: cmd, ok, detail: ok ? 'found' : 'missing', fix: `apt-get install ${pkg} (or run make host-deps)` });
  }

  const fs = existsSync('/proc/filesystems') ? readFileSync('/proc/filesystems', 'utf8') : '';
  const overlay = /\boverlay\b/.test(fs);
  checks.push({
    name: 'overlayfs',
    ok: overlay,
    detail: overlay ? 'kernel supports overlay' : 'overlay not in /proc/filesystems',
    fix: 'load the overlay module (modprobe overlay) or use a kernel with overlayfs',
  });

  const cgroup = existsSync('/sys/fs/cgroup/systemd/cgroup.procs') || existsSync('/sys/fs/cgroup/cgroup.procs');
  checks.push({
    name: 'cgroups',
    ok: cgroup,
    detail: cgroup ? 'a systemd-usable cgroup hierarchy is mounted' : 'no cgroup hierarchy for systemd',
    fix: 'mount cgroup2 on /sys/fs/cgroup (nspawn needs it to boot systemd)',
  });

  const where = nearestExisting(pglabHome());
  const st = statfsSync(where);
  const freeGiB = (st.bavail * st.bsize) / 2 ** 30;
  checks.push({
    name: 'disk',
    ok: freeGiB >= NEED_FREE_GIB,
    detail: `${freeGiB.toFixed(1)} GiB free at ${where}`,
    fix: `free at least ${NEED_FREE_GIB} GiB there, or point PGLAB_HOME at a larger disk`,
  });
  return checks;
}

export function formatChecks(checks: Check[]): string {
  return checks.map((c) => `${c.ok ? '✔' : '✖'} ${c.name.padEnd(15)} ${c.detail}${c.ok || !c.fix ? '' : `\n    → ${c.fix}`}`).join('\n');
}
