// Collects malformed source lines (file, line, reason) and stops the load when there are too many.
import { UserError } from '../common/errors.js';

export interface BadLine {
  file: string;
  line: number;
  reason: string;
}

/** Default for maxBadLines: a handful of broken lines is data; thousands mean the wrong file or a bug. */
export const DEFAULT_MAX_BAD_LINES = 1000;

export class BadLineLog {
  readonly lines: BadLine[] = [];
  constructor(
    readonly limit: number = DEFAULT_MAX_BAD_LINES,
    /** Told of every bad line before the limit is checked (a worker thread forwards them to the loader). */
    private readonly onAdd?: (bad: BadLine) => void,
  ) {}

  add(bad: BadLine): void {
    this.lines.push(bad);
    this.onAdd?.(bad);
    if (this.lines.length > this.limit) {
      const first = this.lines[0]!;
      throw new UserError(
        `more than ${this.limit} malformed lines in the IMDb files (first: ${first.file}:${first.line}: ${first.reason}; latest: ${bad.file}:${bad.line}: ${bad.reason})`,
        'check that the files are intact IMDb TSVs (re-run `pglab imdb fetch`, or `pglab imdb sample`), or raise the bad-line limit if these lines are expected',
      );
    }
  }
}
