// `pglab chaos matrix`: every fault N times on the running lab, healed and healthy between faults, into one table,
// a JSON file and an HTML report with a timeline per run.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { brokenPromises, summarizeRuns } from '../chaos/analyze-run.js';
import { FAULTS, type Fault } from '../chaos/fault-catalog.js';
import { formatMatrix, matrixHtml, type MatrixRow } from '../chaos/matrix-report.js';
import { describeError, UserError } from '../common/errors.js';
import { haOf, machinesOf, replicationOf, type Topology } from '../lab/topology.js';
import { haManager } from './ha-manager.js';
import { chaosSteps, type ChaosOptions, type ChaosResult } from './chaos.js';
import { mongoChaosSteps, MONGO_MATRIX_DEFAULT_FAULTS, MONGO_MATRIX_FAULTS, MONGO_PROMISES, type MongoChaosResult } from './chaos-mongo.js';
import { healSteps } from './chaos-heal.js';
import { printJson, stdoutReservedForJson } from './json-stdout.js';
import { runSteps, type GraphFlags } from './run-steps.js';

/** Every fault that needs no extra argument and does not redeploy the daemons (deploy is its own long run). */
export const MATRIX_DEFAULT_FAULTS: readonly Fault[] = FAULTS.filter((f) => f !== 'deploy' && f !== 'cut');

type MatrixFault = Fault | (typeof MONGO_MATRIX_FAULTS)[number];
const isMongoFault = (f: MatrixFault): f is (typeof MONGO_MATRIX_FAULTS)[number] => (MONGO_MATRIX_FAULTS as readonly string[]).includes(f);

/** The faults --faults names (checked before any lab is touched); undefined: the default, which depends on the lab. */
export function parseFaults(list: string | undefined): MatrixFault[] | undefined {
  if (!list) return undefined;
  const known: readonly string[] = [...FAULTS, ...MONGO_MATRIX_FAULTS];
  const out: MatrixFault[] = [];
  for (const f of list.split(',').map((x) => x.trim()).filter(Boolean)) {
    if (!known.includes(f)) throw new UserError(`unknown fault "${f}" in --faults`, `faults are: ${known.join(', ')}`);
    out.push(f as MatrixFault);
  }
  return out;
}

/** The faults of --faults, or the default: every PostgreSQL one, then the replica set's when the lab has mongo machines. */
export function parseMatrixFaults(list: string | undefined, t: Topology): MatrixFault[] {
  return parseFaults(list) ?? [...MATRIX_DEFAULT_FAULTS, ...(machinesOf(t, 'mongo').length > 0 ? MONGO_MATRIX_DEFAULT_FAULTS : [])];
}

/** matrix.json, and the document `chaos matrix --json` prints. */
export interface MatrixReport {
  replication: 'sync' | 'async';
  manager: string;
  /** The manager and the settings that shape its failover (tasks/ha-manager.ts). */
  settings: string;
  rows: MatrixRow[];
}

/** One PostgreSQL fault as a matrix row. */
async function postgresRow(t: Topology, fault: Fault, base: Omit<ChaosOptions, 'fault'>, flags: GraphFlags): Promise<{ code: number; rows: MatrixRow[] }> {
  const result: ChaosResult = { fault, runs: [], gap: null, newPrimaryAck: null };
  // Each fault hits its own default target: a machine named for the matrix would not suit every fault.
  const { target: _target, ...rest } = base;
  const r = await runSteps(chaosSteps(t, { ...rest, fault, idPrefix: `${fault}/` }, result), flags);
  result.gap = summarizeRuns(result.runs);
  return { code: r.code, rows: [{ fault, runs: result.runs }] };
}

/** One mongo fault as matrix rows, one per write concern, each with the promises of its concern. */
async function mongoRows(t: Topology, fault: (typeof MONGO_MATRIX_FAULTS)[number], base: Omit<ChaosOptions, 'fault'>, flags: GraphFlags): Promise<{ code: number; rows: MatrixRow[] }> {
  const { target: _target, from: _from, rate: _rate, ...rest } = base;
  const result: MongoChaosResult = { fault: 'kill', server: '', runs: [] };
  const r = await runSteps(mongoChaosSteps(t, { ...rest, fault, idPrefix: `${fault}/` }, result), flags);
  const rows = (['majority', '1'] as const).map((c): MatrixRow => ({ fault: `${fault} w:${c}`, runs: result.runs.filter((x) => x.concern === c), promises: MONGO_PROMISES[c] }));
  return { code: r.code, rows };
}

/** Runs the matrix; returns the exit code (1 when a promise broke or a fault could not run). */
export async function runMatrix(t: Topology, base: Omit<ChaosOptions, 'fault'>, faultList: string | undefined, reportDir: string, flags: GraphFlags): Promise<number> {
  const faults = parseMatrixFaults(faultList, t);
  const rows: MatrixRow[] = [];
  let code = 0;
  for (const fault of faults) {
    const r = isMongoFault(fault) ? await mongoRows(t, fault, base, flags) : await postgresRow(t, fault, base, flags);
    const faultRows = r.rows;
    if (r.code === 130) return 130;
    if (r.code !== 0) {
      for (const row of faultRows) row.error = `a step failed (exit ${r.code}); see the output above`;
      code = 1;
      // Leave nothing behind for the next fault.
      const healed = await runSteps(healSteps(t), flags).catch((err: unknown) => ({ code: 1, err }));
      if (healed.code !== 0) {
        rows.push(...faultRows);
        console.error(`pglab chaos matrix: could not heal the lab after ${fault}: ${'err' in healed ? describeError(healed.err) : 'see above'}; stopping`);
        break;
      }
    }
    rows.push(...faultRows);
  }
  const sync = replicationOf(t) === 'sync';
  const settings = haManager(t).describe(t);
  const table = `HA manager: ${settings}\n${formatMatrix(rows, sync)}`;
  const dir = resolve(reportDir);
  mkdirSync(dir, { recursive: true });
  const report: MatrixReport = { replication: sync ? 'sync' : 'async', manager: haOf(t), settings, rows };
  writeFileSync(join(dir, 'matrix.json'), JSON.stringify(report, null, 1));
  writeFileSync(join(dir, 'matrix.html'), matrixHtml(rows, sync, `pglab chaos matrix: ${settings}, ${new Date().toISOString()}`));
  // With --json the table and this line go to stderr (tasks/json-stdout.ts), the report to stdout.
  console.log(table);
  console.log(`report: ${join(dir, 'matrix.html')} and matrix.json`);
  if (stdoutReservedForJson()) printJson(report);
  for (const row of rows) for (const b of brokenPromises(row.runs, row.promises ?? sync)) console.error(`pglab chaos matrix: ${row.fault}: ${b}`);
  if (rows.some((row) => brokenPromises(row.runs, row.promises ?? sync).length > 0)) code = 1;
  return code;
}
