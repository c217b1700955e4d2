// The MongoDB document model: one document per title with its ratings, crew, episode link, akas and principals embedded; one per person.
import type { FieldValue } from './field-codecs.js';
import { fileSpec } from './imdb-files.js';
import type { Row } from './values-transform.js';

export interface AkaDocument {
  ordering: number;
  title: string | null;
  region?: string;
  language?: string;
  types?: string[];
  attributes?: string[];
  isOriginalTitle: boolean | null;
}

export interface PrincipalDocument {
  ordering: number;
  nconst: string;
  category: string | null;
  job?: string;
  characters?: string[];
}

export interface TitleDocument {
  _id: string; // tconst: lookups by IMDb id hit the _id index
  titleType: string | null;
  primaryTitle: string | null;
  originalTitle: string | null;
  isAdult: boolean | null;
  startYear?: number;
  endYear?: number;
  runtimeMinutes?: number;
  genres: string[];
  rating?: { average: number; votes: number };
  directors?: string[];
  writers?: string[];
  episodeOf?: { parent: string; season?: number; episode?: number };
  akas: AkaDocument[];
  principals: PrincipalDocument[];
}

export interface PersonDocument {
  _id: string; // nconst
  primaryName: string | null;
  birthYear?: number;
  deathYear?: number;
  primaryProfession: string[];
  knownForTitles: string[];
}

/** The rows of the six title files that share one tconst (rows in file column order, as lineToValues gives them). */
export interface TitleRows {
  basics: Row;
  ratings?: Row;
  crew?: Row;
  episode?: Row;
  akas: Row[];
  principals: Row[];
}

/** Columns by source name, so the model reads like the IMDb documentation. */
function byName(file: string, row: Row): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  fileSpec(file).columns.forEach((c, i) => (out[c.source] = row[i] ?? null));
  return out;
}

/** Absent beats null in MongoDB documents: smaller, and `$exists` queries read naturally. */
function optional<K extends string, V>(key: K, value: V | null | undefined): { [P in K]?: V } {
  return (value === null || value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

type Field = FieldValue | undefined;
const str = (v: Field): string | null => (typeof v === 'string' ? v : null);
const num = (v: Field): number | null => (typeof v === 'number' ? v : null);
const bool = (v: Field): boolean | null => (typeof v === 'boolean' ? v : null);
const list = (v: Field): string[] | null => (Array.isArray(v) && v.length > 0 ? v : null);

export function titleDocument(rows: TitleRows): TitleDocument {
  const b = byName('title.basics.tsv.gz', rows.basics);
  const doc: TitleDocument = {
    _id: b.tconst as string,
    titleType: str(b.titleType),
    primaryTitle: str(b.primaryTitle),
    originalTitle: str(b.originalTitle),
    isAdult: bool(b.isAdult),
    ...optional('startYear', num(b.startYear)),
    ...optional('endYear', num(b.endYear)),
    ...optional('runtimeMinutes', num(b.runtimeMinutes)),
    genres: list(b.genres) ?? [],
    akas: [],
    principals: [],
  };
  if (rows.ratings) {
    const r = byName('title.ratings.tsv.gz', rows.ratings);
    doc.rating = { average: r.averageRating as number, votes: r.numVotes as number };
  }
  if (rows.crew) {
    const c = byName('title.crew.tsv.gz', rows.crew);
    Object.assign(doc, optional('directors', list(c.directors)), optional('writers', list(c.writers)));
  }
  if (rows.episode) {
    const e = byName('title.episode.tsv.gz', rows.episode);
    doc.episodeOf = { parent: e.parentTconst as string, ...optional('season', num(e.seasonNumber)), ...optional('episode', num(e.episodeNumber)) };
  }
  doc.akas = rows.akas.map((row) => {
    const a = byName('title.akas.tsv.gz', row);
    return {
      ordering: a.ordering as number,
      title: str(a.title),
      ...optional('region', str(a.region)),
      ...optional('language', str(a.language)),
      ...optional('types', list(a.types)),
      ...optional('attributes', list(a.attributes)),
      isOriginalTitle: bool(a.isOriginalTitle),
    };
  });
  doc.principals = rows.principals.map((row) => {
    const p = byName('title.principals.tsv.gz', row);
    return {
      ordering: p.ordering as number,
      nconst: p.nconst as string,
      category: str(p.category),
      ...optional('job', str(p.job)),
      ...optional('characters', list(p.characters)),
    };
  });
  return doc;
}

export function personDocument(row: Row): PersonDocument {
  const n = byName('name.basics.tsv.gz', row);
  return {
    _id: n.nconst as string,
    primaryName: str(n.primaryName),
    ...optional('birthYear', num(n.birthYear)),
    ...optional('deathYear', num(n.deathYear)),
    primaryProfession: list(n.primaryProfession) ?? [],
    knownForTitles: list(n.knownForTitles) ?? [],
  };
}

/** Indexes created after the load; they serve the same questions as the PostgreSQL indexes. */
export const MONGO_INDEXES: Record<'titles' | 'people', { key: Record<string, 1 | -1>; name: string }[]> = {
  titles: [
    { key: { genres: 1, startYear: 1 }, name: 'genres_startYear' },
    { key: { 'rating.average': -1 }, name: 'rating_average' },
    { key: { 'principals.nconst': 1 }, name: 'principals_nconst' },
    { key: { 'episodeOf.parent': 1 }, name: 'episodeOf_parent' },
  ],
  people: [{ key: { primaryName: 1 }, name: 'primaryName' }],
};
