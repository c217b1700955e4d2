// `pglab bench` vs pgbench on the same query, clients, duration and connection (issue 13: pglab ≥ 0.9× pgbench's ops/s).
//   On the lab, through haproxy:  make bench-vs-pgbench   (= pglab run -- node dist/measure/bench-vs-pgbench.js, DSN from $PGLAB_DSN)
//   Any PostgreSQL with the IMDb data loaded:  node dist/measure/bench-vs-pgbench.js --dsn postgresql://user:pw@host:port/db
//   A throwaway loopback PostgreSQL 15 with a generated sample:  node dist/measure/bench-vs-pgbench.js --local [--scale 0.01]
// Options: --workloads title-by-id[,title-cast] --target postgres|jsonb --clients 8 --duration 10s --warmup 2s --rounds 3
//          --modes prepared[,simple,extended] (the first is the ratio's reference) --jobs 1 --pgbench PATH --json FILE
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { parseDuration } from '../common/duration.js';
import { UserError } from '../common/errors.js';
import type { SqlTarget } from '../bench/bench-targets.js';
import { comparePgbench, formatComparison, type CompareOptions } from './compare-pgbench.js';
import { PGBENCH_MODES, type PgbenchMode } from '../bench/pgbench-script.js';
import { measureArgs, measurementPostgres, runMeasurement } from './harness.js';

const { values: args } = measureArgs('node dist/measure/bench-vs-pgbench.js [--dsn URL | --local] [--workloads LIST] [--clients N] [--duration 10s] [--rounds N] [--json FILE]', {
    dsn: { type: 'string' },
    local: { type: 'boolean', default: false },
    scale: { type: 'string', default: '0.01' },
    workloads: { type: 'string', default: 'title-by-id' },
    target: { type: 'string', default: 'postgres' },
    clients: { type: 'string', default: '8' },
    duration: { type: 'string', default: '10s' },
    warmup: { type: 'string', default: '2s' },
    rounds: { type: 'string', default: '3' },
    modes: { type: 'string', default: 'prepared' },
    jobs: { type: 'string', default: '1' },
    pgbench: { type: 'string' },
    json: { type: 'string' },
  });

function wholeSeconds(text: string, flag: string): number {
  const ms = parseDuration(text, flag);
  if (ms % 1000 !== 0) throw new UserError(`${flag} must be whole seconds (pgbench -T), not ${text}`, 'pass e.g. 10s');
  return ms / 1000;
}

function positive(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`${flag} must be a whole number ≥ 1, not ${text}`);
  return n;
}

function options(dsn: string): CompareOptions {
  const modes = args.modes!.split(',').map((m) => m.trim());
  const bad = modes.filter((m) => !(PGBENCH_MODES as readonly string[]).includes(m));
  if (bad.length) throw new UserError(`unknown pgbench mode ${bad.join(', ')}`, `use ${PGBENCH_MODES.join(', ')}`);
  if (args.target !== 'postgres' && args.target !== 'jsonb') throw new UserError(`--target ${args.target}`, 'use postgres or jsonb');
  const pgbench = args.pgbench ?? (existsSync('/usr/lib/postgresql/15/bin/pgbench') ? '/usr/lib/postgresql/15/bin/pgbench' : 'pgbench');
  return {
    dsn,
    workloads: args.workloads!.split(',').map((w) => w.trim()).filter(Boolean),
    target: args.target as SqlTarget,
    clients: positive(args.clients!, '--clients'),
    seconds: wholeSeconds(args.duration!, '--duration'),
    warmupSeconds: args.warmup === '0' ? 0 : wholeSeconds(args.warmup!, '--warmup'),
    rounds: positive(args.rounds!, '--rounds'),
    modes: modes as PgbenchMode[],
    jobs: positive(args.jobs!, '--jobs'),
    pgbench,
    onRun: (line) => console.log(line),
  };
}

/** A loopback PostgreSQL 15 with a generated sample loaded (durable, like the lab), for as long as `fn` runs. */
async function withLocalPostgres<T>(target: SqlTarget, fn: (dsn: string) => Promise<T>): Promise<T> {
  const { mkdtemp, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { generateSample } = await import('../imdb-data/generate-sample.js');
  const { loadPostgres } = await import('../imdb-data/load-postgres.js');
  const { loadJsonb } = await import('../imdb-data/load-jsonb.js');
  const work = await mkdtemp(join(tmpdir(), 'pglab-vs-pgbench-sample-'));
  const pg = await measurementPostgres({ shared_buffers: '256MB' });
  try {
    await pg.createDatabase('imdb');
    const c = pg.connection('imdb');
    await generateSample({ outDir: work, scale: Number(args.scale), seed: 1 });
    if (target === 'postgres') await loadPostgres({ connection: c, sourceDir: work, indexes: true });
    else await loadJsonb({ connection: c, sourceDir: work });
    console.log(`loopback PostgreSQL 15 on 127.0.0.1:${c.port}, sample scale ${args.scale} loaded (${target})`);
    return await fn(`postgresql://${c.user}:${encodeURIComponent(String(c.password))}@${c.host}:${c.port}/imdb`);
  } finally {
    await pg.stop();
    await rm(work, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const run = async (dsn: string): Promise<void> => {
    const result = await comparePgbench(options(dsn));
    console.log(`\n${formatComparison(result)}`);
    if (args.json) await writeFile(args.json, `${JSON.stringify(result, null, 2)}\n`);
  };
  if (args.local) return withLocalPostgres(args.target as SqlTarget, run);
  const dsn = args.dsn ?? process.env.PGLAB_DSN;
  if (!dsn) throw new UserError('no database to measure', 'pass --dsn postgresql://…, run it as `pglab run -- node dist/measure/bench-vs-pgbench.js` (make bench-vs-pgbench), or --local');
  return run(dsn);
}

runMeasurement(main);
