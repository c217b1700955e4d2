// Writes seven tiny IMDb files full of awkward but legal text, plus a few malformed lines with known line numbers.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileSpec, headerLine, IMDB_FILE_NAMES } from '../../../imdb-data/imdb-files.js';

const N = '\\N';

/** Data lines per file (the header is added). Lines marked BAD are expected in loadPostgres' badLines. */
export const EDGE_LINES: Record<string, string[]> = {
  'name.basics.tsv.gz': [
    `nm0000001\tFred Astaire\t1899\t1987\tactor,miscellaneous,producer\ttt0000003,tt0000002`,
    `nm0000002\t"Weird Al" Yankovic\t${N}\t${N}\tsoundtrack\t${N}`,
    `nm0000003\tBack\\Slash O'Neil\t${N}\t${N}\t${N}\t${N}`,
    `nm0000004\tSøren Łąka 夜\tnineteen\t${N}\tactor\t${N}`, // BAD line 5: birthYear
  ],
  'title.basics.tsv.gz': [
    `tt0000001\tshort\tCarmencita\tCarmencita\t0\t1894\t${N}\t1\tDocumentary,Short`,
    `tt0000002\tmovie\tThe "Big" Backslash \\ Movie\tLe Grand \\N\t0\t2001\t${N}\t${N}\t${N}`,
    `tt0000003\tmovie\tThe\tTab Title\tThe Tab Title\t0\t2002\t${N}\t90\tDrama`, // BAD line 4: tab in title
    `tt0000004\ttvSeries\tSeries {with} braces, and commas\tSeries\t0\t1990\t1995\t30\tComedy,Drama`,
    `tt0000005\ttvEpisode\tNULL\tnull\t1\t1991\t${N}\t30\tComedy`,
  ],
  'title.akas.tsv.gz': [
    `tt0000001\t1\tCarmencita\t${N}\t${N}\toriginal\t${N}\t1`,
    `tt0000001\t2\tКарменсита\tRU\tru\timdbDisplay\t${N}\t0`,
    `tt0000002\t1\tLe "Grand"\tFR\tfr\talternative\x02working\tnew title, complete\x02literal English title\t0`,
  ],
  'title.crew.tsv.gz': [`tt0000001\tnm0000001\t${N}`, `tt0000002\tnm0000001,nm0000002\tnm0000003`],
  'title.episode.tsv.gz': [`tt0000005\ttt0000004\t1\t1`, `tt0000006\ttt0000004\t${N}\t${N}`],
  'title.principals.tsv.gz': [
    `tt0000001\t1\tnm0000001\tself\t${N}\t["Self"]`,
    `tt0000002\t1\tnm0000002\tactor\t${N}\t["Dr. \\"Doc\\" Brown","Narrator"]`,
    `tt0000002\t2\tnm0000003\twriter\tbased on "the" novel\t${N}`,
    `tt0000002\t3\tnm0000001\tactor\t${N}\t[Broken]`, // BAD line 5: characters not JSON
  ],
  'title.ratings.tsv.gz': [`tt0000001\t5.7\t2090`, `tt0000002\t10\t5`, `tt0000004\t11.0\t7`], // BAD line 4: rating > 10
};

export const EDGE_BAD_LINES: { file: string; line: number; reason: string }[] = [
  { file: 'name.basics.tsv.gz', line: 5, reason: 'birthYear: "nineteen" is not a whole number (0–999999999)' },
  { file: 'title.basics.tsv.gz', line: 4, reason: 'expected 9 tab-separated fields, found 10 (a tab inside a text field?)' },
  { file: 'title.principals.tsv.gz', line: 5, reason: 'characters: "[Broken]" is not a JSON array of strings' },
  { file: 'title.ratings.tsv.gz', line: 4, reason: 'averageRating: "11.0" is not a rating between 0.0 and 10.0' },
];

export async function writeEdgeFiles(dir: string, lines = EDGE_LINES): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const file of IMDB_FILE_NAMES) {
    const body = [headerLine(fileSpec(file)), ...(lines[file] ?? [])].join('\n') + '\n';
    await writeFile(join(dir, file), gzipSync(body));
  }
}
