// formatTable: columns as wide as their widest cell, figures right-aligned, a free last column.
import { describe, expect, it } from 'vitest';
import { formatTable } from '../../../common/text-table.js';

describe('formatTable', () => {
  it('pads every column to its widest cell and trims the line ends', () => {
    expect(formatTable([['NODE', 'ROLE'], ['pg0', 'primary'], ['pg10', 'replica']])).toBe('NODE  ROLE\npg0   primary\npg10  replica');
  });

  it('right-aligns the columns asked for', () => {
    expect(formatTable([['table', 'rows'], ['title', '9'], ['name', '1200']], { align: ['left', 'right'] })).toBe('table  rows\ntitle     9\nname   1200');
  });

  it('leaves a free last column unpadded so a long message does not widen the others', () => {
    expect(formatTable([['A', 'MESSAGE'], ['x', 'a long last-cycle message'], ['yy', 'ok']], { freeLastColumn: true })).toBe('A   MESSAGE\nx   a long last-cycle message\nyy  ok');
  });

  it('takes short rows and another gap', () => {
    expect(formatTable([['a', 'b', 'c'], ['dd']], { gap: ' | ' })).toBe('a  | b | c\ndd');
  });
});
