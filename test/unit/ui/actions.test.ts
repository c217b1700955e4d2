// The page's buttons become the pglab command a person would type, every name checked against the lab.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAULTS } from '../../../chaos/fault-catalog.js';
import { buildTopology, DEFAULT_SIZES, DEFAULT_TOPOLOGY } from '../../../lab/topology.js';
import { actionArgs, actionRequestSchema, type ActionRequest } from '../../../ui/actions.js';
import { PAGE_MODULES } from '../../../ui/server-app.js';

const args = (req: unknown, t = DEFAULT_TOPOLOGY) => actionArgs(actionRequestSchema.parse(req) as ActionRequest, t);

describe('actionArgs', () => {
  it('builds the HA verbs as the CLI takes them', () => {
    expect(args({ verb: 'switchover' })).toEqual(['switchover']);
    expect(args({ verb: 'switchover', to: 'pg1' })).toEqual(['switchover', '--to', 'pg1']);
    expect(args({ verb: 'failover', to: 'pg2', force: true })).toEqual(['failover', '--to', 'pg2', '--force']);
    expect(args({ verb: 'pause' })).toEqual(['pause', '--reason', 'paused from pglab ui']);
    expect(args({ verb: 'resume' })).toEqual(['resume']);
    expect(args({ verb: 'restart', node: 'pg0' })).toEqual(['restart', 'pg0']);
    expect(args({ verb: 'chaos-heal' })).toEqual(['chaos', 'heal', '--plain']);
  });

  it('offers every fault of the catalogue, with --for only for timed ones', () => {
    for (const fault of FAULTS.filter((f) => f !== 'cut')) expect(args({ verb: 'chaos', fault })[1]).toBe(fault);
    expect(args({ verb: 'chaos', fault: 'kill', machine: 'pg0', forSeconds: 5 })).toEqual(['chaos', 'kill', 'pg0', '--plain']);
    expect(args({ verb: 'chaos', fault: 'isolate', forSeconds: 5 })).toEqual(['chaos', 'isolate', '--for', '5s', '--plain']);
    expect(args({ verb: 'chaos', fault: 'cut', machine: 'pg0', from: ['etcd0', 'etcd1'] })).toEqual(['chaos', 'cut', 'pg0', '--from', 'etcd0,etcd1', '--plain']);
  });

  it('kills a mongo member the way pglab chaos does (no --for)', () => {
    const t = buildTopology({ ...DEFAULT_SIZES, sizes: { ...DEFAULT_SIZES.sizes, mongo: 3 } });
    expect(args({ verb: 'chaos', fault: 'kill', machine: 'mongo1' }, t)).toEqual(['chaos', 'kill', 'mongo1', '--plain']);
  });

  it('refuses names that are not in the lab, saying which are', () => {
    expect(() => args({ verb: 'switchover', to: 'pg9' })).toThrow(/unknown machine "pg9"/);
    expect(() => args({ verb: 'restart', node: 'etcd0' })).toThrow(/etcd0 is a etcd machine: restart needs a postgres machine/);
    expect(() => args({ verb: 'chaos', fault: 'meteor' })).toThrow(/unknown fault "meteor"/);
    expect(() => args({ verb: 'chaos', fault: 'cut', machine: 'pg0' })).toThrow(/cut needs the machines/);
    expect(() => args({ verb: 'chaos', fault: 'kill', machine: '--help' })).toThrow(/unknown machine/);
  });

  it('accepts no field it does not know (nothing else reaches the command line)', () => {
    expect(actionRequestSchema.safeParse({ verb: 'resume', extra: '--all' }).success).toBe(false);
    expect(actionRequestSchema.safeParse({ verb: 'destroy' }).success).toBe(false);
    expect(actionRequestSchema.safeParse({ verb: 'chaos', fault: 'kill', forSeconds: 0 }).success).toBe(false);
  });
});

describe('the page', () => {
  it('serves every module of ui/page and only those', () => {
    const dir = join(import.meta.dirname, '..', '..', '..', 'ui', 'page');
    const modules = readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => f.replace(/\.ts$/, ''));
    expect([...PAGE_MODULES].sort()).toEqual(modules.sort());
  });
});
