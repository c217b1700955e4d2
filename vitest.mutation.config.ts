// The test run `make mutation` (StrykerJS) kills mutants with: the daemon's unit tests and the simulator, with fewer
// random schedules than `make test` runs (every mutant runs the tests that cover it, one file at a time, and stops at
// the first failure: so the fast files go first, the random schedules last).
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

function rank(spec: TestSpecification): number {
  const file = spec.moduleId;
  if (/simulation-(seeds|layers)/.test(file)) return 2;
  if (/simulation\.test/.test(file)) return 1;
  return 0;
}

class FastFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return [...files].sort((a, b) => rank(a) - rank(b) || (a.moduleId < b.moduleId ? -1 : 1));
  }
}

export default defineConfig({
  test: {
    include: ['test/unit/daemon/**/*.test.ts'],
    testTimeout: 600_000,
    sequence: { sequencer: FastFirst },
    env: { SIM_SCHEDULES: process.env['MUTATION_SIM_SCHEDULES'] ?? '30', SIM_LAYER_SCHEDULES: process.env['MUTATION_SIM_LAYER_SCHEDULES'] ?? '15' },
  },
});
