// The mongo node kind is one folder with one front door: product code outside lab/roles/mongo/ imports only its index.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..', '..', '..');
const KIND = join(ROOT, 'lab', 'roles', 'mongo');
const PRODUCT_DIRS = ['bin', 'common', 'lab', 'ha', 'tasks', 'daemon', 'chaos', 'imdb-data', 'bench', 'ui', 'measure'];

function sources(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return p === KIND ? [] : sources(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

describe('the mongo node kind', () => {
  it('is imported from outside its folder only through lab/roles/mongo/index.ts', () => {
    const offenders = PRODUCT_DIRS.flatMap((d) => sources(join(ROOT, d))).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/(?:from\s+|import\()\s*['"]([^'"]*\/roles\/mongo\/[^'"]+|\.\/mongo\/[^'"]+)['"]/g)]
        .map((m) => m[1]!)
        .filter((spec) => !/\/mongo\/index\.js$/.test(spec))
        .map((spec) => `${relative(ROOT, file)} imports ${spec}`),
    );
    expect(offenders).toEqual([]);
  });
});
