// Measures loadPostgres against `psql \copy` of the same files on a local PostgreSQL (no lab needed), and sample generation time.
// The lab's own figure, through haproxy to a replicated primary, is measure/imdb-load-lab.ts (make bench-imdb-load).
// Run compiled, so the copy workers start as plain JavaScript (under tsx each worker first compiles TypeScript):
//   npx tsc -p tsconfig.json --outDir .pglab-test/dist && node .pglab-test/dist/measure/imdb-load-vs-copy.js [--scale 0.05] [--rounds 3] [--concurrency 4] [--json out.json]
// (npx tsx measure/imdb-load-vs-copy.ts works too, with that start-up cost in loadPostgres' figures.)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { generateSample } from '../imdb-data/generate-sample.js';
import { loadPostgres } from '../imdb-data/load-postgres.js';
import { mapLimit } from '../imdb-data/map-limit.js';
import { BASELINE_FILES, baselineCopyCommand, baselineTablesSql, decompressAll, timed } from './copy-baseline.js';
import { PG_BIN, type LocalPostgres } from '../test/support/local-postgres.js';
import { measureArgs, measurementPostgres } from './harness.js';

interface Run {
  method: string;
  round: number;
  ms: number;
  /** loadPostgres only: start of the COPYs until the last one is done (each table's ANALYZE included). */
  copyMs?: number;
  mbPerSec: number;
  rowsPerSec: number;
}

const { values: args } = measureArgs('node dist/measure/imdb-load-vs-copy.js [--scale 0.05] [--rounds 3] [--json FILE]', {
    scale: { type: 'string', default: '0.05' },
    seed: { type: 'string', default: '42' },
    rounds: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '4' },
    json: { type: 'string' },
  });
const scale = Number(args.scale);
const rounds = Number(args.rounds);
const concurrency = Number(args.concurrency);

const mb = (bytes: number): number => bytes / 1e6;

/** The original lab's baseline (measure/copy-baseline.ts) against the local server. */
async function psqlCopy(pg: LocalPostgres, plainDir: string, parallel: number, gzDir?: string): Promise<void> {
  for (const sql of baselineTablesSql()) await pg.query(sql, [], 'bench');
  const conn = `host=127.0.0.1 port=${pg.port} user=postgres dbname=bench`;
  await mapLimit(BASELINE_FILES, parallel, async (spec) => {
    await execa(join(PG_BIN, 'psql'), [conn, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', baselineCopyCommand(spec, plainDir, gzDir)], { env: { PGPASSWORD: pg.password } });
  });
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'pglab-measure-'));
  // Same server settings for every method; durability on, as on the lab's nodes.
  const pg = await measurementPostgres({ max_wal_size: '8GB', shared_buffers: '512MB' });
  try {
    await pg.createDatabase('bench');
    const small = join(work, 'sample-0.01');
    const [, genSmallMs] = await timed(() => generateSample({ outDir: small, scale: 0.01, seed: Number(args.seed) }));
    const gzDir = join(work, 'sample');
    const [generated, genMs] = await timed(() => generateSample({ outDir: gzDir, scale, seed: Number(args.seed) }));
    const plainDir = join(work, 'plain');
    const bytes = await decompressAll(gzDir, plainDir);
    const rows = generated.files.reduce((n, f) => n + f.rows, 0);
    const gzBytes = generated.files.reduce((n, f) => n + f.bytes, 0);
    console.log(`sample: scale ${scale}, ${rows.toLocaleString('en-US')} rows, ${mb(bytes).toFixed(1)} MB decompressed (${mb(gzBytes).toFixed(1)} MB gzip), generated in ${(genMs / 1000).toFixed(1)} s`);
    console.log(`sample generation at scale 0.01: ${(genSmallMs / 1000).toFixed(2)} s`);

    const runs: Run[] = [];
    const record = (method: string, round: number, ms: number, copyMs?: number): void => {
      const run: Run = { method, round, ms: Math.round(ms), mbPerSec: mb(bytes) / (ms / 1000), rowsPerSec: rows / (ms / 1000), ...(copyMs !== undefined ? { copyMs } : {}) };
      runs.push(run);
      const copy = copyMs !== undefined ? `  (COPY phase ${(copyMs / 1000).toFixed(2)} s, ${(mb(bytes) / (copyMs / 1000)).toFixed(1)} MB/s)` : '';
      console.log(`${method.padEnd(50)} round ${round}: ${(ms / 1000).toFixed(2)} s  ${run.mbPerSec.toFixed(1)} MB/s  ${Math.round(run.rowsPerSec).toLocaleString('en-US')} rows/s${copy}`);
    };
    const ours = (c: number, workers: boolean, indexes = false) => async (): Promise<number> =>
      (await loadPostgres({ connection: pg.connection('bench'), sourceDir: gzDir, indexes, concurrency: c, workers })).phases.copyMs;
    const methods: [string, () => Promise<number | void>][] = [
      [`psql \\copy, ${concurrency} files in parallel`, () => psqlCopy(pg, plainDir, concurrency)],
      [`loadPostgres, concurrency ${concurrency} (default: worker threads)`, ours(concurrency, true)],
      [`loadPostgres, concurrency ${concurrency}, one thread`, ours(concurrency, false)],
      ['psql \\copy, one file after another', () => psqlCopy(pg, plainDir, 1)],
      ['loadPostgres, concurrency 1 (worker thread)', ours(1, true)],
      [`psql \\copy FROM PROGRAM 'zcat', ${concurrency} in parallel`, () => psqlCopy(pg, plainDir, concurrency, gzDir)],
    ];
    // Methods alternate within a round so that drift (caches, checkpoints, other load on the host) hits all alike.
    for (let round = 1; round <= rounds; round++) {
      for (const [name, fn] of methods) {
        await pg.query('CHECKPOINT', [], 'bench');
        const [copyMs, ms] = await timed(fn);
        record(name, round, ms, copyMs ?? undefined);
      }
    }
    await pg.query('CHECKPOINT', [], 'bench');
    const [indexedCopyMs, indexedMs] = await timed(ours(concurrency, true, true));
    record(`loadPostgres, concurrency ${concurrency}, with keys + indexes`, 1, indexedMs, indexedCopyMs);

    const best = (method: string, key: 'ms' | 'copyMs' = 'ms'): number =>
      Math.min(...runs.filter((r) => r.method === method).map((r) => r[key] ?? r.ms));
    const ratio = (oursName: string, theirs: string, key: 'ms' | 'copyMs'): string => (best(theirs) / best(oursName, key)).toFixed(2);
    console.log(`\nratio of throughput, loadPostgres / psql \\copy (best of ${rounds}; whole load incl. ANALYZE + swap | COPY phase only):`);
    for (const [o, t] of [[1, 0], [2, 0], [4, 3], [1, 5]] as const) {
      console.log(`  ${methods[o]![0].padEnd(50)} vs ${methods[t]![0].padEnd(38)} ${ratio(methods[o]![0], methods[t]![0], 'ms')}× | ${ratio(methods[o]![0], methods[t]![0], 'copyMs')}×`);
    }
    if (args.json) {
      const { writeFile } = await import('node:fs/promises');
      await writeFile(args.json, JSON.stringify({ scale, rows, bytes, gzBytes, genMs, genSmallMs, runs }, null, 2));
    }
  } finally {
    await pg.stop();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
