// Checks a jsonb load against the source files: document counts, the first and last title and person field by field, the indexes.
import { isDeepStrictEqual } from 'node:util';
import type pg from 'pg';
import { BadLineLog } from './bad-lines.js';
import { firstLastCount, readDocuments } from './document-source.js';
import { DOCUMENT_INDEXES, DOCUMENT_TABLES, JSONB_SCHEMA, rowToDocument } from './jsonb-model.js';
import { connectPg } from './pg-connect.js';
import { qualified } from './schema-sql.js';
import type { VerifyCheck } from './verify-postgres.js';

export interface VerifyJsonbOptions {
  connection: pg.ClientConfig;
  sourceDir: string;
  schema?: string;
}

export async function verifyJsonb(opts: VerifyJsonbOptions): Promise<{ ok: boolean; checks: VerifyCheck[] }> {
  const schema = opts.schema ?? JSONB_SCHEMA;
  const client = await connectPg(opts.connection, 'pglab imdb verify jsonb');
  try {
    const checks: VerifyCheck[] = [];
    const { rows: found } = await client.query<{ table_name: string }>('SELECT table_name FROM information_schema.tables WHERE table_schema = $1', [schema]);
    const present = new Set(found.map((r) => r.table_name));
    const { rows: indexRows } = await client.query<{ indexname: string }>('SELECT indexname FROM pg_indexes WHERE schemaname = $1', [schema]);
    const indexes = new Set(indexRows.map((r) => r.indexname));
    // Opened after connecting, so a failed connection leaves no file streams behind.
    const { titles, people } = await readDocuments(opts.sourceDir, new BadLineLog(Number.POSITIVE_INFINITY));
    const [t, p] = await Promise.all([firstLastCount(titles), firstLastCount(people)]);
    for (const [table, source] of [['titles', t], ['people', p]] as const) {
      if (!present.has(table)) {
        checks.push({ name: `${schema}.${table} exists`, expected: 'table', actual: 'missing', ok: false });
        continue;
      }
      const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${qualified(schema, table)}`);
      const actual = rows[0]?.n ?? '0';
      checks.push({ name: `${table}: documents (source rows that parse)`, expected: String(source.count), actual, ok: actual === String(source.count) });
      for (const [which, doc] of [['first', source.first], ['last', source.last]] as const) {
        if (!doc || (which === 'last' && doc === source.first)) continue;
        const { rows: docs } = await client.query<{ id: string; doc: Record<string, unknown> }>(`SELECT id, doc FROM ${qualified(schema, table)} WHERE id = $1`, [doc._id]);
        const stored = docs.length === 1 ? rowToDocument(docs[0]!) : undefined;
        // jsonb keeps its keys in its own order: compare as values, show both as JSON.
        checks.push({
          name: `${table}: ${which} document (${doc._id})`,
          expected: JSON.stringify(doc),
          actual: stored ? JSON.stringify(stored) : `${docs.length} documents`,
          ok: stored !== undefined && isDeepStrictEqual(stored, { ...doc }),
        });
      }
    }
    // A load with --no-indexes has none of them (said, not failed); a partial set means a broken load.
    const wanted = DOCUMENT_TABLES.flatMap((table) => [`${table}_pkey`, ...DOCUMENT_INDEXES[table].map((ix) => ix.name)]);
    const missing = wanted.filter((name) => !indexes.has(name));
    const none = missing.length === wanted.length;
    checks.push({
      name: `indexes (${wanted.length}: primary keys and the workloads' expression indexes)`,
      expected: 'all present',
      actual: none ? 'none (loaded with --no-indexes)' : missing.length ? `missing ${missing.join(', ')}` : 'all present',
      ok: none || missing.length === 0,
    });
    return { ok: checks.every((c) => c.ok), checks };
  } finally {
    await client.end().catch(() => undefined);
  }
}
