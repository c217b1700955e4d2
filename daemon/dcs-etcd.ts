// The Dcs on etcd v3: one range read per cycle, leases managed by hand (no auto keepalive), CAS by transaction.
import { Agent, request as httpRequest } from 'node:http';
import { ConsecutiveBreaker, circuitBreaker, handleWhen, noop } from 'cockatiel';
import { Etcd3, isRecoverableError, type Lease, type Watcher } from 'etcd3';
import {
  clusterKeys,
  type ClusterConfig,
  type ClusterKeys,
  type DesiredState,
  type HistoryEntry,
  type LastLsn,
  type Maintenance,
  type NodeRequest,
  type NodeRequestKind,
  type MemberState,
  type RoleChangeRequest,
} from '../common/cluster-keys.js';
import { parseClusterView, parseHistory } from './cluster-view.js';
import type { CasExtras, ClusterView, Dcs, RawRead, WatchEvent } from './dcs.js';

export interface EtcdDcsOptions {
  endpoints: string[];
  cluster: string;
  /** Deadline of every call; a call that takes longer counts as a failure. */
  callTimeoutMs: number;
}

/**
 * Keepalives reuse their connections: five a second to every endpoint, each on a new TCP connection, were most of an
 * idle daemon's HTTP work and a good part of etcd's. A busy socket is never waited for (no maxSockets): a renewal
 * that finds every socket busy opens another, so one stuck connection cannot delay the next renewal.
 */
const keepAliveAgent = new Agent({ keepAlive: true, keepAliveMsecs: 1000 });

/** POST /v3/lease/keepalive: resolves true (alive), false (etcd says the lease is gone), rejects on any failure. */
function gatewayKeepAlive(endpoint: string, leaseId: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ ID: leaseId });
    const req = httpRequest(`${endpoint}/v3/lease/keepalive`, { method: 'POST', agent: keepAliveAgent, timeout: timeoutMs, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}`));
        try {
          const first = text.split('\n').find((l) => l.trim()) ?? '';
          const parsed = JSON.parse(first) as { result?: { TTL?: string }; error?: unknown };
          if (parsed.error || !parsed.result) return reject(new Error(`etcd error: ${first.slice(0, 100)}`));
          // The gateway omits zero values: no TTL means the lease no longer exists.
          resolve(Number(parsed.result.TTL ?? 0) > 0);
        } catch (err) {
          reject(err);
        }
      });
    });
    const timer = setTimeout(() => req.destroy(new Error('timeout')), timeoutMs);
    req.on('close', () => clearTimeout(timer));
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

/** How long a keepalive waits for the endpoint that answered last before asking the others too. */
const KEEPALIVE_HEDGE_MS = 100;

export class EtcdDcs implements Dcs {
  /** Index in opts.endpoints of the endpoint that answered the last keepalive. */
  private preferredEndpoint = 0;
  private readonly client: Etcd3;
  private readonly keys: ClusterKeys;
  private readonly leases = new Map<string, Lease>();
  private watcher: Watcher | null = null;

  constructor(private readonly opts: EtcdDcsOptions) {
    this.keys = clusterKeys(opts.cluster);
    const hosts = opts.endpoints.map((e) => e.replace(/^https?:\/\//, ''));
    this.client = new Etcd3({
      hosts,
      dialTimeout: opts.callTimeoutMs,
      // A deadline on the watch stream ended it every callTimeoutMs: the watcher reconnected each second, every
      // reconnect emptied the view cache (so cycles read etcd in full) and counted against the member's circuit
      // breaker. Streams get none; a connection that goes silent is found by gRPC keepalive pings instead (etcd
      // refuses pings more often than every 5 s), and the daemon reads in full every 2 s whatever the watch does.
      defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + opts.callTimeoutMs }),
      grpcOptions: { 'grpc.keepalive_time_ms': 10_000, 'grpc.keepalive_timeout_ms': 3000 },
      faultHandling: {
        // Skip a dead etcd member for a second, then try it again; the daemon's own loop does the retrying.
        host: () =>
          circuitBreaker(handleWhen(isRecoverableError), { halfOpenAfter: 1000, breaker: new ConsecutiveBreaker(2) }),
        global: noop,
      },
    });
  }

  private deadline() {
    return { deadline: Date.now() + this.opts.callTimeoutMs };
  }

  private async rawRange(prefix: string): Promise<RawRead> {
    const res = await this.client.getAll().prefix(prefix).options(this.deadline()).exec();
    return {
      revision: String(res.header.revision),
      kvs: res.kvs.map((kv) => ({
        key: kv.key.toString(),
        value: kv.value.toString(),
        modRevision: String(kv.mod_revision),
        lease: String(kv.lease),
      })),
    };
  }

  /** Everything but history/, which grows with every failover and is read only where it is shown. */
  async readRaw(): Promise<RawRead> {
    // Two ranges would be two revisions; one range up to the history prefix and one after it would still be two.
    // The history keys are few and small next to the members, so they are read and dropped here.
    const raw = await this.rawRange(this.keys.prefix);
    return { revision: raw.revision, kvs: raw.kvs.filter((kv) => !kv.key.startsWith(this.keys.historyPrefix)) };
  }

  async read(): Promise<ClusterView> {
    return parseClusterView((await this.readRaw()).kvs, this.keys);
  }

  async grantLease(ttlSeconds: number): Promise<{ id: string; ttlSeconds: number }> {
    const lease = this.client.lease(ttlSeconds, { autoKeepAlive: false, ...this.deadline() });
    lease.on('lost', () => undefined); // loss is detected by keepAlive's answer, not by this event
    const id = await lease.grant();
    this.leases.set(id, lease);
    // etcd answers the granted TTL only on keepalive; a first one tells us (and proves the lease works).
    const res = await lease.keepaliveOnce(this.deadline());
    return { id, ttlSeconds: Number(res.TTL) };
  }

  /**
   * Sends the keepalive through etcd's JSON gateway to the endpoint that answered last, and to every other one
   * if that has not answered within KEEPALIVE_HEDGE_MS (or failed): one dead etcd member must not cost a renewal
   * (the gRPC client sends a keepalive stream to one random member, and its circuit breaker does not see stream
   * failures). The first answer counts. Sending every keepalive to all members at once had each member parse and
   * forward three renewals where one does, for every daemon, five times a second.
   */
  async keepAlive(leaseId: string, timeoutMs: number): Promise<boolean> {
    const endpoints = this.opts.endpoints;
    const order = [...endpoints.slice(this.preferredEndpoint), ...endpoints.slice(0, this.preferredEndpoint)];
    return new Promise<boolean>((resolve, reject) => {
      let started = 0;
      let failed = 0;
      let settled = false;
      let hedge: ReturnType<typeof setTimeout> | undefined;
      const finish = () => {
        settled = true;
        if (hedge) clearTimeout(hedge);
      };
      const startRest = () => {
        while (started < order.length) start(order[started] as string);
      };
      const start = (endpoint: string) => {
        started++;
        gatewayKeepAlive(endpoint, leaseId, timeoutMs).then(
          (alive) => {
            if (settled) return;
            finish();
            this.preferredEndpoint = endpoints.indexOf(endpoint);
            resolve(alive);
          },
          () => {
            failed++;
            if (settled) return;
            if (started < order.length) return startRest();
            if (failed === order.length) {
              finish();
              reject(new Error(`no etcd endpoint confirmed lease ${leaseId} within ${timeoutMs}ms`));
            }
          },
        );
      };
      start(order[0] as string);
      if (order.length > 1) hedge = setTimeout(() => !settled && startRest(), Math.min(KEEPALIVE_HEDGE_MS, timeoutMs / 2));
    });
  }

  async revokeLease(leaseId: string): Promise<void> {
    const lease = this.leases.get(leaseId);
    this.leases.delete(leaseId);
    if (lease) await lease.revoke(this.deadline());
  }

  async publishMember(state: MemberState, leaseId: string, lastLsn?: LastLsn): Promise<void> {
    const put = this.client.put(this.keys.member(state.node)).value(JSON.stringify(state)).lease(leaseId);
    if (!lastLsn) {
      await put.options(this.deadline()).exec();
      return;
    }
    // One transaction, one raft proposal: the position outlives the member key, which goes with the lease.
    // (etcd3's builder needs a comparison; a mod revision is never below zero.)
    await this.client.if(this.keys.member(state.node), 'Mod', '>', -1).then(put, this.client.put(this.keys.lastLsn).value(JSON.stringify(lastLsn))).options(this.deadline()).commit();
  }

  async acquireRecloneLock(node: string, leaseId: string): Promise<boolean> {
    const res = await this.client
      .if(this.keys.recloneLock, 'Create', '==', 0)
      .then(this.client.put(this.keys.recloneLock).value(node).lease(leaseId))
      .else(this.client.get(this.keys.recloneLock))
      .options(this.deadline())
      .commit();
    if (res.succeeded) return true;
    return res.responses[0]?.response_range?.kvs[0]?.value.toString() === node;
  }

  async releaseRecloneLock(node: string): Promise<void> {
    await this.client
      .if(this.keys.recloneLock, 'Value', '==', node)
      .then(this.client.delete().key(this.keys.recloneLock))
      .options(this.deadline())
      .commit();
  }

  async campaign(node: string, leaseId: string): Promise<boolean> {
    const res = await this.client
      .if(this.keys.leader, 'Create', '==', 0)
      .then(this.client.put(this.keys.leader).value(node).lease(leaseId))
      .else(this.client.get(this.keys.leader))
      .options(this.deadline())
      .commit();
    if (res.succeeded) return true;
    const current = res.responses[0]?.response_range?.kvs[0]?.value.toString();
    return current === node;
  }

  async resign(node: string): Promise<void> {
    await this.client
      .if(this.keys.leader, 'Value', '==', node)
      .then(this.client.delete().key(this.keys.leader))
      .options(this.deadline())
      .commit();
  }

  async casDesired(expectRevision: string, next: DesiredState, leader: string, extras: CasExtras = {}): Promise<boolean> {
    const ops = [this.client.put(this.keys.desired).value(JSON.stringify(next))];
    if (extras.history) ops.push(this.client.put(this.keys.history(extras.history.generation)).value(JSON.stringify(extras.history)));
    const del = extras.consumeRequest ? [this.client.delete().key(this.keys.request)] : [];
    if (extras.refusal) ops.push(this.client.put(this.keys.refusal).value(JSON.stringify(extras.refusal)));
    const txn = this.client.if(this.keys.desired, 'Mod', '==', expectRevision).and(this.keys.leader, 'Value', '==', leader);
    // A missing key's mod revision is 0.
    if (extras.memberUnchanged) txn.and(this.keys.member(extras.memberUnchanged.node), 'Mod', '==', extras.memberUnchanged.modRevision ?? '0');
    const res = await txn
      .then(...ops, ...del)
      .options(this.deadline())
      .commit();
    return res.succeeded;
  }

  async markInitialized(systemId: string): Promise<boolean> {
    const res = await this.client
      .if(this.keys.initialized, 'Create', '==', 0)
      .then(this.client.put(this.keys.initialized).value(systemId))
      .else(this.client.get(this.keys.initialized))
      .options(this.deadline())
      .commit();
    if (res.succeeded) return true;
    return res.responses[0]?.response_range?.kvs[0]?.value.toString() === systemId;
  }

  async putRequest(request: RoleChangeRequest): Promise<boolean> {
    const res = await this.client
      .if(this.keys.request, 'Create', '==', 0)
      .then(this.client.put(this.keys.request).value(JSON.stringify(request)))
      .options(this.deadline())
      .commit();
    return res.succeeded;
  }

  async setMaintenance(value: Maintenance | null): Promise<void> {
    if (value) await this.client.put(this.keys.maintenance).value(JSON.stringify(value)).options(this.deadline()).exec();
    else await this.client.delete().key(this.keys.maintenance).options(this.deadline()).exec();
  }

  async putNodeRequest(kind: NodeRequestKind, node: string, request: NodeRequest): Promise<boolean> {
    const key = this.keys.nodeRequest(kind, node);
    const res = await this.client.if(key, 'Create', '==', 0).then(this.client.put(key).value(JSON.stringify(request))).options(this.deadline()).commit();
    return res.succeeded;
  }

  async deleteNodeRequest(kind: NodeRequestKind, node: string): Promise<void> {
    await this.client.delete().key(this.keys.nodeRequest(kind, node)).options(this.deadline()).exec();
  }

  async putConfig(expectRevision: string, config: ClusterConfig): Promise<boolean> {
    const res = await this.client
      .if(this.keys.config, 'Mod', '==', expectRevision)
      .then(this.client.put(this.keys.config).value(JSON.stringify(config)))
      .options(this.deadline())
      .commit();
    return res.succeeded;
  }

  async initCluster(desired: DesiredState, config: ClusterConfig, history: HistoryEntry, force: boolean): Promise<boolean> {
    const writes = [
      this.client.put(this.keys.desired).value(JSON.stringify(desired)),
      this.client.put(this.keys.config).value(JSON.stringify(config)),
      this.client.put(this.keys.history(history.generation)).value(JSON.stringify(history)),
    ];
    if (force) {
      // A forced init starts a new cluster: old members, history, leader and bootstrap marker go.
      await this.client.delete().prefix(this.keys.prefix).options(this.deadline()).exec();
      await this.client.if(this.keys.desired, 'Create', '==', 0).then(...writes).options(this.deadline()).commit();
      return true;
    }
    const res = await this.client.if(this.keys.desired, 'Create', '==', 0).then(...writes).options(this.deadline()).commit();
    return res.succeeded;
  }

  async readHistory(): Promise<HistoryEntry[]> {
    return parseHistory((await this.rawRange(this.keys.historyPrefix)).kvs);
  }

  async watch(onChange: (event: WatchEvent) => void, onReset: () => void): Promise<void> {
    const watcher = await this.client.watch().prefix(this.keys.prefix).create();
    this.watcher = watcher;
    watcher.on('put', (kv) => onChange({ key: kv.key.toString(), value: kv.value.toString(), modRevision: String(kv.mod_revision), lease: String(kv.lease) }));
    // A delete event's kv carries the delete's revision.
    watcher.on('delete', (kv) => onChange({ key: kv.key.toString(), value: null, modRevision: String(kv.mod_revision), lease: '0' }));
    // The watcher reconnects by itself; until the daemon reads again, what it delivered may have gaps.
    watcher.on('error', () => onReset());
    watcher.on('disconnected', () => onReset());
    watcher.on('connecting', () => onReset());
    watcher.on('connected', () => onReset());
  }

  async close(): Promise<void> {
    await this.watcher?.cancel().catch(() => undefined);
    this.client.close();
  }
}
