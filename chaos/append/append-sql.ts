// The list-append workload in SQL: one row per key holding its list as an int[]. An append is an upsert that
// concatenates (it reads the newest version under read committed, and conflicts under repeatable read and
// serializable); a read selects the whole list. The server that answered and its WAL position are read in the same
// transaction, before COMMIT.
import type { Isolation } from '../checker/isolation-promises.js';
import type { Mop } from '../checker/history-format.js';

export const APPEND_TABLE = 'pglab_chaos_lists';

export const CREATE_APPEND_TABLE = [`DROP TABLE IF EXISTS ${APPEND_TABLE}`, `CREATE TABLE ${APPEND_TABLE} (k int PRIMARY KEY, vals int[] NOT NULL)`];

const LEVEL: Record<Isolation, string> = { serializable: 'SERIALIZABLE', 'repeatable-read': 'REPEATABLE READ', 'read-committed': 'READ COMMITTED' };

/** A key or value the workload made itself: an integer, so it is written into the SQL text (one round trip). */
function int(x: unknown): number {
  if (typeof x !== 'number' || !Number.isSafeInteger(x)) throw new Error(`the append workload uses integer keys and values, not ${JSON.stringify(x)}`);
  return x;
}

function mopSql([f, k, v]: Mop): string {
  return f === 'append'
    ? `INSERT INTO ${APPEND_TABLE} AS t (k, vals) VALUES (${int(k)}, ARRAY[${int(v)}]) ON CONFLICT (k) DO UPDATE SET vals = t.vals || EXCLUDED.vals`
    : `SELECT vals FROM ${APPEND_TABLE} WHERE k = ${int(k)}`;
}

/** Works on a primary and on a standby (pg_current_wal_lsn() fails during recovery). */
const WHERE_AM_I = `SELECT host(inet_server_addr()) AS node, (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END)::text AS lsn`;

/**
 * Everything but the COMMIT, as one multi-statement query: BEGIN, one statement per micro-operation, where-am-I.
 * Replica transactions are read only and repeatable read (a hot standby refuses serializable).
 */
export function transactionBody(mops: readonly Mop[], isolation: Isolation, readOnly: boolean): string {
  const begin = readOnly ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : `BEGIN ISOLATION LEVEL ${LEVEL[isolation]}`;
  return [begin, ...mops.map(mopSql), WHERE_AM_I].join(';\n');
}

export const FINAL_READ = `SELECT k, vals FROM ${APPEND_TABLE}`;
