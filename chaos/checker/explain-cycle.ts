// A cycle in words: the transactions in order, then each edge with the evidence for it (which key, which value).
import { PROCESS, REALTIME, REL_NAMES, RW, WR, WW } from './csr-graph.js';
import { describeTxn, keyName, opIndex, readValue, show, showList } from './describe-txn.js';
import type { KeyOrders } from './key-orders.js';
import { APPEND, READ, elementName, type TxnTable } from './txn-table.js';

function mopsOf(t: TxnTable, txn: number, kind: number): number[] {
  const out: number[] = [];
  const start = t.mopStart[txn] as number;
  for (let m = start; m < start + (t.mopCount[txn] as number); m++) if (t.mopKind[m] === kind) out.push(m);
  return out;
}

const val = (t: TxnTable, m: number) => show(elementName(t, t.mopVal[m] as number));
const key = (t: TxnTable, m: number) => show(keyName(t, t.mopKey[m] as number));

/** Why a → b holds, in words ("T2 observed T1's append of 41 to key 5"). */
export function explainEdge(t: TxnTable, o: KeyOrders, a: number, b: number, rel: number, an: string, bn: string): string {
  if (rel === WW) {
    for (const m of mopsOf(t, b, APPEND)) {
      const ko = o.keys[t.mopKey[m] as number];
      const p = o.mopPos[m] as number;
      if (!ko) continue;
      const prev = p > 0 ? (ko.writer[p - 1] as number) : p === -1 && !ko.final ? (ko.writer[ko.writer.length - 1] ?? -1) : -1;
      if (prev >= 0 && t.mopTxn[prev] === a) return `${bn} appended ${val(t, m)} right after ${an} appended ${val(t, prev)} to key ${key(t, m)}`;
    }
  }
  if (rel === WR) {
    for (const m of mopsOf(t, b, READ)) {
      const lw = o.readLastWriter[m] as number;
      if (lw >= 0 && t.mopTxn[lw] === a) return `${bn} observed ${an}'s append of ${val(t, lw)} to key ${key(t, m)}`;
    }
  }
  if (rel === RW) {
    for (const m of mopsOf(t, b, APPEND)) {
      const ko = o.keys[t.mopKey[m] as number];
      if (!ko) continue;
      const p = o.mopPos[m] as number;
      const state = p === -1 && !ko.final ? ko.writer.length : p;
      if (state < 0) continue;
      for (const r of mopsOf(t, a, READ)) {
        if (t.mopKey[r] !== t.mopKey[m] || o.readState[r] !== state) continue;
        const seen = readValue(t, r);
        return state === 0
          ? `${an} read the initial (empty) state of key ${key(t, m)}, which ${bn} changed by appending ${val(t, m)}`
          : `${an} read key ${key(t, m)} as ${seen ? showList(t, seen, 6) : '?'} and did not see ${bn}'s append of ${val(t, m)}, which came right after`;
      }
    }
  }
  const ms = (ns: number) => `${(ns / 1e6).toFixed(3)} ms`;
  if (rel === PROCESS) return `process ${show(t.processNames[t.process[a] as number]!)} ran ${an} (completed at index ${opIndex(t, a)}) before ${bn} (invoked at index ${t.invokeIndex[b]})`;
  if (rel === REALTIME) {
    const gap = (t.invokeTime[b] as number) - (t.completeTime[a] as number);
    return `${an} completed (index ${opIndex(t, a)}) ${gap > 0 ? ms(gap) : 'just'} before ${bn} was invoked (index ${t.invokeIndex[b]})`;
  }
  return `${an} → ${bn} (${REL_NAMES[rel] ?? rel})`;
}

/** Lines: the transactions named T1…Tn, then every edge of the cycle, the last one closing it. */
export function explainCycle(t: TxnTable, o: KeyOrders, txns: readonly number[], rels: readonly number[]): string[] {
  const name = (i: number) => `T${(i % txns.length) + 1}`;
  const lines = txns.map((x, i) => describeTxn(t, x, name(i)));
  for (let i = 0; i < txns.length; i++) {
    const a = txns[i] as number;
    const b = txns[(i + 1) % txns.length] as number;
    lines.push(`${name(i)} → ${name(i + 1)} (${REL_NAMES[rels[i] as number]}): ${explainEdge(t, o, a, b, rels[i] as number, name(i), name(i + 1))}`);
  }
  return lines;
}
