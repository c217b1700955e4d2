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

describe('chooseCandidate edges (each pins a mutant `make mutation` left alive; docs/pgdaemon.md, "Mutation testing")', () => {
  it('never picks a member that runs as primary without being the desired one', () => {
    const ms = deepFreeze([member('pg1', { role: 'primary', receivedLsn: 5000 }), member('pg2', { receivedLsn: 10 })]);
    const r = chooseCandidate(ms, desired(), asyncConfig);
    expect(r.best?.node).toBe('pg2');
    expect(r.rejected).toEqual(['pg1: is primary, not a replica']);
  });

  it('in sync mode ignores the lag limit: a synchronous standby holds every acknowledged commit', () => {
    const ms = deepFreeze([member('pg1', { receivedLsn: 10, lagBytes: 1e12 })]);
    const r = chooseCandidate(ms, desired({ syncStandbys: ['pg1'] }), syncConfig, 1e12);
    expect(r.best?.node).toBe('pg1');
    expect(r.rejected).toEqual([]);
  });

  it('accepts a replica exactly at the lag limit, measured against the failed primary\'s last position', () => {
    const max = asyncConfig.maxLagOnFailoverBytes;
    const ms = deepFreeze([member('pg1', { receivedLsn: 1000, replayedLsn: 1000 }), member('pg2', { receivedLsn: 999, replayedLsn: 999 })]);
    const r = chooseCandidate(ms, desired(), asyncConfig, 1000 + max);
    expect(r.best?.node).toBe('pg1');
    expect(r.rejected).toEqual([`pg2: lag ${max + 1} bytes exceeds ${max}`]);
  });

  it('breaks ties by node name whatever order the members come in', () => {
    const names = ['pg5', 'pg3', 'pg1', 'pg4', 'pg2'];
    const d = desired({ primary: 'pg9', members: [...names, 'pg9'] });
    for (let i = 0; i < names.length; i++) {
      const order = [...names.slice(i), ...names.slice(0, i)];
      const ms = deepFreeze(order.map((n) => member(n, { receivedLsn: 1000 })));
      expect(chooseCandidate(ms, d, asyncConfig).best?.node).toBe('pg1');
      expect(chooseCandidate([...ms].reverse(), d, asyncConfig).best?.node).toBe('pg1');
    }
  });
});
