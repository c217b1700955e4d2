// The document model's two streams (titles with everything embedded, people) read from the seven source files; no database driver.
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { BadLineLog, DEFAULT_MAX_BAD_LINES } from './bad-lines.js';
import { personDocument, titleDocument, type PersonDocument, type TitleDocument } from './mongo-model.js';
import { findSourceFiles, gzipUserError, isGzipError, type SourceFile } from './source-files.js';
import { mergeTitles, rowsOf } from './title-merge.js';
import { ImdbToValuesTransform, type Row } from './values-transform.js';

function rowStream(source: SourceFile, badLines: BadLineLog, signal: AbortSignal | undefined): AsyncIterable<Row> {
  const values = new ImdbToValuesTransform(source.spec, source.path, badLines);
  const gunzip = createGunzip();
  const input = createReadStream(source.path, { signal });
  // Errors of the first two stages are re-raised on the last one, which is the one being iterated.
  input.on('error', (err) => values.destroy(err));
  gunzip.on('error', (err) => values.destroy(isGzipError(err) ? gzipUserError(source.path, err) : err));
  input.pipe(gunzip).pipe(values);
  return rowsOf(values as AsyncIterable<Row[]>);
}

async function* mapAsync<A, B>(items: AsyncIterable<A>, fn: (a: A) => B): AsyncGenerator<B> {
  for await (const a of items) yield fn(a);
}

/**
 * The two document streams of the model, read from the source files; `orphans` is complete once `titles` is exhausted.
 * The MongoDB loader and the jsonb loader both read these, so the two hold the same documents.
 */
export async function readDocuments(
  sourceDir: string,
  badLines: BadLineLog = new BadLineLog(DEFAULT_MAX_BAD_LINES),
  signal?: AbortSignal,
): Promise<{ titles: AsyncIterable<TitleDocument>; people: AsyncIterable<PersonDocument>; orphans: Record<string, number> }> {
  const sources = await findSourceFiles(sourceDir);
  const rows = (file: string): AsyncIterable<Row> => rowStream(sources.find((s) => s.spec.file === file)!, badLines, signal);
  const orphans: Record<string, number> = {};
  const merged = mergeTitles(
    {
      basics: rows('title.basics.tsv.gz'),
      ratings: rows('title.ratings.tsv.gz'),
      crew: rows('title.crew.tsv.gz'),
      episode: rows('title.episode.tsv.gz'),
      akas: rows('title.akas.tsv.gz'),
      principals: rows('title.principals.tsv.gz'),
    },
    orphans,
  );
  return { titles: mapAsync(merged, titleDocument), people: mapAsync(rows('name.basics.tsv.gz'), personDocument), orphans };
}

/** Streams the documents the loader would write, keeping only the count and the first and last. */
export async function firstLastCount<T>(docs: AsyncIterable<T>): Promise<{ count: number; first?: T; last?: T }> {
  let count = 0;
  let first: T | undefined;
  let last: T | undefined;
  for await (const d of docs) {
    count++;
    first ??= d;
    last = d;
  }
  return { count, ...(first !== undefined ? { first } : {}), ...(last !== undefined ? { last } : {}) };
}
