// pgbench running a workload's own statement: the script, the command line for a DSN, reading pgbench's report.
import { describe, expect, it } from 'vitest';
import { COMPARABLE_WORKLOADS, formatComparison, type Comparison } from '../../../measure/compare-pgbench.js';
import { hitRate, idRangeSql, parsePgbenchOutput, pgbenchInvocation, pgbenchScript, titleIdSql } from '../../../bench/pgbench-script.js';
import { WORKLOADS } from '../../../bench/workloads.js';

// pgbench 15.18's report, as printed for `-n -f title-by-id.sql -c 2 -j 1 -T 1 -M prepared`.
const PGBENCH_15_REPORT = `pgbench (15.18 (Debian 15.18-0+deb12u1))
transaction type: /tmp/bvp/tbi.sql
scaling factor: 1
query mode: prepared
number of clients: 2
number of threads: 1
maximum number of tries: 1
duration: 1 s
number of transactions actually processed: 13538
number of failed transactions: 0 (0.000%)
latency average = 0.142 ms
initial connection time = 36.287 ms
tps = 14044.296903 (without initial connection time)
`;

const titleById = WORKLOADS.find((w) => w.name === 'title-by-id')!.targets.postgres!.byTitleId!;

describe('the pgbench script for a workload', () => {
  it("is the workload's own statement with $1 replaced by a random id of the range, spelled as the data spells it", () => {
    const script = pgbenchScript('title-by-id', titleById('imdb'), { lo: 1, hi: 110_000, count: 110_000 });
    const lines = script.trimEnd().split('\n');
    expect(lines[1]).toBe('\\set id random(1, 110000)');
    expect(lines[2]).toBe(
      "SELECT b.*, r.average_rating, r.num_votes FROM imdb.title_basics b LEFT JOIN imdb.title_ratings r USING (tconst) WHERE b.tconst = ('tt' || lpad(:id::text, 7, '0'));",
    );
    expect(lines[0]).toMatch(/^-- /);
  });

  it('pads to 7 digits, and keeps longer ids whole once the range passes 9,999,999 (real IMDb ids)', () => {
    expect(titleIdSql('id', 9_999_999)).toBe("'tt' || lpad(:id::text, 7, '0')");
    expect(titleIdSql('id', 12_345_678)).toBe("'tt' || lpad(:id::text, greatest(7, length(:id::text)), '0')");
  });

  it('refuses a statement without exactly one parameter, and an empty table', () => {
    expect(() => pgbenchScript('x', 'SELECT 1', { lo: 1, hi: 2, count: 2 })).toThrow(/exactly one parameter/);
    expect(() => pgbenchScript('x', 'SELECT $1, $2', { lo: 1, hi: 2, count: 2 })).toThrow(/exactly one parameter/);
    expect(() => pgbenchScript('x', 'SELECT $1', { lo: 0, hi: 0, count: 0 })).toThrow(/no title ids/);
  });

  it('says how many of the drawn ids exist', () => {
    expect(hitRate({ lo: 1, hi: 110_000, count: 110_000 })).toBe(1);
    expect(hitRate({ lo: 1, hi: 200, count: 50 })).toBe(0.25);
    expect(idRangeSql('imdb', 'jsonb')).toContain('FROM imdb.titles');
  });

  it('exists for the lookups by title id on both targets, and only for them', () => {
    expect(COMPARABLE_WORKLOADS).toEqual(['title-by-id', 'title-cast']);
    for (const name of COMPARABLE_WORKLOADS) {
      for (const impl of Object.values(WORKLOADS.find((w) => w.name === name)!.targets)) expect(impl?.byTitleId?.('s')).toMatch(/= \$1( |$)/);
    }
  });
});

describe("pgbench's command line", () => {
  it('takes the DSN without its password, which goes through PGPASSWORD', () => {
    const { args, env } = pgbenchInvocation('postgresql://app:p%40ss%2Fw@10.77.0.5:5432/app', { scriptFile: '/tmp/s.sql', clients: 8, jobs: 1, seconds: 10, mode: 'prepared' });
    expect(args).toEqual(['-n', '-f', '/tmp/s.sql', '-c', '8', '-j', '1', '-T', '10', '-M', 'prepared', 'postgresql://app@10.77.0.5:5432/app']);
    expect(env).toEqual({ PGPASSWORD: 'p@ss/w' });
    expect(args.join(' ')).not.toContain('p%40ss');
  });

  it('refuses what is not a postgresql:// URL, and fractions of a second', () => {
    const run = { scriptFile: 's', clients: 1, jobs: 1, seconds: 1, mode: 'simple' as const };
    expect(() => pgbenchInvocation('host=x dbname=y', run)).toThrow(/not a URL/);
    expect(() => pgbenchInvocation('mysql://x/y', run)).toThrow(/scheme/);
    expect(() => pgbenchInvocation('postgresql://x/y', { ...run, seconds: 1.5 })).toThrow(/whole seconds/);
  });
});

describe("pgbench's report", () => {
  it('gives tps without the connection time, transactions, failures, latency, mode and clients', () => {
    expect(parsePgbenchOutput(PGBENCH_15_REPORT)).toEqual({ mode: 'prepared', clients: 2, transactions: 13538, failed: 0, latencyAvgMs: 0.142, tps: 14044.296903 });
  });

  it('without a tps line is an error that quotes the end of the output', () => {
    expect(() => parsePgbenchOutput('pgbench: error: client 0 aborted in command 1 query 0: ERROR:  relation "imdb.title_basics" does not exist')).toThrow(/no tps line[\s\S]*does not exist/);
  });
});

describe('the comparison summary', () => {
  const round = (n: number, pglab: number, prepared: number, simple: number) => ({
    round: n,
    order: n % 2 ? ['pglab', 'prepared', 'simple'] : ['simple', 'prepared', 'pglab'],
    pglab: { opsPerSec: pglab, cpuUsPerOp: 26, errors: 0 },
    pgbench: { prepared: { opsPerSec: prepared, cpuUsPerOp: 12, errors: 0, latencyAvgMs: 0.3 }, simple: { opsPerSec: simple, cpuUsPerOp: 18, errors: 0, latencyAvgMs: 0.8 } },
  });
  const c: Comparison = {
    startedAt: '2026-11-29T21:00:00.000Z', clients: 8, seconds: 10, warmupSeconds: 2, jobs: 1, modes: ['prepared', 'simple'], loadavg: '1.00 1.00 1.00 1/100 1',
    workloads: [{ workload: 'title-by-id', target: 'postgres', range: { lo: 1, hi: 100, count: 100 }, script: '', rounds: [round(1, 9000, 10_000, 5000), round(2, 8000, 10_000, 4000)], median: { pglab: 8500, pgbench: { prepared: 10_000, simple: 4500 } }, ratio: 0.85 }],
  };

  it('shows every round with its ratio, then the medians and the ratio against the first mode', () => {
    const text = formatComparison(c);
    expect(text).toContain('round 1: pglab 9,000 ops/s (26.0 µs CPU/op), pgbench prepared 10,000 (12.0 µs CPU/op), pgbench simple 5,000 (18.0 µs CPU/op) → 0.90×');
    expect(text).toContain('median of 2: pglab 8,500 ops/s, pgbench prepared 10,000 tps → ratio 0.85× (goal ≥ 0.90×); pgbench simple 4,500 (pglab 1.89× of it)');
    expect(text).toContain('100.0% of them exist');
  });
});
