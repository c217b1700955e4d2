// The maintenance verbs of pgdaemon's CLI: pause/resume, restart/reinit of one node, and the cluster config.
import type { NodeRequestKind } from '../common/cluster-keys.js';
import { UserError } from '../common/errors.js';
import { OperationFailed } from './cli-admin.js';
import { applyConfigAssignments, renderConfig } from './config-edit.js';
import { sleep, systemClock, type Clock } from './clock.js';
import type { Dcs } from './dcs.js';

const by = () => `${process.env.SUDO_USER ?? process.env.USER ?? 'operator'}@pgdaemon-cli`;

export async function setPaused(dcs: Dcs, paused: boolean, reason: string | null, out: (l: string) => void, clock: Clock = systemClock): Promise<void> {
  const view = await dcs.read();
  if (!view.desired) throw new UserError('the cluster is not initialized (or its desired state is unreadable)');
  if (paused && view.maintenance) return out(`already paused since ${view.maintenance.since} by ${view.maintenance.by}`);
  if (!paused && !view.maintenance) return out('not paused: nothing to do');
  await dcs.setMaintenance(paused ? { since: clock.wallIso(), by: by(), ...(reason ? { reason } : {}) } : null);
  out(paused ? 'paused: no automatic failover, sync-set change, start, stop or rejoin until resume (fencing stays on)' : 'resumed: automatic failover and repairs are back on');
}

/** Asks `node`'s daemon to restart or re-clone, then waits for its answer in the member state. */
export async function nodeRequest(dcs: Dcs, kind: NodeRequestKind, node: string, waitMs: number, out: (l: string) => void, clock: Clock = systemClock): Promise<void> {
  const view = await dcs.read();
  const desired = view.desired?.value;
  if (!desired) throw new UserError('the cluster is not initialized (or its desired state is unreadable)');
  if (!desired.members.includes(node)) throw new UserError(`${node} is not a member (members: ${desired.members.join(',')})`);
  if (kind === 'reinit' && desired.primary === node) throw new UserError(`${node} is the primary: reinit re-clones a replica`, `switch over first (pglab switchover), then reinit ${node}`);
  if (!view.members[node]) throw new OperationFailed(`${node} has no member state: its daemon is not running`, 'start its machine or its pgdaemon service first');
  const requestedAt = clock.wallIso();
  if (!(await dcs.putNodeRequest(kind, node, { requestedAt, by: by() })))
    throw new UserError(`a ${kind} of ${node} is already pending`, `wait for it; pgdaemon status shows ${node}'s last cycle`);
  out(`${kind} of ${node} requested; waiting for its daemon`);
  const deadline = clock.now() + waitMs;
  while (clock.now() < deadline) {
    await sleep(clock, 250);
    const v = await dcs.read().catch(() => null);
    const answer = v?.members[node]?.value.lastRequest;
    if (answer && answer.kind === kind && answer.requestedAt === requestedAt) {
      if (answer.outcome !== 'done') throw new OperationFailed(`${kind} of ${node} ${answer.outcome}: ${answer.message}`, 'pgdaemon status shows the members and their last cycle messages');
      const m = v?.members[node]?.value;
      if (m?.pgUp) {
        out(`${node}: ${answer.message}`);
        return;
      }
    }
  }
  // Left in etcd, an unanswered request would run whenever the daemon comes back: take it back.
  await dcs.deleteNodeRequest(kind, node).catch(() => undefined);
  throw new OperationFailed(`${kind} of ${node} not finished after ${waitMs / 1000}s`, `is ${node}'s daemon running? (a request it had not taken yet was withdrawn)`);
}

export async function configShow(dcs: Dcs, json: boolean, out: (l: string) => void): Promise<void> {
  const view = await dcs.read();
  if (!view.config) throw new UserError('the cluster has no readable config (not initialized?)');
  // One line: like every --json of pglab, the document is the last line of the output.
  out(json ? JSON.stringify(view.config) : renderConfig(view.config));
}

export async function configSet(dcs: Dcs, assignments: readonly string[], out: (l: string) => void): Promise<void> {
  const view = await dcs.read();
  if (!view.config || view.configRevision === null) throw new UserError('the cluster has no readable config (not initialized?)');
  const { next, changes } = applyConfigAssignments(view.config, assignments);
  if (!(await dcs.putConfig(view.configRevision, next))) throw new OperationFailed('the config changed while this command ran', 'run it again');
  for (const c of changes) out(c);
  if (Object.keys(next.postgresParameters ?? {}).length)
    out('each daemon writes the parameters into postgresql.conf and reloads; those that need a restart show as pending-restart in status (pglab restart NODE)');
}
