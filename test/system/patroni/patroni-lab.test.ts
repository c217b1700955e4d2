// End to end with Patroni as the HA manager (`pglab machines --ha patroni`): Debian's Patroni 3.0.2 comes up healthy
// behind the same haproxy, status and history show Patroni's view, a switchover loses nothing, and a killed primary
// fails over with no split brain. Patroni's fastest documented timing (ttl 20 s) keeps the failover short.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leftovers, pglab, stdoutJson } from '../../support/pglab-cli.js';

interface ChaosJson {
  runs: { target: string; writeGapMs: number | null; firstAckOnNewPrimaryMs: number | null; acked: number; lostAcked: number; splitBrainAcks: number; primaryBefore: string; primaryAfter: string; checks: { promise: string; kept: boolean; evidence: string }[] }[];
}

async function chaos(args: string[]): Promise<ChaosJson> {
  const r = await pglab(['chaos', ...args, '--json', '--writers', '4']);
  expect(r.code, r.out).toBe(0);
  return stdoutJson<ChaosJson>(r);
}

async function haRoles(): Promise<Record<string, string>> {
  const r = await pglab(['status', '--json']);
  expect(r.code, r.out).toBe(0);
  const rows = (JSON.parse(r.stdout) as { machines: { machine: string; postgres?: { role: string } }[] }).machines;
  return Object.fromEntries(rows.filter((m) => m.postgres).map((m) => [m.machine, m.postgres?.role ?? '?']));
}

/** Patroni's journals: a failing check in CI is explained by them, and the lab goes with the run. */
async function patroniJournals(): Promise<string> {
  const parts: string[] = [];
  for (const node of ['pg0', 'pg1', 'pg2']) parts.push(`--- ${node}:\n${(await pglab(['logs', node, 'patroni'])).stdout.split('\n').slice(-40).join('\n')}`);
  return parts.join('\n');
}

describe('Patroni as the HA manager (real lab)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pglab-patroni-'));
  const topology = join(dir, 'patroni.yaml');

  beforeAll(async () => {
    // One etcd member is enough for what is checked here and boots faster; the timing is Patroni's fastest documented.
    writeFileSync(topology, 'machines:\n  postgres: 3\n  etcd: 1\n  haproxy: 1\n  mongo: 0\npatroni:\n  ttl: 20\n  loopWait: 1\n  retryTimeout: 3\n');
    await pglab(['destroy']);
    const r = await pglab(['machines', '--ha', 'patroni', '--topology', topology]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/pg0 bootstrapped/);
    expect(r.out).toMatch(/HA cluster healthy behind haproxy: pg0 primary; pg1, pg2 streaming; haproxy → pg0/);
  });

  afterAll(async () => {
    const r = await pglab(['destroy']);
    expect(r.code, r.out).toBe(0);
    expect(leftovers()).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("shows Patroni's view in status: pg0 primary holding the leader lock, two replicas, patroni running", async () => {
    const r = await pglab(['status', '--json']);
    expect(r.code, r.out).toBe(0);
    const rows = (JSON.parse(r.stdout) as { machines: { machine: string; services: Record<string, string>; postgres?: { role: string; leader: boolean; timeline: number | null } }[] }).machines;
    const pg0 = rows.find((m) => m.machine === 'pg0')!;
    expect(pg0.services).toEqual({ pgbouncer: 'active', patroni: 'active' });
    expect(pg0.postgres).toMatchObject({ role: 'primary', leader: true, timeline: 1 });
    expect(await haRoles()).toEqual({ pg0: 'primary', pg1: 'replica', pg2: 'replica' });
    const config = await pglab(['config', 'show']);
    expect(config.code, config.out).toBe(0);
    expect(config.stdout).toMatch(/^ttl = 20$/m);
    expect(config.stdout).toMatch(/^loop_wait = 1$/m);
    expect(config.stdout).toMatch(/^postgresql\.wal_keep_size = 256MB$/m);
  });

  it('serves writes through haproxy with the lab\'s scram credentials, and no trust on the bridge', async () => {
    const w = await pglab(['psql', '--', '-v', 'ON_ERROR_STOP=1', '-tAc', "CREATE TABLE IF NOT EXISTS e2e(v text); INSERT INTO e2e VALUES ('hi'); SELECT host(inet_server_addr()), pg_is_in_recovery(), current_user"]);
    expect(w.code, w.out).toBe(0);
    expect(w.stdout).toContain('10.42.0.10|f|pglab');
    const bad = await pglab(['run', '--', 'psql', 'postgresql://pglab:wrong@10.42.0.30:5432/pglab', '-c', 'select 1']);
    expect(bad.code).not.toBe(0);
    expect(bad.out).toMatch(/password authentication failed|SASL authentication failed/);
  });

  it('switches over to pg1 with no acknowledged write lost; history shows the promotion', async () => {
    const { runs } = await chaos(['switchover', 'pg1']);
    const run = runs[0]!;
    expect(run.acked).toBeGreaterThan(50);
    expect(run.lostAcked).toBe(0);
    expect(run.splitBrainAcks).toBe(0);
    expect(run.primaryAfter).toBe('10.42.0.11');
    expect(await haRoles()).toEqual({ pg0: 'replica', pg1: 'primary', pg2: 'replica' });
    const history = await pglab(['history', '--json']);
    expect(history.code, history.out).toBe(0);
    const entries = JSON.parse(history.stdout) as { kind: string; to: string; generation: number }[];
    expect(entries.map((h) => [h.kind, h.to, h.generation])).toEqual([['promotion', 'pg1', 2]]);
  });

  it('fails over when the primary machine is killed, with no split brain; the old primary rejoins as a replica', async () => {
    const { runs } = await chaos(['kill']);
    const run = runs[0]!;
    expect(run.target).toBe('pg1');
    expect(run.primaryAfter).not.toBe(run.primaryBefore);
    expect(run.splitBrainAcks, await patroniJournals()).toBe(0);
    // Judged by Patroni's own timing: ttl 20 s + loop_wait 1 s + 5 s.
    expect(run.checks.map((c) => [c.promise, c.kept])).toEqual([['writes acknowledged by a new primary within 26 s of the kill', true]]);
    const after = await haRoles();
    expect(after['pg1']).toBe('replica');
    expect(Object.values(after).filter((r) => r === 'primary')).toHaveLength(1);
  });

  it('says what Patroni cannot do, with exit 2: a failover without a candidate, a deploy of pgdaemon', async () => {
    const f = await pglab(['failover', '--force']);
    expect(f.code, f.out).toBe(2);
    expect(f.out).toMatch(/Patroni fails over only to a named candidate/);
    expect(f.out).not.toMatch(/\n\s+at /); // no stack trace
    const d = await pglab(['deploy', 'pgdaemon']);
    expect(d.code, d.out).toBe(2);
    expect(d.out).toMatch(/pglab deploy pgdaemon needs a lab that runs pgdaemon; this one runs patroni/);
    const m = await pglab(['machines', '--ha', 'pgdaemon', '--topology', topology]);
    expect(m.code, m.out).toBe(2);
    expect(m.out).toMatch(/this lab runs patroni, and this command asks for pgdaemon/);
  });
});
