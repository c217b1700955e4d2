// End to end: a real lab of nspawn machines, built, re-run, broken, repaired, destroyed.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leftovers, NO_MONGO_TOPOLOGY, pglab } from '../../support/pglab-cli.js';

interface StatusRow {
  machine: string;
  state: string;
  role: string;
  services: Record<string, string>;
}

async function status(): Promise<StatusRow[]> {
  const r = await pglab(['status', '--json']);
  expect(r.code, r.out).toBe(0);
  return (JSON.parse(r.stdout) as { machines: StatusRow[] }).machines;
}

describe('pglab machines (real lab)', () => {
  beforeAll(async () => {
    await pglab(['destroy']); // a previous run that died may have left a lab
  });

  afterAll(async () => {
    const r = await pglab(['destroy']);
    expect(r.code, r.out).toBe(0);
    expect(leftovers()).toEqual([]);
  });

  it('boots all 7 machines from nothing, with a healthy etcd cluster and haproxy running', async () => {
    const r = await pglab(['machines', '--topology', NO_MONGO_TOPOLOGY]);
    expect(r.code, r.out).toBe(0);
    const rows = await status();
    expect(rows.map((m) => `${m.machine}:${m.state}`)).toEqual([
      'pg0:running', 'pg1:running', 'pg2:running', 'etcd0:running', 'etcd1:running', 'etcd2:running', 'haproxy0:running',
    ]);
    expect(rows.find((m) => m.machine === 'haproxy0')?.services).toEqual({ haproxy: 'active' });
    const health = await pglab(['etcdctl', '--', 'endpoint', 'health']);
    expect(health.code, health.out).toBe(0);
    expect(health.out.match(/is healthy/g)).toHaveLength(3);
  }, 600_000); // on a new host this builds the image first (55–120 s measured)

  it('runs a command inside a machine', async () => {
    const r = await pglab(['exec', 'pg1', '--', 'cat', '/etc/hostname']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('pg1');
    const ip = await pglab(['exec', 'pg1', '--', 'ip', '-br', 'addr', 'show', 'host0']);
    expect(ip.stdout).toContain('10.42.0.11/24');
  });

  it('changes nothing on a second run and says so', async () => {
    const r = await pglab(['machines']);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('nothing changed: the lab already matches the topology');
    expect(r.out).not.toMatch(/booted in/);
  });

  it('shows a killed machine as stopped and brings it back on the next run', async () => {
    const kill = await pglab(['kill', 'etcd1']);
    expect(kill.code, kill.out).toBe(0);
    await new Promise((r) => setTimeout(r, 500));
    expect((await status()).find((m) => m.machine === 'etcd1')?.state).toBe('stopped');
    const again = await pglab(['machines']);
    expect(again.code, again.out).toBe(0);
    expect(again.out).toMatch(/etcd1 \(etcd, 10\.42\.0\.21\): booted in/);
    expect((await status()).find((m) => m.machine === 'etcd1')?.state).toBe('running');
    const health = await pglab(['etcdctl', '--', 'endpoint', 'health']);
    expect(health.out.match(/is healthy/g)).toHaveLength(3);
  });

  it('answers mistakes with a clear message and no stack trace', async () => {
    const unknown = await pglab(['exec', 'pg9', '--', 'true']);
    expect(unknown.code).toBe(2);
    expect(unknown.out).toContain('there is no machine named "pg9"');
    expect(unknown.out).not.toMatch(/\bat .*\.js:\d+/);

    const bad = join(tmpdir(), 'pglab-bad-topology.yaml');
    writeFileSync(bad, 'machines:\n  postgres: 3\n  etcd: 2\n');
    const topo = await pglab(['machines', '--topology', bad]);
    expect(topo.code).toBe(2);
    expect(topo.out).toContain(`${bad}:3: machines.etcd: an etcd cluster needs an odd number of members`);

    const flag = await pglab(['machines', '--dryrun']);
    expect(flag.code).toBe(2);
    expect(flag.out).toContain("unknown option '--dryrun'");
  });

  it('destroys everything it made', async () => {
    const r = await pglab(['destroy']);
    expect(r.code, r.out).toBe(0);
    expect(leftovers()).toEqual([]);
    expect((await status()).every((m) => m.state === 'absent')).toBe(true);
  });
});
