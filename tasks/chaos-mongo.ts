// `pglab chaos kill|stop|pause|isolate mongoN` (or `mongo-kill` … for the current PRIMARY): the replica set's side of
// chaos. Checked writers insert into rs0 with w: majority and with w: 1 while a member is broken, then every
// acknowledged id is looked for on the PRIMARY: write gap, first ack on the new primary, lost and split-brain acks per
// write concern, judged like the PostgreSQL runs (chaos/analyze-run.ts).
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError } from '../common/errors.js';
import { notYet, waitUntil } from '../common/wait-until.js';
import { formatTable } from '../common/text-table.js';
import { ackTimeline, analyzeRun, summarizeRuns, type PromiseCheck, type RunReport, type Timeline, type WritePromises } from '../chaos/analyze-run.js';
import { writesRecovered, type WriteLog } from '../chaos/checked-writer.js';
import { FAULT_SPECS } from '../chaos/fault-catalog.js';
import { missingMongoAcked, MONGO_WRITE_CONCERNS, prepareMongoCollection, startMongoWriters, type MongoWriteConcern } from '../chaos/mongo-checked-writer.js';
import { isolateScript, liftIsolateScript } from '../chaos/node-faults.js';
import { roleImageDir } from '../lab/image.js';
import { execIn, killMachine, stopMachine } from '../lab/machine.js';
import { helloAll, installedServer, labMongoUri, memberState, MONGO_PORT, rejoined, requireMongoMachines, serverName } from '../lab/roles/mongo/index.js';
import { machinesOf, type Topology } from '../lab/topology.js';
import { signalMachine, type ChaosOptions } from './chaos.js';
import type { Step } from './graph/step.js';
import { requireRunning } from './machine-access.js';
import { ensureMachine } from './machines.js';

export const MONGO_FAULTS = ['kill', 'stop', 'pause', 'isolate'] as const;
export type MongoFault = (typeof MONGO_FAULTS)[number];

/** The names `pglab chaos` and the matrix take for a fault on the replica set's PRIMARY: mongo-kill, mongo-pause, … */
export const MONGO_MATRIX_FAULTS = MONGO_FAULTS.map((f) => `mongo-${f}` as const);
/** The matrix's default: the three faults that move the PRIMARY in different ways (stop is a polite kill). */
export const MONGO_MATRIX_DEFAULT_FAULTS = ['mongo-kill', 'mongo-pause', 'mongo-isolate'] as const;

export const MONGO_PROMISES: Record<MongoWriteConcern, WritePromises> = {
  majority: { noLoss: 'a majority had them in its journal (w: majority, j: true)', noSplitBrain: true },
  // MongoDB promises neither for w: 1: an old primary may acknowledge until it steps down, and its last writes roll back.
  1: { noLoss: null, noSplitBrain: false },
};

/** The PostgreSQL run's options that apply to the replica set; `target` absent: the PRIMARY; `writers` per write concern. */
export interface MongoChaosOptions extends Pick<ChaosOptions, 'fault' | 'target' | 'writers' | 'warmupMs' | 'afterMs' | 'repeat' | 'forMs' | 'idPrefix' | 'after'> {
  concerns?: readonly MongoWriteConcern[];
}

export type MongoRunReport = RunReport & {
  target: string;
  concern: MongoWriteConcern;
  /** Promises beyond the writers' (none yet for the replica set). */
  checks: PromiseCheck[];
  timeline: Timeline;
  /** From the fault until a survivor said it is the writable PRIMARY (its `hello`); null when no election was needed. */
  newPrimarySeenMs: number | null;
};

export interface MongoChaosResult {
  fault: MongoFault;
  /** The server that ran, as every output names it. */
  server: string;
  runs: MongoRunReport[];
}

/** `kill mongo0`, or `mongo-kill`: the fault on the replica set, or null when it is a PostgreSQL run. */
export function mongoFaultOf(t: Topology, fault: string, machine: string | undefined): MongoFault | null {
  if (fault.startsWith('mongo-')) return parseMongoFault(fault.slice('mongo-'.length), fault);
  if (!machine) return null;
  const isMongo = machinesOf(t, 'mongo').some((m) => m.name === machine) || /^mongo\d+$/.test(machine);
  return isMongo ? parseMongoFault(fault, fault) : null;
}

function parseMongoFault(f: string, given: string): MongoFault {
  if ((MONGO_FAULTS as readonly string[]).includes(f)) return f as MongoFault;
  throw new UserError(`${given} is not a fault for a MongoDB member`, `a mongo machine can be: ${MONGO_FAULTS.join(', ')} (or mongo-kill, mongo-pause, … for the PRIMARY)`);
}

const hostOf = (t: Topology, name: string): string => `${t.machines.find((m) => m.name === name)!.ip}:${MONGO_PORT}`;
const nameOf = (t: Topology, host: string): string => machinesOf(t, 'mongo').find((m) => `${m.ip}:${MONGO_PORT}` === host)?.name ?? host;

/** The member that says it is the writable PRIMARY, other than `not`; NotYet with what the members say. */
async function primaryOtherThan(t: Topology, not: string | undefined) {
  const replies = await helloAll(machinesOf(t, 'mongo').filter((m) => m.name !== not).map((m) => `${m.ip}:${MONGO_PORT}`), 1000);
  for (const [host, hello] of replies) if (hello?.isWritablePrimary) return nameOf(t, host);
  return notYet([...replies].map(([h, hello]) => `${nameOf(t, h)} ${memberState(hello)}`).join(', '));
}

/** Injects the fault; returns how to lift it when it must be lifted. */
async function inject(fault: MongoFault, target: string): Promise<(() => Promise<void>) | void> {
  switch (fault) {
    case 'kill':
      killMachine(target);
      return;
    case 'stop':
      await stopMachine(target);
      return;
    case 'pause':
      signalMachine(target, 'SIGSTOP');
      return async () => signalMachine(target, 'SIGCONT');
    case 'isolate':
      await execIn(target, ['nft', '-f', '-'], { input: isolateScript() });
      return async () => void (await execIn(target, ['nft', '-f', '-'], { input: liftIsolateScript() }));
    default: {
      const never: never = fault;
      throw new Error(`unhandled fault ${String(never)}`);
    }
  }
}

/** One mongo chaos run as steps: a PRIMARY → writers + fault → heal → every acknowledged write checked. */
export function mongoChaosSteps(t: Topology, o: MongoChaosOptions, result: MongoChaosResult): Step[] {
  requireMongoMachines(t);
  const fault = parseMongoFault(o.fault.replace(/^mongo-/, ''), o.fault);
  const members = machinesOf(t, 'mongo');
  if (o.target !== undefined) {
    if (!members.some((m) => m.name === o.target)) throw new UserError(`there is no mongo machine named "${o.target}"`, `the mongo machines are: ${members.map((m) => m.name).join(', ')}`);
    requireRunning(o.target, t);
  }
  if (members.length < 3) throw new UserError(`a replica set of ${members.length} member(s) cannot elect a new PRIMARY when one is broken`, 'use machines.mongo: 3 in the topology');
  const spec = FAULT_SPECS[fault];
  const concerns = o.concerns ?? MONGO_WRITE_CONCERNS;
  const uri = labMongoUri(t, 'pglab_bench');
  const installed = installedServer();
  result.server = installed ? serverName(installed) : 'MongoDB (server unknown: run pglab machines)';
  const steps: Step[] = [];
  for (let run = 1; run <= o.repeat; run++) {
    const p = (s: string) => `${o.idPrefix ?? ''}${o.repeat > 1 ? `${s}:${run}` : s}`;
    let target = o.target ?? '';
    let primary = '';
    let faultAt = 0;
    let liftedAt: number | null = null;
    let newPrimarySeenMs: number | null = null;
    const logs = new Map<MongoWriteConcern, WriteLog>();
    steps.push(
      {
        id: p('mongo-healthy'),
        title: `Replica set rs0 has a PRIMARY and every member${o.repeat > 1 ? ` (run ${run})` : ''}`,
        needs: run > 1 ? [`${o.idPrefix ?? ''}mongo-verify:${run - 1}`] : o.after ? [o.after] : [],
        check: true,
        async run(ctx) {
          primary = await waitUntil('a PRIMARY in rs0', () => primaryOtherThan(t, undefined), { timeoutMs: 60_000, intervalMs: 200, signal: ctx.signal, onReason: (r) => ctx.output(r) });
          await waitUntil(
            'every member PRIMARY or SECONDARY',
            async () => {
              const states = [...(await helloAll(members.map((m) => `${m.ip}:${MONGO_PORT}`), 1000))].map(([h, hello]) => [nameOf(t, h), memberState(hello)] as const);
              return states.every(([, s]) => s === 'PRIMARY' || s === 'SECONDARY') || notYet(states.map(([n, s]) => `${n} ${s}`).join(', '));
            },
            { timeoutMs: 120_000, intervalMs: 250, signal: ctx.signal, onReason: (r) => ctx.output(r) },
          );
          if (o.target === undefined) target = primary;
          await prepareMongoCollection(uri);
          return `PRIMARY ${primary}; target ${target}`;
        },
      },
      {
        id: p('mongo-fault'),
        title: `${o.writers} writer(s) per write concern (${concerns.map((c) => `w: ${c}`).join(', ')}) on rs0, then ${fault}`,
        needs: [p('mongo-healthy')],
        check: true,
        async run(ctx) {
          const t0 = performance.now();
          const writers = concerns.map((concern, i) => [concern, startMongoWriters({ uri, clients: o.writers, t0, concern, clientBase: i * 100 })] as const);
          let undo: (() => Promise<void>) | void = undefined;
          try {
            await sleep(o.warmupMs, undefined, { signal: ctx.signal });
            faultAt = performance.now() - t0;
            ctx.output(`${fault} ${target}`);
            undo = await inject(fault, target);
            if (target === primary) {
              // The election: until a survivor says PRIMARY (MongoDB's election timeout is 10 s by default).
              await waitUntil('a new PRIMARY', () => primaryOtherThan(t, target), { timeoutMs: 90_000, intervalMs: 100, signal: ctx.signal, onReason: (r) => ctx.output(`waiting for a new PRIMARY: ${r}`) });
              newPrimarySeenMs = performance.now() - t0 - faultAt;
            }
            if (spec.timed) {
              const left = o.forMs - (performance.now() - t0 - faultAt);
              if (left > 0) await sleep(left, undefined, { signal: ctx.signal });
              liftedAt = performance.now() - t0;
              await undo?.();
              undo = undefined;
            }
            // Then until every group of writers got through whatever the fault did to them.
            await waitUntil('the writers to be acknowledged again', () => writers.every(([, w]) => writesRecovered(w.log, faultAt)) || notYet('a writer has not been acknowledged since its last failure'), {
              timeoutMs: 60_000,
              intervalMs: 100,
              signal: ctx.signal,
            });
            await sleep(o.afterMs, undefined, { signal: ctx.signal });
          } finally {
            for (const [concern, w] of writers) logs.set(concern, await w.stop());
            // Also on Ctrl-C or a failure: a frozen or isolated member left in place would outlive the run.
            if (undo) await undo();
          }
          return [...logs].map(([c, l]) => `w: ${c} ${l.acks.length} acked, ${l.failures.length} failed attempts`).join('; ');
        },
      },
      {
        id: p('mongo-heal'),
        title: `Heal: ${spec.reboots ? 'boot the member again, ' : ''}wait until it is a member again`,
        needs: [p('mongo-fault')],
        check: true,
        async run(ctx) {
          const m = members.find((x) => x.name === target)!;
          const booted = spec.reboots ? await ensureMachine(m, t, roleImageDir('mongo', t), { signal: ctx.signal }) : 'not rebooted';
          const state = await waitUntil(
            `${target} to be PRIMARY, or SECONDARY replicating the PRIMARY's term`,
            async () => {
              const hellos = await helloAll(members.map((x) => hostOf(t, x.name)), 1000);
              const primary = [...hellos.values()].find((h) => memberState(h) === 'PRIMARY') ?? null;
              const r = rejoined(hellos.get(hostOf(t, target)) ?? null, primary);
              return 'state' in r ? r.state : notYet(r.notYet);
            },
            { timeoutMs: 120_000, intervalMs: 250, signal: ctx.signal, onReason: (r) => ctx.output(`${target}: ${r}`) },
          );
          return `${target}: ${booted}; ${state}`;
        },
      },
      {
        id: p('mongo-verify'),
        title: 'Look for every acknowledged write on the PRIMARY (read concern majority)',
        needs: [p('mongo-heal')],
        check: true,
        async run() {
          const out: string[] = [];
          for (const [concern, log] of logs) {
            const lost = await missingMongoAcked(uri, log.acks);
            const report = analyzeRun(log, faultAt, lost);
            result.runs.push({ ...report, target, concern, checks: [], timeline: ackTimeline(log, faultAt, liftedAt), newPrimarySeenMs });
            out.push(`w: ${concern}: gap ${report.writeGapMs === null ? '-' : `${(report.writeGapMs / 1000).toFixed(2)} s`}, lost ${report.lostAcked}, split-brain ${report.splitBrainAcks}`);
          }
          return out.join('; ');
        },
      },
    );
  }
  return steps;
}

const sec = (ms: number | null) => (ms === null ? '-' : `${(ms / 1000).toFixed(2)}s`);

/** The runs as one table (a row per run and write concern), the server named, then min/median/max per concern. */
export function formatMongoChaos(r: MongoChaosResult): string {
  const header = ['RUN', 'TARGET', 'WRITES', 'WRITE GAP', 'FAULT → ACK ON NEW PRIMARY', 'NEW PRIMARY SEEN', 'ACKED', 'FAILED', 'LOST ACKED', 'SPLIT-BRAIN', 'PRIMARY'];
  const concerns = [...new Set(r.runs.map((x) => x.concern))];
  const rows = r.runs.map((x) => [
    String(r.runs.filter((y) => y.concern === x.concern).indexOf(x) + 1),
    x.target,
    `w: ${x.concern}`,
    sec(x.writeGapMs),
    sec(x.firstAckOnNewPrimaryMs),
    sec(x.newPrimarySeenMs),
    String(x.acked),
    String(x.failedAttempts),
    String(x.lostAcked),
    String(x.splitBrainAcks),
    `${x.primaryBefore ?? '-'} → ${x.primaryAfter ?? '-'}`,
  ]);
  const summaries = concerns.flatMap((c) => {
    const runs = r.runs.filter((x) => x.concern === c);
    const g = summarizeRuns(runs);
    return g ? [`w: ${c}: write gap over ${runs.length} run(s): min ${sec(g.min)}, median ${sec(g.median)}, max ${sec(g.max)}; lost ${runs.reduce((n, x) => n + x.lostAcked, 0)}`] : [];
  });
  return [`${r.fault} on ${r.server}`, formatTable([header, ...rows]), ...summaries].join('\n');
}
