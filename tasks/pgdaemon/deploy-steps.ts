// The pgdaemon part of the lab graph: bundle → install on every PostgreSQL node
// → init-cluster once → start or roll (replicas first, the primary last after a
// switchover) → healthy behind haproxy.
import { formatDuration } from '../../common/duration.js';
import { execIn, enableUnits, writeMachineFiles } from '../../lab/machine.js';
import { readSecrets } from '../../lab/secrets.js';
import { UserError } from '../../common/errors.js';
import { machinesOf, replicationOf, type ReplicationMode, type Topology } from '../../lab/topology.js';
import type { Step, StepContext } from '../graph/step.js';
import { buildBundle, readBundle } from './bundle.js';
import { readClusterState, withClusterClient } from '../../ha/lab-cluster-client.js';
import { DAEMON_UNIT, nodeFiles } from './node-files.js';
import { waitForHealthyCluster } from '../../ha/wait-healthy.js';

const UNCHANGED = 'unchanged';

function initArgs(primary: string, replicas: string[], replication: ReplicationMode): string[] {
  return ['init-cluster', '--primary', primary, '--replicas', replicas.join(','), ...(replication === 'sync' ? ['--sync'] : [])];
}
/** pgdaemon init-cluster's default: async mode does not promote a replica lagging more than this. */
const MAX_LAG_ON_FAILOVER_BYTES = 64 * 1024 ** 2;
const STEP_TIMEOUT_MS = 120_000;

export interface DeployOptions {
  /** Steps that must finish first (machines, etcd, haproxy) when part of `pglab machines`. */
  needsMachines: string[];
  needsHaproxy: string[];
  /** Restart every node even when its files did not change (`deploy pgdaemon --restart`). */
  restartAll?: boolean;
}

export function pgdaemonSteps(t: Topology, opts: DeployOptions): Step[] {
  const pgNodes = machinesOf(t, 'postgres');
  const toRestart = new Set<string>();

  const restart = async (node: string, ctx: StepContext) => {
    ctx.output(`restarting pgdaemon on ${node}`);
    await execIn(node, ['systemctl', 'restart', DAEMON_UNIT], { signal: ctx.signal });
  };

  return [
    {
      id: 'pgdaemon:bundle',
      title: 'Bundle pgdaemon (esbuild)',
      check: true,
      async run(ctx) {
        await buildBundle(ctx.signal);
        return `build ${readBundle().hash}`;
      },
      describe: () => ['node daemon/build.mjs → dist/daemon/pgdaemon.cjs'],
    },
    {
      id: 'pgdaemon:install',
      title: `Install pgdaemon on ${pgNodes.map((m) => m.name).join(', ')}`,
      needs: ['pgdaemon:bundle', ...opts.needsMachines],
      async run(ctx) {
        const bundle = readBundle();
        const secrets = readSecrets();
        const updated: string[] = [];
        for (const m of pgNodes) {
          const changed = [...(await writeMachineFiles(m.name, nodeFiles(m, t, secrets, bundle))), ...(await enableUnits(m.name, [DAEMON_UNIT]))];
          if (changed.length > 0) {
            updated.push(m.name);
            await execIn(m.name, ['systemctl', 'daemon-reload'], { signal: ctx.signal });
          }
          const active = await execIn(m.name, ['systemctl', 'is-active', DAEMON_UNIT], { allowFailure: true });
          if (opts.restartAll || changed.length > 0 || active.stdout.trim() !== 'active') toRestart.add(m.name);
        }
        return updated.length ? `${updated.join(', ')} now at build ${bundle.hash}` : `${UNCHANGED} (build ${bundle.hash})`;
      },
      describe: () => [
        'write /opt/pgdaemon/daemon/pgdaemon.cjs, /etc/pglab/pgdaemon.json (0640), /etc/pglab/secrets.json (0600), pgdaemon.service',
      ],
    },
    {
      id: 'pgdaemon:init',
      title: `Initialize cluster "${t.cluster}" in etcd (${replicationOf(t)} replication)`,
      needs: ['pgdaemon:install', 'etcd'],
      async run() {
        const state = await readClusterState(t);
        if (state.desired) {
          const running = state.config?.synchronous ? 'sync' : 'async';
          if (state.config && running !== replicationOf(t)) {
            throw new UserError(
              `the cluster "${t.cluster}" runs ${running} replication, the topology asks for ${replicationOf(t)}`,
              'the replication mode is chosen when the cluster is created: pglab destroy, then pglab machines',
            );
          }
          return `${UNCHANGED} (primary ${state.desired.primary}, generation ${state.desired.generation}, ${running})`;
        }
        const [first, ...rest] = pgNodes;
        if (!first) throw new Error('the topology has no PostgreSQL node');
        const fresh = await withClusterClient(t, (c) => c.init({ primary: first.name, replicas: rest.map((m) => m.name), sync: replicationOf(t) === 'sync', maxLagOnFailoverBytes: MAX_LAG_ON_FAILOVER_BYTES }));
        if (!fresh) return `${UNCHANGED} (created meanwhile by another command)`;
        return `initialized: primary ${first.name}, replicas ${rest.map((m) => m.name).join(', ')}, ${replicationOf(t)} replication`;
      },
      // What the cluster client does, in the words of the pgdaemon CLI that does the same.
      describe: () => [`pgdaemon init-cluster --cluster ${t.cluster} ${initArgs(pgNodes[0]?.name ?? '?', pgNodes.slice(1).map((m) => m.name), replicationOf(t)).slice(1).join(' ')}`],
    },
    {
      id: 'pgdaemon:rollout',
      title: 'Start pgdaemon (rolling: replicas first, the primary last)',
      needs: ['pgdaemon:init'],
      async run(ctx) {
        if (toRestart.size === 0) return UNCHANGED;
        const t0 = Date.now();
        const state = await readClusterState(t);
        const primary = state.desired?.primary;
        const running = state.members.filter((m) => m.pgUp).length;
        if (running === 0 || !primary) {
          // Nothing serves yet (fresh cluster): start every daemon at once.
          await Promise.all([...toRestart].map((n) => restart(n, ctx)));
          return `started on ${[...toRestart].join(', ')}`;
        }
        const replicas = [...toRestart].filter((n) => n !== primary);
        const restarted: string[] = [];
        for (const node of replicas) {
          restarted.push(node);
          await restart(node, ctx);
          await waitForHealthyCluster(t, { timeoutMs: STEP_TIMEOUT_MS, signal: ctx.signal, onProblem: (p) => ctx.output(`after ${node}: ${p}`) });
        }
        if (toRestart.has(primary)) {
          const others = pgNodes.filter((m) => m.name !== primary);
          if (others.length > 0) {
            // Move the primary role away first, so the restart costs a switchover, not a failover.
            ctx.output(`switchover away from ${primary}`);
            await withClusterClient(t, (c) => c.roleChange('switchover', null, false, (l) => ctx.output(l)));
            await waitForHealthyCluster(t, { timeoutMs: STEP_TIMEOUT_MS, signal: ctx.signal, onProblem: (p) => ctx.output(p) });
          }
          await restart(primary, ctx);
          restarted.push(primary);
          await waitForHealthyCluster(t, { timeoutMs: STEP_TIMEOUT_MS, signal: ctx.signal, onProblem: (p) => ctx.output(`after ${primary}: ${p}`) });
        }
        toRestart.clear();
        return `restarted ${restarted.join(', ')} in ${formatDuration(Date.now() - t0)}`;
      },
      describe: () => ['systemctl restart pgdaemon on each changed node: replicas first, then switchover and the old primary'],
    },
    {
      id: 'cluster',
      title: 'HA cluster healthy behind haproxy',
      needs: ['pgdaemon:rollout', ...opts.needsHaproxy],
      check: true,
      async run(ctx) {
        const s = await waitForHealthyCluster(t, { timeoutMs: STEP_TIMEOUT_MS, signal: ctx.signal, withHaproxy: true, onProblem: (p) => ctx.output(p) });
        const replicas = s.desired?.members.filter((m) => m !== s.desired?.primary) ?? [];
        return `${s.desired?.primary} primary; ${replicas.join(', ')} streaming; haproxy → ${s.desired?.primary}`;
      },
      describe: () => ['wait: desired primary up, every other member streaming, haproxy primary backend → that node'],
    },
  ];
}
