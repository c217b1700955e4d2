// `pglab machines` with mongo machines: mongod unpacked before they boot, the replica set made after; refused without a tarball.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../../common/errors.js';
import { parseTopology } from '../../../lab/topology-file.js';
import { DEFAULT_TOPOLOGY } from '../../../lab/topology.js';
import { topologicalOrder, withDependencies } from '../../../tasks/graph/validate-graph.js';
import { machinesSteps } from '../../../tasks/machines.js';
import { mongoTarballFor } from '../../../lab/roles/mongo/availability.js';
import { dryRunText } from '../../../tasks/run-steps.js';

const T = parseTopology('machines:\n  mongo: 3\n', 'pglab.yaml');
const tarball = { path: '/srv/mongodb.tgz', origin: 'flag' as const, mongodMember: 'mongodb-linux-x86_64-debian12-8.0.4/bin/mongod' };

describe('the machines graph with mongo machines', () => {
  const steps = machinesSteps({ topology: T, topologySource: 'pglab.yaml', mongoTarball: tarball });

  it('unpacks mongod before the mongo machines boot and makes the replica set after all three', () => {
    const order = topologicalOrder(steps);
    const at = (id: string) => order.indexOf(id);
    expect(at('mongo-server')).toBeLessThan(at('machine:mongo0'));
    for (const m of ['mongo0', 'mongo1', 'mongo2']) expect(at(`machine:${m}`)).toBeLessThan(at('mongo'));
    expect([...withDependencies(steps, ['mongo'])].sort()).toEqual(['image', 'machine:mongo0', 'machine:mongo1', 'machine:mongo2', 'mongo', 'mongo-server', 'network', 'preflight', 'secrets']);
  });

  it('says in a dry run what it would unpack, bind and run', () => {
    const text = dryRunText(steps);
    expect(text).toContain('tar xzf /srv/mongodb.tgz mongodb-linux-x86_64-debian12-8.0.4/bin/mongod');
    expect(text).toContain('--bind-ro=…/server-<sha256>:/opt/mongodb');
    expect(text).toContain('--include=systemd,systemd-sysv,dbus,iproute2,libcurl4,libssl3');
    expect(text).toContain('replSetInitiate unless initiated');
  });

  it('has no mongo steps without mongo machines', () => {
    const ids = machinesSteps({ topology: DEFAULT_TOPOLOGY, topologySource: 'default' }).map((s) => s.id);
    expect(ids.filter((id) => id.startsWith('mongo'))).toEqual([]);
  });
});

describe('the tarball pglab machines asks for', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'pglab-mongo-machines-'));
    process.env.PGLAB_HOME = home;
    delete process.env.PGLAB_MONGO_TARBALL;
  });
  afterEach(() => {
    delete process.env.PGLAB_HOME;
    rmSync(home, { recursive: true, force: true });
  });

  it('is none for a topology without mongo machines, and --mongo-tarball there is a mistake', async () => {
    expect(await mongoTarballFor(DEFAULT_TOPOLOGY, undefined, { download: false })).toBeUndefined();
    await expect(mongoTarballFor(DEFAULT_TOPOLOGY, '/x.tgz', { download: false })).rejects.toThrow('--mongo-tarball was given, but the topology has no mongo machines');
  });

  it('refuses mongo machines without a tarball, naming where it goes', async () => {
    const err = await mongoTarballFor(T, undefined, { download: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toBe(`no MongoDB server tarball: none given and none at ${join(home, 'cache', 'mongodb', 'mongodb-linux-x86_64-debian12-8.0.4.tgz')}`);
  });
});
