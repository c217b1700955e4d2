// Runs a verb's step graph the way every long command does: --dry-run prints
// it, --skip/--only shape it, Ctrl-C stops it cleanly, a summary closes it.
import { describeError, UserError } from '../common/errors.js';
import { runGraphWithListr, summarize } from './graph/render-listr.js';
import type { Step } from './graph/step.js';
import { GraphError, topologicalOrder, withDependencies } from './graph/validate-graph.js';
import type { ScheduleResult } from './graph/scheduler.js';
import { printJson, stdoutReservedForJson } from './json-stdout.js';

export interface GraphFlags {
  dryRun?: boolean;
  plain?: boolean;
  skip?: string[];
  only?: string[];
}

/** Matches a step by id, or every step of a group: `machine` matches `machine:pg0`. */
function expand(steps: readonly Step[], names: readonly string[], flag: string): string[] {
  return names.flatMap((name) => {
    const hits = steps.filter((s) => s.id === name || s.id.startsWith(name + ':')).map((s) => s.id);
    if (hits.length === 0) {
      throw new UserError(`${flag} ${name}: there is no such step`, `steps are: ${steps.map((s) => s.id).join(', ')}`);
    }
    return hits;
  });
}

export function dryRunText(steps: readonly Step[]): string {
  const byId = new Map(steps.map((s) => [s.id, s] as const));
  return topologicalOrder(steps)
    .map((id) => {
      const s = byId.get(id) as Step;
      const needs = s.needs?.length ? `  (after ${s.needs.join(', ')})` : '';
      const cmds = (s.describe?.() ?? []).map((c) => `    $ ${c}`);
      return [`● ${s.id}: ${s.title}${needs}`, ...cmds].join('\n');
    })
    .join('\n');
}

/** One step's outcome, for `--json`. */
export interface StepReport {
  id: string;
  title: string;
  status: 'succeeded' | 'failed' | 'skipped' | 'not run';
  /** What it did (succeeded), why it failed, or why it was skipped. */
  message: string | null;
  ms: number | null;
}

export function stepReports(steps: readonly Step[], results: ScheduleResult): StepReport[] {
  return steps.map((s) => {
    const r = results.get(s.id);
    if (!r) return { id: s.id, title: s.title, status: 'not run', message: null, ms: null };
    if (r.status === 'succeeded') return { id: s.id, title: s.title, status: r.status, message: r.message ?? null, ms: r.ms ?? null };
    if (r.status === 'failed') return { id: s.id, title: s.title, status: r.status, message: describeError(r.error), ms: r.ms ?? null };
    return { id: s.id, title: s.title, status: r.status, message: r.reason, ms: null };
  });
}

/** Returns the process exit code: 0 success, 1 failure, 130 interrupted. */
export async function runSteps(all: Step[], flags: GraphFlags): Promise<{ code: number; changed: boolean; steps?: StepReport[] }> {
  let steps = all;
  try {
    topologicalOrder(steps);
    if (flags.only?.length) {
      const keep = withDependencies(steps, expand(steps, flags.only, '--only'));
      steps = steps.filter((s) => keep.has(s.id));
    }
  } catch (err) {
    if (err instanceof GraphError) throw new UserError(err.message);
    throw err;
  }
  const assumeDone = new Set(flags.skip?.length ? expand(steps, flags.skip, '--skip') : []);
  if (flags.dryRun) {
    if (stdoutReservedForJson()) {
      printJson({ dryRun: true, steps: topologicalOrder(steps).map((id) => steps.find((s) => s.id === id) as Step).map((s) => ({ id: s.id, title: s.title, needs: s.needs ?? [], skipped: assumeDone.has(s.id), commands: assumeDone.has(s.id) ? [] : (s.describe?.() ?? []) })) });
      return { code: 0, changed: false };
    }
    console.log(dryRunText(steps.map((s) => (assumeDone.has(s.id) ? { ...s, title: `${s.title} [skipped]`, describe: () => [] } : s))));
    return { code: 0, changed: false };
  }

  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write('\ninterrupted: stopping after the running steps clean up (Ctrl-C again to force)\n');
      controller.abort();
    } else {
      process.stderr.write('forced exit: run the same command again to repair, or pglab destroy\n');
      process.exit(130);
    }
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  // A closed terminal must not leave a fault in place either: every step's finally runs.
  process.on('SIGHUP', onSigint);
  const t0 = performance.now();
  // The live tree draws on stdout, which --json keeps for the document: one line per step on stderr instead.
  const plain = flags.plain || !process.stdout.isTTY || !!process.env.CI || stdoutReservedForJson();
  try {
    const results = await runGraphWithListr(steps, { plain, signal: controller.signal, assumeDone });
    const summary = summarize(steps, results, performance.now() - t0);
    const changed = steps.some((s) => {
      const r = results.get(s.id);
      return !s.check && !assumeDone.has(s.id) && r?.status === 'succeeded' && !r.message?.startsWith('unchanged');
    });
    console.log(summary.text);
    if (controller.signal.aborted) {
      console.log('interrupted: run the same command again to finish, or `pglab destroy` to remove what was made');
      return { code: 130, changed };
    }
    return { code: summary.ok ? 0 : 1, changed, steps: stepReports(steps, results) };
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    process.off('SIGHUP', onSigint);
  }
}
