// Histories from elsewhere: malformed lines get one clear error naming the line; the shape is Jepsen's.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../../common/errors.js';
import { readHistory } from '../../../../chaos/checker/history-reader.js';
import { checkTable, REPLICA_PORT } from '../../../../chaos/checker/check-history.js';

const read = (text: string) => readHistory(Readable.from([text]));
const line = (o: object) => JSON.stringify({ f: 'txn', ...o });

describe('reading a history', () => {
  it('reads JSON lines into transactions, with string and integer keys and values', async () => {
    const t = await read(
      [
        line({ index: 0, time: 0, type: 'invoke', process: 0, value: [['append', 'k', 'a'], ['r', 3, null]] }),
        line({ index: 1, time: 10, type: 'ok', process: 0, value: [['append', 'k', 'a'], ['r', 3, [1]]], node: '10.42.0.10', port: 5432, lsn: '0/16B3748' }),
        '',
      ].join('\n'),
    );
    expect(t.n).toBe(1);
    expect(t.keyNames).toEqual(['k', 3]);
    const r = checkTable(t, { isolation: 'serializable', replication: 'sync', replicaPort: REPLICA_PORT });
    expect(r.counts).toEqual({ 'garbage-read': 1 });
  });

  it.each([
    ['not JSON', '{"index": 0,', /^line 1: not JSON/],
    ['an unknown micro-operation', line({ index: 0, time: 0, type: 'invoke', process: 0, value: [['w', 'x', 1]] }), /^line 1: value\[0\]: unknown micro-operation "w": only "append" and "r"$/],
    ['a bad type', line({ index: 0, time: 0, type: 'done', process: 0, value: [] }), /^line 1: type: /],
    ['a read holding an object', line({ index: 0, time: 0, type: 'ok', process: 0, value: [['r', 'x', [{}]]] }), /^line 1: value\[0\]: the read of key "x" holds \{\}/],
    ['a missing time', JSON.stringify({ index: 0, type: 'invoke', process: 0, f: 'txn', value: [] }), /^line 1: time: /],
  ])('rejects %s, naming the line', async (_what, text, message) => {
    const err = await read(text).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(message);
  });

  it('rejects a completion without an invocation', async () => {
    await expect(read(line({ index: 0, time: 0, type: 'ok', process: 7, value: [] }))).rejects.toThrow(/^line 1: an "ok" for process 7 with no invocation before it/);
  });

  it('rejects indices out of order', async () => {
    const text = [line({ index: 5, time: 0, type: 'invoke', process: 0, value: [] }), line({ index: 4, time: 1, type: 'ok', process: 0, value: [] })].join('\n');
    await expect(read(text)).rejects.toThrow(/^line 2: index 4 comes after index 5/);
  });

  it('rejects a process that invokes twice without completing', async () => {
    const text = [line({ index: 0, time: 0, type: 'invoke', process: 0, value: [] }), line({ index: 1, time: 1, type: 'invoke', process: 0, value: [] })].join('\n');
    await expect(read(text)).rejects.toThrow(/^line 2: process 0 invokes again before its operation at index 0 completed/);
  });

  it('refuses a value appended twice to one key (the order would be ambiguous)', async () => {
    const text = [0, 1].flatMap((p) => [line({ index: p * 2, time: p, type: 'invoke', process: p, value: [['append', 'x', 1]] }), line({ index: p * 2 + 1, time: p, type: 'ok', process: p, value: [['append', 'x', 1]] })]).join('\n');
    const t = await read(text);
    expect(() => checkTable(t, { isolation: 'serializable', replication: 'sync', replicaPort: REPLICA_PORT })).toThrow(/the operations at index 1 and 3 both append 1 to key "x"/);
  });

  it('keeps an invocation the history never completed as indeterminate', async () => {
    const t = await read(line({ index: 0, time: 0, type: 'invoke', process: 0, value: [['append', 'x', 1]] }));
    expect(t.type[0]).toBe(1);
    expect(t.completeTime[0]).toBe(Infinity);
  });
});
