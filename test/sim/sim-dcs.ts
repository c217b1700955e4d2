// The Dcs interface on the simulated etcd, for one daemon process: latency, partitions and outages make calls reject at their deadline.
import { clusterKeys, type ClusterConfig, type DesiredState, type HistoryEntry, type LastLsn, type Maintenance, type MemberState, type NodeRequest, type NodeRequestKind, type RoleChangeRequest } from '../../common/cluster-keys.js';
import { parseClusterView, parseHistory, type RawKey } from '../../daemon/cluster-view.js';
import type { CasExtras, Dcs, RawRead, WatchEvent } from '../../daemon/dcs.js';
import type { ClusterView } from '../../daemon/cluster-view.js';
import type { Network } from './network.js';
import type { Proc, Scheduler } from './scheduler.js';
import type { SimEtcd } from './sim-etcd.js';

export const SIM_CLUSTER = 'sim';

export interface SimDcsEnv {
  s: Scheduler;
  net: Network;
  etcd: SimEtcd;
  /** One-way network latency in ms (seeded). */
  latency: () => number;
  /** Rewrites a member state before it is stored: models a daemon of another version (extra fields). */
  memberJson?: (state: MemberState) => string;
}

export class SimDcs implements Dcs {
  private readonly keys = clusterKeys(SIM_CLUSTER);
  private unwatch: (() => void) | null = null;

  constructor(
    private readonly env: SimDcsEnv,
    /** The machine the calls come from (partitions are between machines). */
    private readonly host: string,
    /** The daemon process: answers are its events, so a paused daemon gets them late and a dead one never. */
    private readonly proc: Proc,
    private readonly callTimeoutMs = 1000,
  ) {}

  /**
   * A request reaches etcd after one latency if the path is open and etcd serves; the answer needs the
   * path open again on the way back. Anything else is a rejection at the deadline ("unknown", as in gRPC).
   */
  private call<T>(op: () => T, timeoutMs = this.callTimeoutMs): Promise<T> {
    const { s, net, etcd } = this.env;
    return new Promise<T>((resolve, reject) => {
      let done = false;
      const deadline = s.after(timeoutMs, this.proc, () => {
        if (done) return;
        done = true;
        reject(new Error(`etcd: deadline exceeded after ${timeoutMs}ms`));
      });
      s.after(this.env.latency() + etcd.slowMs, null, () => {
        if (!net.reachable(this.host, 'etcd') || !etcd.available()) return;
        let ok = true;
        let result: T | undefined;
        let error: unknown;
        try {
          result = op();
        } catch (err) {
          ok = false;
          error = err;
        }
        s.after(this.env.latency() + etcd.slowMs, this.proc, () => {
          if (done || !net.reachable(this.host, 'etcd')) return;
          done = true;
          s.cancel(deadline);
          if (ok) resolve(result as T);
          else reject(error);
        });
      });
    });
  }

  private raw(prefix: string): RawKey[] {
    return this.env.etcd.range(prefix).map((kv) => ({ key: kv.key, value: kv.value, modRevision: String(kv.modRevision), lease: kv.lease }));
  }

  /** Everything but history/, at the store's revision (the watch-fed view starts from it). */
  readRaw(): Promise<RawRead> {
    return this.call(() => ({ revision: String(this.env.etcd.revision), kvs: this.raw(this.keys.prefix).filter((kv) => !kv.key.startsWith(this.keys.historyPrefix)) }));
  }

  read(): Promise<ClusterView> {
    return this.call(() => {
      // Parsing is a pure function of the store, which changes only with its revision: parse once per revision
      // (it is most of the simulator's time otherwise). Frozen, so a daemon mutating its view would throw.
      const cache = this.env.etcd.viewCache;
      if (cache?.revision === this.env.etcd.revision) return cache.view as ClusterView;
      const view = deepFreeze(parseClusterView(this.raw(this.keys.prefix).filter((kv) => !kv.key.startsWith(this.keys.historyPrefix)), this.keys));
      this.env.etcd.viewCache = { revision: this.env.etcd.revision, view };
      return view;
    });
  }

  grantLease(ttlSeconds: number): Promise<{ id: string; ttlSeconds: number }> {
    return this.call(() => this.env.etcd.grant(ttlSeconds));
  }

  keepAlive(leaseId: string, timeoutMs: number): Promise<boolean> {
    return this.call(() => this.env.etcd.keepAlive(leaseId), timeoutMs);
  }

  revokeLease(leaseId: string): Promise<void> {
    return this.call(() => this.env.etcd.revoke(leaseId));
  }

  publishMember(state: MemberState, leaseId: string, lastLsn?: LastLsn): Promise<void> {
    const json = this.env.memberJson ? this.env.memberJson(state) : JSON.stringify(state);
    return this.call(() => {
      const etcd = this.env.etcd;
      if (!etcd.leaseAlive(leaseId)) throw new Error('etcdserver: requested lease not found');
      const rev = etcd.txnRevision();
      etcd.put(this.keys.member(state.node), json, leaseId, rev);
      if (lastLsn) etcd.put((this.keys as { lastLsn: string }).lastLsn, JSON.stringify(lastLsn), '0', rev);
    });
  }

  private createIfAbsent(key: string, value: string, lease = '0'): boolean {
    const etcd = this.env.etcd;
    const cur = etcd.get(key);
    if (!cur) {
      etcd.put(key, value, lease);
      return true;
    }
    return cur.value === value;
  }

  acquireRecloneLock(node: string, leaseId: string): Promise<boolean> {
    return this.call(() => this.createIfAbsent((this.keys as { recloneLock: string }).recloneLock, node, leaseId));
  }

  releaseRecloneLock(node: string): Promise<void> {
    return this.call(() => {
      const key = (this.keys as { recloneLock: string }).recloneLock;
      if (this.env.etcd.get(key)?.value === node) this.env.etcd.del(key);
    });
  }

  campaign(node: string, leaseId: string): Promise<boolean> {
    return this.call(() => this.createIfAbsent(this.keys.leader, node, leaseId));
  }

  resign(node: string): Promise<void> {
    return this.call(() => {
      if (this.env.etcd.get(this.keys.leader)?.value === node) this.env.etcd.del(this.keys.leader);
    });
  }

  casDesired(expectRevision: string, next: DesiredState, leader: string, extras: CasExtras = {}): Promise<boolean> {
    return this.call(() => {
      const etcd = this.env.etcd;
      const d = etcd.get(this.keys.desired);
      if (String(d?.modRevision ?? 0) !== expectRevision || etcd.get(this.keys.leader)?.value !== leader) return false;
      const guard = extras.memberUnchanged;
      if (guard && String(etcd.get(this.keys.member(guard.node))?.modRevision ?? 0) !== (guard.modRevision ?? '0')) return false;
      const rev = etcd.txnRevision();
      etcd.put(this.keys.desired, JSON.stringify(next), '0', rev);
      if (extras.history) etcd.put(this.keys.history(extras.history.generation), JSON.stringify(extras.history), '0', rev);
      if (extras.refusal) etcd.put(this.keys.refusal, JSON.stringify(extras.refusal), '0', rev);
      if (extras.consumeRequest) etcd.del(this.keys.request, rev);
      return true;
    });
  }

  markInitialized(systemId: string): Promise<boolean> {
    return this.call(() => this.createIfAbsent(this.keys.initialized, systemId));
  }

  putRequest(request: RoleChangeRequest): Promise<boolean> {
    return this.call(() => {
      if (this.env.etcd.get(this.keys.request)) return false;
      this.env.etcd.put(this.keys.request, JSON.stringify(request));
      return true;
    });
  }

  setMaintenance(value: Maintenance | null): Promise<void> {
    return this.call(() => {
      if (value) this.env.etcd.put(this.keys.maintenance, JSON.stringify(value));
      else this.env.etcd.del(this.keys.maintenance);
    });
  }

  putNodeRequest(kind: NodeRequestKind, node: string, request: NodeRequest): Promise<boolean> {
    return this.call(() => {
      const key = this.keys.nodeRequest(kind, node);
      if (this.env.etcd.get(key)) return false;
      this.env.etcd.put(key, JSON.stringify(request));
      return true;
    });
  }

  deleteNodeRequest(kind: NodeRequestKind, node: string): Promise<void> {
    return this.call(() => {
      const key = this.keys.nodeRequest(kind, node);
      if (this.env.etcd.get(key)) this.env.etcd.del(key);
    });
  }

  putConfig(expectRevision: string, config: ClusterConfig): Promise<boolean> {
    return this.call(() => {
      if (String(this.env.etcd.get(this.keys.config)?.modRevision ?? 0) !== expectRevision) return false;
      this.env.etcd.put(this.keys.config, JSON.stringify(config));
      return true;
    });
  }

  initCluster(desired: DesiredState, config: ClusterConfig, history: HistoryEntry, force: boolean): Promise<boolean> {
    return this.call(() => {
      const etcd = this.env.etcd;
      if (force) for (const kv of etcd.range(this.keys.prefix)) etcd.del(kv.key);
      if (etcd.get(this.keys.desired)) return false;
      const rev = etcd.txnRevision();
      etcd.put(this.keys.desired, JSON.stringify(desired), '0', rev);
      etcd.put(this.keys.config, JSON.stringify(config), '0', rev);
      etcd.put(this.keys.history(history.generation), JSON.stringify(history), '0', rev);
      return true;
    });
  }

  readHistory(): Promise<HistoryEntry[]> {
    return this.call(() => parseHistory(this.raw(this.keys.historyPrefix)));
  }

  /**
   * Events reach the watcher only while its path to etcd is open; missed ones are not replayed and no reset is
   * signalled (as a cut TCP stream says nothing until it times out): the daemon's watch-fed view is then stale,
   * and only its full reads (periodic, and before every action) see what changed.
   */
  watch(onChange: (event: WatchEvent) => void, _onReset: () => void): Promise<void> {
    return this.call(() => {
      this.unwatch?.();
      let lastAt = -Infinity;
      this.unwatch = this.env.etcd.watch((key, value, modRevision, lease) => {
        if (!this.proc.alive || !this.env.net.reachable(this.host, 'etcd')) return;
        const event = { key, value, modRevision: String(modRevision), lease };
        // One stream: events arrive in revision order, whatever each one's latency.
        const at = Math.max(this.env.s.now + this.env.latency() + this.env.etcd.slowMs, lastAt);
        lastAt = at;
        this.env.s.after(at - this.env.s.now, this.proc, () => onChange(event));
      });
    });
  }

  async close(): Promise<void> {
    this.unwatch?.();
    this.unwatch = null;
  }

  /** The process died: its watch stream ends. */
  drop(): void {
    this.unwatch?.();
    this.unwatch = null;
  }
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as Record<string, unknown>)) deepFreeze(v);
  }
  return o;
}
