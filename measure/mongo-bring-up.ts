// What the replica set adds to a lab (issue 24): `pglab machines` of the default topology (pg0–2, etcd0–2, haproxy0,
// mongo0–2) against the same without mongo machines, alternating, from `pglab destroy` each time (images and the mongod
// package cached), then the resident memory of each machine of the lab that is left up (the default one).
// Usage: node dist/measure/mongo-bring-up.js [--rounds 3] [--json]   (as root, under the lab lock; destroys the lab)
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { labName } from '../lab/state-dir.js';
import { conditionsLine, measureArgs, minMedianMax, runMeasurement, wholeArg } from './harness.js';
import { formatTable } from '../common/text-table.js';

const root = join(import.meta.dirname, '..', '..');
const NO_MONGO = join(root, 'test', 'support', 'no-mongo.yaml');

function pglab(args: string[]): { ms: number; out: string } {
  const t0 = performance.now();
  const r = spawnSync(join(root, 'bin', 'pglab'), args, { encoding: 'utf8', env: { ...process.env, CI: '1' } });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`pglab ${args.join(' ')} exited ${r.status}:\n${(r.stdout + r.stderr).slice(-3000)}`);
  return { ms, out: r.stdout + r.stderr };
}

/** Summed VmRSS and RssAnon (MB) of every process in each machine's cgroup, /<lab>/<machine>/…. */
export function memoryByMachine(lab: string): Map<string, { rssMb: number; anonMb: number }> {
  const by = new Map<string, { rssMb: number; anonMb: number }>();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cg = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
      const machine = new RegExp(`^0::/${lab}/([^/]+)/`, 'm').exec(cg)?.[1];
      if (!machine) continue;
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
      const m = by.get(machine) ?? { rssMb: 0, anonMb: 0 };
      m.rssMb += kb('VmRSS') / 1024;
      m.anonMb += kb('RssAnon') / 1024;
      by.set(machine, m);
    } catch {
      // gone meanwhile
    }
  }
  return by;
}

async function main(): Promise<void> {
  const { values } = measureArgs('node dist/measure/mongo-bring-up.js [--rounds 3] [--json]', { rounds: { type: 'string', default: '3' }, json: { type: 'boolean', default: false } });
  const rounds = wholeArg(values.rounds, '--rounds', 1);
  console.log(conditionsLine(`pglab machines with and without mongo0–2, ${rounds} round(s) each, alternating, from pglab destroy`));
  const times: Record<'without' | 'with', number[]> = { without: [], with: [] };
  for (let i = 1; i <= rounds; i++) {
    for (const which of ['without', 'with'] as const) {
      pglab(['destroy']);
      const { ms } = pglab(which === 'with' ? ['machines'] : ['machines', '--topology', NO_MONGO]);
      times[which].push(ms);
      console.log(`round ${i}: ${which} mongo: ${(ms / 1000).toFixed(1)} s`);
    }
  }
  // Settle, then the memory of the lab as `make` leaves it before loading (default topology, just brought up).
  execFileSync('sleep', ['20']);
  const mem = memoryByMachine(labName());
  const rows = [...mem].sort(([a], [b]) => a.localeCompare(b));
  const total = (pred: (m: string) => boolean) => rows.filter(([m]) => pred(m)).reduce((s, [, v]) => s + v.rssMb, 0);
  const w = minMedianMax(times.with);
  const wo = minMedianMax(times.without);
  const summary = {
    withMs: w,
    withoutMs: wo,
    addedMedianMs: w.median - wo.median,
    memory: Object.fromEntries(rows),
    mongoMachinesRssMb: total((m) => m.startsWith('mongo')),
    otherMachinesRssMb: total((m) => !m.startsWith('mongo')),
  };
  if (values.json) {
    console.log(JSON.stringify(summary));
    return;
  }
  const s = (x: { min: number; median: number; max: number }) => `${(x.min / 1000).toFixed(1)} / ${(x.median / 1000).toFixed(1)} / ${(x.max / 1000).toFixed(1)} s`;
  console.log(`pglab machines without mongo (min / median / max): ${s(wo)}`);
  console.log(`pglab machines with mongo0–2:                     ${s(w)}`);
  console.log(`added by the replica set (median): ${(summary.addedMedianMs / 1000).toFixed(1)} s`);
  console.log(formatTable([['MACHINE', 'RSS MB', 'ANON MB'], ...rows.map(([m, v]) => [m, v.rssMb.toFixed(0), v.anonMb.toFixed(0)])], { align: ['left', 'right', 'right'] }));
  console.log(`mongo machines: ${summary.mongoMachinesRssMb.toFixed(0)} MB resident; the other machines: ${summary.otherMachinesRssMb.toFixed(0)} MB (VmRSS summed per process: shared pages count more than once)`);
}

if (process.argv[1] && import.meta.url === `file://${process.argv[1]}`) runMeasurement(main);
