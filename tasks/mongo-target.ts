// The one answer to every MongoDB target on this host (imdb load/verify, bench): not available, where a server tarball would go, what to run instead.
import { join } from 'node:path';
import { UserError } from '../common/errors.js';
import { paths } from '../lab/state-dir.js';

/** Where a MongoDB server tarball belongs: the lab downloads nothing but Debian packages, so it has to be put there by hand. */
export function mongoTarballDir(): string {
  return join(paths.cache(), 'mongodb');
}

/** `instead`: the command to use meanwhile, e.g. `--target jsonb` (the same documents in PostgreSQL). */
export function mongoUnavailable(instead: string): UserError {
  return new UserError(
    'MongoDB is not available in this lab: Debian has no MongoDB server package and the lab downloads nothing else',
    `a MongoDB server tarball (mongodb-linux-x86_64-debian12-<version>.tgz) belongs in ${mongoTarballDir()}/, but building mongo machines from it is not implemented yet (docs/decisions.md); meanwhile ${instead}`,
  );
}
