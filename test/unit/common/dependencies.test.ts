// The shape of the house: every runtime dependency is used, product code imports no devDependency and nothing
// from test/ or measure/, imports point only down the layers, and no module imports itself round a circle.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..', '..');

/**
 * Product folders by layer: a module may import its own folder and lower layers only. Measurement programs
 * (measure/) are the top floor and tests stand beside the house: both may import anything, nothing imports them.
 */
const LAYERS: Record<string, number> = {
  common: 0,
  daemon: 1,
  lab: 1,
  'imdb-data': 1,
  chaos: 1,
  bench: 2,
  ha: 2,
  tasks: 3,
  ui: 4,
  bin: 5,
};
const PRODUCT_DIRS = Object.keys(LAYERS);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.(ts|mjs|js)$/.test(e.name) ? [p] : [];
  });
}

const productFiles = PRODUCT_DIRS.flatMap((d) => sources(join(ROOT, d)));
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g;

/** Every module specifier a file imports (type-only imports included: a circle of types is still a circle). */
function specifiers(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? m[3] ?? m[4] ?? '');
}

/** A relative specifier → the repository path of the .ts file it names. */
function resolveLocal(from: string, spec: string): string {
  return relative(ROOT, normalize(join(dirname(from), spec))).replace(/\.js$/, '.ts');
}

const topFolder = (repoPath: string) => repoPath.split('/')[0] ?? '';

/** Named, with the reason: a devDependency reached only when the product runs from its TypeScript sources. */
const DEV_ONLY_IMPORTS: Record<string, string> = {
  'imdb-data/copy-worker-pool.ts tsx/esm/api': 'its copy workers register tsx only when started from .ts sources (tests); dist/ runs copy-worker.js',
};

describe('dependencies', () => {
  it('keeps no runtime dependency that the product never imports', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const used = new Set(productFiles.flatMap(specifiers).filter((s) => !s.startsWith('.') && !s.startsWith('node:')).map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0])));
    expect(Object.keys(pkg.dependencies).filter((d) => !used.has(d))).toEqual([]);
  });

  it('imports no devDependency and nothing from test/ or measure/ in product code', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    const dev = new Set(Object.keys(pkg.devDependencies));
    const bad: string[] = [];
    for (const f of productFiles) {
      for (const s of specifiers(f)) {
        const name = s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0];
        if (!s.startsWith('.') && name && dev.has(name) && !DEV_ONLY_IMPORTS[`${relative(ROOT, f)} ${s}`]) bad.push(`${relative(ROOT, f)} imports the devDependency ${s}`);
        if (s.startsWith('.') && ['test', 'measure'].includes(topFolder(resolveLocal(f, s)))) bad.push(`${relative(ROOT, f)} imports ${s}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('points every import between product folders down the layers', () => {
    const bad: string[] = [];
    for (const f of productFiles) {
      const from = topFolder(relative(ROOT, f));
      for (const s of specifiers(f).filter((x) => x.startsWith('.'))) {
        const to = topFolder(resolveLocal(f, s));
        if (to === from || !(to in LAYERS)) continue;
        if ((LAYERS[to] ?? 99) >= (LAYERS[from] ?? -1)) bad.push(`${relative(ROOT, f)} (${from}, layer ${LAYERS[from]}) imports ${s} (${to}, layer ${LAYERS[to]})`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('has no import circle between modules', () => {
    const graph = new Map<string, string[]>();
    for (const f of productFiles) {
      graph.set(relative(ROOT, f), specifiers(f).filter((s) => s.startsWith('.')).map((s) => resolveLocal(f, s)));
    }
    const circles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const path: string[] = [];
    const visit = (n: string): void => {
      state.set(n, 'open');
      path.push(n);
      for (const m of graph.get(n) ?? []) {
        if (!graph.has(m)) continue;
        if (state.get(m) === 'open') circles.push([...path.slice(path.indexOf(m)), m].join(' → '));
        else if (!state.has(m)) visit(m);
      }
      path.pop();
      state.set(n, 'done');
    };
    for (const n of graph.keys()) if (!state.has(n)) visit(n);
    expect(circles).toEqual([]);
  });
});
