// Transactions in words for explanations: "T1 (index 12, process 3, 10.42.0.10:5432, ok): append 5 ← 41, r 7 [1 2]".
import { APPEND, TYPE_NAMES, UNKNOWN_READ, elementName, type TxnTable } from './txn-table.js';
import type { Atom } from './history-format.js';

/** The index a transaction is known by: its completion's, or its invocation's when it never completed. */
export function opIndex(t: TxnTable, txn: number): number {
  const c = t.completeIndex[txn] as number;
  return Number.isNaN(c) ? (t.invokeIndex[txn] as number) : c;
}

export const keyName = (t: TxnTable, key: number): Atom => t.keyNames[key] as Atom;
export const show = (a: Atom): string => (typeof a === 'string' ? JSON.stringify(a) : String(a));

/** A list of element codes, the middle elided when long: [1 2 3 … 98 99]. */
export function showList(t: TxnTable, codes: ArrayLike<number>, max = 12): string {
  const n = codes.length;
  const names = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => show(elementName(t, codes[from + i] as number))).join(' ');
  if (n <= max) return `[${names(0, n)}]`;
  return `[${names(0, 3)} … ${names(n - (max - 4), n)}] (${n} values)`;
}

export function readValue(t: TxnTable, mop: number): Float64Array | null {
  const len = t.mopLen[mop] as number;
  if (len === UNKNOWN_READ) return null;
  const off = t.mopVal[mop] as number;
  return t.readPool.subarray(off, off + len);
}

export function describeMops(t: TxnTable, txn: number): string {
  const parts: string[] = [];
  const start = t.mopStart[txn] as number;
  for (let m = start; m < start + (t.mopCount[txn] as number); m++) {
    const k = show(keyName(t, t.mopKey[m] as number));
    if (t.mopKind[m] === APPEND) parts.push(`append ${k} ← ${show(elementName(t, t.mopVal[m] as number))}`);
    else {
      const v = readValue(t, m);
      parts.push(`r ${k} ${v ? showList(t, v) : '?'}`);
    }
  }
  return parts.join(', ');
}

export function describeTxn(t: TxnTable, txn: number, name = `T${txn}`): string {
  const where = (t.node[txn] as number) >= 0 ? `, ${t.nodeNames[t.node[txn] as number]}${(t.port[txn] as number) >= 0 ? `:${t.port[txn]}` : ''}` : '';
  return `${name} (index ${opIndex(t, txn)}, process ${show(t.processNames[t.process[txn] as number] as Atom)}${where}, ${TYPE_NAMES[t.type[txn] as number]}): ${describeMops(t, txn)}`;
}
