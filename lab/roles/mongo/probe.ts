// What one mongod says about itself (`hello`, which needs no credentials): used by status, the set-up and chaos.
// The driver is loaded on first use (see imdb-data/load-mongo.ts): `pglab status` of a lab without mongo never needs it.
import type { MongoClient } from 'mongodb';
import type { MemberHello } from './replica-set.js';

export type Hello = MemberHello & { primary?: string; hosts?: string[] };

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

/** MongoDB's code for a command the server does not know: `hello` before 4.4.2 (4.0 has only `isMaster`). */
const COMMAND_NOT_FOUND = 59;

/**
 * `hello` on an open member client, or `isMaster` on a server too old for `hello` (4.0), read the same way (8.0 still
 * answers isMaster, but deprecated); null when it does not answer.
 */
export async function helloOn(client: MongoClient): Promise<Hello | null> {
  const admin = client.db('admin');
  try {
    return (await admin.command({ hello: 1 })) as Hello;
  } catch (err) {
    if ((err as { code?: unknown }).code !== COMMAND_NOT_FOUND) return null;
  }
  const legacy = (await admin.command({ isMaster: 1 }).catch(() => null)) as (Hello & { ismaster?: boolean }) | null;
  return legacy ? { ...legacy, isWritablePrimary: legacy.ismaster === true } : null;
}

/** The version the server reports (`buildInfo` needs no credentials); null when it does not answer. */
export async function serverVersionOn(client: MongoClient): Promise<string | null> {
  const info = (await client.db('admin').command({ buildInfo: 1 }).catch(() => null)) as { version?: string } | null;
  return info?.version ?? null;
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
