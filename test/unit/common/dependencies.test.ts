// Every runtime dependency in package.json is imported by the product (not only by tests).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const PRODUCT_DIRS = ['bin', 'common', 'lab', 'tasks', 'daemon', 'chaos', 'imdb-data', 'bench'];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.(ts|mjs|js)$/.test(e.name) ? [p] : [];
  });
}

describe('dependencies', () => {
  it('keeps no runtime dependency that the product never imports', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const text = PRODUCT_DIRS.flatMap((d) => sources(join(ROOT, d))).map((f) => readFileSync(f, 'utf8')).join('\n');
    const unused = Object.keys(pkg.dependencies).filter((dep) => {
      const name = dep.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      return !new RegExp(`(from\\s+|import\\(|require\\()['"]${name}(/[^'"]*)?['"]`).test(text);
    });
    expect(unused).toEqual([]);
  });
});
