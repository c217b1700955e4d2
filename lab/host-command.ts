// Runs programs on the host (or inside a machine via nsenter) and turns failures
// into errors that say what ran, where, how it ended and what it printed last.
import { execa, type Options } from 'execa';

export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    readonly command: string,
    readonly exitCode: number | undefined,
    readonly stderrTail: string,
    readonly where: string,
    cause?: unknown,
  ) {
    const how = exitCode === undefined ? 'could not run' : `exited with ${exitCode}`;
    super(`${where}: \`${command}\` ${how}${stderrTail ? `:\n    ${stderrTail.split('\n').join('\n    ')}` : ''}`, { cause });
  }
}

export interface RunOptions {
  signal?: AbortSignal;
  input?: string;
  env?: Record<string, string>;
  /** Called with each line of stdout/stderr as it arrives (progress). */
  onLine?: (line: string) => void;
  /** Where the command runs, for messages ("host", "pg0"). */
  where?: string;
  timeoutMs?: number;
  /** Do not throw on a non-zero exit; return the result. */
  allowFailure?: boolean;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export function quote(args: readonly string[]): string {
  return args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`)).join(' ');
}

export async function run(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const options: Options = {
    reject: false,
    stdin: opts.input === undefined ? 'ignore' : 'pipe',
    input: opts.input,
    env: { LC_ALL: 'C', ...opts.env },
    cancelSignal: opts.signal,
    timeout: opts.timeoutMs,
    forceKillAfterDelay: 3000,
    lines: false,
    stripFinalNewline: true,
  };
  if (opts.onLine) {
    const onLine = opts.onLine;
    // A generator transform sees each line once, without buffering the whole output.
    const tap = function* (line: unknown) {
      onLine(String(line));
      yield line;
    };
    Object.assign(options, { stdout: tap, stderr: tap });
  }
  const r = await execa(file, args, options);
  const stdout = String(r.stdout ?? '');
  const stderr = String(r.stderr ?? '');
  const exitCode = typeof r.exitCode === 'number' ? r.exitCode : -1;
  if (!opts.allowFailure && (r.failed || exitCode !== 0)) {
    const tail = (stderr || stdout).trim().split('\n').slice(-6).join('\n');
    const reason = r.isCanceled ? 'cancelled' : r.timedOut ? `timed out after ${opts.timeoutMs} ms` : tail;
    throw new CommandError(quote([file, ...args]), r.exitCode, reason, opts.where ?? 'host', r.cause);
  }
  return { exitCode, stdout, stderr };
}
