// Looks up a user of the image (e.g. postgres) so files written from the host get the right owner.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function imageUser(imageRoot: string, name: string): { uid: number; gid: number } {
  const line = readFileSync(join(imageRoot, 'etc/passwd'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`the image at ${imageRoot} has no user "${name}"`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}
