// Runs another pglab command as a child process, in the host's network namespace (where `pglab machines` and
// `pglab destroy` belong), under this command's lab lock (lab/lab-lock.ts lends it to descendants).
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { LENT_LOCK_ENV } from '../lab/lab-lock.js';
import { HOST_NETNS_ENV } from './enter-lab-netns.js';

/** The same network namespace (nsfs inode); false when either is gone. */
function sameNetns(a: string, b: string): boolean {
  try {
    const x = statSync(a);
    const y = statSync(b);
    return x.ino === y.ino && x.dev === y.dev;
  } catch {
    return false;
  }
}

export interface ChildResult {
  code: number;
  /** stdout, when captured (a --json document); otherwise it went to our stderr. */
  stdout: string;
}

/**
 * `pglab ARGS…` with this process's node and script. Its stderr is ours; its stdout is captured (`capture`) or copied
 * to our stderr, so a `--json` parent keeps stdout for its own document.
 */
export function runPglab(args: readonly string[], opts: { capture?: boolean; signal?: AbortSignal } = {}): Promise<ChildResult> {
  const [node, script] = process.argv;
  const argv = [...process.execArgv, script ?? '', ...args];
  // Outside the host's namespace (this command re-ran itself in the lab's, which a child's destroy may since have
  // deleted) the child goes back to the host's: the namespace of the pglab process that waits for this one.
  // Without it this process never left the host's namespace (only rerunInLabNetns moves a command, and sets it).
  const hostNetns = process.env[HOST_NETNS_ENV];
  const [cmd, cmdArgs] = hostNetns && !sameNetns('/proc/self/ns/net', hostNetns) ? ['nsenter', [`--net=${hostNetns}`, '--', node ?? process.execPath, ...argv]] as const : [node ?? process.execPath, argv] as const;
  return new Promise((resolve, reject) => {
    // The child works under our lab lock (lab/lab-lock.ts lends it to a descendant we name).
    const env = { ...process.env, [LENT_LOCK_ENV]: String(process.pid) };
    const child = spawn(cmd, [...cmdArgs], { stdio: ['ignore', 'pipe', 'inherit'], env, ...(opts.signal ? { signal: opts.signal } : {}) });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (opts.capture) stdout += chunk;
      else process.stderr.write(chunk);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal === 'SIGINT' ? 130 : 1), stdout }));
  });
}
