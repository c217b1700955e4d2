// Runs this same pglab command again inside the lab's network namespace, for the
// commands whose own process talks to the lab (tasks/command-policy.ts).
import { spawn } from 'node:child_process';
import { netnsPath } from '../lab/netns-path.js';

/** Re-runs `node [execArgv] script args…` under nsenter; resolves to its exit code. */
export function rerunInLabNetns(argv: readonly string[] = process.argv): Promise<number> {
  const [node, script, ...args] = argv;
  return new Promise((resolve, reject) => {
    const child = spawn('nsenter', [`--net=${netnsPath()}`, '--', node ?? process.execPath, ...process.execArgv, script ?? '', ...args], {
      stdio: 'inherit',
    });
    // A terminal's Ctrl-C reaches the child too (same process group): forwarding it would be a second Ctrl-C, which
    // forces an exit without clean-up. Without a terminal (a script or a test signalling our pid) nobody else tells
    // the child: forward it then, or `pglab status --watch` never ends (seen in a test).
    const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
    const ignore = process.stdin.isTTY ? () => undefined : forward('SIGINT');
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
