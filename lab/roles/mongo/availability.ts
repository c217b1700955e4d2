// The one answer to every MongoDB command on a lab without mongo machines (imdb load/verify, bench, dsn, chaos), and
// the server `pglab machines` sets the mongo machines up with when the topology has them.
import { existsSync } from 'node:fs';
import { UserError } from '../../../common/errors.js';
import { machineDirs } from '../../machine.js';
import { machinesOf, type Topology } from '../../topology.js';
import { installedServer } from './install.js';
import { cachedNpmPackage, NPM_SERVER } from './npm-package.js';
import { resolveMongoServer, type MongoServer } from './server.js';
import { downloadMongoTarball } from './tarball-download.js';
import { MONGO_TARBALL_ENV, MONGO_VERSION, whereToPutTarball } from './tarball.js';

/** Where mongod comes from, in one sentence for hints. */
export function whereMongodComesFrom(): string {
  return `mongod comes from the MongoDB ${MONGO_VERSION} server tarball when one is given (${whereToPutTarball()}), else from the npm package ${NPM_SERVER.spec} (MongoDB ${NPM_SERVER.version}, end of life)`;
}

/** Why `--target mongo` cannot run on this lab; undefined when it has mongo machines. */
export function mongoUnavailable(t: Topology): UserError | undefined {
  if (machinesOf(t, 'mongo').length > 0) return undefined;
  return new UserError('this lab has no mongo machines', `set machines.mongo: 3 in the topology file (the default topology has them) and run pglab machines; ${whereMongodComesFrom()}`);
}

export function requireMongoMachines(t: Topology): void {
  const refusal = mongoUnavailable(t);
  if (refusal) throw refusal;
}

/** The server the topology's mongo machines hold data of: the one unpacked last, when any of them has its disk layer. */
export function serverInUse(t: Topology): MongoServer | undefined {
  return machinesOf(t, 'mongo').some((m) => existsSync(machineDirs(m.name).upper)) ? installedServer() : undefined;
}

/**
 * For `pglab machines`: the server for the mongo machines (see server.ts for the order; no download when `download`
 * is false), or none for a topology without them, where a named tarball is a mistake.
 */
export async function mongoServerFor(t: Topology, flag: string | undefined, o: { download: boolean; signal?: AbortSignal; onSkip?: (why: string) => void }): Promise<MongoServer | undefined> {
  if (machinesOf(t, 'mongo').length === 0) {
    if (flag) throw new UserError('--mongo-tarball was given, but the topology has no mongo machines', 'set machines.mongo: 3 in the topology file, or leave the flag out');
    return undefined;
  }
  return resolveMongoServer({
    flag,
    env: process.env[MONGO_TARBALL_ENV],
    inUse: serverInUse(t),
    npmCached: () => cachedNpmPackage(),
    ...(o.onSkip ? { onSkip: o.onSkip } : {}),
    ...(o.download ? { download: (dest: string) => downloadMongoTarball(dest, o.signal ? { signal: o.signal } : {}) } : {}),
  });
}
