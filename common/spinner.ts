// A spinner for a single wait outside a task graph (`pglab switchover`, `pglab start`):
// ora on a terminal; on CI or a pipe, one line when it starts and one when it ends.
// ora is loaded on first use: every pglab command paid its import (~50 ms) at start.

export interface Spinner {
  /** Replaces the text after the spinner (what is being waited for now). */
  update(text: string): void;
}

export async function withSpinner<T>(text: string, work: (s: Spinner) => Promise<T>, done: (result: T) => string = () => text): Promise<T> {
  const { default: ora } = await import('ora');
  const spinner = ora({ text, stream: process.stderr, isEnabled: !!process.stderr.isTTY && !process.env.CI, discardStdin: false }).start();
  try {
    const result = await work({ update: (t) => (spinner.text = t) });
    spinner.succeed(done(result));
    return result;
  } catch (err) {
    spinner.fail(text);
    throw err;
  }
}
