// Runs seeds and prints each run's margins (worst lease slack, handover gap, longest outage) and violations, one line
// each: npx tsx test/sim/margins.ts FIRST COUNT [timer|watchdog].
import { randomSchedule } from './faults.js';
import { World } from './world.js';
const first = Number(process.argv[2] ?? 1);
const count = Number(process.argv[3] ?? 20);
// A fourth argument, timer or watchdog, runs the per-layer schedules with only that fence layer.
const only = process.argv[4];
const layers = only === 'timer' || only === 'watchdog' ? { timer: only === 'timer', watchdog: only === 'watchdog' } : undefined;
for (let seed = first; seed < first + count; seed++) {
  const r = await new World(seed, randomSchedule(seed, layers), false).run();
  const m = r.stats;
  console.log(`${seed} slack ${m.worstSlackMs === Infinity ? '-' : Math.round(m.worstSlackMs)} gap ${Math.round(m.handoverGapMs)} outage ${Math.round(m.longestOutageMs)} ${r.violations.map((v) => `${v.kind}@${(v.at / 1000).toFixed(1)}`).join(' ')}`);
}
