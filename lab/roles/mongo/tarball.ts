// The first source of mongod: MongoDB's pinned 8.0 server tarball, given (flag, env), found in the cache, or downloaded
// from MongoDB's release host with the checksum published next to it. server.ts says what comes after it.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../../common/errors.js';
import { run } from '../../host-command.js';
import { paths } from '../../state-dir.js';

/** One pinned release: the lab is tested against one server version, not whatever is newest. */
export const MONGO_VERSION = '8.0.4';
export const MONGO_TARBALL_NAME = `mongodb-linux-x86_64-debian12-${MONGO_VERSION}.tgz`;
/** MongoDB's official release host; its `.sha256` file sits next to the tarball. */
export const MONGO_DOWNLOAD_URL = `https://fastdl.mongodb.org/linux/${MONGO_TARBALL_NAME}`;
export const MONGO_TARBALL_ENV = 'PGLAB_MONGO_TARBALL';
export const MONGO_TARBALL_FLAG = '--mongo-tarball';

export function mongoCacheDir(): string {
  return join(paths.cache(), 'mongodb');
}

export function cachedTarballPath(): string {
  return join(mongoCacheDir(), MONGO_TARBALL_NAME);
}

export type TarballOrigin = 'flag' | 'env' | 'cache' | 'download';

/** The three ways to give the tarball, for every refusal about it. */
export function whereToPutTarball(): string {
  return `put ${MONGO_TARBALL_NAME} (from ${MONGO_DOWNLOAD_URL}) at ${cachedTarballPath()}, or pass ${MONGO_TARBALL_FLAG} FILE to pglab machines, or set ${MONGO_TARBALL_ENV}=FILE`;
}

/**
 * Accepts a file when it is a gzip tar with a bin/mongod in it. The published checksum of a given file is not known
 * here (it cannot be fetched on this host), so a given or cached file is checked for its shape, not its bytes.
 */
export async function findMongodMember(file: string, origin: string): Promise<string> {
  const listed = await run('tar', ['tzf', file], { allowFailure: true });
  if (listed.exitCode !== 0) {
    throw new UserError(`${file} (${origin}) is not a gzip tar archive: ${listed.stderr.trim().split('\n')[0] ?? ''}`, whereToPutTarball());
  }
  const member = listed.stdout.split('\n').map((l) => l.trim()).find((l) => /(^|\/)bin\/mongod$/.test(l));
  if (!member) throw new UserError(`${file} (${origin}) has no bin/mongod: it is not a MongoDB server tarball`, whereToPutTarball());
  return member;
}

/** The first tarball given or cached, in the documented order; a named file that does not exist is a mistake, not a fallthrough. */
export function localTarball(given: { flag?: string | undefined; env?: string | undefined }): { path: string; origin: TarballOrigin } | undefined {
  for (const [origin, path, name] of [['flag', given.flag, MONGO_TARBALL_FLAG], ['env', given.env, MONGO_TARBALL_ENV]] as const) {
    if (path === undefined || path === '') continue;
    if (!existsSync(path) || !statSync(path).isFile()) throw new UserError(`${name} names ${path}, which is not a file`, whereToPutTarball());
    return { path, origin };
  }
  return existsSync(cachedTarballPath()) ? { path: cachedTarballPath(), origin: 'cache' } : undefined;
}
