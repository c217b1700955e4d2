// Public API of bench: run the IMDb workloads against PostgreSQL, show them as a table, write JSON + HTML reports.
export { runBench, type RunBenchOptions } from './run-bench.js';
export { formatBenchTable } from './format-table.js';
export { writeBenchReport } from './write-report.js';
export { WORKLOADS, WORKLOAD_NAMES, type Workload } from './workloads.js';
export { decodeHistogram } from './latency-histogram.js';
export type { BenchResult, WorkloadResult, LatencySummary, WorkloadKind } from './bench-types.js';
