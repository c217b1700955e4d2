// What the running lab costs while it idles (issue 13): CPU and resident memory of every service in every machine,
// from the host's /proc. A machine's services sit in the cgroup /<lab>/<machine>/payload/system.slice/<unit>.
// Usage: node dist/measure/lab-footprint.js [--seconds 30] [--samples 1] [--json]   (as root, a lab running)
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { labName } from '../lab/state-dir.js';
import { loadAverage, measureArgs, runMeasurement, wholeArg } from './harness.js';
import { formatTable } from '../common/text-table.js';

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in these ticks on every architecture Debian ships. */
const TICKS_PER_SECOND = 100;

interface ProcSample {
  pid: number;
  machine: string;
  unit: string;
  ticks: number;
  rssKb: number;
  /** The private part of RSS: node's own binary is file-backed, and shared by every daemon through the image. */
  anonKb: number;
}

/** The machine and unit of a process from its cgroup file, when it is one of the lab's services. */
export function serviceOf(cgroupText: string, lab: string): { machine: string; unit: string } | null {
  for (const line of cgroupText.split('\n')) {
    const m = new RegExp(`^0::/${lab}/([^/]+)/payload/system\\.slice/([^/]+)$`).exec(line.trim());
    if (m) return { machine: m[1] as string, unit: (m[2] as string).replace(/\.service$/, '') };
  }
  return null;
}

/** The process name between the parentheses of /proc/<pid>/stat. */
export function commOf(statText: string): string {
  return statText.slice(statText.indexOf('(') + 1, statText.lastIndexOf(')'));
}

/**
 * What a process is: pgdaemon's unit also holds the PostgreSQL it started and its fence watchdog (perl), counted apart
 * so the daemon's own cost shows; elsewhere the unit names it.
 */
export function processLabel(unit: string, comm: string): string {
  if (unit !== 'pgdaemon') return unit;
  if (comm === 'node') return 'pgdaemon';
  return comm === 'perl' ? 'fence-watchdog' : comm;
}

/** utime + stime from /proc/<pid>/stat (the command may hold spaces and parentheses: count from the last ')'). */
export function ticksOf(statText: string): number {
  const fields = statText.slice(statText.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

export function sample(lab: string): ProcSample[] {
  const out: ProcSample[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const svc = serviceOf(readFileSync(`/proc/${name}/cgroup`, 'utf8'), lab);
      if (!svc) continue;
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const status = readFileSync(`/proc/${name}/status`, 'utf8');
      const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
      out.push({ pid: Number(name), machine: svc.machine, unit: processLabel(svc.unit, commOf(stat)), ticks: ticksOf(stat), rssKb: kb('VmRSS'), anonKb: kb('RssAnon') });
    } catch {
      // the process ended while we read it
    }
  }
  return out;
}

export interface ServiceCost {
  machine: string;
  unit: string;
  processes: number;
  /** Percent of one core over the window; processes that ended inside it are not counted. */
  cpuPercent: number;
  /** Summed VmRSS; for PostgreSQL this counts its shared memory once per process, so it is only an upper bound. */
  rssMb: number;
  /** Summed RssAnon: memory the service alone holds. */
  anonMb: number;
  pids: number[];
}

/** CPU per (machine, unit) between two samples `seconds` apart, and the RSS of the second. */
export function costs(before: readonly ProcSample[], after: readonly ProcSample[], seconds: number): ServiceCost[] {
  const was = new Map(before.map((p) => [p.pid, p.ticks]));
  const by = new Map<string, ServiceCost>();
  for (const p of after) {
    const key = `${p.machine}/${p.unit}`;
    const c = by.get(key) ?? { machine: p.machine, unit: p.unit, processes: 0, cpuPercent: 0, rssMb: 0, anonMb: 0, pids: [] };
    c.processes++;
    c.pids.push(p.pid);
    c.anonMb += p.anonKb / 1024;
    c.cpuPercent += ((p.ticks - (was.get(p.pid) ?? p.ticks)) / TICKS_PER_SECOND / seconds) * 100;
    c.rssMb += p.rssKb / 1024;
    by.set(key, c);
  }
  return [...by.values()].sort((a, b) => a.unit.localeCompare(b.unit) || a.machine.localeCompare(b.machine));
}

/** Totals by unit, and the control plane (pgdaemon + etcd) in cores. */
export function summarize(rows: readonly ServiceCost[]): { byUnit: Record<string, { cores: number; rssMb: number; count: number }>; controlPlaneCores: number } {
  const byUnit: Record<string, { cores: number; rssMb: number; count: number }> = {};
  for (const r of rows) {
    const u = (byUnit[r.unit] ??= { cores: 0, rssMb: 0, count: 0 });
    u.cores += r.cpuPercent / 100;
    u.rssMb += r.rssMb;
    u.count++;
  }
  return { byUnit, controlPlaneCores: (byUnit['pgdaemon']?.cores ?? 0) + (byUnit['etcd']?.cores ?? 0) };
}

async function main(): Promise<void> {
  const { values } = measureArgs('node dist/measure/lab-footprint.js [--seconds 30] [--samples 1] [--json]', { seconds: { type: 'string', default: '30' }, samples: { type: 'string', default: '1' }, json: { type: 'boolean', default: false } });
  const seconds = wholeArg(values.seconds, '--seconds', 1);
  const samples = wholeArg(values.samples, '--samples', 1);
  const lab = labName();
  for (let i = 0; i < samples; i++) {
    const before = sample(lab);
    if (before.length === 0) throw new Error(`no service of lab "${lab}" found in /proc (is the lab running, and are we root?)`);
    await sleep(seconds * 1000);
    const rows = costs(before, sample(lab), seconds);
    const sum = summarize(rows);
    const load = loadAverage();
    if (values.json) {
      console.log(JSON.stringify({ at: new Date().toISOString(), seconds, load, rows, ...sum }));
      continue;
    }
    console.log(`${new Date().toISOString()}  ${seconds} s idle window, load average ${load}`);
    // The machines' own systemd services idle at 0.00: the table keeps what runs the lab.
    const shown = rows.filter((x) => !/^(systemd-|dbus|console-getty)/.test(x.unit));
    console.log(formatTable([['MACHINE', 'UNIT', 'PROCS', 'CPU %', 'RSS MB', 'ANON MB'], ...shown.map((r) => [r.machine, r.unit, String(r.processes), r.cpuPercent.toFixed(2), r.rssMb.toFixed(1), r.anonMb.toFixed(1)])], { align: ['left', 'left', 'right', 'right', 'right', 'right'] }));
    for (const [unit, u] of Object.entries(sum.byUnit).filter(([x]) => !/^(systemd-|dbus|console-getty)/.test(x))) console.log(`total ${unit}: ${u.cores.toFixed(3)} cores, ${u.rssMb.toFixed(0)} MB over ${u.count} machine(s)`);
    console.log(`control plane (pgdaemon + etcd): ${sum.controlPlaneCores.toFixed(3)} cores`);
  }
}

if (process.argv[1] && import.meta.url === `file://${process.argv[1]}`) runMeasurement(main);
