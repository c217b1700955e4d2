// Internal consistency: once a transaction appended to a key, its own later reads of that key must end with
// its appends, in order (its row lock keeps every other append out until it commits).
import type { AnomalyLog } from './anomaly-log.js';
import { describeTxn, keyName, readValue, show, showList } from './describe-txn.js';
import { APPEND, OK, type TxnTable } from './txn-table.js';

export function checkInternalReads(t: TxnTable, log: AnomalyLog): void {
  for (let txn = 0; txn < t.n; txn++) {
    if (t.type[txn] !== OK) continue;
    const start = t.mopStart[txn] as number;
    const end = start + (t.mopCount[txn] as number);
    let own: Map<number, number[]> | undefined;
    for (let m = start; m < end; m++) {
      const k = t.mopKey[m] as number;
      if (t.mopKind[m] === APPEND) {
        own ??= new Map();
        const list = own.get(k) ?? [];
        list.push(t.mopVal[m] as number);
        own.set(k, list);
        continue;
      }
      const mine = own?.get(k);
      const read = readValue(t, m);
      if (!mine || !read) continue;
      let ok = read.length >= mine.length;
      for (let i = 0; ok && i < mine.length; i++) ok = read[read.length - mine.length + i] === mine[i];
      if (!ok) {
        log.add('internal', () => ({
          txns: [txn],
          explanation: [describeTxn(t, txn), `its read of key ${show(keyName(t, k))}, ${showList(t, read)}, does not end with its own appends ${showList(t, mine)}`],
        }));
      }
    }
  }
}
