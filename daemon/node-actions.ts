// Carries out one node action on the local PostgreSQL; returns what the daemon must remember about it.
import type { MemberState } from '../common/cluster-keys.js';
import { FROZEN_KILL_AFTER_MS, type NodeAction } from './decide-node.js';
import { sleep, type Clock, type TimerHandle } from './clock.js';
import type { Dcs } from './dcs.js';
import type { PgControl, PgSession } from './local-postgres.js';
import type { Secrets } from './options.js';
import { slotName, type PgSettings } from './postgres-conf.js';
import { PgToolError, rewindFailureProvesDivergence, type RemotePg } from './postgres-ctl.js';

export interface ActionContext {
  ctl: PgControl;
  probe: PgSession;
  /** CHECKPOINT on another node's server. */
  checkpointRemote: (remote: RemotePg) => Promise<void>;
  clock: Clock;
  secrets: Secrets;
  dcs: Dcs;
  members: Readonly<Record<string, MemberState>>;
  settings: (upstreamNode: string | null, sync: string[]) => PgSettings;
  /** The node a replica should follow now (the desired primary), or null when we are it. */
  upstreamOf: () => string | null;
  wantSync: () => string[];
  systemId: () => string | null;
  /** This node's name and current lease id (null while it has none). */
  self: string;
  leaseId: () => string | null;
  /**
   * Asked about once a second while a start as primary is under way: why this node should no longer become primary
   * (another node is the desired primary now), read from etcd; null to go on (also when etcd cannot be read).
   */
  primaryStartUnwanted: () => Promise<string | null>;
  log: (line: string) => void;
}

export interface ActionEffect {
  expectRunning?: boolean;
  needsRewind?: boolean;
  /** The server was killed for a fault (frozen): report it as crashed, so the leader fails over at once. */
  crashed?: boolean;
  /** An operator request this action answered, reported in the member state (`lastRequest`). */
  answered?: NonNullable<MemberState['lastRequest']>;
}

/** pg_rewind failed; `provesDivergence` says whether its output proves a divergence it cannot repair. */
export class RewindFailed extends Error {
  override readonly name = 'RewindFailed';
  constructor(message: string, readonly provesDivergence: boolean) {
    super(message);
  }
}

async function stopLogged(ctx: ActionContext, mode: 'fast' | 'immediate'): Promise<void> {
  const r = await ctx.ctl.stop(mode);
  if (r.how === 'killed') ctx.log(`postgres killed (SIGKILL to its process group): ${r.why}`);
}

/** A fast shutdown writes a checkpoint with writes already refused; most of it can be done while they still flow. */
const CHECKPOINT_BEFORE_STOP_MS = 10_000;

async function checkpointBeforeStop(ctx: ActionContext): Promise<void> {
  const began = ctx.clock.now();
  let timer: TimerHandle | undefined;
  try {
    // Bounded: a switchover waits for it (writes go on meanwhile); past the bound the stop's own checkpoint does the rest.
    await Promise.race([
      ctx.probe.query('CHECKPOINT'),
      new Promise((_, reject) => (timer = ctx.clock.setTimeout(() => reject(new Error(`not done after ${CHECKPOINT_BEFORE_STOP_MS} ms`)), CHECKPOINT_BEFORE_STOP_MS))),
    ]);
    ctx.log(`checkpoint before the stop done in ${Math.round(ctx.clock.now() - began)}ms`);
  } catch (err) {
    ctx.log(`checkpoint before the stop failed (stopping anyway): ${(err as Error).message}`);
  } finally {
    if (timer !== undefined) ctx.clock.clearTimeout(timer);
  }
}

/** How often a start as primary looks at its postmaster, and how often it asks etcd whether it is still wanted. */
const START_POLL_MS = 100;
const START_RECHECK_MS = 1000;

/**
 * `pg_ctl start` for a server that comes up as primary, watched: the cycle waits on it, and with it every decision this
 * daemon makes (a start can take pg_ctl's whole -t 120). A postmaster frozen for FROZEN_KILL_AFTER_MS is killed and
 * reported as a crash, so the leader fails over at once (seed 2277: a start frozen in startup held the cluster for
 * 15 s); a start the leader gave up on (another node is the desired primary now, after --failover-timeout) is
 * stopped, so this node can acknowledge the new generation and the new primary may promote.
 */
async function startAsPrimary(ctx: ActionContext): Promise<ActionEffect> {
  let finished = false;
  let failure: unknown = null;
  const started = ctx.ctl.start().then(
    () => void (finished = true),
    (err: unknown) => {
      finished = true;
      failure = err;
    },
  );
  let frozenSince: number | null = null;
  let checkedAt = ctx.clock.now();
  for (;;) {
    await Promise.race([started, sleep(ctx.clock, START_POLL_MS)]);
    if (finished) {
      if (failure) throw failure;
      return { expectRunning: true };
    }
    const now = ctx.clock.now();
    if (ctx.ctl.frozen()) {
      frozenSince ??= now;
      if (now - frozenSince >= FROZEN_KILL_AFTER_MS) {
        ctx.log(`killing: postgres has been frozen for ${Math.round(now - frozenSince)}ms while starting as primary; it could thaw at any time`);
        await ctx.ctl.kill();
        await started;
        return { expectRunning: false, crashed: true };
      }
    } else frozenSince = null;
    if (now - checkedAt >= START_RECHECK_MS) {
      checkedAt = now;
      const unwanted = await ctx.primaryStartUnwanted();
      if (unwanted) {
        ctx.log(`abandoning the start as primary: ${unwanted}`);
        await stopLogged(ctx, 'immediate');
        await started;
        return { expectRunning: false };
      }
    }
  }
}

const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;

function remote(ctx: ActionContext, node: string) {
  const m = ctx.members[node];
  if (!m) throw new Error(`${node} has no member state in etcd`);
  return { host: m.connectHost, port: m.pgPort };
}

/**
 * The cluster's roles and the application database, made so that running it again finishes what an interrupted run
 * began. A bootstrap whose role step failed (a query timing out under load) left a running primary without
 * `replicator`; the node then marked the cluster initialized, and the replicas failed to clone from it for ever
 * ("password authentication failed"; seen in CI with ttl 1 s). So mark-initialized runs this first.
 */
export async function ensureRoles(ctx: Pick<ActionContext, 'probe' | 'secrets'>): Promise<void> {
  const s = ctx.secrets;
  await ctx.probe.query(`ALTER ROLE postgres PASSWORD ${literal(s.superuserPassword)}`);
  await ctx.probe.query(createOrAlterRole('replicator', 'REPLICATION LOGIN', s.replicationPassword));
  if (s.appPassword) {
    await ctx.probe.query(createOrAlterRole('pglab', 'LOGIN', s.appPassword));
    // CREATE DATABASE cannot run inside a DO block (a transaction).
    const db = await ctx.probe.query(`SELECT 1 FROM pg_database WHERE datname = 'pglab'`);
    if (db.length === 0) await ctx.probe.query('CREATE DATABASE pglab OWNER pglab');
  }
}

/** One statement that creates the role, or sets its attributes and password when it exists already. */
export function createOrAlterRole(name: string, attributes: string, password: string): string {
  const tail = `${name} WITH ${attributes} PASSWORD ${literal(password)}`;
  // Dollar-quoted body: a password is a quoted literal inside it, so only the quote tag itself could end it early.
  const tag = '$pgdaemon_roles$';
  if (tail.includes(tag)) throw new Error(`a password for ${name} contains ${tag}`);
  return `DO ${tag} BEGIN IF EXISTS (SELECT FROM pg_roles WHERE rolname = '${name}') THEN ALTER ROLE ${tail}; ELSE CREATE ROLE ${tail}; END IF; END ${tag}`;
}

async function checkpointRemote(ctx: ActionContext, node: string): Promise<void> {
  await ctx.checkpointRemote(remote(ctx, node));
}

export async function applyNodeAction(action: NodeAction, ctx: ActionContext): Promise<ActionEffect> {
  switch (action.kind) {
    case 'bootstrap': {
      await ctx.ctl.initdb(ctx.secrets.superuserPassword);
      ctx.ctl.writeConfig(ctx.settings(null, []), false);
      await ctx.ctl.start();
      await ensureRoles(ctx);
      const [row] = await ctx.probe.query<{ id: string }>('SELECT system_identifier::text AS id FROM pg_control_system()');
      if (row && !(await ctx.dcs.markInitialized(row.id))) ctx.log(`etcd already names another system identifier for this cluster than ${row.id}`);
      return { expectRunning: true };
    }
    case 'basebackup': {
      await ctx.ctl.basebackup(remote(ctx, action.from), ctx.secrets.replicationPassword);
      ctx.ctl.writeConfig(ctx.settings(action.from, []), true);
      await ctx.ctl.start();
      // Data again: another member may now re-clone if it has to.
      await ctx.dcs.releaseRecloneLock(ctx.self).catch((err: Error) => ctx.log(`releasing the re-clone lock failed (it goes with my lease): ${err.message}`));
      return { expectRunning: true, needsRewind: false };
    }
    case 'rewind': {
      // A just-promoted primary's pg_control still names the old timeline until its first checkpoint,
      // and pg_rewind would then wrongly say "no rewind required". This also proves the source is reachable
      // before anything is stopped: an unreachable source leaves a running replica as it is.
      try {
        await checkpointRemote(ctx, action.from);
      } catch (err) {
        throw new RewindFailed(`cannot reach ${action.from} to rewind from it (${(err as Error).message}); nothing changed`, false);
      }
      await stopLogged(ctx, 'fast');
      let out: string;
      try {
        out = await ctx.ctl.rewind(remote(ctx, action.from), ctx.secrets.superuserPassword);
      } catch (err) {
        const output = err instanceof PgToolError ? err.output : '';
        throw new RewindFailed((err as Error).message, rewindFailureProvesDivergence(output));
      }
      const said = out.split('\n').filter((l) => l.startsWith('pg_rewind:')).join(' | ');
      ctx.log(`pg_rewind from ${action.from}: ${said || 'done'}`);
      // pg_rewind copied the source's config files: write ours again before starting.
      ctx.ctl.writeConfig(ctx.settings(action.from, []), true);
      await ctx.ctl.start();
      return { expectRunning: true, needsRewind: false };
    }
    case 'start': {
      const standby = action.as === 'replica';
      const upstream = standby ? ctx.upstreamOf() : null;
      ctx.ctl.writeConfig(ctx.settings(upstream, standby ? [] : ctx.wantSync()), standby);
      if (!standby) return startAsPrimary(ctx);
      await ctx.ctl.start();
      return { expectRunning: true };
    }
    case 'stop':
      if (action.checkpointFirst) await checkpointBeforeStop(ctx);
      await stopLogged(ctx, action.mode);
      return { expectRunning: false };
    case 'kill':
      await ctx.ctl.kill();
      return { expectRunning: false, crashed: true };
    case 'promote': {
      await ctx.ctl.promote();
      // Every 10 ms is cheap for a minute at most, and shaves up to 100 ms off each failover.
      const deadline = ctx.clock.now() + 60_000;
      for (;;) {
        const [row] = await ctx.probe.query<{ rec: boolean }>('SELECT pg_is_in_recovery() AS rec');
        if (row && !row.rec) break;
        if (ctx.clock.now() > deadline) throw new Error('promotion did not finish within 60 s');
        await sleep(ctx.clock, 10);
      }
      ctx.ctl.writeConfig(ctx.settings(null, ctx.wantSync()), false);
      await ctx.ctl.reload();
      return {};
    }
    case 'configure': {
      const standby = action.upstream !== null;
      const upstreamNode = action.upstream ? (action.upstream.split('@')[0] ?? null) : null;
      ctx.ctl.writeConfig(ctx.settings(upstreamNode, action.sync), standby);
      await ctx.ctl.reload();
      return {};
    }
    case 'ensure-slots': {
      const wanted = action.names.map(slotName);
      await ctx.probe.query(
        `SELECT pg_create_physical_replication_slot(n, true) FROM unnest($1::text[]) AS n
         WHERE n NOT IN (SELECT slot_name FROM pg_replication_slots)`,
        [wanted],
      );
      return {};
    }
    case 'wipe': {
      const lease = ctx.leaseId();
      if (!lease || !(await ctx.dcs.acquireRecloneLock(ctx.self, lease))) throw new Error('another member holds the re-clone lock; data kept');
      ctx.ctl.wipe();
      return { expectRunning: false, needsRewind: false };
    }
    case 'restart': {
      // Taken on before acting: a restart that fails is reported, not retried in a loop.
      await ctx.dcs.deleteNodeRequest('restart', ctx.self);
      const standby = action.as === 'replica';
      await stopLogged(ctx, 'fast');
      // Written again so parameters that need a restart (pending_restart) take effect now.
      ctx.ctl.writeConfig(ctx.settings(standby ? ctx.upstreamOf() : null, standby ? [] : ctx.wantSync()), standby);
      if (!standby) {
        const effect = await startAsPrimary(ctx);
        if (!effect.expectRunning) return { ...effect, answered: { kind: 'restart', requestedAt: action.requestedAt, outcome: 'failed', message: 'postgres did not come back as primary' } };
      } else await ctx.ctl.start();
      return { expectRunning: true, answered: { kind: 'restart', requestedAt: action.requestedAt, outcome: 'done', message: `postgres restarted as ${action.as}` } };
    }
    case 'reinit': {
      await ctx.dcs.deleteNodeRequest('reinit', ctx.self);
      // The same lock as an automatic re-clone: no two members are ever without data at once.
      const lease = ctx.leaseId();
      if (!lease || !(await ctx.dcs.acquireRecloneLock(ctx.self, lease))) throw new Error('another member holds the re-clone lock; data kept');
      await stopLogged(ctx, 'fast');
      ctx.ctl.wipe();
      await ctx.ctl.basebackup(remote(ctx, action.from), ctx.secrets.replicationPassword);
      ctx.ctl.writeConfig(ctx.settings(action.from, []), true);
      await ctx.ctl.start();
      await ctx.dcs.releaseRecloneLock(ctx.self).catch((err: Error) => ctx.log(`releasing the re-clone lock failed (it goes with my lease): ${err.message}`));
      return { expectRunning: true, needsRewind: false, answered: { kind: 'reinit', requestedAt: action.requestedAt, outcome: 'done', message: `re-cloned from ${action.from}` } };
    }
    case 'refuse-request':
      await ctx.dcs.deleteNodeRequest(action.request, ctx.self);
      return { answered: { kind: action.request, requestedAt: action.requestedAt, outcome: 'refused', message: action.reason } };
    case 'mark-initialized': {
      // Only a primary of a cluster not yet initialized gets here: its bootstrap may have stopped half way.
      await ensureRoles(ctx);
      const id = ctx.systemId();
      if (id && !(await ctx.dcs.markInitialized(id))) ctx.log(`etcd names another system identifier for this cluster than ${id}`);
      return {};
    }
  }
}
