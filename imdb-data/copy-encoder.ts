// Byte-level fast path of the TSV→COPY conversion: handles the common clean line without decoding it to a string.
// Anything unusual (backslashes, CR, NUL, quotes in lists, escaped JSON, any invalid field) returns -1 so the caller
// uses the string path (tsv-row.ts), which is the reference: the output here must equal it byte for byte.
import type { ColumnKind, ImdbFileSpec } from './imdb-files.js';

const TAB = 0x09;
const NL = 0x0a;
const CR = 0x0d;
const BACKSLASH = 0x5c;
const QUOTE = 0x22;
const COMMA = 0x2c;
const DOT = 0x2e;
const X02 = 0x02;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const ZERO = 0x30;
const NINE = 0x39;

const KIND_CODES: Record<ColumnKind, number> = { id: 0, text: 1, int: 2, bool: 3, rating: 4, list: 5, 'list-x02': 6, 'json-list': 7 };

export interface EncoderPlan {
  kinds: Uint8Array;
  notNull: boolean[];
}

export function encoderPlan(spec: ImdbFileSpec): EncoderPlan {
  return { kinds: Uint8Array.from(spec.columns.map((c) => KIND_CODES[c.kind])), notNull: spec.columns.map((c) => c.notNull === true) };
}

/** Output bytes one line can need at most on the fast path (elements quoted, braces, separators). */
export function worstCaseBytes(plan: EncoderPlan, lineBytes: number): number {
  return lineBytes * 3 + plan.kinds.length * 4 + 8;
}

const isDigit = (c: number): boolean => c >= ZERO && c <= NINE;

/** Bytes the array parser treats specially (besides `"` and `\`, which send the line to the string path). */
function needsQuote(c: number, separatorIsComma: boolean): boolean {
  return c === 0x20 || c === LBRACE || c === RBRACE || (c >= TAB && c <= CR) || (!separatorIsComma && c === COMMA);
}

function isNullWord(buf: Buffer, s: number, e: number): boolean {
  return e - s === 4 && (buf[s]! | 0x20) === 0x6e && (buf[s + 1]! | 0x20) === 0x75 && (buf[s + 2]! | 0x20) === 0x6c && (buf[s + 3]! | 0x20) === 0x6c;
}

function copyBytes(src: Buffer, s: number, e: number, out: Buffer, pos: number): number {
  if (e - s > 32) return pos + src.copy(out, pos, s, e);
  for (let i = s; i < e; i++) out[pos++] = src[i]!;
  return pos;
}

/** Writes array elements separated by `sep` as a PostgreSQL array literal; -1 if an element needs the string path. */
function writeList(buf: Buffer, s: number, e: number, sep: number, out: Buffer, pos: number): number {
  out[pos++] = LBRACE;
  if (s < e) {
    let es = s;
    for (;;) {
      let ee = es;
      let quote = false;
      while (ee < e && buf[ee] !== sep) {
        const c = buf[ee]!;
        if (c === QUOTE) return -1;
        if (needsQuote(c, sep === COMMA)) quote = true;
        ee++;
      }
      if (ee === es || isNullWord(buf, es, ee)) quote = true;
      if (quote) out[pos++] = QUOTE;
      pos = copyBytes(buf, es, ee, out, pos);
      if (quote) out[pos++] = QUOTE;
      if (ee >= e) break;
      out[pos++] = COMMA;
      es = ee + 1;
    }
  }
  out[pos++] = RBRACE;
  return pos;
}

function validRating(buf: Buffer, s: number, e: number): boolean {
  const len = e - s;
  // d, dd, d.d, dd.d — and at most 10.0
  if (len === 1) return isDigit(buf[s]!);
  if (len === 2) return isDigit(buf[s]!) && isDigit(buf[s + 1]!) && (buf[s] === 0x31 ? buf[s + 1] === ZERO : buf[s] === ZERO);
  if (len === 3) return isDigit(buf[s]!) && buf[s + 1] === DOT && isDigit(buf[s + 2]!);
  if (len === 4) return buf[s + 2] === DOT && isDigit(buf[s]!) && isDigit(buf[s + 1]!) && isDigit(buf[s + 3]!) && (buf[s] === 0x31 ? buf[s + 1] === ZERO && buf[s + 3] === ZERO : buf[s] === ZERO);
  return false;
}

/**
 * Encodes buf[start, end) (one line, no line end) into out at pos, followed by a newline.
 * Returns the new position, or -1 when the line must go through the string path. `out` must have worstCaseBytes room.
 */
export function encodeLineFast(plan: EncoderPlan, buf: Buffer, start: number, end: number, out: Buffer, pos: number): number {
  const { kinds, notNull } = plan;
  const n = kinds.length;
  let p = start;
  if (start === end) return -1;
  for (let c = 0; c < n; c++) {
    const fs = p;
    let special = false;
    while (p < end) {
      const b = buf[p]!;
      if (b === TAB) break;
      if (b === BACKSLASH || b === CR || b === 0) special = true;
      p++;
    }
    const fe = p;
    if (c < n - 1 ? p >= end : p < end) return -1; // too few or too many fields
    p++; // past the tab
    if (c > 0) out[pos++] = TAB;
    if (fe - fs === 2 && buf[fs] === BACKSLASH && buf[fs + 1] === 0x4e) {
      if (notNull[c]) return -1;
      out[pos++] = BACKSLASH;
      out[pos++] = 0x4e;
      continue;
    }
    if (special) return -1;
    const len = fe - fs;
    switch (kinds[c]) {
      case 0: {
        // id: two lowercase letters, then digits
        if (len < 3 || len > 14) return -1;
        const a = buf[fs]!;
        const b = buf[fs + 1]!;
        if (a < 0x61 || a > 0x7a || b < 0x61 || b > 0x7a) return -1;
        for (let i = fs + 2; i < fe; i++) if (!isDigit(buf[i]!)) return -1;
        pos = copyBytes(buf, fs, fe, out, pos);
        break;
      }
      case 1:
        pos = copyBytes(buf, fs, fe, out, pos);
        break;
      case 2:
        if (len < 1 || len > 9) return -1;
        for (let i = fs; i < fe; i++) if (!isDigit(buf[i]!)) return -1;
        pos = copyBytes(buf, fs, fe, out, pos);
        break;
      case 3:
        if (len !== 1 || (buf[fs] !== ZERO && buf[fs] !== 0x31)) return -1;
        out[pos++] = buf[fs]!;
        break;
      case 4:
        if (!validRating(buf, fs, fe)) return -1;
        pos = copyBytes(buf, fs, fe, out, pos);
        break;
      case 5:
        pos = writeList(buf, fs, fe, COMMA, out, pos);
        if (pos < 0) return -1;
        break;
      case 6:
        pos = writeList(buf, fs, fe, X02, out, pos);
        if (pos < 0) return -1;
        break;
      case 7: {
        // ["one element"] with no quote inside; anything else is real JSON for the string path.
        if (len < 4 || buf[fs] !== LBRACKET || buf[fs + 1] !== QUOTE || buf[fe - 2] !== QUOTE || buf[fe - 1] !== RBRACKET) return -1;
        let quote = len === 4;
        for (let i = fs + 2; i < fe - 2; i++) {
          const b = buf[i]!;
          if (b === QUOTE) return -1;
          if (needsQuote(b, true) || b === COMMA) quote = true;
        }
        if (isNullWord(buf, fs + 2, fe - 2)) quote = true;
        out[pos++] = LBRACE;
        if (quote) out[pos++] = QUOTE;
        pos = copyBytes(buf, fs + 2, fe - 2, out, pos);
        if (quote) out[pos++] = QUOTE;
        out[pos++] = RBRACE;
        break;
      }
      default:
        return -1;
    }
  }
  out[pos++] = NL;
  return pos;
}
