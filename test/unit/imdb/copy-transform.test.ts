// The streaming TSV→COPY transform: chunk boundaries, line numbers of bad lines, headers, limits.
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../common/errors.js';
import { BadLineLog } from '../../../imdb-data/bad-lines.js';
import { ImdbToCopyTransform } from '../../../imdb-data/copy-transform.js';
import { fileSpec } from '../../../imdb-data/imdb-files.js';

const ratings = fileSpec('title.ratings.tsv.gz');
const akas = fileSpec('title.akas.tsv.gz');

/** Feeds `text` in chunks of `size` bytes (so lines and multi-byte characters are split) and collects the output. */
async function run(spec = ratings, text: string, size = 7, log = new BadLineLog()): Promise<{ out: string; t: ImdbToCopyTransform; log: BadLineLog }> {
  const bytes = Buffer.from(text, 'utf8');
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  const t = new ImdbToCopyTransform(spec, 'src/title.ratings.tsv.gz', log);
  let out = '';
  await pipeline(Readable.from(chunks), t, new Writable({ write: (c, _e, cb) => ((out += c.toString()), cb()) }));
  return { out, t, log };
}

describe('ImdbToCopyTransform', () => {
  it('converts every line whatever the chunk size and counts rows and bytes', async () => {
    const text = 'tconst\taverageRating\tnumVotes\ntt0000001\t5.7\t2090\ntt0000002\t5.5\t281\n';
    for (const size of [1, 3, 7, 1000]) {
      const { out, t } = await run(ratings, text, size);
      expect(out).toBe('tt0000001\t5.7\t2090\ntt0000002\t5.5\t281\n');
      expect(t.rows).toBe(2);
      expect(t.bytes).toBe(Buffer.byteLength(text));
    }
  });

  it('keeps multi-byte characters intact across chunk boundaries', async () => {
    const text = `${akas.columns.map((c) => c.source).join('\t')}\ntt0000001\t1\t夜の街 Ὁ Ἥλιος Łąka\tJP\tja\timdbDisplay\t\\N\t0\n`;
    const { out } = await run(akas, text, 1);
    expect(out).toBe('tt0000001\t1\t夜の街 Ὁ Ἥλιος Łąka\tJP\tja\t{imdbDisplay}\t\\N\t0\n');
  });

  it('reports malformed lines with file and physical line number, skips them, and loads the rest', async () => {
    const text = 'tconst\taverageRating\tnumVotes\ntt0000001\t5.7\t2090\ntt0000002\tgood\t281\n\ntt0000003\t6.1\t10\textra\ntt0000004\t6.0\t12\n';
    const { out, log, t } = await run(ratings, text);
    expect(out).toBe('tt0000001\t5.7\t2090\ntt0000004\t6.0\t12\n');
    expect(t.rows).toBe(2);
    expect(log.lines).toEqual([
      { file: 'src/title.ratings.tsv.gz', line: 3, reason: 'averageRating: "good" is not a rating between 0.0 and 10.0' },
      { file: 'src/title.ratings.tsv.gz', line: 4, reason: 'empty line' },
      { file: 'src/title.ratings.tsv.gz', line: 5, reason: 'expected 3 tab-separated fields, found 4 (a tab inside a text field?)' },
    ]);
  });

  it('reports a line that is not valid UTF-8 instead of letting COPY fail the whole table', async () => {
    const bytes = Buffer.concat([
      Buffer.from('tconst\taverageRating\tnumVotes\ntt0000001\t5.7\t20'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('\ntt0000002\t5.5\t281\n'),
    ]);
    const log = new BadLineLog();
    const t = new ImdbToCopyTransform(ratings, 'r.tsv.gz', log);
    let out = '';
    await pipeline(Readable.from([bytes]), t, new Writable({ write: (c, _e, cb) => ((out += c.toString()), cb()) }));
    expect(out).toBe('tt0000002\t5.5\t281\n');
    expect(t.rows).toBe(1);
    expect(log.lines).toEqual([{ file: 'r.tsv.gz', line: 2, reason: 'not valid UTF-8' }]);
  });

  it('accepts CRLF line ends, a BOM, and a last line without newline', async () => {
    const { out } = await run(ratings, '\ufefftconst\taverageRating\tnumVotes\r\ntt0000001\t5.7\t2090\r\ntt0000002\t5.5\t281');
    expect(out).toBe('tt0000001\t5.7\t2090\ntt0000002\t5.5\t281\n');
  });

  it('refuses a file whose header is not the expected one, naming file and line 1', async () => {
    const err = await run(ratings, 'tconst\tnumVotes\ntt1\t1\n').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toBe(
      'src/title.ratings.tsv.gz:1: header is "tconst\\tnumVotes", expected "tconst\\taverageRating\\tnumVotes"',
    );
  });

  it('refuses an empty file', async () => {
    await expect(run(ratings, '')).rejects.toThrow('src/title.ratings.tsv.gz: the file is empty (no header line)');
  });

  it('stops when there are more bad lines than allowed', async () => {
    const text = `tconst\taverageRating\tnumVotes\n${'x\n'.repeat(3)}`;
    const err = await run(ratings, text, 1000, new BadLineLog(2)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toMatch(/^more than 2 malformed lines .*first: src\/title.ratings.tsv.gz:2: expected 3/);
  });
});
