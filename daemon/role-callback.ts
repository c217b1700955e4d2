// Patroni's on_role_change, for what routes clients: a command run when this node starts or stops answering /primary.
// The lab's tells haproxy at once; haproxy's own checks stay the source of truth and may then run every second
// instead of ten times a second (each check costs the daemon a TCP connection and an HTTP request).
import { execFile } from 'node:child_process';

export type ServingRole = 'primary' | 'not-primary';

/** The arguments the command gets: the role, this node, then the cluster's other members (to route away from). */
export function callbackArgs(role: ServingRole, self: string, members: readonly string[]): string[] {
  return [role, self, ...members.filter((m) => m !== self)];
}

/**
 * Runs the command on each change of what /primary answers, one run at a time, in order; a run that fails or takes
 * longer than `timeoutMs` is logged and forgotten (the health checks catch up by themselves).
 */
export class RoleCallback {
  private last: ServingRole | null = null;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly command: string,
    private readonly log: (line: string) => void,
    private readonly timeoutMs = 2000,
  ) {}

  /** Called after every cycle with what /primary answers now; runs the command only when that changed. */
  observe(role: ServingRole, self: string, members: readonly string[]): void {
    if (role === this.last) return;
    // The first observation after a start reports a primary only: "not primary" is what haproxy assumes of a
    // daemon that just started, and telling it would cost nothing but a process start per node.
    const first = this.last === null;
    this.last = role;
    if (first && role === 'not-primary') return;
    const args = callbackArgs(role, self, members);
    this.chain = this.chain.then(() => this.run(args));
  }

  /** Resolves when every run started so far has ended (tests, shutdown). */
  settled(): Promise<void> {
    return this.chain;
  }

  private run(args: string[]): Promise<void> {
    const began = Date.now();
    return new Promise((resolve) => {
      execFile(this.command, args, { timeout: this.timeoutMs }, (err, _stdout, stderr) => {
        const ms = Date.now() - began;
        if (err) this.log(`role-change callback ${this.command} ${args.join(' ')} failed after ${ms}ms: ${(stderr || err.message).trim().split('\n')[0]}`);
        else this.log(`role-change callback ${args[0]} done in ${ms}ms`);
        resolve();
      });
    });
  }
}
