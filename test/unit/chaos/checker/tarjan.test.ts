// Strongly connected components, on graphs deep enough to overflow a recursive search.
import { describe, expect, it } from 'vitest';
import { buildCsr, RW, WW } from '../../../../chaos/checker/csr-graph.js';
import { stronglyConnected } from '../../../../chaos/checker/tarjan.js';

describe('stronglyConnected', () => {
  it('finds one component in a million-node ring without overflowing the stack', () => {
    const n = 1_000_000;
    const g = buildCsr(n, (emit) => {
      for (let i = 0; i < n; i++) emit(i, (i + 1) % n, WW);
    });
    const { cyclic } = stronglyConnected(g, WW);
    expect(cyclic).toHaveLength(1);
    expect(cyclic[0]?.length).toBe(n);
  });

  it('ignores edges outside the mask, and single nodes', () => {
    const g = buildCsr(4, (emit) => {
      emit(0, 1, WW);
      emit(1, 0, RW);
      emit(2, 3, WW);
      emit(3, 2, WW);
    });
    expect(stronglyConnected(g, WW).cyclic.map((c) => [...c].sort())).toEqual([[2, 3]]);
    expect(stronglyConnected(g, WW | RW).cyclic).toHaveLength(2);
  });
});
