// `pglab bench`: the IMDb workloads against the lab's PostgreSQL through haproxy;
// a side-by-side table on the terminal, JSON and HTML in the state dir.
import { join } from 'node:path';
import { UserError } from '../common/errors.js';
import { formatBenchTable, runBench, WORKLOAD_NAMES, writeBenchReport, type BenchResult } from '../bench/index.js';
import { paths } from '../lab/state-dir.js';
import type { Topology } from '../lab/topology.js';
import { labClientConfig, requireLabNetns } from './client-access.js';
import type { Step } from './graph/step.js';

export interface BenchOptions {
  target: string;
  clients: number;
  durationMs: number;
  warmupMs: number;
  workloads?: string[];
}

export function benchSteps(t: Topology, o: BenchOptions, out: { results: BenchResult[]; files?: { json: string; html: string } }): Step[] {
  if (o.target === 'mongo' || o.target === 'all') {
    throw new UserError(`--target ${o.target}: the lab has no MongoDB machines`, 'MongoDB cannot be installed here (no Debian package); see docs/decisions.md. Use --target postgres');
  }
  if (o.target !== 'postgres') throw new UserError(`unknown --target "${o.target}"`, 'use --target postgres');
  const unknown = (o.workloads ?? []).filter((w) => !WORKLOAD_NAMES.includes(w));
  if (unknown.length) throw new UserError(`unknown workload(s): ${unknown.join(', ')}`, `workloads are: ${WORKLOAD_NAMES.join(', ')}`);
  requireLabNetns();
  return [
    {
      id: 'bench:postgres',
      title: `Benchmark PostgreSQL through haproxy (${o.clients} clients, ${o.durationMs / 1000}s per workload)`,
      check: true,
      async run(ctx) {
        const r = await runBench({
          connection: labClientConfig(t),
          workloads: o.workloads,
          clients: o.clients,
          durationMs: o.durationMs,
          warmupMs: o.warmupMs,
          label: 'postgres',
          signal: ctx.signal,
          onProgress: (w, ops, ms, errors) => ctx.output(`${w}: ${ops} ops in ${(ms / 1000).toFixed(1)}s${errors ? `, ${errors} errors` : ''}`),
        });
        out.results.push(r);
        return `${r.workloads.length} workloads`;
      },
    },
    {
      id: 'report',
      title: 'Write the JSON and HTML report',
      needs: ['bench:postgres'],
      check: true,
      async run() {
        const dir = join(paths.home(), 'reports');
        out.files = await writeBenchReport(out.results, dir);
        return dir;
      },
    },
  ];
}

export { formatBenchTable };
