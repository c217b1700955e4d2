// Merge-joins the six title files (each sorted by tconst, as IMDb ships them) into one group of rows per title, streaming.
import { UserError } from '../common/errors.js';
import type { TitleRows } from './mongo-model.js';
import type { Row } from './values-transform.js';

/** IMDb ids sort by their number: tt9999999 comes before tt10000000. */
export function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** Reads rows of one sorted file and hands out the run of rows for a key. */
class GroupReader {
  private peeked: Row | undefined;
  private done = false;
  private lastKey: string | undefined;
  /** Rows whose title is not in title.basics (IMDb has a few); skipped and counted. */
  orphans = 0;

  constructor(
    readonly file: string,
    private readonly rows: AsyncIterator<Row>,
  ) {}

  private async peek(): Promise<Row | undefined> {
    if (this.peeked || this.done) return this.peeked;
    const next = await this.rows.next();
    if (next.done) {
      this.done = true;
      return undefined;
    }
    const key = next.value[0] as string;
    if (this.lastKey !== undefined && compareIds(key, this.lastKey) < 0) {
      throw new UserError(`${this.file} is not sorted by title id: ${key} comes after ${this.lastKey}`, 'IMDb files are sorted; fetch the file again');
    }
    this.lastKey = key;
    this.peeked = next.value;
    return this.peeked;
  }

  /** All rows with this key; rows with smaller keys are orphans. */
  async take(key: string): Promise<Row[]> {
    const out: Row[] = [];
    for (;;) {
      const row = await this.peek();
      if (!row) return out;
      const cmp = compareIds(row[0] as string, key);
      if (cmp > 0) return out;
      this.peeked = undefined;
      if (cmp < 0) this.orphans++;
      else out.push(row);
    }
  }

  async drain(): Promise<void> {
    while (await this.peek()) {
      this.peeked = undefined;
      this.orphans++;
    }
  }
}

export interface TitleSources {
  basics: AsyncIterable<Row>;
  ratings: AsyncIterable<Row>;
  crew: AsyncIterable<Row>;
  episode: AsyncIterable<Row>;
  akas: AsyncIterable<Row>;
  principals: AsyncIterable<Row>;
}

/** Yields one TitleRows per title.basics row. `orphans` is filled per file when the generator finishes. */
export async function* mergeTitles(sources: TitleSources, orphans: Record<string, number> = {}): AsyncGenerator<TitleRows> {
  const reader = (file: string, it: AsyncIterable<Row>): GroupReader => new GroupReader(file, it[Symbol.asyncIterator]());
  const ratings = reader('title.ratings.tsv.gz', sources.ratings);
  const crew = reader('title.crew.tsv.gz', sources.crew);
  const episode = reader('title.episode.tsv.gz', sources.episode);
  const akas = reader('title.akas.tsv.gz', sources.akas);
  const principals = reader('title.principals.tsv.gz', sources.principals);
  const others = [ratings, crew, episode, akas, principals];
  let last: string | undefined;
  for await (const basics of sources.basics) {
    const key = basics[0] as string;
    if (last !== undefined && compareIds(key, last) <= 0) {
      throw new UserError(`title.basics.tsv.gz is not sorted by title id: ${key} comes after ${last}`, 'IMDb files are sorted; fetch the file again');
    }
    last = key;
    const [r, c, e, a, p] = await Promise.all(others.map((o) => o.take(key)));
    yield { basics, ratings: r?.[0], crew: c?.[0], episode: e?.[0], akas: a ?? [], principals: p ?? [] };
  }
  for (const o of others) {
    await o.drain();
    orphans[o.file] = o.orphans;
  }
}

/** Flattens the batches an ImdbToValuesTransform emits into single rows. */
export async function* rowsOf(batches: AsyncIterable<Row[]>): AsyncGenerator<Row> {
  for await (const batch of batches) yield* batch;
}
