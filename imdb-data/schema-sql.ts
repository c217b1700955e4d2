// PostgreSQL DDL for the IMDb tables, derived from the file specs so the schema and the parser cannot drift apart.
import type { ColumnKind, ImdbFileSpec } from './imdb-files.js';

export const DEFAULT_SCHEMA = 'imdb';

const SQL_TYPES: Record<ColumnKind, string> = {
  id: 'text',
  text: 'text',
  int: 'integer',
  bool: 'boolean',
  rating: 'numeric(3,1)',
  list: 'text[]',
  'list-x02': 'text[]',
  'json-list': 'text[]',
};

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function qualified(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}

export function sqlType(kind: ColumnKind): string {
  return SQL_TYPES[kind];
}

export function createTableSql(schema: string, spec: ImdbFileSpec): string {
  const columns = spec.columns.map((c) => `${quoteIdent(c.name)} ${sqlType(c.kind)}${c.notNull ? ' NOT NULL' : ''}`);
  return `CREATE TABLE ${qualified(schema, spec.table)} (${columns.join(', ')})`;
}

/** Primary key first (it is also what verify and the benchmarks look rows up by), then secondary indexes. */
export function indexSql(schema: string, spec: ImdbFileSpec): string[] {
  const table = qualified(schema, spec.table);
  return [
    `ALTER TABLE ${table} ADD CONSTRAINT ${quoteIdent(`${spec.table}_pkey`)} PRIMARY KEY (${spec.primaryKey.map(quoteIdent).join(', ')})`,
    ...spec.indexes.map((ix) => `CREATE INDEX ${quoteIdent(ix.name)} ON ${table} ${ix.definition}`),
  ];
}
