// One history line as reusable fields, filled from a parsed line in one strict walk (the common shape), or from a
// zod-validated object (anything else). The table builder reads only these.
import { LSN_PATTERN, OP_TYPES, type Atom, type HistoryOp } from './history-format.js';

export const INVOKE = 0;
export const TYPE_CODES: Record<HistoryOp['type'], number> = { invoke: 0, ok: 1, fail: 2, info: 3 };

export class LineFields {
  index = 0;
  time = 0;
  /** 0 invoke, 1 ok, 2 fail, 3 info. */
  type = 0;
  process: Atom = 0;
  node: string | null = null;
  /** -1 when absent. */
  port = -1;
  lsn: string | null = null;
  final = false;
  /** Micro-operations: kind 0 append, 1 read; key; an append's value; a read's elements (start, length or -1 for null). */
  mops = 0;
  readonly kinds: number[] = [];
  readonly keys: Atom[] = [];
  readonly appendValues: Atom[] = [];
  readonly readStart: number[] = [];
  readonly readLen: number[] = [];
  elemCount = 0;
  readonly elems: Atom[] = [];

  reset(): void {
    this.node = null;
    this.port = -1;
    this.lsn = null;
    this.final = false;
    this.mops = 0;
    this.elemCount = 0;
  }

  typeName(): HistoryOp['type'] {
    return OP_TYPES[this.type] as HistoryOp['type'];
  }
}

/** Fills `f` from a validated op. */
export function fieldsFromOp(op: HistoryOp, f: LineFields): LineFields {
  f.reset();
  f.index = op.index;
  f.time = op.time;
  f.type = TYPE_CODES[op.type];
  f.process = op.process;
  f.node = op.node ?? null;
  f.port = op.port ?? -1;
  f.lsn = op.lsn ?? null;
  f.final = op.final ?? false;
  for (const [kind, k, v] of op.value) {
    const m = f.mops++;
    f.kinds[m] = kind === 'append' ? 0 : 1;
    f.keys[m] = k;
    if (kind === 'append') {
      f.appendValues[m] = v;
      continue;
    }
    f.readStart[m] = f.elemCount;
    f.readLen[m] = v === null ? -1 : v.length;
    if (v) for (const e of v) f.elems[f.elemCount++] = e;
  }
  return f;
}

const isAtom = (x: unknown): x is Atom => (typeof x === 'number' && Number.isSafeInteger(x)) || typeof x === 'string';
const KNOWN = new Set(['index', 'time', 'type', 'process', 'f', 'value', 'node', 'port', 'lsn', 'final']);

/**
 * Validates a parsed line and fills `f` in the same walk, for the plain shape only: true only for what the zod
 * schema accepts as it is. Validating with zod and then copying costs more than JSON.parse itself at millions of
 * lines; for anything this refuses, the caller asks the schema, which decides and words the error.
 */
export function fieldsFromPlainJson(o: unknown, f: LineFields): boolean {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return false;
  const r = o as Record<string, unknown>;
  for (const k in r) if (!KNOWN.has(k)) return false;
  const { index, time, type, process, value, node, port, lsn, final } = r;
  if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0) return false;
  if (typeof time !== 'number' || !Number.isFinite(time)) return false;
  const code = typeof type === 'string' ? TYPE_CODES[type as HistoryOp['type']] : undefined;
  if (code === undefined || r.f !== 'txn' || !isAtom(process) || !Array.isArray(value)) return false;
  if (node !== undefined && node !== null && typeof node !== 'string') return false;
  if (port !== undefined && port !== null && !(typeof port === 'number' && Number.isSafeInteger(port))) return false;
  if (lsn !== undefined && lsn !== null && !(typeof lsn === 'string' && LSN_PATTERN.test(lsn))) return false;
  if (final !== undefined && final !== null && typeof final !== 'boolean') return false;
  f.reset();
  f.index = index;
  f.time = time;
  f.type = code;
  f.process = process;
  f.node = (node as string | null | undefined) ?? null;
  f.port = (port as number | null | undefined) ?? -1;
  f.lsn = (lsn as string | null | undefined) ?? null;
  f.final = final === true;
  for (const mop of value) {
    if (!Array.isArray(mop) || mop.length !== 3) return false;
    const [kind, k, v] = mop as unknown[];
    if (!isAtom(k)) return false;
    const m = f.mops;
    f.keys[m] = k;
    if (kind === 'append') {
      if (!isAtom(v)) return false;
      f.kinds[m] = 0;
      f.appendValues[m] = v;
    } else if (kind === 'r') {
      f.kinds[m] = 1;
      f.readStart[m] = f.elemCount;
      if (v === null) f.readLen[m] = -1;
      else {
        if (!Array.isArray(v)) return false;
        for (const e of v) {
          if (!isAtom(e)) return false;
          f.elems[f.elemCount++] = e;
        }
        f.readLen[m] = v.length;
      }
    } else return false;
    f.mops = m + 1;
  }
  return true;
}
