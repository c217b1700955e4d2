// The seven IMDb non-commercial files: names, columns, how each column is typed, and the keys/indexes of its table.

/** How a source column is validated and typed. See field-codecs.ts for the exact rules. */
export type ColumnKind =
  | 'id' // tt…/nm… identifier, never null
  | 'text' // free text, may be \N
  | 'int' // non-negative integer that fits int4, may be \N
  | 'bool' // 0 or 1
  | 'rating' // 1.0–10.0 with one decimal
  | 'list' // comma-separated list → text[]
  | 'list-x02' // list separated by the 0x02 byte (title.akas types/attributes) → text[]
  | 'json-list'; // JSON array of strings, e.g. ["Self"] (title.principals characters) → text[]

export interface ColumnSpec {
  /** Header name in the IMDb file. */
  source: string;
  /** Column name in PostgreSQL (snake_case). */
  name: string;
  kind: ColumnKind;
  notNull?: boolean;
}

export interface IndexSpec {
  name: string;
  /** SQL after `ON <table>`, e.g. `USING gin (genres)`. */
  definition: string;
}

export interface ImdbFileSpec {
  file: string;
  table: string;
  columns: ColumnSpec[];
  primaryKey: string[];
  indexes: IndexSpec[];
  /** Approximate rows in the full data set (2024); the sample generator scales these. */
  fullRows: number;
}

const col = (source: string, name: string, kind: ColumnKind, notNull = false): ColumnSpec => ({ source, name, kind, notNull });

export const IMDB_FILES: readonly ImdbFileSpec[] = [
  {
    file: 'name.basics.tsv.gz',
    table: 'name_basics',
    columns: [
      col('nconst', 'nconst', 'id', true),
      col('primaryName', 'primary_name', 'text'),
      col('birthYear', 'birth_year', 'int'),
      col('deathYear', 'death_year', 'int'),
      col('primaryProfession', 'primary_profession', 'list'),
      col('knownForTitles', 'known_for_titles', 'list'),
    ],
    primaryKey: ['nconst'],
    indexes: [],
    fullRows: 14_000_000,
  },
  {
    file: 'title.akas.tsv.gz',
    table: 'title_akas',
    columns: [
      col('titleId', 'title_id', 'id', true),
      col('ordering', 'ordering', 'int', true),
      col('title', 'title', 'text'),
      col('region', 'region', 'text'),
      col('language', 'language', 'text'),
      col('types', 'types', 'list-x02'),
      col('attributes', 'attributes', 'list-x02'),
      col('isOriginalTitle', 'is_original_title', 'bool'),
    ],
    primaryKey: ['title_id', 'ordering'],
    indexes: [],
    fullRows: 52_000_000,
  },
  {
    file: 'title.basics.tsv.gz',
    table: 'title_basics',
    columns: [
      col('tconst', 'tconst', 'id', true),
      col('titleType', 'title_type', 'text'),
      col('primaryTitle', 'primary_title', 'text'),
      col('originalTitle', 'original_title', 'text'),
      col('isAdult', 'is_adult', 'bool'),
      col('startYear', 'start_year', 'int'),
      col('endYear', 'end_year', 'int'),
      col('runtimeMinutes', 'runtime_minutes', 'int'),
      col('genres', 'genres', 'list'),
    ],
    primaryKey: ['tconst'],
    indexes: [
      { name: 'title_basics_genres_gin', definition: 'USING gin (genres)' },
      { name: 'title_basics_start_year', definition: '(start_year)' },
    ],
    fullRows: 11_000_000,
  },
  {
    file: 'title.crew.tsv.gz',
    table: 'title_crew',
    columns: [col('tconst', 'tconst', 'id', true), col('directors', 'directors', 'list'), col('writers', 'writers', 'list')],
    primaryKey: ['tconst'],
    indexes: [],
    fullRows: 10_500_000,
  },
  {
    file: 'title.episode.tsv.gz',
    table: 'title_episode',
    columns: [
      col('tconst', 'tconst', 'id', true),
      col('parentTconst', 'parent_tconst', 'id', true),
      col('seasonNumber', 'season_number', 'int'),
      col('episodeNumber', 'episode_number', 'int'),
    ],
    primaryKey: ['tconst'],
    indexes: [{ name: 'title_episode_parent', definition: '(parent_tconst)' }],
    fullRows: 8_600_000,
  },
  {
    file: 'title.principals.tsv.gz',
    table: 'title_principals',
    columns: [
      col('tconst', 'tconst', 'id', true),
      col('ordering', 'ordering', 'int', true),
      col('nconst', 'nconst', 'id', true),
      col('category', 'category', 'text'),
      col('job', 'job', 'text'),
      col('characters', 'characters', 'json-list'),
    ],
    primaryKey: ['tconst', 'ordering'],
    indexes: [{ name: 'title_principals_nconst', definition: '(nconst)' }],
    fullRows: 90_000_000,
  },
  {
    file: 'title.ratings.tsv.gz',
    table: 'title_ratings',
    columns: [
      col('tconst', 'tconst', 'id', true),
      col('averageRating', 'average_rating', 'rating', true),
      col('numVotes', 'num_votes', 'int', true),
    ],
    primaryKey: ['tconst'],
    indexes: [],
    fullRows: 1_500_000,
  },
];

export const IMDB_FILE_NAMES: readonly string[] = IMDB_FILES.map((f) => f.file);

export function fileSpec(file: string): ImdbFileSpec {
  const spec = IMDB_FILES.find((f) => f.file === file);
  if (!spec) throw new Error(`unknown IMDb file ${file}; known: ${IMDB_FILE_NAMES.join(', ')}`);
  return spec;
}

/** The header line an IMDb file must start with. */
export function headerLine(spec: ImdbFileSpec): string {
  return spec.columns.map((c) => c.source).join('\t');
}
