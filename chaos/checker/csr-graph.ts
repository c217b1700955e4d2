// A directed graph in compressed rows (offsets, targets, one relation bit per edge), built by running an edge
// generator twice, counting then filling: no edge list in between, so a few tens of millions of edges stay cheap.

/** Relations between transactions; each edge carries exactly one. */
export const WW = 1; // b appended right after a's append, to the same key
export const WR = 2; // b read a state that a's append produced
export const RW = 4; // a read a state that b's append then replaced (anti-dependency)
export const PROCESS = 8; // the same client ran a, then b
export const REALTIME = 16; // a completed before b began
export const DATA = WW | WR | RW;
export const REL_NAMES: Record<number, string> = { [WW]: 'ww', [WR]: 'wr', [RW]: 'rw', [PROCESS]: 'process', [REALTIME]: 'realtime' };

export interface Csr {
  n: number;
  offsets: Int32Array;
  targets: Int32Array;
  rels: Uint8Array;
}

export type EdgeSink = (from: number, to: number, rel: number) => void;

/** Calls `generate` twice with a sink; it must emit the same edges both times. Self-edges are dropped. */
export function buildCsr(n: number, generate: (emit: EdgeSink) => void): Csr {
  const offsets = new Int32Array(n + 1);
  generate((a, b) => {
    if (a !== b) offsets[a + 1]!++;
  });
  for (let i = 0; i < n; i++) offsets[i + 1]! += offsets[i] as number;
  const m = offsets[n] as number;
  const targets = new Int32Array(m);
  const rels = new Uint8Array(m);
  const fill = offsets.slice(0, n);
  generate((a, b, rel) => {
    if (a === b) return;
    const at = fill[a]!++;
    targets[at] = b;
    rels[at] = rel;
  });
  return { n, offsets, targets, rels };
}

/** The subgraph induced by `members` (global ids), renumbered 0..k-1 in their order. */
export function inducedSubgraph(g: Csr, members: ArrayLike<number>, scratch: Int32Array): Csr {
  const k = members.length;
  for (let i = 0; i < k; i++) scratch[members[i] as number] = i;
  const sub = buildCsr(k, (emit) => {
    for (let i = 0; i < k; i++) {
      const v = members[i] as number;
      for (let e = g.offsets[v] as number; e < (g.offsets[v + 1] as number); e++) {
        const w = scratch[g.targets[e] as number] as number;
        if (w !== -1) emit(i, w, g.rels[e] as number);
      }
    }
  });
  for (let i = 0; i < k; i++) scratch[members[i] as number] = -1;
  return sub;
}
