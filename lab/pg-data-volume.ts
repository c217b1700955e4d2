// Each PostgreSQL machine keeps /var/lib/postgresql on a file system of its own: a sparse ext4 image in the
// machine's directory, loop-mounted on the host and bound into the machine. A full disk (`pglab chaos
// disk-full`) is then real and local to that node, never the host's. `pglab destroy` unmounts it with the rest
// of the machine's directory (the loop device is released with the mount).
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdir, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './host-command.js';
import { imageUser } from './image-users.js';
import { isMounted } from './mounts.js';

/** Where PostgreSQL keeps its data inside a machine: the postgres user's home. */
export const PG_DATA_MOUNT = '/var/lib/postgresql';

export interface DataVolumePaths {
  image: string;
  mountPoint: string;
}

export function dataVolumePaths(machineDir: string): DataVolumePaths {
  return { image: join(machineDir, 'pgdata.img'), mountPoint: join(machineDir, 'pgdata') };
}

/**
 * Creates (once) and mounts the node's data file system; returns the host directory to bind at PG_DATA_MOUNT.
 * `root` is the machine's mounted root: the postgres user comes from its /etc/passwd, and a machine made before
 * volumes existed has its data there, which is copied in once so nothing is lost.
 */
export async function ensureDataVolume(machineDir: string, root: string, sizeMb: number): Promise<string> {
  const v = dataVolumePaths(machineDir);
  const created = !existsSync(v.image);
  if (created) {
    await writeFile(v.image, '');
    await truncate(v.image, sizeMb * 1024 * 1024);
    // No reserved blocks: "full" means full for PostgreSQL too.
    await run('mkfs.ext4', ['-q', '-F', '-m', '0', '-L', 'pglab-pgdata', v.image]);
  }
  await mkdir(v.mountPoint, { recursive: true });
  if (!isMounted(v.mountPoint)) await run('mount', ['-o', 'loop', v.image, v.mountPoint]);
  const { uid, gid } = imageUser(root, 'postgres');
  await chown(v.mountPoint, uid, gid);
  const old = join(root, PG_DATA_MOUNT.slice(1));
  if (created && existsSync(old) && readdirSync(old).length > 0) await run('cp', ['-a', `${old}/.`, v.mountPoint]);
  return v.mountPoint;
}
