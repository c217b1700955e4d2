// Streams decompressed IMDb TSV text line by line: header check, line numbers, bad-line reporting; subclasses decide the output.
import { StringDecoder } from 'node:string_decoder';
import { Transform, type TransformCallback, type TransformOptions } from 'node:stream';
import { UserError } from '../common/errors.js';
import type { BadLineLog } from './bad-lines.js';
import { Invalid } from './field-codecs.js';
import { headerLine, type ImdbFileSpec } from './imdb-files.js';

/** A line longer than this is not IMDb data (the longest real lines are a few kB); stop instead of buffering the file. */
const MAX_LINE_CHARS = 8 * 1024 * 1024;

export abstract class ImdbLineTransform extends Transform {
  /** Good data rows seen so far. */
  rows = 0;
  /** Decompressed bytes seen so far. */
  bytes = 0;
  /** Physical line number of the last line read (the header is line 1). */
  lineNo = 0;
  private carry = '';
  private readonly decoder = new StringDecoder('utf8');

  constructor(
    protected readonly spec: ImdbFileSpec,
    /** The file as shown to the user in errors. */
    protected readonly label: string,
    protected readonly badLines: BadLineLog,
    options?: TransformOptions,
  ) {
    super(options);
  }

  /** Handles one data line; returns Invalid to have it reported and skipped. */
  protected abstract acceptLine(line: string, lineNo: number): Invalid | undefined;
  /** Called after each input chunk: push what was accumulated. */
  protected abstract flushBatch(): void;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    try {
      this.consume(this.decoder.write(chunk), false);
      this.flushBatch();
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.consume(this.decoder.end(), true);
      if (this.lineNo === 0) throw new UserError(`${this.label}: the file is empty (no header line)`, 'fetch or generate it again');
      this.flushBatch();
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  private consume(text: string, final: boolean): void {
    const buf = this.carry === '' ? text : this.carry + text;
    let start = 0;
    for (;;) {
      const nl = buf.indexOf('\n', start);
      if (nl === -1) break;
      this.line(buf.slice(start, nl));
      start = nl + 1;
    }
    this.carry = start === 0 ? buf : buf.slice(start);
    if (final && this.carry !== '') {
      this.line(this.carry); // last line without a trailing newline
      this.carry = '';
    }
    if (this.carry.length > MAX_LINE_CHARS) {
      throw new UserError(
        `${this.label}:${this.lineNo + 1}: a line longer than ${MAX_LINE_CHARS} characters — this is not an IMDb TSV file`,
        'fetch or generate the file again',
      );
    }
  }

  private line(raw: string): void {
    this.lineNo++;
    // Windows line ends are tolerated: IMDb does not write them, but an edited file might.
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (this.lineNo === 1) {
      const header = line.charCodeAt(0) === 0xfeff ? line.slice(1) : line;
      const expected = headerLine(this.spec);
      if (header !== expected) {
        throw new UserError(
          `${this.label}:1: header is ${JSON.stringify(header.slice(0, 200))}, expected ${JSON.stringify(expected)}`,
          `is this really ${this.spec.file}? fetch it again with \`pglab imdb fetch\` or generate a sample with \`pglab imdb sample\``,
        );
      }
      return;
    }
    const bad = this.acceptLine(line, this.lineNo);
    if (bad) this.badLines.add({ file: this.label, line: this.lineNo, reason: bad.reason });
    else this.rows++;
  }
}
