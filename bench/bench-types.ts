// Shapes shared by the benchmark runner, the table formatter and the report writer.

export type WorkloadKind = 'read' | 'write';

export interface LatencySummary {
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export interface WorkloadResult {
  name: string;
  kind: WorkloadKind;
  description: string;
  /** How this target ran it (its implementation in a few words). */
  how?: string;
  /** Completed operations (errors not included). */
  ops: number;
  /** Rows the operations returned or wrote in total: a zero here means the workload measured nothing. */
  rows: number;
  errors: number;
  firstError?: string;
  opsPerSec: number;
  /** Milliseconds, from the HDR histogram (3 significant digits). */
  latencyMs: LatencySummary;
  /** The whole histogram (microseconds), HdrHistogram compressed base64, for later merging or plotting. */
  histogram: string;
  durationMs: number;
  /** Set when this target cannot run the workload (no implementation): why, shown in its cell; the numbers are zero. */
  skipped?: string;
}

export interface BenchResult {
  /** What was measured, e.g. "postgres" or "postgres via haproxy"; a column in the side-by-side table. */
  label: string;
  /** Which target ran: postgres (relational tables) or jsonb (documents); absent in reports from before targets existed. */
  target?: string;
  /** The database server that answered, as its outputs name it (MongoDB: version, source, end of life). */
  server?: string;
  startedAt: string;
  clients: number;
  durationMs: number;
  workloads: WorkloadResult[];
}
