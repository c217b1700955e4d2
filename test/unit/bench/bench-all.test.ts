import { describe, expect, it } from 'vitest';
import { formatTable } from '../../../measure/bench-all.js';

describe('bench-all table', () => {
  it('shows each figure with its goal and whether it is met, then the conditions and how each was measured', () => {
    const text = formatTable(
      [
        { what: 'kill: write gap, median', value: '1.52 s', goal: '≤ 1.5 s', met: false, how: 'chaos kill --repeat 10' },
        { what: 'cold machines', value: 'not run', goal: '≤ 90 s', met: null, how: 'COLD=1' },
      ],
      'commit abc1234; load average 1.0',
    );
    expect(text.split('\n')).toEqual([
      'FIGURE                   MEASURED  GOAL     MET',
      'kill: write gap, median  1.52 s    ≤ 1.5 s  NO',
      'cold machines            not run   ≤ 90 s   -',
      '',
      'commit abc1234; load average 1.0',
      '- kill: write gap, median: chaos kill --repeat 10',
      '- cold machines: COLD=1',
    ]);
  });
});
