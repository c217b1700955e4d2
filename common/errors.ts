// Errors meant for the person at the terminal: shown as one message, no stack trace.

/** A mistake the user can fix (bad flag, unknown node, malformed file). `hint` says what to do. */
export class UserError extends Error {
  override readonly name = 'UserError';
  constructor(message: string, readonly hint?: string) {
    super(message);
  }
}

/** The cluster said no (refused, or not done in time): a message for the user, but exit code 1, not a usage error. */
export class OperationFailed extends UserError {}

/** The exit code for an error that ends a command: 2 for a usage mistake, 1 for anything else. */
export function exitCodeOf(err: unknown): 1 | 2 {
  return err instanceof UserError && !(err instanceof OperationFailed) ? 2 : 1;
}

/** Formats any error for the terminal: user errors as message + hint, others with their cause chain. */
export function describeError(err: unknown): string {
  if (err instanceof UserError) return err.hint ? `${err.message}\n  → ${err.hint}` : err.message;
  if (err instanceof Error) {
    const parts = [err.message];
    let cause = (err as { cause?: unknown }).cause;
    while (cause instanceof Error) {
      parts.push(`caused by: ${cause.message}`);
      cause = (cause as { cause?: unknown }).cause;
    }
    return parts.join('\n  ');
  }
  return String(err);
}
