// Checks a loaded database against the source files: row counts per table and the first/last row of each file, field by field.
import { createReadStream } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import pg from 'pg';
import { UserError } from '../common/errors.js';
import { BadLineLog } from './bad-lines.js';
import { Invalid, type FieldValue } from './field-codecs.js';
import type { ImdbFileSpec } from './imdb-files.js';
import { ImdbToCopyTransform } from './copy-transform.js';
import { mapLimit } from './map-limit.js';
import { DEFAULT_SCHEMA, qualified, quoteIdent } from './schema-sql.js';
import { findSourceFiles, gzipUserError, isGzipError, type SourceFile } from './source-files.js';
import { lineToValues } from './tsv-row.js';

export interface VerifyCheck {
  name: string;
  expected: string;
  actual: string;
  ok: boolean;
}

export interface VerifyPostgresOptions {
  connection: pg.ClientConfig;
  sourceDir: string;
  schema?: string;
}

/** Counts the lines the loader would load (the same transform, output discarded) and remembers the first and last of them. */
class ScanTransform extends ImdbToCopyTransform {
  first: string | undefined;
  last: string | undefined;
  protected override acceptLine(buf: Buffer, start: number, end: number): string | undefined {
    const bad = super.acceptLine(buf, start, end);
    if (bad === undefined) {
      // Decoding every line would double the cost; the last good line is only decoded when it is final.
      if (this.first === undefined) this.first = buf.toString('utf8', start, end);
      this.lastBuf = buf;
      this.lastStart = start;
      this.lastEnd = end;
    }
    return bad;
  }
  private lastBuf: Buffer | undefined;
  private lastStart = 0;
  private lastEnd = 0;
  protected override flushBatch(): void {
    if (this.lastBuf) this.last = this.lastBuf.toString('utf8', this.lastStart, this.lastEnd);
    this.lastBuf = undefined;
    super.flushBatch();
  }
}

async function scan(source: SourceFile): Promise<ScanTransform> {
  const t = new ScanTransform(source.spec, source.path, new BadLineLog(Number.POSITIVE_INFINITY));
  const sink = new Writable({ write: (_chunk, _enc, cb) => cb() });
  try {
    await pipeline(createReadStream(source.path), createGunzip(), t, sink);
  } catch (err) {
    throw isGzipError(err) ? gzipUserError(source.path, err) : err;
  }
  return t;
}

/** Database values in the same shape lineToValues gives (numeric arrives as a string from pg). */
function normalize(spec: ImdbFileSpec, row: Record<string, unknown>): FieldValue[] {
  return spec.columns.map((c) => {
    const v = row[c.name];
    if (c.kind === 'rating' && typeof v === 'string') return Number(v);
    return v as FieldValue;
  });
}

async function rowCheck(client: pg.Client, schema: string, spec: ImdbFileSpec, which: string, line: string): Promise<VerifyCheck> {
  const expected = lineToValues(spec, line);
  if (expected instanceof Invalid) throw new Error(`internal: scanned line no longer parses: ${expected.reason}`);
  const keyIndexes = spec.primaryKey.map((k) => spec.columns.findIndex((c) => c.name === k));
  const key = keyIndexes.map((i) => expected[i]);
  const where = spec.primaryKey.map((k, i) => `${quoteIdent(k)} = $${i + 1}`).join(' AND ');
  const columns = spec.columns.map((c) => quoteIdent(c.name)).join(', ');
  const { rows } = await client.query(`SELECT ${columns} FROM ${qualified(schema, spec.table)} WHERE ${where}`, key);
  const actual = rows.length === 1 ? JSON.stringify(normalize(spec, rows[0] as Record<string, unknown>)) : `${rows.length} rows`;
  const want = JSON.stringify(expected);
  return { name: `${spec.table}: ${which} row of ${spec.file} (${key.join(', ')})`, expected: want, actual, ok: actual === want };
}

export async function verifyPostgres(opts: VerifyPostgresOptions): Promise<{ ok: boolean; checks: VerifyCheck[] }> {
  const schema = opts.schema ?? DEFAULT_SCHEMA;
  const sources = await findSourceFiles(opts.sourceDir);
  const client = new pg.Client({ application_name: 'pglab imdb verify', ...opts.connection });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    throw new UserError(`cannot connect to PostgreSQL at ${opts.connection.host ?? 'localhost'}:${opts.connection.port ?? 5432}: ${(err as Error).message}`, 'is the cluster up? check `pglab status`');
  }
  try {
    const checks: VerifyCheck[] = [];
    const { rows: found } = await client.query<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1',
      [schema],
    );
    const present = new Set(found.map((r) => r.table_name));
    // Scanning is CPU-bound in this process; two at a time overlaps gunzip (thread pool) with parsing.
    const scans = await mapLimit(sources, 2, scan);
    for (const [i, source] of sources.entries()) {
      const spec = source.spec;
      const s = scans[i]!;
      if (!present.has(spec.table)) {
        checks.push({ name: `${schema}.${spec.table} exists`, expected: 'table', actual: 'missing', ok: false });
        continue;
      }
      const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${qualified(schema, spec.table)}`);
      const actual = rows[0]?.n ?? '0';
      checks.push({ name: `${spec.table}: rows (${spec.file} lines that parse)`, expected: String(s.rows), actual, ok: actual === String(s.rows) });
      if (s.first !== undefined) checks.push(await rowCheck(client, schema, spec, 'first', s.first));
      if (s.last !== undefined && s.last !== s.first) checks.push(await rowCheck(client, schema, spec, 'last', s.last));
    }
    return { ok: checks.every((c) => c.ok), checks };
  } finally {
    await client.end().catch(() => undefined);
  }
}
