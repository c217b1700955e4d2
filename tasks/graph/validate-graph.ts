// Checks a step graph before anything runs: unique ids, known dependencies, no cycles.
import type { Step } from './step.js';

export class GraphError extends Error {
  override readonly name = 'GraphError';
}

/** Returns the ids in an order where every step comes after what it needs. */
export function topologicalOrder(steps: readonly Step[]): string[] {
  const byId = new Map<string, Step>();
  for (const step of steps) {
    if (byId.has(step.id)) throw new GraphError(`two steps are named "${step.id}"`);
    byId.set(step.id, step);
  }
  for (const step of steps) {
    for (const need of step.needs ?? []) {
      if (!byId.has(need)) throw new GraphError(`step "${step.id}" needs "${need}", which does not exist`);
    }
  }
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, path: string[]): void => {
    const seen = state.get(id);
    if (seen === 'done') return;
    if (seen === 'visiting') throw new GraphError(`steps depend on each other in a cycle: ${[...path, id].join(' → ')}`);
    state.set(id, 'visiting');
    for (const need of byId.get(id)?.needs ?? []) visit(need, [...path, id]);
    state.set(id, 'done');
    order.push(id);
  };
  for (const step of steps) visit(step.id, []);
  return order;
}

/** The steps `only` names plus everything they need, transitively. */
export function withDependencies(steps: readonly Step[], only: readonly string[]): Set<string> {
  const byId = new Map(steps.map((s) => [s.id, s] as const));
  const keep = new Set<string>();
  const add = (id: string): void => {
    if (keep.has(id)) return;
    const step = byId.get(id);
    if (!step) throw new GraphError(`there is no step "${id}"`);
    keep.add(id);
    for (const need of step.needs ?? []) add(need);
  };
  for (const id of only) add(id);
  return keep;
}
