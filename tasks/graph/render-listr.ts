// Shows a running step graph with Listr2: a live spinner list with timings on a
// TTY, one line per step otherwise (CI, pipes, --plain). Listr2 only renders;
// the order comes from the scheduler, which each Listr task mirrors.
import { Listr, type ListrTaskWrapper } from 'listr2';
import { describeError } from '../../common/errors.js';
import { formatDuration } from '../../common/duration.js';
import { runGraph, type ScheduleOptions, type ScheduleResult } from './scheduler.js';
import type { Step, StepEvent, StepOutcome } from './step.js';
import { topologicalOrder } from './validate-graph.js';

export interface RenderOptions extends Omit<ScheduleOptions, 'onEvent'> {
  /** One line per step instead of the live tree. */
  plain: boolean;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyTask = ListrTaskWrapper<any, any, any>;

interface Mirror {
  title: string;
  task?: AnyTask;
  pending: StepEvent[];
  outcome: Promise<StepOutcome>;
  settle: (o: StepOutcome) => void;
}

export async function runGraphWithListr(steps: readonly Step[], opts: RenderOptions): Promise<ScheduleResult> {
  if (opts.plain) return runGraph(steps, { ...opts, onEvent: plainPrinter(steps) });
  const order = topologicalOrder(steps);
  const byId = new Map(steps.map((s) => [s.id, s] as const));
  const mirrors = new Map<string, Mirror>();
  for (const id of order) {
    let settle!: (o: StepOutcome) => void;
    const outcome = new Promise<StepOutcome>((r) => (settle = r));
    mirrors.set(id, { title: (byId.get(id) as Step).title, pending: [], outcome, settle });
  }

  const apply = (m: Mirror, e: StepEvent): void => {
    if (!m.task) {
      m.pending.push(e);
      return;
    }
    if (e.type === 'output') m.task.output = e.line;
    else if (e.type === 'title') m.task.title = e.title;
    else if (e.type === 'waiting') m.task.output = `waiting for ${e.on.join(', ')}`;
    else if (e.type === 'started') m.task.output = '';
  };

  const listr = new Listr(
    order.map((id) => {
      const m = mirrors.get(id) as Mirror;
      return {
        title: m.title,
        task: async (_ctx: unknown, task: AnyTask) => {
          m.task = task;
          for (const e of m.pending.splice(0)) apply(m, e);
          const outcome = await m.outcome;
          // The step's own duration: Listr's timer would count the wait for dependencies too.
          if (outcome.status === 'succeeded') {
            task.title = `${outcome.message ? `${m.title}: ${outcome.message}` : m.title} (${formatDuration(outcome.ms)})`;
          } else if (outcome.status === 'skipped') {
            task.skip(`${m.title} (skipped: ${outcome.reason})`);
          } else {
            throw new Error(describeError(outcome.error));
          }
        },
      };
    }),
    {
      concurrent: true,
      exitOnError: false,
      registerSignalListeners: false,
      renderer: 'default',
      rendererOptions: { collapseErrors: false, collapseSkips: false, showErrorMessage: true },
      // A failure is reported by the caller's summary; Listr must not throw it again.
      collectErrors: false,
    } as ConstructorParameters<typeof Listr>[1],
  );

  const rendering = listr.run().catch(() => undefined);
  const results = await runGraph(steps, {
    ...opts,
    onEvent: (e) => {
      const m = mirrors.get(e.id);
      if (!m) return;
      if (e.type === 'finished') m.settle(e.outcome);
      else apply(m, e);
    },
  });
  await rendering;
  return results;
}

/** Plain mode: a line when a step starts and one when it ends, with its duration. */
function plainPrinter(steps: readonly Step[]): (e: StepEvent) => void {
  const titles = new Map(steps.map((s) => [s.id, s.title] as const));
  return (e) => {
    const title = titles.get(e.id) ?? e.id;
    if (e.type === 'started') console.log(`▶ ${title}`);
    else if (e.type === 'finished') {
      const o = e.outcome;
      if (o.status === 'succeeded') console.log(`✔ ${title}${o.message ? `: ${o.message}` : ''} (${formatDuration(o.ms)})`);
      else if (o.status === 'failed') console.log(`✖ ${title}: ${describeError(o.error)} (${formatDuration(o.ms)})`);
      else console.log(`↓ ${title}: skipped (${o.reason})`);
    }
  };
}

/** The closing summary: what failed and why, what was skipped. */
export function summarize(steps: readonly Step[], results: ScheduleResult, elapsedMs: number): { ok: boolean; text: string } {
  const lines: string[] = [];
  let failed = 0;
  let skipped = 0;
  for (const step of steps) {
    const r = results.get(step.id);
    if (r?.status === 'failed') {
      failed++;
      const aborted = r.error instanceof Error && r.error.name === 'AbortError';
      lines.push(`✖ ${step.id}: ${aborted ? 'interrupted' : describeError(r.error)}`);
    } else if (r?.status === 'skipped') {
      skipped++;
      if (r.reason !== 'cancelled') lines.push(`↓ ${step.id}: skipped because ${r.reason}`);
    }
  }
  const ok = failed === 0 && skipped === 0;
  const head = ok
    ? `done: ${steps.length} steps in ${formatDuration(elapsedMs)}`
    : `${failed} failed, ${skipped} skipped of ${steps.length} steps (${formatDuration(elapsedMs)})`;
  return { ok, text: [head, ...lines].join('\n') };
}
