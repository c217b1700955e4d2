// Writes a deterministic IMDb-shaped sample: the seven .tsv.gz files, same names and columns, valid references between them.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../common/errors.js';
import { GzipTsvWriter } from './gzip-tsv-writer.js';
import { fileSpec, headerLine } from './imdb-files.js';
import { Prng, pickWeighted } from './prng.js';
import { genreList, isEpisode, planTitles, typeName, type TitlePlan } from './sample-plan.js';
import { charactersJson, episodeTitle, foreignTitle, imdbId, personName, titleText } from './sample-text.js';
import {
  AKA_ATTRIBUTES, AKA_TYPES, AKAS_MEAN, CREW_CATEGORIES, LANGUAGES, PRODUCER_JOBS, PROFESSIONS, RATED_SHARE, REGIONS, RUNTIME, WRITER_JOBS,
} from './sample-vocabulary.js';

export interface GenerateSampleOptions {
  outDir: string;
  /** 1 ≈ the full IMDb data set (11 M titles); 0.01 is the CI/offline default. */
  scale: number;
  seed: number;
  onProgress?: (file: string, rows: number) => void;
  /** gzip level of the output; 1 keeps generation fast (size hardly matters for a local sample). */
  gzipLevel?: number;
}

export interface GeneratedFile {
  file: string;
  rows: number;
  bytes: number;
}

const N = '\\N';
const PROGRESS_EVERY_MS = 250;

export function sampleCounts(scale: number): { titles: number; people: number } {
  return {
    titles: Math.max(20, Math.round(fileSpec('title.basics.tsv.gz').fullRows * scale)),
    people: Math.max(20, Math.round(fileSpec('name.basics.tsv.gz').fullRows * scale)),
  };
}

function writer(outDir: string, file: string, level: number): GzipTsvWriter {
  return new GzipTsvWriter(join(outDir, file), headerLine(fileSpec(file)), level);
}

function pickDistinct<T>(rng: Prng, n: number, draw: () => T): T[] {
  const out: T[] = [];
  for (let tries = 0; out.length < n && tries < n * 4; tries++) {
    const v = draw();
    if (!out.includes(v)) out.push(v);
  }
  return out;
}

async function writeNames(w: GzipTsvWriter, people: number, titles: number, seed: number, progress: (rows: number) => void): Promise<void> {
  const rng = new Prng(seed, 'name.basics');
  let lastReport = Date.now();
  for (let i = 0; i < people; i++) {
    // Like IMDb: most people have no birth year; a few have a death year.
    const birth = rng.chance(0.12) ? rng.between(1850, 2010) : 0;
    const death = birth && birth < 1960 && rng.chance(0.5) ? Math.min(2025, birth + rng.between(30, 95)) : 0;
    const professions = pickDistinct(rng, rng.between(rng.chance(0.05) ? 0 : 1, 3), () => pickWeighted(rng, PROFESSIONS));
    const knownFor = pickDistinct(rng, rng.chance(0.1) ? 0 : rng.between(1, 4), () => imdbId('tt', rng.int(titles)));
    w.line(
      `${imdbId('nm', i)}\t${personName(rng)}\t${birth || N}\t${death || N}\t${professions.join(',') || N}\t${knownFor.join(',') || N}`,
    );
    if ((i & 4095) === 0) {
      if (w.backpressure) await w.backpressure;
      if (Date.now() - lastReport >= PROGRESS_EVERY_MS) {
        lastReport = Date.now();
        progress(w.rows);
      }
    }
  }
}

interface TitleWriters {
  basics: GzipTsvWriter;
  akas: GzipTsvWriter;
  crew: GzipTsvWriter;
  episode: GzipTsvWriter;
  principals: GzipTsvWriter;
  ratings: GzipTsvWriter;
}

function principalCount(rng: Prng, type: string): number {
  // ≈8 per title overall, as in IMDb (90 M principals for 11 M titles).
  if (type === 'tvEpisode') return rng.between(4, 12);
  if (type === 'short' || type === 'tvShort' || type === 'video') return rng.between(2, 8);
  return rng.between(6, 12);
}

function writeTitle(rng: Prng, plan: TitlePlan, people: number, i: number, w: TitleWriters): void {
  const tconst = imdbId('tt', i);
  const type = typeName(plan, i);
  const episode = isEpisode(plan, i);
  const primary = episode ? episodeTitle(rng, plan.season[i]!, plan.episode[i]!) : titleText(rng);
  const original = !episode && rng.chance(0.12) ? foreignTitle(rng, primary) : primary;
  const year = plan.year[i]!;
  const endYear = (type === 'tvSeries' || type === 'tvMiniSeries') && year && rng.chance(0.4) ? Math.min(2026, year + rng.between(0, 12)) : 0;
  const range = RUNTIME[type] ?? [10, 100];
  const runtime = rng.chance(0.5) ? rng.between(range[0], range[1]) : 0;
  const genres = genreList(plan.genres[i]!);
  const adult = genres.includes('Adult') || rng.chance(0.005) ? 1 : 0;
  w.basics.line(
    `${tconst}\t${type}\t${primary}\t${original}\t${adult}\t${year || N}\t${endYear || N}\t${runtime || N}\t${genres.join(',') || N}`,
  );

  if (episode) {
    const s = plan.season[i]!;
    w.episode.line(`${tconst}\t${imdbId('tt', plan.parent[i]!)}\t${s || N}\t${s ? plan.episode[i]! : N}`);
  }

  // Alternative titles: ordering 1 is the original; the rest are regional variants.
  const akas = Math.round(rng.pareto(1, 1.6, 200) * ((AKAS_MEAN[type] ?? 5) / 1.5)) - 1;
  for (let k = 1; k <= akas; k++) {
    if (k === 1) {
      w.akas.line(`${tconst}\t1\t${original}\t${N}\t${N}\toriginal\t${N}\t1`);
      continue;
    }
    const region = rng.pick(REGIONS);
    const lang = rng.chance(0.3) ? (LANGUAGES[region] ?? N) : N;
    const types = rng.chance(0.01) ? 'alternative\x02working' : pickWeighted(rng, AKA_TYPES);
    const attributes = rng.chance(0.05) ? rng.pick(AKA_ATTRIBUTES) : N;
    const title = rng.chance(0.6) ? primary : foreignTitle(rng, primary);
    w.akas.line(`${tconst}\t${k}\t${title}\t${region}\t${lang}\t${types}\t${attributes}\t0`);
  }

  // Principals: cast first, then crew; directors and writers also make up title.crew.
  const n = principalCount(rng, type);
  const cast = Math.max(1, Math.round(n * 0.6));
  const directors: string[] = [];
  const writers: string[] = [];
  const selfTitle = genres.includes('Documentary') || genres.includes('Talk-Show') || genres.includes('Reality-TV');
  for (let k = 1; k <= n; k++) {
    const nconst = imdbId('nm', rng.skewed(people, 2.2)); // a few people appear in very many titles
    let category: string;
    if (k <= cast) category = selfTitle ? 'self' : rng.chance(0.55) ? 'actor' : 'actress';
    else category = CREW_CATEGORIES[Math.min(CREW_CATEGORIES.length - 1, k - cast - 1 + (rng.chance(0.3) ? 1 : 0))]!;
    let job = N;
    if (category === 'writer' && rng.chance(0.6)) job = rng.pick(WRITER_JOBS);
    if (category === 'producer') job = rng.pick(PRODUCER_JOBS);
    const characters = k <= cast ? charactersJson(rng, category) : N;
    if (category === 'director') directors.push(nconst);
    if (category === 'writer') writers.push(nconst);
    w.principals.line(`${tconst}\t${k}\t${nconst}\t${category}\t${job}\t${characters}`);
  }
  w.crew.line(`${tconst}\t${[...new Set(directors)].join(',') || N}\t${[...new Set(writers)].join(',') || N}`);

  if (rng.chance(RATED_SHARE[type] ?? 0.1)) {
    // Long-tailed votes (IMDb lists titles from 5 votes); few votes means a noisier average.
    const votes = rng.pareto(5, 0.55, 3_000_000);
    const sd = votes < 50 ? 1.8 : 1.2;
    const avg = Math.min(10, Math.max(1, rng.normal(6.6, sd)));
    w.ratings.line(`${tconst}\t${avg.toFixed(1)}\t${votes}`);
  }
}

async function writeTitles(plan: TitlePlan, people: number, seed: number, w: TitleWriters, progress: () => void): Promise<void> {
  const rng = new Prng(seed, 'titles');
  let lastReport = Date.now();
  const all = Object.values(w);
  for (let i = 0; i < plan.count; i++) {
    writeTitle(rng, plan, people, i, w);
    if ((i & 1023) === 0) {
      for (const x of all) if (x.backpressure) await x.backpressure;
      if (Date.now() - lastReport >= PROGRESS_EVERY_MS) {
        lastReport = Date.now();
        progress();
      }
    }
  }
}

export async function generateSample(opts: GenerateSampleOptions): Promise<{ files: GeneratedFile[] }> {
  if (!(opts.scale > 0 && opts.scale <= 10)) {
    throw new UserError(`sample scale ${opts.scale} is out of range`, 'use a scale above 0 and at most 10 (1 ≈ the full IMDb data, 0.01 ≈ 1%)');
  }
  if (!Number.isInteger(opts.seed)) throw new UserError(`sample seed ${opts.seed} is not a whole number`, 'pass --seed with an integer');
  await mkdir(opts.outDir, { recursive: true });
  const level = opts.gzipLevel ?? 1;
  const { titles, people } = sampleCounts(opts.scale);
  const report = opts.onProgress ?? (() => undefined);

  const names = writer(opts.outDir, 'name.basics.tsv.gz', level);
  const w: TitleWriters = {
    basics: writer(opts.outDir, 'title.basics.tsv.gz', level),
    akas: writer(opts.outDir, 'title.akas.tsv.gz', level),
    crew: writer(opts.outDir, 'title.crew.tsv.gz', level),
    episode: writer(opts.outDir, 'title.episode.tsv.gz', level),
    principals: writer(opts.outDir, 'title.principals.tsv.gz', level),
    ratings: writer(opts.outDir, 'title.ratings.tsv.gz', level),
  };
  const all = [names, ...Object.values(w)];
  try {
    const plan = planTitles(titles, opts.seed);
    await writeNames(names, people, titles, opts.seed, (rows) => report('name.basics.tsv.gz', rows));
    await writeTitles(plan, people, opts.seed, w, () => {
      for (const x of Object.values(w)) report(fileName(x), x.rows);
    });
    const files: GeneratedFile[] = [];
    for (const x of all) {
      const { rows, bytes } = await x.close();
      files.push({ file: fileName(x), rows, bytes });
      report(fileName(x), rows);
    }
    return { files };
  } catch (err) {
    await Promise.all(all.map((x) => x.abort()));
    throw err;
  }
}

function fileName(w: GzipTsvWriter): string {
  return w.path.slice(w.path.lastIndexOf('/') + 1);
}
