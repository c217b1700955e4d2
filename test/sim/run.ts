// Runs one schedule (random from a seed, or an explicit one) and formats its outcome; shared by the tests and replay.ts.
import { describeFault, describeSchedule, randomSchedule, type FenceLayers, type Schedule } from './faults.js';
import { World, type SimResult } from './world.js';

export async function runSchedule(seed: number, schedule: Schedule = randomSchedule(seed)): Promise<SimResult> {
  return new World(seed, schedule, false).run();
}

/** The fence layer a per-layer run keeps on ('timer' or 'watchdog'), or none for both. */
export function layerName(layers: FenceLayers | undefined): string | null {
  if (!layers || (layers.timer && layers.watchdog)) return null;
  return layers.timer ? 'timer' : 'watchdog';
}

export function replayCommand(seed: number, scenario?: string, layers?: FenceLayers): string {
  const only = layerName(layers);
  return `npx tsx test/sim/replay.ts ${scenario ? `--scenario ${scenario}` : `--seed ${seed}`}${only ? ` --only-layer ${only}` : ''} --verbose`;
}

/** What a failing schedule prints: the seed, the faults, the violations, the trace around the first one, and how to replay. */
export function report(r: SimResult, schedule: Schedule, scenario?: string): string {
  const first = r.violations[0];
  const lines = [
    `simulation seed ${r.seed}${scenario ? ` (scenario ${scenario})` : ''}: ${r.violations.length} violation(s)`,
    `schedule: ${describeSchedule(schedule)}; faults: ${schedule.faults.map((f) => `@${f.at}ms ${describeFault(f)}`).join('; ') || 'none'}`,
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
  lines.push(`replay: ${replayCommand(r.seed, scenario, schedule.layers)}`);
  return lines.join('\n');
}

interface Extreme {
  value: number;
  seed: number;
}

/** How close the schedules came to each edge: the worst of each margin, with its seed. */
export class MarginSummary {
  private slack: Extreme = { value: Infinity, seed: 0 };
  private gap: Extreme = { value: 0, seed: 0 };
  private outage: Extreme = { value: 0, seed: 0 };
  private runs = 0;

  add(r: SimResult): void {
    this.runs++;
    if (r.stats.worstSlackMs < this.slack.value) this.slack = { value: r.stats.worstSlackMs, seed: r.seed };
    if (r.stats.handoverGapMs > this.gap.value) this.gap = { value: r.stats.handoverGapMs, seed: r.seed };
    if (r.stats.longestOutageMs > this.outage.value) this.outage = { value: r.stats.longestOutageMs, seed: r.seed };
  }

  toString(): string {
    const at = (e: Extreme) => `${Math.round(e.value)}ms (seed ${e.seed})`;
    return `${this.runs} schedules: worst lease slack ${at(this.slack)}, longest handover gap ${at(this.gap)}, longest write outage ${at(this.outage)}`;
  }
}

/**
 * Runs `count` random schedules from `first` and stops at the first that breaks an invariant: its report (with the
 * command that replays it) is the failure. The margins of the schedules run so far are summed up either way.
 */
export async function checkSeeds(first: number, count: number, layers?: FenceLayers): Promise<{ failure: string | null; summary: MarginSummary }> {
  const summary = new MarginSummary();
  for (let seed = first; seed < first + count; seed++) {
    const schedule = randomSchedule(seed, layers);
    const r = await runSchedule(seed, schedule);
    summary.add(r);
    if (r.violations.length) return { failure: report(r, schedule), summary };
  }
  return { failure: null, summary };
}

/** How many random schedules `make test` runs, split over the seed files (SIM_SCHEDULES overrides; SIM_FIRST_SEED shifts). */
export const SIM_SCHEDULES = Number(process.env['SIM_SCHEDULES'] ?? 1600);
export const SIM_FIRST_SEED = Number(process.env['SIM_FIRST_SEED'] ?? 1);
/** Schedules per fence layer in the per-layer runs (SIM_LAYER_SCHEDULES overrides). */
export const SIM_LAYER_SCHEDULES = Number(process.env['SIM_LAYER_SCHEDULES'] ?? 200);
