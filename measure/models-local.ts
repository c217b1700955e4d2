// Relational vs jsonb on a local PostgreSQL (no lab needed): both loads of one sample, their sizes, then every workload on both targets.
// The lab's figures come from `pglab bench --target postgres,jsonb` (docs/imdb.md); this is the loopback orientation.
//   npx tsx measure/models-local.ts [--scale 0.01] [--clients 4] [--duration 5] [--warmup 1] [--json out.json]
import { writeFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSample } from '../imdb-data/generate-sample.js';
import { loadJsonb } from '../imdb-data/load-jsonb.js';
import { loadPostgres } from '../imdb-data/load-postgres.js';
import { formatBenchTable } from '../bench/format-table.js';
import { runBenchTargets } from '../bench/run-bench.js';
import { measureArgs, measurementPostgres } from './harness.js';

const { values: args } = measureArgs('npx tsx measure/models-local.ts [--scale 0.01] [--clients 4] [--duration 5] [--warmup 1] [--json FILE]', {
    scale: { type: 'string', default: '0.01' },
    seed: { type: 'string', default: '42' },
    clients: { type: 'string', default: '4' },
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    json: { type: 'string' },
  });

const work = await mkdtemp(join(tmpdir(), 'pglab-models-'));
// Durable like the lab (the test harness turns fsync off by default).
const pg = await measurementPostgres({ shared_buffers: '512MB', max_wal_size: '8GB' });
try {
  await pg.createDatabase('imdb');
  const connection = pg.connection('imdb');
  const t0 = Date.now();
  await generateSample({ outDir: work, scale: Number(args.scale), seed: Number(args.seed) });
  console.log(`sample scale ${args.scale}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const rel = await loadPostgres({ connection, sourceDir: work, indexes: true });
  console.log(`relational load: ${(rel.ms / 1000).toFixed(2)} s (${rel.tables.reduce((a, t) => a + t.rows, 0).toLocaleString('en')} rows)`);
  const doc = await loadJsonb({ connection, sourceDir: work });
  console.log(
    `jsonb load: ${(doc.ms / 1000).toFixed(2)} s (${doc.tables.map((t) => `${t.table} ${t.documents.toLocaleString('en')} docs, COPY ${(t.ms / 1000).toFixed(2)} s, indexes ${(t.indexMs / 1000).toFixed(2)} s, ANALYZE ${(t.analyzeMs / 1000).toFixed(2)} s`).join('; ')})`,
  );
  const sizes = await pg.query<{ schema: string; tables: string; indexes: string }>(
    `SELECT n.nspname AS schema, pg_size_pretty(sum(pg_table_size(c.oid))) AS tables, pg_size_pretty(sum(pg_indexes_size(c.oid))) AS indexes
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname IN ('imdb', 'imdb_doc') GROUP BY 1 ORDER BY 1`,
    [],
    'imdb',
  );
  for (const s of sizes) console.log(`${s.schema}: tables (with TOAST) ${s.tables}, indexes ${s.indexes}`);
  const idx = await pg.query<{ name: string; size: string }>(
    `SELECT indexrelid::regclass::text AS name, pg_size_pretty(pg_relation_size(indexrelid)) AS size FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'imdb_doc' ORDER BY 1`,
    [],
    'imdb',
  );
  console.log(idx.map((i) => `  ${i.name} ${i.size}`).join('\n'));
  const results = await runBenchTargets({
    connection,
    targets: ['postgres', 'jsonb'],
    clients: Number(args.clients),
    durationMs: Number(args.duration) * 1000,
    warmupMs: Number(args.warmup) * 1000,
  });
  console.log(formatBenchTable(results));
  if (args.json) await writeFile(args.json, JSON.stringify({ sizes, indexes: idx, load: { relational: rel, jsonb: doc }, results }, null, 2));
} finally {
  await pg.stop();
  await rm(work, { recursive: true, force: true });
}
