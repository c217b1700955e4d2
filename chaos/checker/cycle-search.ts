// Finds one cycle of a wanted shape in a (small) strongly connected graph: start from an edge of a given relation,
// then breadth-first search for the shortest way back over allowed relations, counting anti-dependency (rw) edges
// as it goes (how many, and whether two come in a row). The state is (node, last edge was rw, rw count 0/1/2+).
import { RW, type Csr } from './csr-graph.js';

export interface CycleQuery {
  /** Relation of the first edge. */
  start: number;
  /** Relations allowed for the other edges (RW only if rw edges may follow). */
  mask: number;
  /** rw edges in the whole cycle, the first edge included. */
  minRw: number;
  maxRw: number;
  /** No two rw edges in a row, the last and the first edge included. */
  noAdjacentRw: boolean;
}

export interface FoundCycle {
  /** nodes[i] → nodes[i+1] (and the last back to nodes[0]) by rels[i]. */
  nodes: number[];
  rels: number[];
}

/** Work left for a search (state expansions), shared by every query on one component. */
export interface Budget {
  left: number;
}

const STATES = 6;
const encode = (node: number, last: number, cnt: number) => node * STATES + last * 3 + cnt;

export class CycleSearcher {
  private readonly parent: Int32Array;
  private readonly parentEdge: Int32Array;
  private readonly queue: Int32Array;
  private readonly touched: number[] = [];

  constructor(private readonly g: Csr) {
    this.parent = new Int32Array(g.n * STATES).fill(-1);
    this.parentEdge = new Int32Array(g.n * STATES);
    this.queue = new Int32Array(g.n * STATES);
  }

  /** The shortest cycle that starts with the edge `e0`, or null. */
  fromEdge(u: number, e0: number, q: CycleQuery, budget: Budget): FoundCycle | null {
    const { offsets, targets, rels } = this.g;
    const v = targets[e0] as number;
    const startRw = rels[e0] === RW ? 1 : 0;
    if (startRw > q.maxRw) return null;
    const first = encode(v, startRw, startRw);
    this.parent[first] = first;
    this.touched.push(first);
    let qh = 0;
    let qt = 0;
    this.queue[qt++] = first;
    let found = -1;
    while (qh < qt && budget.left > 0) {
      const s = this.queue[qh++] as number;
      const x = Math.floor(s / STATES);
      const last = Math.floor((s % STATES) / 3);
      const cnt = s % 3;
      if (x === u) {
        if (cnt >= q.minRw && !(q.noAdjacentRw && startRw && last)) {
          found = s;
          break;
        }
        continue; // the cycle closes at u; going on through it would repeat u
      }
      for (let e = offsets[x] as number; e < (offsets[x + 1] as number); e++) {
        budget.left--;
        const r = rels[e] as number;
        if ((r & q.mask) === 0) continue;
        let nl = 0;
        let nc = cnt;
        if (r === RW) {
          if (cnt + 1 > q.maxRw || (q.noAdjacentRw && last)) continue;
          nl = 1;
          nc = cnt < 2 ? cnt + 1 : 2;
        }
        const ns = encode(targets[e] as number, nl, nc);
        if (this.parent[ns] !== -1) continue;
        this.parent[ns] = s;
        this.parentEdge[ns] = e;
        this.touched.push(ns);
        this.queue[qt++] = ns;
      }
    }
    let cycle: FoundCycle | null = null;
    if (found !== -1) {
      const nodes: number[] = [];
      const cycleRels: number[] = [];
      for (let s = found; s !== first; s = this.parent[s] as number) {
        nodes.push(Math.floor(s / STATES));
        cycleRels.push(rels[this.parentEdge[s] as number] as number);
      }
      nodes.push(v);
      nodes.reverse(); // v … u
      cycleRels.reverse(); // edges v→… … →u
      cycle = { nodes: [u, ...nodes.slice(0, -1)], rels: [rels[e0] as number, ...cycleRels] };
    }
    for (const s of this.touched) this.parent[s] = -1;
    this.touched.length = 0;
    return cycle;
  }
}

/** Splits a closed walk that visits a node twice into simple cycles (each is a real cycle of the graph too). */
export function simpleCycles(c: FoundCycle): FoundCycle[] {
  const seen = new Map<number, number>();
  for (let i = 0; i < c.nodes.length; i++) {
    const x = c.nodes[i] as number;
    const j = seen.get(x);
    if (j !== undefined) {
      const inner = { nodes: c.nodes.slice(j, i), rels: c.rels.slice(j, i) };
      const outer = { nodes: [...c.nodes.slice(0, j), ...c.nodes.slice(i)], rels: [...c.rels.slice(0, j), ...c.rels.slice(i)] };
      return [...simpleCycles(inner), ...simpleCycles(outer)];
    }
    seen.set(x, i);
  }
  return [c];
}
