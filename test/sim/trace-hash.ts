// Prints a hash of each seed's trace: a refactoring that keeps behaviour keeps the hashes. npx tsx test/sim/trace-hash.ts FIRST COUNT
import { createHash } from 'node:crypto';
import { randomSchedule } from './faults.js';
import { World } from './world.js';
const first = Number(process.argv[2] ?? 1);
const count = Number(process.argv[3] ?? 20);
for (let seed = first; seed < first + count; seed++) {
  const r = await new World(seed, randomSchedule(seed), false).run();
  console.log(seed, r.violations.length, createHash('sha1').update(r.trace.join('\n')).digest('hex').slice(0, 12), r.stats.acked);
}
