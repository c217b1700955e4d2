// Each fence layer holds on its own: random schedules with the other layer turned off in the simulation. The timer
// alone gets only faults in which the daemon process keeps running (the watchdog's job is the daemon frozen, starved
// or dead); the watchdog alone gets every fault.
import { describe, expect, it } from 'vitest';
import { checkSeeds, SIM_LAYER_SCHEDULES } from '../../sim/run.js';

const FIRST = 500_001;

describe('daemon simulation: each fence layer alone', () => {
  for (const layers of [{ timer: true, watchdog: false }, { timer: false, watchdog: true }]) {
    const name = layers.timer ? 'the daemon\'s fence timer' : 'the watchdog process';
    it(`${name} alone keeps every invariant in schedules ${FIRST}..${FIRST + SIM_LAYER_SCHEDULES - 1}`, async () => {
      const { failure, summary } = await checkSeeds(FIRST, SIM_LAYER_SCHEDULES, layers);
      console.log(`simulation margins, ${name} alone: ${summary}`);
      expect(failure, failure ?? '').toBeNull();
    }, 900_000);
  }
});
