// Runs this same pglab command again inside the lab's network namespace, for the
// commands whose own process talks to the lab (tasks/command-policy.ts).
import { spawn } from 'node:child_process';
import { netnsPath } from '../network/netns.js';

/** Re-runs `node [execArgv] script args…` under nsenter; resolves to its exit code. */
export function rerunInLabNetns(argv: readonly string[] = process.argv): Promise<number> {
  const [node, script, ...args] = argv;
  return new Promise((resolve, reject) => {
    const child = spawn('nsenter', [`--net=${netnsPath()}`, '--', node ?? process.execPath, ...process.execArgv, script ?? '', ...args], {
      stdio: 'inherit',
    });
    // The terminal's Ctrl-C reaches the child (same process group): it stops cleanly, we wait for it.
    const ignore = () => undefined;
    const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
    const onTerm = forward('SIGTERM');
    const onHup = forward('SIGHUP');
    process.on('SIGINT', ignore);
    process.on('SIGTERM', onTerm);
    process.on('SIGHUP', onHup);
    const done = () => {
      process.off('SIGINT', ignore);
      process.off('SIGTERM', onTerm);
      process.off('SIGHUP', onHup);
    };
    child.on('error', (err) => {
      done();
      reject(err);
    });
    child.on('exit', (code, signal) => {
      done();
      resolve(code ?? (signal === 'SIGINT' ? 130 : 1));
    });
  });
}
