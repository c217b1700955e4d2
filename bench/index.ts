// Public API of bench: run the IMDb workloads against PostgreSQL (relational and jsonb), show them side by side, write JSON + HTML reports.
export { runBench, runBenchTargets, type RunBenchOptions, type RunBenchTargetsOptions } from './run-bench.js';
export { BENCH_TARGETS, parseTargets, SQL_TARGETS, TARGET_MODELS, type BenchTarget, type SqlTarget, type TargetChoice } from './bench-targets.js';
export { formatBenchTable } from './format-table.js';
export { writeBenchReport } from './write-report.js';
export { WORKLOADS, WORKLOAD_NAMES, type Workload, type Implementation } from './workloads.js';
export type { SkippedTargets } from './html-report.js';
export { decodeHistogram } from './latency-histogram.js';
export type { BenchResult, WorkloadResult, LatencySummary, WorkloadKind } from './bench-types.js';
