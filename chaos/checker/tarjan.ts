// Strongly connected components by Tarjan's algorithm, iterative: a million transactions in one long chain
// would overflow the call stack of the recursive version.
import type { Csr } from './csr-graph.js';

export interface Components {
  /** Component of each node. */
  comp: Int32Array;
  /** Components with more than one node (a cycle runs through each), as lists of nodes. */
  cyclic: Int32Array[];
}

/** Components of `g` using only edges whose relation is in `mask`. */
export function stronglyConnected(g: Csr, mask: number): Components {
  const { n, offsets, targets, rels } = g;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack = new Int32Array(n);
  const callNode = new Int32Array(n);
  const callEdge = new Int32Array(n);
  const comp = new Int32Array(n).fill(-1);
  const cyclic: Int32Array[] = [];
  let sp = 0;
  let counter = 0;
  let comps = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    let csp = 0;
    index[root] = low[root] = counter++;
    stack[sp++] = root;
    onStack[root] = 1;
    callNode[csp] = root;
    callEdge[csp++] = offsets[root] as number;
    while (csp > 0) {
      const v = callNode[csp - 1] as number;
      const end = offsets[v + 1] as number;
      let e = callEdge[csp - 1] as number;
      let descended = false;
      for (; e < end; e++) {
        if (((rels[e] as number) & mask) === 0) continue;
        const w = targets[e] as number;
        if (index[w] === -1) {
          callEdge[csp - 1] = e + 1;
          index[w] = low[w] = counter++;
          stack[sp++] = w;
          onStack[w] = 1;
          callNode[csp] = w;
          callEdge[csp++] = offsets[w] as number;
          descended = true;
          break;
        }
        if (onStack[w] && (index[w] as number) < (low[v] as number)) low[v] = index[w] as number;
      }
      if (descended) continue;
      if (low[v] === index[v]) {
        let size = 0;
        let w: number;
        do {
          w = stack[--sp] as number;
          onStack[w] = 0;
          comp[w] = comps;
          size++;
        } while (w !== v);
        if (size > 1) cyclic.push(stack.slice(sp, sp + size));
        comps++;
      }
      csp--;
      if (csp > 0) {
        const u = callNode[csp - 1] as number;
        if ((low[v] as number) < (low[u] as number)) low[u] = low[v] as number;
      }
    }
  }
  return { comp, cyclic };
}
