// Runs a step graph: each step starts once what it needs has succeeded, up to
// `concurrency` at once; a failure skips its dependents; an abort skips what
// has not started and lets running steps wind down through their signal.
import type { Step, StepContext, StepEvent, StepOutcome } from './step.js';
import { topologicalOrder } from './validate-graph.js';

export interface ScheduleOptions {
  concurrency?: number;
  signal?: AbortSignal;
  /** Steps treated as already done (`--skip`): they succeed without running. */
  assumeDone?: ReadonlySet<string>;
  onEvent?: (event: StepEvent) => void;
}

export type ScheduleResult = Map<string, StepOutcome>;

export async function runGraph(steps: readonly Step[], opts: ScheduleOptions = {}): Promise<ScheduleResult> {
  const order = topologicalOrder(steps);
  const byId = new Map(steps.map((s) => [s.id, s] as const));
  const concurrency = Math.max(1, opts.concurrency ?? Infinity);
  const emit = opts.onEvent ?? (() => {});
  const signal = opts.signal ?? new AbortController().signal;
  const results: ScheduleResult = new Map();
  const started = new Set<string>();
  let running = 0;

  return new Promise<ScheduleResult>((resolveAll) => {
    const finish = (id: string, outcome: StepOutcome): void => {
      results.set(id, outcome);
      emit({ type: 'finished', id, outcome });
    };

    // Decides, in graph order, what can start, what must be skipped, and whether we are done.
    const pump = (): void => {
      for (const id of order) {
        if (started.has(id) || results.has(id)) continue;
        const step = byId.get(id) as Step;
        const needs = step.needs ?? [];
        const broken = needs.find((n) => {
          const r = results.get(n);
          return r !== undefined && r.status !== 'succeeded';
        });
        if (broken !== undefined) {
          const r = results.get(broken) as StepOutcome;
          finish(id, { status: 'skipped', reason: r.status === 'failed' ? `${broken} failed` : `${broken} was skipped` });
          continue;
        }
        if (signal.aborted) {
          finish(id, { status: 'skipped', reason: 'cancelled' });
          continue;
        }
        if (!needs.every((n) => results.get(n)?.status === 'succeeded')) continue;
        if (opts.assumeDone?.has(id)) {
          started.add(id);
          finish(id, { status: 'succeeded', message: 'skipped (--skip)', ms: 0 });
          continue;
        }
        if (running >= concurrency) continue;
        start(step);
      }
      if (results.size === order.length) resolveAll(results);
    };

    const start = (step: Step): void => {
      started.add(step.id);
      running++;
      emit({ type: 'started', id: step.id });
      const ctx: StepContext = {
        signal,
        output: (line) => emit({ type: 'output', id: step.id, line }),
        setTitle: (title) => emit({ type: 'title', id: step.id, title }),
      };
      const t0 = performance.now();
      // A step that throws synchronously must fail like one that rejects.
      Promise.resolve()
        .then(() => step.run(ctx))
        .then(
          (message) => finish(step.id, { status: 'succeeded', message: message ?? undefined, ms: performance.now() - t0 }),
          (error: unknown) => finish(step.id, { status: 'failed', error, ms: performance.now() - t0 }),
        )
        .finally(() => {
          running--;
          pump();
        });
    };

    for (const id of order) {
      const waitingOn = (byId.get(id)?.needs ?? []).slice();
      if (waitingOn.length > 0) emit({ type: 'waiting', id, on: waitingOn });
    }
    signal.addEventListener('abort', pump, { once: true });
    pump();
  });
}
