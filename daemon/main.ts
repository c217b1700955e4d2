// pgdaemon entry point: parses the command line and hands over to the daemon or an operator command.
import { Command, CommanderError, Option } from 'commander';
import { describeError, UserError } from '../common/errors.js';
import { clusterStatus, initCluster, OperationFailed, renderStatus, roleChange } from './cli-admin.js';
import { configSet, configShow, nodeRequest, setPaused } from './cli-operator.js';
import { Daemon } from './daemon.js';
import { productionDeps } from './daemon-deps.js';
import { EtcdDcs } from './dcs-etcd.js';
import { keepMallocTunablesToSelf, startPeriodicFullGc } from './memory-upkeep.js';
import { commonSchema, daemonSchema, mergeOptions, parseBytes, readSecrets, validate } from './options.js';

const EXIT_USAGE = 2;

function common(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'JSON file with the same keys as the long options, in camelCase (flags override it)')
    .option('--cluster <name>', 'cluster name, the etcd prefix /pglab/<name>/ (default pglab)')
    .option('--etcd <urls>', 'comma-separated etcd endpoints (default http://127.0.0.1:2379)')
    .option('--etcd-timeout <duration>', 'deadline of every etcd call (default 1s)');
}

function dcsFor(flags: Record<string, unknown>) {
  const o = validate(commonSchema.passthrough(), mergeOptions(flags));
  return { o, dcs: new EtcdDcs({ endpoints: o.etcd, cluster: o.cluster, callTimeoutMs: o.etcdTimeout }) };
}

async function withDcs(flags: Record<string, unknown>, fn: (dcs: EtcdDcs, o: ReturnType<typeof dcsFor>['o']) => Promise<void>) {
  const { o, dcs } = dcsFor(flags);
  try {
    await fn(dcs, o);
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new Error(`etcd at ${o.etcd.join(',')}: ${(err as Error).message}`);
  } finally {
    await dcs.close();
  }
}

const program = new Command('pgdaemon').description('PostgreSQL high-availability daemon for pglab').exitOverride();
program.configureOutput({ writeErr: (s) => process.stderr.write(s.replace(/^error: /, 'pgdaemon: ')) });

common(program.command('daemon').description('run the daemon on a PostgreSQL node'))
  .option('--node <name>', 'this node\'s name (pg0)')
  .option('--data-dir <dir>', 'PostgreSQL data directory the daemon owns')
  .option('--bin-dir <dir>', 'PostgreSQL binaries (default /usr/lib/postgresql/15/bin)')
  .option('--pg-port <port>', 'PostgreSQL port (default 5432)')
  .option('--connect-host <addr>', 'address other nodes and haproxy use to reach this PostgreSQL')
  .option('--socket-dir <dir>', 'unix socket directory (default /var/run/postgresql)')
  .option('--pg-log <file>', 'PostgreSQL server log (default <data-dir>.log)')
  .option('--allow-cidr <cidrs>', 'comma-separated networks allowed by pg_hba (default the connect host\'s /24)')
  .option('--listen <host:port>', 'HTTP API address (default 0.0.0.0:8008)')
  .option('--api-url <url>', 'URL others use for this node\'s API (default http://<connect-host>:<port>)')
  .option('--secrets <file>', 'JSON {superuserPassword, replicationPassword, apiToken[, appPassword]}, mode 0600')
  .option('--ttl <duration>', 'lease TTL (default 1s)')
  .option('--loop <duration>', 'cycle interval (default 500ms)')
  .option('--failover-timeout <duration>', 'grace for a restarting primary and for fresh replica state (default 10s)')
  .option('--rewind-after <duration>', 'a replica not streaming from a running primary this long is rewound (default 5s)')
  .option('--fence-margin <duration>', 'stop writes this long before the lease can expire (default 200ms)')
  .addOption(new Option('--no-failover', 'never promote this node').default(undefined))
  .action(async (flags: Record<string, unknown>) => {
    if (flags['failover'] === false) flags['noFailover'] = true;
    delete flags['failover'];
    const o = validate(daemonSchema, mergeOptions(flags));
    if (process.getuid?.() === 0) throw new UserError('pgdaemon daemon must not run as root (PostgreSQL refuses to)', 'run it as the postgres user, e.g. User=postgres in its systemd unit');
    const secrets = readSecrets(o.secrets);
    keepMallocTunablesToSelf();
    startPeriodicFullGc();
    const dcs = new EtcdDcs({ endpoints: o.etcd, cluster: o.cluster, callTimeoutMs: o.etcdTimeout });
    const daemon = new Daemon(o, secrets, dcs, productionDeps(o));
    let stopping = false;
    const stop = (sig: string) => {
      if (stopping) return;
      stopping = true;
      daemon.log('signal', `${sig}: shutting down`);
      void daemon.shutdown().finally(() => process.exit(0));
    };
    // A stray rejection in a library callback must not take the daemon (and with it the fencing timer) down:
    // every cycle re-reads everything, so logging and carrying on is safe.
    process.on('unhandledRejection', (err) => daemon.log('bug', `unhandled rejection (continuing): ${describeError(err)}`));
    process.on('uncaughtException', (err) => daemon.log('bug', `uncaught exception (continuing): ${describeError(err)}`));
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    daemon.log('start', `pgdaemon starting: cluster ${o.cluster}, etcd ${o.etcd.join(',')}, ttl ${o.ttl}ms, loop ${o.loop}ms`);
    await daemon.start();
  });

common(program.command('init-cluster').description('write the initial desired state of a cluster'))
  .option('--primary <node>', 'the first primary')
  .option('--replicas <nodes>', 'comma-separated replicas', '')
  .option('--sync', 'synchronous replication: no acknowledged commit is lost by a failover')
  .option('--max-lag-on-failover <size>', 'async mode: do not promote a replica lagging more (default 64MB)', '64MB')
  .option('--force', 'wipe an existing cluster of that name first')
  .action(async (flags: Record<string, unknown>) => {
    const { primary, replicas, sync, force, maxLagOnFailover, ...rest } = flags;
    if (typeof primary !== 'string') throw new UserError('missing --primary NODE');
    const lag = parseBytes(String(maxLagOnFailover));
    if (lag === null) throw new UserError(`invalid --max-lag-on-failover "${String(maxLagOnFailover)}" (e.g. 16MB)`);
    await withDcs(rest, (dcs, o) =>
      initCluster(dcs, { cluster: o.cluster, primary, replicas: String(replicas).split(',').map((s) => s.trim()).filter(Boolean), sync: sync === true, force: force === true, maxLagOnFailoverBytes: lag }, console.log),
    );
  });

common(program.command('status').description('show the members of a cluster'))
  .option('--json', 'machine-readable output')
  .action(async (flags: Record<string, unknown>) => {
    const { json, ...rest } = flags;
    await withDcs(rest, async (dcs) => {
      if (json) console.log(JSON.stringify(await clusterStatus(dcs), null, 2));
      else console.log(renderStatus(await dcs.read()));
    });
  });

for (const kind of ['switchover', 'failover'] as const) {
  const cmd = common(program.command(kind).description(kind === 'switchover' ? 'move the primary role to a healthy replica, cleanly' : 'promote a replica when there is no healthy primary (--force: even if there is)'))
    .option('--to <node>', kind === 'switchover' ? 'the new primary (default: the best replica)' : 'the new primary (default: the best candidate)')
    .option('--wait <duration>', 'how long to wait for the result', '30s');
  if (kind === 'failover') cmd.option('--force', 'fail over even though the primary is healthy (it is demoted the usual way)');
  cmd.action(async (flags: Record<string, unknown>) => {
    const { to, wait, force, ...rest } = flags;
    const { parseDuration } = await import('../common/duration.js');
    const waitMs = parseDuration(String(wait), '--wait');
    await withDcs(rest, (dcs) => roleChange(dcs, kind, typeof to === 'string' ? to : null, waitMs, console.log, force === true));
  });
}

common(program.command('pause').description('maintenance mode: no automatic failover, sync-set change, start, stop or rejoin (fencing stays on)'))
  .option('--reason <text>', 'shown in status')
  .action(async (flags: Record<string, unknown>) => {
    const { reason, ...rest } = flags;
    await withDcs(rest, (dcs) => setPaused(dcs, true, typeof reason === 'string' ? reason : null, console.log));
  });

common(program.command('resume').description('end maintenance mode')).action(async (flags: Record<string, unknown>) => {
  await withDcs(flags, (dcs) => setPaused(dcs, false, null, console.log));
});

for (const kind of ['restart', 'reinit'] as const) {
  common(program.command(kind).description(kind === 'restart' ? "restart a node's PostgreSQL through its daemon (planned: no failover)" : 're-clone a replica from the primary (its data directory is removed)'))
    .argument('<node>')
    .option('--wait <duration>', 'how long to wait for the result', kind === 'restart' ? '60s' : '30m')
    .action(async (node: string, flags: Record<string, unknown>) => {
      const { wait, ...rest } = flags;
      const { parseDuration } = await import('../common/duration.js');
      const waitMs = parseDuration(String(wait), '--wait');
      await withDcs(rest, (dcs) => nodeRequest(dcs, kind, node, waitMs, console.log));
    });
}

const config = program.command('config').description("the cluster's dynamic settings in etcd");
common(config.command('show').description('print the settings').option('--json', 'machine-readable output')).action(async (flags: Record<string, unknown>) => {
  const { json, ...rest } = flags;
  await withDcs(rest, (dcs) => configShow(dcs, json === true, console.log));
});
common(config.command('set').description('change settings: failoverTimeout=10s maxLagOnFailover=16MB postgresql.work_mem=8MB'))
  .argument('<assignments...>')
  .action(async (assignments: string[], flags: Record<string, unknown>) => {
    await withDcs(flags, (dcs) => configSet(dcs, assignments, console.log));
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : EXIT_USAGE);
  process.stderr.write(`pgdaemon: ${describeError(err)}\n`);
  process.exit(err instanceof UserError && !(err instanceof OperationFailed) ? EXIT_USAGE : 1);
});
