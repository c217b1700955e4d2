// The benchmark's wire-level session: the messages it writes, and how it reads the server's answers, against a fake socket.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { bindMessage, commandRowCount, decodeDataRow, decodeError, DESCRIBE_EXECUTE_SYNC, parseMessage, WireSession } from '../../../bench/wire-session.js';

/** A backend message: type byte, Int32 length, body. */
function backend(type: string, body: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}
const cstr = (s: string): Buffer => Buffer.from(`${s}\0`);
function dataRow(values: (string | null)[]): Buffer {
  const parts = [Buffer.from([0, values.length])];
  for (const v of values) {
    const len = Buffer.alloc(4);
    len.writeInt32BE(v === null ? -1 : Buffer.byteLength(v));
    parts.push(len, v === null ? Buffer.alloc(0) : Buffer.from(v));
  }
  return backend('D', Buffer.concat(parts));
}
const errorResponse = (severity: string, code: string, message: string): Buffer =>
  backend('E', Buffer.concat([Buffer.from('S'), cstr(severity), Buffer.from('C'), cstr(code), Buffer.from('M'), cstr(message), Buffer.from([0])]));
const ready = backend('Z', Buffer.from('I'));
const complete = (tag: string): Buffer => backend('C', cstr(tag));

/** A connected pg.Client as far as WireSession sees it: its socket, with pg's own data listener on it. */
function fakeClient() {
  const socket = Object.assign(new EventEmitter(), { written: [] as Buffer[], write(b: Buffer) { this.written.push(b); return true; } });
  socket.on('data', () => {
    throw new Error("pg's parser must not see the session's traffic");
  });
  return { client: { connection: { stream: socket } } as never, socket };
}

describe('the messages the session writes', () => {
  it('Bind: unnamed portal, the statement, all parameters and results as text, NULL as length -1', () => {
    expect(bindMessage('q', ['tt1', null, 'é']).toString('hex')).toBe('420000001e0071000000000300000003747431ffffffff00000002c3a90000');
  });

  it('Parse: the name, the text, no parameter types; then Describe portal, Execute all rows, Sync', () => {
    expect(parseMessage('q', 'SELECT $1').toString('hex')).toBe('5000000012710053454c454354202431000000');
    expect(DESCRIBE_EXECUTE_SYNC.toString('hex')).toBe('44000000065000450000000900000000005300000004');
  });
});

describe('reading what the server sends', () => {
  it('decodes a data row as text, NULL as null', () => {
    expect(decodeDataRow(dataRow(['tt1', null, 'Amélie']).subarray(5))).toEqual(['tt1', null, 'Amélie']);
  });

  it('takes an error response apart into message, SQLSTATE and severity', () => {
    const err = decodeError(errorResponse('FATAL', '57P01', 'terminating connection due to administrator command').subarray(5));
    expect({ message: err.message, code: err.code, severity: err.severity }).toEqual({ message: 'terminating connection due to administrator command', code: '57P01', severity: 'FATAL' });
  });

  it.each([
    ['SELECT 1', 1],
    ['INSERT 0 1', 1],
    ['UPDATE 12', 12],
    ['CREATE TABLE', 0],
  ])('the row count of %s is %i', (tag, n) => expect(commandRowCount(tag)).toBe(n));
});

describe('WireSession', () => {
  it('parses a statement once per connection, answers at ReadyForQuery, and reads messages split across chunks', async () => {
    const { client, socket } = fakeClient();
    const s = new WireSession(client);
    const first = s.exec('q', 'SELECT $1', ['a']);
    expect(socket.written[0]!.subarray(0, 1).toString()).toBe('P');
    const answer = Buffer.concat([backend('1'), backend('2'), backend('T', Buffer.from([0, 0])), dataRow(['x', null]), dataRow(['y', 'z']), complete('SELECT 2'), ready]);
    socket.emit('data', answer.subarray(0, 7));
    socket.emit('data', answer.subarray(7, 30));
    socket.emit('data', answer.subarray(30));
    const r = await first;
    expect(r.rowCount).toBe(2);
    expect(r.rows).toEqual([['x', null], ['y', 'z']]);
    const second = s.exec('q', 'SELECT $1', ['b']);
    expect(socket.written[1]!.subarray(0, 1).toString()).toBe('B'); // no second Parse
    socket.emit('data', Buffer.concat([backend('2'), complete('SELECT 0'), ready]));
    expect((await second).rowCount).toBe(0);
  });

  it('rejects with the server error at ReadyForQuery, and parses again a statement whose Parse failed', async () => {
    const { client, socket } = fakeClient();
    const s = new WireSession(client);
    const bad = s.exec('q', 'SELEC $1', ['a']);
    socket.emit('data', Buffer.concat([errorResponse('ERROR', '42601', 'syntax error at or near "SELEC"'), ready]));
    await expect(bad).rejects.toMatchObject({ code: '42601', message: 'syntax error at or near "SELEC"' });
    void s.exec('q', 'SELEC $1', ['a']).catch(() => undefined);
    expect(socket.written[1]!.subarray(0, 1).toString()).toBe('P');
  });

  it('rejects with the FATAL error when the server then closes the connection, and refuses later operations', async () => {
    const { client, socket } = fakeClient();
    const s = new WireSession(client);
    const op = s.exec('q', 'SELECT 1', []);
    socket.emit('data', errorResponse('FATAL', '57P01', 'terminating connection due to administrator command'));
    socket.emit('close');
    await expect(op).rejects.toMatchObject({ code: '57P01' });
    await expect(s.exec('q', 'SELECT 1', [])).rejects.toMatchObject({ code: '57P01' });
  });

  it('keeps nothing of a chunk past its call (a ReusedReadSocket reads the next one into the same memory)', async () => {
    const { client, socket } = fakeClient();
    const s = new WireSession(client);
    const op = s.exec('q', 'SELECT 1', []);
    const rows = Buffer.concat([backend('1'), backend('2'), dataRow(['kept']), dataRow(['split'])]);
    const head = Buffer.from(rows.subarray(0, rows.length - 3)); // the second row's last bytes come with the next read
    socket.emit('data', head);
    head.fill(0);
    const tail = Buffer.concat([rows.subarray(rows.length - 3), complete('SELECT 2'), ready]);
    socket.emit('data', tail);
    tail.fill(0);
    expect((await op).rows).toEqual([['kept'], ['split']]);
  });

  it('runs one operation at a time', async () => {
    const { client } = fakeClient();
    const s = new WireSession(client);
    void s.exec('q', 'SELECT 1', []);
    await expect(s.exec('q', 'SELECT 1', [])).rejects.toThrow(/one operation at a time/);
  });
});
