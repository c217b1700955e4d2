import { describe, expect, it } from 'vitest';
import { liftPartitionScript, partitionScript, PARTITION_TABLE } from '../../../chaos/partition.js';

describe('partitionScript', () => {
  it('drops traffic both ways to the peers, in a pglab-named table that replaces any earlier one', () => {
    const s = partitionScript(['10.42.0.20', '10.42.0.21']);
    expect(PARTITION_TABLE).toMatch(/^pglab/);
    expect(s.indexOf(`delete table inet ${PARTITION_TABLE}`)).toBeLessThan(s.indexOf(`table inet ${PARTITION_TABLE} {\n`));
    expect(s).toContain('ip daddr { 10.42.0.20, 10.42.0.21 } drop');
    expect(s).toContain('ip saddr { 10.42.0.20, 10.42.0.21 } drop');
    expect(s).toMatch(/hook output[\s\S]*hook input/);
  });

  it('refuses an empty peer list rather than writing a rule that matches nothing', () => {
    expect(() => partitionScript([])).toThrow(/at least one peer/);
  });

  it('lifts without failing when there is no partition', () => {
    expect(liftPartitionScript()).toBe(`table inet ${PARTITION_TABLE} {}\ndelete table inet ${PARTITION_TABLE}\n`);
  });
});
