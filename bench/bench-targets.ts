// The targets a benchmark can run against: the relational tables and the jsonb documents in PostgreSQL, and MongoDB (on labs with mongo machines).
import { UserError } from '../common/errors.js';

export const BENCH_TARGETS = ['postgres', 'jsonb', 'mongo'] as const;
export type BenchTarget = (typeof BENCH_TARGETS)[number];
/** The targets with SQL implementations of the workloads: both are PostgreSQL, one with the relational tables, one with documents. */
export type SqlTarget = Exclude<BenchTarget, 'mongo'>;
export const SQL_TARGETS: readonly SqlTarget[] = ['postgres', 'jsonb'];

/** What each target is, in the words of the report. */
export const TARGET_MODELS: Record<BenchTarget, string> = {
  postgres: 'PostgreSQL, relational tables (schema imdb, one table per IMDb file)',
  jsonb: 'PostgreSQL, jsonb documents (schema imdb_doc, the MongoDB model: titles with everything embedded, people)',
  mongo: 'MongoDB, the same documents (database imdb)',
};

export interface TargetChoice {
  /** In the order given (duplicates removed). */
  run: BenchTarget[];
  /** Targets `all` stood for that cannot run here, each with why: printed, never dropped silently. */
  skipped: { target: BenchTarget; reason: string }[];
}

/**
 * Reads `--target postgres,jsonb` / `all`. Mongo named explicitly on a lab that cannot run it is refused with
 * `mongoUnavailable` (a UserError: exit 2); `all` means every target that can run, and lists the others in `skipped`.
 */
export function parseTargets(spec: string, mongoUnavailable: UserError | undefined): TargetChoice {
  const names = [...new Set(spec.split(',').map((s) => s.trim()).filter(Boolean))];
  if (names.length === 0) throw new UserError('--target is empty', `use one or more of ${BENCH_TARGETS.join(', ')} (comma-separated), or all`);
  const run: BenchTarget[] = [];
  const skipped: TargetChoice['skipped'] = [];
  for (const name of names) {
    if (name === 'all') {
      for (const t of SQL_TARGETS) if (!run.includes(t)) run.push(t);
      if (mongoUnavailable) skipped.push({ target: 'mongo', reason: mongoUnavailable.hint ? `${mongoUnavailable.message} (${mongoUnavailable.hint})` : mongoUnavailable.message });
      else if (!run.includes('mongo')) run.push('mongo');
    } else if (name === 'mongo') {
      if (mongoUnavailable) throw mongoUnavailable;
      if (!run.includes('mongo')) run.push('mongo');
    } else if ((SQL_TARGETS as readonly string[]).includes(name)) {
      if (!run.includes(name as SqlTarget)) run.push(name as SqlTarget);
    } else {
      throw new UserError(`unknown --target "${name}"`, `use one or more of ${BENCH_TARGETS.join(', ')} (comma-separated), or all`);
    }
  }
  return { run, skipped };
}
