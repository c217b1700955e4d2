// Line-level parsing: column count, tabs inside titles, first failing column wins.
import { describe, expect, it } from 'vitest';
import { Invalid } from '../../../imdb-data/field-codecs.js';
import { fileSpec } from '../../../imdb-data/imdb-files.js';
import { lineToCopy, lineToValues } from '../../../imdb-data/tsv-row.js';

const basics = fileSpec('title.basics.tsv.gz');
const reason = (v: unknown): string => (v instanceof Invalid ? v.reason : `not invalid: ${JSON.stringify(v)}`);

describe('lineToCopy', () => {
  it('encodes a complete title.basics line', () => {
    expect(lineToCopy(basics, 'tt0000001\tshort\tCarmencita\tCarmencita\t0\t1894\t\\N\t1\tDocumentary,Short')).toBe(
      'tt0000001\tshort\tCarmencita\tCarmencita\t0\t1894\t\\N\t1\t{Documentary,Short}',
    );
  });

  it('reports a tab inside a title as a wrong field count instead of shifting columns', () => {
    const line = 'tt0000002\tmovie\tThe\tTab\tThe Tab\t0\t2001\t\\N\t90\tDrama';
    expect(reason(lineToCopy(basics, line))).toBe('expected 9 tab-separated fields, found 10 (a tab inside a text field?)');
  });

  it('reports short and empty lines', () => {
    expect(reason(lineToCopy(basics, 'tt0000003\tmovie'))).toBe('expected 9 tab-separated fields, found 2 (line cut short?)');
    expect(reason(lineToCopy(basics, ''))).toBe('empty line');
  });

  it('names the column that fails', () => {
    expect(reason(lineToCopy(basics, 'tt0000004\tmovie\tX\tX\t0\tnineteen\t\\N\t90\tDrama'))).toBe(
      'startYear: "nineteen" is not a whole number (0–999999999)',
    );
  });
});

describe('lineToValues', () => {
  it('gives typed values in column order', () => {
    expect(lineToValues(basics, 'tt0000001\tshort\tCarmencita\tCarmencita\t0\t1894\t\\N\t1\tDocumentary,Short')).toEqual([
      'tt0000001', 'short', 'Carmencita', 'Carmencita', false, 1894, null, 1, ['Documentary', 'Short'],
    ]);
  });
});
