// Writers that insert unique ids into the MongoDB replica set and remember exactly which inserts were acknowledged, by
// which member and when: the same evidence checked-writer.ts gathers through haproxy, for the other database.
// The driver is loaded when a mongo chaos run starts (see imdb-data/load-mongo.ts).
import type { CommandSucceededEvent, MongoClient } from 'mongodb';
import { runWriterLoops, type WriteLog } from './checked-writer.js';
import { waitUntil } from '../common/wait-until.js';

export const MONGO_CHAOS_DATABASE = 'pglab_bench';
export const MONGO_CHAOS_COLLECTION = 'chaos_writes';

/** `majority`: acknowledged once a majority has it in its journal (w: majority, j: true); `1`: once the primary has it. */
export const MONGO_WRITE_CONCERNS = ['majority', '1'] as const;
export type MongoWriteConcern = (typeof MONGO_WRITE_CONCERNS)[number];

export interface MongoWriterOptions {
  uri: string;
  clients: number;
  /** Monotonic origin shared with the fault injector. */
  t0: number;
  concern: MongoWriteConcern;
  /** Added to each client's number, so two groups of writers never write the same ids. */
  clientBase: number;
}

const now = (t0: number) => performance.now() - t0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Client settings for checked writes. One connection per writer, so the member named by the last `insert` the client
 * saw succeed is the member that acknowledged this writer's last write. No retryable writes: each attempt stands alone,
 * as each INSERT of the PostgreSQL writers does. Heartbeats every 500 ms (the driver's floor) find a new primary soon.
 */
export function writerClientOptions(concern: MongoWriteConcern) {
  return {
    maxPoolSize: 1,
    monitorCommands: true,
    retryWrites: false,
    heartbeatFrequencyMS: 500,
    serverSelectionTimeoutMS: 1000,
    connectTimeoutMS: 1000,
    socketTimeoutMS: 5000,
    appName: 'pglab chaos',
    writeConcern: concern === 'majority' ? { w: 'majority' as const, j: true, wtimeoutMS: 4000 } : { w: 1 },
  };
}

async function connect(uri: string, options: object): Promise<MongoClient> {
  const { MongoClient } = await import('mongodb');
  return new MongoClient(uri, options);
}

/** An empty collection for the run, its drop acknowledged by a majority. */
export async function prepareMongoCollection(uri: string): Promise<void> {
  const client = await connect(uri, { serverSelectionTimeoutMS: 10_000, appName: 'pglab chaos' });
  try {
    await client.db(MONGO_CHAOS_DATABASE).collection(MONGO_CHAOS_COLLECTION).drop({ writeConcern: { w: 'majority' } }).catch((err: { codeName?: string }) => {
      if (err.codeName !== 'NamespaceNotFound') throw err;
    });
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** Starts the writers; `stop()` ends them and returns everything they saw; `log` is the live log. */
export function startMongoWriters(o: MongoWriterOptions): { stop: () => Promise<WriteLog>; log: Readonly<WriteLog> } {
  return runWriterLoops(o.clients, (i, log, running) => writerLoop(o.clientBase + i, o, log, running));
}

/** "10.42.0.40:27017" → "10.42.0.40": acks are named by address, as the PostgreSQL writers name them. */
export function hostOfAddress(address: string): string {
  return address.replace(/:\d+$/, '');
}

async function writerLoop(client: number, o: MongoWriterOptions, log: WriteLog, running: () => boolean): Promise<void> {
  const mongo = await connect(o.uri, writerClientOptions(o.concern));
  let lastInsertBy = '?';
  mongo.on('commandSucceeded', (e: CommandSucceededEvent) => {
    if (e.commandName === 'insert') lastInsertBy = hostOfAddress(e.address);
  });
  const collection = mongo.db(MONGO_CHAOS_DATABASE).collection<{ _id: number; client: number }>(MONGO_CHAOS_COLLECTION);
  let seq = 0;
  try {
    while (running()) {
      const id = client * 1_000_000_000 + ++seq;
      const sentAt = now(o.t0);
      try {
        lastInsertBy = '?';
        await collection.insertOne({ _id: id, client });
        log.acks.push({ id, client, sentAt, ackAt: now(o.t0), node: lastInsertBy });
      } catch (err) {
        log.failures.push({ client, at: now(o.t0), error: (err as Error).message });
        await sleep(50);
      }
    }
  } finally {
    await mongo.close().catch(() => undefined);
  }
}

/**
 * Which acknowledged ids are missing now, read from the PRIMARY with read concern majority (what survives any
 * further failover). Retries for up to 30 s while the set settles after the heal.
 */
export async function missingMongoAcked(uri: string, acks: readonly { id: number }[]): Promise<number[]> {
  return waitUntil(
    'the PRIMARY to answer the final read',
    async () => {
      const client = await connect(uri, { serverSelectionTimeoutMS: 5000, readConcern: { level: 'majority' }, appName: 'pglab chaos' });
      try {
        const docs = await client.db(MONGO_CHAOS_DATABASE).collection<{ _id: number }>(MONGO_CHAOS_COLLECTION).find({}, { projection: { _id: 1 } }).toArray();
        const present = new Set(docs.map((d) => d._id));
        return acks.filter((a) => !present.has(a.id)).map((a) => a.id);
      } finally {
        await client.close().catch(() => undefined);
      }
    },
    { timeoutMs: 30_000, intervalMs: 500, retryErrors: true },
  );
}
