// The pgdaemon build that gets deployed: the esbuild bundle and its content hash.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../../lab/host-command.js';

export interface DaemonBundle {
  hash: string;
  files: { path: string; content: Buffer }[];
}

/** The repository root (this file is dist/tasks/pgdaemon/bundle.js or tasks/pgdaemon/bundle.ts). */
function repoRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return here.includes('/dist/') ? join(here, '..', '..', '..') : join(here, '..', '..');
}

/** Rebuilds the bundle from daemon/ so a deploy always ships the sources as they are. */
export async function buildBundle(signal?: AbortSignal): Promise<void> {
  await run('node', [join(repoRoot(), 'daemon', 'build.mjs')], { signal });
}

/** Where the files go inside a machine. */
export const INSTALL_DIR = '/opt/pgdaemon';

export function readBundle(): DaemonBundle {
  const dist = join(repoRoot(), 'dist');
  const hash = readFileSync(join(dist, 'daemon', 'pgdaemon.hash'), 'utf8').trim();
  const files = [
    { path: 'daemon/pgdaemon.cjs', content: readFileSync(join(dist, 'daemon', 'pgdaemon.cjs')) },
    { path: 'VERSION', content: Buffer.from(hash + '\n') },
  ];
  return { hash, files };
}
