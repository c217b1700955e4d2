// The original lab's load, `psql \copy` of the IMDb TSVs into all-text tables, as the yardstick for `pglab imdb load`.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { IMDB_FILES, type ImdbFileSpec } from '../imdb-data/imdb-files.js';
import { quoteIdent } from '../imdb-data/schema-sql.js';

export const BASELINE_SCHEMA = 'base';

/** Biggest first, as loadPostgres orders them, so parallel runs of both start the same way. */
export const BASELINE_FILES: readonly ImdbFileSpec[] = [...IMDB_FILES].sort((a, b) => b.fullRows - a.fullRows);

export function plainName(spec: ImdbFileSpec): string {
  return spec.file.replace(/\.gz$/, '');
}

/** SQL that (re)creates the baseline's all-text tables, like the original lab's. */
export function baselineTablesSql(): string[] {
  return [
    `DROP SCHEMA IF EXISTS ${BASELINE_SCHEMA} CASCADE`,
    `CREATE SCHEMA ${BASELINE_SCHEMA}`,
    ...BASELINE_FILES.map((spec) => `CREATE TABLE ${BASELINE_SCHEMA}.${spec.table} (${spec.columns.map((c) => `${quoteIdent(c.name)} text`).join(', ')})`),
  ];
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

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
