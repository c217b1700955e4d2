// One machine's life on the host: its copy-on-write root, boot with
// systemd-nspawn inside the lab namespace, waiting for systemd, stop and kill.
import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync } from 'node:fs';
import { mkdir, readFile, writeFile, symlink, lstat, readlink, unlink, chmod, chown } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { run, type RunOptions, type RunResult } from './host-command.js';
import { findMachineProcesses, type MachineProcess } from './machine-process.js';
import { imageUser } from './image-users.js';
import { isMounted, removeTree } from './mounts.js';
import { paths } from './state-dir.js';
import { netnsPath } from './netns.js';
import { WaitTimeout, notYet, waitUntil } from '../common/wait-until.js';
import { createMachineCgroups, removeMachineCgroups } from './machine-cgroup.js';

export interface MachineDirs {
  dir: string;
  upper: string;
  work: string;
  root: string;
  console: string;
  meta: string;
}

export function machineDirs(name: string): MachineDirs {
  const dir = paths.machine(name);
  return {
    dir,
    upper: join(dir, 'upper'),
    work: join(dir, 'work'),
    root: join(dir, 'root'),
    console: join(dir, 'console.log'),
    meta: join(dir, 'machine.json'),
  };
}

export function machineProcesses(): Map<string, MachineProcess> {
  return findMachineProcesses(paths.machines());
}

export function machineProcess(name: string): MachineProcess | undefined {
  return machineProcesses().get(name);
}

interface MachineMeta {
  image: string;
}

/**
 * Mounts the overlay root over `image`. A machine made from another image
 * (the recipe changed) is wiped first: its upper layer would not fit.
 * Returns true when the machine's layer was (re)created.
 */
export async function prepareRoot(name: string, image: string): Promise<boolean> {
  const d = machineDirs(name);
  let fresh = !existsSync(d.meta);
  if (!fresh) {
    const meta = JSON.parse(await readFile(d.meta, 'utf8')) as MachineMeta;
    if (meta.image !== image) {
      await removeTree(d.dir);
      fresh = true;
    }
  }
  await mkdir(d.upper, { recursive: true });
  await mkdir(d.work, { recursive: true });
  await mkdir(d.root, { recursive: true });
  if (!isMounted(d.root)) {
    await run('mount', ['-t', 'overlay', `pglab-${name}`, '-o', `lowerdir=${image},upperdir=${d.upper},workdir=${d.work}`, d.root]);
  }
  if (fresh) await writeFile(d.meta, JSON.stringify({ image } satisfies MachineMeta) + '\n');
  return fresh;
}

export interface MachineFile {
  path: string;
  content: string | Buffer;
  mode?: number;
  /** A user of the image (looked up in its /etc/passwd) to own the file. */
  owner?: string;
}

/** Writes files into the machine's root; returns the paths whose content changed. */
export async function writeMachineFiles(name: string, files: readonly MachineFile[]): Promise<string[]> {
  const root = machineDirs(name).root;
  const changed: string[] = [];
  for (const f of files) {
    const target = join(root, f.path);
    const wanted = Buffer.from(f.content);
    const old = await readFile(target).catch(() => undefined);
    if (old && old.equals(wanted)) continue;
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, wanted, { mode: f.mode ?? 0o644 });
    if (f.mode !== undefined) await chmod(target, f.mode);
    if (f.owner) {
      const { uid, gid } = imageUser(root, f.owner);
      await chown(target, uid, gid);
    }
    changed.push(f.path);
  }
  return changed;
}

/** Enables units at boot the way `systemctl enable` would, without running systemctl. */
export async function enableUnits(name: string, units: readonly string[]): Promise<string[]> {
  const root = machineDirs(name).root;
  const changed: string[] = [];
  for (const unit of units) {
    const link = join(root, 'etc/systemd/system/multi-user.target.wants', unit);
    // A unit we ship lives in /etc/systemd/system; packaged ones in /lib/systemd/system.
    const target = existsSync(join(root, 'etc/systemd/system', unit)) ? `/etc/systemd/system/${unit}` : `/lib/systemd/system/${unit}`;
    const current = await lstat(link).then(() => readlink(link)).catch(() => undefined);
    if (current === target) continue;
    if (current !== undefined) await unlink(link);
    await mkdir(dirname(link), { recursive: true });
    await symlink(target, link);
    changed.push(unit);
  }
  return changed;
}

/**
 * Starts nspawn detached (own session, output to console.log) inside the lab
 * namespace and the machine's own cgroup. The shell moves itself into the
 * cgroup and then execs, so nspawn is born there.
 */
/** `nspawnOptions`: what a role needs of nspawn beyond the defaults (RoleModule.nspawnOptions). */
export async function boot(name: string, bridge: string, binds: readonly { host: string; inside: string; readOnly?: boolean }[] = [], nspawnOptions: readonly string[] = []): Promise<void> {
  const d = machineDirs(name);
  const cgroups = await createMachineCgroups(name);
  const log = openSync(d.console, 'a');
  try {
    const enter = cgroups.map((_, i) => `echo $$ > "$${i + 1}/cgroup.procs"`).join(' && ');
    const nspawn = ['nsenter', `--net=${netnsPath()}`, '--', 'systemd-nspawn', '--register=no', '--keep-unit', '-q',
      '-D', d.root, '-b', '-M', name, `--network-bridge=${bridge}`, '--link-journal=no', ...binds.map((b) => `--bind${b.readOnly ? '-ro' : ''}=${b.host}:${b.inside}`), ...nspawnOptions];
    const script = `${enter ? enter + ' && ' : ''}exec ${nspawn.map((a) => `'${a}'`).join(' ')}`;
    const child = spawn('sh', ['-c', script, 'pglab-boot', ...cgroups], { detached: true, stdio: ['ignore', log, log] });
    let exited: number | null | undefined;
    child.on('exit', (code) => (exited = code));
    child.on('error', () => (exited = -1));
    child.unref();
    // Wait until the wrapper has become nspawn and nspawn has forked the container's PID 1.
    await waitUntil(`systemd-nspawn for ${name} to start (see ${d.console})`, async () => {
      if (exited !== undefined) {
        const tail = (await readFile(d.console, 'utf8').catch(() => '')).trim().split('\n').slice(-5).join('\n    ');
        throw new Error(`systemd-nspawn for ${name} exited with ${exited}:\n    ${tail}`);
      }
      return machineProcess(name)?.leaderPid ? true : notYet(machineProcess(name) ? 'nspawn runs, no PID 1 yet' : 'no nspawn process yet');
    }, { timeoutMs: 10_000, intervalMs: 20 });
  } finally {
    closeSync(log);
  }
}

/** Runs a command inside a running machine (all its namespaces) with a clean environment. */
export async function execIn(name: string, argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const p = machineProcess(name);
  if (!p?.leaderPid) throw new Error(`${name} is not running`);
  return run('nsenter', ['-t', String(p.leaderPid), '-a', '--', 'env', '-i', ...machineEnv(), ...argv], { where: name, ...opts });
}

export function machineEnv(): string[] {
  return ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'LANG=C.UTF-8', 'HOME=/root', `TERM=${process.env.TERM ?? 'xterm'}`];
}

export interface SystemWait {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Units that may still be starting when everything else is up (they wait for other machines: etcd for a quorum). */
  mayStillStart?: readonly string[];
}

/**
 * Waits until systemd inside reports `running` (returns []), or until the only jobs left are those of
 * `mayStillStart` units, at least one of them running (returns those units). A `degraded` boot fails with the
 * failed units and their last journal lines.
 */
export async function waitForSystem(name: string, opts: SystemWait): Promise<string[]> {
  return waitUntil(`${name} to finish booting (see ${machineDirs(name).console})`, async () => {
    const p = machineProcess(name);
    if (!p) throw new Error(`${name} exited while booting; see ${machineDirs(name).console}`);
    if (!p.leaderPid) return notYet('no PID 1 yet');
    const r = await execIn(name, ['systemctl', 'is-system-running'], { allowFailure: true, timeoutMs: 5000 }).catch(() => undefined);
    const state = r?.stdout.trim() || 'not answering';
    if (state === 'running') return [];
    if (state === 'degraded') throw new Error(await degradedBoot(name));
    if (state === 'starting' && opts.mayStillStart?.length) {
      const waiting = await onlyPeerJobsLeft(name, opts.mayStillStart);
      if (waiting) return waiting;
    }
    return notYet(`systemd says "${state}"`);
  }, { timeoutMs: opts.timeoutMs, intervalMs: 100, ...(opts.signal ? { signal: opts.signal } : {}) });
}

/**
 * The `mayStillStart` units still starting when they are the only jobs running: every job left waiting then waits,
 * directly or not, for them (multi-user.target, the utmp runlevel update after it). Else null.
 */
async function onlyPeerJobsLeft(name: string, mayStillStart: readonly string[]): Promise<string[] | null> {
  const jobs = await execIn(name, ['systemctl', 'list-jobs', '--no-legend', '--plain'], { allowFailure: true, timeoutMs: 5000 }).catch(() => undefined);
  if (!jobs || jobs.exitCode !== 0) return null;
  // "JOB UNIT TYPE STATE" per line.
  const running = jobs.stdout.split('\n').map((l) => l.trim().split(/\s+/)).filter((f) => f.length >= 4 && f[3] === 'running').map((f) => f[1] ?? '');
  return running.length > 0 && running.every((unit) => mayStillStart.includes(unit)) ? running : null;
}

async function degradedBoot(name: string): Promise<string> {
  const failed = await execIn(name, ['systemctl', '--failed', '--no-legend', '--plain'], { allowFailure: true });
  // The unit's last words are the cause nearly always; the machine (and its journal) may be gone before anyone looks.
  const units = failed.stdout.split('\n').map((l) => l.trim().split(/\s+/)[0]).filter((u): u is string => !!u);
  const journal = await execIn(name, ['journalctl', '-b', '--no-pager', '-o', 'cat', '-n', '8', ...units.flatMap((u) => ['-u', u])], {
    allowFailure: true,
  }).catch(() => undefined);
  const lastWords = journal?.stdout.trim() ? `\nlast lines of their journal:\n  ${journal.stdout.trim().split('\n').filter((l) => l.trim()).join('\n  ')}` : '';
  return `${name} booted degraded; failed units:\n${failed.stdout.trim()}${lastWords}\n(see: pglab logs ${name})`;
}

const SIGRTMIN_PLUS_4 = 38; // systemd's "halt" request; Node has no name for real-time signals.

/** Asks systemd inside to power off, then kills it if it does not within the timeout; unmounts the root. */
export async function stopMachine(name: string, timeoutMs = 10_000): Promise<boolean> {
  const p = machineProcess(name);
  if (p) {
    if (p.leaderPid) process.kill(p.leaderPid, SIGRTMIN_PLUS_4);
    const gone = () => (machineProcess(name) ? notYet('its nspawn is still running') : true);
    const halted = await waitUntil(`${name} to power off`, gone, { timeoutMs, intervalMs: 100 }).catch((e: unknown) => {
      if (e instanceof WaitTimeout) return false;
      throw e;
    });
    if (!halted) {
      const still = machineProcess(name);
      if (still?.leaderPid) killQuietly(still.leaderPid);
      await sleep(200);
      const orphan = machineProcess(name);
      if (orphan) killQuietly(orphan.nspawnPid);
      // SIGKILL of both ends it within milliseconds; a machine still there after 10 s is a host problem worth an error.
      await waitUntil(`${name} to exit after SIGKILL`, gone, { timeoutMs: 10_000, intervalMs: 50 });
    }
  }
  const root = machineDirs(name).root;
  if (isMounted(root)) await run('umount', [root]);
  await removeMachineCgroups(name);
  return p !== undefined;
}

/** SIGKILL of the container's PID 1: the machine dies at once, as on power loss. */
export function killMachine(name: string): boolean {
  const p = machineProcess(name);
  if (!p?.leaderPid) return false;
  killQuietly(p.leaderPid);
  return true;
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}
