// A node's side of the operator verbs: maintenance mode, restart and reinit requests, cluster parameters.
import { describe, expect, it } from 'vitest';
import type { MemberState } from '../../../common/cluster-keys.js';
import { decideNode, initialNodeMemory, type LocalPg, type NodeInput } from '../../../daemon/decide-node.js';
import { asyncConfig, deepFreeze, desired, member, primaryMember } from './fixtures.js';

const runningPrimary: LocalPg = { hasData: true, running: true, inRecovery: false, controlState: null, streaming: false, configuredUpstream: null, configuredSync: [], slots: ['pg1', 'pg2'], systemId: '73', timeline: 1, frozen: false };
const runningReplica: LocalPg = { ...runningPrimary, inRecovery: true, streaming: true, configuredUpstream: 'pg0@10.42.0.10:5432', slots: [] };
const stopped = (controlState: string): LocalPg => ({ ...runningPrimary, running: false, inRecovery: null, controlState, slots: [], systemId: null });
const byName = (...ms: MemberState[]) => Object.fromEntries(ms.map((m) => [m.node, m]));
const cluster = () => byName(primaryMember('pg0'), member('pg1'), member('pg2'));
const req = { requestedAt: '2026-01-01T00:00:00Z', by: 'pglab' };

function input(over: Partial<NodeInput>): NodeInput {
  return deepFreeze({
    self: 'pg0', desired: desired(), config: asyncConfig, members: cluster(), initialized: '73', etcdOk: true, leaseValid: true, published: true,
    unreadableMembers: [], recloneLock: null, pg: runningPrimary, nowMs: 100_000, memory: initialNodeMemory, failoverTimeoutMs: 10_000, rewindAfterMs: 5_000,
    ...over,
  });
}

describe('maintenance mode on a node', () => {
  it('does not start a stopped replica on its own', () => {
    const d = decideNode(input({ self: 'pg1', pg: stopped('shut down in recovery'), paused: true }));
    expect(d).toMatchObject({ actions: [], message: 'no action (paused): would be starting: I am pg1, a replica of pg0' });
  });

  it('does not restart a crashed primary in place', () => {
    const d = decideNode(input({ pg: stopped('in production'), paused: true }));
    expect(d).toMatchObject({ actions: [], message: 'no action (paused): would be starting: I am pg0, the primary' });
  });

  it('does not rewind a replica on an old timeline', () => {
    const d = decideNode(input({ self: 'pg1', pg: { ...runningReplica, streaming: false, timeline: 1 }, members: byName(primaryMember('pg0', { timeline: 2 }), member('pg1')), memory: { ...initialNodeMemory, notStreamingSince: 90_000, notStreamingFrom: 'pg0' }, paused: true }));
    expect(d.actions).toEqual([]);
    expect(d.message).toMatch(/^no action \(paused\): would be rejoining: not streaming from pg0/);
  });

  it('still fences a primary without a valid lease', () => {
    const d = decideNode(input({ leaseValid: false, paused: true }));
    expect(d).toMatchObject({ actions: [{ kind: 'stop', mode: 'immediate' }], message: 'fencing: I am pg0, a primary without a valid lease; stopping postgres' });
  });

  it('still carries out a switchover an operator asked for (demotes the old primary)', () => {
    const d = decideNode(input({ desired: desired({ generation: 2, primary: 'pg1', previousPrimary: 'pg0' }), paused: true }));
    expect(d).toMatchObject({ actions: [{ kind: 'stop', mode: 'fast' }], message: 'demoting: pg1 is the desired primary (generation 2); stopping postgres cleanly' });
  });
});

describe('restart requests', () => {
  it('restarts a running primary in place', () => {
    const d = decideNode(input({ requests: { restart: req } }));
    expect(d).toMatchObject({ actions: [{ kind: 'restart', as: 'primary', requestedAt: req.requestedAt }], message: "restarting postgres on an operator's request (as primary)" });
  });

  it('restarts a replica as a replica, also while paused', () => {
    const d = decideNode(input({ self: 'pg1', pg: runningReplica, requests: { restart: req }, paused: true }));
    expect(d.actions).toEqual([{ kind: 'restart', as: 'replica', requestedAt: req.requestedAt }]);
  });

  it('refuses when postgres is not running, and says what starts it', () => {
    const d = decideNode(input({ self: 'pg1', pg: stopped('shut down in recovery'), requests: { restart: req }, paused: true }));
    expect(d.message).toBe('refusing restart: postgres is not running on pg1 (the cluster is paused; pglab resume lets the daemon start it)');
    expect(d.actions).toEqual([{ kind: 'refuse-request', request: 'restart', requestedAt: req.requestedAt, reason: 'postgres is not running on pg1 (the cluster is paused; pglab resume lets the daemon start it)' }]);
  });

  it('refuses while the node is changing role', () => {
    const d = decideNode(input({ desired: desired({ generation: 2, primary: 'pg1', previousPrimary: 'pg0' }), requests: { restart: req } }));
    expect(d.message).toBe('refusing restart: pg0 is changing role (primary, desired replica); try again');
  });

  it('fencing wins over a restart request', () => {
    expect(decideNode(input({ leaseValid: false, requests: { restart: req } })).actions).toEqual([{ kind: 'stop', mode: 'immediate' }]);
  });
});

describe('reinit requests', () => {
  it('re-clones a replica from the running primary', () => {
    const d = decideNode(input({ self: 'pg1', pg: runningReplica, requests: { reinit: req } }));
    expect(d).toMatchObject({ actions: [{ kind: 'reinit', from: 'pg0', requestedAt: req.requestedAt }], message: 'reinit requested by an operator: removing my data directory and cloning from pg0' });
  });

  it('refuses on the primary', () => {
    const d = decideNode(input({ requests: { reinit: req } }));
    expect(d.actions).toEqual([{ kind: 'refuse-request', request: 'reinit', requestedAt: req.requestedAt, reason: 'pg0 is the primary; switch over first' }]);
  });

  it('refuses without a running primary to clone from', () => {
    const d = decideNode(input({ self: 'pg1', pg: runningReplica, members: byName(primaryMember('pg0', { pgUp: false, role: 'stopped' }), member('pg1')), requests: { reinit: req } }));
    expect(d.message).toBe('refusing reinit: pg0 is not a running primary to clone from');
  });

  it('waits while another member holds the re-clone lock', () => {
    const d = decideNode(input({ self: 'pg1', pg: runningReplica, recloneLock: 'pg2', requests: { reinit: req } }));
    expect(d).toMatchObject({ actions: [], message: 'waiting to reinit: pg2 is re-cloning (one member at a time)' });
  });
});

describe('cluster PostgreSQL parameters', () => {
  const config = { ...asyncConfig, postgresParameters: { work_mem: '8MB' } };

  it('a primary writes them and reloads', () => {
    const d = decideNode(input({ config }));
    expect(d).toMatchObject({ actions: [{ kind: 'configure', upstream: null, sync: [] }], message: 'reconfiguring: I am pg0, the primary with the lease' });
  });

  it('a replica writes them and reloads', () => {
    const d = decideNode(input({ self: 'pg1', pg: runningReplica, config }));
    expect(d).toMatchObject({ actions: [{ kind: 'configure', upstream: 'pg0@10.42.0.10:5432', sync: [] }], message: "applying the cluster's PostgreSQL parameters (reload)" });
  });

  it('does nothing once they are in the file', () => {
    expect(decideNode(input({ config, pg: { ...runningPrimary, configuredParameters: { work_mem: '8MB' } } })).actions).toEqual([]);
  });
});
