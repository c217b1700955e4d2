// pglab command line: parses arguments and hands each verb to tasks/.
import { Command, Option } from 'commander';
import { describeError, exitCodeOf, UserError } from '../common/errors.js';
import { formatChecks, preflight } from '../lab/preflight.js';
import { chaosPreconditions, chaosSteps, faultHelp, formatChaos, type ChaosResult } from '../tasks/chaos.js';
import { healSteps } from '../tasks/chaos-heal.js';
import { MATRIX_DEFAULT_FAULTS, parseFaults, runMatrix } from '../tasks/chaos-matrix.js';
import { parseManagerList, runSideBySide } from '../tasks/chaos-side-by-side.js';
import { CHECK_DEFAULTS, checkCommand, type CheckFlags } from '../tasks/check.js';
import { WORKLOAD_DEFAULTS, workloadOptions, type WorkloadFlags } from '../tasks/workload-flags.js';
import { brokenPromises, summarizeRuns } from '../chaos/analyze-run.js';
import { benchSteps, benchSummary } from '../tasks/bench.js';
import { DEFAULT_SCALE, DEFAULT_SEED, fetchSteps, imdbTargets, loadSteps, sampleSteps, sourceDir, verifyCommand } from '../tasks/imdb.js';
import { killCommand, startCommand, stopCommand } from '../tasks/machine-power.js';
import { parseDuration } from '../common/duration.js';
import { labDsn, psqlCommand, requireLabNetns, runCommand } from '../tasks/client-access.js';
import { historyCommand, switchoverCommand } from '../tasks/ha-commands.js';
import { configEditCommand, configSetCommand, configShowCommand, failoverCommand, formatRoleChange, nodeVerbCommand, pauseCommand } from '../tasks/operator-verbs.js';
import { deploySteps, requireLabRunning } from '../tasks/deploy.js';
import { labName } from '../lab/state-dir.js';
import { destroySteps } from '../tasks/destroy.js';
import { etcdctlCommand, execCommand, logsCommand, shellCommand } from '../tasks/machine-access.js';
import { machinesSteps } from '../tasks/machines.js';
import { runSteps, type GraphFlags } from '../tasks/run-steps.js';
import { printJson } from '../tasks/json-stdout.js';
import { collectStatus, formatStatusTable } from '../tasks/status.js';
import { resolveLabTopology, resolveTopology } from '../tasks/topology-source.js';
import { replicationOf, withHa } from '../lab/topology.js';
import { parseHaManager, requireSameHaManager } from '../tasks/ha-manager.js';
import { CommandExit, installCommandHooks } from '../tasks/cli-hooks.js';
import { labMongoUri, MONGO_TARBALL_NAME, mongoServerFor, NPM_SERVER, requireMongoMachines } from '../lab/roles/mongo/index.js';
import { formatMongoChaos, mongoChaosSteps, mongoFaultOf, MONGO_FAULTS, MONGO_MATRIX_DEFAULT_FAULTS, MONGO_PROMISES, type MongoChaosResult } from '../tasks/chaos-mongo.js';
import { DEFAULT_UI_PORT, parsePort, uiCommand } from '../ui/ui-command.js';

const collect = (value: string, previous: string[] = []) => [...previous, ...value.split(',').filter(Boolean)];

function positive(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UserError(`${flag} must be a positive number (got "${v}")`);
  return n;
}

function whole(v: string, flag: string, min = 0): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > 1_000_000) throw new UserError(`${flag} must be a whole number of at least ${min} (got "${v}")`);
  return n;
}

function graphOptions(cmd: Command): Command {
  return cmd
    .option('--dry-run', 'print the steps and the commands they would run, change nothing')
    .option('--plain', 'one line per step instead of the live tree (the default without a TTY)')
    .option('--skip <step>', 'treat a step (or group, e.g. image) as done; repeatable', collect)
    .option('--only <step>', 'run only this step and what it needs; repeatable', collect);
}

function topologyOption(cmd: Command): Command {
  return cmd.addOption(new Option('--topology <file>', 'topology YAML (default: ./pglab.yaml, else the running lab, else built in)'));
}

/** The lab's topology for commands that act on an existing lab. */
function labTopology(flag?: string) {
  return resolveLabTopology(flag).topology;
}

async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const program = new Command('pglab')
    .description('A PostgreSQL high-availability lab of systemd-nspawn machines')
    .showSuggestionAfterError(true)
    .showHelpAfterError('(run pglab --help for the commands)')
    .exitOverride();

  topologyOption(
    graphOptions(
      program
        .command('machines')
        .description('build the image and network, boot every machine, bring up etcd and haproxy (idempotent)')
        .option('--mirror <url>', 'Debian mirror for the image (default: the host apt sources, or $PGLAB_MIRROR)')
        .option('--mongo-tarball <file>', `MongoDB server tarball for mongo machines (default: $PGLAB_MONGO_TARBALL, else ${MONGO_TARBALL_NAME} in the state dir's cache/mongodb/, else a download, else MongoDB ${NPM_SERVER.version} from the npm package ${NPM_SERVER.spec})`)
        .option('--ha <manager>', "the HA manager for this lab, pgdaemon or patroni (default: the topology's ha, else pgdaemon)")
        .option('--json', 'print the summary as JSON on stdout (progress on stderr): every step with its outcome'),
    ),
  ).action(async (opts: GraphFlags & { topology?: string; mirror?: string; mongoTarball?: string; ha?: string; json?: boolean }) => {
    const resolved = resolveTopology(opts.topology);
    const topology = opts.ha ? withHa(resolved.topology, parseHaManager(opts.ha)) : resolved.topology;
    const source = resolved.source;
    // The manager is the lab's: another one on machines that exist is refused before any step (exit 2).
    if (!opts.dryRun) requireSameHaManager(topology);
    // Before any step: which mongod the mongo machines get (a named tarball that is no server is refused, exit 2).
    const mongoServer = await mongoServerFor(topology, opts.mongoTarball, { download: !opts.dryRun, onSkip: (why) => console.error(`pglab: ${why}; using the npm-delivered server`) });
    const r = await runSteps(machinesSteps({ topology, topologySource: source, mirror: opts.mirror, ...(mongoServer ? { mongoServer } : {}) }), opts);
    if (opts.json && !opts.dryRun) printJson({ ok: r.code === 0, changed: r.changed, steps: r.steps ?? [] });
    else if (r.code === 0 && !opts.dryRun && !r.changed) console.log('nothing changed: the lab already matches the topology');
    exitCode = r.code;
  });

  graphOptions(
    program
      .command('destroy')
      .description('stop every machine and remove overlays, network namespace, bridge and state (image kept)')
      .option('--all', 'also remove the cached image and the whole state dir'),
  ).action(async (opts: GraphFlags & { all?: boolean }) => {
    exitCode = (await runSteps(destroySteps({ all: !!opts.all }), opts)).code;
  });

  topologyOption(program.command('status').description('machines, addresses, roles, state and services').option('--json', 'machine-readable output').option('-w, --watch', 'refresh every second until Ctrl-C'))
    .action(async (opts: { json?: boolean; watch?: boolean; topology?: string }) => {
      const t = labTopology(opts.topology);
      if (!opts.watch) {
        const report = await collectStatus(t);
        return opts.json ? printJson(report, { pretty: true }) : console.log(formatStatusTable(report));
      }
      // One JSON document per line with --json; a redrawn screen otherwise. Ctrl-C ends it (exit 0).
      let stop = false;
      process.once('SIGINT', () => (stop = true));
      while (!stop) {
        const report = await collectStatus(t).catch((err: Error) => err);
        if (opts.json) {
          if (report instanceof Error) console.error(`status failed: ${report.message}`);
          else printJson(report);
        } else {
          const text = report instanceof Error ? `status failed: ${report.message}` : formatStatusTable(report);
          process.stdout.write(`${process.stdout.isTTY ? '\x1b[H\x1b[2J' : ''}${new Date().toISOString()}  (every 1s, Ctrl-C to stop)\n${text}\n`);
        }
        for (let i = 0; i < 10 && !stop; i++) await new Promise((r) => setTimeout(r, 100));
      }
    });

  topologyOption(program.command('exec').description('run a command inside a machine: pglab exec pg1 -- cat /etc/hostname'))
    .argument('<machine>')
    .argument('[command...]')
    .action(async (machine: string, command: string[], opts: { topology?: string }) => {
      exitCode = await execCommand(labTopology(opts.topology), machine, command);
    });

  topologyOption(program.command('shell').description('an interactive shell inside a machine'))
    .argument('<machine>')
    .action(async (machine: string, opts: { topology?: string }) => {
      exitCode = await shellCommand(labTopology(opts.topology), machine);
    });

  topologyOption(program.command('logs').description("a machine's journal, or one unit's").option('-f, --follow', 'keep printing new lines'))
    .argument('<machine>')
    .argument('[unit]')
    .action(async (machine: string, unit: string | undefined, opts: { follow?: boolean; topology?: string }) => {
      exitCode = await logsCommand(labTopology(opts.topology), machine, unit, !!opts.follow);
    });

  topologyOption(program.command('etcdctl').description("etcdctl against the lab's cluster: pglab etcdctl -- get --prefix /"))
    .argument('[args...]')
    .action(async (args: string[], opts: { topology?: string }) => {
      exitCode = await etcdctlCommand(labTopology(opts.topology), args);
    });

  topologyOption(program.command('dsn').description('print the connection string through haproxy, or the MongoDB replica set URI (last line of output)').option('--replica', 'the replicas port (5433); with --target mongo, read from secondaries').option('--target <db>', 'postgres, or mongo (the replica set rs0 of the mongo machines)', 'postgres'))
    .action((opts: { replica?: boolean; topology?: string; target: string }) => {
      const t = labTopology(opts.topology);
      if (opts.target !== 'postgres' && opts.target !== 'mongo') throw new UserError(`unknown --target "${opts.target}"`, 'use --target postgres or --target mongo');
      const dsn = opts.target === 'mongo' ? labMongoUri(t) + (opts.replica ? '&readPreference=secondary' : '') : labDsn(t, !!opts.replica);
      console.log(`# reachable inside the lab namespace (pglab run -- CMD, or nsenter --net=/run/netns/${labName()})`);
      console.log(dsn);
    });

  topologyOption(program.command('psql').description('psql through haproxy with credentials filled in: pglab psql [--replica] [-- ARGS]').option('--replica', 'connect to a replica (port 5433)'))
    .argument('[args...]')
    .action(async (args: string[], opts: { replica?: boolean; topology?: string }) => {
      exitCode = await psqlCommand(labTopology(opts.topology), !!opts.replica, args);
    });

  topologyOption(program.command('run').description('run a host command inside the lab network with $PGLAB_DSN set: pglab run -- pgbench …'))
    .argument('[command...]')
    .action(async (command: string[], opts: { topology?: string }) => {
      exitCode = await runCommand(labTopology(opts.topology), command);
    });

  topologyOption(program.command('switchover').description('planned move of the primary role (to the best replica, or --to NODE)').option('--to <node>', 'the new primary').option('--json', 'machine-readable output'))
    .action(async (opts: { to?: string; json?: boolean; topology?: string }) => {
      const r = await switchoverCommand(labTopology(opts.topology), opts.to);
      if (opts.json) printJson(typeof r === 'string' ? { kind: 'switchover', nothingToDo: r } : r);
      else console.log(typeof r === 'string' ? r : formatRoleChange(r));
    });

  topologyOption(program.command('failover').description('unplanned promotion (to the best candidate, or --to NODE); refused while the primary is healthy unless --force').option('--to <node>', 'the new primary').option('--force', 'promote even though the primary is healthy (it is demoted the usual way)').option('--json', 'machine-readable output'))
    .action(async (opts: { to?: string; force?: boolean; json?: boolean; topology?: string }) => {
      const r = await failoverCommand(labTopology(opts.topology), opts.to, !!opts.force);
      if (opts.json) printJson(r);
      else console.log(formatRoleChange(r));
    });

  topologyOption(program.command('pause').description('maintenance mode: the daemons do no automatic failover, start, stop or rejoin (fencing stays on)').option('--reason <text>', 'shown in status'))
    .action(async (opts: { reason?: string; topology?: string }) => console.log(await pauseCommand(labTopology(opts.topology), true, opts.reason)));
  topologyOption(program.command('resume').description('end maintenance mode'))
    .action(async (opts: { topology?: string }) => console.log(await pauseCommand(labTopology(opts.topology), false, undefined)));

  for (const [verb, what] of [
    ['restart', "restart a node's PostgreSQL through its daemon (planned: the primary's restart is no failover)"],
    ['reinit', 're-clone a replica from the primary: its daemon removes its data directory (refused for the primary)'],
  ] as const) {
    topologyOption(program.command(verb).description(what))
      .argument('<node>')
      .action(async (node: string, opts: { topology?: string }) => console.log(await nodeVerbCommand(labTopology(opts.topology), verb, node)));
  }

  const config = program.command('config').description("the HA cluster's dynamic settings in etcd (failover timeout, lag limit, PostgreSQL parameters)");
  topologyOption(config.command('show').description('print the settings').option('--json', 'machine-readable output'))
    .action(async (opts: { json?: boolean; topology?: string }) => {
      const { config, text } = await configShowCommand(labTopology(opts.topology));
      if (opts.json) printJson(config);
      else console.log(text);
    });
  topologyOption(config.command('set').description('change settings: failoverTimeout=15s maxLagOnFailover=16MB postgresql.work_mem=8MB (empty value removes a parameter)'))
    .argument('<assignments...>')
    .action(async (assignments: string[], opts: { topology?: string }) => console.log(await configSetCommand(labTopology(opts.topology), assignments)));
  topologyOption(config.command('edit').description('edit the settings in $EDITOR, then apply what changed'))
    .action(async (opts: { topology?: string }) => console.log(await configEditCommand(labTopology(opts.topology))));

  topologyOption(program.command('history').description('failovers and switchovers with reasons and timings').option('--json', 'machine-readable output'))
    .action(async (opts: { json?: boolean; topology?: string }) => {
      const { history, text } = await historyCommand(labTopology(opts.topology));
      if (opts.json) printJson(history, { pretty: true });
      else console.log(text);
    });

  const imdb = program.command('imdb').description('the IMDb data set: fetch or generate, load, verify');
  graphOptions(imdb.command('sample').description('generate a deterministic IMDb-shaped sample offline'))
    .option('--scale <n>', 'fraction of the full data set (1 ≈ full IMDb)', String(DEFAULT_SCALE))
    .option('--seed <n>', 'random seed', String(DEFAULT_SEED))
    .action(async (opts: GraphFlags & { scale: string; seed: string }) => {
      exitCode = (await runSteps(sampleSteps(positive(opts.scale, '--scale'), whole(opts.seed, '--seed')), opts)).code;
    });
  graphOptions(imdb.command('fetch').description('download the seven IMDb files into the cache (resumes, checks gzip)'))
    .option('--files <list>', 'only these files, e.g. title.ratings.tsv.gz', collect)
    .option('--base-url <url>', 'where to download from')
    .action(async (opts: GraphFlags & { files?: string[]; baseUrl?: string }) => {
      exitCode = (await runSteps(fetchSteps(opts.files, opts.baseUrl), opts)).code;
    });
  topologyOption(graphOptions(imdb.command('load').description('load the data into the cluster through haproxy')))
    .option('--target <db>', 'postgres (relational tables), jsonb (the MongoDB documents in PostgreSQL), mongo (the mongo machines), several comma-separated (loaded one after the other), or all: every target this lab has', 'postgres')
    .option('--source <src>', 'sample or fetched', 'sample')
    .option('--scale <n>', 'which sample', String(DEFAULT_SCALE))
    .option('--seed <n>', 'which sample', String(DEFAULT_SEED))
    .option('--no-indexes', 'bare tables, no keys or indexes (like the original lab)')
    .action(async (opts: GraphFlags & { topology?: string; target: string; source: string; scale: string; seed: string; indexes: boolean }) => {
      const t = labTopology(opts.topology);
      const targets = imdbTargets(opts.target, t); // a target that cannot be loaded is refused before anything else is checked
      const dir = sourceDir(opts.source, positive(opts.scale, '--scale'), whole(opts.seed, '--seed'));
      for (const s of targets.skipped) console.log(`${s.target}: not loaded — ${s.reason}`);
      for (const target of targets.run) {
        const report: { text?: string } = {};
        exitCode = (await runSteps(loadSteps(t, target, dir, opts.indexes, report), opts)).code;
        if (report.text) console.log(report.text);
        if (exitCode !== 0) break;
      }
    });
  topologyOption(imdb.command('verify').description('row counts and spot checks against the source files'))
    .option('--target <db>', 'postgres, jsonb, mongo, several comma-separated, or all: every target this lab has', 'postgres')
    .option('--source <src>', 'sample or fetched', 'sample')
    .option('--scale <n>', 'which sample', String(DEFAULT_SCALE))
    .option('--seed <n>', 'which sample', String(DEFAULT_SEED))
    .option('--json', 'machine-readable output')
    .action(async (opts: { topology?: string; target: string; source: string; scale: string; seed: string; json?: boolean }) => {
      const t = labTopology(opts.topology);
      const targets = imdbTargets(opts.target, t);
      const dir = sourceDir(opts.source, positive(opts.scale, '--scale'), whole(opts.seed, '--seed'));
      const results = [];
      for (const target of targets.run) results.push({ target, ...(await verifyCommand(t, dir, target)) });
      const ok = results.every((r) => r.ok);
      // One target: the shape it always had; several: one entry per target.
      if (opts.json) printJson(results.length === 1 ? { ok, checks: results[0]!.checks } : { ok, targets: results.map((r) => ({ target: r.target, ok: r.ok, checks: r.checks })), skipped: targets.skipped });
      else {
        for (const s of targets.skipped) console.log(`${s.target}: not verified — ${s.reason}`);
        console.log(results.length === 1 ? results[0]!.text : results.map((r) => `${r.target}:\n${r.text}`).join('\n'));
      }
      exitCode = ok ? 0 : 1;
    });

  topologyOption(graphOptions(program.command('bench').description('run the IMDb workloads; table on screen, JSON + HTML report in the state dir')))
    .option('--target <list>', 'postgres, jsonb, or both side by side: postgres,jsonb; all = every target available here', 'postgres')
    .option('--clients <n>', 'concurrent clients', '8')
    .option('--duration <d>', 'measured time per workload', '10s')
    .option('--warmup <d>', 'unmeasured time per workload first', '2s')
    .option('--workloads <list>', 'comma-separated subset', collect)
    .option('--json', 'print the summary as JSON on stdout (progress on stderr)')
    .action(async (opts: GraphFlags & { topology?: string; target: string; clients: string; duration: string; warmup: string; workloads?: string[]; json?: boolean }) => {
      const out: Parameters<typeof benchSteps>[2] = { results: [], skipped: [] };
      const steps = benchSteps(labTopology(opts.topology), { target: opts.target, clients: whole(opts.clients, '--clients', 1), durationMs: parseDuration(opts.duration, '--duration'), warmupMs: parseDuration(opts.warmup, '--warmup'), workloads: opts.workloads }, out);
      exitCode = (await runSteps(steps, opts)).code;
      if (opts.json && !opts.dryRun) return printJson(out);
      const summary = benchSummary(out);
      if (summary) console.log(summary);
    });

  const deploy = program.command('deploy').description('deploy a component to the running lab');
  topologyOption(graphOptions(deploy.command('pgdaemon').description('rebuild the daemon bundle, install it, restart node by node (replicas first)')))
    .option('--restart', 'restart every node even if its build did not change')
    .action(async (opts: GraphFlags & { topology?: string; restart?: boolean }) => {
      const t = labTopology(opts.topology);
      requireLabRunning(t);
      exitCode = (await runSteps(deploySteps(t, !!opts.restart), opts)).code;
    });

  topologyOption(
    graphOptions(
      program
        .command('chaos')
        .description(`break something while checked writers run; report the write gap, lost writes and each promise. \`chaos matrix\` runs many faults into one table and an HTML report; \`chaos heal\` undoes what an interrupted run left. Faults: ${faultHelp()}. On a mongo machine (or mongo-FAULT for the replica set's PRIMARY): ${MONGO_FAULTS.join(', ')}, with checked writers at w: majority and w: 1`)
        .argument('<fault>', 'a fault, or matrix, or heal')
        .argument('[machine]', 'the machine to break (default: the current primary)')
        .option('--writers <n>', 'concurrent writer clients', '8')
        .option('--warmup <duration>', 'writing time before the fault', '2s')
        .option('--after <duration>', 'writing time after a new primary is up', '2s')
        .option('--repeat <n>', 'runs, for min/median/max', '1')
        .option('--for <duration>', 'how long a timed fault lasts (cut-replication, cut, isolate, freeze-postgres, pause, etcd-quorum)', '20s')
        .option('--from <machines>', 'cut: the machines to cut MACHINE from, comma-separated')
        .option('--rate <rate>', 'slow-network: the egress rate, as tc writes it (1mbit, 512kbit)')
        .option('--delay <duration>', 'not available: this kernel has no netem (see slow-network)')
        .option('--loss <percent>', 'not available: this kernel has no netem (see slow-network)')
        .option('--faults <list>', `matrix: the faults to run (default: ${MATRIX_DEFAULT_FAULTS.join(',')}, and ${MONGO_MATRIX_DEFAULT_FAULTS.join(',')} on a lab with mongo machines)`)
        .option('--workload <kind>', 'insert: unique ids; append: list-append transactions checked for every anomaly (docs/checker.md)', WORKLOAD_DEFAULTS.workload)
        .option('--isolation <level>', 'append: serializable, repeatable-read or read-committed', WORKLOAD_DEFAULTS.isolation)
        .option('--keys <n>', 'append: live keys (hot ones are chosen more often)', WORKLOAD_DEFAULTS.keys)
        .option('--txn-rate <n>', 'append: transactions a second over all writers (0: as fast as they go)', WORKLOAD_DEFAULTS.txnRate)
        .option('--replica-readers <n>', 'append: readers through the replica port (5433), for staleness', WORKLOAD_DEFAULTS.replicaReaders)
        .option('--report <dir>', 'where each run\'s history (JSON lines) goes, and the matrix\'s matrix.json and matrix.html', 'pglab-chaos-report')
        .option('--ha <managers>', 'matrix: side by side, e.g. pgdaemon,patroni: for each manager a new lab (the lab is destroyed first, and the last one is left up), the same matrix, one table')
        .option('--json', 'print the report as JSON on stdout (progress on stderr)'),
    ),
  ).action(async (fault: string, machine: string | undefined, opts: GraphFlags & { topology?: string; writers: string; warmup: string; after: string; repeat: string; for: string; from?: string; rate?: string; delay?: string; loss?: string; faults?: string; report: string; ha?: string; json?: boolean } & WorkloadFlags) => {
    if (opts.delay !== undefined || opts.loss !== undefined)
      throw new UserError('added delay and packet loss need the kernel\'s netem qdisc, which this kernel does not have (no sch_netem, no module loading)', 'use `pglab chaos slow-network MACHINE --rate 1mbit` to limit bandwidth, or `cut`/`isolate` to drop traffic');
    if (opts.ha !== undefined) {
      if (fault !== 'matrix') throw new UserError('--ha is for `pglab chaos matrix` (side by side); a single fault runs on the lab\'s own manager', 'pglab chaos matrix --ha pgdaemon,patroni [--faults kill,switchover]');
      if (opts.dryRun) throw new UserError('--ha cannot be combined with --dry-run: each manager needs its own lab');
      for (const [flag, v] of [['--repeat', opts.repeat], ['--writers', opts.writers]] as const) whole(v, flag, 1);
      for (const [flag, v] of [['--for', opts.for], ['--warmup', opts.warmup], ['--after', opts.after]] as const) parseDuration(v, flag);
      parseFaults(opts.faults); // an unknown fault is refused before any lab is destroyed
      workloadOptions(opts); // a bad workload flag too
      const workloadArgs = ['--workload', opts.workload, '--isolation', opts.isolation, '--keys', opts.keys, '--txn-rate', opts.txnRate, '--replica-readers', opts.replicaReaders];
      const matrixArgs = ['--writers', opts.writers, '--warmup', opts.warmup, '--after', opts.after, '--repeat', opts.repeat, '--for', opts.for, '--faults', opts.faults ?? MATRIX_DEFAULT_FAULTS.join(','), ...workloadArgs]; // the managers' faults: the replica set's are no manager's
      exitCode = await runSideBySide({ managers: parseManagerList(opts.ha), ...(opts.topology ? { topologyFlag: opts.topology } : {}), matrixArgs, reportDir: opts.report, plain: !!opts.plain || !process.stderr.isTTY });
      return;
    }
    const t = labTopology(opts.topology);
    const mongoFault = mongoFaultOf(t, fault, machine);
    if (mongoFault) {
      // The replica set has its own writers (the driver, not haproxy) and its own promises per write concern.
      requireMongoMachines(t);
      requireLabNetns();
      const result: MongoChaosResult = { fault: mongoFault, server: '', runs: [] };
      const base = { fault, writers: whole(opts.writers, '--writers', 1), warmupMs: parseDuration(opts.warmup, '--warmup'), afterMs: parseDuration(opts.after, '--after'), repeat: whole(opts.repeat, '--repeat', 1), forMs: parseDuration(opts.for, '--for') };
      exitCode = (await runSteps(mongoChaosSteps(t, { ...base, ...(machine ? { target: machine } : {}) }, result), opts)).code;
      if (opts.dryRun) return;
      if (opts.json) printJson(result);
      else console.log(formatMongoChaos(result));
      const broken = (['majority', '1'] as const).flatMap((c) => brokenPromises(result.runs.filter((x) => x.concern === c), MONGO_PROMISES[c]).map((b) => `w: ${c}: ${b}`));
      for (const b of broken) console.error(`pglab chaos: ${b}`);
      if (broken.length > 0 && exitCode === 0) exitCode = 1;
      return;
    }
    chaosPreconditions(t);
    if (fault === 'heal') {
      exitCode = (await runSteps(healSteps(t), opts)).code;
      return;
    }
    const base = { target: machine, writers: whole(opts.writers, '--writers', 1), warmupMs: parseDuration(opts.warmup, '--warmup'), afterMs: parseDuration(opts.after, '--after'), repeat: whole(opts.repeat, '--repeat', 1), forMs: parseDuration(opts.for, '--for'), ...(opts.rate ? { rate: opts.rate } : {}), ...(opts.from ? { from: opts.from.split(',').map((x) => x.trim()).filter(Boolean) } : {}), ...workloadOptions(opts), historyDir: opts.report };
    if (fault === 'matrix') {
      exitCode = await runMatrix(t, base, opts.faults, opts.report, opts);
      return;
    }
    const result: ChaosResult = { fault: fault as ChaosResult['fault'], runs: [], gap: null, newPrimaryAck: null };
    const steps = chaosSteps(t, { fault, ...base }, result);
    const r = await runSteps(steps, opts);
    result.gap = summarizeRuns(result.runs);
    result.newPrimaryAck = summarizeRuns(result.runs, (x) => x.firstAckOnNewPrimaryMs);
    if (!opts.dryRun) {
      if (opts.json) printJson(result);
      else console.log(formatChaos(result));
    }
    exitCode = r.code;
    // Like a failed check: the run went through, but the cluster broke a promise it makes (exit 1, said on stderr).
    const broken = brokenPromises(result.runs, replicationOf(t) === 'sync');
    for (const b of broken) console.error(`pglab chaos: ${b}`);
    if (broken.length > 0 && exitCode === 0) exitCode = 1;
  });

  program
    .command('check')
    .description('check a transactional history (JSON lines, as `pglab chaos --workload append` saves it, or from elsewhere) for anomalies; exit 1 when it breaks a promise')
    .argument('<history>', 'a .jsonl history file, or - for stdin')
    .option('--isolation <level>', 'the level the history is judged under: serializable, repeatable-read, read-committed', CHECK_DEFAULTS.isolation)
    .option('--replication <mode>', 'sync: a lost acknowledged append breaks a promise; async: it is reported only', CHECK_DEFAULTS.replication)
    .option('--replica-port <port>', 'transactions answered on this port are replica reads (staleness, no cycles)', CHECK_DEFAULTS.replicaPort)
    .option('--realtime', 'judge real-time cycles too (strict serializability): for a history of one server; the lab does not promise it across a failover')
    .option('--json', 'print the report as JSON')
    .action(async (history: string, opts: CheckFlags) => {
      exitCode = await checkCommand(history, opts);
    });

  for (const [verb, what, fn] of [
    ['kill', "SIGKILL a machine's PID 1, like pulling its plug", killCommand],
    ['stop', 'shut a machine down cleanly', stopCommand],
  ] as const) {
    topologyOption(program.command(verb).description(what))
      .argument('<machine>')
      .action(async (machine: string, opts: { topology?: string }) => console.log(await fn(labTopology(opts.topology), machine)));
  }
  topologyOption(program.command('start').description('boot stopped machines, all at once (e.g. every etcd member)'))
    .argument('<machine...>')
    .action(async (machines: string[], opts: { topology?: string }) => console.log(await startCommand(labTopology(opts.topology), machines)));

  topologyOption(program.command('ui').description('watch the lab live in a browser (machines, HA roles, lag, haproxy, etcd, events, a running chaos or bench) and act on it'))
    .option('--port <n>', 'TCP port', String(DEFAULT_UI_PORT))
    .option('--host <addr>', 'address to listen on; anything but loopback requires a token (printed in the URL)', '127.0.0.1')
    .option('--token <text>', 'the token to require off loopback (default: a new random one; also $PGLAB_UI_TOKEN)')
    .action(async (opts: { port: string; host: string; token?: string; topology?: string }) => {
      exitCode = await uiCommand(labTopology(opts.topology), { port: parsePort(opts.port), host: opts.host, ...(opts.token !== undefined ? { token: opts.token } : {}) });
    });

  program
    .command('doctor')
    .description('check that this host can run the lab; each failure says how to fix it')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const checks = await preflight();
      if (opts.json) printJson({ ok: checks.every((c) => c.ok), checks });
      else console.log(formatChecks(checks));
      exitCode = checks.every((c) => c.ok) ? 0 : 1;
    });

  // Root check, the lab namespace for commands that talk to the lab, the lab lock, --version, completion.
  installCommandHooks(program);

  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommandExit) return err.code;
    const code = (err as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') return 0;
    if (code?.startsWith('commander.')) return 2; // commander already printed the problem
    throw err;
  }
  return exitCode;
}

main(process.argv).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`pglab: ${describeError(err)}`);
    if (process.env.PGLAB_DEBUG && err instanceof Error) console.error(err.stack);
    process.exit(exitCodeOf(err));
  },
);
