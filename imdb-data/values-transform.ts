// IMDb TSV (decompressed) in, batches of typed rows out (object mode); used by verify and the MongoDB loader.
import type { BadLineLog } from './bad-lines.js';
import type { FieldValue, Invalid } from './field-codecs.js';
import type { ImdbFileSpec } from './imdb-files.js';
import { ImdbLineTransform } from './line-transform.js';
import { lineToValues } from './tsv-row.js';

export type Row = FieldValue[];

export class ImdbToValuesTransform extends ImdbLineTransform {
  private batch: Row[] = [];

  constructor(spec: ImdbFileSpec, label: string, badLines: BadLineLog) {
    super(spec, label, badLines, { readableObjectMode: true, readableHighWaterMark: 4 });
  }

  protected acceptLine(line: string): Invalid | undefined {
    const values = lineToValues(this.spec, line);
    if (!Array.isArray(values)) return values;
    this.batch.push(values);
    return undefined;
  }

  protected flushBatch(): void {
    if (this.batch.length === 0) return;
    this.push(this.batch);
    this.batch = [];
  }
}
