// An operator at the CLI in the simulation: pgdaemon's own command functions (switchover, failover, pause, restart,
// reinit, config set) run in a process of their own on the client host, through the real etcd adapter.
import { roleChange } from '../../daemon/cli-admin.js';
import { configSet, nodeRequest, setPaused } from '../../daemon/cli-operator.js';
import { Proc } from './scheduler.js';
import { simClock } from './sim-clock.js';
import type { World } from './world.js';

export type OperatorAction =
  | { op: 'switchover'; to: string | null }
  | { op: 'failover'; to: string | null; force: boolean }
  | { op: 'pause'; ms: number }
  | { op: 'restart'; node: string }
  | { op: 'reinit'; node: string }
  | { op: 'config-set'; assignment: string };

/** How long the CLI waits for an answer, as `pglab` does by default. */
const WAIT_MS: Record<OperatorAction['op'], number> = { switchover: 30_000, failover: 30_000, pause: 0, restart: 60_000, reinit: 120_000, 'config-set': 0 };

export function describeAction(a: OperatorAction): string {
  switch (a.op) {
    case 'switchover':
      return `switchover${a.to ? ` --to ${a.to}` : ''}`;
    case 'failover':
      return `failover${a.to ? ` --to ${a.to}` : ''}${a.force ? ' --force' : ''}`;
    case 'pause':
      return `pause, resume after ${a.ms}ms`;
    case 'restart':
    case 'reinit':
      return `${a.op} ${a.node}`;
    case 'config-set':
      return `config set ${a.assignment}`;
  }
}

/** Runs one command to its end (the CLI's own wait included) and logs what it printed and how it ended. */
export function runOperator(w: World, a: OperatorAction, resolveNode: (n: string) => string): void {
  const proc = new Proc('operator');
  const clock = simClock(w.s, proc, () => 0);
  const dcs = w.etcdClient('client', proc, clock);
  const out = (line: string) => w.log(`  operator: ${line}`);
  const began = w.s.now;
  const run = async (): Promise<void> => {
    switch (a.op) {
      case 'switchover':
      case 'failover': {
        const to = a.to && resolveNode(a.to);
        w.operatorAsked(a.op, to);
        return roleChange(dcs, a.op, to, WAIT_MS[a.op], out, a.op === 'failover' && a.force, 200, clock);
      }
      case 'pause':
        await setPaused(dcs, true, 'simulated maintenance', out, clock);
        w.s.after(a.ms, null, () => runOperator(w, { op: 'pause', ms: -1 }, resolveNode));
        return;
      case 'restart':
      case 'reinit': {
        const node = resolveNode(a.node);
        w.operatorAsked(a.op, node);
        return nodeRequest(dcs, a.op, node, WAIT_MS[a.op], out, clock);
      }
      case 'config-set':
        return configSet(dcs, [a.assignment], out);
    }
  };
  // A pause with a negative length is its resume.
  const resume = a.op === 'pause' && a.ms < 0;
  w.log(`OPERATOR ${resume ? 'resume' : describeAction(a)}`);
  w.s.after(0, proc, () => {
    void (resume ? setPaused(dcs, false, null, out, clock) : run()).then(
      () => w.log(`  operator: ${resume ? 'resume' : a.op} done after ${Math.round(w.s.now - began)}ms`),
      (err: unknown) => w.log(`  operator: ${resume ? 'resume' : a.op} failed after ${Math.round(w.s.now - began)}ms: ${(err as Error).message}`),
    );
  });
}
