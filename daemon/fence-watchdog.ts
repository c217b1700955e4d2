// A separate process that stops PostgreSQL immediately when the daemon stops feeding it (dead, frozen, or lease unconfirmed).
import { spawn, type ChildProcess } from 'node:child_process';

// read -t times out when no new budget arrives in time; EOF (daemon gone) ends the loop too. Either way: stop now.
const SCRIPT = 't="$1"; while IFS= read -r -t "$t" line; do t="$line"; done; exec "$2/pg_ctl" stop -D "$3" -m immediate -s';

/**
 * The in-process fencing timer cannot fire if the daemon is killed or frozen (SIGSTOP, swap
 * storm); PostgreSQL would keep taking writes. This watchdog is fed the remaining lease budget after
 * every confirmed renewal; for a replica it is fed a day, so only the daemon's death stops it.
 */
export class FenceWatchdog {
  private child: ChildProcess | null = null;

  constructor(private readonly binDir: string, private readonly dataDir: string) {}

  arm(budgetMs: number): void {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) return this.feed(budgetMs);
    const child = spawn('/bin/bash', ['-c', SCRIPT, 'pgdaemon-fence-watchdog', seconds(budgetMs), this.binDir, this.dataDir], {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true,
    });
    child.stdin?.on('error', () => undefined);
    child.unref();
    this.child = child;
  }

  armed(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  feed(budgetMs: number): void {
    this.child?.stdin?.write(seconds(budgetMs) + '\n');
  }

  /** Call only after PostgreSQL was stopped on purpose (a clean stop must not be turned into an immediate one). */
  disarm(): void {
    if (this.child && this.child.exitCode === null) this.child.kill('SIGKILL');
    this.child = null;
  }
}

function seconds(ms: number): string {
  return Math.max(0.01, ms / 1000).toFixed(3);
}

