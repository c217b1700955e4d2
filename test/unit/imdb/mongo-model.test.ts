// The MongoDB document model and the streaming merge of the title files; the loader's error when no server answers.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../common/errors.js';
import { Invalid } from '../../../imdb-data/field-codecs.js';
import { generateSample } from '../../../imdb-data/generate-sample.js';
import { fileSpec } from '../../../imdb-data/imdb-files.js';
import { loadMongo, readMongoDocuments } from '../../../imdb-data/load-mongo.js';
import { verifyMongo } from '../../../imdb-data/verify-mongo.js';
import { personDocument, titleDocument } from '../../../imdb-data/mongo-model.js';
import { compareIds, mergeTitles } from '../../../imdb-data/title-merge.js';
import { lineToValues } from '../../../imdb-data/tsv-row.js';
import type { Row } from '../../../imdb-data/values-transform.js';

function row(file: string, line: string): Row {
  const v = lineToValues(fileSpec(file), line);
  if (v instanceof Invalid) throw new Error(v.reason);
  return v;
}

async function* iter(rows: Row[]): AsyncGenerator<Row> {
  yield* rows;
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const N = '\\N';

describe('titleDocument / personDocument', () => {
  it('embeds rating, crew, episode link, akas and principals, leaving out what is unknown', () => {
    const doc = titleDocument({
      basics: row('title.basics.tsv.gz', `tt0000005\ttvEpisode\tPilot\tPilot\t0\t1991\t${N}\t${N}\tComedy,Drama`),
      ratings: row('title.ratings.tsv.gz', 'tt0000005\t7.5\t1234'),
      crew: row('title.crew.tsv.gz', `tt0000005\tnm0000001,nm0000002\t${N}`),
      episode: row('title.episode.tsv.gz', `tt0000005\ttt0000004\t1\t${N}`),
      akas: [row('title.akas.tsv.gz', `tt0000005\t1\tLe Pilote\tFR\t${N}\timdbDisplay\t${N}\t0`)],
      principals: [row('title.principals.tsv.gz', `tt0000005\t1\tnm0000003\tactor\t${N}\t["Dr. \\"Doc\\" Brown"]`)],
    });
    expect(doc).toEqual({
      _id: 'tt0000005',
      titleType: 'tvEpisode',
      primaryTitle: 'Pilot',
      originalTitle: 'Pilot',
      isAdult: false,
      startYear: 1991,
      genres: ['Comedy', 'Drama'],
      rating: { average: 7.5, votes: 1234 },
      directors: ['nm0000001', 'nm0000002'],
      episodeOf: { parent: 'tt0000004', season: 1 },
      akas: [{ ordering: 1, title: 'Le Pilote', region: 'FR', types: ['imdbDisplay'], isOriginalTitle: false }],
      principals: [{ ordering: 1, nconst: 'nm0000003', category: 'actor', characters: ['Dr. "Doc" Brown'] }],
    });
  });

  it('makes a bare title without optional parts', () => {
    const doc = titleDocument({ basics: row('title.basics.tsv.gz', `tt0000001\tshort\tX\tX\t1\t${N}\t${N}\t${N}\t${N}`), akas: [], principals: [] });
    expect(doc).toEqual({ _id: 'tt0000001', titleType: 'short', primaryTitle: 'X', originalTitle: 'X', isAdult: true, genres: [], akas: [], principals: [] });
  });

  it('makes people documents', () => {
    expect(personDocument(row('name.basics.tsv.gz', `nm0000001\tFred Astaire\t1899\t1987\tactor,producer\ttt0000003`))).toEqual({
      _id: 'nm0000001', primaryName: 'Fred Astaire', birthYear: 1899, deathYear: 1987, primaryProfession: ['actor', 'producer'], knownForTitles: ['tt0000003'],
    });
    expect(personDocument(row('name.basics.tsv.gz', `nm0000002\tX\t${N}\t${N}\t${N}\t${N}`))).toEqual({
      _id: 'nm0000002', primaryName: 'X', primaryProfession: [], knownForTitles: [],
    });
  });
});

describe('mergeTitles', () => {
  const basics = (id: string): Row => row('title.basics.tsv.gz', `${id}\tmovie\tT\tT\t0\t2000\t${N}\t${N}\t${N}`);
  const rating = (id: string): Row => row('title.ratings.tsv.gz', `${id}\t5.0\t10`);
  const aka = (id: string, k: number): Row => row('title.akas.tsv.gz', `${id}\t${k}\tT\t${N}\t${N}\t${N}\t${N}\t0`);

  it('groups each title with its rows, in numeric id order, and counts orphans', async () => {
    const orphans: Record<string, number> = {};
    const merged = await collect(
      mergeTitles(
        {
          basics: iter([basics('tt0000002'), basics('tt9999999'), basics('tt10000000')]),
          ratings: iter([rating('tt0000001'), rating('tt0000002'), rating('tt10000000'), rating('tt10000001')]),
          crew: iter([]),
          episode: iter([]),
          akas: iter([aka('tt0000002', 1), aka('tt0000002', 2), aka('tt9999999', 1)]),
          principals: iter([]),
        },
        orphans,
      ),
    );
    expect(merged.map((m) => [m.basics[0], m.ratings?.[0] ?? null, m.akas.length])).toEqual([
      ['tt0000002', 'tt0000002', 2],
      ['tt9999999', null, 1],
      ['tt10000000', 'tt10000000', 0],
    ]);
    expect(orphans['title.ratings.tsv.gz']).toBe(2); // tt0000001 before the first title, tt10000001 after the last
    expect(orphans['title.akas.tsv.gz']).toBe(0);
  });

  it('refuses unsorted input with a user error', async () => {
    const run = collect(
      mergeTitles({
        basics: iter([basics('tt0000001'), basics('tt0000003')]),
        ratings: iter([rating('tt0000003'), rating('tt0000001')]),
        crew: iter([]),
        episode: iter([]),
        akas: iter([]),
        principals: iter([]),
      }),
    );
    await expect(run).rejects.toThrow('title.ratings.tsv.gz is not sorted by title id: tt0000001 comes after tt0000003');
  });

  it('compares ids by number', () => {
    expect(compareIds('tt9999999', 'tt10000000')).toBeLessThan(0);
    expect(compareIds('tt0000002', 'tt0000001')).toBeGreaterThan(0);
    expect(compareIds('nm0000001', 'nm0000001')).toBe(0);
  });
});

describe('readMongoDocuments', () => {
  it('streams one document per title and person from a generated sample, every row embedded, no orphans', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pglab-mongo-docs-'));
    try {
      const { files } = await generateSample({ outDir: dir, scale: 0.0002, seed: 5 });
      const rows = (f: string): number => files.find((x) => x.file === f)!.rows;
      const { titles, people, orphans } = await readMongoDocuments(dir);
      const [t, p] = await Promise.all([collect(titles), collect(people)]);
      expect(t.length).toBe(rows('title.basics.tsv.gz'));
      expect(p.length).toBe(rows('name.basics.tsv.gz'));
      expect(t.reduce((n, d) => n + d.akas.length, 0)).toBe(rows('title.akas.tsv.gz'));
      expect(t.reduce((n, d) => n + d.principals.length, 0)).toBe(rows('title.principals.tsv.gz'));
      expect(t.filter((d) => d.rating).length).toBe(rows('title.ratings.tsv.gz'));
      expect(t.filter((d) => d.episodeOf).length).toBe(rows('title.episode.tsv.gz'));
      expect(Object.values(orphans)).toEqual([0, 0, 0, 0, 0]);
      expect(JSON.stringify(t).length).toBeGreaterThan(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('loadMongo', () => {
  it('load and verify say clearly when no MongoDB answers (nothing listens on the port)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pglab-mongo-'));
    try {
      await generateSample({ outDir: dir, scale: 0.0001, seed: 1 });
      const probe = createServer();
      await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
      const port = (probe.address() as AddressInfo).port;
      await new Promise((resolve) => probe.close(resolve));
      for (const run of [loadMongo, verifyMongo]) {
        const err = await run({ uri: `mongodb://127.0.0.1:${port}/`, sourceDir: dir, serverSelectionTimeoutMS: 300 }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(UserError);
        expect((err as UserError).message).toMatch(new RegExp(`^cannot reach MongoDB at mongodb://127\\.0\\.0\\.1:${port}/`));
        expect((err as UserError).hint).toContain('pglab status');
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
