// `pglab bench` against pgbench running the same query with the same clients, duration and connection, in alternating rounds:
// both ops/s, their ratio, and each client's CPU per operation (on a 2-core host the client's CPU is taken from the server).
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import pg from 'pg';
import { UserError } from '../common/errors.js';
import type { SqlTarget } from '../bench/bench-targets.js';
import { DEFAULT_DATA_SCHEMAS } from '../bench/bench-context.js';
import { median } from './copy-baseline.js';
import { idRangeSql, hitRate, pgbenchInvocation, pgbenchScript, parsePgbenchOutput, type IdRange, type PgbenchMode } from '../bench/pgbench-script.js';
import { runBench } from '../bench/run-bench.js';
import { WORKLOADS } from '../bench/workloads.js';

export interface CompareOptions {
  /** postgresql://user:password@host:port/database — on the lab haproxy's primary port (PGLAB_DSN). */
  dsn: string;
  workloads: string[];
  target: SqlTarget;
  clients: number;
  /** Measured seconds per run (whole: pgbench -T). */
  seconds: number;
  /** Unmeasured seconds before each run: pglab's warm-up, and a pgbench run of that length that is thrown away. */
  warmupSeconds: number;
  rounds: number;
  /** pgbench query modes to run each round; the first is the one the ratio is taken against. */
  modes: PgbenchMode[];
  /** pgbench threads (-j); 1 = one thread for all clients, as pglab's one event loop. */
  jobs: number;
  pgbench: string;
  onRun?: (line: string) => void;
}

export interface ClientFigures {
  opsPerSec: number;
  /** User + system CPU of the client process per operation, µs (pglab: its whole run including warm-up, divided by the operations at its rate). */
  cpuUsPerOp: number;
  errors: number;
}

export interface RoundResult {
  round: number;
  /** Which ran first this round. */
  order: string[];
  pglab: ClientFigures;
  pgbench: Partial<Record<PgbenchMode, ClientFigures & { latencyAvgMs: number }>>;
}

export interface WorkloadComparison {
  workload: string;
  target: SqlTarget;
  range: IdRange;
  script: string;
  rounds: RoundResult[];
  median: { pglab: number; pgbench: Partial<Record<PgbenchMode, number>> };
  /** Median pglab ops/s over median pgbench ops/s in the first mode. */
  ratio: number;
}

export interface Comparison {
  startedAt: string;
  clients: number;
  seconds: number;
  warmupSeconds: number;
  jobs: number;
  modes: PgbenchMode[];
  loadavg: string;
  workloads: WorkloadComparison[];
}

/** The workloads pgbench can run as they are: one statement, one title id parameter. */
export const COMPARABLE_WORKLOADS: readonly string[] = WORKLOADS.filter((w) => Object.values(w.targets).some((i) => i?.byTitleId)).map((w) => w.name);

/** CPU seconds of the children this process has waited for (/proc/self/stat cutime + cstime, in USER_HZ = 100 ticks/s). */
function childCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After "pid (comm) ": state is field 3 of stat(5), so field n is fields[n - 3]; cutime 16, cstime 17.
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

async function runPgbench(o: CompareOptions, scriptFile: string, mode: PgbenchMode, seconds: number): Promise<ClientFigures & { latencyAvgMs: number }> {
  const { args, env } = pgbenchInvocation(o.dsn, { scriptFile, clients: o.clients, jobs: o.jobs, seconds, mode });
  const cpu0 = childCpuSeconds();
  const r = await execa(o.pgbench, args, { env: { ...process.env, ...env }, reject: false });
  const cpu = childCpuSeconds() - cpu0;
  if (r.failed) {
    const why = (r as { code?: string }).code === 'ENOENT' ? 'pgbench not found' : `pgbench exited with ${r.exitCode}`;
    throw new UserError(`${why}: ${String(r.stderr).trim().split('\n').slice(-5).join(' | ')}`, `pgbench is ${o.pgbench}; pass --pgbench PATH`);
  }
  const report = parsePgbenchOutput(String(r.stdout));
  return { opsPerSec: report.tps, cpuUsPerOp: (cpu * 1e6) / Math.max(1, report.transactions), errors: report.failed, latencyAvgMs: report.latencyAvgMs };
}

async function runPglab(o: CompareOptions, workload: string): Promise<ClientFigures> {
  const cpu0 = process.cpuUsage();
  const r = await runBench({
    connection: { connectionString: o.dsn, connectionTimeoutMillis: 5000 },
    workloads: [workload],
    target: o.target,
    clients: o.clients,
    durationMs: o.seconds * 1000,
    warmupMs: o.warmupSeconds * 1000,
  });
  const cpu = process.cpuUsage(cpu0);
  const w = r.workloads[0]!;
  if (w.firstError) throw new Error(`pglab bench ${workload}: ${w.errors} errors, the first: ${w.firstError}`);
  const opsInRun = w.opsPerSec * (o.seconds + o.warmupSeconds);
  return { opsPerSec: w.opsPerSec, cpuUsPerOp: (cpu.user + cpu.system) / Math.max(1, opsInRun), errors: w.errors };
}

async function idRange(dsn: string, schema: string, target: SqlTarget): Promise<IdRange> {
  const client = new pg.Client({ connectionString: dsn, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const { rows } = await client.query<IdRange>(idRangeSql(schema, target));
    return rows[0]!;
  } finally {
    await client.end();
  }
}

export async function comparePgbench(o: CompareOptions): Promise<Comparison> {
  const unknown = o.workloads.filter((w) => !COMPARABLE_WORKLOADS.includes(w));
  if (unknown.length) throw new UserError(`pgbench cannot run ${unknown.join(', ')} as it is`, `compare ${COMPARABLE_WORKLOADS.join(' or ')}`);
  if (!(o.rounds >= 1) || o.modes.length === 0) throw new UserError('nothing to run', 'pass --rounds ≥ 1 and at least one pgbench mode');
  const schema = DEFAULT_DATA_SCHEMAS[o.target];
  const dir = await mkdtemp(join(tmpdir(), 'pglab-vs-pgbench-'));
  const say = o.onRun ?? (() => undefined);
  const startedAt = new Date().toISOString();
  const loadavg = readFileSync('/proc/loadavg', 'utf8').trim();
  try {
    const range = await idRange(o.dsn, schema, o.target);
    const results: WorkloadComparison[] = [];
    for (const name of o.workloads) {
      const impl = WORKLOADS.find((w) => w.name === name)!.targets[o.target];
      if (!impl?.byTitleId) throw new UserError(`${name} has no ${o.target} implementation pgbench can run`, `compare ${COMPARABLE_WORKLOADS.join(' or ')}`);
      const script = pgbenchScript(`pglab bench ${name} (${o.target})`, impl.byTitleId(schema), range);
      const scriptFile = join(dir, `${name}.sql`);
      await writeFile(scriptFile, script);
      const rounds: RoundResult[] = [];
      for (let round = 1; round <= o.rounds; round++) {
        // Alternating order (A B, B A, …): neither side always runs on a server the other just warmed.
        const order: string[] = round % 2 === 1 ? ['pglab', ...o.modes] : [...o.modes.slice().reverse(), 'pglab'];
        const result: RoundResult = { round, order, pglab: { opsPerSec: 0, cpuUsPerOp: 0, errors: 0 }, pgbench: {} };
        for (const who of order) {
          if (who === 'pglab') {
            result.pglab = await runPglab(o, name);
            say(`${name} round ${round}: pglab bench ${fmt(result.pglab.opsPerSec)} ops/s, client CPU ${result.pglab.cpuUsPerOp.toFixed(1)} µs/op`);
          } else {
            const mode = who as PgbenchMode;
            if (o.warmupSeconds >= 1) await runPgbench(o, scriptFile, mode, Math.round(o.warmupSeconds));
            const r = (result.pgbench[mode] = await runPgbench(o, scriptFile, mode, o.seconds));
            say(`${name} round ${round}: pgbench -M ${mode} ${fmt(r.opsPerSec)} tps, client CPU ${r.cpuUsPerOp.toFixed(1)} µs/op`);
          }
        }
        rounds.push(result);
      }
      const pgbenchMedians = Object.fromEntries(o.modes.map((m) => [m, median(rounds.map((r) => r.pgbench[m]!.opsPerSec))]));
      const pglabMedian = median(rounds.map((r) => r.pglab.opsPerSec));
      results.push({ workload: name, target: o.target, range, script, rounds, median: { pglab: pglabMedian, pgbench: pgbenchMedians }, ratio: pglabMedian / pgbenchMedians[o.modes[0]!]! });
    }
    return { startedAt, clients: o.clients, seconds: o.seconds, warmupSeconds: o.warmupSeconds, jobs: o.jobs, modes: o.modes, loadavg, workloads: results };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en');
const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;

/** Every round, then the medians and the ratio against the first pgbench mode. */
export function formatComparison(c: Comparison): string {
  const lines = [
    `pglab bench vs pgbench: ${c.clients} clients, ${c.seconds} s measured per run after ${c.warmupSeconds} s warm-up, pgbench -j ${c.jobs} -M ${c.modes.join('|')}; load average at start ${c.loadavg}`,
  ];
  for (const w of c.workloads) {
    lines.push('', `${w.workload} (${w.target}): title ids ${w.range.lo}..${w.range.hi}, ${(hitRate(w.range) * 100).toFixed(1)}% of them exist (pglab draws only existing ids)`);
    for (const r of w.rounds) {
      const pgb = c.modes.map((m) => `pgbench ${m} ${fmt(r.pgbench[m]!.opsPerSec)} (${r.pgbench[m]!.cpuUsPerOp.toFixed(1)} µs CPU/op)`).join(', ');
      lines.push(`  round ${r.round}: pglab ${fmt(r.pglab.opsPerSec)} ops/s (${r.pglab.cpuUsPerOp.toFixed(1)} µs CPU/op), ${pgb} → ${ratio(r.pglab.opsPerSec, r.pgbench[c.modes[0]!]!.opsPerSec)}`);
    }
    const others = c.modes.slice(1).map((m) => `; pgbench ${m} ${fmt(w.median.pgbench[m]!)} (pglab ${ratio(w.median.pglab, w.median.pgbench[m]!)} of it)`).join('');
    lines.push(`  median of ${w.rounds.length}: pglab ${fmt(w.median.pglab)} ops/s, pgbench ${c.modes[0]} ${fmt(w.median.pgbench[c.modes[0]!]!)} tps → ratio ${w.ratio.toFixed(2)}× (goal ≥ 0.90×)${others}`);
  }
  return lines.join('\n');
}
