// pgbench running a workload's own query: the custom script, pgbench's command line for a DSN, and reading its report.
import { UserError } from '../common/errors.js';
import type { SqlTarget } from './bench-targets.js';

/** Where a target's title ids live: `tt` and at least 7 digits, e.g. tt0000001 (the IMDb format, and the sample's). */
export const TITLE_IDS: Record<SqlTarget, { table: string; column: string }> = {
  postgres: { table: 'title_basics', column: 'tconst' },
  jsonb: { table: 'titles', column: 'id' },
};

/** The numeric part of the title ids in the data: pgbench draws `random(lo, hi)`; `count` of those exist. */
export interface IdRange {
  lo: number;
  hi: number;
  count: number;
}

export function idRangeSql(schema: string, target: SqlTarget): string {
  const { table, column } = TITLE_IDS[target];
  return `SELECT min(substr(${column}, 3)::bigint)::float8 AS lo, max(substr(${column}, 3)::bigint)::float8 AS hi, count(*)::float8 AS count FROM ${schema}.${table} WHERE ${column} ~ '^tt[0-9]+$'`;
}

/** Share of the ids in lo..hi that exist: below 1, some of pgbench's lookups find nothing (pglab's always find a row). */
export function hitRate(r: IdRange): number {
  return r.count / Math.max(1, r.hi - r.lo + 1);
}

/** SQL turning pgbench's integer variable into a title id as the data spells it: tt, zero-padded to 7 digits. */
export function titleIdSql(variable: string, hi: number): string {
  const v = `:${variable}::text`;
  return hi < 10_000_000 ? `'tt' || lpad(${v}, 7, '0')` : `'tt' || lpad(${v}, greatest(7, length(${v})), '0')`;
}

/**
 * A pgbench custom script doing one operation of a by-title-id workload: the workload's statement with its $1 replaced by
 * a uniformly random id of the range (pglab draws uniformly from ids sampled from the same table).
 */
export function pgbenchScript(label: string, statement: string, range: IdRange): string {
  if (!/\$1(?![0-9])/.test(statement) || /\$[2-9]/.test(statement)) throw new Error(`${label}: expected a statement with exactly one parameter $1`);
  if (!(range.hi >= range.lo && range.lo >= 0 && range.count > 0)) throw new UserError(`${label}: no title ids to draw from (${range.count} rows)`, 'load the IMDb data first');
  const sql = statement.replace(/\$1(?![0-9])/g, `(${titleIdSql('id', range.hi)})`).replace(/\s+/g, ' ');
  return [`-- ${label}: the workload's statement, title ids ${range.lo}..${range.hi} drawn uniformly`, `\\set id random(${range.lo}, ${range.hi})`, `${sql};`, ''].join('\n');
}

/** pgbench's query modes: simple (one Query message), extended (unnamed statement each time), prepared (named, parsed once per connection). */
export const PGBENCH_MODES = ['prepared', 'simple', 'extended'] as const;
export type PgbenchMode = (typeof PGBENCH_MODES)[number];

export interface PgbenchRun {
  scriptFile: string;
  clients: number;
  /** pgbench threads (-j). */
  jobs: number;
  seconds: number;
  mode: PgbenchMode;
}

/**
 * pgbench's argv and environment for a postgresql:// DSN: the password goes through PGPASSWORD, never the command line.
 * -n: no vacuum of pgbench's own tables (there are none).
 */
export function pgbenchInvocation(dsn: string, run: PgbenchRun): { args: string[]; env: Record<string, string> } {
  let url: URL;
  try {
    url = new URL(dsn);
  } catch {
    throw new UserError('the DSN is not a URL', 'pass it as postgresql://user:password@host:port/database');
  }
  if (url.protocol !== 'postgresql:' && url.protocol !== 'postgres:') throw new UserError(`the DSN's scheme is ${url.protocol}`, 'pass it as postgresql://user:password@host:port/database');
  if (!Number.isInteger(run.seconds) || run.seconds < 1) throw new UserError(`pgbench runs whole seconds, not ${run.seconds}`, 'pass e.g. --duration 10s');
  const env: Record<string, string> = {};
  if (url.password) env.PGPASSWORD = decodeURIComponent(url.password);
  url.password = '';
  const args = ['-n', '-f', run.scriptFile, '-c', String(run.clients), '-j', String(run.jobs), '-T', String(run.seconds), '-M', run.mode, url.toString()];
  return { args, env };
}

export interface PgbenchReport {
  mode: string;
  clients: number;
  transactions: number;
  failed: number;
  latencyAvgMs: number;
  /** Transactions per second without the initial connection time: one transaction = one operation of the script. */
  tps: number;
}

/** Reads pgbench's (PostgreSQL 15) summary; a report without its tps line is an error that quotes the output. */
export function parsePgbenchOutput(stdout: string): PgbenchReport {
  const field = (re: RegExp): string | undefined => re.exec(stdout)?.[1];
  const num = (re: RegExp): number | undefined => {
    const v = field(re);
    return v === undefined ? undefined : Number(v);
  };
  const tps = num(/^tps = ([0-9.]+) \(without initial connection time\)/m);
  const transactions = num(/^number of transactions actually processed: (\d+)/m);
  if (tps === undefined || transactions === undefined) throw new Error(`pgbench printed no tps line:\n${stdout.trim().split('\n').slice(-8).join('\n')}`);
  return {
    mode: field(/^query mode: (\w+)/m) ?? 'unknown',
    clients: num(/^number of clients: (\d+)/m) ?? 0,
    transactions,
    failed: num(/^number of failed transactions: (\d+)/m) ?? 0,
    latencyAvgMs: num(/^latency average = ([0-9.]+) ms/m) ?? 0,
    tps,
  };
}
