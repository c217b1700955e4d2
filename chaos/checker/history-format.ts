// One line of a transactional history, Jepsen-style, as JSON: the shape the checker reads and the workload writes.
// {"index":7,"time":1250000,"type":"ok","process":3,"f":"txn","value":[["append",5,41],["r",7,[1,2]]],"node":"10.42.0.10","port":5432}
import { z } from 'zod/v4';

/** A key or an appended value: an integer or a string. */
export type Atom = number | string;
export type AppendMop = ['append', Atom, Atom];
/** A read: the whole list; null in an invocation (not known yet), or in a completion for a key with no list. */
export type ReadMop = ['r', Atom, Atom[] | null];
export type Mop = AppendMop | ReadMop;

export const OP_TYPES = ['invoke', 'ok', 'fail', 'info'] as const;
export type OpType = (typeof OP_TYPES)[number];

const isAtom = (x: unknown): x is Atom => (typeof x === 'number' && Number.isSafeInteger(x)) || typeof x === 'string';

/** Why a micro-operation is malformed, or null. Hand-written: a read of a long list is checked element by element. */
export function mopProblem(m: unknown): string | null {
  if (!Array.isArray(m) || m.length !== 3) return 'a micro-operation is ["append", key, value] or ["r", key, list-or-null]';
  const [f, k, v] = m as unknown[];
  if (f !== 'append' && f !== 'r') return `unknown micro-operation ${JSON.stringify(f)}: only "append" and "r"`;
  if (!isAtom(k)) return `the key ${JSON.stringify(k)} is not an integer or a string`;
  if (f === 'append') return isAtom(v) ? null : `the appended value ${JSON.stringify(v)} is not an integer or a string`;
  if (v === null) return null;
  if (!Array.isArray(v)) return `a read's value is a list or null, not ${JSON.stringify(v)}`;
  for (const e of v) if (!isAtom(e)) return `the read of key ${JSON.stringify(k)} holds ${JSON.stringify(e)}, not an integer or a string`;
  return null;
}

const mop = z.custom<Mop>((m) => mopProblem(m) === null, { error: (issue) => mopProblem(issue.input) ?? 'malformed micro-operation' });

/** PostgreSQL's textual LSN, "16/B374D848". */
export const LSN_PATTERN = /^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/;

export const historyOpSchema = z.object({
  index: z.number().int().nonnegative(),
  /** Nanoseconds on one monotonic clock shared by the run and its fault injector. */
  time: z.number(),
  type: z.enum(OP_TYPES),
  process: z.custom<Atom>(isAtom, { error: 'process is an integer or a string' }),
  f: z.literal('txn'),
  value: z.array(mop),
  /** The server that answered (inet_server_addr() in the same transaction). */
  node: z.string().nullish(),
  port: z.number().int().nullish(),
  /** WAL position: pg_current_wal_lsn() before a primary's commit, pg_last_wal_replay_lsn() on a replica. */
  lsn: z.string().regex(LSN_PATTERN).nullish(),
  /** A read made after the run (faults healed, every node rejoined): the state every acknowledged append must be in. */
  final: z.boolean().nullish(),
});

export type HistoryOp = z.infer<typeof historyOpSchema>;

/** "16/B374D848" → bytes (exact below 2^53, which WAL positions stay under for a long time). */
export function lsnBytes(lsn: string): number {
  const [hi, lo] = lsn.split('/');
  return parseInt(hi as string, 16) * 2 ** 32 + parseInt(lo as string, 16);
}

/** One line's problems in words: "value[1]: unknown micro-operation "w"". */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => (i.path.length ? `${i.path.join('.').replace(/\.(\d+)/g, '[$1]')}: ${i.message}` : i.message))
    .join('; ');
}
