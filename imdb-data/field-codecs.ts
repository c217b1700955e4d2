// Validates one IMDb TSV field and turns it into a PostgreSQL COPY (text format) field or a typed JS value.
import type { ColumnKind } from './imdb-files.js';

/** A field or line that cannot be loaded; `reason` is shown to the user with file and line. */
export class Invalid {
  constructor(readonly reason: string) {}
}

export type FieldValue = string | number | boolean | string[] | null;

/** IMDb writes \N for "no value"; COPY's text format uses the same marker, so it passes through. */
export const IMDB_NULL = '\\N';

const MAX_INT_DIGITS = 9; // 999 999 999 < 2^31: anything longer might not fit int4, so it is rejected here, not by COPY

function preview(raw: string): string {
  return JSON.stringify(raw.length > 40 ? `${raw.slice(0, 40)}…` : raw);
}

/** COPY text format treats backslash as escape and CR as a line end, so both must be escaped in data. */
export function copyEscape(s: string): string {
  if (s.indexOf('\\') === -1 && s.indexOf('\r') === -1) return s;
  return s.replace(/\\/g, '\\\\').replace(/\r/g, '\\r');
}

function isDigits(s: string, from: number): boolean {
  if (s.length <= from) return false;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function isId(s: string): boolean {
  const a = s.charCodeAt(0);
  const b = s.charCodeAt(1);
  return a >= 97 && a <= 122 && b >= 97 && b <= 122 && isDigits(s, 2) && s.length <= 14;
}

function isRating(s: string): boolean {
  // 1–2 digits, optionally "." and one digit; at most 10.0
  const dot = s.indexOf('.');
  const whole = dot === -1 ? s : s.slice(0, dot);
  if (whole.length < 1 || whole.length > 2 || !isDigits(whole, 0)) return false;
  if (dot !== -1 && (s.length !== dot + 2 || !isDigits(s, dot + 1))) return false;
  return Number(s) <= 10;
}

/**
 * Element of a PostgreSQL array literal: quoted when the array parser would otherwise misread it.
 * Whitespace means ASCII whitespace only, as in PostgreSQL's array parser (copy-encoder.ts must agree byte for byte).
 */
function arrayElement(e: string): string {
  if (e !== '' && !/[{}",\\ \t\n\r\v\f]/.test(e) && e.toLowerCase() !== 'null') return e;
  return `"${e.replace(/["\\]/g, '\\$&')}"`;
}

export function arrayLiteral(items: readonly string[]): string {
  return `{${items.map(arrayElement).join(',')}}`;
}

function parseJsonList(raw: string, source: string): string[] | Invalid {
  // Fast path for the common ["One name"] with nothing to unescape.
  if (raw.startsWith('["') && raw.endsWith('"]') && raw.indexOf('\\') === -1 && raw.indexOf('"', 2) === raw.length - 2) {
    return [raw.slice(2, -2)];
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return new Invalid(`${source}: ${preview(raw)} is not a JSON array of strings`);
  }
  if (!Array.isArray(parsed) || !parsed.every((x): x is string => typeof x === 'string')) {
    return new Invalid(`${source}: ${preview(raw)} is not a JSON array of strings`);
  }
  return parsed;
}

/** Parses one field to its JS value (used by verify and the MongoDB model). */
export function parseField(kind: ColumnKind, raw: string, source: string, notNull = false): FieldValue | Invalid {
  if (raw === IMDB_NULL) return notNull ? new Invalid(`${source} is \\N but must have a value`) : null;
  if (raw.indexOf('\0') !== -1) return new Invalid(`${source} contains a NUL byte, which PostgreSQL text cannot store`);
  switch (kind) {
    case 'id':
      return isId(raw) ? raw : new Invalid(`${source}: ${preview(raw)} is not an IMDb id like tt0000001 or nm0000001`);
    case 'text':
      return raw;
    case 'int':
      return isDigits(raw, 0) && raw.length <= MAX_INT_DIGITS
        ? Number(raw)
        : new Invalid(`${source}: ${preview(raw)} is not a whole number (0–999999999)`);
    case 'bool':
      return raw === '1' ? true : raw === '0' ? false : new Invalid(`${source}: ${preview(raw)} is not 0 or 1`);
    case 'rating':
      return isRating(raw) ? Number(raw) : new Invalid(`${source}: ${preview(raw)} is not a rating between 0.0 and 10.0`);
    case 'list':
      return raw === '' ? [] : raw.split(',');
    case 'list-x02':
      return raw === '' ? [] : raw.split('\x02');
    case 'json-list':
      return parseJsonList(raw, source);
  }
}

/** Encodes one field for COPY … FROM STDIN (text format): validated, escaped, arrays as literals. */
export function encodeField(kind: ColumnKind, raw: string, source: string, notNull = false): string | Invalid {
  if (raw === IMDB_NULL) return notNull ? new Invalid(`${source} is \\N but must have a value`) : IMDB_NULL;
  if (kind === 'text') {
    // Text is the hot path: skip the generic parser.
    if (raw.indexOf('\0') !== -1) return new Invalid(`${source} contains a NUL byte, which PostgreSQL text cannot store`);
    return copyEscape(raw);
  }
  const value = parseField(kind, raw, source, notNull);
  if (value instanceof Invalid) return value;
  if (Array.isArray(value)) return copyEscape(arrayLiteral(value));
  return raw; // ids, ints, 0/1 and ratings are already valid COPY input as written
}
