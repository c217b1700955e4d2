// The jsonb document model: COPY row encoding of documents, chunking, index DDL.
import { describe, expect, it } from 'vitest';
import { copyChunks } from '../../../imdb-data/load-jsonb.js';
import { copyTextField, documentCopyRow, documentIndexSql, documentTableSql, rowToDocument } from '../../../imdb-data/jsonb-model.js';
import type { PersonDocument, TitleDocument } from '../../../imdb-data/mongo-model.js';

/** What COPY's text format makes of a field (the inverse of copyTextField), to check round trips. */
function copyDecode(field: string): string {
  return field.replace(/\\(.)/g, (_, c: string) => ({ t: '\t', n: '\n', r: '\r', '\\': '\\' })[c] ?? c);
}

const person: PersonDocument = { _id: 'nm0000001', primaryName: 'Fred Astaire', birthYear: 1899, deathYear: 1987, primaryProfession: ['actor'], knownForTitles: ['tt0050419'] };

describe('documentCopyRow', () => {
  it('writes id, tab, the document without _id as JSON, newline', () => {
    expect(documentCopyRow(person)).toBe('nm0000001\t{"primaryName":"Fred Astaire","birthYear":1899,"deathYear":1987,"primaryProfession":["actor"],"knownForTitles":["tt0050419"]}\n');
  });

  it('doubles the backslashes of JSON escapes, so COPY hands PostgreSQL the JSON text unchanged', () => {
    const title: TitleDocument = {
      _id: 'tt1',
      titleType: 'movie',
      primaryTitle: 'Tab\there, newline\nthere, a "quote", a back\\slash, ünïcödé, \u0001',
      originalTitle: null,
      isAdult: false,
      genres: [],
      akas: [{ ordering: 1, title: 'C:\\temp', isOriginalTitle: true }],
      principals: [],
    };
    const row = documentCopyRow(title);
    expect(row.endsWith('\n')).toBe(true);
    const fields = row.slice(0, -1).split('\t');
    expect(fields).toHaveLength(2); // no raw tab or newline inside a field
    expect(row.slice(0, -1)).not.toMatch(/[\n\r]/);
    expect(copyDecode(fields[0]!)).toBe('tt1');
    const { _id, ...rest } = title;
    expect(JSON.parse(copyDecode(fields[1]!))).toEqual(rest);
    expect(fields[1]).toContain('back\\\\\\\\slash'); // JSON's \\ doubled again for COPY
  });

  it('escapes exactly the four bytes COPY text treats specially', () => {
    expect(copyTextField('plain text')).toBe('plain text');
    expect(copyTextField('a\\b\tc\nd\re')).toBe('a\\\\b\\tc\\nd\\re');
    expect(copyDecode(copyTextField('a\\b\tc\nd\re\\n'))).toBe('a\\b\tc\nd\re\\n');
  });

  it('reads a stored row back in the builder shape', () => {
    const { _id, ...doc } = person;
    expect(rowToDocument({ id: _id, doc })).toEqual(person);
  });
});

describe('copyChunks', () => {
  it('joins rows into chunks of about the given size and counts documents and UTF-8 bytes', async () => {
    async function* docs(): AsyncGenerator<PersonDocument> {
      for (let i = 0; i < 10; i++) yield { ...person, _id: `nm${i}`, primaryName: 'Zoë' };
    }
    const counter = { documents: 0, bytes: 0 };
    const chunks: string[] = [];
    for await (const c of copyChunks(docs(), counter, 300)) chunks.push(c);
    const text = chunks.join('');
    expect(text.split('\n').slice(0, -1)).toHaveLength(10);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.slice(0, -1).every((c) => c.length >= 300 && c.endsWith('\n'))).toBe(true);
    expect(counter).toEqual({ documents: 10, bytes: Buffer.byteLength(text) });
  });
});

describe('DDL', () => {
  it('creates id + doc tables, the primary key first, then the expression indexes', () => {
    expect(documentTableSql('imdb_doc_load', 'titles')).toBe('CREATE TABLE "imdb_doc_load"."titles" (id text NOT NULL, doc jsonb NOT NULL)');
    const sql = documentIndexSql('s', 'titles');
    expect(sql[0]).toBe('ALTER TABLE "s"."titles" ADD CONSTRAINT "titles_pkey" PRIMARY KEY (id)');
    expect(sql.slice(1)).toContain(`CREATE INDEX "titles_principals_nconst" ON "s"."titles" USING gin (jsonb_path_query_array(doc, '$.principals[*].nconst'))`);
    expect(documentIndexSql('s', 'people')).toEqual(['ALTER TABLE "s"."people" ADD CONSTRAINT "people_pkey" PRIMARY KEY (id)']);
  });
});
