// Names a cycle by its edges, as Elle does: the data edges give the shape (G0 … G2-item), process or real-time
// edges the variant. And the searches that look for each kind.
import type { CycleAnomaly, CycleShape, CycleVariant } from './anomaly-types.js';
import { PROCESS, REALTIME, RW, WR, WW } from './csr-graph.js';
import type { CycleQuery } from './cycle-search.js';

/** The anomaly a cycle with these edge relations (in order, cyclic) is; null for a cycle of order edges only. */
export function classifyCycle(rels: readonly number[]): CycleAnomaly | null {
  let rw = 0;
  let wr = 0;
  let ww = 0;
  let process = 0;
  let realtime = 0;
  let adjacentRw = false;
  for (let i = 0; i < rels.length; i++) {
    const r = rels[i];
    if (r === RW) {
      rw++;
      if (rels[(i + 1) % rels.length] === RW && rels.length > 1) adjacentRw = true;
    } else if (r === WR) wr++;
    else if (r === WW) ww++;
    else if (r === PROCESS) process++;
    else if (r === REALTIME) realtime++;
  }
  let shape: CycleShape;
  if (rw === 1) shape = 'G-single';
  else if (rw > 1) shape = adjacentRw ? 'G2-item' : 'G-nonadjacent';
  else if (wr > 0) shape = 'G1c';
  else if (ww > 0) shape = 'G0';
  else return null;
  const variant: CycleVariant = realtime > 0 ? '-realtime' : process > 0 ? '-process' : '';
  return `${shape}${variant}`;
}

const SHAPE_QUERIES: Record<CycleShape, Omit<CycleQuery, 'start'>> = {
  G0: { mask: WW, minRw: 0, maxRw: 0, noAdjacentRw: false },
  G1c: { mask: WW | WR, minRw: 0, maxRw: 0, noAdjacentRw: false },
  'G-single': { mask: WW | WR | RW, minRw: 1, maxRw: 1, noAdjacentRw: false },
  'G-nonadjacent': { mask: WW | WR | RW, minRw: 2, maxRw: Infinity, noAdjacentRw: true },
  'G2-item': { mask: WW | WR | RW, minRw: 2, maxRw: Infinity, noAdjacentRw: false },
};

/** The edge each search starts from: the relation the shape needs, or the variant's order edge. */
const SHAPE_START: Record<CycleShape, number> = { G0: WW, G1c: WR, 'G-single': RW, 'G-nonadjacent': RW, 'G2-item': RW };

export function queryFor(shape: CycleShape, variant: CycleVariant): CycleQuery {
  const base = SHAPE_QUERIES[shape];
  if (variant === '') return { ...base, start: SHAPE_START[shape] };
  if (variant === '-process') return { ...base, mask: base.mask | PROCESS, start: PROCESS };
  return { ...base, mask: base.mask | PROCESS | REALTIME, start: REALTIME };
}

/** A cycle of `shape` also reads as that shape with any weaker-ordered variant: no need to look for those. */
export function impliedVariants(anomaly: CycleAnomaly): CycleAnomaly[] {
  const shape = anomaly.replace(/-(process|realtime)$/, '') as CycleShape;
  if (anomaly.endsWith('-realtime')) return [];
  if (anomaly.endsWith('-process')) return [`${shape}-realtime`];
  return [`${shape}-process`, `${shape}-realtime`];
}
