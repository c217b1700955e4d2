// The document model in PostgreSQL: the MongoDB documents (mongo-model.ts) as jsonb rows, their tables, indexes and COPY encoding.
import type { PersonDocument, TitleDocument } from './mongo-model.js';
import { qualified, quoteIdent } from './schema-sql.js';

/** Where `pglab imdb load --target jsonb` puts the documents (the relational tables stay in `imdb`). */
export const JSONB_SCHEMA = 'imdb_doc';

export type DocumentTable = 'titles' | 'people';
export const DOCUMENT_TABLES: readonly DocumentTable[] = ['titles', 'people'];

/** `id` plays MongoDB's `_id`: the document is stored without it, the column is the primary key. */
export function documentTableSql(schema: string, table: DocumentTable): string {
  return `CREATE TABLE ${qualified(schema, table)} (id text NOT NULL, doc jsonb NOT NULL)`;
}

export interface DocumentIndex {
  name: string;
  /** Everything after `ON <table>`. */
  definition: string;
  /** What it serves (docs/imdb.md repeats these). */
  why: string;
}

/**
 * The indexes the benchmark workloads need, each the jsonb counterpart of a relational index (schema-sql.ts,
 * imdb-files.ts) and of a MongoDB one (MONGO_INDEXES). Expression indexes rather than one GIN index over whole
 * documents: the title documents embed akas and principals, so a GIN over `doc` would index every aka title and
 * character name, much bigger than what the queries ask for. ANALYZE runs after them: PostgreSQL keeps statistics
 * for indexed expressions only once an index exists.
 */
export const DOCUMENT_INDEXES: Record<DocumentTable, DocumentIndex[]> = {
  titles: [
    { name: 'titles_genres_gin', definition: `USING gin ((doc -> 'genres'))`, why: "`doc->'genres' ? 'Drama'` (top-rated-genre-years), like title_basics_genres_gin" },
    { name: 'titles_start_year', definition: `(((doc ->> 'startYear')::integer))`, why: 'the year range of top-rated-genre-years, like title_basics_start_year' },
    {
      name: 'titles_principals_nconst',
      definition: `USING gin (jsonb_path_query_array(doc, '$.principals[*].nconst'))`,
      why: "a person's titles (person-filmography): only the nconsts of the embedded principals, like title_principals_nconst and MongoDB's principals.nconst",
    },
    { name: 'titles_episode_parent', definition: `((doc -> 'episodeOf' ->> 'parent'))`, why: "a series' episodes, like title_episode_parent" },
  ],
  people: [],
};

/** Primary key first (verify and the workloads look documents up by it), then the expression indexes. */
export function documentIndexSql(schema: string, table: DocumentTable): string[] {
  const t = qualified(schema, table);
  return [
    `ALTER TABLE ${t} ADD CONSTRAINT ${quoteIdent(`${table}_pkey`)} PRIMARY KEY (id)`,
    ...DOCUMENT_INDEXES[table].map((ix) => `CREATE INDEX ${quoteIdent(ix.name)} ON ${t} ${ix.definition}`),
  ];
}

/** COPY text format: backslash, tab, newline and carriage return are the only bytes that need escaping. */
export function copyTextField(value: string): string {
  return /[\\\t\n\r]/.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : value;
}

/**
 * One COPY line `id<TAB>json<NL>` for a document. JSON.stringify escapes every control character itself, so in
 * practice only the backslashes of JSON escapes (`\"`, `\\`, `\u…`) get doubled for COPY.
 */
export function documentCopyRow(doc: TitleDocument | PersonDocument): string {
  const { _id, ...rest } = doc;
  return `${copyTextField(_id)}\t${copyTextField(JSON.stringify(rest))}\n`;
}

/** A stored row back in the builder's shape, for comparing with what the builder makes from the source files. */
export function rowToDocument(row: { id: string; doc: Record<string, unknown> }): Record<string, unknown> {
  return { _id: row.id, ...row.doc };
}
