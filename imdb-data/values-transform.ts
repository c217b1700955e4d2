// IMDb TSV (decompressed) in, batches of typed rows out (object mode); used by the MongoDB loader.
import type { BadLineLog } from './bad-lines.js';
import { Invalid, type FieldValue } from './field-codecs.js';
import type { ImdbFileSpec } from './imdb-files.js';
import { ImdbLineTransform } from './line-transform.js';
import { lineToValues } from './tsv-row.js';

export type Row = FieldValue[];

export class ImdbToValuesTransform extends ImdbLineTransform {
  private batch: Row[] = [];

  constructor(spec: ImdbFileSpec, label: string, badLines: BadLineLog) {
    super(spec, label, badLines, { readableObjectMode: true, readableHighWaterMark: 4 });
  }

  protected acceptLine(buf: Buffer, start: number, end: number): string | undefined {
    const values = lineToValues(this.spec, buf.toString('utf8', start, end));
    if (values instanceof Invalid) return values.reason;
    this.batch.push(values);
    return undefined;
  }

  protected flushBatch(): void {
    if (this.batch.length === 0) return;
    this.push(this.batch);
    this.batch = [];
  }
}
