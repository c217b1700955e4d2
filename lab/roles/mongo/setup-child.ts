// Runs inside one mongo machine's network namespace (started by setup.ts), where 127.0.0.1 is that
// machine's mongod: before any user exists, MongoDB accepts replSetInitiate and the first createUser only over
// loopback (the localhost exception). Reads a SetupRequest on stdin, prints one SetupReply as JSON.
import { MongoClient, MongoServerError } from 'mongodb';
import { notYet, waitUntil } from '../../../common/wait-until.js';
import { helloAll, memberClient, serverVersionOn } from './probe.js';
import { MONGO_PORT, MONGO_REPLICA_SET, planReplicaSet, type RsConfig } from './replica-set.js';
import { MONGO_ADMIN_ROLES, MONGO_APP_ROLES } from './credentials.js';
import type { Topology } from '../../topology.js';

export interface SetupRequest {
  topology: Topology;
  /** This machine's member, host:port. */
  self: string;
  admin: { name: string; password: string };
  app: { name: string; password: string };
  timeoutMs: number;
}

export type SetupReply =
  /** `version`: what the PRIMARY's mongod says it is (buildInfo). */
  | { kind: 'done'; primary: string; did: string[]; version: string | null }
  /** The first user can only be made on the primary's loopback: run again in that machine. */
  | { kind: 'run-on'; primary: string; did: string[] };

const LOCAL = `127.0.0.1:${MONGO_PORT}`;

/** Waits until `deadline` (Date.now() time) for `probe` to return something; NotYet says why not. */
function waitFor<T>(what: string, deadline: number, probe: () => Promise<T | ReturnType<typeof notYet>>): Promise<T> {
  return waitUntil(what, probe, { timeoutMs: Math.max(0, deadline - Date.now()), intervalMs: 250 });
}

function isAuthFailure(err: unknown): boolean {
  return err instanceof MongoServerError ? err.code === 18 || err.codeName === 'AuthenticationFailed' : /Authentication failed/i.test(String(err));
}

async function canAuthenticate(hosts: string[], admin: SetupRequest['admin']): Promise<boolean> {
  const client = new MongoClient(`mongodb://${hosts.join(',')}/?replicaSet=${MONGO_REPLICA_SET}`, { auth: { username: admin.name, password: admin.password }, authSource: 'admin', serverSelectionTimeoutMS: 5000 });
  try {
    await client.db('admin').command({ ping: 1 });
    return true;
  } catch (err) {
    if (isAuthFailure(err)) return false;
    throw err;
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** createUser, or updateUser when it exists (silently: the lab's secrets are the truth, a rerun changes nothing). */
async function ensureUser(client: MongoClient, user: { name: string; password: string }, roles: object[], did: string[]): Promise<void> {
  const db = client.db('admin');
  const exists = ((await db.command({ usersInfo: user.name })) as { users: unknown[] }).users.length > 0;
  await db.command(exists ? { updateUser: user.name, pwd: user.password, roles } : { createUser: user.name, pwd: user.password, roles });
  if (!exists) did.push(`user ${user.name} created`);
}

export async function setup(r: SetupRequest): Promise<SetupReply> {
  const deadline = Date.now() + r.timeoutMs;
  const hosts = r.topology.machines.filter((m) => m.role === 'mongo').map((m) => `${m.ip}:${MONGO_PORT}`);
  const did: string[] = [];
  const replies = await waitFor('every mongod to answer', deadline, async () => {
    const all = await helloAll(hosts);
    const silent = [...all].filter(([, h]) => !h).map(([host]) => host);
    return silent.length === 0 ? all : notYet(`no answer from ${silent.join(', ')}`);
  });
  if (![...replies.values()].some((h) => h?.setName)) {
    const plan = planReplicaSet(null, r.topology);
    if (plan.kind !== 'initiate') throw new Error(`expected to initiate, planned ${plan.kind}`);
    const local = await memberClient(LOCAL, 5000);
    try {
      await local.db('admin').command({ replSetInitiate: plan.config });
    } finally {
      await local.close().catch(() => undefined);
    }
    did.push(`initiated ${MONGO_REPLICA_SET} with ${hosts.length} member(s)`);
  }
  const primary = await waitFor('a PRIMARY', deadline, async () => {
    for (const [h, hello] of await helloAll(hosts)) if (hello?.isWritablePrimary) return h;
    return notYet('no member says it is PRIMARY');
  });
  if (!(await canAuthenticate(hosts, r.admin))) {
    if (primary !== r.self) return { kind: 'run-on', primary, did };
    const local = await memberClient(LOCAL, 5000);
    try {
      // The localhost exception allows createUser and nothing else (not even usersInfo): the first user is created blind.
      await local.db('admin').command({ createUser: r.admin.name, pwd: r.admin.password, roles: MONGO_ADMIN_ROLES });
      did.push(`user ${r.admin.name} created`);
    } catch (err) {
      if (err instanceof MongoServerError && (err.codeName === 'Unauthorized' || err.code === 13)) {
        throw new Error(`rs0 has users already, but ${r.admin.name} cannot log in with the password in the lab's secrets: remove the mongo machines (pglab destroy) to start the set afresh`, { cause: err });
      }
      throw err;
    } finally {
      await local.close().catch(() => undefined);
    }
  }
  const client = new MongoClient(`mongodb://${hosts.join(',')}/?replicaSet=${MONGO_REPLICA_SET}`, { auth: { username: r.admin.name, password: r.admin.password }, authSource: 'admin', serverSelectionTimeoutMS: 10_000, w: 'majority' });
  let version: string | null = null;
  try {
    await ensureUser(client, r.app, MONGO_APP_ROLES, did);
    const { config } = (await client.db('admin').command({ replSetGetConfig: 1 })) as { config: RsConfig };
    const plan = planReplicaSet(config, r.topology);
    if (plan.kind === 'reconfigure') {
      // Each step must be committed by a majority before the next is accepted: retry while the last one settles.
      for (const step of plan.steps) {
        await waitFor('the previous reconfiguration to commit', deadline, () =>
          client.db('admin').command({ replSetReconfig: step }).then(() => true, (err: unknown) => {
            if (err instanceof MongoServerError && /ConfigurationInProgress|CurrentConfigNotCommittedYet|NewReplicaSetConfigurationIncompatible/.test(err.codeName ?? '')) return notYet(err.message);
            throw err;
          }),
        );
      }
      did.push(`reconfigured ${MONGO_REPLICA_SET}: ${[...plan.added.map((h) => `+${h}`), ...plan.removed.map((h) => `-${h}`)].join(' ')}`);
    }
    version = await serverVersionOn(client);
  } finally {
    await client.close().catch(() => undefined);
  }
  return { kind: 'done', primary, did, version };
}

async function main(): Promise<void> {
  let input = '';
  for await (const chunk of process.stdin) input += String(chunk);
  const reply = await setup(JSON.parse(input) as SetupRequest);
  process.stdout.write(JSON.stringify(reply) + '\n');
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ''))) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
