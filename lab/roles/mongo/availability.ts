// The one answer to every MongoDB command on a lab without mongo machines (imdb load/verify, bench, dsn, chaos), and
// the tarball `pglab machines` needs when the topology has them.
import { UserError } from '../../../common/errors.js';
import { downloadMongoTarball } from './tarball-download.js';
import { MONGO_TARBALL_ENV, resolveMongoTarball, whereToPutTarball, type FoundTarball } from './tarball.js';
import { machinesOf, type Topology } from '../../topology.js';

/** Why `--target mongo` cannot run on this lab; undefined when it has mongo machines. */
export function mongoUnavailable(t: Topology): UserError | undefined {
  if (machinesOf(t, 'mongo').length > 0) return undefined;
  return new UserError('this lab has no mongo machines', `add machines.mongo: 3 to the topology file and run pglab machines; mongod comes from the MongoDB server tarball: ${whereToPutTarball()}`);
}

export function requireMongoMachines(t: Topology): void {
  const refusal = mongoUnavailable(t);
  if (refusal) throw refusal;
}

/**
 * For `pglab machines`: the tarball when the topology has mongo machines (flag, $PGLAB_MONGO_TARBALL, the cache, then
 * a download unless `download` is false), or a refusal (exit 2) that says where to put it.
 */
export async function mongoTarballFor(t: Topology, flag: string | undefined, o: { download: boolean; signal?: AbortSignal }): Promise<FoundTarball | undefined> {
  if (machinesOf(t, 'mongo').length === 0) {
    if (flag) throw new UserError('--mongo-tarball was given, but the topology has no mongo machines', 'add machines.mongo: 3 to the topology file, or leave the flag out');
    return undefined;
  }
  return resolveMongoTarball({
    flag,
    env: process.env[MONGO_TARBALL_ENV],
    ...(o.download ? { download: (dest: string) => downloadMongoTarball(dest, o.signal ? { signal: o.signal } : {}) } : {}),
  });
}
