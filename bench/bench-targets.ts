// The targets a benchmark can run against: the relational tables and the jsonb documents in PostgreSQL, and MongoDB (refused here).
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
  run: SqlTarget[];
  /** Targets `all` stood for that cannot run here, each with why: printed, never dropped silently. */
  skipped: { target: BenchTarget; reason: string }[];
}

/**
 * Reads `--target postgres,jsonb` / `all`. A target named explicitly that cannot run is refused with `unavailable`
 * (a UserError: exit 2); `all` means every target that can run, and lists the others in `skipped`.
 */
export function parseTargets(spec: string, mongoUnavailable: UserError): TargetChoice {
  const names = [...new Set(spec.split(',').map((s) => s.trim()).filter(Boolean))];
  if (names.length === 0) throw new UserError('--target is empty', `use one or more of ${BENCH_TARGETS.join(', ')} (comma-separated), or all`);
  const run: SqlTarget[] = [];
  const skipped: TargetChoice['skipped'] = [];
  for (const name of names) {
    if (name === 'all') {
      for (const t of SQL_TARGETS) if (!run.includes(t)) run.push(t);
      skipped.push({ target: 'mongo', reason: mongoUnavailable.hint ? `${mongoUnavailable.message} (${mongoUnavailable.hint})` : mongoUnavailable.message });
    } else if (name === 'mongo') {
      throw mongoUnavailable;
    } else if ((SQL_TARGETS as readonly string[]).includes(name)) {
      if (!run.includes(name as SqlTarget)) run.push(name as SqlTarget);
    } else {
      throw new UserError(`unknown --target "${name}"`, `use one or more of ${BENCH_TARGETS.join(', ')} (comma-separated), or all`);
    }
  }
  return { run, skipped };
}
