import { describe, expect, it } from 'vitest';
import { OneAtATime } from '../../../common/one-at-a-time.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('OneAtATime', () => {
  it('never overlaps tasks of one key, runs them in order, and lets other keys run beside them', async () => {
    const q = new OneAtATime();
    const log: string[] = [];
    const task = (name: string, ms: number) => async () => {
      log.push(`start ${name}`);
      await tick(ms);
      log.push(`end ${name}`);
      return name;
    };
    const results = await Promise.all([q.run('etcd', task('etcd0', 30)), q.run('etcd', task('etcd1', 5)), q.run('haproxy', task('haproxy0', 5))]);
    expect(results).toEqual(['etcd0', 'etcd1', 'haproxy0']);
    expect(log.indexOf('start etcd1')).toBeGreaterThan(log.indexOf('end etcd0'));
    expect(log.indexOf('start haproxy0')).toBeLessThan(log.indexOf('end etcd0'));
  });

  it('goes on after a failed task, and the failure reaches only its caller', async () => {
    const q = new OneAtATime();
    const failed = q.run('etcd', async () => {
      throw new Error('restart failed');
    });
    const next = q.run('etcd', async () => 'ran');
    await expect(failed).rejects.toThrow('restart failed');
    await expect(next).resolves.toBe('ran');
  });
});
