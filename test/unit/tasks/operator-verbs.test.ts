import { describe, expect, it } from 'vitest';
import { editedAssignments, formatRoleChange } from '../../../tasks/operator-verbs.js';

describe('pglab config edit', () => {
  const shown = "synchronous = false\nmaxLagOnFailover = 67108864\nfailoverTimeout = (each daemon's --failover-timeout)\npostgresql.work_mem = 8MB";

  it('turns the edited lines into the assignments that changed; a removed parameter line removes it', () => {
    const edited = "# comment\nsynchronous = false\nmaxLagOnFailover = 16MB\nfailoverTimeout = 15s\npostgresql.shared_buffers = 64MB";
    expect(editedAssignments(shown, edited)).toEqual(['maxLagOnFailover=16MB', 'failoverTimeout=15s', 'postgresql.shared_buffers=64MB', 'postgresql.work_mem=']);
  });

  it('changes nothing when nothing was edited', () => {
    expect(editedAssignments(shown, `# header\n${shown}\n`)).toEqual([]);
  });

  it('refuses a line that is not key = value', () => {
    expect(() => editedAssignments(shown, 'oops')).toThrow('config edit: "oops" is not "key = value"');
  });
});

describe('role change reports', () => {
  const r = { kind: 'failover' as const, from: 'pg0', to: 'pg2', forced: true, seconds: 3.21 };
  it('keeps the switchover wording and says when a failover was forced', () => {
    expect(formatRoleChange({ ...r, kind: 'switchover', forced: false })).toBe('switchover done: pg0 → pg2 in 3.2s; haproxy follows');
    expect(formatRoleChange(r)).toBe('failover (forced) done: pg0 → pg2 in 3.2s; haproxy follows');
  });
});
