// `pglab chaos kill mongoN`: power off one replica set member and time the election — from the kill until a survivor
// says it is the writable PRIMARY (its `hello`, every 50 ms) — then boot it again and wait until it is a member again.
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError } from '../common/errors.js';
import { roleImageDir } from '../lab/image.js';
import { killMachine } from '../lab/machine.js';
import { helloAll, helloOn, memberClient, memberState, MONGO_PORT, requireMongoMachines } from '../lab/roles/mongo/index.js';
import { machinesOf, type Topology } from '../lab/topology.js';
import type { Step } from './graph/step.js';
import { requireRunning } from './machine-access.js';
import { ensureMachine } from './machines.js';

export const ELECTION_POLL_MS = 50;

export interface MongoChaosRun {
  target: string;
  /** What the target was when it was killed. */
  targetWas: string;
  primaryBefore: string;
  primaryAfter: string | null;
  /** Kill → a survivor reports PRIMARY; null when the target was not the primary (no election needed). */
  electionMs: number | null;
  /** The target booted again until it reported SECONDARY or PRIMARY. */
  rejoinMs: number | null;
}

/** Whether `pglab chaos FAULT MACHINE` is about a mongo machine: by the topology, or by the name on a lab without any. */
export function isMongoChaos(t: Topology, machine: string | undefined): boolean {
  if (!machine) return false;
  return machinesOf(t, 'mongo').some((m) => m.name === machine) || /^mongo\d+$/.test(machine);
}

const hostOf = (t: Topology, name: string): string => `${t.machines.find((m) => m.name === name)!.ip}:${MONGO_PORT}`;
const nameOf = (t: Topology, host: string): string => machinesOf(t, 'mongo').find((m) => `${m.ip}:${MONGO_PORT}` === host)?.name ?? host;

async function primaryOf(t: Topology): Promise<string | null> {
  for (const [host, hello] of await helloAll(machinesOf(t, 'mongo').map((m) => `${m.ip}:${MONGO_PORT}`))) if (hello?.isWritablePrimary) return nameOf(t, host);
  return null;
}

/** The first survivor to say PRIMARY, polled every 50 ms on connections opened before the kill. */
async function waitForPrimary(t: Topology, survivors: string[], timeoutMs: number, signal: AbortSignal): Promise<string> {
  const clients = await Promise.all(survivors.map((s) => memberClient(hostOf(t, s), 1000)));
  try {
    await Promise.all(clients.map((c) => c.connect().catch(() => undefined)));
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      signal.throwIfAborted();
      const replies = await Promise.all(clients.map((c) => helloOn(c)));
      const i = replies.findIndex((h) => h?.isWritablePrimary);
      if (i >= 0) return survivors[i]!;
      await sleep(ELECTION_POLL_MS);
    }
    throw new Error(`no survivor became PRIMARY within ${timeoutMs / 1000} s`);
  } finally {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  }
}

export function mongoChaosSteps(t: Topology, fault: string, target: string, repeat: number, runs: MongoChaosRun[]): Step[] {
  requireMongoMachines(t);
  if (fault !== 'kill') throw new UserError(`${fault} is a PostgreSQL fault; a mongo machine can only be killed`, `pglab chaos kill ${target}`);
  const m = machinesOf(t, 'mongo').find((x) => x.name === target);
  if (!m) throw new UserError(`there is no machine named "${target}"`, `the mongo machines are: ${machinesOf(t, 'mongo').map((x) => x.name).join(', ')}`);
  requireRunning(target, t);
  const survivors = machinesOf(t, 'mongo').filter((x) => x.name !== target).map((x) => x.name);
  const steps: Step[] = [];
  for (let i = 1; i <= repeat; i++) {
    const p = (s: string) => (repeat > 1 ? `${s}:${i}` : s);
    const run: MongoChaosRun = { target, targetWas: '', primaryBefore: '', primaryAfter: null, electionMs: null, rejoinMs: null };
    steps.push(
      {
        id: p('mongo-healthy'),
        title: `Replica set rs0 has a PRIMARY${repeat > 1 ? ` (run ${i})` : ''}`,
        needs: i > 1 ? [`mongo-heal:${i - 1}`] : [],
        check: true,
        async run(ctx) {
          const deadline = Date.now() + 60_000;
          for (;;) {
            const primary = await primaryOf(t);
            if (primary) {
              run.primaryBefore = primary;
              break;
            }
            if (Date.now() > deadline) throw new Error('rs0 has no PRIMARY (see pglab status)');
            ctx.output('waiting for a PRIMARY');
            await sleep(200, undefined, { signal: ctx.signal });
          }
          run.targetWas = memberState((await helloAll([hostOf(t, target)])).get(hostOf(t, target)) ?? null);
          return `PRIMARY ${run.primaryBefore}; ${target} is ${run.targetWas}`;
        },
      },
      {
        id: p('mongo-kill'),
        title: `SIGKILL ${target}'s PID 1, time the election`,
        needs: [p('mongo-healthy')],
        check: true,
        async run(ctx) {
          const t0 = performance.now();
          killMachine(target);
          if (run.targetWas !== 'PRIMARY') {
            run.primaryAfter = (await primaryOf(t)) ?? null;
            return `${target} was ${run.targetWas}: no election needed; PRIMARY ${run.primaryAfter ?? 'none'}`;
          }
          run.primaryAfter = await waitForPrimary(t, survivors, 60_000, ctx.signal);
          run.electionMs = performance.now() - t0;
          return `new PRIMARY ${run.primaryAfter} ${(run.electionMs / 1000).toFixed(2)} s after the kill`;
        },
      },
      {
        id: p('mongo-heal'),
        title: `Heal: boot ${target}, wait until it is a member again`,
        needs: [p('mongo-kill')],
        check: true,
        async run(ctx) {
          const t0 = performance.now();
          await ensureMachine(m, t, roleImageDir('mongo'), { signal: ctx.signal });
          const deadline = Date.now() + 120_000;
          for (;;) {
            const state = memberState((await helloAll([hostOf(t, target)])).get(hostOf(t, target)) ?? null);
            if (state === 'SECONDARY' || state === 'PRIMARY') {
              run.rejoinMs = performance.now() - t0;
              runs.push(run);
              return `${target} is ${state} again after ${(run.rejoinMs / 1000).toFixed(1)} s`;
            }
            if (Date.now() > deadline) throw new Error(`${target} is ${state} 120 s after booting`);
            ctx.output(`${target}: ${state}`);
            await sleep(250, undefined, { signal: ctx.signal });
          }
        },
      },
    );
  }
  return steps;
}

export function formatMongoChaos(runs: MongoChaosRun[]): string {
  const lines = runs.map(
    (r, i) =>
      `run ${i + 1}: ${r.target} (${r.targetWas}) killed; ${r.electionMs === null ? `no election, PRIMARY ${r.primaryAfter ?? 'none'}` : `election ${(r.electionMs / 1000).toFixed(2)} s: PRIMARY ${r.primaryBefore} → ${r.primaryAfter}`}; back as a member after ${r.rejoinMs === null ? '-' : `${(r.rejoinMs / 1000).toFixed(1)} s`}`,
  );
  const times = runs.map((r) => r.electionMs).filter((x): x is number => x !== null).sort((a, b) => a - b);
  if (times.length > 0) lines.push(`election over ${times.length} run(s): min ${(times[0]! / 1000).toFixed(2)} s, median ${(times[Math.floor(times.length / 2)]! / 1000).toFixed(2)} s, max ${(times.at(-1)! / 1000).toFixed(2)} s (polling hello every ${ELECTION_POLL_MS} ms)`);
  return lines.join('\n');
}
