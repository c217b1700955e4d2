// Checks a MongoDB load against the source files: document counts and the first/last title and person, field by field.
import { isDeepStrictEqual } from 'node:util';
import { UserError } from '../common/errors.js';
import { BadLineLog } from './bad-lines.js';
import { readMongoDocuments } from './load-mongo.js';
import { firstLastCount } from './document-source.js';
import type { VerifyCheck } from './verify-postgres.js';

export interface VerifyMongoOptions {
  uri: string;
  sourceDir: string;
  database?: string;
  serverSelectionTimeoutMS?: number;
}

export async function verifyMongo(opts: VerifyMongoOptions): Promise<{ ok: boolean; checks: VerifyCheck[] }> {
  const { MongoClient } = await import('mongodb'); // loaded when used: see load-mongo.ts
  const client = new MongoClient(opts.uri, { serverSelectionTimeoutMS: opts.serverSelectionTimeoutMS ?? 10_000, appName: 'pglab imdb verify' });
  try {
    await client.connect();
  } catch (err) {
    throw new UserError(`cannot reach MongoDB at ${opts.uri}: ${(err as Error).message}`, 'are the mongo machines up? check `pglab status`');
  }
  try {
    // Opened after connecting, so a failed connection leaves no file streams behind.
    const { titles, people } = await readMongoDocuments(opts.sourceDir, new BadLineLog(Number.POSITIVE_INFINITY));
    const db = client.db(opts.database ?? 'imdb');
    const checks: VerifyCheck[] = [];
    const [t, p] = await Promise.all([firstLastCount(titles), firstLastCount(people)]);
    for (const [name, source] of [['titles', t], ['people', p]] as const) {
      const collection = db.collection(name);
      const actual = await collection.countDocuments();
      checks.push({ name: `${name}: documents (source rows that parse)`, expected: String(source.count), actual: String(actual), ok: actual === source.count });
      for (const [which, doc] of [['first', source.first], ['last', source.last]] as const) {
        if (!doc) continue;
        const found = await collection.findOne({ _id: doc._id as never });
        const expected = JSON.stringify(doc);
        checks.push({ name: `${name}: ${which} document (${doc._id})`, expected, actual: JSON.stringify(found), ok: isDeepStrictEqual(found, doc) });
      }
    }
    return { ok: checks.every((c) => c.ok), checks };
  } finally {
    await client.close().catch(() => undefined);
  }
}
