// The lab's own network namespace: the bridge, the machines' veths and every
// lab address live there, so the host's interfaces and routes are never touched
// and lab traffic cannot leave the host.
import { existsSync, readdirSync } from 'node:fs';
import { run } from '../lab/host-command.js';
import { isMounted } from '../lab/mounts.js';

export const LAB_NETNS = 'pglab';

export function netnsPath(name = LAB_NETNS): string {
  return `/run/netns/${name}`;
}

export function netnsExists(name = LAB_NETNS): boolean {
  return existsSync(netnsPath(name));
}

/** Creates the namespace with loopback up. Returns false when it already existed. */
export async function ensureNetns(name = LAB_NETNS): Promise<boolean> {
  if (netnsExists(name)) return false;
  await run('ip', ['netns', 'add', name]);
  await run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  return true;
}

export async function removeNetns(name = LAB_NETNS): Promise<boolean> {
  if (!netnsExists(name)) return false;
  await run('ip', ['netns', 'del', name]);
  // `ip netns` mounts a tmpfs-like bind on /run/netns the first time; drop it when we were the last user.
  if (existsSync('/run/netns') && readdirSync('/run/netns').length === 0 && isMounted('/run/netns')) {
    await run('umount', ['/run/netns'], { allowFailure: true });
  }
  return true;
}

/** Argument prefix that runs a host program inside the lab namespace. */
export function inLabNetns(file: string, args: readonly string[], name = LAB_NETNS): [string, string[]] {
  return ['nsenter', [`--net=${netnsPath(name)}`, '--', file, ...args]];
}
