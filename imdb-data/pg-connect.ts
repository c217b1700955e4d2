// Opens a PostgreSQL connection for the loaders, with an error that says where it tried and what to check.
import pg from 'pg';
import { UserError } from '../common/errors.js';

export async function connectPg(config: pg.ClientConfig, applicationName: string): Promise<pg.Client> {
  const client = new pg.Client({ application_name: applicationName, ...config });
  client.on('error', () => undefined); // surfaced by the query that fails; an idle error must not crash the process
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    const target = `${config.host ?? 'localhost'}:${config.port ?? 5432}`;
    throw new UserError(`cannot connect to PostgreSQL at ${target}: ${(err as Error).message}`, 'is the cluster up? check `pglab status`');
  }
  return client;
}
