// Runs seeds and prints each run's margins (worst lease slack, handover gap, longest outage) and violations: a survey tool.
import { randomSchedule } from './faults.js';
import { World } from './world.js';
const first = Number(process.argv[2] ?? 1);
const count = Number(process.argv[3] ?? 20);
for (let seed = first; seed < first + count; seed++) {
  const r = await new World(seed, randomSchedule(seed), false).run();
  const m = r.stats;
  console.log(`${seed} slack ${m.worstSlackMs === Infinity ? '-' : Math.round(m.worstSlackMs)} gap ${Math.round(m.handoverGapMs)} outage ${Math.round(m.longestOutageMs)} ${r.violations.map((v) => `${v.kind}@${(v.at / 1000).toFixed(1)}`).join(' ')}`);
}
