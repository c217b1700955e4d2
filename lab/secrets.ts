// The lab's credentials: generated once, kept in the state dir with mode 0600,
// handed to pgdaemon, pgbouncer and the clients. Nothing uses trust auth on the bridge.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../common/atomic-write.js';
import { UserError } from '../common/errors.js';
import { paths } from './state-dir.js';

export interface LabSecrets {
  superuserPassword: string;
  replicationPassword: string;
  appPassword: string;
  apiToken: string;
  /** Added by the first `pglab machines` with mongo machines (labs made before have none until then). */
  mongo?: MongoSecrets;
}

export interface MongoSecrets {
  /** userAdminAnyDatabase + clusterAdmin: pglab's own user for the replica set and the users. */
  adminPassword: string;
  /** The application user: readWrite on the IMDb and benchmark databases. */
  appPassword: string;
  /** Shared by the members for internal authentication (base64 characters only, as mongod requires). */
  keyfile: string;
}

export const MONGO_ADMIN_USER = 'pglab-admin';
export const MONGO_APP_USER = 'pglab';

/** The application role and database that pgdaemon creates on bootstrap. */
export const APP_USER = 'pglab';
export const APP_DATABASE = 'pglab';

function secretsFile(): string {
  return join(paths.secrets(), 'cluster.json');
}

const token = (bytes: number) => randomBytes(bytes).toString('base64url');

export function secretsExist(): boolean {
  return existsSync(secretsFile());
}

export function readSecrets(): LabSecrets {
  const file = secretsFile();
  if (!existsSync(file)) throw new UserError('the lab has no credentials yet', 'run `pglab machines` first');
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LabSecrets;
  } catch (err) {
    throw new UserError(`cannot read ${file}: ${(err as Error).message}`, 'run `pglab destroy` and `pglab machines` to make new ones');
  }
}

/** Returns the lab's secrets, creating them on first use. */
export async function ensureSecrets(): Promise<LabSecrets> {
  if (existsSync(secretsFile())) return readSecrets();
  const secrets: LabSecrets = {
    superuserPassword: token(18),
    replicationPassword: token(18),
    appPassword: token(18),
    apiToken: token(24),
  };
  await mkdir(paths.secrets(), { recursive: true, mode: 0o700 });
  await writeFile(secretsFile(), JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  return secrets;
}

/** The MongoDB credentials, added to the lab's secrets on first use (same file, same 0600). */
export async function ensureMongoSecrets(): Promise<MongoSecrets> {
  const secrets = await ensureSecrets();
  if (secrets.mongo) return secrets.mongo;
  const mongo: MongoSecrets = { adminPassword: token(18), appPassword: token(18), keyfile: randomBytes(96).toString('base64') };
  await writeFileAtomic(secretsFile(), JSON.stringify({ ...secrets, mongo }, null, 2) + '\n', 0o600);
  return mongo;
}

/** For commands that talk to MongoDB: the credentials exist once `pglab machines` has built the mongo machines. */
export function readMongoSecrets(): MongoSecrets {
  const mongo = readSecrets().mongo;
  if (!mongo) throw new UserError('the lab has no MongoDB credentials yet', 'run `pglab machines` with mongo machines in the topology first');
  return mongo;
}
