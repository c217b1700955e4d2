// One execution of a named prepared statement on a pg.Client, without pg's per-query result building: rows stay the text
// the server sent. The benchmark's client costs about half the CPU per operation this way (docs/measurements/bench-vs-pgbench-local-*.txt).
import type pg from 'pg';

/** What an operation gets back: the rows as the server's text (null for NULL), columns in select-list order. */
export interface RawResult {
  rowCount: number;
  rows: (string | null)[][];
}

/** The part of pg's Connection this query talks to (pg-cursor and pg-query-stream use the same calls). */
interface Wire {
  stream: { cork?: () => void; uncork?: () => void };
  parsedStatements: Record<string, string>;
  submittedNamedStatements: Record<string, string>;
  parse(msg: { name: string; text: string; types: number[] }): void;
  bind(msg: { statement: string; values: (string | null)[] }): void;
  describe(msg: { type: 'P'; name: string }): void;
  execute(msg: { portal: string; rows: number }): void;
  sync(): void;
}

type Callback = (err: Error | null, result?: RawResult) => void;
const done: Callback = () => undefined;

/** "SELECT 1", "INSERT 0 1", "UPDATE 3": the row count is the last word. */
export function commandRowCount(tag: string): number {
  const n = Number(tag.slice(tag.lastIndexOf(' ') + 1));
  return Number.isInteger(n) ? n : 0;
}

/**
 * A pg Submittable: Parse once per connection (pg's own bookkeeping of named statements, so pg's queries and these
 * share it), then Bind, Describe, Execute, Sync in one write per execution — the messages libpq's PQexecPrepared
 * (pgbench -M prepared) sends. The row description is received and ignored; data rows are kept as text.
 */
class PreparedQuery implements pg.Submittable {
  // pg reads name and text of the active query to record a completed Parse.
  readonly name: string;
  readonly text: string;
  private readonly values: (string | null)[];
  private callback: Callback;
  private readonly result: RawResult = { rowCount: 0, rows: [] };

  constructor(name: string, text: string, values: readonly unknown[], callback: Callback) {
    this.name = name;
    this.text = text;
    this.values = values.map((v) => (v === null || v === undefined ? null : String(v)));
    this.callback = callback;
  }

  submit(connection: pg.Connection): void {
    const wire = connection as unknown as Wire;
    wire.stream.cork?.();
    try {
      if (wire.parsedStatements[this.name] === undefined && wire.submittedNamedStatements[this.name] === undefined) {
        wire.parse({ name: this.name, text: this.text, types: [] });
        wire.submittedNamedStatements[this.name] = this.text;
      }
      wire.bind({ statement: this.name, values: this.values });
      wire.describe({ type: 'P', name: '' });
      wire.execute({ portal: '', rows: 0 });
      wire.sync();
    } finally {
      wire.stream.uncork?.();
    }
  }

  handleRowDescription(): void {}
  handleDataRow(msg: { fields: (string | null)[] }): void {
    this.result.rows.push(msg.fields);
  }
  handleCommandComplete(msg: { text: string }): void {
    this.result.rowCount = commandRowCount(msg.text);
  }
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyInResponse(): void {}
  handleCopyData(): void {}
  /** A server error (then pg forgets this query; no ReadyForQuery reaches it) or a broken connection: called once. */
  handleError(err: Error): void {
    const cb = this.callback;
    this.callback = done;
    cb(err);
  }
  handleReadyForQuery(): void {
    const cb = this.callback;
    this.callback = done;
    cb(null, this.result);
  }
}

/** Executes the named statement `name` (prepared from `text` on first use on this connection) with `values`. */
export function execPrepared(client: pg.Client, name: string, text: string, values: readonly unknown[]): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    client.query(new PreparedQuery(name, text, values, (err, result) => (err ? reject(err) : resolve(result!))));
  });
}
