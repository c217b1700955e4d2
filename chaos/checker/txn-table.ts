// A history as columns: one row per transaction (an invocation paired with its completion), one per
// micro-operation, and one pool of read elements. A million transactions fit in a few hundred MB this way.
// txn-table-builder.ts fills them.
import type { Atom } from './history-format.js';

export const OK = 0;
export const INFO = 1;
export const FAIL = 2;
export const TYPE_NAMES = ['ok', 'info', 'fail'] as const;
export const APPEND = 0;
export const READ = 1;
/** mopLen of a read whose value is not known (an invocation's, or an indeterminate transaction's). */
export const UNKNOWN_READ = -1;

export interface TxnTable {
  /** Transactions. */
  n: number;
  type: Uint8Array;
  process: Int32Array;
  invokeTime: Float64Array;
  /** Infinity when the history ends before the transaction completed. */
  completeTime: Float64Array;
  invokeIndex: Float64Array;
  /** NaN when the history ends before the transaction completed. */
  completeIndex: Float64Array;
  /** Interned server address, or -1. */
  node: Int32Array;
  port: Int32Array;
  /** WAL position in bytes, or NaN. */
  lsn: Float64Array;
  final: Uint8Array;
  mopStart: Int32Array;
  mopCount: Int32Array;
  /** Micro-operations. */
  mops: number;
  mopTxn: Int32Array;
  mopKind: Uint8Array;
  mopKey: Int32Array;
  /** An append's element code, or a read's offset into readPool. */
  mopVal: Float64Array;
  /** A read's length, or UNKNOWN_READ. */
  mopLen: Int32Array;
  readPool: Float64Array;
  /** History order: 2·txn for an invocation, 2·txn+1 for a completion. */
  events: Int32Array;
  keyNames: Atom[];
  processNames: Atom[];
  nodeNames: string[];
  stringElements: string[];
  /** History lines read. */
  entries: number;
}

/** An element's original value from its code (see TxnTableBuilder.code). */
export function elementName(t: Pick<TxnTable, 'stringElements'>, code: number): Atom {
  return Number.isInteger(code) ? code : (t.stringElements[Math.floor(code)] as string);
}
