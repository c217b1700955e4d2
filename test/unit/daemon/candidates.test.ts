import { describe, expect, it } from 'vitest';
import { chooseCandidate } from '../../../daemon/candidates.js';
import { asyncConfig, deepFreeze, desired, member, primaryMember, syncConfig } from './fixtures.js';

describe('chooseCandidate', () => {
  it('picks the replica that received the most WAL', () => {
    const ms = deepFreeze([primaryMember(), member('pg1', { receivedLsn: 900 }), member('pg2', { receivedLsn: 1200 })]);
    expect(chooseCandidate(ms, desired(), asyncConfig).best?.node).toBe('pg2');
  });

  it('breaks ties by node name so every leader picks the same node', () => {
    const ms = deepFreeze([member('pg2', { receivedLsn: 1000 }), member('pg1', { receivedLsn: 1000 })]);
    expect(chooseCandidate(ms, desired(), asyncConfig).best?.node).toBe('pg1');
  });

  it('uses replayed WAL when it is ahead of received (a replica restarted since)', () => {
    const ms = deepFreeze([member('pg1', { receivedLsn: 500, replayedLsn: 1500 }), member('pg2', { receivedLsn: 1200 })]);
    expect(chooseCandidate(ms, desired(), asyncConfig).best?.node).toBe('pg1');
  });

  it('never promotes a node tagged nofailover, and says so', () => {
    const ms = deepFreeze([member('pg1', { receivedLsn: 2000, noFailover: true }), member('pg2', { receivedLsn: 1000 })]);
    const r = chooseCandidate(ms, desired(), asyncConfig);
    expect(r.best?.node).toBe('pg2');
    expect(r.rejected).toEqual(['pg1: tagged nofailover']);
  });

  it('rejects a replica lagging more than the bound in async mode', () => {
    const ms = deepFreeze([member('pg1', { lagBytes: 100 * 1024 * 1024, receivedLsn: 5000 }), member('pg2', { receivedLsn: 10 })]);
    const r = chooseCandidate(ms, desired(), asyncConfig);
    expect(r.best?.node).toBe('pg2');
    expect(r.rejected[0]).toMatch(/^pg1: lag 104857600 bytes exceeds 67108864$/);
  });

  it('rejects a replica on an older timeline than another candidate', () => {
    const ms = deepFreeze([member('pg1', { timeline: 1, receivedLsn: 5000 }), member('pg2', { timeline: 2, receivedLsn: 10 })]);
    const r = chooseCandidate(ms, desired(), asyncConfig);
    expect(r.best?.node).toBe('pg2');
    expect(r.rejected).toEqual(['pg1: on old timeline 1']);
  });

  it('in sync mode promotes only synchronous standbys', () => {
    const ms = deepFreeze([member('pg1', { receivedLsn: 5000 }), member('pg2', { receivedLsn: 10 })]);
    const r = chooseCandidate(ms, desired({ syncStandbys: ['pg2'] }), syncConfig);
    expect(r.best?.node).toBe('pg2');
    expect(r.rejected).toEqual(['pg1: not a synchronous standby (sync mode)']);
    expect(chooseCandidate(ms, desired({ syncStandbys: [] }), syncConfig).best).toBeNull();
  });

  it('rejects stopped nodes, non-members and the failed primary itself', () => {
    const ms = deepFreeze([primaryMember('pg0'), member('pg1', { pgUp: false, role: 'stopped' }), member('pg9')]);
    const r = chooseCandidate(ms, desired(), asyncConfig);
    expect(r.best).toBeNull();
    expect(r.rejected).toEqual(['pg1: postgres is not running', 'pg9: not a member of the cluster']);
  });
});
