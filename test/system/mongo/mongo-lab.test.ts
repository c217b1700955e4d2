// End to end with real mongod: a lab with three mongo machines (and the smallest PostgreSQL side), replica set rs0,
// the IMDb documents loaded and verified, a short benchmark, a killed PRIMARY and its election. It needs the MongoDB
// server tarball, which this CI host cannot download: without one the whole file shows as skipped, with the reason.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MONGO_TARBALL_NAME } from '../../../lab/roles/mongo/tarball.js';
import { leftovers, pglab } from '../../support/pglab-cli.js';

/** The test lab has a state dir of its own: the tarball is looked for where a user's lab caches it, or given by env. */
const CACHED = join('/var/lib/pglab/cache/mongodb', MONGO_TARBALL_NAME);
const tarball = process.env.PGLAB_MONGO_TARBALL ?? (existsSync(CACHED) ? CACHED : undefined);
const title = `a lab with mongo machines${tarball ? '' : ` (skipped: no MongoDB tarball at ${CACHED}, and PGLAB_MONGO_TARBALL is not set)`}`;

// Also said once on stderr: vitest's default reporter shows a skipped file without its titles.
if (!tarball) console.warn(`mongo system tests skipped: no MongoDB tarball at ${CACHED}, and PGLAB_MONGO_TARBALL is not set`);

describe.skipIf(!tarball)(title, () => {
  const env = { PGLAB_MONGO_TARBALL: tarball ?? '' };
  const topology = join(mkdtempSync(join(tmpdir(), 'pglab-mongo-lab-')), 'mongo.yaml');
  const run = (args: string[]) => pglab(args, { env });

  beforeAll(async () => {
    writeFileSync(topology, 'machines:\n  postgres: 1\n  etcd: 1\n  haproxy: 1\n  mongo: 3\n');
    await run(['destroy']);
  });

  afterAll(async () => {
    const r = await run(['destroy']);
    expect(r.code, r.out).toBe(0);
    expect(leftovers()).toEqual([]);
  });

  it('boots mongo0–2 with one PRIMARY and two SECONDARY members, and a second run changes nothing', async () => {
    const r = await run(['machines', '--topology', topology]);
    expect(r.code, r.out).toBe(0);
    const s = await run(['status', '--json']);
    const rows = (JSON.parse(s.stdout) as { machines: { machine: string; mongo?: { state: string }; services: Record<string, string> }[] }).machines.filter((m) => m.machine.startsWith('mongo'));
    expect(rows.map((m) => m.services['mongod'])).toEqual(['active', 'active', 'active']);
    expect(rows.map((m) => m.mongo?.state).sort()).toEqual(['PRIMARY', 'SECONDARY', 'SECONDARY']);
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
    const out = JSON.parse(bench.stdout.trim().split('\n').at(-1)!) as { results: { target: string; workloads: { name: string; ops: number; errors: number }[] }[] };
    const payments = out.results.find((r) => r.target === 'mongo')?.workloads.find((w) => w.name === 'payments');
    expect(payments?.ops).toBeGreaterThan(0);
    expect(payments?.errors).toBe(0);
  }, 600_000);

  it('elects a new PRIMARY when the PRIMARY is killed, and takes the member back', async () => {
    const s = await run(['status', '--json']);
    const primary = (JSON.parse(s.stdout) as { machines: { machine: string; mongo?: { state: string } }[] }).machines.find((m) => m.mongo?.state === 'PRIMARY')!.machine;
    const r = await run(['chaos', 'kill', primary, '--json']);
    expect(r.code, r.out).toBe(0);
    const report = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { runs: { electionMs: number | null; primaryAfter: string; rejoinMs: number | null }[] };
    expect(report.runs[0]?.electionMs).toBeGreaterThan(0);
    expect(report.runs[0]?.primaryAfter).not.toBe(primary);
    expect(report.runs[0]?.rejoinMs).not.toBeNull();
  }, 600_000);
});
