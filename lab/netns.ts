// The lab's own network namespace: the bridge, the machines' veths and every
// lab address live there, so the host's interfaces and routes are never touched
// and lab traffic cannot leave the host.
import { existsSync, readdirSync } from 'node:fs';
import { run } from './host-command.js';
import { isMounted } from './mounts.js';
import { labName } from './state-dir.js';
import { netnsExists, netnsPath } from './netns-path.js';

export { insideNetns, netnsExists, netnsPath } from './netns-path.js';

/** Creates the namespace with loopback up. Returns false when it already existed. */
export async function ensureNetns(name = labName()): Promise<boolean> {
  if (netnsExists(name)) return false;
  await run('ip', ['netns', 'add', name]);
  await run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  return true;
}

export async function removeNetns(name = labName()): Promise<boolean> {
  if (!netnsExists(name)) return false;
  await run('ip', ['netns', 'del', name]);
  // `ip netns` mounts a tmpfs-like bind on /run/netns the first time; drop it when we were the last user.
  if (existsSync('/run/netns') && readdirSync('/run/netns').length === 0 && isMounted('/run/netns')) {
    await run('umount', ['/run/netns'], { allowFailure: true });
  }
  return true;
}

/** Argument prefix that runs a host program inside the lab namespace. */
export function inLabNetns(file: string, args: readonly string[], name = labName()): [string, string[]] {
  return ['nsenter', [`--net=${netnsPath(name)}`, '--', file, ...args]];
}
