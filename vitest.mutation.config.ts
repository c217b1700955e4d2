// The test run `make mutation` (StrykerJS) kills mutants with: the daemon's unit tests and the simulator, with fewer
// random schedules than `make test` runs (every mutant runs the tests that cover it, on 2 cores).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/daemon/**/*.test.ts'],
    testTimeout: 600_000,
    env: { SIM_SCHEDULES: process.env['MUTATION_SIM_SCHEDULES'] ?? '30', SIM_LAYER_SCHEDULES: process.env['MUTATION_SIM_LAYER_SCHEDULES'] ?? '15' },
  },
});
