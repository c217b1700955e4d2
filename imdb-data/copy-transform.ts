// IMDb TSV (decompressed) in, PostgreSQL COPY text format out; malformed lines are skipped and reported.
import type { TransformOptions } from 'node:stream';
import type { BadLineLog } from './bad-lines.js';
import { encodeLineFast, encoderPlan, worstCaseBytes, type EncoderPlan } from './copy-encoder.js';
import { Invalid } from './field-codecs.js';
import type { ImdbFileSpec } from './imdb-files.js';
import { ImdbLineTransform } from './line-transform.js';
import { lineToCopy } from './tsv-row.js';

/** Output is sized from the input chunk; this is only the floor. */
const MIN_OUT = 64 * 1024;

export class ImdbToCopyTransform extends ImdbLineTransform {
  private readonly plan: EncoderPlan;
  private out: Buffer = Buffer.allocUnsafe(0);
  private pos = 0;
  /** Lines that needed the string path (for tests and curiosity: should be a small share). */
  slowLines = 0;

  constructor(spec: ImdbFileSpec, label: string, badLines: BadLineLog, options?: TransformOptions) {
    super(spec, label, badLines, options);
    this.plan = encoderPlan(spec);
  }

  private reserve(bytes: number): void {
    if (this.pos + bytes <= this.out.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.out.length * 2, this.pos + bytes));
    this.out.copy(bigger, 0, 0, this.pos);
    this.out = bigger;
  }

  protected acceptLine(buf: Buffer, start: number, end: number): string | undefined {
    this.reserve(worstCaseBytes(this.plan, end - start));
    const next = encodeLineFast(this.plan, buf, start, end, this.out, this.pos);
    if (next >= 0) {
      this.pos = next;
      return undefined;
    }
    this.slowLines++;
    const copy = lineToCopy(this.spec, buf.toString('utf8', start, end));
    if (copy instanceof Invalid) return copy.reason;
    const bytes = Buffer.byteLength(copy) + 1;
    this.reserve(bytes);
    this.pos += this.out.write(copy, this.pos);
    this.out[this.pos++] = 0x0a;
    return undefined;
  }

  /** One output buffer per input chunk, about its size: few allocations, and no big buffer held for a small push. */
  protected override startChunk(inputBytes: number): void {
    this.out = Buffer.allocUnsafe(Math.max(MIN_OUT, inputBytes + (inputBytes >> 3)));
    this.pos = 0;
  }

  protected flushBatch(): void {
    if (this.pos === 0) return;
    // The pushed bytes belong to the consumer now; the next chunk gets a fresh buffer.
    this.push(this.out.subarray(0, this.pos));
    this.out = Buffer.allocUnsafe(0);
    this.pos = 0;
  }
}
