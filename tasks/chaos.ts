// `pglab chaos FAULT [MACHINE]`: break something while checked writers run
// through haproxy, bring it back, and report the write gap, lost acknowledged
// writes and split-brain acks.
import { setTimeout as sleep } from 'node:timers/promises';
import { WaitTimeout, notYet, waitUntil } from '../common/wait-until.js';
import { describeError, UserError } from '../common/errors.js';
import { formatDuration } from '../common/duration.js';
import { ackTimeline, analyzeRun, failoverPhases, summarizeRuns, type FailoverPhases, type PromiseCheck, type RunReport, type Timeline } from '../chaos/analyze-run.js';
import { BOUNDS, FAULT_SPECS, FAULTS, faultHelp, type Fault, type PromiseBounds } from '../chaos/fault-catalog.js';
import { cutScript, DATA_DIR_IDENTITY_COMMAND, DISK_FILLER, FILL_DISK_COMMAND, HAS_DATA_VOLUME_COMMAND, etcdLeaderEndpoint, isolateScript, killDaemonCommand, liftCutScript, liftIsolateScript, signalPostgresCommand, slowNetworkCommands } from '../chaos/node-faults.js';
import { writesRecovered, type WriteLog } from '../chaos/checked-writer.js';
import { checkTable } from '../chaos/checker/check-history.js';
import { readHistoryFile } from '../chaos/checker/history-reader.js';
import type { Isolation } from '../chaos/checker/isolation-promises.js';
import { anomaliesCell, checkLines, msCell, runCheckOf, staleCell, type WorkloadKind } from '../chaos/run-check.js';
import { prepareWorkload, startWorkload, writeHistoryFile, type RunWorkload } from '../chaos/run-workload.js';
import { HAPROXY_PRIMARY_PORT, HAPROXY_REPLICA_PORT } from '../lab/roles/haproxy.js';
import { replicationOf } from '../lab/topology.js';
import { resolve } from 'node:path';
import { processTree } from '../common/process-tree.js';
import { liftPartitionScript, partitionScript } from '../chaos/partition.js';
import { roleImageDir } from '../lab/image.js';
import { execIn, killMachine, machineProcess, stopMachine } from '../lab/machine.js';
import { machinesOf, type Topology } from '../lab/topology.js';
import { labClientConfig, requireLabNetns } from './client-access.js';
import type { Step } from './graph/step.js';
import { runGraph } from './graph/scheduler.js';
import { deploySteps } from './deploy.js';
import { haManager, requireHaManager } from './ha-manager.js';
import { requireRunning } from './machine-access.js';
import { ensureMachine } from './machines.js';
import { readClusterState } from '../ha/lab-cluster-client.js';
import { requestRoleChange } from '../ha/role-change.js';
import { waitForHealthyCluster } from '../ha/wait-healthy.js';
import { formatTable } from '../common/text-table.js';
import { LiveRunFeed, machineByAddress } from './live-run-feed.js';

export { FAULTS, faultHelp, type Fault } from '../chaos/fault-catalog.js';

export interface ChaosOptions {
  fault: string;
  target?: string;
  writers: number;
  warmupMs: number;
  afterMs: number;
  repeat: number;
  /** How long a timed fault lasts. */
  forMs: number;
  /** `cut`: the machines to cut the target from. */
  from?: string[];
  /** slow-network: the egress rate (tc tbf syntax). */
  rate?: string;
  /** Step ids get this prefix, and the first run waits for step `after` (a matrix chains faults). */
  idPrefix?: string;
  after?: string;
  /** insert (default): unique ids; append: list-append transactions at `isolation`. Both are saved and checked as a history. */
  workload?: WorkloadKind;
  isolation?: Isolation;
  /** append: transactions a second over all writers (0: as fast as they go), live keys, readers through the replica port. */
  txnRate?: number;
  keys?: number;
  replicaReaders?: number;
  /** Where each run's history goes (default pglab-chaos-report). */
  historyDir?: string;
}

export interface ChaosResult {
  fault: Fault;
  runs: (RunReport & { target: string; checks: PromiseCheck[]; timeline: Timeline; phases: FailoverPhases | null })[];
  gap: ReturnType<typeof summarizeRuns>;
  newPrimaryAck: ReturnType<typeof summarizeRuns>;
}

function parseFault(f: string): Fault {
  if ((FAULTS as readonly string[]).includes(f)) return f as Fault;
  throw new UserError(`unknown fault "${f}"`, `faults are: ${faultHelp()}`);
}

interface InjectContext {
  primary: string;
  from: string[];
  rate: string;
}

const ipOf = (t: Topology, name: string) => {
  const ip = t.machines.find((m) => m.name === name)?.ip;
  if (!ip) throw new Error(`no address for ${name}`);
  return ip;
};

/** Stops (or continues) every process of a machine, its init first so nothing new is forked meanwhile. */
export function signalMachine(name: string, signal: 'SIGSTOP' | 'SIGCONT'): void {
  const leader = machineProcess(name)?.leaderPid;
  if (!leader) throw new Error(`${name} is not running`);
  for (const pid of processTree(leader)) {
    try {
      process.kill(pid, signal);
    } catch {
      // gone meanwhile
    }
  }
}

/** The machine of the current etcd leader. */
async function etcdLeader(t: Topology): Promise<string> {
  const members = machinesOf(t, 'etcd');
  const any = members[0];
  if (!any) throw new UserError('the topology has no etcd member');
  const endpoints = members.map((m) => `http://${m.ip}:2379`).join(',');
  const r = await execIn(any.name, ['etcdctl', `--endpoints=${endpoints}`, 'endpoint', 'status', '-w', 'json']);
  const endpoint = etcdLeaderEndpoint(r.stdout);
  const leader = members.find((m) => endpoint?.includes(`//${m.ip}:`));
  if (!leader) throw new Error(`no etcd member reports being the leader: ${r.stdout.slice(0, 200)}`);
  return leader.name;
}

/** Injects the fault; returns how to undo it when the fault itself must be lifted, else nothing. */
async function inject(t: Topology, fault: Fault, target: string, c: InjectContext): Promise<(() => Promise<void>) | void> {
  const nft = (script: string) => async () => void (await execIn(target, ['nft', '-f', '-'], { input: script }));
  switch (fault) {
    case 'kill':
    case 'etcd-leader':
      killMachine(target);
      return;
    case 'stop':
      await stopMachine(target);
      return;
    case 'postgres-kill':
      await execIn(target, ['sh', '-c', 'kill -9 $(head -1 /var/lib/postgresql/pglab/postmaster.pid)']);
      return;
    case 'partition': {
      // An etcd member as the target is cut off from the other members: a minority partition.
      const etcd = machinesOf(t, 'etcd').filter((m) => m.name !== target).map((m) => m.ip);
      await nft(partitionScript(etcd))();
      return nft(liftPartitionScript());
    }
    case 'cut-replication':
      await nft(cutScript([ipOf(t, c.primary)]))();
      return nft(liftCutScript());
    case 'cut':
      await nft(cutScript(c.from.map((n) => ipOf(t, n))))();
      return nft(liftCutScript());
    case 'isolate':
      await nft(isolateScript())();
      return nft(liftIsolateScript());
    case 'freeze-postgres':
      await execIn(target, signalPostgresCommand('STOP'));
      return async () => void (await execIn(target, signalPostgresCommand('CONT')));
    case 'pause':
      signalMachine(target, 'SIGSTOP');
      return async () => signalMachine(target, 'SIGCONT');
    case 'kill-daemon':
      await execIn(target, killDaemonCommand(haManager(t).unit));
      return;
    case 'slow-network': {
      const tc = slowNetworkCommands(c.rate);
      await execIn(target, tc.apply);
      return async () => void (await execIn(target, tc.lift));
    }
    case 'disk-full': {
      await execIn(target, FILL_DISK_COMMAND);
      return async () => void (await execIn(target, ['rm', '-f', DISK_FILLER]));
    }
    case 'etcd-quorum': {
      const members = machinesOf(t, 'etcd').map((m) => m.name).sort();
      const majority = members.slice(0, Math.floor(members.length / 2) + 1);
      for (const m of majority) await execIn(m, ['systemctl', 'stop', 'etcd']);
      return async () => {
        await Promise.all(majority.map((m) => execIn(m, ['systemctl', 'start', '--no-block', 'etcd'])));
      };
    }
    case 'switchover':
      // As `pglab switchover` does it: the fault's clock starts when an operator would press enter.
      await requestRoleChange(t, 'switchover', target || undefined, false, () => undefined);
      return;
    case 'deploy': {
      const results = await runGraph(deploySteps(t, true));
      for (const [id, r] of results) {
        if (r.status === 'failed') throw new Error(`rolling deploy failed at ${id}: ${describeError(r.error)}`);
        if (r.status === 'skipped') throw new Error(`rolling deploy skipped ${id}: ${r.reason}`);
      }
      return;
    }
    default: {
      const never: never = fault;
      throw new Error(`unhandled fault ${String(never)}`);
    }
  }
}

/** One chaos run as steps: healthy → writers + fault → heal → verify. */
export function chaosSteps(t: Topology, opts: ChaosOptions, result: ChaosResult): Step[] {
  const fault = parseFault(opts.fault);
  const spec = FAULT_SPECS[fault];
  if (opts.target !== undefined) requireRunning(opts.target, t);
  if (fault === 'partition' && machinesOf(t, 'etcd').every((m) => m.name === opts.target)) {
    throw new UserError(`${opts.target} is the only etcd member: there is nothing to cut it off from`, 'partition a PostgreSQL machine, or use a topology with 3 etcd members');
  }
  const from = opts.from ?? [];
  if (fault === 'slow-network' && opts.rate !== undefined && !/^\d+(\.\d+)?(bit|kbit|mbit|gbit)$/.test(opts.rate)) throw new UserError(`bad --rate "${opts.rate}"`, 'write it as tc does: 1mbit, 512kbit, 10mbit');
  if (fault === 'cut') {
    if (from.length === 0) throw new UserError('cut needs --from MACHINE[,MACHINE…]: the machines to cut the target from', 'e.g. pglab chaos cut pg0 --from etcd0,etcd1');
    for (const m of from) requireRunning(m, t);
  }
  if (fault === 'etcd-quorum' && machinesOf(t, 'etcd').length < 2) throw new UserError('etcd-quorum needs at least 2 etcd members', 'use the default topology (3 members)');
  if (fault === 'deploy') requireHaManager(t, 'pgdaemon', 'chaos deploy (a rolling `pglab deploy pgdaemon`)');
  // Time bounds come from the manager's own settings (tasks/ha-manager.ts); the safety promises are the same for all.
  const bounds = haManager(t).bounds(t);
  const failoverWaitMs = Math.max(60_000, bounds.ackAgainAfterFaultMs + 30_000);
  const connection = labClientConfig(t);
  const workload = opts.workload ?? 'insert';
  const isolation = opts.isolation ?? 'serializable';
  if (workload === 'insert' && (opts.replicaReaders ?? 0) > 0) throw new UserError('--replica-readers needs --workload append', 'the insert workload only writes');
  const workloadOptions = {
    kind: workload,
    connection,
    primaryPort: HAPROXY_PRIMARY_PORT,
    ...(opts.replicaReaders ? { replica: { connection: labClientConfig(t, true), port: HAPROXY_REPLICA_PORT, readers: opts.replicaReaders } } : {}),
    clients: opts.writers,
    isolation,
    txnRate: opts.txnRate ?? 0,
    keys: opts.keys ?? 16,
  };
  const steps: Step[] = [];
  for (let run = 1; run <= opts.repeat; run++) {
    const p = (s: string) => `${opts.idPrefix ?? ''}${opts.repeat > 1 ? `${s}:${run}` : s}`;
    let target = opts.target ?? '';
    let primary = '';
    let primaryAfterHeal = '';
    let faultAt = 0;
    let wallT0 = 0;
    let liftedAt: number | null = null;
    let dataDirBefore = '';
    const checks: PromiseCheck[] = [];
    let log: WriteLog | undefined;
    let writers: RunWorkload | undefined;
    let live: LiveRunFeed | undefined; // what `pglab ui` shows of this run
    steps.push(
      {
        id: p('healthy'),
        title: `Cluster healthy before the fault${opts.repeat > 1 ? ` (run ${run})` : ''}`,
        needs: run > 1 ? [`${opts.idPrefix ?? ''}verify:${run - 1}`] : opts.after ? [opts.after] : [],
        check: true,
        async run(ctx) {
          const s = await waitForHealthyCluster(t, { timeoutMs: 120_000, signal: ctx.signal, withHaproxy: true, onProblem: (m) => ctx.output(m) });
          primary = s.desired?.primary as string;
          const firstReplica = s.members.map((m) => m.node).filter((n) => n !== primary).sort()[0] ?? '';
          if (opts.target === undefined) {
            target = spec.target === 'primary' ? primary : spec.target === 'replica' ? firstReplica : spec.target === 'etcd-leader' ? await etcdLeader(t) : '';
          }
          if (fault === 'disk-full' && (await execIn(target, HAS_DATA_VOLUME_COMMAND, { allowFailure: true })).exitCode !== 0)
            throw new UserError(`${target} keeps its data on the machine's root file system (a lab made before data volumes): filling it would fill the host's disk`, `recreate the machine: pglab stop ${target}, then pglab start ${target} (its data is copied onto a volume of its own)`);
          if (fault === 'cut-replication' && target === primary) throw new UserError(`${target} is the primary: cut-replication cuts a replica from it`, 'name a replica, or leave the machine out');
          if (spec.keepsData && target && machinesOf(t, 'postgres').some((m) => m.name === target)) dataDirBefore = (await execIn(target, DATA_DIR_IDENTITY_COMMAND)).stdout.trim();
          await prepareWorkload(workload, connection);
          return `primary ${primary}; target ${target || '-'}`;
        },
      },
      {
        id: p('fault'),
        title: `${opts.writers} writers through haproxy, then ${fault}`,
        needs: [p('healthy')],
        check: true,
        async run(ctx) {
          const t0 = performance.now();
          wallT0 = Date.now();
          const w = (writers = startWorkload({ ...workloadOptions, t0 }));
          live = LiveRunFeed.start('chaos', `${fault}${target ? ` ${target}` : ''}${opts.repeat > 1 ? ` (run ${run} of ${opts.repeat})` : ''}`);
          const stopLive = live.followWrites(w.log, t0, wallT0, machineByAddress(t));
          let undo: (() => Promise<void>) | void = undefined;
          const expectFailover = spec.failover === 'required' && target === primary;
          try {
            await sleep(opts.warmupMs, undefined, { signal: ctx.signal });
            faultAt = performance.now() - t0;
            ctx.output(`${fault} ${target}`);
            live.mark('fault', `${fault} ${target}`.trim());
            undo = await inject(t, fault, target, { primary, from, rate: opts.rate ?? '1mbit' });
            if (spec.timed) {
              // The failover happens during the fault; the fault still lasts its whole time, then is undone.
              if (expectFailover) await waitForHealthyPrimary(t, target, ctx.signal, (m) => ctx.output(m), failoverWaitMs);
              const left = opts.forMs - (performance.now() - t0 - faultAt);
              if (left > 0) await sleep(left, undefined, { signal: ctx.signal });
              liftedAt = performance.now() - t0;
              await undo?.();
              undo = undefined;
              live.mark('heal', `${fault} lifted`);
              if (fault === 'cut-replication') {
                const streaming = await waitForStreaming(t, target, 30_000, ctx.signal);
                const ms = streaming ? performance.now() - t0 - liftedAt : null;
                const bound = bounds.streamAgainAfterHealMs;
                checks.push({ promise: `${target} streams again within ${bound / 1000} s of the heal`, kept: ms !== null && ms <= bound, evidence: ms === null ? 'not streaming 30 s after the heal' : `streaming ${(ms / 1000).toFixed(2)} s after the heal` });
              }
              await waitForHealthyPrimary(t, undefined, ctx.signal, (m) => ctx.output(m), failoverWaitMs);
            } else {
              // Keep writing until the cluster has a healthy primary again (a new one if the fault demands it).
              await waitForHealthyPrimary(t, expectFailover ? target : undefined, ctx.signal, (m) => ctx.output(m), failoverWaitMs);
            }
            // Then until the writers themselves got through (a restart in place leaves no new primary to wait for).
            await waitUntil('the writers to be acknowledged again', () => writesRecovered(w.log, faultAt) || notYet('no ack since the fault'), { timeoutMs: failoverWaitMs, signal: ctx.signal })
              .catch((e: unknown) => { if (!(e instanceof WaitTimeout)) throw e; }); // the analysis reports the gap
            await sleep(opts.afterMs, undefined, { signal: ctx.signal });
          } finally {
            log = await w.stop();
            stopLive();
            // Also on Ctrl-C or a failure: a cut, a freeze or a stopped etcd left in place would outlive the run.
            if (undo) await undo();
          }
          return `${log.acks.length} acked, ${log.failures.length} failed attempts`;
        },
      },
      {
        id: p('heal'),
        title: 'Heal: bring the machine back, wait until it rejoins',
        needs: [p('fault')],
        check: true,
        async run(ctx) {
          const m = t.machines.find((x) => x.name === target);
          const booted = m && spec.reboots ? await ensureMachine(m, t, roleImageDir(m.role, t), { signal: ctx.signal }) : 'nothing to restart';
          const healed = await waitForHealthyCluster(t, { timeoutMs: 120_000, signal: ctx.signal, withHaproxy: true, onProblem: (x) => ctx.output(x) }).catch((e: unknown) => {
            if (!(e instanceof WaitTimeout)) throw e;
            return e;
          });
          if (healed instanceof WaitTimeout) {
            // A cluster that does not heal is a broken promise of its own; the run's writes are still checked on
            // whatever primary serves (seen: Patroni 3.0.2 after freeze-postgres left a replica on a timeline ahead
            // of its primary).
            checks.push({ promise: 'every member healthy again within 120 s of the heal', kept: false, evidence: healed.lastReason ?? healed.message });
            const s = await readClusterState(t).catch(() => null);
            primaryAfterHeal = s?.desired?.primary ?? '';
            return `not healthy after 120 s: ${healed.lastReason ?? ''}`;
          }
          const s = healed;
          primaryAfterHeal = s.desired?.primary ?? '';
          live?.mark('note', 'healthy again');
          if (!target) return `primary ${primaryAfterHeal}; every member streaming`;
          const role = s.desired?.primary === target ? 'primary' : machinesOf(t, 'postgres').some((x) => x.name === target) ? 'a streaming replica' : 'back';
          return `${target}: ${booted}; ${target} is ${role}`;
        },
      },
      {
        id: p('verify'),
        title: 'Check every acknowledged write on the primary',
        needs: [p('heal')],
        check: true,
        async run() {
          if (!log) throw new Error('no write log');
          // The history, final read included, is saved; the verdict is the saved file's, as `pglab check` would give it.
          const file = resolve(opts.historyDir ?? 'pglab-chaos-report', `${fault}-${run}.history.jsonl`);
          writeHistoryFile(file, await (writers as RunWorkload).history());
          const replication = replicationOf(t);
          const checked = checkTable(await readHistoryFile(file), { isolation, replication, replicaPort: HAPROXY_REPLICA_PORT });
          const check = runCheckOf(checked, workload, file, `pglab check ${file} --isolation ${isolation} --replication ${replication}`);
          const lost = checked.lostAppends.map((l) => l.index);
          const report = analyzeRun(log, faultAt, lost);
          checks.push(...faultChecks(fault, { target, primary, primaryAfterHeal, dataDirBefore, dataDirAfter: dataDirBefore ? (await execIn(target, DATA_DIR_IDENTITY_COMMAND)).stdout.trim() : '', liftedAt, report, log }, bounds));
          // Role changes from the cluster's history, on the run's clock, for the timeline.
          const history = await readClusterState(t, { history: true }).then((s) => s.history ?? []).catch(() => []);
          const changes = history
            .map((h) => ({ atMs: Date.parse(h.decidedAt) - wallT0, label: `${h.kind} → ${h.to}` }))
            .filter((h) => h.atMs >= 0 && h.atMs <= (log?.acks.at(-1)?.ackAt ?? 0) + 5000);
          const phases = failoverPhases(history, wallT0 + faultAt);
          result.runs.push({ ...report, check, target: target || '-', checks, timeline: { ...ackTimeline(log, faultAt, liftedAt), roleChanges: changes, marks: check.marks }, phases });
          live?.end(checks.every((c) => c.kept) && report.splitBrainAcks === 0 && check.violations.length === 0);
          return `gap ${report.writeGapMs === null ? '-' : formatDuration(report.writeGapMs)}, lost ${report.lostAcked}, split-brain ${report.splitBrainAcks}, anomalies ${anomaliesCell(check)}`;
        },
      },
    );
  }
  return steps;
}

/** The promises of one fault beyond the writers' own (no split brain, nothing lost under sync), judged on a run. */
export function faultChecks(
  fault: Fault,
  r: { target: string; primary: string; primaryAfterHeal: string; dataDirBefore: string; dataDirAfter: string; liftedAt: number | null; report: RunReport; log: WriteLog },
  bounds: PromiseBounds = BOUNDS,
): PromiseCheck[] {
  const spec = FAULT_SPECS[fault];
  const out: PromiseCheck[] = [];
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  if (spec.keepsData && r.dataDirBefore) {
    const kept = r.dataDirAfter === r.dataDirBefore;
    out.push({ promise: `${r.target} keeps its data directory`, kept, evidence: kept ? 'PG_VERSION inode:generation unchanged' : `PG_VERSION inode:generation ${r.dataDirBefore} → ${r.dataDirAfter} (re-cloned)` });
  }
  if (spec.failover === 'forbidden') {
    const kept = r.primaryAfterHeal === r.primary;
    out.push({ promise: 'no failover', kept, evidence: kept ? `${r.primary} stayed the primary` : `primary ${r.primary} → ${r.primaryAfterHeal}` });
  }
  if (spec.failover === 'required' && r.target === r.primary) {
    // A write in flight when the fault landed may still be acknowledged; what counts is the new primary's first ack.
    const ms = r.report.firstAckOnNewPrimaryMs;
    const bound = bounds.ackAgainAfterFaultMs;
    out.push({ promise: `writes acknowledged by a new primary within ${bound / 1000} s of the ${fault}`, kept: ms !== null && ms <= bound, evidence: ms === null ? 'no ack on another node' : `first ack on the new primary ${s(ms)} after the fault` });
  }
  if (fault === 'etcd-quorum' && r.liftedAt !== null) {
    const lifted = r.liftedAt;
    const first = r.log.acks.filter((a) => a.ackAt >= lifted).reduce((m, a) => Math.min(m, a.ackAt), Infinity);
    const ms = Number.isFinite(first) ? first - lifted : null;
    const bound = bounds.ackAgainAfterQuorumMs;
    out.push({ promise: `writes acknowledged again within ${bound / 1000} s of etcd's quorum returning`, kept: ms !== null && ms <= bound, evidence: ms === null ? 'no ack after the quorum returned' : `first ack ${s(ms)} after etcd was started again` });
  }
  return out;
}

/** Waits until `node` reports streaming from its primary; false on timeout. */
async function waitForStreaming(t: Topology, node: string, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
  return waitUntil(`${node} to stream`, async () => {
    const s = await readClusterState(t).catch(() => undefined);
    return s?.members.find((m) => m.node === node)?.streaming ? true : notYet(s ? 'not streaming' : 'no status');
  }, { timeoutMs, signal }).catch((e: unknown) => {
    if (e instanceof WaitTimeout) return false;
    throw e;
  });
}

/** Waits for a healthy primary other than `notOn` (if given), through the view of a daemon that reaches etcd. */
async function waitForHealthyPrimary(t: Topology, notOn: string | undefined, signal: AbortSignal, say: (m: string) => void, timeoutMs = 60_000): Promise<void> {
  await waitUntil(`a healthy primary${notOn ? ` other than ${notOn}` : ''} after the fault`, async () => {
    const s = await readClusterState(t).catch(() => undefined);
    if (!s) return notYet('no status from the HA manager');
    const p = s.desired?.primary;
    const m = s.members.find((x) => x.node === p);
    if (p && p !== notOn && m?.role === 'primary' && m.pgUp) return true;
    return notYet(`waiting for a new primary (desired ${p ?? '-'})`);
  }, { timeoutMs, intervalMs: 200, signal, onReason: say });
}

export function formatChaos(r: ChaosResult): string {
  const header = ['RUN', 'TARGET', 'WRITE GAP', 'FAULT → ACK ON NEW PRIMARY', 'ACKED', 'FAILED', 'LOST ACKED', 'SPLIT-BRAIN', 'PRIMARY', 'STALE max / p99', '2-PRIMARIES WINDOW', 'ANOMALIES'];
  const rows = r.runs.map((x, i) => [
    String(i + 1),
    x.target,
    x.writeGapMs === null ? '-' : `${(x.writeGapMs / 1000).toFixed(2)}s`,
    x.firstAckOnNewPrimaryMs === null ? '-' : `${(x.firstAckOnNewPrimaryMs / 1000).toFixed(2)}s`,
    String(x.acked),
    String(x.failedAttempts),
    String(x.lostAcked),
    String(x.splitBrainAcks),
    `${x.primaryBefore ?? '-'} → ${x.primaryAfter ?? '-'}`,
    staleCell([x.check]),
    msCell(x.check?.primariesWindowMs),
    anomaliesCell(x.check),
  ]);
  const table = formatTable([header, ...rows], { freeLastColumn: true });
  const promises = r.runs.flatMap((x, i) => [...x.checks.map((c) => `run ${i + 1}: ${c.kept ? 'kept' : 'BROKEN'}: ${c.promise} (${c.evidence})`), ...checkLines(x.check, i + 1)]);
  // Where a failover's time went: etcd letting the lease go, the leader deciding, then promotion and haproxy.
  const sec = (ms: number | null) => (ms === null ? '-' : `${(ms / 1000).toFixed(2)} s`);
  const phases = r.runs.flatMap((x, i) =>
    x.phases ? [`run ${i + 1}: fault → failure seen ${sec(x.phases.detectedMs)} → decided ${sec(x.phases.decidedMs)} → first ack on the new primary ${sec(x.firstAckOnNewPrimaryMs)}`] : [],
  );
  const line = (what: string, g: ChaosResult['gap']) =>
    g ? `${what} over ${r.runs.length} run(s): min ${(g.min / 1000).toFixed(2)}s, median ${(g.median / 1000).toFixed(2)}s, max ${(g.max / 1000).toFixed(2)}s` : '';
  return [table, ...promises, ...phases, line('write gap', r.gap), line('fault → first ack on the new primary', r.newPrimaryAck)].filter(Boolean).join('\n');
}

export function chaosPreconditions(t: Topology): void {
  requireLabNetns();
  if (machinesOf(t, 'haproxy').length === 0) throw new UserError('chaos runs write through haproxy, and the topology has none');
}
