// pgdaemon's cluster client: this process talks to etcd itself, through the same functions the pgdaemon CLI runs
// (daemon/cli-admin.ts, daemon/cli-operator.ts). It needs the lab's network (see ha/lab-cluster-client.ts).
import type { NodeRequestKind } from '../common/cluster-keys.js';
import { UserError } from '../common/errors.js';
import { clusterStatus, initCluster, roleChange } from '../daemon/cli-admin.js';
import { configSet, nodeRequest, setPaused } from '../daemon/cli-operator.js';
import { EtcdDcs } from '../daemon/dcs-etcd.js';
import type { ClusterClient, InitRequest, RoleChangeKind } from './cluster-client.js';
import type { ClusterState } from './cluster-state.js';

/** How often a role change's outcome is polled: a switchover's whole wait is a few of these. */
const POLL_MS = 50;
const ROLE_CHANGE_WAIT_MS = 60_000;

export class PgdaemonClient implements ClusterClient {
  readonly manager = 'pgdaemon';
  private readonly dcs: EtcdDcs;

  constructor(private readonly where: { endpoints: string[]; cluster: string }) {
    this.dcs = new EtcdDcs({ endpoints: where.endpoints, cluster: where.cluster, callTimeoutMs: 2000 });
  }

  async state(opts: { history?: boolean } = {}): Promise<ClusterState> {
    return clusterStatus(this.dcs, { history: opts.history === true });
  }

  async init(req: InitRequest): Promise<boolean> {
    try {
      await initCluster(this.dcs, { cluster: this.where.cluster, ...req, force: false }, () => undefined);
      return true;
    } catch (err) {
      // initCluster's only refusal with a valid request: the cluster exists.
      if (err instanceof UserError && /already exists/.test(err.message)) return false;
      throw err;
    }
  }

  async roleChange(kind: RoleChangeKind, to: string | null, force: boolean, onProgress: (line: string) => void): Promise<void> {
    await roleChange(this.dcs, kind, to, ROLE_CHANGE_WAIT_MS, onProgress, force, POLL_MS);
  }

  async setPaused(paused: boolean, reason: string | null): Promise<string> {
    return lines((out) => setPaused(this.dcs, paused, reason, out));
  }

  async nodeRequest(kind: NodeRequestKind, node: string, waitMs: number, onProgress: (line: string) => void): Promise<string> {
    let last = '';
    await nodeRequest(this.dcs, kind, node, waitMs, (l) => {
      last = l;
      onProgress(l);
    });
    return last;
  }

  async config() {
    const view = await this.dcs.read();
    if (!view.config) throw new UserError('the cluster has no readable config (not initialized?)');
    return view.config;
  }

  async configSet(assignments: readonly string[]): Promise<string[]> {
    const out: string[] = [];
    await configSet(this.dcs, assignments, (l) => out.push(l));
    return out;
  }

  async close(): Promise<void> {
    await this.dcs.close();
  }
}

async function lines(fn: (out: (l: string) => void) => Promise<void>): Promise<string> {
  const out: string[] = [];
  await fn((l) => out.push(l));
  return out.join('\n');
}
