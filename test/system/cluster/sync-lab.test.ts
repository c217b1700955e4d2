// A lab made with `replication: sync`: the primary cut off from etcd keeps no write to itself, so the failover loses
// none; and a lab cannot be switched to the other mode in place.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leftovers, pglab } from '../../support/pglab-cli.js';

describe('HA cluster with synchronous replication (real lab)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pglab-sync-'));
  const syncTopology = join(dir, 'sync.yaml');
  const asyncTopology = join(dir, 'async.yaml');
  const machines = 'machines:\n  postgres: 3\n  etcd: 1\n  haproxy: 1\n  mongo: 0\n';

  beforeAll(async () => {
    writeFileSync(syncTopology, `replication: sync\n${machines}`);
    writeFileSync(asyncTopology, `replication: async\n${machines}`);
    await pglab(['destroy']);
    const r = await pglab(['machines', '--topology', syncTopology]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/initialized: primary pg0, replicas pg1, pg2, sync replication/);
  });

  afterAll(async () => {
    const r = await pglab(['destroy']);
    expect(r.code, r.out).toBe(0);
    expect(leftovers()).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('makes every healthy replica a synchronous standby', async () => {
    let seen = '';
    for (let i = 0; i < 100 && !/^2$/m.test(seen); i++) {
      const r = await pglab(['exec', 'pg0', '--', 'runuser', '-u', 'postgres', '--', 'psql', '-XAtc', "SELECT count(*) FROM pg_stat_replication WHERE sync_state IN ('sync', 'quorum')"]);
      seen = r.stdout.trim();
      if (seen !== '2') await new Promise((res) => setTimeout(res, 200));
    }
    expect(seen).toBe('2');
  });

  it('loses no acknowledged write when the primary is cut off from etcd, and never has two primaries', async () => {
    const r = await pglab(['chaos', 'partition', '--json', '--writers', '4']);
    expect(r.code, r.out).toBe(0);
    const run = (JSON.parse(r.stdout) as { runs: { acked: number; lostAcked: number; splitBrainAcks: number; primaryBefore: string; primaryAfter: string }[] }).runs[0]!;
    expect(run.acked).toBeGreaterThan(100);
    expect(run.primaryAfter).not.toBe(run.primaryBefore);
    expect(run.lostAcked).toBe(0);
    expect(run.splitBrainAcks).toBe(0);
  });

  it('keeps serializable list-append transactions free of anomalies through a switchover and a kill (sync: no append lost)', async () => {
    for (const fault of ['switchover', 'kill']) {
      const r = await pglab(['chaos', fault, '--workload', 'append', '--replica-readers', '1', '--json', '--writers', '4', '--report', join(dir, 'report')]);
      expect(r.code, r.out).toBe(0);
      const run = (JSON.parse(r.stdout) as { runs: { lostAcked: number; check: { anomalies: Record<string, number>; violations: unknown[]; lostAppends: unknown[]; primariesWindowMs: number | null } }[] }).runs[0]!;
      expect(run.check.violations, fault).toEqual([]);
      expect(run.check.lostAppends, fault).toEqual([]);
      expect(run.lostAcked, fault).toBe(0);
      expect(run.check.anomalies, fault).toEqual({});
      expect(run.check.primariesWindowMs, fault).toBeGreaterThan(0);
    }
  });

  it('refuses to partition the only etcd member before breaking anything', async () => {
    const r = await pglab(['chaos', 'partition', 'etcd0']);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/etcd0 is the only etcd member: there is nothing to cut it off from/);
    expect(r.out).not.toMatch(/writers through haproxy/);
  });

  it('refuses to switch the running cluster to asynchronous replication, and says how', async () => {
    const r = await pglab(['machines', '--topology', asyncTopology]);
    expect(r.code, r.out).not.toBe(0);
    expect(r.out).toMatch(/the cluster "pglab" runs sync replication, the topology asks for async/);
    expect(r.out).toMatch(/pglab destroy, then pglab machines/);
    expect(r.out).not.toMatch(/\n\s+at /); // no stack trace
  });
});
