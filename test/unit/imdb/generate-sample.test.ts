// The sample generator: deterministic per seed, every line valid, references between files resolve, IMDb-like shape.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Invalid } from '../../../imdb-data/field-codecs.js';
import { generateSample, sampleCounts } from '../../../imdb-data/generate-sample.js';
import { fileSpec, headerLine, IMDB_FILE_NAMES } from '../../../imdb-data/imdb-files.js';
import { lineToValues } from '../../../imdb-data/tsv-row.js';

const SCALE = 0.0005; // 5 500 titles, 7 000 people: big enough for distributions, a second to generate
let dirA: string;
let dirB: string;
let dirC: string;
const rows = new Map<string, unknown[][]>();

async function lines(dir: string, file: string): Promise<string[]> {
  return gunzipSync(await readFile(join(dir, file))).toString('utf8').split('\n');
}

beforeAll(async () => {
  dirA = await mkdtemp(join(tmpdir(), 'pglab-sample-a-'));
  dirB = await mkdtemp(join(tmpdir(), 'pglab-sample-b-'));
  dirC = await mkdtemp(join(tmpdir(), 'pglab-sample-c-'));
  await generateSample({ outDir: dirA, scale: SCALE, seed: 1 });
  await generateSample({ outDir: dirB, scale: SCALE, seed: 1, gzipLevel: 9 });
  await generateSample({ outDir: dirC, scale: SCALE, seed: 2 });
  for (const file of IMDB_FILE_NAMES) {
    const spec = fileSpec(file);
    const all = await lines(dirA, file);
    const parsed: unknown[][] = [];
    for (const [i, line] of all.slice(1, -1).entries()) {
      const v = lineToValues(spec, line);
      if (v instanceof Invalid) throw new Error(`${file}:${i + 2}: ${v.reason}`);
      parsed.push(v);
    }
    rows.set(file, parsed);
  }
});

afterAll(async () => {
  for (const d of [dirA, dirB, dirC]) if (d) await rm(d, { recursive: true, force: true });
});

const get = (file: string): unknown[][] => rows.get(file) ?? [];

describe('generateSample', () => {
  it('writes the seven IMDb files with IMDb headers, a final newline and only valid lines', async () => {
    for (const file of IMDB_FILE_NAMES) {
      const all = await lines(dirA, file);
      expect(all[0]).toBe(headerLine(fileSpec(file)));
      expect(all.at(-1)).toBe(''); // ends with a newline
      expect(get(file).length).toBe(all.length - 2);
    }
  });

  it('is deterministic for a seed (whatever the gzip level) and differs for another seed', async () => {
    for (const file of IMDB_FILE_NAMES) {
      expect((await lines(dirB, file)).join('\n')).toBe((await lines(dirA, file)).join('\n'));
    }
    expect((await lines(dirC, 'title.basics.tsv.gz')).join('\n')).not.toBe((await lines(dirA, 'title.basics.tsv.gz')).join('\n'));
  });

  it('reports rows and sizes and scales the counts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pglab-sample-d-'));
    try {
      const seen = new Set<string>();
      const { files } = await generateSample({ outDir: dir, scale: 0.0001, seed: 1, onProgress: (f) => seen.add(f) });
      const basics = files.find((f) => f.file === 'title.basics.tsv.gz');
      expect(basics?.rows).toBe(sampleCounts(0.0001).titles);
      expect(basics?.rows).toBe(1100);
      expect(files.map((f) => f.file).sort()).toEqual([...IMDB_FILE_NAMES].sort());
      for (const f of files) expect(f.bytes).toBeGreaterThan(20);
      expect([...seen].sort()).toEqual([...IMDB_FILE_NAMES].sort());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects a bad scale or seed with a user error', async () => {
    await expect(generateSample({ outDir: dirA, scale: 0, seed: 1 })).rejects.toThrow('sample scale 0 is out of range');
    await expect(generateSample({ outDir: dirA, scale: 0.01, seed: 1.5 })).rejects.toThrow('not a whole number');
  });

  it('has unique keys and references that resolve', () => {
    const titles = new Map(get('title.basics.tsv.gz').map((r) => [r[0] as string, r[1] as string]));
    const people = new Set(get('name.basics.tsv.gz').map((r) => r[0] as string));
    expect(titles.size).toBe(get('title.basics.tsv.gz').length);
    expect(people.size).toBe(get('name.basics.tsv.gz').length);
    const keys = (file: string, n: number): Set<string> => new Set(get(file).map((r) => r.slice(0, n).join('/')));
    expect(keys('title.akas.tsv.gz', 2).size).toBe(get('title.akas.tsv.gz').length);
    expect(keys('title.principals.tsv.gz', 2).size).toBe(get('title.principals.tsv.gz').length);
    expect(keys('title.ratings.tsv.gz', 1).size).toBe(get('title.ratings.tsv.gz').length);

    const missing: string[] = [];
    const title = (id: unknown, where: string): void => void (titles.has(id as string) || missing.push(`${where}: ${String(id)}`));
    const person = (id: unknown, where: string): void => void (people.has(id as string) || missing.push(`${where}: ${String(id)}`));
    for (const r of get('title.akas.tsv.gz')) title(r[0], 'akas');
    for (const r of get('title.ratings.tsv.gz')) title(r[0], 'ratings');
    for (const r of get('title.crew.tsv.gz')) {
      title(r[0], 'crew');
      for (const p of [...((r[1] as string[] | null) ?? []), ...((r[2] as string[] | null) ?? [])]) person(p, 'crew');
    }
    for (const r of get('title.principals.tsv.gz')) {
      title(r[0], 'principals');
      person(r[2], 'principals');
    }
    for (const r of get('name.basics.tsv.gz')) for (const t of (r[5] as string[] | null) ?? []) title(t, 'knownFor');
    for (const r of get('title.episode.tsv.gz')) {
      title(r[0], 'episode');
      expect(titles.get(r[0] as string)).toBe('tvEpisode');
      expect(['tvSeries', 'tvMiniSeries']).toContain(titles.get(r[1] as string));
    }
    expect(missing).toEqual([]);
    expect(get('title.crew.tsv.gz').length).toBe(titles.size);
    const episodes = [...titles.values()].filter((t) => t === 'tvEpisode').length;
    expect(get('title.episode.tsv.gz').length).toBe(episodes);
  });

  it('looks like IMDb: type mix, ratings share, long-tailed votes, principals per title, awkward text', () => {
    const basics = get('title.basics.tsv.gz');
    const share = (type: string): number => basics.filter((r) => r[1] === type).length / basics.length;
    expect(share('tvEpisode')).toBeGreaterThan(0.72);
    expect(share('tvEpisode')).toBeLessThan(0.84);
    expect(share('movie')).toBeGreaterThan(0.04);
    const ratings = get('title.ratings.tsv.gz');
    expect(ratings.length / basics.length).toBeGreaterThan(0.09);
    expect(ratings.length / basics.length).toBeLessThan(0.18);
    const votes = ratings.map((r) => r[2] as number).sort((a, b) => a - b);
    const median = votes[votes.length >> 1]!;
    expect(votes[0]).toBeGreaterThanOrEqual(5);
    expect(votes.at(-1)!).toBeGreaterThan(100 * median);
    const perTitle = get('title.principals.tsv.gz').length / basics.length;
    expect(perTitle).toBeGreaterThan(6);
    expect(perTitle).toBeLessThan(10);
    const akasPerTitle = get('title.akas.tsv.gz').length / basics.length;
    expect(akasPerTitle).toBeGreaterThan(3);
    expect(akasPerTitle).toBeLessThan(7);
    const years = basics.map((r) => r[5]).filter((y): y is number => typeof y === 'number');
    expect(years.filter((y) => y >= 2000).length / years.length).toBeGreaterThan(0.5);
    const texts = [...basics.map((r) => r[2] as string), ...get('name.basics.tsv.gz').map((r) => r[1] as string)];
    expect(texts.some((t) => t.includes('"'))).toBe(true);
    expect(texts.some((t) => t.includes('\\'))).toBe(true);
    expect(texts.some((t) => /[^\x00-\x7f]/.test(t))).toBe(true);
    expect(get('title.akas.tsv.gz').some((r) => (r[5] as string[] | null)?.length === 2)).toBe(true);
  });
});
