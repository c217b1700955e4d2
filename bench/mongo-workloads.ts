// The workloads of workloads.ts against MongoDB, by workload name: the same questions on the same documents as the
// jsonb target, through the driver. (Kept beside workloads.ts, not in it, while that module's SQL side is reworked.)
import type { Prng } from '../imdb-data/prng.js';
import { MONGO_BENCH_DATABASE, type MongoBenchContext } from './mongo-bench-context.js';

export interface MongoImplementation {
  /** Returns the documents read or written. */
  run: (rng: Prng, ctx: MongoBenchContext) => Promise<number>;
  how: string;
}

const CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF'];

/** The document read back by _id must be there and carry what was written. */
export function checkFound(what: string, id: unknown, found: Record<string, unknown> | null, reference?: string): number {
  if (!found) throw new Error(`${what} ${String(id)} was acknowledged but not found on read-back`);
  if (reference !== undefined && found.reference !== reference) throw new Error(`${what} ${String(id)} read back with reference ${String(found.reference)}, written ${reference}`);
  return 1;
}

function rating(rng: Prng, ctx: MongoBenchContext) {
  return { tconst: rng.pick(ctx.tconsts), userId: rng.int(1_000_000), rating: rng.between(1, 10), createdAt: new Date() };
}

export const MONGO_WORKLOADS: Record<string, MongoImplementation> = {
  'title-by-id': {
    how: 'findOne by _id, akas and principals left out (a projection)',
    run: async (rng, ctx) => ((await ctx.db.collection('titles').findOne({ _id: rng.pick(ctx.tconsts) as never }, { projection: { akas: 0, principals: 0 } })) ? 1 : 0),
  },
  'title-cast': {
    how: "the title's embedded principals, then their people documents by _id ($in)",
    run: async (rng, ctx) => {
      const title = await ctx.db.collection('titles').findOne<{ principals?: { nconst: string }[] }>({ _id: rng.pick(ctx.tconsts) as never }, { projection: { principals: 1 } });
      const principals = title?.principals ?? [];
      if (principals.length === 0) return 0;
      const people = await ctx.db.collection('people').find({ _id: { $in: principals.map((p) => p.nconst) as never[] } }, { projection: { primaryName: 1 } }).toArray();
      return Math.min(principals.length, people.length);
    },
  },
  'top-rated-genre-years': {
    how: 'index on (genres, startYear), rating read from the document, sort on rating',
    run: async (rng, ctx) => {
      const from = rng.between(1950, 2015);
      const query = { genres: rng.pick(ctx.genres), startYear: { $gte: from, $lte: from + 9 }, 'rating.votes': { $gte: 10 } };
      return (await ctx.db.collection('titles').find(query, { projection: { primaryTitle: 1, startYear: 1, rating: 1 } }).sort({ 'rating.average': -1, 'rating.votes': -1 }).limit(20).toArray()).length;
    },
  },
  'person-filmography': {
    how: 'multikey index on principals.nconst, the matching principal by $elemMatch, sort on startYear',
    run: async (rng, ctx) => {
      const nconst = rng.pick(ctx.nconsts);
      const projection = { primaryTitle: 1, startYear: 1, principals: { $elemMatch: { nconst } } };
      return (await ctx.db.collection('titles').find({ 'principals.nconst': nconst }, { projection }).sort({ startYear: -1 }).limit(100).toArray()).length;
    },
  },
  'insert-rating': {
    how: `insertOne into ${MONGO_BENCH_DATABASE}.user_ratings`,
    run: async (rng, ctx) => {
      await ctx.benchDb.collection('user_ratings').insertOne(rating(rng, ctx));
      return 1;
    },
  },
  'insert-read-back': {
    how: 'insertOne, then findOne by _id',
    run: async (rng, ctx) => {
      const ratings = ctx.benchDb.collection('user_ratings');
      const { insertedId } = await ratings.insertOne(rating(rng, ctx));
      return checkFound('rating', insertedId, await ratings.findOne({ _id: insertedId }));
    },
  },
  payments: {
    how: `insertOne of a payment document into ${MONGO_BENCH_DATABASE}.payments with writeConcern majority, then findOne by _id`,
    run: async (rng, ctx) => {
      const cents = rng.between(100, 500_000);
      const reference = `pay-${rng.int(2 ** 30).toString(36)}-${rng.int(2 ** 30).toString(36)}`;
      const payments = ctx.benchDb.collection('payments');
      const doc = { account: rng.between(1, 100_000), amount: cents / 100, currency: rng.pick(CURRENCIES), status: 'captured', reference, createdAt: new Date() };
      // Acknowledged once a majority has it, as a payment must survive the primary's death.
      const { insertedId } = await payments.insertOne(doc, { writeConcern: { w: 'majority' } });
      return checkFound('payment', insertedId, await payments.findOne({ _id: insertedId }), reference);
    },
  },
};
