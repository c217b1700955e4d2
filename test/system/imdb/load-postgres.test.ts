// Loads generated and hand-made IMDb files into a real PostgreSQL 15, then verifies, reloads, and breaks things on purpose.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../common/errors.js';
import { generateSample, type GeneratedFile } from '../../../imdb-data/generate-sample.js';
import { IMDB_FILES } from '../../../imdb-data/imdb-files.js';
import { loadPostgres } from '../../../imdb-data/load-postgres.js';
import { verifyPostgres } from '../../../imdb-data/verify-postgres.js';
import { startLocalPostgres, type LocalPostgres } from '../../support/local-postgres.js';
import { EDGE_BAD_LINES, writeEdgeFiles } from './edge-files.js';

let pg: LocalPostgres | undefined;
let work: string;
let sampleDir: string;
let edgeDir: string;
let generated: GeneratedFile[];

const db = (): LocalPostgres => {
  if (!pg) throw new Error('PostgreSQL did not start');
  return pg;
};

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'pglab-imdb-load-'));
  sampleDir = join(work, 'sample');
  edgeDir = join(work, 'edge');
  pg = await startLocalPostgres();
  await db().createDatabase('sample');
  await db().createDatabase('edge');
  ({ files: generated } = await generateSample({ outDir: sampleDir, scale: 0.0005, seed: 7 }));
  await writeEdgeFiles(edgeDir);
});

afterAll(async () => {
  await pg?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

async function counts(database: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const spec of IMDB_FILES) {
    const [row] = await db().query<{ n: string }>(`SELECT count(*) AS n FROM imdb.${spec.table}`, [], database);
    out[spec.table] = Number(row?.n);
  }
  return out;
}

describe('loadPostgres + verifyPostgres on a generated sample', () => {
  it('loads every row with typed columns, keys and indexes, and verifies', async () => {
    const progress = new Map<string, number>();
    const result = await loadPostgres({
      connection: db().connection('sample'),
      sourceDir: sampleDir,
      indexes: true,
      onProgress: (table, rows) => progress.set(table, rows),
    });
    expect(result.badLines).toEqual([]);
    const expected = Object.fromEntries(IMDB_FILES.map((s) => [s.table, generated.find((g) => g.file === s.file)!.rows]));
    expect(await counts('sample')).toEqual(expected);
    expect(Object.fromEntries(result.tables.map((t) => [t.table, t.rows]))).toEqual(expected);
    expect(Object.fromEntries(progress)).toEqual(expected); // the final progress call carries the final count
    for (const t of result.tables) expect(t.bytes).toBeGreaterThan(0);

    const indexes = await db().query<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE schemaname = 'imdb' ORDER BY 1`, [], 'sample');
    expect(indexes.map((i) => i.indexname)).toEqual(
      [
        ...IMDB_FILES.map((s) => `${s.table}_pkey`),
        'title_basics_genres_gin', 'title_basics_start_year', 'title_episode_parent', 'title_principals_nconst',
      ].sort(),
    );
    const [types] = await db().query<{ t: string }>(
      `SELECT string_agg(column_name || ':' || data_type, ',' ORDER BY ordinal_position) AS t FROM information_schema.columns WHERE table_schema='imdb' AND table_name='title_basics'`,
      [], 'sample',
    );
    expect(types?.t).toBe(
      'tconst:text,title_type:text,primary_title:text,original_title:text,is_adult:boolean,start_year:integer,end_year:integer,runtime_minutes:integer,genres:ARRAY',
    );
    const analyzed = await db().query(`SELECT relname FROM pg_stat_user_tables WHERE schemaname='imdb' AND last_analyze IS NULL`, [], 'sample');
    expect(analyzed).toEqual([]);

    const verify = await verifyPostgres({ connection: db().connection('sample'), sourceDir: sampleDir });
    expect(verify.checks.filter((c) => !c.ok)).toEqual([]);
    expect(verify.ok).toBe(true);
    expect(verify.checks.length).toBeGreaterThanOrEqual(IMDB_FILES.length * 3);
  });

  it('reloads idempotently (parsing in this thread this time): same data, no leftovers, and verify still passes', async () => {
    const before = await counts('sample');
    await db().query(`INSERT INTO imdb.title_ratings VALUES ('tt9999999', 5.0, 5)`, [], 'sample');
    const result = await loadPostgres({ connection: db().connection('sample'), sourceDir: sampleDir, indexes: false, concurrency: 2, workers: false });
    expect(result.badLines).toEqual([]);
    expect(await counts('sample')).toEqual(before); // the stray row is gone: the tables were replaced
    const schemas = await db().query<{ nspname: string }>(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'imdb%' ORDER BY 1`, [], 'sample');
    expect(schemas.map((s) => s.nspname)).toEqual(['imdb']);
    // Without indexes the tables are still analyzed (each right after its COPY): the planner knows them at once.
    const unanalyzed = await db().query(`SELECT relname FROM pg_stat_user_tables WHERE schemaname='imdb' AND last_analyze IS NULL`, [], 'sample');
    expect(unanalyzed).toEqual([]);
    for (const t of result.tables) expect(t.indexMs).toBe(0);
    expect((await verifyPostgres({ connection: db().connection('sample'), sourceDir: sampleDir })).ok).toBe(true);
  });

  it('verify notices a missing row and a changed value', async () => {
    await db().query(`DELETE FROM imdb.title_akas WHERE (title_id, ordering) IN (SELECT title_id, ordering FROM imdb.title_akas ORDER BY 1, 2 LIMIT 1)`, [], 'sample');
    await db().query(`UPDATE imdb.title_ratings SET num_votes = num_votes + 1 WHERE tconst = (SELECT max(tconst) FROM imdb.title_ratings)`, [], 'sample');
    const verify = await verifyPostgres({ connection: db().connection('sample'), sourceDir: sampleDir });
    expect(verify.ok).toBe(false);
    const failed = verify.checks.filter((c) => !c.ok).map((c) => c.name);
    expect(failed).toHaveLength(3);
    expect(failed[0]).toMatch(/^title_akas: rows/);
    expect(failed[1]).toMatch(/^title_akas: first row/);
    expect(failed[2]).toMatch(/^title_ratings: last row/);
  });

  it('a truncated gzip file fails the load with a user error naming the file, and the loaded data stays as it was', async () => {
    await loadPostgres({ connection: db().connection('sample'), sourceDir: sampleDir, indexes: true });
    const before = await counts('sample');
    const broken = join(work, 'broken');
    await rm(broken, { recursive: true, force: true });
    await generateSample({ outDir: broken, scale: 0.0002, seed: 3 });
    const target = join(broken, 'title.principals.tsv.gz');
    const bytes = await readFile(target);
    await writeFile(target, bytes.subarray(0, bytes.length >> 1));
    const err = await loadPostgres({ connection: db().connection('sample'), sourceDir: broken, indexes: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toContain(`${target} is not a complete gzip file`);
    expect(await counts('sample')).toEqual(before);
    const schemas = await db().query<{ nspname: string }>(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'imdb%'`, [], 'sample');
    expect(schemas.map((s) => s.nspname)).toEqual(['imdb']);
  });

  it('cancels on abort and leaves the previous data', async () => {
    const before = await counts('sample');
    const ac = new AbortController();
    const loading = loadPostgres({
      connection: db().connection('sample'),
      sourceDir: sampleDir,
      indexes: true,
      signal: ac.signal,
      onProgress: () => ac.abort(),
    });
    await expect(loading).rejects.toThrow('IMDb load cancelled');
    expect(await counts('sample')).toEqual(before);
  });

  it('a missing file is a user error that points at fetch and sample', async () => {
    const partial = join(work, 'partial');
    await rm(partial, { recursive: true, force: true });
    await writeEdgeFiles(partial);
    await rm(join(partial, 'title.crew.tsv.gz'));
    const err = await loadPostgres({ connection: db().connection('sample'), sourceDir: partial, indexes: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toBe(`${partial} lacks title.crew.tsv.gz`);
    expect((err as UserError).hint).toContain('pglab imdb sample');
  });
});

describe('loadPostgres on awkward hand-made files', () => {
  it('stores quotes, backslashes, \\N, braces, non-ASCII and lists exactly, and reports each bad line with file and line', async () => {
    const result = await loadPostgres({ connection: db().connection('edge'), sourceDir: edgeDir, indexes: true });
    const rel = result.badLines.map((b) => ({ ...b, file: b.file.slice(edgeDir.length + 1) }));
    expect(rel.sort((a, b) => a.file.localeCompare(b.file))).toEqual(EDGE_BAD_LINES);
    for (const b of result.badLines) expect(b.file.startsWith(edgeDir)).toBe(true);

    const q = (sql: string) => db().query(sql, [], 'edge');
    expect(await q(`SELECT primary_name FROM imdb.name_basics ORDER BY nconst`)).toEqual([
      { primary_name: 'Fred Astaire' }, { primary_name: '"Weird Al" Yankovic' }, { primary_name: "Back\\Slash O'Neil" },
    ]);
    expect(await q(`SELECT * FROM imdb.title_basics WHERE tconst IN ('tt0000002','tt0000004','tt0000005') ORDER BY 1`)).toEqual([
      { tconst: 'tt0000002', title_type: 'movie', primary_title: 'The "Big" Backslash \\ Movie', original_title: 'Le Grand \\N', is_adult: false, start_year: 2001, end_year: null, runtime_minutes: null, genres: null },
      { tconst: 'tt0000004', title_type: 'tvSeries', primary_title: 'Series {with} braces, and commas', original_title: 'Series', is_adult: false, start_year: 1990, end_year: 1995, runtime_minutes: 30, genres: ['Comedy', 'Drama'] },
      { tconst: 'tt0000005', title_type: 'tvEpisode', primary_title: 'NULL', original_title: 'null', is_adult: true, start_year: 1991, end_year: null, runtime_minutes: 30, genres: ['Comedy'] },
    ]);
    expect(await q(`SELECT title, types, attributes FROM imdb.title_akas ORDER BY title_id, ordering`)).toEqual([
      { title: 'Carmencita', types: ['original'], attributes: null },
      { title: 'Карменсита', types: ['imdbDisplay'], attributes: null },
      { title: 'Le "Grand"', types: ['alternative', 'working'], attributes: ['new title, complete', 'literal English title'] },
    ]);
    expect(await q(`SELECT job, characters FROM imdb.title_principals ORDER BY tconst, ordering`)).toEqual([
      { job: null, characters: ['Self'] },
      { job: null, characters: ['Dr. "Doc" Brown', 'Narrator'] },
      { job: 'based on "the" novel', characters: null },
    ]);
    expect(await q(`SELECT average_rating::text AS r, num_votes FROM imdb.title_ratings ORDER BY tconst`)).toEqual([
      { r: '5.7', num_votes: 2090 }, { r: '10.0', num_votes: 5 },
    ]);
    expect(await q(`SELECT directors, writers FROM imdb.title_crew ORDER BY tconst`)).toEqual([
      { directors: ['nm0000001'], writers: null }, { directors: ['nm0000001', 'nm0000002'], writers: ['nm0000003'] },
    ]);
    expect(await q(`SELECT season_number, episode_number FROM imdb.title_episode ORDER BY tconst`)).toEqual([
      { season_number: 1, episode_number: 1 }, { season_number: null, episode_number: null },
    ]);
    const verify = await verifyPostgres({ connection: db().connection('edge'), sourceDir: edgeDir });
    expect(verify.checks.filter((c) => !c.ok)).toEqual([]);
  });

  it('fails, leaving the previous data, when there are more bad lines than allowed', async () => {
    const before = await counts('edge');
    const err = await loadPostgres({ connection: db().connection('edge'), sourceDir: edgeDir, indexes: false, maxBadLines: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toMatch(/^more than 2 malformed lines/);
    expect(await counts('edge')).toEqual(before);
  });

  it('reports duplicate keys as a user error naming the file', async () => {
    const dup = join(work, 'dup');
    await rm(dup, { recursive: true, force: true });
    await writeEdgeFiles(dup);
    await writeFile(join(dup, 'title.ratings.tsv.gz'), gzipSync('tconst\taverageRating\tnumVotes\ntt0000001\t5.7\t1\ntt0000001\t5.8\t2\n'));
    const err = await loadPostgres({ connection: db().connection('edge'), sourceDir: dup, indexes: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toContain(`${join(dup, 'title.ratings.tsv.gz')} has duplicate keys (tconst)`);
  });

});
