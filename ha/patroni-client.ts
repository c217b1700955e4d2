// Patroni's cluster client: the CLI's verbs through Patroni's REST API on the pg machines (:8008), as patronictl
// does them. It needs the lab's network (see ha/lab-cluster-client.ts); ha/patroni-model.ts maps the answers.
import type { ClusterConfig, NodeRequestKind } from '../common/cluster-keys.js';
import { OperationFailed, UserError } from '../common/errors.js';
import { notYet, WaitTimeout, waitUntil, type NotYet } from '../common/wait-until.js';
import type { ClusterClient, InitRequest, RoleChangeKind } from './cluster-client.js';
import type { ClusterState } from './cluster-state.js';
import {
  PAUSE_NOTE_KEY,
  patroniClusterConfig,
  patroniClusterSchema,
  patroniClusterState,
  patroniConfigPatch,
  patroniConfigSchema,
  patroniHistorySchema,
  patroniRoleChange,
  patroniStatusSchema,
  renderPatroniConfig,
  type PatroniCluster,
  type PatroniConfig,
  type PatroniMember,
  type PatroniStatus,
} from './patroni-model.js';

/** A read gives up on a node after this: on the bridge an answer takes milliseconds, a dead machine never answers. */
const READ_TIMEOUT_MS = 1000;
/** Patroni's POST /switchover answers once the leader lock moved: up to 2 × max(10, loop_wait) s (api.py). */
const CHANGE_TIMEOUT_MS = 90_000;
const ROLE_CHANGE_WAIT_MS = 60_000;
const POLL_MS = 100;

interface Answer {
  status: number;
  text: string;
}

export class PatroniClient implements ClusterClient {
  readonly manager = 'patroni';
  private readonly auth: string;

  constructor(private readonly where: { cluster: string; members: readonly PatroniMember[]; apiUser: string; apiPassword: string }) {
    this.auth = `Basic ${Buffer.from(`${where.apiUser}:${where.apiPassword}`).toString('base64')}`;
  }

  private async request(m: PatroniMember, method: string, path: string, body?: unknown, timeoutMs = READ_TIMEOUT_MS): Promise<Answer> {
    const r = await fetch(`${m.apiUrl}${path}`, {
      method,
      headers: { ...(method === 'GET' ? {} : { authorization: this.auth }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: r.status, text: await r.text() };
  }

  /** The first member whose GET `path` answers 200 with JSON (a dead one is not waited for); every failure named otherwise. */
  private async readAny(path: string): Promise<{ member: PatroniMember; json: unknown }> {
    try {
      return await Promise.any(this.where.members.map(async (m) => {
        const a = await this.request(m, 'GET', path).catch((err: unknown) => {
          throw new Error(`${m.node}: ${reason(err)}`);
        });
        if (a.status !== 200) throw new Error(`${m.node}: HTTP ${a.status}`);
        return { member: m, json: JSON.parse(a.text) as unknown };
      }));
    } catch (err) {
      const why = err instanceof AggregateError ? err.errors.map((e: unknown) => (e as Error).message).join('; ') : reason(err);
      throw new OperationFailed(`no Patroni REST API answered GET ${path} (${why})`, "pglab status shows the machines; pglab logs pg0 patroni shows Patroni's log");
    }
  }

  private member(node: string): PatroniMember {
    const m = this.where.members.find((x) => x.node === node);
    if (!m) throw new UserError(`${node} is not a member (members: ${this.where.members.map((x) => x.node).join(',')})`);
    return m;
  }

  private async statuses(): Promise<Record<string, PatroniStatus | { error: string }>> {
    const answers = await Promise.all(this.where.members.map(async (m) => {
      try {
        const a = await this.request(m, 'GET', '/patroni');
        // A node whose PostgreSQL is down answers 503 with the same document.
        const parsed = patroniStatusSchema.safeParse(JSON.parse(a.text));
        return [m.node, parsed.success ? parsed.data : { error: `HTTP ${a.status}: unexpected answer` }] as const;
      } catch (err) {
        return [m.node, { error: reason(err) }] as const;
      }
    }));
    return Object.fromEntries(answers);
  }

  async state(opts: { history?: boolean } = {}): Promise<ClusterState> {
    const [cluster, statuses] = await Promise.all([this.readAny('/cluster'), this.statuses()]);
    const parsed = patroniClusterSchema.parse(cluster.json) as PatroniCluster;
    const [config, history] = await Promise.all([
      this.request(cluster.member, 'GET', '/config').then((a) => (a.status === 200 ? patroniConfigSchema.parse(JSON.parse(a.text)) : null)).catch(() => null),
      opts.history ? this.readAny('/history').then((h) => patroniHistorySchema.parse(h.json)) : Promise.resolve(undefined),
    ]);
    return patroniClusterState({ members: this.where.members, cluster: parsed, statuses, config, ...(history ? { history } : {}) });
  }

  async init(_req: InitRequest): Promise<boolean> {
    throw new UserError('Patroni initializes the cluster itself: its first node to start runs initdb (bootstrap in patroni.yml)', '`pglab machines` starts Patroni on pg0 first, then the others');
  }

  async roleChange(kind: RoleChangeKind, to: string | null, force: boolean, onProgress: (line: string) => void): Promise<void> {
    const before = await this.state();
    const req = patroniRoleChange(before, kind, to, force);
    // Any member takes the request (it writes Patroni's failover key and waits for the lock to move), but only the one
    // that takes it wakes its loop at once: the leader, as patronictl does, or the switchover waits for the leader's
    // next loop (up to loop_wait; 7 s seen at loop_wait 10).
    const up = (n: string | null) => n !== null && before.members.find((x) => x.node === n)?.pgUp === true;
    const via = up(before.leader) ? this.member(before.leader as string) : (this.where.members.find((m) => up(m.node)) ?? this.member(before.leader ?? ''));
    onProgress(`${kind} requested from Patroni on ${via.node}${to ? ` to ${to}` : ''}; waiting for the leader lock to move`);
    const a = await this.request(via, 'POST', req.path, req.body, CHANGE_TIMEOUT_MS);
    const text = a.text.trim();
    if (a.status === 400 || a.status === 412) throw new UserError(`Patroni refused the ${kind}: ${text}`);
    if (a.status !== 200) throw new OperationFailed(`Patroni: ${text || `HTTP ${a.status}`}`, 'pglab logs <the leader> patroni shows why');
    onProgress(`Patroni: ${text}`);
    await this.waitFor(`a new primary after the ${kind}`, ROLE_CHANGE_WAIT_MS, (s) => {
      const p = s.members.find((m) => m.node === s.leader);
      if (s.leader && s.leader !== before.leader && p?.role === 'primary' && p.pgUp) return true;
      return notYet(`leader ${s.leader ?? '(none)'}, ${p ? `${p.role}${p.pgUp ? '' : ' (postgres down)'}` : 'no status'}`);
    });
  }

  async setPaused(paused: boolean, reasonText: string | null): Promise<string> {
    const s = await this.state();
    if (paused && s.maintenance) return `already paused since ${s.maintenance.since} by ${s.maintenance.by}`;
    if (!paused && !s.maintenance) return 'not paused: nothing to do';
    const note = paused ? { since: new Date().toISOString(), by: `${process.env.SUDO_USER ?? process.env.USER ?? 'operator'}@pglab`, ...(reasonText ? { reason: reasonText } : {}) } : null;
    await this.patchConfig({ pause: paused ? true : null, [PAUSE_NOTE_KEY]: note });
    // Each node takes the flag on its next loop (loop_wait): patronictl waits for them too.
    await this.waitFor(`every Patroni to report ${paused ? 'pause' : 'resume'}`, 90_000, async () => {
      const st = await this.statuses();
      const lagging = Object.entries(st).filter(([, v]) => !('error' in v) && (v.pause === true) !== paused).map(([n]) => n);
      return lagging.length === 0 ? true : notYet(`${lagging.join(', ')} not yet`);
    });
    return paused
      ? "paused (Patroni's maintenance mode): no automatic failover, and Patroni neither starts nor stops PostgreSQL until resume"
      : 'resumed: automatic failover is back on';
  }

  async nodeRequest(kind: NodeRequestKind, node: string, waitMs: number, onProgress: (line: string) => void): Promise<string> {
    const m = this.member(node);
    const s = await this.state();
    if (kind === 'reinit' && s.leader === node) throw new UserError(`${node} is the primary: reinit re-clones a replica`, `switch over first (pglab switchover), then reinit ${node}`);
    const path = kind === 'restart' ? '/restart' : '/reinitialize';
    // Done means a new postmaster: a reinitialize answers at once, and the node may still look as before for a while.
    const startedBefore = await this.nodeStatus(m).then((st) => st?.postmaster_start_time ?? null);
    onProgress(`${kind} of ${node} asked of its Patroni`);
    const a = await this.request(m, 'POST', path, {}, kind === 'restart' ? waitMs : READ_TIMEOUT_MS * 4).catch((err: unknown) => {
      throw new OperationFailed(`${node}'s Patroni did not take the ${kind}: ${reason(err)}`, `is Patroni running on ${node}? pglab logs ${node} patroni`);
    });
    const text = a.text.trim();
    if (a.status !== 200) throw new OperationFailed(`${kind} of ${node}: Patroni says ${text || `HTTP ${a.status}`}`, `pglab logs ${node} patroni`);
    onProgress(`${node}: ${text}`);
    // A restart answers once PostgreSQL is back; a reinitialize at once: wait until the node streams again.
    const done = await this.waitFor(`${node} back after the ${kind}`, waitMs, async (st) => {
      const me = st.members.find((x) => x.node === node);
      if (me && /failed/.test(me.message)) throw new OperationFailed(`${kind} of ${node} failed: ${me.message}`, `pglab logs ${node} patroni`);
      const started = (await this.nodeStatus(m))?.postmaster_start_time ?? null;
      if (started === null || started === startedBefore) return notYet(`${me?.message ?? 'no status'}; the old postmaster still runs`);
      const ready = me?.pgUp && (me.role === 'primary' || me.streaming);
      return ready ? me : notYet(me?.message ?? 'no status');
    });
    return `${node}: ${text}; ${done.message}`;
  }

  /** One node's GET /patroni, or null when it does not answer. */
  private async nodeStatus(m: PatroniMember): Promise<PatroniStatus | null> {
    try {
      const parsed = patroniStatusSchema.safeParse(JSON.parse((await this.request(m, 'GET', '/patroni')).text));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }

  async config(): Promise<ClusterConfig> {
    return patroniClusterConfig(await this.readConfig());
  }

  async configView(): Promise<{ document: unknown; text: string }> {
    const doc = await this.readConfig();
    return { document: doc, text: renderPatroniConfig(doc) };
  }

  async configSet(assignments: readonly string[]): Promise<string[]> {
    const { patch, changes } = patroniConfigPatch(await this.readConfig(), assignments);
    await this.patchConfig(patch);
    return [...changes, "Patroni applies them on each node's next loop; parameters that need a restart show as pending restart in status (pglab restart NODE)"];
  }

  async close(): Promise<void> {}

  private async readConfig(): Promise<PatroniConfig> {
    return patroniConfigSchema.parse((await this.readAny('/config')).json);
  }

  private async patchConfig(patch: Record<string, unknown>): Promise<void> {
    const { member } = await this.readAny('/cluster');
    const a = await this.request(member, 'PATCH', '/config', patch, 10_000);
    if (a.status === 409) throw new OperationFailed('the configuration changed while this command ran', 'run it again');
    if (a.status !== 200) throw new OperationFailed(`Patroni did not take the configuration: HTTP ${a.status} ${a.text.trim()}`);
  }

  /** Polls the cluster until `check` gives a value; the timeout names the last reason. */
  private async waitFor<T>(what: string, timeoutMs: number, check: (s: ClusterState) => T | NotYet | Promise<T | NotYet>): Promise<T> {
    try {
      return await waitUntil(what, async () => {
        const s = await this.state().catch((err: unknown) => err as Error);
        return s instanceof Error ? notYet(reason(s)) : check(s);
      }, { timeoutMs, intervalMs: POLL_MS });
    } catch (err) {
      if (err instanceof WaitTimeout) throw new OperationFailed(err.message, 'pglab status shows the members; pglab logs NODE patroni shows Patroni\'s log');
      throw err;
    }
  }
}

function reason(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return 'no answer in time';
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}
