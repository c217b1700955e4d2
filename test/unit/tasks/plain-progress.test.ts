import { describe, expect, it } from 'vitest';
import { plainPrinter } from '../../../tasks/graph/render-listr.js';
import type { Step } from '../../../tasks/graph/step.js';

const step = (id: string, title: string): Step => ({ id, title, run: async () => undefined });

function printer() {
  let t = 0;
  const lines: string[] = [];
  const p = plainPrinter([step('image', 'Base image'), step('load', 'Load IMDb')], { print: (l) => lines.push(l), now: () => t, everyMs: 5000 });
  const at = (ms: number) => {
    t = ms;
    p.tick();
  };
  return { p, lines, at };
}

describe('plain output (CI, pipes)', () => {
  it('shows a long step is alive with its latest output line at least every 5 s', () => {
    const { p, lines, at } = printer();
    p.onEvent({ type: 'started', id: 'image' });
    p.onEvent({ type: 'output', id: 'image', line: 'I: Retrieving Packages' });
    p.onEvent({ type: 'output', id: 'image', line: 'I: Validating Packages' });
    at(4000);
    expect(lines).toEqual(['▶ Base image']);
    at(5000);
    at(6000);
    expect(lines).toEqual(['▶ Base image', '… Base image: I: Validating Packages (5.0s)']);
  });

  it('says "still running" when the step printed nothing new', () => {
    const { p, lines, at } = printer();
    p.onEvent({ type: 'started', id: 'load' });
    at(5000);
    at(10_000);
    expect(lines.slice(1)).toEqual(['… Load IMDb: still running (5.0s)', '… Load IMDb: still running (10.0s)']);
  });

  it('stops once the step finished', () => {
    const { p, lines, at } = printer();
    p.onEvent({ type: 'started', id: 'load' });
    p.onEvent({ type: 'finished', id: 'load', outcome: { status: 'succeeded', message: '9 rows', ms: 3000 } });
    at(20_000);
    expect(lines).toEqual(['▶ Load IMDb', '✔ Load IMDb: 9 rows (3.0s)']);
  });
});
