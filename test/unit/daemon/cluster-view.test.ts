import { describe, expect, it } from 'vitest';
import { clusterKeys, formatLsn, parseLsn } from '../../../common/cluster-keys.js';
import { parseClusterView } from '../../../daemon/cluster-view.js';
import { memberSignature } from '../../../daemon/watch-filter.js';
import { desired, member } from './fixtures.js';

const keys = clusterKeys('c1');
const kv = (key: string, value: unknown) => ({ key, value: typeof value === 'string' ? value : JSON.stringify(value), modRevision: '7' });

describe('parseClusterView', () => {
  it('parses a healthy cluster', () => {
    const v = parseClusterView([kv(keys.leader, 'pg1'), kv(keys.desired, desired()), kv(keys.member('pg1'), member('pg1')), kv(keys.initialized, '73')], keys);
    expect(v.leader).toBe('pg1');
    expect(v.desired?.value.primary).toBe('pg0');
    expect(v.desired?.modRevision).toBe('7');
    expect(Object.keys(v.members)).toEqual(['pg1']);
    expect(v.problems).toEqual([]);
  });

  it('turns garbage into problems and never into values', () => {
    const v = parseClusterView([
      kv(keys.desired, '{"generation": "lots", oops'),
      kv(keys.config, { synchronous: 'yes' }),
      kv(keys.member('pg1'), { ...member('pg1'), role: 'boss' }),
      kv(keys.member('pg2'), member('pg1')),
    ], keys);
    expect(v.desired).toBeNull();
    expect(v.desiredUnreadable).toBe(true);
    expect(v.config).toBeNull();
    expect(v.members).toEqual({});
    expect(v.problems).toEqual([
      'desired: not JSON ("{\\"generation\\": \\"lots\\", oops")',
      'config: bad shape: synchronous Expected boolean, received string',
      "members/pg1: bad shape: role Invalid enum value. Expected 'primary' | 'replica' | 'stopped', received 'boss'",
      'members/pg2: names node pg1',
    ]);
    // Their keys exist, so their leases are alive: they are unreadable, not absent.
    expect(v.unreadableMembers).toEqual(['pg1', 'pg2']);
  });

  it('reads a member state with a field it does not know (a newer daemon during a rolling deploy)', () => {
    const v = parseClusterView([{ ...kv(keys.member('pg1'), { ...member('pg1'), addedLater: 42 }), lease: '694d1' }], keys);
    expect(v.members['pg1']?.value.node).toBe('pg1');
    expect(v.members['pg1']?.lease).toBe('694d1');
    expect(v.unreadableMembers).toEqual([]);
  });

  it('reads the last primary LSN and the re-clone lock', () => {
    const v = parseClusterView([kv(keys.lastLsn, { node: 'pg0', generation: 3, lsn: 123 }), kv(keys.recloneLock, 'pg2')], keys);
    expect(v.lastLsn).toEqual({ node: 'pg0', generation: 3, lsn: 123 });
    expect(v.recloneLock).toBe('pg2');
  });
});

describe('LSNs', () => {
  it('round-trips', () => {
    expect(parseLsn('0/3000060')).toBe(0x3000060);
    expect(parseLsn('1/0')).toBe(2 ** 32);
    expect(formatLsn(parseLsn('A/FF00AB'))).toBe('A/FF00AB');
    expect(parseLsn('nope')).toBeNull();
    expect(parseLsn(null)).toBeNull();
  });
});

describe('memberSignature', () => {
  it('changes with the role-relevant fields only', () => {
    const a = memberSignature(JSON.stringify(member('pg1')));
    expect(memberSignature(JSON.stringify({ ...member('pg1'), updatedAt: 'later', receivedLsn: 9 }))).toBe(a);
    expect(memberSignature(JSON.stringify({ ...member('pg1'), role: 'primary' }))).not.toBe(a);
    expect(memberSignature('garbage')).toBeNull();
  });
});
