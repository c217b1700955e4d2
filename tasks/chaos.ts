// `pglab chaos FAULT [MACHINE]`: break something while checked writers run
// through haproxy, bring it back, and report the write gap, lost acknowledged
// writes and split-brain acks.
import { setTimeout as sleep } from 'node:timers/promises';
import { describeError, UserError } from '../common/errors.js';
import { formatDuration } from '../common/duration.js';
import { analyzeRun, summarizeRuns, type PromiseCheck, type RunReport } from '../chaos/analyze-run.js';
import { cutScript, DATA_DIR_IDENTITY_COMMAND, KILL_DAEMON_COMMAND, liftCutScript, signalPostgresCommand } from '../chaos/node-faults.js';
import { missingAcked, prepareTable, startWriters } from '../chaos/checked-writer.js';
import { liftPartitionScript, partitionScript } from '../chaos/partition.js';
import { imageDir } from '../lab/image.js';
import { execIn, killMachine, stopMachine } from '../lab/machine.js';
import { machinesOf, type Topology } from '../lab/topology.js';
import { labClientConfig, requireLabNetns } from './client-access.js';
import type { Step } from './graph/step.js';
import { runGraph } from './graph/scheduler.js';
import { deploySteps } from './deploy.js';
import { requireRunning } from './machine-access.js';
import { ensureMachine } from './machines.js';
import { pgdaemonCli, readClusterState } from './pgdaemon/cluster-state.js';
import { waitForHealthyCluster } from './pgdaemon/wait-healthy.js';

export const FAULTS = ['kill', 'stop', 'postgres-kill', 'partition', 'switchover', 'deploy', 'cut-replication', 'freeze-postgres', 'kill-daemon'] as const;
export type Fault = (typeof FAULTS)[number];

const FAULT_HELP: Record<Fault, string> = {
  kill: "SIGKILL the machine's PID 1 (power loss)",
  stop: 'shut the machine down cleanly',
  'postgres-kill': 'kill -9 the PostgreSQL postmaster on the machine (the daemon survives)',
  partition: 'cut the machine off from every (other) etcd member while clients and replicas still reach it; lifted once a healthy primary serves',
  switchover: 'planned switchover to MACHINE (default: the best replica)',
  deploy: 'rolling restart of pgdaemon on every node, as `pglab deploy pgdaemon --restart`',
  'cut-replication': 'drop all traffic between a replica (default: the first one) and the primary for --for; promise: the replica keeps its data directory and streams again within 5 s of the heal',
  'freeze-postgres': 'SIGSTOP every PostgreSQL process of the machine for --for (a hung database, the daemon alive); promise: writes acknowledged again within 5 s of the freeze',
  'kill-daemon': 'SIGKILL pgdaemon only (systemd restarts it); promise: no write acknowledged by two primaries',
};

/** Bounds this lab promises (docs/pgdaemon.md, promises table). */
const STREAM_AGAIN_WITHIN_MS = 5000;
const ACK_AGAIN_AFTER_FREEZE_WITHIN_MS = 5000;

export function faultHelp(): string {
  return FAULTS.map((f) => `${f}: ${FAULT_HELP[f]}`).join('; ');
}

export interface ChaosOptions {
  fault: string;
  target?: string;
  writers: number;
  warmupMs: number;
  afterMs: number;
  repeat: number;
  /** How long a timed fault (cut-replication, freeze-postgres) lasts. */
  forMs: number;
}

export interface ChaosResult {
  fault: Fault;
  runs: (RunReport & { target: string; checks: PromiseCheck[] })[];
  gap: ReturnType<typeof summarizeRuns>;
  newPrimaryAck: ReturnType<typeof summarizeRuns>;
}

function parseFault(f: string): Fault {
  if ((FAULTS as readonly string[]).includes(f)) return f as Fault;
  throw new UserError(`unknown fault "${f}"`, `faults are: ${faultHelp()}`);
}

/** Injects the fault; returns how to undo it when the fault itself must be lifted (a partition), else nothing. */
async function inject(t: Topology, fault: Fault, target: string, primary: string): Promise<(() => Promise<void>) | void> {
  switch (fault) {
    case 'cut-replication': {
      const ip = t.machines.find((m) => m.name === primary)?.ip;
      if (!ip) throw new Error(`no address for the primary ${primary}`);
      await execIn(target, ['nft', '-f', '-'], { input: cutScript(ip) });
      return async () => void (await execIn(target, ['nft', '-f', '-'], { input: liftCutScript() }));
    }
    case 'freeze-postgres':
      await execIn(target, signalPostgresCommand('STOP'));
      return async () => void (await execIn(target, signalPostgresCommand('CONT')));
    case 'kill-daemon':
      await execIn(target, KILL_DAEMON_COMMAND);
      return;
    case 'kill':
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
      await execIn(target, ['nft', '-f', '-'], { input: partitionScript(etcd) });
      return async () => void (await execIn(target, ['nft', '-f', '-'], { input: liftPartitionScript() }));
    }
    case 'switchover':
      await pgdaemonCli(t, ['switchover', ...(target ? ['--to', target] : []), '--wait', '60s'], { timeoutMs: 70_000 });
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
  if (opts.target !== undefined) requireRunning(opts.target, t);
  if (fault === 'partition' && machinesOf(t, 'etcd').every((m) => m.name === opts.target)) {
    throw new UserError(`${opts.target} is the only etcd member: there is nothing to cut it off from`, 'partition a PostgreSQL machine, or use a topology with 3 etcd members');
  }
  const connection = labClientConfig(t);
  const steps: Step[] = [];
  for (let run = 1; run <= opts.repeat; run++) {
    const p = (s: string) => (opts.repeat > 1 ? `${s}:${run}` : s);
    let target = opts.target ?? '';
    let primary = '';
    let faultAt = 0;
    let dataDirBefore = '';
    const checks: PromiseCheck[] = [];
    let log: Awaited<ReturnType<ReturnType<typeof startWriters>['stop']>> | undefined;
    steps.push(
      {
        id: p('healthy'),
        title: `Cluster healthy before the fault${opts.repeat > 1 ? ` (run ${run})` : ''}`,
        needs: run > 1 ? [`verify:${run - 1}`] : [],
        check: true,
        async run(ctx) {
          const s = await waitForHealthyCluster(t, { timeoutMs: 120_000, signal: ctx.signal, withHaproxy: true, onProblem: (m) => ctx.output(m) });
          // A switchover's target is where the primary goes; a cut hits a replica; other faults the primary.
          primary = s.desired?.primary as string;
          const firstReplica = s.members.map((m) => m.node).filter((n) => n !== primary).sort()[0];
          target = opts.target ?? (fault === 'switchover' || fault === 'deploy' ? '' : fault === 'cut-replication' ? (firstReplica ?? '') : primary);
          if (fault === 'cut-replication' && target === primary) throw new UserError(`${target} is the primary: cut-replication cuts a replica from it`, 'name a replica, or leave the machine out');
          if (target && machinesOf(t, 'postgres').some((m) => m.name === target)) dataDirBefore = (await execIn(target, DATA_DIR_IDENTITY_COMMAND)).stdout.trim();
          await prepareTable(connection);
          return `primary ${s.desired?.primary}; target ${target}`;
        },
      },
      {
        id: p('fault'),
        title: `${opts.writers} writers through haproxy, then ${fault}`,
        needs: [p('healthy')],
        check: true,
        async run(ctx) {
          const t0 = performance.now();
          const writers = startWriters({ connection, clients: opts.writers, t0 });
          let undo: (() => Promise<void>) | void = undefined;
          try {
            await sleep(opts.warmupMs, undefined, { signal: ctx.signal });
            faultAt = performance.now() - t0;
            ctx.output(`${fault} ${target}`);
            undo = await inject(t, fault, target, primary);
            if (fault === 'cut-replication') {
              await sleep(opts.forMs, undefined, { signal: ctx.signal });
              await undo?.();
              undo = undefined;
              const healedAt = performance.now();
              const streaming = await waitForStreaming(t, target, 30_000, ctx.signal);
              const ms = streaming ? performance.now() - healedAt : null;
              checks.push({ promise: `${target} streams again within ${STREAM_AGAIN_WITHIN_MS / 1000} s of the heal`, kept: ms !== null && ms <= STREAM_AGAIN_WITHIN_MS, evidence: ms === null ? 'not streaming 30 s after the heal' : `streaming ${(ms / 1000).toFixed(2)} s after the heal` });
            } else {
              // Keep writing until the cluster has a healthy primary again, then a little longer.
              const gone = fault === 'kill' || fault === 'stop' || fault === 'partition' || fault === 'freeze-postgres' ? target : undefined;
              await waitForHealthyPrimary(t, gone, ctx.signal, (m) => ctx.output(m));
              if (fault === 'freeze-postgres') {
                // The freeze lasts its full time even when the failover was quicker; then thaw what is left.
                const left = opts.forMs - (performance.now() - t0 - faultAt);
                if (left > 0) await sleep(left, undefined, { signal: ctx.signal });
                await undo?.();
                undo = undefined;
              }
              await sleep(opts.afterMs, undefined, { signal: ctx.signal });
            }
          } finally {
            log = await writers.stop();
            // Also on Ctrl-C or a failure: a partition left in place would outlive the run.
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
          const booted = m && (fault === 'kill' || fault === 'stop') ? await ensureMachine(m, t, imageDir(), ctx.signal) : 'nothing to restart';
          const s = await waitForHealthyCluster(t, { timeoutMs: 120_000, signal: ctx.signal, withHaproxy: true, onProblem: (x) => ctx.output(x) });
          if (!target) return `primary ${s.desired?.primary}; every member streaming`;
          return `${target}: ${booted}; ${target} is ${s.desired?.primary === target ? 'primary' : 'a streaming replica'}`;
        },
      },
      {
        id: p('verify'),
        title: 'Check every acknowledged write on the primary',
        needs: [p('heal')],
        check: true,
        async run() {
          if (!log) throw new Error('no write log');
          const lost = await missingAcked(connection, log.acks);
          const report = analyzeRun(log, faultAt, lost);
          if (dataDirBefore) {
            const after = (await execIn(target, DATA_DIR_IDENTITY_COMMAND)).stdout.trim();
            if (fault === 'cut-replication' || fault === 'freeze-postgres')
              checks.push({ promise: `${target} keeps its data directory`, kept: after === dataDirBefore, evidence: after === dataDirBefore ? 'PG_VERSION inode unchanged' : `PG_VERSION inode ${dataDirBefore} → ${after} (re-cloned)` });
          }
          if (fault === 'freeze-postgres') {
            // A write in flight when the signal landed may still be acknowledged; what counts is the new primary's first
            // ack (or, if the freeze ended before any failover, the longest gap).
            const ms = report.firstAckOnNewPrimaryMs ?? report.writeGapMs;
            const what = report.firstAckOnNewPrimaryMs !== null ? 'first ack on the new primary' : 'longest write gap';
            checks.push({ promise: `writes acknowledged again within ${ACK_AGAIN_AFTER_FREEZE_WITHIN_MS / 1000} s of the freeze`, kept: ms !== null && ms <= ACK_AGAIN_AFTER_FREEZE_WITHIN_MS, evidence: ms === null ? 'no ack after the freeze' : `${what} ${(ms / 1000).toFixed(2)} s after the freeze` });
          }
          result.runs.push({ ...report, target: target || '-', checks });
          return `gap ${report.writeGapMs === null ? '-' : formatDuration(report.writeGapMs)}, lost ${report.lostAcked}, split-brain ${report.splitBrainAcks}`;
        },
      },
    );
  }
  return steps;
}

/** Waits until `node` reports streaming from its primary; false on timeout. */
async function waitForStreaming(t: Topology, node: string, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    signal.throwIfAborted();
    const s = await readClusterState(t).catch(() => undefined);
    if (s?.members.find((m) => m.node === node)?.streaming) return true;
    await sleep(100);
  }
  return false;
}

/** Waits for a healthy primary other than `notOn` (if given), through the view of a daemon that reaches etcd. */
async function waitForHealthyPrimary(t: Topology, notOn: string | undefined, signal: AbortSignal, say: (m: string) => void): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    signal.throwIfAborted();
    const s = await readClusterState(t).catch(() => undefined);
    if (s) {
      const p = s.desired?.primary;
      const m = s.members.find((x) => x.node === p);
      if (p && p !== notOn && m?.role === 'primary' && m.pgUp) return;
      say(`waiting for a new primary (desired ${p ?? '-'})`);
    } else {
      say('waiting for pgdaemon status');
    }
    await sleep(200);
  }
  throw new Error('no healthy primary 60s after the fault');
}

export function formatChaos(r: ChaosResult): string {
  const header = ['RUN', 'TARGET', 'WRITE GAP', 'FAULT → ACK ON NEW PRIMARY', 'ACKED', 'FAILED', 'LOST ACKED', 'SPLIT-BRAIN', 'PRIMARY'];
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
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const table = [header, ...rows].map((row) => row.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
  const promises = r.runs.flatMap((x, i) => x.checks.map((c) => `run ${i + 1}: ${c.kept ? 'kept' : 'BROKEN'}: ${c.promise} (${c.evidence})`));
  const line = (what: string, g: ChaosResult['gap']) =>
    g ? `${what} over ${r.runs.length} run(s): min ${(g.min / 1000).toFixed(2)}s, median ${(g.median / 1000).toFixed(2)}s, max ${(g.max / 1000).toFixed(2)}s` : '';
  return [table, ...promises, line('write gap', r.gap), line('fault → first ack on the new primary', r.newPrimaryAck)].filter(Boolean).join('\n');
}

export function chaosPreconditions(t: Topology): void {
  requireLabNetns();
  if (machinesOf(t, 'haproxy').length === 0) throw new UserError('chaos runs write through haproxy, and the topology has none');
}
