import { describe, expect, it } from 'vitest';
import { runGraph } from '../../../tasks/graph/scheduler.js';
import type { Step, StepEvent } from '../../../tasks/graph/step.js';
import { GraphError, topologicalOrder, withDependencies } from '../../../tasks/graph/validate-graph.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A step that records when it ran and optionally fails or waits. */
function step(id: string, needs: string[] = [], opts: { ms?: number; fail?: boolean; log?: string[] } = {}): Step {
  return {
    id,
    title: id,
    needs,
    async run(ctx) {
      opts.log?.push(`start ${id}`);
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, opts.ms ?? 5);
        ctx.signal.addEventListener('abort', () => {
          clearTimeout(t);
          reject(new Error(`${id} aborted`));
        });
      });
      opts.log?.push(`end ${id}`);
      if (opts.fail) throw new Error(`${id} broke`);
    },
  };
}

describe('runGraph', () => {
  it('starts a step only after everything it needs has finished', async () => {
    const log: string[] = [];
    await runGraph([step('machines', ['image', 'network'], { log }), step('image', [], { log, ms: 20 }), step('network', [], { log })]);
    expect(log.indexOf('start machines')).toBeGreaterThan(log.indexOf('end image'));
    expect(log.indexOf('start machines')).toBeGreaterThan(log.indexOf('end network'));
  });

  it('runs independent steps at the same time', async () => {
    const log: string[] = [];
    await runGraph([step('a', [], { log, ms: 30 }), step('b', [], { log, ms: 30 })]);
    expect(log.slice(0, 2).sort()).toEqual(['start a', 'start b']);
  });

  it('never runs more than `concurrency` steps at once', async () => {
    let running = 0;
    let peak = 0;
    const counted = (id: string): Step => ({
      id,
      title: id,
      async run() {
        running++;
        peak = Math.max(peak, running);
        await sleep(10);
        running--;
      },
    });
    const results = await runGraph(['a', 'b', 'c', 'd', 'e'].map(counted), { concurrency: 2 });
    expect(peak).toBe(2);
    expect([...results.values()].every((r) => r.status === 'succeeded')).toBe(true);
  });

  it('skips the dependents of a failed step, transitively, and runs the rest', async () => {
    const results = await runGraph([
      step('image', [], { fail: true }),
      step('machines', ['image']),
      step('etcd', ['machines']),
      step('network', []),
    ]);
    expect(results.get('image')?.status).toBe('failed');
    expect(results.get('machines')).toEqual({ status: 'skipped', reason: 'image failed' });
    expect(results.get('etcd')).toEqual({ status: 'skipped', reason: 'machines was skipped' });
    expect(results.get('network')?.status).toBe('succeeded');
  });

  it('fails a step that throws synchronously instead of crashing the run', async () => {
    const bad: Step = {
      id: 'bad',
      title: 'bad',
      run() {
        throw new Error('sync throw');
      },
    };
    const results = await runGraph([bad, step('after', ['bad'])]);
    expect(results.get('bad')?.status).toBe('failed');
    expect(results.get('after')?.status).toBe('skipped');
  });

  it('on abort, lets running steps see the signal and skips those not started', async () => {
    const ac = new AbortController();
    const promise = runGraph([step('slow', [], { ms: 5_000 }), step('next', ['slow'])], { signal: ac.signal });
    await sleep(20);
    ac.abort();
    const results = await promise;
    expect(results.get('slow')?.status).toBe('failed');
    expect(results.get('next')).toEqual({ status: 'skipped', reason: 'cancelled' });
  });

  it('skips everything when aborted before start', async () => {
    const ac = new AbortController();
    ac.abort();
    const results = await runGraph([step('a'), step('b', ['a'])], { signal: ac.signal });
    expect(results.get('a')).toEqual({ status: 'skipped', reason: 'cancelled' });
    expect(results.get('b')?.status).toBe('skipped');
  });

  it('treats --skip steps as done without running them', async () => {
    const log: string[] = [];
    const results = await runGraph([step('image', [], { log }), step('machines', ['image'], { log })], {
      assumeDone: new Set(['image']),
    });
    expect(log).toEqual(['start machines', 'end machines']);
    expect(results.get('image')?.status).toBe('succeeded');
  });

  it('reports progress events in order for each step', async () => {
    const events: StepEvent[] = [];
    const s: Step = {
      id: 'x',
      title: 'x',
      async run(ctx) {
        ctx.output('half way');
        return 'unchanged';
      },
    };
    await runGraph([s], { onEvent: (e) => events.push(e) });
    expect(events.map((e) => e.type)).toEqual(['started', 'output', 'finished']);
    const last = events.at(-1);
    expect(last?.type === 'finished' && last.outcome.status === 'succeeded' && last.outcome.message).toBe('unchanged');
  });
});

describe('graph validation', () => {
  it('rejects a cycle and names it', () => {
    expect(() => topologicalOrder([step('a', ['b']), step('b', ['a'])])).toThrow(/cycle: a → b → a/);
  });

  it('rejects a dependency on a step that does not exist', () => {
    expect(() => topologicalOrder([step('a', ['nope'])])).toThrow(GraphError);
  });

  it('rejects two steps with one name', () => {
    expect(() => topologicalOrder([step('a'), step('a')])).toThrow(/two steps are named "a"/);
  });

  it('--only keeps the named step and what it needs, nothing else', () => {
    const steps = [step('image'), step('network'), step('pg0', ['image', 'network']), step('etcd0', ['image', 'network'])];
    expect([...withDependencies(steps, ['pg0'])].sort()).toEqual(['image', 'network', 'pg0']);
    expect(() => withDependencies(steps, ['pg9'])).toThrow(/there is no step "pg9"/);
  });
});
