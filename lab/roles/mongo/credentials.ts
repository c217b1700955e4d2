// Who may do what in the replica set: pglab's admin user and the application user, and the URI clients use.
import { mongoHosts, MONGO_REPLICA_SET } from './replica-set.js';
import { MONGO_ADMIN_USER, MONGO_APP_USER, readMongoSecrets, type MongoSecrets } from '../../secrets.js';
import { requireMongoMachines } from './availability.js';
import type { Topology } from '../../topology.js';

/** The databases the application user writes: the IMDb documents and the benchmark's payments and ratings. */
export const MONGO_APP_DATABASES = ['imdb', 'pglab_bench'];

export const MONGO_ADMIN_ROLES = [{ role: 'root', db: 'admin' }];
export const MONGO_APP_ROLES = MONGO_APP_DATABASES.map((db) => ({ role: 'readWrite', db }));

/** The replica set URI for a user (both users live in the admin database). */
export function mongoUri(t: Topology, user: { name: string; password: string }, database = 'imdb'): string {
  return `mongodb://${encodeURIComponent(user.name)}:${encodeURIComponent(user.password)}@${mongoHosts(t).join(',')}/${database}?replicaSet=${MONGO_REPLICA_SET}&authSource=admin`;
}

export function appUser(s: MongoSecrets): { name: string; password: string } {
  return { name: MONGO_APP_USER, password: s.appPassword };
}

export function adminUser(s: MongoSecrets): { name: string; password: string } {
  return { name: MONGO_ADMIN_USER, password: s.adminPassword };
}

/** The application user's URI for the lab's replica set (secrets read when called: after the refusals). */
export function labMongoUri(t: Topology, database = 'imdb'): string {
  requireMongoMachines(t);
  return mongoUri(t, appUser(readMongoSecrets()), database);
}
