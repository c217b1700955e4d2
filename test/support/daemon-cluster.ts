// Test harness: a real etcd and three pgdaemons (each managing a real PostgreSQL 15) on 127.0.0.1 in a temp dir.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { processState } from '../../common/process-tree.js';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { PGDAEMON_NODE_ENV, PGDAEMON_NODE_FLAGS } from '../../daemon/node-flags.js';

export const REPO = resolve(import.meta.dirname, '..', '..');
export const BUNDLE = join(REPO, 'dist', 'daemon', 'pgdaemon.cjs');
export const PG_BIN = '/usr/lib/postgresql/15/bin';
const PG_UID = Number(spawnSync('id', ['-u', 'postgres']).stdout.toString().trim());
const PG_GID = Number(spawnSync('id', ['-g', 'postgres']).stdout.toString().trim());

export const SECRETS = {
  superuserPassword: 'test-superuser-pw',
  replicationPassword: 'test-replication-pw',
  apiToken: 'test-api-token-0123456789',
  appPassword: 'test-app-pw',
};

let built = false;
/** Bundles the daemon once per test process, so the tests run what the lab deploys. */
export function buildBundle(): void {
  if (built) return;
  const r = spawnSync(process.execPath, [join(REPO, 'daemon', 'build.mjs')], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('daemon bundle build failed');
  built = true;
}

export interface DaemonNode {
  name: string;
  pgPort: number;
  httpPort: number;
  dataDir: string;
  logFile: string;
  proc: ChildProcess | null;
}

export interface HarnessOptions {
  nodes?: number;
  /** etcd members (1 or 3). */
  etcdMembers?: number;
  ttl?: string;
  loop?: string;
  extraArgs?: string[];
  /** Flags for node itself, before the bundle (default: the lab unit's PGDAEMON_NODE_FLAGS). */
  nodeFlags?: string[];
  /** Extra environment for the daemons (e.g. MALLOC_ARENA_MAX), on top of PATH and HOME. */
  daemonEnv?: Record<string, string>;
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

export async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown = null;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      lastErr = err;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}${lastErr ? ` (last error: ${(lastErr as Error).message})` : ''}`);
}

export class DaemonCluster {
  readonly root: string;
  readonly nodes: DaemonNode[] = [];
  readonly etcdPort: number;
  /** Every etcd member's client URL, comma-separated (what --etcd takes). */
  readonly etcdUrl: string;
  readonly etcdMembers: { name: string; client: string; peer: string }[] = [];
  readonly cluster = 'test';
  private etcdProcs = new Map<number, ChildProcess>();
  private readonly secretsFile: string;
  /**
   * The daemons run as postgres, which may not be able to enter the checkout (a clone under /root, or in any
   * mkdtemp dir, is 0700): they run a copy of the bundle in the harness's own directory.
   */
  private readonly bundle: string;

  constructor(private readonly opts: HarnessOptions = {}) {
    // Named now, created on first use: a test file whose tests are all filtered out leaves nothing behind.
    this.root = join(tmpdir(), `pgd-${randomBytes(5).toString('hex')}`);
    const base = 21000 + Math.floor(Math.random() * 400) * 40;
    this.etcdPort = base;
    // Member 0 on base/base+1; members 1 and 2 on base+20.. (pg ports are base+2.., HTTP base+10..).
    for (let i = 0; i < (opts.etcdMembers ?? 1); i++) {
      const client = i === 0 ? base : base + 18 + 2 * i;
      this.etcdMembers.push({ name: `e${i}`, client: `http://127.0.0.1:${client}`, peer: `http://127.0.0.1:${client + 1}` });
    }
    this.etcdUrl = this.etcdMembers.map((m) => m.client).join(',');
    for (let i = 0; i < (opts.nodes ?? 3); i++) {
      const name = `pg${i}`;
      const dir = join(this.root, name);
      // Up to 8 nodes: HTTP on base+10..; more (the footprint bench's 9) put HTTP above the etcd members' ports.
      const httpPort = (opts.nodes ?? 3) > 8 ? base + 24 + i : base + 10 + i;
      this.nodes.push({ name, pgPort: base + 2 + i, httpPort, dataDir: join(dir, 'data'), logFile: join(this.root, `${name}.daemon.log`), proc: null });
    }
    this.secretsFile = join(this.root, 'secrets.json');
    this.bundle = join(this.root, 'pgdaemon.cjs');
  }

  /** Creates the temp dir tree (owned by postgres) the first time something needs it. */
  private ensureDirs(): void {
    if (existsSync(this.root)) return;
    mkdirSync(this.root, { mode: 0o755 });
    chownSync(this.root, PG_UID, PG_GID);
    for (const n of this.nodes) {
      const dir = join(this.root, n.name);
      mkdirSync(dir);
      chownSync(dir, PG_UID, PG_GID);
    }
    copyFileSync(BUNDLE, this.bundle);
    writeFileSync(this.secretsFile, JSON.stringify(SECRETS), { mode: 0o600 });
    chownSync(this.secretsFile, PG_UID, PG_GID);
  }

  node(name: string): DaemonNode {
    const n = this.nodes.find((x) => x.name === name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }

  /** Starts every etcd member, or only member `only` (e.g. after killing it). */
  startEtcd(only?: number): void {
    this.ensureDirs();
    const initial = this.etcdMembers.map((m) => `${m.name}=${m.peer}`).join(',');
    this.etcdMembers.forEach((m, i) => {
      if (only !== undefined && only !== i) return;
      const out = openSync(join(this.root, `etcd-${m.name}.log`), 'a');
      this.etcdProcs.set(i, spawn('/usr/bin/etcd', [
        '--name', m.name, '--data-dir', join(this.root, `etcd-${m.name}`),
        '--listen-client-urls', m.client, '--advertise-client-urls', m.client,
        '--listen-peer-urls', m.peer, '--initial-advertise-peer-urls', m.peer,
        '--initial-cluster', initial, '--heartbeat-interval', '50', '--election-timeout', '500',
      ], { detached: true, stdio: ['ignore', out, out] }));
      closeSync(out);
    });
  }

  /** SIGKILLs every etcd member, or only member `only`. */
  stopEtcd(only?: number): void {
    for (const [i, p] of this.etcdProcs) {
      if (only !== undefined && only !== i) continue;
      if (p.pid) killGroup(p.pid, 'SIGKILL');
      this.etcdProcs.delete(i);
    }
  }

  /** SIGSTOPs member `i`: its connections stay open and say nothing, like a hung machine. resumeEtcd undoes it. */
  pauseEtcd(i: number): void {
    const pid = this.etcdProcs.get(i)?.pid;
    if (pid) process.kill(pid, 'SIGSTOP');
  }

  resumeEtcd(i: number): void {
    const pid = this.etcdProcs.get(i)?.pid;
    if (pid) process.kill(pid, 'SIGCONT');
  }

  /**
   * Waits until every started member answers /health (which needs a raft leader). A readiness wait, not a
   * speed check: generous, and when it gives up it says what each member's log said last (CI once saw e0 of a
   * 3-member cluster silent for 20 s under a load average of 15).
   */
  async waitEtcd(): Promise<void> {
    for (const m of this.etcdMembers) {
      if (![...this.etcdProcs.keys()].includes(this.etcdMembers.indexOf(m))) continue;
      try {
        await waitFor(`etcd ${m.name} to answer`, async () => (await fetch(`${m.client}/health`)).ok, 60_000);
      } catch (err) {
        const logs = this.etcdMembers.map((x) => `--- etcd ${x.name} (last lines)\n${tail(join(this.root, `etcd-${x.name}.log`), 12)}`).join('\n');
        throw new Error(`${(err as Error).message}\n${logs}`);
      }
    }
  }

  /** Index of the etcd member that is the raft leader now (from the gRPC gateway's status). */
  async etcdLeader(): Promise<number> {
    return waitFor('an etcd leader', async () => {
      for (const [i, m] of this.etcdMembers.entries()) {
        if (!this.etcdProcs.has(i)) continue;
        const res = await fetch(`${m.client}/v3/maintenance/status`, { method: 'POST', body: '{}' });
        const st = (await res.json()) as { header: { member_id: string }; leader: string };
        if (st.header.member_id === st.leader) return i + 1;
      }
      return null;
    }, 10_000).then((i) => i - 1);
  }

  /** Runs a pgdaemon CLI command (not the daemon) and returns its exit code and output. */
  cli(args: string[]): { code: number; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [BUNDLE, ...args], { encoding: 'utf8', timeout: 60_000 });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  initCluster(sync = false, extra: string[] = []): void {
    const r = this.cli(['init-cluster', '--cluster', this.cluster, '--etcd', this.etcdUrl, '--primary', 'pg0', '--replicas', this.nodes.slice(1).map((n) => n.name).join(','), ...(sync ? ['--sync'] : []), ...extra]);
    if (r.code !== 0) throw new Error(`init-cluster failed: ${r.stderr}`);
  }

  daemonArgs(n: DaemonNode): string[] {
    return [
      this.bundle, 'daemon', '--node', n.name, '--cluster', this.cluster, '--etcd', this.etcdUrl,
      '--data-dir', n.dataDir, '--bin-dir', PG_BIN, '--pg-port', String(n.pgPort), '--connect-host', '127.0.0.1',
      '--socket-dir', join(this.root, n.name), '--listen', `127.0.0.1:${n.httpPort}`, '--secrets', this.secretsFile,
      '--ttl', this.opts.ttl ?? '1s', '--loop', this.opts.loop ?? '250ms', ...(this.opts.extraArgs ?? []),
    ];
  }

  startDaemon(name: string, extra: string[] = []): void {
    this.ensureDirs();
    const n = this.node(name);
    const out = openSync(n.logFile, 'a');
    n.proc = spawn(process.execPath, [...(this.opts.nodeFlags ?? PGDAEMON_NODE_FLAGS), ...this.daemonArgs(n), ...extra], {
      uid: PG_UID, gid: PG_GID, cwd: join(this.root, name), detached: true, stdio: ['ignore', out, out],
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: join(this.root, name), ...PGDAEMON_NODE_ENV, ...this.opts.daemonEnv },
    });
    closeSync(out);
  }

  startAll(): void {
    for (const n of this.nodes) this.startDaemon(n.name);
  }

  /** Sends a signal to the daemon process only (not its PostgreSQL). */
  signalDaemon(name: string, signal: NodeJS.Signals): void {
    const pid = this.node(name).proc?.pid;
    if (pid) process.kill(pid, signal);
  }

  async stopDaemonGracefully(name: string): Promise<void> {
    const n = this.node(name);
    const p = n.proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await Promise.race([exited, sleep(30_000)]);
    n.proc = null;
  }

  /** Kills the daemon and everything in its process group (its PostgreSQL included). */
  killDaemonTree(name: string): void {
    const n = this.node(name);
    if (n.proc?.pid) killGroup(n.proc.pid, 'SIGKILL');
    n.proc = null;
  }

  /** kill -9 of the daemon (with its process group) and of its PostgreSQL, which pg_ctl put in its own session. */
  killNode(name: string): void {
    const pid = this.postmasterPid(name);
    if (pid) process.kill(pid, 'SIGKILL');
    this.killDaemonTree(name);
  }

  postmasterPid(name: string): number | null {
    try {
      const pid = Number(readFileSync(join(this.node(name).dataDir, 'postmaster.pid'), 'utf8').split('\n', 1)[0]);
      // A fenced postmaster is SIGKILLed and leaves its pid file behind; until something reaps it, it is a zombie,
      // which kill(pid, 0) still finds but which can serve nothing.
      const state = processState(pid);
      return state === null || state === 'Z' || state === 'X' ? null : pid;
    } catch {
      return null;
    }
  }

  killPostgres(name: string): number {
    const pid = this.postmasterPid(name);
    if (!pid) throw new Error(`${name} has no running postmaster`);
    process.kill(pid, 'SIGKILL');
    return pid;
  }

  async http(name: string, path: string, method = 'GET', body?: unknown, token?: string): Promise<{ status: number; json: unknown }> {
    const res = await fetch(`http://127.0.0.1:${this.node(name).httpPort}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(3000),
    });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = text;
    }
    return { status: res.status, json };
  }

  client(name: string, connectTimeoutMs = 2000): pg.Client {
    const c = new pg.Client({ host: '127.0.0.1', port: this.node(name).pgPort, user: 'postgres', password: SECRETS.superuserPassword, database: 'postgres', connectionTimeoutMillis: connectTimeoutMs, query_timeout: 5000 });
    // A fence or a kill can end the session between queries; pg then emits 'error' on the idle client, which would
    // otherwise be an uncaught exception of the whole test file. The next query on it fails, and that is what tests see.
    c.on('error', () => undefined);
    return c;
  }

  async sql<T extends pg.QueryResultRow = Record<string, unknown>>(name: string, text: string, params: unknown[] = []): Promise<T[]> {
    const c = this.client(name);
    await c.connect();
    try {
      return (await c.query<T>(text, params)).rows;
    } finally {
      await c.end().catch(() => undefined);
    }
  }

  /** Parsed `pgdaemon status --json`. */
  status(): { leader: string | null; desired: { primary: string; generation: number; syncStandbys: string[] } | null; members: { node: string; role: string; pgUp: boolean; streaming: boolean; timeline: number | null; upstream: string | null }[] } {
    const r = this.cli(['status', '--json', '--cluster', this.cluster, '--etcd', this.etcdUrl]);
    if (r.code !== 0) throw new Error(`status failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as ReturnType<DaemonCluster['status']>;
  }

  async waitPrimary(name: string, timeoutMs = 60_000): Promise<void> {
    await waitFor(`${name} to be the primary`, async () => (await this.http(name, '/primary')).status === 200, timeoutMs);
  }

  async waitStreaming(names: string[], timeoutMs = 90_000): Promise<void> {
    let last: ReturnType<DaemonCluster['status']> | null = null;
    const streams = (n: string) => last?.members.some((m) => m.node === n && m.role === 'replica' && m.streaming) ?? false;
    try {
      await waitFor(`${names.join(',')} to stream`, async () => {
        last = this.status();
        return names.every(streams);
      }, timeoutMs, 250);
    } catch (err) {
      // A bootstrap that never converged (twice in CI: a primary marked initialized without the replicator role, fixed in
      // node-actions.ts): say what each laggard's daemon last did, and how the primary's bootstrap went (its first lines).
      const laggards = names.filter((n) => !streams(n));
      const primary = this.nodes.map((n) => n.name).find((n) => !names.includes(n));
      const tails = laggards.map((n) => `--- ${n}'s daemon, last lines:\n${this.daemonLog(n).trimEnd().split('\n').slice(-25).join('\n')}`);
      if (primary) tails.push(`--- ${primary}'s daemon, first lines:\n${this.daemonLog(primary).split('\n').slice(0, 40).join('\n')}`);
      throw new Error(`${(err as Error).message}\nlast status: ${JSON.stringify(last)}\n${tails.join('\n')}`);
    }
  }

  /** Bootstraps etcd + init-cluster + daemons, and waits for 1 primary + streaming replicas. */
  async bootstrap(sync = false): Promise<void> {
    buildBundle();
    this.startEtcd();
    await this.waitEtcd();
    this.initCluster(sync);
    this.startAll();
    await this.waitPrimary('pg0', 90_000);
    await this.waitStreaming(this.nodes.slice(1).map((n) => n.name));
  }

  daemonLog(name: string): string {
    try {
      return readFileSync(this.node(name).logFile, 'utf8');
    } catch {
      return '';
    }
  }

  /** Kills every process we started (daemons, PostgreSQL, watchdogs, etcd) and removes the temp dir. */
  async cleanup(keep = false): Promise<void> {
    for (const n of this.nodes) if (n.proc?.pid) killGroup(n.proc.pid, 'SIGKILL');
    this.stopEtcd();
    // PostgreSQL and the fence watchdogs may live in other process groups: find them by our unique temp path.
    for (let round = 0; round < 3; round++) {
      const pids = processesMentioning(this.root);
      if (pids.length === 0) break;
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await sleep(200);
    }
    if (!keep) rmSync(this.root, { recursive: true, force: true });
  }
}

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // gone
    }
  }
}

/** Pids whose command line or working directory mentions `path` (our processes only: the path is a fresh temp dir). */
export function processesMentioning(path: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      let cwd = '';
      try {
        cwd = readlinkSync(`/proc/${entry}/cwd`);
      } catch {
        // no access or gone
      }
      if (cmd.includes(path) || cwd.startsWith(path)) out.push(Number(entry));
    } catch {
      // gone
    }
  }
  return out;
}

export function exists(p: string): boolean {
  return existsSync(p);
}
