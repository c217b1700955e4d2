// The pglab bench vs pgbench comparison against a real PostgreSQL 15 with a tiny sample: both sides run and report figures.
// A correctness check only: how the two compare is measured (docs/measurements/bench-vs-pgbench-local-*.txt), never asserted.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { comparePgbench, formatComparison } from '../../../measure/compare-pgbench.js';
import { generateSample } from '../../../imdb-data/generate-sample.js';
import { loadPostgres } from '../../../imdb-data/load-postgres.js';
import { PG_BIN, startLocalPostgres, type LocalPostgres } from '../../support/local-postgres.js';

let pg: LocalPostgres | undefined;
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'pglab-vs-pgbench-'));
  pg = await startLocalPostgres();
  await pg.createDatabase('imdb');
  await generateSample({ outDir: work, scale: 0.0002, seed: 5 });
  await loadPostgres({ connection: pg.connection('imdb'), sourceDir: work, indexes: true });
});

afterAll(async () => {
  await pg?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('comparePgbench', () => {
  it('runs pglab bench and pgbench (prepared and simple) on the same query and DSN, and reports positive figures', async () => {
    const c = pg!.connection('imdb');
    const lines: string[] = [];
    const pgbench = join(PG_BIN, 'pgbench');
    expect(existsSync(pgbench)).toBe(true);
    const result = await comparePgbench({
      dsn: `postgresql://${c.user}:${encodeURIComponent(String(c.password))}@${c.host}:${c.port}/imdb`,
      workloads: ['title-by-id', 'title-cast'],
      target: 'postgres',
      clients: 2,
      seconds: 1,
      warmupSeconds: 0,
      rounds: 1,
      modes: ['prepared', 'simple'],
      jobs: 1,
      pgbench,
      onRun: (line) => lines.push(line),
    });
    expect(result.workloads.map((w) => w.workload)).toEqual(['title-by-id', 'title-cast']);
    for (const w of result.workloads) {
      expect(w.range.lo).toBe(1);
      expect(w.range.count).toBe(w.range.hi); // the sample's ids are dense: every lookup pgbench draws exists
      const [round] = w.rounds;
      expect(round!.pglab.opsPerSec).toBeGreaterThan(0);
      expect(round!.pglab.errors).toBe(0);
      for (const mode of ['prepared', 'simple'] as const) {
        expect(round!.pgbench[mode]!.opsPerSec).toBeGreaterThan(0);
        expect(round!.pgbench[mode]!.errors).toBe(0);
        expect(round!.pgbench[mode]!.cpuUsPerOp).toBeGreaterThanOrEqual(0);
      }
      expect(w.ratio).toBeGreaterThan(0);
      expect(Number.isFinite(w.ratio)).toBe(true);
    }
    expect(lines).toHaveLength(6);
    expect(formatComparison(result)).toMatch(/title-cast \(postgres\)[\s\S]*median of 1: pglab [\d,]+ ops\/s, pgbench prepared [\d,]+ tps → ratio \d+\.\d\d×/);
  });
});
