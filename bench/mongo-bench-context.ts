// The ids the workloads look up in MongoDB, sampled from the loaded documents ($sample), like bench-context.ts does in SQL.
import type { Db } from 'mongodb';
import { UserError } from '../common/errors.js';

export interface MongoBenchContext {
  target: 'mongo';
  /** The IMDb documents (titles, people) and where the write workloads write (never the IMDb collections). */
  db: Db;
  benchDb: Db;
  tconsts: string[];
  nconsts: string[];
  genres: string[];
}

export const MONGO_BENCH_DATABASE = 'pglab_bench';
const SAMPLE = 5000;
const GENRES = ['Drama', 'Comedy', 'Documentary', 'Action', 'Crime', 'Romance', 'Thriller', 'Horror', 'Animation', 'Adventure'];

export async function prepareMongoBench(db: Db, benchDb: Db): Promise<MongoBenchContext> {
  const collections = new Set((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
  if (!collections.has('titles') || !collections.has('people')) {
    throw new UserError(`no IMDb documents in MongoDB database "${db.databaseName}"`, 'load them first: `pglab imdb sample` then `pglab imdb load --target mongo`');
  }
  const titles = await db.collection('titles').aggregate<{ _id: string; nconsts?: string[] }>([{ $sample: { size: SAMPLE } }, { $project: { _id: 1, nconsts: '$principals.nconst' } }]).toArray();
  const tconsts = titles.map((t) => t._id);
  const nconsts = titles.flatMap((t) => t.nconsts ?? []).slice(0, SAMPLE);
  if (tconsts.length === 0 || nconsts.length === 0) throw new UserError(`the IMDb collections in "${db.databaseName}" are empty`, 'load data first: `pglab imdb load --target mongo`');
  return { target: 'mongo', db, benchDb, tconsts, nconsts, genres: [...GENRES] };
}
