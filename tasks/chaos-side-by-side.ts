// `pglab chaos matrix --ha pgdaemon,patroni`: the same lab made with each HA manager in turn (destroy, machines --ha M,
// the same topology, image base, writers and fault schedule), each running the matrix; then one table with every
// manager's figures side by side, and one JSON and HTML report with both.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { brokenPromises } from '../chaos/analyze-run.js';
import { formatSideBySide, sideBySideHtml, type ManagerColumn } from '../chaos/matrix-report.js';
import { UserError } from '../common/errors.js';
import type { HaManager } from '../lab/topology.js';
import type { MatrixReport } from './chaos-matrix.js';
import { parseHaManager } from './ha-manager.js';
import { printJson, stdoutReservedForJson } from './json-stdout.js';
import { runPglab } from './pglab-child.js';

export interface SideBySideOptions {
  managers: HaManager[];
  /** `--topology FILE` for `pglab machines`, the same for every manager. */
  topologyFlag?: string;
  /** The matrix's own flags (faults, repeat, for, writers, warmup, after), passed as given. */
  matrixArgs: string[];
  reportDir: string;
  plain: boolean;
}

/** `--ha a,b`: two or more different managers. */
export function parseManagerList(list: string): HaManager[] {
  const managers = list.split(',').map((x) => x.trim()).filter(Boolean).map((m) => parseHaManager(m));
  if (new Set(managers).size !== managers.length) throw new UserError(`--ha names a manager twice: ${list}`);
  if (managers.length === 0) throw new UserError('--ha needs at least one manager', 'e.g. --ha pgdaemon,patroni');
  return managers;
}

export interface SideBySideReport {
  replication: string;
  managers: ManagerColumn[];
}

/** Runs it; returns the exit code (1 when a manager broke a promise or its matrix could not run). */
export async function runSideBySide(o: SideBySideOptions): Promise<number> {
  const columns: ManagerColumn[] = [];
  let replication = 'async';
  let code = 0;
  const plain = o.plain ? ['--plain'] : [];
  const topology = o.topologyFlag ? ['--topology', o.topologyFlag] : [];
  for (const manager of o.managers) {
    console.error(`pglab chaos matrix: ${manager}: a new lab (pglab destroy, then pglab machines --ha ${manager})`);
    const destroyed = await runPglab(['destroy', ...plain]);
    if (destroyed.code !== 0) throw new UserError(`pglab destroy failed (exit ${destroyed.code}) before the ${manager} run`, 'see its output above');
    const made = await runPglab(['machines', '--ha', manager, ...topology, ...plain]);
    if (made.code !== 0) {
      code = 1;
      columns.push({ manager, settings: `${manager}: the lab did not come up (pglab machines exit ${made.code})`, rows: [] });
      continue;
    }
    const dir = join(resolve(o.reportDir), manager);
    const r = await runPglab(['chaos', 'matrix', ...o.matrixArgs, ...topology, ...plain, '--json', '--report', dir], { capture: true });
    if (r.code === 130) return 130;
    let report: MatrixReport;
    try {
      report = JSON.parse(r.stdout) as MatrixReport;
    } catch {
      code = 1;
      columns.push({ manager, settings: `${manager}: the matrix printed no report (exit ${r.code})`, rows: [] });
      continue;
    }
    if (r.code !== 0) code = 1;
    replication = report.replication;
    columns.push({ manager, settings: report.settings, rows: report.rows });
  }
  const sync = replication === 'sync';
  const dir = resolve(o.reportDir);
  mkdirSync(dir, { recursive: true });
  const report: SideBySideReport = { replication, managers: columns };
  writeFileSync(join(dir, 'matrix.json'), JSON.stringify(report, null, 1));
  writeFileSync(join(dir, 'matrix.html'), sideBySideHtml(columns, sync, `pglab chaos matrix, side by side (${replication} replication, ${new Date().toISOString()})`));
  console.log(formatSideBySide(columns, sync));
  console.log(`report: ${join(dir, 'matrix.html')} and matrix.json (each manager's own in ${dir}/<manager>/); the lab left up runs ${o.managers.at(-1)}`);
  if (stdoutReservedForJson()) printJson(report);
  for (const c of columns) for (const row of c.rows) for (const b of brokenPromises(row.runs, sync)) console.error(`pglab chaos matrix: ${c.manager}: ${row.fault}: ${b}`);
  return code;
}
