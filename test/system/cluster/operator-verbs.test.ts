// End to end: the operator verbs of issue 11 (failover, pause/resume, restart, reinit, config, status --watch/--json)
// on a lab of their own, carried out by the daemons through etcd.
import { execa } from 'execa';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATA_DIR_IDENTITY_COMMAND } from '../../../chaos/node-faults.js';
import { leftovers, NO_MONGO_TOPOLOGY, pglab, TEST_LAB } from '../../support/pglab-cli.js';

interface StatusJson {
  machines: { machine: string; postgres?: { role: string; want: string | null; pendingRestart?: string[]; message: string } }[];
  paused: boolean;
}

async function status(): Promise<StatusJson> {
  const r = await pglab(['status', '--json']);
  expect(r.code, r.out).toBe(0);
  return JSON.parse(r.stdout) as StatusJson;
}

async function haRoles(): Promise<Record<string, string>> {
  const rows = (await status()).machines;
  return Object.fromEntries(rows.filter((m) => m.postgres).map((m) => [m.machine, m.postgres?.role ?? '?']));
}

async function primary(): Promise<string> {
  const roles = await haRoles();
  const p = Object.entries(roles).find(([, r]) => r === 'primary')?.[0];
  if (!p) throw new Error(`no primary: ${JSON.stringify(roles)}`);
  return p;
}

async function waitFor<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => null);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** A --json command prints its document alone on stdout. */
const jsonOf = <T>(stdout: string): T => JSON.parse(stdout) as T;

async function historyKinds(): Promise<string[]> {
  const h = await pglab(['history', '--json']);
  expect(h.code, h.out).toBe(0);
  return (JSON.parse(h.stdout) as { kind: string }[]).map((x) => x.kind);
}

async function inode(node: string): Promise<string> {
  const r = await pglab(['exec', node, '--', ...DATA_DIR_IDENTITY_COMMAND]);
  expect(r.code, r.out).toBe(0);
  return r.stdout.trim();
}

describe('operator verbs (real lab)', () => {
  beforeAll(async () => {
    await pglab(['destroy']);
    const r = await pglab(['machines', '--topology', NO_MONGO_TOPOLOGY]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/HA cluster healthy behind haproxy/);
  });

  afterAll(async () => {
    await pglab(['resume']);
    const r = await pglab(['destroy']);
    expect(r.code, r.out).toBe(0);
    expect(leftovers()).toEqual([]);
  });

  it('refuses a failover while the primary is healthy (exit 2), naming switchover and --force', async () => {
    const before = await primary();
    const r = await pglab(['failover', '--to', 'pg1']);
    expect(r.code, r.out).toBe(2);
    expect(r.out).toMatch(/is a healthy primary: a failover is for a cluster without one/);
    expect(r.out).toMatch(/failover --force/);
    expect(await primary()).toBe(before);
  });

  it('fails over with --force, reports JSON, and the old primary rejoins as a replica', async () => {
    const before = await primary();
    const target = ['pg0', 'pg1', 'pg2'].find((n) => n !== before) as string;
    const r = await pglab(['failover', '--to', target, '--force', '--json']);
    expect(r.code, r.out).toBe(0);
    expect(jsonOf<{ kind: string; from: string; to: string; forced: boolean }>(r.stdout)).toMatchObject({ kind: 'failover', from: before, to: target, forced: true });
    expect((await historyKinds()).at(-1)).toBe('failover');
    await waitFor(`${before} back as a replica`, async () => (await haRoles())[before] === 'replica');
  });

  it('switchover --json reports the move', async () => {
    const before = await primary();
    const r = await pglab(['switchover', '--to', 'pg0', '--json']);
    expect(r.code, r.out).toBe(0);
    if (before !== 'pg0') expect(jsonOf<{ kind: string; to: string }>(r.stdout)).toMatchObject({ kind: 'switchover', from: before, to: 'pg0' });
    expect(await primary()).toBe('pg0');
    await waitFor('every replica streaming', async () => Object.values(await haRoles()).filter((x) => x === 'replica').length === 2);
  });

  it('pause: status shows it, a killed primary postgres is not failed over from, resume fails over or restarts it', async () => {
    const p = await pglab(['pause', '--reason', 'e2e']);
    expect(p.code, p.out).toBe(0);
    expect((await status()).paused).toBe(true);
    const table = await pglab(['status']);
    expect(table.stdout).toMatch(/HA cluster paused since .* \(e2e\): no automatic failover; pglab resume ends it/);
    const kinds = await historyKinds();
    const kill = await pglab(['exec', 'pg0', '--', 'sh', '-c', 'kill -9 $(head -1 /var/lib/postgresql/pglab/postmaster.pid)']);
    expect(kill.code, kill.out).toBe(0);
    await new Promise((r) => setTimeout(r, 15_000)); // longer than the failover timeout
    expect(await historyKinds()).toEqual(kinds);
    const pg0 = (await status()).machines.find((m) => m.machine === 'pg0');
    expect(pg0?.postgres?.message).toMatch(/^no action \(paused\): would be /);
    const r = await pglab(['resume']);
    expect(r.code, r.out).toBe(0);
    expect((await status()).paused).toBe(false);
    await waitFor('a primary and two streaming replicas again', async () => {
      const roles = Object.values(await haRoles());
      return roles.filter((x) => x === 'primary').length === 1 && roles.filter((x) => x === 'replica').length === 2;
    }, 120_000);
  });

  it('restart of the primary is planned: same primary afterwards, no failover in the history', async () => {
    const p = await primary();
    const kinds = await historyKinds();
    const r = await pglab(['restart', p]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/postgres restarted as primary/);
    expect(await primary()).toBe(p);
    expect(await historyKinds()).toEqual(kinds);
  });

  it('reinit of the primary is refused (exit 2); reinit of a replica re-clones it (new data directory)', async () => {
    const p = await primary();
    const refused = await pglab(['reinit', p]);
    expect(refused.code, refused.out).toBe(2);
    expect(refused.out).toMatch(/is the primary: reinit re-clones a replica/);
    const replica = ['pg0', 'pg1', 'pg2'].find((n) => n !== p) as string;
    const before = await inode(replica);
    const r = await pglab(['reinit', replica], { timeoutMs: 1_800_000 });
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(new RegExp(`re-cloned from ${p}`));
    expect(await inode(replica)).not.toBe(before);
    await waitFor(`${replica} streaming`, async () => (await haRoles())[replica] === 'replica');
  });

  it('config set validates every key (exit 2) and refuses to change synchronous with the way out', async () => {
    const bad = await pglab(['config', 'set', 'failoverTimeout=1h', 'postgresql.port=1', 'colour=blue']);
    expect(bad.code, bad.out).toBe(2);
    expect(bad.out).toMatch(/failoverTimeout: "1h" is not a duration/);
    expect(bad.out).toMatch(/postgresql.port: port is set by pgdaemon itself/);
    expect(bad.out).toMatch(/unknown key "colour"/);
    const sync = await pglab(['config', 'set', 'synchronous=true']);
    expect(sync.code, sync.out).toBe(2);
    expect(sync.out).toMatch(/pglab destroy and pglab machines/);
  });

  it('config set applies run-time settings: work_mem by reload, shared_buffers pending a restart until restarted', async () => {
    const r = await pglab(['config', 'set', 'failoverTimeout=12s', 'maxLagOnFailover=32MB', 'postgresql.work_mem=8MB', 'postgresql.shared_buffers=64MB']);
    expect(r.code, r.out).toBe(0);
    const show = await pglab(['config', 'show', '--json']);
    expect(show.code, show.out).toBe(0);
    expect(jsonOf<Record<string, unknown>>(show.stdout)).toMatchObject({ failoverTimeoutMs: 12_000, maxLagOnFailoverBytes: 32 * 1024 ** 2, postgresParameters: { work_mem: '8MB', shared_buffers: '64MB' } });
    const p = await primary();
    await waitFor('work_mem applied by reload', async () => (await pglab(['exec', p, '--', 'su', 'postgres', '-c', 'psql -tAc "SHOW work_mem"'])).stdout.trim() === '8MB');
    await waitFor('shared_buffers pending a restart on every node', async () => (await status()).machines.filter((m) => m.postgres?.pendingRestart?.includes('shared_buffers')).length === 3);
    expect((await pglab(['status'])).stdout).toMatch(/pending restart \(shared_buffers\)/);
    const rs = await pglab(['restart', p]);
    expect(rs.code, rs.out).toBe(0);
    await waitFor('no pending restart on the restarted primary', async () => !(await status()).machines.find((m) => m.machine === p)?.postgres?.pendingRestart);
    const cleared = await pglab(['config', 'set', 'postgresql.shared_buffers=', 'postgresql.work_mem=', 'failoverTimeout=default']);
    expect(cleared.code, cleared.out).toBe(0);
  });

  it('status --watch refreshes every second until Ctrl-C; --json prints one document per refresh', async () => {
    const child = execa(join(import.meta.dirname, '..', '..', '..', 'bin', 'pglab'), ['status', '--watch', '--json'], { env: { ...TEST_LAB, CI: '1' }, reject: false });
    await new Promise((r) => setTimeout(r, 3500));
    child.kill('SIGINT');
    const done = await child;
    const docs = String(done.stdout).trim().split('\n').map((l) => JSON.parse(l) as StatusJson);
    expect(docs.length).toBeGreaterThanOrEqual(2);
    expect(docs[0]?.machines.length).toBeGreaterThan(0);
  });

  it('doctor and imdb verify have --json', async () => {
    const d = await pglab(['doctor', '--json']);
    expect(jsonOf<{ ok: boolean; checks: unknown[] }>(d.stdout).checks.length).toBeGreaterThan(0);
    expect((await pglab(['imdb', 'sample', '--scale', '0.001'])).code).toBe(0);
    expect((await pglab(['imdb', 'load', '--scale', '0.001'])).code).toBe(0);
    const v = await pglab(['imdb', 'verify', '--scale', '0.001', '--json']);
    expect(v.code, v.out).toBe(0);
    expect(jsonOf<{ ok: boolean }>(v.stdout).ok).toBe(true);
  });

  it('an IMDb load whose primary dies in the middle of its COPYs loads again on the new primary, complete', async () => {
    expect((await pglab(['imdb', 'sample', '--scale', '0.01'])).code).toBe(0);
    const p = await primary();
    const copies = async () => (await pglab(['exec', p, '--', 'runuser', '-u', 'postgres', '--', 'psql', '-XAtc', 'SELECT count(*) FROM pg_stat_progress_copy'])).stdout.trim();
    const load = pglab(['imdb', 'load', '--scale', '0.01']);
    await waitFor('a COPY of the load running on the primary', async () => Number(await copies()) > 0);
    // The postmaster SIGKILLed: every session ends at once, as in a crash (the daemon restarts it or fails over).
    const kill = await pglab(['exec', p, '--', 'sh', '-c', 'kill -9 $(head -1 /var/lib/postgresql/pglab/postmaster.pid)']);
    expect(kill.code, kill.out).toBe(0);
    const r = await load;
    expect(r.code, r.out).toBe(0);
    // The step's summary (always printed, unlike its passing progress lines) says the load started over.
    expect(r.out).toContain('loaded again after the connection to the primary was lost');
    const v = await pglab(['imdb', 'verify', '--scale', '0.01', '--json']);
    expect(v.code, v.out).toBe(0);
    expect(jsonOf<{ ok: boolean }>(v.stdout).ok).toBe(true);
  });
});
