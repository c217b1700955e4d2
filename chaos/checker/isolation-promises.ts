// What each PostgreSQL isolation level (and replication mode) promises, as the anomalies it forbids. The reasons
// are in docs/checker.md ("What is judged").
import type { AnomalyType, CycleShape } from './anomaly-types.js';

export const ISOLATIONS = ['serializable', 'repeatable-read', 'read-committed'] as const;
export type Isolation = (typeof ISOLATIONS)[number];
export const REPLICATIONS = ['sync', 'async'] as const;
export type Replication = (typeof REPLICATIONS)[number];

/**
 * Cycle shapes each level forbids (Adya's PL-3, PL-SI, PL-2). PostgreSQL's repeatable read is snapshot isolation:
 * every cycle it allows has two adjacent anti-dependencies (G2-item); read committed allows any cycle that needs an
 * anti-dependency. The same holds with a client's own order added (-process): a transaction begins after its
 * client's previous one committed, so it sees it. Real-time variants are reported, never judged (see the docs).
 */
export const FORBIDDEN_SHAPES: Record<Isolation, readonly CycleShape[]> = {
  serializable: ['G0', 'G1c', 'G-single', 'G-nonadjacent', 'G2-item'],
  'repeatable-read': ['G0', 'G1c', 'G-single', 'G-nonadjacent'],
  'read-committed': ['G0', 'G1c'],
};

/** Forbidden at every level: no PostgreSQL transaction sees aborted, intermediate or invented state. */
const ALWAYS_FORBIDDEN: readonly AnomalyType[] = ['G1a', 'G1b', 'internal', 'incompatible-order', 'duplicate-elements', 'garbage-read'];

/**
 * `realtime`: judge the -realtime variants like their data shape (strict serializability, or strong snapshot
 * isolation / read committed): right for a history of one server, not promised by the lab across a failover.
 */
export function isForbidden(type: AnomalyType, isolation: Isolation, replication: Replication, realtime = false): boolean {
  if ((ALWAYS_FORBIDDEN as readonly string[]).includes(type)) return true;
  if (type === 'lost-append') return replication === 'sync';
  // A read of a state later thrown away follows from a lost write (async), or (sync) from a commit whose wait for the
  // standby was cut short, which PostgreSQL then commits locally unacknowledged: both allowed; an acknowledged writer
  // is a lost append as well, and judged as one.
  if (type === 'read-of-lost-write') return false;
  if (type === 'cycle-exists') return true; // only reported for a level it breaks; see breaks in the anomaly
  if (type.endsWith('-realtime') && !realtime) return false;
  const shape = type.replace(/-(process|realtime)$/, '') as CycleShape;
  return FORBIDDEN_SHAPES[isolation].includes(shape);
}
