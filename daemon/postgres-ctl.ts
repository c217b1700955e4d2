// Runs the PostgreSQL tools (initdb, pg_ctl, pg_basebackup, pg_rewind) on the data directory the daemon owns.
import { execa } from 'execa';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { processState, processTree } from '../common/process-tree.js';
import { parseConfState, renderHba, renderPostgresqlConf, type ConfState, type PgSettings } from './postgres-conf.js';
import { boundedStop, type StopOutcome } from './postgres-stop.js';

export interface PgPaths {
  binDir: string;
  dataDir: string;
  logFile: string;
}

export type { StopOutcome };

export interface RemotePg {
  host: string;
  port: number;
}

/** A PostgreSQL tool failed; the message carries the tool, exit code and its last stderr lines. */
export class PgToolError extends Error {
  override readonly name = 'PgToolError';
  constructor(message: string, readonly output = '') {
    super(message);
  }
}

/**
 * What pg_rewind's failure proves. Only a divergence it cannot repair (the WAL it needs is gone, no common
 * ancestor, another system) allows removing the data directory; a connection problem or anything unknown
 * proves nothing, and the data stays.
 */
export function rewindFailureProvesDivergence(output: string): boolean {
  return /could not find previous WAL record|could not find common ancestor|are from different systems|could not open file "[^"]*pg_wal\/[0-9A-F]{24}"/i.test(output);
}

/**
 * The command line that runs a tool at normal priority. The daemon may run with a raised priority (Nice=-10 in the
 * lab's unit) so its lease renewals are not starved; PostgreSQL, started by pg_ctl, must not inherit it.
 */
export function atNormalPriority(file: string, args: string[], ownNice = getPriority()): [string, string[]] {
  return ownNice < 0 ? ['nice', ['-n', String(-ownNice), file, ...args]] : [file, args];
}

function tool(paths: PgPaths, name: string, args: string[]): [string, string[]] {
  return atNormalPriority(join(paths.binDir, name), args);
}

async function run(paths: PgPaths, name: string, args: string[], timeoutMs: number, env: Record<string, string> = {}) {
  const res = await execa(...tool(paths, name, args), { reject: false, timeout: timeoutMs, env: { ...process.env, ...env }, stdin: 'ignore' });
  if (res.exitCode !== 0 || res.timedOut) {
    const tail = `${res.stderr}\n${res.stdout}`.trim().split('\n').slice(-3).join(' | ');
    throw new PgToolError(`${name} ${res.timedOut ? `timed out after ${timeoutMs}ms` : `exited ${res.exitCode}`}: ${tail}`);
  }
  return res.stdout;
}

/** Like run, but returns stderr and stdout together (pg_rewind reports on stderr). */
async function runBoth(paths: PgPaths, name: string, args: string[], timeoutMs: number, env: Record<string, string> = {}) {
  const res = await execa(...tool(paths, name, args), { reject: false, timeout: timeoutMs, env: { ...process.env, ...env }, stdin: 'ignore', all: true });
  if (res.exitCode !== 0 || res.timedOut) {
    const tail = (res.all ?? '').trim().split('\n').slice(-3).join(' | ');
    throw new PgToolError(`${name} ${res.timedOut ? `timed out after ${timeoutMs}ms` : `exited ${res.exitCode}`}: ${tail}`, res.all ?? '');
  }
  return res.all ?? '';
}

/** `pg_ctl start -w -t`: a server that is not up by then (a very long crash recovery) makes the start fail. */
export const START_TIMEOUT_S = 120;

export class PgCtl {
  constructor(private readonly paths: PgPaths) {}

  hasData(): boolean {
    return existsSync(join(this.paths.dataDir, 'PG_VERSION'));
  }

  async initdb(superuserPassword: string): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), 'pgdaemon-'));
    const pwfile = join(dir, 'pw');
    writeFileSync(pwfile, superuserPassword + '\n', { mode: 0o600 });
    try {
      await run(this.paths, 'initdb', ['-D', this.paths.dataDir, '--data-checksums', '-U', 'postgres', '--auth-local=peer', '--auth-host=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--locale=C.UTF-8'], 120_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** Rewrites postgresql.conf, pg_hba.conf, empties postgresql.auto.conf, and sets or clears standby.signal. */
  writeConfig(settings: PgSettings, standby: boolean): void {
    const d = this.paths.dataDir;
    writeFileSync(join(d, 'postgresql.conf'), renderPostgresqlConf(settings), { mode: 0o600 });
    writeFileSync(join(d, 'pg_hba.conf'), renderHba(settings.allowCidrs), { mode: 0o600 });
    // pg_basebackup and pg_rewind copy the source's auto.conf; the daemon never uses ALTER SYSTEM, so empty it.
    writeFileSync(join(d, 'postgresql.auto.conf'), '# Kept empty by pgdaemon; settings live in postgresql.conf.\n', { mode: 0o600 });
    const signal = join(d, 'standby.signal');
    if (standby) writeFileSync(signal, '', { mode: 0o600 });
    else rmSync(signal, { force: true });
  }

  configState(): ConfState {
    try {
      return parseConfState(readFileSync(join(this.paths.dataDir, 'postgresql.conf'), 'utf8'));
    } catch {
      return { upstream: null, sync: [] };
    }
  }

  /** Pid of a live postmaster from postmaster.pid, or null. */
  postmasterPid(): number | null {
    let text: string;
    try {
      text = readFileSync(join(this.paths.dataDir, 'postmaster.pid'), 'utf8');
    } catch {
      return null;
    }
    const pid = Number(text.split('\n', 1)[0]);
    if (!Number.isInteger(pid) || pid <= 0) return null;
    // A killed postmaster stays a zombie until someone reaps it (not every PID 1 does): that is dead too.
    const state = processState(pid);
    return state === null || state === 'Z' || state === 'X' ? null : pid;
  }

  /** The postmaster is stopped by a signal or traced: it will neither answer nor obey pg_ctl. */
  frozen(): boolean {
    const pid = this.postmasterPid();
    const state = pid === null ? null : processState(pid);
    return state === 'T' || state === 't';
  }

  /**
   * SIGKILL to the postmaster and every descendant. Works on a frozen server, which pg_ctl stop never stops; the
   * next start runs crash recovery. Every backend calls setsid(), so a process-group kill would leave them
   * (a frozen backend then kept the old shared memory attached and pg_rewind refused for 35 s, seen): stop the
   * postmaster first so it forks nothing new, then kill its whole tree as read from /proc.
   */
  async kill(): Promise<void> {
    const pid = this.postmasterPid();
    if (pid === null) return;
    const signal = (p: number, sig: NodeJS.Signals) => {
      try {
        process.kill(p, sig);
      } catch {
        // already gone
      }
    };
    signal(pid, 'SIGSTOP');
    const tree = processTree(pid);
    for (const p of tree) signal(p, 'SIGKILL');
    const deadline = performance.now() + 5000;
    const alive = () => tree.filter((p) => !['Z', 'X', null].includes(processState(p)));
    while (alive().length > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    if (alive().length > 0) throw new PgToolError(`postgres processes ${alive().join(', ')} survived SIGKILL for 5 s (uninterruptible I/O?)`);
  }

  /**
   * Removes postmaster.pid when its process is dead or a zombie not yet reaped by PID 1: otherwise
   * pg_rewind's single-user run and a restart refuse to run. PostgreSQL still checks its shared
   * memory for orphaned backends on start, so this never lets two servers share a data directory.
   */
  clearStalePid(): void {
    const file = join(this.paths.dataDir, 'postmaster.pid');
    if (existsSync(file) && this.postmasterPid() === null) rmSync(file, { force: true });
  }

  async start(): Promise<void> {
    this.clearStalePid();
    await run(this.paths, 'pg_ctl', ['start', '-D', this.paths.dataDir, '-l', this.paths.logFile, '-w', '-t', String(START_TIMEOUT_S), '-s'], (START_TIMEOUT_S + 10) * 1000);
  }

  /** Stops within a bound, killing a server that is frozen or does not stop in time (postgres-stop.ts). */
  stop(mode: 'fast' | 'immediate', boundSeconds?: number): Promise<StopOutcome> {
    return boundedStop(
      {
        running: () => this.postmasterPid() !== null,
        frozen: () => this.frozen(),
        pgCtlStop: async (m, seconds) => {
          await run(this.paths, 'pg_ctl', ['stop', '-D', this.paths.dataDir, '-m', m, '-w', '-t', String(seconds), '-s'], (seconds + 5) * 1000);
        },
        kill: () => this.kill(),
      },
      mode,
      boundSeconds,
    );
  }

  async reload(): Promise<void> {
    await run(this.paths, 'pg_ctl', ['reload', '-D', this.paths.dataDir, '-s'], 10_000);
  }

  /** Asks for promotion without waiting: pg_ctl -w polls only every 100 ms; the caller polls faster. */
  async promote(): Promise<void> {
    await run(this.paths, 'pg_ctl', ['promote', '-D', this.paths.dataDir, '-W', '-s'], 10_000);
  }

  async basebackup(from: RemotePg, replicationPassword: string): Promise<void> {
    this.wipe();
    await run(this.paths, 'pg_basebackup', ['-D', this.paths.dataDir, '-h', from.host, '-p', String(from.port), '-U', 'replicator', '-X', 'stream', '-c', 'fast', '-w'], 600_000, { PGPASSWORD: replicationPassword, PGCONNECT_TIMEOUT: '5' });
    chmodSync(this.paths.dataDir, 0o700);
  }

  async rewind(from: RemotePg, superuserPassword: string): Promise<string> {
    this.clearStalePid();
    const src = `host=${from.host} port=${from.port} user=postgres dbname=postgres connect_timeout=5`;
    return runBoth(this.paths, 'pg_rewind', ['-D', this.paths.dataDir, `--source-server=${src}`], 600_000, { PGPASSWORD: superuserPassword });
  }

  /** Empties the data directory (not the directory itself: it may be a mount point). */
  wipe(): void {
    const d = this.paths.dataDir;
    if (!existsSync(d)) return;
    // Move aside first so a crash halfway never leaves something that looks like a data directory.
    const version = join(d, 'PG_VERSION');
    if (existsSync(version)) renameSync(version, join(d, 'PG_VERSION.wiped'));
    for (const f of readdirSync(d)) rmSync(join(d, f), { recursive: true, force: true });
  }

  async controlData(): Promise<Record<string, string>> {
    const out = await run(this.paths, 'pg_controldata', ['-D', this.paths.dataDir], 10_000, { LC_ALL: 'C' });
    const fields: Record<string, string> = {};
    for (const line of out.split('\n')) {
      const i = line.indexOf(':');
      if (i > 0) fields[line.slice(0, i).trim()] = line.slice(i + 1).trim();
    }
    return fields;
  }
}
