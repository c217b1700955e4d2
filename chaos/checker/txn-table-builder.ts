// Fills a transaction table line by line: pairs each invocation with its process's next completion, interns keys,
// processes and servers, and copies reads into one pool.
import { UserError } from '../../common/errors.js';
import { GrowableF64, GrowableI32, GrowableU8 } from './growable.js';
import { lsnBytes, type Atom, type HistoryOp } from './history-format.js';
import { fieldsFromOp, INVOKE, LineFields } from './line-fields.js';
import { APPEND, FAIL, INFO, OK, READ, UNKNOWN_READ, type TxnTable } from './txn-table.js';

class Interner<K> {
  readonly ids = new Map<K, number>();
  readonly names: K[] = [];
  id(k: K): number {
    let id = this.ids.get(k);
    if (id === undefined) {
      id = this.names.length;
      this.ids.set(k, id);
      this.names.push(k);
    }
    return id;
  }
}

interface Pending {
  txn: number;
  /** The invocation's fields, kept only for a completion that does not repeat them (or none). */
  invocation: LineFields;
}

/** Pairs invocations with completions as lines arrive, and fills the columns. */
export class TxnTableBuilder {
  private readonly type = new GrowableU8();
  private readonly process = new GrowableI32();
  private readonly invokeTime = new GrowableF64();
  private readonly completeTime = new GrowableF64();
  private readonly invokeIndex = new GrowableF64();
  private readonly completeIndex = new GrowableF64();
  private readonly node = new GrowableI32();
  private readonly port = new GrowableI32();
  private readonly lsn = new GrowableF64();
  private readonly final = new GrowableU8();
  private readonly mopStart = new GrowableI32();
  private readonly mopCount = new GrowableI32();
  private readonly mopTxn = new GrowableI32();
  private readonly mopKind = new GrowableU8();
  private readonly mopKey = new GrowableI32();
  private readonly mopVal = new GrowableF64();
  private readonly mopLen = new GrowableI32();
  private readonly readPool = new GrowableF64();
  private readonly events = new GrowableI32();
  private readonly keys = new Interner<Atom>();
  private readonly processes = new Interner<Atom>();
  private readonly nodes = new Interner<string>();
  private readonly strings = new Interner<string>();
  private readonly pending = new Map<number, Pending>();
  private lastIndex = -1;
  private entries = 0;

  /**
   * Integers stand for themselves; a string gets n + 0.5 (n its interned number), which no integer can equal:
   * one Float64 compares elements of either kind without a lookup.
   */
  private code(v: Atom): number {
    return typeof v === 'number' ? v : this.strings.id(v) + 0.5;
  }

  /** Adds one history line; `line` (1-based) names it in errors. The fields are copied, `f` may be reused. */
  add(f: LineFields, line: number): void {
    this.entries++;
    if (f.index <= this.lastIndex) throw new UserError(`line ${line}: index ${f.index} comes after index ${this.lastIndex}`, 'a history lists its operations in index order: sort it by index');
    this.lastIndex = f.index;
    const proc = this.processes.id(f.process);
    const open = this.pending.get(proc);
    if (f.type === INVOKE) {
      if (open) throw new UserError(`line ${line}: process ${JSON.stringify(f.process)} invokes again before its operation at index ${this.invokeIndex.get(open.txn)} completed`, 'a process runs one operation at a time; give a crashed process a new id (as Jepsen does after an info)');
      const txn = this.type.push(INFO);
      this.process.push(proc);
      this.invokeTime.push(f.time);
      this.invokeIndex.push(f.index);
      this.completeTime.push(Infinity);
      this.completeIndex.push(NaN);
      this.node.push(f.node ? this.nodes.id(f.node) : -1);
      this.port.push(f.port);
      this.lsn.push(NaN);
      this.final.push(0);
      this.mopStart.push(0);
      this.mopCount.push(0);
      this.events.push(txn * 2);
      this.pending.set(proc, { txn, invocation: copyFields(f, this.spare.pop()) });
      return;
    }
    if (!open) throw new UserError(`line ${line}: an "${f.typeName()}" for process ${JSON.stringify(f.process)} with no invocation before it`, 'every completion (ok, fail, info) follows an "invoke" of the same process');
    this.pending.delete(proc);
    const txn = open.txn;
    const type = f.type === 1 ? OK : f.type === 2 ? FAIL : INFO;
    this.type.set(txn, type);
    this.completeTime.set(txn, f.time);
    this.completeIndex.set(txn, f.index);
    if (f.node) this.node.set(txn, this.nodes.id(f.node));
    if (f.port !== -1) this.port.set(txn, f.port);
    if (f.lsn) this.lsn.set(txn, lsnBytes(f.lsn));
    if (f.final) this.final.set(txn, 1);
    this.events.push(txn * 2 + 1);
    // An indeterminate or failed completion may not repeat what the invocation meant to do.
    this.addMops(txn, type === OK || f.mops > 0 ? f : open.invocation, type === OK);
    this.spare.push(open.invocation);
  }

  private readonly spare: LineFields[] = [];

  private addMops(txn: number, f: LineFields, readsKnown: boolean): void {
    this.mopStart.set(txn, this.mopTxn.length);
    this.mopCount.set(txn, f.mops);
    for (let i = 0; i < f.mops; i++) {
      this.mopTxn.push(txn);
      this.mopKey.push(this.keys.id(f.keys[i] as Atom));
      if (f.kinds[i] === 0) {
        this.mopKind.push(APPEND);
        this.mopVal.push(this.code(f.appendValues[i] as Atom));
        this.mopLen.push(0);
        continue;
      }
      this.mopKind.push(READ);
      const len = f.readLen[i] as number;
      if (!readsKnown) {
        this.mopVal.push(-1);
        this.mopLen.push(UNKNOWN_READ);
        continue;
      }
      // A completed read of null found no list: the empty, initial state.
      this.mopVal.push(this.readPool.length);
      this.mopLen.push(Math.max(0, len));
      const start = f.readStart[i] as number;
      this.readPool.reserve(this.readPool.length + Math.max(0, len));
      for (let e = start; e < start + len; e++) this.readPool.push(this.code(f.elems[e] as Atom));
    }
  }

  /** The table; invocations the history never completed stay indeterminate (info). */
  finish(): TxnTable {
    for (const p of this.pending.values()) this.addMops(p.txn, p.invocation, false);
    this.pending.clear();
    return {
      n: this.type.length,
      type: this.type.seal(),
      process: this.process.seal(),
      invokeTime: this.invokeTime.seal(),
      completeTime: this.completeTime.seal(),
      invokeIndex: this.invokeIndex.seal(),
      completeIndex: this.completeIndex.seal(),
      node: this.node.seal(),
      port: this.port.seal(),
      lsn: this.lsn.seal(),
      final: this.final.seal(),
      mopStart: this.mopStart.seal(),
      mopCount: this.mopCount.seal(),
      mops: this.mopTxn.length,
      mopTxn: this.mopTxn.seal(),
      mopKind: this.mopKind.seal(),
      mopKey: this.mopKey.seal(),
      mopVal: this.mopVal.seal(),
      mopLen: this.mopLen.seal(),
      readPool: this.readPool.seal(),
      events: this.events.seal(),
      keyNames: this.keys.names,
      processNames: this.processes.names,
      nodeNames: this.nodes.names,
      stringElements: this.strings.names,
      entries: this.entries,
    };
  }
}

/** A copy of the fields an invocation needs later (its micro-operations), into `into` when given. */
function copyFields(f: LineFields, into = new LineFields()): LineFields {
  into.reset();
  into.mops = f.mops;
  into.elemCount = f.elemCount;
  for (let i = 0; i < f.mops; i++) {
    into.kinds[i] = f.kinds[i] as number;
    into.keys[i] = f.keys[i] as Atom;
    into.appendValues[i] = f.appendValues[i] as Atom;
    into.readStart[i] = f.readStart[i] as number;
    into.readLen[i] = f.readLen[i] as number;
  }
  return into;
}

/** Builds a table from ops in memory (tests, and the chaos run's own history). */
export function tableOf(ops: readonly HistoryOp[]): TxnTable {
  const b = new TxnTableBuilder();
  const f = new LineFields();
  ops.forEach((op, i) => b.add(fieldsFromOp(op, f), i + 1));
  return b.finish();
}
