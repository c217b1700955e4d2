// Replays one simulation schedule and prints its event trace: npx tsx test/sim/replay.ts --seed 1234 [--verbose] | --scenario NAME.
import { describeFault, randomSchedule } from './faults.js';
import { report } from './run.js';
import { scenarios } from './scenarios.js';
import { World } from './world.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const scenarioName = arg('--scenario');
const onlyLayer = arg('--only-layer');
if (onlyLayer !== undefined && onlyLayer !== 'timer' && onlyLayer !== 'watchdog') {
  console.error('--only-layer takes timer or watchdog');
  process.exit(2);
}
const layers = onlyLayer ? { timer: onlyLayer === 'timer', watchdog: onlyLayer === 'watchdog' } : undefined;
const verbose = process.argv.includes('--verbose');
const scenario = scenarioName ? scenarios[scenarioName] : undefined;
if (scenarioName && !scenario) {
  console.error(`unknown scenario ${scenarioName}; known: ${Object.keys(scenarios).join(', ')}`);
  process.exit(2);
}
const seed = Number(arg('--seed') ?? scenario?.seed ?? NaN);
if (!Number.isInteger(seed)) {
  console.error('usage: npx tsx test/sim/replay.ts --seed N [--only-layer timer|watchdog] [--verbose] | --scenario NAME [--verbose]');
  process.exit(2);
}
const schedule = scenario ? scenario.schedule : randomSchedule(seed, layers);
const started = performance.now();
const r = await new World(seed, schedule, verbose).run();
if (verbose) console.log(r.trace.join('\n'));
else for (const f of schedule.faults) console.log(`@${f.at}ms ${describeFault(f)}`);
console.log(report(r, schedule, scenarioName));
console.log(`stats: ${JSON.stringify(r.stats)}; ${Math.round(performance.now() - started)}ms real time`);
process.exit(r.violations.length ? 1 : 0);
