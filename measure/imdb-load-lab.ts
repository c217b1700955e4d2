// Measures `pglab imdb load` against `psql \copy` of the same files on the running lab, through haproxy, in one run.
// Run it inside the lab's network namespace: `make bench-imdb-load` (= pglab run -- node dist/measure/imdb-load-lab.js).
// Every method is a whole command timed from outside (process start included); methods alternate within a round,
// and before each one every node checkpoints and the replicas catch up, so no method pays for the previous one's WAL.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { DEFAULT_LOAD_CONCURRENCY } from '../imdb-data/load-postgres.js';
import { mapLimit } from '../imdb-data/map-limit.js';
import { machinesOf } from '../lab/topology.js';
import { resolveTopology } from '../tasks/topology-source.js';
import { sampleDir } from '../tasks/imdb.js';
import { BASELINE_FILES, baselineCopyCommand, baselineTablesSql, BASELINE_SCHEMA, BASELINE_TYPED_SCHEMA, decompressAll, median, timed, typedFromTextSql } from './copy-baseline.js';
import { measureArgs } from './harness.js';

const PGLAB = resolve(import.meta.dirname, '../../bin/pglab');

const { values: args } = measureArgs('pglab run -- node dist/measure/imdb-load-lab.js [--scale 0.05] [--rounds 3]', {
    scale: { type: 'string', default: '0.05' },
    seed: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '3' },
    json: { type: 'string' },
  });
const rounds = Number(args.rounds);
const concurrency = DEFAULT_LOAD_CONCURRENCY;

function usage(problem: string): never {
  console.error(`imdb-load-lab: ${problem}`);
  process.exit(2);
}

const dsn = process.env.PGLAB_DSN ?? usage('PGLAB_DSN is not set: run it as `pglab run -- node dist/measure/imdb-load-lab.js` (or make bench-imdb-load)');
if (!(rounds >= 1)) usage('--rounds must be a positive number');

const psql = (sql: string) => execa('psql', [dsn, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-At', '-c', sql]);
const pglab = (argv: string[]) => execa(PGLAB, argv);
const onNode = (node: string, sql: string) => pglab(['exec', node, '--', 'runuser', '-u', 'postgres', '--', 'psql', '-XAtq', '-c', sql]);

/** Flushes every node's dirty buffers and waits until the replicas have replayed everything: a level start for each method. */
async function settle(nodes: string[]): Promise<void> {
  const primaryIp = (await psql('SELECT host(inet_server_addr())')).stdout.trim();
  const primary = nodes.find((n) => n === ipToNode.get(primaryIp)) ?? usage(`haproxy's primary ${primaryIp} is not a postgres machine of the lab`);
  for (let i = 0; ; i++) {
    const behind = (await onNode(primary, 'SELECT count(*) FROM pg_stat_replication WHERE replay_lsn IS DISTINCT FROM pg_current_wal_lsn()')).stdout.trim();
    if (behind === '0') break;
    if (i > 600) usage('the replicas did not catch up within 60 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const n of nodes) await onNode(n, 'CHECKPOINT');
}

const topology = resolveTopology().topology;
const pgNodes = machinesOf(topology, 'postgres');
const ipToNode = new Map(pgNodes.map((m) => [m.ip, m.name]));

async function main(): Promise<void> {
  const scale = args.scale!;
  const seed = args.seed!;
  await execa(PGLAB, ['imdb', 'sample', '--scale', scale, '--seed', seed, '--plain'], { stdio: 'inherit' });
  const gzDir = sampleDir(Number(scale), Number(seed));
  const sample = JSON.parse(await readFile(join(gzDir, '.complete'), 'utf8')) as { files: { rows: number; bytes: number }[] };
  const rows = sample.files.reduce((n, f) => n + f.rows, 0);
  const gzBytes = sample.files.reduce((n, f) => n + f.bytes, 0);
  const plainDir = `${gzDir}-decompressed`;
  const bytes = await decompressAll(gzDir, plainDir);
  const mb = bytes / 1e6;
  const load = await execa('cat', ['/proc/loadavg']);
  console.log(`sample: scale ${scale}, seed ${seed}: ${rows.toLocaleString('en-US')} rows, ${mb.toFixed(1)} MB decompressed, ${(gzBytes / 1e6).toFixed(1)} MB gzip`);
  console.log(`through haproxy ${dsn.replace(/:[^:@/]+@/, ':***@')}; load average at start: ${load.stdout.trim()}`);

  const loadCommand = ['imdb', 'load', '--source', 'sample', '--scale', scale, '--seed', seed, '--plain'];
  const baseline = (parallel: number, viaZcat: boolean) => async () => {
    for (const sql of baselineTablesSql()) await psql(sql);
    await mapLimit(BASELINE_FILES, parallel, (spec) => psql(baselineCopyCommand(spec, plainDir, viaZcat ? gzDir : undefined)));
  };
  // What it takes with psql alone to end where our load ends: typed tables with arrays, analyzed.
  const sameResult = async () => {
    for (const sql of baselineTablesSql(true)) await psql(sql);
    await mapLimit(BASELINE_FILES, concurrency, async (spec) => {
      await psql(baselineCopyCommand(spec, plainDir, gzDir));
      await psql(typedFromTextSql(spec));
    });
  };
  const methods: [string, () => Promise<unknown>][] = [
    [`pglab imdb load --no-indexes (${concurrency} tables at a time)`, () => pglab([...loadCommand, '--no-indexes'])],
    [`psql \\copy, ${concurrency} files in parallel`, baseline(concurrency, false)],
    ["psql \\copy, one file after another (original lab)", baseline(1, false)],
    [`psql \\copy FROM PROGRAM 'zcat', ${concurrency} in parallel`, baseline(concurrency, true)],
    [`same result with psql: zcat \\copy + INSERT…SELECT typed + ANALYZE, ${concurrency} in parallel`, sameResult],
  ];
  const times = new Map<string, number[]>(methods.map(([name]) => [name, []]));
  const width = Math.max(...methods.map(([name]) => name.length)) + 2;
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const [name, run] of methods) {
        await settle(pgNodes.map((m) => m.name));
        const [, ms] = await timed(run);
        times.get(name)!.push(ms);
        console.log(`round ${round}  ${name.padEnd(width)} ${(ms / 1000).toFixed(2).padStart(7)} s  ${(mb / (ms / 1000)).toFixed(1).padStart(6)} MB/s`);
      }
    }
    await settle(pgNodes.map((m) => m.name));
    const [, indexedMs] = await timed(() => pglab(loadCommand));
    console.log(`once     ${'pglab imdb load (with keys and indexes)'.padEnd(width)}${(indexedMs / 1000).toFixed(2).padStart(7)} s`);

    console.log(`\n${'method'.padEnd(width)} ${'median'.padStart(8)} ${'best'.padStart(8)} ${'MB/s'.padStart(7)} ${'rows/s'.padStart(10)}   (median of ${rounds})`);
    for (const [name] of methods) {
      const t = times.get(name)!;
      const m = median(t);
      console.log(`${name.padEnd(width)} ${(m / 1000).toFixed(2).padStart(7)}s ${(Math.min(...t) / 1000).toFixed(2).padStart(7)}s ${(mb / (m / 1000)).toFixed(1).padStart(7)} ${Math.round(rows / (m / 1000)).toLocaleString('en-US').padStart(10)}`);
    }
    const ours = times.get(methods[0]![0])!;
    console.log('\nthroughput ratio, pglab imdb load / psql \\copy (median | best):');
    for (const [name] of methods.slice(1)) {
      const theirs = times.get(name)!;
      console.log(`  vs ${name.padEnd(width)} ${(median(theirs) / median(ours)).toFixed(2)}× | ${(Math.min(...theirs) / Math.min(...ours)).toFixed(2)}×`);
    }
    if (args.json) {
      await writeFile(args.json, JSON.stringify({ scale, seed, rows, bytes, gzBytes, loadAvg: load.stdout.trim(), times: Object.fromEntries(times), indexedMs }, null, 2));
    }
  } finally {
    for (const schema of [BASELINE_SCHEMA, BASELINE_TYPED_SCHEMA]) await psql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await rm(plainDir, { recursive: true, force: true });
  }
}

await main();
