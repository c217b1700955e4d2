// The anomalies the checker can report, named as Elle (and Adya) name them.

/** Dependency cycles, from the most to the least severe data shape. */
export const CYCLE_SHAPES = ['G0', 'G1c', 'G-single', 'G-nonadjacent', 'G2-item'] as const;
export type CycleShape = (typeof CYCLE_SHAPES)[number];
/** '' = data edges only; -process adds a client's own order; -realtime adds "completed before the other began". */
export const CYCLE_VARIANTS = ['', '-process', '-realtime'] as const;
export type CycleVariant = (typeof CYCLE_VARIANTS)[number];
export type CycleAnomaly = `${CycleShape}${CycleVariant}`;

export const CYCLE_ANOMALIES: readonly CycleAnomaly[] = CYCLE_VARIANTS.flatMap((v) => CYCLE_SHAPES.map((s) => `${s}${v}` as CycleAnomaly));

/** Anomalies seen without a cycle: in one read, one key's orders, or the final state. */
export const READ_ANOMALIES = [
  'G1a', // aborted read: a read saw an append of a transaction that failed
  'G1b', // intermediate read: a read ended with an append its transaction later followed with another to the same key
  'internal', // a transaction's read did not show its own earlier appends
  'incompatible-order', // two reads of a key that are not prefixes of one another
  'duplicate-elements', // a value appears twice in one read
  'garbage-read', // a read holds a value nobody appended
  'lost-append', // an acknowledged append missing from the final read
  'read-of-lost-write', // a read saw appends that the final read no longer has (a timeline that was thrown away)
] as const;
export type ReadAnomaly = (typeof READ_ANOMALIES)[number];

/** A forbidden cycle exists (the strongly connected component proves it) but the search gave up before naming one. */
export const CYCLE_EXISTS = 'cycle-exists' as const;

export type AnomalyType = CycleAnomaly | ReadAnomaly | typeof CYCLE_EXISTS;

/** What each one means, for reports. */
export const ANOMALY_MEANING: Record<string, string> = {
  G0: 'write cycle (dirty write): appends ordered one way on one key and the other way on another',
  G1c: 'circular information flow: each transaction saw (or overwrote) the other',
  'G-single': 'read skew: one anti-dependency (a read that missed a write) closes a cycle',
  'G-nonadjacent': 'several anti-dependencies, none adjacent: forbidden by snapshot isolation',
  'G2-item': 'write skew: two adjacent anti-dependencies close a cycle',
  G1a: 'aborted read: a read saw a value appended by a transaction that failed',
  G1b: "intermediate read: a read saw a transaction's state before its last append to that key",
  internal: "a transaction's read did not end with its own earlier appends to the key",
  'incompatible-order': 'two reads of one key that are not prefixes of each other: no single order of appends explains both',
  'duplicate-elements': 'a value appears more than once in one read',
  'garbage-read': 'a read holds a value that no transaction appended',
  'lost-append': 'an acknowledged append is missing from the final read after the run',
  'read-of-lost-write': 'a read saw appends that the final read no longer has: that state was later thrown away',
  [CYCLE_EXISTS]: 'a forbidden dependency cycle exists among these transactions (the search stopped before naming one)',
};
