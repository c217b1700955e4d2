// Turns one IMDb TSV line into a COPY line or typed values, or says precisely why it cannot.
import { encodeField, Invalid, parseField, type FieldValue } from './field-codecs.js';
import type { ImdbFileSpec } from './imdb-files.js';

function checkShape(spec: ImdbFileSpec, fields: string[], line: string): Invalid | undefined {
  if (line === '') return new Invalid('empty line');
  if (fields.length !== spec.columns.length) {
    const hint = fields.length > spec.columns.length ? ' (a tab inside a text field?)' : ' (line cut short?)';
    return new Invalid(`expected ${spec.columns.length} tab-separated fields, found ${fields.length}${hint}`);
  }
  return undefined;
}

/** The COPY text-format line (without the newline) for one IMDb data line. */
export function lineToCopy(spec: ImdbFileSpec, line: string): string | Invalid {
  const fields = line.split('\t');
  const bad = checkShape(spec, fields, line);
  if (bad) return bad;
  let out = '';
  for (let i = 0; i < fields.length; i++) {
    const column = spec.columns[i]!;
    const encoded = encodeField(column.kind, fields[i]!, column.source, column.notNull);
    if (typeof encoded !== 'string') return encoded;
    out += i === 0 ? encoded : `\t${encoded}`;
  }
  return out;
}

/** Typed values of one IMDb data line, in column order. */
export function lineToValues(spec: ImdbFileSpec, line: string): FieldValue[] | Invalid {
  const fields = line.split('\t');
  const bad = checkShape(spec, fields, line);
  if (bad) return bad;
  const values: FieldValue[] = [];
  for (let i = 0; i < fields.length; i++) {
    const column = spec.columns[i]!;
    const value = parseField(column.kind, fields[i]!, column.source, column.notNull);
    if (value instanceof Invalid) return value;
    values.push(value);
  }
  return values;
}
