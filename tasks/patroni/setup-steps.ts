// The Patroni part of the lab graph: install patroni.yml and its scripts on every PostgreSQL node → start Patroni
// (pg0 first, so it bootstraps the cluster, as pgdaemon's init names pg0) → the topology's timing in Patroni's
// dynamic configuration → healthy behind haproxy.
import { UserError } from '../../common/errors.js';
import { execIn, enableUnits, writeMachineFiles } from '../../lab/machine.js';
import { readSecrets } from '../../lab/secrets.js';
import { machinesOf, patroniSettingsOf, replicationOf, type Topology } from '../../lab/topology.js';
import { readClusterState, withClusterClient } from '../../ha/lab-cluster-client.js';
import { waitForHealthyCluster } from '../../ha/wait-healthy.js';
import { notYet, waitUntil } from '../../common/wait-until.js';
import type { Step } from '../graph/step.js';
import { PATRONI_UNIT, patroniNodeFiles } from './node-files.js';
import { PATRONI_CONFIG_PATH } from './patroni-yml.js';

const UNCHANGED = 'unchanged';
const STEP_TIMEOUT_MS = 180_000;

export interface PatroniStepOptions {
  needsMachines: string[];
  needsHaproxy: string[];
}

/** The topology's timing as `pglab config set` assignments, for the keys whose value in the DCS differs. */
export function timingAssignments(t: Topology, dcs: Record<string, unknown>): string[] {
  const p = patroniSettingsOf(t);
  const want: Record<string, number> = { ttl: p.ttl, loop_wait: p.loopWait, retry_timeout: p.retryTimeout, maximum_lag_on_failover: p.maximumLagOnFailover };
  return Object.entries(want).filter(([k, v]) => dcs[k] !== v).map(([k, v]) => `${k}=${v}`);
}

export function patroniSteps(t: Topology, opts: PatroniStepOptions): Step[] {
  const pgNodes = machinesOf(t, 'postgres');
  const changed = new Set<string>();
  return [
    {
      id: 'patroni:install',
      title: `Install patroni.yml on ${pgNodes.map((m) => m.name).join(', ')}`,
      needs: opts.needsMachines,
      async run(ctx) {
        const secrets = readSecrets();
        for (const m of pgNodes) {
          const files = [...(await writeMachineFiles(m.name, patroniNodeFiles(m, t, secrets))), ...(await enableUnits(m.name, [PATRONI_UNIT]))];
          if (files.length > 0) {
            changed.add(m.name);
            await execIn(m.name, ['systemctl', 'daemon-reload'], { signal: ctx.signal });
          }
        }
        return changed.size ? `written on ${[...changed].join(', ')}` : UNCHANGED;
      },
      describe: () => [`write ${PATRONI_CONFIG_PATH} (0600, postgres), the post-bootstrap script and SQL (0600), the role-change callback, a drop-in for ${PATRONI_UNIT}; enable it`],
    },
    {
      id: 'patroni:start',
      title: 'Start Patroni (pg0 bootstraps the cluster, then the others clone from it)',
      needs: ['patroni:install', 'etcd'],
      async run(ctx) {
        const active = new Map<string, boolean>();
        for (const m of pgNodes) active.set(m.name, (await execIn(m.name, ['systemctl', 'is-active', PATRONI_UNIT], { allowFailure: true })).stdout.trim() === 'active');
        const [first] = pgNodes;
        if (!first) throw new Error('the topology has no PostgreSQL node');
        const did: string[] = [];
        if (![...active.values()].some(Boolean)) {
          // A fresh cluster: whoever starts first takes Patroni's initialize key and runs initdb; let that be pg0.
          await execIn(first.name, ['systemctl', 'start', PATRONI_UNIT], { signal: ctx.signal });
          await waitUntil(`${first.name} to bootstrap the cluster`, async () => {
            const s = await readClusterState(t).catch((err: Error) => err);
            if (s instanceof Error) return notYet(s.message.split('\n')[0] ?? '');
            const m = s.members.find((x) => x.node === first.name);
            return s.leader === first.name && m?.role === 'primary' && m.pgUp ? true : notYet(m?.message ?? 'no status');
          }, { timeoutMs: STEP_TIMEOUT_MS, intervalMs: 500, signal: ctx.signal, onReason: (r) => ctx.output(r) });
          active.set(first.name, true);
          did.push(`${first.name} bootstrapped`);
        }
        const start = pgNodes.filter((m) => !active.get(m.name)).map((m) => m.name);
        await Promise.all(start.map((n) => execIn(n, ['systemctl', 'start', PATRONI_UNIT], { signal: ctx.signal })));
        if (start.length) did.push(`started on ${start.join(', ')}`);
        // A running Patroni re-reads patroni.yml on SIGHUP (its dynamic settings come from the DCS, below).
        const reload = [...changed].filter((n) => active.get(n) && !did.some((d) => d.startsWith(n)));
        for (const n of reload) await execIn(n, ['systemctl', 'reload', PATRONI_UNIT], { signal: ctx.signal });
        if (reload.length) did.push(`reloaded on ${reload.join(', ')}`);
        return did.length ? did.join('; ') : UNCHANGED;
      },
      describe: () => [`systemctl start ${PATRONI_UNIT} on ${pgNodes[0]?.name}, wait until it holds the leader lock as a running primary, then on ${pgNodes.slice(1).map((m) => m.name).join(', ')}`],
    },
    {
      id: 'patroni:config',
      title: `Patroni's dynamic configuration (${replicationOf(t)} replication, the topology's timing)`,
      needs: ['patroni:start'],
      async run() {
        return withClusterClient(t, async (c) => {
          const { document } = await c.configView();
          const dcs = document as Record<string, unknown>;
          const running = dcs['synchronous_mode'] === true ? 'sync' : 'async';
          if (running !== replicationOf(t))
            throw new UserError(`the cluster "${t.cluster}" runs ${running} replication, the topology asks for ${replicationOf(t)}`, 'the replication mode is chosen when the cluster is created: pglab destroy, then pglab machines');
          const changes = timingAssignments(t, dcs);
          if (changes.length === 0) return `${UNCHANGED} (${describeDcs(dcs)})`;
          await c.configSet(changes);
          return `set ${changes.join(' ')}`;
        });
      },
      describe: () => ['compare ttl, loop_wait, retry_timeout, maximum_lag_on_failover in the DCS with the topology; PATCH /config what differs'],
    },
    {
      id: 'cluster',
      title: 'HA cluster healthy behind haproxy',
      needs: ['patroni:config', ...opts.needsHaproxy],
      check: true,
      async run(ctx) {
        const s = await waitForHealthyCluster(t, { timeoutMs: STEP_TIMEOUT_MS, signal: ctx.signal, withHaproxy: true, onProblem: (p) => ctx.output(p) });
        const replicas = s.desired?.members.filter((m) => m !== s.desired?.primary) ?? [];
        return `${s.desired?.primary} primary; ${replicas.join(', ')} streaming; haproxy → ${s.desired?.primary}`;
      },
      describe: () => ['wait: the leader lock holder a running primary, every other member streaming, haproxy primary backend → that node'],
    },
  ];
}

function describeDcs(dcs: Record<string, unknown>): string {
  return ['ttl', 'loop_wait', 'retry_timeout', 'maximum_lag_on_failover'].map((k) => `${k} ${String(dcs[k])}`).join(', ');
}
