// Each key's version order, inferred from reads: the final read after the run when there is one (the state that
// every acknowledged append must be in), else the longest read. Every other read must be a prefix of it; what a
// read shows on its own is reported by read-findings.ts. Acknowledged appends missing from a final read are lost.
import { UserError } from '../../common/errors.js';
import type { AnomalyLog } from './anomaly-log.js';
import { describeTxn, keyName, opIndex, show, showList } from './describe-txn.js';
import { abortedRead, duplicates, garbageRead, intermediateRead, offOrderRead } from './read-findings.js';
import { APPEND, FAIL, OK, READ, elementName, type TxnTable } from './txn-table.js';

export interface KeyOrder {
  /** Element codes in the order they were appended. */
  order: Float64Array;
  /** The order is a final read's. */
  final: boolean;
  /** The append micro-operation that wrote order[i], or -1 when no transaction appended it (garbage). */
  writer: Int32Array;
  /** Appends of the key that are not in the order (indeterminate or lost ones, or never read). */
  unplaced: number[];
}

export interface KeyOrders {
  keys: (KeyOrder | undefined)[];
  /** Per append micro-operation: its position in its key's order, or -1. */
  mopPos: Int32Array;
  /** Per read: which state of the order it saw (how many elements), or -1 (unknown, or a state not in the order). */
  readState: Int32Array;
  /** Per read: the append that wrote its last element, or -1 (empty, unknown, garbage). */
  readLastWriter: Int32Array;
  /** Per append: 1 when its transaction appended to the same key again later (its state was intermediate). */
  intermediate: Uint8Array;
  /** Acknowledged appends missing from their key's final read. */
  lost: { txn: number; key: number; code: number }[];
}

/** Where (key, value) was appended: one map per key, value code → append micro-operation. */
function appendIndex(t: TxnTable): Map<number, number>[] {
  const index: Map<number, number>[] = Array.from({ length: t.keyNames.length }, () => new Map());
  for (let m = 0; m < t.mops; m++) {
    if (t.mopKind[m] !== APPEND) continue;
    const byCode = index[t.mopKey[m] as number] as Map<number, number>;
    const code = t.mopVal[m] as number;
    const before = byCode.get(code);
    if (before !== undefined) {
      const a = t.mopTxn[before] as number;
      const b = t.mopTxn[m] as number;
      throw new UserError(
        `the operations at index ${opIndex(t, a)} and ${opIndex(t, b)} both append ${show(elementName(t, code))} to key ${show(keyName(t, t.mopKey[m] as number))}`,
        'appended values must be unique per key: the order of appends is read from the lists, and a repeated value makes it ambiguous',
      );
    }
    byCode.set(code, m);
  }
  return index;
}

/** A transaction that appends twice to a key leaves an intermediate state after the first append. */
function intermediateAppends(t: TxnTable): Uint8Array {
  const flags = new Uint8Array(t.mops);
  for (let txn = 0; txn < t.n; txn++) {
    const start = t.mopStart[txn] as number;
    const end = start + (t.mopCount[txn] as number);
    for (let m = start; m < end; m++) {
      if (t.mopKind[m] !== APPEND) continue;
      for (let later = m + 1; later < end; later++) {
        if (t.mopKind[later] === APPEND && t.mopKey[later] === t.mopKey[m]) {
          flags[m] = 1;
          break;
        }
      }
    }
  }
  return flags;
}

function readSlice(t: TxnTable, m: number): Float64Array {
  const off = t.mopVal[m] as number;
  return t.readPool.subarray(off, off + (t.mopLen[m] as number));
}

export function inferKeyOrders(t: TxnTable, log: AnomalyLog): KeyOrders {
  const index = appendIndex(t);
  const intermediate = intermediateAppends(t);
  const nKeys = t.keyNames.length;

  // The read each order comes from: a final read (the longest, if several), else the longest read.
  const source = new Int32Array(nKeys).fill(-1);
  const sourceFinal = new Uint8Array(nKeys);
  for (let m = 0; m < t.mops; m++) {
    if (t.mopKind[m] !== READ || t.mopLen[m]! < 0) continue;
    const txn = t.mopTxn[m] as number;
    if (t.type[txn] !== OK) continue;
    const k = t.mopKey[m] as number;
    const fin = t.final[txn] as number;
    const best = source[k] as number;
    if (best === -1 || fin > (sourceFinal[k] as number) || (fin === sourceFinal[k] && (t.mopLen[m] as number) > (t.mopLen[best] as number))) {
      source[k] = m;
      sourceFinal[k] = fin;
    }
  }

  const mopPos = new Int32Array(t.mops).fill(-1);
  const keys: (KeyOrder | undefined)[] = new Array(nKeys);
  // Per key, the first position of the order whose element is garbage, duplicated, or from a failed append.
  const firstGarbage = new Int32Array(nKeys).fill(0x7fffffff);
  const firstDup = new Int32Array(nKeys).fill(0x7fffffff);
  const firstAborted = new Int32Array(nKeys).fill(0x7fffffff);
  for (let k = 0; k < nKeys; k++) {
    const src = source[k] as number;
    const order = src === -1 ? new Float64Array(0) : readSlice(t, src);
    const writer = new Int32Array(order.length);
    const byCode = index[k] as Map<number, number>;
    for (let i = 0; i < order.length; i++) {
      const m = byCode.get(order[i] as number);
      if (m === undefined) {
        writer[i] = -1;
        if (firstGarbage[k] === 0x7fffffff) firstGarbage[k] = i;
        continue;
      }
      if (mopPos[m] !== -1) {
        writer[i] = -1;
        if (firstDup[k] === 0x7fffffff) firstDup[k] = i;
        continue;
      }
      mopPos[m] = i;
      writer[i] = m;
      if (t.type[t.mopTxn[m] as number] === FAIL && firstAborted[k] === 0x7fffffff) firstAborted[k] = i;
    }
    const unplaced: number[] = [];
    for (const m of byCode.values()) if (mopPos[m] === -1 && t.type[t.mopTxn[m] as number] !== FAIL) unplaced.push(m);
    keys[k] = { order, final: sourceFinal[k] === 1, writer, unplaced };
  }

  const readState = new Int32Array(t.mops).fill(-1);
  const readLastWriter = new Int32Array(t.mops).fill(-1);
  for (let m = 0; m < t.mops; m++) {
    if (t.mopKind[m] !== READ || t.mopLen[m]! < 0) continue;
    const txn = t.mopTxn[m] as number;
    if (t.type[txn] !== OK) continue;
    const k = t.mopKey[m] as number;
    const ko = keys[k] as KeyOrder;
    const read = readSlice(t, m);
    const len = read.length;
    let prefix = len <= ko.order.length;
    if (prefix && m !== source[k]) {
      for (let i = 0; i < len; i++) {
        if (read[i] !== ko.order[i]) {
          prefix = false;
          break;
        }
      }
    }
    if (prefix) {
      readState[m] = len;
      if (len === 0) continue;
      readLastWriter[m] = ko.writer[len - 1] as number;
      if ((firstAborted[k] as number) < len) abortedRead(t, log, txn, k, ko.writer[firstAborted[k] as number] as number);
      if ((firstGarbage[k] as number) < len) garbageRead(t, log, txn, k, ko.order[firstGarbage[k] as number] as number);
      if ((firstDup[k] as number) < len) duplicates(t, log, txn, k, read);
    } else {
      const byCode = index[k] as Map<number, number>;
      const last = byCode.get(read[len - 1] as number);
      readLastWriter[m] = last ?? -1;
      // Elle's rule: a read ending with element e saw the state right after e, wherever e sits in the order.
      readState[m] = last !== undefined && mopPos[last] !== -1 ? (mopPos[last] as number) + 1 : -1;
      offOrderRead(t, log, txn, k, read, ko, byCode, mopPos);
    }
    const lw = readLastWriter[m] as number;
    if (lw >= 0 && intermediate[lw] && t.mopTxn[lw] !== txn) intermediateRead(t, log, txn, k, lw);
  }

  const lost: KeyOrders['lost'] = [];
  for (let k = 0; k < nKeys; k++) {
    const ko = keys[k] as KeyOrder;
    if (!ko.final) continue;
    for (const m of ko.unplaced) {
      const txn = t.mopTxn[m] as number;
      if (t.type[txn] !== OK) continue;
      const code = t.mopVal[m] as number;
      lost.push({ txn, key: k, code });
      log.add('lost-append', () => ({
        txns: [txn],
        explanation: [`${describeTxn(t, txn)}`, `its append of ${show(elementName(t, code))} to key ${show(keyName(t, k))} was acknowledged, and the final read of that key, ${showList(t, ko.order)}, does not have it`],
      }));
    }
  }
  return { keys, mopPos, readState, readLastWriter, intermediate, lost };
}
