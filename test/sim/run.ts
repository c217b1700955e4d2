// Runs one schedule (random from a seed, or an explicit one) and formats its outcome; shared by the tests and replay.ts.
import { describeFault, randomSchedule, type Schedule } from './faults.js';
import { World, type SimResult } from './world.js';

export async function runSchedule(seed: number, schedule: Schedule = randomSchedule(seed)): Promise<SimResult> {
  return new World(seed, schedule, false).run();
}

export function replayCommand(seed: number, scenario?: string): string {
  return `npx tsx test/sim/replay.ts ${scenario ? `--scenario ${scenario}` : `--seed ${seed}`} --verbose`;
}

/** What a failing schedule prints: the seed, the faults, the violations, the trace around the first one, and how to replay. */
export function report(r: SimResult, schedule: Schedule, scenario?: string): string {
  const first = r.violations[0];
  const lines = [
    `simulation seed ${r.seed}${scenario ? ` (scenario ${scenario})` : ''}: ${r.violations.length} violation(s)`,
    `schedule: ${schedule.nodes} nodes, ${schedule.sync ? 'sync' : 'async'}, keep ${schedule.keepRecords} records; faults: ${schedule.faults.map((f) => `@${f.at}ms ${describeFault(f)}`).join('; ') || 'none'}`,
    ...r.violations.map((v) => `  ${(v.at / 1000).toFixed(3)}s ${v.kind}: ${v.message}`),
  ];
  if (first) {
    const t = first.at / 1000;
    const near = r.trace.filter((l) => {
      const lt = Number(l.slice(0, 8));
      return lt >= t - 4 && lt <= t + 0.5;
    });
    lines.push('trace (4 s before the first violation):', ...near.slice(-80));
  }
  lines.push(`replay: ${replayCommand(r.seed, scenario)}`);
  return lines.join('\n');
}

/** Runs `count` random schedules from `first`; resolves to one report per failing seed (empty when all hold). */
export async function checkSeeds(first: number, count: number): Promise<string[]> {
  const failures: string[] = [];
  for (let seed = first; seed < first + count; seed++) {
    const schedule = randomSchedule(seed);
    const r = await runSchedule(seed, schedule);
    if (r.violations.length) failures.push(report(r, schedule));
  }
  return failures;
}

/** How many random schedules `make test` runs, split over the seed files (SIM_SCHEDULES overrides; SIM_FIRST_SEED shifts). */
export const SIM_SCHEDULES = Number(process.env['SIM_SCHEDULES'] ?? 2000);
export const SIM_FIRST_SEED = Number(process.env['SIM_FIRST_SEED'] ?? 1);

export function failureMessage(failures: string[], count: number): string {
  const seeds = failures.map((f) => /seed (\d+)/.exec(f)?.[1]).join(', ');
  return `${failures.length} of ${count} simulated schedules broke an invariant (seeds ${seeds}).\nFirst one:\n${failures[0]}`;
}
