// `pglab bench`: the IMDb workloads against the lab's PostgreSQL through haproxy, on the relational tables and/or the jsonb
// documents, side by side; a table on the terminal, JSON and HTML in the state dir.
import { join } from 'node:path';
import { UserError } from '../common/errors.js';
import { formatBenchTable, parseTargets, runBenchTargets, WORKLOAD_NAMES, writeBenchReport, type BenchResult, type SkippedTargets } from '../bench/index.js';
import { paths } from '../lab/state-dir.js';
import { replicationOf, type Topology } from '../lab/topology.js';
import { labClientConfig, requireLabNetns } from './client-access.js';
import type { Step } from './graph/step.js';
import { runMongoBench, writeConcernLike } from '../bench/run-mongo-bench.js';
import type { SqlTarget } from '../bench/bench-targets.js';
import { installedServer, labMongoUri, mongoUnavailable, serverName } from '../lab/roles/mongo/index.js';
import { LiveRunFeed } from './live-run-feed.js';

export interface BenchOptions {
  /** `postgres`, `jsonb`, a comma-separated list, or `all`. */
  target: string;
  clients: number;
  durationMs: number;
  warmupMs: number;
  workloads?: string[];
}

export interface BenchOutput {
  results: BenchResult[];
  /** Targets `all` stood for that cannot run here, with why: the caller prints them, the report keeps them. */
  skipped: SkippedTargets;
  files?: { json: string; html: string };
}

export function benchSteps(t: Topology, o: BenchOptions, out: BenchOutput): Step[] {
  const choice = parseTargets(o.target, mongoUnavailable(t));
  const sqlTargets = choice.run.filter((x): x is SqlTarget => x !== 'mongo');
  const mongoUri = choice.run.includes('mongo') ? labMongoUri(t) : undefined;
  out.skipped.push(...choice.skipped);
  const unknown = (o.workloads ?? []).filter((w) => !WORKLOAD_NAMES.includes(w));
  if (unknown.length) throw new UserError(`unknown workload(s): ${unknown.join(', ')}`, `workloads are: ${WORKLOAD_NAMES.join(', ')}`);
  requireLabNetns();
  const names = choice.run.join(', ');
  return [
    {
      id: 'bench',
      title: `Benchmark ${names}${sqlTargets.length ? ' (PostgreSQL through haproxy)' : ''}${mongoUri ? ' (mongo on replica set rs0)' : ''} (${o.clients} clients, ${o.durationMs / 1000}s per workload${sqlTargets.length > 1 ? ' and target, PostgreSQL targets taking turns' : ''})`,
      check: true,
      async run(ctx) {
        const live = LiveRunFeed.start('bench', `${names}, ${o.clients} clients`); // what `pglab ui` shows of this run
        const progress = (w: string, ops: number, ms: number, errors: number, target: string) => {
          ctx.output(`${target} ${w}: ${ops} ops in ${(ms / 1000).toFixed(1)}s${errors ? `, ${errors} errors` : ''}`);
          live.benchProgress(`${target} ${w}`, ops, ms, errors);
        };
        const common = { workloads: o.workloads, clients: o.clients, durationMs: o.durationMs, warmupMs: o.warmupMs, signal: ctx.signal, onProgress: progress };
        // MongoDB runs after the PostgreSQL targets, not interleaved workload by workload with them.
        if (sqlTargets.length > 0) out.results.push(...(await runBenchTargets({ ...common, connection: labClientConfig(t), targets: sqlTargets })));
        const server = installedServer();
        if (mongoUri) out.results.push(await runMongoBench({ ...common, uri: mongoUri, writeConcern: writeConcernLike(replicationOf(t)), ...(server ? { server: serverName(server) } : {}) }));
        live.end(true);
        return `${out.results[0]?.workloads.length ?? 0} workloads on ${names}`;
      },
    },
    {
      id: 'report',
      title: 'Write the JSON and HTML report',
      needs: ['bench'],
      check: true,
      async run() {
        const dir = join(paths.home(), 'reports');
        out.files = await writeBenchReport(out.results, dir, out.skipped);
        return dir;
      },
    },
  ];
}

/** What the terminal shows after the steps: the side-by-side table, the targets that were skipped and why, the report files. */
export function benchSummary(out: BenchOutput): string {
  return [
    ...(out.results.length ? [formatBenchTable(out.results)] : []),
    ...out.results.flatMap((r) => (r.server ? [`${r.label}: ${r.server}`] : [])),
    ...out.skipped.map((s) => `${s.target}: not run — ${s.reason}`),
    ...(out.files ? [`report: ${out.files.html}`, `json:   ${out.files.json}`] : []),
  ].join('\n');
}

export { formatBenchTable };
