// IMDb TSV (decompressed) in, PostgreSQL COPY text format out; malformed lines are skipped and reported.
import type { TransformOptions } from 'node:stream';
import type { BadLineLog } from './bad-lines.js';
import type { Invalid } from './field-codecs.js';
import type { ImdbFileSpec } from './imdb-files.js';
import { ImdbLineTransform } from './line-transform.js';
import { lineToCopy } from './tsv-row.js';

export class ImdbToCopyTransform extends ImdbLineTransform {
  private batch: string[] = [];

  constructor(spec: ImdbFileSpec, label: string, badLines: BadLineLog, options?: TransformOptions) {
    super(spec, label, badLines, options);
  }

  protected acceptLine(line: string): Invalid | undefined {
    const copy = lineToCopy(this.spec, line);
    if (typeof copy !== 'string') return copy;
    this.batch.push(copy);
    return undefined;
  }

  protected flushBatch(): void {
    if (this.batch.length === 0) return;
    // One push per input chunk keeps the per-row overhead out of the stream machinery.
    this.push(`${this.batch.join('\n')}\n`);
    this.batch = [];
  }
}
