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
