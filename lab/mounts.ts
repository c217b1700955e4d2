// Finds and removes mounts under a directory, so deleting it can never reach
// into a bind-mounted /dev or a live overlay.
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { run } from './host-command.js';

/** Mount points at or under `dir`, deepest first. /proc/mounts escapes spaces as \040. */
export function mountsUnder(dir: string): string[] {
  const base = dir.replace(/\/+$/, '');
  return readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1])
    .filter((p): p is string => !!p)
    .map((p) => p.replace(/\\040/g, ' '))
    .filter((p) => p === base || p.startsWith(base + '/'))
    .sort((a, b) => b.length - a.length);
}

export function isMounted(dir: string): boolean {
  return mountsUnder(dir).includes(dir.replace(/\/+$/, ''));
}

export async function unmountAll(dir: string): Promise<void> {
  for (const mountPoint of mountsUnder(dir)) {
    const r = await run('umount', [mountPoint], { allowFailure: true });
    // Busy (a process still has a file open): detach it lazily rather than leave it behind.
    if (r.exitCode !== 0) await run('umount', ['--lazy', mountPoint]);
  }
}

/** Removes a directory tree after unmounting everything under it; never crosses into another file system. */
export async function removeTree(dir: string): Promise<void> {
  await unmountAll(dir);
  if (mountsUnder(dir).length > 0) throw new Error(`refusing to delete ${dir}: something is still mounted under it`);
  await rm(dir, { recursive: true, force: true });
}
