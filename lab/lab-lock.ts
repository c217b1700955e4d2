// One command that changes the lab at a time. The lock is a kernel flock on
// <state dir>/lock, held by a small `flock` child that lives exactly as long as
// this process: it reads our pipe, so a crash or kill -9 closes the pipe, the
// child exits and the kernel drops the lock. No lock is ever stale.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { writeFileAtomic } from '../common/atomic-write.js';
import { formatDuration } from '../common/duration.js';
import { UserError } from '../common/errors.js';
import { paths } from './state-dir.js';

const holderSchema = z.object({ pid: z.number().int().positive(), verb: z.string(), since: z.string() });
export type LockHolder = z.infer<typeof holderSchema>;

/** Exit code of `flock --nonblock` when someone else holds the lock. */
const CONFLICT = 75;

export interface HeldLock {
  readonly holder: LockHolder;
  /** Drops the lock; resolves once another process can take it. */
  release(): Promise<void>;
}

export interface LockOptions {
  /** False: fail at once (exit 2) instead of waiting (`--no-wait`). */
  wait: boolean;
  /** Told once, when the lock is busy and we start waiting. */
  onWait?: (message: string) => void;
  /** How often a waiter tries again. */
  pollMs?: number;
  signal?: AbortSignal;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Who holds the lock, from the holder file; undefined when unknown or left by a process that is gone. */
export function readLockHolder(holderFile = paths.lockHolder()): LockHolder | undefined {
  try {
    const h = holderSchema.parse(JSON.parse(readFileSync(holderFile, 'utf8')));
    return pidAlive(h.pid) ? h : undefined;
  } catch {
    return undefined;
  }
}

/** The parent of `pid`, from /proc (field 4 of stat, after the command name in parentheses); null when gone. */
function parentOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) && ppid > 0 ? ppid : null;
  } catch {
    return null;
  }
}

/** Set by a lock holder on the pglab commands it runs as children (tasks/pglab-child.ts): its pid. */
export const LENT_LOCK_ENV = 'PGLAB_LENT_LOCK';

/**
 * True when the lab lock is lent to this process: its holder runs pglab commands as its children (the side-by-side
 * chaos matrix runs destroy, machines and chaos matrix), which would otherwise wait for the lock for ever. The holder
 * names itself in the environment it gives them, and must be an ancestor of this process; nothing else is lent it.
 */
export function lockLentToUs(holderFile = paths.lockHolder(), self = process.pid, lentBy = process.env[LENT_LOCK_ENV]): boolean {
  const holder = readLockHolder(holderFile);
  if (!holder || lentBy !== String(holder.pid)) return false;
  for (let pid = parentOf(self), hops = 0; pid !== null && hops < 64; pid = parentOf(pid), hops++) if (pid === holder.pid) return true;
  return false;
}

export function describeHolder(h: LockHolder | undefined, now = Date.now()): string {
  if (!h) return 'another pglab command (it has not said which yet)';
  const since = new Date(h.since);
  const age = Number.isNaN(since.getTime()) ? '' : `, ${formatDuration(Math.max(0, now - since.getTime()))} ago`;
  return `\`pglab ${h.verb}\` (pid ${h.pid}, since ${h.since}${age})`;
}

/** The error of `--no-wait` when the lab is busy. */
export class LabBusyError extends UserError {
  constructor(readonly holder: LockHolder | undefined, lockFile = paths.lock()) {
    super(`the lab is busy: ${describeHolder(holder)} holds the lab lock (${lockFile})`, 'wait for it to finish, or run the command again without --no-wait to wait for it');
  }
}

/** One try: the flock child once it holds the lock, or undefined when the lock is taken. */
function tryFlock(file: string): Promise<ChildProcess | undefined> {
  return new Promise((resolve, reject) => {
    // detached: a Ctrl-C at the terminal must not kill the holder while this process still cleans up.
    const child = spawn('flock', ['--exclusive', '--nonblock', '--conflict-exit-code', String(CONFLICT), file, 'sh', '-c', 'echo locked; exec cat >/dev/null'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    let stderr = '';
    let settled = false;
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout?.once('data', () => {
      settled = true;
      resolve(child);
    });
    child.on('error', (err) => {
      if (settled) return;
      settled = true;
      reject(new UserError(`cannot take the lab lock: ${err.message}`, 'install util-linux (it provides flock and nsenter)'));
    });
    child.on('exit', (code) => {
      if (settled) return;
      settled = true;
      if (code === CONFLICT) resolve(undefined);
      else reject(new Error(`flock ${file} exited with ${code}: ${stderr.trim()}`));
    });
  });
}

/**
 * Takes the lab lock for `verb` ("chaos kill"): at once when it is free; when it is
 * busy, waits (saying once who holds it) or, without `wait`, throws LabBusyError.
 */
export function acquireLabLock(verb: string, opts: LockOptions): Promise<HeldLock> {
  return acquireFileLock(paths.lock(), paths.lockHolder(), verb, opts, 'the lab lock');
}

/** The same lock on any file (e.g. the image cache, which labs can share); `holderFile` names the holder. */
export async function acquireFileLock(lockFile: string, holderFile: string, verb: string, opts: LockOptions, what = `the lock ${lockFile}`): Promise<HeldLock> {
  await mkdir(dirname(lockFile), { recursive: true });
  let told = false;
  for (;;) {
    opts.signal?.throwIfAborted();
    const child = await tryFlock(lockFile);
    if (child) return hold(child, holderFile, verb);
    const holder = readLockHolder(holderFile);
    if (!opts.wait) throw new LabBusyError(holder, lockFile);
    if (!told) {
      told = true;
      opts.onWait?.(`waiting for ${what}: ${describeHolder(holder)} holds it (Ctrl-C to give up)`);
    }
    await sleep(opts.pollMs ?? 500, undefined, { signal: opts.signal });
  }
}

async function hold(child: ChildProcess, holderFile: string, verb: string): Promise<HeldLock> {
  // Nothing here may keep this process alive: the lock lasts while the process does.
  child.unref();
  child.stdout?.destroy();
  child.stderr?.destroy();
  (child.stdin as unknown as { _handle?: { unref?: () => void } } | null)?._handle?.unref?.();
  const holder: LockHolder = { pid: process.pid, verb, since: new Date().toISOString() };
  await writeFileAtomic(holderFile, JSON.stringify(holder) + '\n');
  let released: Promise<void> | undefined;
  return {
    holder,
    release() {
      released ??= (async () => {
        // The holder file goes first, while the lock is still ours: a new holder's file is never removed.
        await rm(holderFile, { force: true });
        if (child.exitCode !== null || child.signalCode !== null) return;
        // The child was unref'd so it never kept pglab alive; waiting for it must, or node finds nothing left to do,
        // exits 0 before this resolves, and a failed command looked successful (seen: a refused `pglab machines`).
        child.ref();
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        child.stdin?.end();
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([exited, new Promise<void>((r) => (timer = setTimeout(r, 5000)))]);
        clearTimeout(timer);
      })();
      return released;
    },
  };
}
