// The pgdaemon command line against a real etcd: exit codes, one-line errors, refusal to overwrite a cluster.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle, DaemonCluster } from '../../support/daemon-cluster.js';

const c = new DaemonCluster({ nodes: 0 });
const dir = mkdtempSync(join(tmpdir(), 'pgd-cli-'));
const etcd = () => ['--cluster', 'clitest', '--etcd', c.etcdUrl];

/** One line on stderr, prefixed, and no stack trace. */
function expectOneLineError(stderr: string, text: RegExp): void {
  const lines = stderr.trim().split('\n');
  expect(lines[0]).toMatch(/^pgdaemon: /);
  expect(lines[0]).toMatch(text);
  expect(stderr).not.toMatch(/^\s+at /m);
  expect(lines.length).toBeLessThanOrEqual(2); // the message, and maybe a "→ what to do" hint
}

describe('pgdaemon CLI', () => {
  beforeAll(async () => {
    buildBundle();
    c.startEtcd();
    await c.waitEtcd();
  });
  afterAll(async () => {
    await c.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a bad config file with exit 2 and one line', () => {
    const cfg = join(dir, 'bad.json');
    writeFileSync(cfg, JSON.stringify({ node: 'pg0', dataDir: '/tmp/x', connectHost: '127.0.0.1', secrets: '/nope', ttl: 'forever' }));
    const r = c.cli(['daemon', '--config', cfg]);
    expect(r.code).toBe(2);
    expectOneLineError(r.stderr, /invalid --ttl: invalid duration "forever"/);
    writeFileSync(cfg, '{"node": ');
    const r2 = c.cli(['daemon', '--config', cfg]);
    expect(r2.code).toBe(2);
    expectOneLineError(r2.stderr, /config file .* is not a JSON object/);
  });

  it('lets flags in any order override the file, and checks the secrets file', () => {
    const cfg = join(dir, 'good.json');
    writeFileSync(cfg, JSON.stringify({ node: 'pg0', dataDir: '/tmp/x', connectHost: '127.0.0.1', secrets: join(dir, 'missing-secrets.json'), ttl: 'forever' }));
    // --ttl on the command line fixes the file's bad value; then the missing secrets file is the first problem.
    const r = c.cli(['daemon', '--ttl', '2s', '--config', cfg, '--loop', '200ms']);
    expect(r.code).toBe(2);
    // The tests run as root, which the daemon refuses after validating the options (so the options were fine).
    expectOneLineError(r.stderr, process.getuid?.() === 0 ? /must not run as root/ : /cannot read secrets file .*missing-secrets.json: ENOENT/);
  });

  it('rejects unknown flags with exit 2', () => {
    const r = c.cli(['daemon', '--colour', 'blue']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^pgdaemon: unknown option '--colour'/);
  });

  it('initializes a cluster once, refuses to overwrite it, and overwrites with --force', () => {
    const first = c.cli(['init-cluster', ...etcd(), '--primary', 'pg0', '--replicas', 'pg1,pg2', '--sync']);
    expect(first.code).toBe(0);
    expect(first.stdout.trim()).toBe('cluster clitest: primary pg0, replicas pg1,pg2, synchronous replication');
    const again = c.cli(['init-cluster', ...etcd(), '--primary', 'pg1', '--replicas', 'pg0']);
    expect(again.code).toBe(2);
    expectOneLineError(again.stderr, /cluster "clitest" already exists in etcd/);
    const forced = c.cli(['init-cluster', ...etcd(), '--primary', 'pg1', '--replicas', 'pg0', '--force']);
    expect(forced.code).toBe(0);
    const st = JSON.parse(c.cli(['status', '--json', ...etcd()]).stdout) as { desired: { primary: string; members: string[] }; config: { synchronous: boolean } };
    expect(st.desired.primary).toBe('pg1');
    expect(st.desired.members).toEqual(['pg1', 'pg0']);
    expect(st.config.synchronous).toBe(false);
  });

  it('shows a table, and refuses switchovers that cannot work', () => {
    const table = c.cli(['status', ...etcd()]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^generation 1: primary pg1; leader \(none\); asynchronous\nNODE\s+WANT\s+ROLE/);
    expect(table.stdout).toMatch(/^pg0\s+replica\s+gone/m);
    const bad = c.cli(['switchover', '--to', 'pg9', ...etcd()]);
    expect(bad.code).toBe(2);
    expectOneLineError(bad.stderr, /pg9 is not a member \(members: pg1,pg0\)/);
    const badFailover = c.cli(['failover', '--to', 'pg9', ...etcd()]);
    expect(badFailover.code).toBe(2);
    expectOneLineError(badFailover.stderr, /pg9 is not a member \(members: pg1,pg0\)/);
    const badConfig = c.cli(['config', 'set', 'failoverTimeout=1h', 'nonsense=1', ...etcd()]);
    expect(badConfig.code).toBe(2);
    expect(badConfig.stderr).toMatch(/^pgdaemon: invalid config: failoverTimeout: "1h" is not a duration from 1s to 5m.*; unknown key "nonsense"/);
  });

  it('fails in about a second with one line when etcd cannot be reached', () => {
    const started = Date.now();
    const r = c.cli(['status', '--cluster', 'x', '--etcd', 'http://127.0.0.1:9', '--etcd-timeout', '1s']);
    expect(r.code).toBe(1);
    expectOneLineError(r.stderr, /etcd at http:\/\/127\.0\.0\.1:9: /);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('reports an uninitialized cluster', () => {
    const r = c.cli(['status', '--cluster', 'never', '--etcd', c.etcdUrl]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')[0]).toBe('cluster not initialized');
  });
});
