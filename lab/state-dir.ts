// Where the lab keeps what it made, so any shell can see and remove it.
import { join } from 'node:path';

export function pglabHome(): string {
  return process.env.PGLAB_HOME ?? '/var/lib/pglab';
}

/**
 * The lab's name: its network namespace and cgroup parent are called this.
 * Tests set PGLAB_NAME (and PGLAB_HOME) so they never touch a user's lab.
 */
export function labName(): string {
  const name = process.env.PGLAB_NAME ?? 'pglab';
  if (!/^pglab[a-z0-9-]{0,10}$/.test(name)) throw new Error(`PGLAB_NAME must start with "pglab" (got "${name}")`);
  return name;
}

/** Images can be shared between labs (PGLAB_IMAGES), e.g. by the tests and the user's lab. */
function imagesDir(): string {
  return process.env.PGLAB_IMAGES ?? join(pglabHome(), 'images');
}

export const paths = {
  home: () => pglabHome(),
  images: () => imagesDir(),
  image: (hash: string) => join(imagesDir(), hash),
  machines: () => join(pglabHome(), 'machines'),
  machine: (name: string) => join(pglabHome(), 'machines', name),
  labFile: () => join(pglabHome(), 'lab.json'),
  secrets: () => join(pglabHome(), 'secrets'),
  cache: () => join(pglabHome(), 'cache'),
  /** Locked (flock) by the one command that may change the lab; never deleted. */
  lock: () => join(pglabHome(), 'lock'),
  /** Who holds `lock`: pid, verb, since (for the message a second command prints). */
  lockHolder: () => join(pglabHome(), 'lock.holder.json'),
  /** Appended to by a running chaos or bench, followed by `pglab ui` (common/live-run.ts). */
  liveRun: () => join(pglabHome(), 'live-run.jsonl'),
};
