// The bootstrap's roles on a real PostgreSQL 15: made on a fresh server, made again without error (a bootstrap that
// stopped half way is finished by mark-initialized), and the replication password works afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { ensureRoles, type ActionContext } from '../../../daemon/node-actions.js';
import { startLocalPostgres, type LocalPostgres } from '../../support/local-postgres.js';

let server: LocalPostgres;
let admin: pg.Client;
const secrets = { superuserPassword: 'super-secret', replicationPassword: "it's-a-rep", apiToken: 'token-0123456789abcdef', appPassword: 'app-password' };

beforeAll(async () => {
  server = await startLocalPostgres();
  admin = new pg.Client(server.connection());
  await admin.connect();
});

afterAll(async () => {
  await admin?.end();
  await server?.stop();
});

const probe = { query: async (sql: string) => (await admin.query(sql)).rows } as unknown as ActionContext['probe'];

async function logsIn(user: string, password: string, database = 'postgres'): Promise<boolean> {
  const c = new pg.Client({ ...server.connection(), user, password, database });
  try {
    await c.connect();
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

describe('ensureRoles on PostgreSQL 15', () => {
  it('makes replicator and pglab with the database, and runs again without error, passwords still right', async () => {
    await ensureRoles({ probe, secrets });
    await ensureRoles({ probe, secrets });
    const roles = await admin.query<{ rolname: string; rolreplication: boolean }>(`SELECT rolname, rolreplication FROM pg_roles WHERE rolname IN ('replicator', 'pglab') ORDER BY 1`);
    expect(roles.rows).toEqual([{ rolname: 'pglab', rolreplication: false }, { rolname: 'replicator', rolreplication: true }]);
    expect(await logsIn('pglab', secrets.appPassword, 'pglab')).toBe(true);
    expect(await logsIn('pglab', 'wrong', 'pglab')).toBe(false);
    expect(await logsIn('replicator', secrets.replicationPassword)).toBe(true);
  });
});
