// PostgreSQL must not inherit the daemon's raised priority (it would compete with etcd and the daemon again).
import { describe, expect, it } from 'vitest';
import { atNormalPriority } from '../../../daemon/postgres-ctl.js';

describe('atNormalPriority', () => {
  it('runs the tool through nice back to 0 when the daemon runs raised', () => {
    expect(atNormalPriority('/usr/lib/postgresql/15/bin/pg_ctl', ['start', '-D', '/d'], -10)).toEqual(['nice', ['-n', '10', '/usr/lib/postgresql/15/bin/pg_ctl', 'start', '-D', '/d']]);
  });

  it('runs the tool directly at normal or lowered priority', () => {
    expect(atNormalPriority('/bin/pg_ctl', ['stop'], 0)).toEqual(['/bin/pg_ctl', ['stop']]);
    expect(atNormalPriority('/bin/pg_ctl', ['stop'], 5)).toEqual(['/bin/pg_ctl', ['stop']]);
  });
});
