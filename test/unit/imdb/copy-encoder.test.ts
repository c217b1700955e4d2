// The byte-level fast path must produce exactly what the string path (the reference) produces, or step aside.
import { readFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeLineFast, encoderPlan, worstCaseBytes } from '../../../imdb-data/copy-encoder.js';
import { Invalid } from '../../../imdb-data/field-codecs.js';
import { generateSample } from '../../../imdb-data/generate-sample.js';
import { fileSpec, IMDB_FILE_NAMES, type ImdbFileSpec } from '../../../imdb-data/imdb-files.js';
import { Prng } from '../../../imdb-data/prng.js';
import { lineToCopy } from '../../../imdb-data/tsv-row.js';

/** Runs one line through the fast path: its COPY line (without newline), or null when it defers to the string path. */
function fast(spec: ImdbFileSpec, line: string): string | null {
  const buf = Buffer.from(line, 'utf8');
  const plan = encoderPlan(spec);
  const out = Buffer.alloc(worstCaseBytes(plan, buf.length));
  const end = encodeLineFast(plan, buf, 0, buf.length, out, 0);
  if (end < 0) return null;
  if (out[end - 1] !== 0x0a) return 'NO NEWLINE';
  return out.toString('utf8', 0, end - 1);
}

const mismatches: { line: string; fast: string; reference: string }[] = [];

/** The property: whenever the fast path answers, it answers exactly like the string path. Returns whether it answered. */
function agrees(spec: ImdbFileSpec, line: string): boolean {
  const f = fast(spec, line);
  if (f === null) return false;
  const ref = lineToCopy(spec, line);
  const reference = ref instanceof Invalid ? `INVALID: ${ref.reason}` : ref;
  if (f !== reference) mismatches.push({ line, fast: f, reference });
  return true;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pglab-encoder-'));
  await generateSample({ outDir: dir, scale: 0.0003, seed: 9 });
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('encodeLineFast', () => {
  it('handles almost every generated line itself, identically to the string path', async () => {
    for (const file of IMDB_FILE_NAMES) {
      const spec = fileSpec(file);
      const lines = gunzipSync(await readFile(join(dir, file))).toString('utf8').split('\n').slice(1, -1);
      let handled = 0;
      for (const line of lines) if (agrees(spec, line)) handled++;
      expect(handled / lines.length, file).toBeGreaterThan(0.98);
    }
    expect(mismatches).toEqual([]);
  });

  it('quotes array elements exactly when PostgreSQL needs it', () => {
    const basics = fileSpec('title.basics.tsv.gz');
    const akas = fileSpec('title.akas.tsv.gz');
    const principals = fileSpec('title.principals.tsv.gz');
    expect(fast(basics, 'tt1\tmovie\tA\tA\t0\t2000\t\\N\t90\tComedy,NULL,Sci Fi,{x}')).toBe('tt1\tmovie\tA\tA\t0\t2000\t\\N\t90\t{Comedy,"NULL","Sci Fi","{x}"}');
    expect(fast(basics, 'tt1\tmovie\tA\tA\t0\t2000\t\\N\t90\t,a')).toBe('tt1\tmovie\tA\tA\t0\t2000\t\\N\t90\t{"",a}');
    expect(fast(akas, 'tt1\t2\tT\tFR\tfr\tnew title, complete\x02working\t\\N\t0')).toBe('tt1\t2\tT\tFR\tfr\t{"new title, complete",working}\t\\N\t0');
    expect(fast(principals, 'tt1\t1\tnm1\tactor\t\\N\t["Null"]')).toBe('tt1\t1\tnm1\tactor\t\\N\t{"Null"}');
    expect(fast(principals, 'tt1\t1\tnm1\tactor\t\\N\t[""]')).toBe('tt1\t1\tnm1\tactor\t\\N\t{""}');
    expect(fast(principals, 'tt1\t1\tnm1\tself\t\\N\t["Self, Host"]')).toBe('tt1\t1\tnm1\tself\t\\N\t{"Self, Host"}');
  });

  it('defers lines with backslashes, quotes in lists, JSON escapes, CR, NUL and every kind of invalid field', () => {
    const basics = fileSpec('title.basics.tsv.gz');
    const ratings = fileSpec('title.ratings.tsv.gz');
    const principals = fileSpec('title.principals.tsv.gz');
    for (const line of [
      'tt1\tmovie\tA\\B\tA\t0\t2000\t\\N\t90\tDrama',
      'tt1\tmovie\tA\tA\t0\t2000\t\\N\t90\tDr"ama',
      'tt1\tmovie\tA\rB\tA\t0\t2000\t\\N\t90\tDrama',
      'tt1\tmovie\tA\0B\tA\t0\t2000\t\\N\t90\tDrama',
      'tt1\tmovie\tA\tA\t0\t20x0\t\\N\t90\tDrama',
      'tt1\tmovie\tA\tA\t2\t2000\t\\N\t90\tDrama',
      'TT1\tmovie\tA\tA\t0\t2000\t\\N\t90\tDrama',
      '\\N\tmovie\tA\tA\t0\t2000\t\\N\t90\tDrama',
      'tt1\tmovie\tA\tA\t0\t2000\t\\N\t90',
      'tt1\tmovie\tA\tA\t0\t2000\t\\N\t90\tDrama\textra',
      '',
    ]) {
      expect(fast(basics, line), JSON.stringify(line)).toBeNull();
    }
    for (const r of ['10.1', '11', '7.55', '.5', '5.', 'a', '']) expect(fast(ratings, `tt1\t${r}\t5`), r).toBeNull();
    for (const r of ['0', '9', '10', '10.0', '0.5', '9.9', '05']) expect(fast(ratings, `tt1\t${r}\t5`), r).toBe(`tt1\t${r}\t5`);
    expect(fast(principals, 'tt1\t1\tnm1\tactor\t\\N\t["A","B"]')).toBeNull();
    expect(fast(principals, 'tt1\t1\tnm1\tactor\t\\N\t["Dr. \\"X\\""]')).toBeNull();
    expect(fast(principals, 'tt1\t1\tnm1\tactor\t\\N\t[Broken]')).toBeNull();
  });

  it('agrees with the string path on thousands of randomly mangled lines', async () => {
    const rng = new Prng(99, 'mangle');
    const pieces = ['\\', '"', '{', '}', ' ', ',', '\x02', '\t', 'NULL', '\\N', '7', '10', '.', 'é', '夜', '[', ']', '["', '"]', 'tt', 'nm', '0', '1', ''];
    let answered = 0;
    let total = 0;
    for (const file of IMDB_FILE_NAMES) {
      const spec = fileSpec(file);
      const lines = gunzipSync(await readFile(join(dir, file))).toString('utf8').split('\n').slice(1, 400);
      for (const line of lines) {
        let mangled = line;
        for (let k = rng.between(1, 3); k > 0; k--) {
          const at = rng.int(mangled.length + 1);
          const cut = rng.chance(0.3) ? rng.between(1, 3) : 0;
          mangled = mangled.slice(0, at) + rng.pick(pieces) + mangled.slice(at + cut);
        }
        total++;
        if (agrees(spec, mangled)) answered++;
      }
    }
    expect(mismatches).toEqual([]);
    // Both branches must have been exercised for the property to mean something.
    expect(answered).toBeGreaterThan(total * 0.2);
    expect(answered).toBeLessThan(total * 0.95);
  });
});
