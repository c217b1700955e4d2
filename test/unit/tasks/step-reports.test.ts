import { describe, expect, it } from 'vitest';
import type { Step } from '../../../tasks/graph/step.js';
import type { ScheduleResult } from '../../../tasks/graph/scheduler.js';
import { stepReports } from '../../../tasks/run-steps.js';
import { UserError } from '../../../common/errors.js';

const step = (id: string): Step => ({ id, title: `${id} title`, needs: [], run: async () => 'done' });

describe('stepReports (machines --json)', () => {
  it('gives every step its outcome: what it did, why it failed, why it was skipped, or that it never ran', () => {
    const results: ScheduleResult = new Map([
      ['a', { status: 'succeeded', message: 'created and booted in 2s', ms: 2000 }],
      ['b', { status: 'failed', error: new UserError('the cluster "pglab" runs sync replication, the topology asks for async'), ms: 10 }],
      ['c', { status: 'skipped', reason: 'b failed' }],
    ]);
    expect(stepReports([step('a'), step('b'), step('c'), step('d')], results)).toEqual([
      { id: 'a', title: 'a title', status: 'succeeded', message: 'created and booted in 2s', ms: 2000 },
      { id: 'b', title: 'b title', status: 'failed', message: expect.stringContaining('runs sync replication') as unknown as string, ms: 10 },
      { id: 'c', title: 'c title', status: 'skipped', message: 'b failed', ms: null },
      { id: 'd', title: 'd title', status: 'not run', message: null, ms: null },
    ]);
  });
});
