// The simulated cluster: etcd, N nodes each with PostgreSQL and the real Daemon, a writing client, faults, invariant checks.
import { clusterKeys, desiredStateSchema, type DesiredState, type MemberState } from '../../common/cluster-keys.js';
import { initCluster } from '../../daemon/cli-admin.js';
import { Daemon } from '../../daemon/daemon.js';
import { EtcdDcs } from '../../daemon/etcd/dcs-etcd.js';
import { daemonSchema, type DaemonOptions } from '../../daemon/options.js';
import { Prng } from '../../imdb-data/prng.js';
import { describeFault, describeSchedule, settingsOf, type Fault, type Schedule, type Target } from './faults.js';
import { runOperator } from './operator.js';
import { Invariants, type Margins, type Violation } from './invariants.js';
import { Network } from './network.js';
import { Proc, Scheduler } from './scheduler.js';
import { simClock } from './sim-clock.js';
import { SimEtcd } from './sim-etcd.js';
import { SimEtcdGateway, simTransport, type SimNetEnv } from './sim-etcd-gateway.js';
import { SimLocalPostgres } from './sim-local-postgres.js';
import { SimPg, type DataDir, type PgEnv } from './sim-postgres.js';
import { SimWatchdog } from './sim-watchdog.js';

export const SIM_CLUSTER = 'sim';
/** The simulated etcd's three members, as the daemons' --etcd lists them. */
export const SIM_ETCD_ENDPOINTS = ['http://etcd0:2379', 'http://etcd1:2379', 'http://etcd2:2379'];
const WRITE_EVERY_MS = 40;
const REPLICATION_TICK_MS = 50;

interface DaemonRun {
  proc: Proc;
  daemon: Daemon;
  dcs: EtcdDcs;
  local: SimLocalPostgres;
  watchdog: SimWatchdog;
  /** A SIGTERM shutdown is under way. */
  terminating: boolean;
}

export interface Ack {
  id: number;
  pos: number;
  node: string;
  at: number;
}

export interface SimResult {
  seed: number;
  violations: Violation[];
  trace: string[];
  stats: { acked: number; failovers: number; steps: number; simMs: number } & Margins;
}

export class World {
  readonly s = new Scheduler();
  readonly net = new Network();
  readonly etcd: SimEtcd;
  readonly netEnv: SimNetEnv;
  readonly rng: Prng;
  readonly pgs = new Map<string, SimPg>();
  readonly nodes: string[];
  readonly daemons = new Map<string, DaemonRun>();
  readonly acked: Ack[] = [];
  readonly trace: string[] = [];
  readonly keys = clusterKeys(SIM_CLUSTER);
  readonly opts: (node: string) => DaemonOptions;
  readonly inv: Invariants;
  private readonly wallOffset = new Map<string, number>();
  private readonly skewed = new Set<string>();
  private tliOfRecord: number[] = [0];
  private systemIds = 0;
  private desiredCache: { rev: number; value: DesiredState | null } = { rev: -1, value: null };
  failovers = 0;

  constructor(readonly seed: number, readonly schedule: Schedule, readonly verbose: boolean) {
    this.rng = new Prng(seed, 'world');
    this.etcd = new SimEtcd(this.s);
    const memberPrefix = this.keys.memberPrefix;
    // A daemon of a newer version writes fields this one does not know.
    const gateway = new SimEtcdGateway(this.etcd, (key, value) =>
      key.startsWith(memberPrefix) && this.skewed.has(key.slice(memberPrefix.length)) ? JSON.stringify({ ...(JSON.parse(value) as object), fromNewerVersion: true }) : value,
    );
    this.netEnv = { s: this.s, net: this.net, etcd: this.etcd, gateway, transit: (from, to) => this.transit(from, to) };
    this.nodes = Array.from({ length: schedule.nodes }, (_, i) => `pg${i}`);
    const env = this.pgEnv();
    for (const n of this.nodes) this.pgs.set(n, new SimPg(n, env));
    this.opts = (node) =>
      daemonSchema.parse({
        cluster: SIM_CLUSTER,
        etcd: SIM_ETCD_ENDPOINTS.join(','),
        node,
        dataDir: `/sim/${node}`,
        connectHost: node,
        secrets: '/sim/secrets.json',
        allowCidr: '10.0.0.0/24',
        ...Object.fromEntries(Object.entries(settingsOf(schedule)).map(([k, v]) => [k, `${v}ms`])),
      });
    this.inv = new Invariants(this);
    this.etcd.onPut = (key, value) => {
      if (key === this.keys.desired) this.inv.onDesired(value);
    };
  }

  log(line: string): void {
    this.trace.push(`${(this.s.now / 1000).toFixed(3).padStart(8)} ${line}`);
  }

  private pgEnv(): PgEnv {
    return {
      s: this.s,
      net: this.net,
      rng: this.rng,
      pgs: this.pgs,
      newRecord: (tli) => this.tliOfRecord.push(tli) - 1,
      tliOf: (id) => this.tliOfRecord[id] ?? 1,
      newSystemId: () => `73000000000000${String(++this.systemIds).padStart(5, '0')}`,
      keepRecords: this.schedule.keepRecords,
      trace: (l) => this.log(`  ${l}`),
      onRemoveData: (node, data, how) => this.inv.onRemoveData(node, data as DataDir, how),
    };
  }

  latency = (): number => 1 + this.rng.int(3) + (this.rng.chance(0.01) ? this.rng.int(100) : 0);

  /**
   * One-way time of one message: jitter, the link's delay, etcd's slowness on its side, and a retransmission for each
   * lost segment (TCP's 200 ms minimum timeout, doubling); Infinity when it never arrives.
   */
  transit(from: string, to: string): number {
    let ms = this.latency() + this.net.delay(from, to) + (from === 'etcd' || to === 'etcd' ? this.etcd.slowMs : 0);
    const p = this.net.loss(from, to);
    if (p > 0) {
      let rto = 200;
      for (let tries = 0; this.rng.chance(p); tries++) {
        if (p >= 1 || tries >= 6) return Infinity;
        ms += rto;
        rto *= 2;
      }
    }
    return ms;
  }

  /** The failover timeout in force: the cluster's (config set), else the daemons'. */
  failoverTimeoutMs(): number {
    const kv = this.etcd.get(this.keys.config);
    const set = kv ? (JSON.parse(kv.value) as { failoverTimeoutMs?: number }).failoverTimeoutMs : undefined;
    return set ?? settingsOf(this.schedule).failoverTimeout;
  }

  private readonly operatorLog: Array<{ op: string; node: string | null; at: number }> = [];
  private roleChangeRequests = 0;

  /** The operator asked for something (the invariants excuse what an operator ordered). */
  operatorAsked(op: string, node: string | null): void {
    this.operatorLog.push({ op, node, at: this.s.now });
    if (op === 'switchover' || op === 'failover') this.roleChangeRequests++;
  }

  /** When an operator last asked for a failover (-Infinity: never); the sync-mode loss check excuses earlier commits. */
  forcedFailoverAskedAt(): number {
    const last = [...this.operatorLog].reverse().find((e) => e.op === 'failover');
    return last ? last.at : -Infinity;
  }

  /** One role change an operator requested, not yet seen in a desired state. */
  takeRoleChangeRequest(): boolean {
    if (this.roleChangeRequests === 0) return false;
    this.roleChangeRequests--;
    return true;
  }

  /** An operator asked `node` to re-clone in the last two minutes. */
  reinitRequested(node: string): boolean {
    return this.operatorLog.some((e) => e.op === 'reinit' && e.node === node && this.s.now - e.at < 120_000);
  }

  /** An operator asked `node` to restart or re-clone in the last two minutes (its daemon stops its postgres for that). */
  stopOrdered(node: string): boolean {
    return this.operatorLog.some((e) => (e.op === 'reinit' || e.op === 'restart') && e.node === node && this.s.now - e.at < 120_000);
  }

  /** Since when `node`'s member state says it is restarting on an operator's request (null: it does not). */
  restartingSince(node: string): number | null {
    const kv = this.etcd.get(this.keys.member(node));
    if (!kv || !kv.value.includes('"restarting":true')) return null;
    const asked = [...this.operatorLog].reverse().find((e) => e.op === 'restart' && e.node === node);
    return asked ? asked.at : null;
  }

  /** The lag limit in force (config set may change it). */
  maxLagBytes(): number {
    const kv = this.etcd.get(this.keys.config);
    return kv ? (JSON.parse(kv.value) as { maxLagOnFailoverBytes: number }).maxLagOnFailoverBytes : this.schedule.maxLagBytes;
  }

  /** The real etcd adapter, talking to the simulated etcd from `host` on behalf of `proc`. */
  etcdClient(host: string, proc: Proc, clock: ReturnType<typeof simClock>, callTimeoutMs = 1000): EtcdDcs {
    return new EtcdDcs({ endpoints: SIM_ETCD_ENDPOINTS, cluster: SIM_CLUSTER, callTimeoutMs, transport: simTransport(this.netEnv, host, proc), clock });
  }

  desired(): DesiredState | null {
    const kv = this.etcd.get(this.keys.desired);
    if (!kv) return null;
    if (this.desiredCache.rev !== kv.modRevision) {
      const r = desiredStateSchema.safeParse(JSON.parse(kv.value));
      this.desiredCache = { rev: kv.modRevision, value: r.success ? r.data : null };
    }
    return this.desiredCache.value;
  }

  /** The daemon of `node` runs and is not paused. */
  daemonUp(node: string): boolean {
    const d = this.daemons.get(node);
    return !!d && d.proc.alive && !d.proc.paused && !d.terminating;
  }

  etcdHealthy(): boolean {
    return this.etcd.available() && this.etcd.slowMs === 0;
  }

  startDaemon(node: string): void {
    const proc = new Proc(`${node}-daemon`);
    const pg = this.pgs.get(node)!;
    const opts = this.opts(node);
    const clock = simClock(this.s, proc, () => this.wallOffset.get(node) ?? 0);
    const dcs = this.etcdClient(node, proc, clock, opts.etcdTimeout);
    const watchdog = new SimWatchdog(this.s, pg, (l) => this.log(`  ${l}`));
    const layers = this.schedule.layers;
    if (layers && !layers.watchdog) watchdog.disabled = true;
    let local: SimLocalPostgres | null = null;
    const daemon = new Daemon(opts, { superuserPassword: 'sim-superuser', replicationPassword: 'sim-replicator', apiToken: 'sim-api-token-0123456789' }, dcs, {
      clock,
      localPostgres: (onLost) => (local = new SimLocalPostgres(pg, this.pgEnv(), proc, Math.max(500, Math.min(2000, opts.ttl)), onLost, (n) => this.inv.onStandbyStop(n))),
      watchdog,
      startApi: null,
      ...(layers && !layers.timer ? { fenceTimerMs: null } : {}),
      write: (line) => {
        if (proc.alive) this.log(line.slice(line.indexOf(' ') + 1).trimEnd());
      },
    });
    const run: DaemonRun = { proc, daemon, dcs, local: local!, watchdog, terminating: false };
    this.daemons.set(node, run);
    this.log(`  sim: daemon ${node} starts`);
    this.s.after(0, proc, () => void daemon.start());
  }

  /** kill -9 of the daemon; with KillMode=mixed systemd SIGKILLs what is left of the unit (postgres) too. */
  killDaemon(node: string, killPostgres: boolean): void {
    const run = this.daemons.get(node);
    if (!run || !run.proc.alive) return;
    this.s.kill(run.proc);
    run.local.detach();
    this.log(`  sim: daemon ${node} killed${killPostgres ? ' with its postgres (KillMode=mixed)' : ''}`);
    if (killPostgres) {
      run.watchdog.disarm();
      this.pgs.get(node)!.signal('kill');
    } else run.watchdog.daemonDied();
  }

  /** systemctl restart: SIGTERM (the daemon's clean shutdown), SIGKILL of the rest after 20 s, start again after `downMs`. */
  restartDaemon(node: string, downMs: number): void {
    const run = this.daemons.get(node);
    if (!run || !run.proc.alive || run.terminating) return;
    run.terminating = true;
    run.local.shuttingDown = true;
    this.log(`  sim: daemon ${node} gets SIGTERM`);
    if (run.proc.paused) this.s.resume(run.proc);
    let over = false;
    const finish = () => {
      if (over) return;
      over = true;
      this.killDaemon(node, true);
      this.s.after(downMs, null, () => this.startDaemon(node));
    };
    this.s.after(0, run.proc, () => void run.daemon.shutdown().finally(finish));
    this.s.after(20_000, null, finish);
  }

  resolve(t: Target): string {
    if (t === 'etcd' || t === 'client' || this.pgs.has(t)) return t;
    const primary = this.desired()?.primary ?? 'pg0';
    if (t === 'primary') return primary;
    const others = this.nodes.filter((n) => n !== primary);
    return this.rng.pick(others);
  }

  apply(f: Fault): void {
    const at = (ms: number, fn: () => void) => this.s.after(ms, null, fn);
    switch (f.kind) {
      case 'partition': {
        const a = this.resolve(f.a);
        let b = this.resolve(f.b);
        if (a === b) b = 'etcd';
        this.log(`FAULT partition ${a} <-> ${b} for ${f.ms}ms`);
        this.net.cut(a, b);
        at(f.ms, () => (this.net.heal(a, b), this.log(`heal partition ${a} <-> ${b}`)));
        break;
      }
      case 'isolate': {
        const n = this.resolve(f.node);
        const peers = ['etcd', 'client', ...this.nodes.filter((x) => x !== n)];
        this.log(`FAULT isolate ${n} for ${f.ms}ms`);
        for (const p of peers) this.net.cut(n, p);
        at(f.ms, () => {
          for (const p of peers) this.net.heal(n, p);
          this.log(`heal isolation of ${n}`);
        });
        break;
      }
      case 'link-delay': {
        const from = this.resolve(f.from);
        const to = this.resolve(f.to);
        const pairs: Array<[string, string]> = f.oneWay ? [[from, to]] : [[from, to], [to, from]];
        this.log(`FAULT ${f.extraMs}ms more delay ${from} ${f.oneWay ? '->' : '<->'} ${to} for ${f.ms}ms`);
        for (const [a, b] of pairs) this.net.addDelay(a, b, f.extraMs);
        at(f.ms, () => {
          for (const [a, b] of pairs) this.net.removeDelay(a, b, f.extraMs);
          this.log(`delay ${from} ${f.oneWay ? '->' : '<->'} ${to} lifted`);
        });
        break;
      }
      case 'link-loss': {
        const from = this.resolve(f.from);
        const to = this.resolve(f.to);
        const pairs: Array<[string, string]> = f.oneWay ? [[from, to]] : [[from, to], [to, from]];
        this.log(`FAULT ${Math.round(f.p * 100)}% loss ${from} ${f.oneWay ? '->' : '<->'} ${to} for ${f.ms}ms`);
        for (const [a, b] of pairs) this.net.addLoss(a, b, f.p);
        at(f.ms, () => {
          for (const [a, b] of pairs) this.net.removeLoss(a, b, f.p);
          this.log(`loss ${from} ${f.oneWay ? '->' : '<->'} ${to} lifted`);
        });
        break;
      }
      case 'starve': {
        const n = this.resolve(f.node);
        const run = this.daemons.get(n);
        if (!run?.proc.alive) break;
        this.log(`FAULT ${f.what} of ${n} starved of CPU (events up to ${f.lateMs}ms late) for ${f.ms}ms`);
        const late = () => this.rng.int(f.lateMs + 1);
        if (f.what !== 'watchdog') run.proc.starve = late;
        if (f.what !== 'daemon') run.watchdog.starve = late;
        at(f.ms, () => {
          if (f.what !== 'watchdog') run.proc.starve = null;
          if (f.what !== 'daemon') run.watchdog.starve = null;
          this.log(`${f.what} of ${n} gets the CPU again`);
        });
        break;
      }
      case 'daemon-pause': {
        const n = this.resolve(f.node);
        const run = this.daemons.get(n);
        if (!run?.proc.alive) break;
        this.log(`FAULT daemon ${n} paused (SIGSTOP) for ${f.ms}ms`);
        this.s.pause(run.proc);
        at(f.ms, () => (this.s.resume(run.proc), this.log(`daemon ${n} resumed`)));
        break;
      }
      case 'daemon-kill': {
        const n = this.resolve(f.node);
        if (!this.daemons.get(n)?.proc.alive) break;
        this.log(`FAULT daemon ${n} kill -9, restarts after ${f.downMs}ms`);
        this.killDaemon(n, f.killPostgres);
        at(f.downMs, () => this.startDaemon(n));
        break;
      }
      case 'daemon-restart': {
        const n = this.resolve(f.node);
        this.log(`FAULT daemon ${n} restarted (systemctl restart)`);
        this.restartDaemon(n, f.downMs);
        break;
      }
      case 'pg-crash': {
        const n = this.resolve(f.node);
        this.log(`FAULT postgres on ${n} crashes`);
        this.pgs.get(n)!.signal('kill');
        break;
      }
      case 'pg-freeze': {
        const n = this.resolve(f.node);
        const pg = this.pgs.get(n)!;
        if (!pg.server) break;
        this.log(`FAULT postgres on ${n} frozen (SIGSTOP) for ${f.ms}ms`);
        pg.freeze();
        at(f.ms, () => (pg.thaw(), this.log(`postgres on ${n} thawed`)));
        break;
      }
      case 'start-freeze': {
        const pg = this.pgs.get(this.resolve(f.node))!;
        this.log(`FAULT the next start of postgres on ${pg.node} freezes in startup for ${f.ms}ms`);
        pg.freezeNextStartMs = f.ms;
        break;
      }
      case 'start-slow': {
        const pg = this.pgs.get(this.resolve(f.node))!;
        this.log(`FAULT the next start of postgres on ${pg.node} takes ${f.ms}ms longer`);
        pg.slowNextStartMs = f.ms;
        break;
      }
      case 'slow-stop': {
        const pg = this.pgs.get(this.resolve(f.node))!;
        this.log(`FAULT a clean stop of postgres on ${pg.node} takes ${f.stopMs}ms (for ${f.ms}ms)`);
        pg.slowStopMs = f.stopMs;
        at(f.ms, () => (pg.slowStopMs = 0));
        break;
      }
      case 'slow-fsync': {
        const pg = this.pgs.get(this.resolve(f.node))!;
        this.log(`FAULT every fsync of postgres on ${pg.node} takes ${f.fsyncMs}ms (for ${f.ms}ms)`);
        pg.fsyncMs = f.fsyncMs;
        at(f.ms, () => (pg.fsyncMs = 0));
        break;
      }
      case 'disk-full': {
        const pg = this.pgs.get(this.resolve(f.node))!;
        this.log(`FAULT the disk of ${pg.node} is full for ${f.ms}ms`);
        pg.diskFull = true;
        at(f.ms, () => ((pg.diskFull = false), this.log(`disk of ${pg.node} has room again`)));
        break;
      }
      case 'replicas-lag': {
        const primary = this.desired()?.primary ?? 'pg0';
        const lagging = this.nodes.filter((n) => n !== primary).map((n) => this.pgs.get(n)!);
        this.log(`FAULT every replica (${lagging.map((p) => p.node).join(',')}) replays ${f.perTick} records per tick (for ${f.ms}ms)`);
        for (const pg of lagging) pg.replayPerTick = f.perTick;
        at(f.ms, () => {
          for (const pg of lagging) pg.replayPerTick = null;
        });
        break;
      }
      case 'slow-replay': {
        const pg = this.pgs.get(this.resolve(f.node))!;
        this.log(`FAULT ${pg.node} replays ${f.perTick} records per tick (for ${f.ms}ms)`);
        pg.replayPerTick = f.perTick;
        at(f.ms, () => (pg.replayPerTick = null));
        break;
      }
      case 'etcd-election':
        this.log(`FAULT etcd leader election (${f.ms}ms without a leader)`);
        this.etcd.elect(f.ms);
        break;
      case 'etcd-quorum-loss':
        this.log(`FAULT etcd loses its quorum for ${f.ms}ms`);
        this.etcd.loseQuorum();
        at(f.ms, () => (this.etcd.regainQuorum(), this.log('etcd quorum back')));
        break;
      case 'etcd-member':
        this.log(`FAULT etcd member ${f.member} ${f.how} for ${f.ms}ms${f.member === this.etcd.leaderMember() ? ' (the raft leader)' : ''}`);
        this.etcd.loseMember(f.member, f.how, 300 + this.rng.int(500));
        at(f.ms, () => (this.etcd.restoreMember(f.member), this.log(`etcd member ${f.member} back`)));
        break;
      case 'watch-reset':
        this.log('FAULT etcd ends every watch stream');
        this.etcd.endStreams(null, null);
        break;
      case 'operator':
        runOperator(this, f.action, (t) => this.resolve(t));
        break;
      case 'etcd-slow':
        this.log(`FAULT etcd answers ${f.extraMs}ms slower for ${f.ms}ms`);
        this.etcd.slowMs += f.extraMs;
        at(f.ms, () => (this.etcd.slowMs = Math.max(0, this.etcd.slowMs - f.extraMs)));
        break;
      case 'clock-step': {
        const n = this.resolve(f.node);
        this.log(`FAULT wall clock of ${n} steps by ${f.stepMs}ms`);
        this.wallOffset.set(n, (this.wallOffset.get(n) ?? 0) + f.stepMs);
        break;
      }
      case 'version-skew': {
        const n = this.resolve(f.node);
        this.log(`FAULT daemon on ${n} publishes a field of a newer version for ${f.ms}ms`);
        this.skewed.add(n);
        at(f.ms, () => this.skewed.delete(n));
        break;
      }
    }
  }

  /** Lifts every fault: the cluster must converge from here. */
  healAll(): void {
    this.log('HEAL everything');
    this.net.healAll();
    this.etcd.restore();
    this.etcd.slowMs = 0;
    this.skewed.clear();
    // A pause the operator did not lift (its resume failed, say with etcd unreachable) is lifted here.
    if (this.etcd.get(this.keys.maintenance)) this.etcd.del(this.keys.maintenance);
    for (const pg of this.pgs.values()) {
      pg.thaw();
      pg.slowStopMs = 0;
      pg.replayPerTick = null;
      pg.freezeNextStartMs = 0;
      pg.slowNextStartMs = 0;
      pg.fsyncMs = 0;
      pg.diskFull = false;
    }
    for (const n of this.nodes) {
      const run = this.daemons.get(n);
      if (run) {
        run.proc.starve = null;
        run.watchdog.starve = null;
      }
      if (run?.proc.paused) this.s.resume(run.proc);
      if (!run || (!run.proc.alive && !run.terminating)) this.startDaemon(n);
    }
  }

  async run(): Promise<SimResult> {
    const sch = this.schedule;
    const initProc = new Proc('init-cluster');
    const dcs = this.etcdClient('client', initProc, simClock(this.s, initProc, () => 0));
    void initCluster(dcs, { cluster: SIM_CLUSTER, primary: 'pg0', replicas: this.nodes.slice(1), sync: sch.sync, force: false, maxLagOnFailoverBytes: sch.maxLagBytes }, (l) => this.log(`init: ${l}`));
    this.log(`sim: seed ${this.seed}, ${describeSchedule(sch)}`);
    for (const n of this.nodes) this.s.after(50 + this.rng.int(300), null, () => this.startDaemon(n));
    const tick = () => {
      for (const pg of this.pgs.values()) pg.replicate();
      for (const pg of this.pgs.values()) {
        pg.settleCommits();
        pg.recycle();
      }
      this.s.after(REPLICATION_TICK_MS, null, tick);
    };
    this.s.after(REPLICATION_TICK_MS, null, tick);
    const write = () => {
      for (const pg of this.pgs.values()) {
        if (!this.net.reachable('client', pg.node)) continue;
        pg.write((c) => {
          this.acked.push({ id: c.id, pos: c.pos, node: pg.node, at: this.s.now });
          this.inv.onAck(pg.node);
        });
      }
      this.s.after(WRITE_EVERY_MS, null, write);
    };
    this.s.after(WRITE_EVERY_MS, null, write);
    for (const f of sch.faults) this.s.after(f.at, null, () => this.apply(f));
    this.s.after(sch.healAt, null, () => this.healAll());
    const check = () => this.inv.step();
    await this.s.runUntil(sch.end, check);
    this.inv.final();
    for (const run of this.daemons.values()) this.s.kill(run.proc);
    return {
      seed: this.seed,
      violations: this.inv.violations,
      trace: this.trace,
      stats: { acked: this.acked.length, failovers: this.failovers, steps: this.s.steps, simMs: this.s.now, ...this.inv.margins },
    };
  }

  describe(f: Fault): string {
    return describeFault(f);
  }
}
