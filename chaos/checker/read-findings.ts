// What one read shows on its own, in words: aborted (G1a) and intermediate (G1b) reads, duplicates, garbage, and
// a read that is not a prefix of its key's order (a thrown-away state, or an incompatible order).
import type { AnomalyLog } from './anomaly-log.js';
import { describeTxn, keyName, show, showList } from './describe-txn.js';
import { FAIL, elementName, type TxnTable } from './txn-table.js';

export function abortedRead(t: TxnTable, log: AnomalyLog, reader: number, k: number, writerMop: number): void {
  const writer = t.mopTxn[writerMop] as number;
  log.add('G1a', () => ({
    txns: [writer, reader],
    explanation: [describeTxn(t, writer, 'writer'), describeTxn(t, reader, 'reader'), `the reader saw ${show(elementName(t, t.mopVal[writerMop] as number))} in key ${show(keyName(t, k))}, appended by the writer, which failed`],
  }));
}

export function intermediateRead(t: TxnTable, log: AnomalyLog, reader: number, k: number, writerMop: number): void {
  const writer = t.mopTxn[writerMop] as number;
  log.add('G1b', () => ({
    txns: [writer, reader],
    explanation: [describeTxn(t, writer, 'writer'), describeTxn(t, reader, 'reader'), `the reader's list of key ${show(keyName(t, k))} ends with ${show(elementName(t, t.mopVal[writerMop] as number))}, which the writer followed with another append to the same key`],
  }));
}

export function garbageRead(t: TxnTable, log: AnomalyLog, reader: number, k: number, code: number): void {
  log.add('garbage-read', () => ({ txns: [reader], explanation: [describeTxn(t, reader, 'reader'), `${show(elementName(t, code))} in key ${show(keyName(t, k))} was never appended by any operation of the history`] }));
}

export function duplicates(t: TxnTable, log: AnomalyLog, reader: number, k: number, read: Float64Array): void {
  const seen = new Set<number>();
  const dup = new Set<number>();
  for (const e of read) (seen.has(e) ? dup : seen).add(e);
  if (dup.size === 0) return;
  log.add('duplicate-elements', () => ({ txns: [reader], explanation: [describeTxn(t, reader, 'reader'), `key ${show(keyName(t, k))} holds ${[...dup].map((c) => show(elementName(t, c))).join(', ')} more than once`] }));
}

/** A read that is not a prefix of the order: a state that was thrown away (read-of-lost-write), or incompatible. */
export function offOrderRead(t: TxnTable, log: AnomalyLog, txn: number, k: number, read: Float64Array, ko: { order: Float64Array; final: boolean }, byCode: Map<number, number>, mopPos: Int32Array): void {
  duplicates(t, log, txn, k, read);
  for (const e of read) {
    const m = byCode.get(e);
    if (m === undefined) garbageRead(t, log, txn, k, e);
    else if (t.type[t.mopTxn[m] as number] === FAIL) abortedRead(t, log, txn, k, m);
  }
  let p = 0;
  while (p < read.length && p < ko.order.length && read[p] === ko.order[p]) p++;
  let tailOffOrder = true;
  for (let i = p; i < read.length; i++) {
    const m = byCode.get(read[i] as number);
    if (m !== undefined && mopPos[m] !== -1) {
      tailOffOrder = false;
      break;
    }
  }
  if (ko.final && tailOffOrder) {
    // The read agrees with the final state up to p, then holds only appends the final state does not have.
    const gone = read.subarray(p);
    const writers = [...new Set([...gone].map((e) => byCode.get(e)).filter((m): m is number => m !== undefined).map((m) => t.mopTxn[m] as number))];
    log.add('read-of-lost-write', () => ({
      txns: [txn, ...writers],
      explanation: [
        describeTxn(t, txn, 'reader'),
        `it saw ${showList(t, gone)} at the end of key ${show(keyName(t, k))}; the final read of that key, ${showList(t, ko.order)}, does not have ${gone.length === 1 ? 'it' : 'them'}`,
        ...writers.slice(0, 3).map((w) => describeTxn(t, w, 'appended by')),
      ],
    }));
    return;
  }
  log.add('incompatible-order', () => ({
    txns: [txn],
    explanation: [describeTxn(t, txn, 'reader'), `key ${show(keyName(t, k))}: this read, ${showList(t, read)}, and the ${ko.final ? 'final' : 'longest'} read, ${showList(t, ko.order)}, part after ${p} common value(s): neither is a prefix of the other`],
  }));
}
