// Field-level parsing and COPY encoding: nulls, quotes, backslashes, arrays, bad values.
import { describe, expect, it } from 'vitest';
import { arrayLiteral, copyEscape, encodeField, Invalid, parseField } from '../../../imdb-data/field-codecs.js';

const reason = (v: unknown): string => (v instanceof Invalid ? v.reason : `not invalid: ${JSON.stringify(v)}`);

describe('copyEscape', () => {
  it('leaves ordinary text alone and escapes backslash and carriage return', () => {
    expect(copyEscape('The "Big" One')).toBe('The "Big" One');
    expect(copyEscape('AC\\DC')).toBe('AC\\\\DC');
    expect(copyEscape('a\rb')).toBe('a\\rb');
  });
});

describe('encodeField', () => {
  it('passes \\N through as COPY null, unless the column must have a value', () => {
    expect(encodeField('text', '\\N', 'title')).toBe('\\N');
    expect(encodeField('int', '\\N', 'startYear')).toBe('\\N');
    expect(reason(encodeField('id', '\\N', 'tconst', true))).toBe('tconst is \\N but must have a value');
  });

  it('keeps embedded double quotes literally (IMDb TSV has no quoting)', () => {
    expect(encodeField('text', '"Weird Al" Yankovic', 'primaryName')).toBe('"Weird Al" Yankovic');
  });

  it('escapes backslashes so COPY does not read them as escapes, but a field that is exactly \\N stays null', () => {
    expect(encodeField('text', 'C:\\Films\\N', 'title')).toBe('C:\\\\Films\\\\N');
    expect(encodeField('text', '\\Nope', 'title')).toBe('\\\\Nope');
  });

  it('rejects NUL bytes, which PostgreSQL text cannot hold', () => {
    expect(reason(encodeField('text', 'a\0b', 'title'))).toContain('NUL byte');
  });

  it('validates integers, booleans, ratings and ids', () => {
    expect(encodeField('int', '1994', 'startYear')).toBe('1994');
    expect(reason(encodeField('int', '19x4', 'startYear'))).toBe('startYear: "19x4" is not a whole number (0–999999999)');
    expect(reason(encodeField('int', '-5', 'startYear'))).toContain('not a whole number');
    expect(reason(encodeField('int', '1234567890', 'numVotes'))).toContain('not a whole number');
    expect(reason(encodeField('int', '', 'runtimeMinutes'))).toContain('not a whole number');
    expect(encodeField('bool', '1', 'isAdult')).toBe('1');
    expect(reason(encodeField('bool', 'yes', 'isAdult'))).toBe('isAdult: "yes" is not 0 or 1');
    expect(encodeField('rating', '7.5', 'averageRating')).toBe('7.5');
    expect(encodeField('rating', '10', 'averageRating')).toBe('10');
    expect(reason(encodeField('rating', '10.5', 'averageRating'))).toContain('not a rating');
    expect(reason(encodeField('rating', '7.55', 'averageRating'))).toContain('not a rating');
    expect(reason(encodeField('rating', '.5', 'averageRating'))).toContain('not a rating');
    expect(encodeField('id', 'tt0111161', 'tconst')).toBe('tt0111161');
    expect(reason(encodeField('id', 'tt01x', 'tconst'))).toContain('not an IMDb id');
  });

  it('turns comma lists into array literals, quoting what the array parser would misread', () => {
    expect(encodeField('list', 'Comedy,Drama', 'genres')).toBe('{Comedy,Drama}');
    expect(encodeField('list', '', 'genres')).toBe('{}');
    expect(arrayLiteral(['a b', 'NULL', '', 'x"y', 'p\\q', '{z}'])).toBe('{"a b","NULL","","x\\"y","p\\\\q","{z}"}');
    // …and the literal is COPY-escaped again: each backslash doubled.
    expect(encodeField('list-x02', 'alt "x"\x02working', 'types')).toBe('{"alt \\\\"x\\\\"",working}');
  });

  it('splits akas types/attributes on 0x02, not on commas', () => {
    expect(parseField('list-x02', 'new title, complete\x02working', 'attributes')).toEqual(['new title, complete', 'working']);
  });

  it('reads the JSON characters list, with and without escapes', () => {
    expect(parseField('json-list', '["Self"]', 'characters')).toEqual(['Self']);
    expect(parseField('json-list', '["Dr. \\"Doc\\" Brown","Narrator"]', 'characters')).toEqual(['Dr. "Doc" Brown', 'Narrator']);
    expect(parseField('json-list', '["A","B"]', 'characters')).toEqual(['A', 'B']);
    expect(encodeField('json-list', '["Dr. \\"Doc\\" Brown"]', 'characters')).toBe('{"Dr. \\\\"Doc\\\\" Brown"}');
    expect(reason(parseField('json-list', '[Self]', 'characters'))).toBe('characters: "[Self]" is not a JSON array of strings');
    expect(reason(parseField('json-list', '[1,2]', 'characters'))).toContain('not a JSON array of strings');
  });

  it('parses typed values for verify and MongoDB', () => {
    expect(parseField('int', '0042', 'x')).toBe(42);
    expect(parseField('bool', '0', 'x')).toBe(false);
    expect(parseField('rating', '8.1', 'x')).toBe(8.1);
    expect(parseField('list', 'nm1,nm2', 'x')).toEqual(['nm1', 'nm2']);
    expect(parseField('text', '\\N', 'x')).toBeNull();
  });
});
