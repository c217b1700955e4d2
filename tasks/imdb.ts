// `pglab imdb fetch|sample|load|verify`: IMDb data into the lab, as step graphs.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../common/errors.js';
import { formatDuration } from '../common/duration.js';
import { fetchImdb, generateSample, IMDB_FILE_NAMES, JSONB_SCHEMA, loadJsonb, loadPostgres, verifyJsonb, verifyPostgres } from '../imdb-data/index.js';
import { paths } from '../lab/state-dir.js';
import type { Topology } from '../lab/topology.js';
import { labClientConfig, requireLabNetns } from './client-access.js';
import { loadAgainAfterConnectionLoss, lossNote } from './load-again-after-connection-loss.js';
import type { Step } from './graph/step.js';
import { mongoLoadSteps, verifyMongoTarget } from './imdb-mongo.js';
import { mongoUnavailable, requireMongoMachines } from '../lab/roles/mongo/index.js';
import { parseTargets, type TargetChoice } from '../bench/bench-targets.js';
import { formatTable } from '../common/text-table.js';

export const DEFAULT_SCALE = 0.01;
export const DEFAULT_SEED = 1;

export function sampleDir(scale: number, seed: number): string {
  return join(paths.cache(), 'imdb', `sample-s${scale}-seed${seed}`);
}

export function fetchedDir(): string {
  return join(paths.cache(), 'imdb', 'fetched');
}

const COMPLETE = '.complete';
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

export function sampleSteps(scale: number, seed: number): Step[] {
  const dir = sampleDir(scale, seed);
  return [
    {
      id: 'sample',
      title: `Generate the IMDb sample (scale ${scale}, seed ${seed})`,
      async run(ctx) {
        if (existsSync(join(dir, COMPLETE))) return `unchanged (${dir})`;
        const t0 = Date.now();
        await mkdir(dir, { recursive: true });
        const r = await generateSample({ outDir: dir, scale, seed, onProgress: (f, rows) => ctx.output(`${f}: ${rows.toLocaleString('en')} rows`) });
        await writeFile(join(dir, COMPLETE), JSON.stringify(r) + '\n');
        const rows = r.files.reduce((a, f) => a + f.rows, 0);
        return `${rows.toLocaleString('en')} rows, ${mb(r.files.reduce((a, f) => a + f.bytes, 0))} gzipped, in ${formatDuration(Date.now() - t0)}`;
      },
      describe: () => [`write ${IMDB_FILE_NAMES.length} .tsv.gz files into ${dir}`],
    },
  ];
}

export function fetchSteps(files: string[] | undefined, baseUrl: string | undefined): Step[] {
  return [
    {
      id: 'fetch',
      title: 'Download the IMDb files (cached, resumed, checked)',
      async run(ctx) {
        const r = await fetchImdb({
          cacheDir: fetchedDir(),
          baseUrl,
          files,
          signal: ctx.signal,
          onProgress: (f, bytes, total, rate) => ctx.output(`${f}: ${mb(bytes)}${total ? ` of ${mb(total)}` : ''} at ${mb(rate)}/s`),
        });
        const got = r.filter((f) => !f.skipped);
        return got.length === 0 ? 'unchanged (all files cached)' : `${got.map((f) => f.file).join(', ')} (${mb(got.reduce((a, f) => a + f.bytes, 0))})`;
      },
      describe: () => [`GET ${baseUrl ?? 'the IMDb dataset site'}/<file>.tsv.gz → ${fetchedDir()}`],
    },
  ];
}

/** The directory a load reads: the sample (default) or the fetched files, checked complete. */
export function sourceDir(source: string, scale: number, seed: number): string {
  if (source === 'sample') {
    const dir = sampleDir(scale, seed);
    if (!existsSync(join(dir, COMPLETE))) throw new UserError(`there is no IMDb sample at scale ${scale}, seed ${seed}`, `generate it: pglab imdb sample --scale ${scale} --seed ${seed}`);
    return dir;
  }
  if (source === 'fetched') {
    const missing = IMDB_FILE_NAMES.filter((f) => !existsSync(join(fetchedDir(), f)));
    if (missing.length > 0) throw new UserError(`the IMDb download is incomplete: missing ${missing.join(', ')}`, 'run pglab imdb fetch (or load the offline sample with --source sample)');
    return fetchedDir();
  }
  throw new UserError(`unknown --source "${source}"`, 'use --source sample or --source fetched');
}

/** `--target postgres,jsonb,mongo` or `all` (every target the lab has; the others in `skipped`, with why), as bench reads it. */
export function imdbTargets(spec: string, t: Topology): TargetChoice {
  return parseTargets(spec, mongoUnavailable(t));
}

/** The targets `pglab imdb load|verify --target` accept; mongo only on a lab with mongo machines (else exit 2, with why). */
export function imdbTarget(target: string, t?: Topology): 'postgres' | 'jsonb' | 'mongo' {
  if (target === 'mongo' && t) requireMongoMachines(t);
  if (target !== 'postgres' && target !== 'jsonb' && target !== 'mongo') throw new UserError(`unknown --target "${target}"`, 'use --target postgres (relational tables), jsonb (the MongoDB documents in PostgreSQL) or mongo (the documents in the mongo machines)');
  return target;
}

export function loadSteps(t: Topology, target: string, dir: string, indexes: boolean, report: { text?: string }): Step[] {
  const which = imdbTarget(target, t);
  if (which === 'mongo') return mongoLoadSteps(t, dir, report);
  if (which === 'jsonb') return jsonbLoadSteps(t, dir, indexes, report);
  requireLabNetns();
  return [
    {
      id: 'load',
      title: `Load IMDb into PostgreSQL through haproxy${indexes ? ' (with keys and indexes)' : ''}`,
      async run(ctx) {
        const progress = new Map<string, string>();
        const { value: r, losses } = await loadAgainAfterConnectionLoss(t, ctx, () =>
          loadPostgres({
            connection: labClientConfig(t),
            sourceDir: dir,
            indexes,
            signal: ctx.signal,
            onProgress: (table, rows, bytes) => {
              progress.set(table, `${table} ${rows.toLocaleString('en')} rows ${mb(bytes)}`);
              ctx.output([...progress.values()].join(' · '));
            },
          }),
        );
        const rows = r.tables.reduce((a, x) => a + x.rows, 0);
        const bytes = r.tables.reduce((a, x) => a + x.bytes, 0);
        report.text = [
          formatTable([
            ['TABLE', 'ROWS', 'MB', 'COPY', 'ANALYZE', 'INDEX'],
            ...r.tables.map((x) => [x.table, String(x.rows), (x.bytes / 1e6).toFixed(1), ...[x.ms, x.analyzeMs, x.indexMs].map((ms) => formatDuration(ms))]),
          ], { align: ['left', 'right', 'right', 'right', 'right', 'right'] }),
          ...(r.badLines.length ? [`${r.badLines.length} malformed line(s) skipped:`, ...r.badLines.slice(0, 10).map((b) => `  ${b.file}:${b.line}: ${b.reason}`)] : []),
        ].join('\n');
        return `${rows.toLocaleString('en')} rows, ${mb(bytes)} in ${formatDuration(r.ms)} (${((bytes / 1e6) / (r.ms / 1000)).toFixed(1)} MB/s)${lossNote(losses)}`;
      },
      describe: () => [`COPY each .tsv.gz in ${dir} into imdb_load.* through haproxy :5432, swap into imdb.*`],
    },
  ];
}

function jsonbLoadSteps(t: Topology, dir: string, indexes: boolean, report: { text?: string }): Step[] {
  requireLabNetns();
  return [
    {
      id: 'load',
      title: `Load the IMDb documents into PostgreSQL jsonb through haproxy${indexes ? ' (with keys and indexes)' : ''}`,
      async run(ctx) {
        const progress = new Map<string, string>();
        const { value: r, losses } = await loadAgainAfterConnectionLoss(t, ctx, () =>
          loadJsonb({
            connection: labClientConfig(t),
            sourceDir: dir,
            indexes,
            signal: ctx.signal,
            onProgress: (table, docs, bytes) => {
              progress.set(table, `${table} ${docs.toLocaleString('en')} documents ${mb(bytes)}`);
              ctx.output([...progress.values()].join(' · '));
            },
          }),
        );
        const docs = r.tables.reduce((a, x) => a + x.documents, 0);
        const bytes = r.tables.reduce((a, x) => a + x.bytes, 0);
        const orphans = Object.entries(r.orphans).filter(([, n]) => n > 0);
        report.text = [
          formatTable([
            ['TABLE', 'DOCUMENTS', 'JSON MB', 'COPY', 'INDEX', 'ANALYZE'],
            ...r.tables.map((x) => [`${JSONB_SCHEMA}.${x.table}`, String(x.documents), (x.bytes / 1e6).toFixed(1), ...[x.ms, x.indexMs, x.analyzeMs].map((ms) => formatDuration(ms))]),
          ], { align: ['left', 'right', 'right', 'right', 'right', 'right'] }),
          ...(orphans.length ? [`rows without a title in title.basics, skipped: ${orphans.map(([f, n]) => `${f} ${n}`).join(', ')}`] : []),
          ...(r.badLines.length ? [`${r.badLines.length} malformed line(s) skipped:`, ...r.badLines.slice(0, 10).map((b) => `  ${b.file}:${b.line}: ${b.reason}`)] : []),
        ].join('\n');
        return `${docs.toLocaleString('en')} documents, ${mb(bytes)} of JSON in ${formatDuration(r.ms)}${lossNote(losses)}`;
      },
      describe: () => [`build the title and person documents from the .tsv.gz files in ${dir}, COPY them into ${JSONB_SCHEMA}_load.titles/people through haproxy :5432, swap into ${JSONB_SCHEMA}.*`],
    },
  ];
}

export async function verifyCommand(t: Topology, dir: string, target = 'postgres'): Promise<{ ok: boolean; text: string; checks: unknown[] }> {
  const which = imdbTarget(target, t);
  if (which === 'mongo') return formatVerify(await verifyMongoTarget(t, dir));
  requireLabNetns();
  return formatVerify(which === 'jsonb' ? await verifyJsonb({ connection: labClientConfig(t), sourceDir: dir }) : await verifyPostgres({ connection: labClientConfig(t), sourceDir: dir }));
}

function formatVerify(r: { ok: boolean; checks: { ok: boolean; name: string; expected: string; actual: string }[] }): { ok: boolean; text: string; checks: unknown[] } {
  const text = r.checks.map((c) => `${c.ok ? '✔' : '✖'} ${c.name}: expected ${c.expected}, found ${c.actual}`).join('\n');
  return { ok: r.ok, text, checks: r.checks };
}
