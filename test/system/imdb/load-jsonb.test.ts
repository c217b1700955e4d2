// The document model in jsonb: loads a generated sample into a real PostgreSQL 15, verifies it, reloads atomically, and breaks it on purpose.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../common/errors.js';
import { readDocuments } from '../../../imdb-data/document-source.js';
import { generateSample } from '../../../imdb-data/generate-sample.js';
import { DOCUMENT_INDEXES, rowToDocument } from '../../../imdb-data/jsonb-model.js';
import { loadJsonb } from '../../../imdb-data/load-jsonb.js';
import { verifyJsonb } from '../../../imdb-data/verify-jsonb.js';
import { startLocalPostgres, type LocalPostgres } from '../../support/local-postgres.js';

let server: LocalPostgres | undefined;
let work: string;
let sampleDir: string;

const db = (): LocalPostgres => {
  if (!server) throw new Error('PostgreSQL did not start');
  return server;
};

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'pglab-imdb-jsonb-'));
  sampleDir = join(work, 'sample');
  server = await startLocalPostgres();
  await db().createDatabase('docs');
  await generateSample({ outDir: sampleDir, scale: 0.0005, seed: 7 });
});

afterAll(async () => {
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('loadJsonb + verifyJsonb on a generated sample', () => {
  it('stores every document the MongoDB model builds, with keys and expression indexes, and verifies', async () => {
    const progress = new Map<string, number>();
    const r = await loadJsonb({ connection: db().connection('docs'), sourceDir: sampleDir, onProgress: (t, n) => progress.set(t, n) });
    const { titles, people } = await readDocuments(sampleDir);
    const [expectedTitles, expectedPeople] = await Promise.all([all(titles), all(people)]);
    expect(r.badLines).toEqual([]);
    expect(r.tables.map((t) => [t.table, t.documents])).toEqual([
      ['titles', expectedTitles.length],
      ['people', expectedPeople.length],
    ]);
    expect(Object.fromEntries(progress)).toEqual({ titles: expectedTitles.length, people: expectedPeople.length });

    // Every document, not only the spot checks of verify, equals what the builder makes.
    const stored = await db().query<{ id: string; doc: Record<string, unknown> }>('SELECT id, doc FROM imdb_doc.titles', [], 'docs');
    const byId = new Map(stored.map((row) => [row.id, rowToDocument(row)]));
    const mismatched = expectedTitles.filter((d) => !isDeepStrictEqual(byId.get(d._id), { ...d }));
    expect(mismatched.map((d) => d._id)).toEqual([]);
    expect(expectedTitles.some((d) => d.principals.length > 0 && d.akas.length > 0 && d.rating)).toBe(true);

    const indexes = await db().query<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE schemaname = 'imdb_doc' ORDER BY 1`, [], 'docs');
    expect(indexes.map((i) => i.indexname)).toEqual(['people_pkey', ...DOCUMENT_INDEXES.titles.map((i) => i.name), 'titles_pkey'].sort());
    const schemas = await db().query<{ nspname: string }>(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'imdb_doc%'`, [], 'docs');
    expect(schemas.map((s) => s.nspname)).toEqual(['imdb_doc']); // no staging schema left behind

    const v = await verifyJsonb({ connection: db().connection('docs'), sourceDir: sampleDir });
    expect(v.checks.filter((c) => !c.ok)).toEqual([]);
    expect(v.checks.map((c) => c.name)).toEqual([
      'titles: documents (source rows that parse)',
      `titles: first document (${expectedTitles[0]!._id})`,
      `titles: last document (${expectedTitles.at(-1)!._id})`,
      'people: documents (source rows that parse)',
      `people: first document (${expectedPeople[0]!._id})`,
      `people: last document (${expectedPeople.at(-1)!._id})`,
      'indexes (6: primary keys and the workloads\' expression indexes)',
    ]);
  });

  it('the indexes serve the workload queries (the planner picks them)', async () => {
    const [nconst] = await db().query<{ n: string }>(`SELECT p->>'nconst' AS n FROM imdb_doc.titles, jsonb_array_elements(doc->'principals') p LIMIT 1`, [], 'docs');
    const client = new pg.Client(db().connection('docs'));
    await client.connect();
    try {
      await client.query('SET enable_seqscan = off'); // the sample is tiny: only ask whether the index can be used
      const explain = async (sql: string, params: unknown[]): Promise<string> => (await client.query(`EXPLAIN ${sql}`, params)).rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n');
      expect(await explain(`SELECT doc FROM imdb_doc.titles WHERE jsonb_path_query_array(doc, '$.principals[*].nconst') ? $1`, [nconst?.n])).toContain('titles_principals_nconst');
      expect(await explain(`SELECT doc FROM imdb_doc.titles WHERE doc->'genres' ? $1`, ['Drama'])).toContain('titles_genres_gin');
      expect(await explain(`SELECT doc FROM imdb_doc.titles WHERE (doc->>'startYear')::integer BETWEEN 1990 AND 1999`, [])).toContain('titles_start_year');
    } finally {
      await client.end();
    }
  });

  it('fails verify when a document is gone or changed, and a reload brings it back atomically', async () => {
    const [victim] = await db().query<{ id: string }>('SELECT id FROM imdb_doc.titles ORDER BY id DESC LIMIT 1 OFFSET 3', [], 'docs');
    await db().query('DELETE FROM imdb_doc.titles WHERE id = $1', [victim!.id], 'docs');
    const { titles } = await readDocuments(sampleDir);
    const first = (await all(titles))[0]!;
    await db().query(`UPDATE imdb_doc.titles SET doc = jsonb_set(doc, '{primaryTitle}', '"changed"') WHERE id = $1`, [first._id], 'docs');

    const v = await verifyJsonb({ connection: db().connection('docs'), sourceDir: sampleDir });
    expect(v.ok).toBe(false);
    const failed = v.checks.filter((c) => !c.ok);
    expect(failed.map((c) => c.name)).toEqual(['titles: documents (source rows that parse)', `titles: first document (${first._id})`]);
    expect(Number(failed[0]!.actual)).toBe(Number(failed[0]!.expected) - 1);
    expect(failed[1]!.actual).toContain('"primaryTitle":"changed"');

    // A load stopped half-way (cancelled at its first progress report) leaves the live documents as they were.
    const stop = new AbortController();
    const cancelled = loadJsonb({
      connection: db().connection('docs'),
      sourceDir: sampleDir,
      signal: stop.signal,
      onProgress: () => stop.abort(),
    }).catch((e: unknown) => e);
    expect(await cancelled).toBeInstanceOf(UserError);
    const [left] = await db().query<{ n: string }>('SELECT count(*) AS n FROM imdb_doc.titles WHERE id = $1', [victim!.id], 'docs');
    expect(Number(left?.n)).toBe(0); // still the damaged data, not a half-loaded one

    await loadJsonb({ connection: db().connection('docs'), sourceDir: sampleDir });
    expect((await verifyJsonb({ connection: db().connection('docs'), sourceDir: sampleDir })).ok).toBe(true);
  });
});
