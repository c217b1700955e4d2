// The replica set rs0 from the topology: what is initiated, how a changed topology becomes reconfigurations.
import { describe, expect, it } from 'vitest';
import { desiredMembers, initialConfig, memberState, planReplicaSet, rejoined, type RsConfig } from '../../../../lab/roles/mongo/replica-set.js';
import { parseTopology } from '../../../../lab/topology-file.js';

const lab = (mongo: number) => parseTopology(`machines:\n  mongo: ${mongo}\n`, 'pglab.yaml');

describe('the replica set of the topology', () => {
  it('has a member per mongo machine, numbered like the machine, on port 27017', () => {
    expect(desiredMembers(lab(3))).toEqual([
      { _id: 0, host: '10.42.0.40:27017' },
      { _id: 1, host: '10.42.0.41:27017' },
      { _id: 2, host: '10.42.0.42:27017' },
    ]);
  });

  it('initiates rs0 with every member when the set was never initiated', () => {
    expect(planReplicaSet(null, lab(3))).toEqual({ kind: 'initiate', config: initialConfig(lab(3)) });
    expect(initialConfig(lab(1))).toEqual({ _id: 'rs0', members: [{ _id: 0, host: '10.42.0.40:27017' }] });
  });

  it('changes nothing when the members match, whatever their settings', () => {
    const current: RsConfig = { _id: 'rs0', version: 4, members: desiredMembers(lab(3)).map((m) => ({ ...m, priority: 1, votes: 1 })), settings: { electionTimeoutMillis: 10000 } };
    expect(planReplicaSet(current, lab(3))).toEqual({ kind: 'unchanged' });
  });

  it('adds members one reconfiguration at a time, keeping the other fields and bumping the version', () => {
    const current: RsConfig = { _id: 'rs0', version: 2, members: [{ _id: 0, host: '10.42.0.40:27017', priority: 1 }], settings: { chainingAllowed: true } };
    const plan = planReplicaSet(current, lab(3));
    expect(plan.kind).toBe('reconfigure');
    if (plan.kind !== 'reconfigure') return;
    expect(plan.added).toEqual(['10.42.0.41:27017', '10.42.0.42:27017']);
    expect(plan.steps.map((s) => [s.version, s.members.map((m) => m._id)])).toEqual([[3, [0, 1]], [4, [0, 1, 2]]]);
    expect(plan.steps[1]).toMatchObject({ _id: 'rs0', settings: { chainingAllowed: true }, members: [{ _id: 0, priority: 1 }, {}, {}] });
  });

  it('removes members of machines the topology dropped, after any additions', () => {
    const current: RsConfig = { _id: 'rs0', version: 7, members: desiredMembers(lab(3)) };
    const plan = planReplicaSet(current, lab(1));
    expect(plan).toMatchObject({ kind: 'reconfigure', added: [], removed: ['10.42.0.41:27017', '10.42.0.42:27017'] });
    if (plan.kind === 'reconfigure') expect(plan.steps.map((s) => s.members.length)).toEqual([2, 1]);
  });

  it('gives an added member a free id when its number is taken by another host', () => {
    const current: RsConfig = { _id: 'rs0', version: 1, members: [{ _id: 0, host: '10.42.0.40:27017' }, { _id: 1, host: '10.42.0.99:27017' }] };
    const plan = planReplicaSet(current, lab(2));
    if (plan.kind !== 'reconfigure') throw new Error('expected a reconfiguration');
    expect(plan.steps[0]!.members).toContainEqual({ _id: 2, host: '10.42.0.41:27017' });
  });

  it('has nothing to do for a topology without mongo machines', () => {
    expect(planReplicaSet(null, lab(0))).toEqual({ kind: 'unchanged' });
  });
});

describe('a member state from hello', () => {
  it.each([
    ['PRIMARY', { isWritablePrimary: true, setName: 'rs0' }],
    ['SECONDARY', { isWritablePrimary: false, secondary: true, setName: 'rs0' }],
    ['not initiated', { isWritablePrimary: false, isreplicaset: true }],
    ['RECOVERING', { isWritablePrimary: false, secondary: false, setName: 'rs0' }],
    ['unreachable', null],
  ] as const)('%s', (state, hello) => expect(memberState(hello)).toBe(state));
});

describe('a broken member is a member again', () => {
  const primary = { isWritablePrimary: true, setName: 'rs0', lastWrite: { opTime: { t: 3 } } };
  const secondary = (t: unknown) => ({ secondary: true, setName: 'rs0', lastWrite: { opTime: { t } } });

  it('once it is SECONDARY with a write of the PRIMARY’s term (it rolled back what it had alone)', () => {
    expect(rejoined(secondary(3), primary)).toEqual({ state: 'SECONDARY' });
    expect(rejoined(secondary({ toNumber: () => 3 }), primary)).toEqual({ state: 'SECONDARY' });
  });

  it('not while it says SECONDARY on the old term: a rollback may still come (RECOVERING after SECONDARY on 4.0)', () => {
    expect(rejoined(secondary(2), primary)).toEqual({ notYet: 'SECONDARY, still on term 2 (the PRIMARY writes in term 3)' });
    expect(rejoined({ setName: 'rs0', secondary: false }, primary)).toEqual({ notYet: 'RECOVERING' });
    expect(rejoined(secondary(3), null)).toEqual({ notYet: 'SECONDARY, no PRIMARY to compare with' });
  });

  it('as PRIMARY at once, and by its state alone when no term is reported', () => {
    expect(rejoined(primary, primary)).toEqual({ state: 'PRIMARY' });
    expect(rejoined({ secondary: true, setName: 'rs0' }, primary)).toEqual({ state: 'SECONDARY' });
  });
});
