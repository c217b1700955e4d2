// The benchmark's connection after pg has connected and authenticated: it reads and writes the socket itself, so a client
// operation costs about what libpq's does (the messages are the same as pgbench -M prepared's).
import type pg from 'pg';
import type { ReusedReadSocket } from './reused-read-socket.js';

/** What an operation gets back: the row count, and the rows as the server's text (null for NULL), decoded when read. */
export interface RawResult {
  rowCount: number;
  readonly rows: (string | null)[][];
}

/** What a workload runs its statements on. */
export interface Executor {
  /** Executes the named statement `name` (prepared from `text` on its first use on this connection) with `values`. */
  exec(name: string, text: string, values: readonly unknown[]): Promise<RawResult>;
}

/** A server error, with its SQLSTATE in `code` like pg's (a connection error has none, or class 08, or 57P01). */
export class ServerError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly severity: string,
  ) {
    super(message);
  }
}

/** "SELECT 1", "INSERT 0 1", "UPDATE 3": the row count is the last word. */
export function commandRowCount(tag: string): number {
  const n = Number(tag.slice(tag.lastIndexOf(' ') + 1));
  return Number.isInteger(n) ? n : 0;
}

/** DataRow bodies → text values (Int16 count, then per column Int32 length, -1 for NULL, and the bytes). */
export function decodeDataRow(body: Buffer): (string | null)[] {
  const n = body.readInt16BE(0);
  const out: (string | null)[] = new Array(n);
  let o = 2;
  for (let i = 0; i < n; i++) {
    const len = body.readInt32BE(o);
    o += 4;
    if (len < 0) out[i] = null;
    else {
      out[i] = body.toString('utf8', o, o + len);
      o += len;
    }
  }
  return out;
}

/** ErrorResponse / NoticeResponse fields: a type byte, a C string, …, a zero byte. */
export function decodeError(body: Buffer): ServerError {
  const fields: Record<string, string> = {};
  let o = 0;
  while (o < body.length && body[o] !== 0) {
    const type = String.fromCharCode(body[o]!);
    const end = body.indexOf(0, o + 1);
    fields[type] = body.toString('utf8', o + 1, end);
    o = end + 1;
  }
  return new ServerError(fields.M ?? 'server error', fields.C ?? '', fields.S ?? 'ERROR');
}

class LazyResult implements RawResult {
  rowCount = 0;
  readonly bodies: Buffer[] = [];
  private decoded: (string | null)[][] | undefined;
  get rows(): (string | null)[][] {
    return (this.decoded ??= this.bodies.map(decodeDataRow));
  }
}

/** A frontend message: its type byte, Int32 length (itself included), the body. */
function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

const cstring = (s: string): Buffer => Buffer.from(`${s}\0`, 'utf8');
const int16 = (n: number): Buffer => Buffer.from([(n >> 8) & 0xff, n & 0xff]);

/** Parse: a named statement, parameter types left to the server. */
export function parseMessage(name: string, text: string): Buffer {
  return message('P', Buffer.concat([cstring(name), cstring(text), int16(0)]));
}

/**
 * Bind to the unnamed portal (every parameter and result column as text), then `tail`: one buffer, written once, since
 * this runs for every operation.
 */
export function bindMessage(statement: string, values: readonly (string | null)[], tail: Buffer = EMPTY): Buffer {
  let size = 1 + 4 + 1 + Buffer.byteLength(statement) + 1 + 2 + 2 + 2;
  for (const v of values) size += 4 + (v === null ? 0 : Buffer.byteLength(v));
  const out = Buffer.allocUnsafe(size + tail.length);
  out[0] = 0x42; // B
  out.writeInt32BE(size - 1, 1);
  out[5] = 0; // portal ""
  let o = 6 + out.write(statement, 6);
  out[o++] = 0;
  o = out.writeInt16BE(0, o); // parameter formats: all text
  o = out.writeInt16BE(values.length, o);
  for (const v of values) {
    if (v === null) o = out.writeInt32BE(-1, o);
    else {
      const len = out.write(v, o + 4);
      out.writeInt32BE(len, o);
      o += 4 + len;
    }
  }
  o = out.writeInt16BE(0, o); // result formats: all text
  tail.copy(out, o);
  return out;
}

const EMPTY = Buffer.alloc(0);

/** Describe (portal ""), Execute (portal "", all rows), Sync: the same bytes after every Bind. */
export const DESCRIBE_EXECUTE_SYNC = Buffer.concat([message('D', Buffer.from('P\0', 'latin1')), message('E', Buffer.from([0, 0, 0, 0, 0])), message('S', Buffer.alloc(0))]);

interface Pending {
  result: LazyResult;
  name: string;
  error?: ServerError;
  resolve: (r: RawResult) => void;
  reject: (err: Error) => void;
}

/**
 * One operation at a time on a connection pg opened: Parse on first use of a name (kept once ParseComplete arrives), then
 * Bind, Describe, Execute, Sync in one write, answered at ReadyForQuery. Every message is framed; only DataRow bodies are
 * kept (copied, and decoded when read), CommandComplete read for the count, ErrorResponse for the error. A chunk is never
 * kept past its call: with a ReusedReadSocket the next read overwrites it.
 */
export class WireSession implements Executor {
  private readonly socket: NonNullable<pg.Connection['stream']>;
  private readonly prepared = new Set<string>();
  private pending: Pending | undefined;
  private buffered: Buffer | undefined;
  private closed: Error | undefined;

  /**
   * Takes the socket of a connected pg.Client: from here on the client is only good for `end()`. `reads` is the
   * ReusedReadSocket pg was given, if it was, and is used if pg still talks through it (not when it wrapped it in TLS).
   */
  constructor(client: pg.Client, reads?: ReusedReadSocket) {
    this.socket = (client as unknown as { connection: pg.Connection }).connection.stream;
    this.socket.removeAllListeners('data');
    if (reads && (reads.socket as unknown) === this.socket) reads.takeReads((chunk) => this.onData(chunk));
    else this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    const gone = (err?: Error): void => this.fail(err ?? new Error('the server closed the connection'));
    this.socket.on('error', gone);
    this.socket.on('close', () => gone());
  }

  exec(name: string, text: string, values: readonly unknown[]): Promise<RawResult> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(this.closed);
      if (this.pending) return reject(new Error('WireSession runs one operation at a time'));
      this.pending = { result: new LazyResult(), name, resolve, reject };
      const bound = bindMessage(name, values.map((v) => (v === null || v === undefined ? null : String(v))), DESCRIBE_EXECUTE_SYNC);
      this.socket.write(this.prepared.has(name) ? bound : Buffer.concat([parseMessage(name, text), bound]));
    });
  }

  /** The connection is gone: the pending operation and every later one fail with why (the server's FATAL error if it sent one). */
  private fail(err: Error): void {
    const p = this.pending;
    this.pending = undefined;
    this.closed ??= p?.error ?? err;
    p?.reject(this.closed);
  }

  private onData(chunk: Buffer): void {
    let buf = chunk;
    if (this.buffered) {
      buf = Buffer.concat([this.buffered, chunk]);
      this.buffered = undefined;
    }
    let o = 0;
    while (o + 5 <= buf.length) {
      const end = o + 1 + buf.readInt32BE(o + 1);
      if (end > buf.length) break;
      this.onMessage(buf[o]!, buf, o + 5, end);
      o = end;
    }
    if (o < buf.length) this.buffered = Buffer.from(buf.subarray(o));
  }

  private onMessage(type: number, buf: Buffer, start: number, end: number): void {
    const p = this.pending;
    switch (type) {
      case 0x44: // D DataRow
        p?.result.bodies.push(Buffer.from(buf.subarray(start, end)));
        return;
      case 0x43: // C CommandComplete
        if (p) p.result.rowCount = commandRowCount(buf.toString('utf8', start, end - 1));
        return;
      case 0x31: // 1 ParseComplete
        if (p) this.prepared.add(p.name);
        return;
      case 0x45: {
        // E ErrorResponse: the rest until Sync is skipped, ReadyForQuery still comes (unless FATAL: then the socket closes)
        const err = decodeError(buf.subarray(start, end));
        if (p) p.error ??= err;
        else this.fail(err);
        return;
      }
      case 0x5a: // Z ReadyForQuery
        this.pending = undefined;
        if (p?.error) p.reject(p.error);
        else p?.resolve(p.result);
        return;
      default: // BindComplete, RowDescription, NoData, EmptyQuery, Notice, ParameterStatus, Notification: nothing to keep
        return;
    }
  }
}
