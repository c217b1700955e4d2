// The one column aligner for plain-text tables (status, history, chaos, matrix, bench summaries).

export interface TableOptions {
  /** Per column; 'right' for figures. Default: every column left-aligned. */
  align?: readonly ('left' | 'right')[];
  /** Between columns (default two spaces). */
  gap?: string;
  /** The last column is free text: not padded, so a long message does not widen the table. */
  freeLastColumn?: boolean;
}

/** Rows of cells → lines with every column as wide as its widest cell; trailing blanks trimmed. */
export function formatTable(rows: readonly (readonly string[])[], opts: TableOptions = {}): string {
  const columns = Math.max(0, ...rows.map((r) => r.length));
  const sized = opts.freeLastColumn ? columns - 1 : columns;
  const widths = Array.from({ length: columns }, (_, i) => (i < sized ? Math.max(0, ...rows.map((r) => (r[i] ?? '').length)) : 0));
  const cell = (c: string, i: number) => (i >= sized ? c : opts.align?.[i] === 'right' ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0));
  return rows.map((r) => r.map(cell).join(opts.gap ?? '  ').trimEnd()).join('\n');
}
