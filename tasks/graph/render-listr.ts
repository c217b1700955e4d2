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
  if (opts.plain) {
    const printer = plainPrinter(steps);
    const timer = setInterval(() => printer.tick(), 1000);
    try {
      return await runGraph(steps, { ...opts, onEvent: printer.onEvent });
    } finally {
      clearInterval(timer);
    }
  }
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

export interface PlainPrinterOptions {
  print?: (line: string) => void;
  now?: () => number;
  /** A running step says something at least this often (its latest output line, or that it still runs). */
  everyMs?: number;
}

/**
 * Plain mode: a line when a step starts and one when it ends, with its duration; in between, every
 * `everyMs`, a line per running step with its latest output, so CI logs show a long step is alive.
 */
export function plainPrinter(steps: readonly Step[], o: PlainPrinterOptions = {}): { onEvent: (e: StepEvent) => void; tick: () => void } {
  const print = o.print ?? ((line: string) => console.log(line));
  const now = o.now ?? (() => performance.now());
  const everyMs = o.everyMs ?? 5000;
  const titles = new Map(steps.map((s) => [s.id, s.title] as const));
  const running = new Map<string, { since: number; said: number; latest?: string }>();
  return {
    onEvent(e) {
      const title = titles.get(e.id) ?? e.id;
      if (e.type === 'started') {
        running.set(e.id, { since: now(), said: now() });
        print(`▶ ${title}`);
      } else if (e.type === 'output') {
        const r = running.get(e.id);
        if (r) r.latest = e.line;
      } else if (e.type === 'finished') {
        running.delete(e.id);
        const o = e.outcome;
        if (o.status === 'succeeded') print(`✔ ${title}${o.message ? `: ${o.message}` : ''} (${formatDuration(o.ms)})`);
        else if (o.status === 'failed') print(`✖ ${title}: ${describeError(o.error)} (${formatDuration(o.ms)})`);
        else print(`↓ ${title}: skipped (${o.reason})`);
      }
    },
    tick() {
      const t = now();
      for (const [id, r] of running) {
        if (t - r.said < everyMs) continue;
        r.said = t;
        const what = r.latest === undefined ? 'still running' : r.latest.trim().slice(0, 200);
        print(`… ${titles.get(id) ?? id}: ${what} (${formatDuration(t - r.since)})`);
        r.latest = undefined;
      }
    },
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
