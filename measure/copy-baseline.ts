// The original lab's load, `psql \copy` of the IMDb TSVs into all-text tables, as the yardstick for `pglab imdb load`.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { IMDB_FILES, type ColumnKind, type ImdbFileSpec } from '../imdb-data/imdb-files.js';
import { createTableSql, quoteIdent, sqlType } from '../imdb-data/schema-sql.js';

export const BASELINE_SCHEMA = 'base';

/** Biggest first, as loadPostgres orders them, so parallel runs of both start the same way. */
export const BASELINE_FILES: readonly ImdbFileSpec[] = [...IMDB_FILES].sort((a, b) => b.fullRows - a.fullRows);

export function plainName(spec: ImdbFileSpec): string {
  return spec.file.replace(/\.gz$/, '');
}

/** Where the psql-only equivalent of `pglab imdb load` puts its typed tables. */
export const BASELINE_TYPED_SCHEMA = 'base_typed';

/**
 * SQL that (re)creates the baseline's all-text tables, like the original lab's. `unlogged` for the psql-only
 * equivalent of our load, where they are only a staging area (no WAL, nothing replicated), next to an empty schema
 * for its typed tables.
 */
export function baselineTablesSql(unlogged = false): string[] {
  return [
    `DROP SCHEMA IF EXISTS ${BASELINE_TYPED_SCHEMA} CASCADE`,
    `DROP SCHEMA IF EXISTS ${BASELINE_SCHEMA} CASCADE`,
    `CREATE SCHEMA ${BASELINE_SCHEMA}`,
    ...(unlogged ? [`CREATE SCHEMA ${BASELINE_TYPED_SCHEMA}`] : []),
    ...BASELINE_FILES.map(
      (spec) => `CREATE ${unlogged ? 'UNLOGGED ' : ''}TABLE ${BASELINE_SCHEMA}.${spec.table} (${spec.columns.map((c) => `${quoteIdent(c.name)} text`).join(', ')})`,
    ),
  ];
}

/** How SQL turns the raw text of a column into its typed value (what our loader's encoder does before COPY). */
function typedExpression(kind: ColumnKind, column: string): string {
  const c = quoteIdent(column);
  switch (kind) {
    case 'id':
    case 'text':
      return c;
    case 'list':
      return `string_to_array(${c}, ',')`;
    case 'list-x02':
      return `string_to_array(${c}, E'\\x02')`;
    case 'json-list':
      return `CASE WHEN ${c} IS NULL THEN NULL ELSE ARRAY(SELECT json_array_elements_text(${c}::json)) END`;
    default:
      return `${c}::${sqlType(kind)}`;
  }
}

/**
 * The psql-only way to the same result as `pglab imdb load --no-indexes`: typed tables with arrays, analyzed, built
 * from the text tables the \copy filled. Run per table after its \copy.
 */
export function typedFromTextSql(spec: ImdbFileSpec): string {
  const exprs = spec.columns.map((col) => typedExpression(col.kind, col.name)).join(', ');
  const target = `${BASELINE_TYPED_SCHEMA}.${spec.table}`;
  return [
    createTableSql(BASELINE_TYPED_SCHEMA, spec),
    `INSERT INTO ${target} SELECT ${exprs} FROM ${BASELINE_SCHEMA}.${spec.table}`,
    `ANALYZE ${target}`,
  ].join('; ');
}

/**
 * The original lab's command: CSV mode with a quote character that never occurs, `\N` as null. From the decompressed
 * file, or with `gzDir` from the same .gz file loadPostgres reads, streamed through zcat (which pays for the gunzip too).
 */
export function baselineCopyCommand(spec: ImdbFileSpec, plainDir: string, gzDir?: string): string {
  const from = gzDir ? `PROGRAM 'zcat ${join(gzDir, spec.file)}'` : `'${join(plainDir, plainName(spec))}'`;
  return `\\copy ${BASELINE_SCHEMA}.${spec.table} FROM ${from} WITH (FORMAT csv, DELIMITER E'\\t', QUOTE E'\\b', NULL '\\N', HEADER)`;
}

/** Writes the decompressed files next to nothing else in plainDir; returns their total size in bytes. */
export async function decompressAll(gzDir: string, plainDir: string): Promise<number> {
  await mkdir(plainDir, { recursive: true });
  let bytes = 0;
  for (const spec of BASELINE_FILES) {
    const out = join(plainDir, plainName(spec));
    await pipeline(createReadStream(join(gzDir, spec.file)), createGunzip(), createWriteStream(out));
    bytes += (await stat(out)).size;
  }
  return bytes;
}

export async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const v = await fn();
  return [v, performance.now() - t];
}

export { median } from './harness.js';
