// Streams decompressed IMDb TSV bytes line by line: header check, line numbers, UTF-8 check, bad-line reporting; subclasses decide the output.
import { isUtf8 } from 'node:buffer';
import { Transform, type TransformCallback, type TransformOptions } from 'node:stream';
import { UserError } from '../common/errors.js';
import type { BadLineLog } from './bad-lines.js';
import { headerLine, type ImdbFileSpec } from './imdb-files.js';

/** A line longer than this is not IMDb data (the longest real lines are a few kB); stop instead of buffering the file. */
const MAX_LINE_BYTES = 8 * 1024 * 1024;
const NEWLINE = 0x0a;
const CR = 0x0d;

export abstract class ImdbLineTransform extends Transform {
  /** Good data rows seen so far. */
  rows = 0;
  /** Decompressed bytes seen so far. */
  bytes = 0;
  /** Physical line number of the last line read (the header is line 1). */
  lineNo = 0;
  /** Bytes of an incomplete last line, waiting for the next chunk. */
  private carry: Buffer | null = null;

  constructor(
    protected readonly spec: ImdbFileSpec,
    /** The file as shown to the user in errors. */
    protected readonly label: string,
    protected readonly badLines: BadLineLog,
    options?: TransformOptions,
  ) {
    super(options);
  }

  /**
   * Handles one data line, buf[start, end) without its line end; returns a reason to have it reported and skipped.
   * Lines are only passed on when they are valid UTF-8.
   */
  protected abstract acceptLine(buf: Buffer, start: number, end: number, lineNo: number): string | undefined;
  /** Called after each input chunk: push what was accumulated. */
  protected abstract flushBatch(): void;
  /** Called before the lines of a chunk are handed out, with the chunk's size. */
  protected startChunk(_inputBytes: number): void {}

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    try {
      this.consume(this.carry ? Buffer.concat([this.carry, chunk]) : chunk, false);
      this.flushBatch();
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      if (this.carry) this.consume(this.carry, true);
      if (this.lineNo === 0) throw new UserError(`${this.label}: the file is empty (no header line)`, 'fetch or generate it again');
      this.flushBatch();
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  private consume(buf: Buffer, final: boolean): void {
    const lastNl = buf.lastIndexOf(NEWLINE);
    const end = final ? buf.length : lastNl + 1;
    this.startChunk(end);
    // One native check per chunk; only a chunk with a broken sequence is checked again line by line.
    const utf8 = isUtf8(buf.subarray(0, end));
    let start = 0;
    while (start < end) {
      let nl = buf.indexOf(NEWLINE, start);
      if (nl === -1 || nl >= end) nl = end;
      this.line(buf, start, nl, utf8);
      start = nl + 1;
    }
    this.carry = end < buf.length ? buf.subarray(end) : null;
    if (this.carry && this.carry.length > MAX_LINE_BYTES) {
      throw new UserError(
        `${this.label}:${this.lineNo + 1}: a line longer than ${MAX_LINE_BYTES} bytes — this is not an IMDb TSV file`,
        'fetch or generate the file again',
      );
    }
  }

  private line(buf: Buffer, start: number, rawEnd: number, utf8: boolean): void {
    this.lineNo++;
    // Windows line ends are tolerated: IMDb does not write them, but an edited file might.
    const end = rawEnd > start && buf[rawEnd - 1] === CR ? rawEnd - 1 : rawEnd;
    if (this.lineNo === 1) {
      let header = buf.toString('utf8', start, end);
      if (header.charCodeAt(0) === 0xfeff) header = header.slice(1);
      const expected = headerLine(this.spec);
      if (header !== expected) {
        throw new UserError(
          `${this.label}:1: header is ${JSON.stringify(header.slice(0, 200))}, expected ${JSON.stringify(expected)}`,
          `is this really ${this.spec.file}? fetch it again with \`pglab imdb fetch\` or generate a sample with \`pglab imdb sample\``,
        );
      }
      return;
    }
    const bad = !utf8 && !isUtf8(buf.subarray(start, end)) ? 'not valid UTF-8' : this.acceptLine(buf, start, end, this.lineNo);
    if (bad !== undefined) this.badLines.add({ file: this.label, line: this.lineNo, reason: bad });
    else this.rows++;
  }
}
