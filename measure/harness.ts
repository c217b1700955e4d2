// What every measurement program shares: its command line (a typo is an error with the usage, exit 2), the line
// that records the conditions of a run (date, commit, host load), medians, a local PostgreSQL, and how it ends.
// Measurement programs are the top floor of the house: they may import anything; nothing imports them.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { describeError, exitCodeOf, UserError } from '../common/errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses the program's flags; an unknown flag or a bad value ends the program with the usage (exit 2). */
export function measureArgs<O extends Options>(usage: string, options: O, argv = process.argv.slice(2)) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\nusage: ${usage}\n`);
    process.exit(2);
  }
}

/** A whole number from a flag, or a UserError naming the flag. */
export function wholeArg(value: string | undefined, flag: string, min = 0): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UserError(`${flag} must be a whole number ≥ ${min}, not "${value}"`);
  return n;
}

export function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

function commit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: import.meta.dirname, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

/** "# what, 2026-12-06T…Z, commit abc1234, node v20…, load average 0.5 0.4 0.3": the first line of a run's output. */
export function conditionsLine(what: string): string {
  return `# ${what}, ${new Date().toISOString()}, commit ${commit()}, node ${process.version}, load average ${loadAverage()}`;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export function minMedianMax(xs: readonly number[]): { min: number; median: number; max: number; n: number } {
  return { min: Math.min(...xs), median: median(xs), max: Math.max(...xs), n: xs.length };
}

/** Runs the program's main; a UserError is one line and exit 2, anything else its message and exit 1. */
export function runMeasurement(main: () => Promise<void>): void {
  main().then(
    () => undefined,
    (err: unknown) => {
      process.stderr.write(`${describeError(err)}\n`);
      process.exit(exitCodeOf(err));
    },
  );
}

/** A throwaway PostgreSQL 15 on 127.0.0.1, durable (fsync on) like the lab's, for measurements without a lab. */
export async function measurementPostgres(settings: Record<string, string> = {}) {
  const { startLocalPostgres } = await import('../test/support/local-postgres.js');
  return startLocalPostgres({ settings: { fsync: 'on', full_page_writes: 'on', ...settings } });
}
