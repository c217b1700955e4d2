// Where the lab's network namespace is and whether this process is in it: file checks only, so the CLI's first
// process can decide to re-run itself inside before it loads anything else.
import { existsSync, statSync } from 'node:fs';
import { labName } from './state-dir.js';

export function netnsPath(name = labName()): string {
  return `/run/netns/${name}`;
}

export function netnsExists(name = labName()): boolean {
  return existsSync(netnsPath(name));
}

/** True when this process runs inside the lab's namespace (same nsfs inode as /run/netns/NAME). */
export function insideNetns(name = labName()): boolean {
  try {
    const ours = statSync('/proc/self/ns/net');
    const lab = statSync(netnsPath(name));
    return ours.ino === lab.ino && ours.dev === lab.dev;
  } catch {
    return false;
  }
}
