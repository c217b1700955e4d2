// `pglab chaos matrix`: every fault N times on the running lab, healed and healthy between faults, into one table,
// a JSON file and an HTML report with a timeline per run.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { brokenPromises, summarizeRuns } from '../chaos/analyze-run.js';
import { FAULTS, type Fault } from '../chaos/fault-catalog.js';
import { formatMatrix, matrixHtml, type MatrixRow } from '../chaos/matrix-report.js';
import { describeError, UserError } from '../common/errors.js';
import { replicationOf, type Topology } from '../lab/topology.js';
import { chaosSteps, type ChaosOptions, type ChaosResult } from './chaos.js';
import { healSteps } from './chaos-heal.js';
import { printJson, stdoutReservedForJson } from './json-stdout.js';
import { runSteps, type GraphFlags } from './run-steps.js';

/** Every fault that needs no extra argument and does not redeploy the daemons (deploy is its own long run). */
export const MATRIX_DEFAULT_FAULTS: readonly Fault[] = FAULTS.filter((f) => f !== 'deploy' && f !== 'cut');

function parseFaults(list: string | undefined): Fault[] {
  if (!list) return [...MATRIX_DEFAULT_FAULTS];
  const out: Fault[] = [];
  for (const f of list.split(',').map((x) => x.trim()).filter(Boolean)) {
    if (!(FAULTS as readonly string[]).includes(f)) throw new UserError(`unknown fault "${f}" in --faults`, `faults are: ${FAULTS.join(', ')}`);
    out.push(f as Fault);
  }
  return out;
}

/** Runs the matrix; returns the exit code (1 when a promise broke or a fault could not run). */
export async function runMatrix(t: Topology, base: Omit<ChaosOptions, 'fault'>, faultList: string | undefined, reportDir: string, flags: GraphFlags): Promise<number> {
  const faults = parseFaults(faultList);
  const rows: MatrixRow[] = [];
  let code = 0;
  for (const fault of faults) {
    const result: ChaosResult = { fault, runs: [], gap: null, newPrimaryAck: null };
    // Each fault hits its own default target: a machine named for the matrix would not suit every fault.
    const { target: _target, ...rest } = base;
    const r = await runSteps(chaosSteps(t, { ...rest, fault, idPrefix: `${fault}/` }, result), flags);
    result.gap = summarizeRuns(result.runs);
    const row: MatrixRow = { fault, runs: result.runs };
    if (r.code === 130) return 130;
    if (r.code !== 0) {
      row.error = `a step failed (exit ${r.code}); see the output above`;
      code = 1;
      // Leave nothing behind for the next fault.
      const healed = await runSteps(healSteps(t), flags).catch((err: unknown) => ({ code: 1, err }));
      if (healed.code !== 0) {
        rows.push(row);
        console.error(`pglab chaos matrix: could not heal the lab after ${fault}: ${'err' in healed ? describeError(healed.err) : 'see above'}; stopping`);
        break;
      }
    }
    rows.push(row);
  }
  const sync = replicationOf(t) === 'sync';
  const table = formatMatrix(rows, sync);
  const dir = resolve(reportDir);
  mkdirSync(dir, { recursive: true });
  const report = { replication: sync ? 'sync' : 'async', rows };
  writeFileSync(join(dir, 'matrix.json'), JSON.stringify(report, null, 1));
  writeFileSync(join(dir, 'matrix.html'), matrixHtml(rows, sync, `pglab chaos matrix (${sync ? 'sync' : 'async'} replication, ${new Date().toISOString()})`));
  // With --json the table and this line go to stderr (tasks/json-stdout.ts), the report to stdout.
  console.log(table);
  console.log(`report: ${join(dir, 'matrix.html')} and matrix.json`);
  if (stdoutReservedForJson()) printJson(report);
  for (const row of rows) for (const b of brokenPromises(row.runs, sync)) console.error(`pglab chaos matrix: ${row.fault}: ${b}`);
  if (rows.some((row) => brokenPromises(row.runs, sync).length > 0)) code = 1;
  return code;
}
