// What one mongod says about itself (`hello`, which needs no credentials): used by status, the set-up and chaos.
// The driver is loaded on first use (see imdb-data/load-mongo.ts): `pglab status` of a lab without mongo never needs it.
import type { MongoClient } from 'mongodb';
import type { memberState } from './replica-set.js';

export type Hello = NonNullable<Parameters<typeof memberState>[0]> & { primary?: string; hosts?: string[] };

/** A client for one member only (no discovery of the others), failing within `timeoutMs` when it is down. */
export async function memberClient(hostPort: string, timeoutMs: number, auth?: { username: string; password: string }): Promise<MongoClient> {
  const { MongoClient } = await import('mongodb');
  return new MongoClient(`mongodb://${hostPort}/?directConnection=true`, {
    serverSelectionTimeoutMS: timeoutMs,
    connectTimeoutMS: timeoutMs,
    appName: 'pglab',
    ...(auth ? { auth, authSource: 'admin' } : {}),
  });
}

/** `hello` on an open member client; null when it does not answer. */
export async function helloOn(client: MongoClient): Promise<Hello | null> {
  return (client.db('admin').command({ hello: 1 }) as Promise<Hello>).catch(() => null);
}

/** `hello` of every member at once, each on a fresh connection. */
export async function helloAll(hosts: readonly string[], timeoutMs = 1500): Promise<Map<string, Hello | null>> {
  const replies = await Promise.all(
    hosts.map(async (h) => {
      const client = await memberClient(h, timeoutMs);
      try {
        return [h, await helloOn(client)] as const;
      } finally {
        await client.close().catch(() => undefined);
      }
    }),
  );
  return new Map(replies);
}
