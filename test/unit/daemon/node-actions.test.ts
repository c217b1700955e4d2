// The bootstrap's roles: made again, idempotently, before a half-bootstrapped primary marks the cluster initialized.
import { describe, expect, it } from 'vitest';
import { applyNodeAction, ensureRoles, type ActionContext } from '../../../daemon/node-actions.js';

const secrets = { superuserPassword: 'su', replicationPassword: "re'p", apiToken: 't', appPassword: 'app' };

/** A catalog that answers the statements ensureRoles sends, and refuses what PostgreSQL would refuse. */
function catalog(roles: string[], databases: string[] = ['postgres']) {
  const sent: string[] = [];
  const probe = {
    async query(sql: string): Promise<Record<string, unknown>[]> {
      sent.push(sql);
      const doRole = /^DO \$pgdaemon_roles\$ BEGIN IF EXISTS \(SELECT FROM pg_roles WHERE rolname = '(\w+)'\)/.exec(sql);
      if (doRole) {
        if (!roles.includes(doRole[1]!)) roles.push(doRole[1]!);
        return [];
      }
      const role = /^(CREATE|ALTER) ROLE (\w+)/.exec(sql);
      if (role) {
        if (role[1] === 'CREATE' && roles.includes(role[2]!)) throw new Error(`role "${role[2]}" already exists`);
        if (role[1] === 'ALTER' && !roles.includes(role[2]!)) throw new Error(`role "${role[2]}" does not exist`);
        if (!roles.includes(role[2]!)) roles.push(role[2]!);
        return [];
      }
      if (sql.includes('FROM pg_roles')) return roles.filter((r) => sql.includes(`'${r}'`)).map((rolname) => ({ rolname }));
      if (sql.includes('FROM pg_database')) return databases.includes('pglab') ? [{ x: 1 }] : [];
      if (sql.startsWith('CREATE DATABASE pglab')) {
        if (databases.includes('pglab')) throw new Error('database "pglab" already exists');
        databases.push('pglab');
        return [];
      }
      throw new Error(`unexpected: ${sql}`);
    },
  };
  return { probe, sent, roles, databases };
}

describe('the roles of a bootstrap', () => {
  it('are made on a fresh server, and made again without error on one that has them (a retried bootstrap step)', async () => {
    const c = catalog(['postgres']);
    await ensureRoles({ probe: c.probe as unknown as ActionContext['probe'], secrets });
    expect(c.roles.sort()).toEqual(['pglab', 'postgres', 'replicator']);
    expect(c.databases).toContain('pglab');
    const replicator = c.sent.find((q) => q.includes("rolname = 'replicator'"));
    expect(replicator).toContain("THEN ALTER ROLE replicator WITH REPLICATION LOGIN PASSWORD 're''p'; ELSE CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD 're''p'; END IF;");
    c.sent.length = 0;
    await ensureRoles({ probe: c.probe as unknown as ActionContext['probe'], secrets });
    expect(c.sent.some((q) => q.startsWith('CREATE DATABASE'))).toBe(false);
  });

  it('are finished before a primary whose bootstrap stopped half way marks the cluster initialized (else no replica can ever clone)', async () => {
    // initdb, start, then the role step failed: the server has postgres only, and the next cycle marks initialized.
    const c = catalog(['postgres']);
    const order: string[] = [];
    const ctx = {
      probe: { query: async (sql: string) => { order.push(sql); return c.probe.query(sql); } },
      secrets,
      systemId: () => '7716374146241460519',
      dcs: { markInitialized: async () => { order.push('mark initialized'); return true; } },
      log: () => undefined,
    } as unknown as ActionContext;
    await applyNodeAction({ kind: 'mark-initialized' }, ctx);
    expect(c.roles).toContain('replicator');
    expect(order.indexOf('mark initialized')).toBeGreaterThan(order.findIndex((q) => q.startsWith('DO')));
    expect(order.at(-1)).toBe('mark initialized');
  });
});
