// Half 2 of the seeded random schedules of the daemon simulation (two files so two vitest workers share them).
import { describe, expect, it } from 'vitest';
import { checkSeeds, SIM_FIRST_SEED, SIM_SCHEDULES } from '../../sim/run.js';

const half = Math.ceil(SIM_SCHEDULES / 2);
const first = SIM_FIRST_SEED + half;
const count = SIM_SCHEDULES - half;

describe('daemon simulation: seeded random fault schedules', () => {
  it(`keeps every invariant in schedules ${first}..${first + count - 1}`, async () => {
    const { failure, summary } = await checkSeeds(first, count);
    // Drift towards an edge shows here before a seed flips.
    console.log(`simulation margins, seeds ${first}..${first + count - 1}: ${summary}`);
    expect(failure, failure ?? '').toBeNull();
  }, 600_000);
});
