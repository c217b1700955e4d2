// The unit of work in a task graph: what it needs, how to run it, how to describe it.

export interface StepContext {
  /** Aborted on Ctrl-C: pass it to every child process and wait. */
  readonly signal: AbortSignal;
  /** One line of progress shown under the step (spinner tree) or logged (plain mode). */
  output(line: string): void;
  /** Changes the step's title while it runs (e.g. a percentage). */
  setTitle(title: string): void;
}

export interface Step {
  readonly id: string;
  readonly title: string;
  /** Ids of steps that must succeed before this one starts. */
  readonly needs?: readonly string[];
  /**
   * Does the work, idempotently. Returns a short result shown after the title
   * ("unchanged", "built in 41s", …) or nothing.
   */
  run(ctx: StepContext): Promise<string | void>;
  /** True for steps that only verify (they never count as a change). */
  readonly check?: boolean;
  /** The commands or effects the step would perform, for --dry-run. */
  describe?(): string[];
}

export type StepOutcome =
  | { status: 'succeeded'; message: string | undefined; ms: number }
  | { status: 'failed'; error: unknown; ms: number }
  | { status: 'skipped'; reason: string };

export type StepEvent =
  | { type: 'waiting'; id: string; on: string[] }
  | { type: 'started'; id: string }
  | { type: 'output'; id: string; line: string }
  | { type: 'title'; id: string; title: string }
  | { type: 'finished'; id: string; outcome: StepOutcome };
