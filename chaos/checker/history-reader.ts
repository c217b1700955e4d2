// Reads a JSON-lines history from a file (or stdin) into a transaction table, line by line: every line is
// validated, and the first bad one stops the read with its line number and what is wrong with it.
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { UserError } from '../../common/errors.js';
import { describeIssues, historyOpSchema, type HistoryOp } from './history-format.js';
import { fieldsFromOp, fieldsFromPlainJson, LineFields } from './line-fields.js';
import { TxnTableBuilder } from './txn-table-builder.js';
import type { TxnTable } from './txn-table.js';

function parseJson(text: string, line: number): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UserError(`line ${line}: not JSON (${(err as Error).message})`, 'a history has one JSON object per line (JSON lines)');
  }
}

/** Validates one parsed line with the schema; throws a UserError naming the line. */
export function validateHistoryLine(json: unknown, line: number): HistoryOp {
  const r = historyOpSchema.safeParse(json);
  if (!r.success) throw new UserError(`line ${line}: ${describeIssues(r.error)}`, 'each line is {"index", "time", "type": invoke|ok|fail|info, "process", "f": "txn", "value": [["append", k, v] | ["r", k, list|null], …]} (docs/checker.md)');
  return r.data;
}

/** Reads every line of `input` into a table. */
export async function readHistory(input: Readable): Promise<TxnTable> {
  const builder = new TxnTableBuilder();
  const fields = new LineFields();
  // The plain shape is checked while it is copied into the fields; any other line goes through the schema.
  const add = (text: string, line: number) => {
    const json = parseJson(text, line);
    builder.add(fieldsFromPlainJson(json, fields) ? fields : fieldsFromOp(validateHistoryLine(json, line), fields), line);
  };
  let line = 0;
  let rest = '';
  input.setEncoding('utf8');
  for await (const chunk of input as AsyncIterable<string>) {
    const text = rest + chunk;
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      line++;
      const l = text.slice(start, nl);
      start = nl + 1;
      if (l.trim()) add(l, line);
    }
    rest = text.slice(start);
  }
  if (rest.trim()) add(rest, ++line);
  if (line === 0) throw new UserError('the history is empty', 'give a JSON-lines file with one operation per line');
  return builder.finish();
}

/** Reads a history file; "-" reads stdin. */
export async function readHistoryFile(path: string): Promise<TxnTable> {
  if (path === '-') return readHistory(process.stdin);
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  // A missing or unreadable file is the user's to fix, not a crash.
  const opened = new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (err: NodeJS.ErrnoException) => reject(new UserError(`cannot read ${path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`, 'give the path of a history file (JSON lines), e.g. pglab-chaos-report/kill-1.history.jsonl')));
  });
  await opened;
  return readHistory(stream);
}
